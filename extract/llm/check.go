package llm

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/names"
)

// Reasons a candidate assertion is dropped, the keys of Result.Dropped.
// Each dropped candidate counts once, under the first reason that applies,
// in this order.
const (
	// DropUnreadable counts chunks, not assertions: answers with no JSON
	// object of the asked shape in them.
	DropUnreadable = "unreadable answer"
	// DropIncomplete: no subject, object, predicate or evidence.
	DropIncomplete = "incomplete"
	// DropUnknownPredicate: a predicate the ontology does not have.
	DropUnknownPredicate = "unknown predicate"
	// DropPolarity and DropModality: a value other than the allowed ones
	// (a missing one is affirmed, actual).
	DropPolarity = "bad polarity"
	DropModality = "bad modality"
	// DropSameActor: the subject is the object.
	DropSameActor = "subject is object"
	// DropActorNotInText: the subject or object is not named in the chunk
	// the model read.
	DropActorNotInText = "actor not in text"
	// DropNotAName: the subject or object is written without a capital
	// letter or digit: a pronoun or common noun, not a named actor.
	DropNotAName = "actor not a name"
	// DropEvidenceNotInDocument: the evidence is not a passage of the
	// document, even with whitespace and quotes folded.
	DropEvidenceNotInDocument = "evidence not in document"
	// DropInvalid: the assertion fails events' Validate.
	DropInvalid = "invalid"
	// DropDuplicate: an assertion with the same id was already kept.
	DropDuplicate = "duplicate"
)

// Fields removed from assertions that are kept; they count in
// Result.Dropped too.
const (
	// DropUnknownType: an actor type the ontology does not have; the
	// actor is kept untyped (or typed from the answer's actor list or the
	// graph).
	DropUnknownType = "unknown type"
	// DropAttribution: attributed_to names no one the document names; the
	// assertion is kept as the document's own voice.
	DropAttribution = "attribution not in text"
)

// checker turns the model's answers for one document into a Result.
type checker struct {
	o        *events.Ontology
	doc      extract.Document
	text     *docText
	known    extract.Known
	producer events.Producer

	res      extract.Result
	kept     map[string]bool
	mentions map[string]*mention // by names.Key
	order    []string
}

type mention struct {
	name  string
	votes map[string]int
	types []string // in the order first voted, for ties
}

func newChecker(o *events.Ontology, doc extract.Document, known extract.Known, p events.Producer) *checker {
	return &checker{
		o:        o,
		doc:      doc,
		text:     &docText{text: doc.Text},
		known:    known,
		producer: p,
		res:      extract.Result{Dropped: map[string]int{}},
		kept:     map[string]bool{},
		mentions: map[string]*mention{},
	}
}

// add checks the answer for one chunk.
func (c *checker) add(ch chunk, ans answer) {
	in := &docText{text: ch.Text}
	// Types the answer's actor list gives, for assertions that give none.
	types := map[string]string{}
	for _, a := range ans.Actors {
		written, ok := in.find(a.Name)
		if !ok || !isName(written) {
			continue
		}
		t := c.actorType(a.Type)
		if t != "" {
			types[names.Key(written)] = t
		}
		c.mention(written, t)
	}
	for _, cand := range ans.Assertions {
		a, reason := c.assertion(ch, in, cand, types)
		if reason != "" {
			c.res.Dropped[reason]++
			continue
		}
		c.res.Assertions = append(c.res.Assertions, a)
		c.mention(a.Subject.Name, a.Subject.Type)
		c.mention(a.Object.Name, a.Object.Type)
	}
}

