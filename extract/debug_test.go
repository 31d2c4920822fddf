package extract

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/names"
)

// TestDebugDump prints what the rules see in each corpus sentence. It
// runs only with DOSSIER_EXTRACT_DEBUG=1, as a tool for rule work.
func TestDebugDump(t *testing.T) {
	if os.Getenv("DOSSIER_EXTRACT_DEBUG") == "" {
		t.Skip("set DOSSIER_EXTRACT_DEBUG=1 (the corpus), =<glob of .txt files> or =<text> to dump")
	}
	r, err := NewRules(RulesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	glob := os.Getenv("DOSSIER_EXTRACT_DEBUG")
	if glob == "1" {
		glob = "../examples/corpus/*.txt"
	}
	files, _ := filepath.Glob(glob)
	if !strings.Contains(glob, "*") && !strings.HasSuffix(glob, ".txt") {
		files = []string{"-"} // the variable holds the text itself
	}
	// Documents are read in order, each knowing the actors of those
	// before, as TestQuality reads them.
	known := debugKnown{}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if f == "-" {
			b = []byte(glob)
		}
		doc := Document{ID: events.DocumentID(string(b)), Source: filepath.Base(f), Text: string(b)}
		d, err := r.prepare(context.Background(), doc, known)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range d.actors {
			if a.into == nil {
				fmt.Printf("actor %q %s votes=%v count=%d known=%v\n", a.name, a.typ, a.votes, a.count, a.known)
			}
		}
		for i := range d.sents {
			before := len(d.found)
			d.relations(i)
			var ms []string
			for _, m := range d.mentions[i] {
				a := m.actor()
				s := fmt.Sprintf("%s[%s]", a.name, a.typ)
				if m.implicit {
					s = "~" + s
				}
				if m.prep != "" {
					s = m.prep + ":" + s
				}
				ms = append(ms, s)
			}
			var tagged []string
			for _, tk := range d.toks[i] {
				tagged = append(tagged, tk.text+"/"+string(tk.tag))
			}
			fmt.Printf("\n#%d %s\n   mentions: %s\n", i, strings.Join(tagged, " "), strings.Join(ms, ", "))
			if sp := d.speakerOf(i); sp != nil {
				fmt.Printf("   speaker: %s\n", sp.name)
			}
			for _, a := range d.found[before:] {
				att := ""
				if a.AttributedTo != nil {
					att = " per " + *a.AttributedTo
				}
				fmt.Printf("   => %s %s %s (%s/%s)%s\n", a.Subject.Name, a.Predicate, a.Object.Name, a.Polarity, a.Modality, att)
			}
		}
		for _, a := range d.actors {
			if a.into == nil && a.count > 0 {
				known[names.Key(a.name)] = [2]string{a.name, a.typ}
			}
		}
	}
}

// debugKnown is the actors of the documents dumped before.
type debugKnown map[string][2]string

func (k debugKnown) Lookup(name string) (string, string, bool) {
	v, ok := k[names.Key(name)]
	return v[0], v[1], ok
}
