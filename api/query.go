package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/projections"
)

// root is the schema's root resolver. Query fields run against the view
// the HTTP handler opened for the request.
type root struct {
	s *Server
	// fixed is set for a snapshot (asOf): every field reads it.
	fixed *reader
}

func (q *root) reader(ctx context.Context) (*reader, error) {
	if q.fixed != nil {
		return q.fixed, nil
	}
	st, ok := ctx.Value(requestKey{}).(*requestState)
	if !ok {
		return nil, errors.New("no request state: the schema must be executed through the Server")
	}
	return st.reader(q.s)
}

func (q *root) Node(ctx context.Context, args struct{ ID graphql.ID }) (*nodeResolver, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("node", err)
	}
	kind, id := splitID(string(args.ID))
	var n nodeResolver
	switch kind {
	case kindActor:
		a, err := r.v.ActorIdentity(id)
		if err != nil {
			return nil, nilIfNotFound(err, "node")
		}
		n.actor = r.identity(a)
	case kindAssertion:
		a, err := r.v.Assertion(id)
		if err != nil {
			return nil, nilIfNotFound(err, "node")
		}
		n.asr = &assertionResolver{r: r, a: a}
	case kindDocument:
		d, err := r.v.Document(id)
		if err != nil {
			return nil, nilIfNotFound(err, "node")
		}
		n.doc = &documentResolver{r: r, d: d}
	case kindRelationship:
		k, err := parseRelKey(id)
		if err != nil {
			return nil, err
		}
		rel, err := r.v.Relationship(k)
		if err != nil {
			return nil, nilIfNotFound(err, "node")
		}
		if n.rel, err = r.relationship(rel, "", true); err != nil {
			return nil, userError("node", err)
		}
	default:
		return nil, invalid("id %q has no known kind (actor:, assertion:, document:, relationship:)", string(args.ID))
	}
	return &n, nil
}

func parseRelKey(id string) (graph.RelKey, error) {
	parts := strings.SplitN(id, ":", 3)
	if len(parts) != 3 {
		return graph.RelKey{}, invalid("relationship id %q is not relationship:subject:PREDICATE:object", id)
	}
	return graph.RelKey{Subject: parts[0], Predicate: parts[1], Object: parts[2]}, nil
}

// nilIfNotFound makes a missing object a null, as GraphQL clients expect
// of a nullable lookup, and anything else an error.
func nilIfNotFound(err error, what string) error {
	if errors.Is(err, graph.ErrNotFound) {
		return nil
	}
	return userError(what, err)
}

func (q *root) Actor(ctx context.Context, args struct {
	ID   *graphql.ID
	Name *string
}) (*actorResolver, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("actor", err)
	}
	var a graph.Actor
	switch {
	case args.ID != nil:
		id, err := localID(*args.ID, kindActor)
		if err != nil {
			return nil, err
		}
		a, err = r.v.ActorIdentity(id)
		if err != nil {
			return nil, nilIfNotFound(err, "actor")
		}
	case args.Name != nil:
		a, err = projections.ResolveName(projections.Identities(r.v), *args.Name)
		if err != nil {
			return nil, nilIfNotFound(err, "actor")
		}
	default:
		return nil, invalid("actor needs an id or a name")
	}
	return r.identity(a), nil
}

type pageArgs struct {
	First int32
	After *string
}

// maxPage is the largest page a connection serves.
const maxPage = 1000

func (p pageArgs) first() (int, error) {
	if p.First < 1 || p.First > maxPage {
		return 0, invalid("first must be between 1 and %d, got %d", maxPage, p.First)
	}
	return int(p.First), nil
}

func (p pageArgs) after() string {
	if p.After == nil {
		return ""
	}
	return *p.After
}

