package extract

import (
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/extract/pos"
)

// token is a word or a punctuation mark of a sentence.
type token struct {
	text  string // as written, a possessive's "'s" removed
	lower string
	start int // byte offsets in the document
	end   int
	// possessive is set when the word carried "'s" or "’s".
	possessive bool
	word       bool
	// capital: starts with an upper-case letter, or is an alphanumeric
	// code with a capital in it ("5G", "D66").
	capital bool
	// tag is the word's part of speech in its sentence.
	tag pos.Tag
	// inName: a capitalised word the tagger reads as a proper noun next
	// to another one ("New York", "Human Rights Watch").
	inName bool
}

// tagWords sets each token's part of speech. A straight double quote
// is passed as opening or closing by where it stands, as the tagger's
// training data wrote it.
// sentencesPerWorker is the least work worth a goroutine of its own.
const sentencesPerWorker = 256

// tagSentences tokenises and tags each sentence into toks. Sentences are
// tagged apart from each other, and tagging is most of the time spent
// reading a document, so a long document's sentences are shared out
// among the cores: one large document is otherwise read on one core
// however many the server has.
func tagSentences(t *pos.Tagger, sents []Sentence, toks [][]token) {
	workers := min(runtime.GOMAXPROCS(0), len(sents)/sentencesPerWorker)
	if workers <= 1 {
		for i, s := range sents {
			toks[i] = tokenize(s.Text, s.Start)
			tagWords(t, toks[i])
		}
		return
	}
	var wg sync.WaitGroup
	per := (len(sents) + workers - 1) / workers
	for from := 0; from < len(sents); from += per {
		wg.Go(func() {
			for i := from; i < min(from+per, len(sents)); i++ {
				toks[i] = tokenize(sents[i].Text, sents[i].Start)
				tagWords(t, toks[i])
			}
		})
	}
	wg.Wait()
}

func tagWords(t *pos.Tagger, toks []token) {
	words := make([]string, len(toks))
	for i, tk := range toks {
		words[i] = tk.text
		if tk.text == "\"" {
			words[i] = "''"
			if i == 0 || !toks[i-1].word && toks[i-1].text != "." && toks[i-1].text != "," || toks[i-1].end < tk.start {
				words[i] = "``"
			}
		}
	}
	for i, tag := range t.Tag(words) {
		toks[i].tag = tag
	}
	proper := func(k int) bool { return k >= 0 && k < len(toks) && toks[k].capital && toks[k].tag.Proper() }
	for i := range toks {
		toks[i].inName = proper(i) && (proper(i-1) || proper(i+1))
		if toks[i].capital && toks[i].tag == pos.PRPS && i > 0 && toks[i-1].word && toks[i-1].capital && proper(i+1) {
			toks[i].inName = true // "Save Our Community"
		}
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// tokenize splits a sentence that starts at byte offset base. Hyphens,
// apostrophes, periods and ampersands inside a word keep it whole
// ("Fox-IT", "U.S.", "don't", "AT&T").
func tokenize(s string, base int) []token {
	var out []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		if !isWordRune(r) {
			out = append(out, token{text: s[i : i+size], lower: s[i : i+size], start: base + i, end: base + i + size})
			i += size
			continue
		}
		j := i
		for j < len(s) {
			c, sz := utf8.DecodeRuneInString(s[j:])
			if isWordRune(c) {
				j += sz
				continue
			}
			if strings.ContainsRune("-'’.&", c) && j+sz < len(s) {
				n, _ := utf8.DecodeRuneInString(s[j+sz:])
				if isWordRune(n) {
					j += sz
					continue
				}
			}
			break
		}
		// An acronym's final period belongs to it ("U.S."), unless it
		// ends the sentence.
		if j < len(s) && s[j] == '.' && strings.Contains(s[i:j], ".") && j+1 < len(s) {
			j++
		}
		t := token{text: s[i:j], start: base + i, end: base + j, word: true}
		for _, p := range []string{"'s", "’s", "'S", "’S"} {
			if strings.HasSuffix(t.text, p) && len(t.text) > len(p) {
				t.text, t.possessive = t.text[:len(t.text)-len(p)], true
				t.end -= len(p)
			}
		}
		t.lower = strings.ToLower(t.text)
		t.capital = isCapital(t.text)
		out = append(out, t)
		if t.possessive {
			out = append(out, token{text: "'s", lower: "'s", start: t.end, end: base + j})
		}
		i = j
	}
	return out
}

func isCapital(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if unicode.IsUpper(r) {
		return true
	}
	if unicode.IsDigit(r) {
		for _, c := range w {
			if unicode.IsUpper(c) {
				return true
			}
		}
	}
	return false
}

// isAcronym: two or more capitals and nothing lower-case ("HCSS", "U.S.",
// "5G", "D66").
func isAcronym(w string) bool {
	caps := 0
	for _, c := range w {
		switch {
		case unicode.IsUpper(c):
			caps++
		case unicode.IsLower(c):
			return false
		}
	}
	return caps >= 1 && utf8.RuneCountInString(w) >= 2
}
