package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestPythonClient runs clients/python/check_dossier_client.py: the
// notebook client (standard library only) pages through relationships
// and actors, reads as of a sequence and an actor's history, raises
// errors with their codes, and writes CSV, against a real server.
func TestPythonClient(t *testing.T) {
	_, err := exec.LookPath("python3")
	requireTool(t, err == nil, "python3", "install Python 3.8 or later")

	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "check_dossier_client.py", ts.http.URL)
	cmd.Dir = filepath.Join(repoRoot, "clients", "python")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 clients/python/check_dossier_client.py: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
