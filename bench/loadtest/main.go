// Command loadtest holds a Dossier server under many concurrent clients
// for a while and reports what they saw and what it cost the server: the
// acceptance test of issue #13 ("trust"). Each client has its own writer
// token and loops over a mix of reads (depth-2 neighbourhoods and paths
// included), writes and over-budget queries; some hold a subscription
// over SSE for the whole run. It starts its own server (a `dossier
// serve` child process on a fresh data directory, with the example
// corpus ingested), so that the server's memory and CPU are measured
// apart from the clients'.
//
//	go run ./bench/loadtest -clients 200 -duration 60s
//
// It fails (exit 1) when a client timed out, when a refused query was
// not answered within the server's time limit, or when the server's CPU
// was not back to idle within 5 s after the clients stopped.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossier-kg/dossier/auth"
)

type config struct {
	clients, subscribers int
	duration             time.Duration
	clientTimeout        time.Duration
	queryTimeout         time.Duration
	dossier              string
	corpus               string
	keep                 bool
}

func main() {
	var c config
	flag.IntVar(&c.clients, "clients", 200, "concurrent clients")
	flag.IntVar(&c.subscribers, "subscribers", 20, "of the clients, how many hold an SSE subscription instead of sending requests")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "how long the clients run")
	flag.DurationVar(&c.clientTimeout, "client-timeout", 30*time.Second, "a client gives up on a request after this (a give-up fails the run)")
	flag.DurationVar(&c.queryTimeout, "query-timeout", 5*time.Second, "the server's --query-timeout")
	flag.StringVar(&c.dossier, "dossier", "", "the dossier binary (default: built from this module)")
	flag.StringVar(&c.corpus, "corpus", "examples/corpus", "directory of .txt documents to ingest first")
	flag.BoolVar(&c.keep, "keep", false, "keep the server's data directory")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	dir, err := os.MkdirTemp("", "dossier-loadtest-")
	if err != nil {
		return err
	}
	if !c.keep {
		defer os.RemoveAll(dir)
	}
	srv, err := startServer(c, dir)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("server pid %d at %s; data in %s\n", srv.cmd.Process.Pid, srv.url, dir)
	if err := seed(c, srv); err != nil {
		return err
	}
	rep := hold(c, srv)
	return rep.print(c)
}

// server is the dossier serve child process and the clients' tokens.
type server struct {
	cmd    *exec.Cmd
	url    string
	tokens []string
	done   chan error
}

func startServer(c config, dir string) (*server, error) {
	bin := c.dossier
	if bin == "" {
		bin = filepath.Join(dir, "dossier")
		build := exec.Command("go", "build", "-o", bin, "github.com/dossier-kg/dossier/cmd/dossier")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("build dossier: %w", err)
		}
	}
	s := &server{done: make(chan error, 1)}
	var f auth.File
	for i := range c.clients + 1 { // the last is the seeder's
		secret, hash := auth.NewSecret()
		s.tokens = append(s.tokens, secret)
		f.Tokens = append(f.Tokens, auth.Token{Subject: fmt.Sprintf("client-%03d", i), Role: "writer", SHA256: hash})
	}
	b, _ := json.Marshal(f)
	tokens := filepath.Join(dir, "tokens.json")
	if err := os.WriteFile(tokens, b, 0o600); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s.url = "http://" + addr
	s.cmd = exec.Command(bin, "serve", "--data", filepath.Join(dir, "data"), "--listen", addr, "--nats-listen=",
		"--tokens", tokens, "--query-timeout", c.queryTimeout.String())
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dossier: %w", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); ; {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("dossier serve exited: %v (see %s)", err, log.Name())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("dossier serve was not healthy within a minute")
		}
	}
}

func (s *server) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
		}
	}
}

