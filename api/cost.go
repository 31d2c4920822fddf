package api

import (
	"fmt"
	"math"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/dossier-kg/dossier"
	"github.com/dossier-kg/dossier/graph"
)

// DefaultMaxQueryCost is the budget a query's estimated cost must stay
// within. A unit is about one field resolved once; 100,000 is a few
// hundred milliseconds of work on two cores, and admits GraphiQL's
// introspection, a depth-3 neighbourhood or a page of 1,000
// relationships with their evidence, but not pages nested in pages.
const DefaultMaxQueryCost = 100_000

// Estimates where a list's length is not in the query.
const (
	// unpagedList is the guess for a list without a page size
	// (Relationship.assertions, Document.namedActors). The real length
	// can be larger; the response cap and the timeout bound what the
	// guess misses.
	unpagedList = 20
	// unpagedEdges is the guess for Actor.relationships without first.
	unpagedEdges = 100
	// fanOut is the guess for how many actors one hop reaches.
	fanOut = 30
)

// costModel estimates what a query will cost before it runs: graphql-go
// bounds a query's depth and length, but not how many times its nested
// pages multiply (first: 1000 inside first: 1000 inside …), which is
// what takes a server's memory. The estimate multiplies each field by
// the page sizes above it. Queries are parsed a second time here, with
// gqlparser, because graphql-go keeps its parsed query internal.
type costModel struct {
	schema *gqlast.Schema
	budget int
	// introspection is how long each introspection list is, on
	// average, in this schema: it follows from the schema, not the
	// data. Validation bounds how deep introspection may nest.
	introspection map[string]int
	// parsed keeps the validated documents of recent queries: clients
	// send the same few queries with other variables, and parsing and
	// validating is most of an estimate's cost. A document is only read
	// once parsed. Only short queries are kept, so that a client sending
	// large distinct ones cannot fill memory with them.
	parsed *lru.Cache[string, *gqlast.QueryDocument]
}

// maxCachedQuery is the longest query whose document is kept.
const maxCachedQuery = 8 << 10

func newCostModel(budget int) (*costModel, error) {
	s, err := gqlparser.LoadSchema(&gqlast.Source{Name: "schema.graphql", Input: dossier.Schema})
	if err != nil {
		return nil, fmt.Errorf("load schema for cost analysis: %w", err)
	}
	if budget <= 0 {
		budget = DefaultMaxQueryCost
	}
	parsed, _ := lru.New[string, *gqlast.QueryDocument](1024)
	return &costModel{schema: s, budget: budget, introspection: introspectionSizes(s), parsed: parsed}, nil
}

// introspectionSizes is the average length of each introspection list
// (rounded up), and the exact number of types.
func introspectionSizes(s *gqlast.Schema) map[string]int {
	var types, withFields, fields, args, enums, enumValues, inputs, inputFields int
	for _, d := range s.Types {
		types++
		switch d.Kind {
		case gqlast.Object, gqlast.Interface:
			withFields++
			fields += len(d.Fields)
			for _, f := range d.Fields {
				args += len(f.Arguments)
			}
		case gqlast.InputObject:
			inputs++
			inputFields += len(d.Fields)
		case gqlast.Enum:
			enums++
			enumValues += len(d.EnumValues)
		}
	}
	avg := func(n, of int) int { return max(1, (n+of-1)/max(of, 1)) }
	return map[string]int{
		"types": types, "directives": len(s.Directives),
		"fields": avg(fields, withFields), "args": avg(args, fields),
		"inputFields": avg(inputFields, inputs), "enumValues": avg(enumValues, enums),
		"interfaces": 1, "possibleTypes": 2, "locations": 4,
	}
}

// plan is what the cost model found out about a request.
type plan struct {
	operation gqlast.Operation // query, mutation or subscription
	cost      int
	// size is the request body's length, when it came in one.
	size int64
}

// estimate parses and validates a request and returns its plan, or the
// error that refuses it: GRAPHQL_VALIDATION_FAILED for a query the
// model cannot read (graphql-go would refuse it too), COST_LIMIT for one
// over the budget.
func (m *costModel) estimate(query, operationName string, vars map[string]any) (plan, *Error) {
	doc, ok := m.parsed.Get(query)
	if !ok {
		var errs gqlerror.List
		if doc, errs = gqlparser.LoadQuery(m.schema, query); len(errs) > 0 {
			return plan{}, &Error{Code: CodeValidationFailed, Message: errs[0].Message}
		}
		if len(query) <= maxCachedQuery {
			m.parsed.Add(query, doc)
		}
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		if operationName == "" {
			return plan{}, &Error{Code: CodeValidationFailed, Message: "the document has several operations: name one (operationName)"}
		}
		return plan{}, &Error{Code: CodeValidationFailed, Message: fmt.Sprintf("no operation named %q", operationName)}
	}
	w := walker{m: m, vars: vars}
	w.selections(op.SelectionSet, 1, 0, 0)
	p := plan{operation: op.Operation, cost: w.cost}
	if w.cost > m.budget {
		return p, &Error{Code: CodeCostLimit,
			Message: fmt.Sprintf("the query would cost about %s units, over this server's budget of %d: ask for smaller pages (first), fewer nested lists, or a smaller depth", costString(w.cost, m.budget), m.budget),
			Details: map[string]any{"cost": min(w.cost, math.MaxInt32), "budget": m.budget}}
	}
	return p, nil
}

