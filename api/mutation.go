package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/seal"
)

type actorInput struct {
	Name string
	Type *string
}

type evidenceInput struct {
	Document   *string
	DocumentID *string
	Sentence   string
	Start      *int32
	End        *int32
}

type producerInput struct {
	Name    string
	Version *string
}

type assertionInput struct {
	Subject      actorInput
	Predicate    string
	Object       actorInput
	Polarity     string
	Modality     string
	AttributedTo *string
	Confidence   *float64
	Evidence     evidenceInput
	Producer     *producerInput
	ValidFrom    *string
	ValidTo      *string
}

// MaxRecordBatch bounds one recordAssertions call, so one request cannot
// hold the log's attention for long; clients send more in several calls.
const MaxRecordBatch = 5000

func (in assertionInput) event() events.AssertionRecorded {
	a := events.AssertionRecorded{
		Subject:      events.ActorRef{Name: in.Subject.Name, Type: str(in.Subject.Type)},
		Predicate:    in.Predicate,
		Object:       events.ActorRef{Name: in.Object.Name, Type: str(in.Object.Type)},
		Polarity:     strings.ToLower(in.Polarity),
		Modality:     strings.ToLower(in.Modality),
		AttributedTo: in.AttributedTo,
		Confidence:   in.Confidence,
		Evidence: events.Evidence{
			Document:   str(in.Evidence.Document),
			DocumentID: str(in.Evidence.DocumentID),
			Sentence:   in.Evidence.Sentence,
		},
	}
	if in.Evidence.Start != nil {
		s := int(*in.Evidence.Start)
		a.Evidence.Start = &s
	}
	if in.Evidence.End != nil {
		e := int(*in.Evidence.End)
		a.Evidence.End = &e
	}
	if in.Producer != nil {
		a.Producer = events.Producer{Name: in.Producer.Name, Version: str(in.Producer.Version)}
	}
	if str(in.ValidFrom) != "" || str(in.ValidTo) != "" {
		a.Valid = &events.Interval{From: str(in.ValidFrom), To: str(in.ValidTo)}
	}
	return a
}

type recordResult struct {
	assertions []*recordedResolver
	last       uint64
	projected  bool
}

func (r *recordResult) Assertions() []*recordedResolver { return r.assertions }
func (r *recordResult) LastSequence() Sequence          { return Sequence(r.last) }
func (r *recordResult) Projected() bool                 { return r.projected }

type recordedResolver struct {
	id  string
	seq uint64
	dup bool
}

func (r *recordedResolver) ID() graphql.ID     { return gid(kindAssertion, r.id) }
func (r *recordedResolver) Sequence() Sequence { return Sequence(r.seq) }
func (r *recordedResolver) Duplicate() bool    { return r.dup }

// InputProblem is what is wrong with one input of a batch, by its index.
type InputProblem struct {
	Index    int      `json:"index"`
	Problems []string `json:"problems"`
}

func (q *root) RecordAssertions(ctx context.Context, args struct {
	Input []assertionInput
	Wait  bool
}) (*recordResult, error) {
	if err := need(ctx, auth.Writer); err != nil {
		return nil, err
	}
	if len(args.Input) == 0 {
		return nil, invalid("input is empty")
	}
	if len(args.Input) > MaxRecordBatch {
		return nil, invalid("input has %d assertions, over the limit of %d per call", len(args.Input), MaxRecordBatch)
	}
	principal := principalFrom(ctx)
	evs := make([]events.Envelope, 0, len(args.Input))
	ids := make([]string, 0, len(args.Input))
	var bad []InputProblem
	batch := q.s.writer.Batch()
	defer batch.Close()
	for i, in := range args.Input {
		a := in.event()
		if a.Producer.Name == "" {
			a.Producer = events.Producer{Name: "manual", Version: principal}
		}
		a.Normalize(q.s.cfg.Ontology)
		if err := a.Validate(q.s.cfg.Ontology); err != nil {
			bad = append(bad, InputProblem{Index: i, Problems: err.(*events.ValidationError).Problems})
			continue
		}
		ev, err := batch.Envelope(ctx, &a, events.Meta{Principal: principal})
		if errors.Is(err, seal.ErrErased) {
			bad = append(bad, InputProblem{Index: i, Problems: []string{fmt.Sprintf("document %s was erased: nothing more is recorded from it", a.Evidence.DocumentID)}})
			continue
		}
		if err != nil {
			return nil, sealError("record assertions", err)
		}
		evs = append(evs, ev)
		ids = append(ids, a.ID)
	}
	if len(bad) > 0 {
		return nil, &Error{
			Code:    CodeInvalidInput,
			Message: fmt.Sprintf("%d of %d assertions are invalid; none was recorded (first: input[%d]: %s)", len(bad), len(args.Input), bad[0].Index, strings.Join(bad[0].Problems, "; ")),
			Details: map[string]any{"problems": bad},
		}
	}
	written, err := q.s.writer.Write(ctx, evs, args.Wait)
	if err != nil {
		// Appends are a prefix; the ones that made it are idempotent to
		// re-send, so the client retries the whole call.
		return nil, &Error{Code: CodeUnavailable, Message: fmt.Sprintf("recorded %d of %d assertions before the log failed; re-send the call, duplicates are ignored", len(written.Appended), len(evs)), Err: err}
	}
	res := &recordResult{last: written.Last, projected: written.Projected}
	for i, o := range written.Appended {
		res.assertions = append(res.assertions, &recordedResolver{id: ids[i], seq: o.Sequence, dup: o.Duplicate})
	}
	return res, nil
}