// seed ingests the corpus, so that reads have a graph to read.
func seed(c config, s *server) error {
	files, _ := filepath.Glob(filepath.Join(c.corpus, "*.txt"))
	if len(files) == 0 {
		return fmt.Errorf("no .txt documents in %s", c.corpus)
	}
	cl := newClient(s, len(s.tokens)-1, time.Minute)
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		r := cl.do(context.Background(), `mutation($t: String!, $s: String) { ingestDocument(input: {text: $t, source: $s}) { sequence } }`,
			map[string]any{"t": string(text), "s": filepath.Base(f)})
		if r.code != "" {
			return fmt.Errorf("ingest %s: %s %s", f, r.code, r.body)
		}
	}
	r := cl.do(context.Background(), `{ actors(first: 200) { edges { node { name } } } }`, nil)
	var page struct {
		Data struct {
			Actors struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
	}
	json.Unmarshal([]byte(r.body), &page)
	for _, e := range page.Data.Actors.Edges {
		actors = append(actors, e.Node.Name)
	}
	if len(actors) < 2 {
		return fmt.Errorf("the corpus gave %d actors", len(actors))
	}
	fmt.Printf("seeded %d documents, %d actors\n", len(files), len(actors))
	return nil
}

var actors []string

// client is one principal's HTTP client.
type client struct {
	s     *server
	token string
	hc    *http.Client
}

func newClient(s *server, i int, timeout time.Duration) *client {
	return &client{s: s, token: s.tokens[i], hc: &http.Client{Timeout: timeout}}
}

type result struct {
	kind    string
	code    string // extensions.code of the first error, "" for success
	status  int
	took    time.Duration
	timeout bool // the client gave up
	body    string
}

