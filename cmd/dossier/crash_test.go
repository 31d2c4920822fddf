package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
)

// TestCrashDuringLoad kills a real `dossier serve` process (SIGKILL, no
// shutdown) while writers are recording assertions over HTTP, twice: once
// under load, and once more right after the restart, while the projector
// is still catching up with what the first run appended and new batches
// arrive. After a third start on the same data directory it checks that
//
//   - the log kept every event the server acknowledged (its last sequence
//     is at least the highest acknowledged one),
//   - the projection catches up with the log, and every acknowledged
//     assertion is in the graph, at the sequence it was acknowledged with,
//   - nothing is counted twice: the audit trail has each sequence of the
//     log once, stats.assertions is the number of distinct assertion ids
//     the log recorded, and `dossier export` lists exactly as many,
//   - `dossier verify` exits 0: the live store is the fold of the log,
//   - re-sending the calls that never got an answer (what a client does
//     after a failure) and an acknowledged call again counts nothing twice,
//     and new assertions still go in;
//
// then stops the server with SIGTERM, which must exit 0.
func TestCrashDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and crashes a server")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL and SIGTERM")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bin := buildDossier(t)
	dir := filepath.Join(t.TempDir(), "data")
	w := &crashWriters{byID: map[string]acked{}}

	const rounds = 2
	for round := range rounds {
		srv := startServe(t, ctx, bin, dir)
		before := len(w.byID)
		lag := "unknown"
		unanswered := w.run(t, srv, round, func() {
			time.Sleep(time.Duration(100+rand.IntN(701)) * time.Millisecond)
			if n, err := srv.metricErr("dossier_projection_lag_events"); err == nil {
				lag = strconv.FormatUint(n, 10)
			}
			srv.kill(t)
		})
		t.Logf("round %d: %d assertions acknowledged, then SIGKILL with %d calls unanswered and the projection about %s events behind", round, len(w.byID)-before, len(unanswered), lag)
		w.unanswered = append(w.unanswered, unanswered...)
	}
	if len(w.byID) == 0 {
		t.Fatal("no batch was acknowledged before the crashes")
	}

	srv := startServe(t, ctx, bin, dir)
	// The log kept everything it acknowledged.
	last := srv.metric(t, "dossier_log_last_sequence")
	if last < w.maxSeq {
		t.Fatalf("after the crash the log ends at %d, but the server acknowledged sequence %d", last, w.maxSeq)
	}
	srv.waitApplied(t, ctx, last)
	srv.checkFold(t, ctx, bin, w, last)

	// A client whose call got no answer sends it again; one that got an
	// answer may too. Neither counts anything twice.
	for i, in := range w.unanswered {
		res := srv.record(t, in, true)
		for j, r := range res {
			w.note(r.ID, r.Sequence, sentenceOf(in[j]))
		}
		t.Logf("re-sent unanswered call %d: %d of %d were already in the log", i, countDup(res), len(res))
	}
	if len(w.acked) > 0 {
		again := w.acked[rand.IntN(len(w.acked))]
		res := srv.record(t, again, true)
		for j, r := range res {
			if prev := w.byID[r.ID]; r.Sequence != prev.seq || !r.Duplicate {
				t.Errorf("an acknowledged call sent again: input %d came back at sequence %d (duplicate %v), first acknowledged at %d", j, r.Sequence, r.Duplicate, prev.seq)
				break
			}
		}
	}
	// New assertions after the restart go in too.
	for b := range 3 {
		in := crashBatch(9, b, 20)
		for j, r := range srv.record(t, in, true) {
			if r.Duplicate {
				t.Errorf("a new assertion after the restart is a duplicate: %s", sentenceOf(in[j]))
			}
			w.note(r.ID, r.Sequence, sentenceOf(in[j]))
		}
	}
	last = srv.metric(t, "dossier_log_last_sequence")
	srv.waitApplied(t, ctx, last)
	srv.checkFold(t, ctx, bin, w, last)
	for _, c := range w.conflicts {
		t.Error(c)
	}
	srv.stop(t)
}

// acked is what the server answered for one assertion.
type acked struct {
	seq      uint64
	sentence string
}

// crashWriters records batches from several goroutines and keeps what
// was acknowledged.
type crashWriters struct {
	mu         sync.Mutex
	byID       map[string]acked
	maxSeq     uint64
	acked      [][]map[string]any // acknowledged calls, to send one again
	unanswered [][]map[string]any // calls that got no answer
	conflicts  []string           // ids acknowledged at two sequences
}

func (w *crashWriters) note(id string, seq uint64, sentence string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, ok := w.byID[id]; ok && prev.seq != seq {
		// Outside the duplicate window the same claim may be appended
		// again; here everything is seconds apart.
		w.conflicts = append(w.conflicts, fmt.Sprintf("assertion %s acknowledged at sequence %d, then at %d", id, prev.seq, seq))
		return
	}
	w.byID[id] = acked{seq, sentence}
	w.maxSeq = max(w.maxSeq, seq)
}

