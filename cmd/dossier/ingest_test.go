package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/node"
)

// namesExtractor is a small hand-written extractor for tests: the names
// of a fixed list are mentions wherever they occur, and a sentence naming
// two of them with "ban" in it is an assertion that the first BANS the
// second, with the sentence's code point offsets.
type namesExtractor struct{}

var (
	testNames = regexp.MustCompile(`\b(TikTok|ByteDance|WeChat|Huawei|China|India|Microsoft|Donald Trump|Mike Pompeo|United States)\b`)
	sentences = regexp.MustCompile(`[^.!?\n]+[.!?]`)
)

func (namesExtractor) Name() string    { return "names-test" }
func (namesExtractor) Version() string { return "1" }

func (namesExtractor) Extract(_ context.Context, doc extract.Document, _ extract.Known) (extract.Result, error) {
	var res extract.Result
	count := map[string]int{}
	for _, m := range testNames.FindAllString(doc.Text, -1) {
		count[m]++
	}
	for name, n := range count {
		res.Mentions = append(res.Mentions, extract.Mention{Name: name, Count: n})
	}
	for _, s := range sentences.FindAllStringIndex(doc.Text, -1) {
		sentence := doc.Text[s[0]:s[1]]
		lead := len(sentence) - len(strings.TrimLeft(sentence, " "))
		sentence = sentence[lead:]
		found := testNames.FindAllString(sentence, -1)
		if len(found) < 2 || found[0] == found[1] || !strings.Contains(sentence, "ban") {
			continue
		}
		start := utf8.RuneCountInString(doc.Text[:s[0]+lead])
		end := start + utf8.RuneCountInString(sentence)
		res.Assertions = append(res.Assertions, events.AssertionRecorded{
			Subject: events.ActorRef{Name: found[0]}, Predicate: "BANS", Object: events.ActorRef{Name: found[1]},
			Evidence: events.Evidence{DocumentID: doc.ID, Document: doc.Source, Sentence: sentence, Start: &start, End: &end},
		})
	}
	return res, nil
}

func startIngestServer(t *testing.T, cfg node.Config) *testServer {
	t.Helper()
	cfg.DataDir, cfg.Instance = t.TempDir(), "test"
	if cfg.Extractor == nil {
		cfg.Extractor = namesExtractor{}
	}
	return startServerWith(t, cfg)
}

func (ts *testServer) ingest(files ...string) (stdout, stderr string, err error) {
	ts.t.Helper()
	var out, errOut bytes.Buffer
	c := &ingestCmd{Files: files, clientFlags: ts.flags()}
	err = c.ingestAll(context.Background(), &out, &errOut)
	return out.String(), errOut.String(), err
}

// The corpus goes in as text files, through the real handler: one line
// per file, the texts kept as they are, and export has every document.
func TestIngestCorpus(t *testing.T) {
	ts := startIngestServer(t, node.Config{})
	files, err := filepath.Glob("../../examples/corpus/*.txt")
	if err != nil || len(files) != 4 {
		t.Fatalf("corpus files: %v, %v", files, err)
	}
	stdout, stderr, err := ts.ingest(files...)
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	for _, f := range files {
		if !strings.Contains(stdout, f+": ") {
			t.Errorf("no line for %s in:\n%s", f, stdout)
		}
	}
	if !strings.Contains(stdout, "ingested 4 of 4 documents (0 already in the log)") {
		t.Errorf("summary missing:\n%s", stdout)
	}

	// Every document's text is the file, its id the file's content hash.
	for _, f := range files {
		want, _ := os.ReadFile(f)
		var data struct {
			Document *struct {
				Source string
				Text   string
				Actors []struct{ Name string }
			}
		}
		id := "document:" + events.DocumentID(string(want))
		if err := json.Unmarshal([]byte(ts.query(`query($id: ID!) { document(id: $id) { source text actors { name } } }`, map[string]any{"id": id})), &data); err != nil {
			t.Fatal(err)
		}
		d := data.Document
		if d == nil {
			t.Fatalf("no document %s for %s", id, f)
		}
		stem := strings.TrimSuffix(filepath.Base(f), ".txt")
		if d.Source != stem || d.Text != string(want) || len(d.Actors) == 0 {
			t.Errorf("%s: source %q, %d actors, text equal to the file: %v", f, d.Source, len(d.Actors), d.Text == string(want))
		}
	}

	var out bytes.Buffer
	if err := export(context.Background(), ts.flags().client(), &out); err != nil {
		t.Fatal(err)
	}
	perDoc := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var x struct{ Kind, Document string }
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		perDoc[x.Document]++
	}
	for _, f := range files {
		if stem := strings.TrimSuffix(filepath.Base(f), ".txt"); perDoc[stem] == 0 {
			t.Errorf("export has no line for %s: %v", stem, perDoc)
		}
	}

	// Again: nothing new, and each line says so.
	before := ts.query(`{ stats { actors assertions documents } }`, nil)
	stdout, _, err = ts.ingest(files...)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(stdout, "(already in the log)") != 4 {
		t.Errorf("second ingest does not say the documents were there:\n%s", stdout)
	}
	if after := ts.query(`{ stats { actors assertions documents } }`, nil); after != before {
		t.Errorf("ingesting again changed the graph: %s, before %s", after, before)
	}
}

