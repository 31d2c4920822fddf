package eval

import (
	"sort"
	"strings"
)

// Score counts one kind of item, each counted once per document.
type Score struct {
	Matched   int // items both in gold and predicted
	Predicted int // all predicted items
	Gold      int // all gold items
}

// Precision is Matched/Predicted, 0 when nothing was predicted.
func (s Score) Precision() float64 { return ratio(s.Matched, s.Predicted) }

// Recall is Matched/Gold, 0 when there is no gold.
func (s Score) Recall() float64 { return ratio(s.Matched, s.Gold) }

// F1 is the harmonic mean of Precision and Recall, 0 when both are 0.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func (s *Score) add(o Score) {
	s.Matched += o.Matched
	s.Predicted += o.Predicted
	s.Gold += o.Gold
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// DocReport is the score of one gold document.
type DocReport struct {
	Assertions    Score
	Actors        Score
	ActorsUntyped Score
	// Unpredicted is set when the predicted lines name no line for this
	// document: all its gold counts as missed.
	Unpredicted bool
}

// Miss is an assertion or actor found on one side only: a gold item no
// predicted one matches, or a predicted item no gold one matches. Line is
// the first line stating it in its document.
type Miss struct {
	Document string
	Line     Line
	// Kind says, for an assertion, why it is on one side only (one of
	// the Kind… constants); empty for actors.
	Kind string `json:",omitempty"`
}

// Why an assertion is on one side only, from the nearest thing the other
// side has: what an extractor must do differently to match it.
const (
	// KindActorMissing: an end of the gold assertion is no actor the
	// extractor found in the document (or, for a false hit, an end is
	// no gold actor of it).
	KindActorMissing = "actor"
	// KindDirection: the same predicate between the same actors, the
	// other way round.
	KindDirection = "direction"
	// KindPredicate: the same two actors, another predicate.
	KindPredicate = "predicate"
	// KindPolarity: the same triple, the other polarity.
	KindPolarity = "polarity"
	// KindRelation: both actors found, nothing said between them.
	KindRelation = "relation"
)

// missKind classifies an assertion of one side against the other side's
// assertions and actors of the same document.
func missKind(k assertionKey, other set[assertionKey], actors map[string]bool) string {
	if !actors[k.subject] || !actors[k.object] {
		return KindActorMissing
	}
	kind := KindRelation
	for _, o := range other.order {
		switch {
		case o.subject == k.subject && o.object == k.object && o.predicate == k.predicate:
			return KindPolarity
		case o.subject == k.object && o.object == k.subject && o.predicate == k.predicate:
			kind = KindDirection
		case kind == KindRelation && (o.subject == k.subject && o.object == k.object || o.subject == k.object && o.object == k.subject):
			kind = KindPredicate
		}
	}
	return kind
}

// MissKinds counts assertion misses (or false hits) by kind.
func MissKinds(ms []Miss) map[string]int {
	n := map[string]int{}
	for _, m := range ms {
		if m.Kind != "" {
			n[m.Kind]++
		}
	}
	return n
}

// Report is the outcome of Evaluate.
type Report struct {
	Assertions    Score
	Actors        Score // same canonical name and same type
	ActorsUntyped Score // same canonical name, whatever the types

	// Over the Assertions.Matched pairs: how many agree on modality, and
	// on attribution (both canonical names equal, or both null). When an
	// assertion stands for several lines on a side, the pair is right if
	// any gold line agrees with any predicted line.
	ModalityCorrect, AttributionCorrect   int
	ModalityAccuracy, AttributionAccuracy float64 // 0 when nothing matched

	PerPredicate map[string]Score     // assertions by (upper-case) predicate
	PerDocument  map[string]DocReport // every gold document

	Misses         []Miss // gold assertions not predicted
	FalseHits      []Miss // predicted assertions not in gold
	ActorMisses    []Miss // gold actors not predicted (typed)
	ActorFalseHits []Miss // predicted actors not in gold (typed)

	// IgnoredDocuments are predicted documents with no gold file, sorted.
	IgnoredDocuments []string
}

// symmetric are the predicates whose subject and object may be swapped,
// per ANNOTATION.md.
var symmetric = map[string]bool{"MEETS": true, "COMPETES_WITH": true}

// assertionKey is what makes two assertions the same for scoring.
type assertionKey struct{ subject, predicate, object, polarity string }

// actorKey is a typed actor; its name alone is the untyped one.
type actorKey struct{ name, typ string }

