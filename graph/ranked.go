package graph

import (
	"context"
	"fmt"
	"slices"
)

// EdgeQuery selects an actor's edges in the support ranking.
type EdgeQuery struct {
	Dir Direction
	// Preds, when not empty, keeps only those predicates.
	Preds []string
	// MinSupport stops the listing at the first edge with less support:
	// the ranking is in support order, so nothing after it qualifies.
	MinSupport int
	First      int
	After      string
	// Keep, when set, filters and may rewrite each edge (the API narrows
	// edges to a day with it); it is called in ranking order, before the
	// page is cut, so pages stay full.
	Keep func(Edge) (Edge, bool, error)
}

// RankedEdges lists an actor's edges most supported first (ties in the
// order of direction, predicate and other end), a page at a time. It
// reads the ranking's keys only, and returns Partial edges (View.Complete
// reads the rest when it is wanted): the cost is the page's, not the
// actor's degree, unless filters skip most edges. Cursors are positions in the ranking
// as of the view: a page read at a later sequence may repeat or skip an
// edge whose support changed in between, so a client paging through a
// changing graph reads at one sequence (asOf).
func (v *View) RankedEdges(ctx context.Context, actor string, q EdgeQuery) (Page[Edge], error) {
	var page Page[Edge]
	first := clampFirst(q.First)
	prefix := keySup.Prefix(actor)
	after, err := decodeCursor(q.After, prefix)
	if err != nil {
		return page, err
	}
	dir := q.Dir
	if dir == 0 {
		dir = Both
	}
	err = v.scan(prefix, after, false, func(key, _ []byte) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("edges of %s: %w", actor, err)
		}
		e, ok, err := v.rankedEdge(key, dir, q)
		if err != nil || !ok {
			return err == nil && e.Support >= q.MinSupport, err
		}
		if len(page.Items) == first {
			page.HasNext = true
			return false, nil
		}
		page.Items = append(page.Items, e)
		page.Cursors = append(page.Cursors, cursor(key))
		return true, nil
	})
	return page, err
}

// rankedEdge reads the edge a ranking key names. ok is false for an edge
// the query leaves out; e.Support is set even then, so the caller can
// stop below MinSupport.
func (v *View) rankedEdge(key []byte, dir Direction, q EdgeQuery) (e Edge, ok bool, err error) {
	p := keySup.Split(key)
	actor, d, pred, other := p[0], p[2], p[3], p[4]
	e.Support = int(^fromHex16(p[1]))
	if e.Support < q.MinSupport {
		return e, false, nil
	}
	e.Dir, e.Other = Out, other
	k := RelKey{actor, pred, other}
	if d == supIn {
		e.Dir, k = In, RelKey{other, pred, actor}
	}
	if e.Dir&dir == 0 || (len(q.Preds) > 0 && !slices.Contains(q.Preds, pred)) {
		return e, false, nil
	}
	e.Subject, e.Predicate, e.Object, e.Partial = k.Subject, k.Predicate, k.Object, true
	if q.Keep == nil {
		return e, true, nil
	}
	if e, err = v.Complete(e); err != nil {
		return e, false, err
	}
	kept, ok, err := q.Keep(e)
	if err != nil || !ok || kept.Support < q.MinSupport {
		// Keep may narrow support (to a day): the listing goes on, since
		// a later edge may have more on that day.
		return Edge{Relationship: Relationship{Support: e.Support}}, false, err
	}
	return kept, true, nil
}
