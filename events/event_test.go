package events_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-kg/dossier/events"
)

// defaultOntologyDoc is the shipped ontology as a document, for
// NewOntology calls that add a user document to it.
func defaultOntologyDoc(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("ontology.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestUnmarshalRejects(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"invalid UTF-8", "{\"id\":\"doc-\xff\",\"type\":\"DocumentAdded\",\"v\":1}", "UTF-8"},
		{"not JSON", "DocumentAdded doc-1", "not a JSON envelope"},
		{"empty", "", "not a JSON envelope"},
		{"array", `[1, 2]`, "not a JSON envelope"},
		{"wrong field type", `{"id": 1, "type": "DocumentAdded", "v": 1}`, "not a JSON envelope"},
		{"null", `null`, "lacks id"},
		{"empty object", `{}`, "lacks id"},
		{"no id", `{"type": "DocumentAdded", "v": 1, "data": {}}`, "lacks id"},
		{"no type", `{"id": "doc-1", "v": 1, "data": {}}`, "lacks id"},
		{"no version", `{"id": "doc-1", "type": "DocumentAdded", "data": {}}`, "v=0"},
		{"version 0", `{"id": "doc-1", "type": "DocumentAdded", "v": 0}`, "v=0"},
		{"negative version", `{"id": "doc-1", "type": "DocumentAdded", "v": -1}`, "v=-1"},
		{"two envelopes", `{"id": "doc-1", "type": "DocumentAdded", "v": 1} {"id": "doc-2"}`, "not a JSON envelope"},
		{"trailing bytes", `{"id": "doc-1", "type": "DocumentAdded", "v": 1}x`, "not a JSON envelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := events.Unmarshal([]byte(tt.body))
			var de *events.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Unmarshal(%q) = %v, want a *DecodeError", tt.body, err)
			}
			if de.Unknown {
				t.Errorf("a malformed envelope is marked Unknown")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     events.Envelope
		unknown bool
		want    string
	}{
		{"unknown type", events.Envelope{ID: "x-1", Type: "ActorMerged", Version: 1, Data: json.RawMessage(`{}`)}, true, `unknown event type "ActorMerged"`},
		{"newer assertion", events.Envelope{ID: "asr-1", Type: events.TypeAssertionRecorded, Version: 2, Data: json.RawMessage(`{}`)}, true, "AssertionRecorded version 2 is newer"},
		{"newer document", events.Envelope{ID: "doc-1", Type: events.TypeDocumentAdded, Version: 7, Data: json.RawMessage(`{}`)}, true, "DocumentAdded version 7 is newer"},
		{"bad assertion payload", events.Envelope{ID: "asr-1", Type: events.TypeAssertionRecorded, Version: 1, Data: json.RawMessage(`"x"`)}, false, "bad AssertionRecorded payload"},
		{"bad document payload", events.Envelope{ID: "doc-1", Type: events.TypeDocumentAdded, Version: 1, Data: json.RawMessage(`{"size": "big"}`)}, false, "bad DocumentAdded payload"},
		{"no payload", events.Envelope{ID: "doc-1", Type: events.TypeDocumentAdded, Version: 1}, false, "bad DocumentAdded payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.env.Decode()
			var de *events.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, %v; want a *DecodeError", p, err)
			}
			if de.Unknown != tt.unknown {
				t.Errorf("Unknown = %v, want %v", de.Unknown, tt.unknown)
			}
			if de.ID != tt.env.ID {
				t.Errorf("error names id %q, want %q", de.ID, tt.env.ID)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.env.ID) {
				t.Errorf("error %q does not say %q and the id", err, tt.want)
			}
			if !tt.unknown && errors.Unwrap(err) == nil {
				t.Errorf("a bad payload error hides its cause")
			}
		})
	}
}

