// Package pos tags English words with their part of speech (Penn
// Treebank tags: NN, NNP, VBD, IN, …), so that the extractor can read
// clause structure (where the verb group is, where a noun phrase ends,
// whether a capitalised sentence opener is a name or a common word)
// from grammar instead of from word lists.
//
// The tagger is an averaged perceptron (Collins 2002, as in TextBlob's
// "fast and accurate" tagger) with the weights github.com/jdkato/prose/v2
// ships (MIT licence, see NOTICE), converted by ./gen into model.bin.gz.
// The features are built exactly as prose builds them, so the weights
// mean what they were trained to mean; the code differs in that it
// allocates nothing per word and breaks ties deterministically.
package pos

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
)

//go:generate go run ./gen -prose ${GOMODCACHE}/github.com/jdkato/prose/v2@v2.0.0/model/AveragedPerceptron -out model.bin.gz

//go:embed model.bin.gz
var modelFile []byte

// Tag is a Penn Treebank part-of-speech tag.
type Tag string

// The tags the extractor asks about; the model knows 45.
const (
	CC   Tag = "CC"   // and, or, but
	CD   Tag = "CD"   // numbers
	DT   Tag = "DT"   // the, a, this
	IN   Tag = "IN"   // prepositions, subordinating conjunctions
	JJ   Tag = "JJ"   // adjectives
	JJS  Tag = "JJS"  // superlatives
	MD   Tag = "MD"   // modals
	NN   Tag = "NN"   // singular nouns
	NNS  Tag = "NNS"  // plural nouns
	NNP  Tag = "NNP"  // proper nouns
	NNPS Tag = "NNPS" // plural proper nouns
	POS  Tag = "POS"  // possessive 's
	PRP  Tag = "PRP"  // personal pronouns
	PRPS Tag = "PRP$" // possessive pronouns
	RB   Tag = "RB"   // adverbs
	RP   Tag = "RP"   // particles: "take over"
	TO   Tag = "TO"   // to
	VB   Tag = "VB"   // base form
	VBD  Tag = "VBD"  // past tense
	VBG  Tag = "VBG"  // gerund, present participle
	VBN  Tag = "VBN"  // past participle
	VBP  Tag = "VBP"  // present, not third person singular
	VBZ  Tag = "VBZ"  // present, third person singular
	WDT  Tag = "WDT"  // which, that (relative)
	WP   Tag = "WP"   // who, what
)

// Noun: common or proper, singular or plural.
func (t Tag) Noun() bool { return t == NN || t == NNS || t == NNP || t == NNPS }

// Proper: a proper noun.
func (t Tag) Proper() bool { return t == NNP || t == NNPS }

// Verb: any verb form (not a modal).
func (t Tag) Verb() bool { return len(t) >= 2 && t[:2] == "VB" }

// Adjective: JJ, JJR or JJS.
func (t Tag) Adjective() bool { return len(t) >= 2 && t[:2] == "JJ" }

// Adverb: RB, RBR or RBS.
func (t Tag) Adverb() bool { return len(t) >= 2 && t[:2] == "RB" }

// weight is one class's weight for a feature.
type weight struct {
	class uint8
	w     float32
}

// Tagger tags sentences; it is safe for concurrent use.
type Tagger struct {
	classes []Tag
	dict    map[string]uint8 // words the training data always tagged one way
	weights map[string][]weight
	// The features that depend only on the previous two tags, looked up
	// once at load: a third of each word's features. Tag indexes are the
	// classes' then -START- and -START2-.
	index               map[Tag]int
	bias                []weight
	prev1, prev2, pairs [][]weight
	// The features that end in a word, a suffix or a first letter, by
	// that string's id in vocab: a word's features are found with one
	// lookup of the word, not one of a built string per feature (ten a
	// word, a quarter of the extractor's time).
	vocab    map[string]int32
	features [][]feature
	pref1    [256]int32 // the id of "i pref1"'s string for each first byte
}

// feature is one template's weights for a vocabulary string.
type feature struct {
	template int
	ws       []weight
}

// The templates whose last part is a word (or suffix, or first letter);
// "i-1 tag+i word" is tmplTagWord plus the previous tag's index.
const (
	tmplSuffix = iota
	tmplPref1
	tmplWord
	tmplPrevWord
	tmplPrevSuffix
	tmplPrev2Word
	tmplNextWord
	tmplNextSuffix
	tmplNext2Word
	tmplTagWord
)

var templateNames = [tmplTagWord + 1]string{"i suffix", "i pref1", "i word", "i-1 word", "i-1 suffix", "i-2 word", "i+1 word", "i+1 suffix", "i+2 word", "i-1 tag+i word"}

