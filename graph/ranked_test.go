package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// rankOrder is the support ranking's order, written out plainly: most
// supported first, then in before out, then predicate, then other end.
func rankOrder(a, b Edge) int {
	dirKey := func(d Direction) int {
		if d == In {
			return 0
		}
		return 1
	}
	return cmp.Or(b.Support-a.Support, dirKey(a.Dir)-dirKey(b.Dir), cmp.Compare(a.Predicate, b.Predicate), cmp.Compare(a.Other, b.Other))
}

func showEdges(es []Edge) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%d %s %s ×%d", e.Dir, e.Predicate, e.Other, e.Support))
	}
	return out
}

// pageAll reads every page of an actor's ranking.
func pageAll(t *testing.T, v *View, actor string, q EdgeQuery) []Edge {
	t.Helper()
	var all []Edge
	for {
		page, err := v.RankedEdges(context.Background(), actor, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if !page.HasNext {
			return all
		}
		q.After = page.Cursors[len(page.Cursors)-1]
	}
}

// The ranking is kept as supports rise and fall over many events: paged
// three at a time, with or without filters, at the newest sequence or an
// earlier one, it lists exactly what sorting all of an actor's edges by
// support gives.
func TestRankedEdges(t *testing.T) {
	// Steps of up to 5 keep supports in the buckets of one support each;
	// steps of up to 80 take them into the wider buckets, whose edges are
	// ordered by exact support when read.
	for _, step := range []int{5, 80} {
		t.Run(fmt.Sprintf("step %d", step), func(t *testing.T) { rankedEdgesProperty(t, step) })
	}
}

func rankedEdgesProperty(t *testing.T, step int) {
	s := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	actors := []string{"acme", "india", "zed", "widget", "tiktok"}
	preds := []string{"OWNS", "BANS", "MEETS"}
	rels := map[RelKey]Relationship{}
	b := s.NewBatch()
	const events = 60
	for seq := uint64(1); seq <= events; seq++ {
		err := b.Apply(seq, func(tx *Tx) error {
			for range 4 {
				k := RelKey{actors[rng.IntN(len(actors))], preds[rng.IntN(len(preds))], actors[rng.IntN(len(actors))]}
				if k.Subject == k.Object {
					continue
				}
				before := rels[k]
				r := before
				r.Subject, r.Predicate, r.Object = k.Subject, k.Predicate, k.Object
				r.Support = max(0, r.Support+rng.IntN(step)-1)
				r.Affirmed = r.Support
				if err := tx.PutRelationship(before, r); err != nil {
					return err
				}
				rels[k] = r
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, at := range []uint64{events / 2, events} {
		v, err := s.View(at)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		for _, actor := range actors {
			all, err := v.Edges(actor, Both, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []EdgeQuery{
				{First: 3}, {First: 3, Dir: Out}, {First: 3, Dir: In}, {First: 2, Preds: []string{"BANS", "MEETS"}},
				{First: 3, MinSupport: 3}, {First: 2, MinSupport: 50}, {First: 1000},
			} {
				var want []Edge
				for _, e := range all {
					if e.Dir&cmp.Or(q.Dir, Both) != 0 && (len(q.Preds) == 0 || slices.Contains(q.Preds, e.Predicate)) && e.Support >= q.MinSupport {
						want = append(want, e)
					}
				}
				slices.SortFunc(want, rankOrder)
				got := pageAll(t, v, actor, q)
				if !slices.Equal(showEdges(got), showEdges(want)) {
					t.Errorf("at %d, %s %+v:\n got %v\nwant %v", at, actor, q, showEdges(got), showEdges(want))
				}
				for i, e := range got {
					full, err := v.Complete(e)
					if err != nil || full.Partial || full.Relationship != want[i].Relationship {
						t.Fatalf("at %d, %s: Complete(%+v) = %+v, %v; want %+v", at, actor, e, full, err, want[i].Relationship)
					}
				}
			}
			checkByBucket(t, v, actor, all)
		}
	}
}

// checkByBucket pages through a ByBucket listing: buckets in order, a
// bucket's edges in key order, each completing to its exact support.
func checkByBucket(t *testing.T, v *View, actor string, all []Edge) {
	t.Helper()
	want := slices.Clone(all)
	slices.SortFunc(want, func(a, b Edge) int {
		ba, bb := supportBucket(a.Support), supportBucket(b.Support)
		if ba != bb {
			return cmp.Compare(bb, ba)
		}
		a.Support, b.Support = 0, 0
		return rankOrder(a, b)
	})
	got := pageAll(t, v, actor, EdgeQuery{First: 2, ByBucket: true})
	if len(got) != len(want) {
		t.Fatalf("%s by bucket: %d edges, want %d", actor, len(got), len(want))
	}
	for i, e := range got {
		full, err := v.Complete(e)
		if err != nil || full.Relationship != want[i].Relationship || full.SupportFloor {
			t.Fatalf("%s by bucket, edge %d: %+v, want %+v", actor, i, full, want[i])
		}
		if lo, hi := bucketRange(supportBucket(full.Support)); e.Support != lo || e.SupportFloor != (lo != hi) {
			t.Fatalf("%s by bucket, edge %d: support %d (floor %v) for %d", actor, i, e.Support, e.SupportFloor, full.Support)
		}
	}
}

// Keep filters before the page is cut, so a page is full when enough
// edges pass, and an edge it narrows below MinSupport is left out.
func TestRankedEdgesKeep(t *testing.T) {
	s := openTest(t, t.TempDir())
	v := foldOne(t, s, func(tx *Tx) error {
		for i := range 10 {
			r := Relationship{Subject: "hub", Predicate: "OWNS", Object: fmt.Sprintf("a%02d", i), Support: 10 - i, Affirmed: 10 - i}
			if err := tx.PutRelationship(Relationship{}, r); err != nil {
				return err
			}
		}
		return nil
	})
	odd := func(e Edge) (Edge, bool, error) {
		e.Support /= 2
		return e, e.Other[2]%2 == 1, nil
	}
	got := pageAll(t, v, "hub", EdgeQuery{First: 2, Keep: odd, MinSupport: 2})
	// a01 ×9→4, a03 ×7→3, a05 ×5→2; a07 ×3→1 falls below 2; a09 ×1 ends the scan.
	want := []string{"1 OWNS a01 ×4", "1 OWNS a03 ×3", "1 OWNS a05 ×2"}
	if !slices.Equal(showEdges(got), want) {
		t.Errorf("got %v, want %v", showEdges(got), want)
	}
	if _, err := v.RankedEdges(context.Background(), "hub", EdgeQuery{After: cursor([]byte("rel:hub:OWNS:a01"))}); err == nil {
		t.Error("a cursor from another listing was accepted")
	}
}

// Neighbors follows each actor's most supported edges only, and says
// whose were cut.
func TestNeighborsCapped(t *testing.T) {
	s := openTest(t, t.TempDir())
	v := foldOne(t, s, func(tx *Tx) error {
		for _, id := range []string{"hub", "small", "x"} {
			if err := tx.PutActor(Actor{ID: id, Name: id}); err != nil {
				return err
			}
		}
		for i := range 30 {
			id := fmt.Sprintf("a%02d", i)
			if err := tx.PutActor(Actor{ID: id, Name: id}); err != nil {
				return err
			}
			if err := tx.PutRelationship(Relationship{}, Relationship{Subject: "hub", Predicate: "OWNS", Object: id, Support: 100 - i, Affirmed: 100 - i}); err != nil {
				return err
			}
		}
		for _, r := range []Relationship{{Subject: "small", Predicate: "MEETS", Object: "hub"}, {Subject: "small", Predicate: "MEETS", Object: "x"}} {
			r.Support, r.Affirmed = 1, 1
			if err := tx.PutRelationship(Relationship{}, r); err != nil {
				return err
			}
		}
		return nil
	})
	ns, err := v.Neighbors(context.Background(), "hub", NeighborQuery{Depth: 1, MaxPerActor: 5})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range ns {
		got = append(got, fmt.Sprintf("%s %v", n.Actor.ID, n.FromCapped))
	}
	if want := []string{"a00 true", "a01 true", "a02 true", "a03 true", "a04 true"}; !slices.Equal(got, want) {
		t.Errorf("hub's neighbours capped at 5: %v, want %v", got, want)
	}
	ns, err = v.Neighbors(context.Background(), "small", NeighborQuery{Depth: 2, MaxPerActor: 3})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, n := range ns {
		got = append(got, fmt.Sprintf("%d %s from %s %v", n.Depth, n.Actor.ID, n.From, n.FromCapped))
	}
	want := []string{"1 hub from small false", "1 x from small false", "2 a00 from hub true", "2 a01 from hub true", "2 a02 from hub true"}
	if !slices.Equal(got, want) {
		t.Errorf("small's neighbourhood: %v, want %v", got, want)
	}
}

// The search from both ends finds paths as short as a plain
// breadth-first search from one end, on random graphs, and each step is
// an edge of the graph.
func TestPathIsShortest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 8 {
		s := openTest(t, t.TempDir())
		n := 40
		adj := map[string][]string{}
		v := foldOne(t, s, func(tx *Tx) error {
			for i := range n {
				if err := tx.PutActor(Actor{ID: fmt.Sprintf("a%02d", i), Name: fmt.Sprintf("a%02d", i)}); err != nil {
					return err
				}
			}
			for range n + round*8 {
				a, o := fmt.Sprintf("a%02d", rng.IntN(n)), fmt.Sprintf("a%02d", rng.IntN(n))
				if a == o {
					continue
				}
				p := []string{"OWNS", "BANS"}[rng.IntN(2)]
				if err := tx.PutRelationship(Relationship{}, Relationship{Subject: a, Predicate: p, Object: o, Support: 1, Affirmed: 1}); err != nil {
					return err
				}
				adj[a], adj[o] = append(adj[a], o), append(adj[o], a)
			}
			return nil
		})
		for range 30 {
			from, to := fmt.Sprintf("a%02d", rng.IntN(n)), fmt.Sprintf("a%02d", rng.IntN(n))
			want := bfsHops(adj, from, to, 6)
			steps, err := v.Path(context.Background(), from, to, PathQuery{MaxDepth: 6})
			switch {
			case want < 0 && err == nil:
				t.Fatalf("round %d: path %s→%s of %d, but there is none", round, from, to, len(steps))
			case want < 0:
				continue
			case err != nil:
				t.Fatalf("round %d: path %s→%s: %v, want %d hops", round, from, to, err, want)
			case len(steps) != want:
				t.Fatalf("round %d: path %s→%s has %d hops, want %d", round, from, to, len(steps), want)
			}
			at := from
			for _, st := range steps {
				r := st.Edge.Relationship
				ok := st.From == at && ((st.Edge.Dir == Out && r.Subject == st.From && r.Object == st.To) || (st.Edge.Dir == In && r.Object == st.From && r.Subject == st.To))
				if !ok || r.Support != 1 {
					t.Fatalf("round %d: step %+v does not continue from %s", round, st, at)
				}
				at = st.To
			}
			if at != to {
				t.Fatalf("round %d: path ends at %s, not %s", round, at, to)
			}
		}
	}
}

func bfsHops(adj map[string][]string, from, to string, limit int) int {
	dist := map[string]int{from: 0}
	for q := []string{from}; len(q) > 0; q = q[1:] {
		if q[0] == to {
			return dist[to]
		}
		for _, o := range adj[q[0]] {
			if _, ok := dist[o]; !ok && dist[q[0]] < limit {
				dist[o] = dist[q[0]] + 1
				q = append(q, o)
			}
		}
	}
	return -1
}

// A path through a hub with more neighbours than a search may visit is
// still found: the hub's edges are looked through for the other side
// once the bound is reached, instead of giving up (on a two-million
// assertion graph most random pairs met through such hubs and the
// search answered TOO_LARGE).
func TestPathThroughHub(t *testing.T) {
	s := openTest(t, t.TempDir())
	v := foldOne(t, s, func(tx *Tx) error {
		for _, id := range []string{"from", "hub", "zz-to"} {
			if err := tx.PutActor(Actor{ID: id, Name: id}); err != nil {
				return err
			}
		}
		rels := []Relationship{{Subject: "from", Predicate: "MEETS", Object: "hub"}, {Subject: "zz-to", Predicate: "MEETS", Object: "hub"}, {Subject: "zz-to", Predicate: "OWNS", Object: "zz-leaf"}}
		for i := range MaxVisited + 100 {
			rels = append(rels, Relationship{Subject: "hub", Predicate: "OWNS", Object: fmt.Sprintf("leaf-%05d", i)})
		}
		for _, r := range rels {
			r.Support, r.Affirmed = 1, 1
			if err := tx.PutRelationship(Relationship{}, r); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range [][2]string{{"from", "zz-to"}, {"zz-to", "from"}} {
		steps, err := v.Path(context.Background(), c[0], c[1], PathQuery{MaxDepth: 4})
		if err != nil || len(steps) != 2 || steps[0].To != "hub" {
			t.Errorf("path %s→%s: %+v, %v; want two steps through the hub", c[0], c[1], steps, err)
		}
	}
	if _, err := v.Path(context.Background(), "from", "leaf-00001", PathQuery{MaxDepth: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a path longer than maxDepth: %v, want ErrNotFound", err)
	}
}

// Between two hubs, each with more neighbours than a search may visit
// and without an edge between them, a path through a neighbour they
// share is found among each hub's strongest links. Before the per-actor
// cap, the first hub's neighbours filled the bound and the search
// answered TOO_LARGE: on a million-assertion graph most random pairs did.
func TestPathBetweenHubs(t *testing.T) {
	s := openTest(t, t.TempDir())
	rels := []Relationship{
		{Subject: "from", Predicate: "MEETS", Object: "hub1", Support: 1},
		{Subject: "to", Predicate: "MEETS", Object: "hub2", Support: 1},
		{Subject: "hub1", Predicate: "OWNS", Object: "bridge", Support: 9},
		{Subject: "bridge", Predicate: "BANS", Object: "hub2", Support: 7},
	}
	for i := range MaxVisited + 100 {
		rels = append(rels,
			Relationship{Subject: "hub1", Predicate: "OWNS", Object: fmt.Sprintf("leaf-a%05d", i), Support: 1},
			Relationship{Subject: "hub2", Predicate: "OWNS", Object: fmt.Sprintf("leaf-b%05d", i), Support: 1})
	}
	// One event could not hold them all: Badger caps a transaction.
	var folds []func(*Tx) error
	for len(rels) > 0 {
		chunk := rels[:min(len(rels), 2000)]
		rels = rels[len(chunk):]
		folds = append(folds, func(tx *Tx) error {
			for _, id := range []string{"from", "hub1", "hub2", "bridge", "to"} {
				if err := tx.PutActor(Actor{ID: id, Name: id}); err != nil {
					return err
				}
			}
			for _, r := range chunk {
				r.Affirmed = r.Support
				if err := tx.PutRelationship(Relationship{}, r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	v := foldEach(t, s, folds...)
	steps, err := v.Path(context.Background(), "from", "to", PathQuery{MaxDepth: 4})
	if err != nil || len(steps) != 4 || steps[2].From != "bridge" {
		t.Fatalf("path from→to: %+v, %v; want four steps through hub1, bridge and hub2", steps, err)
	}
	// With each actor's edges capped at one, hub1's strongest link is
	// still the bridge.
	if steps, err := v.Path(context.Background(), "from", "to", PathQuery{MaxDepth: 4, MaxPerActor: 1}); err != nil || len(steps) != 4 {
		t.Errorf("path with MaxPerActor 1: %+v, %v", steps, err)
	}
}

// A cursor that decodes and starts like one of this listing's, but is
// cut short or holds no rank, is refused, not read past its end.
func TestRankedEdgesBadCursor(t *testing.T) {
	s := openTest(t, t.TempDir())
	v := foldOne(t, s, func(tx *Tx) error {
		return tx.PutRelationship(Relationship{}, Relationship{Subject: "hub", Predicate: "OWNS", Object: "a", Support: 1, Affirmed: 1})
	})
	for _, c := range []string{"sup:hub:", "sup:hub:ffffffffffffff", "sup:hub:zzzzzzzzzzzzzzzz:0000000000000000:o:OWNS:a", "sup:hub:fffffffffffffffe:"} {
		var ce *CursorError
		if _, err := v.RankedEdges(context.Background(), "hub", EdgeQuery{After: cursor([]byte(c))}); !errors.As(err, &ce) {
			t.Errorf("cursor %q: %v, want a CursorError", c, err)
		}
	}
}

// A capped search goes on from one end when the other's side runs out:
// from "from" the strongest link of "mid" leads away, but "to"'s only
// link leads to "mid". Before, the search stopped when "from"'s side was
// exhausted and answered that there was no path.
func TestCappedPathFromTheOtherSide(t *testing.T) {
	s := openTest(t, t.TempDir())
	v := foldOne(t, s, func(tx *Tx) error {
		for _, id := range []string{"from", "mid", "strong", "to"} {
			if err := tx.PutActor(Actor{ID: id, Name: id}); err != nil {
				return err
			}
		}
		for _, r := range []Relationship{
			{Subject: "from", Predicate: "BANS", Object: "mid", Support: 1},
			{Subject: "mid", Predicate: "SHARES_DATA_WITH", Object: "strong", Support: 5},
			{Subject: "to", Predicate: "OWNS", Object: "mid", Support: 1},
		} {
			r.Affirmed = r.Support
			if err := tx.PutRelationship(Relationship{}, r); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range [][2]string{{"from", "to"}, {"to", "from"}} {
		steps, err := v.Path(context.Background(), c[0], c[1], PathQuery{MaxDepth: 4, MaxPerActor: 1})
		if err != nil || len(steps) != 2 || steps[0].To != "mid" {
			t.Errorf("path %s→%s with MaxPerActor 1: %+v, %v; want two steps through mid", c[0], c[1], steps, err)
		}
	}
	if _, err := v.Path(context.Background(), "from", "strong", PathQuery{MaxDepth: 1, MaxPerActor: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a path longer than maxDepth: %v, want ErrNotFound", err)
	}
}
