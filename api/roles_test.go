package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/node"
)

// Every operation × {anonymous, reader, writer, admin}: allowed, or
// UNAUTHENTICATED / FORBIDDEN with nothing changed; and the principal
// recorded is the token's subject, whatever header the client sends.
func TestRoleMatrix(t *testing.T) {
	h, secrets := tokenNode(t, "")
	do := func(who, path, body string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Dossier-Principal", "chief-editor") // never trusted with tokens
		if s := secrets[who]; s != "" {
			req.Header.Set("Authorization", "Bearer "+s)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	sequence := func() string {
		_, body := do("admin", "/graphql", `{"query":"{ stats { sequence } }"}`)
		return body
	}
	// An assertion to correct.
	if code, body := do("writer", "/graphql", gql(record, map[string]any{"in": []any{one("Canada", "BANS", "Zapchat", "Canada banned Zapchat.")}})); code != 200 || strings.Contains(body, "errors") {
		t.Fatalf("writer records: %d %s", code, body)
	}
	ops := []struct {
		name, path, body string
		least            string // the weakest role allowed
	}{
		{"query", "/graphql", `{"query":"{ stats { assertions } }"}`, "reader"},
		{"recordAssertions", "/graphql", gql(record, map[string]any{"in": []any{one("Peru", "BANS", "Zapchat", "Peru banned Zapchat.")}}), "writer"},
		{"ingestDocument", "/graphql", gql(`mutation { ingestDocument(input: {text: "Chile banned Zapchat."}) { sequence } }`, nil), "writer"},
		{"correctActor", "/graphql", gql(`mutation { correctActor(actor: "Zapchat", type: "PRODUCT", reason: "r") { sequence } }`, nil), "admin"},
		{"mergeActors", "/graphql", gql(`mutation { mergeActors(from: "Peru", into: "Canada", reason: "r") { sequence } }`, nil), "admin"},
		{"eraseDocument", "/graphql", gql(`mutation($id: ID!) { eraseDocument(id: $id, reason: "court order") { sequence } }`,
			map[string]any{"id": "document:" + events.SourceDocumentID("notes")}), "admin"},
		{"/admin/verify", "/admin/verify", `{}`, "admin"},
	}
	rank := map[string]int{"anonymous": 0, "reader": 1, "writer": 2, "admin": 3}
	for _, op := range ops {
		for _, who := range []string{"anonymous", "reader", "writer", "admin"} {
			before := sequence()
			code, body := do(who, op.path, op.body)
			allowed := rank[who] >= rank[op.least]
			switch {
			case allowed && (code != 200 || strings.Contains(body, `"errors"`)):
				t.Errorf("%s as %s: %d %.200s, want it allowed", op.name, who, code, body)
			case !allowed && who == "anonymous" && !strings.Contains(body, "UNAUTHENTICATED"):
				t.Errorf("%s as %s: %d %.200s, want UNAUTHENTICATED", op.name, who, code, body)
			case !allowed && who != "anonymous" && !strings.Contains(body, "FORBIDDEN"):
				t.Errorf("%s as %s: %d %.200s, want FORBIDDEN", op.name, who, code, body)
			case !allowed && sequence() != before:
				t.Errorf("%s as %s was refused but the log moved", op.name, who)
			}
		}
	}
	_, body := do("admin", "/graphql", `{"query":"{ history(actor: \"Canada\", first: 50) { edges { node { principal } } } }"}`)
	if strings.Contains(body, "chief-editor") || !strings.Contains(body, "writer@newsroom") {
		t.Errorf("principals recorded: %.400s", body)
	}
}

// tokenNode starts a node with a reader, a writer and an admin token,
// and returns its handler and their secrets by role.
func tokenNode(t *testing.T, metricsToken string) (http.Handler, map[string]string) {
	t.Helper()
	tokens, secrets := testenv.Tokens(t)
	n, err := node.Start(context.Background(), node.Config{DataDir: t.TempDir(), Instance: "roles", Tokens: tokens, MetricsToken: metricsToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n.Handler(), secrets
}

// Subscriptions, over SSE and WebSocket, need a reader's token; /metrics
// needs its own.
func TestRoleMatrixStreams(t *testing.T) {
	h, secrets := tokenNode(t, "scrape-secret")
	srv := httptest.NewServer(h)
	defer srv.Close()
	const sub = `{"query":"subscription { assertionRecorded { sequence } }"}`
	for _, who := range []string{"anonymous", "reader", "writer", "admin"} {
		header := http.Header{}
		if s := secrets[who]; s != "" {
			header.Set("Authorization", "Bearer "+s)
		}
		want := map[string]int{"anonymous": http.StatusUnauthorized}[who]
		if want == 0 {
			want = http.StatusOK
		}
		// SSE
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(sub))
		req.Header = header.Clone()
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("SSE subscription as %s: %d, want %d", who, resp.StatusCode, want)
		}
		// WebSocket
		d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second}
		ws, resp, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", header)
		if ws != nil {
			ws.Close()
		}
		switch {
		case want == http.StatusOK && err != nil:
			t.Errorf("WebSocket as %s: %v", who, err)
		case want != http.StatusOK && (resp == nil || resp.StatusCode != want):
			t.Errorf("WebSocket as %s: %v %v, want %d", who, resp, err, want)
		}
		// /metrics: not with a role's token.
		req, _ = http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
		req.Header = header.Clone()
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/metrics as %s: %d, want 401", who, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer scrape-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics with its token: %d", resp.StatusCode)
	}
}

// Without a metrics token, /metrics answers this machine only.
func TestMetricsLoopbackOnly(t *testing.T) {
	h := startNode(t)
	for addr, want := range map[string]int{"127.0.0.1:5000": 200, "[::1]:5000": 200, "192.0.2.7:5000": http.StatusForbidden} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("/metrics from %s: %d, want %d", addr, rec.Code, want)
		}
	}
}

// A WebSocket offering no subprotocol Dossier speaks is refused before
// the upgrade, with a reason, not switched and then reset.
func TestWebSocketWrongSubprotocol(t *testing.T) {
	srv := httptest.NewServer(startNode(t))
	defer srv.Close()
	for _, protos := range [][]string{nil, {"graphql-ws"}, {"mqtt", "chat"}} {
		d := websocket.Dialer{Subprotocols: protos, HandshakeTimeout: 5 * time.Second}
		ws, resp, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", nil)
		if ws != nil {
			ws.Close()
			t.Errorf("%v: upgraded", protos)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%v: %v %v, want 400", protos, resp, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), "graphql-transport-ws") || !strings.Contains(string(b), "BAD_REQUEST") {
			t.Errorf("%v: %s", protos, b)
		}
	}
}