// A bad file is reported and the others still go in; the exit code says
// some input was invalid.
func TestIngestReportsBadFiles(t *testing.T) {
	ts := startIngestServer(t, node.Config{MaxDocumentBytes: 4 << 10})
	dir := t.TempDir()
	write := func(name string, body []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.html", []byte("<html><head><title>T</title><script>China bans Huawei.</script></head><body><p>India banned TikTok.</p></body></html>"))
	binary := write("blob.txt", []byte("PK\x03\x04\x00\x00binary"))
	latin1 := write("latin1.txt", []byte("Caf\xe9 society."))
	big := write("big.txt", bytes.Repeat([]byte("India banned TikTok. "), 400))
	missing := filepath.Join(dir, "missing.txt")
	stdout, stderr, err := ts.ingest(binary, good, latin1, big, missing)
	if code := exitCode(err); code != exitInvalid {
		t.Errorf("exit code %d (%v), want %d", code, err, exitInvalid)
	}
	if !strings.Contains(stdout, "good.html: 1 assertions") || !strings.Contains(stdout, "ingested 1 of 5 documents") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, want := range []string{"blob.txt: ingest: the document has a NUL byte", "latin1.txt: ingest: the document is not valid UTF-8", "big.txt:", "over the limit of 4096", "missing.txt:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	got := ts.query(`{ documents { edges { node { title source text assertions { predicate subject { name } object { name } evidence { start end sentence } } } } } }`, nil)
	if strings.Contains(got, "Huawei") || !strings.Contains(got, `"title": "T"`) || !strings.Contains(got, `"sentence": "India banned TikTok."`) {
		t.Errorf("documents after ingest:\n%s", got)
	}
	// One file only for --title and friends.
	c := &ingestCmd{Files: []string{good, big}, Title: "x", clientFlags: ts.flags()}
	if err := c.Run(context.Background()); exitCode(err) != exitInvalid {
		t.Errorf("--title with two files = %v, want a usage error", err)
	}
}

const ingestDoc = `mutation($in: DocumentInput!) { ingestDocument(input: $in) {
  documentId recorded sequence duplicate projected
  document { title url published source actors { name } }
  assertions { predicate subject { name } object { name } evidence { sentence start end } }
} }`

func TestIngestDocumentMutation(t *testing.T) {
	ts := startIngestServer(t, node.Config{MaxDocumentBytes: 1 << 10})
	in := map[string]any{"title": "Bans", "url": "https://example.org/bans", "published": "2020-08-03", "source": "bans",
		"text": "Intro.\nIndia banned TikTok in June. China named Huawei."}
	got := ts.query(ingestDoc, map[string]any{"in": in})
	for _, want := range []string{`"recorded": 1`, `"duplicate": false`, `"projected": true`, `"published": "2020-08-03T00:00:00Z"`,
		`"sentence": "India banned TikTok in June."`, `"start": 7`, `"end": 35`, `"name": "Huawei"`} {
		if !strings.Contains(got, want) {
			t.Errorf("ingestDocument lacks %s:\n%s", want, got)
		}
	}
	if again := ts.query(ingestDoc, map[string]any{"in": in}); !strings.Contains(again, `"duplicate": true`) {
		t.Errorf("second ingestDocument:\n%s", again)
	}
	for _, c := range []struct {
		name string
		in   map[string]any
		code string
	}{
		{"nul", map[string]any{"text": "a\u0000b"}, "INVALID_INPUT"},
		{"empty", map[string]any{"text": "  "}, "INVALID_INPUT"},
		{"too large", map[string]any{"text": strings.Repeat("x", 2<<10)}, "TOO_LARGE"},
		{"published", map[string]any{"text": "x", "published": "August 3"}, "INVALID_INPUT"},
		{"content type", map[string]any{"text": "x", "contentType": "image/png"}, "INVALID_INPUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if code := ts.queryErr(ingestDoc, map[string]any{"in": c.in}); code != c.code {
				t.Errorf("code %q, want %q", code, c.code)
			}
		})
	}
}

