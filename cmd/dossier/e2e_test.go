package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/node"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testServer is a real Dossier node (embedded NATS, Badger on disk)
// behind the real HTTP handler.
type testServer struct {
	t    *testing.T
	dir  string
	node *node.Node
	http *httptest.Server
}

func startServer(t *testing.T, dir string) *testServer {
	t.Helper()
	return startServerWith(t, node.Config{DataDir: dir, Instance: "test"})
}

func startServerWith(t *testing.T, cfg node.Config) *testServer {
	t.Helper()
	n, err := node.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	ts := &testServer{t: t, dir: cfg.DataDir, node: n, http: httptest.NewServer(n.Handler())}
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) stop() {
	if ts.http != nil {
		ts.http.Close()
		ts.http = nil
	}
	if ts.node != nil {
		if err := ts.node.Close(); err != nil {
			ts.t.Errorf("close node: %v", err)
		}
		ts.node = nil
	}
}

func (ts *testServer) flags() clientFlags {
	return clientFlags{Server: ts.http.URL, Timeout: 30 * time.Second}
}

// query runs a query and returns its data, indented, failing on errors.
func (ts *testServer) query(q string, vars map[string]any) string {
	ts.t.Helper()
	var data json.RawMessage
	if err := ts.flags().client().do(context.Background(), q, vars, &data); err != nil {
		ts.t.Fatalf("query %.60q: %v", q, err)
	}
	var buf bytes.Buffer
	json.Indent(&buf, data, "", "  ")
	return buf.String()
}

// queryErr runs a query that must fail and returns its error code.
func (ts *testServer) queryErr(q string, vars map[string]any) string {
	ts.t.Helper()
	err := ts.flags().client().do(context.Background(), q, vars, nil)
	re, ok := unwrapResponse(err)
	if !ok {
		ts.t.Fatalf("query %.60q: got %v, want a GraphQL error", q, err)
	}
	return re.code()
}

func unwrapResponse(err error) (*responseError, bool) {
	for err != nil {
		if re, ok := err.(*responseError); ok {
			return re, true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return nil, false
		}
		err = u.Unwrap()
	}
	return nil, false
}

func load(t *testing.T, ts *testServer, file string, skipInvalid bool) error {
	t.Helper()
	c := &loadCmd{File: file, SkipInvalid: skipInvalid, BatchSize: 25, clientFlags: ts.flags()}
	return c.Run(context.Background())
}

// The questions an analyst asks of the example data, answered through
// the real HTTP handler. The answers are golden, and must be the same
// after a restart on the same data directory.
var e2eQueries = []struct{ name, query string }{
	{"actor", `{ actor(name: "TikTok") { id name type relationships { predicate direction other { name } support
	    relationship { affirmed negated sources { source } assertions { polarity modality attributedTo { name } evidence { sentence start end document { source } } } } } } }`},
	{"resolution", `{ us: actor(name: "the U.S.") { name } usgov: actor(name: "US government") { name } chinese: actor(name: "Chinese") { name } trump: actor(name: "President Trump") { name } none: actor(name: "Atlantis") { name } }`},
	{"relationships", `{ relationships(predicate: "OWNS") { edges { node { subject { name } object { name } support sources { source } } } } }`},
	{"neighbors", `{ neighbors(actor: "ByteDance", depth: 2) { depth actor { name } from { name } via { predicate direction } } }`},
	{"path", `{ path(from: "Zhang Yiming", to: "Mike Pompeo", maxDepth: 5) { length actors { name } steps { from { name } predicate direction to { name } } } }`},
	{"search", `{ actors(search: "chi", first: 2) { edges { node { name type } } pageInfo { hasNextPage } } }`},
	{"types", `{ actors(type: "PERSON", first: 100) { edges { node { name } } } }`},
	{"stats", `{ stats { actors relationships assertions documents sequence } }`},
}

