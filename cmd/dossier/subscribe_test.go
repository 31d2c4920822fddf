package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/dossier-kg/dossier/api"
)

// The live feeds of schema.graphql's Subscription, as clients see them:
// the reference JavaScript clients (graphql-ws, graphql-sse), curl, and
// Go speaking both wire protocols by hand.

// repoRoot is the module root, seen from this package's directory.
var repoRoot = filepath.Join("..", "..")

// requireTool skips a test whose external tool is missing, except in CI
// (the CI variable set), where a missing install is a failure.
func requireTool(t *testing.T, ok bool, what, fix string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing and CI is set: %s", what, fix)
	}
	t.Skipf("skipped: %s is missing (%s); with CI set this fails", what, fix)
}

// TestSubscriptionClients runs clients/js/subscribe-test.mjs, which
// checks the feed with graphql-ws over WebSocket and graphql-sse over SSE.
func TestSubscriptionClients(t *testing.T) {
	runClientScript(t, "subscribe-test.mjs", "graphql-ws")
}

// TestGraphiQLSubscription runs clients/js/graphiql-test.mjs: the
// /graphiql page, in headless Chromium, runs a subscription typed into
// its editor over the page's WebSocket and shows an assertion recorded
// meanwhile. CHROMIUM names the browser (default /usr/bin/chromium).
func TestGraphiQLSubscription(t *testing.T) {
	browser := cmp.Or(os.Getenv("CHROMIUM"), "/usr/bin/chromium")
	_, err := os.Stat(browser)
	requireTool(t, err == nil, "chromium", "apt-get install -y chromium, or set CHROMIUM")
	runClientScript(t, "graphiql-test.mjs", "playwright-core", "CHROMIUM="+browser)
}

// runClientScript runs a script of clients/js with Node.js against a
// fresh server, and fails the test with its output if it fails. module
// is an npm package the script needs installed.
func runClientScript(t *testing.T, script, module string, env ...string) {
	t.Helper()
	_, err := exec.LookPath("node")
	requireTool(t, err == nil, "node", "install Node.js 18 or later")
	_, err = os.Stat(filepath.Join(repoRoot, "clients", "js", "node_modules", module))
	requireTool(t, err == nil, "clients/js/node_modules", "run: (cd clients/js && npm ci)")

	ts := startServer(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("clients", "js", script), ts.http.URL)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node clients/js/%s %s: %v\n%s", script, ts.http.URL, err, out)
	}
	t.Logf("%s", out)
}

// TestSubscriptionCurl is the README's curl example: a subscription over
// SSE is a plain POST with Accept: text/event-stream.
func TestSubscriptionCurl(t *testing.T) {
	_, err := exec.LookPath("curl")
	requireTool(t, err == nil, "curl", "apt-get install -y curl")

	ts := startServer(t, t.TempDir())
	start := ts.record(t, "curl", claim{"Zubrowka", "BANS", "Chatter", 0.9})[0]
	query := fmt.Sprintf(`{"query":"subscription { assertionRecorded(filter: {predicates: [\"BANS\"]}, after: %d) { sequence predicate object { name } } }"}`, start)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "curl", "-sN", "--max-time", "30", "-H", "Accept: text/event-stream", "-H", "Content-Type: application/json", "-d", query, ts.http.URL+"/graphql")
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	seqs := ts.record(t, "curl",
		claim{"Zubrowka", "SANCTIONS", "Chatter", 0.9},
		claim{"Zubrowka", "BANS", "Gossip", 0.9},
		claim{"Elbonia", "BANS", "Chatter", 0.9})
	want := []string{
		fmt.Sprintf(`{"data":{"assertionRecorded":{"sequence":%d,"predicate":"BANS","object":{"name":"Gossip"}}}}`, seqs[1]),
		fmt.Sprintf(`{"data":{"assertionRecorded":{"sequence":%d,"predicate":"BANS","object":{"name":"Chatter"}}}}`, seqs[2]),
	}
	var got, transcript []string
	sc := bufio.NewScanner(stdout)
	event := ""
	for len(got) < len(want) && sc.Scan() {
		line := sc.Text()
		transcript = append(transcript, line)
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "next":
			got = append(got, strings.TrimPrefix(line, "data: "))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("curl read:\n%s\nwant the next events:\n%s\n(curl stderr: %s)", strings.Join(transcript, "\n"), strings.Join(want, "\n"), stderr.String())
	}
}

