package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/projections"
	"github.com/dossier-kg/dossier/stream"
)

var (
	assertions = flag.Int("assertions", 1_000_000, "how many assertions BenchmarkMillion records")
	// In a 1 GiB cgroup (in-1gib.sh) the raw Badger floor crawls: its
	// tables outgrow the page cache the group leaves them.
	badgerFloorOn = flag.Bool("badger-floor", true, "measure raw Badger writing 20M keys (BenchmarkMillion); false skips it")
)

// BenchmarkMillion records -assertions synthetic assertions (default a
// million) and measures each stage against the raw floor of the part
// under it, in the same run, on the same disk:
//
//   - append (stream.Log.Append, batches of 1,000) against raw async
//     publishing of the same messages, with Msg-Id, to another stream;
//   - projection (the projector folding them all) against draining the
//     raw stream with an ordered consumer, and against raw Badger writes
//     (managed WriteBatchAt, one commit timestamp per 1,000 keys);
//   - queries through the HTTP handler on the million-assertion graph.
//
// It runs once whatever b.N; -benchtime 1x says so. See BENCHMARKS.md.
func BenchmarkMillion(b *testing.B) {
	n := *assertions
	ctx := context.Background()
	dir := b.TempDir()
	srv, err := stream.StartServer(stream.ServerConfig{Dir: dir + "/nats"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := srv.Connect()
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	log, err := stream.OpenLog(ctx, stream.LogConfig{JetStream: js})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "RAW", Subjects: []string{"raw.>"}, Storage: jetstream.FileStorage}); err != nil {
		b.Fatal(err)
	}
	gen := newCorpus(n)
	b.ResetTimer()

	// Append, and the raw publish of the same messages, batch by batch
	// so that both see the same machine.
	const batch = 1000
	var rawPub, appendDur time.Duration
	// The queries ask for actors named before the last batch, which exist
	// in the graph read as of that point too.
	namedBefore, past := 0, uint64(0)
	for i := 0; i < n; i += batch {
		if i+batch >= n {
			namedBefore = len(gen.named)
			if past, err = log.LastSequence(ctx); err != nil {
				b.Fatal(err)
			}
		}
		evs := gen.batch(i, min(batch, n-i))
		msgs := make([]*nats.Msg, len(evs))
		for k, ev := range evs {
			body, err := ev.Marshal()
			if err != nil {
				b.Fatal(err)
			}
			msgs[k] = &nats.Msg{Subject: "raw." + strings.TrimPrefix(ev.Subject, "dossier."), Data: body, Header: nats.Header{}}
			msgs[k].Header.Set(jetstream.MsgIDHeader, ev.ID)
		}
		start := time.Now()
		for _, m := range msgs {
			if _, err := js.PublishMsgAsync(m); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(time.Minute):
			b.Fatal("raw publish: no acks within a minute")
		}
		rawPub += time.Since(start)
		start = time.Now()
		if _, err := log.Append(ctx, evs, stream.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
		appendDur += time.Since(start)
	}
	report(b, "append", n, appendDur, "raw-publish", rawPub)
	logRSS(b, "after appending")

	// Projection, against the raw consumer.
	start := time.Now()
	testenv.Drain(b, js, "RAW", n)
	rawConsume := time.Since(start)
	// The raw floor's stream holds as much server state as Dossier's (a
	// subject per relationship, a duplicate id per message): gone from
	// here on, so that the memory figures are Dossier's.
	if err := js.DeleteStream(ctx, "RAW"); err != nil {
		b.Fatal(err)
	}
	store, err := graph.Open(ctx, graph.Config{Dir: dir + "/graph"})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	last, err := log.LastSequence(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// DOSSIER_PROJECT_PROFILE=FILE writes a CPU profile of the
	// projection alone, at the store's full size.
	stopProfile := cpuProfile(b, "DOSSIER_PROJECT_PROFILE")
	start = time.Now()
	p, err := projections.New(projections.Config{Store: store, JetStream: js, StopAt: last})
	if err != nil {
		b.Fatal(err)
	}
	stopCurve := growthCurve(b, store, dir+"/graph", start, last)
	err = p.Run(ctx)
	stopCurve()
	if err != nil {
		b.Fatal(err)
	}
	project := time.Since(start)
	stopProfile()
	report(b, "project", n, project, "raw-consume", rawConsume)
	logRSS(b, "after projecting")
	b.ReportMetric(float64(diskUsage(dir+"/graph"))/float64(n), "store-B/assertion")
	logDisk(b, dir+"/graph", n)
	logEntries(b, store, n)

	if *badgerFloorOn {
		rawKeys := min(20*n, 20_000_000) // about what the fold writes per assertion
		rawBadger := badgerFloor(b, dir+"/raw-badger", rawKeys)
		b.ReportMetric(float64(rawKeys)/rawBadger.Seconds(), "raw-badger-keys/s")
		b.Logf("raw Badger: %d keys in %s (%.0f keys/s)", rawKeys, rawBadger.Round(time.Millisecond), float64(rawKeys)/rawBadger.Seconds())
	}

	gen.named = gen.named[:namedBefore]
	// DOSSIER_QUERY_PROFILE=FILE writes a CPU profile of the query stage
	// alone: what stands between a query and its target.
	defer cpuProfile(b, "DOSSIER_QUERY_PROFILE")()
	queries(b, store, log, gen, max(past, 1))
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(0, "ns/op")
}

// cpuProfile writes a CPU profile to the file the environment variable
// names, if it names one, until the returned func is called.
func cpuProfile(b *testing.B, env string) (stop func()) {
	file := os.Getenv(env)
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// growthCurve logs the projection's progress at each tenth of the log:
// its rate over that tenth, the store's size and the process's RSS, so
// that a run shows how the cost grows with the store (what a larger run
// would take follows from it). The returned func stops it.
func growthCurve(b *testing.B, store *graph.Store, dir string, start time.Time, last uint64) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		prevSeq, prevAt := uint64(0), start
		for tenth := uint64(1); tenth <= 10; tenth++ {
			if err := store.WaitFor(ctx, last*tenth/10); err != nil {
				return
			}
			seq, now := store.Applied(), time.Now()
			b.Logf("projected %8d at %8s: %6.0f/s over the last tenth; store %5.0f B/assertion; RSS %5d MiB",
				seq, now.Sub(start).Round(time.Second), float64(seq-prevSeq)/now.Sub(prevAt).Seconds(),
				float64(diskUsage(dir))/float64(seq), procStatus("VmRSS:")>>20)
			prevSeq, prevAt = seq, now
		}
	}()
	return func() { cancel(); <-done }
}

// logDisk logs the store's disk use per assertion by kind of file.
func logDisk(b *testing.B, dir string, n int) {
	kinds := diskUsageByKind(dir)
	var total int64
	parts := ""
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		total += kinds[k]
		if k == "" {
			parts += fmt.Sprintf(" other %.0f", float64(kinds[k])/float64(n))
			continue
		}
		parts += fmt.Sprintf(" %s %.0f", k, float64(kinds[k])/float64(n))
	}
	b.Logf("store on disk per assertion %.0f B:%s", float64(total)/float64(n), parts)
}

