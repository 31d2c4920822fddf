package extract

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dossier-kg/dossier/extract/wordclasses"
)

//go:embed lexicon.json
var defaultLexicon []byte

// Lexicon is the data the rule extractor runs on: which words signal which
// predicate, type, modality, negation or attribution. Users extend it with
// a file of their own (RulesConfig.LexiconFile); nothing in it names a
// particular actor.
type Lexicon struct {
	Version        int                 `json:"version"`
	FunctionWords  []string            `json:"function_words"`
	Months         []string            `json:"months"`
	Weekdays       []string            `json:"weekdays"`
	NameConnectors []string            `json:"name_connectors"`
	Pronouns       map[string][]string `json:"pronouns"`
	Descriptions   map[string][]string `json:"descriptions"`
	TypeCues       map[string][]string `json:"type_cues"`
	// PossessedCues type an actor by what it is said to have: "X's
	// shareholders" (a company), "X's foreign minister" (a state).
	PossessedCues   map[string][]string `json:"possessed_cues"`
	HeadWords       map[string][]string `json:"head_words"`
	AttributionVerb []string            `json:"attribution_verbs"`
	Negations       []string            `json:"negations"`
	Denials         []string            `json:"denials"`
	// Wrongdoing verbs make a reported clause an accusation by its
	// speaker of the clause's subject: "the SEC said X misled investors".
	Wrongdoing []string            `json:"wrongdoing"`
	Modality   map[string][]string `json:"modality"`
	DataNouns  []string            `json:"data_nouns"`
	Predicates []PredicateRule     `json:"predicates"`
	// NotTriggers are words of the generated word classes that the
	// rules must not read as triggers (hand-checked exceptions).
	NotTriggers []string `json:"not_triggers,omitempty"`
}

// PredicateRule lists the words that signal one predicate.
type PredicateRule struct {
	Predicate string `json:"predicate"`
	// Verbs in their base form; inflections are derived. A verb may be
	// several words ("take over").
	Verbs []string `json:"verbs,omitempty"`
	// Nouns name the act ("ban on X", "X ban").
	Nouns []string `json:"nouns,omitempty"`
	// NounsOf are agent nouns: "owner of X", "X founder Y" → Y pred X.
	NounsOf []string `json:"nouns_of,omitempty"`
	// NounsRev are the reverse: "part of X" → X pred subject.
	NounsRev []string `json:"nouns_rev,omitempty"`
	// NounsOfRev: "version of X" → subject pred X.
	NounsOfRev []string `json:"nouns_of_rev,omitempty"`
	// PossessiveRev: "X's parent company Y" → Y pred X.
	PossessiveRev []string `json:"possessive_rev,omitempty"`
	// Phrases are word sequences that signal the predicate ("not
	// allowed").
	Phrases [][]string `json:"phrases,omitempty"`
	// NounObjectPreps introduce a noun's object ("a ban on X", "an
	// investigation into X"); default on, of, against, to, into, for.
	NounObjectPreps []string `json:"noun_object_preps,omitempty"`
	// Preps the verb takes before its object ("work with", "based in").
	Preps []string `json:"preps,omitempty"`
	// NeedsData: the verb only counts with a data noun ("pass data to").
	NeedsData bool `json:"needs_data,omitempty"`
	// NeedsRisk: nouns only count next to a target ("a threat to X").
	NeedsRisk bool `json:"needs_risk,omitempty"`
	// ObjectPreps may stand between the predicate's verbs and their
	// object ("urged to the US", "pass data to X").
	ObjectPreps []string `json:"object_preps,omitempty"`
	// Grammar names how the predicate's words take their arguments:
	// "mutual" (a list of subjects is both ends: "X and Y agreed to a
	// partnership"), "agent_first" (a state modifying the noun acts: "US
	// sanctions"), "attitude" (the object is the actor behind what is
	// opposed: "opposed Mr Glazer's plans"), "accusable" (a speaker
	// claiming someone does it accuses them).
	Grammar []string `json:"grammar,omitempty"`
}

// DefaultLexicon is the lexicon shipped with Dossier: the verb and noun
// classes generated from WordNet (package wordclasses), under the
// hand-checked words and exceptions of lexicon.json.
func DefaultLexicon() (*Lexicon, error) {
	l, err := ParseLexicon(defaultLexicon)
	if err != nil {
		return nil, err
	}
	classes, err := wordclasses.Load()
	if err != nil {
		return nil, err
	}
	l.addClasses(classes)
	return l, nil
}

