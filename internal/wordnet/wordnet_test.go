package wordnet

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A four-synset database in the wndb(5) format, enough to exercise
// resolution, troponyms, derivation filtering and the error paths
// without the real WordNet installed.
var fixture = map[string]string{
	"data.verb": `  1 WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.
02207206 40 v 02 buy 0 purchase 0 004 + 00000100 n 0101 + 00000200 n 0201 ~ 02207900 v 0000 ~ 02208000 v 0000 01 + 08 00 | obtain by purchase; acquire by means of a financial transaction
02207900 40 v 02 buy_back 0 repurchase 0 001 @ 02207206 v 0000 01 + 08 00 | buy what had previously been sold
02208000 40 v 01 get 0 001 @ 02207206 v 0000 01 + 08 00 | purchase; "What did you get at the toy store?"
`,
	"data.noun": `  1 WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.
00000100 18 n 01 buyer 0 000 | a person who buys
00000200 04 n 01 purchase 0 000 | the acquisition of something for payment
`,
	"index.verb": `buy v 1 2 + ~ 1 1 02207206  
purchase v 1 1 + 1 1 02207206  
buy_back v 1 1 @ 1 0 02207900  
get v 1 1 @ 1 0 02208000  
`,
	"index.noun": `buyer n 1 0 1 0 00000100  
purchase n 1 0 1 0 00000200  
`,
	"verb.exc": "bought buy\n",
}

func openFixture(t *testing.T) *DB {
	t.Helper()
	dir := t.TempDir()
	for name, text := range fixture {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func seeds(p Predicate) *Seeds {
	return &Seeds{WordNet: "3.0", Predicates: map[string]Predicate{"ACQUIRES": p}}
}

func TestParseDataLine(t *testing.T) {
	s, err := ParseDataLine(strings.Split(fixture["data.verb"], "\n")[1])
	if err != nil {
		t.Fatal(err)
	}
	if s.Offset != 2207206 || s.LexFile != 40 || s.POS != 'v' || !slices.Equal(s.Words, []string{"buy", "purchase"}) {
		t.Errorf("synset = %+v", s)
	}
	want := Pointer{Symbol: "+", Offset: 200, POS: 'n', Source: 2, Target: 1}
	if len(s.Pointers) != 4 || s.Pointers[1] != want {
		t.Errorf("pointers = %+v, want [1] = %+v", s.Pointers, want)
	}
	if !strings.HasPrefix(s.Gloss, "obtain by purchase") {
		t.Errorf("gloss = %q", s.Gloss)
	}
}

func TestGenerateExpandsAndDerives(t *testing.T) {
	db := openFixture(t)
	r, err := Generate(db, seeds(Predicate{
		Why:          "buys",
		Verbs:        []Seed{{Sense: "buy.v.01", Gloss: "obtain by purchase", Depth: 1}},
		ExcludeVerbs: []string{"get"},
		AddNouns:     map[string]string{"buyout": "test"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Output.Predicates["ACQUIRES"]
	if !slices.Equal(c.Verbs, []string{"buy", "buy back", "purchase", "repurchase"}) {
		t.Errorf("verbs = %q", c.Verbs)
	}
	// "buyer" is derived too, but names a person, not the act.
	if !slices.Equal(c.Nouns, []string{"buyout", "purchase"}) {
		t.Errorf("nouns = %q", c.Nouns)
	}
	if got := r.Output.Irregular["buy back"]; !slices.Equal(got, []string{"bought back"}) {
		t.Errorf("irregular buy back = %q", got)
	}
}

func TestGenerateFailsClearly(t *testing.T) {
	db := openFixture(t)
	buy := Seed{Sense: "buy.v.01", Gloss: "obtain by purchase"}
	for _, tc := range []struct {
		name string
		s    *Seeds
		want string
	}{
		{"unknown lemma", seeds(Predicate{Why: "x", Verbs: []Seed{{Sense: "acquire.v.01", Gloss: "get"}}}), `"acquire" is not a WordNet 3.0 verb`},
		{"sense out of range", seeds(Predicate{Why: "x", Verbs: []Seed{{Sense: "buy.v.02", Gloss: "obtain"}}}), "has only 1 verb sense(s)"},
		{"wrong gloss", seeds(Predicate{Why: "x", Verbs: []Seed{{Sense: "buy.v.01", Gloss: "sell"}}}), "does not start the WordNet gloss"},
		{"noun as verb", seeds(Predicate{Why: "x", Verbs: []Seed{{Sense: "purchase.n.01", Gloss: "the acquisition"}}}), "listed as a verb but is a noun"},
		{"bad name", seeds(Predicate{Why: "x", Verbs: []Seed{{Sense: "buy", Gloss: "obtain"}}}), "want lemma.pos.NN"},
		{"too deep", seeds(Predicate{Why: "x", Verbs: []Seed{{Sense: "buy.v.01", Gloss: "obtain", Depth: 3}}}), "depth 3 outside"},
		{"stale exclusion", seeds(Predicate{Why: "x", Verbs: []Seed{buy}, ExcludeVerbs: []string{"sell"}}), `exclude verb "sell"`},
		{"redundant addition", seeds(Predicate{Why: "x", Verbs: []Seed{buy}, AddVerbs: map[string]string{"buy": "x"}}), "already produce it"},
		{"no reason", seeds(Predicate{Why: "x", Verbs: []Seed{buy}, AddVerbs: map[string]string{"snap up": ""}}), "want a lower-case word and a reason"},
		{"no why", seeds(Predicate{Verbs: []Seed{buy}}), `no "why"`},
		{"other release", &Seeds{WordNet: "3.1"}, `seeds are for WordNet "3.1"`},
	} {
		_, err := Generate(db, tc.s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestParseSeedsRejectsUnknownKeys(t *testing.T) {
	_, err := ParseSeeds([]byte(`{"wordnet": "3.0", "predicates": {"OWNS": {"why": "x", "verb": []}}}`))
	if err == nil || !strings.Contains(err.Error(), `unknown field "verb"`) {
		t.Errorf("err = %v", err)
	}
}