// TestSubscriptionGo checks the feed's contract over both transports:
// events arrive after projection, filters, replay with after, and the
// slow-consumer ending.
func TestSubscriptionGo(t *testing.T) {
	ts := startServer(t, t.TempDir())
	// Actors filters can name must exist before a subscription names them.
	ts.record(t, "seed", claim{"Zubrowka", "MEETS", "Elbonia", 0.5}, claim{"Kugelmugel", "MEETS", "Chatter", 0.5})

	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Run("projected on receipt", func(t *testing.T) {
				start := ts.applied(t)
				f := tr.subscribe(t, ts.http.URL, assertionQuery(`{predicates: ["BANS"]}`), map[string]any{"after": start})
				// Not waiting for the projection: the event must.
				seqs, err := recordClaimsWait(ts.http.URL, tr.name+"-projected", "", false,
					claim{"Zubrowka", "BANS", "Chatter", 0.9},
					claim{"Zubrowka", "BANS", "Gossip", 0.9},
					claim{"Elbonia", "BANS", "Chatter", 0.9})
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range seqs {
					e := f.nextEvent(t)
					if e.Sequence != want {
						t.Fatalf("received sequence %d, want %d", e.Sequence, want)
					}
					// A plain query, with no Dossier-At-Least, sees it.
					var found struct{ Assertion *struct{ Sequence uint64 } }
					if err := ts.flags().client().do(context.Background(), `query($id: ID!) { assertion(id: $id) { sequence } }`, map[string]any{"id": e.Assertion.ID}, &found); err != nil {
						t.Fatal(err)
					}
					if found.Assertion == nil || found.Assertion.Sequence != want {
						t.Errorf("on receipt of %d, assertion(id: %q) = %+v: the event came before its projection", want, e.Assertion.ID, found.Assertion)
					}
				}
			})

			t.Run("filters", func(t *testing.T) {
				start := ts.applied(t)
				filters := []struct {
					filter string
					want   []int // indexes of the claims below
				}{
					{`{actor: "Zubrowka"}`, []int{0, 1, 4, 6}},
					{`{actor: "actor:zubrowka", predicates: ["BANS", "SANCTIONS"], minConfidence: 0.5}`, []int{0, 1, 6}},
					{`{predicates: ["SANCTIONS", "CENSORS"]}`, []int{1, 2, 4, 6}},
					{`{minConfidence: 0.8}`, []int{0, 2, 5, 6}},
					{`{actor: "Kugelmugel"}`, []int{3, 4, 5}},
				}
				feeds := make([]*liveFeed, len(filters))
				for i, c := range filters {
					feeds[i] = tr.subscribe(t, ts.http.URL, assertionQuery(c.filter), map[string]any{"after": start})
				}
				seqs := ts.record(t, tr.name+"-filters",
					claim{"Zubrowka", "BANS", "Chatter", 0.9},
					claim{"Elbonia", "SANCTIONS", "Zubrowka", 0.7}, // the actor as object
					claim{"Elbonia", "CENSORS", "Chatter", 0.85},
					claim{"Kugelmugel", "BANS", "Elbonia", 0.3},
					claim{"Zubrowka", "SANCTIONS", "Kugelmugel", 0.4},
					claim{"Elbonia", "MEETS", "Kugelmugel", 0.95},
					claim{"Zubrowka", "SANCTIONS", "Elbonia", 0.99})
				// The last claim is not in every filter: a sentinel per feed
				// is the last it expects, and nothing may come between.
				for i, c := range filters {
					var want []uint64
					for _, k := range c.want {
						want = append(want, seqs[k])
					}
					got := feeds[i].until(t, want[len(want)-1])
					if !slices.Equal(sequences(got), want) {
						t.Errorf("filter %s: received %v, want %v", c.filter, sequences(got), want)
					}
				}
			})

			// schema.graphql: errors carry extensions.code.
			t.Run("errors carry codes", func(t *testing.T) {
				for _, c := range []struct{ query, code string }{
					// An actor not known yet is waited for, not an error.
					{`subscription { assertionRecorded(filter: {document: "actor:canada"}) { sequence } }`, api.CodeInvalidInput},
					{`subscription { assertionRecorded { salary } }`, api.CodeValidationFailed},
				} {
					f := tr.subscribe(t, ts.http.URL, c.query, nil)
					m := f.next(t)
					r := decodeNext(t, m)
					if len(r.Errors) == 0 {
						t.Fatalf("%s: %s %s, want an error", c.query, m.kind, m.payload)
					}
					if got := r.Errors[0].Extensions["code"]; got != c.code {
						t.Errorf("%s: code %v, want %s", c.query, got, c.code)
					}
					f.stop()
				}
			})

			t.Run("after replays without gap or duplicate", func(t *testing.T) {
				var first []claim
				for i := range 12 {
					first = append(first, claim{"Zubrowka", []string{"BANS", "BANS", "SANCTIONS"}[i%3], fmt.Sprintf("App %d", i), 0.9})
				}
				seqs1 := ts.record(t, tr.name+"-replay", first...)
				k := seqs1[4]
				f := tr.subscribe(t, ts.http.URL, assertionQuery(`{predicates: ["BANS"]}`), map[string]any{"after": k})
				// More arrive while the feed replays.
				done := make(chan []uint64)
				go func() {
					var seqs []uint64
					for b := range 4 {
						var more []claim
						for i := range 3 {
							more = append(more, claim{"Elbonia", []string{"SANCTIONS", "BANS", "BANS"}[i], fmt.Sprintf("Tool %d-%d", b, i), 0.9})
						}
						seqs = append(seqs, ts.recordErr(tr.name+"-replay", more...)...)
					}
					done <- seqs
				}()
				seqs2 := <-done
				if seqs2 == nil {
					t.Fatal("recording while replaying failed")
				}
				var want []uint64
				for i, s := range seqs1 {
					if s > k && first[i].predicate == "BANS" {
						want = append(want, s)
					}
				}
				for i, s := range seqs2 {
					if i%3 != 0 {
						want = append(want, s)
					}
				}
				got := f.until(t, want[len(want)-1])
				if !slices.Equal(sequences(got), want) {
					t.Errorf("after %d: received %v, want exactly %v", k, sequences(got), want)
				}
			})
		})
	}

	// A quiet SSE subscription answers with its headers at once: clients
	// and proxies with a response-header timeout would give up on it.
	t.Run("sse/headers before the first event", func(t *testing.T) {
		body := `{"query":"subscription { assertionRecorded(filter: {predicates: [\"MEETS\"], minConfidence: 2}) { sequence } }"}`
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.http.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Accept", "text/event-stream")
		client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 2 * time.Second}}
		defer client.CloseIdleConnections()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("the response headers of a subscription waited for its first event: %v", err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			t.Errorf("Content-Type %q", ct)
		}
	})

	// Browsers send an Origin: the server's own is accepted, another
	// site's is not (Config.AllowedOrigins aside).
	t.Run("websocket/origin", func(t *testing.T) {
		url := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/graphql"
		d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
		conn, _, err := d.Dial(url, http.Header{"Origin": {ts.http.URL}})
		if err != nil {
			t.Fatalf("same origin: %v", err)
		}
		conn.Close()
		conn, resp, err := d.Dial(url, http.Header{"Origin": {"https://elsewhere.example"}})
		if err == nil {
			conn.Close()
			t.Fatal("a WebSocket from another site's page was accepted")
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("another origin: %v, want 403", err)
		}
	})

	// A client that stops reading fills the server's buffer only once
	// the sockets' are full, and on loopback the kernel grows a send
	// buffer to megabytes: this server pins its send buffers small.
	small := httptest.NewUnstartedServer(ts.node.Handler())
	small.Listener = smallSendBuffers{small.Listener}
	small.Start()
	t.Cleanup(small.Close)

	// The contract: a prefix of the events, then one SLOW_CONSUMER with
	// the last sequence delivered, then complete; resubscribing from it
	// delivers the rest, with no gap and no duplicate.
	for _, tr := range transports {
		t.Run("slow consumer/"+tr.name, func(t *testing.T) {
			query := `subscription($after: Sequence) { assertionRecorded(filter: {predicates: ["BANS"]}, after: $after) { sequence evidence { sentence } } }`
			f := tr.subscribe(t, small.URL, query, map[string]any{"after": ts.applied(t)})
			seqs := ts.flood(t, "slow-"+tr.name)
			got, end := f.untilError(t)
			if end == nil {
				t.Fatalf("all %d events were delivered: the client never fell behind", len(got))
			}
			slow := end.find(api.CodeSlowConsumer)
			if slow == nil {
				// Once so over SSE: codeErrors made the resolver's error
				// INTERNAL.
				t.Fatalf("after %d events: %s, want SLOW_CONSUMER", len(got), end)
			}
			if len(got) < api.SubscriberBuffer || !slices.Equal(got, seqs[:len(got)]) {
				t.Fatalf("before SLOW_CONSUMER, received %d events %v…, want a prefix of the %d recorded at least %d long", len(got), head(got), len(seqs), api.SubscriberBuffer)
			}
			last := slow.lastSequence()
			if last != got[len(got)-1] {
				t.Fatalf("SLOW_CONSUMER lastSequence = %v, want the last delivered, %d", slow.Extensions["lastSequence"], got[len(got)-1])
			}
			if m := f.next(t); m.kind != "complete" {
				t.Errorf("after SLOW_CONSUMER: %s %s, want complete", m.kind, m.payload)
			}
			t.Logf("%d of %d events delivered, then SLOW_CONSUMER with lastSequence %d", len(got), len(seqs), last)

			// Resubscribing from lastSequence delivers the rest; a
			// client that falls behind again resubscribes again.
			rest, resumes := seqs[len(got):], 0
			var again []uint64
			for len(again) < len(rest) && resumes < 10 {
				resumes++
				g := tr.subscribe(t, ts.http.URL, query, map[string]any{"after": last})
				more, end := g.untilSequence(t, rest[len(rest)-1])
				again = append(again, more...)
				if end == nil {
					break
				}
				if slow := end.find(api.CodeSlowConsumer); slow != nil {
					last = slow.lastSequence()
					continue
				}
				t.Fatalf("resubscribed after %d: %s", last, end)
			}
			if !slices.Equal(again, rest) {
				t.Fatalf("resubscribed %d times: received %d events %v…, want exactly the %d others %v…", resumes, len(again), head(again), len(rest), head(rest))
			}
			if resumes > 1 {
				t.Errorf("the %d missed events came without gap or duplicate, but it took %d subscriptions: the replay ended in SLOW_CONSUMER again (see \"after replays more than the buffer\")", len(rest), resumes)
			}
		})
	}

	// A replay is the subscriber catching up, at its own pace; it is
	// not falling behind.
	t.Run("after replays more than the buffer", func(t *testing.T) {
		start := ts.applied(t)
		var seqs []uint64
		for b := range 4 {
			var batch []claim
			for i := range 250 {
				batch = append(batch, claim{"Zubrowka", "BANS", fmt.Sprintf("Backlog %d-%d", b, i), 0.9})
			}
			seqs = append(seqs, ts.record(t, "backlog", batch...)...)
		}
		for _, tr := range transports {
			f := tr.subscribe(t, ts.http.URL, `subscription($after: Sequence) { assertionRecorded(filter: {predicates: ["BANS"]}, after: $after) { sequence } }`, map[string]any{"after": start})
			got, end := f.untilSequence(t, seqs[len(seqs)-1])
			// Once so: the replay filled the buffer faster than any
			// transport drains it, and a client resubscribing after
			// SLOW_CONSUMER with a large backlog fell behind again at once.
			if end != nil || !slices.Equal(got, seqs) {
				t.Fatalf("%s: replayed %d events %v…, then %v; want the %d recorded", tr.name, len(got), head(got), end, len(seqs))
			}
			f.stop()
		}
	})

	// Every event delivered before SLOW_CONSUMER is whole, the actors
	// it names included. (WebSocket: SSE rewrites codes, above.)
	t.Run("slow consumer/events before it resolve", func(t *testing.T) {
		f := wsSubscribe(t, small.URL, assertionQuery(`{predicates: ["BANS"]}`), map[string]any{"after": ts.applied(t)})
		ts.flood(t, "slow-whole")
		got, end := f.untilError(t)
		if end == nil {
			t.Fatalf("all %d events were delivered: the client never fell behind", len(got))
		}
		// Once so: an earlier feed closed the views of the events still queued
		// when it returned ("This transaction has been discarded").
		if end.find(api.CodeSlowConsumer) == nil {
			t.Fatalf("after %d events: %s, want only SLOW_CONSUMER", len(got), end)
		}
	})

	// Every error of the last message is SLOW_CONSUMER, whatever the
	// subscription selects (once, the item's nil assertion made every
	// field but sequence panic).
	for _, c := range []struct{ name, selection string }{
		{"every error", "sequence predicate evidence { sentence }"},
		{"sequence not selected", "predicate evidence { sentence }"},
	} {
		t.Run("slow consumer/"+c.name, func(t *testing.T) {
			query := `subscription($after: Sequence) { assertionRecorded(filter: {predicates: ["BANS"]}, after: $after) { ` + c.selection + ` } }`
			f := wsSubscribe(t, small.URL, query, map[string]any{"after": ts.applied(t)})
			ts.flood(t, "slow-"+strings.ReplaceAll(c.name, " ", "-"))
			got, end := f.untilError(t)
			if end == nil || len(got) == 0 {
				t.Fatalf("%d events, then %v: want some, then SLOW_CONSUMER", len(got), end)
			}
			last := got[len(got)-1]
			for _, e := range end.Errors {
				if e.Extensions["code"] != api.CodeSlowConsumer || (last != 0 && e.lastSequence() != last) {
					t.Fatalf("after %d events, the last message's errors are %s; want each SLOW_CONSUMER with lastSequence %d", len(got), end, last)
				}
			}
		})
	}
}

