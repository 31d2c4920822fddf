package eval

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

const goldDir = "../examples/corpus/gold"

// jsonl is the JSON-lines encoding of lines, as `dossier export` writes it.
func jsonl(t testing.TB, lines []Line) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func loadGold(t *testing.T) (map[string][]Line, *Aliases) {
	t.Helper()
	gold, aliases, err := LoadGold(goldDir)
	if err != nil {
		t.Fatal(err)
	}
	if aliases == nil {
		t.Fatalf("%s has no %s", goldDir, AliasesFile)
	}
	return gold, aliases
}

// TestGoldAgainstItself feeds the gold keys back as one exported stream:
// every score must be perfect.
func TestGoldAgainstItself(t *testing.T) {
	gold, aliases := loadGold(t)
	var stream []Line
	for doc, lines := range gold {
		for _, l := range lines {
			l.Document = doc
			stream = append(stream, l)
		}
	}
	lines, err := ReadLines(bytes.NewReader(jsonl(t, stream)))
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(gold, GroupByDocument(lines), aliases)

	perfect := func(what string, s Score) {
		t.Helper()
		if s.Gold == 0 || s.Matched != s.Gold || s.Matched != s.Predicted ||
			s.Precision() != 1 || s.Recall() != 1 || s.F1() != 1 {
			t.Errorf("%s: %+v, P %v R %v F1 %v; want all 1", what, s, s.Precision(), s.Recall(), s.F1())
		}
	}
	perfect("assertions", r.Assertions)
	perfect("actors", r.Actors)
	perfect("actors, untyped", r.ActorsUntyped)
	for p, s := range r.PerPredicate {
		perfect("predicate "+p, s)
	}
	if len(r.PerDocument) != len(gold) {
		t.Errorf("%d documents scored, want %d", len(r.PerDocument), len(gold))
	}
	for doc, d := range r.PerDocument {
		perfect(doc+" assertions", d.Assertions)
		perfect(doc+" actors", d.Actors)
		perfect(doc+" actors, untyped", d.ActorsUntyped)
	}
	if r.ModalityAccuracy != 1 || r.AttributionAccuracy != 1 {
		t.Errorf("modality accuracy %v, attribution accuracy %v; want 1", r.ModalityAccuracy, r.AttributionAccuracy)
	}
	if n := len(r.Misses) + len(r.FalseHits) + len(r.ActorMisses) + len(r.ActorFalseHits) + len(r.IgnoredDocuments); n != 0 {
		t.Errorf("%d misses, false hits or ignored documents, want none: %+v", n, r)
	}
	t.Logf("gold vs gold: %d documents, %d assertions, %d actors", len(r.PerDocument), r.Assertions.Gold, r.Actors.Gold)
}

// TestGoldNamesAreCanonical checks the answer keys against their alias
// table: every name they use is a canonical name of aliases.json.
func TestGoldNamesAreCanonical(t *testing.T) {
	gold, aliases := loadGold(t)
	for doc, lines := range gold {
		for _, l := range lines {
			names := []string{l.Name, l.Subject, l.Object}
			if l.AttributedTo != nil {
				names = append(names, *l.AttributedTo)
			}
			for _, n := range names {
				if n != "" && aliases.Canonical(n) != n {
					t.Errorf("%s: %q is not a canonical name of %s (it maps to %q)", doc, n, AliasesFile, aliases.Canonical(n))
				}
			}
		}
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"U.S.", "US"},
		{"the U.S.", "us"},
		{"Fox-IT", "Fox IT"},
		{"People’s Republic of China", "People's Republic of China"},
		{"  The Netherlands ", "netherlands"},
		{"THE HAGUE CENTER", "Hague Center"},
		{"NU.nl", "nunl"},
		{"Zürich", "zürich"},
		{"the the Band", "band"},
	} {
		if fa, fb := Fold(tc.a), Fold(tc.b); fa != fb {
			t.Errorf("Fold(%q) = %q, Fold(%q) = %q; want equal", tc.a, fa, tc.b, fb)
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"Theo Bertram", "Bertram"}, // "the" only as a word
		{"D66", "D 66"},
	} {
		if Fold(tc.a) == Fold(tc.b) {
			t.Errorf("Fold(%q) == Fold(%q) == %q; want different", tc.a, tc.b, Fold(tc.a))
		}
	}
}

