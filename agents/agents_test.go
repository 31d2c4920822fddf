package agents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/node"
)

// A real node with reader, writer and admin tokens behind a real HTTP
// server; agents reach it at /mcp with the SDK's own client.
func TestToolsOverHTTP(t *testing.T) {
	srv, secrets := tokenServer(t)
	e := &env{url: srv.URL, secrets: secrets}
	e.ownsSeq = seed(t, srv.URL, secrets["writer"])
	e.reader = connect(t, srv.URL, secrets["reader"])
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *env)
	}{
		{"list", testList},
		{"search_actors", testSearchActors},
		{"get_actor", testGetActor},
		{"relationship_evidence", testRelationshipEvidence},
		{"neighbors", testNeighbors},
		{"path", testPath},
		{"history", testHistory},
		{"as_of", testAsOf},
		{"contested", testContested},
		{"invalid input", testInvalidInput},
		{"ingest_document", testIngestDocument},
		{"unauthenticated", testUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, e) })
	}
}

// env is the server the subtests of TestToolsOverHTTP share.
type env struct {
	url     string
	secrets map[string]string
	reader  *mcp.ClientSession
	ownsSeq uint64 // the sequence after Quillon Labs OWNS Zapchat
}

func testList(t *testing.T, e *env) {
	res, err := e.reader.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		if len(tool.Description) < 80 || tool.InputSchema == nil || tool.OutputSchema == nil {
			t.Errorf("%s: description %q, schemas %v %v", tool.Name, tool.Description, tool.InputSchema, tool.OutputSchema)
		}
	}
	slices.Sort(names)
	want := []string{"as_of", "contested", "get_actor", "history", "ingest_document", "neighbors", "path", "relationship_evidence", "search_actors"}
	if !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
}

func testSearchActors(t *testing.T, e *env) {
	var out struct{ Actors []struct{ Name, Type string } }
	call(t, e.reader, "search_actors", map[string]any{"search": "zap"}, &out)
	if len(out.Actors) != 1 || out.Actors[0].Name != "Zapchat" {
		t.Errorf("search zap: %+v", out.Actors)
	}
}

func testGetActor(t *testing.T, e *env) {
	var out struct {
		Name          string
		Relationships []struct {
			Predicate, Direction, Other, Relationship string
			Support                                   int
		}
	}
	call(t, e.reader, "get_actor", map[string]any{"actor": "zapchat"}, &out)
	var got []string
	for _, r := range out.Relationships {
		got = append(got, r.Predicate+" "+r.Direction+" "+r.Other)
		if r.Support < 1 || !strings.HasPrefix(r.Relationship, "relationship:") {
			t.Errorf("edge %+v", r)
		}
	}
	for _, want := range []string{"OWNS IN Quillon Labs", "BANS IN India", "SHARES_DATA_WITH OUT Ministry of State Security"} {
		if !slices.Contains(got, want) {
			t.Errorf("Zapchat's relationships %q lack %q", got, want)
		}
	}
	if out.Name != "Zapchat" {
		t.Errorf("name %q", out.Name)
	}
	if msg := callErr(t, e.reader, "get_actor", map[string]any{"actor": "Nobody Inc"}); !strings.Contains(msg, "NOT_FOUND") {
		t.Errorf("unknown actor: %q", msg)
	}
}

