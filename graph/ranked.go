package graph

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
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
	// ByBucket orders the edges of a support bucket by key (direction,
	// predicate, other end) instead of by exact support, and so reads no
	// records: for traversals, which want an actor's strongest edges
	// (to within an eighth) and not their exact order. The edges of a
	// bucket of more than one support come back with SupportFloor set,
	// and MinSupport compares the bucket's least.
	ByBucket bool
	// Keep, when set, filters and may rewrite each edge (the API narrows
	// edges to a day with it); it is called in ranking order, before the
	// page is cut, so pages stay full.
	Keep func(Edge) (Edge, bool, error)
}

// RankedEdges lists an actor's edges most supported first (ties in the
// order of direction, predicate and other end), a page at a time. It
// reads the ranking's keys, which are grouped in support buckets
// (supportBucket): an edge in a bucket of one support is returned
// Partial (View.Complete reads the rest when it is wanted), and the
// edges of a wider bucket the page reaches are read whole to order them.
// The cost is the page's, not the actor's degree, unless filters skip
// most edges. Cursors are positions in the ranking as of the view: a
// page read at a later sequence may repeat or skip an edge whose support
// changed in between, so a client paging through a changing graph reads
// at one sequence (asOf).
func (v *View) RankedEdges(ctx context.Context, actor string, q EdgeQuery) (Page[Edge], error) {
	r := ranking{v: v, q: q, first: clampFirst(q.First), prefix: keySup.Prefix(actor)}
	if r.q.Dir == 0 {
		r.q.Dir = Both
	}
	var start []byte
	if q.After != "" {
		pos, err := decodeCursor(q.After, r.prefix)
		if err != nil || len(pos) < len(r.prefix)+positionLen {
			return r.page, &CursorError{Cursor: q.After}
		}
		rank, err := strconv.ParseUint(string(r.bucketOf(pos)[len(r.prefix):]), 16, 64)
		if err != nil {
			return r.page, &CursorError{Cursor: q.After}
		}
		r.after, start = pos, r.bucketOf(pos)
		if lo, hi := bucketRange(^rank); lo == hi || q.ByBucket {
			// In key order already: go on after the cursor's key.
			start = r.keyOf(pos)
		}
		// Otherwise scan from the start of the cursor's bucket: it is
		// ordered by exact support only once read.
	}
	err := v.scan(r.prefix, start, false, func(key, _ []byte) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("edges of %s: %w", actor, err)
		}
		return r.add(key)
	})
	if err == nil && !r.stopped {
		_, err = r.flush()
	}
	return r.page, err
}

// ranking reads one page of an actor's support ranking, a bucket at a
// time.
type ranking struct {
	v      *View
	q      EdgeQuery
	first  int
	prefix []byte
	// after is the cursor's position, when paging on.
	after []byte
	// rank is the bucket being read, group its edges so far.
	rank    string
	group   []positioned
	page    Page[Edge]
	stopped bool
}

// positioned is an edge and its position in the ranking: the bucket,
// then the exact support, then the key's tie order.
type positioned struct {
	pos []byte
	e   Edge
}

// A position is a ranking key with the exact support's rank (16 hex
// digits and a ':') after the bucket's: sup:<actor>:<bucket>:<support>:
// <o|i>:<PRED>:<other>. Cursors are positions.
const (
	rankLen     = 16
	positionLen = rankLen + 1 + rankLen
)

// position is where the edge under a ranking key stands, at its exact
// support.
func (r *ranking) position(key []byte, support int) []byte {
	bucket := len(r.prefix) + rankLen
	return append(append(slices.Clip(key[:bucket+1]), hex16(^uint64(support))...), key[bucket:]...)
}

// bucketOf is the ranking key prefix of a position's bucket.
func (r *ranking) bucketOf(pos []byte) []byte { return pos[:len(r.prefix)+rankLen] }

// keyOf is the ranking key a position was made from.
func (r *ranking) keyOf(pos []byte) []byte {
	return append(slices.Clip(r.bucketOf(pos)), pos[len(r.prefix)+positionLen:]...)
}

// add takes one ranking key; it returns false once the page is full or
// nothing further can qualify.
func (r *ranking) add(key []byte) (bool, error) {
	p := keySup.Split(key)
	if p[1] != r.rank && len(r.group) > 0 {
		if more, err := r.flush(); !more || err != nil {
			return false, err
		}
	}
	r.rank = p[1]
	lo, hi := bucketRange(^fromHex16(p[1]))
	if hi < r.q.MinSupport {
		return r.stop()
	}
	actor, d, pred, other := p[0], p[2], p[3], p[4]
	e := Edge{Dir: Out, Other: other}
	k := RelKey{actor, pred, other}
	if d == supIn {
		e.Dir, k = In, RelKey{other, pred, actor}
	}
	if e.Dir&r.q.Dir == 0 || (len(r.q.Preds) > 0 && !slices.Contains(r.q.Preds, pred)) {
		return true, nil
	}
	e.Subject, e.Predicate, e.Object, e.Support, e.Partial = k.Subject, k.Predicate, k.Object, lo, true
	ordered := lo == hi || r.q.ByBucket
	if !ordered {
		var err error
		if e, err = r.v.Complete(e); err != nil {
			return false, err
		}
	}
	e.SupportFloor = lo != hi && r.q.ByBucket
	g := positioned{pos: r.position(key, e.Support), e: e}
	if ordered {
		// Key order is the order: no need to read the bucket whole.
		return r.emit(g)
	}
	r.group = append(r.group, g)
	return true, nil
}

// stop ends the listing.
func (r *ranking) stop() (bool, error) {
	r.stopped = true
	return false, nil
}

// flush orders the bucket read so far and pages through it; it returns
// false once the page is full or below MinSupport.
func (r *ranking) flush() (bool, error) {
	group := r.group
	r.group = r.group[:0]
	slices.SortFunc(group, func(a, b positioned) int { return bytes.Compare(a.pos, b.pos) })
	for _, g := range group {
		if more, err := r.emit(g); !more || err != nil {
			return false, err
		}
	}
	return true, nil
}

// emit pages the next edge in ranking order; it returns false once the
// page is full or below MinSupport.
func (r *ranking) emit(g positioned) (bool, error) {
	if r.after != nil && bytes.Compare(g.pos, r.after) <= 0 {
		return true, nil
	}
	if g.e.Support < r.q.MinSupport {
		return r.stop()
	}
	e, ok, err := r.keep(g.e)
	if err != nil || !ok {
		return err == nil, err
	}
	if len(r.page.Items) == r.first {
		r.page.HasNext = true
		return r.stop()
	}
	r.page.Items = append(r.page.Items, e)
	r.page.Cursors = append(r.page.Cursors, cursor(g.pos))
	return true, nil
}

// keep applies the query's Keep, which may narrow support (to a day):
// the listing goes on past an edge it drops, since a later edge may have
// more on that day.
func (r *ranking) keep(e Edge) (Edge, bool, error) {
	if r.q.Keep == nil {
		return e, true, nil
	}
	e, err := r.v.Complete(e)
	if err != nil {
		return e, false, err
	}
	kept, ok, err := r.q.Keep(e)
	if err != nil || !ok || kept.Support < r.q.MinSupport {
		return e, false, err
	}
	return kept, true, nil
}
