package graph

import (
	"context"
	"testing"
)

// With Config.SyncWrites a batch's events are fsynced once, before
// readers are shown them, and the store reopens at the batch's end; an
// in-memory store has nothing to sync.
func TestSyncWrites(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want bool
	}{
		{Config{Dir: t.TempDir()}, false},
		{Config{Dir: t.TempDir(), SyncWrites: true}, true},
		{Config{InMemory: true, SyncWrites: true}, false},
	} {
		s, err := Open(context.Background(), c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if s.sync != c.want || s.db.Opts().SyncWrites {
			t.Errorf("SyncWrites %v, in memory %v: store syncs %v, Badger per transaction %v", c.cfg.SyncWrites, c.cfg.InMemory, s.sync, s.db.Opts().SyncWrites)
		}
		b := s.NewBatch()
		for seq := uint64(1); seq <= 3; seq++ {
			if err := b.Apply(seq, func(tx *Tx) error { return tx.PutActor(Actor{ID: "acme", Name: "Acme"}) }); err != nil {
				t.Fatal(err)
			}
		}
		if last, err := b.Commit(); err != nil || last != 3 || s.Applied() != 3 {
			t.Fatalf("commit: %d %v, applied %d", last, err, s.Applied())
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if c.cfg.InMemory {
			continue
		}
		s, err = Open(context.Background(), c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if s.Applied() != 3 {
			t.Errorf("reopened at %d, want 3", s.Applied())
		}
		s.Close()
	}
}
