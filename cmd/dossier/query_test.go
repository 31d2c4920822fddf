package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dossier query prints the first list of an answer as a table, in the
// query's field order, or the answer as JSON; bad input exits 2.
func TestQueryCommand(t *testing.T) {
	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	run := func(c queryCmd, stdin string) (string, error) {
		c.clientFlags = ts.flags()
		if c.Format == "" {
			c.Format = "table"
		}
		var out bytes.Buffer
		err := c.run(context.Background(), strings.NewReader(stdin), &out)
		return out.String(), err
	}
	out, err := run(queryCmd{Query: `{ actors(search: "Tik", first: 5) { edges { node { name type relationships(first: 2) { predicate } } } } }`}, "")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "TYPE") || !strings.Contains(out, "TikTok") {
		t.Errorf("table:\n%s", out)
	}
	out, err = run(queryCmd{Query: `{ actor(name: "TikTok") { name type } }`, Format: "json"}, "")
	if err != nil || !strings.Contains(out, `"name": "TikTok"`) {
		t.Errorf("json: %v\n%s", err, out)
	}
	// Not a list: JSON even as a table.
	if out, err = run(queryCmd{Query: `{ stats { actors } }`}, ""); err != nil || !strings.Contains(out, `"actors"`) {
		t.Errorf("no list: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "q.graphql")
	os.WriteFile(file, []byte(`query($n: String) { actor(name: $n) { name } }`), 0o600)
	if out, err = run(queryCmd{Query: "@" + file, Vars: `{"n": "ByteDance"}`, Format: "json"}, ""); err != nil || !strings.Contains(out, "ByteDance") {
		t.Errorf("@file with vars: %v\n%s", err, out)
	}
	if out, err = run(queryCmd{Query: "-", Format: "json"}, `{ actor(name: "India") { name } }`); err != nil || !strings.Contains(out, "India") {
		t.Errorf("stdin: %v\n%s", err, out)
	}
	for _, c := range []queryCmd{{Query: "{ salary }"}, {Query: "{ stats { actors } }", Vars: "[1"}, {Query: "@/nonexistent/file"}} {
		if _, err := run(c, ""); exitCode(err) != exitInvalid {
			t.Errorf("%+v: exit %d (%v), want %d", c.Query, exitCode(err), err, exitInvalid)
		}
	}
}
