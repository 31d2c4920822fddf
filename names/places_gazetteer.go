package names

import (
	_ "embed"
	"strings"
	"sync"
)

//go:generate go run ./gen -out places.txt

//go:embed places.txt
var placesFile string

var places = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(placesFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[Key(line)] = true
		}
	}
	return m
})

// Place reports whether WordNet knows the name as a place: a city, town,
// port, state or province, district, region, island or river ("Tokyo",
// "Florida"). A country is a state of the lexicon, not a place of this
// list's; a name in it can still be an organisation's ("Manchester" in
// "Manchester United"), so callers take it as evidence, not proof.
func Place(name string) bool { return places()[Key(name)] }
