// Package names folds the many ways a document writes an actor's name into
// one comparable key, and resolves known variants ("U.S.", "the US
// government", "President Trump") through a lexicon held as data.
//
// It is a leaf package: the event model uses it to derive content ids and
// NATS subject tokens, the graph uses it for its name index, and the
// extractor for mention detection. Keeping one folding function for all of
// them is what makes "U.S." typed into a query find the actor that "US" in
// an article created.
package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Key folds a name for comparison: case, punctuation, dots in acronyms,
// curly quotes, a leading "the" and a trailing possessive are ignored, and
// runs of anything that is not a letter or digit become one space.
//
//	Key("The U.S.")      == "us"
//	Key("Fox-IT")        == "fox it"
//	Key("ByteDance’s")   == "bytedance"
//
// Invalid UTF-8 bytes are dropped rather than kept, so a key is always valid
// UTF-8 and safe to store and print.
func Key(name string) string {
	// NFC first, so an accent typed as a separate combining mark folds
	// like the precomposed letter ("Zu\u0308rich" is "Zürich").
	name = norm.NFC.String(strings.ToValidUTF8(name, ""))
	var b strings.Builder
	b.Grow(len(name))
	space := false
	var prev rune
	for _, r := range name {
		switch {
		// Dots inside acronyms (U.S., U.K.) vanish instead of splitting
		// the word, so "U.S." and "US" fold to the same key.
		case r == '.' || r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
			continue
		// "C++" and "C#" are not "C": a plus or sharp right after a
		// letter, digit or another plus is a word of the name.
		case (r == '+' || r == '#') && (unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '+'):
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(map[rune]string{'+': "plus", '#': "sharp"}[r])
			space = true
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (unicode.IsMark(r) && b.Len() > 0 && !space):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if r < utf8.RuneSelf {
				b.WriteByte(byte(unicode.ToLower(r))) // most names are ASCII
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		default:
			space = true
		}
		prev = r
	}
	// Again: dropping an apostrophe can bring a mark next to a letter.
	k := norm.NFC.String(b.String())
	k = strings.TrimPrefix(k, "the ")
	// The apostrophe is already gone, so a possessive shows as a trailing
	// "s" glued to the name; only strip it when the original had one.
	if hasPossessive(name) {
		k = strings.TrimRight(strings.TrimSuffix(k, "s"), " ")
	}
	return k
}

// hasPossessive reports a trailing "'s", in any case, behind any closing
// quotes or spaces.
func hasPossessive(name string) bool {
	name = strings.TrimRight(name, " \t\r\n\"“”»")
	rest, ok := strings.CutSuffix(name, "s")
	if !ok {
		rest, ok = strings.CutSuffix(name, "S")
	}
	return ok && (strings.HasSuffix(rest, "'") || strings.HasSuffix(rest, "’"))
}

// Slug is Key made safe as an identifier and as a NATS subject token:
// words are joined by '-', so it contains no dots, spaces or wildcards.
// It is empty when the name has no letter or digit at all.
func Slug(name string) string {
	return strings.ReplaceAll(Key(name), " ", "-")
}

// Token makes an arbitrary string safe as one NATS subject token: anything
// but ASCII letters, digits, '-' and '_' becomes '_'. Unlike Slug it keeps
// case, for tokens such as predicate names.
func Token(s string) string {
	if s == "" {
		return "_"
	}
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Clean trims surrounding space and quotes from a name as written and
// collapses inner whitespace; it keeps case and punctuation, so the result
// is still fit to show.
func Clean(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Join(strings.Fields(name), " ")
	return strings.Trim(name, "\"'“”‘’ ")
}
