package extract

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/extract/pos"
)

// A long document's sentences are tagged on several cores: each must
// come out exactly as tagging them one after another gives.
func TestTagSentencesInParallel(t *testing.T) {
	tagger, err := pos.Default()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../examples/corpus/*.txt")
	var sb strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(b)
		sb.WriteString("\n\n")
	}
	one := sb.String()
	text := strings.Repeat(one, 1+3*sentencesPerWorker/max(len(SplitSentences(one)), 1))
	sents := SplitSentences(text)
	if len(sents) < 2*sentencesPerWorker {
		t.Fatalf("%d sentences: too few to share out", len(sents))
	}
	got := make([][]token, len(sents))
	tagSentences(tagger, sents, got)
	for i, s := range sents {
		want := tokenize(s.Text, s.Start)
		tagWords(tagger, want)
		if !reflect.DeepEqual(got[i], want) {
			t.Fatalf("sentence %d (%q) tagged apart differs", i, s.Text)
		}
	}
}
