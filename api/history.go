package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/graph"
)

// AsOf is the graph as it was after a sequence, or at a time (the last
// sequence the stream stored at or before it). Every field of the
// snapshot reads that one point.
func (q *root) AsOf(ctx context.Context, args struct {
	Sequence *Sequence
	Time     *graphql.Time
}) (*root, error) {
	st, ok := ctx.Value(requestKey{}).(*requestState)
	if !ok {
		return nil, userError("asOf", errors.New("no request state"))
	}
	var seq uint64
	switch {
	case args.Sequence != nil && args.Time != nil:
		return nil, invalid("asOf takes a sequence or a time, not both")
	case args.Sequence != nil:
		seq = uint64(*args.Sequence)
		if seq == 0 {
			return nil, invalid("sequences start at 1")
		}
	case args.Time != nil:
		r, err := q.reader(ctx)
		if err != nil {
			return nil, userError("asOf", err)
		}
		s, found, err := r.v.SequenceAt(args.Time.Time)
		if err != nil {
			return nil, userError("asOf", err)
		}
		if !found {
			return nil, &Error{Code: CodeNotFound, Message: fmt.Sprintf("the log holds nothing at or before %s", args.Time.Time.Format(time.RFC3339))}
		}
		seq = s
	default:
		return nil, invalid("asOf needs a sequence or a time")
	}
	r, err := st.readerAt(q.s, seq)
	if err != nil {
		return nil, userError("asOf", err)
	}
	return &root{s: q.s, fixed: r}, nil
}

// Sequence is the point a snapshot reads.
func (q *root) Sequence(ctx context.Context) (Sequence, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return 0, userError("sequence", err)
	}
	return Sequence(r.v.At()), nil
}

type eventResolver struct{ e graph.EventRecord }

func (e *eventResolver) Sequence() Sequence { return Sequence(e.e.Seq) }
func (e *eventResolver) Time() graphql.Time { return graphql.Time{Time: e.e.Time} }
func (e *eventResolver) Type() string       { return e.e.Type }
func (e *eventResolver) EventID() string    { return e.e.ID }
func (e *eventResolver) Principal() *string { return optString(e.e.Principal) }
func (e *eventResolver) Reason() *string    { return optString(e.e.Reason) }
func (e *eventResolver) Summary() string    { return e.e.Summary }
func (e *eventResolver) Outcome() string    { return string(e.e.Outcome) }
func (e *eventResolver) Entities() []string { return nonNil(e.e.Entities) }

// History lists the events that touched one actor, assertion, document
// or relationship, oldest first, with who caused each and why.
func (q *root) History(ctx context.Context, args struct {
	Actor        *string
	Assertion    *graphql.ID
	Document     *graphql.ID
	Relationship *graphql.ID
	pageArgs
}) (*connection[*eventResolver], error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("history", err)
	}
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	var entity string
	n := 0
	if args.Actor != nil {
		n++
		a, err := r.actorRef(*args.Actor)
		if err != nil {
			return nil, userError(fmt.Sprintf("actor %q", *args.Actor), err)
		}
		entity = graph.ActorEntity(a.ID)
	}
	if args.Assertion != nil {
		n++
		id, err := localID(*args.Assertion, kindAssertion)
		if err != nil {
			return nil, err
		}
		entity = graph.AssertionEntity(id)
	}
	if args.Document != nil {
		n++
		id, err := localID(*args.Document, kindDocument)
		if err != nil {
			return nil, err
		}
		entity = graph.DocumentEntity(id)
	}
	if args.Relationship != nil {
		n++
		id, err := localID(*args.Relationship, kindRelationship)
		if err != nil {
			return nil, err
		}
		k, err := parseRelKey(id)
		if err != nil {
			return nil, err
		}
		entity = graph.RelationshipEntity(k)
	}
	if n != 1 {
		return nil, invalid("history needs exactly one of actor, assertion, document, relationship")
	}
	page, err := r.v.History(entity, first, args.after())
	if err != nil {
		return nil, userError("history", err)
	}
	return newConnection(page, func(e graph.EventRecord) *eventResolver { return &eventResolver{e} }), nil
}