// addClasses extends each predicate's verbs and nouns with its word
// class, keeping the lexicon's own entries (and their prepositions).
func (l *Lexicon) addClasses(classes map[string]wordclasses.Class) {
	preds := make([]string, 0, len(classes))
	for p := range classes {
		preds = append(preds, p)
	}
	sort.Strings(preds)
	for _, pred := range preds {
		i := slices.IndexFunc(l.Predicates, func(r PredicateRule) bool { return r.Predicate == pred })
		if i < 0 {
			l.Predicates = append(l.Predicates, PredicateRule{Predicate: pred})
			i = len(l.Predicates) - 1
		}
		r := &l.Predicates[i]
		if len(r.Preps) > 0 {
			continue // its verbs only count with a preposition ("work for")
		}
		r.Verbs = union(r.Verbs, classes[pred].Verbs, l.NotTriggers)
		r.Nouns = union(r.Nouns, classes[pred].Nouns, l.NotTriggers)
	}
}

// union appends to have the words of add it lacks, except those in skip.
func union(have, add, skip []string) []string {
	for _, w := range add {
		if !slices.Contains(have, w) && !slices.Contains(skip, w) {
			have = append(have, w)
		}
	}
	return have
}

// LoadLexicon reads a user's lexicon and merges it over the default one:
// lists are extended, predicate rules of the same predicate extended.
func LoadLexicon(path string) (*Lexicon, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read extraction lexicon: %w", err)
	}
	l, err := DefaultLexicon()
	if err != nil {
		return nil, err
	}
	var extra Lexicon
	if err := json.Unmarshal(b, &extra); err != nil {
		return nil, fmt.Errorf("extraction lexicon %s: %w", path, err)
	}
	l.merge(&extra)
	return l, nil
}

// ParseLexicon reads a lexicon document.
func ParseLexicon(b []byte) (*Lexicon, error) {
	var l Lexicon
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("extraction lexicon: %w", err)
	}
	for _, p := range l.Predicates {
		if p.Predicate == "" || strings.ToUpper(p.Predicate) != p.Predicate {
			return nil, fmt.Errorf("extraction lexicon: predicate %q must be upper case", p.Predicate)
		}
	}
	return &l, nil
}

func (l *Lexicon) merge(x *Lexicon) {
	l.FunctionWords = append(l.FunctionWords, x.FunctionWords...)
	l.Months = append(l.Months, x.Months...)
	l.Weekdays = append(l.Weekdays, x.Weekdays...)
	l.NameConnectors = append(l.NameConnectors, x.NameConnectors...)
	l.AttributionVerb = append(l.AttributionVerb, x.AttributionVerb...)
	l.Negations = append(l.Negations, x.Negations...)
	l.Denials = append(l.Denials, x.Denials...)
	l.Wrongdoing = append(l.Wrongdoing, x.Wrongdoing...)
	l.DataNouns = append(l.DataNouns, x.DataNouns...)
	for _, m := range []struct{ dst, src *map[string][]string }{
		{&l.Pronouns, &x.Pronouns}, {&l.Descriptions, &x.Descriptions}, {&l.TypeCues, &x.TypeCues}, {&l.PossessedCues, &x.PossessedCues},
		{&l.HeadWords, &x.HeadWords}, {&l.Modality, &x.Modality},
	} {
		if *m.dst == nil {
			*m.dst = map[string][]string{}
		}
		for k, v := range *m.src {
			(*m.dst)[k] = append((*m.dst)[k], v...)
		}
	}
	for _, p := range x.Predicates {
		found := false
		for i := range l.Predicates {
			if l.Predicates[i].Predicate == p.Predicate {
				q := &l.Predicates[i]
				q.Verbs = append(q.Verbs, p.Verbs...)
				q.Nouns = append(q.Nouns, p.Nouns...)
				q.NounsOf = append(q.NounsOf, p.NounsOf...)
				q.NounsRev = append(q.NounsRev, p.NounsRev...)
				q.NounsOfRev = append(q.NounsOfRev, p.NounsOfRev...)
				q.PossessiveRev = append(q.PossessiveRev, p.PossessiveRev...)
				q.Phrases = append(q.Phrases, p.Phrases...)
				q.Preps = append(q.Preps, p.Preps...)
				found = true
			}
		}
		if !found {
			l.Predicates = append(l.Predicates, p)
		}
	}
}

// inflect returns the forms of an English verb: base, third person,
// past, participle and gerund. Regular rules, with doubling of a final
// consonant after a single stressed vowel (ban → banned); irregular
// verbs are listed.
func inflect(v string) []string {
	if forms, ok := irregular[v]; ok {
		return append([]string{v}, forms...)
	}
	if forms, ok := wordnetIrregular()[v]; ok {
		return union(regular(v), forms, nil)
	}
	return regular(v)
}

