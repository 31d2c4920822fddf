package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dossier-kg/dossier/graph"
)

// The live feed: one reader per server follows the audit trail as the
// projector applies it, decodes each event once, and offers it to every
// live subscription. A subscription asking for history (after: N) reads
// the store on its own until it has caught up with the feed, then joins
// it: the seam is a sequence number compared under the feed's lock, so
// there is no gap and no duplicate.
//
// Offering never blocks the feed: each subscription has a bounded queue,
// and one that overflows is dropped from the feed and ends with
// SLOW_CONSUMER and the last sequence it was given in full. Memory is
// the queues, whatever the number of subscribers or the traffic.
//
// Views: items are resolved by graphql-go after the feed has moved on,
// at a time the feed cannot observe. The store runs Badger in managed
// mode, where a read-only view holds no resources beyond memory (see
// graph.View), so items keep the view they were read with and the
// garbage collector releases it.

// liveEvent is one audit record as all subscriptions see it. Its lazily
// read parts are filled by the goroutine offering it (the feed's, or a
// replaying subscription's), never concurrently.
type liveEvent struct {
	rec   graph.EventRecord
	view  *graph.View // the newest view when the event was read; >= rec.Seq
	store *graph.Store

	asr     *graph.Assertion
	asrErr  error
	changes map[graph.RelKey]relChange
	at, was *graph.View
}

// relChange is what an event did to one relationship.
type relChange struct {
	change string // ADDED, CHANGED, REMOVED or "" for no visible change
	rel    graph.Relationship
	view   *graph.View // the view rel was read from
	err    error
}

// recorded reports whether the event recorded a new assertion (re-sends
// and refused events record nothing), and the relationship it names.
func (ev *liveEvent) recorded() (rel graph.RelKey, ok bool) {
	if ev.rec.Outcome != graph.OutcomeRecorded {
		return rel, false
	}
	if keys := graph.RelationshipsOf(ev.rec.Entities); len(keys) > 0 {
		rel = keys[0]
	}
	return rel, true
}

// assertion reads the recorded assertion once for every subscription.
func (ev *liveEvent) assertion() (*graph.Assertion, error) {
	if ev.asr == nil && ev.asrErr == nil {
		id := graph.EntityOf(ev.rec.Entities, graph.EntityAssertion)
		a, err := ev.view.Assertion(id)
		if err != nil {
			ev.asrErr = fmt.Errorf("assertion %s: %w", id, err)
		} else {
			ev.asr = &a
		}
	}
	return ev.asr, ev.asrErr
}

// relationships are the relationships the event touched.
func (ev *liveEvent) relationships() []graph.RelKey {
	return graph.RelationshipsOf(ev.rec.Entities)
}

// change compares a relationship just before and just after the event,
// once for every subscription.
func (ev *liveEvent) change(k graph.RelKey) relChange {
	if c, ok := ev.changes[k]; ok {
		return c
	}
	c := ev.readChange(k)
	if ev.changes == nil {
		ev.changes = map[graph.RelKey]relChange{}
	}
	ev.changes[k] = c
	return c
}

func (ev *liveEvent) readChange(k graph.RelKey) relChange {
	var err error
	if ev.at == nil {
		if ev.at, err = ev.store.View(ev.rec.Seq); err != nil {
			return relChange{err: err}
		}
		if ev.was, err = ev.store.View(ev.rec.Seq - 1); err != nil {
			return relChange{err: err}
		}
	}
	now, errNow := ev.at.Relationship(k)
	was, errWas := ev.was.Relationship(k)
	for _, e := range []error{errNow, errWas} {
		if e != nil && !errors.Is(e, graph.ErrNotFound) {
			return relChange{err: fmt.Errorf("relationship %v at %d: %w", k, ev.rec.Seq, e)}
		}
	}
	switch {
	case errNow == nil && errWas != nil:
		return relChange{change: "ADDED", rel: now, view: ev.at}
	case errNow != nil && errWas == nil:
		return relChange{change: "REMOVED", rel: was, view: ev.was}
	case errNow == nil && now.CountsDiffer(was):
		return relChange{change: "CHANGED", rel: now, view: ev.at}
	}
	return relChange{}
}

