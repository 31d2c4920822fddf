package names

import _ "embed"

//go:generate go run ./gen -out places.txt

//go:embed places.txt
var placesFile string

var places = wordSet(placesFile)

// Place reports whether WordNet knows the name as a place: a city, town,
// port, state or province, district, region, island or river ("Tokyo",
// "Florida"). A country is a state of the lexicon, not a place of this
// list's; a name in it can still be an organisation's ("Manchester" in
// "Manchester United"), so callers take it as evidence, not proof.
func Place(name string) bool { return places()[Key(name)] }
