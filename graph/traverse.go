package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// MaxDepth bounds traversals: beyond three hops a news graph connects
// nearly everything, and the cost grows with the fan-out to that power.
const MaxDepth = 3

// MaxVisited bounds how many actors one traversal may touch, so a query
// on a hub cannot take the server down.
const MaxVisited = 10000

// ErrTooLarge is returned when a traversal would exceed MaxVisited.
var ErrTooLarge = errors.New("traversal touches too many actors; narrow it with predicates or a smaller depth")

// Neighbor is an actor reached by a traversal.
type Neighbor struct {
	// Actor is its identity (View.ActorIdentity); View.ActorActivity
	// adds its mentions and last sighting.
	Actor Actor
	Depth int
	// Via is the edge the actor was first reached by, seen from the
	// actor one hop closer to the start; Partial (View.Complete).
	Via Edge
	// From is the id of that closer actor.
	From string
	// FromCapped says From has more edges than the traversal followed
	// from it: only its MaxPerActor most supported were.
	FromCapped bool
}

// NeighborQuery selects a neighbourhood.
type NeighborQuery struct {
	Depth int
	Preds []string
	// MaxPerActor is how many edges are followed from each actor, the
	// most supported first: 1 to 1000, default DefaultPerActor. In a
	// news graph a few actors are named with everything, and expanding
	// all their edges two hops out reaches most of the graph.
	MaxPerActor int
}

// DefaultPerActor is NeighborQuery.MaxPerActor's default.
const DefaultPerActor = 25

// Neighbors lists the actors within depth hops of start, following edges
// in both directions, nearest first and, from each actor, most supported
// first. It stops with ctx's error when ctx ends: a client that has
// gone, or a request over its time, must not leave a traversal running.
func (v *View) Neighbors(ctx context.Context, start string, q NeighborQuery) ([]Neighbor, error) {
	if q.Depth < 1 || q.Depth > MaxDepth {
		return nil, fmt.Errorf("depth %d is not between 1 and %d", q.Depth, MaxDepth)
	}
	if q.MaxPerActor <= 0 {
		q.MaxPerActor = DefaultPerActor
	}
	if _, err := v.ActorIdentity(start); err != nil {
		return nil, fmt.Errorf("actor %s: %w", start, err)
	}
	seen := map[string]bool{start: true}
	frontier := []string{start}
	var out []Neighbor
	for d := 1; d <= q.Depth && len(frontier) > 0; d++ {
		var next []string
		for _, id := range frontier {
			page, err := v.RankedEdges(ctx, id, EdgeQuery{Dir: Both, Preds: q.Preds, First: q.MaxPerActor, ByBucket: true})
			if err != nil {
				return nil, fmt.Errorf("neighbors of %s: %w", start, err)
			}
			for _, e := range page.Items {
				if seen[e.Other] {
					continue
				}
				if len(seen) >= MaxVisited {
					return nil, ErrTooLarge
				}
				seen[e.Other] = true
				a, err := v.ActorIdentity(e.Other)
				if err != nil {
					return nil, fmt.Errorf("actor %s: %w", e.Other, err)
				}
				out = append(out, Neighbor{Actor: a, Depth: d, Via: e, From: id, FromCapped: page.HasNext})
				next = append(next, e.Other)
			}
		}
		frontier = next
	}
	return out, nil
}

// Step is one edge on a path, walked from From to To.
type Step struct {
	From, To string
	Edge     Edge
}

// reach is how a path search first reached an actor: from prev, over
// the relationship k, hops from its side's end.
type reach struct {
	prev string
	k    RelKey
	hops int
}

// PathQuery selects a path search.
type PathQuery struct {
	// MaxDepth is the longest path wanted, 1 to 2·MaxDepth hops.
	MaxDepth int
	Preds    []string
	// MaxPerActor is how many edges are followed from each actor, the
	// most supported first: 1 to 1000, default DefaultPathPerActor. An
	// actor with fewer is searched exhaustively; from a hub named with
	// tens of thousands of actors only its strongest links are taken,
	// since reading them all costs what the whole graph costs.
	MaxPerActor int
}

// DefaultPathPerActor is PathQuery.MaxPerActor's default.
const DefaultPathPerActor = 100

