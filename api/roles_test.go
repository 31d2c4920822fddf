package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/node"
)

// Every operation × {anonymous, reader, writer, admin}: allowed, or
// UNAUTHENTICATED / FORBIDDEN with nothing changed; and the principal
// recorded is the token's subject, whatever header the client sends.
func TestRoleMatrix(t *testing.T) {
	secrets := map[string]string{}
	var f auth.File
	for _, role := range []string{"reader", "writer", "admin"} {
		s, h := auth.NewSecret()
		secrets[role] = s
		f.Tokens = append(f.Tokens, auth.Token{Subject: role + "@newsroom", Role: role, SHA256: h})
	}
	tokens, err := auth.New(f)
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(context.Background(), node.Config{DataDir: t.TempDir(), Instance: "roles", Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	h := n.Handler()
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
