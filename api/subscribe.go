package api

import (
	"context"
	"errors"
	"fmt"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/projections"
	"slices"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/graph"
)

// SubscriberBuffer is how many events a subscriber may fall behind before
// its subscription ends with SLOW_CONSUMER. It bounds each subscriber's
// memory whatever the traffic.
const SubscriberBuffer = 256

// CodeSlowConsumer ends a subscription whose client fell behind; the
// error's extensions.lastSequence says where to resume with after.
const CodeSlowConsumer = "SLOW_CONSUMER"

type assertionFilter struct {
	Actor         *string
	Predicates    *[]string
	MinConfidence *float64
	Document      *graphql.ID
}

type relationshipFilter struct {
	Actor      *string
	Predicates *[]string
}

// slowError ends a subscription whose client fell behind.
func slowError(last uint64) *Error {
	return &Error{
		Code:    CodeSlowConsumer,
		Message: fmt.Sprintf("subscriber fell more than %d events behind; resubscribe with after: %d", SubscriberBuffer, last),
		Details: map[string]any{"lastSequence": last},
	}
}

type assertionEvent struct {
	seq  uint64
	a    *assertionResolver
	slow *Error
}

func (e *assertionEvent) Sequence() (Sequence, error) {
	if e.slow != nil {
		return 0, e.slow
	}
	return Sequence(e.seq), nil
}

// The last item of a too-slow subscription has no assertion: every
// field answers the SLOW_CONSUMER error, whichever the client selected.
func answer[T any](slow *Error, f func() T) (T, error) {
	if slow != nil {
		var zero T
		return zero, slow
	}
	return f(), nil
}

func answerErr[T any](slow *Error, f func() (T, error)) (T, error) {
	if slow != nil {
		var zero T
		return zero, slow
	}
	return f()
}

func (e *assertionEvent) Predicate() (string, error)   { return answer(e.slow, e.a.Predicate) }
func (e *assertionEvent) Polarity() (string, error)    { return answer(e.slow, e.a.Polarity) }
func (e *assertionEvent) Modality() (string, error)    { return answer(e.slow, e.a.Modality) }
func (e *assertionEvent) Confidence() (float64, error) { return answer(e.slow, e.a.Confidence) }
func (e *assertionEvent) Evidence() (*evidenceResolver, error) {
	return answer(e.slow, func() *evidenceResolver { return e.a.Evidence() })
}
func (e *assertionEvent) Assertion() (*assertionResolver, error) {
	return answer(e.slow, func() *assertionResolver { return e.a })
}
func (e *assertionEvent) Subject() (*actorResolver, error) {
	return answerErr(e.slow, func() (*actorResolver, error) { return e.a.Subject() })
}
func (e *assertionEvent) Object() (*actorResolver, error) {
	return answerErr(e.slow, func() (*actorResolver, error) { return e.a.Object() })
}
func (e *assertionEvent) AttributedTo() (*actorResolver, error) {
	return answerErr(e.slow, func() (*actorResolver, error) { return e.a.AttributedTo() })
}

// AssertionRecorded follows recorded assertions that match a filter.
func (q *root) AssertionRecorded(ctx context.Context, args struct {
	Filter *assertionFilter
	After  *Sequence
}) (<-chan *assertionEvent, error) {
	actors, preds, err := q.filterActors(ctx, args.Filter)
	if err != nil {
		return nil, err
	}
	var minConf float64
	var doc string
	if f := args.Filter; f != nil {
		if f.MinConfidence != nil {
			minConf = *f.MinConfidence
		}
		if f.Document != nil {
			if doc, err = localID(*f.Document, kindDocument); err != nil {
				return nil, err
			}
		}
	}
	after := q.s.cfg.Store.Applied()
	if args.After != nil {
		after = uint64(*args.After)
	}
	return subscribe(ctx, q.s, "assertionRecorded", after, func(ev *liveEvent) ([]*assertionEvent, error) {
		rel, ok := ev.recorded()
		if !ok {
			return nil, nil
		}
		// The audit record names the relationship and actors: most
		// filters reject an event from it, without reading the assertion.
		if rel.Predicate != "" && (len(preds) > 0 && !slices.Contains(preds, rel.Predicate) || len(actors) > 0 && !actors[rel.Subject] && !actors[rel.Object]) {
			return nil, nil
		}
		a, err := ev.assertion()
		if err != nil {
			return nil, err
		}
		if len(preds) > 0 && !slices.Contains(preds, a.Predicate) || a.Confidence < minConf || doc != "" && a.Document != doc {
			return nil, nil
		}
		// Match the ends as they were resolved when recorded: a later
		// merge does not change what was announced then.
		if len(actors) > 0 && !actors[a.SubjectOrig] && !actors[a.ObjectOrig] && !actors[a.Subject] && !actors[a.Object] {
			return nil, nil
		}
		return []*assertionEvent{{seq: ev.rec.Seq, a: &assertionResolver{r: q.s.newReader(ev.view), a: *a}}}, nil
	}, func(last uint64) *assertionEvent { return &assertionEvent{seq: last, slow: slowError(last)} }), nil
}