const crashWriterCount, crashBatchSize = 3, 50

// run starts the writers against srv, calls crash once the first batch
// is acknowledged (a call that fails before then fails the test), and
// returns when every writer has stopped (the server
// is gone), with the calls that got no answer.
func (w *crashWriters) run(t *testing.T, srv *serveProc, round int, crash func()) [][]map[string]any {
	t.Helper()
	first := make(chan struct{})
	var once sync.Once
	var killed atomic.Bool // set just before crash is called
	var wg sync.WaitGroup
	var mu sync.Mutex
	var unanswered [][]map[string]any
	for wr := range crashWriterCount {
		wg.Go(func() {
			for b := 0; ; b++ {
				in := crashBatch(round*crashWriterCount+wr, b, crashBatchSize)
				res, err := srv.recordErr(in, false)
				if err != nil {
					if !killed.Load() {
						t.Errorf("writer %d, batch %d, before the crash: %v", wr, b, err)
					}
					// The server died with this call in flight (or before
					// it was sent): it may or may not be in the log.
					mu.Lock()
					unanswered = append(unanswered, in)
					mu.Unlock()
					once.Do(func() { close(first) }) // no deadlock if it died early
					return
				}
				for j, r := range res {
					w.note(r.ID, r.Sequence, sentenceOf(in[j]))
				}
				w.mu.Lock()
				w.acked = append(w.acked, in)
				w.mu.Unlock()
				once.Do(func() { close(first) })
			}
		})
	}
	select {
	case <-first:
	case <-time.After(30 * time.Second):
		t.Fatal("no batch was answered within 30s")
	}
	killed.Store(true)
	crash()
	wg.Wait()
	return unanswered
}

var crashPredicates = []string{"OWNS", "BANS", "SANCTIONS", "ACQUIRES", "ACCUSES", "OPERATES"}

// crashBatch is n assertions, unique to writer and batch, over a few
// actors (so relationships gather support from many assertions) and a few
// documents.
func crashBatch(writer, batch, n int) []map[string]any {
	in := make([]map[string]any, n)
	for i := range n {
		k := writer*100_000 + batch*1000 + i
		subj, obj := fmt.Sprintf("Crash Corp %d", k%7), fmt.Sprintf("Crash Product %d", k%11)
		pred := crashPredicates[k%len(crashPredicates)]
		in[i] = map[string]any{
			"subject":    map[string]any{"name": subj},
			"predicate":  pred,
			"object":     map[string]any{"name": obj},
			"confidence": 0.9,
			"evidence": map[string]any{
				"document": fmt.Sprintf("crash-%d", k%5),
				"sentence": fmt.Sprintf("%s %s %s, writer %d batch %d claim %d.", subj, strings.ToLower(pred), obj, writer, batch, i),
			},
		}
	}
	return in
}

func sentenceOf(in map[string]any) string {
	return in["evidence"].(map[string]any)["sentence"].(string)
}

type recorded struct {
	ID        string
	Sequence  uint64
	Duplicate bool
}

func countDup(rs []recorded) int {
	n := 0
	for _, r := range rs {
		if r.Duplicate {
			n++
		}
	}
	return n
}