func (q *root) Actors(ctx context.Context, args struct {
	Search *string
	Type   *string
	pageArgs
}) (*connection[*actorResolver], error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("actors", err)
	}
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	page, err := r.v.Actors(graph.ActorQuery{Search: str(args.Search), Type: str(args.Type), First: first, After: args.after()})
	if err != nil {
		return nil, userError("actors", err)
	}
	return newConnection(page, r.actor), nil
}

func (q *root) Relationships(ctx context.Context, args struct {
	Subject    *string
	Predicate  *string
	Object     *string
	MinSupport int32
	ValidAt    *string
	pageArgs
}) (*connection[*relationshipResolver], error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("relationships", err)
	}
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	rq := graph.RelQuery{Predicate: str(args.Predicate), MinSupport: int(args.MinSupport), First: first, After: args.after()}
	empty := &connection[*relationshipResolver]{}
	for _, end := range []struct {
		arg *string
		dst *string
	}{{args.Subject, &rq.Subject}, {args.Object, &rq.Object}} {
		if end.arg == nil {
			continue
		}
		a, err := r.actorRef(*end.arg)
		if errors.Is(err, graph.ErrNotFound) {
			return empty, nil // no such actor: no relationships, not an error
		}
		if err != nil {
			return nil, userError("relationships", err)
		}
		*end.dst = a.ID
	}
	if args.ValidAt != nil {
		day, err := parseDay(*args.ValidAt)
		if err != nil {
			return nil, err
		}
		// The aggregate counts every live assertion; narrowing it to a
		// day reads each relationship's assertions, so pages stay full
		// by reading on until they are.
		min := max(int(args.MinSupport), 1)
		rq.MinSupport = 0
		var out graph.Page[graph.Relationship]
		for {
			page, err := r.v.Relationships(rq)
			if err != nil {
				return nil, userError("relationships", err)
			}
			for i, rel := range page.Items {
				if len(out.Items) == first {
					out.HasNext = true
					break
				}
				nr, ok, err := r.relationshipValidAt(rel, day)
				if err != nil {
					return nil, userError("relationships", err)
				}
				if ok && nr.Support >= min {
					out.Items, out.Cursors = append(out.Items, nr), append(out.Cursors, page.Cursors[i])
				}
			}
			if out.HasNext || !page.HasNext || len(page.Cursors) == 0 {
				break
			}
			rq.After = page.Cursors[len(page.Cursors)-1]
		}
		return r.relationships(ctx, out, day, "edges.node.")
	}
	page, err := r.v.Relationships(rq)
	if err != nil {
		return nil, userError("relationships", err)
	}
	return r.relationships(ctx, page, "", "edges.node.")
}

func (q *root) Assertion(ctx context.Context, args struct{ ID graphql.ID }) (*assertionResolver, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("assertion", err)
	}
	id, err := localID(args.ID, kindAssertion)
	if err != nil {
		return nil, err
	}
	a, err := r.v.Assertion(id)
	if err != nil {
		return nil, nilIfNotFound(err, "assertion")
	}
	return &assertionResolver{r: r, a: a}, nil
}

func (q *root) Document(ctx context.Context, args struct{ ID graphql.ID }) (*documentResolver, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("document", err)
	}
	id, err := localID(args.ID, kindDocument)
	if err != nil {
		return nil, err
	}
	d, err := r.v.Document(id)
	if err != nil {
		return nil, nilIfNotFound(err, "document")
	}
	return &documentResolver{r: r, d: d}, nil
}

func (q *root) Documents(ctx context.Context, args pageArgs) (*connection[*documentResolver], error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("documents", err)
	}
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	page, err := r.v.Documents(first, args.after())
	if err != nil {
		return nil, userError("documents", err)
	}
	return newConnection(page, func(d graph.Document) *documentResolver { return &documentResolver{r: r, d: d} }), nil
}

type neighborResolver struct {
	r    *reader
	n    graph.Neighbor
	via  *edgeResolver
	from *actorResolver
}

