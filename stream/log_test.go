package stream_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/stream"
)

// openLog starts an embedded NATS server in a temporary directory and
// opens the event log on it.
func openLog(tb testing.TB) (*stream.Log, jetstream.JetStream) {
	tb.Helper()
	srv, js := testenv.JetStream(tb)
	if srv.ClientURL() != "" {
		tb.Errorf("a server without Listen has client URL %q", srv.ClientURL())
	}
	l, err := stream.OpenLog(context.Background(), stream.LogConfig{JetStream: js})
	if err != nil {
		tb.Fatal(err)
	}
	return l, js
}

// assertionEvent is a valid, normalised assertion in an envelope; n makes
// its content, and so its id, distinct.
func assertionEvent(tb testing.TB, n int) events.Envelope {
	tb.Helper()
	a := events.AssertionRecorded{
		Subject:   events.ActorRef{Name: "ByteDance", Type: "COMPANY"},
		Predicate: "OWNS",
		Object:    events.ActorRef{Name: "TikTok", Type: "PRODUCT"},
		Evidence:  events.Evidence{Document: "000_doc", Sentence: fmt.Sprintf("Sentence %d: TikTok is owned by ByteDance.", n)},
	}
	a.Normalize(nil)
	if err := a.Validate(events.DefaultOntology()); err != nil {
		tb.Fatal(err)
	}
	env, err := events.New(&a, events.Meta{Principal: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

func lastSeq(t *testing.T, l *stream.Log) uint64 {
	t.Helper()
	seq, err := l.LastSequence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestOpenLogNeedsJetStream(t *testing.T) {
	if _, err := stream.OpenLog(context.Background(), stream.LogConfig{}); err == nil {
		t.Error("OpenLog without JetStream succeeded")
	}
}

func TestStartServerNeedsDir(t *testing.T) {
	if _, err := stream.StartServer(stream.ServerConfig{}); err == nil {
		t.Error("StartServer without Dir succeeded")
	}
	if _, err := stream.StartServer(stream.ServerConfig{Dir: t.TempDir(), Listen: "no-port"}); err == nil {
		t.Error("StartServer with a bad listen address succeeded")
	}
}

func TestAppendInOrder(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	if l.Stream() != "DOSSIER" {
		t.Errorf("stream %q, want the default DOSSIER", l.Stream())
	}
	if got := lastSeq(t, l); got != 0 {
		t.Fatalf("empty log has last sequence %d", got)
	}
	var evs []events.Envelope
	for i := range 10 {
		evs = append(evs, assertionEvent(t, i))
	}
	got, err := l.Append(ctx, evs, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]stream.Appended, len(evs))
	for i := range want {
		want[i] = stream.Appended{Sequence: uint64(i + 1)}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Append = %+v, want %+v", got, want)
	}
	if s := lastSeq(t, l); s != 10 {
		t.Errorf("last sequence %d, want 10", s)
	}
	// A second batch continues the sequence.
	got, err = l.Append(ctx, []events.Envelope{assertionEvent(t, 100), assertionEvent(t, 101)}, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Sequence != 11 || got[1].Sequence != 12 {
		t.Errorf("second batch = %+v, want sequences 11, 12", got)
	}
	// Nothing is an empty append.
	got, err = l.Append(ctx, nil, stream.AppendOptions{})
	if err != nil || len(got) != 0 {
		t.Errorf("empty Append = %+v, %v", got, err)
	}
}

func TestAppendDuplicate(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	first := []events.Envelope{assertionEvent(t, 1), assertionEvent(t, 2), assertionEvent(t, 3)}
	orig, err := l.Append(ctx, first, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The same envelope again, and the same content built anew (another
	// recorded time, same content id), amid a new one.
	again := []events.Envelope{first[1], assertionEvent(t, 3), assertionEvent(t, 4)}
	got, err := l.Append(ctx, again, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []stream.Appended{
		{Sequence: orig[1].Sequence, Duplicate: true},
		{Sequence: orig[2].Sequence, Duplicate: true},
		{Sequence: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Append again = %+v, want %+v", got, want)
	}
	if s := lastSeq(t, l); s != 4 {
		t.Errorf("last sequence %d, want 4: duplicates were stored", s)
	}
}

func TestAppendExpectLastSequence(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	seq := func(n uint64) *uint64 { return &n }

	// On an empty log, 0 is the right expectation.
	got, err := l.Append(ctx, []events.Envelope{assertionEvent(t, 1), assertionEvent(t, 2)}, stream.AppendOptions{ExpectLastSequence: seq(0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Sequence != 1 || got[1].Sequence != 2 {
		t.Fatalf("Append expecting 0 = %+v", got)
	}

	// The right value: the batch goes in one after another.
	got, err = l.Append(ctx, []events.Envelope{assertionEvent(t, 3), assertionEvent(t, 4), assertionEvent(t, 5)}, stream.AppendOptions{ExpectLastSequence: seq(2)})
	if err != nil {
		t.Fatalf("Append expecting the right last sequence: %v", err)
	}
	if len(got) != 3 || got[0].Sequence != 3 || got[2].Sequence != 5 {
		t.Fatalf("Append expecting 2 = %+v", got)
	}

	// A stale value conflicts, and nothing is appended.
	for _, stale := range []uint64{0, 2, 4, 99} {
		got, err = l.Append(ctx, []events.Envelope{assertionEvent(t, 10), assertionEvent(t, 11)}, stream.AppendOptions{ExpectLastSequence: seq(stale)})
		if err == nil {
			t.Fatalf("Append expecting stale %d succeeded: %+v", stale, got)
		}
		if !errors.As(err, new(*stream.ConflictError)) {
			t.Errorf("Append expecting stale %d: err = %v (%T), want a *ConflictError", stale, err, err)
		}
		var apiErr *jetstream.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequence {
			t.Errorf("the conflict hides the server's error: %v", err)
		}
		if len(got) != 0 {
			t.Errorf("Append expecting stale %d reports %+v as appended", stale, got)
		}
		if s := lastSeq(t, l); s != 5 {
			t.Errorf("after a conflict the last sequence is %d, want 5", s)
		}
	}
}

func TestAppendRefusesEventWithoutSubject(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	bad := assertionEvent(t, 2)
	bad.Subject = ""
	got, err := l.Append(ctx, []events.Envelope{assertionEvent(t, 1), bad}, stream.AppendOptions{})
	if err == nil {
		t.Fatalf("Append of an event without subject = %+v", got)
	}
	if s := lastSeq(t, l); s != 0 {
		t.Errorf("a refused batch left %d events", s)
	}
}

func TestGet(t *testing.T) {
	ctx := context.Background()
	l, _ := openLog(t)
	asr := assertionEvent(t, 1)
	text := "TikTok is owned by ByteDance."
	doc := events.DocumentAdded{ID: events.DocumentID(text), Source: "a.txt", Text: text, Size: len(text)}
	denv, err := events.New(&doc, events.Meta{Principal: "test"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := l.Append(ctx, []events.Envelope{denv, asr}, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []events.Envelope{denv, asr} {
		got, err := l.Get(ctx, app[i].Sequence)
		if err != nil {
			t.Fatal(err)
		}
		if got.Sequence != app[i].Sequence || got.Subject != want.Subject {
			t.Errorf("Get(%d): sequence %d subject %q, want %d %q", app[i].Sequence, got.Sequence, got.Subject, app[i].Sequence, want.Subject)
		}
		if got.ID != want.ID || got.Type != want.Type || got.Version != want.Version || got.Principal != want.Principal || !got.Recorded.Equal(want.Recorded) {
			t.Errorf("Get(%d) = %+v, want %+v", app[i].Sequence, got, want)
		}
		gp, err := got.Decode()
		if err != nil {
			t.Fatal(err)
		}
		wp, err := want.Decode()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gp, wp) {
			t.Errorf("Get(%d) payload %+v, want %+v", app[i].Sequence, gp, wp)
		}
	}
	if _, err := l.Get(ctx, 99); err == nil {
		t.Error("Get of a sequence past the end succeeded")
	}
}

// Reopening the log keeps its events: OpenLog on an existing stream only
// updates its settings.
func TestOpenLogAgain(t *testing.T) {
	ctx := context.Background()
	l, js := openLog(t)
	if _, err := l.Append(ctx, []events.Envelope{assertionEvent(t, 1)}, stream.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	l2, err := stream.OpenLog(ctx, stream.LogConfig{JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	if s := lastSeq(t, l2); s != 1 {
		t.Errorf("reopened log has last sequence %d, want 1", s)
	}
}

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	l, _ := openLog(b)
	const batch = 100
	n := 0
	for b.Loop() {
		b.StopTimer()
		evs := make([]events.Envelope, batch)
		for i := range evs {
			evs[i] = assertionEvent(b, n)
			n++
		}
		b.StartTimer()
		if _, err := l.Append(ctx, evs, stream.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// Opening the log leaves an existing stream's configuration alone: a
// replay or a second instance started with other flags must not
// reconfigure the source of truth. A stream of that name that is not
// Dossier's is refused.
func TestOpenLogKeepsExistingStream(t *testing.T) {
	ctx := context.Background()
	_, js := testenv.JetStream(t)
	if _, err := stream.OpenLog(ctx, stream.LogConfig{JetStream: js, DuplicateWindow: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.OpenLog(ctx, stream.LogConfig{JetStream: js}); err != nil { // default window: 2 minutes
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, "DOSSIER")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.Duplicates; got != time.Minute {
		t.Errorf("reopening with other options changed the duplicate window to %s; want it left at 1m", got)
	}

	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "OTHER", Subjects: []string{"orders.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.OpenLog(ctx, stream.LogConfig{JetStream: js, Stream: "OTHER"}); err == nil {
		t.Error("OpenLog took another application's stream as its log")
	}
}

// A document's subject says whether the log holds it, long after the
// duplicate window.
func TestLastOnSubject(t *testing.T) {
	l, _ := openLog(t)
	ctx := context.Background()
	text := "A document."
	d := events.DocumentAdded{ID: events.DocumentID(text), TextStored: true}
	if _, ok, err := l.LastOnSubject(ctx, events.DocumentSubject(d.ID)); err != nil || ok {
		t.Fatalf("before: found %v, %v", ok, err)
	}
	env, err := events.New(&d, events.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Append(ctx, []events.Envelope{assertionEvent(t, 1), env, assertionEvent(t, 2)}, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq, ok, err := l.LastOnSubject(ctx, events.DocumentSubject(d.ID))
	if err != nil || !ok || seq != out[1].Sequence {
		t.Errorf("after: %d %v %v, want %d", seq, ok, err, out[1].Sequence)
	}
}

// A large append keeps a bounded number of publishes in flight and waits
// for acknowledgements past it, rather than filling the client's limit
// on outstanding publishes (4,000 by default): a 5 MB document of 13,000
// events once failed with "stalled with too many outstanding async
// published messages" when acknowledgements were slow. Appends running
// at once, on a client that allows fewer in flight than they want, all
// complete.
func TestAppendBackPressure(t *testing.T) {
	srv, _ := testenv.JetStream(t)
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(2*stream.AppendWindow))
	if err != nil {
		t.Fatal(err)
	}
	l, err := stream.OpenLog(context.Background(), stream.LogConfig{JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	// The most publishes in flight at once, sampled while appending.
	var most atomic.Int64
	sampling, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampling)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := int64(js.PublishAsyncPending()); n > most.Load() {
				most.Store(n)
			}
			runtime.Gosched()
		}
	}()
	one := make([]events.Envelope, 8000)
	for i := range one {
		one[i] = assertionEvent(t, i)
	}
	if got, err := l.Append(context.Background(), one, stream.AppendOptions{}); err != nil || len(got) != len(one) {
		t.Fatalf("one large append: %d of %d, %v", len(got), len(one), err)
	}
	close(stop)
	<-sampling
	if most.Load() > stream.AppendWindow {
		t.Errorf("%d publishes were in flight at once, over the window of %d", most.Load(), stream.AppendWindow)
	}

	const writers, each = 6, 1000
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			evs := make([]events.Envelope, each)
			for i := range evs {
				evs[i] = assertionEvent(t, len(one)+w*each+i)
			}
			got, err := l.Append(context.Background(), evs, stream.AppendOptions{})
			if err == nil && len(got) != each {
				err = fmt.Errorf("%d of %d acknowledged", len(got), each)
			}
			errs <- err
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if last := lastSeq(t, l); last != uint64(len(one)+writers*each) {
		t.Errorf("the stream holds %d events, want %d", last, len(one)+writers*each)
	}
}
