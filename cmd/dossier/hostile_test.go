package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/api"
	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/names"
	"github.com/dossier-kg/dossier/node"
	"github.com/dossier-kg/dossier/stream"
)

// hostile is one input a hostile or broken client sends to one entry
// point, and the answer it must get: an HTTP status (or, for the CLI, an
// exit code) and a code in the answer. Whatever the answer, the server
// must still answer, and nothing stored may change.
type hostile struct {
	name   string
	send   func(t *testing.T, e *hostileEnv) (status int, body string)
	status int    // HTTP status, or CLI exit code; 0: not checked
	code   string // must appear in the body; "" for none
}

type hostileEnv struct {
	ts  *testServer
	url string
	dir string
}

// A table of at least 80 hostile inputs across every entry point:
// GraphQL, SSE, WebSocket, /admin, the CLI's files and the NATS subjects.
func TestHostileInputs(t *testing.T) {
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "hostile", NATS: node.NATSConfig{Listen: "127.0.0.1:-1"}, MaxDocumentBytes: 64 << 10})
	e := &hostileEnv{ts: ts, url: ts.http.URL, dir: t.TempDir()}
	// Something to attack: assertions, a document, a correction with a
	// client-chosen event id.
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	ts.query(`mutation { ingestDocument(input: {text: "Canada banned the messaging app Zapchat.", source: "zap"}) { sequence } }`, nil)
	ts.query(`mutation { correctActor(actor: "Zapchat", type: "PRODUCT", reason: "an app", eventId: "cor-hostile-fixed") { sequence } }`, nil)

	cases := hostileCases()
	if len(cases) < 80 {
		t.Fatalf("%d hostile inputs; the suite promises at least 80", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.state(t)
			status, body := c.send(t, e)
			if c.status != 0 && status != c.status {
				t.Errorf("status %d, want %d: %.300s", status, c.status, body)
			}
			if c.code != "" && !strings.Contains(body, c.code) {
				t.Errorf("answer lacks %s: %.300s", c.code, body)
			}
			if strings.Contains(body, "panic") || strings.Contains(body, "goroutine ") {
				t.Errorf("the answer shows a panic: %.300s", body)
			}
			if after := e.state(t); after != before {
				t.Errorf("stored state changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// state is what must not change: the log's last sequence, the store's
// digest, the stats a client sees and the export's hash. Reading it also
// proves the server still answers.
func (e *hostileEnv) state(t *testing.T) string {
	t.Helper()
	s := e.ts.node.Store()
	// Let the projector catch up with anything a case appended.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	last, err := e.ts.node.Log().LastSequence(ctx)
	if err != nil {
		t.Fatalf("the log does not answer: %v", err)
	}
	if err := s.WaitFor(ctx, last); err != nil {
		t.Fatalf("the projection does not reach %d: %v", last, err)
	}
	d, err := s.DigestAt(s.Applied())
	if err != nil {
		t.Fatal(err)
	}
	stats := e.ts.query(`{ stats { actors relationships assertions documents sequence } }`, nil)
	var buf bytes.Buffer
	if err := export(context.Background(), e.ts.flags().client(), &buf); err != nil {
		t.Fatalf("export: %v", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return fmt.Sprintf("last=%d digest=%s export=%s stats=%s", last, d.Sum[:12], hex.EncodeToString(sum[:6]), strings.Join(strings.Fields(stats), ""))
}

// post sends a raw request and returns its status and body.
func (e *hostileEnv) post(t *testing.T, method, path, contentType, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// graphql is a case that posts body as JSON to /graphql.
func graphql(name, body string, status int, code string) hostile {
	return hostile{name: "graphql/" + name, status: status, code: code, send: func(t *testing.T, e *hostileEnv) (int, string) {
		return e.post(t, http.MethodPost, "/graphql", "application/json", body)
	}}
}

// query is a graphql case from a query and its variables.
func query(name, q string, vars map[string]any, status int, code string) hostile {
	return graphql(name, gqlBody(q, vars), status, code)
}

func rawHTTP(name, method, path, contentType, body string, status int, code string, header ...string) hostile {
	return hostile{name: name, status: status, code: code, send: func(t *testing.T, e *hostileEnv) (int, string) {
		return e.post(t, method, path, contentType, body, header...)
	}}
}

// sse opens a GraphQL-over-SSE stream and reads it until it completes
// or a second passes (a subscription that is running says nothing).
func sse(name, body string, status int, code string, header ...string) hostile {
	return hostile{name: "sse/" + name, status: status, code: code, send: func(t *testing.T, e *hostileEnv) (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}}
}

// ws dials a WebSocket with protocols and origin, and, once connected,
// sends msgs and collects what comes back within a second.
func ws(name string, protocols []string, origin string, msgs []string, status int, code string) hostile {
	return hostile{name: "ws/" + name, status: status, code: code, send: func(t *testing.T, e *hostileEnv) (int, string) {
		d := websocket.Dialer{Subprotocols: protocols, HandshakeTimeout: 5 * time.Second}
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		conn, resp, err := d.Dial("ws"+strings.TrimPrefix(e.url, "http")+"/graphql", h)
		if err != nil {
			if resp == nil {
				return 0, err.Error()
			}
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		defer conn.Close()
		var got strings.Builder
		for _, m := range msgs {
			conn.WriteMessage(websocket.TextMessage, []byte(m))
		}
		conn.SetReadDeadline(time.Now().Add(time.Second))
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					fmt.Fprintf(&got, "close %d %s", ce.Code, ce.Text)
				}
				break
			}
			got.Write(b)
			got.WriteByte('\n')
		}
		return resp.StatusCode, got.String()
	}}
}

// cliFile runs a command on a file holding content and returns its exit code
// and error.
func cliFile(name, content string, run func(e *hostileEnv, file string) error, exit int, code string) hostile {
	return hostile{name: "cli/" + name, status: exit, code: code, send: func(t *testing.T, e *hostileEnv) (int, string) {
		file := filepath.Join(e.dir, strings.NewReplacer("/", "-", " ", "-").Replace(name))
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := run(e, file)
		if err == nil {
			return 0, ""
		}
		return exitCode(err), err.Error()
	}}
}

func loadFile(e *hostileEnv, file string) error {
	return (&loadCmd{File: file, BatchSize: 25, clientFlags: e.ts.flags()}).Run(context.Background())
}

func ingestFile(e *hostileEnv, file string) error {
	var out, errOut bytes.Buffer
	return (&ingestCmd{Files: []string{file}, clientFlags: e.ts.flags()}).ingestAll(context.Background(), &out, &errOut)
}

func loadTokens(_ *hostileEnv, file string) error {
	_, err := auth.Load(file)
	return exitWith(err)
}

func loadLexicon(_ *hostileEnv, file string) error {
	_, err := names.LoadLexicon(file)
	return exitWith(err)
}

func loadOntology(_ *hostileEnv, file string) error {
	_, err := events.LoadOntology(file)
	return exitWith(err)
}

// exitWith is how serve reports a bad configuration file.
func exitWith(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{exitInvalid, err}
}

// natsCase connects to the embedded NATS server as user (anonymous when
// empty) and runs do; the status is 0 when do was refused, 1 when not.
func natsCase(name, user string, do func(nc *nats.Conn, errs <-chan error) error) hostile {
	return hostile{name: "nats/" + name, status: 0, send: func(t *testing.T, e *hostileEnv) (int, string) {
		opts := []nats.Option{nats.Timeout(2 * time.Second)}
		errs := make(chan error, 4)
		opts = append(opts, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		if user != "" {
			creds, err := stream.LoadCredentials(e.ts.node.CredentialsFile())
			if err != nil {
				t.Fatal(err)
			}
			opts = append(opts, nats.UserInfo(user, creds.Passwords[user]))
		}
		nc, err := nats.Connect(e.ts.node.NATSURL(), opts...)
		if err != nil {
			return 0, err.Error()
		}
		defer nc.Close()
		if err := do(nc, errs); err != nil {
			return 0, err.Error()
		}
		return 1, "not refused"
	}}
}

func publishForged(subject string) func(*nats.Conn, <-chan error) error {
	return func(nc *nats.Conn, errs <-chan error) error {
		nc.Publish(subject, []byte(`{"type":"AssertionRecorded","principal":"chief-editor@newsroom","subject":{"name":"Forged"},"predicate":"OWNS","object":{"name":"Everything"}}`))
		nc.Flush()
		select {
		case err := <-errs:
			return err
		case <-time.After(time.Second):
			return nil
		}
	}
}

func jsCall(f func(ctx context.Context, js jetstream.JetStream) error) func(*nats.Conn, <-chan error) error {
	return func(nc *nats.Conn, _ <-chan error) error {
		js, err := jetstream.New(nc)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return f(ctx, js)
	}
}

const (
	evil   = "https://evil.example"
	record = `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in) { lastSequence } }`
)

func claimWith(subject, predicate, object, sentence string) map[string]any {
	return map[string]any{"in": []any{map[string]any{
		"subject": map[string]any{"name": subject}, "predicate": predicate, "object": map[string]any{"name": object},
		"evidence": map[string]any{"document": "hostile", "sentence": sentence},
	}}}
}

func nested(levels, page int) string {
	q := "other { name }"
	for range levels {
		q = fmt.Sprintf("other { name relationships(first: %d) { predicate %s } }", page, q)
	}
	return fmt.Sprintf(`{ actor(name: "TikTok") { relationships(first: %d) { predicate %s } } }`, page, q)
}

func hostileCases() []hostile {
	const bad, badReq, tooBig = http.StatusBadRequest, api.CodeBadRequest, http.StatusRequestEntityTooLarge
	invalid := api.CodeInvalidInput
	long := strings.Repeat("x", 70<<10)
	bigAssertion := claimWith("Acme", "OWNS", "Widgets", strings.Repeat("A long sentence. ", 1))
	bigAssertion["in"].([]any)[0].(map[string]any)["subject"] = map[string]any{"name": strings.Repeat("N", 5000)}
	var cases []hostile
	// GraphQL: the body.
	cases = append(cases,
		graphql("malformed JSON", `{"query": `, bad, badReq),
		graphql("a JSON array", `[]`, bad, badReq),
		graphql("a JSON number", `1`, bad, badReq),
		graphql("JSON null", `null`, bad, badReq),
		graphql("empty body", ``, bad, badReq),
		graphql("query not a string", `{"query": 5}`, bad, badReq),
		graphql("variables not an object", `{"query":"{ stats { actors } }","variables":[1]}`, bad, badReq),
		graphql("invalid UTF-8 in the query", "{\"query\":\"{ actor(name: \\\"\xff\xfe\\\") { id } }\"}", bad, badReq),
		graphql("invalid UTF-8 in a variable", "{\"query\":\"mutation($in: [AssertionInput!]!) { recordAssertions(input: $in) { lastSequence } }\",\"variables\":{\"in\":[{\"subject\":{\"name\":\"\xc3\x28\"},\"predicate\":\"OWNS\",\"object\":{\"name\":\"B\"},\"evidence\":{\"document\":\"d\",\"sentence\":\"s\"}}]}}", bad, badReq),
		graphql("trailing garbage", `{"query":"{ stats { actors } }"} {"query":"mutation"}`, 0, ""),
		graphql("a query over 64 KiB", gqlBody(`{ actor(name: "`+long+`") { id } }`, nil), bad, api.CodeValidationFailed),
		graphql("no query", `{"variables":{}}`, bad, badReq),
	)
	// GraphQL: the query.
	cases = append(cases,
		query("syntax error", `{ actor(`, nil, bad, api.CodeValidationFailed),
		query("unknown field", `{ salary }`, nil, bad, api.CodeValidationFailed),
		query("too deep", strings.Repeat("{ actor(name: \"a\") { relationships { other ", 13)+"{ name }"+strings.Repeat(" } } }", 13), nil, bad, ""),
		query("pages nested in pages", nested(7, 1000), nil, bad, api.CodeCostLimit),
		query("pages nested twice", nested(1, 1000), nil, bad, api.CodeCostLimit),
		query("aliased neighbourhoods", `{ `+aliases(12, `neighbors(actor: "TikTok", depth: 3) { actor { name relationships { predicate } } }`)+` }`, nil, bad, api.CodeCostLimit),
		query("fragment cycle", `{ ...A } fragment A on Query { ...A }`, nil, bad, api.CodeValidationFailed),
		query("introspection in introspection", `{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }`, nil, bad, api.CodeValidationFailed),
		query("a page of 100,000", `{ documents(first: 100000) { edges { cursor } } }`, nil, 200, invalid),
		query("a negative page", `{ actors(first: -5) { edges { cursor } } }`, nil, 200, invalid),
		query("a forged cursor", `{ actors(after: "not-a-cursor") { edges { cursor } } }`, nil, 200, api.CodeBadCursor),
		query("depth 99", `{ neighbors(actor: "TikTok", depth: 99) { depth } }`, nil, 200, invalid),
		query("path of depth 0", `{ path(from: "TikTok", to: "India", maxDepth: 0) { length } }`, nil, 200, invalid),
		query("a node id of no kind", `{ node(id: "nonsense") { id } }`, nil, 200, ""),
		query("a name of 60 KiB", `query($n: String) { actor(name: $n) { id } }`, map[string]any{"n": long[:60<<10]}, 200, ""),
		query("a wrongly typed variable", `query($n: Int) { actors(first: $n) { edges { cursor } } }`, map[string]any{"n": "ten"}, 0, ""),
		query("a huge number", `query($n: Int) { actors(first: $n) { edges { cursor } } }`, map[string]any{"n": 1e300}, 0, ""),
		graphql("an unknown operation name", `{"query":"query A { stats { actors } }","operationName":"B"}`, bad, api.CodeValidationFailed),
		query("several operations, none named", `query A { stats { actors } } query B { stats { actors } }`, nil, bad, api.CodeValidationFailed),
		query("a subscription as a plain request", `subscription { assertionRecorded { sequence } }`, nil, 0, ""),
		query("as of a sequence far ahead", `{ asOf(sequence: 99999999) { stats { actors } } }`, nil, 0, ""),
		query("a date that is none", `{ asOf(time: "yesterday") { stats { actors } } }`, nil, 0, ""),
		query("relationships valid at no date", `{ relationships(validAt: "2020-13-45") { edges { cursor } } }`, nil, 200, invalid),
	)
	// GraphQL: mutations with bad input record nothing.
	cases = append(cases,
		query("an empty batch", record, map[string]any{"in": []any{}}, 200, invalid),
		query("an unknown predicate", record, claimWith("Acme", "LOVES", "Widgets", "Acme loves widgets."), 200, invalid),
		query("NUL in a name", record, claimWith("Ac\x00me", "OWNS", "Widgets", "s."), 200, invalid),
		query("a terminal escape in a name", record, claimWith("\x1b[2J", "OWNS", "Widgets", "s."), 200, invalid),
		query("an empty name", record, claimWith(" ", "OWNS", "Widgets", "s."), 200, invalid),
		query("an empty sentence", record, claimWith("Acme", "OWNS", "Widgets", ""), 200, invalid),
		query("a name of 5,000 characters", record, bigAssertion, 200, invalid),
		query("a wildcard-only name", record, claimWith("*", "OWNS", ">", "s."), 200, invalid),
		query("confidence 2", `mutation { recordAssertions(input: [{subject: {name: "A"}, predicate: "OWNS", object: {name: "B"}, confidence: 2, evidence: {document: "d", sentence: "s."}}]) { lastSequence } }`, nil, 200, invalid),
		query("a polarity that is none", `mutation { recordAssertions(input: [{subject: {name: "A"}, predicate: "OWNS", object: {name: "B"}, polarity: MAYBE, evidence: {document: "d", sentence: "s."}}]) { lastSequence } }`, nil, bad, api.CodeValidationFailed),
		query("evidence offsets reversed", `mutation { recordAssertions(input: [{subject: {name: "A"}, predicate: "OWNS", object: {name: "B"}, evidence: {document: "d", sentence: "A owns B.", start: 9, end: 2}}]) { lastSequence } }`, nil, 200, invalid),
		query("retract a missing assertion", `mutation { retractAssertion(id: "assertion:nope", reason: "r") { sequence } }`, nil, 200, api.CodeNotFound),
		query("retract a missing document", `mutation { retractDocument(id: "document:nope", reason: "r") { sequence } }`, nil, 200, api.CodeNotFound),
		query("merge an unknown actor", `mutation { mergeActors(from: "Nobody At All", into: "TikTok", reason: "r") { sequence } }`, nil, 200, api.CodeNotFound),
		query("merge an actor into itself", `mutation { mergeActors(from: "TikTok", into: "TikTok", reason: "r") { sequence } }`, nil, 200, ""),
		query("unmerge what was never merged", `mutation { unmergeActors(from: "actor:bytedance", into: "TikTok", reason: "r") { sequence } }`, nil, 200, api.CodeConflict),
		query("retype to a type that is none", `mutation { correctActor(actor: "TikTok", type: "DRAGON", reason: "r") { sequence } }`, nil, 200, invalid),
		query("no reason", `mutation { correctActor(actor: "TikTok", type: "COMPANY", reason: "") { sequence } }`, nil, 200, invalid),
		query("valid time of a missing assertion", `mutation { correctValidTime(assertion: "assertion:00000000000000000000000000000000", from: "2020-01-01", reason: "r") { sequence } }`, nil, 200, api.CodeNotFound),
		query("an event id reused for other content", `mutation { correctActor(actor: "TikTok", type: "PERSON", reason: "other", eventId: "cor-hostile-fixed") { sequence } }`, nil, 200, api.CodeConflict),
		query("an empty document", `mutation { ingestDocument(input: {text: "   "}) { sequence } }`, nil, 200, invalid),
		query("a document over the limit", `mutation($t: String!) { ingestDocument(input: {text: $t}) { sequence } }`, map[string]any{"t": long}, 200, api.CodeTooLarge),
		query("a document of control bytes", `mutation($t: String!) { ingestDocument(input: {text: $t}) { sequence } }`, map[string]any{"t": "\x00\x01\x02\x03 binary"}, 200, invalid),
		query("a document URL that is a script", `mutation { ingestDocument(input: {text: "India banned Zapchat.", url: "javascript:alert(1)"}) { sequence } }`, nil, 200, invalid),
		query("a content type that is none", `mutation { ingestDocument(input: {text: "India banned Zapchat.", contentType: "application/x-evil"}) { sequence } }`, nil, 200, invalid),
	)
	// HTTP around GraphQL.
	cases = append(cases,
		rawHTTP("http/a form post (CSRF)", http.MethodPost, "/graphql", "application/x-www-form-urlencoded", gqlBody(record, claimWith("A", "OWNS", "B", "s.")), http.StatusUnsupportedMediaType, badReq),
		rawHTTP("http/text/plain (CSRF)", http.MethodPost, "/graphql", "text/plain", gqlBody(record, claimWith("A", "OWNS", "B", "s.")), http.StatusUnsupportedMediaType, badReq),
		rawHTTP("http/multipart (CSRF)", http.MethodPost, "/graphql", "multipart/form-data; boundary=x", "--x--", http.StatusUnsupportedMediaType, badReq),
		rawHTTP("http/another site's page", http.MethodPost, "/graphql", "application/json", gqlBody(record, claimWith("A", "OWNS", "B", "s.")), http.StatusForbidden, api.CodeForbidden, "Origin", evil),
		rawHTTP("http/a content type that is none", http.MethodPost, "/graphql", ";;;", `{"query":"{ stats { actors } }"}`, http.StatusUnsupportedMediaType, badReq),
		rawHTTP("http/a mutation by GET", http.MethodGet, "/graphql?query=mutation+%7B+retractDocument(id%3A%22document%3Azap%22%2C+reason%3A%22x%22)+%7B+sequence+%7D+%7D", "", "", http.StatusMethodNotAllowed, badReq),
		rawHTTP("http/PUT", http.MethodPut, "/graphql", "application/json", `{"query":"{ stats { actors } }"}`, http.StatusMethodNotAllowed, badReq),
		rawHTTP("http/a principal with control characters", http.MethodPost, "/graphql", "application/json", gqlBody(record, claimWith("A", "OWNS", "B", "s.")), bad, badReq, api.PrincipalHeader, "chief\teditor"),
		rawHTTP("http/a principal of 10 KiB", http.MethodPost, "/graphql", "application/json", gqlBody(record, claimWith("A", "OWNS", "B", "s.")), bad, badReq, api.PrincipalHeader, strings.Repeat("p", 10<<10)),
		rawHTTP("http/at-least that is no number", http.MethodPost, "/graphql", "application/json", `{"query":"{ stats { actors } }"}`, bad, badReq, api.AtLeastHeader, "soon"),
		rawHTTP("http/a body over the limit", http.MethodPost, "/graphql", "application/json", `{"query":"`+strings.Repeat(" ", 12<<20)+`{ stats { actors } }"}`, tooBig, api.CodeTooLarge),
		rawHTTP("http/a path that is none", http.MethodGet, "/../../etc/passwd", "", "", 0, ""),
	)
	// SSE.
	cases = append(cases,
		sse("after -1", gqlBody(`subscription { assertionRecorded(after: -1) { sequence } }`, nil), 200, "errors"),
		sse("a syntax error", gqlBody(`subscription { assertionRecorded(`, nil), 200, api.CodeValidationFailed),
		sse("pages nested in a subscription", gqlBody(`subscription { assertionRecorded { subject { relationships(first: 1000) { other { relationships(first: 1000) { support } } } } } }`, nil), 200, api.CodeCostLimit),
		sse("another site's page", gqlBody(`subscription { assertionRecorded { sequence } }`, nil), http.StatusForbidden, api.CodeForbidden, "Origin", evil),
		sse("a filter on a document id that is an actor id", gqlBody(`subscription { assertionRecorded(filter: {document: "actor:canada"}) { sequence } }`, nil), 200, invalid),
		sse("a mutation with bad input", gqlBody(record, claimWith("", "OWNS", "B", "s.")), 200, invalid),
	)
	// WebSocket.
	const proto = "graphql-transport-ws"
	initMsg := `{"type":"connection_init"}`
	cases = append(cases,
		ws("no subprotocol", nil, "", nil, bad, badReq),
		ws("the legacy subprotocol", []string{"graphql-ws"}, "", nil, bad, badReq),
		ws("another site's page", []string{proto}, evil, nil, http.StatusForbidden, api.CodeForbidden),
		ws("not JSON", []string{proto}, "", []string{initMsg, `{{{`}, http.StatusSwitchingProtocols, "close 44"),
		ws("subscribe before init", []string{proto}, "", []string{`{"id":"1","type":"subscribe","payload":{"query":"subscription { assertionRecorded { sequence } }"}}`}, http.StatusSwitchingProtocols, "close 44"),
		ws("pages nested in a subscription", []string{proto}, "", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription { assertionRecorded { subject { relationships(first: 1000) { other { relationships(first: 1000) { support } } } } } }"}}`}, http.StatusSwitchingProtocols, api.CodeCostLimit),
		ws("an unknown field", []string{proto}, "", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription { assertionRecorded { salary } }"}}`}, http.StatusSwitchingProtocols, api.CodeValidationFailed),
		ws("a mutation with bad input", []string{proto}, "", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"mutation { recordAssertions(input: []) { lastSequence } }"}}`}, http.StatusSwitchingProtocols, invalid),
	)
	// /admin.
	cases = append(cases,
		rawHTTP("admin/verify by GET", http.MethodGet, "/admin/verify", "", "", http.StatusMethodNotAllowed, ""),
		rawHTTP("admin/verify from another site", http.MethodPost, "/admin/verify", "application/json", "{}", http.StatusForbidden, api.CodeForbidden, "Origin", evil),
		rawHTTP("admin/reextract as a form", http.MethodPost, "/admin/reextract", "text/plain", "", http.StatusUnsupportedMediaType, badReq),
		rawHTTP("admin/reextract with an extractor that is none", http.MethodPost, "/admin/reextract?extractor=nonesuch", "application/json", "", 0, invalid),
		rawHTTP("admin/a route that is none", http.MethodPost, "/admin/drop-everything", "application/json", "", http.StatusNotFound, ""),
	)
	// The CLI's files.
	okLine := `{"subject":{"name":"Peru"},"predicate":"BANS","object":{"name":"Zapchat"},"evidence":{"document":"f","sentence":"Peru banned Zapchat."}}`
	cases = append(cases,
		cliFile("load/a line that is not JSON", okLine+"\n{not json\n", loadFile, exitInvalid, "invalid lines; nothing was recorded"),
		cliFile("load/invalid UTF-8", okLine+"\n{\"subject\":{\"name\":\"\xff\"},\"predicate\":\"BANS\",\"object\":{\"name\":\"Zapchat\"},\"evidence\":{\"document\":\"f\",\"sentence\":\"s\"}}\n", loadFile, exitInvalid, "invalid lines; nothing was recorded"),
		cliFile("load/NUL in a name", okLine+"\n"+`{"subject":{"name":"Pe\u0000ru"},"predicate":"BANS","object":{"name":"Zapchat"},"evidence":{"document":"f","sentence":"s"}}`+"\n", loadFile, exitInvalid, "invalid lines; nothing was recorded"),
		cliFile("load/an unknown predicate", okLine+"\n"+strings.Replace(okLine, "BANS", "ADORES", 1)+"\n", loadFile, exitInvalid, "invalid lines; nothing was recorded"),
		cliFile("load/a line of 20 MiB", okLine+"\n"+`{"subject":{"name":"`+strings.Repeat("x", 20<<20)+`"}}`+"\n", loadFile, exitInvalid, ""),
		cliFile("load/an empty file", "", loadFile, 0, ""),
		cliFile("ingest/a PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ingestFile, exitInvalid, ""),
		cliFile("ingest/an empty file", "", ingestFile, exitInvalid, ""),
		cliFile("ingest/a document over the limit", long, ingestFile, exitInvalid, "refused"),
		cliFile("tokens/not JSON", "{tokens", loadTokens, exitInvalid, ""),
		cliFile("tokens/a role that is none", `{"tokens":[{"subject":"a","role":"god","sha256":"`+strings.Repeat("a", 64)+`"}]}`, loadTokens, exitInvalid, "god"),
		cliFile("tokens/a hash that is none", `{"tokens":[{"subject":"a","role":"reader","sha256":"xyz"}]}`, loadTokens, exitInvalid, ""),
		cliFile("lexicon/not JSON", "[", loadLexicon, exitInvalid, ""),
		cliFile("ontology/not JSON", "{", loadOntology, exitInvalid, ""),
	)
	// NATS subjects.
	cases = append(cases,
		natsCase("anonymous connect", "", func(*nats.Conn, <-chan error) error { return nil }),
		natsCase("a reader publishes a forged event", stream.UserReader, publishForged("dossier.assertion.OWNS.forged.everything")),
		natsCase("a reader publishes to a wildcard-looking subject", stream.UserReader, publishForged("dossier.assertion.OWNS.*.>")),
		natsCase("a reader deletes the log", stream.UserReader, jsCall(func(ctx context.Context, js jetstream.JetStream) error {
			return js.DeleteStream(ctx, stream.DefaultStream)
		})),
		natsCase("a reader purges the log", stream.UserReader, jsCall(func(ctx context.Context, js jetstream.JetStream) error {
			s, err := js.Stream(ctx, stream.DefaultStream)
			if err != nil {
				return err
			}
			return s.Purge(ctx)
		})),
		natsCase("Dossier's user deletes the log", stream.UserService, jsCall(func(ctx context.Context, js jetstream.JetStream) error {
			return js.DeleteStream(ctx, stream.DefaultStream)
		})),
		natsCase("Dossier's user deletes an event", stream.UserService, jsCall(func(ctx context.Context, js jetstream.JetStream) error {
			s, err := js.Stream(ctx, stream.DefaultStream)
			if err != nil {
				return err
			}
			return s.DeleteMsg(ctx, 1)
		})),
	)
	return cases
}

// aliases repeats a field under n aliases.
func aliases(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	return b.String()
}
