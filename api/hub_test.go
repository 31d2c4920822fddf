package api_test

import (
	"fmt"
	"slices"
	"testing"
)

// On an actor with many edges, minSupport and first narrow the list to
// the edges worth reading: first returns the most supported first.
func TestActorRelationshipsFirst(t *testing.T) {
	h := startNode(t)
	// Hub OWNS Firm k with support k+1 (k+1 documents), for k = 0..5;
	// Rival BANS Hub once.
	var in []any
	for k := range 6 {
		for d := range k + 1 {
			a := one("Hub", "OWNS", fmt.Sprintf("Firm %d", k), fmt.Sprintf("Hub owns Firm %d, report %d says.", k, d))
			a["evidence"].(map[string]any)["document"] = fmt.Sprintf("report-%d", d)
			in = append(in, a)
		}
	}
	in = append(in, one("Rival", "BANS", "Hub", "Rival banned Hub."))
	if _, r := post(t, h, gql(record, map[string]any{"in": in})); len(r.Errors) > 0 {
		t.Fatalf("record: %v", r.Errors)
	}
	edges := func(args string) (out []string) {
		t.Helper()
		code, r := post(t, h, gql(fmt.Sprintf(`{ actor(name: "Hub") { relationships%s { predicate support other { name } } } }`, args), nil))
		if code != 200 || len(r.Errors) > 0 {
			t.Fatalf("relationships%s: %d %v", args, code, r.Errors)
		}
		for _, e := range r.Data["actor"].(map[string]any)["relationships"].([]any) {
			e := e.(map[string]any)
			out = append(out, fmt.Sprintf("%s %s %v", e["predicate"], e["other"].(map[string]any)["name"], e["support"]))
		}
		return out
	}
	for _, c := range []struct {
		args string
		want []string
	}{
		{"", []string{"OWNS Firm 0 1", "OWNS Firm 1 2", "OWNS Firm 2 3", "OWNS Firm 3 4", "OWNS Firm 4 5", "OWNS Firm 5 6", "BANS Rival 1"}},
		{"(first: 3)", []string{"OWNS Firm 5 6", "OWNS Firm 4 5", "OWNS Firm 3 4"}},
		{"(minSupport: 5)", []string{"OWNS Firm 4 5", "OWNS Firm 5 6"}},
		{"(direction: IN, first: 5)", []string{"BANS Rival 1"}},
		{"(first: 0)", nil},
		{"(predicates: [\"OWNS\"], minSupport: 2, first: 2)", []string{"OWNS Firm 5 6", "OWNS Firm 4 5"}},
	} {
		if got := edges(c.args); !slices.Equal(got, c.want) {
			t.Errorf("relationships%s = %v, want %v", c.args, got, c.want)
		}
	}
	if code, r := post(t, h, gql(`{ actor(name: "Hub") { relationships(first: -1) { support } } }`, nil)); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "INVALID_INPUT" {
		t.Errorf("first: -1 answered %d %v, want INVALID_INPUT", code, r.Errors)
	}
}

