package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/names"
	"github.com/dossier-kg/dossier/seal"
)

// Polarity says whether the sentence affirms or denies the claim.
const (
	Affirmed = "affirmed"
	Negated  = "negated"
)

// Modality says how firmly the claim is made.
const (
	Actual   = "actual"
	Possible = "possible"
	Intended = "intended"
)

// Limits on the size of one assertion's fields. They keep one bad producer
// from filling the log; documents have their own, larger limit.
const (
	MaxNameLen     = 256   // runes
	MaxSentenceLen = 20000 // runes
)

// ActorRef is an actor as an assertion names it: the name as written and,
// when the producer knows it, a type from the ontology.
type ActorRef struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// UnmarshalJSON accepts a bare string as well as {"name", "type"}, so the
// gold files' shape loads as it is.
func (a *ActorRef) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &a.Name)
	}
	type plain ActorRef
	return strictUnmarshal(b, (*plain)(a))
}

// strictUnmarshal refuses unknown fields, as ParseAssertion does at the
// top level: a typo inside "evidence" is as wrong as one outside it.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Evidence is where a claim was read: a document and the sentence in it.
type Evidence struct {
	// DocumentID is the document's content id; when empty it is derived
	// from Document, the source name.
	DocumentID string `json:"document_id,omitempty"`
	// Document is the source name (the file's base name), as the gold
	// files and `dossier export` write it.
	Document string `json:"document,omitempty"`
	Sentence string `json:"sentence"`
	// Start and End are Unicode code point offsets of the sentence in the
	// document text, as Python's text[start:end] counts them. They are
	// absent for hand-written assertions about documents Dossier does not
	// hold.
	Start *int `json:"start,omitempty"`
	End   *int `json:"end,omitempty"`
}

// UnmarshalJSON accepts a bare sentence as well as the object form.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Sentence)
	}
	type plain Evidence
	return strictUnmarshal(b, (*plain)(e))
}

// Producer is what made an assertion: an extractor and its version, or
// "manual" with the principal who typed it.
type Producer struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

func (p Producer) String() string {
	if p.Version == "" {
		return p.Name
	}
	return p.Name + "@" + p.Version
}

// AssertionRecorded is one claim a document makes about two actors.
type AssertionRecorded struct {
	// ID is derived from the content (see AssertionID); a producer may
	// leave it empty and Normalize fills it in.
	ID           string   `json:"id,omitempty"`
	Subject      ActorRef `json:"subject"`
	Predicate    string   `json:"predicate"`
	Object       ActorRef `json:"object"`
	Polarity     string   `json:"polarity,omitempty"`
	Modality     string   `json:"modality,omitempty"`
	AttributedTo *string  `json:"attributed_to"`
	Evidence     Evidence `json:"evidence"`
	Confidence   *float64 `json:"confidence,omitempty"`
	Producer     Producer `json:"producer,omitzero"`
	// Valid is when the claim holds in the world, when the text says
	// ("since 2017", "in June 2019"); nil when it does not. It is a
	// quality of the claim, not part of its identity.
	Valid *Interval `json:"valid,omitempty"`
}

// Interval is a span of calendar dates, "YYYY-MM-DD", either end open.
type Interval struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// dateLayout is how interval ends are written.
const dateLayout = "2006-01-02"

func (*AssertionRecorded) EventType() Type   { return TypeAssertionRecorded }
func (a *AssertionRecorded) eventID() string { return "asr-" + a.ID }
func (a *AssertionRecorded) subject() string {
	return AssertionSubject(a.Predicate, names.ActorToken(a.Subject.Name), names.ActorToken(a.Object.Name))
}

// AssertionSubject is the NATS subject an assertion is published on:
// dossier.assertion.<PREDICATE>.<subject>.<object>, each part a safe token.
func AssertionSubject(predicate, subject, object string) string {
	return "dossier.assertion." + names.Token(predicate) + "." + names.Token(subject) + "." + names.Token(object)
}

