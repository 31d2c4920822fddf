package llm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
)

func TestParseAnswer(t *testing.T) {
	const obj = `{"actors":[{"name":"ByteDance","type":"COMPANY"}],"assertions":[{"subject":"ByteDance","subject_type":"COMPANY","predicate":"OWNS","object":"TikTok","object_type":"PRODUCT","polarity":"affirmed","modality":"actual","attributed_to":null,"evidence":"TikTok is owned by ByteDance."}]}`
	want := answer{
		Actors: []actor{{"ByteDance", "COMPANY"}},
		Assertions: []candidate{{
			Subject: "ByteDance", SubjectType: "COMPANY", Predicate: "OWNS", Object: "TikTok", ObjectType: "PRODUCT",
			Polarity: "affirmed", Modality: "actual", Evidence: "TikTok is owned by ByteDance.",
		}},
	}
	for name, content := range map[string]string{
		"plain":           obj,
		"fenced":          "```json\n" + obj + "\n```",
		"prose around":    "Sure! Here is the JSON you asked for {as requested}:\n" + obj + "\nI hope this helps. {\"x\": 1}",
		"prose and fence": "Here it is: {see below}\n```\n" + obj + "\n```\nDone.",
		"think":           "<think>The user wants {\"actors\"...}. Let me think.</think>\n" + obj,
	} {
		got, err := parseAnswer(content)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}

	// Shapes models use other than the one asked for.
	one := 0.9
	got, err := parseAnswer(`[{"subject":{"name":"ByteDance","type":"COMPANY"},"predicate":"owns","object":"TikTok",
		"attributed_to":"None","evidence":{"sentence":"TikTok is owned by ByteDance."},"confidence":"0.9"},
		"not an assertion"]`)
	if err != nil {
		t.Fatal(err)
	}
	wantLoose := []candidate{{Subject: "ByteDance", SubjectType: "COMPANY", Predicate: "owns", Object: "TikTok",
		Evidence: "TikTok is owned by ByteDance.", Confidence: &one}}
	if !reflect.DeepEqual(got.Assertions, wantLoose) {
		t.Errorf("loose shape: got %+v", got.Assertions)
	}

	for _, bad := range []string{"", "I cannot help with that.", `{"result": "none"}`, `{"actors": [`, "[]", "{{{{"} {
		if a, err := parseAnswer(bad); err == nil {
			t.Errorf("%q: read as %+v", bad, a)
		}
	}
}

// FuzzParseAnswer: no answer makes the parser, or the checks after it,
// panic, and whatever is kept has true offsets and validates.
func FuzzParseAnswer(f *testing.F) {
	files, _ := filepath.Glob("testdata/answer_*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		r, err := readCompletion(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(r.Content))
	}
	f.Add([]byte("```json\n{\"assertions\":[{\"subject\":\"腾讯\",\"predicate\":\"OPERATES\",\"object\":\"微信\",\"evidence\":\"微信由腾讯运营。\"}]}\n```"))
	f.Add([]byte(`<think>{</think>[{"subject":1,"object":[],"evidence":{"text":null}}]`))

	text := unicodeDoc + "\n\nTikTok is owned by Beijing-based ByteDance. Why does Donald Trump target TikTok?"
	doc := extract.Document{ID: events.DocumentID(text), Source: "fuzz.txt", Text: text}
	o := events.DefaultOntology()
	runes := []rune(text)
	f.Fuzz(func(t *testing.T, b []byte) {
		ans, err := parseAnswer(string(b))
		if err != nil {
			return
		}
		c := newChecker(o, doc, nil, events.Producer{Name: Name, Version: "1+fuzz"})
		for _, ch := range split(text, 200) {
			c.add(ch, ans)
		}
		res := c.result()
		for _, a := range res.Assertions {
			if got := string(runes[*a.Evidence.Start:*a.Evidence.End]); got != a.Evidence.Sentence {
				t.Fatalf("text[%d:%d] = %q, sentence %q", *a.Evidence.Start, *a.Evidence.End, got, a.Evidence.Sentence)
			}
			if err := a.Validate(o); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	})
}
