package names_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/names"
	"github.com/dossier-kg/dossier/names/places"
)

// natsUnsafe are the bytes a NATS subject token must not hold: the token
// separator, whitespace and the two wildcards.
const natsUnsafe = ". \t\r\n*>"

func TestKey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Donald Trump", "donald trump"},
		{"plus", "C++", "c plus plus"},
		{"sharp", "C#", "c sharp"},
		{"a hashtag is no sharp", "#MeToo", "metoo"},
		{"upper case", "DONALD TRUMP", "donald trump"},
		{"mixed case", "ByteDance", "bytedance"},
		{"acronym dots", "U.S.", "us"},
		{"acronym without dots", "US", "us"},
		{"acronym dots in a phrase", "U.S. Department of Commerce", "us department of commerce"},
		{"dots glue words", "Lt.Gen.", "ltgen"},
		{"straight apostrophe inside", "O'Neil", "oneil"},
		{"curly apostrophe inside", "O’Neil", "oneil"},
		{"left quote inside", "O‘Neil", "oneil"},
		{"backtick inside", "O`Neil", "oneil"},
		{"acute accent as apostrophe", "O´Neil", "oneil"},
		{"possessive curly", "ByteDance’s", "bytedance"},
		{"possessive straight", "ByteDance's", "bytedance"},
		{"possessive then space", "ByteDance's \t", "bytedance"},
		{"possessive in capitals", "BYTEDANCE’S", "bytedance"},
		{"possessive before a closing quote", "“ByteDance's”", "bytedance"},
		{"possessive of a phrase", "the Chinese Communist Party's", "chinese communist party"},
		{"trailing s without apostrophe kept", "Reuters", "reuters"},
		{"s after apostrophe mid-name kept", "People's Republic of China", "peoples republic of china"},
		{"contraction", "it’s", "it"},
		{"leading The", "The Hague", "hague"},
		{"leading the lower case", "the White House", "white house"},
		{"leading THE", "THE NEW YORK TIMES", "new york times"},
		{"leading The with acronym", "The U.S.", "us"},
		{"The alone stays", "The", "the"},
		{"word starting with the", "Theresa May", "theresa may"},
		{"inner the kept", "Speaker of the House", "speaker of the house"},
		{"hyphen splits", "Fox-IT", "fox it"},
		{"slash splits", "A/S", "a s"},
		{"ampersand run is one space", "AT & T", "at t"},
		{"digits kept", "5G", "5g"},
		{"surrounding space", "  Xi   Jinping \n", "xi jinping"},
		{"surrounding quotes", "“Huawei”", "huawei"},
		{"only punctuation", "***", ""},
		{"empty", "", ""},
		{"wildcards and dots", "a.b*>", "ab"},
		{"wildcards between words", "a*b>c", "a b c"},
		{"unicode letters kept", "Zürich", "zürich"},
		{"unicode upper case folded", "ZÜRICH", "zürich"},
		{"greek", "Ελλάδα", "ελλάδα"},
		{"han", "北京 字节跳动", "北京 字节跳动"},
		{"dotted capital I", "İstanbul", "istanbul"},
		{"invalid byte inside dropped", "Byte\xffDance", "bytedance"},
		{"invalid byte alone", "\xff\xfe", ""},
		{"truncated rune dropped", "Z\xc3rich", "zrich"},
		{"replacement character is a separator", "a\uFFFDb", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names.Key(tt.in); got != tt.want {
				t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Spellings that must find one another: this is what lets "U.S." typed
// into a query find the actor "US" in an article created.
func TestKeyFoldsVariantsTogether(t *testing.T) {
	groups := [][]string{
		{"US", "U.S.", "the U.S.", "The US", "us", "U.S.’s"},
		{"ByteDance", "Bytedance", "BYTEDANCE", "ByteDance's", "ByteDance’s", " ByteDance "},
		{"People's Republic of China", "People’s Republic of China", "the Peoples Republic of China"},
		{"Fox-IT", "Fox IT", "fox–it", "FOX_IT"},
	}
	for _, g := range groups {
		want := names.Key(g[0])
		for _, v := range g[1:] {
			if got := names.Key(v); got != want {
				t.Errorf("Key(%q) = %q, but Key(%q) = %q: they should fold together", v, got, g[0], want)
			}
		}
	}
	// And ones that must stay apart.
	apart := [][2]string{
		{"US", "United States"}, // aliases are the lexicon's job, not Key's
		{"Fox-IT", "FoxIT"},
		{"Reuters", "Reuter"},
	}
	for _, p := range apart {
		if names.Key(p[0]) == names.Key(p[1]) {
			t.Errorf("Key(%q) == Key(%q) == %q; they should differ", p[0], p[1], names.Key(p[0]))
		}
	}
}

func TestSlug(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Fox-IT", "fox-it"},
		{"U.S.", "us"},
		{"The New York Times", "new-york-times"},
		{"Donald Trump", "donald-trump"},
		{"a.b*>c", "ab-c"},
		{"*", ""},
		{">", ""},
		{"dossier.>", "dossier"},
		{"a . b", "a-b"},
		{"  spaced\tout\n", "spaced-out"},
		{"Zürich", "zürich"},
		{"ByteDance’s", "bytedance"},
		{"***", ""},
		{"", ""},
		{"x\xff.y", "xy"},
	}
	for _, tt := range tests {
		got := names.Slug(tt.in)
		if got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, natsUnsafe) {
			t.Errorf("Slug(%q) = %q holds a NATS separator, space or wildcard", tt.in, got)
		}
	}
}

