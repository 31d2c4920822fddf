package names

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed given.txt
var givenFile string

var givenNames = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(givenFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[Key(line)] = true
		}
	}
	return m
})

// GivenName reports whether a word is a common given name ("Armando",
// "Tony"). Many are also surnames or words ("Franklin", "May"), so it is
// evidence for a person, not proof.
func GivenName(word string) bool { return givenNames()[Key(word)] }
