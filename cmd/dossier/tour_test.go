package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/node"
)

// Every query of the README's tour runs against the quick-start graph
// (the example corpus through the built-in extractor) and answers
// something: a tour that shows null or [] teaches nothing.
func TestReadmeTour(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	tour := section(string(readme), "## A short tour")
	queries := regexp.MustCompile(`(?m)^q '((?:[^']|\n)*?)'`).FindAllStringSubmatch(tour, -1)
	if len(queries) < 10 {
		t.Fatalf("found %d queries in the tour", len(queries))
	}
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "tour"})
	files, _ := filepath.Glob(filepath.Join(repoRoot, "examples", "corpus", "*.txt"))
	if _, stderr, err := ts.ingest(files...); err != nil {
		t.Fatalf("ingest the corpus: %v\n%s", err, stderr)
	}
	var seen strings.Builder // every answer so far, for ids the tour says to look up
	for _, m := range queries {
		q := m[1]
		if strings.Contains(q, "<id>") {
			id := regexp.MustCompile(`assertion:[0-9a-f]{32}`).FindString(seen.String())
			if id == "" {
				t.Fatalf("the tour uses an assertion id before any query shows one: %s", q)
			}
			q = strings.ReplaceAll(q, "assertion:<id>", id)
		}
		var data json.RawMessage
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := ts.flags().client().do(ctx, q, nil, &data)
		cancel()
		if err != nil {
			t.Errorf("%s\n  → %v", q, err)
			continue
		}
		seen.Write(data)
		t.Logf("%s\n  → %.160s", oneLine(q, 100), data)
		var fields map[string]any
		json.Unmarshal(data, &fields)
		for name, v := range fields {
			if empty(v) {
				t.Errorf("%s\n  → %s is empty: %s", oneLine(q, 120), name, data)
			}
		}
	}
	// The commands of the tour.
	var out bytes.Buffer
	if err := (&historyCmd{Actor: "ByteDance", First: 50, clientFlags: ts.flags()}).run(context.Background(), &out, time.Now()); err != nil || !strings.Contains(out.String(), "AssertionRecorded") {
		t.Errorf("dossier history --actor ByteDance: %v\n%s", err, out.String())
	}
}

// section is the text of a README section, from its heading to the next
// heading of the same level.
func section(doc, heading string) string {
	i := strings.Index(doc, heading)
	if i < 0 {
		return ""
	}
	rest := doc[i+len(heading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// empty: null, an empty list, a connection without edges, or an object
// with nothing but empty values.
func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case []any:
		return len(t) == 0
	case map[string]any:
		if edges, ok := t["edges"]; ok {
			return empty(edges)
		}
		for _, x := range t {
			if !empty(x) {
				return false
			}
		}
		return true
	}
	return false
}