// Events lists the log, oldest first: every event the graph has folded.
func (q *root) Events(ctx context.Context, args pageArgs) (*connection[*eventResolver], error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("events", err)
	}
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	page, err := r.v.Events(first, args.after())
	if err != nil {
		return nil, userError("events", err)
	}
	return newConnection(page, func(e graph.EventRecord) *eventResolver { return &eventResolver{e} }), nil
}

// Contested lists relationships with both affirmed and denied support;
// each one's assertions give both sides' evidence and who said each.
func (q *root) Contested(ctx context.Context, args pageArgs) (*connection[*relationshipResolver], error) {
	r, err := q.reader(ctx)
	if err != nil {
		return nil, userError("contested", err)
	}
	first, err := args.first()
	if err != nil {
		return nil, err
	}
	page, err := r.v.Contested(first, args.after())
	if err != nil {
		return nil, userError("contested", err)
	}
	return r.relationships(ctx, page, "", "edges.node.")
}

type changesResolver struct {
	added, removed []*relationshipResolver
	changed        []*changeResolver
	from, to       uint64
	// ends says the query asks for some relationship's ends: a change
	// list can hold every relationship of the graph.
	ends bool
}

// add sorts a relationship into added, removed or changed by what the
// two views hold of it.
func (c *changesResolver) add(before, after *reader, b, a graph.Relationship, wasThere, isThere bool) error {
	switch {
	case isThere && !wasThere:
		x, err := after.relationship(a, "", c.ends)
		c.added = append(c.added, x)
		return err
	case wasThere && !isThere:
		x, err := before.relationship(b, "", c.ends)
		c.removed = append(c.removed, x)
		return err
	case isThere && wasThere && a.CountsDiffer(b):
		xb, err := before.relationship(b, "", c.ends)
		if err != nil {
			return err
		}
		xa, err := after.relationship(a, "", c.ends)
		c.changed = append(c.changed, &changeResolver{before: xb, after: xa})
		return err
	}
	return nil
}

func (c *changesResolver) From() Sequence                   { return Sequence(c.from) }
func (c *changesResolver) To() Sequence                     { return Sequence(c.to) }
func (c *changesResolver) Added() []*relationshipResolver   { return nonNilSlice(c.added) }
func (c *changesResolver) Removed() []*relationshipResolver { return nonNilSlice(c.removed) }
func (c *changesResolver) Changed() []*changeResolver       { return nonNilSlice(c.changed) }
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type changeResolver struct{ before, after *relationshipResolver }

func (c *changeResolver) Before() *relationshipResolver { return c.before }
func (c *changeResolver) After() *relationshipResolver  { return c.after }

// MaxChanges bounds one changes() answer.
const MaxChanges = 10000

