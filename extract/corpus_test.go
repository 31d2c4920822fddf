package extract_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/eval"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/names"
)

// corpusDocs reads the example corpus.
func corpusDocs(t testing.TB) []extract.Document {
	t.Helper()
	files, err := filepath.Glob("../examples/corpus/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	var docs []extract.Document
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		docs = append(docs, extract.Document{ID: events.DocumentID(text), Source: strings.TrimSuffix(filepath.Base(f), ".txt"), Text: text})
	}
	return docs
}

// lines turns a result into the export format the scorer reads.
func lines(doc extract.Document, res extract.Result) []eval.Line {
	var out []eval.Line
	for _, m := range res.Mentions {
		out = append(out, eval.Line{Kind: eval.KindActor, Name: m.Name, Type: m.Type, Document: doc.Source})
	}
	for _, a := range res.Assertions {
		out = append(out, eval.Line{Kind: eval.KindAssertion, Subject: a.Subject.Name, Predicate: a.Predicate, Object: a.Object.Name,
			Polarity: a.Polarity, Modality: a.Modality, AttributedTo: a.AttributedTo, Evidence: a.Evidence.Sentence, Document: doc.Source})
	}
	return out
}

func scoreCorpus(t testing.TB) eval.Report {
	gold, aliases, err := eval.LoadGold("../examples/corpus/gold")
	if err != nil {
		t.Fatal(err)
	}
	x, err := extract.NewRules(extract.RulesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pred := map[string][]eval.Line{}
	// Documents are read in order, each knowing the actors of those
	// before it, as the graph knows them when documents are ingested one
	// after another.
	known := memoryKnown{}
	for _, doc := range corpusDocs(t) {
		res, err := x.Extract(context.Background(), doc, known)
		if err != nil {
			t.Fatal(err)
		}
		pred[doc.Source] = lines(doc, res)
		for _, m := range res.Mentions {
			known.add(m.Name, m.Type)
		}
	}
	return eval.Evaluate(gold, pred, aliases)
}

// The extractor's quality on the corpus, as ANNOTATION.md scores it. The
// floors are what the rules reach today; they only go up.
func TestCorpusQuality(t *testing.T) {
	r := scoreCorpus(t)
	var buf bytes.Buffer
	r.WriteText(&buf, testing.Verbose())
	t.Log("\n" + buf.String())
	if f := r.Assertions.F1(); f < assertionFloor {
		t.Errorf("assertion F1 %.3f fell below %.3f", f, assertionFloor)
	}
	if f := r.Actors.F1(); f < actorFloor {
		t.Errorf("actor F1 %.3f fell below %.3f", f, actorFloor)
	}
}

const (
	assertionFloor = 0.64
	actorFloor     = 0.86
)

// memoryKnown stands in for the graph's name index: names by folded key,
// and a lone surname for the one person who has it.
type memoryKnown map[string][2]string

func (k memoryKnown) add(name, typ string) {
	k[names.Key(name)] = [2]string{name, typ}
	if w := strings.Fields(names.Key(name)); typ == "PERSON" && len(w) > 1 {
		last := "last:" + w[len(w)-1]
		if _, dup := k[last]; dup {
			k[last] = [2]string{}
		} else {
			k[last] = [2]string{name, typ}
		}
	}
}

func (k memoryKnown) Lookup(name string) (string, string, bool) {
	if v, ok := k[names.Key(name)]; ok {
		return v[0], v[1], true
	}
	if w := strings.Fields(names.Key(name)); len(w) == 1 {
		if v, ok := k["last:"+w[0]]; ok && v[0] != "" {
			return v[0], v[1], true
		}
	}
	return "", "", false
}
