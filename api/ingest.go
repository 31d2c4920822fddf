package api

import (
	"context"
	"errors"
	"fmt"
	"github.com/dossier-kg/dossier/auth"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/ingest"
)

type documentInput struct {
	Title       *string
	URL         *string
	Published   *string
	Source      *string
	Text        string
	ContentType *string
}

// parseDate reads a publication date: YYYY-MM-DD or RFC 3339.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

func (q *root) IngestDocument(ctx context.Context, args struct {
	Input   documentInput
	Wait    bool
	Extract bool
}) (*ingestResult, error) {
	if err := need(ctx, auth.Writer); err != nil {
		return nil, err
	}
	in := args.Input
	ing := q.s.cfg.Ingester
	if ing == nil {
		return nil, &Error{Code: CodeUnavailable, Message: "this server cannot ingest documents: it has no extractor configured"}
	}
	var published *time.Time
	if in.Published != nil && strings.TrimSpace(*in.Published) != "" {
		t, err := parseDate(*in.Published)
		if err != nil {
			return nil, invalid("published %q is not a date (YYYY-MM-DD) or an RFC 3339 time", *in.Published)
		}
		published = &t
	}
	res, err := ing.Ingest(ctx, ingest.Input{
		Source: str(in.Source), Title: str(in.Title), URL: str(in.URL), Published: published,
		ContentType: str(in.ContentType), Body: []byte(in.Text), Principal: principalFrom(ctx), Wait: args.Wait,
		SkipExtraction: !args.Extract,
	})
	if err != nil {
		return nil, ingestError(err)
	}
	out := &ingestResult{res: res, projected: res.Projected}
	st, ok := ctx.Value(requestKey{}).(*requestState)
	if !ok {
		return nil, userError("ingest document", errors.New("no request state"))
	}
	if out.r, err = st.freshReader(q.s); err != nil {
		return nil, userError("ingest document", err)
	}
	return out, nil
}

// ingestError gives an ingest failure its code: what is wrong with the
// input, a size limit, an extractor that failed, or anything else.
func ingestError(err error) *Error {
	var (
		in *ingest.InputError
		x  *ingest.ExtractError
	)
	switch {
	case errors.As(err, &in) && in.Kind == ingest.TooLarge:
		return &Error{Code: CodeTooLarge, Message: in.Error(), Err: err}
	case errors.As(err, &in) && in.Kind == ingest.Erased:
		return &Error{Code: CodeConflict, Message: in.Error(), Details: map[string]any{"kind": string(in.Kind)}, Err: err}
	case errors.As(err, &in):
		return &Error{Code: CodeInvalidInput, Message: in.Error(), Details: map[string]any{"kind": string(in.Kind)}, Err: err}
	case errors.As(err, &x):
		return &Error{Code: CodeUnavailable, Message: fmt.Sprintf("the extractor %s failed; nothing was recorded, try again", x.Extractor), Err: err}
	}
	return userError("ingest document", err)
}

type ingestResult struct {
	r         *reader
	res       ingest.Result
	projected bool
}

func (x *ingestResult) DocumentID() graphql.ID { return gid(kindDocument, x.res.Document.ID) }
func (x *ingestResult) Recorded() int32        { return int32(len(x.res.Assertions)) }
func (x *ingestResult) Sequence() Sequence     { return Sequence(x.res.LastSequence) }
func (x *ingestResult) Duplicate() bool        { return x.res.Duplicate }
func (x *ingestResult) Projected() bool        { return x.projected }

// Dropped counts the extractor's assertions left out for their evidence
// or their content, not those the extractor discarded itself.
func (x *ingestResult) Dropped() int32 {
	n := 0
	for _, reason := range []string{ingest.DropNoOffsets, ingest.DropOffsets, ingest.DropMismatch, ingest.DropOtherDocument, ingest.DropInvalid} {
		n += x.res.Dropped[reason]
	}
	return int32(n)
}

// Document is the document as the graph holds it, null until projected.
func (x *ingestResult) Document() (*documentResolver, error) {
	d, err := x.r.v.Document(x.res.Document.ID)
	if errors.Is(err, graph.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, userError("document", err)
	}
	return &documentResolver{r: x.r, d: d}, nil
}

// Assertions are those the ingest recorded, as the graph holds them.
func (x *ingestResult) Assertions() ([]*assertionResolver, error) {
	out := []*assertionResolver{}
	for _, a := range x.res.Assertions {
		got, err := x.r.v.Assertion(a.ID)
		if errors.Is(err, graph.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, userError("assertion", err)
		}
		out = append(out, &assertionResolver{r: x.r, a: got})
	}
	return out, nil
}
