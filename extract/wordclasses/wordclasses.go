// Package wordclasses holds, for each predicate of the ontology, the verbs
// and nouns that signal it in news text ("probe", "investigation" for
// INVESTIGATES). The lists are generated from WordNet 3.0 by ./gen, out of
// the hand-checked senses in seeds.json: trigger lists grown by hand, one
// document at a time, kept missing the next synonym, while a generated
// list covers a sense's whole vocabulary and the seeds keep every choice
// reviewable. Edit seeds.json, never wordclasses.json.
package wordclasses

//go:generate go run ./gen -seeds seeds.json -out wordclasses.json

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed wordclasses.json
var data []byte

// Class is the trigger vocabulary of one predicate: verbs in their base
// form (multi-word verbs space-separated, "take over"), nouns in the
// singular, all lower case.
type Class struct {
	Verbs, Nouns []string
}

type file struct {
	Predicates map[string]Class    `json:"predicates"`
	Irregular  map[string][]string `json:"irregular"`
}

func parse() (*file, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("wordclasses: embedded wordclasses.json: %w", err)
	}
	return &f, nil
}

// Load returns the word class of each predicate, keyed by predicate name.
// Each call parses afresh, so callers may modify what they get.
func Load() (map[string]Class, error) {
	f, err := parse()
	if err != nil {
		return nil, err
	}
	return f.Predicates, nil
}

// Irregular returns, for the verbs of the classes that have them, the
// forms WordNet lists as exceptions (verb.exc): "freeze" → "froze",
// "frozen"; "take over" → "taken over", "took over". A regular
// -s/-ed/-ing rule gets these wrong.
func Irregular() (map[string][]string, error) {
	f, err := parse()
	if err != nil {
		return nil, err
	}
	return f.Irregular, nil
}
