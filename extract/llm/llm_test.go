package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
)

const corpusDoc = "../../examples/corpus/000_8a48f4ee827dbde4.txt"

// corpus returns a corpus document, and its first paragraphs: the passage
// the recorded answers were given for.
func corpus(t *testing.T) (full, passage string) {
	t.Helper()
	b, err := os.ReadFile(corpusDoc)
	if err != nil {
		t.Fatal(err)
	}
	full = string(b)
	return full, strings.Join(strings.SplitN(full, "\n\n", 6)[:5], "\n\n")
}

func document(source, text string) extract.Document {
	return extract.Document{ID: events.DocumentID(text), Source: source, Text: text}
}

func recorded(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// completion wraps a model's answer in a chat completion, for answers
// written in the test.
func completion(t *testing.T, content string) []byte {
	return completionWith(t, content, "stop")
}

func completionWith(t *testing.T, content, finish string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "model": "llama3.1:8b",
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}, "finish_reason": finish}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// server is an OpenAI-compatible endpoint at {URL}/v1; it counts the
// requests it gets.
type server struct {
	*httptest.Server
	requests atomic.Int64
}

// handler serves request n (from 1).
type handler func(n int64, w http.ResponseWriter, r *http.Request)

func newServer(t *testing.T, h handler) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			t.Errorf("%s %s, want POST /v1/chat/completions", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		h(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// answering serves the same chat completion to every request.
func answering(body []byte) handler {
	return func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}
}

// hang answers nothing until the client goes away. It reads the body
// first: only then does the server notice a client hanging up.
func hang(_ int64, w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// newExtractor is an Extractor for s, with fast retries; edit changes the
// config first.
func newExtractor(t *testing.T, s *server, edit func(*Config)) *Extractor {
	t.Helper()
	cfg := Config{
		URL:          s.URL + "/v1",
		Model:        "llama3.1:8b",
		BackoffBase:  time.Millisecond,
		MaxRetryWait: 50 * time.Millisecond,
	}
	if edit != nil {
		edit(&cfg)
	}
	x, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// checkKept checks what every kept assertion must satisfy.
func checkKept(t *testing.T, x *Extractor, doc extract.Document, res extract.Result) {
	t.Helper()
	runes := []rune(doc.Text)
	for _, a := range res.Assertions {
		ev := a.Evidence
		if ev.Start == nil || ev.End == nil {
			t.Errorf("%s: evidence has no offsets", a.ID)
			continue
		}
		if got := string(runes[*ev.Start:*ev.End]); got != ev.Sentence {
			t.Errorf("%s: text[%d:%d] = %q, sentence %q", a.ID, *ev.Start, *ev.End, got, ev.Sentence)
		}
		if ev.DocumentID != doc.ID || ev.Document != doc.Source {
			t.Errorf("%s: evidence names document %q %q, want %q %q", a.ID, ev.DocumentID, ev.Document, doc.ID, doc.Source)
		}
		if a.Producer != (events.Producer{Name: "llm", Version: x.Version()}) {
			t.Errorf("%s: producer %v", a.ID, a.Producer)
		}
		if err := a.Validate(events.DefaultOntology()); err != nil {
			t.Errorf("%s: %v", a.ID, err)
		}
	}
}

// triples lists assertions as "subject PREDICATE object".
func triples(as []events.AssertionRecorded) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Subject.Name+" "+a.Predicate+" "+a.Object.Name)
	}
	slices.Sort(out)
	return out
}

func find(t *testing.T, as []events.AssertionRecorded, triple string) events.AssertionRecorded {
	t.Helper()
	for _, a := range as {
		if a.Subject.Name+" "+a.Predicate+" "+a.Object.Name == triple {
			return a
		}
	}
	t.Fatalf("no assertion %s", triple)
	return events.AssertionRecorded{}
}