// Actor.edges pages through an actor's ranking: every page in support
// order, together the same edges as relationships(first:), none twice.
// neighbors follows only the most supported edges and says it did.
func TestActorEdgesConnection(t *testing.T) {
	h := startNode(t)
	var in []any
	for k := range 6 {
		for d := range k + 1 {
			a := one("Hub", "OWNS", fmt.Sprintf("Firm %d", k), fmt.Sprintf("Hub owns Firm %d, report %d says.", k, d))
			a["evidence"].(map[string]any)["document"] = fmt.Sprintf("report-%d", d)
			in = append(in, a)
		}
	}
	in = append(in, one("Rival", "BANS", "Hub", "Rival banned Hub."))
	if _, r := post(t, h, gql(record, map[string]any{"in": in})); len(r.Errors) > 0 {
		t.Fatalf("record: %v", r.Errors)
	}
	var got []string
	after := any(nil)
	for pages := 0; ; pages++ {
		code, r := post(t, h, gql(`query($after: String) { actor(name: "Hub") { edges(first: 2, after: $after) {
			edges { cursor node { predicate direction support other { name } } } pageInfo { hasNextPage endCursor } } } }`, map[string]any{"after": after}))
		if code != 200 || len(r.Errors) > 0 {
			t.Fatalf("page %d: %d %v", pages, code, r.Errors)
		}
		conn := r.Data["actor"].(map[string]any)["edges"].(map[string]any)
		for _, e := range conn["edges"].([]any) {
			n := e.(map[string]any)["node"].(map[string]any)
			got = append(got, fmt.Sprintf("%s %s %s %v", n["direction"], n["predicate"], n["other"].(map[string]any)["name"], n["support"]))
		}
		info := conn["pageInfo"].(map[string]any)
		if info["hasNextPage"] != true {
			break
		}
		after = info["endCursor"]
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	want := []string{"OUT OWNS Firm 5 6", "OUT OWNS Firm 4 5", "OUT OWNS Firm 3 4", "OUT OWNS Firm 2 3", "OUT OWNS Firm 1 2", "IN BANS Rival 1", "OUT OWNS Firm 0 1"}
	if !slices.Equal(got, want) {
		t.Errorf("edges, two at a time: %v, want %v", got, want)
	}
	for _, q := range []string{
		`{ actor(name: "Hub") { edges(first: 0) { pageInfo { hasNextPage } } } }`,
		`{ actor(name: "Hub") { edges(after: "bm90IGEgY3Vyc29y") { pageInfo { hasNextPage } } } }`,
		`{ neighbors(actor: "Hub", maxPerActor: 0) { depth } }`,
		`{ neighbors(actor: "Hub", maxPerActor: 1001) { depth } }`,
		`{ path(from: "Hub", to: "Rival", maxPerActor: 0) { length } }`,
		`{ path(from: "Hub", to: "Rival", maxPerActor: 1001) { length } }`,
	} {
		if code, r := post(t, h, gql(q, nil)); len(r.Errors) == 0 || (r.Errors[0].Extensions["code"] != "INVALID_INPUT" && r.Errors[0].Extensions["code"] != "BAD_CURSOR") {
			t.Errorf("%s answered %d %v, want a refusal", q, code, r.Errors)
		}
	}
	code, r := post(t, h, gql(`{ neighbors(actor: "Hub", maxPerActor: 2) { actor { name } fromCapped } }`, nil))
	if code != 200 || len(r.Errors) > 0 {
		t.Fatalf("neighbors: %d %v", code, r.Errors)
	}
	got = nil
	for _, n := range r.Data["neighbors"].([]any) {
		n := n.(map[string]any)
		got = append(got, fmt.Sprintf("%s %v", n["actor"].(map[string]any)["name"], n["fromCapped"]))
	}
	if want := []string{"Firm 5 true", "Firm 4 true"}; !slices.Equal(got, want) {
		t.Errorf("neighbors capped at 2: %v, want %v", got, want)
	}
	// Rival is the Hub's sixth strongest link: a path capped at five
	// edges an actor does not see it, one capped at six does.
	for per, want := range map[int]bool{5: false, 6: true} {
		_, r := post(t, h, gql(fmt.Sprintf(`{ path(from: "Hub", to: "Rival", maxDepth: 1, maxPerActor: %d) { length } }`, per), nil))
		if found := len(r.Errors) == 0 && r.Data["path"] != nil; found != want {
			t.Errorf("path capped at %d: %v %v, want found %v", per, r.Data, r.Errors, want)
		}
	}
}

// An edge in a ranking bucket of more than one support (above 15) reads
// its exact support everywhere: in Actor.edges, which orders the bucket
// by it, and in a neighbour's via, which a traversal reads by bucket.
func TestSupportInAWideBucket(t *testing.T) {
	h := startNode(t)
	var in []any
	for d := range 19 {
		a := one("Hub", "OWNS", "Firm", fmt.Sprintf("Hub owns Firm, report %d says.", d))
		a["evidence"].(map[string]any)["document"] = fmt.Sprintf("report-%d", d)
		in = append(in, a)
	}
	if _, r := post(t, h, gql(record, map[string]any{"in": in})); len(r.Errors) > 0 {
		t.Fatalf("record: %v", r.Errors)
	}
	_, r := post(t, h, gql(`{ actor(name: "Hub") { edges(first: 1) { edges { node { support } } } }
		neighbors(actor: "Hub") { via { support ... on Edge { end: other { name } } } } }`, nil))
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if got := fmt.Sprint(r.Data); got != "map[actor:map[edges:map[edges:[map[node:map[support:19]]]]] neighbors:[map[via:map[end:map[name:Firm] support:19]]]]" {
		t.Errorf("supports: %s", got)
	}
}
