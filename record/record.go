// Package record is the one way events reach the log. Every entry point
// that changes the graph (the GraphQL mutations, document ingest,
// re-extraction, load) builds its events here, appends them here and, when
// its caller wants to read what it wrote, waits here for this server's
// projection to apply them.
//
// Deciding the subject in one place is the point: a NATS subscriber
// filtering on dossier.assertion.BANS.canada.> must see every assertion
// about that actor, whichever entry point recorded it, before and after a
// rename or a merge. Subjects carry actor ids as this server's graph
// resolves the names (projections.ActorID), never a slug of the name as
// written.
package record

import (
	"context"
	"fmt"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/names"
	"github.com/dossier-kg/dossier/projections"
	"github.com/dossier-kg/dossier/seal"
	"github.com/dossier-kg/dossier/stream"
)

// Log is where events are appended.
type Log interface {
	Append(ctx context.Context, evs []events.Envelope, opt stream.AppendOptions) ([]stream.Appended, error)
}

// Projection is this server's graph: what names resolve to now, and how
// far it has applied the log.
type Projection interface {
	View(at uint64) (*graph.View, error)
	Applied() uint64
	WaitFor(ctx context.Context, seq uint64) error
}

// Sealer seals a document's words with the document's key before they
// are appended (package seal's Keyring), so that erasing the document is
// destroying its key. It fails, matching seal.ErrErased, for a document
// already erased: nothing more is recorded from it.
type Sealer interface {
	Seal(ctx context.Context, doc, plaintext string) (string, error)
}

// Config configures a Writer.
type Config struct {
	Log   Log
	Store Projection
	// Sealer seals evidence sentences and documents' titles and texts.
	// Optional: without it they are appended as written, and can never
	// be erased from the log (tests of the fold use that).
	Sealer Sealer
	// MaxWait bounds how long Write waits for the projection when asked
	// to (default 10 s); past it the write stands, unprojected.
	MaxWait time.Duration
}

// Writer appends events the one way.
type Writer struct{ cfg Config }

// New makes a Writer.
func New(cfg Config) (*Writer, error) {
	if cfg.Log == nil || cfg.Store == nil {
		return nil, fmt.Errorf("record: a writer needs a log and a projection")
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 10 * time.Second
	}
	return &Writer{cfg: cfg}, nil
}

// Envelope wraps one payload as an event (Batch for many).
func (w *Writer) Envelope(ctx context.Context, p events.Payload, meta events.Meta) (events.Envelope, error) {
	b := w.Batch()
	defer b.Close()
	return b.Envelope(ctx, p, meta)
}

// Batch builds the events of one write against one view of the graph,
// so that resolving each assertion's ends does not open a view each.
func (w *Writer) Batch() *Batch {
	v, err := w.cfg.Store.View(0)
	if err != nil {
		v = nil // no view: the ids new actors of these names would get
	}
	return &Batch{v: v, sealer: w.cfg.Sealer}
}

// Batch wraps payloads as events for one Write.
type Batch struct {
	v      *graph.View
	sealer Sealer
}

// Envelope wraps a payload as an event. An assertion is published under
// its predicate and the ids of its ends as the graph knows them now. A
// document's words are sealed first (see Sealer); the payload, already
// validated and with its content id, is not changed.
func (b *Batch) Envelope(ctx context.Context, p events.Payload, meta events.Meta) (events.Envelope, error) {
	sealed, err := b.seal(ctx, p)
	if err != nil {
		return events.Envelope{}, err
	}
	ev, err := events.New(sealed, meta)
	if err != nil {
		return ev, err
	}
	if a, ok := p.(*events.AssertionRecorded); ok {
		ev.Subject = events.AssertionSubject(a.Predicate, b.actorID(a.Subject), b.actorID(a.Object))
	}
	return ev, nil
}

// seal returns a copy of the payload with its document's words sealed:
// an assertion's sentence, a document's title and inline text. Ids are
// derived from the words before, so they do not change.
func (b *Batch) seal(ctx context.Context, p events.Payload) (events.Payload, error) {
	if b.sealer == nil {
		return p, nil
	}
	switch p := p.(type) {
	case *events.AssertionRecorded:
		c := *p
		if seal.IsSealed(c.Evidence.Sentence) {
			return nil, &events.ValidationError{Problems: []string{"evidence.sentence is sealed already: give the sentence as written"}}
		}
		s, err := b.sealer.Seal(ctx, c.Evidence.DocumentID, c.Evidence.Sentence)
		if err != nil {
			return nil, fmt.Errorf("assertion %s: %w", c.ID, err)
		}
		c.Evidence.Sentence = s
		return &c, nil
	case *events.DocumentAdded:
		c := *p
		if c.Text != "" && c.Size == 0 {
			c.Size = len(c.Text) // the size of the words, not of the sealed value
		}
		for _, f := range []*string{&c.Title, &c.Text} {
			if seal.IsSealed(*f) {
				return nil, &events.ValidationError{Problems: []string{fmt.Sprintf("document %s: a title or text that is sealed already: give it as written", c.ID)}}
			}
			s, err := b.sealer.Seal(ctx, c.ID, *f)
			if err != nil {
				return nil, fmt.Errorf("document %s: %w", c.ID, err)
			}
			*f = s
		}
		return &c, nil
	}
	return p, nil
}

func (b *Batch) actorID(ref events.ActorRef) string {
	if b.v == nil {
		return names.ActorToken(ref.Name)
	}
	return projections.ActorID(projections.Identities(b.v), ref)
}

// Close releases the batch's view.
func (b *Batch) Close() {
	if b.v != nil {
		b.v.Close()
	}
}

// Result is what a Write did.
type Result struct {
	// Appended says, per event in order, its sequence and whether the
	// log already held it. On error it is the prefix that was stored.
	Appended []stream.Appended
	// Last is the highest sequence among them.
	Last uint64
	// Projected says this server's projection has applied Last.
	Projected bool
}

// Write appends the events in order. With wait set it waits, bounded by
// MaxWait, for this server's projection to apply them, so that the caller
// can read what it wrote. On error the events before the failing one may
// be stored (Result.Appended says which); writing them again is safe.
func (w *Writer) Write(ctx context.Context, evs []events.Envelope, wait bool) (Result, error) {
	var res Result
	out, err := w.cfg.Log.Append(ctx, evs, stream.AppendOptions{})
	res.Appended = out
	for _, o := range out {
		res.Last = max(res.Last, o.Sequence)
	}
	if err != nil {
		return res, err
	}
	res.Projected = w.cfg.Store.Applied() >= res.Last
	if wait && !res.Projected {
		wctx, cancel := context.WithTimeout(ctx, w.cfg.MaxWait)
		defer cancel()
		res.Projected = w.cfg.Store.WaitFor(wctx, res.Last) == nil
	}
	return res, nil
}
