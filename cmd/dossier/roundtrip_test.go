package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/node"
)

// What export writes, load reads back: the corpus through the built-in
// extractor (offsets, valid times, confidences, producers, documents
// with their texts) and hand-written assertions (documents known by
// name, attributions), exported, loaded into an empty server and
// exported again, come out the same; and the second graph has the same
// relationships.
func TestExportLoadRoundTrip(t *testing.T) {
	a := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "a"})
	files, _ := filepath.Glob(filepath.Join(repoRoot, "examples", "corpus", "*.txt"))
	if _, stderr, err := a.ingest(files...); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	if err := load(t, a, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	// A retracted assertion is no longer content: it is left out.
	a.query(`mutation { retractDocument(id: "document:`+firstDocumentID(t, a)+`", reason: "test") { sequence } }`, nil)

	first := exportOf(t, a, "jsonl")
	if !strings.Contains(first, `"document":{"id":`) || !strings.Contains(first, `"valid":`) || !strings.Contains(first, `"attributed_to":"`) || !strings.Contains(first, `"start":`) {
		t.Fatalf("the export lacks documents, valid times, attributions or offsets:\n%.2000s", first)
	}
	file := filepath.Join(t.TempDir(), "export.jsonl")
	if err := os.WriteFile(file, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	b := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "b"})
	if err := load(t, b, file, false); err != nil {
		t.Fatalf("load the export: %v", err)
	}
	if second := exportOf(t, b, "jsonl"); second != first {
		t.Errorf("export → load → export differs:\n%s", firstDiff(first, second))
	}
	rels := `{ relationships(first: 1000) { edges { node { id support affirmed negated } } } }`
	if ra, rb := a.query(rels, nil), b.query(rels, nil); ra != rb {
		t.Errorf("the relationships differ:\n%s", firstDiff(ra, rb))
	}

	// CSV: a header and a row per live assertion.
	rows, err := csv.NewReader(strings.NewReader(exportOf(t, b, "csv"))).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if n := strings.Count(first, `"predicate"`); len(rows) != n+1 || rows[0][0] != "assertion_id" {
		t.Errorf("csv has %d rows, want a header and %d", len(rows), n)
	}
	// GraphML: parses, with a node per actor that has a relationship.
	var g graphML
	if err := xml.Unmarshal([]byte(exportOf(t, b, "graphml")), &g); err != nil {
		t.Fatalf("graphml: %v", err)
	}
	if n := strings.Count(b.query(rels, nil), `"id"`); len(g.Graph.Edges) != n || len(g.Graph.Nodes) < 2 {
		t.Errorf("graphml has %d edges and %d nodes; the graph has %d relationships", len(g.Graph.Edges), len(g.Graph.Nodes), n)
	}
}

func exportOf(t *testing.T, ts *testServer, format string) string {
	t.Helper()
	var buf bytes.Buffer
	c := &exportCmd{Format: format, clientFlags: ts.flags()}
	if err := c.write(context.Background(), &buf); err != nil {
		t.Fatalf("export --format %s: %v", format, err)
	}
	return buf.String()
}

func firstDocumentID(t *testing.T, ts *testServer) string {
	t.Helper()
	var page struct {
		Documents struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	if err := ts.flags().client().do(context.Background(), `{ documents(first: 1) { edges { node { id } } } }`, nil, &page); err != nil || len(page.Documents.Edges) == 0 {
		t.Fatalf("documents: %v", err)
	}
	return strings.TrimPrefix(page.Documents.Edges[0].Node.ID, "document:")
}

// firstDiff shows where two texts part.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n- " + oneLine(x, 400) + "\n+ " + oneLine(y, 400)
		}
	}
	return "(same lines)"
}
