package llm

import (
	"strings"
	"unicode"
)

// chunk is a piece of a document sent in one request. The chunks of a
// document are consecutive and together are the whole text.
type chunk struct {
	Text string
	// Start and End are the chunk's code point offsets in the document.
	Start, End int
	byteStart  int
}

// sentenceEnds end a sentence when a space follows; fullStops end one
// whatever follows, as Chinese and Japanese write no space after them.
const (
	sentenceEnds = ".!?"
	fullStops    = "。！？"
	// closers may stand between a sentence's end and the space after it.
	closers = "\"')]”’»"
)

// split cuts text into chunks of at most max code points. A chunk ends,
// in order of preference, at a line break in its second half, at a
// sentence end in its second half, at any sentence end, at any space,
// or at any punctuation; a chunk with none of these (a single word
// longer than max) runs on to the next one, so a word is never cut.
func split(text string, max int) []chunk {
	runes := []rune(text)
	var out []chunk
	for start, b := 0, 0; start < len(runes); {
		end := cut(runes, start, max)
		s := string(runes[start:end])
		out = append(out, chunk{Text: s, Start: start, End: end, byteStart: b})
		start, b = end, b+len(s)
	}
	return out
}

// cut returns where the chunk beginning at start ends.
func cut(runes []rune, start, max int) int {
	limit := start + max
	if limit >= len(runes) {
		return len(runes)
	}
	line, sentence, space, punct := -1, -1, -1, -1
	// c is a candidate end: the chunk would be runes[start:c].
	for c := limit; c > start; c-- {
		prev := runes[c-1]
		switch {
		case prev == '\n':
			if line < 0 {
				line = c
			}
		case unicode.IsSpace(prev):
			if sentence < 0 && endsSentence(runes[start:c-1]) {
				sentence = c
			}
		case strings.ContainsRune(fullStops, prev):
			if sentence < 0 {
				sentence = c
			}
		}
		if space < 0 && unicode.IsSpace(prev) {
			space = c
		}
		if punct < 0 && wordBoundary(runes, c) {
			punct = c
		}
	}
	half := start + max/2
	switch {
	case line >= half:
		return line
	case sentence >= half:
		return sentence
	case sentence > 0:
		return sentence
	case line > 0:
		return line
	case space > 0:
		return space
	case punct > 0:
		return punct
	}
	// One word longer than max: end the chunk after it.
	for c := limit + 1; c < len(runes); c++ {
		if wordBoundary(runes, c) {
			return c
		}
	}
	return len(runes)
}

// endsSentence reports whether s ends with a sentence's final
// punctuation, maybe followed by closing quotes or brackets.
func endsSentence(s []rune) bool {
	i := len(s) - 1
	for i >= 0 && strings.ContainsRune(closers, s[i]) {
		i--
	}
	return i >= 0 && strings.ContainsRune(sentenceEnds+fullStops, s[i])
}

// wordBoundary reports whether runes can be cut before index c without
// cutting a word: one side of the cut is neither a letter nor a digit.
func wordBoundary(runes []rune, c int) bool {
	return !isWordRune(runes[c-1]) || !isWordRune(runes[c])
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// hasWords reports whether s has a letter or digit: a chunk without any
// is not worth a request.
func hasWords(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}
