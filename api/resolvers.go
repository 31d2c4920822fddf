package api

import (
	"context"
	"errors"
	"strings"
	"sync"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/projections"
	"github.com/dossier-kg/dossier/seal"
)

// reader resolves fields against one consistent view of the graph: every
// field of a query sees the same point in history.
type reader struct {
	v *graph.View
	// texts reads texts kept outside the graph; nil when there is none.
	texts TextReader
	// keys opens sealed words; nil when the server has no key store.
	keys Opener

	mu     sync.Mutex
	erased map[string]bool // documents erased in v, read once (docErased)
}

// Global ids are "<kind>:<id>"; store ids never contain ':' except
// relationship keys, which are built from three of them.
const (
	kindActor        = "actor"
	kindAssertion    = "assertion"
	kindDocument     = "document"
	kindRelationship = "relationship"
)

func gid(kind, id string) graphql.ID { return graphql.ID(kind + ":" + id) }

// splitID returns the kind and local id of a global id. A bare id has no
// kind.
func splitID(id string) (kind, local string) {
	k, l, ok := strings.Cut(id, ":")
	if !ok {
		return "", id
	}
	return k, l
}

func localID(id graphql.ID, kind string) (string, error) {
	k, l := splitID(string(id))
	if k != "" && k != kind {
		return "", invalid("id %q is not a %s id", string(id), kind)
	}
	return l, nil
}

func relGID(k graph.RelKey) graphql.ID {
	return gid(kindRelationship, k.Subject+":"+k.Predicate+":"+k.Object)
}

// actorRef resolves an argument that names an actor: a global or bare id,
// or any name or alias. The actor is its identity (see reader.identity).
func (r *reader) actorRef(ref string) (graph.Actor, error) {
	if k, l := splitID(ref); k == kindActor {
		return r.v.ActorIdentity(l)
	}
	if a, err := r.v.ActorIdentity(ref); err == nil {
		return a, nil
	} else if !errors.Is(err, graph.ErrNotFound) {
		return a, err
	}
	return projections.ResolveName(projections.Identities(r.v), ref)
}

// actor resolves an actor read whole; identity, one read by
// View.ActorIdentity, whose activity (mentions, last seen) is read only
// if a query asks for it: most ask an edge's other end for its name.
func (r *reader) actor(a graph.Actor) *actorResolver    { return &actorResolver{r: r, a: a, whole: true} }
func (r *reader) identity(a graph.Actor) *actorResolver { return &actorResolver{r: r, a: a} }

func (r *reader) actorByID(id string) (*actorResolver, error) {
	a, err := r.v.ActorIdentity(id)
	if err != nil {
		return nil, userError("actor "+id, err)
	}
	return r.identity(a), nil
}

// actorIf reads an actor a query selects, made up front for a list's
// items (see edgeResolvers); nil when not wanted.
func (r *reader) actorIf(want bool, id string) (*actorResolver, error) {
	if !want {
		return nil, nil
	}
	return r.actorByID(id)
}

type actorResolver struct {
	r     *reader
	a     graph.Actor
	whole bool // a has its activity; both are set once, when made
	// full is a with its activity, read once: graphql-go resolves an
	// object's fields on several goroutines.
	once    sync.Once
	full    graph.Actor
	fullErr error
}

// activity returns the actor with its activity, read once.
func (a *actorResolver) activity() (graph.Actor, error) {
	if a.whole {
		return a.a, nil
	}
	a.once.Do(func() {
		a.full, a.fullErr = a.r.v.ActorActivity(a.a)
		if a.fullErr != nil {
			a.fullErr = userError("actor "+a.a.ID, a.fullErr)
		}
	})
	return a.full, a.fullErr
}

func (a *actorResolver) ID() graphql.ID    { return gid(kindActor, a.a.ID) }
func (a *actorResolver) Name() string      { return a.a.Name }
func (a *actorResolver) Type() *string     { return optString(a.a.Type) }
func (a *actorResolver) Aliases() []string { return nonNil(a.a.Aliases) }
func (a *actorResolver) Mentions() (int32, error) {
	full, err := a.activity()
	return int32(full.Mentions), err
}
func (a *actorResolver) FirstSeen() graphql.Time { return graphql.Time{Time: a.a.First} }
func (a *actorResolver) LastSeen() (graphql.Time, error) {
	full, err := a.activity()
	return graphql.Time{Time: full.Last}, err
}
func (a *actorResolver) FirstSequence() Sequence { return Sequence(a.a.FirstSeq) }
func (a *actorResolver) LastSequence() (Sequence, error) {
	full, err := a.activity()
	return Sequence(full.LastSeq), err
}
func (a *actorResolver) ToActor() (*actorResolver, bool) { return a, true }