func testRelationshipEvidence(t *testing.T, e *env) {
	// Asked the wrong way round, as agents do: the reverse is found.
	for _, ends := range [][2]string{{"Quillon Labs", "Zapchat"}, {"zapchat", "quillon labs"}} {
		var out evidence
		call(t, e.reader, "relationship_evidence", map[string]any{"subject": ends[0], "predicate": "owns", "object": ends[1]}, &out)
		if len(out.Relationships) != 1 {
			t.Fatalf("%v: %+v", ends, out)
		}
		r := out.Relationships[0]
		if r.Subject != "Quillon Labs" || r.Object != "Zapchat" || len(r.Assertions) == 0 {
			t.Fatalf("%v: %+v", ends, r)
		}
		a := r.Assertions[0]
		if a.Sentence != "Zapchat is owned by Quillon Labs." || a.Document.Title != "Zapchat's owners" || a.Document.URL != "https://example.org/zapchat" ||
			a.Polarity != "AFFIRMED" || a.Modality != "ACTUAL" {
			t.Errorf("%v: evidence %+v", ends, a)
		}
	}
	var out evidence
	call(t, e.reader, "relationship_evidence", map[string]any{"subject": "Zapchat", "predicate": "SHARES_DATA_WITH", "object": "Ministry of State Security"}, &out)
	said := map[string]string{}
	for _, a := range out.Relationships[0].Assertions {
		said[a.AttributedTo] = a.Polarity + ": " + a.Sentence + " (" + a.Document.Source + ")"
	}
	if said["Mike Pompeo"] != "AFFIRMED: Pompeo said Zapchat shares user data with the Ministry of State Security. (briefing)" ||
		said["Quillon Labs"] != "NEGATED: Quillon Labs denies that Zapchat shares data with the Ministry of State Security. (briefing)" {
		t.Errorf("who said what: %q", said)
	}
	// first: 1 reads one page of one: the oldest, with the support
	// saying what was left out.
	var one evidence
	call(t, e.reader, "relationship_evidence", map[string]any{"subject": "Zapchat", "predicate": "SHARES_DATA_WITH", "object": "Ministry of State Security", "first": 1}, &one)
	if r := one.Relationships[0]; len(r.Assertions) != 1 || r.Support != 2 || r.Actual != 2 || r.Assertions[0].AttributedTo != out.Relationships[0].Assertions[0].AttributedTo {
		t.Errorf("first: 1: %+v; want the oldest of 2", r)
	}
	if msg := callErr(t, e.reader, "relationship_evidence", map[string]any{"subject": "India", "predicate": "OWNS", "object": "Zapchat"}); !strings.Contains(msg, "NOT_FOUND") {
		t.Errorf("no such relationship: %q", msg)
	}
}

func testNeighbors(t *testing.T, e *env) {
	var out struct {
		Neighbors []struct {
			Name, From, Predicate, Direction string
			Depth                            int
		}
		Total int
	}
	call(t, e.reader, "neighbors", map[string]any{"actor": "India", "depth": 2}, &out)
	var got []string
	for _, n := range out.Neighbors {
		got = append(got, fmt.Sprint(n.Depth, " ", n.Name, " via ", n.From, " ", n.Predicate, " ", n.Direction))
	}
	for _, want := range []string{"1 Zapchat via India BANS OUT", "2 Quillon Labs via Zapchat OWNS IN"} {
		if !slices.Contains(got, want) {
			t.Errorf("India's neighbors %q lack %q", got, want)
		}
	}
	if out.Total != len(out.Neighbors) {
		t.Errorf("total %d of %d", out.Total, len(out.Neighbors))
	}
	if msg := callErr(t, e.reader, "neighbors", map[string]any{"actor": "India", "depth": 3}); !strings.Contains(msg, "maximum") {
		t.Errorf("depth 3: %q", msg)
	}
	// Zapchat has three neighbours; a cap of one follows its strongest
	// relationship only (Ministry of State Security: affirmed and denied).
	call(t, e.reader, "neighbors", map[string]any{"actor": "Zapchat"}, &out)
	all := out.Total
	call(t, e.reader, "neighbors", map[string]any{"actor": "Zapchat", "maxPerActor": 1}, &out)
	if all != 3 || out.Total != 1 || out.Neighbors[0].Name != "Ministry of State Security" {
		t.Errorf("Zapchat's neighbours: %d without a cap, %+v with maxPerActor 1", all, out)
	}
	if msg := callErr(t, e.reader, "neighbors", map[string]any{"actor": "Zapchat", "maxPerActor": 1001}); !strings.Contains(msg, "maximum") {
		t.Errorf("maxPerActor 1001: %q", msg)
	}
}

