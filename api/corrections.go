package api

import (
	"bytes"
	"context"
	"fmt"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
)

type correctionResult struct {
	eventID   string
	seq       uint64
	projected bool
	summary   string
}

func (c *correctionResult) EventID() string    { return c.eventID }
func (c *correctionResult) Sequence() Sequence { return Sequence(c.seq) }
func (c *correctionResult) Projected() bool    { return c.projected }
func (c *correctionResult) Summary() *string   { return optString(c.summary) }

// correct appends one correction and waits (bounded) for this server's
// projection to apply it, then reports what the audit trail says it did.
func (q *root) correct(ctx context.Context, p events.Payload, validate func() error) (*correctionResult, error) {
	if err := need(ctx, auth.Admin); err != nil {
		return nil, err
	}
	if err := validate(); err != nil {
		return nil, userError("correction", err)
	}
	ev, err := q.s.writer.Envelope(ctx, p, events.Meta{Principal: principalFrom(ctx)})
	if err != nil {
		return nil, userError("correction", err)
	}
	written, err := q.s.writer.Write(ctx, []events.Envelope{ev}, true)
	if err != nil {
		return nil, &Error{Code: CodeUnavailable, Message: "the log did not take the correction; send it again (it is idempotent by its event id)", Err: err}
	}
	if written.Appended[0].Duplicate {
		// The log already held an event of this id: a retry of this
		// correction, or another one that reused its id.
		if held, err := q.s.cfg.Log.Get(ctx, written.Last); err != nil {
			return nil, &Error{Code: CodeUnavailable, Message: "the log did not say what it holds under this event id; send the correction again", Err: err}
		} else if !bytes.Equal(held.Data, ev.Data) {
			return nil, &Error{Code: CodeConflict, Message: fmt.Sprintf("event id %s was used for another correction (sequence %d); nothing was recorded: use a new event id", ev.ID, written.Last),
				Details: map[string]any{"sequence": written.Last}}
		}
	}
	res := &correctionResult{eventID: ev.ID, seq: written.Last, projected: written.Projected}
	if res.projected {
		if v, err := q.s.cfg.Store.View(res.seq); err == nil {
			if rec, err := v.Event(res.seq); err == nil {
				res.summary = rec.Summary
			}
			v.Close()
		}
	}
	return res, nil
}

type correctionArgs struct {
	Reason  string
	EventID *string
}

func (c correctionArgs) correction() events.Correction {
	id := events.NewCorrectionID()
	if c.EventID != nil && *c.EventID != "" {
		id = *c.EventID
	}
	return events.Correction{EventID: id, Reason: c.Reason}
}

func (q *root) RetractAssertion(ctx context.Context, args struct {
	ID graphql.ID
	correctionArgs
}) (*correctionResult, error) {
	id, err := localID(args.ID, kindAssertion)
	if err != nil {
		return nil, err
	}
	if err := q.exists(ctx, "assertion "+id, func(v *graph.View) error { _, err := v.Assertion(id); return err }); err != nil {
		return nil, err
	}
	p := &events.AssertionRetracted{Correction: args.correction(), AssertionID: id}
	return q.correct(ctx, p, p.Validate)
}

func (q *root) RetractDocument(ctx context.Context, args struct {
	ID graphql.ID
	correctionArgs
}) (*correctionResult, error) {
	id, err := localID(args.ID, kindDocument)
	if err != nil {
		return nil, err
	}
	if err := q.exists(ctx, "document "+id, func(v *graph.View) error { _, err := v.Document(id); return err }); err != nil {
		return nil, err
	}
	p := &events.DocumentRetracted{Correction: args.correction(), DocumentID: id}
	return q.correct(ctx, p, p.Validate)
}

// exists refuses a correction of something the graph does not hold
// (NOT_FOUND, and no event): read reads it from the latest view.
func (q *root) exists(ctx context.Context, what string, read func(*graph.View) error) error {
	r, err := q.reader(ctx)
	if err != nil {
		return userError(what, err)
	}
	if err := read(r.v); err != nil {
		return userError(what, err)
	}
	return nil
}

// actorIDs resolves the actor arguments of a correction by id or name,
// as of now.
func (q *root) actorID(ctx context.Context, ref string) (string, error) {
	r, err := q.reader(ctx)
	if err != nil {
		return "", userError("actor", err)
	}
	a, err := r.actorRef(ref)
	if err != nil {
		return "", userError(fmt.Sprintf("actor %q", ref), err)
	}
	return a.ID, nil
}

func (q *root) MergeActors(ctx context.Context, args struct {
	From, Into string
	correctionArgs
}) (*correctionResult, error) {
	from, err := q.actorID(ctx, args.From)
	if err != nil {
		return nil, err
	}
	into, err := q.actorID(ctx, args.Into)
	if err != nil {
		return nil, err
	}
	p := &events.ActorsMerged{Correction: args.correction(), From: from, Into: into}
	return q.correct(ctx, p, p.Validate)
}

func (q *root) UnmergeActors(ctx context.Context, args struct {
	From, Into string
	correctionArgs
}) (*correctionResult, error) {
	// A merged actor's names lead to the survivor, so the merged one is
	// named by id here.
	from, _ := localID(graphql.ID(args.From), kindActor)
	into, err := q.actorID(ctx, args.Into)
	if err != nil {
		return nil, err
	}
	err = q.exists(ctx, "actor "+from, func(v *graph.View) error {
		a, err := v.Actor(from)
		if err == nil && a.MergedInto != into {
			return &Error{Code: CodeConflict, Message: fmt.Sprintf("actor %s is not merged into %s; nothing to undo", from, into)}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	p := &events.ActorsUnmerged{Correction: args.correction(), From: from, Into: into}
	return q.correct(ctx, p, p.Validate)
}

func (q *root) CorrectActor(ctx context.Context, args struct {
	Actor string
	Name  *string
	Type  *string
	correctionArgs
}) (*correctionResult, error) {
	id, err := q.actorID(ctx, args.Actor)
	if err != nil {
		return nil, err
	}
	p := &events.ActorCorrected{Correction: args.correction(), Actor: id, Name: str(args.Name), Type: str(args.Type)}
	return q.correct(ctx, p, func() error { return p.Validate(q.s.cfg.Ontology) })
}

func (q *root) CorrectValidTime(ctx context.Context, args struct {
	Assertion graphql.ID
	From      *string
	To        *string
	correctionArgs
}) (*correctionResult, error) {
	id, err := localID(args.Assertion, kindAssertion)
	if err != nil {
		return nil, err
	}
	if err := q.exists(ctx, "assertion "+id, func(v *graph.View) error { _, err := v.Assertion(id); return err }); err != nil {
		return nil, err
	}
	var v *events.Interval
	if str(args.From) != "" || str(args.To) != "" {
		v = &events.Interval{From: str(args.From), To: str(args.To)}
	}
	p := &events.ValidTimeCorrected{Correction: args.correction(), AssertionID: id, Valid: v}
	return q.correct(ctx, p, p.Validate)
}