// edgeFilter is what Actor.relationships and Actor.edges select by.
type edgeFilter struct {
	Direction  string
	Predicates *[]string
	ValidAt    *string
	MinSupport int32
}

// query turns the filter into the store's ranking query; day is the
// validAt day, "" for none.
func (a *actorResolver) query(f edgeFilter) (q graph.EdgeQuery, day string, err error) {
	q = graph.EdgeQuery{
		Dir:        map[string]graph.Direction{"OUT": graph.Out, "IN": graph.In, "BOTH": graph.Both}[f.Direction],
		Preds:      deref(f.Predicates),
		MinSupport: int(f.MinSupport),
	}
	if f.ValidAt == nil {
		return q, "", nil
	}
	if day, err = parseDay(*f.ValidAt); err != nil {
		return q, "", err
	}
	q.Keep = func(e graph.Edge) (graph.Edge, bool, error) {
		rel, ok, err := a.r.relationshipValidAt(e.Relationship, day)
		e.Relationship = rel
		return e, ok, err
	}
	return q, day, nil
}

func (a *actorResolver) Relationships(ctx context.Context, args struct {
	edgeFilter
	First *int32
}) ([]*edgeResolver, error) {
	if args.First != nil && *args.First < 0 {
		return nil, invalid("first must not be negative")
	}
	q, day, err := a.query(args.edgeFilter)
	if err != nil {
		return nil, err
	}
	var edges []graph.Edge
	if args.First != nil {
		// The most supported first: the top of the actor's ranking,
		// whatever its degree.
		q.First = min(int(*args.First), maxPage)
		if q.First == 0 {
			return []*edgeResolver{}, nil
		}
		page, err := a.r.v.RankedEdges(ctx, a.a.ID, q)
		if err != nil {
			return nil, userError("relationships of "+a.a.Name, err)
		}
		edges = page.Items
	} else if edges, err = a.allEdges(q); err != nil {
		return nil, userError("relationships of "+a.a.Name, err)
	}
	return a.r.edgeResolvers(ctx, edges, day, "")
}

// allEdges is every edge the query selects, in key order.
func (a *actorResolver) allEdges(q graph.EdgeQuery) ([]graph.Edge, error) {
	edges, err := a.r.v.Edges(a.a.ID, q.Dir, q.Preds)
	if err != nil {
		return nil, err
	}
	out := edges[:0]
	for _, e := range edges {
		ok := true
		if q.Keep != nil {
			if e, ok, err = q.Keep(e); err != nil {
				return nil, err
			}
		}
		if ok && e.Support >= q.MinSupport {
			out = append(out, e)
		}
	}
	return out, nil
}

func (a *actorResolver) Edges(ctx context.Context, args struct {
	edgeFilter
	pageArgs
}) (*connection[*edgeResolver], error) {
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	q, day, err := a.query(args.edgeFilter)
	if err != nil {
		return nil, err
	}
	q.First, q.After = first, args.after()
	page, err := a.r.v.RankedEdges(ctx, a.a.ID, q)
	if err != nil {
		return nil, userError("edges of "+a.a.Name, err)
	}
	rs, err := a.r.edgeResolvers(ctx, page.Items, day, "edges.node.")
	if err != nil {
		return nil, err
	}
	return newConnection(graph.Page[*edgeResolver]{Items: rs, Cursors: page.Cursors, HasNext: page.HasNext},
		func(e *edgeResolver) *edgeResolver { return e }), nil
}

