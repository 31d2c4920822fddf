package extract_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/eval"
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/names"
)

// devDir is where the dev set lives: twelve articles from another outlet
// and decade, with blind answer keys. Its texts are for research use and
// stay outside the repository (../shared/corpus/dev beside the clone);
// DOSSIER_DEV_SET points elsewhere.
func devDir() string {
	if d := os.Getenv("DOSSIER_DEV_SET"); d != "" {
		return d
	}
	return "../../shared/corpus/dev"
}

// docsIn reads the .txt files of a directory, sorted by name.
func docsIn(t testing.TB, dir string) []extract.Document {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
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

// corpusDocs reads the example corpus.
func corpusDocs(t testing.TB) []extract.Document {
	t.Helper()
	docs := docsIn(t, "../examples/corpus")
	if len(docs) == 0 {
		t.Fatal("no corpus in ../examples/corpus")
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

// scored is one set of documents with its answer keys.
type scored struct {
	name    string
	docs    []extract.Document
	gold    map[string][]eval.Line
	aliases *eval.Aliases
}

// qualitySets are the corpus and, when ../shared is there, the two halves
// of the dev set: rules are developed on half A and checked on half B,
// and a change that lifts one half and lowers the other is tuning.
func qualitySets(t testing.TB) (sets []scored, devFound bool) {
	gold, aliases, err := eval.LoadGold("../examples/corpus/gold")
	if err != nil {
		t.Fatal(err)
	}
	sets = append(sets, scored{name: "corpus", docs: corpusDocs(t), gold: gold, aliases: aliases})
	dir := devDir()
	devGold, devAliases, err := eval.LoadGold(filepath.Join(dir, "gold"))
	if err != nil {
		return sets, false
	}
	halves := []scored{{name: "dev A", gold: map[string][]eval.Line{}, aliases: devAliases}, {name: "dev B", gold: map[string][]eval.Line{}, aliases: devAliases}}
	for i, doc := range docsIn(t, dir) {
		h := &halves[i%2]
		h.docs = append(h.docs, doc)
		h.gold[doc.Source] = devGold[doc.Source]
	}
	return append(sets, halves...), len(halves[0].docs) > 0
}

// scoreSets extracts every document into one graph, in order (corpus
// first, as a user would ingest them), each document knowing the actors
// of those before it, and scores each set against its own keys.
func scoreSets(t testing.TB, sets []scored) []eval.Report {
	x, err := extract.NewRules(extract.RulesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	known := memoryKnown{}
	var reports []eval.Report
	for _, s := range sets {
		pred := map[string][]eval.Line{}
		for _, doc := range s.docs {
			res, err := x.Extract(context.Background(), doc, known)
			if err != nil {
				t.Fatal(err)
			}
			pred[doc.Source] = lines(doc, res)
			for _, m := range res.Mentions {
				known.add(m.Name, m.Type)
			}
		}
		reports = append(reports, eval.Evaluate(s.gold, pred, s.aliases))
	}
	return reports
}

// merged scores the two dev halves as one set.
func merged(a, b eval.Report) (assertions, actors eval.Score) {
	assertions = eval.Score{Matched: a.Assertions.Matched + b.Assertions.Matched, Predicted: a.Assertions.Predicted + b.Assertions.Predicted, Gold: a.Assertions.Gold + b.Assertions.Gold}
	actors = eval.Score{Matched: a.Actors.Matched + b.Actors.Matched, Predicted: a.Actors.Predicted + b.Actors.Predicted, Gold: a.Actors.Gold + b.Actors.Gold}
	return
}

// The extractor's quality on the corpus and the dev set, extracted into
// one graph and scored as ANNOTATION.md defines, held to the floors
// below. DOSSIER_QUALITY_VERBOSE=1 prints every report with its misses.
func TestQuality(t *testing.T) {
	sets, dev := qualitySets(t)
	reports := scoreSets(t, sets)
	var summary strings.Builder
	for i, r := range reports {
		fmt.Fprintf(&summary, "%-7s assertions P %.3f R %.3f F1 %.3f   actors F1 %.3f\n", sets[i].name,
			r.Assertions.Precision(), r.Assertions.Recall(), r.Assertions.F1(), r.Actors.F1())
		if os.Getenv("DOSSIER_QUALITY_VERBOSE") != "" {
			var buf bytes.Buffer
			r.WriteText(&buf, true)
			fmt.Fprintf(&summary, "\n== %s ==\n%s\n", sets[i].name, buf.String())
		}
	}
	if dev {
		a, act := merged(reports[1], reports[2])
		fmt.Fprintf(&summary, "dev     assertions P %.3f R %.3f F1 %.3f   actors F1 %.3f\n", a.Precision(), a.Recall(), a.F1(), act.F1())
		if a.F1() < devAssertionFloor {
			t.Errorf("dev set assertion F1 %.3f fell below %.3f", a.F1(), devAssertionFloor)
		}
		if act.F1() < devActorFloor {
			t.Errorf("dev set actor F1 %.3f fell below %.3f", act.F1(), devActorFloor)
		}
	} else {
		// The dev texts may not be copied into the repository; a clone
		// without ../shared beside it scores the corpus alone, and says so.
		t.Logf("dev set not found in %s (set DOSSIER_DEV_SET): scoring the corpus only", devDir())
	}
	t.Log("\n" + summary.String())
	if f := reports[0].Assertions.F1(); f < assertionFloor {
		t.Errorf("corpus assertion F1 %.3f fell below %.3f", f, assertionFloor)
	}
	if f := reports[0].Actors.F1(); f < actorFloor {
		t.Errorf("corpus actor F1 %.3f fell below %.3f", f, actorFloor)
	}
}

// The floors are the targets of issue #11: 0.70 and 0.85 on the
// corpus, 0.55 and 0.85 on the dev set. cmd/dossier's
// TestEvalThroughServer holds the server path to the same.
const (
	assertionFloor    = 0.70
	actorFloor        = 0.85
	devAssertionFloor = 0.55
	devActorFloor     = 0.85
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