func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatalf("load: %v", err)
	}
	answers := map[string]string{}
	for _, q := range e2eQueries {
		answers[q.name] = ts.query(q.query, nil)
	}
	golden(t, "e2e", answers)

	// Every relationship reaches its evidence, and every loaded sentence
	// is there verbatim.
	if !strings.Contains(answers["actor"], `"TikTok is owned by Beijing-based ByteDance."`) {
		t.Error("TikTok's relationships do not reach the sentence 'TikTok is owned by Beijing-based ByteDance.'")
	}

	// Pagination: the second page continues where the first ended.
	var page struct {
		Actors struct {
			Edges    []struct{ Node struct{ Name string } }
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
	}
	if err := json.Unmarshal([]byte(ts.query(`{ actors(first: 3) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`, nil)), &page); err != nil {
		t.Fatal(err)
	}
	next := ts.query(`query($a: String) { actors(first: 3, after: $a) { edges { node { name } } } }`, map[string]any{"a": page.Actors.PageInfo.EndCursor})
	if !page.Actors.PageInfo.HasNextPage || strings.Contains(next, page.Actors.Edges[2].Node.Name) {
		t.Errorf("second page repeats the first or there is none: %s", next)
	}

	// Restart on the same directory: the same answers.
	ts.stop()
	ts = startServer(t, dir)
	for _, q := range e2eQueries {
		if got := ts.query(q.query, nil); got != answers[q.name] {
			t.Errorf("after restart, %s differs:\n%s\nbefore:\n%s", q.name, got, answers[q.name])
		}
	}

	// Loading the same file again records nothing new.
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	if got := ts.query(`{ stats { assertions sequence } }`, nil); !strings.Contains(answers["stats"], strings.TrimSpace(strings.Split(strings.Split(got, `"assertions": `)[1], ",")[0])) {
		t.Errorf("reloading changed the assertion count: %s, before %s", got, answers["stats"])
	}
}

