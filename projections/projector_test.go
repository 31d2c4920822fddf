package projections

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/stream"
)

type env struct {
	t     testing.TB
	js    jetstream.JetStream
	log   *stream.Log
	dir   string
	store *graph.Store
}

func newEnv(t testing.TB) *env {
	t.Helper()
	log, js := testenv.Log(t, stream.LogConfig{})
	e := &env{t: t, js: js, log: log, dir: t.TempDir()}
	e.openStore()
	t.Cleanup(func() { e.store.Close() })
	return e
}

func (e *env) openStore() {
	e.t.Helper()
	s, err := graph.Open(context.Background(), graph.Config{Dir: e.dir})
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = s
}

func (e *env) reopenStore() {
	e.t.Helper()
	if err := e.store.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.openStore()
}

func assertion(subj, pred, obj, sentence string) events.Envelope {
	return assertionIn("doc-1", subj, pred, obj, sentence)
}

func assertionIn(doc, subj, pred, obj, sentence string) events.Envelope {
	a := events.AssertionRecorded{
		Subject:   events.ActorRef{Name: subj},
		Predicate: pred,
		Object:    events.ActorRef{Name: obj},
		Evidence:  events.Evidence{Document: doc, Sentence: sentence},
	}
	a.Normalize(nil)
	if err := a.Validate(events.DefaultOntology()); err != nil {
		panic(err)
	}
	ev, err := events.New(&a, events.Meta{Principal: "test"})
	if err != nil {
		panic(err)
	}
	return ev
}

func (e *env) append(evs ...events.Envelope) uint64 {
	e.t.Helper()
	out, err := e.log.Append(context.Background(), evs, stream.AppendOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return out[len(out)-1].Sequence
}

func (e *env) project(cfg Config) error {
	e.t.Helper()
	cfg.Store, cfg.JetStream = e.store, e.js
	p, err := New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return p.Run(ctx)
}

func (e *env) support(subj, pred, obj string) int {
	e.t.Helper()
	v, err := e.store.View(0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer v.Close()
	r, err := v.Relationship(graph.RelKey{Subject: subj, Predicate: pred, Object: obj})
	if errors.Is(err, graph.ErrNotFound) {
		return 0
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Support
}

// A crash between a batch's Badger commit and its ack must not double
// anything: the batch is redelivered and skipped by sequence.
func TestFaultBetweenCommitAndAck(t *testing.T) {
	e := newEnv(t)
	last := e.append(
		assertion("ByteDance", "OWNS", "TikTok", "TikTok is owned by ByteDance."),
		assertion("ByteDance", "OWNS", "TikTok", "ByteDance, the owner of TikTok, said so."),
		assertion("India", "BANS", "TikTok", "India banned TikTok."),
	)
	crash := errors.New("injected crash before ack")
	var committed uint64
	err := e.project(Config{Durable: "p1", afterCommit: func(l uint64) error { committed = l; return crash }})
	if !errors.Is(err, crash) {
		t.Fatalf("Run = %v, want the injected crash", err)
	}
	if got := e.store.Applied(); got != committed || got == 0 {
		t.Fatalf("applied after crash = %d, want the committed batch's %d", got, committed)
	}
	// Restart: a new process opens the store and the same durable,
	// whose messages were never acknowledged.
	e.reopenStore()
	if got := e.store.Applied(); got != committed {
		t.Fatalf("applied after reopen = %d, want %d", got, committed)
	}
	info, err := e.js.Consumer(context.Background(), "DOSSIER", "p1")
	if err != nil {
		t.Fatal(err)
	}
	if f := info.CachedInfo().AckFloor.Stream; f >= committed {
		t.Fatalf("ack floor %d: the crash came too late to test anything", f)
	}
	_ = last
	more := e.append(assertion("India", "BANS", "TikTok", "In June India blocked TikTok."))
	if err := e.project(Config{Durable: "p1", StopAt: more}); err != nil {
		t.Fatal(err)
	}
	if got := e.support("bytedance", "OWNS", "tiktok"); got != 2 {
		t.Errorf("ByteDance OWNS TikTok support = %d, want 2", got)
	}
	if got := e.support("india", "BANS", "tiktok"); got != 2 {
		t.Errorf("India BANS TikTok support = %d, want 2", got)
	}
	v, _ := e.store.View(0)
	defer v.Close()
	st, _ := v.Stats()
	if st.Assertions != 4 || st.Relationships != 2 || st.Actors != 3 {
		t.Errorf("stats = %+v, want 4 assertions, 2 relationships, 3 actors", st)
	}
}

// The same assertion sent three times is one assertion: JetStream drops
// the re-sends inside its duplicate window, and the fold ignores content
// it already holds when a re-send comes after the window.
func TestSameAssertionThrice(t *testing.T) {
	e := newEnv(t)
	ev := assertion("ByteDance", "OWNS", "TikTok", "TikTok is owned by ByteDance.")
	first := e.append(ev)
	if again := e.append(ev); again != first {
		t.Errorf("re-send got sequence %d, want the original %d", again, first)
	}
	// Past the window: publish the same body under another message id.
	body, _ := ev.Marshal()
	ack, err := e.js.Publish(context.Background(), ev.Subject, body, jetstream.WithMsgID("late-resend"))
	if err != nil {
		t.Fatal(err)
	}
	if ack.Sequence == first {
		t.Fatal("late re-send was deduplicated; the test needs it in the stream")
	}
	if err := e.project(Config{Durable: "p", StopAt: ack.Sequence}); err != nil {
		t.Fatal(err)
	}
	if got := e.support("bytedance", "OWNS", "tiktok"); got != 1 {
		t.Errorf("support = %d, want 1", got)
	}
	v, _ := e.store.View(0)
	defer v.Close()
	if st, _ := v.Stats(); st.Assertions != 1 {
		t.Errorf("assertions = %d, want 1", st.Assertions)
	}
}
