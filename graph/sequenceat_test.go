package graph

import (
	"testing"
	"time"
)

// A time maps to the last event the stream stored at or before it, over
// gaps in the sequences (events deleted from the stream have no record)
// and events stored in the same instant.
func TestSequenceAt(t *testing.T) {
	s := openTest(t, t.TempDir())
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := map[uint64]time.Time{1: t0, 2: t0.Add(time.Second), 5: t0.Add(time.Second), 9: t0.Add(time.Minute), 10: t0.Add(time.Hour)}
	b := s.NewBatch()
	for _, seq := range []uint64{1, 2, 5, 9, 10} {
		if err := b.Apply(seq, func(tx *Tx) error { return tx.PutEvent(EventRecord{Time: at[seq], Type: "DocumentAdded"}) }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		view uint64
		t    time.Time
		want uint64 // 0: none
	}{
		{10, t0.Add(-time.Nanosecond), 0},
		{10, t0, 1},
		{10, t0.Add(500 * time.Millisecond), 1},
		{10, t0.Add(time.Second), 5},
		{10, t0.Add(30 * time.Second), 5},
		{10, t0.Add(time.Minute), 9},
		{10, t0.Add(2 * time.Hour), 10},
		// A view reads only its own past.
		{5, t0.Add(2 * time.Hour), 5},
		{1, t0.Add(time.Minute), 1},
	} {
		v, err := s.View(c.view)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := v.SequenceAt(c.t)
		v.Close()
		if err != nil || ok != (c.want > 0) || got != c.want {
			t.Errorf("as of %d, SequenceAt(%s) = %d, %v, %v; want %d", c.view, c.t.Format(time.RFC3339Nano), got, ok, err, c.want)
		}
	}
}