func (n *neighborResolver) Actor() *actorResolver { return n.r.identity(n.n.Actor) }
func (n *neighborResolver) Depth() int32          { return int32(n.n.Depth) }
func (n *neighborResolver) From() *actorResolver  { return n.from }

// Via is the edge that reached the actor, made with the neighbour (see
// edgeResolvers).
func (n *neighborResolver) Via() *edgeResolver { return n.via }
func (n *neighborResolver) FromCapped() bool   { return n.n.FromCapped }

func (q *root) Neighbors(ctx context.Context, args struct {
	Actor       string
	Depth       int32
	Predicates  *[]string
	MaxPerActor int32
}) ([]*neighborResolver, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("neighbors", err)
	}
	if args.Depth < 1 || args.Depth > graph.MaxDepth {
		return nil, invalid("depth must be between 1 and %d, got %d", graph.MaxDepth, args.Depth)
	}
	if args.MaxPerActor < 1 || args.MaxPerActor > maxPage {
		return nil, invalid("maxPerActor must be between 1 and %d, got %d", maxPage, args.MaxPerActor)
	}
	a, err := r.actorRef(args.Actor)
	if err != nil {
		return nil, userError(fmt.Sprintf("actor %q", args.Actor), err)
	}
	ns, err := r.v.Neighbors(ctx, a.ID, graph.NeighborQuery{Depth: int(args.Depth), Preds: deref(args.Predicates), MaxPerActor: int(args.MaxPerActor)})
	if err != nil {
		return nil, userError("neighbors", err)
	}
	// What the query asks of each neighbour is read here, so that its
	// fields cannot fail (see edgeResolvers).
	exact, other := graphql.HasSelectedField(ctx, "via.support"), graphql.HasSelectedField(ctx, "via.other")
	from := graphql.HasSelectedField(ctx, "from")
	out := make([]*neighborResolver, len(ns))
	for i, n := range ns {
		x := &neighborResolver{r: r, n: n}
		if x.via, err = r.edgeResolver(n.Via, "", exact, other); err != nil {
			return nil, err
		}
		if x.from, err = r.actorIf(from, n.From); err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

type pathResolver struct {
	r     *reader
	start string
	steps []graph.Step
}

func (p *pathResolver) Length() int32 { return int32(len(p.steps)) }
func (p *pathResolver) Actors() ([]*actorResolver, error) {
	ids := []string{p.start}
	for _, s := range p.steps {
		ids = append(ids, s.To)
	}
	out := make([]*actorResolver, len(ids))
	for i, id := range ids {
		a, err := p.r.actorByID(id)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// Steps are made with the ends the query asks for (see edgeResolvers).
func (p *pathResolver) Steps(ctx context.Context) ([]*stepResolver, error) {
	from, to := graphql.HasSelectedField(ctx, "from"), graphql.HasSelectedField(ctx, "to")
	out := make([]*stepResolver, len(p.steps))
	for i, s := range p.steps {
		x := &stepResolver{r: p.r, s: s}
		var err error
		if x.from, err = p.r.actorIf(from, s.From); err != nil {
			return nil, err
		}
		if x.to, err = p.r.actorIf(to, s.To); err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

type stepResolver struct {
	r        *reader
	s        graph.Step
	from, to *actorResolver
}

func (s *stepResolver) From() *actorResolver { return s.from }
func (s *stepResolver) To() *actorResolver   { return s.to }
func (s *stepResolver) Predicate() string    { return s.s.Edge.Predicate }
func (s *stepResolver) Direction() string    { return dirName(s.s.Edge.Dir) }
func (s *stepResolver) Relationship() (*relationshipResolver, error) {
	return s.r.relationship(s.s.Edge.Relationship, "", true)
}

func (q *root) Path(ctx context.Context, args struct {
	From, To    string
	MaxDepth    int32
	Predicates  *[]string
	MaxPerActor int32
}) (*pathResolver, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("path", err)
	}
	if args.MaxDepth < 1 || args.MaxDepth > 2*graph.MaxDepth {
		return nil, invalid("maxDepth must be between 1 and %d, got %d", 2*graph.MaxDepth, args.MaxDepth)
	}
	if args.MaxPerActor < 1 || args.MaxPerActor > maxPage {
		return nil, invalid("maxPerActor must be between 1 and %d, got %d", maxPage, args.MaxPerActor)
	}
	from, err := r.actorRef(args.From)
	if err != nil {
		return nil, userError(fmt.Sprintf("actor %q", args.From), err)
	}
	to, err := r.actorRef(args.To)
	if err != nil {
		return nil, userError(fmt.Sprintf("actor %q", args.To), err)
	}
	steps, err := r.v.Path(ctx, from.ID, to.ID, graph.PathQuery{MaxDepth: int(args.MaxDepth), Preds: deref(args.Predicates), MaxPerActor: int(args.MaxPerActor)})
	if errors.Is(err, graph.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, userError("path", err)
	}
	return &pathResolver{r: r, start: from.ID, steps: steps}, nil
}

type statsResolver struct{ s graph.Stats }

func (s *statsResolver) Actors() int32        { return int32(s.s.Actors) }
func (s *statsResolver) Relationships() int32 { return int32(s.s.Relationships) }
func (s *statsResolver) Assertions() int32    { return int32(s.s.Assertions) }
func (s *statsResolver) Documents() int32     { return int32(s.s.Documents) }
func (s *statsResolver) Sequence() Sequence   { return Sequence(s.s.Applied) }

func (q *root) Stats(ctx context.Context) (*statsResolver, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("stats", err)
	}
	st, err := r.v.Stats()
	if err != nil {
		return nil, userError("stats", err)
	}
	return &statsResolver{s: st}, nil
}

type ontologyResolver struct{ s *Server }

type predicateResolver struct {
	Name, Description string
	Inv               string
	Sym               bool
}

func (p *predicateResolver) Inverse() *string { return optString(p.Inv) }
func (p *predicateResolver) Symmetric() bool  { return p.Sym }

func (o *ontologyResolver) Predicates() []*predicateResolver {
	var out []*predicateResolver
	for _, p := range o.s.cfg.Ontology.Predicates {
		out = append(out, &predicateResolver{Name: p.Name, Description: p.Description, Inv: p.Inverse, Sym: p.Symmetric})
	}
	return out
}

func (o *ontologyResolver) ActorTypes() []string {
	var out []string
	for _, t := range o.s.cfg.Ontology.ActorTypes {
		out = append(out, t.Name)
	}
	return out
}

func (q *root) Ontology() *ontologyResolver { return &ontologyResolver{s: q.s} }

// connection is a Relay connection over a page of store items.
type connection[R any] struct {
	edges    []*connEdge[R]
	hasNext  bool
	endCurse *string
}

type connEdge[R any] struct {
	cursor string
	node   R
}

func (e *connEdge[R]) Cursor() string { return e.cursor }
func (e *connEdge[R]) Node() R        { return e.node }

func (c *connection[R]) Edges() []*connEdge[R] {
	if c.edges == nil {
		return []*connEdge[R]{}
	}
	return c.edges
}
func (c *connection[R]) PageInfo() *pageInfo { return &pageInfo{next: c.hasNext, end: c.endCurse} }

type pageInfo struct {
	next bool
	end  *string
}

func (p *pageInfo) HasNextPage() bool  { return p.next }
func (p *pageInfo) EndCursor() *string { return p.end }

func newConnection[T, R any](page graph.Page[T], wrap func(T) R) *connection[R] {
	c := &connection[R]{hasNext: page.HasNext}
	for i, it := range page.Items {
		c.edges = append(c.edges, &connEdge[R]{cursor: page.Cursors[i], node: wrap(it)})
	}
	if n := len(page.Cursors); n > 0 {
		c.endCurse = &page.Cursors[n-1]
	}
	return c
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
