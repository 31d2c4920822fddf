package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/node"
)

// dossier backup while the server runs, dossier restore into a new data
// directory, and a server there answers the same export.
func TestBackupRestoreCommands(t *testing.T) {
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test", NATS: node.NATSConfig{Listen: "127.0.0.1:-1"}})
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	before := exportOf(t, ts, "jsonl")
	dir := filepath.Join(t.TempDir(), "backup")
	var out bytes.Buffer
	b := &backupCmd{Dir: dir, storeFlags: storeFlags{Data: ts.dir, natsFlags: natsFlags{NATS: ts.node.NATSURL()}}}
	if err := b.run(context.Background(), &out); err != nil || !strings.Contains(out.String(), "DOSSIER (") {
		t.Fatalf("backup: %v %s", err, out.String())
	}
	// Without --nats, under a running server: refused, saying what to do.
	if err := (&backupCmd{Dir: t.TempDir(), storeFlags: storeFlags{Data: ts.dir}}).run(context.Background(), &out); err == nil || !strings.Contains(err.Error(), "--nats") {
		t.Errorf("backup under a running server without --nats: %v", err)
	}
	fresh := filepath.Join(t.TempDir(), "data")
	out.Reset()
	if err := (&restoreCmd{Dir: dir, storeFlags: storeFlags{Data: fresh}}).run(context.Background(), &out); err != nil || !strings.Contains(out.String(), "dossier serve --data") {
		t.Fatalf("restore: %v %s", err, out.String())
	}
	if err := (&restoreCmd{Dir: dir, storeFlags: storeFlags{Data: fresh}}).run(context.Background(), &out); exitCode(err) != exitInvalid {
		t.Errorf("restore into a used data directory: exit %d (%v)", exitCode(err), err)
	}
	restored := startServerWith(t, node.Config{DataDir: fresh, Instance: "restored"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := restored.node.Store().WaitFor(ctx, ts.node.Store().Applied()); err != nil {
		t.Fatalf("the restored log was not projected: %v", err)
	}
	if after := exportOf(t, restored, "jsonl"); after != before {
		t.Errorf("the restored server exports otherwise:\n%s", firstDiff(before, after))
	}
}