// Changes compares the graph after two sequences: relationships added,
// removed, and changed (support, affirmed or denied counts) in between.
func (q *root) Changes(ctx context.Context, args struct {
	From Sequence
	To   *Sequence
}) (*changesResolver, error) {
	st, ok := ctx.Value(requestKey{}).(*requestState)
	if !ok {
		return nil, userError("changes", errors.New("no request state"))
	}
	cur, err := q.reader(ctx)
	if err != nil {
		return nil, userError("changes", err)
	}
	to := cur.v.At()
	if args.To != nil {
		to = uint64(*args.To)
	}
	from := uint64(args.From)
	if from > to {
		return nil, invalid("from %d is after to %d", from, to)
	}
	after, err := st.readerAt(q.s, to)
	if err != nil {
		return nil, userError("changes", err)
	}
	before := &reader{v: nil}
	if from > 0 {
		if before, err = st.readerAt(q.s, from); err != nil {
			return nil, userError("changes", err)
		}
	}
	keys, err := after.v.ChangedRelationships(from, MaxChanges)
	if err != nil {
		return nil, userError("changes", err)
	}
	if len(keys) > MaxChanges {
		return nil, &Error{Code: CodeTooLarge, Message: fmt.Sprintf("%d relationships changed; ask for a shorter range", len(keys))}
	}
	out := &changesResolver{from: from, to: to, ends: selectsEnds(ctx, "added.") || selectsEnds(ctx, "removed.") ||
		selectsEnds(ctx, "changed.before.") || selectsEnds(ctx, "changed.after.")}
	for _, k := range keys {
		a, errA := after.v.Relationship(k)
		var b graph.Relationship
		errB := graph.ErrNotFound
		if before.v != nil {
			b, errB = before.v.Relationship(k)
		}
		for _, e := range []error{errA, errB} {
			if e != nil && !errors.Is(e, graph.ErrNotFound) {
				return nil, userError("changes", e)
			}
		}
		if err := out.add(before, after, b, a, errB == nil, errA == nil); err != nil {
			return nil, userError("changes", err)
		}
	}
	return out, nil
}

type retractionResolver struct{ r graph.Retraction }

func (x *retractionResolver) Sequence() Sequence { return Sequence(x.r.Seq) }
func (x *retractionResolver) Time() graphql.Time { return graphql.Time{Time: x.r.Time} }
func (x *retractionResolver) Principal() *string { return optString(x.r.Principal) }
func (x *retractionResolver) Reason() string     { return x.r.Reason }

func (x *assertionResolver) Retracted() *retractionResolver {
	if x.a.Retracted == nil {
		return nil
	}
	return &retractionResolver{*x.a.Retracted}
}

func (x *documentResolver) Retracted() *retractionResolver {
	if x.d.Retracted == nil {
		return nil
	}
	return &retractionResolver{*x.d.Retracted}
}

func (a *actorResolver) MergedInto() (*actorResolver, error) {
	if a.a.MergedInto == "" {
		return nil, nil
	}
	return a.r.actorByID(a.a.MergedInto)
}

// validAt reports whether an assertion holds in the world on a date:
// inside its valid interval when the text gave one; otherwise from its
// document's publication date on (the claim was observed then), or always
// when that is unknown.
func (r *reader) validAt(a graph.Assertion, day string) bool {
	if a.ValidFrom != "" || a.ValidTo != "" {
		return (a.ValidFrom == "" || a.ValidFrom <= day) && (a.ValidTo == "" || day <= a.ValidTo)
	}
	d, err := r.v.Document(a.Document)
	if err != nil || d.Published == nil {
		return true
	}
	return d.Published.Format("2006-01-02") <= day
}

// relationshipValidAt narrows a relationship to the assertions that hold
// on a date; ok is false when none does.
func (r *reader) relationshipValidAt(rel graph.Relationship, day string) (graph.Relationship, bool, error) {
	as, err := r.v.RelationshipAssertions(rel.Key())
	if err != nil {
		return rel, false, err
	}
	out := rel
	out.ClearCounts()
	docs := map[string]bool{}
	for _, a := range as {
		if !r.validAt(a, day) {
			continue
		}
		out.Count(a.Polarity, a.Modality, 1)
		docs[a.Document] = true
	}
	out.Documents = len(docs)
	return out, out.Support > 0, nil
}

// validSources lists the documents of a relationship's assertions valid
// on a date, sorted.
func (r *reader) validSources(k graph.RelKey, day string) ([]string, error) {
	as, err := r.v.RelationshipAssertions(k)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, a := range as {
		if r.validAt(a, day) && !slices.Contains(ids, a.Document) {
			ids = append(ids, a.Document)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func parseDay(s string) (string, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return "", invalid("validAt %q is not a YYYY-MM-DD date", s)
	}
	return t.Format("2006-01-02"), nil
}