func TestExtractRecordedAnswer(t *testing.T) {
	_, passage := corpus(t)
	s := newServer(t, answering(recorded(t, "answer_ok.json")))
	x := newExtractor(t, s, nil)
	doc := document("000_8a48f4ee827dbde4.txt", passage)

	res, err := x.Extract(context.Background(), doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d requests for a %d-character passage, want 1", n, len([]rune(passage)))
	}
	checkKept(t, x, doc, res)

	want := []string{
		"ByteDance LOCATED_IN Beijing",
		"ByteDance OPERATES Douyin",
		"ByteDance OWNS TikTok",
		"Donald Trump TARGETS TikTok",
		"Douyin VARIANT_OF TikTok",
		"Paul Verhagen MEMBER_OF The Hague Center for Strategic Studies",
		"TikTok SHARES_DATA_WITH Chinese Communist Party",
		"White House ACCUSES China",
		"White House BANS TikTok",
	}
	if got := triples(res.Assertions); !slices.Equal(got, want) {
		t.Errorf("kept\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantDropped := map[string]int{
		DropUnknownPredicate:      1, // THREATENS
		DropActorNotInText:        1, // Xi Jinping, named later in the document
		DropEvidenceNotInDocument: 1, // "The US is reviewing…"
		DropModality:              1, // "threatened"
		DropSameActor:             1, // TikTok VARIANT_OF TikTok
		DropNotAName:              1, // "the company"
		DropDuplicate:             1, // ByteDance OWNS TikTok, twice
		DropUnknownType:           3, // EXECUTIVE, APP, CITY: the assertions are kept
		DropAttribution:           1, // "US officials": kept, unattributed
	}
	if !maps.Equal(res.Dropped, wantDropped) {
		t.Errorf("dropped %v\nwant %v", res.Dropped, wantDropped)
	}

	bans := find(t, res.Assertions, "White House BANS TikTok")
	if bans.Modality != events.Intended || bans.Subject.Type != "GOVERNMENT" || bans.Object.Type != "PRODUCT" {
		t.Errorf("BANS: modality %s, types %s %s; want intended, GOVERNMENT (from the actor list) PRODUCT", bans.Modality, bans.Subject.Type, bans.Object.Type)
	}
	if *bans.Confidence != DefaultConfidence {
		t.Errorf("confidence %v, want %v", *bans.Confidence, DefaultConfidence)
	}
	if a := find(t, res.Assertions, "ByteDance LOCATED_IN Beijing"); a.Object.Type != "" {
		t.Errorf("Beijing typed %q after the model's CITY, want untyped", a.Object.Type)
	}
	if a := find(t, res.Assertions, "Donald Trump TARGETS TikTok"); a.Object.Type != "PRODUCT" {
		t.Errorf("TikTok typed %q after the model's APP, want PRODUCT from the actor list", a.Object.Type)
	}
	data := find(t, res.Assertions, "TikTok SHARES_DATA_WITH Chinese Communist Party")
	if data.Modality != events.Possible || data.AttributedTo != nil {
		t.Errorf("SHARES_DATA_WITH: modality %s, attributed to %v; want possible, nobody", data.Modality, data.AttributedTo)
	}
	accuses := find(t, res.Assertions, "White House ACCUSES China")
	if accuses.AttributedTo == nil || *accuses.AttributedTo != "Verhagen" {
		t.Errorf("ACCUSES attributed to %v, want Verhagen", accuses.AttributedTo)
	}
	// The model wrote a curly quote; the evidence is the document's own.
	if !strings.HasPrefix(accuses.Evidence.Sentence, `"TikTok fits`) {
		t.Errorf("ACCUSES evidence %q, want the document's straight quote", accuses.Evidence.Sentence)
	}

	wantMentions := []extract.Mention{
		{Name: "TikTok", Type: "PRODUCT", Count: 8},
		{Name: "United States", Type: "GOVERNMENT", Count: 2},
		{Name: "White House", Type: "GOVERNMENT", Count: 2},
		{Name: "Donald Trump", Type: "PERSON", Count: 1},
		{Name: "China", Type: "GOVERNMENT", Count: 5},
		{Name: "Paul Verhagen", Type: "PERSON", Count: 1},
		{Name: "The Hague Center for Strategic Studies", Type: "ORGANIZATION", Count: 1},
		{Name: "ByteDance", Type: "COMPANY", Count: 1},
		{Name: "Douyin", Type: "PRODUCT", Count: 1},
		{Name: "Europe", Type: "PLACE", Count: 1},
		{Name: "Chinese Communist Party", Type: "GOVERNMENT", Count: 1},
		{Name: "Beijing", Count: 1},
	}
	if !slices.Equal(res.Mentions, wantMentions) {
		t.Errorf("mentions\n%v\nwant\n%v", res.Mentions, wantMentions)
	}
}

func TestExtractFencedAnswer(t *testing.T) {
	_, passage := corpus(t)
	s := newServer(t, answering(recorded(t, "answer_fenced.json")))
	x := newExtractor(t, s, nil)
	doc := document("000_8a48f4ee827dbde4.txt", passage)
	res, err := x.Extract(context.Background(), doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkKept(t, x, doc, res)
	want := []string{"Donald Trump TARGETS TikTok", "Paul Verhagen MEMBER_OF HCSS"}
	if got := triples(res.Assertions); !slices.Equal(got, want) {
		t.Errorf("kept %q, want %q", got, want)
	}
	if len(res.Dropped) != 0 {
		t.Errorf("dropped %v", res.Dropped)
	}
}

// unicodeDoc has letters of two and three bytes, an emoji of four, a
// line break inside a sentence and curly quotes.
const unicodeDoc = "Zürich-based Ärztekasse AG was bought by Siemens Healthineers 🚀 last week. " +
	"Jürgen Müller, the head of\nÄrztekasse AG, said: “We will keep our name.”\n\n微信由腾讯运营。"

func TestExtractOffsetsAreCodePoints(t *testing.T) {
	s := newServer(t, answering(recorded(t, "answer_unicode.json")))
	x := newExtractor(t, s, func(c *Config) { c.Model = "qwen2.5:7b" })
	doc := document("unicode.txt", unicodeDoc)
	res, err := x.Extract(context.Background(), doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkKept(t, x, doc, res)
	want := []string{
		"Jürgen Müller LEADS Ärztekasse AG",
		"Siemens Healthineers ACQUIRES Ärztekasse AG",
		"Ärztekasse AG LOCATED_IN Zürich", // the model wrote ÄRZTEKASSE AG
		"腾讯 OPERATES 微信",
	}
	if got := triples(res.Assertions); !slices.Equal(got, want) {
		t.Errorf("kept %q, want %q (dropped %v)", got, want, res.Dropped)
	}
	leads := find(t, res.Assertions, "Jürgen Müller LEADS Ärztekasse AG")
	if want := "Jürgen Müller, the head of\nÄrztekasse AG, said: “We will keep our name.”"; leads.Evidence.Sentence != want {
		t.Errorf("evidence %q, want the document's %q", leads.Evidence.Sentence, want)
	}
	acq := find(t, res.Assertions, "Siemens Healthineers ACQUIRES Ärztekasse AG")
	// The offsets Python gives: unicodeDoc.find(sentence), and its len().
	if *acq.Evidence.Start != 0 || *acq.Evidence.End != 74 {
		t.Errorf("ACQUIRES evidence at %d:%d, want 0:74", *acq.Evidence.Start, *acq.Evidence.End)
	}
	cjk := find(t, res.Assertions, "腾讯 OPERATES 微信")
	if *cjk.Evidence.Start != 149 || *cjk.Evidence.End != 157 {
		t.Errorf("CJK evidence at %d:%d, want 149:157", *cjk.Evidence.Start, *cjk.Evidence.End)
	}
}

func TestExtractDeduplicatesAcrossChunks(t *testing.T) {
	para := "TikTok is owned by ByteDance, the Beijing company that also runs Douyin and a dozen other apps in China and elsewhere in the world, analysts say."
	text := para + "\n\n" + strings.Replace(para, "is owned by", "belongs to", 1)
	answer := `{"actors":[],"assertions":[{"subject":"ByteDance","predicate":"OWNS","object":"TikTok","evidence":"` + para + `"}]}`
	s := newServer(t, answering(completion(t, answer)))
	x := newExtractor(t, s, func(c *Config) { c.ChunkRunes = 200 })
	doc := document("dup.txt", text)
	res, err := x.Extract(context.Background(), doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load(); n != 2 {
		t.Fatalf("%d requests, want one per paragraph", n)
	}
	if len(res.Assertions) != 1 || res.Dropped[DropDuplicate] != 1 {
		t.Errorf("kept %q, dropped %v; want one kept, one duplicate", triples(res.Assertions), res.Dropped)
	}
	if a := res.Assertions[0]; a.Polarity != events.Affirmed || a.Modality != events.Actual {
		t.Errorf("polarity %q modality %q, want the defaults", a.Polarity, a.Modality)
	}
}

type known map[string]string

func (k known) Lookup(name string) (string, string, bool) {
	t, ok := k[name]
	return name, t, ok
}

func TestExtractTypesFromKnown(t *testing.T) {
	text := "Hikvision cameras watch Xinjiang, the report by Human Rights Watch says."
	answer := `{"assertions":[{"subject":"Hikvision","predicate":"SURVEILS","object":"Xinjiang","evidence":"Hikvision cameras watch Xinjiang, the report by Human Rights Watch says.","attributed_to":"Human Rights Watch","confidence":1.5}]}`
	s := newServer(t, answering(completion(t, answer)))
	x := newExtractor(t, s, nil)
	res, err := x.Extract(context.Background(), document("k.txt", text), known{"Hikvision": "COMPANY", "Xinjiang": "NOT_A_TYPE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Assertions) != 1 {
		t.Fatalf("kept %q, dropped %v", triples(res.Assertions), res.Dropped)
	}
	a := res.Assertions[0]
	if a.Subject.Type != "COMPANY" || a.Object.Type != "" {
		t.Errorf("types %q %q, want COMPANY from the graph and none", a.Subject.Type, a.Object.Type)
	}
	if *a.Confidence != 1 {
		t.Errorf("confidence %v, want the model's 1.5 clamped to 1", *a.Confidence)
	}
	if a.AttributedTo == nil || *a.AttributedTo != "Human Rights Watch" {
		t.Errorf("attributed to %v", a.AttributedTo)
	}
}

func TestRequest(t *testing.T) {
	_, passage := corpus(t)
	type seen struct {
		header http.Header
		body   map[string]json.RawMessage
	}
	var got []seen
	var mu sync.Mutex
	s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]json.RawMessage
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body is not JSON: %v", err)
		}
		mu.Lock()
		got = append(got, seen{r.Header.Clone(), body})
		mu.Unlock()
		answering(recorded(t, "answer_empty.json"))(n, w, r)
	})
	for _, key := range []string{"sk-test-123", ""} {
		got = nil
		x := newExtractor(t, s, func(c *Config) { c.APIKey = key })
		if _, err := x.Extract(context.Background(), document("p.txt", passage), nil); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%d requests", len(got))
		}
		h, body := got[0].header, got[0].body
		wantAuth := ""
		if key != "" {
			wantAuth = "Bearer " + key
		}
		if a := h.Get("Authorization"); a != wantAuth {
			t.Errorf("Authorization %q, want %q", a, wantAuth)
		}
		if ct := h.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if string(body["model"]) != `"llama3.1:8b"` {
			t.Errorf("model %s", body["model"])
		}
		if string(body["temperature"]) != "0" {
			t.Errorf("temperature %s, want 0", body["temperature"])
		}
		if string(body["response_format"]) != `{"type":"json_object"}` {
			t.Errorf("response_format %s", body["response_format"])
		}
		var msgs []message
		if err := json.Unmarshal(body["messages"], &msgs); err != nil || len(msgs) != 2 {
			t.Fatalf("messages %s: %v", body["messages"], err)
		}
		if msgs[0].Role != "system" || msgs[1].Role != "user" {
			t.Errorf("roles %s, %s", msgs[0].Role, msgs[1].Role)
		}
		o := events.DefaultOntology()
		for _, p := range o.Predicates {
			if !strings.Contains(msgs[0].Content, "- "+p.Name+": "+p.Description) {
				t.Errorf("system message does not describe %s", p.Name)
			}
		}
		for _, ty := range o.ActorTypes {
			if !strings.Contains(msgs[0].Content, "- "+ty.Name+": "+ty.Description) {
				t.Errorf("system message does not describe %s", ty.Name)
			}
		}
		for _, w := range []string{`"negated"`, `"possible"`, `"intended"`, "attributed_to", `"evidence"`, `"subject_type"`} {
			if !strings.Contains(msgs[0].Content, w) {
				t.Errorf("system message does not mention %s", w)
			}
		}
		if !strings.HasSuffix(msgs[1].Content, passage) {
			t.Errorf("user message does not end with the text: %.80q", msgs[1].Content)
		}
	}
}