func golden(t *testing.T, name string, got map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	for _, q := range e2eQueries {
		if a, ok := got[q.name]; ok {
			buf.WriteString("## " + q.name + "\n" + a + "\n")
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("answers differ from %s (go test -update rewrites it; check the diff):\n%s", path, buf.String())
	}
}

func TestErrorCodes(t *testing.T) {
	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	before := ts.query(`{ stats { assertions sequence } }`, nil)
	bad := map[string]any{"input": []map[string]any{
		{"subject": map[string]any{"name": "A"}, "predicate": "OWNS", "object": map[string]any{"name": "B"}, "evidence": map[string]any{"document": "d", "sentence": "A owns B."}},
		{"subject": map[string]any{"name": "A"}, "predicate": "LIKES", "object": map[string]any{"name": "B"}, "evidence": map[string]any{"document": "d", "sentence": "A likes B."}},
	}}
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"syntax", `{ actor(name: "x" { name } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown field", `{ actor(name: "TikTok") { salary } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"bad cursor", `{ actors(after: "bm9wZQ") { edges { cursor } } }`, nil, "BAD_CURSOR"},
		{"deep neighbors", `{ neighbors(actor: "TikTok", depth: 9) { depth } }`, nil, "INVALID_INPUT"},
		{"unknown actor", `{ neighbors(actor: "Atlantis") { depth } }`, nil, "NOT_FOUND"},
		{"huge page", `{ documents(first: 100000) { edges { cursor } } }`, nil, "INVALID_INPUT"},
		{"wrong id kind", `{ assertion(id: "actor:tiktok") { id } }`, nil, "INVALID_INPUT"},
		{"invalid batch", `mutation($input: [AssertionInput!]!) { recordAssertions(input: $input) { lastSequence } }`, bad, "INVALID_INPUT"},
		{"nesting bomb", `{ actor(name: "TikTok") { relationships { other { relationships { other { relationships { other { relationships { other { relationships { other { relationships { other { relationships { other { relationships { other { name } } } } } } } } } } } } } } } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ts.queryErr(c.query, c.vars); got != c.code {
				t.Errorf("code = %q, want %q", got, c.code)
			}
		})
	}
	if after := ts.query(`{ stats { assertions sequence } }`, nil); after != before {
		t.Errorf("a rejected batch changed the graph: %s, before %s", after, before)
	}
}

// A file with a bad line records nothing, and the error names the line.
func TestLoadRefusesFileWithBadLine(t *testing.T) {
	ts := startServer(t, t.TempDir())
	good, err := os.ReadFile("../../examples/assertions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	file := filepath.Join(t.TempDir(), "bad.jsonl")
	// Line 4 names a predicate the ontology lacks; line 7 is not JSON.
	lines[3] = strings.Replace(lines[3], `"predicate":"`, `"predicate":"X`, 1)
	lines[6] = "{not json\n"
	if err := os.WriteFile(file, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr := captureStderr(t, func() {
		err = load(t, ts, file, false)
	})
	if code := exitCode(err); code != exitInvalid {
		t.Errorf("exit code = %d (%v), want %d", code, err, exitInvalid)
	}
	for _, want := range []string{"bad.jsonl:4:", "bad.jsonl:7:", "not in the ontology", "nothing was recorded"} {
		if !strings.Contains(stderr+err.Error(), want) {
			t.Errorf("output lacks %q:\n%s\n%v", want, stderr, err)
		}
	}
	if got := ts.query(`{ stats { sequence assertions } }`, nil); !strings.Contains(got, `"sequence": 0`) {
		t.Errorf("something was appended: %s", got)
	}
	// With --skip-invalid the good lines go in.
	captureStderr(t, func() { err = load(t, ts, file, true) })
	if err != nil {
		t.Fatal(err)
	}
	if got := ts.query(`{ stats { assertions } }`, nil); strings.Contains(got, `"assertions": 0`) {
		t.Errorf("--skip-invalid recorded nothing: %s", got)
	}
}

// export after load prints every loaded assertion with canonical names.
func TestExportAfterLoad(t *testing.T) {
	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := export(context.Background(), ts.flags().client(), &out); err != nil {
		t.Fatal(err)
	}
	type line struct {
		Kind, Name, Type, Subject, Predicate, Object, Polarity, Evidence, Document string
	}
	got := map[string]bool{}
	actors := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("export line is not JSON: %q", l)
		}
		if x.Document == "" {
			t.Errorf("line without document: %s", l)
		}
		switch x.Kind {
		case "assertion":
			got[x.Document+"|"+x.Subject+"|"+x.Predicate+"|"+x.Object+"|"+x.Polarity+"|"+x.Evidence] = true
		case "actor":
			actors[x.Name] = true
		}
	}
	want, _ := os.ReadFile("../../examples/assertions.jsonl")
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		var in struct {
			Subject, Object struct{ Name string }
			Predicate       string
			Polarity        string
			Evidence        struct{ Document, Sentence string }
		}
		json.Unmarshal([]byte(l), &in)
		n++
		found := false
		for k := range got {
			if strings.HasPrefix(k, in.Evidence.Document+"|") && strings.Contains(k, "|"+in.Predicate+"|") && strings.HasSuffix(k, "|"+in.Polarity+"|"+in.Evidence.Sentence) {
				found = true
			}
		}
		if !found {
			t.Errorf("export lacks %s %s %s from %q", in.Subject.Name, in.Predicate, in.Object.Name, in.Evidence.Sentence)
		}
	}
	if len(got) != n {
		t.Errorf("export has %d distinct assertions, the file %d", len(got), n)
	}
	// Variants come out under their canonical names.
	for _, canonical := range []string{"United States", "Donald Trump", "China"} {
		if !actors[canonical] {
			t.Errorf("export has no actor %q", canonical)
		}
	}
	for _, variant := range []string{"U.S.", "the US", "Trump", "the Chinese government"} {
		if actors[variant] {
			t.Errorf("export names %q, a variant, as an actor", variant)
		}
	}
}

func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		b.ReadFrom(r)
		done <- b.String()
	}()
	f()
	os.Stderr = old
	w.Close()
	return <-done
}