func testPath(t *testing.T, e *env) {
	var out struct {
		Found  bool
		Length int
		Steps  []struct{ From, Predicate, Direction, To string }
	}
	call(t, e.reader, "path", map[string]any{"from": "India", "to": "Quillon Labs"}, &out)
	if !out.Found || out.Length != 2 || len(out.Steps) != 2 || out.Steps[1].From != "Zapchat" || out.Steps[1].To != "Quillon Labs" || out.Steps[1].Direction != "IN" {
		t.Errorf("path India → Quillon Labs: %+v", out)
	}
	// Through Zapchat capped at its strongest relationship, the path
	// from India must come from Quillon Labs' side of the search.
	call(t, e.reader, "path", map[string]any{"from": "India", "to": "Quillon Labs", "maxPerActor": 1}, &out)
	if !out.Found || out.Length != 2 {
		t.Errorf("path India → Quillon Labs, maxPerActor 1: %+v", out)
	}
	if msg := callErr(t, e.reader, "path", map[string]any{"from": "India", "to": "Quillon Labs", "maxPerActor": 0}); !strings.Contains(msg, "minimum") {
		t.Errorf("maxPerActor 0: %q", msg)
	}
}

func testHistory(t *testing.T, e *env) {
	var out struct {
		Events []struct {
			Sequence        uint64
			Type, Principal string
			Summary         string
		}
		More bool
	}
	call(t, e.reader, "history", map[string]any{"actor": "Zapchat", "first": 2}, &out)
	if len(out.Events) != 2 || !out.More || out.Events[0].Principal != "writer@newsroom" || out.Events[0].Summary == "" || out.Events[0].Sequence > out.Events[1].Sequence {
		t.Errorf("Zapchat's history: %+v", out)
	}
	if msg := callErr(t, e.reader, "history", map[string]any{"actor": "Zapchat", "document": "document:x"}); !strings.Contains(msg, "INVALID_INPUT") {
		t.Errorf("two targets: %q", msg)
	}
}

func testAsOf(t *testing.T, e *env) {
	var out struct {
		Sequence uint64
		Actor    struct {
			Name          string
			Relationships []struct{ Predicate, Other string }
		}
	}
	call(t, e.reader, "as_of", map[string]any{"sequence": e.ownsSeq, "actor": "Zapchat"}, &out)
	if out.Sequence != e.ownsSeq || out.Actor.Name != "Zapchat" || len(out.Actor.Relationships) != 1 || out.Actor.Relationships[0].Other != "Quillon Labs" {
		t.Errorf("Zapchat as of %d: %+v", e.ownsSeq, out)
	}
}

func testContested(t *testing.T, e *env) {
	var out evidence
	call(t, e.reader, "contested", map[string]any{}, &out)
	if len(out.Relationships) != 1 {
		t.Fatalf("contested: %+v", out)
	}
	r := out.Relationships[0]
	if r.Predicate != "SHARES_DATA_WITH" || r.Affirmed != 1 || r.Negated != 1 || r.Actual != 2 || len(r.Assertions) != 2 {
		t.Errorf("contested: %+v", r)
	}
}

func testInvalidInput(t *testing.T, e *env) {
	if msg := callErr(t, e.reader, "search_actors", map[string]any{"search": "zap", "first": 500}); !strings.Contains(msg, "first") {
		t.Errorf("first 500: %q", msg)
	}
}