// assertion checks one candidate, and returns the assertion or why it
// was dropped.
func (c *checker) assertion(ch chunk, in *docText, cand candidate, types map[string]string) (events.AssertionRecorded, string) {
	var a events.AssertionRecorded
	if cand.Subject == "" || cand.Object == "" || cand.Predicate == "" || cand.Evidence == "" {
		return a, DropIncomplete
	}
	a.Predicate = predicateName(cand.Predicate)
	if _, ok := c.o.Predicate(a.Predicate); !ok {
		return a, DropUnknownPredicate
	}
	var ok bool
	if a.Polarity, ok = oneOf(cand.Polarity, events.Affirmed, events.Affirmed, events.Negated); !ok {
		return a, DropPolarity
	}
	if a.Modality, ok = oneOf(cand.Modality, events.Actual, events.Actual, events.Possible, events.Intended); !ok {
		return a, DropModality
	}
	if k := names.Key(cand.Subject); k != "" && k == names.Key(cand.Object) {
		return a, DropSameActor
	}
	subject, sok := in.find(cand.Subject)
	object, ook := in.find(cand.Object)
	if !sok || !ook {
		return a, DropActorNotInText
	}
	if !isName(subject) || !isName(object) {
		return a, DropNotAName
	}
	start, end, ok := c.text.locate(cand.Evidence, ch.byteStart)
	if !ok {
		return a, DropEvidenceNotInDocument
	}

	// Fields dropped from an assertion count only if it is kept.
	var fields []string
	st, sbad := c.typeOf(subject, cand.SubjectType, types)
	ot, obad := c.typeOf(object, cand.ObjectType, types)
	for _, bad := range []bool{sbad, obad} {
		if bad {
			fields = append(fields, DropUnknownType)
		}
	}
	a.Subject = events.ActorRef{Name: subject, Type: st}
	a.Object = events.ActorRef{Name: object, Type: ot}
	if cand.AttributedTo != "" {
		if who, ok := c.text.find(cand.AttributedTo); ok && isName(who) {
			a.AttributedTo = &who
		} else {
			fields = append(fields, DropAttribution)
		}
	}
	rs := utf8.RuneCountInString(c.doc.Text[:start])
	re := rs + utf8.RuneCountInString(c.doc.Text[start:end])
	a.Evidence = events.Evidence{
		DocumentID: c.doc.ID,
		Document:   c.doc.Source,
		Sentence:   c.doc.Text[start:end],
		Start:      &rs,
		End:        &re,
	}
	conf := DefaultConfidence
	if p := cand.Confidence; p != nil {
		conf = math.Min(math.Max(*p, 0), 1)
	}
	a.Confidence = &conf
	a.Producer = c.producer
	a.Normalize(c.o)
	if a.Validate(c.o) != nil {
		return a, DropInvalid
	}
	if c.kept[a.ID] {
		return a, DropDuplicate
	}
	c.kept[a.ID] = true
	for _, f := range fields {
		c.res.Dropped[f]++
	}
	return a, ""
}

// typeOf is the actor's type: the one the model gave if the ontology has
// it, else the one the answer's actor list gave, else the graph's. bad
// says the model gave a type the ontology does not have.
func (c *checker) typeOf(name, given string, listed map[string]string) (typ string, bad bool) {
	if given != "" {
		if t := c.actorType(given); t != "" {
			return t, false
		}
		bad = true
	}
	if t := listed[names.Key(name)]; t != "" {
		return t, bad
	}
	if c.known != nil {
		if _, t, ok := c.known.Lookup(name); ok && c.o.HasType(t) {
			return t, bad
		}
	}
	return "", bad
}

// actorType is t as an ontology type name, or "" if it is none.
func (c *checker) actorType(t string) string {
	t = strings.ToUpper(strings.TrimSpace(t))
	if c.o.HasType(t) {
		return t
	}
	return ""
}

// mention records that the document names an actor, with a vote for its
// type.
func (c *checker) mention(name, typ string) {
	k := names.Key(name)
	if k == "" {
		return
	}
	m := c.mentions[k]
	if m == nil {
		m = &mention{name: name, votes: map[string]int{}}
		c.mentions[k] = m
		c.order = append(c.order, k)
	}
	if typ != "" {
		if m.votes[typ] == 0 {
			m.types = append(m.types, typ)
		}
		m.votes[typ]++
	}
}

// result is the Result, with mentions in the order the document first
// names them and counted over its whole text.
func (c *checker) result() extract.Result {
	for _, k := range c.order {
		m := c.mentions[k]
		n := c.text.count(m.name)
		if n == 0 {
			continue
		}
		c.res.Mentions = append(c.res.Mentions, extract.Mention{Name: m.name, Type: m.typ(), Count: n})
	}
	return c.res
}

// typ is the most voted type; of equals, the first voted.
func (m *mention) typ() string {
	best, n := "", 0
	for _, t := range m.types {
		if m.votes[t] > n {
			best, n = t, m.votes[t]
		}
	}
	return best
}

// predicateName writes a predicate as the ontology does: "shares data
// with" is SHARES_DATA_WITH.
func predicateName(p string) string {
	p = strings.ToUpper(strings.TrimSpace(p))
	return strings.Join(strings.FieldsFunc(p, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
}

// oneOf is v, lower-cased, if it is one of allowed; empty is def.
func oneOf(v, def string, allowed ...string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return def, true
	}
	for _, a := range allowed {
		if v == a {
			return v, true
		}
	}
	return v, false
}