// ParseAssertion reads one JSON object into an assertion, rejecting unknown
// fields so that a typo ("predicat") is an error and not a silent default.
// The gold files' and `dossier export`'s line shape is accepted too: a
// "kind" of "assertion", and the document's source name at the top level.
// It does not validate: call Normalize then Validate.
func ParseAssertion(line []byte) (AssertionRecorded, error) {
	var in struct {
		AssertionRecorded
		Kind     string `json:"kind"`
		Document string `json:"document"`
	}
	if !utf8.Valid(line) {
		return in.AssertionRecorded, &ValidationError{Problems: []string{"line is not valid UTF-8"}}
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in.AssertionRecorded, &ValidationError{Problems: []string{"not a JSON assertion: " + jsonProblem(err)}}
	}
	if rest := bytes.TrimSpace(line[dec.InputOffset():]); len(rest) > 0 {
		return in.AssertionRecorded, &ValidationError{Problems: []string{fmt.Sprintf("more than one JSON value on the line (%.20q follows the object)", rest)}}
	}
	if in.Kind != "" && in.Kind != "assertion" {
		return in.AssertionRecorded, &ValidationError{Problems: []string{fmt.Sprintf("kind %q is not an assertion", in.Kind)}}
	}
	a := in.AssertionRecorded
	if a.Evidence.Document == "" {
		a.Evidence.Document = in.Document
	} else if in.Document != "" && in.Document != a.Evidence.Document {
		return a, &ValidationError{Problems: []string{fmt.Sprintf("document %q and evidence.document %q disagree", in.Document, a.Evidence.Document)}}
	}
	return a, nil
}