func TestToken(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"OWNS", "OWNS"},
		{"SHARES_DATA_WITH", "SHARES_DATA_WITH"},
		{"fox-it", "fox-it"},
		{"MixedCase09", "MixedCase09"},
		{"", "_"},
		{"a.b", "a_b"},
		{"a*b>c d", "a_b_c_d"},
		{">", "_"},
		{"zürich", "z__rich"}, // one '_' per byte of ü
		{"\xff", "_"},
		{"tab\there", "tab_here"},
	}
	for _, tt := range tests {
		got := names.Token(tt.in)
		if got != tt.want {
			t.Errorf("Token(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !isToken(got) {
			t.Errorf("Token(%q) = %q holds a byte outside [A-Za-z0-9_-]", tt.in, got)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Donald Trump", "Donald Trump"},
		{`  "Donald   Trump"  `, "Donald Trump"},
		{"“Huawei”", "Huawei"},
		{"‘TikTok’", "TikTok"},
		{"'TikTok'", "TikTok"},
		{`" ByteDance "`, "ByteDance"},
		{"\tXi\n Jinping\r\n", "Xi Jinping"},
		{"Xi\u00a0Jinping", "Xi Jinping"}, // no-break space is space
		{"Fox-IT", "Fox-IT"},
		{"U.S.", "U.S."},
		{"ByteDance’s", "ByteDance’s"}, // a possessive is Key's business
		{"People's Republic", "People's Republic"},
		{"A\xffB", "AB"},
		{`""`, ""},
		{`" "`, ""},
		{"", ""},
		{"***", "***"},
	}
	for _, tt := range tests {
		got := names.Clean(tt.in)
		if got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := names.Clean(got); again != got {
			t.Errorf("Clean is not idempotent on %q: %q then %q", tt.in, got, again)
		}
	}
}

func TestKeyPossessiveAfterSeparator(t *testing.T) {
	for _, in := range []string{"x 's", "Fox-IT -’s"} {
		if k := names.Key(in); strings.HasSuffix(k, " ") {
			t.Errorf("Key(%q) = %q ends in a space", in, k)
		}
	}
}

func TestKeyUpperCasePossessive(t *testing.T) {
	if a, b := names.Key("BYTEDANCE'S"), names.Key("BYTEDANCE"); a != b {
		t.Errorf("Key(%q) = %q, Key(%q) = %q", "BYTEDANCE'S", a, "BYTEDANCE", b)
	}
}

func TestKeyQuotedPossessive(t *testing.T) {
	if a, b := names.Key("“ByteDance’s”"), names.Key("ByteDance’s"); a != b {
		t.Errorf("Key(quoted possessive) = %q, Key(possessive) = %q", a, b)
	}
}

func TestKeyPossessiveBeforeInvalidByte(t *testing.T) {
	if a, b := names.Key("Bob's\xff"), names.Key("Bob's"); a != b {
		t.Errorf("Key(%q) = %q, Key(%q) = %q", "Bob's\xff", a, "Bob's", b)
	}
}

func TestKeyDecomposedAccents(t *testing.T) {
	if a, b := names.Key("Zu\u0308rich"), names.Key("Zürich"); a != b {
		t.Errorf("Key(NFD Zürich) = %q, Key(NFC Zürich) = %q", a, b)
	}
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{
		"", "U.S.", "The U.S.", "ByteDance’s", "Fox-IT", "Zürich", "a.b*>", "\xff", "the the x",
		"The The", "People's Republic of China", "  x  ", "İstanbul", "ǅemal", "ΣΑΣ", "x's", "it’s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := names.Key(s)
		if !utf8.ValidString(k) {
			t.Fatalf("Key(%q) = %q is not valid UTF-8", s, k)
		}
		// A key is lower-case words of letters, digits and the marks
		// that accent them, one space apart.
		if strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") {
			t.Fatalf("Key(%q) = %q has stray spaces", s, k)
		}
		for _, r := range k {
			if r != ' ' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				t.Fatalf("Key(%q) = %q holds %q, neither letter, digit, mark nor space", s, k, r)
			}
		}
		// Folding a key again changes nothing, except that a key may
		// itself start with "the " ("The the Beatles" → "the beatles"),
		// which the second pass removes as a leading article.
		if got, want := names.Key(k), strings.TrimPrefix(k, "the "); got != want {
			t.Fatalf("Key(Key(%q)) = %q, want %q (Key = %q)", s, got, want, k)
		}
		if k == "" && strings.IndexFunc(s, func(r rune) bool {
			return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
		}) >= 0 && !strings.ContainsAny(s, "'’") {
			t.Fatalf("Key(%q) is empty, yet the name holds a letter or digit", s)
		}

		sl := names.Slug(s)
		if strings.ContainsAny(sl, natsUnsafe) {
			t.Fatalf("Slug(%q) = %q holds a NATS separator, space or wildcard", s, sl)
		}
		if sl != strings.ReplaceAll(k, " ", "-") {
			t.Fatalf("Slug(%q) = %q, not Key with '-' for spaces (%q)", s, sl, k)
		}

		tok := names.Token(s)
		if !isToken(tok) {
			t.Fatalf("Token(%q) = %q holds a byte outside [A-Za-z0-9_-]", s, tok)
		}
		if s != "" && len(tok) != len(s) {
			t.Fatalf("Token(%q) = %q changes the length", s, tok)
		}
		if isToken(s) && tok != s {
			t.Fatalf("Token(%q) = %q changes a token that was already safe", s, tok)
		}

		c := names.Clean(s)
		if !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) = %q is not valid UTF-8", s, c)
		}
		if names.Clean(c) != c {
			t.Fatalf("Clean is not idempotent: Clean(%q) = %q, Clean of that = %q", s, c, names.Clean(c))
		}
		if strings.TrimSpace(c) != c {
			t.Fatalf("Clean(%q) = %q keeps surrounding space", s, c)
		}
	})
}

