package llm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// checkChunks checks that chunks are the whole text, in order, with true
// offsets, none longer than limit unless one word is, and none ending inside
// a word (letters, digits and combining marks).
func checkChunks(t *testing.T, text string, limit int, chunks []chunk) {
	t.Helper()
	runes := []rune(text)
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }
	splitsWord := func(k int) bool { return k > 0 && k < len(runes) && word(runes[k-1]) && word(runes[k]) }
	pos, bytePos := 0, 0
	for i, c := range chunks {
		if c.Start != pos || c.End <= c.Start {
			t.Fatalf("limit %d: chunk %d is %d:%d after %d", limit, i, c.Start, c.End, pos)
		}
		if got := string(runes[c.Start:c.End]); got != c.Text {
			t.Fatalf("limit %d: chunk %d: text[%d:%d] = %.40q, chunk %.40q", limit, i, c.Start, c.End, got, c.Text)
		}
		// Counted as it goes: recounting from the start for every chunk
		// made the check quadratic, and stalled the fuzzer on long inputs.
		if c.byteStart != bytePos {
			t.Fatalf("limit %d: chunk %d: byteStart %d, want %d", limit, i, c.byteStart, bytePos)
		}
		bytePos += len(c.Text)
		if splitsWord(c.End) {
			t.Errorf("limit %d: chunk %d ends inside a word: %q|%q", limit, i, string(runes[max(c.End-10, 0):c.End]), string(runes[c.End:min(c.End+10, len(runes))]))
		}
		if c.End-c.Start > limit {
			// Only if no cut within limit was possible.
			for k := c.Start + 1; k <= c.Start+limit; k++ {
				if !splitsWord(k) {
					t.Errorf("limit %d: chunk %d is %d long though it could end at %d", limit, i, c.End-c.Start, k)
					break
				}
			}
		}
		pos = c.End
	}
	if pos != len(runes) {
		t.Fatalf("limit %d: chunks end at %d of %d", limit, pos, len(runes))
	}
}

func TestSplit(t *testing.T) {
	texts := map[string]string{
		"unicode":  strings.Repeat(unicodeDoc+" ", 20),
		"one word": "Start " + strings.Repeat("x", 700) + " end. " + strings.Repeat("Short words here. ", 40),
		"chinese":  strings.Repeat("微信由腾讯运营。腾讯的总部位于深圳", 30),
		"no space": strings.Repeat("ab-cd", 100),
		"empty":    "",
	}
	files, _ := filepath.Glob("../../examples/corpus/*.txt")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts[filepath.Base(f)] = string(b)
	}
	for name, text := range texts {
		for _, limit := range []int{200, 300, 1000, DefaultChunkRunes} {
			t.Run(name, func(t *testing.T) { checkChunks(t, text, limit, split(text, limit)) })
		}
	}
}

func TestSplitPrefersParagraphsThenSentences(t *testing.T) {
	full, _ := corpus(t)
	chunks := split(full, 1000)
	for i, c := range chunks[:len(chunks)-1] {
		if !strings.HasSuffix(c.Text, "\n") {
			t.Errorf("chunk %d ends %q, not at a paragraph", i, c.Text[max(len(c.Text)-30, 0):])
		}
	}
	flat := strings.Join(strings.Fields(full), " ")
	chunks = split(flat, 1000)
	for i, c := range chunks[:len(chunks)-1] {
		if !endsSentence([]rune(strings.TrimRight(c.Text, " "))) {
			t.Errorf("chunk %d ends %q, not at a sentence", i, c.Text[max(len(c.Text)-30, 0):])
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("TikTok is owned by ByteDance. It runs Douyin.\n\nMicrosoft wants it.", 7)
	f.Add(unicodeDoc, 3)
	f.Add("00000000\u033b0", 7) // a combining mark belongs to its letter
	f.Fuzz(func(t *testing.T, text string, limit int) {
		text = strings.ToValidUTF8(text, "")
		limit = 1 + (limit&0xffff)%50
		checkChunks(t, text, limit, split(text, limit))
	})
}