// logEntries logs the entries the fold wrote per assertion, by key kind:
// the projection's cost and the store's size follow them.
func logEntries(b *testing.B, store *graph.Store, n int) {
	counts, err := store.EntryCounts(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	kinds := slices.Sorted(maps.Keys(counts))
	slices.SortStableFunc(kinds, func(x, y string) int { return counts[y].Count - counts[x].Count })
	var total graph.Entries
	entries, bytes, packed := "", "", ""
	per := func(v int64) float64 { return float64(v) / float64(n) }
	for _, k := range kinds {
		c := counts[k]
		total.Count += c.Count
		total.KeyBytes += c.KeyBytes
		total.ValueBytes += c.ValueBytes
		total.Packed += c.Packed
		entries += fmt.Sprintf(" %s %.2f", k, per(int64(c.Count)))
		bytes += fmt.Sprintf(" %s %.0f+%.0f", k, per(c.KeyBytes), per(c.ValueBytes))
		packed += fmt.Sprintf(" %s %.0f", k, per(c.Packed))
	}
	b.Logf("entries per assertion %.1f:%s", per(int64(total.Count)), entries)
	b.Logf("bytes per assertion before compression, keys+values, %.0f+%.0f:%s", per(total.KeyBytes), per(total.ValueBytes), bytes)
	b.Logf("bytes per assertion in tables, estimated (Badger's block layout, Snappy), %.0f:%s", per(total.Packed), packed)
	b.ReportMetric(per(int64(total.Count)), "entries/assertion")
}

// report logs a stage against its raw floor and reports both rates and
// their ratio.
func report(b *testing.B, name string, n int, took time.Duration, raw string, rawTook time.Duration) {
	rate, rawRate := float64(n)/took.Seconds(), float64(n)/rawTook.Seconds()
	b.Logf("%-8s %8d in %9s: %8.0f/s; %-11s %9s: %8.0f/s; ratio %.3f", name, n, took.Round(time.Millisecond), rate,
		raw, rawTook.Round(time.Millisecond), rawRate, rate/rawRate)
	b.ReportMetric(rate, name+"/s")
	b.ReportMetric(rawRate, raw+"/s")
	b.ReportMetric(rate/rawRate, name+"-ratio")
}

// badgerFloor writes n keys of the projection's typical sizes (40 B
// keys, 200 B values) to a fresh managed Badger, a commit timestamp per
// 1,000 keys, and returns how long that took.
func badgerFloor(b *testing.B, dir string, n int) time.Duration {
	db, err := badger.OpenManaged(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := bytes.Repeat([]byte("v"), 200)
	start := time.Now()
	for i := 0; i < n; i += 1000 {
		wb := db.NewWriteBatchAt(uint64(i/1000 + 1))
		for k := i; k < min(i+1000, n); k++ {
			if err := wb.Set(fmt.Appendf(nil, "rel:actor-%08d:PREDICATE:actor-%08d", k%50000, k), val); err != nil {
				b.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// queries times typical reads through the real HTTP handler on the
// graph just built, each against a trivial query on the same server in
// the same run, and as of past, the sequence before the last batch (the
// same graph, read at an older version).
func queries(b *testing.B, store *graph.Store, log *stream.Log, gen *corpus, past uint64) {
	// One client asking as fast as it can: no rate limit.
	s, err := api.New(api.Config{Store: store, Log: log, Limits: api.Limits{Rate: -1}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// Over loopback HTTP, one client with keep-alive: the trivial query's
	// floor in RAW-LIMITS.md is measured the same way.
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	client := srv.Client()
	rng := rand.New(rand.NewPCG(7, 7))
	var trivial time.Duration
	run := func(name, unit string, target float64, q func() string) time.Duration {
		var ds []time.Duration
		for range 300 {
			body, _ := json.Marshal(map[string]string{"query": q()})
			start := time.Now()
			resp, err := client.Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			ds = append(ds, time.Since(start))
			if err != nil || resp.StatusCode != 200 || bytes.Contains(got, []byte(`"errors"`)) {
				b.Fatalf("%s: %d %v %.300s", name, resp.StatusCode, err, got)
			}
		}
		slices.Sort(ds)
		p50, p99 := ds[len(ds)/2], ds[len(ds)*99/100]
		if trivial == 0 {
			trivial = p99
		}
		ratio := float64(p99) / float64(trivial)
		verdict := ""
		if target > 0 {
			verdict = fmt.Sprintf("(target ≤ %g×: %s)", target, map[bool]string{true: "met", false: "missed"}[ratio <= target])
		}
		b.Logf("query %-42s p50 %8s  p99 %8s  %6.1f× trivial %s", name, p50.Round(time.Microsecond), p99.Round(time.Microsecond), ratio, verdict)
		b.ReportMetric(float64(p99)/1e6, unit+"-p99-ms")
		return p99
	}
	asOf := func(q string) string { return fmt.Sprintf(`{ asOf(sequence: %d) %s }`, past, q) }
	versus := func(name, unit string, live time.Duration, q func() string) {
		p99 := run(name+", as of", unit+"-asof", 0, func() string { return asOf(q()) })
		b.Logf("      as of ÷ live, p99: %.2f (target ≤ 2: %s)", float64(p99)/float64(live), map[bool]string{true: "met", false: "missed"}[float64(p99) <= 2*float64(live)])
	}
	run("trivial { __typename }", "trivial", 0, func() string { return `{ __typename }` })
	// Actors drawn as the corpus draws them: mostly the common ones.
	actor := func() string { return fmt.Sprintf(`{ actor(name: %q) { name type mentions } }`, gen.actor(rng)) }
	versus("actor(name)", "actor", run("actor(name)", "actor", 3, actor), actor)
	edges := func() string {
		return fmt.Sprintf(`{ actor(name: %q) { name edges(first: 50) { edges { node { predicate support other { name } } } } } }`, gen.actor(rng))
	}
	versus("actor's edges, first 50 by support", "actor-edges", run("actor's edges, first 50 by support", "actor-edges", 5, edges), edges)
	// The most supported relationship of a common actor: its evidence a
	// page at a time, and read whole (Relationship.assertions).
	evidence := func(sel string) func() string {
		return func() string {
			return fmt.Sprintf(`{ actor(name: %q) { edges(first: 1) { edges { node { relationship { support %s } } } } } }`, gen.actor(rng), sel)
		}
	}
	run("a hub relationship's evidence, first 50", "evidence", 0, evidence(`evidence(first: 50) { edges { node { polarity evidence { sentence } } } }`))
	run("the same, every assertion", "evidence-all", 0, evidence(`assertions { polarity evidence { sentence } }`))
	run("relationships(predicate, first: 50)", "relationships", 0, func() string {
		return fmt.Sprintf(`{ relationships(predicate: %q, first: 50) { edges { node { support subject { name } object { name } } } } }`, gen.predicate(rng))
	})
	neighbors := func() string {
		return fmt.Sprintf(`{ neighbors(actor: %q, depth: 2) { depth fromCapped actor { name } } }`, gen.actor(rng))
	}
	versus("neighbors(depth: 2)", "neighbors", run("neighbors(depth: 2)", "neighbors", 50, neighbors), neighbors)
	path := func() string {
		return fmt.Sprintf(`{ path(from: %q, to: %q, maxDepth: 4) { length steps { predicate to { name } } } }`, gen.anyActor(rng), gen.anyActor(rng))
	}
	versus("path(maxDepth: 4), random actors", "path", run("path(maxDepth: 4), random actors", "path", 75, path), path)
}

// diskUsage is the disk space the files under dir take: blocks
// allocated, as du counts, since Badger preallocates its value log and
// memtable files far beyond what they hold.
func diskUsage(dir string) int64 {
	var total int64
	for _, n := range diskUsageByKind(dir) {
		total += n
	}
	return total
}

// diskUsageByKind is diskUsage by file extension ("sst" for Badger's
// tables, "mem" for the logs of memtables not yet written as tables):
// the tables are what stays, the memtable logs what a flush replaces.
func diskUsageByKind(dir string) map[string]int64 {
	kinds := map[string]int64{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			kind := strings.TrimPrefix(filepath.Ext(path), ".")
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				kinds[kind] += st.Blocks * 512
			} else {
				kinds[kind] += info.Size()
			}
		}
		return nil
	})
	return kinds
}

// peakRSS is the process's peak resident set, in bytes (Linux).
func peakRSS() int64 { return procStatus("VmHWM:") }

// logRSS logs the resident set now, split into anonymous memory (what
// the process holds) and file pages (Badger's and NATS's memory-mapped
// tables and logs, which the kernel takes back under pressure), and the
// Go heap's share.
func logRSS(b *testing.B, stage string) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.Logf("%-17s RSS %5d MiB (peak %5d; anonymous %5d, files %5d), Go heap in use %5d MiB", stage,
		procStatus("VmRSS:")>>20, peakRSS()>>20, procStatus("RssAnon:")>>20, procStatus("RssFile:")>>20, m.HeapInuse>>20)
	// DOSSIER_HEAP_PROFILE=DIR writes a heap profile at each stage, for
	// `go tool pprof`: what holds the memory, not only how much.
	if dir := os.Getenv("DOSSIER_HEAP_PROFILE"); dir != "" {
		f, err := os.Create(filepath.Join(dir, strings.ReplaceAll(stage, " ", "-")+".heap"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		runtime.GC()
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
	}
}

// procStatus reads a kB figure from /proc/self/status (Linux), in bytes.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
