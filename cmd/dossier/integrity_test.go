package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/dossier-kg/dossier/node"
)

// The operator's damaged log, through the commands: a first message
// block cut short (`truncate -s 4000000`). serve refuses it with exit 6
// and says what to do; served with --accept-log-loss, `dossier verify`
// says the log is shorter than the store, with exit 6, and `dossier
// rebuild` refuses to lose what the store holds.
func TestDamagedLogCommands(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	lines := filepath.Join(t.TempDir(), "long.jsonl")
	var b bytes.Buffer
	padding := strings.Repeat("and the sentence goes on at length, ", 280) // about 10 KB
	const n = 900                                                          // more than one 8 MiB block
	for i := range n {
		json.NewEncoder(&b).Encode(map[string]any{
			"subject": map[string]any{"name": fmt.Sprintf("Company %d", i)}, "predicate": "OWNS", "object": map[string]any{"name": fmt.Sprintf("Brand %d", i)},
			"evidence": map[string]any{"document": fmt.Sprintf("doc%d", i/100), "sentence": fmt.Sprintf("Company %d owns Brand %d, %s.", i, i, padding)},
		})
	}
	if err := os.WriteFile(lines, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := load(t, ts, lines, false); err != nil {
		t.Fatal(err)
	}
	if err := ts.node.Store().WaitFor(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	ts.stop()
	blocks, _ := filepath.Glob(filepath.Join(dir, "nats", "jetstream", "*", "streams", "DOSSIER", "msgs", "*.blk"))
	slices.SortFunc(blocks, func(a, b string) int { return blockNum(a) - blockNum(b) })
	if len(blocks) < 2 {
		t.Fatalf("%d message blocks, want at least 2", len(blocks))
	}
	if err := os.Truncate(blocks[0], 4_000_000); err != nil {
		t.Fatal(err)
	}

	// Parsed as the command line is, so that every flag has its default.
	var cl cli
	parser, err := kong.New(&cl, kong.Name("dossier"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0", "--nats-listen", ""}); err != nil {
		t.Fatal(err)
	}
	err = cl.Serve.Run(context.Background())
	if code := exitCode(err); code != exitDamaged || !strings.Contains(fmt.Sprint(err), "dossier restore") {
		t.Fatalf("serve on a damaged log: exit %d (%v), want %d and what to do", code, err, exitDamaged)
	}
	rebuild := &rebuildCmd{storeFlags: storeFlags{Data: dir}}
	if err := rebuild.Run(context.Background()); exitCode(err) != exitDamaged {
		t.Errorf("rebuild over a store holding what the log lost: exit %d (%v), want %d", exitCode(err), err, exitDamaged)
	}

	ts = startServerWith(t, node.Config{DataDir: dir, Instance: "test", AcceptLogLoss: true})
	c := &verifyCmd{Server: ts.http.URL, Timeout: time.Minute}
	var out bytes.Buffer
	err = c.run(context.Background(), &out, nil)
	if exitCode(err) != exitDamaged || !strings.Contains(out.String(), "the log is SHORTER than the store") || !strings.Contains(out.String(), "dossier restore") {
		t.Errorf("verify: exit %d (%v), printed:\n%s", exitCode(err), err, out.String())
	}
}

func blockNum(p string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(p), ".blk"))
	return n
}
