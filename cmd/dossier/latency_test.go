package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/node"
)

// How fast the live feed is, and what it costs to hold subscribers.
// See BENCHMARKS.md ("Subscriptions") for the commands and figures.

// BenchmarkSubscriptionLatency records assertions at 1,000 a second (a
// batch of 10 every 10 ms, b.N in all: -benchtime 5000x is five seconds)
// while a WebSocket subscriber follows them, and reports the time from
// each recordAssertions call's return to the subscriber's receipt of the
// assertion, matched by sequence. With wait=false the call returns once
// the log has the events, so the figure includes projecting them; with
// wait=true it returns once they are projected, and the event may beat
// the response (a negative latency).
func BenchmarkSubscriptionLatency(b *testing.B) {
	for _, wait := range []bool{false, true} {
		b.Run(fmt.Sprintf("wait=%v", wait), func(b *testing.B) { benchLatency(b, wait) })
	}
}

func benchLatency(b *testing.B, wait bool) {
	base := startBenchServer(b)
	const batch, every = 10, 10 * time.Millisecond
	batches := max(1, (b.N+batch-1)/batch)

	conn, err := wsConnect(base, `subscription { assertionRecorded { sequence predicate subject { name } object { name } evidence { sentence } } }`, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	// The subscriber: the time each sequence arrived.
	var mu sync.Mutex
	received := map[uint64]time.Time{}
	var maxSeq uint64
	readErr := make(chan error, 1)
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			at := time.Now()
			if err != nil {
				readErr <- err
				return
			}
			var m struct {
				Type    string
				Payload struct {
					Data struct {
						AssertionRecorded struct{ Sequence uint64 }
					}
					Errors []feedError
				}
			}
			if err := json.Unmarshal(data, &m); err != nil || m.Type != "next" || len(m.Payload.Errors) > 0 {
				readErr <- fmt.Errorf("subscriber got %s (%v)", data, err)
				return
			}
			mu.Lock()
			s := m.Payload.Data.AssertionRecorded.Sequence
			received[s] = at
			maxSeq = max(maxSeq, s)
			mu.Unlock()
		}
	}()
	// The subscription is live once an event recorded now arrives.
	warm, err := recordClaims(base, "latency-warmup", "", claim{"Zubrowka", "BANS", "Warmup", 0.9})
	if err != nil {
		b.Fatal(err)
	}
	if err := waitForSeq(&mu, &maxSeq, warm[0], readErr); err != nil {
		b.Fatal(err)
	}

	// The writer: a batch every 10 ms, each call in its own goroutine so
	// that a slow call does not lower the rate.
	type sent struct {
		seqs            []uint64
		start, returned time.Time
	}
	results := make(chan sent, batches)
	errs := make(chan error, batches)
	mutation := fmt.Sprintf(`mutation($input: [AssertionInput!]!) { recordAssertions(input: $input, wait: %v) { assertions { sequence } } }`, wait)
	c := clientFlags{Server: base, Timeout: 30 * time.Second}.client()
	var wg sync.WaitGroup
	b.ResetTimer()
	tick := time.NewTicker(every)
	for i := range batches {
		if i > 0 {
			<-tick.C
		}
		wg.Go(func() {
			in := make([]map[string]any, batch)
			for k := range in {
				in[k] = claim{"Zubrowka", []string{"BANS", "SANCTIONS", "CENSORS"}[k%3], fmt.Sprintf("Target %d", k), 0.9}.input(fmt.Sprintf("latency-%v-%d", wait, i), "")
			}
			var out struct {
				RecordAssertions struct{ Assertions []struct{ Sequence uint64 } }
			}
			start := time.Now()
			if err := c.do(context.Background(), mutation, map[string]any{"input": in}, &out); err != nil {
				errs <- err
				return
			}
			s := sent{start: start, returned: time.Now()}
			for _, a := range out.RecordAssertions.Assertions {
				s.seqs = append(s.seqs, a.Sequence)
			}
			results <- s
		})
	}
	tick.Stop()
	wg.Wait()
	elapsed := b.Elapsed()
	b.StopTimer()
	close(results)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	var all []sent
	var last uint64
	for s := range results {
		all = append(all, s)
		last = max(last, slices.Max(s.seqs))
	}
	if err := waitForSeq(&mu, &maxSeq, last, readErr); err != nil {
		b.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var fromReturn, fromCall []time.Duration
	for _, s := range all {
		for _, seq := range s.seqs {
			at, ok := received[seq]
			if !ok {
				b.Fatalf("sequence %d was recorded but never received", seq)
			}
			fromReturn = append(fromReturn, at.Sub(s.returned))
			fromCall = append(fromCall, at.Sub(s.start))
		}
	}
	n := len(fromReturn)
	b.ReportMetric(percentile(fromReturn, 50), "p50-ms")
	b.ReportMetric(percentile(fromReturn, 99), "p99-ms")
	b.ReportMetric(percentile(fromReturn, 100), "max-ms")
	b.ReportMetric(percentile(fromCall, 99), "p99-from-call-ms")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "assertions/s")
	b.ReportMetric(0, "ns/op")
}