// buildDossier builds this command once per test, with -race when the
// test binary has it.
func buildDossier(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dossier")
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	cmd := exec.Command("go", append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// serveProc is a `dossier serve` child process.
type serveProc struct {
	cmd  *exec.Cmd
	url  string
	http *http.Client
	log  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, once done
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// childEnv is this process's environment without DOSSIER_* variables,
// which would change the children's flags.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "DOSSIER_") })
}

var servingRE = regexp.MustCompile(`graphql=(http://\S+)/graphql`)

// startServe runs `dossier serve` on dir, on a free HTTP port and without
// a NATS client port, with extra flags, and waits until /healthz answers
// 200.
func startServe(t *testing.T, ctx context.Context, bin, dir string, extra ...string) *serveProc {
	t.Helper()
	p := &serveProc{log: &syncBuffer{}, done: make(chan struct{}), http: &http.Client{Timeout: 30 * time.Second}}
	p.cmd = exec.Command(bin, append([]string{"serve", "--data", dir, "--listen", "127.0.0.1:0", "--nats-listen="}, extra...)...)
	p.cmd.Env = childEnv()
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start dossier serve: %v", err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.log.Write([]byte(line + "\n"))
			if m := servingRE.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		// A -race child reports races on stderr, and only its exit
		// code would say so, which a SIGKILL hides.
		if strings.Contains(p.log.String(), "WARNING: DATA RACE") {
			t.Errorf("dossier serve (pid %d) reported a data race", p.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("dossier serve (pid %d) log:\n%s", p.cmd.Process.Pid, p.log.String())
		} else if testing.Verbose() {
			for l := range strings.SplitSeq(p.log.String(), "\n") {
				if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
					t.Logf("dossier serve (pid %d): %s", p.cmd.Process.Pid, l)
				}
			}
		}
	})
	select {
	case p.url = <-urls:
	case <-p.done:
		t.Fatalf("dossier serve exited before serving: %v\n%s", p.err, p.log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("dossier serve did not say where it serves within 30s:\n%s", p.log.String())
	case <-ctx.Done():
		t.Fatalf("dossier serve: %v", ctx.Err())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := p.http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz did not answer 200 within 30s (last: %v %v)\n%s", resp, err, p.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill is a crash: SIGKILL, nothing flushed or closed.
func (p *serveProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	<-p.done
}

// stop is a shutdown: SIGTERM, which must end the process with code 0.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("dossier serve after SIGTERM: %v", p.err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("dossier serve did not exit within 20s of SIGTERM")
	}
}

// gql posts a GraphQL operation, with Dossier-At-Least when atLeast > 0,
// and decodes data into out.
func (p *serveProc) gql(query string, vars map[string]any, atLeast uint64, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, p.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.PrincipalHeader, "crash-test")
	if atLeast > 0 {
		req.Header.Set(api.AtLeastHeader, strconv.FormatUint(atLeast, 10))
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage
		Errors []gqlError
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: %.300s", resp.Status, raw)
	}
	if len(r.Errors) > 0 {
		return &responseError{Errors: r.Errors}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Data, out)
}

func (p *serveProc) query(t *testing.T, query string, vars map[string]any, atLeast uint64, out any) {
	t.Helper()
	if err := p.gql(query, vars, atLeast, out); err != nil {
		t.Fatalf("query %.80q: %v", query, err)
	}
}

const crashRecordMutation = `mutation($input: [AssertionInput!]!, $wait: Boolean) {
  recordAssertions(input: $input, wait: $wait) { assertions { id sequence duplicate } lastSequence projected } }`

// recordErr records a batch and returns what the server answered for
// each input.
func (p *serveProc) recordErr(in []map[string]any, wait bool) ([]recorded, error) {
	var out struct {
		RecordAssertions struct {
			Assertions []recorded
			Projected  bool
		}
	}
	if err := p.gql(crashRecordMutation, map[string]any{"input": in, "wait": wait}, 0, &out); err != nil {
		return nil, err
	}
	r := out.RecordAssertions
	if len(r.Assertions) != len(in) || wait && !r.Projected {
		return nil, fmt.Errorf("recordAssertions: %d results for %d inputs, projected %v", len(r.Assertions), len(in), r.Projected)
	}
	return r.Assertions, nil
}

func (p *serveProc) record(t *testing.T, in []map[string]any, wait bool) []recorded {
	t.Helper()
	res, err := p.recordErr(in, wait)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	return res
}

// metric reads one unlabelled gauge from /metrics.
func (p *serveProc) metric(t *testing.T, name string) uint64 {
	t.Helper()
	v, err := p.metricErr(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (p *serveProc) metricErr(name string) (uint64, error) {
	resp, err := p.http.Get(p.url + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", name, err)
			}
			return uint64(f), nil
		}
	}
	return 0, fmt.Errorf("/metrics has no %s", name)
}

// waitApplied waits until the projection has applied seq, through the
// read-your-writes header, then checks stats say so.
func (p *serveProc) waitApplied(t *testing.T, ctx context.Context, seq uint64) {
	t.Helper()
	for {
		var out struct{ Stats struct{ Sequence uint64 } }
		err := p.gql(`{ stats { sequence } }`, nil, seq, &out)
		if err == nil {
			if out.Stats.Sequence < seq {
				t.Fatalf("with %s: %d the stats say sequence %d", api.AtLeastHeader, seq, out.Stats.Sequence)
			}
			return
		}
		if re, ok := unwrapResponse(err); !ok || re.code() != api.CodeNotReady || ctx.Err() != nil {
			t.Fatalf("waiting for sequence %d: %v", seq, err)
		}
	}
}

