package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

// A traversal stops when its context ends: a client gone, or a request
// over its time, must not leave it running (a load test once left two
// cores busy for minutes on abandoned neighbourhoods).
func TestTraversalStopsWithContext(t *testing.T) {
	s := openTest(t, t.TempDir())
	v := foldOne(t, s, func(tx *Tx) error {
		for i := range 50 {
			a, o := fmt.Sprintf("a%d", i), fmt.Sprintf("a%d", i+1)
			for _, id := range []string{a, o} {
				if err := tx.PutActor(Actor{ID: id, Name: id}); err != nil {
					return err
				}
			}
			if err := tx.PutRelationship(Relationship{}, Relationship{Subject: a, Predicate: "OWNS", Object: o, Support: 1, Affirmed: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	ctx := context.Background()
	if ns, err := v.Neighbors(ctx, "a0", NeighborQuery{Depth: 3}); err != nil || len(ns) != 3 {
		t.Fatalf("live: %d neighbours, %v", len(ns), err)
	}
	if steps, err := v.Path(ctx, "a0", "a5", PathQuery{MaxDepth: 6}); err != nil || len(steps) != 5 {
		t.Fatalf("live: path of %d, %v", len(steps), err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := v.Neighbors(done, "a0", NeighborQuery{Depth: 3}); !errors.Is(err, context.Canceled) {
		t.Errorf("Neighbors after cancel: %v", err)
	}
	if _, err := v.Path(done, "a0", "a5", PathQuery{MaxDepth: 6}); !errors.Is(err, context.Canceled) {
		t.Errorf("Path after cancel: %v", err)
	}
}

// A cursor from a client is decoded without panic, and one this listing
// did not issue is a CursorError.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(cursor([]byte("ac:acme")), "ac:")
	f.Add("not a cursor", "ac:")
	f.Add("", "rel:")
	f.Fuzz(func(t *testing.T, c, prefix string) {
		k, err := decodeCursor(c, []byte(prefix))
		var ce *CursorError
		switch {
		case err != nil && !errors.As(err, &ce):
			t.Fatalf("error %v is not a CursorError", err)
		case err == nil && c != "" && !bytes.HasPrefix(k, []byte(prefix)):
			t.Fatalf("%q decodes to %q, outside the listing %q", c, k, prefix)
		}
	})
}
