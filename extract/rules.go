package extract

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract/pos"
	"github.com/dossier-kg/dossier/names"
)

// RulesVersion changes whenever the rules or the default lexicon change
// what is extracted, so that re-extraction can tell versions apart.
const RulesVersion = "0.2.0"

// RulesConfig configures the rule-based extractor.
type RulesConfig struct {
	// Lexicon is the extraction lexicon. Default DefaultLexicon().
	Lexicon *Lexicon
	// Names resolves name variants. Default names.DefaultLexicon().
	Names *names.Lexicon
	// Ontology validates what is produced. Default events.DefaultOntology().
	Ontology *events.Ontology
}

// Rules is the default extractor: deterministic, offline, pure Go. It
// finds names by their shape (capitalised word runs, acronyms, titles),
// types them from the lexicon and from the words around them, follows
// "the company", "the app" and "he" back to what they refer to, and reads
// relations from verb and noun patterns, in active and passive voice,
// with negation, modality and attribution read from the clause.
type Rules struct {
	cfg    RulesConfig
	ix     index
	tagger *pos.Tagger
}

// NewRules compiles the lexicon.
func NewRules(cfg RulesConfig) (*Rules, error) {
	if cfg.Lexicon == nil {
		l, err := DefaultLexicon()
		if err != nil {
			return nil, err
		}
		cfg.Lexicon = l
	}
	if cfg.Names == nil {
		cfg.Names = names.DefaultLexicon()
	}
	if cfg.Ontology == nil {
		cfg.Ontology = events.DefaultOntology()
	}
	tagger, err := pos.Default()
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	r := &Rules{cfg: cfg, tagger: tagger}
	if err := r.ix.build(cfg.Lexicon, cfg.Ontology); err != nil {
		return nil, err
	}
	return r, nil
}

func (*Rules) Name() string    { return "rules" }
func (*Rules) Version() string { return RulesVersion }

// MaxTextBytes bounds what one Extract call reads; the ingest pipeline
// refuses larger documents before they get here.
const MaxTextBytes = 64 << 20

// Extract reads one document.
func (r *Rules) Extract(ctx context.Context, doc Document, known Known) (Result, error) {
	d, err := r.prepare(ctx, doc, known)
	if err != nil {
		return Result{}, err
	}
	for i := range d.sents {
		d.relations(i)
	}
	return d.result(), nil
}

// prepare runs every pass before relations: names, merges, types,
// references, speakers. Relations then read each sentence.
func (r *Rules) prepare(ctx context.Context, doc Document, known Known) (*docState, error) {
	if len(doc.Text) > MaxTextBytes {
		return nil, fmt.Errorf("extract %s: text is %d bytes, over %d", doc.ID, len(doc.Text), MaxTextBytes)
	}
	d := newDocState(r, doc, known)
	for i := range d.sents {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		d.findMentions(i)
	}
	d.mergeActors()
	d.settleTypes()
	d.administrations()
	d.shortNames()
	for _, vote := range []bool{true, false} {
		for i := range d.sents {
			d.findReferences(i, vote)
		}
		d.settleTypes()
	}
	for i := range d.sents {
		d.attribute(i)
	}
	return d, ctx.Err()
}

// index is the lexicon compiled into lookups.
type index struct {
	function, months, connectors, attribution, negation, denial map[string]bool
	wrongdoing                                                  map[string]bool // inflected forms
	possible, intended, data                                    map[string]bool
	typeCue, headWord, descType, pronounType, possessed         map[string]string
	verbs                                                       map[string][]trigger // inflected form → triggers
	nouns                                                       map[string][]trigger
	nounsOf, nounsRev, nounsOfRev, possRev                      map[string][]trigger
	nounPreps                                                   map[string][]string // predicate → noun object prepositions
	objectPreps                                                 map[string][]string // predicate → verb object prepositions
	mutual, agentFirst, attitude, accusable                     map[string]bool     // predicates by grammar (PredicateRule.Grammar)
	phrases                                                     map[string][]phrase // by first word
	multiFirst                                                  map[string]bool     // first words of multi-word verbs
	maxVerbWords                                                int
}

type trigger struct {
	pred      string
	preps     []string
	needsData bool
}

type phrase struct {
	words []string
	pred  string
}

