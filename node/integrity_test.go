package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/stream"
)

// damageEvents is enough assertions, with long sentences, to fill more
// than one of JetStream's 8 MiB message blocks.
const damageEvents = 900

// filledDataDir makes a data directory whose log spans at least two
// message blocks, all of it folded into the store, and returns the
// stream's block files, in order.
func filledDataDir(t *testing.T, dir string) []string {
	t.Helper()
	n, err := Start(context.Background(), Config{DataDir: dir, Instance: "t"})
	if err != nil {
		t.Fatal(err)
	}
	padding := strings.Repeat("and the sentence goes on at length, ", 280) // about 10 KB
	for i := 0; i < damageEvents; i += 100 {
		var in []map[string]any
		for j := i; j < i+100; j++ {
			in = append(in, map[string]any{
				"subject": map[string]any{"name": fmt.Sprintf("Company %d", j)}, "predicate": "OWNS", "object": map[string]any{"name": fmt.Sprintf("Brand %d", j)},
				"evidence": map[string]any{"document": fmt.Sprintf("doc%d", j/100), "sentence": fmt.Sprintf("Company %d owns Brand %d, %s.", j, j, padding)},
			})
		}
		body, _ := json.Marshal(map[string]any{
			"query":     `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in, wait: true) { projected } }`,
			"variables": map[string]any{"in": in},
		})
		rec := httptest.NewRecorder()
		n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body))))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"projected":true`) {
			t.Fatalf("record: %d %.300s", rec.Code, rec.Body)
		}
	}
	if got := n.Store().Applied(); got != damageEvents {
		t.Fatalf("applied %d, want %d", got, damageEvents)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	blocks := blockFiles(t, dir)
	if len(blocks) < 2 {
		t.Fatalf("the log is in %d message block, want at least 2", len(blocks))
	}
	return blocks
}

// blockFiles lists the DOSSIER stream's message blocks, in order.
func blockFiles(t *testing.T, dir string) []string {
	t.Helper()
	blocks, err := filepath.Glob(filepath.Join(dir, "nats", "jetstream", "*", "streams", "DOSSIER", "msgs", "*.blk"))
	if err != nil {
		t.Fatal(err)
	}
	num := func(p string) int {
		n, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(p), ".blk"))
		return n
	}
	slices.SortFunc(blocks, func(a, b string) int { return num(a) - num(b) })
	return blocks
}

// assertionsIn counts the assertions a store holds.
func assertionsIn(t *testing.T, s *graph.Store) int {
	t.Helper()
	d, err := s.DigestAt(0)
	if err != nil {
		t.Fatal(err)
	}
	return d.Kinds["asr"]
}

// A log cut short or missing its last block is refused at start, with a
// message that says what the log lost and what to do, and never to
// rebuild (that would lose what the store holds and the log does not).
// --accept-log-loss serves on, keeping the store, and is recorded, so
// that later starts need no flag; verify reports the damage at once
// instead of waiting for events the log no longer holds; rebuild
// refuses, unless the loss is accepted.
func TestStartRefusesDamagedLog(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, blocks []string)
	}{
		// The operator's test: `truncate -s 4000000` of the first block.
		{"first block truncated", func(t *testing.T, blocks []string) {
			if err := os.Truncate(blocks[0], 4_000_000); err != nil {
				t.Fatal(err)
			}
		}},
		{"last block deleted", func(t *testing.T, blocks []string) {
			if err := os.Remove(blocks[len(blocks)-1]); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			c.damage(t, filledDataDir(t, dir))
			cfg := Config{DataDir: dir, Instance: "t"}

			_, err := Start(ctx, cfg)
			var damage *LogDamageError
			if !errors.As(err, &damage) {
				t.Fatalf("Start on a damaged log = %v, want a LogDamageError", err)
			}
			if lost := damage.Missing.Count(); lost == 0 || damage.Folded != lost || damage.Applied != damageEvents || damage.Last != damageEvents {
				t.Errorf("damage = %+v (%d lost), want every lost event folded, applied %d of %d", damage, lost, damageEvents, damageEvents)
			}
			msg := err.Error()
			for _, want := range []string{"dossier restore", "--accept-log-loss", "would lose"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the refusal does not say %q: %s", want, msg)
				}
			}
			if !Damaged(err) {
				t.Errorf("Damaged(%v) = false", err)
			}

			// Rebuild would lose what the store holds: refused.
			if _, err := Rebuild(ctx, cfg); !errors.As(err, &damage) {
				t.Errorf("Rebuild over a store holding what the log lost = %v, want a LogDamageError", err)
			}

			// Accepted: the store is served as it is, every assertion
			// in it, and the loss recorded.
			accept := cfg
			accept.AcceptLogLoss = true
			n, err := Start(ctx, accept)
			if err != nil {
				t.Fatalf("Start with AcceptLogLoss: %v", err)
			}
			if got := assertionsIn(t, n.Store()); got != damageEvents {
				t.Errorf("the store serves %d assertions, want all %d", got, damageEvents)
			}
			n.Close()
			n, err = Start(ctx, cfg)
			if err != nil {
				t.Fatalf("Start after the loss was accepted: %v", err)
			}
			defer n.Close()

			// Verify says the log is shorter than the store, at once.
			vctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			r, err := n.Verify(vctx)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if r.Equal || r.Damage == nil || r.Damage.Folded != damage.Folded || !strings.Contains(r.Damage.Message, "lost") {
				t.Errorf("Verify = %+v, want a report of %d folded events the log lost", r, damage.Folded)
			}
			rec := httptest.NewRecorder()
			n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/admin/verify", nil).WithContext(vctx))
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"damage"`) {
				t.Errorf("POST /admin/verify = %d %.300s", rec.Code, rec.Body)
			}

			// A loss accepted once is not a licence: a new one is
			// refused again.
			n.Close()
			if err := os.Truncate(blockFiles(t, dir)[0], 1_000_000); err != nil {
				t.Fatal(err)
			}
			_, err = Start(ctx, cfg)
			var again *LogDamageError
			if !errors.As(err, &again) || again.Missing.Count() == 0 || damage.Missing.Minus(again.Missing).Count() != damage.Missing.Count() {
				t.Errorf("Start after a new loss = %v, want a LogDamageError naming only the new loss (the old: %v)", err, damage.Missing)
			}
		})
	}
}

