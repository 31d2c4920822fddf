package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/stream"
)

// fakeDisk is a disk whose free space the test sets: the free-space probe
// is the one thing simulated; NATS and Badger are real, in t.TempDir().
type fakeDisk struct{ free atomic.Int64 }

func (f *fakeDisk) probe(string) (int64, error) { return f.free.Load(), nil }

const testReserve = 100 << 20

// diskStart starts a node whose disk has free bytes free, a reserve of
// testReserve, and measures it every 5 ms.
func diskStart(t *testing.T, dir string, free int64) (*Node, *fakeDisk, error) {
	t.Helper()
	d := &fakeDisk{}
	d.free.Store(free)
	n, err := Start(context.Background(), Config{DataDir: dir, Instance: "disk-test", DiskReserve: testReserve, FreeSpace: d.probe, diskPoll: 5 * time.Millisecond})
	if err == nil {
		t.Cleanup(func() { n.Close() })
	}
	return n, d, err
}

// diskAnswer is a GraphQL answer as the node's handler gives it.
type diskAnswer struct {
	status int
	Data   map[string]json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func (a diskAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	return fmt.Sprint(a.Errors[0].Extensions["code"])
}

func diskPost(t *testing.T, h http.Handler, path, query string) diskAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	a := diskAnswer{status: rec.Code}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
	return a
}

func diskRecordQuery(i int) string {
	return fmt.Sprintf(`mutation { recordAssertions(input: [{subject: {name: "Acme %d"}, predicate: "OWNS", object: {name: "Widget"}, evidence: {document: "d", sentence: "Acme %d owns Widget."}}]) { lastSequence projected } }`, i, i)
}

