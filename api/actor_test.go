package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// An actor reached any way (by name, by id, as a node, as an edge's other
// end, as a neighbour, on a path) reports the same activity: most of
// these read only its identity and read mentions and lastSequence when
// asked.
func TestActorActivityEverywhere(t *testing.T) {
	h := startNode(t)
	in := []map[string]any{
		one("Acme", "OWNS", "Widget", "Acme owns Widget."),
		one("Acme", "OWNS", "Gadget", "Acme owns Gadget."),
		one("Regulator", "BANS", "Acme", "Regulator banned Acme."),
	}
	code, r := post(t, h, gql(record, map[string]any{"in": in}))
	if code != 200 || len(r.Errors) > 0 {
		t.Fatalf("record: %d %+v", code, r.Errors)
	}
	const fields = `id name mentions lastSequence`
	queries := map[string]string{
		"by name":     `{ x: actor(name: "Acme") { ` + fields + ` } }`,
		"by id":       `{ x: actor(id: "actor:acme") { ` + fields + ` } }`,
		"as a node":   `{ x: node(id: "actor:acme") { ... on Actor { ` + fields + ` } } }`,
		"other end":   `{ actor(name: "Widget") { edges(first: 5) { edges { node { x: other { ` + fields + ` } } } } } }`,
		"a neighbour": `{ neighbors(actor: "Widget", depth: 1) { x: actor { ` + fields + ` } } }`,
		"on a path":   `{ path(from: "Widget", to: "Regulator", maxDepth: 3) { steps { x: to { ` + fields + ` } } } }`,
	}
	for name, q := range queries {
		_, r := post(t, h, gql(q, nil))
		if len(r.Errors) > 0 {
			t.Errorf("%s: %+v", name, r.Errors)
			continue
		}
		got := fmt.Sprint(r.Data)
		if !strings.Contains(got, "map[id:actor:acme lastSequence:3 mentions:3 name:Acme]") {
			t.Errorf("%s: Acme is not reported with 3 mentions, last at 3: %s", name, got)
		}
	}
}