// tables precomputes the tag-only features and the vocabulary.
func (t *Tagger) tables() {
	names := append(append([]Tag{}, t.classes...), "-START-", "-START2-")
	n := len(names)
	t.index = make(map[Tag]int, n)
	t.prev1, t.prev2, t.pairs = make([][]weight, n), make([][]weight, n), make([][]weight, n*n)
	for i, a := range names {
		t.index[a] = i
		t.prev1[i] = t.weights["i-1 tag "+string(a)]
		t.prev2[i] = t.weights["i-2 tag "+string(a)]
		for j, b := range names {
			t.pairs[i*n+j] = t.weights["i tag+i-2 tag "+string(a)+" "+string(b)]
		}
	}
	t.bias = t.weights["bias"]
	t.vocab = map[string]int32{}
	for name, ws := range t.weights {
		for tmpl, prefix := range templateNames {
			rest, ok := strings.CutPrefix(name, prefix+" ")
			if !ok {
				continue
			}
			if tmpl == tmplTagWord {
				tag, word, ok := strings.Cut(rest, " ")
				i, known := t.index[Tag(tag)]
				if !ok || !known {
					break // a tag no word can follow: never looked up
				}
				tmpl, rest = tmplTagWord+i, word
			}
			id := t.id(rest)
			t.features[id] = append(t.features[id], feature{tmpl, ws})
			break
		}
	}
	for b := range t.pref1 {
		t.pref1[b] = t.lookupID(string(rune(b)))
	}
}

// id is a vocabulary string's id, added if new.
func (t *Tagger) id(s string) int32 {
	if id, ok := t.vocab[s]; ok {
		return id
	}
	id := int32(len(t.features))
	t.vocab[s] = id
	t.features = append(t.features, nil)
	return id
}

// lookupID is a string's id, or -1 when no feature ends in it.
func (t *Tagger) lookupID(s string) int32 {
	if id, ok := t.vocab[s]; ok {
		return id
	}
	return -1
}

// feature is a template's weights for the string with that id.
func (t *Tagger) feature(id int32, tmpl int) []weight {
	if id < 0 {
		return nil
	}
	for _, f := range t.features[id] {
		if f.template == tmpl {
			return f.ws
		}
	}
	return nil
}

var (
	defaultOnce   sync.Once
	defaultTagger *Tagger
	defaultErr    error
)

// Default is the tagger with the embedded model, loaded once.
func Default() (*Tagger, error) {
	defaultOnce.Do(func() { defaultTagger, defaultErr = Load(bytes.NewReader(modelFile)) })
	return defaultTagger, defaultErr
}

// ErrModel reports a model file that cannot be read.
var ErrModel = errors.New("pos: bad model")

// Load reads a model written by ./gen.
func Load(r io.Reader) (*Tagger, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	m := &modelReader{r: bufio.NewReader(zr)}
	t, err := m.read()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModel, err)
	}
	return t, nil
}

type modelReader struct {
	r   *bufio.Reader
	err error
}

func (m *modelReader) count() int {
	if m.err != nil {
		return 0
	}
	n, err := binary.ReadUvarint(m.r)
	if err != nil || n > 1<<24 {
		m.err = fmt.Errorf("count: %v", err)
		return 0
	}
	return int(n)
}

