package pos

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func readTagged(t testing.TB) (sents [][]string, tags [][]Tag) {
	f, err := os.Open("testdata/tagged.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var ws []string
		var ts []Tag
		for _, pair := range strings.Fields(line) {
			i := strings.LastIndex(pair, "/")
			ws, ts = append(ws, pair[:i]), append(ts, Tag(pair[i+1:]))
		}
		sents, tags = append(sents, ws), append(tags, ts)
	}
	return sents, tags
}

// The tagger agrees with hand-tagged news sentences it was not trained
// on at about the accuracy the model is known for (≈ 0.96 on the
// Treebank); below 0.93 the weights are being read wrongly.
func TestAccuracy(t *testing.T) {
	tg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	sents, want := readTagged(t)
	right, all := 0, 0
	for i, ws := range sents {
		got := tg.Tag(ws)
		for k := range ws {
			all++
			if got[k] == want[i][k] {
				right++
			} else {
				t.Logf("%s: got %s, want %s (in %q)", ws[k], got[k], want[i][k], strings.Join(ws, " "))
			}
		}
	}
	acc := float64(right) / float64(all)
	t.Logf("accuracy %.3f over %d words", acc, all)
	if acc < 0.93 {
		t.Errorf("accuracy %.3f, want ≥ 0.93", acc)
	}
}

// Words the extractor depends on are read by their role in the
// sentence, not their spelling: a capitalised opener is a common word,
// "ban" after "to" a verb and after "the" a noun.
func TestContext(t *testing.T) {
	tg, _ := Default()
	for _, c := range []struct {
		sentence string
		word     int
		want     Tag
	}{
		{"Analysts expect the bank to raise rates .", 0, NNS},
		{"The minister wants to ban the app .", 4, VB},
		{"The ban on the app was lifted .", 1, NN},
		{"Concerns were raised about the deal .", 0, NNS},
		{"Smith said the firm will appeal .", 0, NNP},
	} {
		ws := strings.Fields(c.sentence)
		if got := tg.Tag(ws)[c.word]; got != c.want {
			t.Errorf("%q: %s is %s, want %s", c.sentence, ws[c.word], got, c.want)
		}
	}
}

func TestKnown(t *testing.T) {
	tg, _ := Default()
	for w, want := range map[string]bool{"Analysts": true, "citing": true, "Clearly": true, "Zapchat": false, "Qwertyuiop": false} {
		if got := tg.Known(w); got != want {
			t.Errorf("Known(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestBadModel(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("not gzip"), modelFile[:len(modelFile)/2]} {
		if _, err := Load(bytes.NewReader(b)); err == nil {
			t.Errorf("Load(%d bytes) succeeded", len(b))
		}
	}
}

// Any words get one tag each, and nothing panics: empty strings,
// invalid UTF-8, lone bytes.
func FuzzTag(f *testing.F) {
	tg, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("The bank fined its rival .")
	f.Add("\xff \x00 - '' `` ”")
	f.Fuzz(func(t *testing.T, s string) {
		ws := strings.Split(s, " ")
		got := tg.Tag(ws)
		if len(got) != len(ws) {
			t.Fatalf("%d tags for %d words", len(got), len(ws))
		}
		if want := tagByFeatureStrings(tg, ws); !slices.Equal(got, want) {
			t.Fatalf("%q: tags %v, by feature strings %v", s, got, want)
		}
	})
}

func BenchmarkTag(b *testing.B) {
	tg, _ := Default()
	sents, _ := readTagged(b)
	n := 0
	for _, s := range sents {
		n += len(s)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, s := range sents {
			tg.Tag(s)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "words/s")
}

// The tagger finds a word's features through its vocabulary ids; prose
// builds a string per feature. Both must give the same tags, to the
// float: on the hand-tagged sentences and on every sentence of the
// repository's corpus.
func TestPredictMatchesFeatureStrings(t *testing.T) {
	tg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	sents, _ := readTagged(t)
	files, _ := filepath.Glob("../../examples/corpus/*.txt")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(text)) {
			if ws := strings.Fields(line); len(ws) > 0 {
				sents = append(sents, ws)
			}
		}
	}
	words := 0
	for _, ws := range sents {
		words += len(ws)
		if got, want := tg.Tag(ws), tagByFeatureStrings(tg, ws); !slices.Equal(got, want) {
			t.Fatalf("%q: tags %v, by feature strings %v", ws, got, want)
		}
	}
	if words < 2500 {
		t.Fatalf("compared %d words only", words)
	}
}

// tagByFeatureStrings is the tagger as prose writes it: each feature a
// string looked up in the weights.
func tagByFeatureStrings(t *Tagger, words []string) []Tag {
	out := make([]Tag, len(words))
	ctx := make([]string, len(words)+4)
	ctx[0], ctx[1] = "-START-", "-START2-"
	for i, w := range words {
		ctx[i+2] = normalize(w)
	}
	ctx[len(ctx)-2], ctx[len(ctx)-1] = "-END-", "-END2-"
	p1, p2 := Tag("-START-"), Tag("-START2-")
	for i, w := range words {
		var tag Tag
		if c, ok := t.dict[w]; ok {
			tag = t.classes[c]
		} else if q, ok := quote(w); ok {
			tag = q
		} else if w == "-" || w == "" {
			tag = ":"
		} else {
			var scores [256]float32
			add := func(parts ...string) {
				for _, x := range t.weights[strings.Join(parts, " ")] {
					scores[x.class] += x.w
				}
			}
			j := i + 2
			add("bias")
			add("i suffix", suffix(w))
			add("i pref1", string(rune(w[0])))
			add("i-1 tag", string(p1))
			add("i-2 tag", string(p2))
			add("i tag+i-2 tag", string(p1), string(p2))
			add("i word", ctx[j])
			add("i-1 tag+i word", string(p1), ctx[j])
			add("i-1 word", ctx[j-1])
			add("i-1 suffix", suffix(ctx[j-1]))
			add("i-2 word", ctx[j-2])
			add("i+1 word", ctx[j+1])
			add("i+1 suffix", suffix(ctx[j+1]))
			add("i+2 word", ctx[j+2])
			best := 0
			for c := range t.classes {
				if scores[c] > scores[best] {
					best = c
				}
			}
			tag = t.classes[best]
		}
		out[i] = tag
		p2, p1 = p1, tag
	}
	return out
}

func TestIsIntAsAtoi(t *testing.T) {
	// Only four-byte words reach isInt; beyond int's range Atoi would
	// also refuse digits, which isInt need not copy.
	for _, w := range []string{"", "+", "-", "2024", "+202", "-202", "20a4", "two", "٢٠٢٤", "1", "+-12", "0x1F"} {
		_, err := strconv.Atoi(w)
		if got := isInt(w); got != (err == nil) {
			t.Errorf("isInt(%q) = %v, Atoi's error %v", w, got, err)
		}
	}
}