// flood records 1,000 long BANS assertions, quickly, for a subscriber
// that does not read, and returns their sequences.
func (ts *testServer) flood(t *testing.T, tag string) []uint64 {
	t.Helper()
	pad := strings.Repeat("and so on, ", 100)
	var seqs []uint64
	for b := range 10 {
		var batch []claim
		for i := range 100 {
			batch = append(batch, claim{"Zubrowka", "BANS", fmt.Sprintf("%s %d-%d", tag, b, i), 0.9})
		}
		seqs = append(seqs, ts.recordPadded(t, tag, pad, batch...)...)
	}
	return seqs
}

// untilError reads events until one carries errors, which it returns
// (nil when the stream completes first), with the sequences before it.
// Events without sequence selected count as 0.
func (f *liveFeed) untilError(t *testing.T) ([]uint64, *nextPayload) {
	t.Helper()
	return f.untilSequence(t, 0)
}

// untilSequence reads events up to one at or past seq (0: for ever),
// or one with errors, which it returns.
func (f *liveFeed) untilSequence(t *testing.T, seq uint64) ([]uint64, *nextPayload) {
	t.Helper()
	var got []uint64
	for seq == 0 || len(got) == 0 || got[len(got)-1] < seq {
		m := f.next(t)
		switch m.kind {
		case "complete":
			return got, nil
		case "next":
			r := decodeNext(t, m)
			if len(r.Errors) > 0 {
				return got, &r
			}
			got = append(got, r.Data.AssertionRecorded.Sequence)
		default:
			t.Fatalf("%s: %s %s", f.name, m.kind, m.payload)
		}
	}
	return got, nil
}