// A log replaced by another of the same length (another server's NATS
// directory) is refused: its event at the store's sequence is not the
// one the store folded.
func TestStartRefusesAnotherLog(t *testing.T) {
	ctx := context.Background()
	a, b := t.TempDir(), t.TempDir()
	for i, dir := range []string{a, b} {
		n, err := Start(ctx, Config{DataDir: dir, Instance: "t"})
		if err != nil {
			t.Fatal(err)
		}
		recordThroughAPI(t, n.Handler(), [3]string{fmt.Sprintf("Acme %d", i), "OWNS", "Widget"}, [3]string{"Widget", "COMPETES_WITH", "Gadget"})
		n.Close()
	}
	if err := os.RemoveAll(filepath.Join(a, "nats")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(b, "nats"), filepath.Join(a, "nats")); err != nil {
		t.Fatal(err)
	}
	// The credentials go with the NATS directory they were made for.
	if err := os.Rename(filepath.Join(b, "nats-credentials.json"), filepath.Join(a, "nats-credentials.json")); err != nil {
		t.Fatal(err)
	}
	_, err := Start(ctx, Config{DataDir: a, Instance: "t"})
	var mismatch *LogMismatchError
	if !errors.As(err, &mismatch) || mismatch.Sequence != 2 {
		t.Fatalf("Start on another log = %v, want a LogMismatchError at 2", err)
	}
	if !strings.Contains(err.Error(), "another log") {
		t.Errorf("the refusal does not say what happened: %v", err)
	}
}