func TestOntologyDrivesPrompt(t *testing.T) {
	o, err := events.NewOntology([]byte(`{"version":1,"actor_types":[{"name":"SHIP","description":"a vessel"}],"predicates":[{"name":"TOWS","description":"pulls along"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := systemPrompt(o)
	for _, w := range []string{"- SHIP: a vessel", "- TOWS: pulls along"} {
		if !strings.Contains(p, w) {
			t.Errorf("prompt lacks %q", w)
		}
	}
	if strings.Contains(p, "OWNS") || strings.Contains(p, "LEADS") || strings.Contains(p, "SHARES_DATA_WITH") || strings.Contains(p, "EXAMPLE") {
		t.Errorf("prompt names the default ontology's predicates, or an example using them:\n%s", p)
	}
}

func TestRetriesServerErrors(t *testing.T) {
	s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			http.Error(w, `{"error":{"message":"model is loading"}}`, http.StatusServiceUnavailable)
			return
		}
		answering(recorded(t, "answer_empty.json"))(n, w, r)
	})
	x := newExtractor(t, s, nil)
	if _, err := x.Extract(context.Background(), document("a.txt", "TikTok is owned by ByteDance."), nil); err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var first time.Time
	var gap time.Duration
	s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":{"message":"Rate limit reached","type":"requests"}}`, http.StatusTooManyRequests)
		default:
			gap = time.Since(first)
			answering(recorded(t, "answer_empty.json"))(n, w, r)
		}
	})
	// Retry-After asks for 1s; MaxRetryWait caps it, to keep the test
	// fast; BackoffBase alone would wait about a millisecond.
	x := newExtractor(t, s, func(c *Config) { c.MaxRetryWait = 200 * time.Millisecond })
	if _, err := x.Extract(context.Background(), document("a.txt", "TikTok is owned by ByteDance."), nil); err != nil {
		t.Fatal(err)
	}
	if n := s.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if gap < 200*time.Millisecond || gap > 2*time.Second {
		t.Errorf("retried after %v, want the 1s asked for, capped at 200ms", gap)
	}
}

