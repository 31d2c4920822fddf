package names

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed given.txt
var givenFile string

var givenNames = wordSet(givenFile)

// GivenName reports whether a word is a common given name ("Armando",
// "Tony"). Many are also surnames or words ("Franklin", "May"), so it is
// evidence for a person, not proof.
func GivenName(word string) bool { return givenNames()[Key(word)] }

// wordSet reads an embedded list, one entry per line and "#" comments,
// once, into a set of folded keys.
func wordSet(file string) func() map[string]bool {
	return sync.OnceValue(func() map[string]bool {
		m := map[string]bool{}
		for _, line := range strings.Split(file, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				m[Key(line)] = true
			}
		}
		return m
	})
}
