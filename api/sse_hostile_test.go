package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A bad argument to a subscription over SSE is an error event, never a
// panic.
func TestSSEBadArgument(t *testing.T) {
	h := startNode(t)
	for _, q := range []string{
		`subscription { assertionRecorded(after: -1) { sequence } }`,
		`subscription { assertionRecorded(after: "x") { sequence } }`,
	} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(gql(q, nil)))
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if body := rec.Body.String(); strings.Contains(body, "panic") || !strings.Contains(body, "errors") {
			t.Errorf("%s: %d %q", q, rec.Code, body)
		}
	}
}
