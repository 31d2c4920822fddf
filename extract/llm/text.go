package llm

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/names"
)

// A model copies text imperfectly: it joins lines, collapses spaces,
// straightens quotes. Text is therefore searched twice, as written and
// folded, and a folded match is mapped back to the exact text it covers,
// so what is recorded is always the document's own characters.

// folded is a text with whitespace runs collapsed to one space and
// typographic variants folded (and, for names, lower-cased), with the
// way back: for each byte of s, the span of the original rune (or run of
// spaces) it came from.
type folded struct {
	s        string
	from, to []int32
}

func fold(text string, lower bool) folded {
	var b strings.Builder
	b.Grow(len(text))
	from := make([]int32, 0, len(text))
	to := make([]int32, 0, len(text))
	space := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		f := foldRune(r)
		if f == ' ' && space {
			to[len(to)-1] = int32(i + size)
			i += size
			continue
		}
		space = f == ' '
		if lower {
			f = unicode.ToLower(f)
		}
		n := b.Len()
		b.WriteRune(f)
		for range b.Len() - n {
			from = append(from, int32(i))
			to = append(to, int32(i+size))
		}
		i += size
	}
	return folded{s: b.String(), from: from, to: to}
}

// foldRune maps the characters a model is likely to write differently
// from the text to one form: spaces, quotes, apostrophes and dashes.
func foldRune(r rune) rune {
	switch r {
	case '‘', '’', '‚', '‛', '′', '`', '´':
		return '\''
	case '“', '”', '„', '‟', '″', '«', '»':
		return '"'
	case '‐', '‑', '‒', '–', '—', '―', '−':
		return '-'
	}
	if unicode.IsSpace(r) || r == '\u200b' {
		return ' '
	}
	return r
}

// foldedNeedle is what is searched for in a folded text.
func foldedNeedle(s string, lower bool) string {
	return strings.TrimSpace(fold(s, lower).s)
}

// span is the original byte span of f.s[p:q].
func (f *folded) span(p, q int) (int, int) {
	return int(f.from[p]), int(f.to[q-1])
}

// occurrences yields the byte offsets of needle in s, left to right,
// overlapping ones included; with words, only those that do not start or
// end inside a word.
func occurrences(s, needle string, words bool) iter.Seq[int] {
	return func(yield func(int) bool) {
		if needle == "" {
			return
		}
		for i := 0; i <= len(s)-len(needle); {
			k := strings.Index(s[i:], needle)
			if k < 0 {
				return
			}
			p := i + k
			if (!words || bounded(s, p, p+len(needle))) && !yield(p) {
				return
			}
			_, size := utf8.DecodeRuneInString(s[p:])
			i = p + size
		}
	}
}

// bounded reports whether s[p:q] neither starts nor ends inside a word.
// Scripts written without spaces between words (Chinese, Japanese, Thai)
// have no visible word ends, so any character boundary counts there.
func bounded(s string, p, q int) bool {
	if p > 0 {
		before, _ := utf8.DecodeLastRuneInString(s[:p])
		first, _ := utf8.DecodeRuneInString(s[p:q])
		if spacedWordRune(before) && spacedWordRune(first) {
			return false
		}
	}
	if q < len(s) {
		after, _ := utf8.DecodeRuneInString(s[q:])
		last, _ := utf8.DecodeLastRuneInString(s[p:q])
		if spacedWordRune(after) && spacedWordRune(last) {
			return false
		}
	}
	return true
}

// unspaced are the scripts written without spaces between words.
var unspaced = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar}

// spacedWordRune is a letter, digit or mark of a script that puts spaces
// between words.
func spacedWordRune(r rune) bool {
	return isWordRune(r) && !unicode.IsOneOf(unspaced, r)
}

// docText is a document's text, with its folded forms made when first
// needed.
type docText struct {
	text  string
	exact *folded // whitespace and typography folded
	lower *folded // and lower-cased
	key   string  // names.Key of the text, between spaces
}

func (d *docText) folded(lower bool) *folded {
	p := &d.exact
	if lower {
		p = &d.lower
	}
	if *p == nil {
		f := fold(d.text, lower)
		*p = &f
	}
	return *p
}

func (d *docText) keyed() string {
	if d.key == "" {
		d.key = " " + names.Key(d.text) + " "
	}
	return d.key
}

// locate finds evidence in the text and returns its byte span: verbatim,
// else folded and mapped back to the exact text. Of several occurrences
// it prefers the first at or after byte offset near (the chunk the
// evidence was given for).
func (d *docText) locate(evidence string, near int) (start, end int, ok bool) {
	evidence = strings.TrimSpace(evidence)
	if evidence == "" {
		return 0, 0, false
	}
	if p, ok := prefer(occurrences(d.text, evidence, false), func(p int) bool { return p >= near }); ok {
		return p, p + len(evidence), true
	}
	f := d.folded(false)
	needle := foldedNeedle(evidence, false)
	p, ok := prefer(occurrences(f.s, needle, false), func(p int) bool { return int(f.from[p]) >= near })
	if !ok {
		return 0, 0, false
	}
	start, end = f.span(p, p+len(needle))
	return start, end, true
}

// prefer returns the first position good accepts, else the first.
func prefer(all iter.Seq[int], good func(int) bool) (int, bool) {
	first, found := 0, false
	for p := range all {
		if good(p) {
			return p, true
		}
		if !found {
			first, found = p, true
		}
	}
	return first, found
}

// find looks for a name in the text, ignoring case and spacing, as whole
// words; failing that, as names.Key folds it ("U.S." is "US"). It returns
// the name as the text writes it where it can.
func (d *docText) find(name string) (written string, ok bool) {
	if !hasWords(name) {
		return "", false
	}
	f := d.folded(true)
	needle := foldedNeedle(name, true)
	for p := range occurrences(f.s, needle, true) {
		s, e := f.span(p, p+len(needle))
		return d.text[s:e], true
	}
	if k := names.Key(name); k != "" && strings.Contains(d.keyed(), " "+k+" ") {
		return names.Clean(name), true
	}
	return "", false
}

// count is how many times the text names name, found as find finds it.
func (d *docText) count(name string) int {
	if !hasWords(name) {
		return 0
	}
	n := 0
	for range occurrences(d.folded(true).s, foldedNeedle(name, true), true) {
		n++
	}
	if n > 0 {
		return n
	}
	if k := names.Key(name); k != "" {
		for range occurrences(d.keyed(), " "+k+" ", false) {
			n++
		}
	}
	return n
}

// isName reports whether an actor as written looks like a name rather
// than a common noun or pronoun ("the company", "he"): it has a capital
// letter, a digit, or a letter of a script without case.
func isName(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) || unicode.IsTitle(r) || unicode.IsDigit(r) ||
			unicode.IsLetter(r) && !unicode.IsLower(r) && unicode.ToUpper(r) == r && unicode.ToLower(r) == r {
			return true
		}
	}
	return false
}