func testIngestDocument(t *testing.T, e *env) {
	doc := map[string]any{"text": "Norvia Telecom bought Zapchat in March.", "title": "A sale", "url": "https://example.org/sale", "published": "2021-03-02"}
	before := stats(t, e.url, e.secrets["reader"])
	if msg := callErr(t, e.reader, "ingest_document", doc); !strings.Contains(msg, "FORBIDDEN") || !strings.Contains(msg, "writer") {
		t.Errorf("reader ingests: %q", msg)
	}
	if after := stats(t, e.url, e.secrets["reader"]); after != before {
		t.Errorf("a refused ingestion moved the log from %d to %d", before, after)
	}
	writer := connect(t, e.url, e.secrets["writer"])
	var out struct {
		DocumentID string
		Duplicate  bool
		Recorded   int
		Actors     []struct{ Name string }
		Assertions []struct{ Subject, Predicate, Object, Sentence string }
	}
	call(t, writer, "ingest_document", doc, &out)
	if !strings.HasPrefix(out.DocumentID, "document:") || out.Duplicate || out.Recorded != 1 || len(out.Assertions) != 1 ||
		out.Assertions[0].Subject != "Norvia Telecom" || out.Assertions[0].Predicate != "ACQUIRES" || out.Assertions[0].Sentence != "Norvia Telecom bought Zapchat in March." {
		t.Fatalf("writer ingests: %+v", out)
	}
	var found struct{ Actors []struct{ Name string } }
	call(t, e.reader, "search_actors", map[string]any{"search": "norvia"}, &found)
	if len(found.Actors) != 1 || found.Actors[0].Name != "Norvia Telecom" {
		t.Errorf("the new actor: %+v", found)
	}
	call(t, writer, "ingest_document", doc, &out)
	if !out.Duplicate {
		t.Errorf("the same text again: %+v", out)
	}
}

func testUnauthenticated(t *testing.T, e *env) {
	anon := connect(t, e.url, "")
	if msg := callErr(t, anon, "search_actors", map[string]any{"search": "zap"}); !strings.Contains(msg, "UNAUTHENTICATED") {
		t.Errorf("no token: %q", msg)
	}
	bad := connect(t, e.url, "not-a-token")
	if msg := callErr(t, bad, "get_actor", map[string]any{"actor": "Zapchat"}); !strings.Contains(msg, "UNAUTHENTICATED") {
		t.Errorf("a forged token: %q", msg)
	}
}

