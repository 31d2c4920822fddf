package names

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:embed lexicon.json
var defaultLexicon []byte

// Entry is one well-known actor and the ways it is written.
type Entry struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Aliases  []string `json:"aliases,omitempty"`
	Demonyms []string `json:"demonyms,omitempty"`
}

// LexiconFile is the on-disk shape of a lexicon (names/lexicon.json, or a
// user's file given with --lexicon, merged over the default).
type LexiconFile struct {
	Titles          []string `json:"titles"`
	Suffixes        []string `json:"suffixes"`
	GovernmentWords []string `json:"government_words"`
	Actors          []Entry  `json:"actors"`
}

// Lexicon resolves name variants to a canonical name. It is immutable once
// built and safe for concurrent use.
type Lexicon struct {
	canonical map[string]*Entry // Key(variant) → entry
	demonym   map[string]*Entry // Key(demonym) → entry
	titles    [][]string        // each title as folded words, longest first
	suffixes  [][]string
	govWords  map[string]bool
}

// DefaultLexicon returns the lexicon shipped with Dossier.
// It is built once: a Lexicon is immutable, so every caller can share it.
func DefaultLexicon() *Lexicon { return defaultOnce() }

var defaultOnce = sync.OnceValue(func() *Lexicon {
	l, err := NewLexicon(defaultLexicon)
	if err != nil {
		panic(fmt.Sprintf("names: embedded lexicon.json is invalid: %v", err))
	}
	return l
})

// ActorToken is the id an actor named so would have, as a NATS subject
// token: the slug of the name the lexicon resolves it to ("U.S." →
// "united-states"). The graph may know better (a merge, an alias); those
// who hold it resolve through it first.
func ActorToken(name string) string {
	return Slug(DefaultLexicon().Resolve(name).Name)
}

// LoadLexicon reads a user's lexicon file and merges it over the default:
// its entries win where both name the same variant.
func LoadLexicon(path string) (*Lexicon, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read lexicon: %w", err)
	}
	l, err := NewLexicon(defaultLexicon, data)
	if err != nil {
		return nil, fmt.Errorf("lexicon %s: %w", path, err)
	}
	return l, nil
}