// Path finds a shortest path between two actors, following edges in
// either direction, of at most q.MaxDepth hops. It returns ErrNotFound
// when there is none among the edges followed, and ctx's error when ctx
// ends first. The path is a shortest one when no actor it went through
// had more than q.MaxPerActor edges; otherwise it is the shortest among
// the edges followed.
//
// The search goes from both ends, each round widening the smaller
// frontier by a hop, and reads the support ranking's keys only, then the
// records of the path's own relationships: in a graph where each actor
// has b neighbours it touches about 2·b^(d/2) actors instead of b^d, and
// the per-actor cap keeps b bounded on hubs. An edge between two hubs
// outside both their caps is the one kind of link it can miss; the
// other side reaches a hub through the hub's own small neighbours,
// whose edges are read whole.
func (v *View) Path(ctx context.Context, from, to string, q PathQuery) ([]Step, error) {
	if q.MaxDepth < 1 || q.MaxDepth > 2*MaxDepth {
		return nil, fmt.Errorf("maxDepth %d is not between 1 and %d", q.MaxDepth, 2*MaxDepth)
	}
	if q.MaxPerActor <= 0 {
		q.MaxPerActor = DefaultPathPerActor
	}
	for _, id := range []string{from, to} {
		if _, err := v.ActorIdentity(id); err != nil {
			return nil, fmt.Errorf("actor %s: %w", id, err)
		}
	}
	if from == to {
		return []Step{}, nil
	}
	fwd, bwd := map[string]reach{from: {}}, map[string]reach{to: {}}
	ff, bf := []string{from}, []string{to}
	// A side whose frontier is empty has reached everything its actors'
	// strongest links reach; the other side goes on, since its actors'
	// strongest links may lead back into it (a capped search is not
	// symmetric: an edge among one end's strongest may not be among the
	// other's).
	for hops := 0; hops < q.MaxDepth && (len(ff) > 0 || len(bf) > 0); hops++ {
		var meet string
		var err error
		if len(bf) == 0 || len(ff) > 0 && len(ff) <= len(bf) {
			ff, meet, err = v.widen(ctx, ff, fwd, bwd, q)
		} else {
			bf, meet, err = v.widen(ctx, bf, bwd, fwd, q)
		}
		if err != nil {
			return nil, fmt.Errorf("path from %s to %s: %w", from, to, err)
		}
		if meet != "" {
			return v.steps(from, to, meet, fwd, bwd)
		}
	}
	return nil, ErrNotFound
}

// widen adds a hop to one side of a path search and returns its new
// frontier and, if the sides met, the meeting actor nearest the other
// side's end: the whole hop is widened first, since an actor met later
// in it may close a shorter path.
func (v *View) widen(ctx context.Context, frontier []string, mine, theirs map[string]reach, q PathQuery) ([]string, string, error) {
	var next []string
	meet, best, full := "", 0, false
	for _, id := range frontier {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		hops := mine[id].hops + 1
		err := v.strongest(ctx, id, q, mine, func(e Edge) {
			other, k := e.Other, e.Key()
			r, met := theirs[other]
			if meet != "" || full {
				// Met already, or at the search's bound: the rest of the
				// hop is only looked through for a (shorter) way across,
				// and adds no actors (a hub's thousands would only fill
				// the bound).
				if met && (meet == "" || r.hops < best) {
					mine[other] = reach{prev: id, k: k, hops: hops}
					meet, best = other, r.hops
				}
				return
			}
			if len(mine)+len(theirs) >= MaxVisited {
				full = true
				return
			}
			mine[other] = reach{prev: id, k: k, hops: hops}
			if met {
				meet, best = other, r.hops
			}
			next = append(next, other)
		})
		if err != nil {
			return nil, "", err
		}
	}
	if full && meet == "" {
		return nil, "", ErrTooLarge
	}
	return next, meet, nil
}

// strongest calls fn with an actor's q.MaxPerActor most supported edges
// to actors its side of the search has not reached. Edges back into the
// side do not count against the cap: a hub's strongest links often lead
// back the way the search came, and counting them would stop it there.
func (v *View) strongest(ctx context.Context, id string, q PathQuery, mine map[string]reach, fn func(Edge)) error {
	taken := 0
	for after := ""; ; {
		page, err := v.RankedEdges(ctx, id, EdgeQuery{Dir: Both, Preds: q.Preds, First: q.MaxPerActor, After: after, ByBucket: true})
		if err != nil {
			return err
		}
		for _, e := range page.Items {
			if _, ok := mine[e.Other]; ok {
				continue
			}
			if taken == q.MaxPerActor {
				return nil
			}
			taken++
			fn(e)
		}
		if !page.HasNext || taken == q.MaxPerActor {
			return nil
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
}

// steps walks a met search back to both ends and reads the path's
// relationships.
func (v *View) steps(from, to, meet string, fwd, bwd map[string]reach) ([]Step, error) {
	var ids []string
	for at := meet; at != from; at = fwd[at].prev {
		ids = append(ids, at)
	}
	ids = append(ids, from)
	slices.Reverse(ids)
	links := make([]RelKey, 0, len(ids))
	for i := 1; i < len(ids); i++ {
		links = append(links, fwd[ids[i]].k)
	}
	for at := meet; at != to; at = bwd[at].prev {
		ids = append(ids, bwd[at].prev)
		links = append(links, bwd[at].k)
	}
	steps := make([]Step, len(links))
	for i, k := range links {
		r, err := v.Relationship(k)
		if err != nil {
			return nil, fmt.Errorf("relationship %s %s %s: %w", k.Subject, k.Predicate, k.Object, err)
		}
		e := Edge{Relationship: r, Dir: Out, Other: ids[i+1]}
		if k.Subject != ids[i] {
			e.Dir = In
		}
		steps[i] = Step{From: ids[i], To: ids[i+1], Edge: e}
	}
	return steps, nil
}