// liveSubscriber is a subscription as the feed sees it.
type liveSubscriber interface {
	// offer queues what ev means to the subscription without blocking;
	// false when its queue has no room for it.
	offer(ev *liveEvent) bool
	// dropped tells the subscription the feed let go of it.
	dropped()
}

// feed is the server's one reader of the audit trail for subscriptions.
type feed struct {
	store    *graph.Store
	logger   *slog.Logger
	position prometheus.Gauge // pos, for metrics

	start   sync.Once
	stop    context.CancelFunc
	done    chan struct{}
	closing chan struct{} // closed by close: subscriptions end
	mu      sync.Mutex
	pos     uint64 // every event up to here has been offered
	subs    map[liveSubscriber]struct{}
	closed  bool
}

func newFeed(store *graph.Store, logger *slog.Logger, position prometheus.Gauge) *feed {
	return &feed{store: store, logger: logger, position: position, subs: map[liveSubscriber]struct{}{},
		done: make(chan struct{}), closing: make(chan struct{})}
}

// join adds s to the feed if the feed has offered nothing after cursor;
// otherwise it returns the position s must first catch up to.
func (f *feed) join(s liveSubscriber, cursor uint64) (caughtUp bool, pos uint64, err error) {
	f.start.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		f.stop = cancel
		f.pos = f.store.Applied()
		go f.run(ctx)
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false, 0, errors.New("the server is shutting down")
	}
	if f.pos > cursor {
		return false, f.pos, nil
	}
	f.subs[s] = struct{}{}
	return true, f.pos, nil
}

// leave removes s; the feed offers it nothing after leave returns.
func (f *feed) leave(s liveSubscriber) {
	f.mu.Lock()
	delete(f.subs, s)
	f.mu.Unlock()
}

// close stops the feed's reader and waits for it.
func (f *feed) close() {
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		close(f.closing)
	}
	f.mu.Unlock()
	f.start.Do(func() { close(f.done) }) // never started
	if f.stop != nil {
		f.stop()
	}
	<-f.done
}

