package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/node"
)

// startLoaded starts a server whose embedded NATS listens on a free
// port, loads the example assertions, and waits until they are projected.
func startLoaded(t *testing.T, dir string) (*testServer, uint64) {
	t.Helper()
	ts := startServerWith(t, node.Config{DataDir: dir, Instance: "test", NATS: node.NATSConfig{Listen: "127.0.0.1:-1"}})
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	last, err := ts.node.Log().LastSequence(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.node.Store().WaitFor(ctx, last); err != nil {
		t.Fatal(err)
	}
	return ts, last
}

func storeDigest(t *testing.T, s *graph.Store, at uint64) graph.Digest {
	t.Helper()
	d, err := s.DigestAt(at)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func assertions(t *testing.T, s *graph.Store) int {
	t.Helper()
	v, err := s.View(0)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	st, err := v.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st.Assertions
}

// replay rebuilds the graph as it was at a sequence, the same store the
// live one was then, through a running server's NATS or, with the server
// stopped, from the data directory.
func TestReplay(t *testing.T) {
	dir, outs := t.TempDir(), t.TempDir()
	ts, last := startLoaded(t, dir)
	if last < 40 {
		t.Fatalf("the example log has %d events; the test wants more than 30", last)
	}
	at30 := storeDigest(t, ts.node.Store(), 30)
	atLast := storeDigest(t, ts.node.Store(), last)
	liveAssertions := assertions(t, ts.node.Store())

	replay := func(out string, until uint64, natsURL string) (string, error) {
		t.Helper()
		c := &replayCmd{Until: until, Out: filepath.Join(outs, out), storeFlags: storeFlags{Data: dir, natsFlags: natsFlags{NATS: natsURL}}}
		var buf bytes.Buffer
		err := c.run(context.Background(), &buf)
		return buf.String(), err
	}

	// Under a running server, not from its files: they are its own.
	_, err := replay("refused", 30, "")
	if err == nil || !strings.Contains(err.Error(), "--nats") {
		t.Errorf("replay under a running server without --nats = %v, want an error saying to pass --nats", err)
	}
	if _, err := os.Stat(filepath.Join(outs, "refused")); !os.IsNotExist(err) {
		t.Errorf("a refused replay left its output directory: %v", err)
	}

	// Through the running server's NATS: the store as it was at 30.
	out, err := replay("through-nats", 30, ts.node.NATSURL())
	if err != nil {
		t.Fatalf("replay --nats: %v", err)
	}
	want := "replayed events 1..30 into " + filepath.Join(outs, "through-nats") + " (digest " + at30.Sum
	if !strings.HasPrefix(out, want) {
		t.Errorf("replay printed %q, want it to start %q", out, want)
	}
	if _, err := replay("through-nats", 30, ts.node.NATSURL()); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("replay into a non-empty directory = %v, want a refusal", err)
	}

	// With the server stopped, from the data directory.
	ts.stop()
	if _, err := replay("stopped", 30, ""); err != nil {
		t.Fatalf("replay: %v", err)
	}
	s, err := graph.Open(context.Background(), graph.Config{Dir: filepath.Join(outs, "stopped")})
	if err != nil {
		t.Fatal(err)
	}
	if s.Applied() != 30 {
		t.Errorf("replayed store applied %d, want 30", s.Applied())
	}
	if n := assertions(t, s); n == 0 || n >= liveAssertions {
		t.Errorf("replayed store has %d assertions, the live one %d: want fewer, and some", n, liveAssertions)
	}
	if d := storeDigest(t, s, 30); d.Sum != at30.Sum {
		t.Errorf("replayed digest %s, the live store's at 30 %s", d.Sum, at30.Sum)
	}
	s.Close()

	// The whole log, into an existing empty directory.
	if err := os.Mkdir(filepath.Join(outs, "all"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := replay("all", 0, ""); err != nil || !strings.Contains(out, "1.."+itoa(last)+" ") || !strings.Contains(out, atLast.Sum) {
		t.Errorf("replay of the whole log = %q, %v; want 1..%d and digest %s", out, err, last, atLast.Sum)
	}
	if _, err := replay("beyond", last+1, ""); err == nil || !strings.Contains(err.Error(), "log ends at") {
		t.Errorf("replay past the log's end = %v, want a refusal", err)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// verify agrees with a store folded from the log, and lists what a
// drifted store holds that the log does not say, exiting 1.
func TestVerifyCommand(t *testing.T) {
	ts, last := startLoaded(t, t.TempDir())
	live := storeDigest(t, ts.node.Store(), last)
	c := &verifyCmd{Server: ts.http.URL, Timeout: time.Minute}
	var out bytes.Buffer
	if err := c.run(context.Background(), &out, nil); err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	want := "verified at sequence " + itoa(last) + ": live and rebuilt stores agree (digest " + live.Sum + ", " + itoa(uint64(live.Keys)) + " keys)\n"
	if out.String() != want {
		t.Errorf("verify printed %q, want %q", out.String(), want)
	}

	// Drift: a change no event made, which the projector then skips.
	testenv.Drift(t, ts.node.Store(), ts.node.Log())

	out.Reset()
	err := c.run(context.Background(), &out, nil)
	if exitCode(err) != exitFailure {
		t.Errorf("verify of a drifted store = %v (exit %d), want exit %d", err, exitCode(err), exitFailure)
	}
	for _, want := range []string{"DIFFER", "only live     act:stray", "asr keys: " + itoa(last) + " live, " + itoa(last+1) + " rebuilt", " differences:\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output lacks %q:\n%s", want, out.String())
		}
	}

	c.JSON = true
	out.Reset()
	err = c.run(context.Background(), &out, nil)
	var r node.VerifyReport
	if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil || r.Equal || r.Sequence != last+1 || len(r.Diffs) == 0 || exitCode(err) != exitFailure {
		t.Errorf("verify --json = %s, %v", out.String(), err)
	}
}
