package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentence is a span of the document text. Start and End are byte
// offsets; RuneStart and RuneEnd are the same span in code points, as
// evidence offsets are reported.
type Sentence struct {
	Start, End         int
	RuneStart, RuneEnd int
	// Paragraph numbers the text block the sentence is in, so that
	// quotes can be attributed to a speaker named elsewhere in it.
	Paragraph int
	Text      string
}

// abbreviations end in a period that does not end a sentence. Single
// capital letters (initials, "U.S.") are handled by shape.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true, "st": true,
	"gen": true, "lt": true, "col": true, "capt": true, "sgt": true, "gov": true, "sen": true, "rep": true,
	"pres": true, "vs": true, "etc": true, "inc": true, "ltd": true, "corp": true, "co": true, "no": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true,
	"sept": true, "oct": true, "nov": true, "dec": true, "approx": true, "ed": true, "e.g": true, "i.e": true,
	"fig": true, "dept": true, "univ": true, "est": true, "mt": true, "ft": true,
}

// closers may follow a sentence's final punctuation and still belong to
// the sentence.
const closers = "\"'”’)]»"

// SplitSentences cuts text into sentences. A sentence ends at '.', '!' or
// '?' (with any closing quotes or brackets) followed by a space and a
// capital letter, digit or opening quote, unless the period closes an
// abbreviation or an initial; a line break ends a paragraph, and so a
// sentence, always, so headings and captions without punctuation stand
// alone. Spaces around sentences are not part of them.
func SplitSentences(text string) []Sentence {
	var out []Sentence
	para := 0
	start := 0
	emit := func(end int) {
		s, e := trimSpan(text, start, end)
		if s < e {
			out = append(out, Sentence{Start: s, End: e, Paragraph: para, Text: text[s:e]})
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			emit(i)
			// Blank lines and single line breaks alike separate blocks.
			para++
			i += size
			start = i
			continue
		case r == '.' || r == '!' || r == '?':
			j := i + size
			for j < len(text) && (strings.ContainsRune(closers, rune(text[j])) || strings.HasPrefix(text[j:], "”") || strings.HasPrefix(text[j:], "’") || text[j] == '.' || text[j] == '!' || text[j] == '?') {
				_, sz := utf8.DecodeRuneInString(text[j:])
				j += sz
			}
			if endsSentence(text, start, i, j, r) {
				emit(j)
				i = j
				continue
			}
			i = j
			continue
		}
		i += size
	}
	emit(len(text))
	// Code point offsets, counted once over the text.
	ri, bi := 0, 0
	for k := range out {
		ri += utf8.RuneCountInString(text[bi:out[k].Start])
		out[k].RuneStart = ri
		ri += utf8.RuneCountInString(out[k].Text)
		out[k].RuneEnd = ri
		bi = out[k].End
	}
	return out
}

func trimSpan(text string, s, e int) (int, int) {
	for s < e {
		r, size := utf8.DecodeRuneInString(text[s:])
		if !unicode.IsSpace(r) {
			break
		}
		s += size
	}
	for e > s {
		r, size := utf8.DecodeLastRuneInString(text[:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= size
	}
	return s, e
}

// endsSentence decides whether the punctuation at i (closers up to j)
// ends a sentence.
func endsSentence(text string, start, i, j int, r rune) bool {
	// What follows must be space then a sentence opener, or the end.
	k := j
	sawSpace := false
	for k < len(text) {
		c, size := utf8.DecodeRuneInString(text[k:])
		if c == '\n' {
			return true
		}
		if !unicode.IsSpace(c) {
			break
		}
		sawSpace = true
		k += size
	}
	if k >= len(text) {
		return true
	}
	if !sawSpace {
		return false // "U.S.-based", "3.5", "e.g.,"
	}
	next, _ := utf8.DecodeRuneInString(text[k:])
	if !(unicode.IsUpper(next) || unicode.IsDigit(next) || strings.ContainsRune("\"'“‘(", next)) {
		return false
	}
	if r != '.' || j > i+1 && text[i+1] != '.' {
		return true
	}
	// The word before the period.
	w := i
	for w > start {
		c, size := utf8.DecodeLastRuneInString(text[:w])
		if !(unicode.IsLetter(c) || c == '.') {
			break
		}
		w -= size
	}
	word := text[w:i]
	if abbreviations[strings.ToLower(word)] {
		// "Mr. Pompeo" continues; "… at 5 p.m. The" would be ended by
		// the capital, but titles are far more common than that.
		return false
	}
	// An initial or an acronym with dots ("J.", "U.S."): it ends the
	// sentence only if the next word does not look like a name going on.
	if isInitials(word) {
		nextWord := text[k:]
		if e := strings.IndexAny(nextWord, " ,;:.!?\n"); e >= 0 {
			nextWord = nextWord[:e]
		}
		return commonStarters[strings.ToLower(strings.Trim(nextWord, "\"'“‘("))]
	}
	return true
}

// isInitials is a single capital letter, or letters each followed by a
// period ("U.S", "J.R.R").
func isInitials(w string) bool {
	if w == "" {
		return false
	}
	for _, part := range strings.Split(w, ".") {
		if utf8.RuneCountInString(part) != 1 {
			return false
		}
		r, _ := utf8.DecodeRuneInString(part)
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}
