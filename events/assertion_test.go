package events_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/events"
)

// line builds one assertion line from a valid base, with fields replaced
// (a nil value deletes the field).
func line(tb testing.TB, repl map[string]any) []byte {
	tb.Helper()
	m := map[string]any{
		"subject":   map[string]any{"name": "ByteDance", "type": "COMPANY"},
		"predicate": "OWNS",
		"object":    map[string]any{"name": "TikTok", "type": "PRODUCT"},
		"evidence":  map[string]any{"document": "000_doc", "sentence": "TikTok is owned by ByteDance."},
	}
	for k, v := range repl {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// check runs the pipeline every producer's line goes through.
func check(b []byte, o *events.Ontology) (events.AssertionRecorded, error) {
	a, err := events.ParseAssertion(b)
	if err != nil {
		return a, err
	}
	a.Normalize(o)
	return a, a.Validate(o)
}

func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *events.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T), want a *events.ValidationError", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatalf("ValidationError without problems")
	}
	return ve.Problems
}

func TestAssertionRejects(t *testing.T) {
	o := events.DefaultOntology()
	ev := func(kv ...any) map[string]any {
		m := map[string]any{"document": "000_doc", "sentence": "TikTok is owned by ByteDance."}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name string
		line []byte
		want string // the problem names this field or says this
	}{
		{"malformed JSON", []byte(`{"subject": "A", "predicate":`), "not a JSON assertion"},
		{"not an object", []byte(`["A", "OWNS", "B"]`), "not a JSON assertion"},
		{"two values on a line", append(line(t, nil), line(t, nil)...), "more than one JSON value"},
		{"typo predicat", []byte(strings.Replace(string(line(t, nil)), `"predicate"`, `"predicat"`, 1)), `"predicat"`},
		{"invalid UTF-8", []byte(strings.Replace(string(line(t, nil)), "TikTok", "Tik\xffTok", 1)), "UTF-8"},
		{"subject wrong JSON type", line(t, map[string]any{"subject": 42}), "subject"},
		{"confidence wrong JSON type", line(t, map[string]any{"confidence": "high"}), "confidence"},
		{"empty subject", line(t, map[string]any{"subject": ""}), "subject.name is missing"},
		{"blank subject", line(t, map[string]any{"subject": " \t "}), "subject.name is missing"},
		{"quotes-only subject", line(t, map[string]any{"subject": `" "`}), "subject.name is missing"},
		{"no subject", line(t, map[string]any{"subject": nil}), "subject.name is missing"},
		{"punctuation-only subject", line(t, map[string]any{"subject": "***"}), "subject.name"},
		{"subject too long", line(t, map[string]any{"subject": long(events.MaxNameLen + 1)}), "subject.name is 257 characters"},
		{"no object", line(t, map[string]any{"object": nil}), "object.name is missing"},
		{"punctuation-only object", line(t, map[string]any{"object": "--"}), "object.name"},
		{"no predicate", line(t, map[string]any{"predicate": nil}), "predicate is missing"},
		{"unknown predicate", line(t, map[string]any{"predicate": "LIKES"}), `predicate "LIKES"`},
		{"predicate with a wildcard", line(t, map[string]any{"predicate": "OWNS.>"}), "predicate"},
		{"bad subject type", line(t, map[string]any{"subject": map[string]any{"name": "A", "type": "ALIEN"}}), "subject.type"},
		{"bad object type", line(t, map[string]any{"object": map[string]any{"name": "B", "type": "THING"}}), "object.type"},
		{"bad polarity", line(t, map[string]any{"polarity": "maybe"}), "polarity"},
		{"bad modality", line(t, map[string]any{"modality": "perhaps"}), "modality"},
		{"confidence over 1", line(t, map[string]any{"confidence": 1.5}), "confidence"},
		{"confidence below 0", line(t, map[string]any{"confidence": -0.1}), "confidence"},
		{"punctuation-only attribution", line(t, map[string]any{"attributed_to": "!!"}), "attributed_to"},
		{"start without end", line(t, map[string]any{"evidence": ev("start", 3)}), "both start and end"},
		{"end without start", line(t, map[string]any{"evidence": ev("end", 3)}), "both start and end"},
		{"end before start", line(t, map[string]any{"evidence": ev("start", 10, "end", 4)}), "evidence offsets 10:4"},
		{"negative start", line(t, map[string]any{"evidence": ev("start", -1, "end", 4)}), "evidence offsets"},
		{"no sentence", line(t, map[string]any{"evidence": ev("sentence", nil)}), "evidence.sentence is missing"},
		{"blank sentence", line(t, map[string]any{"evidence": ev("sentence", "  \n")}), "evidence.sentence is missing"},
		{"sentence too long", line(t, map[string]any{"evidence": ev("sentence", long(events.MaxSentenceLen+1))}), "evidence.sentence is 20001 characters"},
		{"no document", line(t, map[string]any{"evidence": ev("document", nil)}), "evidence.document is missing"},
		{"bare sentence has no document", line(t, map[string]any{"evidence": "TikTok is owned by ByteDance."}), "evidence.document is missing"},
		{"document name too long", line(t, map[string]any{"evidence": ev("document", strings.Repeat("d", 513))}), "evidence.document name"},
		{"document id not hex", line(t, map[string]any{"evidence": ev("document_id", "not-a-hash")}), "evidence.document_id"},
		{"document id too short", line(t, map[string]any{"evidence": ev("document_id", "abcd")}), "evidence.document_id"},
		{"subject is object", line(t, map[string]any{"object": "ByteDance"}), "same actor"},
		{"subject is object once folded", line(t, map[string]any{"subject": "U.S.", "object": "the US"}), "same actor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := check(tt.line, o)
			ps := problemsOf(t, err)
			if !strings.Contains(strings.Join(ps, "\n"), tt.want) {
				t.Errorf("problems %q do not mention %q", ps, tt.want)
			}
		})
	}
}