func (c *client) do(ctx context.Context, query string, vars map[string]any) result {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.s.url+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		var ne net.Error
		return result{took: time.Since(start), timeout: errors.As(err, &ne) && ne.Timeout(), code: "CLIENT_ERROR", body: err.Error()}
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := result{status: resp.StatusCode, took: time.Since(start), body: string(body)}
	var out struct {
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	json.Unmarshal(body, &out)
	if len(out.Errors) > 0 {
		r.code = out.Errors[0].Extensions.Code
	}
	return r
}

// The mix of requests a client sends, by weight.
var mix = []struct {
	kind   string
	weight int
	make   func(rng *rand.Rand, i int) (string, map[string]any)
}{
	{"actor", 35, func(rng *rand.Rand, _ int) (string, map[string]any) {
		return `query($n: String) { actor(name: $n) { name type relationships(first: 20) { predicate other { name } support } } }`, map[string]any{"n": pick(rng)}
	}},
	{"relationships", 15, func(rng *rand.Rand, _ int) (string, map[string]any) {
		return `{ relationships(first: 50) { edges { node { subject { name } predicate object { name } support assertions { evidence { sentence } } } } } }`, nil
	}},
	{"neighbors-2", 15, func(rng *rand.Rand, _ int) (string, map[string]any) {
		return `query($n: String!) { neighbors(actor: $n, depth: 2) { depth actor { name type } via { predicate } } }`, map[string]any{"n": pick(rng)}
	}},
	{"path", 5, func(rng *rand.Rand, _ int) (string, map[string]any) {
		return `query($a: String!, $b: String!) { path(from: $a, to: $b, maxDepth: 4) { length } }`, map[string]any{"a": pick(rng), "b": pick(rng)}
	}},
	{"history", 10, func(rng *rand.Rand, _ int) (string, map[string]any) {
		return `query($n: String) { history(actor: $n, first: 20) { edges { node { sequence type principal summary } } } }`, map[string]any{"n": pick(rng)}
	}},
	{"write", 15, func(rng *rand.Rand, i int) (string, map[string]any) {
		a, b := pick(rng), fmt.Sprintf("Load Target %d", rng.IntN(5000))
		return `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in, wait: false) { lastSequence } }`, map[string]any{"in": []any{map[string]any{
			"subject": map[string]any{"name": a}, "predicate": "OWNS", "object": map[string]any{"name": b},
			"evidence": map[string]any{"document": fmt.Sprintf("loadtest-%d", i), "sentence": a + " owns " + b + "."},
		}}}
	}},
	{"over-budget", 5, func(rng *rand.Rand, _ int) (string, map[string]any) {
		return `query($n: String) { actor(name: $n) { relationships(first: 1000) { other { relationships(first: 1000) { other { relationships(first: 1000) { support } } } } } } }`, map[string]any{"n": pick(rng)}
	}},
}

func pick(rng *rand.Rand) string { return actors[rng.IntN(len(actors))] }

func choose(rng *rand.Rand) int {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	n := rng.IntN(total)
	for i, m := range mix {
		if n < m.weight {
			return i
		}
		n -= m.weight
	}
	return 0
}

// report is what the run saw.
type report struct {
	results        []result
	events         atomic.Int64 // subscription events received
	subsOpen       atomic.Int64 // subscriptions that stayed open to the end
	mu             sync.Mutex
	subsEnded      map[string]int // why subscriptions ended (and were resumed)
	maxRSS, endRSS int64
	idleAfter      time.Duration
	elapsed        time.Duration
}

// hold runs the clients for the duration while sampling the server's
// memory, then measures how long its CPU takes to go idle.
func hold(c config, s *server) *report {
	rep := &report{}
	pid := s.cmd.Process.Pid
	ctx, cancel := context.WithTimeout(context.Background(), c.duration)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sampling := make(chan struct{})
	go func() {
		defer close(sampling)
		for ctx.Err() == nil {
			if rss := readRSS(pid); rss > rep.maxRSS {
				rep.maxRSS = rss
			}
			time.Sleep(250 * time.Millisecond)
		}
	}()
	start := time.Now()
	for i := range c.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newClient(s, i, c.clientTimeout)
			if i < c.subscribers {
				subscribe(ctx, cl, rep)
				return
			}
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			var mine []result
			for ctx.Err() == nil {
				m := mix[choose(rng)]
				q, vars := m.make(rng, i)
				r := cl.do(context.WithoutCancel(ctx), q, vars)
				r.kind = m.kind
				r.body = ""
				mine = append(mine, r)
			}
			mu.Lock()
			rep.results = append(rep.results, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	rep.elapsed = time.Since(start)
	<-sampling
	rep.idleAfter = untilIdle(pid, 30*time.Second)
	rep.endRSS = readRSS(pid)
	return rep
}

// subscribe holds an SSE subscription until ctx ends, counting events.
// A subscription that falls behind ends with SLOW_CONSUMER and the last
// sequence it was given; like a real service, it resubscribes from there,
// and checks that no event comes twice.
func subscribe(ctx context.Context, cl *client, rep *report) {
	var after uint64
	for ctx.Err() == nil {
		why, last := subscribeOnce(ctx, cl, rep, after)
		if ctx.Err() != nil {
			break
		}
		rep.note(why)
		if why != "SLOW_CONSUMER" {
			return
		}
		after = last
	}
	rep.subsOpen.Add(1)
}

// subscribeOnce reads one SSE subscription after a sequence until it
// ends, and says why, with the last sequence it received.
func subscribeOnce(ctx context.Context, cl *client, rep *report, after uint64) (why string, last uint64) {
	b, _ := json.Marshal(map[string]any{"query": `subscription($after: Sequence) { assertionRecorded(after: $after) { sequence subject { name } predicate object { name } } }`,
		"variables": map[string]any{"after": afterVar(after)}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, cl.s.url+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+cl.token)
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return "CLIENT_ERROR", after
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	why, last = "the stream ended", after
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var out struct {
			Data struct {
				AssertionRecorded struct{ Sequence json.Number }
			}
			Errors []struct {
				Extensions struct {
					Code         string
					LastSequence json.Number
				}
			}
		}
		if json.Unmarshal([]byte(data), &out) != nil {
			continue
		}
		if len(out.Errors) > 0 {
			why = out.Errors[0].Extensions.Code
			if n, err := strconv.ParseUint(out.Errors[0].Extensions.LastSequence.String(), 10, 64); err == nil {
				last = n
			}
			continue
		}
		seq, _ := strconv.ParseUint(out.Data.AssertionRecorded.Sequence.String(), 10, 64)
		if seq <= last {
			rep.note(fmt.Sprintf("event %d after %d (out of order or twice)", seq, last))
		}
		last = seq
		rep.events.Add(1)
	}
	return why, last
}

// afterVar is null (live only) for a first subscription.
func afterVar(after uint64) any {
	if after == 0 {
		return nil
	}
	return after
}

// note counts what ended or troubled a subscription.
func (r *report) note(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subsEnded == nil {
		r.subsEnded = map[string]int{}
	}
	r.subsEnded[why]++
}

// readRSS is a process's resident memory in bytes, 0 when unknown.
func readRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTicks is a process's user and system time in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name may hold spaces: fields count from after ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// untilIdle is how long after now the process's CPU use falls below 5 %
// of one core over a quarter of a second; -1 if not within limit.
func untilIdle(pid int, limit time.Duration) time.Duration {
	const window = 250 * time.Millisecond
	const ticksPerSecond = 100 // USER_HZ on Linux
	start := time.Now()
	prev := cpuTicks(pid)
	for time.Since(start) < limit {
		time.Sleep(window)
		now := cpuTicks(pid)
		if prev >= 0 && float64(now-prev)/ticksPerSecond < 0.05*window.Seconds() {
			return time.Since(start) - window
		}
		prev = now
	}
	return -1
}

func (r *report) print(c config) error {
	byKind := map[string][]result{}
	codes := map[string]int{}
	var ok []time.Duration
	var failures []string
	var clientTimeouts, slowRefusals int
	var maxRefusal time.Duration
	for _, x := range r.results {
		byKind[x.kind] = append(byKind[x.kind], x)
		codes[cmpOr(x.code, "ok")]++
		switch {
		case x.timeout:
			clientTimeouts++
		case x.code == "TIMEOUT" || x.code == "COST_LIMIT":
			maxRefusal = max(maxRefusal, x.took)
			if x.took > c.queryTimeout+2*time.Second {
				slowRefusals++
			}
		case x.code == "":
			ok = append(ok, x.took)
		}
	}
	fmt.Printf("\n%d clients (%d subscribed over SSE) for %s: %d requests, %.0f/s\n",
		c.clients, c.subscribers, r.elapsed.Round(time.Second), len(r.results), float64(len(r.results))/r.elapsed.Seconds())
	fmt.Printf("\n%-14s %8s %10s %10s %10s %10s\n", "request", "count", "p50", "p95", "p99", "max")
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		var ds []time.Duration
		for _, x := range byKind[k] {
			ds = append(ds, x.took)
		}
		fmt.Printf("%-14s %8d %10s %10s %10s %10s\n", k, len(ds), pct(ds, 50), pct(ds, 95), pct(ds, 99), pct(ds, 100))
	}
	fmt.Printf("%-14s %8d %10s %10s %10s %10s\n", "answered", len(ok), pct(ok, 50), pct(ok, 95), pct(ok, 99), pct(ok, 100))
	fmt.Printf("\nanswers by code: %v\n", codes)
	fmt.Printf("refused as TIMEOUT or COST_LIMIT: slowest after %s (server limit %s)\n", maxRefusal.Round(time.Millisecond), c.queryTimeout)
	fmt.Printf("subscriptions: %d of %d held to the end, %d events received", r.subsOpen.Load(), c.subscribers, r.events.Load())
	if len(r.subsEnded) > 0 {
		fmt.Printf("; ended and resumed (or not): %v", r.subsEnded)
	}
	fmt.Println()
	fmt.Printf("server RSS: peak %.0f MiB, after the run %.0f MiB\n", float64(r.maxRSS)/(1<<20), float64(r.endRSS)/(1<<20))
	if r.idleAfter >= 0 {
		fmt.Printf("server CPU idle %s after the clients stopped\n", r.idleAfter.Round(10*time.Millisecond))
	} else {
		fmt.Println("server CPU not idle within 30 s after the clients stopped")
	}
	if clientTimeouts > 0 {
		failures = append(failures, fmt.Sprintf("%d requests timed out at the client", clientTimeouts))
	}
	if slowRefusals > 0 {
		failures = append(failures, fmt.Sprintf("%d refusals came later than the server's time limit", slowRefusals))
	}
	if r.idleAfter < 0 || r.idleAfter > 5*time.Second {
		failures = append(failures, "the server's CPU was not idle within 5 s")
	}
	if n := codes["INTERNAL"] + codes["CLIENT_ERROR"] + codes["GRAPHQL_VALIDATION_FAILED"]; n > 0 {
		failures = append(failures, fmt.Sprintf("%d internal, transport or validation errors", n))
	}
	if int(r.subsOpen.Load()) < c.subscribers {
		failures = append(failures, fmt.Sprintf("%d of %d subscriptions were lost", c.subscribers-int(r.subsOpen.Load()), c.subscribers))
	}
	for why := range r.subsEnded {
		if strings.Contains(why, "twice") {
			failures = append(failures, "a subscription saw an event out of order or twice")
		}
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "; "))
	}
	fmt.Println("\nPASS")
	return nil
}

func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, (len(s)*p)/100)
	return s[i].Round(100 * time.Microsecond).String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