// Through the wire, the way the log stores events: an envelope of a newer
// writer is Unknown, so a reader can skip it rather than stop.
func TestDecodeNewerWriterFromBytes(t *testing.T) {
	env, err := events.Unmarshal([]byte(`{"id":"asr-1","type":"AssertionRecorded","v":2,"recorded":"2026-01-02T03:04:05Z","principal":"p","data":{"subject":{"name":"A"},"new_field":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.Decode()
	var de *events.DecodeError
	if !errors.As(err, &de) || !de.Unknown {
		t.Fatalf("Decode = %v, want an Unknown *DecodeError", err)
	}
}

func testDocument(t *testing.T) events.DocumentAdded {
	t.Helper()
	text := "TikTok is owned by ByteDance. Zürich, 北京 — “quotes” & <tags>."
	pub := time.Date(2020, 8, 3, 12, 30, 0, 0, time.UTC)
	d := events.DocumentAdded{
		ID:        events.DocumentID(text),
		Source:    "000_8a48f4ee827dbde4",
		Title:     "Why does Donald Trump target TikTok?",
		URL:       "https://example.org/a?b=1&c=2",
		Published: &pub,
		Text:      text,
		Size:      len(text),
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDocumentAddedRoundTrip(t *testing.T) {
	d := testDocument(t)
	ams := time.FixedZone("CEST", 2*3600)
	recorded := time.Date(2026, 4, 5, 6, 7, 8, 9000, ams)
	env, err := events.New(&d, events.Meta{Principal: "alice", CausationID: "cmd-1", CorrelationID: "req-9", Recorded: recorded})
	if err != nil {
		t.Fatal(err)
	}
	if env.ID != "doc-"+d.ID || env.Type != events.TypeDocumentAdded || env.Version != 1 {
		t.Errorf("envelope id %q type %q v%d", env.ID, env.Type, env.Version)
	}
	if env.Subject != "dossier.document."+d.ID {
		t.Errorf("subject %q", env.Subject)
	}
	if env.Recorded.Location() != time.UTC || !env.Recorded.Equal(recorded) {
		t.Errorf("recorded %v, want %v in UTC", env.Recorded, recorded)
	}
	body, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := events.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != env.ID || back.Type != env.Type || back.Version != env.Version || back.Principal != "alice" ||
		back.CausationID != "cmd-1" || back.CorrelationID != "req-9" || !back.Recorded.Equal(env.Recorded) {
		t.Errorf("envelope changed:\n got  %+v\n want %+v", back, env)
	}
	if back.Sequence != 0 || back.Subject != "" {
		t.Errorf("Sequence and Subject travel outside the body, got %d %q", back.Sequence, back.Subject)
	}
	p, err := back.Decode()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := p.(*events.DocumentAdded)
	if !ok {
		t.Fatalf("Decode gave %T", p)
	}
	if !got.Published.Equal(*d.Published) {
		t.Errorf("published %v, want %v", got.Published, d.Published)
	}
	gp, dp := *got, d
	gp.Published, dp.Published = nil, nil
	if !reflect.DeepEqual(gp, dp) {
		t.Errorf("payload changed:\n got  %+v\n want %+v", gp, dp)
	}
	if p.EventType() != events.TypeDocumentAdded {
		t.Errorf("EventType %q", p.EventType())
	}
}

func TestNewDefaultsRecordedToNow(t *testing.T) {
	d := testDocument(t)
	before := time.Now()
	env, err := events.New(&d, events.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if env.Recorded.Before(before.Add(-time.Second)) || env.Recorded.After(time.Now().Add(time.Second)) {
		t.Errorf("recorded %v, want about now", env.Recorded)
	}
}

func TestDocumentAddedValidate(t *testing.T) {
	text := "Some text."
	bad := "Some \xff text."
	tests := []struct {
		name string
		d    events.DocumentAdded
		want string // "" for valid
	}{
		{"text", events.DocumentAdded{ID: events.DocumentID(text), Text: text}, ""},
		{"text and source", events.DocumentAdded{ID: events.DocumentID(text), Text: text, Source: "a.txt"}, ""},
		{"source only", events.DocumentAdded{ID: events.SourceDocumentID("a.txt"), Source: "a.txt"}, ""},
		{"id of other text", events.DocumentAdded{ID: events.DocumentID("other"), Text: text}, "content hash"},
		{"id of the source for a text", events.DocumentAdded{ID: events.SourceDocumentID("a.txt"), Text: text, Source: "a.txt"}, "content hash"},
		{"no id", events.DocumentAdded{Text: text}, "not a document id"},
		{"id not hex", events.DocumentAdded{ID: strings.Repeat("z", 32), Text: text}, "not a document id"},
		{"id too long", events.DocumentAdded{ID: events.DocumentID(text) + "00", Source: "a"}, "not a document id"},
		{"text not UTF-8", events.DocumentAdded{ID: events.DocumentID(bad), Text: bad}, "text is not valid UTF-8"},
		{"no text and no source", events.DocumentAdded{ID: events.DocumentID(text)}, "text or a source"},
		{"source with newline", events.DocumentAdded{ID: events.SourceDocumentID("a\nb"), Source: "a\nb"}, "control character"},
		{"source with NUL", events.DocumentAdded{ID: events.SourceDocumentID("a\x00b"), Source: "a\x00b"}, "control character"},
		{"title not UTF-8", events.DocumentAdded{ID: events.DocumentID(text), Text: text, Title: "T\xff"}, "title is not valid UTF-8"},
		{"url too long", events.DocumentAdded{ID: events.DocumentID(text), Text: text, URL: "https://x/" + strings.Repeat("a", 2048)}, "url is over 2048 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			ps := problemsOf(t, err)
			if !strings.Contains(strings.Join(ps, "\n"), tt.want) {
				t.Errorf("problems %q do not say %q", ps, tt.want)
			}
		})
	}
}

func TestDocumentID(t *testing.T) {
	a, b := events.DocumentID("x"), events.DocumentID("y")
	if len(a) != 32 || a == b || a != events.DocumentID("x") {
		t.Errorf("DocumentID: %q %q", a, b)
	}
	if strings.ToLower(a) != a {
		t.Errorf("DocumentID %q is not lower case", a)
	}
	if events.SourceDocumentID("x") == a {
		t.Error("a source id equals the content id of the same string")
	}
}

var defaultPredicates = []string{
	"ACCUSES", "ACQUIRES", "BANS", "CENSORS", "COMPETES_WITH", "COOPERATES_WITH", "CRITICIZES", "FOUNDED",
	"INVESTIGATES", "LEADS", "LOCATED_IN", "MEETS", "MEMBER_OF", "OPERATES", "OWNS", "SANCTIONS",
	"SHARES_DATA_WITH", "SURVEILS", "TARGETS", "VARIANT_OF",
}

var defaultTypes = []string{"COMPANY", "GOVERNMENT", "LAW", "ORGANIZATION", "PERSON", "PLACE", "PRODUCT"}

func predicateNames(o *events.Ontology) []string {
	var s []string
	for _, p := range o.Predicates {
		s = append(s, p.Name)
	}
	return s
}

func TestDefaultOntology(t *testing.T) {
	o := events.DefaultOntology()
	if got := predicateNames(o); !slices.Equal(got, defaultPredicates) {
		t.Errorf("%d predicates %q, want the 20 %q", len(got), got, defaultPredicates)
	}
	var types []string
	for _, ty := range o.ActorTypes {
		types = append(types, ty.Name)
	}
	if !slices.Equal(types, defaultTypes) {
		t.Errorf("%d types %q, want the 7 %q", len(types), types, defaultTypes)
	}
	for _, ty := range defaultTypes {
		if !o.HasType(ty) {
			t.Errorf("HasType(%q) = false", ty)
		}
	}
	for _, ty := range []string{"person", "", "ALIEN"} {
		if o.HasType(ty) {
			t.Errorf("HasType(%q) = true", ty)
		}
	}
	for _, p := range o.Predicates {
		if p.Description == "" {
			t.Errorf("%s has no description", p.Name)
		}
		if p.Symmetric != (p.Name == "MEETS" || p.Name == "COMPETES_WITH") {
			t.Errorf("%s symmetric = %v", p.Name, p.Symmetric)
		}
		if !p.Symmetric && p.Inverse == "" {
			t.Errorf("%s is neither symmetric nor has an inverse", p.Name)
		}
	}
	if p, ok := o.Predicate("OWNS"); !ok || p.Inverse != "owned by" {
		t.Errorf("Predicate(OWNS) = %+v, %v", p, ok)
	}
	if _, ok := o.Predicate("owns"); ok {
		t.Error("Predicate(owns) found: names are upper case")
	}
	if o.Version != 1 {
		t.Errorf("version %d", o.Version)
	}
}

func TestNewOntologyExtends(t *testing.T) {
	extra := []byte(`{"version": 3,
		"predicates": [
			{"name": "ALLIES_WITH", "description": "is allied with", "symmetric": true},
			{"name": "OWNS", "description": "holds shares in", "inverse": "held by"}
		],
		"actor_types": [{"name": "VESSEL", "description": "a ship"}]}`)
	o, err := events.NewOntology(defaultOntologyDoc(t), extra)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(append(slices.Clone(defaultPredicates), "ALLIES_WITH")))
	if got := predicateNames(o); !slices.Equal(got, want) {
		t.Errorf("predicates %q, want %q", got, want)
	}
	if p, ok := o.Predicate("ALLIES_WITH"); !ok || !p.Symmetric {
		t.Errorf("Predicate(ALLIES_WITH) = %+v, %v", p, ok)
	}
	if p, _ := o.Predicate("OWNS"); p.Description != "holds shares in" || p.Inverse != "held by" {
		t.Errorf("a later document does not redefine OWNS: %+v", p)
	}
	if !o.HasType("VESSEL") || !o.HasType("PERSON") || len(o.ActorTypes) != 8 {
		t.Errorf("types %+v", o.ActorTypes)
	}
	if o.Version != 3 {
		t.Errorf("version %d, want the highest, 3", o.Version)
	}
	// The new predicate validates.
	a, err := check(line(t, map[string]any{"predicate": "allies_with"}), o)
	if err != nil {
		t.Errorf("assertion with the added predicate: %v", err)
	}
	if err := a.Validate(events.DefaultOntology()); err == nil {
		t.Error("the default ontology accepts a user's predicate")
	}
}

func TestNewOntologyRejects(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"lower-case predicate", `{"predicates": [{"name": "owns"}]}`, `predicate "owns"`},
		{"mixed-case predicate", `{"predicates": [{"name": "Allies_With"}]}`, `predicate "Allies_With"`},
		{"predicate with a dot", `{"predicates": [{"name": "A.B"}]}`, `predicate "A.B"`},
		{"predicate with a wildcard", `{"predicates": [{"name": "A*"}]}`, `predicate "A*"`},
		{"empty predicate", `{"predicates": [{"name": ""}]}`, `predicate ""`},
		{"predicate too long", `{"predicates": [{"name": "` + strings.Repeat("A", 65) + `"}]}`, "predicate"},
		{"lower-case type", `{"actor_types": [{"name": "vessel"}]}`, `actor type "vessel"`},
		{"not JSON", `{"predicates": [`, "document 2"},
		{"wrong shape", `{"predicates": {"name": "X"}}`, "document 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := events.NewOntology(defaultOntologyDoc(t), []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewOntology = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestLoadOntology(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "extra.json")
	writeFile(t, good, `{"predicates": [{"name": "ALLIES_WITH", "description": "allies"}]}`)
	o, err := events.LoadOntology(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.Predicate("ALLIES_WITH"); !ok || len(o.Predicates) != 21 {
		t.Errorf("loaded %d predicates, ALLIES_WITH %v", len(o.Predicates), ok)
	}
	bad := filepath.Join(dir, "bad.json")
	writeFile(t, bad, `{"predicates": [{"name": "lower"}]}`)
	if _, err := events.LoadOntology(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadOntology(bad) = %v, want an error naming %s", err, bad)
	}
	missing := filepath.Join(dir, "missing.json")
	if _, err := events.LoadOntology(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadOntology(missing) = %v, want fs.ErrNotExist", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"id":"doc-1","type":"DocumentAdded","v":1,"recorded":"2026-01-02T03:04:05Z","principal":"p","data":{"id":"x","text":"t"}}`))
	f.Add([]byte(`{"id":"asr-1","type":"AssertionRecorded","v":1,"data":{"subject":"A","object":{"name":"B"},"evidence":"s"}}`))
	f.Add([]byte(`{"id":"x","type":"Other","v":9,"data":null}`))
	f.Add([]byte(`{"id":"x","type":"DocumentAdded","v":1,"data":[]}`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := events.Unmarshal(b)
		if err != nil {
			var de *events.DecodeError
			if !errors.As(err, &de) || de.Unknown {
				t.Fatalf("Unmarshal error %v is not a plain *DecodeError", err)
			}
			return
		}
		if env.ID == "" || env.Type == "" || env.Version < 1 {
			t.Fatalf("Unmarshal accepted an envelope without id, type or version: %+v", env)
		}
		p, err := env.Decode()
		if err != nil {
			var de *events.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode error %T is not a *DecodeError: %v", err, err)
			}
			return
		}
		if p.EventType() != env.Type {
			t.Fatalf("Decode of a %s gave a %s", env.Type, p.EventType())
		}
	})
}

func FuzzNewOntology(f *testing.F) {
	f.Add([]byte(`{"version":2,"predicates":[{"name":"X_1","symmetric":true}],"actor_types":[{"name":"T"}]}`))
	f.Add([]byte(`{"predicates":[{"name":"x"}]}`))
	f.Add([]byte(`{"predicates":null}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		o, err := events.NewOntology(doc)
		if err != nil {
			return
		}
		for _, p := range o.Predicates {
			if p.Name == "" || strings.ContainsAny(p.Name, ".*> ") || strings.ToUpper(p.Name) != p.Name {
				t.Fatalf("NewOntology accepted predicate %q", p.Name)
			}
			if _, ok := o.Predicate(p.Name); !ok {
				t.Fatalf("listed predicate %q is not found", p.Name)
			}
		}
		if !slices.IsSortedFunc(o.Predicates, func(a, b events.Predicate) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("predicates not sorted: %q", predicateNames(o))
		}
	})
}

// BenchmarkDecode reads an assertion event as the projector does: the
// envelope, then its payload.
func BenchmarkDecode(b *testing.B) {
	conf, start, end := 0.8, 120, 208
	who := "Mike Pompeo"
	a := events.AssertionRecorded{
		Subject:      events.ActorRef{Name: "WeChat", Type: "ORG"},
		Predicate:    "SHARES_DATA_WITH",
		Object:       events.ActorRef{Name: "the Chinese Communist Party"},
		AttributedTo: &who,
		Evidence:     events.Evidence{DocumentID: "0123456789abcdef0123456789abcdef", Document: "wechat.txt", Sentence: "Pompeo said WeChat feeds data to the Chinese Communist Party, which the company denies.", Start: &start, End: &end},
		Confidence:   &conf,
		Producer:     events.Producer{Name: "rules", Version: "1"},
	}
	a.Normalize(nil)
	env, err := events.New(&a, events.Meta{Principal: "analyst"})
	if err != nil {
		b.Fatal(err)
	}
	body, err := env.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := events.Unmarshal(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Decode(); err != nil {
			b.Fatal(err)
		}
	}
}