func (f *feed) run(ctx context.Context) {
	defer close(f.done)
	backoff := 50 * time.Millisecond
	for {
		f.mu.Lock()
		pos, idle := f.pos, len(f.subs) == 0
		f.mu.Unlock()
		if err := f.store.WaitFor(ctx, pos+1); err != nil {
			return
		}
		v, err := f.store.View(0)
		if err == nil {
			err = f.offerUpTo(v, pos, idle)
		}
		if err == nil {
			backoff = 50 * time.Millisecond
			continue
		}
		// Skipping an event would be a gap in every subscription: retry.
		f.logger.Error("live feed: read the audit trail", "after", pos, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// offerUpTo offers every event after pos up to v's sequence. With no
// subscriptions it moves on without reading them.
func (f *feed) offerUpTo(v *graph.View, pos uint64, idle bool) error {
	if idle {
		f.mu.Lock()
		if len(f.subs) == 0 {
			f.pos = v.At()
			f.mu.Unlock()
			f.position.Set(float64(v.At()))
			return nil
		}
		f.mu.Unlock()
	}
	for pos < v.At() {
		recs, err := v.EventsAfter(pos, 500)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			pos = v.At()
		}
		f.mu.Lock()
		for _, rec := range recs {
			ev := &liveEvent{rec: rec, view: v, store: f.store}
			for s := range f.subs {
				if !s.offer(ev) {
					delete(f.subs, s)
					s.dropped()
				}
			}
			pos = rec.Seq
			f.pos = pos
		}
		f.pos = pos
		f.mu.Unlock()
		f.position.Set(float64(pos))
	}
	return nil
}

// subscription is one subscriber's queue and filter.
type subscription[T any] struct {
	s *Server
	// pick turns an event into this subscription's items, if any.
	pick func(ev *liveEvent) ([]T, error)
	// slow is the final item of a subscription that fell behind.
	slow func(last uint64) T
	out  chan T

	from uint64 // the feed's events up to here were replayed already
	// last is the newest sequence whose items are all queued: where a
	// too-slow client resumes.
	last  uint64
	gone  chan struct{} // closed when the feed drops the subscription
	field string        // the Subscription field, for logs and metrics
}

func (sub *subscription[T]) offer(ev *liveEvent) bool {
	if ev.rec.Seq <= sub.from {
		return true
	}
	items := sub.items(ev)
	// Only the feed sends, so the room only grows while we look.
	if cap(sub.out)-len(sub.out) < len(items) {
		return false
	}
	for _, it := range items {
		sub.out <- it
	}
	sub.last = ev.rec.Seq
	return true
}

func (sub *subscription[T]) dropped() { close(sub.gone) }

func (sub *subscription[T]) items(ev *liveEvent) []T {
	items, err := sub.pick(ev)
	if err != nil {
		// The event stays in the log and the store; the client sees the
		// rest of the feed, and the cause goes to the log.
		sub.s.cfg.Logger.Error("subscription: skip an event it cannot read", "field", sub.field, "seq", ev.rec.Seq, "err", err)
	}
	return items
}

// run replays history after `after`, joins the live feed, and closes out
// when the client goes or falls behind.
func (sub *subscription[T]) run(ctx context.Context, after uint64) {
	defer close(sub.out)
	open := sub.s.m.subscriptions.WithLabelValues(sub.field)
	open.Inc()
	defer open.Dec()
	f := sub.s.feed
	// Events up to here existed when the subscription began: replaying
	// them waits for the client. Later ones it must keep up with.
	history := sub.s.cfg.Store.Applied()
	cursor := after
	for {
		sub.from, sub.last = cursor, cursor
		ok, pos, err := f.join(sub, cursor)
		if err != nil {
			return
		}
		if ok {
			break
		}
		if cursor, ok = sub.replay(ctx, cursor, pos, history); !ok {
			return
		}
	}
	select {
	case <-ctx.Done():
		f.leave(sub)
	case <-f.closing:
		f.leave(sub)
	case <-sub.gone:
		sub.s.m.slow.WithLabelValues(sub.field).Inc()
		select {
		case sub.out <- sub.slow(sub.last):
		case <-ctx.Done():
		}
	}
}

// replay reads the events in (from, to] from the store and queues their
// items, waiting for the client while they are history. It returns
// where it got to, and false if the subscription ended.
func (sub *subscription[T]) replay(ctx context.Context, from, to, history uint64) (uint64, bool) {
	v, err := sub.s.cfg.Store.View(0)
	if err != nil {
		sub.s.cfg.Logger.Error("subscription: open a view", "err", err)
		return from, false
	}
	for from < to {
		recs, err := v.EventsAfter(from, 500)
		if err != nil {
			// The client resumes with after; skipping would be a gap.
			sub.s.cfg.Logger.Error("subscription: read the audit trail", "after", from, "err", err)
			return from, false
		}
		if len(recs) == 0 {
			return to, true
		}
		for _, rec := range recs {
			if rec.Seq > to {
				return to, true
			}
			items := sub.items(&liveEvent{rec: rec, view: v, store: sub.s.cfg.Store})
			if rec.Seq > history && cap(sub.out)-len(sub.out) < len(items) {
				sub.s.m.slow.WithLabelValues(sub.field).Inc()
				select {
				case sub.out <- sub.slow(sub.last):
				case <-ctx.Done():
				}
				return from, false
			}
			for _, it := range items {
				select {
				case sub.out <- it:
				case <-ctx.Done():
					return from, false
				}
			}
			from, sub.last = rec.Seq, rec.Seq
		}
	}
	return to, true
}

// subscribe starts a subscription's goroutine, which ends with ctx (the
// client's operation) or when the client falls behind.
func subscribe[T any](ctx context.Context, s *Server, name string, after uint64,
	pick func(ev *liveEvent) ([]T, error), slow func(last uint64) T) <-chan T {
	sub := &subscription[T]{s: s, pick: pick, slow: slow, out: make(chan T, SubscriberBuffer), gone: make(chan struct{}), field: name}
	go sub.run(ctx, after)
	return sub.out
}