// wordnetIrregular holds WordNet's exception forms of the word classes'
// verbs ("freeze": "froze", "frozen").
var wordnetIrregular = sync.OnceValue(func() map[string][]string {
	m, err := wordclasses.Irregular()
	if err != nil {
		return map[string][]string{}
	}
	return m
})

// regular inflects a verb by the spelling rules.
func regular(v string) []string {
	// A phrasal verb inflects its first word: "point to" → "points to".
	if head, rest, ok := strings.Cut(v, " "); ok {
		var out []string
		for _, f := range inflect(head) {
			out = append(out, f+" "+rest)
		}
		return out
	}
	forms := []string{v}
	switch {
	case strings.HasSuffix(v, "e"):
		forms = append(forms, v+"s", v+"d", v[:len(v)-1]+"ing")
	case strings.HasSuffix(v, "y") && len(v) > 2 && !strings.ContainsRune("aeiou", rune(v[len(v)-2])):
		forms = append(forms, v[:len(v)-1]+"ies", v[:len(v)-1]+"ied", v+"ing")
	case strings.HasSuffix(v, "s") || strings.HasSuffix(v, "sh") || strings.HasSuffix(v, "ch") || strings.HasSuffix(v, "x") || strings.HasSuffix(v, "z"):
		forms = append(forms, v+"es", v+"ed", v+"ing")
	case doubles(v):
		last := v[len(v)-1:]
		forms = append(forms, v+"s", v+last+"ed", v+last+"ing")
	default:
		forms = append(forms, v+"s", v+"ed", v+"ing")
	}
	return forms
}

// doubles reports a short verb ending consonant-vowel-consonant (ban,
// bar, spy is not one), whose final consonant doubles.
func doubles(v string) bool {
	n := len(v)
	if n < 3 || n > 4 {
		return false
	}
	vowel := func(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }
	c := v[n-1]
	return !vowel(c) && c != 'w' && c != 'x' && c != 'y' && vowel(v[n-2]) && !vowel(v[n-3])
}

var irregular = map[string][]string{
	"buy": {"buys", "bought", "buying"}, "meet": {"meets", "met", "meeting"}, "lead": {"leads", "led", "leading"},
	"hold": {"holds", "held", "holding"}, "run": {"runs", "ran", "running"}, "take over": {"takes over", "took over", "taken over", "taking over"},
	"send": {"sends", "sent", "sending"}, "give": {"gives", "gave", "given", "giving"}, "sell": {"sells", "sold", "selling"},
	"feed": {"feeds", "fed", "feeding"}, "spy": {"spies", "spied", "spying"}, "go after": {"goes after", "went after", "gone after", "going after"},
	"crack down": {"cracks down", "cracked down", "cracking down"}, "take action": {"takes action", "took action", "taken action", "taking action"},
	"take actions": {"took actions", "taking actions"}, "forbid": {"forbids", "forbade", "forbidden", "forbidding"},
	"bar": {"bars", "barred", "barring"}, "ban": {"bans", "banned", "banning"}, "found": {"founds", "founded", "founding"},
	"co-found": {"co-founds", "co-founded", "co-founding"}, "study": {"studies", "studied", "studying"},
	"rival": {"rivals", "rivalled", "rivaled", "rivalling", "rivaling"}, "target": {"targets", "targeted", "targeting", "targetted"},
	"label": {"labels", "labelled", "labeled", "labelling", "labeling"}, "visit": {"visits", "visited", "visiting"},
	"audit": {"audits", "audited", "auditing"}, "deem": {"deems", "deemed", "deeming"}, "head": {"heads", "headed", "heading"},
	"chair": {"chairs", "chaired", "chairing"}, "fine": {"fines", "fined", "fining"}, "hand": {"hands", "handed", "handing"},
	"pressure": {"pressures", "pressured", "pressuring"}, "suspend": {"suspends", "suspended", "suspending"},
	"boycott": {"boycotts", "boycotted", "boycotting"}, "base": {"bases", "based", "basing"}, "headquarter": {"headquartered"},
	// Heads of phrasal verbs ("take control of", "hit out at").
	"take": {"takes", "took", "taken", "taking"}, "win": {"wins", "won", "winning"}, "hit": {"hits", "hitting"},
	"make": {"makes", "made", "making"}, "get": {"gets", "got", "gotten", "getting"}, "put": {"puts", "putting"},
	"set": {"sets", "setting"}, "come": {"comes", "came", "coming"}, "bring": {"brings", "brought", "bringing"},
	"seek": {"seeks", "sought", "seeking"}, "steal": {"steals", "stole", "stolen", "stealing"},
	"mislead": {"misleads", "misled", "misleading"}, "rig": {"rigs", "rigged", "rigging"}, "strike": {"strikes", "struck", "striking"}, "pay": {"pays", "paid", "paying"},
}
