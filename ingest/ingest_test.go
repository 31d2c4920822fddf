package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/internal/testenv"
	"github.com/dossier-kg/dossier/projections"
	"github.com/dossier-kg/dossier/record"
	"github.com/dossier-kg/dossier/stream"
)

// ownsExtractor is a small hand-written extractor: every "X owns Y."
// sentence is an OWNS assertion, with its code point offsets, and its two
// names are mentions. wrong lists assertions (by order) whose offsets it
// gets wrong on purpose.
type ownsExtractor struct {
	wrong map[int]func(start, end *int)
}

var owns = regexp.MustCompile(`(\p{Lu}\p{L}*(?: \p{Lu}\p{L}*)*) owns (\p{Lu}\p{L}*(?: \p{Lu}\p{L}*)*)\.`)

func (*ownsExtractor) Name() string    { return "owns-test" }
func (*ownsExtractor) Version() string { return "1" }

func (x *ownsExtractor) Extract(_ context.Context, doc extract.Document, _ extract.Known) (extract.Result, error) {
	var res extract.Result
	count := map[string]int{}
	for n, m := range owns.FindAllStringSubmatchIndex(doc.Text, -1) {
		start, end := utf8.RuneCountInString(doc.Text[:m[0]]), utf8.RuneCountInString(doc.Text[:m[1]])
		if f := x.wrong[n]; f != nil {
			f(&start, &end)
		}
		subj, obj := doc.Text[m[2]:m[3]], doc.Text[m[4]:m[5]]
		res.Assertions = append(res.Assertions, events.AssertionRecorded{
			Subject: events.ActorRef{Name: subj, Type: "COMPANY"}, Predicate: "OWNS", Object: events.ActorRef{Name: obj, Type: "PRODUCT"},
			Evidence: events.Evidence{DocumentID: doc.ID, Document: doc.Source, Sentence: doc.Text[m[0]:m[1]], Start: &start, End: &end},
		})
		count[subj]++
		count[obj]++
	}
	for name, n := range count {
		res.Mentions = append(res.Mentions, extract.Mention{Name: name, Count: n})
	}
	return res, nil
}

// countingTexts counts the texts put into the real store.
type countingTexts struct {
	ingest.TextStore
	puts int
}

func (c *countingTexts) PutText(ctx context.Context, id, text string) error {
	c.puts++
	return c.TextStore.PutText(ctx, id, text)
}

type env struct {
	t     *testing.T
	js    jetstream.JetStream
	log   *stream.Log
	texts *countingTexts
	in    *ingest.Ingester
	x     *ownsExtractor
	store *graph.Store
}

