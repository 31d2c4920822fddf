package api

import (
	"context"
	"errors"
	"fmt"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/seal"
)

// Opener opens a document's words as the graph holds them (sealed with
// the document's key, or plaintext from before sealing) for reading:
// package seal's Keyring, which caches keys. Both methods answer for the
// document's words now, whatever point of history a read is at: an
// erasure reaches every version.
type Opener interface {
	// Open returns the plaintext, or an error matching seal.ErrErased
	// once the document was erased.
	Open(ctx context.Context, doc, value string) (string, error)
	// Erased says whether the document's words were erased.
	Erased(ctx context.Context, doc string) (bool, error)
}

// Keys is what the API needs of documents' keys: opening what queries
// read, and sealing what mutations append.
type Keys interface {
	Opener
	Seal(ctx context.Context, doc, plaintext string) (string, error)
}

// ErasedWords is what destroying a document's words found.
type ErasedWords struct {
	// TextDeleted: the document store held the text, and has deleted
	// it, overwriting its bytes (this erasure, or one before it).
	TextDeleted bool
}

// newReader is a reader of a view with the server's texts and keys.
func (s *Server) newReader(v *graph.View) *reader {
	return &reader{v: v, texts: s.cfg.Texts, keys: s.cfg.Keys}
}

// sealError gives a failure of the key store its code: the store
// unreachable is UNAVAILABLE; a value that does not open is INTERNAL.
func sealError(what string, err error) *Error {
	var oe *seal.OpenError
	var fe *seal.FormatError
	switch {
	case errors.Is(err, seal.ErrNoKey):
		return &Error{Code: CodeUnavailable, Message: what + ": " + seal.ErrNoKey.Error(), Err: err}
	case errors.As(err, &oe), errors.As(err, &fe):
		return &Error{Code: CodeInternal, Message: what + ": a sealed value is damaged", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return userError(what, err)
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return &Error{Code: CodeUnavailable, Message: what + ": the key store did not answer; retry", Err: err}
}

// open reads one of a document's words values: the sentence, the title,
// an inline text. erased is set, and the text empty, when the document's
// words were erased: in the view read (its Document says so) or since
// (its key is gone). Other failures are the field's alone: the rest of a
// response stands.
func (r *reader) open(ctx context.Context, doc, value string) (text string, erased bool, err error) {
	if value == "" {
		return "", false, nil
	}
	if r.docErased(doc) {
		return "", true, nil
	}
	if r.keys == nil {
		if seal.IsSealed(value) {
			return "", false, &Error{Code: CodeUnavailable, Message: "this server has no key store to open sealed words with"}
		}
		return value, false, nil
	}
	t, err := r.keys.Open(ctx, doc, value)
	switch {
	case errors.Is(err, seal.ErrErased):
		return "", true, nil
	case err != nil:
		return "", false, sealError("document "+doc, err)
	}
	return t, false, nil
}

// docErased says whether the view's Document says its words were
// erased, reading each document once per request.
func (r *reader) docErased(doc string) bool {
	if r.v == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.erased[doc]; ok {
		return e
	}
	d, err := r.v.Document(doc)
	e := err == nil && d.Erased != nil
	if r.erased == nil {
		r.erased = map[string]bool{}
	}
	r.erased[doc] = e
	return e
}

func (e *evidenceResolver) Sentence(ctx context.Context) (*string, error) {
	t, erased, err := e.r.open(ctx, e.a.Document, string(e.a.Sentence))
	if err != nil || erased {
		return nil, err
	}
	return &t, nil
}

func (e *evidenceResolver) Erased(ctx context.Context) (bool, error) {
	_, erased, err := e.r.open(ctx, e.a.Document, string(e.a.Sentence))
	return erased, err
}

func (x *documentResolver) Title(ctx context.Context) (*string, error) {
	t, erased, err := x.r.open(ctx, x.d.ID, string(x.d.Title))
	if err != nil || erased || t == "" {
		return nil, err
	}
	return &t, nil
}

func (x *documentResolver) Erased(ctx context.Context) (bool, error) {
	if x.d.Erased != nil {
		return true, nil
	}
	if x.r.keys == nil {
		return false, nil
	}
	erased, err := x.r.keys.Erased(ctx, x.d.ID)
	if err != nil {
		return false, sealError("document "+x.d.ID, err)
	}
	return erased, nil
}

func (x *documentResolver) Erasure() *erasureResolver {
	if x.d.Erased == nil {
		return nil
	}
	return &erasureResolver{e: *x.d.Erased}
}

type erasureResolver struct{ e graph.Erasure }

func (x *erasureResolver) Sequence() Sequence { return Sequence(x.e.Seq) }
func (x *erasureResolver) Time() graphql.Time { return graphql.Time{Time: x.e.Time} }
func (x *erasureResolver) Principal() *string { return optString(x.e.Principal) }
func (x *erasureResolver) Reason() string     { return x.e.Reason }
func (x *erasureResolver) Retracted() bool    { return x.e.Retract }

type erasureResult struct {
	correctionResult
	words     ErasedWords
	plaintext bool
}

func (r *erasureResult) TextDeleted() bool      { return r.words.TextDeleted }
func (r *erasureResult) PlaintextRemains() bool { return r.plaintext }

// EraseDocument appends the erasure, then destroys the document's key and
// deletes its text (Config.Erase). In that order: the trail must never
// lack an erasure whose words are gone. If the destruction fails the
// erasure stands in the log and reads already treat the words as erased;
// every instance that folds the event destroys the key too, and calling
// again (with the same eventId, or none) finishes it.
func (q *root) EraseDocument(ctx context.Context, args struct {
	ID      graphql.ID
	Retract bool
	correctionArgs
}) (*erasureResult, error) {
	if err := need(ctx, auth.Admin); err != nil {
		return nil, err
	}
	id, err := localID(args.ID, kindDocument)
	if err != nil {
		return nil, err
	}
	if q.s.cfg.Erase == nil {
		return nil, &Error{Code: CodeUnavailable, Message: "this server has no key store: it cannot erase"}
	}
	plaintext := false
	err = q.exists(ctx, "document "+id, func(v *graph.View) error {
		d, err := v.Document(id)
		if err != nil {
			return err
		}
		plaintext, err = unsealed(v, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	p := &events.DocumentErased{Correction: args.correction(), DocumentID: id, Retract: args.Retract}
	res, err := q.correct(ctx, p, p.Validate)
	if err != nil {
		return nil, err
	}
	words, err := q.s.cfg.Erase(ctx, id)
	if err != nil {
		q.s.cfg.Logger.Error("erasure recorded, but the document's key or text could not be destroyed yet", "document", id, "sequence", res.seq, "err", err)
		return nil, &Error{Code: CodeUnavailable, Details: map[string]any{"sequence": res.seq},
			Message: fmt.Sprintf("the erasure is recorded (sequence %d) and reads hide the document's words, but its key could not be destroyed yet: call eraseDocument again", res.seq), Err: err}
	}
	return &erasureResult{correctionResult: *res, words: words, plaintext: plaintext}, nil
}

// unsealed says whether any of a document's words in the graph were
// recorded before sealing: in the clear in the log and in the graph's
// versions, where an erasure cannot reach them.
func unsealed(v *graph.View, d graph.Document) (bool, error) {
	if d.Title != "" && !seal.IsSealed(string(d.Title)) {
		return true, nil
	}
	if d.HasText && !d.TextStored {
		t, err := v.DocumentText(d.ID)
		if err != nil && !errors.Is(err, graph.ErrNotFound) {
			return false, err
		}
		if t != "" && !seal.IsSealed(t) {
			return true, nil
		}
	}
	as, err := v.DocumentClaims(d.ID)
	if err != nil {
		return false, err
	}
	for _, a := range as {
		if !seal.IsSealed(string(a.Sentence)) {
			return true, nil
		}
	}
	return false, nil
}
