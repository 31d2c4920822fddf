// Package wordnet reads the Princeton WordNet 3.0 database files
// (wndb(5): data.verb, data.noun, index.verb, index.noun, verb.exc). Two
// generators use it: extract/wordclasses expands hand-chosen seed senses
// into the rule extractor's trigger word classes, and names/places
// collects the named places the extractor types by. Both keep their
// logic in a package, not their command, so that a test can rerun the
// exact same generation and prove the committed data file has not
// drifted from it.
package wordnet

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Pointer symbols this package follows (wndb(5)), and the parts of speech.
const (
	Hyponym    = "~" // for verbs: troponym
	Derivation = "+" // derivationally related form
	noun       = 'n'
	verb       = 'v'
)

// Pointer is one relation out of a synset. Source and Target are 1-based
// word numbers within the two synsets; both are 0 for a relation between
// whole synsets (hyponymy) rather than between two words (derivation).
type Pointer struct {
	Symbol string
	Offset int
	POS    byte
	Source int
	Target int
}

// Synset is one sense: its words, lexicographer file and relations.
type Synset struct {
	Offset   int
	POS      byte
	LexFile  int
	Words    []string // lower case, multi-word lemmas space-separated
	Pointers []Pointer
	Gloss    string
}

// DB is the part of WordNet the generator needs: verbs and nouns, their
// sense lists in frequency order, and the irregular verb forms.
type DB struct {
	synsets map[synsetKey]*Synset
	index   map[byte]map[string][]int // pos → lemma → offsets, sense order
	// Version is the release named in the files' license header ("3.0").
	Version string
	// Irregular maps a verb's base form to its irregular inflections
	// (verb.exc), so the extractor does not derive "freezed" from "freeze".
	Irregular map[string][]string
}

type synsetKey struct {
	pos    byte
	offset int
}

// Open loads the verb and noun files of the WordNet database in dir.
func Open(dir string) (*DB, error) {
	db := &DB{
		synsets:   map[synsetKey]*Synset{},
		index:     map[byte]map[string][]int{},
		Irregular: map[string][]string{},
	}
	for _, pos := range []byte{verb, noun} {
		name := map[byte]string{verb: "verb", noun: "noun"}[pos]
		if err := readLines(filepath.Join(dir, "data."+name), db.addData, db.noteHeader); err != nil {
			return nil, err
		}
		if err := readLines(filepath.Join(dir, "index."+name), db.addIndex, nil); err != nil {
			return nil, err
		}
	}
	if err := readLines(filepath.Join(dir, "verb.exc"), db.addException, nil); err != nil {
		return nil, err
	}
	if db.Version == "" {
		return nil, fmt.Errorf("wordnet: %s: no \"WordNet X.Y Copyright\" line in the data file headers", dir)
	}
	return db, nil
}

// readLines feeds each line of a database file to add. Lines starting
// with a space are the license header the data files open with; they go
// to header, if any.
func readLines(path string, add func(string) error, header func(string)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("wordnet: %w", err)
	}
	defer f.Close()
	return scanLines(path, f, add, header)
}