func jsonProblem(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Normalize trims names, fills defaults (affirmed, actual, full
// confidence), derives the document id from the source name when missing,
// and computes the content id unless the producer gave one (Validate then
// checks it). The ontology says which predicates are symmetric; nil means
// the default one.
func (a *AssertionRecorded) Normalize(o *Ontology) {
	if o == nil {
		o = DefaultOntology()
	}
	a.Subject.Name = names.Clean(a.Subject.Name)
	a.Object.Name = names.Clean(a.Object.Name)
	a.Subject.Type = strings.ToUpper(strings.TrimSpace(a.Subject.Type))
	a.Object.Type = strings.ToUpper(strings.TrimSpace(a.Object.Type))
	a.Predicate = strings.ToUpper(strings.TrimSpace(a.Predicate))
	if a.Polarity == "" {
		a.Polarity = Affirmed
	}
	if a.Modality == "" {
		a.Modality = Actual
	}
	if a.AttributedTo != nil {
		if s := names.Clean(*a.AttributedTo); s == "" {
			a.AttributedTo = nil
		} else {
			a.AttributedTo = &s
		}
	}
	if a.Confidence == nil {
		one := 1.0
		a.Confidence = &one
	}
	a.Evidence.Document = strings.TrimSpace(a.Evidence.Document)
	if a.Evidence.DocumentID == "" && a.Evidence.Document != "" {
		a.Evidence.DocumentID = SourceDocumentID(a.Evidence.Document)
	}
	if a.ID == "" {
		a.ID = AssertionID(a, o.Symmetric(a.Predicate))
	}
}

// AssertionID derives an assertion's id from what makes it the same claim:
// the document, the sentence, the folded names, the predicate and the
// polarity. Confidence, modality, attribution and the producer are
// qualities of the claim, not its identity. For a symmetric predicate the
// two names are ordered, so "A meets B" and "B meets A" in one sentence
// are one assertion.
func AssertionID(a *AssertionRecorded, symmetric bool) string {
	s, o := names.Key(a.Subject.Name), names.Key(a.Object.Name)
	if symmetric && o < s {
		s, o = o, s
	}
	return hashID(a.Evidence.DocumentID, Where(a.Evidence.Start, a.Evidence.End, a.Evidence.Sentence), s, a.Predicate, o, a.Polarity)
}

// Where says where in its document a claim is made, as its identity
// counts it: the code-point offsets "start:end" when both are given,
// else the sentence with its spacing folded. An assertion's id and the
// graph's claim index both read it.
func Where(start, end *int, sentence string) string {
	if start != nil && end != nil {
		return fmt.Sprintf("%d:%d", *start, *end)
	}
	return strings.Join(strings.Fields(sentence), " ")
}

// SourceDocumentID is the id of a document known only by its source name,
// for assertions loaded by hand about a document whose text Dossier does
// not hold.
func SourceDocumentID(source string) string {
	return hashID("source", source)
}

func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Validate checks an assertion against the ontology and the limits,
// reporting every problem at once.
func (a *AssertionRecorded) Validate(o *Ontology) error {
	var p problems
	p.actor("subject", a.Subject, o)
	p.actor("object", a.Object, o)
	if a.Predicate == "" {
		p.add("predicate is missing")
	} else if _, ok := o.Predicate(a.Predicate); !ok {
		p.add("predicate %q is not in the ontology", a.Predicate)
	}
	if names.Key(a.Subject.Name) != "" && names.Key(a.Subject.Name) == names.Key(a.Object.Name) {
		p.add("subject and object are the same actor %q", a.Subject.Name)
	}
	if a.Polarity != Affirmed && a.Polarity != Negated {
		p.add("polarity %q is not affirmed or negated", a.Polarity)
	}
	if a.Modality != Actual && a.Modality != Possible && a.Modality != Intended {
		p.add("modality %q is not actual, possible or intended", a.Modality)
	}
	if a.AttributedTo != nil {
		p.name("attributed_to", *a.AttributedTo)
	}
	if c := a.Confidence; c != nil && (math.IsNaN(*c) || *c < 0 || *c > 1) {
		p.add("confidence %v is not between 0 and 1", *c)
	}
	ev := a.Evidence
	switch n := utf8.RuneCountInString(ev.Sentence); {
	case strings.TrimSpace(ev.Sentence) == "":
		p.add("evidence.sentence is missing")
	case seal.IsSealed(ev.Sentence):
		// Sealing is the write path's, after validation: an input that
		// looks sealed would read as a damaged value.
		p.add("evidence.sentence starts with %q, as sealed values do: give the sentence as written", seal.Prefix)
	case n > MaxSentenceLen:
		p.add("evidence.sentence is %d characters, over the limit of %d", n, MaxSentenceLen)
	}
	if ev.DocumentID == "" && ev.Document == "" {
		p.add("evidence.document is missing")
	}
	if len(ev.Document) > 512 {
		p.add("evidence.document name is over 512 bytes")
	}
	if ev.DocumentID != "" && !isHexID(ev.DocumentID) {
		p.add("evidence.document_id %q is not a document id", ev.DocumentID)
	}
	if (ev.Start == nil) != (ev.End == nil) {
		p.add("evidence needs both start and end, or neither")
	} else if ev.Start != nil && (*ev.Start < 0 || *ev.End < *ev.Start) {
		p.add("evidence offsets %d:%d are not a range", *ev.Start, *ev.End)
	}
	if v := a.Valid; v != nil {
		checkInterval(&p, v)
	}
	if want := AssertionID(a, o.Symmetric(a.Predicate)); a.ID != "" && a.ID != want {
		p.add("id %q does not match the content (want %q)", a.ID, want)
	}
	return p.err()
}

// IsID reports whether s is a document or assertion id as DocumentID
// and AssertionID write them: 32 lower-case hex digits, so one document
// cannot have two spellings.
func IsID(s string) bool { return isHexID(s) }

func isHexID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// problems gathers every validation problem of one input.
type problems []string

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

func (p *problems) name(field, name string) {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		p.add("%s is not valid UTF-8", field)
	case strings.TrimSpace(name) == "":
		p.add("%s is missing", field)
	case strings.ContainsFunc(name, unicode.IsControl):
		// NUL, ESC and the like: stored, they clear terminals that print
		// the history.
		p.add("%s %q holds a control character", field, name)
	case names.Key(name) == "":
		p.add("%s %q has no letter or digit", field, name)
	case n > MaxNameLen:
		p.add("%s is %d characters, over the limit of %d", field, n, MaxNameLen)
	}
}

func (p *problems) actor(field string, a ActorRef, o *Ontology) {
	p.name(field+".name", a.Name)
	if a.Type != "" && !o.HasType(a.Type) {
		p.add("%s.type %q is not an actor type", field, a.Type)
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// ValidationError lists everything wrong with one input.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid: " + strings.Join(e.Problems, "; ")
}