// NewLexicon builds a lexicon from JSON documents; later ones override
// earlier ones variant by variant.
func NewLexicon(docs ...[]byte) (*Lexicon, error) {
	l := &Lexicon{
		canonical: map[string]*Entry{},
		demonym:   map[string]*Entry{},
		govWords:  map[string]bool{},
	}
	for i, doc := range docs {
		var f LexiconFile
		if err := json.Unmarshal(doc, &f); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		for _, t := range f.Titles {
			if w := strings.Fields(Key(t)); len(w) > 0 {
				l.titles = append(l.titles, w)
			}
		}
		for _, s := range f.Suffixes {
			if w := strings.Fields(Key(s)); len(w) > 0 {
				l.suffixes = append(l.suffixes, w)
			}
		}
		for _, g := range f.GovernmentWords {
			l.govWords[Key(g)] = true
		}
		for j := range f.Actors {
			e := &f.Actors[j]
			if Key(e.Name) == "" {
				return nil, fmt.Errorf("document %d: actor %d has no name", i+1, j+1)
			}
			l.canonical[Key(e.Name)] = e
			for _, a := range e.Aliases {
				if k := Key(a); k != "" {
					l.canonical[k] = e
				}
			}
			for _, d := range e.Demonyms {
				if k := Key(d); k != "" {
					l.demonym[k] = e
				}
			}
		}
	}
	longestFirst := func(s [][]string) {
		sort.SliceStable(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	}
	longestFirst(l.titles)
	longestFirst(l.suffixes)
	return l, nil
}

// Resolution is what the lexicon knows of a name.
type Resolution struct {
	// Name is the canonical name when Known, else the name with titles,
	// legal suffixes and a leading article removed.
	Name string
	// Type is the lexicon's actor type when Known.
	Type string
	// Known says the name is a variant of a lexicon entry.
	Known bool
	// Titled says a title was stripped ("President Trump"): the rest is a
	// person's name, which the graph may complete from a known surname.
	Titled bool
}

// Resolve maps a name as written to its canonical form. Variants are tried
// as written, then without titles and suffixes, then as a country word
// followed by a government word ("Chinese government", "US authorities").
func (l *Lexicon) Resolve(name string) Resolution {
	return l.ResolveAs(name, "")
}

// ResolveAs is Resolve for a name whose actor type is known. Titles are
// only stripped from persons and untyped names: "MP Materials" is a
// company, not a member of parliament called Materials.
func (l *Lexicon) ResolveAs(name, typ string) Resolution {
	name = Clean(name)
	if e, ok := l.canonical[Key(name)]; ok {
		return Resolution{Name: e.Name, Type: e.Type, Known: true}
	}
	// A demonym standing alone as an actor ("the Chinese say…", "the
	// Dutch banned…") is the state.
	if e, ok := l.demonym[Key(name)]; ok {
		return Resolution{Name: e.Name, Type: e.Type, Known: true}
	}
	stripped, lead, trail := l.strip(strings.Fields(Key(name)), typ == "" || typ == "PERSON")
	if len(stripped) == 0 {
		return Resolution{Name: name}
	}
	k := strings.Join(stripped, " ")
	if e, ok := l.canonical[k]; ok {
		return Resolution{Name: e.Name, Type: e.Type, Known: true}
	}
	if n := len(stripped); n >= 2 && l.govWords[stripped[n-1]] {
		head := strings.Join(stripped[:n-1], " ")
		if e, ok := l.canonical[head]; ok {
			return Resolution{Name: e.Name, Type: e.Type, Known: true}
		}
		if e, ok := l.demonym[head]; ok {
			return Resolution{Name: e.Name, Type: e.Type, Known: true}
		}
	}
	shown := trimWritten(name, lead, trail)
	if Key(shown) != k {
		// The written form cannot be cut where the folded words were
		// ("President-Trump" is one written word): show the words.
		shown = titleCase(stripped)
	}
	return Resolution{Name: shown, Titled: lead > 0}
}

// Demonym returns the entry a demonym ("Chinese", "Dutch") stands for.
func (l *Lexicon) Demonym(word string) (Entry, bool) {
	e, ok := l.demonym[Key(word)]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// Country reports whether a name is a state's, one with a demonym
// ("Japan", "the US"): where it only locates something it is a place.
func (l *Lexicon) Country(name string) bool {
	e, ok := l.canonical[Key(Clean(name))]
	return ok && len(e.Demonyms) > 0 && e.Type == "GOVERNMENT"
}

// IsName reports whether the name as written is an entry's name or
// alias (not only a demonym): "US" is, "Chinese" is not.
func (l *Lexicon) IsName(name string) bool {
	_, ok := l.canonical[Key(Clean(name))]
	return ok
}

// TitleOnly reports whether the whole name is a title ("Secretary of
// State", "the President"): a role, not a name.
func (l *Lexicon) TitleOnly(name string) bool {
	words := strings.Fields(Key(name))
	for _, t := range l.titles {
		if len(t) == len(words) && hasPrefixWords(words, t) {
			return true
		}
	}
	return false
}

// TitlePrefix is the number of folded words of the longest title the
// name starts with (0 for none): "President Donald Trump" → 1,
// "Secretary of State Mike Pompeo" → 3.
func (l *Lexicon) TitlePrefix(name string) int {
	words := strings.Fields(Key(name))
	for _, t := range l.titles { // longest first
		if hasPrefixWords(words, t) {
			return len(t)
		}
	}
	return 0
}

// IsTitle reports whether the folded words start with a known title.
func (l *Lexicon) IsTitle(name string) bool {
	_, lead, _ := l.strip(strings.Fields(Key(name)), true)
	return lead > 0
}

// strip removes leading titles (repeatedly: "Secretary of State Mike") and
// a trailing legal suffix from folded words, and says how many words went
// from each end.
func (l *Lexicon) strip(words []string, titles bool) (rest []string, lead, trail int) {
	for changed := titles; changed; {
		changed = false
		for _, t := range l.titles {
			if len(words) > len(t) && hasPrefixWords(words, t) {
				words = words[len(t):]
				lead += len(t)
				changed = true
				break
			}
		}
	}
	for _, s := range l.suffixes {
		if len(words) > len(s) && hasPrefixWords(words[len(words)-len(s):], s) {
			words = words[:len(words)-len(s)]
			trail = len(s)
			break
		}
	}
	return words, lead, trail
}

// trimWritten cuts from the name as written the words strip removed, so
// the shown name keeps its case and inner punctuation ("Fox-IT"), and
// drops a leading article and a trailing possessive. Words are found
// exactly as Key finds them, so the cut falls between the same words.
func trimWritten(name string, lead, trail int) string {
	name = norm.NFC.String(name)
	spans := wordSpans(name)
	if len(spans) >= 2 && strings.EqualFold(name[spans[0].start:spans[0].end], "the") {
		spans = spans[1:]
	}
	if lead+trail >= len(spans) {
		return ""
	}
	start, end := spans[lead].start, spans[len(spans)-1-trail].end
	if trail == 0 {
		end = len(name) // keep what closes the name: "Ltd.", "U.S."
	}
	for end < len(name) && name[end] == '.' {
		end++ // an acronym's last dot: "U.S. Inc" → "U.S."
	}
	out := strings.TrimRight(name[start:end], " ,;:")
	if trail == 0 && hasPossessive(name) {
		if i := max(strings.LastIndex(out, "'"), strings.LastIndex(out, "’")); i > 0 {
			out = out[:i]
		}
	}
	return out
}

type span struct{ start, end int }

// wordSpans finds the byte ranges of the words Key folds: runs of letters,
// digits and marks, joined across dots and apostrophes.
func wordSpans(name string) []span {
	var out []span
	in := false
	for i, r := range name {
		switch {
		case r == '.' || r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
			// Joins, like Key: neither ends a word nor extends it.
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (unicode.IsMark(r) && in):
			if !in {
				out = append(out, span{start: i})
				in = true
			}
			out[len(out)-1].end = i + utf8.RuneLen(r)
		default:
			in = false
		}
	}
	return out
}

// titleCase shows folded words when the written form cannot be cut
// cleanly: "president-trump" → "Trump".
func titleCase(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		out[i] = string(r)
	}
	return strings.Join(out, " ")
}

func hasPrefixWords(words, prefix []string) bool {
	if len(words) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if words[i] != p {
			return false
		}
	}
	return true
}