// edgeResolvers makes the resolvers of edges with what the query asks of
// them read here (sel is the path to an edge's fields under the
// current field): the exact support of an edge the ranking gave only a
// floor for, and the actor at the other end. graphql-go resolves every
// item of a list on a goroutine of its own as soon as one of its
// fields may fail, which cost a page of 50 edges more than reading the
// other ends did, so an edge's fields do not return errors
// (TestEdgeFieldsCannotFail).
func (r *reader) edgeResolvers(ctx context.Context, edges []graph.Edge, day, sel string) ([]*edgeResolver, error) {
	exact := graphql.HasSelectedField(ctx, sel+"support")
	other := graphql.HasSelectedField(ctx, sel+"other")
	out := make([]*edgeResolver, len(edges))
	for i, e := range edges {
		x, err := r.edgeResolver(e, day, exact, other)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (r *reader) edgeResolver(e graph.Edge, day string, exact, other bool) (*edgeResolver, error) {
	var err error
	if e.SupportFloor && exact {
		if e, err = r.v.Complete(e); err != nil {
			return nil, userError("relationship", err)
		}
	}
	x := &edgeResolver{r: r, e: e, day: day}
	x.other, err = r.actorIf(other, e.Other)
	return x, err
}

type edgeResolver struct {
	r   *reader
	e   graph.Edge
	day string // see relationshipResolver.day
	// other is the other end, read when the query asks for it.
	other *actorResolver
}

func (e *edgeResolver) Predicate() string { return e.e.Predicate }
func (e *edgeResolver) Direction() string { return dirName(e.e.Dir) }

// Support is exact: an edge with a floor was completed when made, if
// the query asks for its support.
func (e *edgeResolver) Support() int32 { return int32(e.e.Support) }

// Other is the actor at the other end, read when the edge was made.
func (e *edgeResolver) Other() *actorResolver { return e.other }
func (e *edgeResolver) Relationship() (*relationshipResolver, error) {
	full, err := e.r.v.Complete(e.e)
	if err != nil {
		return nil, userError("relationship", err)
	}
	return e.r.relationship(full.Relationship, e.day, true)
}

func dirName(d graph.Direction) string {
	if d == graph.In {
		return "IN"
	}
	return "OUT"
}

type relationshipResolver struct {
	r   *reader
	rel graph.Relationship
	// day, when set, narrows the relationship to the assertions valid on
	// it (validAt): rel's counts already are; sources follow.
	day string
	// subject and object are the ends, read when made (see
	// edgeResolvers: a field that may fail puts every item of a list on
	// a goroutine of its own).
	subject, object *actorResolver
}

// relationship makes a relationship's resolver, with its ends read if
// ends says so (one relationship: always; a list's: when selected).
func (r *reader) relationship(rel graph.Relationship, day string, ends bool) (*relationshipResolver, error) {
	x := &relationshipResolver{r: r, rel: rel, day: day}
	var err error
	if x.subject, err = r.actorIf(ends, rel.Subject); err != nil {
		return nil, err
	}
	x.object, err = r.actorIf(ends, rel.Object)
	return x, err
}

// selectsEnds says whether the query asks for a relationship's ends
// (sel is the path to its fields under the current field).
func selectsEnds(ctx context.Context, sel string) bool {
	return graphql.HasSelectedField(ctx, sel+"subject") || graphql.HasSelectedField(ctx, sel+"object")
}

// relationships makes the resolvers of a page of relationships, their
// ends read when the query asks for them.
func (r *reader) relationships(ctx context.Context, page graph.Page[graph.Relationship], day, sel string) (*connection[*relationshipResolver], error) {
	ends := selectsEnds(ctx, sel)
	out := graph.Page[*relationshipResolver]{Cursors: page.Cursors, HasNext: page.HasNext}
	for _, rel := range page.Items {
		x, err := r.relationship(rel, day, ends)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, x)
	}
	return newConnection(out, func(x *relationshipResolver) *relationshipResolver { return x }), nil
}

func (x *relationshipResolver) ID() graphql.ID          { return relGID(x.rel.Key()) }
func (x *relationshipResolver) Predicate() string       { return x.rel.Predicate }
func (x *relationshipResolver) Support() int32          { return int32(x.rel.Support) }
func (x *relationshipResolver) Affirmed() int32         { return int32(x.rel.Affirmed) }
func (x *relationshipResolver) Negated() int32          { return int32(x.rel.Negated) }
func (x *relationshipResolver) Actual() int32           { return int32(x.rel.Actual()) }
func (x *relationshipResolver) Possible() int32         { return int32(x.rel.Possible) }
func (x *relationshipResolver) Intended() int32         { return int32(x.rel.Intended) }
func (x *relationshipResolver) FirstSeen() graphql.Time { return graphql.Time{Time: x.rel.First} }
func (x *relationshipResolver) LastSeen() graphql.Time  { return graphql.Time{Time: x.rel.Last} }
func (x *relationshipResolver) FirstSequence() Sequence { return Sequence(x.rel.FirstSeq) }
func (x *relationshipResolver) LastSequence() Sequence  { return Sequence(x.rel.LastSeq) }
func (x *relationshipResolver) ToRelationship() (*relationshipResolver, bool) {
	return x, true
}
func (x *relationshipResolver) Subject() *actorResolver { return x.subject }
func (x *relationshipResolver) Object() *actorResolver  { return x.object }

func (x *relationshipResolver) Sources() ([]*documentResolver, error) {
	ids, err := x.r.v.RelationshipDocuments(x.rel.Key())
	if x.day != "" && err == nil {
		ids, err = x.r.validSources(x.rel.Key(), x.day)
	}
	if err != nil {
		return nil, userError("sources", err)
	}
	out := make([]*documentResolver, 0, len(ids))
	for _, id := range ids {
		d, err := x.r.v.Document(id)
		if err != nil {
			return nil, userError("document "+id, err)
		}
		out = append(out, &documentResolver{r: x.r, d: d})
	}
	return out, nil
}

func (x *relationshipResolver) Assertions() ([]*assertionResolver, error) {
	as, err := x.r.v.RelationshipAssertions(x.rel.Key())
	if err != nil {
		return nil, userError("assertions", err)
	}
	return x.r.assertions(as), nil
}

// Evidence is a page of the relationship's assertions, oldest first.
func (x *relationshipResolver) Evidence(args pageArgs) (*connection[*assertionResolver], error) {
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	page, err := x.r.v.RelationshipEvidence(x.rel.Key(), first, args.after())
	if err != nil {
		return nil, userError("evidence", err)
	}
	return newConnection(page, func(a graph.Assertion) *assertionResolver { return &assertionResolver{r: x.r, a: a} }), nil
}

func (r *reader) assertions(as []graph.Assertion) []*assertionResolver {
	out := make([]*assertionResolver, len(as))
	for i, a := range as {
		out[i] = &assertionResolver{r: r, a: a}
	}
	return out
}

type assertionResolver struct {
	r *reader
	a graph.Assertion
}

func (x *assertionResolver) ID() graphql.ID         { return gid(kindAssertion, x.a.ID) }
func (x *assertionResolver) Sequence() Sequence     { return Sequence(x.a.Seq) }
func (x *assertionResolver) Recorded() graphql.Time { return graphql.Time{Time: x.a.Recorded} }
func (x *assertionResolver) Principal() *string     { return optString(x.a.Principal) }
func (x *assertionResolver) Predicate() string      { return x.a.Predicate }
func (x *assertionResolver) SubjectText() string    { return x.a.SubjectText }
func (x *assertionResolver) ObjectText() string     { return x.a.ObjectText }
func (x *assertionResolver) Polarity() string       { return strings.ToUpper(x.a.Polarity) }
func (x *assertionResolver) Modality() string       { return strings.ToUpper(x.a.Modality) }
func (x *assertionResolver) Confidence() float64    { return x.a.Confidence }
func (x *assertionResolver) ToAssertion() (*assertionResolver, bool) {
	return x, true
}
func (x *assertionResolver) Subject() (*actorResolver, error) { return x.r.actorByID(x.a.Subject) }
func (x *assertionResolver) Object() (*actorResolver, error)  { return x.r.actorByID(x.a.Object) }
func (x *assertionResolver) AttributedTo() (*actorResolver, error) {
	if x.a.AttributedTo == "" {
		return nil, nil
	}
	return x.r.actorByID(x.a.AttributedTo)
}
func (x *assertionResolver) Producer() *producerResolver {
	return &producerResolver{name: x.a.Producer, version: x.a.ProducerVer}
}
func (x *assertionResolver) ValidFrom() *string          { return optString(x.a.ValidFrom) }
func (x *assertionResolver) ValidTo() *string            { return optString(x.a.ValidTo) }
func (x *assertionResolver) Evidence() *evidenceResolver { return &evidenceResolver{r: x.r, a: x.a} }
func (x *assertionResolver) Relationship() (*relationshipResolver, error) {
	rel, err := x.r.v.Relationship(x.a.Rel())
	if err != nil {
		return nil, userError("relationship", err)
	}
	return x.r.relationship(rel, "", true)
}

type producerResolver struct{ name, version string }

func (p *producerResolver) Name() string     { return p.name }
func (p *producerResolver) Version() *string { return optString(p.version) }

type evidenceResolver struct {
	r *reader
	a graph.Assertion
}

func (e *evidenceResolver) Start() *int32 { return optInt(e.a.Start) }
func (e *evidenceResolver) End() *int32   { return optInt(e.a.End) }
func (e *evidenceResolver) Document() (*documentResolver, error) {
	d, err := e.r.v.Document(e.a.Document)
	if err != nil {
		return nil, userError("document "+e.a.Document, err)
	}
	return &documentResolver{r: e.r, d: d}, nil
}

type documentResolver struct {
	r *reader
	d graph.Document
}

func (x *documentResolver) ID() graphql.ID         { return gid(kindDocument, x.d.ID) }
func (x *documentResolver) Source() *string        { return optString(x.d.Source) }
func (x *documentResolver) URL() *string           { return optString(x.d.URL) }
func (x *documentResolver) Sequence() Sequence     { return Sequence(x.d.Seq) }
func (x *documentResolver) Recorded() graphql.Time { return graphql.Time{Time: x.d.Recorded} }
func (x *documentResolver) ToDocument() (*documentResolver, bool) {
	return x, true
}
func (x *documentResolver) Published() *graphql.Time {
	if x.d.Published == nil {
		return nil
	}
	return &graphql.Time{Time: *x.d.Published}
}
func (x *documentResolver) Size() *int32 {
	if x.d.Size == 0 {
		return nil
	}
	n := int32(x.d.Size)
	return &n
}

// Text reads the text from the document store when it is kept there, and
// from the graph otherwise, opening it with the document's key. A text
// erased, or that the store no longer holds, is null.
func (x *documentResolver) Text(ctx context.Context) (*string, error) {
	if !x.d.HasText || x.d.Erased != nil {
		return nil, nil
	}
	if x.d.TextStored {
		if x.r.texts == nil {
			return nil, nil
		}
		t, err := x.r.texts.Text(ctx, x.d.ID)
		if errors.Is(err, ingest.ErrTextNotFound) || errors.Is(err, seal.ErrErased) {
			return nil, nil
		}
		if errors.Is(err, seal.ErrNoKey) || errors.As(err, new(*seal.OpenError)) || errors.As(err, new(*seal.FormatError)) {
			return nil, sealError("document text", err)
		}
		if err != nil {
			return nil, &Error{Code: CodeUnavailable, Message: "document text: the document store did not answer", Err: err}
		}
		return &t, nil
	}
	t, err := x.r.v.DocumentText(x.d.ID)
	if errors.Is(err, graph.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, userError("document text", err)
	}
	t, erased, err := x.r.open(ctx, x.d.ID, t)
	if err != nil || erased {
		return nil, err
	}
	return &t, nil
}
func (x *documentResolver) Actors() ([]*actorResolver, error) {
	as, err := x.r.v.DocumentActors(x.d.ID)
	if err != nil {
		return nil, userError("actors of document", err)
	}
	out := make([]*actorResolver, len(as))
	for i, a := range as {
		out[i] = x.r.actor(a)
	}
	return out, nil
}

func (x *documentResolver) NamedActors() ([]*namedActorResolver, error) {
	named, err := x.r.v.NamedActors(x.d.ID)
	if err != nil {
		return nil, userError("actors of document", err)
	}
	out := make([]*namedActorResolver, len(named))
	for i, n := range named {
		out[i] = &namedActorResolver{actor: x.r.actor(n.Actor), typ: n.Type}
	}
	return out, nil
}

// namedActorResolver is an actor with the type one document gives it.
type namedActorResolver struct {
	actor *actorResolver
	typ   string
}

func (n *namedActorResolver) Actor() *actorResolver { return n.actor }

func (n *namedActorResolver) Type() *string {
	if n.typ == "" {
		return nil
	}
	return &n.typ
}

func (x *documentResolver) Assertions() ([]*assertionResolver, error) {
	as, err := x.r.v.DocumentAssertions(x.d.ID)
	if err != nil {
		return nil, userError("assertions of document", err)
	}
	return x.r.assertions(as), nil
}

// nodeResolver is the Node interface: exactly one of its To methods
// answers true.
type nodeResolver struct {
	actor *actorResolver
	asr   *assertionResolver
	doc   *documentResolver
	rel   *relationshipResolver
}

func (n *nodeResolver) ID() graphql.ID {
	switch {
	case n.actor != nil:
		return n.actor.ID()
	case n.asr != nil:
		return n.asr.ID()
	case n.doc != nil:
		return n.doc.ID()
	}
	return n.rel.ID()
}
func (n *nodeResolver) ToActor() (*actorResolver, bool)         { return n.actor, n.actor != nil }
func (n *nodeResolver) ToAssertion() (*assertionResolver, bool) { return n.asr, n.asr != nil }
func (n *nodeResolver) ToDocument() (*documentResolver, bool)   { return n.doc, n.doc != nil }
func (n *nodeResolver) ToRelationship() (*relationshipResolver, bool) {
	return n.rel, n.rel != nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optInt(p *int) *int32 {
	if p == nil {
		return nil
	}
	n := int32(*p)
	return &n
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}
