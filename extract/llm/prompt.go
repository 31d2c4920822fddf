package llm

import (
	"fmt"
	"strings"

	"github.com/dossier-kg/dossier/events"
)

// systemPrompt tells the model what to extract and how to answer: the
// ontology's predicates and actor types, the rules for polarity, modality,
// attribution and evidence of the annotation guide
// (examples/corpus/ANNOTATION.md), and the JSON shape of the answer.
func systemPrompt(o *events.Ontology) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("You read news text and extract who does what to whom, as a knowledge graph: the named actors the text mentions, and the relations the text states between two of them.\n\n")

	w("ACTOR TYPES (use exactly one of these names):\n")
	for _, t := range o.ActorTypes {
		w("- %s: %s\n", t.Name, t.Description)
	}
	w("\nPREDICATES (subject -> object; use exactly one of these names):\n")
	for _, p := range o.Predicates {
		w("- %s: %s", p.Name, p.Description)
		switch {
		case p.Symmetric:
			w("; symmetric, either order")
		case p.Inverse != "":
			w("; reversed: object %s subject", p.Inverse)
		}
		w("\n")
	}

	pred := func(name string) bool { _, ok := o.Predicate(name); return ok }
	w("\nRULES\n")
	w("- Actors are named: people, companies, governments, organizations, products, laws, places, written as the text writes them (the fullest form it uses). Never an actor that is only a pronoun or a common noun (\"he\", \"the company\", \"users\"); when such words clearly refer to a named actor, use that actor's name as the text writes it elsewhere.\n")
	w("- Only relations the text states or clearly implies; no outside knowledge. Choose the predicate whose description fits and put the actors in its direction, subject -> object")
	if pred("OWNS") {
		w(": \"X is owned by Y\" is Y OWNS X")
	}
	w(".\n")
	switch {
	case pred("LEADS") && pred("MEMBER_OF"):
		w("- Titles and roles state relations too: \"President X of Y\" is X LEADS Y, \"analyst X of Y\" is X MEMBER_OF Y.\n")
	default:
		w("- Titles and roles state relations too (\"President X of Y\", \"analyst X of Y\").\n")
	}
	w("- A list gives one assertion per actor in it: \"A, B and C banned D\" is three assertions.\n")
	if o.HasType("GOVERNMENT") && o.HasType("PLACE") {
		w("- A country or city is GOVERNMENT when it acts (bans, sanctions, accuses) and PLACE when it is only where something is.\n")
	}
	w("- polarity: \"affirmed\", or \"negated\" when the text says the relation does not hold")
	if pred("SHARES_DATA_WITH") {
		w(" (\"X never shares data with Y\" is X SHARES_DATA_WITH Y, negated)")
	}
	w("; a denial is negated too.\n")
	w(`- modality: "actual" when stated as fact; "possible" for could, may, might, risk of; "intended" for plans to, threatens to, wants to, is considering, is looking into.
- attributed_to: the name of the actor whose claim it is when the text reports someone's words or view ("said X", "according to X", "X warns that ..."); null when the text states it in its own voice.
- evidence: the one sentence the relation is read from, copied character for character from the text: same words, same spelling, same punctuation. Never shorten, paraphrase, translate or join sentences.
- subject and object are two different actors.
`)
	if ex, ok := example(o); ok {
		w("\nEXAMPLE\n%s", ex)
	}
	w(`
ANSWER with one JSON object and nothing else, in this shape:
{"actors":[{"name":"...","type":"..."}],"assertions":[{"subject":"...","subject_type":"...","predicate":"...","object":"...","object_type":"...","polarity":"affirmed","modality":"actual","attributed_to":null,"evidence":"..."}]}
List every named actor in "actors", related or not. When the text states no relation, answer {"actors":[...],"assertions":[]}.
`)
	return b.String()
}

// example is a worked example, given only when the ontology has the
// predicates and types it uses (a user's ontology may replace them).
func example(o *events.Ontology) (string, bool) {
	for _, p := range []string{"MEMBER_OF", "ACQUIRES", "SHARES_DATA_WITH"} {
		if _, ok := o.Predicate(p); !ok {
			return "", false
		}
	}
	for _, t := range []string{"PERSON", "ORGANIZATION", "COMPANY"} {
		if !o.HasType(t) {
			return "", false
		}
	}
	return `Text: Analyst Jane Roe of the Acme Institute said Globex plans to buy Initech. Initech does not pass user data to Globex, the company said.
Answer: {"actors":[{"name":"Jane Roe","type":"PERSON"},{"name":"Acme Institute","type":"ORGANIZATION"},{"name":"Globex","type":"COMPANY"},{"name":"Initech","type":"COMPANY"}],"assertions":[{"subject":"Jane Roe","subject_type":"PERSON","predicate":"MEMBER_OF","object":"Acme Institute","object_type":"ORGANIZATION","polarity":"affirmed","modality":"actual","attributed_to":null,"evidence":"Analyst Jane Roe of the Acme Institute said Globex plans to buy Initech."},{"subject":"Globex","subject_type":"COMPANY","predicate":"ACQUIRES","object":"Initech","object_type":"COMPANY","polarity":"affirmed","modality":"intended","attributed_to":"Jane Roe","evidence":"Analyst Jane Roe of the Acme Institute said Globex plans to buy Initech."},{"subject":"Initech","subject_type":"COMPANY","predicate":"SHARES_DATA_WITH","object":"Globex","object_type":"COMPANY","polarity":"negated","modality":"actual","attributed_to":"Initech","evidence":"Initech does not pass user data to Globex, the company said."}]}
`, true
}

// userPrompt carries one chunk of the document.
func userPrompt(c chunk, part, parts int) string {
	if parts == 1 {
		return "Text:\n" + c.Text
	}
	return fmt.Sprintf("Text (part %d of %d of a document):\n%s", part, parts, c.Text)
}