func TestBackoff(t *testing.T) {
	x := &Extractor{cfg: Config{BackoffBase: 100 * time.Millisecond, MaxRetryWait: time.Second}}
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 20 {
			d := x.backoff(n, 0)
			if d < want/2 || d > want {
				t.Errorf("backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
	if d := x.backoff(0, 700*time.Millisecond); d != 700*time.Millisecond {
		t.Errorf("backoff with Retry-After 700ms = %v", d)
	}
	if d := x.backoff(0, time.Hour); d != time.Second {
		t.Errorf("backoff with Retry-After 1h = %v, want MaxRetryWait", d)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"3": 3 * time.Second, "0.5": 500 * time.Millisecond, "": 0, "soon": 0, "-1": 0,
		"Thu, 02 Jan 2025 03:04:15 GMT": 10 * time.Second,
		"Thu, 02 Jan 2025 03:04:00 GMT": 0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"message":"CUDA error: out of memory","type":"server_error"}}`)
	})
	x := newExtractor(t, s, func(c *Config) { c.MaxRetries = 2 })
	_, err := x.Extract(context.Background(), document("a.txt", "TikTok is owned by ByteDance."), nil)
	if err == nil {
		t.Fatal("no error")
	}
	if n := s.requests.Load(); n != 3 {
		t.Errorf("%d requests, want MaxRetries+1 = 3", n)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 500 {
		t.Errorf("err %v is not a *StatusError with status 500", err)
	}
	for _, w := range []string{"500", "CUDA error: out of memory", "3 attempts"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"Incorrect API key provided"}}`, http.StatusUnauthorized)
	})
	x := newExtractor(t, s, nil)
	_, err := x.Extract(context.Background(), document("a.txt", "TikTok is owned by ByteDance."), nil)
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Incorrect API key") {
		t.Errorf("err %v, want the 401 and its message", err)
	}
	if n := s.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestResponseFormatFallback(t *testing.T) {
	var withFormat atomic.Int64
	s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), `"response_format"`) {
			withFormat.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			w.Write(recorded(t, "error_response_format.json"))
			return
		}
		answering(recorded(t, "answer_fenced.json"))(n, w, r)
	})
	_, passage := corpus(t)
	x := newExtractor(t, s, nil)
	for range 2 {
		res, err := x.Extract(context.Background(), document("p.txt", passage), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Assertions) != 2 {
			t.Errorf("kept %q", triples(res.Assertions))
		}
	}
	if n, w := s.requests.Load(), withFormat.Load(); n != 3 || w != 1 {
		t.Errorf("%d requests, %d with response_format; want 3 and 1: once refused, never sent again", n, w)
	}
}

