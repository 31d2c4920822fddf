package wordclasses

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/internal/wordnet"
)

func load(t *testing.T) map[string]Class {
	t.Helper()
	classes, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return classes
}

func TestLoadGivesSortedLowerCaseWords(t *testing.T) {
	for pred, c := range load(t) {
		if len(c.Verbs)+len(c.Nouns) == 0 {
			t.Errorf("%s: no words", pred)
		}
		for _, words := range [][]string{c.Verbs, c.Nouns} {
			if !sort.StringsAreSorted(words) || len(slices.Compact(slices.Clone(words))) != len(words) {
				t.Errorf("%s: %q is not sorted and unique", pred, words)
			}
			for _, w := range words {
				if w != strings.ToLower(w) || strings.ContainsAny(w, "_\t") || strings.TrimSpace(w) != w || w == "" {
					t.Errorf("%s: %q is not a lower-case, space-separated word", pred, w)
				}
			}
		}
	}
}

// The classes and the ontology must name the same predicates: a class for
// a predicate the graph does not know produces assertions it rejects, and
// a predicate without a class is never extracted by rule.
func TestPredicatesAreTheOntologys(t *testing.T) {
	classes := load(t)
	known := map[string]bool{}
	for _, p := range events.DefaultOntology().Predicates {
		known[p.Name] = true
		if _, ok := classes[p.Name]; !ok {
			t.Errorf("ontology predicate %s has no word class; add seeds for it", p.Name)
		}
	}
	for pred := range classes {
		if !known[pred] {
			t.Errorf("word class %s is not an ontology predicate", pred)
		}
	}
}

func TestExpectedMembers(t *testing.T) {
	classes := load(t)
	for _, tc := range []struct {
		pred         string
		verbs, nouns []string
	}{
		{"ACQUIRES", []string{"buy", "acquire", "purchase", "take over"}, []string{"acquisition", "takeover"}},
		{"INVESTIGATES", []string{"investigate", "probe", "audit", "analyze"}, []string{"investigation", "probe"}},
		{"SANCTIONS", []string{"sanction", "fine", "blacklist", "freeze"}, []string{"sanction", "embargo"}},
		{"ACCUSES", []string{"accuse", "sue", "indict"}, []string{"accusation", "lawsuit"}},
		{"CRITICIZES", []string{"criticize", "condemn", "denounce", "slam"}, []string{"criticism"}},
		{"TARGETS", []string{"target", "threaten", "hack", "crack down", "raid"}, []string{"crackdown"}},
		{"BANS", []string{"ban", "prohibit", "forbid", "outlaw", "block"}, []string{"ban"}},
		{"FOUNDED", []string{"found", "co-found", "establish", "set up"}, nil},
		{"LEADS", []string{"lead", "head", "chair", "preside"}, []string{"leadership"}},
		{"SURVEILS", []string{"spy", "surveil", "monitor"}, []string{"surveillance", "espionage"}},
	} {
		c := classes[tc.pred]
		for _, v := range tc.verbs {
			if !slices.Contains(c.Verbs, v) {
				t.Errorf("%s verbs lack %q", tc.pred, v)
			}
		}
		for _, n := range tc.nouns {
			if !slices.Contains(c.Nouns, n) {
				t.Errorf("%s nouns lack %q", tc.pred, n)
			}
		}
	}
}

// allowedOverlap lists the verbs that may trigger two predicates, with
// the reason; any other verb in two classes makes the extractor guess.
var allowedOverlap = map[string]string{
	"attack": "CRITICIZES for words (attack in speech or writing), TARGETS for deeds; WordNet has both senses",
	"assail": "a synonym of attack in both of its senses",
}

func TestVerbsBelongToOneClass(t *testing.T) {
	owners := map[string][]string{}
	for pred, c := range load(t) {
		for _, v := range c.Verbs {
			owners[v] = append(owners[v], pred)
		}
	}
	for v, preds := range owners {
		if len(preds) > 1 && allowedOverlap[v] == "" {
			sort.Strings(preds)
			t.Errorf("verb %q triggers %v: exclude it from all but one in seeds.json, or allow it in allowedOverlap", v, preds)
		}
	}
	for v := range allowedOverlap {
		if len(owners[v]) < 2 {
			t.Errorf("allowedOverlap lists %q, which is in %d classes: drop it", v, len(owners[v]))
		}
	}
}

func TestIrregularForms(t *testing.T) {
	forms, err := Irregular()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(forms["freeze"], "froze") || !slices.Contains(forms["take over"], "took over") {
		t.Errorf("freeze: %q, take over: %q", forms["freeze"], forms["take over"])
	}
}

// TestMatchesGenerator reruns the generator on the seeds so that
// wordclasses.json cannot drift from seeds.json or from the generator.
func TestMatchesGenerator(t *testing.T) {
	dir := os.Getenv("WNSEARCHDIR")
	if dir == "" {
		dir = "/usr/share/wordnet"
	}
	if _, err := os.Stat(filepath.Join(dir, "data.verb")); err != nil {
		t.Skipf("WordNet 3.0 not found in %s (install wordnet-base or set WNSEARCHDIR): cannot check wordclasses.json against seeds.json", dir)
	}
	r, err := wordnet.GenerateFiles(dir, "seeds.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Output.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("wordclasses.json is stale: run go generate ./extract/wordclasses")
	}
}
