package graph

import (
	"fmt"
	"slices"
	"testing"
)

// Edges with predicates reads only those predicates' keys, and must give
// what filtering all of an actor's edges gives, in the same order.
func TestEdgesByPredicate(t *testing.T) {
	s := openTest(t, t.TempDir())
	rels := []Relationship{
		{Subject: "acme", Predicate: "OWNS", Object: "widget"},
		{Subject: "acme", Predicate: "OWNS", Object: "gadget"},
		{Subject: "acme", Predicate: "BANS", Object: "tiktok"},
		{Subject: "acme", Predicate: "MEETS", Object: "zed"},
		{Subject: "india", Predicate: "BANS", Object: "acme"},
		{Subject: "zed", Predicate: "OWNS", Object: "acme"},
		{Subject: "acme-two", Predicate: "OWNS", Object: "widget"}, // an id acme is a prefix of
	}
	v := foldOne(t, s, func(tx *Tx) error {
		for _, r := range rels {
			r.Support, r.Affirmed = 1, 1
			if err := tx.PutRelationship(Relationship{}, r); err != nil {
				return err
			}
		}
		return nil
	})
	show := func(es []Edge) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%d %s %s", e.Dir, e.Predicate, e.Other))
		}
		return out
	}
	all, err := v.Edges("acme", Both, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Fatalf("acme has %d edges, want 6: %v", len(all), show(all))
	}
	for _, preds := range [][]string{{"OWNS"}, {"BANS"}, {"OWNS", "BANS"}, {"BANS", "OWNS", "BANS"}, {"MEETS"}, {"NONE"}, {"OWNS:widget"}} {
		for _, dir := range []Direction{Out, In, Both} {
			got, err := v.Edges("acme", dir, preds)
			if err != nil {
				t.Fatal(err)
			}
			var want []Edge
			for _, e := range all {
				if e.Dir&dir != 0 && slices.Contains(preds, e.Predicate) {
					want = append(want, e)
				}
			}
			if !slices.Equal(show(got), show(want)) {
				t.Errorf("Edges(acme, %d, %v) = %v, want %v", dir, preds, show(got), show(want))
			}
		}
	}
}
