package graph

import (
	"context"
	"errors"
	"fmt"
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
	Actor Actor
	Depth int
	// Via is the edge the actor was first reached by, seen from the
	// actor one hop closer to the start.
	Via Edge
	// From is the id of that closer actor.
	From string
}

// Neighbors lists the actors within depth hops of start, following edges
// in both directions, nearest first. It stops with ctx's error when ctx
// ends: a client that has gone, or a request over its time, must not
// leave a traversal running.
func (v *View) Neighbors(ctx context.Context, start string, depth int, preds []string) ([]Neighbor, error) {
	if depth < 1 || depth > MaxDepth {
		return nil, fmt.Errorf("depth %d is not between 1 and %d", depth, MaxDepth)
	}
	if _, err := v.Actor(start); err != nil {
		return nil, fmt.Errorf("actor %s: %w", start, err)
	}
	seen := map[string]bool{start: true}
	frontier := []string{start}
	var out []Neighbor
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		var next []string
		for _, id := range frontier {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("neighbors of %s: %w", start, err)
			}
			edges, err := v.Edges(id, Both, preds)
			if err != nil {
				return nil, err
			}
			for _, e := range edges {
				if seen[e.Other] {
					continue
				}
				if len(seen) >= MaxVisited {
					return nil, ErrTooLarge
				}
				seen[e.Other] = true
				a, err := v.Actor(e.Other)
				if err != nil {
					return nil, fmt.Errorf("actor %s: %w", e.Other, err)
				}
				out = append(out, Neighbor{Actor: a, Depth: d, Via: e, From: id})
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

// Path finds a shortest path between two actors, following edges in
// either direction, of at most maxDepth hops. It returns ErrNotFound when
// there is none, and ctx's error when ctx ends first.
func (v *View) Path(ctx context.Context, from, to string, maxDepth int, preds []string) ([]Step, error) {
	if maxDepth < 1 || maxDepth > 2*MaxDepth {
		return nil, fmt.Errorf("maxDepth %d is not between 1 and %d", maxDepth, 2*MaxDepth)
	}
	for _, id := range []string{from, to} {
		if _, err := v.Actor(id); err != nil {
			return nil, fmt.Errorf("actor %s: %w", id, err)
		}
	}
	if from == to {
		return []Step{}, nil
	}
	// Breadth-first from the start; parent remembers how each actor was
	// first reached, which is on a shortest path to it.
	type link struct {
		prev string
		edge Edge
	}
	parent := map[string]link{from: {}}
	frontier := []string{from}
	for d := 0; d < maxDepth && len(frontier) > 0; d++ {
		var next []string
		for _, id := range frontier {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("path from %s to %s: %w", from, to, err)
			}
			edges, err := v.Edges(id, Both, preds)
			if err != nil {
				return nil, err
			}
			for _, e := range edges {
				if _, ok := parent[e.Other]; ok {
					continue
				}
				if len(parent) >= MaxVisited {
					return nil, ErrTooLarge
				}
				parent[e.Other] = link{prev: id, edge: e}
				if e.Other == to {
					var steps []Step
					for at := to; at != from; at = parent[at].prev {
						l := parent[at]
						steps = append([]Step{{From: l.prev, To: at, Edge: l.edge}}, steps...)
					}
					return steps, nil
				}
				next = append(next, e.Other)
			}
		}
		frontier = next
	}
	return nil, ErrNotFound
}