func (m *modelReader) str() string {
	n := m.count()
	if m.err != nil {
		return ""
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(m.r, b); err != nil {
		m.err = err
	}
	return string(b)
}

func (m *modelReader) class(n int) uint8 {
	c, err := m.r.ReadByte()
	if err != nil || int(c) >= n {
		m.err = fmt.Errorf("class %d of %d: %v", c, n, err)
	}
	return c
}

func (m *modelReader) read() (*Tagger, error) {
	magic := make([]byte, 5)
	if _, err := io.ReadFull(m.r, magic); err != nil || string(magic) != "DPOS1" {
		return nil, fmt.Errorf("not a model file (%q)", magic)
	}
	t := &Tagger{dict: map[string]uint8{}, weights: map[string][]weight{}}
	nc := m.count()
	if nc > 255 {
		return nil, fmt.Errorf("%d classes", nc)
	}
	for i := 0; i < nc && m.err == nil; i++ {
		t.classes = append(t.classes, Tag(m.str()))
	}
	for i, n := 0, m.count(); i < n && m.err == nil; i++ {
		w := m.str()
		t.dict[w] = m.class(nc)
	}
	var f [4]byte
	for i, n := 0, m.count(); i < n && m.err == nil; i++ {
		feat := m.str()
		ws := make([]weight, m.count())
		for k := range ws {
			ws[k].class = m.class(nc)
			if _, err := io.ReadFull(m.r, f[:]); err != nil {
				m.err = err
			}
			ws[k].w = math.Float32frombits(binary.LittleEndian.Uint32(f[:]))
		}
		t.weights[feat] = ws
	}
	if m.err != nil {
		return nil, m.err
	}
	if len(t.classes) == 0 || len(t.weights) == 0 {
		return nil, errors.New("empty model")
	}
	t.tables()
	return t, nil
}

// Tag tags the words of one sentence, tokenised as the Penn Treebank
// does (punctuation and a possessive "'s" as words of their own).
// Curly quotes and the Treebank's quote tokens (two backquotes, two
// apostrophes) are tagged as quotes; a straight double quote is
// ambiguous, so callers pass it in one of those forms. The result has
// one tag per word.
func (t *Tagger) Tag(words []string) []Tag {
	out := make([]Tag, len(words))
	ctx := make([]string, len(words)+4)
	ctx[0], ctx[1] = "-START-", "-START2-"
	for i, w := range words {
		ctx[i+2] = normalize(w)
	}
	ctx[len(ctx)-2], ctx[len(ctx)-1] = "-END-", "-END2-"
	// Each context word's id and its suffix's, looked up once for the
	// five positions that read them.
	ids := make([]int32, 2*len(ctx))
	word, suf := ids[:len(ctx)], ids[len(ctx):]
	for j, c := range ctx {
		word[j], suf[j] = t.lookupID(c), t.lookupID(suffix(c))
	}
	p1, p2 := Tag("-START-"), Tag("-START2-")
	for i, w := range words {
		var tag Tag
		if c, ok := t.dict[w]; ok {
			tag = t.classes[c]
		} else if q, ok := quote(w); ok {
			tag = q
		} else if w == "-" || w == "" {
			tag = ":"
		} else {
			tag = t.predict(i+2, ctx, word, suf, w, p1, p2)
		}
		out[i] = tag
		p2, p1 = p1, tag
	}
	return out
}

// tagIndex is a tag's index in the precomputed tables, or -1.
func (t *Tagger) tagIndex(tag Tag) int {
	if i, ok := t.index[tag]; ok {
		return i
	}
	return -1
}

// Known reports whether the model saw the word (in any case) in its
// training text: "Analysts" and "Citing" are English words, "Zapchat" is
// not, which is what tells a capitalised sentence opener's kind when the
// tags alone cannot.
func (t *Tagger) Known(word string) bool {
	if _, ok := t.dict[word]; ok {
		return true
	}
	l := strings.ToLower(word)
	if _, ok := t.dict[l]; ok {
		return true
	}
	_, ok := t.weights["i word "+l]
	return ok
}

func quote(w string) (Tag, bool) {
	switch w {
	case "“", "``", "‘":
		return "``", true
	case "”", "''", "’":
		return "''", true
	}
	return "", false
}

// predict scores the classes over the word's features: prose's, in
// prose's order, so that the float sums and so the tags are the ones
// its strings give (TestPredictMatchesFeatureStrings).
func (t *Tagger) predict(i int, ctx []string, word, suf []int32, w string, p1, p2 Tag) Tag {
	var scores [256]float32
	sum := func(ws []weight) {
		for _, x := range ws {
			scores[x.class] += x.w
		}
	}
	sum(t.bias)
	sum(t.feature(t.lookupID(suffix(w)), tmplSuffix))
	sum(t.feature(t.pref1[w[0]], tmplPref1))
	a, b := t.tagIndex(p1), t.tagIndex(p2)
	if a >= 0 && b >= 0 {
		sum(t.prev1[a])
		sum(t.prev2[b])
		sum(t.pairs[a*len(t.prev1)+b])
	} else {
		sum(t.weights["i-1 tag "+string(p1)])
		sum(t.weights["i-2 tag "+string(p2)])
		sum(t.weights["i tag+i-2 tag "+string(p1)+" "+string(p2)])
	}
	sum(t.feature(word[i], tmplWord))
	if a >= 0 {
		sum(t.feature(word[i], tmplTagWord+a))
	} else {
		sum(t.weights["i-1 tag+i word "+string(p1)+" "+ctx[i]])
	}
	sum(t.feature(word[i-1], tmplPrevWord))
	sum(t.feature(suf[i-1], tmplPrevSuffix))
	sum(t.feature(word[i-2], tmplPrev2Word))
	sum(t.feature(word[i+1], tmplNextWord))
	sum(t.feature(suf[i+1], tmplNextSuffix))
	sum(t.feature(word[i+2], tmplNext2Word))
	best := 0
	for c := range t.classes {
		if scores[c] > scores[best] {
			best = c
		}
	}
	return t.classes[best]
}

func suffix(w string) string { return w[len(w)-min(len(w), 3):] }

// normalize is prose's: hyphenated words, years and numbers become
// classes; everything else is folded to lower case.
func normalize(w string) string {
	switch {
	case w == "":
		return w
	case strings.Contains(w, "-") && w[0] != '-':
		return "!HYPHEN"
	case len(w) == 4 && isInt(w):
		return "!YEAR"
	case w[0] >= '0' && w[0] <= '9':
		return "!DIGITS"
	}
	return strings.ToLower(w)
}

// isInt says what strconv.Atoi's success would (an optional sign, then
// decimal digits) without the error Atoi allocates for each word that
// is not a number, four-letter words being common.
func isInt(w string) bool {
	if w != "" && (w[0] == '+' || w[0] == '-') {
		w = w[1:]
	}
	if w == "" {
		return false
	}
	for i := range len(w) {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}