// A web page may not call the tools: MCP asks servers to check Origin
// against DNS rebinding, and the API refuses other origins too.
func TestOrigin(t *testing.T) {
	srv, _ := tokenServer(t)
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"page","version":"1"}}}`
	for origin, want := range map[string]int{"https://evil.example": http.StatusForbidden, "null": http.StatusForbidden, srv.URL: http.StatusOK, "": http.StatusOK} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp", strings.NewReader(initialize))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Origin %q: %d %s, want %d", origin, resp.StatusCode, body, want)
		}
		if want == http.StatusOK && !strings.Contains(string(body), `"serverInfo"`) {
			t.Errorf("Origin %q: %s", origin, body)
		}
	}
}

// On a server without tokens the caller names itself, as on /graphql;
// an agent that does not is recorded as "mcp".
func TestPrincipalWithoutTokens(t *testing.T) {
	n, err := node.Start(context.Background(), node.Config{DataDir: t.TempDir(), Instance: "agents-open"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(srv.Close)
	named := connectWith(t, srv.URL, http.Header{"Dossier-Principal": {"agent-7"}})
	anon := connectWith(t, srv.URL, nil)
	var out struct{ Recorded int }
	call(t, named, "ingest_document", map[string]any{"text": "Norvia Telecom bought Zapchat."}, &out)
	call(t, anon, "ingest_document", map[string]any{"text": "India banned Zapchat."}, &out)
	var h struct {
		Events []struct{ Principal, Type string }
	}
	call(t, anon, "history", map[string]any{"actor": "Zapchat"}, &h)
	var principals []string
	for _, e := range h.Events {
		principals = append(principals, e.Principal)
	}
	if !slices.Contains(principals, "agent-7") || !slices.Contains(principals, "mcp") {
		t.Errorf("principals %q, want agent-7 and mcp", principals)
	}
}

type evidence struct {
	Relationships []struct {
		Subject, Predicate, Object         string
		Affirmed, Negated, Support, Actual int
		Assertions                         []struct {
			Sentence, Polarity, Modality, AttributedTo string
			Document                                   struct{ Title, Source, URL string }
		}
	}
}

func tokenServer(t *testing.T) (*httptest.Server, map[string]string) {
	t.Helper()
	tokens, secrets := testenv.Tokens(t)
	n, err := node.Start(context.Background(), node.Config{DataDir: t.TempDir(), Instance: "agents", Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(srv.Close)
	return srv, secrets
}

// seed records, through GraphQL as a writer, a document that says who
// owns Zapchat, then a briefing's claims about it, one of them contested.
// It returns the sequence after the first.
func seed(t *testing.T, url, token string) uint64 {
	t.Helper()
	var ingested struct{ IngestDocument struct{ Sequence uint64 } }
	graphql(t, url, token, `mutation($in: DocumentInput!) { ingestDocument(input: $in) { sequence } }`, map[string]any{"in": map[string]any{
		"title": "Zapchat's owners", "url": "https://example.org/zapchat", "published": "2020-05-01", "text": "Zapchat is owned by Quillon Labs.",
	}}, &ingested)
	claim := func(subj, pred, obj, polarity, by, sentence string) map[string]any {
		c := map[string]any{"subject": map[string]any{"name": subj}, "predicate": pred, "object": map[string]any{"name": obj},
			"polarity": polarity, "evidence": map[string]any{"document": "briefing", "sentence": sentence}}
		if by != "" {
			c["attributedTo"] = by
		}
		return c
	}
	graphql(t, url, token, `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in) { lastSequence } }`, map[string]any{"in": []any{
		claim("India", "BANS", "Zapchat", "AFFIRMED", "", "India banned Zapchat in June 2020."),
		claim("Zapchat", "SHARES_DATA_WITH", "Ministry of State Security", "AFFIRMED", "Mike Pompeo", "Pompeo said Zapchat shares user data with the Ministry of State Security."),
		claim("Zapchat", "SHARES_DATA_WITH", "Ministry of State Security", "NEGATED", "Quillon Labs", "Quillon Labs denies that Zapchat shares data with the Ministry of State Security."),
	}}, nil)
	return ingested.IngestDocument.Sequence
}

func stats(t *testing.T, url, token string) uint64 {
	t.Helper()
	var out struct{ Stats struct{ Sequence uint64 } }
	graphql(t, url, token, `{ stats { sequence } }`, nil, &out)
	return out.Stats.Sequence
}

func graphql(t *testing.T, url, token, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%.60s: %v %v", query, err, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// connect opens an MCP session to url's /mcp with the SDK's client,
// sending token as a bearer token when set.
func connect(t *testing.T, url, token string) *mcp.ClientSession {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return connectWith(t, url, h)
}

func connectWith(t *testing.T, url string, header http.Header) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "dossier-test-agent", Version: "1"}, nil)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: headerTransport{header}}
	s, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url + "/mcp", HTTPClient: hc, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect to %s/mcp: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type headerTransport struct{ h http.Header }

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.h {
		r.Header[k] = v
	}
	return http.DefaultTransport.RoundTrip(r)
}

// call calls a tool that must succeed and decodes its structured result.
func call(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any, out any) {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		t.Fatalf("%s %v: tool error %s", tool, args, text(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v in %s", tool, err, b)
	}
}

// callErr calls a tool that must fail as a tool (not the protocol) and
// returns what it said.
func callErr(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any) string {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: a protocol error, want a tool error: %v", tool, err)
	}
	if !res.IsError {
		t.Fatalf("%s %v: succeeded, want an error: %s", tool, args, text(res))
	}
	return text(res)
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}