// smallSendBuffers pins the send buffer of each connection it accepts.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// transports are the two ways to subscribe at /graphql.
var transports = []struct {
	name      string
	subscribe func(t *testing.T, base, query string, vars map[string]any) *liveFeed
}{
	{"websocket", wsSubscribe},
	{"sse", func(t *testing.T, base, query string, vars map[string]any) *liveFeed {
		return sseSubscribe(t, base, query, vars)
	}},
}

func assertionQuery(filter string) string {
	return `subscription($after: Sequence) { assertionRecorded(filter: ` + filter + `, after: $after) {
		sequence predicate confidence subject { name } object { name } evidence { sentence } assertion { id } } }`
}

// claim is one assertion to record.
type claim struct {
	subject, predicate, object string
	confidence                 float64
}

var claimCount atomic.Int64

// input is the claim as an AssertionInput, its sentence unique to the
// run; pad lengthens it.
func (c claim) input(tag, pad string) map[string]any {
	n := claimCount.Add(1)
	return map[string]any{
		"subject":    map[string]any{"name": c.subject},
		"predicate":  c.predicate,
		"object":     map[string]any{"name": c.object},
		"confidence": c.confidence,
		"evidence": map[string]any{
			"document": "subscribe-test-" + tag,
			"sentence": fmt.Sprintf("%s %s %s, %s%s #%d.", c.subject, strings.ToLower(c.predicate), c.object, pad, tag, n),
		},
	}
}