func newEnv(t *testing.T, cfg ingest.Config, logCfg stream.LogConfig) *env {
	t.Helper()
	ctx := context.Background()
	log, js := testenv.Log(t, logCfg)
	os, err := ingest.OpenObjectStore(ctx, ingest.ObjectStoreConfig{JetStream: js})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, js: js, log: log, texts: &countingTexts{TextStore: os}, x: &ownsExtractor{}}
	// The writer resolves names through a graph; here, an empty one.
	store, err := graph.Open(ctx, graph.Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w, err := record.New(record.Config{Log: log, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Log, cfg.Writer, cfg.Texts = log, w, e.texts
	if cfg.Extractor == nil {
		cfg.Extractor = e.x
	}
	e.in, err = ingest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) ingest(in ingest.Input) ingest.Result {
	e.t.Helper()
	res, err := e.in.Ingest(context.Background(), in)
	if err != nil {
		e.t.Fatalf("Ingest(%s): %v", in.Source, err)
	}
	return res
}

func (e *env) last() uint64 {
	e.t.Helper()
	seq, err := e.log.LastSequence(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// project folds the log up to its last event into the env's store.
func (e *env) project() graph.Stats {
	e.t.Helper()
	if e.store == nil {
		s, err := graph.Open(context.Background(), graph.Config{InMemory: true})
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() { s.Close() })
		e.store = s
	}
	p, err := projections.New(projections.Config{Store: e.store, JetStream: e.js, Durable: "test", StopAt: e.last()})
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		e.t.Fatal(err)
	}
	v, err := e.store.View(0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer v.Close()
	st, err := v.Stats()
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

const page = `<!DOCTYPE html>
<html><head><title>Who owns what &amp; why</title>
<style>p { color: red } /* Styleowns Nothing. */</style>
<script>var leak = "Scriptowns Secret.";</script>
</head>
<body>
<nav>Home | <a href="/about">About</a></nav>
<article>
<h1>Owners</h1>
<p>Acme   owns
   Widget. It is <b>not</b> news&nbsp;at all.</p>
<script type="text/javascript">document.write("Injected owns Payload.")</script>
<p>Beta owns <i>Gamma</i>.</p><div>Café owns Crème.<noscript>Noscript owns Tracker.</noscript></div>
<ul><li>one</li><li>two</li></ul>
<iframe src="https://ads.example">Frame owns Ad.</iframe>
<svg><text>Svg owns Shape.</text></svg>
</article>
</body></html>`

func TestIngestHTML(t *testing.T) {
	e := newEnv(t, ingest.Config{}, stream.LogConfig{})
	res := e.ingest(ingest.Input{Source: "owners.html", Body: []byte(page), Principal: "alice"})
	text, err := e.texts.Text(context.Background(), res.Document.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "Home | About\n\nOwners\n\nAcme owns Widget. It is not news at all.\n\nBeta owns Gamma.\n\nCafé owns Crème.\n\none\n\ntwo"
	if text != want {
		t.Errorf("text =\n%q\nwant\n%q", text, want)
	}
	for _, leak := range []string{"Script", "Injected", "Style", "Noscript", "Frame", "Svg", "color", "<"} {
		if strings.Contains(text, leak) {
			t.Errorf("text contains %q", leak)
		}
	}
	if res.Document.Title != "Who owns what & why" || res.ContentType != ingest.HTML {
		t.Errorf("title %q, content type %q", res.Document.Title, res.ContentType)
	}
	if res.Document.ID != events.DocumentID(text) || !res.Document.TextStored || res.Document.Text != "" || res.Document.Size != len(text) {
		t.Errorf("document = %+v", res.Document)
	}
	var got []string
	for _, a := range res.Assertions {
		got = append(got, a.Subject.Name+">"+a.Object.Name)
		if a.Evidence.DocumentID != res.Document.ID || a.Evidence.Document != "owners.html" || a.Producer.Name != "owns-test" {
			t.Errorf("assertion evidence/producer: %+v %+v", a.Evidence, a.Producer)
		}
	}
	if strings.Join(got, " ") != "Acme>Widget Beta>Gamma Café>Crème" {
		t.Errorf("assertions %q", got)
	}
	if len(res.Appended) != 2+len(res.Assertions) || res.LastSequence != e.last() || res.Duplicate {
		t.Errorf("appended %+v, last %d (log %d), duplicate %v", res.Appended, res.LastSequence, e.last(), res.Duplicate)
	}
	// The events: the document first, its mentions and assertions caused
	// by it, all correlated.
	for seq := uint64(1); seq <= e.last(); seq++ {
		ev, err := e.log.Get(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Principal != "alice" || ev.CorrelationID != "ingest-"+res.Document.ID {
			t.Errorf("event %d: principal %q correlation %q", seq, ev.Principal, ev.CorrelationID)
		}
		wantType, cause := events.TypeAssertionRecorded, "doc-"+res.Document.ID
		switch seq {
		case 1:
			wantType, cause = events.TypeDocumentAdded, ""
			if bytes.Contains(ev.Data, []byte("Widget")) {
				t.Error("the DocumentAdded event carries the text")
			}
		case 2:
			wantType = events.TypeMentionsRecorded
		}
		if ev.Type != wantType || ev.CausationID != cause {
			t.Errorf("event %d: %s caused by %q, want %s caused by %q", seq, ev.Type, ev.CausationID, wantType, cause)
		}
	}
	st := e.project()
	if st.Documents != 1 || st.Assertions != 3 || st.Actors != 6 {
		t.Errorf("stats %+v", st)
	}
	v, _ := e.store.View(0)
	defer v.Close()
	d, err := v.Document(res.Document.ID)
	if err != nil || !d.HasText || !d.TextStored || d.Title != "Who owns what & why" {
		t.Errorf("document in the graph: %+v, %v", d, err)
	}
	if actors, _ := v.DocumentActors(res.Document.ID); len(actors) != 6 {
		t.Errorf("document actors: %+v", actors)
	}
}

func TestIngestMarkdownAndPlain(t *testing.T) {
	e := newEnv(t, ingest.Config{}, stream.LogConfig{})
	md := "---\nlayout: post\n---\n# The *Owners*\n\nSome **bold** text with a [link](https://x.example/a_(b)) and ![an image](i.png).\n\n" +
		"- Acme owns Widget.\n* Beta owns `Gamma`.\n1. Delta owns Epsilon.\n\n> Quoted owns Text.\n\n```\nCode owns Nothing.\n```\n\nsnake_case stays, 2 * 3 stays.\n"
	res := e.ingest(ingest.Input{Source: "notes.md", Body: []byte(md)})
	text, _ := e.texts.Text(context.Background(), res.Document.ID)
	want := "The Owners\n\nSome bold text with a link and .\n\nAcme owns Widget.\n\nBeta owns Gamma.\n\nDelta owns Epsilon.\n\nQuoted owns Text.\n\nsnake_case stays, 2 * 3 stays."
	if text != want {
		t.Errorf("markdown text =\n%q\nwant\n%q", text, want)
	}
	if res.Document.Title != "The Owners" || len(res.Assertions) != 4 {
		t.Errorf("title %q, %d assertions", res.Document.Title, len(res.Assertions))
	}

	plain := "Acme owns Widget.\r\nZeta owns Eta.\rEnd.\r\n"
	res = e.ingest(ingest.Input{Source: "a.txt", Title: "Given", Body: []byte(plain)})
	text, _ = e.texts.Text(context.Background(), res.Document.ID)
	if text != "Acme owns Widget.\nZeta owns Eta.\nEnd.\n" || res.Document.Title != "Given" || len(res.Assertions) != 2 {
		t.Errorf("plain text %q, title %q, %d assertions", text, res.Document.Title, len(res.Assertions))
	}
	// A declared type wins over the extension.
	res = e.ingest(ingest.Input{Source: "page.txt", ContentType: "text/html; charset=UTF-8", Body: []byte("<p>Acme owns <b>Gadget</b>.</p>")})
	if text, _ = e.texts.Text(context.Background(), res.Document.ID); text != "Acme owns Gadget." {
		t.Errorf("declared html: %q", text)
	}
}

// Inputs that cannot be documents are refused with a typed error, and
// nothing is stored or appended.
func TestIngestRefuses(t *testing.T) {
	e := newEnv(t, ingest.Config{MaxBytes: 1 << 10}, stream.LogConfig{})
	for _, c := range []struct {
		name string
		in   ingest.Input
		kind ingest.Kind
		says string
	}{
		{"empty", ingest.Input{}, ingest.Empty, "empty"},
		{"blank", ingest.Input{Body: []byte(" \n\t\n")}, ingest.Empty, "empty"},
		{"nul", ingest.Input{Body: []byte("Acme owns\x00 Widget.")}, ingest.Binary, "NUL byte at offset 9"},
		{"control", ingest.Input{Body: []byte("\x01\x02\x03\x04 Acme owns Widget. \x05\x06\x07\x08")}, ingest.Binary, "control characters"},
		{"latin-1", ingest.Input{Body: []byte("Caf\xe9 owns Widget.")}, ingest.BadEncoding, "offset 3"},
		{"utf-16", ingest.Input{Body: []byte("\xff\xfeA\x00")}, ingest.BadEncoding, "UTF-16"},
		{"too large", ingest.Input{Body: bytes.Repeat([]byte("Acme owns Widget. "), 100)}, ingest.TooLarge, "over the limit of 1024"},
		{"content type", ingest.Input{ContentType: "application/pdf", Body: []byte("Acme owns Widget.")}, ingest.BadContentType, "application/pdf"},
		{"charset", ingest.Input{ContentType: "text/plain; charset=latin1", Body: []byte("Acme owns Widget.")}, ingest.BadEncoding, "latin1"},
		{"only script", ingest.Input{Source: "x.html", Body: []byte("<script>Acme owns Widget.</script>")}, ingest.Empty, "no text"},
		{"bad url", ingest.Input{URL: "javascript:alert(1)", Body: []byte("Acme owns Widget.")}, ingest.BadMetadata, "not an http"},
		{"long title", ingest.Input{Title: strings.Repeat("t", 3000), Body: []byte("Acme owns Widget.")}, ingest.BadMetadata, "title is over"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.in.Ingest(context.Background(), c.in)
			var ie *ingest.InputError
			if !errors.As(err, &ie) || ie.Kind != c.kind {
				t.Fatalf("Ingest = %v, want an InputError of kind %q", err, c.kind)
			}
			if !strings.Contains(ie.Error(), c.says) {
				t.Errorf("error %q does not say %q", ie, c.says)
			}
		})
	}
	if got := e.last(); got != 0 {
		t.Errorf("the log's last sequence is %d after refused inputs, want 0", got)
	}
	if e.texts.puts != 0 {
		t.Errorf("%d texts stored for refused inputs", e.texts.puts)
	}
}

// The same document twice is one document: the second time says so, and
// once projected nothing is counted twice, also after JetStream's
// duplicate window.
func TestIngestTwice(t *testing.T) {
	e := newEnv(t, ingest.Config{}, stream.LogConfig{DuplicateWindow: 200 * time.Millisecond})
	in := ingest.Input{Source: "a.txt", Body: []byte("Acme owns Widget. Beta owns Gamma.")}
	first := e.ingest(in)
	if first.Duplicate {
		t.Error("first ingest is a duplicate")
	}
	before := e.project()
	second := e.ingest(in)
	if !second.Duplicate || second.Document.ID != first.Document.ID || second.LastSequence != first.LastSequence {
		t.Errorf("second ingest: duplicate %v, id %s, last %d; first id %s, last %d",
			second.Duplicate, second.Document.ID, second.LastSequence, first.Document.ID, first.LastSequence)
	}
	time.Sleep(300 * time.Millisecond)
	third := e.ingest(in)
	if !third.Duplicate {
		t.Error("an ingest after the duplicate window does not say the document was there")
	}
	if third.LastSequence == first.LastSequence {
		t.Fatal("the events were deduplicated by JetStream; the test needs them in the stream again")
	}
	after := e.project()
	before.Applied, after.Applied = 0, 0
	if after != before || after.Documents != 1 || after.Assertions != 2 {
		t.Errorf("stats after ingesting again %+v, before %+v", after, before)
	}
}

func TestTextStore(t *testing.T) {
	e := newEnv(t, ingest.Config{}, stream.LogConfig{})
	ctx := context.Background()
	res := e.ingest(ingest.Input{Body: []byte("Zürich owns 北京.\n")})
	if got, err := e.texts.Text(ctx, res.Document.ID); err != nil || got != "Zürich owns 北京.\n" {
		t.Errorf("Text = %q, %v", got, err)
	}
	if _, err := e.texts.Text(ctx, events.DocumentID("never stored")); !errors.Is(err, ingest.ErrTextNotFound) {
		t.Errorf("Text of an unknown document = %v, want ErrTextNotFound", err)
	}
	if err := e.texts.PutText(ctx, events.DocumentID("a"), "b"); err == nil {
		t.Error("PutText accepted a text under another text's id")
	}
	// Opening the bucket again finds what is there.
	again, err := ingest.OpenObjectStore(ctx, ingest.ObjectStoreConfig{JetStream: e.js})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Text(ctx, res.Document.ID); err != nil || got != "Zürich owns 北京.\n" {
		t.Errorf("Text after reopening = %q, %v", got, err)
	}
}

// An assertion whose evidence is not the text at its offsets is dropped
// and counted; the others go in.
func TestEvidenceChecked(t *testing.T) {
	e := newEnv(t, ingest.Config{}, stream.LogConfig{})
	e.x.wrong = map[int]func(*int, *int){
		1: func(s, e *int) { *s++; *e++ },
		2: func(s, e *int) { *e = 1 << 20 },
		3: func(s, e *int) { *s, *e = *e, *s },
	}
	res := e.ingest(ingest.Input{Body: []byte("Acme owns Widget. Beta owns Gamma. Delta owns Epsilon. Zeta owns Eta. Theta owns Iota.")})
	if len(res.Assertions) != 2 || res.Assertions[0].Subject.Name != "Acme" || res.Assertions[1].Subject.Name != "Theta" {
		t.Errorf("assertions %+v, want Acme's and Theta's", res.Assertions)
	}
	if res.Dropped[ingest.DropMismatch] != 1 || res.Dropped[ingest.DropOffsets] != 2 {
		t.Errorf("dropped %v", res.Dropped)
	}
	if len(res.Appended) != 2+2 {
		t.Errorf("appended %d events, want the document, its mentions and 2 assertions", len(res.Appended))
	}
}

type failingExtractor struct{ ownsExtractor }

func (*failingExtractor) Extract(context.Context, extract.Document, extract.Known) (extract.Result, error) {
	return extract.Result{}, errors.New("model unavailable")
}

func TestExtractorFailure(t *testing.T) {
	e := newEnv(t, ingest.Config{Extractor: &failingExtractor{}}, stream.LogConfig{})
	_, err := e.in.Ingest(context.Background(), ingest.Input{Body: []byte("Acme owns Widget.")})
	var xe *ingest.ExtractError
	if !errors.As(err, &xe) || !strings.Contains(err.Error(), "model unavailable") {
		t.Errorf("Ingest = %v, want an ExtractError", err)
	}
	if e.last() != 0 {
		t.Error("a failed extraction appended events")
	}
}

func TestNewValidates(t *testing.T) {
	_, err := ingest.New(ingest.Config{MaxBytes: -1})
	for _, want := range []string{"Log is required", "Texts is required", "Extractor is required", "negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New = %v, want it to say %q", err, want)
		}
	}
}