// Below the reserve every kind of write is refused with UNAVAILABLE and
// the amounts, nothing reaches the log, and reads go on; once the space
// is back the same write goes in.
func TestDiskLowRefusesWrites(t *testing.T) {
	n, disk, err := diskStart(t, t.TempDir(), 10*testReserve)
	if err != nil {
		t.Fatal(err)
	}
	h := n.Handler()
	if a := diskPost(t, h, "/graphql", diskRecordQuery(1)); a.code() != "" {
		t.Fatalf("with room: %+v", a)
	}
	ctx := context.Background()
	before, err := n.Log().LastSequence(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Less free than the reserve, more than half of it: writes stop,
	// the projector does not.
	disk.free.Store(testReserve - 1)
	writes := map[string]string{
		"recordAssertions":  diskRecordQuery(2),
		"ingestDocument":    `mutation { ingestDocument(input: {title: "Ban", text: "India banned TikTok in June."}) { sequence } }`,
		"retractAssertion":  `mutation { retractAssertion(id: "assertion:0123456789abcdef0123456789abcdef", reason: "r") { sequence } }`,
		"mergeActors":       `mutation { mergeActors(from: "Acme 1", into: "Widget", reason: "r") { sequence } }`,
		"recordAssertions2": `mutation Named { recordAssertions(input: []) { lastSequence } }`,
	}
	for name, q := range writes {
		a := diskPost(t, h, "/graphql", q)
		if a.status != http.StatusServiceUnavailable || a.code() != "UNAVAILABLE" {
			t.Errorf("%s below the reserve: %d %+v, want 503 UNAVAILABLE", name, a.status, a)
			continue
		}
		msg := a.Errors[0].Message
		for _, want := range []string{"refusing writes", "100.0 MiB free (up to ", "keeps 100.0 MiB free", "Reads go on", "free space"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: the message %q does not say %q", name, msg, want)
			}
		}
		if strings.Contains(msg, n.cfg.DataDir) {
			t.Errorf("%s: the message shows the server's data directory to a client: %q", name, msg)
		}
		if a.Errors[0].Extensions["reserveBytes"] != float64(testReserve) {
			t.Errorf("%s: extensions %v", name, a.Errors[0].Extensions)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/admin/reextract", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "UNAVAILABLE") {
		t.Errorf("/admin/reextract below the reserve: %d %s", rec.Code, rec.Body)
	}
	if after, err := n.Log().LastSequence(ctx); err != nil || after != before {
		t.Errorf("refused writes reached the log: last sequence %d, was %d (%v)", after, before, err)
	}
	// Reads go on.
	if a := diskPost(t, h, "/graphql", `{ actor(name: "Acme 1") { name } stats { assertions } }`); a.code() != "" || !strings.Contains(string(a.Data["actor"]), "Acme 1") {
		t.Errorf("a query below the reserve: %+v", a)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/healthz below the reserve: %d %s", rec.Code, rec.Body)
	}
	if m := scrape(t, diskMetricsURL(t, n)); m["dossier_disk_refusing_writes"] != 1 || m[`dossier_disk_free_bytes{dir="graph"}`] != testReserve-1 || m["dossier_disk_reserve_bytes"] != testReserve {
		t.Errorf("metrics below the reserve: %v", m)
	}

	// Space back: the refused write goes in, once.
	disk.free.Store(testReserve + 1<<20)
	if a := diskPost(t, h, "/graphql", diskRecordQuery(2)); a.code() != "" {
		t.Fatalf("space back: %+v", a)
	}
	if a := diskPost(t, h, "/graphql", `{ stats { assertions } }`); string(a.Data["stats"]) != `{"assertions":2}` {
		t.Errorf("stats after the space came back: %s", a.Data["stats"])
	}
}

// A request's write claims room until it ends, so that concurrent writes
// cannot each see the same free space and together take the reserve.
func TestDiskClaims(t *testing.T) {
	d := &fakeDisk{}
	const req = 1 << 20 // a request of 1 MiB claims 4 MiB
	d.free.Store(testReserve + 3*req*writeFootprint)
	g := newDisk(Config{DataDir: t.TempDir(), DiskReserve: testReserve, FreeSpace: d.probe, Logger: slog.New(slog.DiscardHandler)})
	var releases []func()
	for i := range 3 {
		release, err := g.admit(req)
		if err != nil {
			t.Fatalf("write %d of 3 that fit: %v", i+1, err)
		}
		releases = append(releases, release)
	}
	_, err := g.admit(req)
	low := (*LowDiskError)(nil)
	if !errors.As(err, &low) || low.Claimed != 3*req*writeFootprint || low.Need != req*writeFootprint {
		t.Fatalf("a fourth write while three are in progress: %v (%+v)", err, low)
	}
	releases[0]()
	releases[0]() // twice is once
	release, err := g.admit(req)
	if err != nil {
		t.Fatalf("after one ended: %v", err)
	}
	release()
	if _, err := g.admit(4 * req); err == nil {
		t.Error("a write larger than the room left was admitted")
	}
}

// Events reach the log from other writers (another instance, any NATS
// client with the right): the projector folds them while more than half
// the reserve is free, pauses below that without writing, says so, and
// folds everything once the reserve is free again.
func TestDiskLowPausesProjector(t *testing.T) {
	n, disk, err := diskStart(t, t.TempDir(), 10*testReserve)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	appendOne := func(i int) uint64 {
		t.Helper()
		a := events.AssertionRecorded{Subject: events.ActorRef{Name: fmt.Sprintf("Other %d", i)}, Predicate: "OWNS", Object: events.ActorRef{Name: "Widget"},
			Evidence: events.Evidence{Document: "d", Sentence: fmt.Sprintf("Other %d owns Widget.", i)}}
		a.Normalize(nil)
		ev, err := events.New(&a, events.Meta{Principal: "another-writer"})
		if err != nil {
			t.Fatal(err)
		}
		out, err := n.Log().Append(ctx, []events.Envelope{ev}, stream.AppendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return out[0].Sequence
	}

	// Writes refused, the projector still folds.
	disk.free.Store(testReserve/2 + 1)
	if err := n.Store().WaitFor(ctx, appendOne(1)); err != nil {
		t.Fatalf("between half the reserve and the reserve the projector stopped: %v", err)
	}

	// Below half: paused.
	disk.free.Store(testReserve/2 - 1)
	metrics := diskMetricsURL(t, n)
	diskWaitFor(t, "the projector to pause", func() bool { return scrape(t, metrics)["dossier_projector_paused"] == 1 })
	applied := n.Store().Applied()
	var last uint64
	for i := 2; i < 12; i++ {
		last = appendOne(i)
	}
	time.Sleep(200 * time.Millisecond)
	if got := n.Store().Applied(); got != applied {
		t.Fatalf("the projector folded events into a full disk: applied %d, was %d", got, applied)
	}
	if a := diskPost(t, n.Handler(), "/graphql", `{ stats { sequence } }`); a.code() != "" {
		t.Errorf("a query while the projector is paused: %+v", a)
	}
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/healthz while paused: %d %s (a restart would not help: it would refuse to start)", rec.Code, rec.Body)
	}

	// Back above half, still below the reserve: still paused, so that it
	// does not flap around one value.
	disk.free.Store(testReserve - 1)
	time.Sleep(100 * time.Millisecond)
	if got := n.Store().Applied(); got != applied {
		t.Fatalf("resumed below the reserve: applied %d, was %d", got, applied)
	}

	// The whole reserve free: resumes and folds everything.
	disk.free.Store(testReserve)
	if err := n.Store().WaitFor(ctx, last); err != nil {
		t.Fatalf("after the space came back: %v", err)
	}
	if m := scrape(t, metrics); m["dossier_projector_paused"] != 0 || m["dossier_healthy"] != 1 {
		t.Errorf("metrics after resuming: %v", m)
	}
	if a := diskPost(t, n.Handler(), "/graphql", `{ stats { assertions } }`); string(a.Data["stats"]) != `{"assertions":11}` {
		t.Errorf("stats after resuming: %s", a.Data["stats"])
	}
}

// A node does not start on a disk below the reserve, and does not open
// the store there (on a full disk, opening Badger may already fault); it
// says how much is free and what to do.
func TestDiskLowRefusesStart(t *testing.T) {
	dir := t.TempDir()
	n, _, err := diskStart(t, dir, 10*testReserve)
	if err != nil {
		t.Fatal(err)
	}
	if a := diskPost(t, n.Handler(), "/graphql", diskRecordQuery(1)); a.code() != "" {
		t.Fatal(a)
	}
	n.Close()
	modified := diskModTimes(t, filepath.Join(dir, "graph"))

	_, _, err = diskStart(t, dir, testReserve-1)
	low := (*LowDiskError)(nil)
	if !errors.As(err, &low) || low.Free != testReserve-1 || low.Reserve != testReserve {
		t.Fatalf("start below the reserve: %v", err)
	}
	for _, want := range []string{"not starting", filepath.Join(dir, "graph"), "100.0 MiB free", "--disk-reserve", "free space on that disk"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message %q does not say %q", err, want)
		}
	}
	if after := diskModTimes(t, filepath.Join(dir, "graph")); after != modified {
		t.Errorf("the store was opened:\nbefore %s\nafter  %s", modified, after)
	}

	// A data directory not made yet is measured on its parent's disk.
	_, _, err = diskStart(t, filepath.Join(t.TempDir(), "new", "data"), 0)
	if !errors.As(err, &low) {
		t.Errorf("a new data directory on a full disk: %v", err)
	}

	// Space back: it starts, with what was recorded.
	n, _, err = diskStart(t, dir, testReserve)
	if err != nil {
		t.Fatal(err)
	}
	if a := diskPost(t, n.Handler(), "/graphql", `{ stats { assertions } }`); string(a.Data["stats"]) != `{"assertions":1}` {
		t.Errorf("stats after the restart: %s", a.Data["stats"])
	}
}