// checkFold checks the graph against what was acknowledged and against
// the log, the store being at last, the log's end.
func (p *serveProc) checkFold(t *testing.T, ctx context.Context, bin string, w *crashWriters, last uint64) {
	t.Helper()
	var stats struct {
		Stats struct {
			Assertions int
			Sequence   uint64
		}
	}
	p.query(t, `{ stats { assertions sequence } }`, nil, last, &stats)
	if stats.Stats.Sequence != last {
		t.Fatalf("stats at sequence %d, the log ends at %d", stats.Stats.Sequence, last)
	}

	// Every acknowledged assertion, at its acknowledged sequence.
	ids := make([]string, 0, len(w.byID))
	for id := range w.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	missing := 0
	for chunk := range slices.Chunk(ids, 200) {
		var q strings.Builder
		vars := map[string]any{}
		q.WriteString("query(")
		for i := range chunk {
			fmt.Fprintf(&q, "$i%d: ID!,", i)
		}
		q.WriteString(") {")
		for i, id := range chunk {
			fmt.Fprintf(&q, " a%d: assertion(id: $i%d) { id sequence evidence { sentence } }", i, i)
			vars[fmt.Sprintf("i%d", i)] = id
		}
		q.WriteString(" }")
		var out map[string]*struct {
			ID       string
			Sequence uint64
			Evidence struct{ Sentence string }
		}
		p.query(t, q.String(), vars, last, &out)
		for i, id := range chunk {
			got, want := out[fmt.Sprintf("a%d", i)], w.byID[id]
			switch {
			case got == nil:
				missing++
				if missing <= 5 {
					t.Errorf("acknowledged assertion %s (sequence %d, %q) is not in the graph", id, want.seq, want.sentence)
				}
			case got.Sequence != want.seq || got.Evidence.Sentence != want.sentence:
				t.Errorf("assertion %s: sequence %d, %q; acknowledged at %d, %q", id, got.Sequence, got.Evidence.Sentence, want.seq, want.sentence)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged assertions are not in the graph", missing, len(ids))
	}

	// The audit trail: every sequence of the log once, in order; the
	// assertions it recorded, each id counted once.
	logIDs := map[string]bool{}
	var after *string
	next := uint64(1)
	for {
		var out struct {
			Events struct {
				Edges []struct {
					Node struct {
						Sequence uint64
						Type     string
						Entities []string
					}
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		p.query(t, `query($after: String) { events(first: 1000, after: $after) { edges { node { sequence type entities } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after}, last, &out)
		for _, e := range out.Events.Edges {
			if e.Node.Sequence != next {
				t.Fatalf("the audit trail has sequence %d where %d was expected", e.Node.Sequence, next)
			}
			next++
			if e.Node.Type != "AssertionRecorded" {
				t.Errorf("event %d is a %s; the test recorded only assertions", e.Node.Sequence, e.Node.Type)
				continue
			}
			for _, en := range e.Node.Entities {
				if id, ok := strings.CutPrefix(en, "asr/"); ok {
					logIDs["assertion:"+id] = true
				}
			}
		}
		if !out.Events.PageInfo.HasNextPage {
			break
		}
		after = out.Events.PageInfo.EndCursor
	}
	if next-1 != last {
		t.Errorf("the audit trail ends at %d, the log at %d", next-1, last)
	}
	for id := range w.byID {
		if !logIDs[id] {
			t.Errorf("acknowledged assertion %s is in the graph but no event of the audit trail names it", id)
			break
		}
	}
	if stats.Stats.Assertions != len(logIDs) || stats.Stats.Assertions < len(w.byID) {
		t.Errorf("stats count %d assertions; the log recorded %d distinct ones, %d acknowledged", stats.Stats.Assertions, len(logIDs), len(w.byID))
	}

	// dossier export lists each once.
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "export", "--format", "gold", "--server", p.url)
	cmd.Env, cmd.Stdout, cmd.Stderr = childEnv(), &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("dossier export: %v\n%s", err, errb.String())
	}
	sentences := map[string]int{}
	n := 0
	for l := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var x struct{ Kind, Evidence string }
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("export line is not JSON: %q", l)
		}
		if x.Kind == "assertion" {
			n++
			sentences[x.Evidence]++
		}
	}
	if n != stats.Stats.Assertions || len(sentences) != n {
		t.Errorf("dossier export lists %d assertions (%d distinct sentences); stats count %d", n, len(sentences), stats.Stats.Assertions)
	}
	for id, a := range w.byID {
		if sentences[a.sentence] != 1 {
			t.Errorf("dossier export lists acknowledged assertion %s (%q) %d times", id, a.sentence, sentences[a.sentence])
			break
		}
	}

	// dossier verify: the live store is the fold of the log.
	out.Reset()
	errb.Reset()
	cmd = exec.CommandContext(ctx, bin, "verify", "--server", p.url, "--timeout", "60s")
	cmd.Env, cmd.Stdout, cmd.Stderr = childEnv(), &out, &errb
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "live and rebuilt stores agree") {
		t.Errorf("dossier verify: %v (want exit 0)\n%s%s", err, out.String(), errb.String())
	}
	t.Logf("at sequence %d: %d assertions, %d acknowledged; %s", last, stats.Stats.Assertions, len(w.byID), strings.TrimSpace(out.String()))
}
