package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// A relationship's ends are read when its resolver is made, so every way
// of reaching a relationship must make it so: each query here asks for
// an end through a different field, some through a fragment or an alias,
// and gets the actor's name.
func TestRelationshipEndsEverywhere(t *testing.T) {
	h := startNode(t)
	denied := one("Hub", "OWNS", "Firm", "Hub does not own Firm.")
	denied["polarity"] = "NEGATED"
	in := []any{one("Hub", "OWNS", "Firm", "Hub owns Firm."), denied, one("Firm", "OPERATES", "Shop", "Firm operates Shop.")}
	if _, r := post(t, h, gql(record, map[string]any{"in": in})); len(r.Errors) > 0 {
		t.Fatalf("record: %v", r.Errors)
	}
	for name, q := range map[string]string{
		"relationships":    `{ relationships(predicate: "OWNS") { edges { node { ... on Relationship { s: subject { name } } } } } }`,
		"contested":        `{ contested { edges { node { object { name } } } } }`,
		"changes":          `{ changes(from: 0) { added { subject { name } } } }`,
		"a change's":       `{ changes(from: 1) { changed { before { object { name } } after { subject { name } } } } }`,
		"node":             `{ node(id: "relationship:hub:OWNS:firm") { ... on Relationship { object { name } } } }`,
		"a path's step":    `{ path(from: "Hub", to: "Shop") { steps { relationship { object { name } } } } }`,
		"an edge's":        `{ actor(name: "Hub") { edges { edges { node { relationship { subject { name } } } } } } }`,
		"as of, an edge's": `{ asOf(sequence: 1) { actor(name: "Hub") { relationships { relationship { object { name } } } } } }`,
		"a neighbour's":    `{ neighbors(actor: "Shop", depth: 2) { from { name } via { support other { name } } } }`,
		"a step's ends":    `{ path(from: "Hub", to: "Shop") { steps { ... on PathStep { a: from { name } to { name } } } } }`,
	} {
		_, r := post(t, h, gql(q, nil))
		if got := fmt.Sprint(r.Data); len(r.Errors) > 0 || !strings.Contains(got, "name:Hub") && !strings.Contains(got, "name:Firm") {
			t.Errorf("%s: %s %v", name, got, r.Errors)
		}
	}
}