func scanLines(name string, r io.Reader, add func(string) error, header func(string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" {
			continue
		}
		if line[0] == ' ' {
			if header != nil {
				header(line)
			}
			continue
		}
		if err := add(line); err != nil {
			return fmt.Errorf("wordnet: %s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("wordnet: %s: %w", name, err)
	}
	return nil
}

// noteHeader finds the release in the license line "WordNet 3.0
// Copyright 2006 by Princeton University".
func (db *DB) noteHeader(line string) {
	f := strings.Fields(line)
	for i := 0; i+2 < len(f); i++ {
		if f[i] == "WordNet" && f[i+2] == "Copyright" && db.Version == "" {
			db.Version = f[i+1]
		}
	}
}

func (db *DB) addData(line string) error {
	s, err := ParseDataLine(line)
	if err != nil {
		return err
	}
	// Adjective satellites share data.adj; only verbs and nouns are read,
	// so the file's own part of speech is the key.
	db.synsets[synsetKey{s.POS, s.Offset}] = s
	return nil
}

// ParseDataLine parses one synset line of a data.* file:
//
//	offset lex_filenum ss_type w_cnt (word lex_id)... p_cnt (ptr off pos src/tgt)... [frames] | gloss
func ParseDataLine(line string) (*Synset, error) {
	head, gloss, _ := strings.Cut(line, " | ")
	f := strings.Fields(head)
	if len(f) < 4 {
		return nil, fmt.Errorf("short synset line")
	}
	s := &Synset{Gloss: strings.TrimSpace(gloss)}
	var err error
	if s.Offset, err = strconv.Atoi(f[0]); err != nil {
		return nil, fmt.Errorf("offset %q: %w", f[0], err)
	}
	if s.LexFile, err = strconv.Atoi(f[1]); err != nil {
		return nil, fmt.Errorf("lex_filenum %q: %w", f[1], err)
	}
	s.POS = f[2][0]
	rest, err := s.parseWords(f[3:])
	if err != nil {
		return nil, err
	}
	if err := s.parsePointers(rest); err != nil {
		return nil, err
	}
	return s, nil
}

// parseWords reads w_cnt (two hex digits) and the words, and returns
// the fields after them.
func (s *Synset) parseWords(f []string) ([]string, error) {
	n, err := strconv.ParseInt(f[0], 16, 32)
	if err != nil || len(f) < 1+2*int(n) {
		return nil, fmt.Errorf("w_cnt %q: bad or too many words", f[0])
	}
	for i := 0; i < int(n); i++ {
		s.Words = append(s.Words, Lemma(f[1+2*i]))
	}
	return f[1+2*n:], nil
}

// parsePointers reads p_cnt (three decimal digits) and the pointers; the
// verb frames that may follow are not needed.
func (s *Synset) parsePointers(f []string) error {
	if len(f) < 1 {
		return fmt.Errorf("missing p_cnt")
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || len(f) < 1+4*n {
		return fmt.Errorf("p_cnt %q: bad or too many pointers", f[0])
	}
	for i := 0; i < n; i++ {
		p, err := parsePointer(f[1+4*i : 5+4*i])
		if err != nil {
			return err
		}
		s.Pointers = append(s.Pointers, p)
	}
	return nil
}

func parsePointer(f []string) (Pointer, error) {
	off, err := strconv.Atoi(f[1])
	if err != nil {
		return Pointer{}, fmt.Errorf("pointer offset %q: %w", f[1], err)
	}
	st, err := strconv.ParseUint(f[3], 16, 16)
	if err != nil || len(f[3]) != 4 || len(f[2]) != 1 {
		return Pointer{}, fmt.Errorf("pointer %q: bad pos or source/target", strings.Join(f, " "))
	}
	return Pointer{Symbol: f[0], Offset: off, POS: f[2][0], Source: int(st >> 8), Target: int(st & 0xff)}, nil
}

// Lemma turns a database word into the form the extractor matches: lower
// case, spaces for underscores, without the adjective markers "(a)",
// "(p)", "(ip)".
func Lemma(w string) string {
	if i := strings.IndexByte(w, '('); i > 0 {
		w = w[:i]
	}
	return strings.ToLower(strings.ReplaceAll(w, "_", " "))
}

// addIndex reads an index.* line:
//
//	lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
//
// The offsets are in sense order, most frequent in tagged text first,
// which is what makes "buy.v.01" mean the common sense.
func (db *DB) addIndex(line string) error {
	f := strings.Fields(line)
	if len(f) < 4 {
		return fmt.Errorf("short index line")
	}
	nSyn, err1 := strconv.Atoi(f[2])
	nPtr, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil || len(f) != 6+nPtr+nSyn {
		return fmt.Errorf("index line for %q: counts do not match fields", f[0])
	}
	pos := f[1][0]
	offs := make([]int, 0, nSyn)
	for _, o := range f[6+nPtr:] {
		n, err := strconv.Atoi(o)
		if err != nil {
			return fmt.Errorf("index offset %q: %w", o, err)
		}
		offs = append(offs, n)
	}
	if db.index[pos] == nil {
		db.index[pos] = map[string][]int{}
	}
	db.index[pos][Lemma(f[0])] = offs
	return nil
}

// addException reads a verb.exc line, "inflected base...".
func (db *DB) addException(line string) error {
	f := strings.Fields(line)
	if len(f) < 2 {
		return fmt.Errorf("short exception line")
	}
	for _, base := range f[1:] {
		b := Lemma(base)
		db.Irregular[b] = append(db.Irregular[b], Lemma(f[0]))
	}
	return nil
}

// Synset returns the synset at offset in the data file of pos.
func (db *DB) Synset(pos byte, offset int) (*Synset, bool) {
	s, ok := db.synsets[synsetKey{pos, offset}]
	return s, ok
}

// Senses returns a lemma's synsets in sense order.
func (db *DB) Senses(lemma string, pos byte) []*Synset {
	var out []*Synset
	for _, o := range db.index[pos][Lemma(lemma)] {
		if s, ok := db.Synset(pos, o); ok {
			out = append(out, s)
		}
	}
	return out
}

// Sense resolves a sense name of the form lemma.pos.NN ("buy.v.01",
// "take_over.v.02", "probe.n.01"): the NN-th sense of lemma in index.pos,
// counting from 1. It is the notation NLTK's wn.synset() accepts, so a
// seed can be checked there too.
func (db *DB) Sense(name string) (*Synset, error) {
	lemma, pos, n, err := splitSenseName(name)
	if err != nil {
		return nil, err
	}
	offs, ok := db.index[pos][lemma]
	if !ok {
		return nil, fmt.Errorf("sense %q: %q is not a WordNet %s %s", name, lemma, db.Version, posName(pos))
	}
	if n > len(offs) {
		return nil, fmt.Errorf("sense %q: %q has only %d %s sense(s)", name, lemma, len(offs), posName(pos))
	}
	s, ok := db.Synset(pos, offs[n-1])
	if !ok {
		return nil, fmt.Errorf("sense %q: index points at missing synset %08d", name, offs[n-1])
	}
	return s, nil
}

func splitSenseName(name string) (lemma string, pos byte, n int, err error) {
	parts := strings.Split(name, ".")
	if len(parts) < 3 {
		return "", 0, 0, fmt.Errorf("sense %q: want lemma.pos.NN, e.g. buy.v.01", name)
	}
	k := len(parts)
	lemma = Lemma(strings.Join(parts[:k-2], "."))
	p := parts[k-2]
	n, err = strconv.Atoi(parts[k-1])
	if err != nil || n < 1 || lemma == "" || (p != "v" && p != "n") {
		return "", 0, 0, fmt.Errorf("sense %q: want lemma.pos.NN with pos v or n and NN >= 1", name)
	}
	return lemma, p[0], n, nil
}

func posName(pos byte) string {
	if pos == verb {
		return "verb"
	}
	return "noun"
}

// Name is the sense name of word i (0-based) of s, in the notation Sense
// reads; it lets reports point back at a seed a maintainer can look up.
func (db *DB) Name(s *Synset, i int) string {
	w := s.Words[i]
	for k, o := range db.index[s.POS][w] {
		if o == s.Offset {
			return fmt.Sprintf("%s.%c.%02d", strings.ReplaceAll(w, " ", "_"), s.POS, k+1)
		}
	}
	return fmt.Sprintf("%s.%c.?", w, s.POS)
}
