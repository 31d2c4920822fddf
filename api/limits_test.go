package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/node"
)

func startLimited(t *testing.T, l api.Limits) http.Handler {
	t.Helper()
	n, err := node.Start(context.Background(), node.Config{DataDir: t.TempDir(), Instance: "limits", Limits: l})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n.Handler()
}

func codeOf(r response) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return fmt.Sprint(r.Errors[0].Extensions["code"])
}

// Pages nested in pages are refused before they run (the issue's
// 300-byte query that took the server to 6 GB).
func TestCostLimit(t *testing.T) {
	h := startLimited(t, api.Limits{})
	post(t, h, gql(record, map[string]any{"in": []any{one("Acme", "OWNS", "Widgets", "Acme owns Widgets.")}}))
	q := "other { name }"
	for range 7 {
		q = "other { name relationships(first: 1000) { predicate " + q + " } }"
	}
	q = `{ actor(name: "Acme") { relationships(first: 1000) { predicate ` + q + ` } } }`
	if len(q) > 500 {
		t.Fatalf("the attack is %d bytes; want a small query", len(q))
	}
	code, r := post(t, h, gql(q, nil))
	if code != http.StatusBadRequest || codeOf(r) != api.CodeCostLimit || r.Data != nil {
		t.Fatalf("nested pages: %d %+v", code, r)
	}
	if r.Errors[0].Extensions["budget"] != float64(api.DefaultMaxQueryCost) {
		t.Errorf("extensions %v: want the budget", r.Errors[0].Extensions)
	}
	// The same query with small pages runs.
	small := strings.ReplaceAll(q, "first: 1000", "first: 2")
	if code, r := post(t, h, gql(small, nil)); code != 200 || len(r.Errors) > 0 {
		t.Fatalf("small pages: %d %+v", code, r)
	}
	// So do subscriptions over SSE, which are costed too.
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(gql(`subscription { assertionRecorded { subject { relationships(first: 1000) { other { relationships(first: 1000) { support } } } } } }`, nil)))
	req.Header.Set("Accept", "text/event-stream")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), api.CodeCostLimit) {
		t.Errorf("costly subscription: %d %s", rec.Code, rec.Body)
	}
}

// An answer over the response cap is refused as a whole.
func TestResponseCap(t *testing.T) {
	h := startLimited(t, api.Limits{MaxResponseBytes: 200})
	var in []any
	for i := range 20 {
		in = append(in, one(fmt.Sprintf("Company %d", i), "OWNS", "Widgets", fmt.Sprintf("Company %d owns Widgets.", i)))
	}
	if code, r := post(t, h, gql(record, map[string]any{"in": in})); code != 200 || len(r.Errors) > 0 {
		t.Fatalf("record: %d %+v", code, r)
	}
	code, r := post(t, h, gql(`{ actors(first: 100) { edges { node { id name type } } } }`, nil))
	if code != http.StatusBadRequest || codeOf(r) != api.CodeCostLimit || r.Data != nil {
		t.Fatalf("%d %+v", code, r)
	}
	if code, r := post(t, h, gql(`{ stats { actors } }`, nil)); code != 200 || len(r.Errors) > 0 {
		t.Fatalf("a small answer: %d %+v", code, r)
	}
}

// A query over its time is answered TIMEOUT.
func TestQueryTimeout(t *testing.T) {
	h := startLimited(t, api.Limits{QueryTimeout: time.Nanosecond})
	code, r := post(t, h, gql(`{ neighbors(actor: "nobody", depth: 2) { depth } }`, nil))
	if codeOf(r) != api.CodeTimeout || code != http.StatusGatewayTimeout {
		t.Fatalf("%d %+v", code, r)
	}
}

// One client over its rate is told to wait, with Retry-After; another
// client is not slowed by it.
func TestRateLimit(t *testing.T) {
	h := startLimited(t, api.Limits{Rate: 1, Burst: 2})
	ask := func(addr string) (*httptest.ResponseRecorder, response) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ stats { actors } }"}`))
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var r response
		decode(t, rec.Body.Bytes(), &r)
		return rec, r
	}
	for range 2 {
		if rec, r := ask("192.0.2.1:1000"); rec.Code != 200 {
			t.Fatalf("within the burst: %d %+v", rec.Code, r)
		}
	}
	rec, r := ask("192.0.2.1:1001")
	if rec.Code != http.StatusTooManyRequests || codeOf(r) != api.CodeRateLimited || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("over the rate: %d %v %+v", rec.Code, rec.Header(), r)
	}
	if rec, r := ask("192.0.2.2:1000"); rec.Code != 200 {
		t.Fatalf("another client: %d %+v", rec.Code, r)
	}
}

// One client may not hold more subscriptions than its share.
func TestSubscriptionCap(t *testing.T) {
	srv := httptest.NewServer(startLimited(t, api.Limits{MaxSubscriptionsPerPrincipal: 2}))
	defer srv.Close()
	open := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"subscription { assertionRecorded { sequence } }"}`))
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Content-Type", "application/json")
		return http.DefaultClient.Do(req)
	}
	var held []*http.Response
	defer func() {
		for _, r := range held {
			r.Body.Close()
		}
	}()
	for range 2 {
		resp, err := open()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("open: %v %v", resp, err)
		}
		held = append(held, resp)
	}
	// Refused in the stream, as the GraphQL-over-SSE protocol has it.
	resp, err := open()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), api.CodeRateLimited) || !strings.Contains(string(body), "event: complete") {
		t.Fatalf("third: %d %s", resp.StatusCode, body)
	}
	// A closed subscription gives its slot back.
	held[0].Body.Close()
	held = held[1:]
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := open()
		if err == nil {
			// A refusal comes at once; a subscription says nothing.
			got := make(chan string, 1)
			go func() {
				b := make([]byte, 512)
				n, _ := resp.Body.Read(b)
				got <- string(b[:n])
			}()
			select {
			case first := <-got:
				if !strings.Contains(first, "errors") {
					t.Fatalf("an open subscription said %q", first)
				}
			case <-time.After(300 * time.Millisecond):
				held = append(held, resp)
				return
			}
		}
		if resp != nil {
			resp.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatal("the slot of a closed subscription was not given back")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("not JSON: %v: %.200q", err, b)
	}
}