// diskModTimes lists the files of dir with their sizes and times.
func diskModTimes(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:%d:%d ", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return b.String()
}

func diskWaitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// diskMetricsURL serves the node's handler on loopback, where /metrics
// answers without a token, and returns the metrics' URL.
func diskMetricsURL(t *testing.T, n *Node) string {
	t.Helper()
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// A rebuild or a replay the disk cannot hold with the reserve left is
// refused before it writes anything, and one whose disk fills while it
// runs stops with a LowDiskError and gives back what it wrote: before,
// both ran until Badger died of SIGBUS, taking the disk the log and the
// live store share down with it. The live store is untouched either way.
func TestDiskLowRefusesRebuildAndReplay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n, _, err := diskStart(t, dir, 10*testReserve)
	if err != nil {
		t.Fatal(err)
	}
	const events = 6
	for i := range events {
		recordThroughAPI(t, n.Handler(), [3]string{fmt.Sprintf("Acme %d", i), "OWNS", "Widget"})
	}
	n.Close()
	live := filepath.Join(dir, "graph")

	d := &fakeDisk{}
	cfg := Config{DataDir: dir, Instance: "disk-test", DiskReserve: testReserve, FreeSpace: d.probe, Logger: slog.New(slog.DiscardHandler)}
	d.free.Store(testReserve + 1) // the reserve, and not the log's size beside it
	_, err = Rebuild(ctx, cfg)
	low := (*LowDiskError)(nil)
	if !errors.As(err, &low) || low.Need <= 0 || low.Free != testReserve+1 {
		t.Fatalf("rebuild on a disk without room: %v, want a LowDiskError with what it needs", err)
	}
	for _, want := range []string{"needed by this one", "--disk-reserve"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(live + ".rebuild"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused rebuild left %s.rebuild: %v", live, err)
	}
	out := filepath.Join(t.TempDir(), "replayed")
	if _, err := Replay(ctx, cfg, 0, out); !errors.As(err, &low) {
		t.Fatalf("replay on a disk without room: %v, want a LowDiskError", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused replay left %s: %v", out, err)
	}

	// The disk fills while a projection runs: the watcher stops it with a
	// LowDiskError below half the reserve (at half, it goes on).
	projectStall = 40 * time.Millisecond // the watcher measures every 10 ms
	t.Cleanup(func() { projectStall = 30 * time.Second })
	for _, tc := range []struct {
		free int64
		stop bool
	}{{testReserve / 2, false}, {testReserve/2 - 1, true}} {
		scratch, err := graph.Open(ctx, graph.Config{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancelCause(ctx)
		d.free.Store(tc.free)
		guard := newDiskAt(live+".rebuild", Config{DiskReserve: testReserve, FreeSpace: d.probe})
		watchProjection(wctx, cancel, scratch, 10, guard, nil)
		cause := context.Cause(wctx)
		if got := errors.As(cause, &low); got != tc.stop {
			t.Errorf("%d bytes free: the projection stopped with %v; want a LowDiskError: %v", tc.free, cause, tc.stop)
		}
		cancel(nil)
		scratch.Close()
	}
	n, _, err = diskStart(t, dir, 10*testReserve)
	if err != nil {
		t.Fatal(err)
	}
	if got := assertionsIn(t, n.Store()); got != events {
		t.Errorf("the live store holds %d assertions after the refusals, want %d", got, events)
	}
	n.Close()

	// Room: the rebuild goes through, with every event.
	d.free.Store(10 * testReserve)
	if got, err := Rebuild(ctx, cfg); err != nil || got != events {
		t.Fatalf("rebuild with room: %d, %v; want %d events", got, err, events)
	}
}