const recordClaimsMutation = `mutation($input: [AssertionInput!]!, $wait: Boolean) { recordAssertions(input: $input, wait: $wait) { assertions { sequence duplicate } lastSequence projected } }`

// recordErr records claims through the HTTP API and returns their
// sequences, or nil when that fails; it may run outside the test's
// goroutine.
func (ts *testServer) recordErr(tag string, claims ...claim) []uint64 {
	seqs, err := recordClaims(ts.http.URL, tag, "", claims...)
	if err != nil {
		ts.t.Errorf("record: %v", err)
		return nil
	}
	return seqs
}

// record records claims through the HTTP API, waiting for the
// projection, and returns their sequences.
func (ts *testServer) record(t testing.TB, tag string, claims ...claim) []uint64 {
	t.Helper()
	return ts.recordPadded(t, tag, "", claims...)
}

// recordPadded records claims with long sentences (pad in each).
func (ts *testServer) recordPadded(t testing.TB, tag, pad string, claims ...claim) []uint64 {
	t.Helper()
	seqs, err := recordClaims(ts.http.URL, tag, pad, claims...)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	return seqs
}

func recordClaims(base, tag, pad string, claims ...claim) ([]uint64, error) {
	return recordClaimsWait(base, tag, pad, true, claims...)
}