func costString(cost, budget int) string {
	if cost > budget*1000 {
		return fmt.Sprintf("more than %d", budget*1000)
	}
	return fmt.Sprint(cost)
}

// walker adds up one operation. It stops counting once over the budget,
// so a fragment spread a thousand times in a fragment spread a thousand
// times costs the walk no more than the budget does.
type walker struct {
	m    *costModel
	vars map[string]any
	cost int
}

func (w *walker) over() bool { return w.cost > w.m.budget*1000 }

// selections counts set once for each of mult parents; page is the page
// size a connection field passed down to its list of edges; depth guards
// the recursion where validation would not.
func (w *walker) selections(set gqlast.SelectionSet, mult, page, depth int) {
	if depth > 2*maxDepth {
		w.cost = math.MaxInt / 2
		return
	}
	for _, sel := range set {
		if w.over() {
			return
		}
		switch s := sel.(type) {
		case *gqlast.Field:
			w.field(s, mult, page, depth)
		case *gqlast.InlineFragment:
			w.selections(s.SelectionSet, mult, page, depth+1)
		case *gqlast.FragmentSpread:
			if s.Definition != nil {
				w.selections(s.Definition.SelectionSet, mult, page, depth+1)
			}
		}
	}
}

func (w *walker) field(f *gqlast.Field, mult, page, depth int) {
	if f.Definition == nil || f.Name == "__typename" {
		return
	}
	args := argumentMap(f, w.vars)
	n, childPage, work := w.size(f, args, page)
	w.add(mult, 1+work)
	if len(f.SelectionSet) > 0 {
		w.selections(f.SelectionSet, saturatingMul(mult, n), childPage, depth+1)
	}
}

// size is how many items f answers with for each parent (n), the page
// size it hands to the list below it (a connection's edges), and the
// work it does besides (a traversal's reads).
func (w *walker) size(f *gqlast.Field, args map[string]any, page int) (n, childPage, work int) {
	list := f.Definition.Type.Elem != nil
	first, paged := intArg(args, "first")
	switch {
	case f.Name == "neighbors":
		// Each actor's edges are capped, so the reach is at most the
		// cap to the depth's power.
		depth, _ := intArg(args, "depth")
		per, ok := intArg(args, "maxPerActor")
		if !ok || per < 1 {
			per = graph.DefaultPerActor
		}
		reach := min(pow(min(fanOut, per), max(depth, 1)), graph.MaxVisited)
		return reach, 0, reach
	case f.Name == "path":
		// A search from both ends, each side half the hops deep, with
		// each actor's edges capped.
		hops, _ := intArg(args, "maxDepth")
		per, ok := intArg(args, "maxPerActor")
		if !ok || per < 1 {
			per = graph.DefaultPathPerActor
		}
		return 1, 0, min(2*pow(min(fanOut, per), (max(hops, 1)+1)/2), graph.MaxVisited)
	case paged && list:
		return max(first, 1), 0, 0
	case paged:
		// A larger page is refused by its resolver, with its own error.
		return 1, min(max(first, 1), maxPage), 0
	case f.Name == "relationships" && list:
		return unpagedEdges, 0, 0
	case !list:
		return 1, 0, 0
	case page > 0:
		return page, 0, 0
	case strings.HasPrefix(f.ObjectDefinition.Name, "__"):
		if n, ok := w.m.introspection[f.Name]; ok {
			return n, 0, 0
		}
	}
	return unpagedList, 0, 0
}

func (w *walker) add(mult, units int) {
	w.cost = saturatingAdd(w.cost, saturatingMul(mult, units))
}

// argumentMap is f's arguments with defaults and variables filled in;
// gqlparser panics on a value it cannot convert, which validation should
// have refused already.
func argumentMap(f *gqlast.Field, vars map[string]any) (m map[string]any) {
	defer func() {
		if recover() != nil {
			m = nil
		}
	}()
	return f.ArgumentMap(vars)
}

func intArg(args map[string]any, name string) (int, bool) {
	switch v := args[name].(type) {
	case int64:
		return int(min(max(v, 0), math.MaxInt32)), true
	case int:
		return min(max(v, 0), math.MaxInt32), true
	case float64:
		return int(min(max(v, 0), math.MaxInt32)), true
	case int32:
		return int(max(v, 0)), true
	}
	return 0, false
}

func pow(b, e int) int {
	n := 1
	for range e {
		n = saturatingMul(n, b)
	}
	return n
}

func saturatingMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/2/b {
		return math.MaxInt / 2
	}
	return a * b
}

func saturatingAdd(a, b int) int {
	if a > math.MaxInt/2-b {
		return math.MaxInt / 2
	}
	return a + b
}
