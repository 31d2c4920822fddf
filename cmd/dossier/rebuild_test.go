package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/node"
	"github.com/dossier-kg/dossier/stream"
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

// Scripts tell "rebuild the store" apart from other failures by the exit
// code.
func TestExitCodeRebuild(t *testing.T) {
	err := fmt.Errorf("serve: %w", &graph.LayoutError{Dir: "data/graph", Have: 3, Want: 4})
	if got := exitCode(err); got != exitRebuild {
		t.Errorf("exitCode(%v) = %d, want %d", err, got, exitRebuild)
	}
}

// A damaged or mismatched log or store has its own exit code: rebuilding
// is not the answer to all of them, and the message says what is.
func TestExitCodeDamaged(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("serve: %w", &node.StoreAheadError{Stream: "DOSSIER", Applied: 60, LogLast: 1}),
		fmt.Errorf("serve: %w", &node.LogDamageError{Stream: "DOSSIER", Applied: 60, Last: 60, Missing: stream.Ranges{{First: 3, Last: 9}}, Folded: 7}),
		fmt.Errorf("serve: %w", &node.LogMismatchError{Stream: "DOSSIER", Sequence: 60}),
		fmt.Errorf("serve: %w", &graph.CorruptError{Dir: "data/graph", File: "000001.sst", Err: errors.New("checksum mismatch")}),
	} {
		if got := exitCode(err); got != exitDamaged {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, exitDamaged)
		}
	}
}