// waitForSeq waits until the subscriber has received seq.
func waitForSeq(mu *sync.Mutex, maxSeq *uint64, seq uint64, readErr <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		got := *maxSeq
		mu.Unlock()
		if got >= seq {
			return nil
		}
		select {
		case err := <-readErr:
			return err
		case <-time.After(time.Millisecond):
		}
	}
	return fmt.Errorf("sequence %d not received within 30s", seq)
}

// percentile p of ds, in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return math.NaN()
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, int(math.Ceil(p/100*float64(len(s))))-1)
	return float64(s[max(i, 0)]) / float64(time.Millisecond)
}

// startBenchServer is startServer for benchmarks: a node with embedded
// NATS and Badger on disk behind the real handler. It returns its URL.
func startBenchServer(tb testing.TB) string {
	tb.Helper()
	n, err := node.Start(context.Background(), node.Config{DataDir: tb.TempDir(), Instance: "bench"})
	if err != nil {
		tb.Fatalf("start node: %v", err)
	}
	srv := httptest.NewServer(n.Handler())
	tb.Cleanup(func() {
		srv.Close()
		if err := n.Close(); err != nil {
			tb.Errorf("close node: %v", err)
		}
	})
	return srv.URL
}

// TestSubscriptionMemory holds 1,000 idle subscribers (half WebSocket,
// half SSE, on an actor nothing else names) and 10 that never read,
// records 10,000 assertions, and checks the heap stays bounded and the
// writers are not slowed down much. It opens 2,000 sockets; -short skips
// it. DOSSIER_HEAP_PROFILE=FILE writes a heap profile after the load (and
// the goroutines to FILE.goroutines).
func TestSubscriptionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the subscription load test opens 2,000 sockets")
	}
	const idle, slow, records, maxHeap = 1000, 10, 10_000, 200 << 20
	// One client opens all the subscriptions here, beyond the default
	// share and rate of one client.
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test", Limits: api.Limits{MaxSubscriptionsPerPrincipal: 2 * (idle + slow), Rate: -1}})
	small := httptest.NewUnstartedServer(ts.node.Handler())
	small.Listener = smallSendBuffers{small.Listener}
	small.Start()
	t.Cleanup(small.Close)

	// load records n assertions in batches of 100 and returns how long
	// that took.
	load := func(prefix string, n int) time.Duration {
		start := time.Now()
		for b := range n / 100 {
			var batch []claim
			for i := range 100 {
				batch = append(batch, claim{"Loudland", []string{"BANS", "SANCTIONS", "CENSORS"}[i%3], fmt.Sprintf("%s target %d-%d", prefix, b, i), 0.9})
			}
			ts.record(t, prefix, batch...)
		}
		return time.Since(start)
	}
	// The same load with nobody subscribed, for comparison.
	alone := load("alone", records/5) * 5
	t.Logf("recorded %d assertions with no subscriber in %s (extrapolated from %d)", records, alone.Round(time.Millisecond), records/5)

	seed := ts.record(t, "memory-seed", claim{"Quietland", "MEETS", "Nobody", 0.9})[0]
	heap := func(stage string) uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		t.Logf("%-32s heap %6.1f MiB, %6d goroutines", stage, float64(m.HeapAlloc)/(1<<20), runtime.NumGoroutine())
		return m.HeapAlloc
	}
	before := heap("before")

	// The idle subscribers each receive the seed (so they are surely
	// subscribed), then nothing.
	quiet := `subscription($after: Sequence) { assertionRecorded(filter: {actor: "Quietland"}, after: $after) { sequence subject { name } } }`
	feeds := make([]*liveFeed, idle)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for i := range feeds {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if i%2 == 0 {
				f, err := wsDial(ts.http.URL, quiet, map[string]any{"after": seed - 1})
				if err != nil {
					t.Error(err)
					return
				}
				t.Cleanup(f.stop)
				feeds[i] = f
				return
			}
			feeds[i] = sseSubscribe(t, ts.http.URL, quiet, map[string]any{"after": seed - 1})
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, f := range feeds {
		if e := f.nextEvent(t); e.Sequence != seed {
			t.Fatalf("%s subscriber: first event %d, want the seed %d", f.name, e.Sequence, seed)
		}
	}
	// The slow ones follow everything and never read.
	slowFeeds := make([]*liveFeed, slow)
	for i := range slowFeeds {
		slowFeeds[i] = sseSubscribe(t, small.URL, `subscription($after: Sequence) { assertionRecorded(after: $after) { sequence predicate subject { name } object { name } evidence { sentence } } }`, map[string]any{"after": seed})
	}
	subscribed := heap(fmt.Sprintf("%d idle + %d slow subscribers", idle, slow))

	took := load("memory", records)
	t.Logf("recorded %d assertions in %s with the subscribers", records, took.Round(time.Millisecond))
	// One reader decodes each event for every subscriber: holding them
	// must not slow the writers down much (it was 24 times slower when
	// each subscriber read the audit trail itself).
	if took > 3*alone {
		t.Errorf("recording with %d subscribers took %s, over 3 times the %s it takes with none", idle+slow, took.Round(time.Millisecond), alone.Round(time.Millisecond))
	}
	loaded := heap(fmt.Sprintf("after %d assertions", records))
	if path := os.Getenv("DOSSIER_HEAP_PROFILE"); path != "" {
		// go tool pprof -sample_index=inuse_space -top -cum PATH
		if err := writeHeapProfile(path); err != nil {
			t.Error(err)
		}
	}

	// The idle subscribers still work: each receives the next one.
	next := ts.record(t, "memory-seed", claim{"Quietland", "MEETS", "Somebody", 0.9})[0]
	for _, f := range feeds {
		if e := f.nextEvent(t); e.Sequence != next {
			t.Fatalf("%s subscriber: event %d, want %d", f.name, e.Sequence, next)
		}
	}
	// The slow ones were told.
	for _, f := range slowFeeds {
		got, end := f.untilError(t)
		if end == nil || end.find(api.CodeSlowConsumer) == nil {
			t.Errorf("a subscriber that never read got %d events then %v, want SLOW_CONSUMER", len(got), end)
		}
	}
	settled := heap("settled (all caught up)")
	t.Logf("heap: %.1f MiB before, %.1f MiB with the subscribers (%.1f KiB each), %.1f MiB right after the load, %.1f MiB once every subscriber caught up",
		float64(before)/(1<<20), float64(subscribed)/(1<<20), float64(subscribed-before)/1024/float64(idle+slow), float64(loaded)/(1<<20), float64(settled)/(1<<20))
	// Before includes Badger's memtable (an arena of ~83 MiB; two while
	// one is flushed). Right after the load, subscribers still catching
	// up hold the events they are reading: the bound is on what stays.
	if grown := int64(settled) - int64(before); grown > maxHeap {
		t.Errorf("the heap grew by %.1f MiB, over %d MiB", float64(grown)/(1<<20), maxHeap>>20)
	}
}

// writeHeapProfile writes a heap profile to path, and the goroutines'
// stacks, as text, to path.goroutines.
func writeHeapProfile(path string) error {
	for _, p := range []struct {
		name, path string
		debug      int
	}{{"heap", path, 0}, {"goroutine", path + ".goroutines", 1}} {
		f, err := os.Create(p.path)
		if err != nil {
			return err
		}
		if err := pprof.Lookup(p.name).WriteTo(f, p.debug); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