// enum normalises the value of a closed vocabulary (predicate, polarity,
// modality, type): surrounding space and case do not count, so an
// extractor is not penalised for writing "Affirmed" or "bans".
func enum(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func (a *Aliases) assertionKey(l Line) assertionKey {
	k := assertionKey{a.Canonical(l.Subject), enum(l.Predicate), a.Canonical(l.Object), enum(l.Polarity)}
	if symmetric[k.predicate] && k.object < k.subject {
		k.subject, k.object = k.object, k.subject
	}
	return k
}

// attribution is the canonical name an assertion is attributed to, ""
// for null (an empty string counts as null).
func (a *Aliases) attribution(l Line) string {
	if l.AttributedTo == nil || strings.TrimSpace(*l.AttributedTo) == "" {
		return ""
	}
	return a.Canonical(*l.AttributedTo)
}

// set is a document's distinct items of one kind, in the order of their
// first line, with every line stating each.
type set[K comparable] struct {
	order []K
	lines map[K][]Line
}

func collect[K comparable](lines []Line, kind string, key func(Line) K) set[K] {
	s := set[K]{lines: make(map[K][]Line)}
	for _, l := range lines {
		if l.Kind != kind {
			continue
		}
		k := key(l)
		if _, ok := s.lines[k]; !ok {
			s.order = append(s.order, k)
		}
		s.lines[k] = append(s.lines[k], l)
	}
	return s
}

// match scores one document's items of one kind: pairs, gold-only and
// predicted-only items, in the order of their first line.
func match[K comparable](gold, pred set[K], onPair func(K, []Line, []Line), doc string) (s Score, misses, falseHits []Miss) {
	s.Gold, s.Predicted = len(gold.order), len(pred.order)
	for _, k := range gold.order {
		if p, ok := pred.lines[k]; ok {
			s.Matched++
			if onPair != nil {
				onPair(k, gold.lines[k], p)
			}
			continue
		}
		misses = append(misses, Miss{Document: doc, Line: gold.lines[k][0]})
	}
	for _, k := range pred.order {
		if _, ok := gold.lines[k]; !ok {
			falseHits = append(falseHits, Miss{Document: doc, Line: pred.lines[k][0]})
		}
	}
	return s, misses, falseHits
}

// anyAgree reports whether some gold line and some predicted line give
// the same value. A deduplicated assertion may stand for several lines
// (one sentence says "may ban", a later one "banned"); the pair counts as
// right when the prediction agrees with any of the gold readings, so the
// score does not depend on the order the lines come in.
func anyAgree(gold, pred []Line, value func(Line) string) bool {
	want := make(map[string]bool, len(gold))
	for _, l := range gold {
		want[value(l)] = true
	}
	for _, l := range pred {
		if want[value(l)] {
			return true
		}
	}
	return false
}

// Evaluate scores predicted against gold, both keyed by document name
// (see LoadGold and GroupByDocument), comparing names through aliases,
// which may be nil. Only documents in gold are scored.
func Evaluate(gold, predicted map[string][]Line, aliases *Aliases) Report {
	r := Report{
		PerPredicate: make(map[string]Score),
		PerDocument:  make(map[string]DocReport, len(gold)),
	}
	asserted := aliases.assertionKey
	typed := func(l Line) actorKey { return actorKey{aliases.Canonical(l.Name), enum(l.Type)} }
	untyped := func(l Line) string { return aliases.Canonical(l.Name) }
	modality := func(l Line) string { return enum(l.Modality) }

	for _, doc := range sortedKeys(gold) {
		g := gold[doc]
		p, predictedDoc := predicted[doc]
		var d DocReport
		d.Unpredicted = !predictedDoc

		ga, pa := collect(g, KindAssertion, asserted), collect(p, KindAssertion, asserted)
		var misses, falseHits []Miss
		d.Assertions, misses, falseHits = match(ga, pa, func(_ assertionKey, gl, pl []Line) {
			if anyAgree(gl, pl, modality) {
				r.ModalityCorrect++
			}
			if anyAgree(gl, pl, aliases.attribution) {
				r.AttributionCorrect++
			}
		}, doc)
		goldActors, predActors := actorNames(g, aliases), actorNames(p, aliases)
		for i, m := range misses {
			misses[i].Kind = missKind(asserted(m.Line), pa, predActors)
		}
		for i, m := range falseHits {
			falseHits[i].Kind = missKind(asserted(m.Line), ga, goldActors)
		}
		r.Misses = append(r.Misses, misses...)
		r.FalseHits = append(r.FalseHits, falseHits...)
		for _, k := range ga.order {
			s := r.PerPredicate[k.predicate]
			s.Gold++
			if _, ok := pa.lines[k]; ok {
				s.Matched++
			}
			r.PerPredicate[k.predicate] = s
		}
		for _, k := range pa.order {
			s := r.PerPredicate[k.predicate]
			s.Predicted++
			r.PerPredicate[k.predicate] = s
		}

		d.Actors, misses, falseHits = match(collect(g, KindActor, typed), collect(p, KindActor, typed), nil, doc)
		r.ActorMisses = append(r.ActorMisses, misses...)
		r.ActorFalseHits = append(r.ActorFalseHits, falseHits...)
		d.ActorsUntyped, _, _ = match(collect(g, KindActor, untyped), collect(p, KindActor, untyped), nil, doc)

		r.Assertions.add(d.Assertions)
		r.Actors.add(d.Actors)
		r.ActorsUntyped.add(d.ActorsUntyped)
		r.PerDocument[doc] = d
	}
	for _, doc := range sortedKeys(predicted) {
		if _, ok := gold[doc]; !ok {
			r.IgnoredDocuments = append(r.IgnoredDocuments, doc)
		}
	}
	r.ModalityAccuracy = ratio(r.ModalityCorrect, r.Assertions.Matched)
	r.AttributionAccuracy = ratio(r.AttributionCorrect, r.Assertions.Matched)
	return r
}

// actorNames are the canonical names a document's lines name as actors,
// and as the ends of its assertions.
func actorNames(lines []Line, aliases *Aliases) map[string]bool {
	names := map[string]bool{}
	for _, l := range lines {
		switch l.Kind {
		case KindActor:
			names[aliases.Canonical(l.Name)] = true
		case KindAssertion:
			names[aliases.Canonical(l.Subject)], names[aliases.Canonical(l.Object)] = true, true
		}
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