// Without an extractor the server works, but cannot ingest.
// The whole pipeline on the corpus with the default extractor: ingest
// the four articles through the real handler, then score what the graph
// holds against the answer keys, as `dossier eval` does. These are the
// issue's quality targets.
func TestDefaultExtractorOnCorpus(t *testing.T) {
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test"})
	files, err := filepath.Glob("../../examples/corpus/*.txt")
	if err != nil || len(files) != 4 {
		t.Fatalf("corpus: %v %v", files, err)
	}
	if _, _, err := ts.ingest(files...); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c := &evalCmd{Gold: "../../examples/corpus/gold", JSON: true, clientFlags: ts.flags()}
	if err := c.run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	var r reportJSON
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	t.Logf("assertions P %.3f R %.3f F1 %.3f; actors F1 %.3f", r.Assertions.Precision, r.Assertions.Recall, r.Assertions.F1, r.Actors.F1)
	if r.Assertions.F1 < 0.60 {
		t.Errorf("assertion F1 %.3f, target 0.60", r.Assertions.F1)
	}
	if r.Actors.F1 < 0.85 {
		t.Errorf("actor F1 %.3f, target 0.85", r.Actors.F1)
	}
}

// eval scores what the graph holds: the hand-made assertions about the
// corpus agree with the answer keys far better than chance, and the
// report names every gold document.
func TestEval(t *testing.T) {
	ts := startServer(t, t.TempDir())
	if err := load(t, ts, "../../examples/assertions.jsonl", false); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	c := &evalCmd{Gold: "../../examples/corpus/gold", JSON: true, clientFlags: ts.flags()}
	if err := c.run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	var r reportJSON
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("eval --json is not JSON: %v\n%s", err, out.String())
	}
	if r.Assertions.Gold == 0 || r.Assertions.Recall < 0.5 || r.Actors.Gold == 0 || len(r.PerDocument) != 4 {
		t.Errorf("report: %+v", r)
	}
	out.Reset()
	c.JSON = false
	if err := c.run(context.Background(), &out); err != nil || out.Len() == 0 {
		t.Errorf("eval text report: %v, %q", err, out.String())
	}
	c.Gold = t.TempDir()
	if err := c.run(context.Background(), &out); exitCode(err) != exitInvalid {
		t.Errorf("eval of an empty gold directory = %v, want invalid", err)
	}
}

// A time expression in the sentence becomes the assertion's valid time,
// resolved against the publication date, and reaches the API.
func TestIngestValidTime(t *testing.T) {
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test"})
	got := ts.query(`mutation($in: DocumentInput!) { ingestDocument(input: $in) { assertions { predicate subject { name } object { name } validFrom validTo } } }`,
		map[string]any{"in": map[string]any{"text": "Canada banned the messaging app Zapchat in March last year.", "published": "2021-05-04", "source": "t"}})
	for _, want := range []string{`"predicate": "BANS"`, `"name": "Canada"`, `"validFrom": "2020-03-01"`, `"validTo": "2020-03-31"`} {
		if !strings.Contains(got, want) {
			t.Errorf("answer lacks %s:\n%s", want, got)
		}
	}
}

