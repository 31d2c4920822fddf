package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
)

// Fold reduces a name to the form names are compared in:
//
//   - letters are lower-cased;
//   - dots and apostrophes (straight or curly) are dropped, so "U.S." is
//     "us" and "People’s" is "People's" is "peoples";
//   - any other run of characters that are not letters or digits (spaces,
//     hyphens, commas, quotes) is one space, and none is kept at either
//     end, so "Fox-IT" is "Fox IT" is "fox it";
//   - a leading "the" is dropped: "The Netherlands" is "netherlands".
//
// Fold is idempotent: Fold(Fold(s)) == Fold(s). Invalid UTF-8 counts as a
// separator, so the result is always valid UTF-8.
func Fold(name string) string {
	var b strings.Builder
	gap := false // a separator was seen since the last kept character
	for _, r := range name {
		switch {
		case r == '.' || isApostrophe(r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) ||
			// A combining mark belongs to the letter before it.
			unicode.IsMark(r) && b.Len() > 0 && !gap:
			if gap && b.Len() > 0 {
				b.WriteByte(' ')
			}
			gap = false
			b.WriteRune(unicode.ToLower(r))
		default:
			gap = true
		}
	}
	s := b.String()
	for strings.HasPrefix(s, "the ") {
		s = s[len("the "):]
	}
	return s
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', '`', '´':
		return true
	}
	return false
}

// Aliases maps the variants of a name to its canonical name, as
// gold/aliases.json lists them. A nil *Aliases is valid: it folds names
// and maps nothing.
type Aliases struct {
	canonical map[string]string // Fold(variant) -> canonical name
}

// ParseAliases reads an alias table: a JSON object from each canonical
// name to the list of its variants. The canonical name is always a
// variant of itself. Two canonical names claiming variants that fold
// alike, or a variant that folds to nothing, are errors.
func ParseAliases(data []byte) (*Aliases, error) {
	var table map[string][]string
	if err := json.Unmarshal(data, &table); err != nil {
		return nil, fmt.Errorf("aliases: %w", err)
	}
	names := make([]string, 0, len(table))
	for c := range table {
		names = append(names, c)
	}
	sort.Strings(names) // so that a conflict is reported the same way each time
	a := &Aliases{canonical: make(map[string]string)}
	for _, c := range names {
		for _, v := range append([]string{c}, table[c]...) {
			f := Fold(v)
			if f == "" {
				return nil, fmt.Errorf("aliases: variant %q of %q has no letter or digit", v, c)
			}
			if prev, ok := a.canonical[f]; ok && prev != c {
				return nil, fmt.Errorf("aliases: %q is a variant of both %q and %q", v, prev, c)
			}
			a.canonical[f] = c
		}
	}
	return a, nil
}

// LoadAliases reads an alias table from a file; see ParseAliases.
func LoadAliases(path string) (*Aliases, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := ParseAliases(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Canonical returns the canonical name of a name the table knows, after
// folding: Canonical("the U.S.") is "United States". A name the table
// does not know is returned folded, so two unknown names are equal when
// they fold alike.
func (a *Aliases) Canonical(name string) string {
	f := Fold(name)
	if a != nil {
		if c, ok := a.canonical[f]; ok {
			return c
		}
	}
	return f
}
