package main

import (
	"context"
	"strings"
	"testing"
)

// rebuild re-projects the log into a fresh store: the answers are the
// same, and it refuses to run under a live server.
func TestRebuild(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	for _, q := range e2eQueries {
		before[q.name] = ts.query(q.query, nil)
	}
	cmd := &rebuildCmd{storeFlags: storeFlags{Data: dir}}
	err := cmd.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "stop") {
		t.Errorf("rebuild under a running server = %v, want an error saying to stop it", err)
	}
	ts.stop()
	if err := cmd.Run(context.Background()); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	ts = startServer(t, dir)
	for _, q := range e2eQueries {
		if got := ts.query(q.query, nil); got != before[q.name] {
			t.Errorf("after rebuild, %s differs:\n%s\nbefore:\n%s", q.name, got, before[q.name])
		}
	}
}