func BenchmarkKey(b *testing.B) {
	in := []string{"Donald Trump", "the U.S. government", "ByteDance’s", "Secretary of State Mike Pompeo", "Zürich"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		names.Key(in[i%len(in)])
	}
}

func ExampleKey() {
	fmt.Printf("%q\n", names.Key("The U.S."))
	fmt.Printf("%q\n", names.Key("US"))
	fmt.Printf("%q\n", names.Key("ByteDance’s"))
	fmt.Printf("%q\n", names.Key("Fox-IT"))
	fmt.Printf("%q\n", names.Key("Zürich"))
	// Output:
	// "us"
	// "us"
	// "bytedance"
	// "fox it"
	// "zürich"
}

func ExampleSlug() {
	fmt.Println(names.Slug("The New York Times"))
	fmt.Println(names.Slug("Fox-IT"))
	fmt.Println(names.Slug("U.S."))
	fmt.Printf("%q\n", names.Slug("*>"))
	// Output:
	// new-york-times
	// fox-it
	// us
	// ""
}

func TestGivenName(t *testing.T) {
	for w, want := range map[string]bool{"Armando": true, "tony": true, "Margaret": true, "Holdings": false, "Exchange": false, "": false} {
		if got := names.GivenName(w); got != want {
			t.Errorf("GivenName(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestPlace(t *testing.T) {
	for n, want := range map[string]bool{"Tokyo": true, "new york": true, "Florida": true, "Acme Holdings": false, "": false} {
		if got := names.Place(n); got != want {
			t.Errorf("Place(%q) = %v, want %v", n, got, want)
		}
	}
}

// places.txt is what its generator writes from WordNet: edit the seeds
// in names/places, never the file.
func TestPlacesFileIsCurrent(t *testing.T) {
	dir := places.DefaultWordNet()
	if _, err := os.Stat(filepath.Join(dir, "data.noun")); err != nil {
		t.Skipf("WordNet is not in %s (apt-get install wordnet-base, or set WNSEARCHDIR): %v", dir, err)
	}
	want, err := places.Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("places.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("places.txt differs from what names/gen writes: run go generate ./names")
	}
}
