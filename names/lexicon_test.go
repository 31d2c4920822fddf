package names_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/names"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// defaultDoc is the shipped lexicon as a document, for NewLexicon calls
// that merge a user document over it.
func defaultDoc(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("lexicon.json")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestResolve(t *testing.T) {
	l := names.DefaultLexicon()
	tests := []struct {
		in   string
		want names.Resolution
	}{
		// Aliases, as written and with dots.
		{"U.S.", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"US", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"the U.S.", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"United States", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"the White House", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"Beijing", names.Resolution{Name: "China", Type: "GOVERNMENT", Known: true}},
		{"People’s Republic of China", names.Resolution{Name: "China", Type: "GOVERNMENT", Known: true}},
		{"The Hague", names.Resolution{Name: "Netherlands", Type: "GOVERNMENT", Known: true}},
		{"U.N. Security Council", names.Resolution{Name: "United Nations Security Council", Type: "ORGANIZATION", Known: true}},
		{"  “CCP”  ", names.Resolution{Name: "Chinese Communist Party", Type: "GOVERNMENT", Known: true}},
		{"Human Rights Watch", names.Resolution{Name: "Human Rights Watch", Type: "ORGANIZATION", Known: true}},
		// A country word followed by a government word.
		{"the US government", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"US authorities", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"U.S. administration", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"Chinese government", names.Resolution{Name: "China", Type: "GOVERNMENT", Known: true}},
		{"the Chinese regime", names.Resolution{Name: "China", Type: "GOVERNMENT", Known: true}},
		{"the Dutch authorities", names.Resolution{Name: "Netherlands", Type: "GOVERNMENT", Known: true}},
		{"British government", names.Resolution{Name: "United Kingdom", Type: "GOVERNMENT", Known: true}},
		// An entry wins over demonym + word: this is the party, not China.
		{"Chinese Communist Party", names.Resolution{Name: "Chinese Communist Party", Type: "GOVERNMENT", Known: true}},
		// A demonym alone is the state.
		{"Chinese", names.Resolution{Name: "China", Type: "GOVERNMENT", Known: true}},
		{"the Dutch", names.Resolution{Name: "Netherlands", Type: "GOVERNMENT", Known: true}},
		{"American", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		// Titles go from persons, repeatedly, and say so.
		{"President Donald Trump", names.Resolution{Name: "Donald Trump", Titled: true}},
		{"Secretary of State Mike Pompeo", names.Resolution{Name: "Mike Pompeo", Titled: true}},
		{"Acting Secretary of State Mike Pompeo", names.Resolution{Name: "Mike Pompeo", Titled: true}},
		{"President-elect Joe Biden", names.Resolution{Name: "Joe Biden", Titled: true}},
		{"Mr. Xi", names.Resolution{Name: "Xi", Titled: true}},
		{"CEO Shou Zi Chew", names.Resolution{Name: "Shou Zi Chew", Titled: true}},
		{"analyst Paul Verhagen", names.Resolution{Name: "Paul Verhagen", Titled: true}},
		{`"President Donald Trump"`, names.Resolution{Name: "Donald Trump", Titled: true}},
		// A title with nothing after it is the name.
		{"President", names.Resolution{Name: "President"}},
		// Legal suffixes go, keeping the name as written.
		{"ByteDance Ltd.", names.Resolution{Name: "ByteDance"}},
		{"ByteDance Co., Ltd.", names.Resolution{Name: "ByteDance"}},
		{"Huawei Technologies Co. Ltd.", names.Resolution{Name: "Huawei Technologies"}},
		{"Maersk A/S", names.Resolution{Name: "Maersk"}},
		{"Siemens AG", names.Resolution{Name: "Siemens"}},
		{"Ltd.", names.Resolution{Name: "Ltd."}},
		// Unknown names come back cleaned, without a leading article.
		{"Fox-IT", names.Resolution{Name: "Fox-IT"}},
		{"  Xi   Jinping ", names.Resolution{Name: "Xi Jinping"}},
		{"The Daily Planet", names.Resolution{Name: "Daily Planet"}},
		{"TikTok", names.Resolution{Name: "TikTok"}},
		{"Zürich Insurance", names.Resolution{Name: "Zürich Insurance"}},
		{"***", names.Resolution{Name: "***"}},
		{"", names.Resolution{}},
		{"Byte\xffDance", names.Resolution{Name: "ByteDance"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := l.Resolve(tt.in); got != tt.want {
				t.Errorf("Resolve(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestResolveAs(t *testing.T) {
	l := names.DefaultLexicon()
	tests := []struct {
		in, typ string
		want    names.Resolution
	}{
		// "MP" is a title only for persons: MP Materials is a company.
		{"MP Materials", "COMPANY", names.Resolution{Name: "MP Materials"}},
		{"MP Jane Doe", "PERSON", names.Resolution{Name: "Jane Doe", Titled: true}},
		{"MP Jane Doe", "", names.Resolution{Name: "Jane Doe", Titled: true}},
		{"President Trump", "ORGANIZATION", names.Resolution{Name: "President Trump"}},
		{"Chancellor Angela Merkel", "PERSON", names.Resolution{Name: "Angela Merkel", Titled: true}},
		// Suffixes go whatever the type.
		{"ByteDance Ltd.", "COMPANY", names.Resolution{Name: "ByteDance"}},
		// A known variant is known whatever type the caller guessed.
		{"US", "COMPANY", names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"Chinese government", "ORGANIZATION", names.Resolution{Name: "China", Type: "GOVERNMENT", Known: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in+"/"+tt.typ, func(t *testing.T) {
			if got := l.ResolveAs(tt.in, tt.typ); got != tt.want {
				t.Errorf("ResolveAs(%q, %q) = %+v, want %+v", tt.in, tt.typ, got, tt.want)
			}
		})
	}
}

func TestResolveNeverEmptiesAName(t *testing.T) {
	l := names.DefaultLexicon()
	for in, want := range map[string]string{"President-Trump": "Trump", "ByteDance-Ltd": "ByteDance", "President — Trump": "Trump"} {
		if got := l.Resolve(in).Name; got != want {
			t.Errorf("Resolve(%q).Name = %q, want %q", in, got, want)
		}
	}
}

func TestDemonym(t *testing.T) {
	l := names.DefaultLexicon()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"Chinese", "China", true},
		{"chinese", "China", true},
		{"Dutch", "Netherlands", true},
		{"American", "United States", true},
		{"China", "", false},
		{"Martian", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		e, ok := l.Demonym(tt.in)
		if ok != tt.wantOK || e.Name != tt.want {
			t.Errorf("Demonym(%q) = %q, %v; want %q, %v", tt.in, e.Name, ok, tt.want, tt.wantOK)
		}
	}
}

func TestIsTitle(t *testing.T) {
	l := names.DefaultLexicon()
	tests := []struct {
		in   string
		want bool
	}{
		{"President Trump", true},
		{"Secretary of State Mike Pompeo", true},
		{"Lt. Gen. Smith", true},
		{"MP Materials", true}, // IsTitle does not know types
		{"President", false},   // a title needs a name after it
		{"Donald Trump", false},
		{"Presidential Guard", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := l.IsTitle(tt.in); got != tt.want {
			t.Errorf("IsTitle(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNewLexiconMergesDocuments(t *testing.T) {
	user := []byte(`{
		"titles": ["Commander"],
		"suffixes": ["Holdings"],
		"government_words": ["junta"],
		"actors": [
			{"name": "Washington State", "type": "GOVERNMENT", "aliases": ["Washington", "WA"]},
			{"name": "Fox-IT", "type": "COMPANY", "aliases": ["FoxIT", "Fox IT"]}
		]
	}`)
	l, err := names.NewLexicon(defaultDoc(t), user)
	if err != nil {
		t.Fatal(err)
	}
	def := names.DefaultLexicon()
	tests := []struct {
		in          string
		want, wantD names.Resolution // merged, default alone
	}{
		// The user's entry wins the variant the default gave the US.
		{"Washington",
			names.Resolution{Name: "Washington State", Type: "GOVERNMENT", Known: true},
			names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		// Variants the user did not name keep their default entry.
		{"U.S.",
			names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true},
			names.Resolution{Name: "United States", Type: "GOVERNMENT", Known: true}},
		{"FoxIT",
			names.Resolution{Name: "Fox-IT", Type: "COMPANY", Known: true},
			names.Resolution{Name: "FoxIT"}},
		{"Commander Jane Doe",
			names.Resolution{Name: "Jane Doe", Titled: true},
			names.Resolution{Name: "Commander Jane Doe"}},
		{"Evergrande Holdings",
			names.Resolution{Name: "Evergrande"},
			names.Resolution{Name: "Evergrande Holdings"}},
		{"WA authorities",
			names.Resolution{Name: "Washington State", Type: "GOVERNMENT", Known: true},
			names.Resolution{Name: "WA authorities"}},
	}
	for _, tt := range tests {
		if got := l.Resolve(tt.in); got != tt.want {
			t.Errorf("merged Resolve(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got := def.Resolve(tt.in); got != tt.wantD {
			t.Errorf("default Resolve(%q) = %+v, want %+v", tt.in, got, tt.wantD)
		}
	}
}

func TestNewLexiconErrors(t *testing.T) {
	tests := []struct {
		name string
		docs []string
		want string
	}{
		{"not JSON", []string{`{}`, `{"actors": [`}, "document 2"},
		{"wrong shape", []string{`{"titles": "President"}`}, "document 1"},
		{"actor without a name", []string{`{"actors": [{"name": "A"}, {"name": " *** ", "type": "PERSON"}]}`}, "actor 2 has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs := make([][]byte, len(tt.docs))
			for i, d := range tt.docs {
				docs[i] = []byte(d)
			}
			_, err := names.NewLexicon(docs...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewLexicon: err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoadLexicon(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"actors": [{"name": "Fox-IT", "type": "COMPANY", "aliases": ["FoxIT"]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := names.LoadLexicon(good)
	if err != nil {
		t.Fatalf("LoadLexicon(%s): %v", good, err)
	}
	if got := l.Resolve("FoxIT"); got.Name != "Fox-IT" || !got.Known {
		t.Errorf("user entry: Resolve(FoxIT) = %+v", got)
	}
	if got := l.Resolve("U.S."); got.Name != "United States" {
		t.Errorf("default entries are lost under a user file: Resolve(U.S.) = %+v", got)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"actors": [{"name": }]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = names.LoadLexicon(bad)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadLexicon(bad file) = %v, want an error naming %s", err, bad)
	}

	missing := filepath.Join(dir, "missing.json")
	_, err = names.LoadLexicon(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadLexicon(missing file) = %v, want fs.ErrNotExist naming %s", err, missing)
	}
}

func TestResolveConcurrent(t *testing.T) {
	l := names.DefaultLexicon()
	in := []string{"U.S.", "Chinese government", "President Donald Trump", "ByteDance Ltd.", "Fox-IT"}
	want := make([]names.Resolution, len(in))
	for i, s := range in {
		want[i] = l.Resolve(s)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(in))
	for range 8 {
		wg.Go(func() {
			for i, s := range in {
				if got := l.Resolve(s); got != want[i] {
					errs <- fmt.Sprintf("Resolve(%q) = %+v concurrently, %+v alone", s, got, want[i])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestResolveGolden resolves every name variant of the example corpus
// (testdata/resolve.input) and compares with testdata/resolve.golden, so
// that a change to the lexicon or to the folding shows as a diff.
func TestResolveGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/resolve.input")
	if err != nil {
		t.Fatal(err)
	}
	l := names.DefaultLexicon()
	var out bytes.Buffer
	for line := range strings.Lines(string(in)) {
		name := strings.TrimSuffix(line, "\n")
		if name == "" || strings.HasPrefix(name, "#") {
			continue
		}
		r := l.Resolve(name)
		fmt.Fprintf(&out, "%q\t%q\t%q\tknown=%v\ttitled=%v\n", name, r.Name, r.Type, r.Known, r.Titled)
	}
	golden := filepath.Join("testdata", "resolve.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestResolveGolden -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		gotLines, wantLines := strings.Split(out.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
			var g, w string
			if i < len(gotLines) {
				g = gotLines[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if g != w {
				t.Errorf("%s line %d:\n got  %s\n want %s", golden, i+1, g, w)
			}
		}
	}
}

// entryNames are the canonical names of the shipped lexicon.
func entryNames(tb testing.TB) map[string]string {
	tb.Helper()
	var f names.LexiconFile
	if err := json.Unmarshal(defaultDoc(tb), &f); err != nil {
		tb.Fatal(err)
	}
	m := make(map[string]string, len(f.Actors))
	for _, e := range f.Actors {
		m[e.Name] = e.Type
	}
	return m
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"U.S.", "the US government", "Chinese", "President Donald Trump", "ByteDance Co., Ltd.", "MP Materials",
		"Secretary of State", "Ltd.", "The", "\xff", "President-Trump", "Lt. Gen. Gen. X", "A/S A/S",
	} {
		f.Add(s, uint8(0))
	}
	l := names.DefaultLexicon()
	entries := entryNames(f)
	types := []string{"", "PERSON", "COMPANY", "GOVERNMENT", "ORGANIZATION", "PRODUCT", "LAW", "PLACE"}
	f.Fuzz(func(t *testing.T, name string, ti uint8) {
		typ := types[int(ti)%len(types)]
		r := l.ResolveAs(name, typ)
		if !utf8.ValidString(r.Name) {
			t.Fatalf("ResolveAs(%q, %q).Name = %q is not valid UTF-8", name, typ, r.Name)
		}
		if r.Known {
			wantType, ok := entries[r.Name]
			if !ok {
				t.Fatalf("ResolveAs(%q, %q) = %+v: Known, but %q is no entry's name", name, typ, r, r.Name)
			}
			if r.Type != wantType || r.Titled {
				t.Fatalf("ResolveAs(%q, %q) = %+v: want the entry's type %q and Titled false", name, typ, r, wantType)
			}
		} else if r.Type != "" {
			t.Fatalf("ResolveAs(%q, %q) = %+v: a type for an unknown name", name, typ, r)
		}
		if r.Titled && typ != "" && typ != "PERSON" {
			t.Fatalf("ResolveAs(%q, %q) stripped a title from a %s", name, typ, typ)
		}
		if names.Key(name) != "" && names.Key(r.Name) == "" {
			t.Fatalf("ResolveAs(%q, %q) emptied the name: %+v", name, typ, r)
		}
		if got := l.ResolveAs(name, typ); got != r {
			t.Fatalf("ResolveAs(%q, %q) is not deterministic: %+v then %+v", name, typ, r, got)
		}
		if typ == "" && l.Resolve(name) != r {
			t.Fatalf("Resolve(%q) = %+v differs from ResolveAs(name, \"\") = %+v", name, l.Resolve(name), r)
		}
	})
}

func FuzzNewLexicon(f *testing.F) {
	f.Add([]byte(`{"titles":["Commander"],"actors":[{"name":"A","aliases":["B"],"demonyms":["C"]}]}`))
	f.Add([]byte(`{"actors":[{"name":""}]}`))
	f.Add([]byte(`{"suffixes":["", "."], "government_words":["", "x"]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		l, err := names.NewLexicon(doc)
		if err != nil {
			return
		}
		// Whatever the document, a lexicon built from it resolves
		// without panicking, and every entry resolves to itself.
		var lf names.LexiconFile
		if json.Unmarshal(doc, &lf) != nil {
			t.Fatalf("NewLexicon accepted %q, which does not unmarshal", doc)
		}
		for _, e := range lf.Actors {
			if names.Key(e.Name) != names.Key(names.Clean(e.Name)) {
				continue // known bug, see TestKeyQuotedPossessive
			}
			r := l.Resolve(e.Name)
			if !r.Known {
				t.Fatalf("entry %q does not resolve: %+v", e.Name, r)
			}
		}
		for _, s := range []string{"", "x", "the x government", "Mr. X Ltd."} {
			l.Resolve(s)
		}
	})
}

func BenchmarkResolve(b *testing.B) {
	l := names.DefaultLexicon()
	in := []string{
		"U.S.", "the US government", "Chinese", "President Donald Trump", "Secretary of State Mike Pompeo",
		"ByteDance Ltd.", "TikTok", "The New York Times", "the Dutch authorities", "Xi Jinping",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Resolve(in[i%len(in)])
	}
}

func ExampleLexicon_Resolve() {
	l := names.DefaultLexicon()
	for _, s := range []string{"the US government", "Chinese", "President Donald Trump", "ByteDance Ltd."} {
		r := l.Resolve(s)
		fmt.Printf("%s → %s (known=%v titled=%v)\n", s, r.Name, r.Known, r.Titled)
	}
	// Output:
	// the US government → United States (known=true titled=false)
	// Chinese → China (known=true titled=false)
	// President Donald Trump → Donald Trump (known=false titled=true)
	// ByteDance Ltd. → ByteDance (known=false titled=false)
}