func TestTimeout(t *testing.T) {
	s := newServer(t, hang)
	x := newExtractor(t, s, func(c *Config) {
		c.Timeout = 50 * time.Millisecond
		c.MaxRetries = 1
	})
	start := time.Now()
	_, err := x.Extract(context.Background(), document("a.txt", "TikTok is owned by ByteDance."), nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("err %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if n := s.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2: a timeout is retried", n)
	}
}

func TestCancel(t *testing.T) {
	full, _ := corpus(t)
	s := newServer(t, hang)
	x := newExtractor(t, s, func(c *Config) { c.ChunkRunes = 500 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := x.Extract(ctx, document("full.txt", full), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v after the context ended", d)
	}
	if n := s.requests.Load(); n != 2 {
		t.Errorf("%d requests started, want 2 (Concurrency) before the context ended", n)
	}
	// Extract has returned: nothing of it may start another request.
	time.Sleep(50 * time.Millisecond)
	if n := s.requests.Load(); n != 2 {
		t.Errorf("%d requests after Extract returned", n)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	full, _ := corpus(t)
	var inFlight, most atomic.Int64
	var mu sync.Mutex
	var texts []string
	s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		var req chatRequest
		json.NewDecoder(r.Body).Decode(&req)
		_, text, _ := strings.Cut(req.Messages[1].Content, "):\n")
		mu.Lock()
		texts = append(texts, text)
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		answering(recorded(t, "answer_empty.json"))(n, w, r)
	})
	x := newExtractor(t, s, func(c *Config) {
		c.ChunkRunes = 300
		c.Concurrency = 2
	})
	if _, err := x.Extract(context.Background(), document("full.txt", full), nil); err != nil {
		t.Fatal(err)
	}
	chunks := split(full, 300)
	if n := s.requests.Load(); n != int64(len(chunks)) || n < 10 {
		t.Errorf("%d requests for %d chunks", n, len(chunks))
	}
	if m := most.Load(); m != 2 {
		t.Errorf("at most %d requests in flight, want 2", m)
	}
	// Every chunk was sent, once.
	var want []string
	for _, c := range chunks {
		want = append(want, c.Text)
	}
	slices.Sort(texts)
	slices.Sort(want)
	if !slices.Equal(texts, want) {
		t.Errorf("the requests did not carry the chunks")
	}
}

func TestUnreadableAnswers(t *testing.T) {
	para := "TikTok is owned by ByteDance, the Beijing company that also runs Douyin and a dozen other apps in China and elsewhere in the world, analysts say."
	t.Run("all", func(t *testing.T) {
		body := completionWith(t, `{"actors":[{"name":"TikTok","type":"PROD`, "length")
		s := newServer(t, answering(body))
		x := newExtractor(t, s, nil)
		_, err := x.Extract(context.Background(), document("a.txt", para), nil)
		if err == nil || !strings.Contains(err.Error(), "cut short") {
			t.Errorf("err %v, want the answer was cut short", err)
		}
	})
	t.Run("some", func(t *testing.T) {
		s := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				answering(completion(t, "I'm sorry, but I can't help with that."))(n, w, r)
				return
			}
			answering(recorded(t, "answer_empty.json"))(n, w, r)
		})
		x := newExtractor(t, s, func(c *Config) {
			c.ChunkRunes = 200
			c.Concurrency = 1
		})
		res, err := x.Extract(context.Background(), document("a.txt", para+"\n"+para), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Dropped[DropUnreadable] != 1 {
			t.Errorf("dropped %v, want one unreadable answer", res.Dropped)
		}
	})
}

