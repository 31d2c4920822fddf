package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/node"
)

func startNode(t testing.TB) http.Handler {
	t.Helper()
	n, err := node.Start(context.Background(), node.Config{DataDir: t.TempDir(), Instance: "api-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n.Handler()
}

type response struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t testing.TB, h http.Handler, body string) (int, response) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("response to %.80q is not JSON (%d): %.200q", body, rec.Code, rec.Body.String())
	}
	return rec.Code, r
}

func gql(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

const record = `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in) { lastSequence projected assertions { id duplicate } } }`

func one(subj, pred, obj, sentence string) map[string]any {
	return map[string]any{
		"subject": map[string]any{"name": subj}, "predicate": pred, "object": map[string]any{"name": obj},
		"evidence": map[string]any{"document": "notes", "sentence": sentence},
	}
}

// Names are text: wildcard and separator characters of NATS subjects are
// stored and found as written, while the subject the event is published
// on stays valid.
func TestHostileNames(t *testing.T) {
	h := startNode(t)
	names := []string{"Acme.*>Corp", "a b.c", "Ünïcödé ✓", `Quote "Inc"`, "C++", "C#"}
	var in []map[string]any
	for i, n := range names {
		in = append(in, one(n, "OWNS", "Target", "sentence "+string(rune('a'+i))))
	}
	code, r := post(t, h, gql(record, map[string]any{"in": in}))
	if code != 200 || len(r.Errors) > 0 {
		t.Fatalf("record: %d %+v", code, r.Errors)
	}
	ids := map[string]string{}
	for _, n := range names {
		_, r := post(t, h, gql(`query($n: String) { actor(name: $n) { id name relationships { other { name } } } }`, map[string]any{"n": n}))
		a, _ := r.Data["actor"].(map[string]any)
		if a == nil {
			t.Errorf("actor %q not found: %+v", n, r.Errors)
			continue
		}
		if other, ok := ids[a["id"].(string)]; ok {
			t.Errorf("%q and %q are one actor, %s", other, n, a["id"])
		}
		ids[a["id"].(string)] = n
	}
}

func TestBadRequests(t *testing.T) {
	h := startNode(t)
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"not json", `{"query": `, 400, "BAD_REQUEST"},
		{"no query", `{}`, 400, "BAD_REQUEST"},
		{"invalid utf-8", "{\"query\": \"{ actor(name: \\\"\xff\xfe\\\") { name } }\"}", 400, "BAD_REQUEST"},
		{"control characters in a name", gql(record, map[string]any{"in": []any{one("x\u0000y", "OWNS", "Target", "s.")}}), 200, "INVALID_INPUT"},
		{"an escape in a name", gql(record, map[string]any{"in": []any{one("\u001b[2J", "OWNS", "Target", "s.")}}), 200, "INVALID_INPUT"},
		{"huge", `{"query": "` + strings.Repeat("{", ingest.DefaultMaxBytes+1<<20) + `"}`, 413, "TOO_LARGE"},
		{"long query", gql("{ stats { actors } }"+strings.Repeat(" ", 70<<10), nil), 400, "GRAPHQL_VALIDATION_FAILED"},
		{"empty batch", gql(record, map[string]any{"in": []any{}}), 200, "INVALID_INPUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, r := post(t, h, c.body)
			if status != c.status {
				t.Errorf("status = %d, want %d (%+v)", status, c.status, r.Errors)
			}
			if c.code == "" {
				return
			}
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != c.code {
				t.Errorf("errors = %+v, want code %s", r.Errors, c.code)
			}
		})
	}
}

// Hostile bodies never crash the server, never get a 5xx, and always get
// a JSON answer; whatever they do, what was stored stays.
func FuzzGraphQLHandler(f *testing.F) {
	// The fuzzer is one client sending thousands of requests a second:
	// no rate limit, or it would only be told to slow down.
	n, err := node.Start(context.Background(), node.Config{DataDir: f.TempDir(), Instance: "fuzz", Limits: api.Limits{Rate: -1}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	h := n.Handler()
	if _, r := post(f, h, gql(record, map[string]any{"in": []any{one("ByteDance", "OWNS", "TikTok", "ByteDance owns TikTok.")}})); len(r.Errors) > 0 {
		f.Fatal(r.Errors)
	}
	for _, s := range []string{
		gql(`{ actor(name: "TikTok") { name relationships { other { name } } } }`, nil),
		gql(`{ neighbors(actor: "ByteDance", depth: 3) { depth } }`, nil),
		gql(`{ path(from: "ByteDance", to: "TikTok") { length } }`, nil),
		gql(`{ actors(after: "xyz") { edges { cursor } } }`, nil),
		gql(record, map[string]any{"in": []any{one("A", "NOPE", "B", "s")}}),
		`{"query": "{ node(id: \"relationship:a\") { id } }"}`,
		`{"query": "query { __schema { types { name } } }"}`,
		`[1,2,3]`, `null`, `{"query": 7}`, `{"variables": {"x": {"y": [1e400]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("non-JSON answer for %q: %q", body, rec.Body.String())
		}
		_, r := post(t, h, gql(`{ actor(name: "TikTok") { name } }`, nil))
		if a, _ := r.Data["actor"].(map[string]any); a == nil || a["name"] != "TikTok" {
			t.Fatalf("after %q, TikTok is gone: %+v", body, r)
		}
	})
}

// A request whose context ends (the client gave up, a deadline passed) is
// answered UNAVAILABLE with 503: not the client's mistake, and retrying
// a mutation is safe.
func TestCancelledRequest(t *testing.T) {
	h := startNode(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ stats { assertions } }"}`)).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("not JSON: %s", rec.Body.String())
	}
	if rec.Code != http.StatusServiceUnavailable || len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAVAILABLE" {
		t.Errorf("cancelled request: %d %s, want 503 UNAVAILABLE", rec.Code, rec.Body.String())
	}
}