func TestAliases(t *testing.T) {
	_, aliases := loadGold(t)
	for name, want := range map[string]string{
		"the US":                             "United States",
		"The U.S. Government":                "United States",
		"Trump":                              "Donald Trump",
		"People’s Republic of China":         "China",
		"the people's republic of china":     "China",
		"Fox IT":                             "Fox-IT",
		"Hague Center for Strategic Studies": "The Hague Center for Strategic Studies",
		"Some Unknown Body":                  "some unknown body",
	} {
		if got := aliases.Canonical(name); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", name, got, want)
		}
	}
	var none *Aliases
	if got := none.Canonical(" The U.S. "); got != "us" {
		t.Errorf("nil Aliases: Canonical = %q, want %q", got, "us")
	}
	if _, err := ParseAliases([]byte(`{"China": ["Beijing"], "Beijing City": ["beijing"]}`)); err == nil {
		t.Error("ParseAliases accepted a variant listed under two canonical names")
	}
	if _, err := ParseAliases([]byte(`{"China": ["..."]}`)); err == nil {
		t.Error("ParseAliases accepted a variant with no letter or digit")
	}
}

func TestReadLines(t *testing.T) {
	in := "\ufeff{\"kind\": \"actor\", \"name\": \"TikTok\", \"type\": \"PRODUCT\", \"extra\": [1, 2]}\r\n" +
		"\n# a comment\n" +
		`{"kind": "actor", "name": "X", "type": null, "document": "d"}` + "\n" +
		`{"kind": "assertion", "subject": "A", "predicate": "OWNS", "object": "B", "polarity": "affirmed", "attributed_to": "C"}` // no final newline
	lines, err := ReadLines(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	c := "C"
	want := []Line{
		{Kind: KindActor, Name: "TikTok", Type: "PRODUCT"},
		{Kind: KindActor, Name: "X", Document: "d"},
		{Kind: KindAssertion, Subject: "A", Predicate: "OWNS", Object: "B", Polarity: "affirmed", AttributedTo: &c},
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("ReadLines = %+v, want %+v", lines, want)
	}

	for _, tc := range []struct{ in, want string }{
		{"{\"kind\":\"actor\",\"name\":\"A\"}\n\n{not json}\n", "line 3:"},
		{`{"kind":"actor","name":"A"}` + "\n" + `{"kind":"actor"}`, "line 2: actor line has no name"},
		{`{"kind":"relation","name":"A"}`, `line 1: unknown kind "relation"`},
		{`{"name":"A"}`, `line 1: line has no "kind"`},
		{`{"kind":"assertion","subject":"A","object":"B"}`, "line 1: assertion line has no predicate, polarity"},
		{`{"kind":"actor","name":"A"} {"kind":"actor","name":"B"}`, "line 1:"},
	} {
		_, err := ReadLines(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadLines(%q) error = %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

func TestLoadGoldWithoutAliases(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "doc.jsonl"), []byte(`{"kind":"actor","name":"The U.S.","type":"GOVERNMENT"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gold, aliases, err := LoadGold(dir)
	if err != nil {
		t.Fatal(err)
	}
	if aliases != nil || len(gold["doc"]) != 1 {
		t.Fatalf("LoadGold = %v, %v; want one document and nil aliases", gold, aliases)
	}
	pred := map[string][]Line{"doc": {{Kind: KindActor, Name: "US", Type: "government"}}}
	if r := Evaluate(gold, pred, aliases); r.Actors != (Score{1, 1, 1}) {
		t.Errorf("actors %+v, want a match", r.Actors)
	}
	if _, _, err := LoadGold(t.TempDir()); err == nil {
		t.Error("LoadGold of an empty directory: no error")
	}
}

// TestEvaluate runs small hand-made cases through the real alias table.
func TestEvaluate(t *testing.T) {
	_, aliases := loadGold(t)
	a := func(s, p, o, pol string) string {
		l := Line{Kind: KindAssertion, Subject: s, Predicate: p, Object: o, Polarity: pol, Modality: "actual", Evidence: s + " " + p + " " + o}
		b, _ := json.Marshal(l)
		return string(b)
	}
	actor := func(name, typ string) string {
		b, _ := json.Marshal(Line{Kind: KindActor, Name: name, Type: typ})
		return string(b)
	}
	type want struct {
		assertions, actors, untyped Score
		misses, falseHits           int
		modality, attribution       int // correct counts
	}
	for _, tc := range []struct {
		name      string
		gold      map[string][]string
		predicted map[string][]string
		want      want
	}{{
		name:      "symmetric predicate matches either way round",
		gold:      map[string][]string{"d": {a("Donald Trump", "MEETS", "Xi Jinping", "affirmed"), a("TikTok", "COMPETES_WITH", "Instagram", "affirmed")}},
		predicted: map[string][]string{"d": {a("Xi Jinping", "MEETS", "Donald Trump", "affirmed"), a("Instagram", "COMPETES_WITH", "TikTok", "affirmed")}},
		want:      want{assertions: Score{2, 2, 2}, modality: 2, attribution: 2},
	}, {
		name:      "other predicates are not symmetric",
		gold:      map[string][]string{"d": {a("ByteDance", "OWNS", "TikTok", "affirmed")}},
		predicted: map[string][]string{"d": {a("TikTok", "OWNS", "ByteDance", "affirmed")}},
		want:      want{assertions: Score{0, 1, 1}, misses: 1, falseHits: 1},
	}, {
		name:      "both orders of a symmetric assertion count once",
		gold:      map[string][]string{"d": {a("Donald Trump", "MEETS", "Xi Jinping", "affirmed")}},
		predicted: map[string][]string{"d": {a("Donald Trump", "MEETS", "Xi Jinping", "affirmed"), a("Xi", "MEETS", "Trump", "affirmed")}},
		want:      want{assertions: Score{1, 1, 1}, modality: 1, attribution: 1},
	}, {
		name:      "aliases",
		gold:      map[string][]string{"d": {a("United States", "BANS", "TikTok", "affirmed"), a("Donald Trump", "TARGETS", "TikTok", "affirmed")}},
		predicted: map[string][]string{"d": {a("the US", "BANS", "Tiktok", "affirmed"), a("Trump", "TARGETS", "TikTok", "affirmed")}},
		want:      want{assertions: Score{2, 2, 2}, modality: 2, attribution: 2},
	}, {
		name:      "punctuation and case are folded",
		gold:      map[string][]string{"d": {a("Sanne Maasakkers", "MEMBER_OF", "Fox-IT", "affirmed"), a("Acme Corp.", "OWNS", "Widget", "affirmed")}},
		predicted: map[string][]string{"d": {a("sanne maasakkers", "MEMBER_OF", "Fox IT", "affirmed"), a("ACME corp", "owns", "widget", "Affirmed")}},
		want:      want{assertions: Score{2, 2, 2}, modality: 2, attribution: 2},
	}, {
		name:      "a leading the is ignored",
		gold:      map[string][]string{"d": {a("Acme Institute", "INVESTIGATES", "The Widget App", "affirmed")}},
		predicted: map[string][]string{"d": {a("the Acme Institute", "INVESTIGATES", "Widget App", "affirmed")}},
		want:      want{assertions: Score{1, 1, 1}, modality: 1, attribution: 1},
	}, {
		name:      "polarity mismatch is a miss and a false hit",
		gold:      map[string][]string{"d": {a("TikTok", "SHARES_DATA_WITH", "China", "negated")}},
		predicted: map[string][]string{"d": {a("TikTok", "SHARES_DATA_WITH", "China", "affirmed")}},
		want:      want{assertions: Score{0, 1, 1}, misses: 1, falseHits: 1},
	}, {
		name: "duplicate lines count once",
		gold: map[string][]string{"d": {a("ByteDance", "OWNS", "TikTok", "affirmed"), a("Bytedance", "OWNS", "TikTok", "affirmed")}},
		predicted: map[string][]string{"d": {
			a("ByteDance", "OWNS", "TikTok", "affirmed"), a("ByteDance", "OWNS", "TikTok", "affirmed"), a("Bytedence", "OWNS", "Tiktok", "affirmed"),
			a("Microsoft", "OWNS", "TikTok", "affirmed"), a("Microsoft", "OWNS", "TikTok", "affirmed"),
		}},
		want: want{assertions: Score{1, 2, 1}, falseHits: 1, modality: 1, attribution: 1},
	}, {
		name: "modality and attribution over matched pairs",
		gold: map[string][]string{"d": {
			`{"kind":"assertion","subject":"Mike Pompeo","predicate":"ACCUSES","object":"TikTok","polarity":"affirmed","modality":"actual","attributed_to":"Mike Pompeo"}`,
			`{"kind":"assertion","subject":"United States","predicate":"BANS","object":"TikTok","polarity":"affirmed","modality":"intended","attributed_to":null}`,
			`{"kind":"assertion","subject":"Microsoft","predicate":"ACQUIRES","object":"TikTok","polarity":"affirmed","modality":"intended","attributed_to":null}`,
			`{"kind":"assertion","subject":"Oracle","predicate":"ACQUIRES","object":"TikTok","polarity":"affirmed","modality":"intended","attributed_to":null}`,
		}},
		predicted: map[string][]string{"d": {
			`{"kind":"assertion","subject":"Pompeo","predicate":"ACCUSES","object":"TikTok","polarity":"affirmed","modality":"actual","attributed_to":"Mr Pompeo"}`,
			`{"kind":"assertion","subject":"US","predicate":"BANS","object":"TikTok","polarity":"affirmed","modality":"actual"}`,
			`{"kind":"assertion","subject":"Microsoft","predicate":"ACQUIRES","object":"TikTok","polarity":"affirmed","modality":"INTENDED","attributed_to":"Microsoft"}`,
			// Two readings of one assertion: either may agree.
			`{"kind":"assertion","subject":"Oracle","predicate":"ACQUIRES","object":"TikTok","polarity":"affirmed","modality":"actual","attributed_to":"Donald Trump"}`,
			`{"kind":"assertion","subject":"Oracle","predicate":"ACQUIRES","object":"TikTok","polarity":"affirmed","modality":"intended","attributed_to":""}`,
		}},
		want: want{assertions: Score{4, 4, 4}, modality: 3, attribution: 3},
	}, {
		name:      "type mismatch fails the typed actor score, not the untyped",
		gold:      map[string][]string{"d": {actor("ByteDance", "COMPANY"), actor("TikTok", "PRODUCT"), actor("United States", "GOVERNMENT")}},
		predicted: map[string][]string{"d": {actor("ByteDance", "PRODUCT"), actor("Tiktok", "product"), actor("the U.S.", ""), actor("US", "")}},
		want:      want{actors: Score{1, 3, 3}, untyped: Score{3, 3, 3}},
	}, {
		name: "a document missing from predicted is all misses; an unknown one is ignored",
		gold: map[string][]string{
			"d1": {actor("TikTok", "PRODUCT"), a("ByteDance", "OWNS", "TikTok", "affirmed")},
			"d2": {actor("WeChat", "PRODUCT"), a("Tencent", "OWNS", "WeChat", "affirmed"), a("Tencent", "OPERATES", "WeChat", "affirmed")},
		},
		predicted: map[string][]string{
			"d1":    {actor("TikTok", "PRODUCT"), a("ByteDance", "OWNS", "TikTok", "affirmed")},
			"other": {actor("Acme", "COMPANY"), a("Acme", "OWNS", "Widget", "affirmed")},
		},
		want: want{assertions: Score{1, 1, 3}, actors: Score{1, 1, 2}, untyped: Score{1, 1, 2}, misses: 2, modality: 1, attribution: 1},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			parse := func(docs map[string][]string, withDocument bool) map[string][]Line {
				var all []Line
				byDoc := map[string][]Line{}
				for doc, ls := range docs {
					lines, err := ReadLines(strings.NewReader(strings.Join(ls, "\n")))
					if err != nil {
						t.Fatal(err)
					}
					for i := range lines {
						if withDocument {
							lines[i].Document = doc
						}
					}
					all = append(all, lines...)
					byDoc[doc] = lines
				}
				if withDocument {
					return GroupByDocument(all)
				}
				return byDoc
			}
			gold, pred := parse(tc.gold, false), parse(tc.predicted, true)
			r := Evaluate(gold, pred, aliases)
			got := want{
				assertions: r.Assertions, actors: r.Actors, untyped: r.ActorsUntyped,
				misses: len(r.Misses), falseHits: len(r.FalseHits),
				modality: r.ModalityCorrect, attribution: r.AttributionCorrect,
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			var sum DocReport
			for _, d := range r.PerDocument {
				sum.Assertions.add(d.Assertions)
				sum.Actors.add(d.Actors)
			}
			if sum.Assertions != r.Assertions || sum.Actors != r.Actors {
				t.Errorf("documents sum to %+v, %+v; totals are %+v, %+v", sum.Assertions, sum.Actors, r.Assertions, r.Actors)
			}
			var byPred Score
			for _, s := range r.PerPredicate {
				byPred.add(s)
			}
			if byPred != r.Assertions {
				t.Errorf("predicates sum to %+v, total is %+v", byPred, r.Assertions)
			}
		})
	}
}

func TestMissingDocument(t *testing.T) {
	gold := map[string][]Line{
		"d1": {{Kind: KindAssertion, Subject: "A", Predicate: "OWNS", Object: "B", Polarity: "affirmed"}},
		"d2": {{Kind: KindAssertion, Subject: "C", Predicate: "OWNS", Object: "D", Polarity: "affirmed"}},
	}
	pred := GroupByDocument([]Line{
		{Kind: KindAssertion, Subject: "A", Predicate: "OWNS", Object: "B", Polarity: "affirmed", Document: "d1"},
		{Kind: KindAssertion, Subject: "E", Predicate: "OWNS", Object: "F", Polarity: "affirmed", Document: "zz"},
	})
	r := Evaluate(gold, pred, nil)
	if !r.PerDocument["d2"].Unpredicted || r.PerDocument["d1"].Unpredicted {
		t.Errorf("Unpredicted: d1 %v, d2 %v; want false, true", r.PerDocument["d1"].Unpredicted, r.PerDocument["d2"].Unpredicted)
	}
	if len(r.Misses) != 1 || r.Misses[0].Document != "d2" || r.Misses[0].Line.Subject != "C" {
		t.Errorf("misses %+v, want C OWNS D in d2", r.Misses)
	}
	if !reflect.DeepEqual(r.IgnoredDocuments, []string{"zz"}) {
		t.Errorf("ignored %v, want [zz]", r.IgnoredDocuments)
	}
}

func TestScoreUndefined(t *testing.T) {
	for _, s := range []Score{{}, {0, 0, 3}, {0, 3, 0}} {
		if s.Precision() != 0 || s.Recall() != 0 || s.F1() != 0 {
			t.Errorf("%+v: P %v R %v F1 %v, want 0", s, s.Precision(), s.Recall(), s.F1())
		}
	}
	if s := (Score{Matched: 1, Predicted: 2, Gold: 4}); s.F1() != 2*0.5*0.25/0.75 {
		t.Errorf("%+v: F1 %v", s, s.F1())
	}
}

// TestWriteText compares the verbose report of testdata/predicted.jsonl,
// against the gold of the two documents it covers, with
// testdata/report.golden. Run with -update to rewrite the golden file.
func TestWriteText(t *testing.T) {
	all, aliases := loadGold(t)
	gold := map[string][]Line{}
	for _, doc := range []string{"000_8a48f4ee827dbde4", "003_51870c31cd81b6f3"} {
		gold[doc] = all[doc]
	}
	f, err := os.Open("testdata/predicted.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := ReadLines(f)
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(gold, GroupByDocument(lines), aliases)
	var out bytes.Buffer
	if err := r.WriteText(&out, true); err != nil {
		t.Fatal(err)
	}

	const golden = "testdata/report.golden"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("WriteText output differs from %s (go test -update rewrites it):\n%s", golden, out.Bytes())
	}

	var brief bytes.Buffer
	if err := r.WriteText(&brief, false); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(want, brief.Bytes()) || brief.Len() == len(want) {
		t.Error("the non-verbose report is not the verbose one without its list of misses")
	}
}

func FuzzReadLines(f *testing.F) {
	for _, p := range []string{filepath.Join(goldDir, "003_51870c31cd81b6f3.jsonl"), "testdata/predicted.jsonl"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add(`{"kind":"actor","name":"A"}`)
	f.Add(`{"kind":"assertion","subject":"A","predicate":"MEETS","object":"B","polarity":"x","attributed_to":""}`)
	f.Add("{\"kind\":\"actor\",\"name\":\"\xff\"}\n#\n\n")
	f.Add(`{"kind":"actor","name":null}`)
	f.Add("null")
	f.Add("[]")

	f.Fuzz(func(t *testing.T, data string) {
		lines, err := ReadLines(strings.NewReader(data))
		if err != nil {
			return
		}
		again, err := ReadLines(bytes.NewReader(jsonl(t, lines)))
		if err != nil {
			t.Fatalf("re-reading written lines: %v", err)
		}
		if len(lines) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(again, lines) {
			t.Fatalf("round trip changed lines:\n%+v\n%+v", lines, again)
		}
		// Scoring lines against themselves is perfect.
		docs := GroupByDocument(lines)
		r := Evaluate(docs, docs, nil)
		if r.Assertions.Matched != r.Assertions.Gold || r.Actors.Matched != r.Actors.Gold ||
			len(r.Misses)+len(r.FalseHits)+len(r.ActorMisses)+len(r.ActorFalseHits) != 0 {
			t.Fatalf("lines scored against themselves: %+v", r)
		}
	})
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"U.S.", "The the  Fox-IT", "People’s", "Zu\u0308rich", "\xff the x", "İstanbul", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if twice := Fold(once); twice != once {
			t.Fatalf("Fold(%q) = %q, but Fold(%q) = %q", s, once, once, twice)
		}
		if strings.HasPrefix(once, " ") || strings.HasSuffix(once, " ") || strings.Contains(once, "  ") {
			t.Fatalf("Fold(%q) = %q has stray spaces", s, once)
		}
	})
}

// Each miss and false hit says why it did not match: what the other side
// has nearest to it.
func TestMissKinds(t *testing.T) {
	as := func(s, p, o, pol string) Line {
		return Line{Kind: KindAssertion, Subject: s, Predicate: p, Object: o, Polarity: pol, Document: "d", Evidence: "x"}
	}
	actor := func(n string) Line { return Line{Kind: KindActor, Name: n, Type: "COMPANY", Document: "d"} }
	gold := []Line{actor("A"), actor("B"), actor("C"), actor("D"), actor("E"),
		as("A", "OWNS", "B", "affirmed"),  // predicted the other way: direction
		as("A", "BANS", "C", "affirmed"),  // predicted negated: polarity
		as("B", "OWNS", "C", "affirmed"),  // predicted as ACQUIRES: predicate
		as("C", "LEADS", "D", "affirmed"), // nothing between C and D: relation
		as("A", "OWNS", "Z", "affirmed"),  // Z was never found: actor
	}
	pred := []Line{actor("A"), actor("B"), actor("C"), actor("D"),
		as("B", "OWNS", "A", "affirmed"), as("A", "BANS", "C", "negated"), as("B", "ACQUIRES", "C", "affirmed"),
		as("A", "OWNS", "Q", "affirmed"), // Q is no gold actor: actor
	}
	r := Evaluate(map[string][]Line{"d": gold}, map[string][]Line{"d": pred}, nil)
	got := map[string]string{}
	for _, m := range r.Misses {
		got["miss "+m.Line.Subject+" "+m.Line.Predicate+" "+m.Line.Object] = m.Kind
	}
	for _, m := range r.FalseHits {
		got["hit "+m.Line.Subject+" "+m.Line.Predicate+" "+m.Line.Object] = m.Kind
	}
	want := map[string]string{
		"miss A OWNS B": KindDirection, "miss A BANS C": KindPolarity, "miss B OWNS C": KindPredicate,
		"miss C LEADS D": KindRelation, "miss A OWNS Z": KindActorMissing,
		"hit B OWNS A": KindDirection, "hit A BANS C": KindPolarity, "hit B ACQUIRES C": KindPredicate, "hit A OWNS Q": KindActorMissing,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: kind %q, want %q", k, got[k], w)
		}
	}
	if n := MissKinds(r.Misses); n[KindRelation] != 1 || n[KindActorMissing] != 1 {
		t.Errorf("MissKinds = %v", n)
	}
}
