// Command gen writes extract/wordclasses/wordclasses.json, the trigger
// verbs and nouns of each predicate, by expanding the hand-checked WordNet
// senses in seeds.json. Trigger lists grown by hand, one document at a
// time, always lacked the next synonym (sue, probe, fine); deriving them
// from WordNet's synonyms, troponyms and derived nouns covers the
// vocabulary once, and the seeds keep each choice reviewable.
//
//	go run ./extract/wordclasses/gen -wordnet /usr/share/wordnet \
//		-seeds extract/wordclasses/seeds.json -out extract/wordclasses/wordclasses.json
//
// -explain prints, for every word, the seed and WordNet sense it came
// from: the list to read when checking a new seed.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/dossier-kg/dossier/internal/wordnet"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wordclasses/gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	// The defaults are relative to extract/wordclasses, where go generate
	// runs the command.
	dir := fs.String("wordnet", defaultWordNet(), "WordNet 3.0 database directory (data.verb, index.verb, ...); $WNSEARCHDIR if set")
	seeds := fs.String("seeds", "seeds.json", "hand-checked seed senses")
	out := fs.String("out", "wordclasses.json", "generated file to write")
	explain := fs.Bool("explain", false, "print each word's seed and WordNet sense instead of writing -out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := wordnet.GenerateFiles(*dir, *seeds)
	if err != nil {
		return err
	}
	if *explain {
		return printOrigins(stdout, b.Origins)
	}
	data, err := b.Output.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}

// defaultWordNet honours WNSEARCHDIR, the variable WordNet's own tools
// read, before Debian's install location.
func defaultWordNet() string {
	if d := os.Getenv("WNSEARCHDIR"); d != "" {
		return d
	}
	return "/usr/share/wordnet"
}

func printOrigins(w io.Writer, origins []wordnet.Origin) error {
	for _, o := range origins {
		if _, err := fmt.Fprintf(w, "%-16s %s %-22s %-18s %s\n", o.Predicate, o.POS, o.Word, o.Seed, o.Via); err != nil {
			return err
		}
	}
	return nil
}