// A store that cannot be read is rebuilt from a whole log, and not from
// one that has lost events, unless the loss is accepted.
func TestRebuildDamagedStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Instance: "t"}
	n, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	recordThroughAPI(t, n.Handler(), [3]string{"Acme", "OWNS", "Widget"}, [3]string{"Widget", "COMPETES_WITH", "Gadget"})
	n.Close()
	sst, _ := filepath.Glob(filepath.Join(dir, "graph", "*.sst"))
	if len(sst) == 0 {
		t.Fatal("no table in the store")
	}
	if err := os.Truncate(sst[0], 100); err != nil {
		t.Fatal(err)
	}
	_, err = Start(ctx, cfg)
	var corrupt *graph.CorruptError
	if !errors.As(err, &corrupt) || !Damaged(err) {
		t.Fatalf("Start on a damaged store = %v, want a CorruptError", err)
	}
	if got, err := Rebuild(ctx, cfg); err != nil || got != 2 {
		t.Fatalf("Rebuild of a damaged store = %d, %v; want 2 events", got, err)
	}
	n, err = Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if got := assertionsIn(t, n.Store()); got != 2 {
		t.Errorf("after rebuild: %d assertions, want 2", got)
	}
}

// A projection that folds nothing while the log says it holds more is
// stopped with a StalledError, after telling its progress; it does not
// wait for ever.
func TestProjectionStalls(t *testing.T) {
	defer func(d time.Duration) { projectStall = d }(projectStall)
	projectStall = 200 * time.Millisecond
	store, err := graph.Open(context.Background(), graph.Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var told []Progress
	start := time.Now()
	watchProjection(ctx, cancel, store, 10, nil, func(p Progress) { told = append(told, p) })
	var stalled *StalledError
	if err := context.Cause(ctx); !errors.As(err, &stalled) || stalled.Of != 10 || stalled.Folded != 0 {
		t.Fatalf("cause = %v, want a StalledError at 0 of 10", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stalled after %s, want about %s", d, projectStall)
	}
	if len(told) == 0 || told[0] != (Progress{Folded: 0, Of: 10}) {
		t.Errorf("progress told %v", told)
	}
}

func TestLastHeld(t *testing.T) {
	missing := stream.Ranges{{First: 3, Last: 4}, {First: 8, Last: 10}}
	for until, want := range map[uint64]uint64{12: 12, 10: 7, 9: 7, 7: 7, 4: 2, 2: 2} {
		if got := lastHeld(missing, until); got != want {
			t.Errorf("lastHeld(%v, %d) = %d, want %d", missing, until, got, want)
		}
	}
	if got := lastHeld(stream.Ranges{{First: 1, Last: 5}}, 5); got != 0 {
		t.Errorf("lastHeld of a log that lost all = %d, want 0", got)
	}
}

// The embedded log's files are read whole at start only when they are
// not as the node left them: a clean stop records them, a changed block
// (here only its time) asks for a read.
func TestLogBlocksRecorded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n, err := Start(ctx, Config{DataDir: dir, Instance: "t"})
	if err != nil {
		t.Fatal(err)
	}
	recordThroughAPI(t, n.Handler(), [3]string{"Acme", "OWNS", "Widget"})
	n.Close()
	n, err = Start(ctx, Config{DataDir: dir, Instance: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if changed, err := n.blocksChanged(); err != nil || changed {
		t.Fatalf("blocks after a clean stop: changed %v, %v; want as recorded", changed, err)
	}
	blocks := blockFiles(t, dir)
	if len(blocks) == 0 {
		t.Fatal("no blocks")
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(blocks[0], later, later); err != nil {
		t.Fatal(err)
	}
	if changed, err := n.blocksChanged(); err != nil || !changed {
		t.Errorf("a block touched since: changed %v, %v; want changed", changed, err)
	}
}