func TestExtractRefuses(t *testing.T) {
	s := newServer(t, answering(recorded(t, "answer_empty.json")))
	x := newExtractor(t, s, nil)
	for name, doc := range map[string]extract.Document{
		"bad utf-8": {Text: "TikTok \xff"},
		"bad id":    {ID: "000_doc", Text: "TikTok"},
	} {
		if _, err := x.Extract(context.Background(), doc, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	res, err := x.Extract(context.Background(), extract.Document{Text: " \n\n "}, nil)
	if err != nil || len(res.Assertions) != 0 {
		t.Errorf("blank document: %v, %v", res, err)
	}
	if n := s.requests.Load(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestNew(t *testing.T) {
	_, err := New(Config{URL: "localhost:11434", Concurrency: -1, ChunkRunes: 10, Timeout: -time.Second})
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"URL", "Model is required", "Concurrency", "ChunkRunes", "Timeout"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
	x, err := New(Config{URL: "http://localhost:11434/v1/", Model: "llama3.1:8b"})
	if err != nil {
		t.Fatal(err)
	}
	if x.Name() != "llm" || x.Version() != "1+llama3.1:8b" {
		t.Errorf("Name %q Version %q", x.Name(), x.Version())
	}
	if x.endpoint != "http://localhost:11434/v1/chat/completions" {
		t.Errorf("endpoint %s", x.endpoint)
	}
	c := x.cfg
	if c.Timeout != DefaultTimeout || c.MaxRetries != DefaultMaxRetries || c.Concurrency != DefaultConcurrency ||
		c.ChunkRunes != DefaultChunkRunes || c.BackoffBase != DefaultBackoffBase || c.HTTPClient == nil || c.Ontology == nil {
		t.Errorf("defaults not set: %+v", c)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("DOSSIER_LLM_URL", "http://gpu:8000/v1")
	t.Setenv("DOSSIER_LLM_MODEL", "Qwen/Qwen2.5-7B-Instruct")
	t.Setenv("DOSSIER_LLM_KEY", "token")
	c := ConfigFromEnv()
	if c.URL != "http://gpu:8000/v1" || c.Model != "Qwen/Qwen2.5-7B-Instruct" || c.APIKey != "token" {
		t.Errorf("%+v", c)
	}
}

func ExampleNew() {
	x, err := New(Config{URL: "http://localhost:11434/v1", Model: "llama3.1:8b"})
	if err != nil {
		panic(err)
	}
	fmt.Println(extract.Producer(x))
	// Output: llm@1+llama3.1:8b
}
