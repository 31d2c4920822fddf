package projections

import (
	"context"
	"testing"

	"github.com/dossier-kg/dossier/graph"
)

func (e *env) appendSample() uint64 {
	e.t.Helper()
	return e.append(
		assertion("ByteDance", "OWNS", "TikTok", "TikTok is owned by ByteDance."),
		assertion("Donald Trump", "TARGETS", "TikTok", "Donald Trump targets TikTok."),
		assertion("the U.S.", "BANS", "TikTok", "The U.S. may ban TikTok."),
		assertion("Trump", "TARGETS", "ByteDance", "Trump targets ByteDance."),
		assertion("United States", "BANS", "TikTok", "The United States bans TikTok."),
		assertion("India", "BANS", "TikTok", "India banned TikTok."),
		assertion("ByteDance", "OWNS", "TikTok", "TikTok is owned by ByteDance."),
		assertion("President Trump", "TARGETS", "TikTok", "President Trump targets TikTok."),
		assertion("Microsoft", "ACQUIRES", "TikTok", "Microsoft may buy TikTok."),
		assertion("the US", "BANS", "Huawei", "The US banned Huawei."),
	)
}

// scratch projects the log into a new in-memory store, as replays and
// verification do: an ordered consumer, stopping at stopAt.
func (e *env) scratch(batchSize int, stopAt uint64) *graph.Store {
	e.t.Helper()
	s, err := graph.Open(context.Background(), graph.Config{InMemory: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	e.store, s = s, e.store
	defer func() { e.store = s }()
	if err := e.project(Config{BatchSize: batchSize, StopAt: stopAt}); err != nil {
		e.t.Fatal(err)
	}
	return e.store
}

func digest(t *testing.T, s *graph.Store, at uint64) graph.Digest {
	t.Helper()
	d, err := s.DigestAt(at)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A projector told to stop at a sequence folds nothing after it, even
// when the batch it is folding goes on.
func TestStopAtInsideABatch(t *testing.T) {
	e := newEnv(t)
	last := e.appendSample()
	s := e.scratch(1000, 4)
	if s.Applied() != 4 {
		t.Fatalf("applied %d, want 4 of %d", s.Applied(), last)
	}
	full := e.scratch(1000, last)
	if got, want := digest(t, s, 4), digest(t, full, 4); got.Sum != want.Sum {
		t.Errorf("stopped at 4: digest %s, the full fold's at 4 %s", got.Sum, want.Sum)
	}
}

// However the events are grouped into batches, the fold is the same
// store: the durable projector's, one event per batch, all in one.
func TestBatchingDoesNotChangeTheFold(t *testing.T) {
	e := newEnv(t)
	last := e.appendSample()
	if err := e.project(Config{Durable: "p", StopAt: last}); err != nil {
		t.Fatal(err)
	}
	want := digest(t, e.store, last)
	for _, size := range []int{1, 3, 1000} {
		if got := digest(t, e.scratch(size, last), last); got.Sum != want.Sum || got.Keys != want.Keys {
			t.Errorf("batch size %d: digest %s (%d keys), want %s (%d keys)", size, got.Sum, got.Keys, want.Sum, want.Keys)
		}
	}
}
