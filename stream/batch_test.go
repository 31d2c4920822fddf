package stream_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/stream"
)

// strictLog opens the log with atomic batches on an embedded server that
// syncs every write, as `serve --durability strict` does.
func strictLog(t *testing.T, cfg stream.LogConfig) (*stream.Log, jetstream.JetStream) {
	t.Helper()
	srv, err := stream.StartServer(stream.ServerConfig{Dir: t.TempDir(), SyncAlways: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return openBatched(t, nc, cfg)
}

func openBatched(t *testing.T, nc *nats.Conn, cfg stream.LogConfig) (*stream.Log, jetstream.JetStream) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.JetStream, cfg.AtomicBatches = js, true
	l, err := stream.OpenLog(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !l.AtomicBatches() {
		t.Fatal("a new stream does not take atomic batches")
	}
	return l, js
}

func events_(t *testing.T, from, n int) []events.Envelope {
	t.Helper()
	evs := make([]events.Envelope, n)
	for i := range evs {
		evs[i] = assertionEvent(t, from+i)
	}
	return evs
}

// batchIDs reads the Nats-Batch-Id each stored message of 1..last was
// published with ("" for none).
func batchIDs(t *testing.T, js jetstream.JetStream, last uint64) []string {
	t.Helper()
	s, err := js.Stream(context.Background(), stream.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for seq := uint64(1); seq <= last; seq++ {
		m, err := s.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.Header.Get("Nats-Batch-Id"))
	}
	return ids
}

func sequences(from uint64, n int) []stream.Appended {
	out := make([]stream.Appended, n)
	for i := range out {
		out[i] = stream.Appended{Sequence: from + uint64(i)}
	}
	return out
}

// With atomic batches an Append is one batch: every event stored, in
// order, under one batch id, with the sequences the single publishes
// would have had. A longer Append is split into batches of MaxBatch.
func TestAppendAtomicBatch(t *testing.T) {
	ctx := context.Background()
	l, js := strictLog(t, stream.LogConfig{MaxBatch: 4})
	got, err := l.Append(ctx, events_(t, 0, 4), stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := sequences(1, 4); !reflect.DeepEqual(got, want) {
		t.Errorf("Append = %+v, want %+v", got, want)
	}
	got, err = l.Append(ctx, events_(t, 100, 10), stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := sequences(5, 10); !reflect.DeepEqual(got, want) {
		t.Errorf("Append of 10 = %+v, want %+v", got, want)
	}
	ids := batchIDs(t, js, 14)
	// 1–4: one batch; 5–8, 9–12, 13–14: the second Append in three.
	for _, run := range [][2]int{{0, 4}, {4, 8}, {8, 12}, {12, 14}} {
		for i := run[0]; i < run[1]; i++ {
			if ids[i] == "" || ids[i] != ids[run[0]] {
				t.Errorf("sequences %d–%d are not one batch: %q", run[0]+1, run[1], ids[run[0]:run[1]])
				break
			}
		}
		if run[0] > 0 && ids[run[0]] == ids[run[0]-1] {
			t.Errorf("sequences %d and %d are in one batch, over MaxBatch", run[0], run[0]+1)
		}
	}
	// One event goes on its own: a batch of one would cost a second sync.
	got, err = l.Append(ctx, events_(t, 200, 1), stream.AppendOptions{})
	if err != nil || !reflect.DeepEqual(got, sequences(15, 1)) {
		t.Errorf("Append of one = %+v, %v", got, err)
	}
	if ids := batchIDs(t, js, 15); ids[14] != "" {
		t.Errorf("a single event was sent as batch %q", ids[14])
	}
}

// The server refuses a batch that holds an event it already has, where a
// single publish is acknowledged as a duplicate. Append keeps the
// guarantee that re-sending appends nothing: what the log holds comes
// back as duplicates of the first sequence, the rest is stored.
func TestAppendAtomicBatchDuplicates(t *testing.T) {
	ctx := context.Background()
	l, _ := strictLog(t, stream.LogConfig{})
	first := events_(t, 0, 5)
	orig, err := l.Append(ctx, first, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The same write again: nothing appended.
	again, err := l.Append(ctx, first, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range again {
		if !a.Duplicate || a.Sequence != orig[i].Sequence {
			t.Errorf("re-sent event %d: %+v, want a duplicate of %d", i, a, orig[i].Sequence)
		}
	}
	if s := lastSeq(t, l); s != 5 {
		t.Errorf("last sequence %d after re-sending, want 5", s)
	}
	// Partly new, and one event twice in the same write.
	mixed := []events.Envelope{first[1], assertionEvent(t, 10), assertionEvent(t, 11), assertionEvent(t, 10)}
	got, err := l.Append(ctx, mixed, stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []stream.Appended{{Sequence: 2, Duplicate: true}, {Sequence: 6}, {Sequence: 7}, {Sequence: 6, Duplicate: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("partly new append = %+v, want %+v", got, want)
	}
	if s := lastSeq(t, l); s != 7 {
		t.Errorf("last sequence %d, want 7", s)
	}
}

// A batch is stored whole or not at all: one event the server refuses
// (over the stream's message size) and none of the write is stored,
// where single publishes store the events before it.
func TestAppendAtomicBatchAllOrNothing(t *testing.T) {
	ctx := context.Background()
	l, _ := strictLog(t, stream.LogConfig{MaxMsgSize: 2000})
	huge := assertionEvent(t, 1)
	huge.Data = []byte(`{"pad":"` + strings.Repeat("x", 3000) + `"}`)
	evs := []events.Envelope{assertionEvent(t, 0), huge, assertionEvent(t, 2)}
	got, err := l.Append(ctx, evs, stream.AppendOptions{})
	if err == nil {
		t.Fatalf("an event over the size limit was accepted: %+v", got)
	}
	if len(got) != 0 {
		t.Errorf("Append says %d events were stored: %+v", len(got), got)
	}
	if s := lastSeq(t, l); s != 0 {
		t.Errorf("the log holds %d events of a refused batch", s)
	}
	// The log goes on.
	if got, err := l.Append(ctx, events_(t, 10, 3), stream.AppendOptions{}); err != nil || !reflect.DeepEqual(got, sequences(1, 3)) {
		t.Errorf("after: %+v, %v", got, err)
	}
}

// A server that allows smaller batches than MaxBatch (its max_batch_size)
// refuses the batch; Append halves it until it fits.
func TestAppendAtomicBatchServerLimit(t *testing.T) {
	opts := &server.Options{JetStream: true, StoreDir: t.TempDir(), DontListen: true, NoLog: true, NoSigs: true, SyncAlways: true}
	opts.JetStreamLimits.MaxBatchSize = 3
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	l, js := openBatched(t, nc, stream.LogConfig{MaxBatch: 10})
	got, err := l.Append(context.Background(), events_(t, 0, 10), stream.AppendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := sequences(1, 10); !reflect.DeepEqual(got, want) {
		t.Errorf("Append = %+v, want %+v", got, want)
	}
	seen := map[string]int{}
	for _, id := range batchIDs(t, js, 10) {
		seen[id]++
	}
	for id, n := range seen {
		if n > 3 || id == "" && n > 1 {
			t.Errorf("batch %q holds %d events; the server allows 3", id, n)
		}
	}
}

// A stream made before Dossier allowed atomic batches does not take them
// until an admin allows them; its appends go one by one meanwhile.
func TestEnableAtomicBatches(t *testing.T) {
	ctx := context.Background()
	srv, err := stream.StartServer(stream.ServerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream.DefaultStream, Subjects: []string{stream.SubjectAll}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	l, err := stream.OpenLog(ctx, stream.LogConfig{JetStream: js, AtomicBatches: true})
	if err != nil {
		t.Fatal(err)
	}
	if l.AtomicBatches() {
		t.Fatal("a stream that does not allow atomic batches is said to take them")
	}
	if got, err := l.Append(ctx, events_(t, 0, 3), stream.AppendOptions{}); err != nil || len(got) != 3 {
		t.Fatalf("append without batches: %+v, %v", got, err)
	}
	if err := stream.EnableAtomicBatches(ctx, js, stream.DefaultStream); err != nil {
		t.Fatal(err)
	}
	l, err = stream.OpenLog(ctx, stream.LogConfig{JetStream: js, AtomicBatches: true})
	if err != nil || !l.AtomicBatches() {
		t.Fatalf("after EnableAtomicBatches: batches %v, %v", l != nil && l.AtomicBatches(), err)
	}
	if got, err := l.Append(ctx, events_(t, 10, 3), stream.AppendOptions{}); err != nil || !reflect.DeepEqual(got, sequences(4, 3)) {
		t.Errorf("append with batches: %+v, %v", got, err)
	}
	var apiErr *jetstream.APIError
	if err := stream.EnableAtomicBatches(ctx, js, "NONE"); err == nil || !errors.As(err, &apiErr) && !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("allowing batches on a stream that does not exist: %v", err)
	}
}
