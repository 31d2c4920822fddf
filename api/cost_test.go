package api

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestQueryCost(t *testing.T) {
	m, err := newCostModel(0)
	if err != nil {
		t.Fatal(err)
	}
	introspection, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	nested := func(levels int) string {
		q := "other { name }"
		for range levels {
			q = "other { name relationships(first: 1000) { predicate " + q + " } }"
		}
		return `{ actor(name: "x") { relationships(first: 1000) { predicate ` + q + ` } } }`
	}
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		over        bool
		code        string // of the refusal, when not COST_LIMIT
	}{
		{"one actor", `{ actor(name: "TikTok") { id name type aliases } }`, nil, false, ""},
		{"a page of relationships with evidence", `{ relationships(first: 1000) { edges { node { predicate support subject { name } object { name } assertions { evidence { sentence document { title } } } } } } }`, nil, false, ""},
		{"GraphiQL's introspection", string(introspection), nil, false, ""},
		{"depth-2 neighbourhood", `{ neighbors(actor: "TikTok", depth: 2) { depth actor { name type } via { predicate } } }`, nil, false, ""},
		{"depth-3 neighbourhood", `{ neighbors(actor: "TikTok", depth: 3) { actor { name } } }`, nil, false, ""},
		{"path", `{ path(from: "a", to: "b", maxDepth: 6) { steps { predicate from { name } to { name } } } }`, nil, false, ""},
		{"subscription", `subscription { assertionRecorded { sequence subject { name } object { name } } }`, nil, false, ""},
		{"nested pages, 2 levels", nested(1), nil, true, ""},
		{"nested pages, 8 levels", nested(7), nil, true, ""},
		{"page size from a variable", `query($n: Int) { actors(first: $n) { edges { node { relationships(first: $n) { other { name } } } } } }`, map[string]any{"n": float64(1000)}, true, ""},
		{"small pages from a variable", `query($n: Int) { actors(first: $n) { edges { node { relationships(first: $n) { other { name } } } } } }`, map[string]any{"n": float64(10)}, false, ""},
		{"introspection nested in itself", `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, nil, true, CodeValidationFailed},
		{"fragments multiplying", `{ ...A } fragment A on Query { a1: actors(first: 1000) { ...B } a2: actors(first: 1000) { ...B } } fragment B on ActorConnection { edges { node { relationships(first: 1000) { support } } } }`, nil, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pl, e := m.estimate(c.query, "", c.vars)
			if want := cmp.Or(c.code, CodeCostLimit); e != nil && e.Code != want {
				t.Fatalf("refused with %s: %s", e.Code, e.Message)
			}
			if over := e != nil; over != c.over {
				t.Errorf("cost %d, over the budget %d: %v, want %v", pl.cost, m.budget, over, c.over)
			}
			t.Logf("cost %d", pl.cost)
		})
	}
}

// The walk stops counting at a bound, whatever the query multiplies to.
func TestQueryCostBoundedWalk(t *testing.T) {
	m, _ := newCostModel(0)
	frag := "fragment F0 on Actor { name }\n"
	for i := 1; i < 20; i++ {
		frag += fmt.Sprintf("fragment F%d on Actor { a: relationships(first: 2) { other { ...F%d } } b: relationships(first: 2) { other { ...F%d } } }\n", i, i-1, i-1)
	}
	_, e := m.estimate(`{ actor(name: "x") { ...F19 } }`+"\n"+frag, "", nil)
	if e == nil || e.Code != CodeCostLimit {
		t.Fatalf("got %v, want COST_LIMIT", e)
	}
}

func FuzzQueryCost(f *testing.F) {
	m, err := newCostModel(0)
	if err != nil {
		f.Fatal(err)
	}
	for _, q := range []string{
		`{ actor(name: "x") { name } }`,
		`{ neighbors(actor: "x", depth: 3) { actor { name } } }`,
		`query($n: Int) { actors(first: $n) { edges { node { name } } } }`,
		`{ __schema { types { name fields { name } } } }`,
		`{ ...A } fragment A on Query { stats { actors } }`,
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		pl, e := m.estimate(q, "", map[string]any{"n": float64(3)})
		if e == nil && pl.cost > m.budget {
			t.Fatalf("admitted at cost %d over %d", pl.cost, m.budget)
		}
	})
}

// An estimate of a query sent before reuses its parsed document.
func BenchmarkEstimate(b *testing.B) {
	m, _ := newCostModel(0)
	q := `query($n: String) { actor(name: $n) { name type relationships(first: 20) { predicate other { name } support } } }`
	for b.Loop() {
		m.estimate(q, "", map[string]any{"n": "TikTok"})
	}
}

// A mutation's deadline grows with its body, which carries the documents
// it ingests: a 50 MB document a server was configured to accept was cut
// off by the two-minute limit meant for ordinary mutations.
func TestMutationDeadlineGrowsWithBody(t *testing.T) {
	s := &Server{cfg: Config{Limits: Limits{QueryTimeout: time.Second, MutationTimeout: 2 * time.Minute}}}
	for _, c := range []struct {
		pl   plan
		want time.Duration
	}{
		{plan{operation: "query", size: 50 << 20}, time.Second},
		{plan{operation: "mutation", size: 1 << 10}, 2 * time.Minute},
		{plan{operation: "mutation", size: 50 << 20}, 2*time.Minute + 200*time.Second},
	} {
		ctx, cancel := s.withDeadline(context.Background(), c.pl)
		dl, _ := ctx.Deadline()
		cancel()
		if got := time.Until(dl); got > c.want+time.Second || got < c.want-5*time.Second {
			t.Errorf("%s of %d bytes: deadline in %s, want %s", c.pl.operation, c.pl.size, got.Round(time.Second), c.want)
		}
	}
}
