// Command gen writes names/places.txt: the names of places WordNet 3.0
// knows (cities, towns, capitals, ports, states and provinces, islands,
// districts, regions, rivers), so that the extractor can type "Tokyo",
// "Boston" or "Florida" as places without a list written by hand for
// the documents at hand. Countries are not in it: the names lexicon has
// them, as states that act.
//
//	go run ./names/gen -wordnet /usr/share/wordnet -out names/places.txt
//
// (Debian's wordnet-base; WNSEARCHDIR is honoured.)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dossier-kg/dossier/names/places"
)

func main() {
	dir := flag.String("wordnet", places.DefaultWordNet(), "WordNet 3.0 dict directory")
	out := flag.String("out", "names/places.txt", "file to write")
	flag.Parse()
	b, err := places.Generate(*dir)
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "names/gen:", err)
		os.Exit(1)
	}
}
