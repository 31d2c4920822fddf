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

// feedItem is what a subscription channel carries: one event, or the
// end of a too-slow subscription.
type feedItem interface{ sequence() uint64 }

// batchViews keeps the views items are resolved against open until the
// subscriber has read past them. graphql-go resolves an item before it
// receives the next one, so once the channel has handed out item k, the
// views of items before k-1 are no longer needed.
type batchViews struct {
	views []*graph.View
	ends  []int // index of the last item that uses each view
}

func (b *batchViews) add(v *graph.View, lastItem int) {
	b.views, b.ends = append(b.views, v), append(b.ends, lastItem)
}

func (b *batchViews) indexOf(v *graph.View) int {
	for i, w := range b.views {
		if w == v {
			return i
		}
	}
	return -1
}

func (b *batchViews) release(received int) {
	// Views are released in order, and only up to the newest one, which
	// later events still read.
	for len(b.views) > 1 && b.ends[0] < received-1 {
		b.views[0].Close()
		b.views, b.ends = b.views[1:], b.ends[1:]
	}
}

func (b *batchViews) closeAll() {
	for _, v := range b.views {
		v.Close()
	}
	b.views, b.ends = nil, nil
}

// follow reads the audit trail from after on, in order, as the projector
// applies it, and hands pick each event with a view at the latest applied
// sequence (and the store for older points). Items go to out, which is
// bounded: when it is full the subscription ends with a SLOW_CONSUMER
// item carrying the last sequence queued, so nothing is lost silently.
func follow[T feedItem](ctx context.Context, s *Server, after uint64, out chan T,
	pick func(v *graph.View, rec graph.EventRecord, keep func(*graph.View)) ([]T, error), slow func(last uint64) T) {
	defer close(out)
	var views batchViews
	// Items still queued are resolved after follow returns (the channel
	// is drained before its close is seen), against these views: keep
	// them until the subscriber has read the queue or gone, then close.
	defer func() {
		go func() {
			for len(out) > 0 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
			views.closeAll()
		}()
	}()
	cursor, sent, lastQueued := after, 0, after
	sentAtView := -1 // items handed out when the newest view was opened
	// Events up to here existed when the subscription began: history.
	replayUntil := s.cfg.Store.Applied()
	for {
		if err := s.cfg.Store.WaitFor(ctx, cursor+1); err != nil {
			return
		}
		v, err := s.cfg.Store.View(0)
		if err != nil {
			s.cfg.Logger.Error("subscription view", "err", err)
			return
		}
		// A view serves every item handed out while it is the newest. A
		// wake-up whose events matched nothing leaves a view no item uses:
		// close it now, or an idle subscriber would hold one per event.
		if n := len(views.views); n > 0 && views.ends[n-1] == sentAtView {
			views.views[n-1].Close()
			views.views, views.ends = views.views[:n-1], views.ends[:n-1]
		}
		sentAtView = sent
		views.add(v, sent)
		for cursor < v.At() {
			recs, err := v.EventsAfter(cursor, 500)
			if err != nil {
				s.cfg.Logger.Error("subscription: read the audit trail", "after", cursor, "err", err)
				return // the client resumes with after; skipping would be a gap
			}
			if len(recs) == 0 {
				cursor = v.At()
				break
			}
			for _, rec := range recs {
				cursor = rec.Seq
				first := len(views.views)
				items, err := pick(v, rec, func(extra *graph.View) { views.add(extra, sent) })
				if err != nil {
					s.cfg.Logger.Error("subscription", "seq", rec.Seq, "err", err)
					continue
				}
				for _, it := range items {
					// Replaying history, a full buffer holds the feed back:
					// the feed reads the store, so waiting costs no memory,
					// and a catching-up client is not slow. Live, a full
					// buffer means the client cannot keep up.
					if rec.Seq <= replayUntil {
						select {
						case out <- it:
							sent++
							lastQueued = rec.Seq
						case <-ctx.Done():
							return
						}
						continue
					}
					select {
					case out <- it:
						sent++
						lastQueued = rec.Seq
					case <-ctx.Done():
						return
					default:
						select {
						case out <- slow(lastQueued):
						case <-ctx.Done():
						}
						return
					}
				}
				for i := first; i < len(views.views); i++ {
					views.ends[i] = sent
				}
				if i := views.indexOf(v); i >= 0 {
					views.ends[i] = sent
				}
				views.release(sent - len(out))
			}
		}
		views.release(sent - len(out))
	}
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

func (e *assertionEvent) sequence() uint64 { return e.seq }

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
	out := make(chan *assertionEvent, SubscriberBuffer)
	go follow(ctx, q.s, after, out, func(v *graph.View, rec graph.EventRecord, _ func(*graph.View)) ([]*assertionEvent, error) {
		if rec.Type != "AssertionRecorded" || !strings.HasPrefix(rec.Summary, "recorded") {
			return nil, nil // re-sends and skipped events record nothing new
		}
		// The audit record names the relationship and actors: most
		// filters reject an event from it, without reading the assertion.
		if rel := strings.Split(entityID(rec.Entities, "rel/"), "/"); len(rel) == 3 {
			if len(preds) > 0 && !slices.Contains(preds, rel[1]) || len(actors) > 0 && !actors[rel[0]] && !actors[rel[2]] {
				return nil, nil
			}
		}
		id := entityID(rec.Entities, "asr/")
		a, err := v.Assertion(id)
		if err != nil {
			return nil, fmt.Errorf("assertion %s: %w", id, err)
		}
		if len(preds) > 0 && !slices.Contains(preds, a.Predicate) || a.Confidence < minConf || doc != "" && a.Document != doc {
			return nil, nil
		}
		// Match the ends as they were resolved when recorded: a later
		// merge does not change what was announced then.
		if len(actors) > 0 && !actors[a.SubjectOrig] && !actors[a.ObjectOrig] && !actors[a.Subject] && !actors[a.Object] {
			return nil, nil
		}
		return []*assertionEvent{{seq: rec.Seq, a: &assertionResolver{r: &reader{v: v, texts: q.s.cfg.Texts}, a: a}}}, nil
	}, func(last uint64) *assertionEvent { return &assertionEvent{seq: last, slow: slowError(last)} })
	return out, nil
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
		if err != nil {
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

func entityID(entities []string, prefix string) string {
	for _, e := range entities {
		if strings.HasPrefix(e, prefix) {
			return strings.TrimPrefix(e, prefix)
		}
	}
	return ""
}

type relationshipEvent struct {
	seq    uint64
	change string
	rel    *relationshipResolver
	slow   *Error
}

func (e *relationshipEvent) sequence() uint64 { return e.seq }

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
	store := q.s.cfg.Store
	out := make(chan *relationshipEvent, SubscriberBuffer)
	go follow(ctx, q.s, after, out, func(_ *graph.View, rec graph.EventRecord, keep func(*graph.View)) ([]*relationshipEvent, error) {
		var keys []graph.RelKey
		for _, e := range rec.Entities {
			p := strings.Split(strings.TrimPrefix(e, "rel/"), "/")
			if !strings.HasPrefix(e, "rel/") || len(p) != 3 {
				continue
			}
			k := graph.RelKey{Subject: p[0], Predicate: p[1], Object: p[2]}
			if len(preds) > 0 && !slices.Contains(preds, k.Predicate) || len(actors) > 0 && !actors[k.Subject] && !actors[k.Object] {
				continue
			}
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			return nil, nil
		}
		at, err := store.View(rec.Seq)
		if err != nil {
			return nil, err
		}
		keep(at)
		var before *graph.View
		if rec.Seq > 1 {
			if before, err = store.View(rec.Seq - 1); err != nil {
				return nil, err
			}
			keep(before)
		}
		var items []*relationshipEvent
		seen := map[graph.RelKey]bool{}
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			now, errNow := at.Relationship(k)
			var was graph.Relationship
			errWas := graph.ErrNotFound
			if before != nil {
				was, errWas = before.Relationship(k)
			}
			for _, e := range []error{errNow, errWas} {
				if e != nil && !errors.Is(e, graph.ErrNotFound) {
					return nil, e
				}
			}
			it := &relationshipEvent{seq: rec.Seq}
			switch {
			case errNow == nil && errWas != nil:
				it.change, it.rel = "ADDED", &relationshipResolver{r: &reader{v: at}, rel: now}
			case errNow != nil && errWas == nil:
				it.change, it.rel = "REMOVED", &relationshipResolver{r: &reader{v: before}, rel: was}
			case errNow == nil && (now.Support != was.Support || now.Affirmed != was.Affirmed || now.Negated != was.Negated):
				it.change, it.rel = "CHANGED", &relationshipResolver{r: &reader{v: at}, rel: now}
			default:
				continue
			}
			items = append(items, it)
		}
		return items, nil
	}, func(last uint64) *relationshipEvent { return &relationshipEvent{seq: last, slow: slowError(last)} })
	return out, nil
}
