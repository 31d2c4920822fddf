package graph

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestReadCacheNeverStale reads an actor's identity and the name index at
// the newest sequence and at older ones while the projector renames the
// actor, with views opened before and after each batch is shown: every
// read must give what held at its view's sequence, whether Badger or the
// readers' cache answered it. The actor is renamed at every sequence s
// with s%3 == 1, so at sequence at its name is "Name <at - (at-1)%3>",
// and the name "Name s" is indexed (and stays, as an alias would) from s
// on: looked up before, it is absent.
func TestReadCacheNeverStale(t *testing.T) {
	s := openTest(t, t.TempDir())
	defer s.Close()
	const last = 3000
	want := func(at uint64) string { return fmt.Sprintf("Name %d", at-(at-1)%3) }

	var done atomic.Bool
	var wg sync.WaitGroup
	var mismatches atomic.Int64
	for r := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 9))
			for !done.Load() {
				at := s.Applied()
				if at == 0 {
					continue
				}
				if r%2 == 1 {
					at = 1 + rng.Uint64N(at) // as of an older sequence
				}
				v, err := s.View(at)
				if err != nil {
					t.Error(err)
					return
				}
				// Twice: the second read is the cache's when the first
				// could fill it. The view may be read after later
				// batches are shown.
				for range 2 {
					a, err := v.ActorIdentity("x")
					if err != nil {
						t.Errorf("identity at %d: %v", at, err)
						return
					}
					if a.Name != want(at) && mismatches.Add(1) <= 5 {
						t.Errorf("identity at %d: name %q, want %q", at, a.Name, want(at))
					}
					// A name indexed at s, or one not yet: the absent
					// answer is cached too, and must not outlive s.
					n := 3*rng.Uint64N(last/3) + 1
					_, err = v.LookupName(fmt.Sprintf("name %d", n))
					if found := err == nil; found != (n <= at) && mismatches.Add(1) <= 5 {
						t.Errorf("name %d at %d: found %v (%v)", n, at, found, err)
					}
				}
				v.Close()
			}
		})
	}

	b := s.NewBatch()
	for seq := uint64(1); seq <= last; seq++ {
		apply := b.Apply
		if seq%50 == 0 {
			apply = b.ApplyExclusive // shows the batch so far mid-batch
		}
		err := apply(seq, func(tx *Tx) error {
			if seq%3 != 1 {
				return nil
			}
			return tx.PutActor(Actor{ID: "x", Name: fmt.Sprintf("Name %d", seq), FirstSeq: 1})
		})
		if err != nil {
			t.Fatal(err)
		}
		if seq%7 == 0 {
			if _, err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			b = s.NewBatch()
		}
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	// Reads of the settled store, most of them answered by the cache.
	for range 100 {
		at := s.Applied()
		v, _ := s.View(at)
		if a, err := v.ActorIdentity("x"); err != nil || a.Name != want(at) {
			t.Errorf("settled identity at %d: %q, %v", at, a.Name, err)
		}
	}
	done.Store(true)
	wg.Wait()
	if _, ok := s.reads.get(string(keyActor.Key("x")), last); !ok {
		t.Error("the newest identity is not cached after the reads: the test did not exercise the cache")
	}
}
