package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// `dossier mcp` as an MCP client runs it (over in-memory pipes instead of
// its stdin and stdout), against a real server over HTTP.
func TestMCPStdio(t *testing.T) {
	ts := startServer(t, t.TempDir())
	ts.query(`mutation($in: [AssertionInput!]!) { recordAssertions(input: $in) { lastSequence } }`, map[string]any{"in": []any{
		map[string]any{"subject": map[string]any{"name": "Quillon Labs"}, "predicate": "OWNS", "object": map[string]any{"name": "Zapchat"},
			"evidence": map[string]any{"document": "notes", "sentence": "Zapchat is owned by Quillon Labs."}},
	}})
	s, done := runMCP(t, &mcpCmd{clientFlags: ts.flags()})

	var found struct{ Actors []struct{ Name string } }
	callTool(t, s, "search_actors", map[string]any{"search": "quill"}, &found)
	if len(found.Actors) != 1 || found.Actors[0].Name != "Quillon Labs" {
		t.Errorf("search quill: %+v", found)
	}
	var actor struct {
		Relationships []struct{ Predicate, Direction, Other string }
	}
	callTool(t, s, "get_actor", map[string]any{"actor": "zapchat"}, &actor)
	if len(actor.Relationships) != 1 || actor.Relationships[0] != (struct{ Predicate, Direction, Other string }{"OWNS", "IN", "Quillon Labs"}) {
		t.Errorf("Zapchat's relationships: %+v", actor)
	}
	var ev struct {
		Relationships []struct {
			Assertions []struct {
				Sentence string
				Document struct{ Source string }
			}
		}
	}
	callTool(t, s, "relationship_evidence", map[string]any{"subject": "Quillon Labs", "predicate": "OWNS", "object": "Zapchat"}, &ev)
	if len(ev.Relationships) != 1 || len(ev.Relationships[0].Assertions) != 1 || ev.Relationships[0].Assertions[0].Sentence != "Zapchat is owned by Quillon Labs." ||
		ev.Relationships[0].Assertions[0].Document.Source != "notes" {
		t.Errorf("evidence: %+v", ev)
	}
	// Without tokens the server takes the principal the command names.
	var ing struct{ Recorded int }
	callTool(t, s, "ingest_document", map[string]any{"text": "India banned Zapchat in June 2020.", "title": "Ban"}, &ing)
	var h struct {
		Events []struct{ Principal, Summary string }
	}
	callTool(t, s, "history", map[string]any{"actor": "India"}, &h)
	if ing.Recorded != 1 || len(h.Events) == 0 || h.Events[0].Principal != strings.Replace(cliPrincipal(), "cli", "mcp", 1) || h.Events[0].Summary != "recorded India BANS Zapchat" {
		t.Errorf("ingested %+v; India's history %+v", ing, h)
	}
	s.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dossier mcp ended with %v when the client hung up", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("dossier mcp still runs after the client hung up")
	}
}

// With the server down, the command still starts, and every call says
// why it fails: agents are often started before the server.
func TestMCPStdioServerDown(t *testing.T) {
	s, _ := runMCP(t, &mcpCmd{clientFlags: clientFlags{Server: "http://127.0.0.1:1", Timeout: 5 * time.Second}})
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "search_actors", Arguments: map[string]any{"search": "zap"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || len(res.Content) != 1 || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "cannot reach Dossier at http://127.0.0.1:1") {
		t.Errorf("server down: %+v", res.Content)
	}
	tools, err := s.ListTools(context.Background(), nil)
	if err != nil || !slices.ContainsFunc(tools.Tools, func(t *mcp.Tool) bool { return t.Name == "ingest_document" }) {
		t.Errorf("tools: %v %v", tools, err)
	}
}

// runMCP serves c on one end of an in-memory pipe and connects the SDK's
// client to the other; done receives what serve returned.
func runMCP(t *testing.T, c *mcpCmd) (*mcp.ClientSession, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	serverEnd, clientEnd := mcp.NewInMemoryTransports()
	done, ended := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(ended)
		done <- c.serve(ctx, serverEnd)
	}()
	t.Cleanup(func() {
		cancel()
		<-ended
	})
	s, err := mcp.NewClient(&mcp.Implementation{Name: "dossier-test-agent", Version: "1"}, nil).Connect(ctx, clientEnd, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, done
}

func callTool(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any, out any) {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		t.Fatalf("%s %v: %v", tool, args, res.Content[0].(*mcp.TextContent).Text)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v in %s", tool, err, b)
	}
}