// An id that does not match the content is caught even when set after
// Normalize (Normalize recomputes it, so the table above cannot test this).
func TestValidateRejectsForeignID(t *testing.T) {
	o := events.DefaultOntology()
	a, err := check(line(t, nil), o)
	if err != nil {
		t.Fatal(err)
	}
	good := a.ID
	for name, mutate := range map[string]func(*events.AssertionRecorded){
		"other id":        func(a *events.AssertionRecorded) { a.ID = strings.Repeat("0", 32) },
		"subject changed": func(a *events.AssertionRecorded) { a.Subject.Name = "Tencent" },
		"negated":         func(a *events.AssertionRecorded) { a.Polarity = events.Negated },
	} {
		b := a
		mutate(&b)
		ps := problemsOf(t, b.Validate(o))
		if !strings.Contains(strings.Join(ps, "\n"), "does not match the content") {
			t.Errorf("%s: problems %q do not reject the id", name, ps)
		}
	}
	if a.ID != good {
		t.Fatal("test mutated the original")
	}
}

func TestAssertionReportsEveryProblem(t *testing.T) {
	b := line(t, map[string]any{"subject": "", "predicate": "LIKES", "polarity": "maybe", "confidence": 2})
	_, err := check(b, events.DefaultOntology())
	ps := problemsOf(t, err)
	for _, want := range []string{"subject.name", "predicate", "polarity", "confidence"} {
		if !strings.Contains(strings.Join(ps, "\n"), want) {
			t.Errorf("problems %q lack %q", ps, want)
		}
	}
}