// The export types an actor as each document reads it: Japan governs in
// one document and only locates a bank in the other.
func TestExportTypesPerDocument(t *testing.T) {
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test"})
	for _, text := range []string{"Japan banned the messaging app Zapchat.", "Globex, Japan's largest bank, bought Initech."} {
		ts.query(`mutation($in: DocumentInput!) { ingestDocument(input: $in) { sequence } }`,
			map[string]any{"in": map[string]any{"text": text, "source": strings.Fields(text)[0]}})
	}
	var out bytes.Buffer
	f := ts.flags()
	if err := export(context.Background(), f.client(), &out); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Japan": "GOVERNMENT", "Globex,": "PLACE"}
	for _, line := range strings.Split(out.String(), "\n") {
		var l actorLine
		if json.Unmarshal([]byte(line), &l) != nil || l.Kind != "actor" || l.Name != "Japan" {
			continue
		}
		if l.Type != want[l.Document] {
			t.Errorf("Japan in %s typed %q, want %q", l.Document, l.Type, want[l.Document])
		}
		delete(want, l.Document)
	}
	if len(want) > 0 {
		t.Errorf("Japan not exported for %v:\n%s", want, out.String())
	}
}

// Issue #11's acceptance, through the real server: the corpus and the
// dev set ingested into one graph, each scored by 'dossier eval'. The dev
// texts stay in ../shared (DOSSIER_DEV_SET elsewhere); without them the
// corpus alone is held to its targets, and the test says so.
func TestEvalThroughServer(t *testing.T) {
	dev := os.Getenv("DOSSIER_DEV_SET")
	if dev == "" {
		dev = "../../../shared/corpus/dev"
	}
	corpus, _ := filepath.Glob("../../examples/corpus/*.txt")
	devTexts, _ := filepath.Glob(filepath.Join(dev, "*.txt"))
	ts := startServerWith(t, node.Config{DataDir: t.TempDir(), Instance: "test"}) // the rule extractor
	if _, stderr, err := ts.ingest(append(corpus, devTexts...)...); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	sets := []struct {
		gold               string
		assertions, actors float64
	}{{"../../examples/corpus/gold", 0.70, 0.85}, {filepath.Join(dev, "gold"), 0.55, 0.85}}
	if len(devTexts) == 0 {
		t.Logf("dev set not found in %s (set DOSSIER_DEV_SET): scoring the corpus only", dev)
		sets = sets[:1]
	}
	for _, s := range sets {
		var out bytes.Buffer
		c := &evalCmd{Gold: s.gold, JSON: true, clientFlags: ts.flags()}
		if err := c.run(context.Background(), &out); err != nil {
			t.Fatal(err)
		}
		var r reportJSON
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: assertion F1 %.3f (P %.3f R %.3f), actor F1 %.3f", s.gold, r.Assertions.F1, r.Assertions.Precision, r.Assertions.Recall, r.Actors.F1)
		if r.Assertions.F1 < s.assertions || r.Actors.F1 < s.actors {
			t.Errorf("%s: assertion F1 %.3f, actor F1 %.3f; want at least %.2f and %.2f", s.gold, r.Assertions.F1, r.Actors.F1, s.assertions, s.actors)
		}
	}
}

// Documents go to the server several at once (--parallel), and the
// report still lists them in the order given.
func TestIngestParallel(t *testing.T) {
	ts := startIngestServer(t, node.Config{})
	dir := t.TempDir()
	var files []string
	for i := range 12 {
		f := filepath.Join(dir, fmt.Sprintf("doc-%02d.txt", i))
		if err := os.WriteFile(f, []byte(fmt.Sprintf("Country %d banned the messaging app Zapchat %d.", i, i)), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var out, errOut bytes.Buffer
	c := &ingestCmd{Files: files, Parallel: 4, clientFlags: ts.flags()}
	if err := c.ingestAll(context.Background(), &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(files)+1 || !strings.HasPrefix(lines[len(lines)-1], "ingested 12 of 12 documents") {
		t.Fatalf("report:\n%s", out.String())
	}
	for i, l := range lines[:len(files)] {
		if !strings.Contains(l, fmt.Sprintf("doc-%02d.txt:", i)) {
			t.Errorf("line %d is %q, want doc-%02d first", i, l, i)
		}
	}
}