// recordClaimsWait records claims; with wait false the mutation returns
// once the log has them, maybe before the projection has applied them.
func recordClaimsWait(base, tag, pad string, wait bool, claims ...claim) ([]uint64, error) {
	in := make([]map[string]any, len(claims))
	for i, c := range claims {
		in[i] = c.input(tag, pad)
	}
	var out struct {
		RecordAssertions struct {
			Assertions []struct {
				Sequence  uint64
				Duplicate bool
			}
			Projected bool
		}
	}
	c := clientFlags{Server: base, Timeout: 30 * time.Second}.client()
	if err := c.do(context.Background(), recordClaimsMutation, map[string]any{"input": in, "wait": wait}, &out); err != nil {
		return nil, err
	}
	r := out.RecordAssertions
	if wait && !r.Projected || len(r.Assertions) != len(claims) {
		return nil, fmt.Errorf("recordAssertions: projected %v, %d results for %d inputs", r.Projected, len(r.Assertions), len(claims))
	}
	seqs := make([]uint64, len(claims))
	for i, a := range r.Assertions {
		if a.Duplicate {
			return nil, fmt.Errorf("input %d is a duplicate", i)
		}
		seqs[i] = a.Sequence
	}
	return seqs, nil
}

// applied is the projection's last applied sequence.
func (ts *testServer) applied(t testing.TB) uint64 {
	t.Helper()
	var out struct{ Stats struct{ Sequence uint64 } }
	if err := ts.flags().client().do(context.Background(), `{ stats { sequence } }`, nil, &out); err != nil {
		t.Fatal(err)
	}
	return out.Stats.Sequence
}