func set(lists ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range l {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}

func (ix *index) build(l *Lexicon, o *events.Ontology) error {
	ix.function = set(l.FunctionWords)
	ix.months = set(l.Months, l.Weekdays)
	ix.connectors = set(l.NameConnectors)
	ix.attribution = set(l.AttributionVerb)
	ix.negation = set(l.Negations)
	ix.denial = set(l.Denials)
	ix.wrongdoing = map[string]bool{}
	for _, v := range l.Wrongdoing {
		for _, f := range inflect(v) {
			ix.wrongdoing[f] = true
		}
	}
	ix.possible = set(l.Modality["possible"])
	ix.intended = set(l.Modality["intended"])
	ix.data = set(l.DataNouns)
	typed := func(m map[string][]string) map[string]string {
		out := map[string]string{}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, t := range keys {
			for _, w := range m[t] {
				if _, dup := out[strings.ToLower(w)]; !dup {
					out[strings.ToLower(w)] = t
				}
			}
		}
		return out
	}
	ix.typeCue = typed(l.TypeCues)
	ix.possessed = typed(l.PossessedCues)
	ix.headWord = typed(l.HeadWords)
	ix.descType = typed(l.Descriptions)
	ix.pronounType = typed(l.Pronouns)
	ix.verbs, ix.nouns = map[string][]trigger{}, map[string][]trigger{}
	ix.phrases, ix.multiFirst = map[string][]phrase{}, map[string]bool{}
	ix.nounPreps, ix.objectPreps = map[string][]string{}, map[string][]string{}
	ix.mutual, ix.agentFirst, ix.attitude, ix.accusable = map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	grammar := map[string]map[string]bool{"mutual": ix.mutual, "agent_first": ix.agentFirst, "attitude": ix.attitude, "accusable": ix.accusable}
	ix.nounsOf, ix.nounsRev, ix.nounsOfRev, ix.possRev = map[string][]trigger{}, map[string][]trigger{}, map[string][]trigger{}, map[string][]trigger{}
	var errs []error
	for _, p := range l.Predicates {
		if _, ok := o.Predicate(p.Predicate); !ok {
			errs = append(errs, fmt.Errorf("extraction lexicon: predicate %s is not in the ontology", p.Predicate))
			continue
		}
		t := trigger{pred: p.Predicate, preps: p.Preps, needsData: p.NeedsData}
		if len(p.NounObjectPreps) > 0 {
			ix.nounPreps[p.Predicate] = p.NounObjectPreps
		}
		ix.objectPreps[p.Predicate] = append(ix.objectPreps[p.Predicate], p.ObjectPreps...)
		for _, g := range p.Grammar {
			if m, ok := grammar[g]; ok {
				m[p.Predicate] = true
			} else {
				errs = append(errs, fmt.Errorf("extraction lexicon: predicate %s: unknown grammar %q", p.Predicate, g))
			}
		}
		for _, v := range p.Verbs {
			for _, f := range inflect(strings.ToLower(v)) {
				ix.verbs[f] = append(ix.verbs[f], t)
				if w := strings.Fields(f); len(w) > 1 {
					ix.multiFirst[w[0]] = true
					ix.maxVerbWords = max(ix.maxVerbWords, len(w))
				}
			}
		}
		add := func(m map[string][]trigger, ws []string) {
			for _, w := range ws {
				m[strings.ToLower(w)] = append(m[strings.ToLower(w)], t)
			}
		}
		add(ix.nouns, p.Nouns)
		add(ix.nounsOf, p.NounsOf)
		add(ix.nounsRev, p.NounsRev)
		add(ix.nounsOfRev, p.NounsOfRev)
		add(ix.possRev, p.PossessiveRev)
		for _, ph := range p.Phrases {
			if len(ph) > 0 {
				ix.phrases[ph[0]] = append(ix.phrases[ph[0]], phrase{words: ph, pred: p.Predicate})
			}
		}
	}
	return errors.Join(errs...)
}

// commonStarters are words that begin sentences but not names; the
// sentence splitter asks it after an initial ("U.S. The …").
var commonStarters = func() map[string]bool {
	l, err := DefaultLexicon()
	if err != nil {
		return map[string]bool{}
	}
	return set(l.FunctionWords)
}()

func isUpperStart(s string) bool {
	for _, r := range s {
		return unicode.IsUpper(r)
	}
	return false
}