// filterActors resolves a filter's actor (and all actors merged into it)
// and predicates.
func (q *root) filterActors(ctx context.Context, f interface{ parts() (*string, *[]string) }) (map[string]bool, []string, error) {
	actor, preds := f.parts()
	var ids map[string]bool
	if actor != nil {
		// Subscriptions outlive requests: read the name with a view of
		// our own, closed at once.
		v, err := q.s.cfg.Store.View(0)
		if err != nil {
			return nil, nil, userError("filter", err)
		}
		defer v.Close()
		r := &reader{v: v}
		a, err := r.actorRef(*actor)
		switch {
		case errors.Is(err, graph.ErrNotFound):
			// Waiting for the first claim about someone is what a
			// subscriber may want: the id the actor will have.
			a.ID = projections.ActorID(projections.Identities(v), events.ActorRef{Name: *actor})
		case err != nil:
			return nil, nil, userError(fmt.Sprintf("actor %q", *actor), err)
		}
		ids = map[string]bool{a.ID: true}
	}
	return ids, deref(preds), nil
}

func (f *assertionFilter) parts() (*string, *[]string) {
	if f == nil {
		return nil, nil
	}
	return f.Actor, f.Predicates
}

func (f *relationshipFilter) parts() (*string, *[]string) {
	if f == nil {
		return nil, nil
	}
	return f.Actor, f.Predicates
}

type relationshipEvent struct {
	seq    uint64
	change string
	rel    *relationshipResolver
	slow   *Error
}

func (e *relationshipEvent) Sequence() (Sequence, error) {
	if e.slow != nil {
		return 0, e.slow
	}
	return Sequence(e.seq), nil
}
func (e *relationshipEvent) Change() (string, error) {
	return answer(e.slow, func() string { return e.change })
}

func (e *relationshipEvent) Relationship() (*relationshipResolver, error) {
	return answer(e.slow, func() *relationshipResolver { return e.rel })
}

// RelationshipChanged follows relationships as events add, change and
// remove them.
func (q *root) RelationshipChanged(ctx context.Context, args struct {
	Filter *relationshipFilter
	After  *Sequence
}) (<-chan *relationshipEvent, error) {
	actors, preds, err := q.filterActors(ctx, args.Filter)
	if err != nil {
		return nil, err
	}
	after := q.s.cfg.Store.Applied()
	if args.After != nil {
		after = uint64(*args.After)
	}
	return subscribe(ctx, q.s, "relationshipChanged", after, func(ev *liveEvent) ([]*relationshipEvent, error) {
		var items []*relationshipEvent
		seen := map[graph.RelKey]bool{}
		for _, k := range ev.relationships() {
			if seen[k] || len(preds) > 0 && !slices.Contains(preds, k.Predicate) || len(actors) > 0 && !actors[k.Subject] && !actors[k.Object] {
				continue
			}
			seen[k] = true
			c := ev.change(k)
			if c.err != nil {
				return nil, c.err
			}
			if c.change != "" {
				rel, err := q.s.newReader(c.view).relationship(c.rel, "", true)
				if err != nil {
					return nil, err
				}
				items = append(items, &relationshipEvent{seq: ev.rec.Seq, change: c.change, rel: rel})
			}
		}
		return items, nil
	}, func(last uint64) *relationshipEvent { return &relationshipEvent{seq: last, slow: slowError(last)} }), nil
}