// liveFeed is one subscription, whichever the transport. Messages are
// read off the wire only as next asks for them, so a test can stop
// reading and let the server's buffers fill.
type liveFeed struct {
	name string
	msgs chan feedMsg
	err  error // why msgs closed; read after it is
	stop func()
}

// feedMsg is a "next" (a GraphQL response), "error" (GraphQL errors, for
// a WebSocket subscription the server refused) or "complete".
type feedMsg struct {
	kind    string
	payload json.RawMessage
}

// feedWait bounds how long a feed waits for a message that should come.
const feedWait = 20 * time.Second

func (f *liveFeed) next(t testing.TB) feedMsg {
	t.Helper()
	select {
	case m, ok := <-f.msgs:
		if !ok {
			t.Fatalf("%s: the stream ended: %v", f.name, f.err)
		}
		return m
	case <-time.After(feedWait):
		t.Fatalf("%s: nothing received within %s", f.name, feedWait)
	}
	return feedMsg{}
}

// nextEvent reads one assertion event, failing on anything else.
func (f *liveFeed) nextEvent(t testing.TB) assertionEvent {
	t.Helper()
	m := f.next(t)
	if m.kind != "next" {
		t.Fatalf("%s: %s %s, want next", f.name, m.kind, m.payload)
	}
	r := decodeNext(t, m)
	if len(r.Errors) > 0 || r.Data.AssertionRecorded == nil {
		t.Fatalf("%s: %s", f.name, m.payload)
	}
	return *r.Data.AssertionRecorded
}

// until reads events up to one at or past seq.
func (f *liveFeed) until(t testing.TB, seq uint64) []assertionEvent {
	t.Helper()
	var got []assertionEvent
	for len(got) == 0 || got[len(got)-1].Sequence < seq {
		got = append(got, f.nextEvent(t))
	}
	return got
}

type assertionEvent struct {
	Sequence   uint64
	Predicate  string
	Confidence float64
	Subject    struct{ Name string }
	Object     struct{ Name string }
	Evidence   struct{ Sentence string }
	Assertion  struct{ ID string }
}

type nextPayload struct {
	Data struct {
		AssertionRecorded *assertionEvent
	}
	Errors []feedError
}

type feedError struct {
	Message    string
	Path       []any
	Extensions map[string]any
}

// find is the first error with a code.
func (r *nextPayload) find(code string) *feedError {
	for i, e := range r.Errors {
		if e.Extensions["code"] == code {
			return &r.Errors[i]
		}
	}
	return nil
}

