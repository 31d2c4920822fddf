package stream_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/stream"
)

// State says what the stream holds, and which sequences below its last
// it has lost; StoredAt reads an event's id and time without decoding it.
func TestState(t *testing.T) {
	ctx := context.Background()
	// The log never deletes; damage does. Here the test deletes, from a
	// stream made without the log's guard against it, which the log
	// takes as it finds it.
	_, js := testenv.JetStream(t)
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream.DefaultStream, Subjects: []string{stream.SubjectAll}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := stream.OpenLog(ctx, stream.LogConfig{JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := l.State(ctx); err != nil || st.Last != 0 || len(st.Missing) != 0 {
		t.Fatalf("State of an empty log = %+v, %v", st, err)
	}
	var evs []events.Envelope
	for i := range 6 {
		evs = append(evs, assertionEvent(t, i))
	}
	if _, err := l.Append(ctx, evs, stream.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := l.State(ctx)
	if err != nil || st.First != 1 || st.Last != 6 || st.Msgs != 6 || len(st.Missing) != 0 {
		t.Fatalf("State = %+v, %v; want 1..6, nothing missing", st, err)
	}
	got, err := l.StoredAt(ctx, 3)
	if err != nil || got.Sequence != 3 || got.ID != evs[2].ID || got.Time.IsZero() {
		t.Errorf("StoredAt(3) = %+v, %v; want id %s", got, err, evs[2].ID)
	}
	if _, err := l.StoredAt(ctx, 7); !errors.Is(err, stream.ErrNoEvent) {
		t.Errorf("StoredAt(7) = %v, want ErrNoEvent", err)
	}

	for _, seq := range []uint64{1, 3, 4, 6} {
		if err := s.DeleteMsg(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	st, err = l.State(ctx)
	want := stream.Ranges{{First: 1, Last: 1}, {First: 3, Last: 4}, {First: 6, Last: 6}}
	if err != nil || st.Last != 6 || st.Msgs != 2 || !reflect.DeepEqual(st.Missing, want) {
		t.Errorf("State after deletes = %+v, %v; want missing %v", st, err, want)
	}
	if _, err := l.StoredAt(ctx, 3); !errors.Is(err, stream.ErrNoEvent) {
		t.Errorf("StoredAt(3) after its loss = %v, want ErrNoEvent", err)
	}
	// Reading the log finds the same, and counts as lost what it asks
	// for beyond the log's end.
	if got, err := l.Scan(ctx, 6); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Scan(6) = %v, %v; want %v", got, err, want)
	}
	if got, err := l.Scan(ctx, 8); err != nil || !reflect.DeepEqual(got, append(want[:2:2], stream.Range{First: 6, Last: 8})) {
		t.Errorf("Scan(8) = %v, %v", got, err)
	}
}

func TestRanges(t *testing.T) {
	rs := stream.Ranges{{First: 1, Last: 1}, {First: 3, Last: 9}, {First: 20, Last: 30}}
	if got := rs.Count(); got != 1+7+11 {
		t.Errorf("Count = %d", got)
	}
	if got, want := rs.Upto(5), (stream.Ranges{{First: 1, Last: 1}, {First: 3, Last: 5}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Upto(5) = %v, want %v", got, want)
	}
	if !rs.Contains(25) || rs.Contains(2) || rs.Contains(31) {
		t.Error("Contains is wrong")
	}
	for _, c := range []struct {
		minus, want stream.Ranges
	}{
		{nil, rs},
		{rs, nil},
		{stream.Ranges{{First: 4, Last: 5}, {First: 25, Last: 40}}, stream.Ranges{{First: 1, Last: 1}, {First: 3, Last: 3}, {First: 6, Last: 9}, {First: 20, Last: 24}}},
		{stream.Ranges{{First: 1, Last: 9}}, stream.Ranges{{First: 20, Last: 30}}},
	} {
		if got := rs.Minus(c.minus); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v minus %v = %v, want %v", rs, c.minus, got, c.want)
		}
	}
	if got, want := rs.Union(stream.Ranges{{First: 2, Last: 2}, {First: 8, Last: 12}, {First: 40, Last: 41}}), (stream.Ranges{{First: 1, Last: 12}, {First: 20, Last: 30}, {First: 40, Last: 41}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Union = %v, want %v", got, want)
	}
	if got := rs.String(); got != "1, 3-9, 20-30" {
		t.Errorf("String = %q", got)
	}
}

// BenchmarkScan reads the headers of a log of 100,000 events.
//
//	go test ./stream -run '^$' -bench Scan -benchtime 5x
func BenchmarkScan(b *testing.B) {
	ctx := context.Background()
	l, _ := openLog(b)
	const n = 100_000
	for i := 0; i < n; i += 1000 {
		evs := make([]events.Envelope, 0, 1000)
		for j := i; j < i+1000; j++ {
			evs = append(evs, assertionEvent(b, j))
		}
		if _, err := l.Append(ctx, evs, stream.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if lost, err := l.Scan(ctx, n); err != nil || len(lost) != 0 {
			b.Fatal(lost, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/event")
}
