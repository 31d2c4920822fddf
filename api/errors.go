package api

import (
	"context"
	"errors"
	"fmt"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/stream"
)

// Error codes clients branch on (extensions.code). The list only grows.
const (
	CodeNotFound         = "NOT_FOUND"
	CodeInvalidInput     = "INVALID_INPUT"
	CodeBadCursor        = "BAD_CURSOR"
	CodeTooLarge         = "TOO_LARGE"
	CodeConflict         = "CONFLICT"
	CodeNotReady         = "NOT_READY"
	CodeUnavailable      = "UNAVAILABLE"
	CodeInternal         = "INTERNAL"
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	CodeBadRequest       = "BAD_REQUEST"
	CodeForbidden        = "FORBIDDEN"
	CodeUnauthenticated  = "UNAUTHENTICATED"
	// CodeCostLimit: the query's estimated cost, or its answer, is over
	// the server's budget. Retrying the same query will not help.
	CodeCostLimit = "COST_LIMIT"
	// CodeTimeout: the request ran over the server's time limit.
	CodeTimeout = "TIMEOUT"
	// CodeRateLimited: too many requests or subscriptions from one
	// client; extensions.retryAfter (seconds) says when to retry.
	CodeRateLimited = "RATE_LIMITED"
)

// Error is an error shown to a GraphQL client: a message fit for a user and
// a code in extensions. The cause stays on the server's log.
type Error struct {
	Code    string
	Message string
	// Details are extra extensions, such as the problems of each input.
	Details map[string]any
	Err     error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// Extensions is what graphql-go puts under "extensions".
func (e *Error) Extensions() map[string]any {
	m := map[string]any{"code": e.Code}
	for k, v := range e.Details {
		m[k] = v
	}
	return m
}

// userError turns an internal error into what a client may see. Known
// kinds keep their message; anything else is INTERNAL with a generic one.
func userError(what string, err error) *Error {
	var (
		apiErr   *Error
		inv      *events.ValidationError
		conflict *stream.ConflictError
		notYet   *graph.NotYetError
		cursor   *graph.CursorError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, graph.ErrNotFound):
		return &Error{Code: CodeNotFound, Message: what + " not found", Err: err}
	case errors.As(err, &inv):
		return &Error{Code: CodeInvalidInput, Message: fmt.Sprintf("%s: %s", what, err), Err: err}
	case errors.As(err, &cursor):
		return &Error{Code: CodeBadCursor, Message: err.Error(), Err: err}
	case errors.Is(err, graph.ErrTooLarge):
		return &Error{Code: CodeTooLarge, Message: err.Error(), Err: err}
	case errors.As(err, &conflict):
		return &Error{Code: CodeConflict, Message: err.Error(), Err: err}
	case errors.As(err, &notYet):
		return &Error{Code: CodeNotReady, Message: err.Error(), Err: err}
	case errors.Is(err, stream.ErrUnavailable):
		return &Error{Code: CodeUnavailable, Message: what + ": " + stream.ErrUnavailable.Error() + "; retry (an event already stored is recognised, not recorded twice)", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeTimeout, Message: what + ": ran over this server's time limit; narrow it (predicates, depth, page size)", Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Code: CodeUnavailable, Message: what + ": cancelled", Err: err}
	}
	return &Error{Code: CodeInternal, Message: what + ": internal error", Err: err}
}

// response is e as a GraphQL response with no data.
func (e *Error) response() *graphql.Response {
	return &graphql.Response{Errors: []*gqlerrors.QueryError{{Message: e.Message, Extensions: e.Extensions()}}}
}

// oneResult is a stream of one result.
func oneResult(r *graphql.Response) <-chan any {
	out := make(chan any, 1)
	out <- r
	close(out)
	return out
}

func invalid(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidInput, Message: fmt.Sprintf(format, args...)}
}