func TestAssertionAccepts(t *testing.T) {
	o := events.DefaultOntology()
	tests := []struct {
		name string
		line []byte
		// what Normalize made of it
		check func(*testing.T, events.AssertionRecorded)
	}{
		{"defaults", line(t, nil), func(t *testing.T, a events.AssertionRecorded) {
			if a.Polarity != events.Affirmed || a.Modality != events.Actual || a.Confidence == nil || *a.Confidence != 1 {
				t.Errorf("defaults: polarity %q modality %q confidence %v", a.Polarity, a.Modality, a.Confidence)
			}
			if a.Evidence.DocumentID != events.SourceDocumentID("000_doc") {
				t.Errorf("document id %q, want SourceDocumentID of the source", a.Evidence.DocumentID)
			}
			if len(a.ID) != 32 {
				t.Errorf("id %q is not a content id", a.ID)
			}
		}},
		{"lower-case predicate and types", line(t, map[string]any{
			"predicate": " owns ", "subject": map[string]any{"name": "A", "type": "company "},
		}), func(t *testing.T, a events.AssertionRecorded) {
			if a.Predicate != "OWNS" || a.Subject.Type != "COMPANY" {
				t.Errorf("predicate %q, subject type %q", a.Predicate, a.Subject.Type)
			}
		}},
		{"names cleaned", line(t, map[string]any{"subject": `  “Byte   Dance” `}), func(t *testing.T, a events.AssertionRecorded) {
			if a.Subject.Name != "Byte Dance" {
				t.Errorf("subject %q", a.Subject.Name)
			}
		}},
		{"empty attribution dropped", line(t, map[string]any{"attributed_to": "  "}), func(t *testing.T, a events.AssertionRecorded) {
			if a.AttributedTo != nil {
				t.Errorf("attributed_to %q, want nil", *a.AttributedTo)
			}
		}},
		{"attribution cleaned", line(t, map[string]any{"attributed_to": " 'Mike  Pompeo' "}), func(t *testing.T, a events.AssertionRecorded) {
			if a.AttributedTo == nil || *a.AttributedTo != "Mike Pompeo" {
				t.Errorf("attributed_to %v", a.AttributedTo)
			}
		}},
		{"offsets", line(t, map[string]any{"evidence": map[string]any{
			"document": "d", "sentence": "TikTok is owned by ByteDance.", "start": 0, "end": 29,
		}}), func(t *testing.T, a events.AssertionRecorded) {
			if *a.Evidence.Start != 0 || *a.Evidence.End != 29 {
				t.Errorf("offsets %d:%d", *a.Evidence.Start, *a.Evidence.End)
			}
		}},
		{"empty range", line(t, map[string]any{"evidence": map[string]any{
			"document": "d", "sentence": "x", "start": 5, "end": 5,
		}}), nil},
		{"document id instead of name", line(t, map[string]any{"evidence": map[string]any{
			"document_id": events.DocumentID("text"), "sentence": "TikTok is owned by ByteDance.",
		}}), func(t *testing.T, a events.AssertionRecorded) {
			if a.Evidence.DocumentID != events.DocumentID("text") {
				t.Errorf("document id %q", a.Evidence.DocumentID)
			}
		}},
		{"confidence bounds", line(t, map[string]any{"confidence": 0}), nil},
		{"negated possible", line(t, map[string]any{"polarity": "negated", "modality": "possible"}), nil},
		{"longest name", line(t, map[string]any{"subject": strings.Repeat("é", events.MaxNameLen)}), nil},
		{"longest sentence", line(t, map[string]any{"evidence": map[string]any{
			"document": "d", "sentence": strings.Repeat("é", events.MaxSentenceLen),
		}}), nil},
		{"producer", line(t, map[string]any{"producer": map[string]any{"name": "extractor", "version": "1.2"}}), func(t *testing.T, a events.AssertionRecorded) {
			if a.Producer.String() != "extractor@1.2" {
				t.Errorf("producer %q", a.Producer)
			}
		}},
		{"unicode names", line(t, map[string]any{"subject": "Zürich Versicherung", "object": "北京"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := check(tt.line, o)
			if err != nil {
				t.Fatalf("%s: %v", tt.line, err)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

// Names are text: wildcards and dots in a name are valid, and only the
// subject the event is published on is made safe.
func TestAssertionSubjectIsSafe(t *testing.T) {
	o := events.DefaultOntology()
	for _, pair := range [][2]string{
		{"a.b*>", "TikTok"},
		{"ByteDance", "x > y.z"},
		{"dossier.>", "*"},
		{"Zürich", "北京"},
	} {
		a, err := check(line(t, map[string]any{"subject": pair[0], "object": pair[1]}), o)
		if pair[1] == "*" {
			// "*" alone has no letter: invalid as a name, not because
			// it is a wildcard.
			if err == nil {
				t.Errorf("object %q accepted", pair[1])
			}
			continue
		}
		if err != nil {
			t.Fatalf("names %q: %v", pair, err)
		}
		if a.Subject.Name != pair[0] {
			t.Errorf("subject name %q became %q", pair[0], a.Subject.Name)
		}
		env, err := events.New(&a, events.Meta{Principal: "test"})
		if err != nil {
			t.Fatal(err)
		}
		toks := strings.Split(env.Subject, ".")
		if len(toks) != 5 || toks[0] != "dossier" || toks[1] != "assertion" || toks[2] != "OWNS" {
			t.Fatalf("subject %q for %q is not dossier.assertion.OWNS.<s>.<o>", env.Subject, pair)
		}
		for _, tok := range toks {
			if tok == "" || strings.ContainsAny(tok, "*> \t") {
				t.Errorf("subject %q for %q has an unsafe token %q", env.Subject, pair, tok)
			}
		}
	}
}

// The gold files' shape: names and the evidence as bare strings.
func TestParseGoldShape(t *testing.T) {
	b := []byte(`{"subject": "ByteDance", "predicate": "OWNS", "object": "TikTok", "polarity": "affirmed",
		"modality": "actual", "attributed_to": null,
		"evidence": {"document": "000_8a48f4ee827dbde4", "sentence": "TikTok is owned by ByteDance."}}`)
	a, err := check(b, events.DefaultOntology())
	if err != nil {
		t.Fatal(err)
	}
	if a.Subject != (events.ActorRef{Name: "ByteDance"}) || a.Object != (events.ActorRef{Name: "TikTok"}) {
		t.Errorf("actors %+v %+v", a.Subject, a.Object)
	}
	if a.Evidence.Document != "000_8a48f4ee827dbde4" || a.Evidence.Sentence != "TikTok is owned by ByteDance." {
		t.Errorf("evidence %+v", a.Evidence)
	}

	// A bare evidence string is the sentence.
	a, err = events.ParseAssertion([]byte(`{"subject": "ByteDance", "predicate": "OWNS", "object": "TikTok", "evidence": "TikTok is owned by ByteDance."}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Evidence.Sentence != "TikTok is owned by ByteDance." || a.Subject.Name != "ByteDance" {
		t.Errorf("parsed %+v", a)
	}
}

func TestParseGoldLine(t *testing.T) {
	b := []byte(`{"kind": "assertion", "subject": "ByteDance", "predicate": "OWNS", "object": "TikTok", "polarity": "affirmed", "modality": "actual", "attributed_to": null, "evidence": "TikTok is owned by ByteDance.", "document": "000_8a48f4ee827dbde4"}`)
	a, err := check(b, events.DefaultOntology())
	if err != nil {
		t.Fatal(err)
	}
	if a.Evidence.Document != "000_8a48f4ee827dbde4" {
		t.Errorf("document %q", a.Evidence.Document)
	}
}

func TestParseRejectsUnknownNestedFields(t *testing.T) {
	for _, b := range []string{
		`{"subject": {"name": "A", "typo": 1}, "predicate": "OWNS", "object": "B", "evidence": {"document": "d", "sentence": "s"}}`,
		`{"subject": "A", "predicate": "OWNS", "object": "B", "evidence": {"document": "d", "sentence": "s", "strat": 3}}`,
	} {
		if _, err := events.ParseAssertion([]byte(b)); err == nil {
			t.Errorf("ParseAssertion(%s) accepted an unknown field", b)
		}
	}
}

func TestParseRejectsTrailingBrackets(t *testing.T) {
	for _, tail := range []string{"}", "]"} {
		if _, err := events.ParseAssertion(append(line(t, nil), tail...)); err == nil {
			t.Errorf("ParseAssertion accepted trailing %q", tail)
		}
	}
}

func TestDocumentIDCase(t *testing.T) {
	b := line(t, map[string]any{"evidence": map[string]any{"document_id": strings.ToUpper(events.DocumentID("x")), "sentence": "s"}})
	if _, err := check(b, events.DefaultOntology()); err == nil {
		t.Error("upper-case document id accepted")
	}
}

// The example file every release loads must stay valid.
func TestExampleAssertionsValidate(t *testing.T) {
	f, err := os.Open("../examples/assertions.jsonl")
	if err != nil {
		t.Skipf("no example file: %v", err)
	}
	defer f.Close()
	o := events.DefaultOntology()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		if _, err := check(sc.Bytes(), o); err != nil {
			t.Errorf("examples/assertions.jsonl:%d: %v", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("examples/assertions.jsonl is empty")
	}
}

func TestAssertionID(t *testing.T) {
	o := events.DefaultOntology()
	id := func(repl map[string]any) string {
		t.Helper()
		a, err := check(line(t, repl), o)
		if err != nil {
			t.Fatalf("%v: %v", repl, err)
		}
		return a.ID
	}
	ev := func(sentence string, kv ...any) map[string]any {
		m := map[string]any{"document": "000_doc", "sentence": sentence}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	base := id(nil)
	tests := []struct {
		name string
		a, b map[string]any
		same bool
	}{
		{"same line twice", nil, nil, true},
		{"acronym dots fold", map[string]any{"subject": "U.S."}, map[string]any{"subject": "US"}, true},
		{"leading the folds", map[string]any{"subject": "the US"}, map[string]any{"subject": "US"}, true},
		{"case folds", map[string]any{"subject": "BYTEDANCE"}, map[string]any{"subject": "ByteDance"}, true},
		{"possessive folds", map[string]any{"subject": "ByteDance’s"}, map[string]any{"subject": "ByteDance"}, true},
		{"aliases do not fold", map[string]any{"subject": "US"}, map[string]any{"subject": "United States"}, false},
		{"types ignored", map[string]any{"subject": map[string]any{"name": "ByteDance", "type": "COMPANY"}}, map[string]any{"subject": "ByteDance"}, true},
		{"predicate case folds", map[string]any{"predicate": "owns"}, map[string]any{"predicate": "OWNS"}, true},
		{"polarity differs", map[string]any{"polarity": "negated"}, nil, false},
		{"explicit affirmed is the default", map[string]any{"polarity": "affirmed"}, nil, true},
		{"confidence ignored", map[string]any{"confidence": 0.6}, map[string]any{"confidence": 0.95}, true},
		{"modality ignored", map[string]any{"modality": "intended"}, map[string]any{"modality": "possible"}, true},
		{"attribution ignored", map[string]any{"attributed_to": "Mike Pompeo"}, nil, true},
		{"producer ignored", map[string]any{"producer": map[string]any{"name": "llm", "version": "2"}}, map[string]any{"producer": map[string]any{"name": "manual"}}, true},
		{"predicate differs", map[string]any{"predicate": "OPERATES"}, nil, false},
		{"object differs", map[string]any{"object": "Douyin"}, nil, false},
		{"document differs", map[string]any{"evidence": ev("TikTok is owned by ByteDance.", "document", "001_doc")}, nil, false},
		{"sentence differs", map[string]any{"evidence": ev("ByteDance owns TikTok.")}, nil, false},
		{"sentence spacing folds", map[string]any{"evidence": ev(" TikTok  is owned\nby ByteDance. ")}, nil, true},
		{"offsets stand for the sentence", map[string]any{"evidence": ev("TikTok is owned by ByteDance.", "start", 4, "end", 33)},
			map[string]any{"evidence": ev("TikTok  is owned by ByteDance", "start", 4, "end", 33)}, true},
		{"offsets differ", map[string]any{"evidence": ev("s", "start", 4, "end", 33)}, map[string]any{"evidence": ev("s", "start", 5, "end", 33)}, false},
		{"direction matters for OWNS", map[string]any{"subject": "TikTok", "object": "ByteDance"}, nil, false},
		{"MEETS is symmetric",
			map[string]any{"subject": "Donald Trump", "predicate": "MEETS", "object": "Xi Jinping"},
			map[string]any{"subject": "Xi Jinping", "predicate": "MEETS", "object": "Donald Trump"}, true},
		{"COMPETES_WITH is symmetric",
			map[string]any{"subject": "TikTok", "predicate": "COMPETES_WITH", "object": "Instagram"},
			map[string]any{"subject": "instagram", "predicate": "competes_with", "object": "TIKTOK"}, true},
		{"symmetric still differs by predicate",
			map[string]any{"subject": "TikTok", "predicate": "COMPETES_WITH", "object": "Instagram"},
			map[string]any{"subject": "TikTok", "predicate": "MEETS", "object": "Instagram"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := id(tt.a), id(tt.b)
			if (a == b) != tt.same {
				t.Errorf("ids %s and %s: same = %v, want %v", a, b, a == b, tt.same)
			}
		})
	}
	if base != id(nil) {
		t.Error("id is not deterministic")
	}
}

func TestAssertionIDStableUnderRenormalisation(t *testing.T) {
	o := events.DefaultOntology()
	a, err := check(line(t, map[string]any{
		"subject": `  "the U.S."  `, "predicate": " sanctions", "object": "Huawei Technologies Co., Ltd.",
		"attributed_to": " Reuters ", "confidence": 0.7,
	}), o)
	if err != nil {
		t.Fatal(err)
	}
	b := a
	b.Normalize(nil)
	b.Normalize(nil)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Normalize is not idempotent:\n%+v\n%+v", a, b)
	}
	if a.ID != events.AssertionID(&a, false) {
		t.Errorf("ID %s, AssertionID %s", a.ID, events.AssertionID(&a, false))
	}
	if err := b.Validate(o); err != nil {
		t.Error(err)
	}
}

// A symmetric predicate a user adds to the ontology should order its
// names like MEETS does.
func TestAssertionIDUserSymmetricPredicate(t *testing.T) {
	o, err := events.NewOntology(defaultOntologyDoc(t), []byte(`{"predicates": [{"name": "ALLIES_WITH", "description": "allies", "symmetric": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := check(line(t, map[string]any{"subject": "A", "predicate": "ALLIES_WITH", "object": "B"}), o)
	b, _ := check(line(t, map[string]any{"subject": "B", "predicate": "ALLIES_WITH", "object": "A"}), o)
	if a.ID != b.ID {
		t.Errorf("A ALLIES_WITH B = %s, B ALLIES_WITH A = %s", a.ID, b.ID)
	}
}

func FuzzParseAssertion(f *testing.F) {
	if file, err := os.Open("../examples/assertions.jsonl"); err == nil {
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 1<<20)
		for i := 0; sc.Scan() && i < 10; i++ {
			f.Add(append([]byte(nil), sc.Bytes()...))
		}
		file.Close()
	}
	for _, s := range []string{
		`{"subject":"a.b*>","predicate":"meets","object":"U.S.","evidence":{"document":"d","sentence":"s","start":0,"end":1},"attributed_to":" x "}`,
		`{"subject":{"name":"A","type":"company"},"predicate":"OWNS","object":"B","evidence":"s"}`,
		`{"subject":"A","predicate":"OWNS","object":"B","evidence":{"document_id":"0123456789abcdef0123456789abcdef","sentence":"s"},"confidence":0.5,"producer":{"name":"p"}}`,
		`{"subject":"\u00e9\u0301","predicate":"OWNS","object":"\ud800","evidence":{"document":"<&>","sentence":"\u2028"}}`,
		`{}`, `null`, `[]`, `"x"`, `{"subject":1}`,
	} {
		f.Add([]byte(s))
	}
	o := events.DefaultOntology()
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := events.ParseAssertion(b)
		if err != nil {
			var ve *events.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ParseAssertion error %T, want *ValidationError: %v", err, err)
			}
			return
		}
		a.Normalize(nil)
		if err := a.Validate(o); err != nil {
			var ve *events.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Validate error %T without problems: %v", err, err)
			}
			return
		}
		again := a
		again.Normalize(nil)
		if !reflect.DeepEqual(a, again) {
			t.Fatalf("Normalize is not idempotent:\n%+v\n%+v", a, again)
		}
		env, err := events.New(&a, events.Meta{Principal: "fuzz"})
		if err != nil {
			t.Fatalf("New of a valid assertion: %v", err)
		}
		if toks := strings.Split(env.Subject, "."); len(toks) != 5 || strings.ContainsAny(env.Subject, "*> ") {
			t.Fatalf("subject %q is not 5 safe tokens", env.Subject)
		}
		body, err := env.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := events.Unmarshal(body)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(env)): %v\n%s", err, body)
		}
		if back.ID != env.ID || back.Type != env.Type || back.Version != env.Version || !back.Recorded.Equal(env.Recorded) {
			t.Fatalf("envelope changed: %+v, was %+v", back, env)
		}
		p, err := back.Decode()
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		got, ok := p.(*events.AssertionRecorded)
		if !ok {
			t.Fatalf("Decode gave %T", p)
		}
		if !reflect.DeepEqual(*got, a) {
			t.Fatalf("payload changed in the round trip:\n got  %+v\n want %+v", *got, a)
		}
		if err := got.Validate(o); err != nil {
			t.Fatalf("decoded payload no longer validates: %v", err)
		}
	})
}

func ExampleParseAssertion() {
	a, err := events.ParseAssertion([]byte(`{"subject": "ByteDance Ltd.", "predicate": "owns", "object": {"name": "TikTok", "type": "product"},
		"evidence": {"document": "000_8a48f4ee827dbde4", "sentence": "TikTok is owned by ByteDance."}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	a.Normalize(nil)
	if err := a.Validate(events.DefaultOntology()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Subject.Name, a.Predicate, a.Object.Name, a.Object.Type)
	fmt.Println(a.Polarity, a.Modality, *a.Confidence)
	env, _ := events.New(&a, events.Meta{Principal: "example"})
	fmt.Println(env.Subject)
	// Output:
	// ByteDance Ltd. OWNS TikTok PRODUCT
	// affirmed actual 1
	// dossier.assertion.OWNS.bytedance.tiktok
}

// A producer may send the id it computed; one that does not match the
// content is refused rather than silently replaced.
func TestProducerIDChecked(t *testing.T) {
	o := events.DefaultOntology()
	good, err := check(line(t, nil), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := check(line(t, map[string]any{"id": good.ID}), o); err != nil {
		t.Errorf("the right id was refused: %v", err)
	}
	_, err = check(line(t, map[string]any{"id": "0123456789abcdef0123456789abcdef"}), o)
	if ps := problemsOf(t, err); !strings.Contains(strings.Join(ps, ";"), "id") {
		t.Errorf("problems %q do not name the id", ps)
	}
}
