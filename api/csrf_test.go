package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A web page in the user's browser can send a form (form data,
// text/plain) or a fetch from its own origin to a Dossier on localhost:
// neither may write, and the refusal records nothing.
func TestCrossSiteRequestsRefused(t *testing.T) {
	h := startNode(t)
	body := gql(record, map[string]any{"in": []any{one("Canada", "BANS", "Zapchat", "Canada banned Zapchat.")}})
	for _, c := range []struct {
		name, contentType, origin string
		status                    int
		code                      string
	}{
		{"form", "application/x-www-form-urlencoded", "", http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{"text/plain", "text/plain;charset=UTF-8", "", http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{"multipart", "multipart/form-data; boundary=x", "", http.StatusUnsupportedMediaType, "BAD_REQUEST"},
		{"another origin", "application/json", "https://evil.example", http.StatusForbidden, "FORBIDDEN"},
		{"another origin, no type", "", "https://evil.example", http.StatusForbidden, "FORBIDDEN"},
	} {
		rec := send(h, "/graphql", body, c.contentType, c.origin)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), `"`+c.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", c.name, rec.Code, rec.Body.String(), c.status, c.code)
		}
	}
	_, r := post(t, h, `{"query":"{ stats { assertions } }"}`)
	if n := r.Data["stats"].(map[string]any)["assertions"]; n != float64(0) {
		t.Errorf("refused requests recorded %v assertions", n)
	}
	// Scripts, curl with a JSON type, and the server's own pages still write.
	for _, origin := range []string{"", "http://example.com"} {
		rec := send(h, "/graphql", body, "application/json", origin) // httptest's host is example.com
		if rec.Code != http.StatusOK {
			t.Errorf("origin %q: %d %s", origin, rec.Code, rec.Body.String())
		}
	}
}

// send POSTs body to path with the Content-Type and Origin given (none
// when empty).
func send(h http.Handler, path, body, contentType, origin string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// The admin endpoints refuse a web page's requests too.
func TestCrossSiteAdminRefused(t *testing.T) {
	h := startNode(t)
	for _, path := range []string{"/admin/verify", "/admin/reextract"} {
		rec := send(h, path, "{}", "", "https://evil.example")
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s from another origin: %d %s", path, rec.Code, rec.Body.String())
		}
	}
}

// A client-chosen event id reused for another correction is refused: it
// must not answer with the first correction's sequence while the second
// never happens.
func TestReusedEventIDRefused(t *testing.T) {
	h := startNode(t)
	_, r := post(t, h, gql(record, map[string]any{"in": []any{
		one("Canada", "BANS", "Zapchat", "Canada banned Zapchat."), one("Peru", "BANS", "Zapchat", "Peru banned Zapchat.")}}))
	asr := r.Data["recordAssertions"].(map[string]any)["assertions"].([]any)
	a, b := asr[0].(map[string]any)["id"].(string), asr[1].(map[string]any)["id"].(string)
	retract := `mutation($id: ID!) { retractAssertion(id: $id, reason: "misread", eventId: "cor-fix-1") { sequence } }`
	if code, r := post(t, h, gql(retract, map[string]any{"id": a})); code != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("first retraction: %d %v", code, r.Errors)
	}
	if _, r := post(t, h, gql(retract, map[string]any{"id": a})); len(r.Errors) > 0 {
		t.Errorf("the same retraction again (a retry) is refused: %v", r.Errors)
	}
	_, r = post(t, h, gql(retract, map[string]any{"id": b}))
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "CONFLICT" {
		t.Errorf("another retraction under the same event id: %+v, want CONFLICT", r)
	}
	_, r = post(t, h, gql(`query($id: ID!) { node(id: $id) { ... on Assertion { retracted { reason } } } }`, map[string]any{"id": b}))
	if n, _ := r.Data["node"].(map[string]any); n == nil || n["retracted"] != nil {
		t.Errorf("the second assertion: %+v, want it live", r.Data)
	}
}

// Correcting what the graph does not hold is refused with NOT_FOUND and
// records nothing.
func TestCorrectingMissingThingsRefused(t *testing.T) {
	h := startNode(t)
	missing := strings.Repeat("ab", 16)
	for _, m := range []string{
		`mutation { retractAssertion(id: "assertion:` + missing + `", reason: "r") { sequence } }`,
		`mutation { retractDocument(id: "document:` + missing + `", reason: "r") { sequence } }`,
	} {
		_, r := post(t, h, gql(m, nil))
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "NOT_FOUND" {
			t.Errorf("%s: %+v, want NOT_FOUND", m, r)
		}
	}
	_, r := post(t, h, `{"query":"{ stats { sequence } }"}`)
	if seq := r.Data["stats"].(map[string]any)["sequence"]; seq != "0" && seq != float64(0) {
		t.Errorf("refused corrections appended events: sequence %v", seq)
	}
}

// Undoing a merge that never happened is refused and records nothing.
func TestUnmergeWithoutMergeRefused(t *testing.T) {
	h := startNode(t)
	post(t, h, gql(record, map[string]any{"in": []any{one("Canada", "BANS", "Zapchat", "Canada banned Zapchat.")}}))
	_, before := post(t, h, `{"query":"{ stats { sequence } }"}`)
	_, r := post(t, h, gql(`mutation { unmergeActors(from: "canada", into: "zapchat", reason: "r") { sequence } }`, nil))
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "CONFLICT" {
		t.Errorf("unmerge of actors never merged: %+v, want CONFLICT", r)
	}
	_, after := post(t, h, `{"query":"{ stats { sequence } }"}`)
	if before.Data["stats"].(map[string]any)["sequence"] != after.Data["stats"].(map[string]any)["sequence"] {
		t.Errorf("the refused unmerge appended an event: %v -> %v", before.Data, after.Data)
	}
}