func (r *nextPayload) String() string {
	b, _ := json.Marshal(r.Errors)
	return string(b)
}

func (e *feedError) lastSequence() uint64 {
	n, _ := e.Extensions["lastSequence"].(float64)
	return uint64(n)
}

func decodeNext(t testing.TB, m feedMsg) nextPayload {
	t.Helper()
	var r nextPayload
	if err := json.Unmarshal(m.payload, &r); err != nil {
		t.Fatalf("next is not a GraphQL response: %v: %s", err, m.payload)
	}
	return r
}

func sequences(events []assertionEvent) []uint64 {
	out := make([]uint64, len(events))
	for i, e := range events {
		out[i] = e.Sequence
	}
	return out
}

func head(s []uint64) []uint64 { return s[:min(len(s), 5)] }

// sseSubscribe subscribes over SSE (graphql-sse's distinct-connections
// mode).
func sseSubscribe(t testing.TB, base, query string, vars map[string]any) *liveFeed {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{}}
	f := &liveFeed{name: "sse", msgs: make(chan feedMsg)}
	done := make(chan struct{})
	var once sync.Once
	f.stop = func() {
		once.Do(func() {
			close(done)
			cancel()
			client.CloseIdleConnections()
		})
	}
	t.Cleanup(f.stop)
	// The response's headers may wait for its first event: read it all
	// in the background.
	go func() {
		defer close(f.msgs)
		resp, err := client.Do(req)
		if err != nil {
			f.err = err
			return
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
			b, _ := bufio.NewReader(resp.Body).Peek(512)
			f.err = fmt.Errorf("POST %s: %s %s: %s", req.URL, resp.Status, ct, b)
			return
		}
		br := bufio.NewReader(resp.Body)
		var event string
		var data []byte
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				f.err = err
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case line == "":
				if event == "" {
					continue // a keep-alive comment
				}
				select {
				case f.msgs <- feedMsg{kind: event, payload: data}:
				case <-done:
					return
				}
				event, data = "", nil
			case strings.HasPrefix(line, ":"):
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")...)
			}
		}
	}()
	return f
}

// wsSubscribe subscribes over WebSocket with graphql-transport-ws:
// connection_init, connection_ack, subscribe, then next… and complete.
func wsSubscribe(t *testing.T, base, query string, vars map[string]any) *liveFeed {
	t.Helper()
	f, err := wsDial(base, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.stop)
	return f
}

func wsDial(base, query string, vars map[string]any) (*liveFeed, error) {
	conn, err := wsConnect(base, query, vars)
	if err != nil {
		return nil, err
	}
	f := &liveFeed{name: "websocket", msgs: make(chan feedMsg)}
	done := make(chan struct{})
	var once sync.Once
	f.stop = func() {
		once.Do(func() {
			close(done)
			conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			conn.Close()
		})
	}
	go func() {
		defer close(f.msgs)
		for {
			var m wsMessage
			if err := conn.ReadJSON(&m); err != nil {
				f.err = err
				return
			}
			if m.ID != "1" {
				continue
			}
			select {
			case f.msgs <- feedMsg{kind: m.Type, payload: m.Payload}:
			case <-done:
				return
			}
		}
	}()
	return f, nil
}

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsConnect opens a WebSocket, initialises it and subscribes with id "1".
func wsConnect(base, query string, vars map[string]any) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/graphql"
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.Dial(url, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	if p := conn.Subprotocol(); p != "graphql-transport-ws" {
		conn.Close()
		return nil, fmt.Errorf("dial %s: subprotocol %q, want graphql-transport-ws", url, p)
	}
	var ack wsMessage
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := conn.WriteJSON(wsMessage{Type: "connection_init"}); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
		conn.Close()
		return nil, fmt.Errorf("after connection_init: %+v, %v; want connection_ack", ack, err)
	}
	conn.SetReadDeadline(time.Time{})
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err := conn.WriteJSON(wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
