package extract_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
)

func rules(t testing.TB) *extract.Rules {
	t.Helper()
	x, err := extract.NewRules(extract.RulesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// Every assertion's evidence is a verbatim sentence of its document, at
// the code point offsets it claims.
func TestEvidenceOffsets(t *testing.T) {
	x := rules(t)
	n := 0
	for _, doc := range corpusDocs(t) {
		res, err := x.Extract(context.Background(), doc, nil)
		if err != nil {
			t.Fatal(err)
		}
		runes := []rune(doc.Text)
		for _, a := range res.Assertions {
			n++
			ev := a.Evidence
			if ev.Start == nil || ev.End == nil {
				t.Fatalf("%s: assertion without offsets: %+v", doc.Source, a)
			}
			if got := string(runes[*ev.Start:*ev.End]); got != ev.Sentence {
				t.Errorf("%s [%d:%d] = %q, evidence %q", doc.Source, *ev.Start, *ev.End, got, ev.Sentence)
			}
			if ev.DocumentID != doc.ID || ev.Document != doc.Source {
				t.Errorf("evidence names document %q/%q, want %q/%q", ev.DocumentID, ev.Document, doc.ID, doc.Source)
			}
			if a.Producer.Name != "rules" || a.Producer.Version != extract.RulesVersion {
				t.Errorf("producer %v", a.Producer)
			}
		}
	}
	if n == 0 {
		t.Fatal("no assertions extracted from the corpus")
	}
}

func TestSplitSentences(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"Mr. Pompeo said so. The U.S. agreed.", []string{"Mr. Pompeo said so.", "The U.S. agreed."}},
		{`"We may ban it," Trump told reporters. "We'll see."`, []string{`"We may ban it," Trump told reporters.`, `"We'll see."`}},
		{"“It is a risk.” Then he left.", []string{"“It is a risk.”", "Then he left."}},
		{"Headline without a stop\nBody text here. More.", []string{"Headline without a stop", "Body text here.", "More."}},
		{"It costs 3.5 billion. Shares in U.S.-based firms fell.", []string{"It costs 3.5 billion.", "Shares in U.S.-based firms fell."}},
		{"Gen. Smith of the U.S. Army spoke.", []string{"Gen. Smith of the U.S. Army spoke."}},
		{"Is it? Yes! Done", []string{"Is it?", "Yes!", "Done"}},
		{"", nil},
	} {
		var got []string
		for _, s := range extract.SplitSentences(c.text) {
			got = append(got, s.Text)
			if c.text[s.Start:s.End] != s.Text || string([]rune(c.text)[s.RuneStart:s.RuneEnd]) != s.Text {
				t.Errorf("offsets of %q are wrong", s.Text)
			}
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("SplitSentences(%q)\n got %q\nwant %q", c.text, got, c.want)
		}
	}
}

// Table of small, general sentences and what the rules must read in
// them: voice, negation, modality, attribution, lists, appositions.
func TestRulesPatterns(t *testing.T) {
	x := rules(t)
	for _, c := range []struct {
		text string
		want []string // "Subject PREDICATE Object polarity/modality[ per Speaker]"; "not …": must not be read
	}{
		{"Acme Corp is owned by Globex Holdings.", []string{"Globex Holdings OWNS Acme affirmed/actual"}},
		{"Germany banned the messaging app Zapchat.", []string{"Germany BANS Zapchat affirmed/actual"}},
		{"France did not ban Zapchat.", []string{"France BANS Zapchat negated/actual"}},
		{"Japan could sanction Initech.", []string{"Japan SANCTIONS Initech affirmed/possible"}},
		{"Canada plans to ban Zapchat and Quickgram.", []string{"Canada BANS Zapchat affirmed/intended", "Canada BANS Quickgram affirmed/intended"}},
		{"Zapchat was banned in India last year.", []string{"India BANS Zapchat affirmed/actual"}},
		{"\"Zapchat passes data to the Chinese government,\" said analyst Maria Lopez.", []string{"Zapchat SHARES_DATA_WITH China affirmed/actual per Maria Lopez", "Maria Lopez ACCUSES Zapchat affirmed/actual per Maria Lopez"}},
		{"Toronto-based Initech makes software.", []string{"Initech LOCATED_IN Toronto affirmed/actual"}},
		{"John Smith of Initech said the deal was good.", []string{"John Smith MEMBER_OF Initech affirmed/actual"}},
		{"Germany's economy minister Robert Habeck spoke.", []string{"Robert Habeck MEMBER_OF Germany affirmed/actual"}},
		{"Jack Dorsey met French President Emmanuel Macron.", []string{"Emmanuel Macron LEADS France affirmed/actual", "Jack Dorsey MEETS Emmanuel Macron affirmed/actual"}},
		{"Berlin was studying whether to block the sale of Siltronic to Taiwan's GlobalWafers.", []string{"Germany BANS Siltronic affirmed/actual"}},
		{"Canada banned the messaging app Zapchat in March last year.", []string{"Canada BANS Zapchat affirmed/actual"}},
		// Roles and relational nouns.
		{"Globex's chairman Hank Scorpio and chief executive Lisa Turner resigned.", []string{"Hank Scorpio LEADS Globex affirmed/actual", "Lisa Turner LEADS Globex affirmed/actual"}},
		{"Rita Moreno, chairman of the Quill Foundation, spoke.", []string{"Rita Moreno LEADS Quill Foundation affirmed/actual"}},
		{"Initech's chief financial officer Peter Gibbons left.", []string{"Peter Gibbons MEMBER_OF Initech affirmed/actual"}},
		{"Wallace Trent, an analyst at Vickers Securities, said the bid was low.", []string{"Wallace Trent MEMBER_OF Vickers Securities affirmed/actual"}},
		{"Dunmore Audit, Initech's independent auditor, was replaced.", []string{"Dunmore Audit INVESTIGATES Initech affirmed/actual"}},
		{"Ana Ruiz, from Global Rights Watch, said the law was harsh.", []string{"Ana Ruiz MEMBER_OF Global Rights Watch affirmed/actual"}},
		{"Acme Brewing makes beer. Its top brands include Brightbrew, Hopfield and Maltby.", []string{"Acme Brewing OWNS Brightbrew affirmed/actual", "Acme Brewing OWNS Maltby affirmed/actual"}},
		{"Peruvian counterpart Minister Rufus Firefly will attend.", []string{"Rufus Firefly MEMBER_OF Peru affirmed/actual"}},
		{"JP Sharp and Joan Carr own 29% of Globex through their investment vehicle Cubic Ventures.", []string{"JP Sharp OWNS Globex affirmed/actual", "Cubic Ventures OWNS Globex affirmed/actual", "Joan Carr OWNS Cubic Ventures affirmed/actual"}},
		// Event nouns.
		{"Initech has withdrawn its takeover offer for rival bank Globex Holdings.", []string{"Initech ACQUIRES Globex Holdings negated/intended", "Initech COMPETES_WITH Globex Holdings affirmed/actual"}},
		{"The regulator Ofcomm launched an investigation into Initech.", []string{"Ofcomm INVESTIGATES Initech affirmed/actual"}},
		{"Initech faced criticism from Ofcomm.", []string{"Ofcomm CRITICIZES Initech affirmed/actual"}},
		{"Moves to lift Sylvania's ban on arms exports to Cuba were condemned.", []string{"Sylvania SANCTIONS Cuba affirmed/actual"}},
		// Stakes: bought and held is owned, planned is an intended acquisition.
		{"Globex bought 18.8% of Initech last week.", []string{"Globex OWNS Initech affirmed/actual"}},
		{"Globex is to buy 37.5% of Initech.", []string{"Globex ACQUIRES Initech affirmed/intended"}},
		{"Globex holds a 28% stake in Initech.", []string{"Globex OWNS Initech affirmed/actual"}},
		// Attitudes are about the actor behind what is opposed.
		{"The fan group Springfield Supporters is strongly opposed to any takeover by Mr Burns.", []string{"Springfield Supporters CRITICIZES Burns affirmed/actual"}},
		// A participle after an auxiliary is the verb, not a modifier of the event noun.
		{"Initech has faced stinging criticism from the Federal Reserve.", []string{"Federal Reserve CRITICIZES Initech affirmed/actual"}},
		{"Globex is fighting claims about its product Zapchat.", []string{"Globex OWNS Zapchat affirmed/actual"}},
		// A government named after its head; a head of state by title alone.
		{"The US said so. The US agreed. The Lisa Simpson administration acted against Globex.", []string{"Lisa Simpson LEADS United States affirmed/actual"}},
		{"The US said so. The US agreed. Globex grew under President Simpson.", []string{"Simpson LEADS United States affirmed/actual"}},
		// A gerund after a report verb is the speaker's own clause; a denial negates it.
		{"Globex denied buying Zapchat.", []string{"Globex ACQUIRES Zapchat negated/actual"}},
		{"Zapchat emphasizes never sharing data with the Chinese government.", []string{"Zapchat SHARES_DATA_WITH China negated/actual"}},
		// "A majority of X" is X acting.
		{"A majority of the Springfield Council voted to ban Zapchat.", []string{"Springfield Council BANS Zapchat affirmed/actual"}},
		// A relative clause's subject is the name its pronoun follows.
		{"Bob met Initech, which owns Globex.", []string{"Initech OWNS Globex affirmed/actual"}},
		{"Globex faced criticism from Congressional leaders who held hearings into Initech.", []string{
			"United States Congress CRITICIZES Globex affirmed/actual", "United States Congress INVESTIGATES Initech affirmed/actual"}},
		// A name coordinated after unnamed agents of a passive.
		{"Globex's plans have been condemned by rights groups and the Springfield Council.", []string{"Springfield Council CRITICIZES Globex affirmed/actual"}},
		// A constituency's MP sits in the legislature the text names.
		{"The House of Commons debated Globex. Jane Roe, the Springfield North MP, opposed Globex.", []string{"Jane Roe MEMBER_OF House of Commons affirmed/actual"}},
		// A short name: the one actor whose name starts so and has the noun.
		{"The London Stock Exchange rejected Globex. Globex wants to take over the London exchange.", []string{"Globex ACQUIRES London Stock Exchange affirmed/intended"}},
		// A role "in" an organisation.
		{"Jane Roe, a senior official in the Globex group, resigned.", []string{"Jane Roe MEMBER_OF Globex affirmed/actual"}},
		// The possessor inside an apposition is not the subject.
		{"Globex, Japan's largest bank, bought Initech.", []string{"Globex ACQUIRES Initech affirmed/actual"}},
		// A capitalised possessive inside a name; an agency's director leads it.
		{"Larry Roe, chairman of Save Our Springfield, criticised Globex.", []string{"Larry Roe LEADS Save Our Springfield affirmed/actual"}},
		{"Jane Roe, Springfield Securities Commission director, spoke.", []string{"Jane Roe LEADS Springfield Securities Commission affirmed/actual"}},
		// A noun right after a verb is its object, not a verb ("brand" also accuses).
		{"Globex owns brands including Initech and Zapchat.", []string{"not Globex ACCUSES Initech affirmed/actual"}},
		{"Globex owns brands including Initech and Zapchat.", []string{"Globex OWNS Zapchat affirmed/actual"}},
		{"Globex, whose brands include Initech, grew.", []string{"Globex OWNS Initech affirmed/actual"}},
		// A two-word role is read once: the chief executive leads and is no mere member.
		{"Jane Roe is the chief executive of Initech.", []string{"not Jane Roe MEMBER_OF Initech affirmed/actual"}},
		// A state that only modifies the agent's noun is not the agent.
		{"Zapchat will be bought by a US company.", []string{"not United States ACQUIRES Zapchat affirmed/intended"}},
		// A sale's buyer acquires what is sold.
		{"Globex sold Initech to Zapchat for $5bn.", []string{"Zapchat ACQUIRES Initech affirmed/actual", "Globex OWNS Initech affirmed/actual"}},
		{"Initech was sold to Globex.", []string{"Globex ACQUIRES Initech affirmed/actual"}},
		// Degrees of ownership and an owner glued to the owned.
		{"Initech is majority-owned by Globex.", []string{"Globex OWNS Initech affirmed/actual"}},
		{"The Globex-owned Initech grew.", []string{"Globex OWNS Initech affirmed/actual"}},
		// A role held through a copula; shares held in a company.
		{"Globex became Initech's biggest shareholder last year.", []string{"Globex OWNS Initech affirmed/actual"}},
		{"Globex holds shares in Initech.", []string{"Globex OWNS Initech affirmed/actual"}},
		// Lexical gaps: phrasal verbs with irregular heads, critics, talks, deals.
		{"Globex won control of Initech.", []string{"Globex ACQUIRES Initech affirmed/actual"}},
		{"Jane Roe hit out at Globex.", []string{"Jane Roe CRITICIZES Globex affirmed/actual"}},
		{"Jane Roe, a critic of Globex, spoke.", []string{"Jane Roe CRITICIZES Globex affirmed/actual"}},
		{"Globex is in talks to buy Initech.", []string{"Globex ACQUIRES Initech affirmed/intended"}},
		{"Globex signed a deal with Initech.", []string{"Globex COOPERATES_WITH Initech affirmed/actual"}},
		// The name before a person's role noun is where the person works.
		{"Jane Roe, a Globex spokeswoman, said it grew.", []string{"Jane Roe MEMBER_OF Globex affirmed/actual"}},
		// An event noun's "by" agent acts on the clause's subject, unless the subject opposes it.
		{"Initech agreed to a takeover by Globex.", []string{"Globex ACQUIRES Initech affirmed/actual"}},
		{"Initech is strongly opposed to any takeover by Globex.", []string{"not Globex ACQUIRES Initech affirmed/actual"}},
		// A title without its company: the company named before it in the sentence.
		{"Initech makes drugs. Globex ran adverts with an open letter from company president Jane Roe.", []string{"Jane Roe LEADS Globex affirmed/actual"}},
		// A work's title is no actor; the longer type cue wins ("drugs group" is a company).
		{"Globex makes apps. Meanwhile, drugs group Initech ran adverts entitled An Open Letter from chief executive Jane Roe.", []string{"Jane Roe LEADS Initech affirmed/actual"}},
		// A first word alone is the one longer name it starts, even one that spoke.
		{"Springfield Boerse told Reuters it would wait. Springfield owns 5% of Globex.", []string{"Springfield Boerse OWNS Globex affirmed/actual"}},
		// Object relatives, parts named before their noun, possessor before a demonym.
		{"Initech, which Globex bought in 2001, grew.", []string{"Globex ACQUIRES Initech affirmed/actual"}},
		{"Globex's Initech brand grew.", []string{"Globex OWNS Initech affirmed/actual"}},
		{"Globex's Japanese subsidiary Initech grew.", []string{"Globex OWNS Initech affirmed/actual", "not Japan OWNS Initech affirmed/actual"}},
		{"Initech is one of Globex's units.", []string{"Globex OWNS Initech affirmed/actual"}},
		{"Globex brands such as Initech and Zapchat grew.", []string{"not Globex ACCUSES Initech affirmed/actual"}},
		// Accusations: wrongdoing reported by a speaker, charges brought by, allegations denied.
		{"The SEC said Globex had misled investors.", []string{"Securities and Exchange Commission ACCUSES Globex affirmed/actual per Securities and Exchange Commission"}},
		{"Globex settled charges brought by the SEC.", []string{"Securities and Exchange Commission ACCUSES Globex affirmed/actual"}},
		{"Globex rejected allegations made by Initech.", []string{"Initech ACCUSES Globex affirmed/actual"}},
		{"Jane Roe warned that Globex's plan would destroy value.", []string{"Jane Roe ACCUSES Globex affirmed/actual per Jane Roe"}},
		// The name modifying an event noun acts when a phrase after it names the theme.
		{"An SEC probe into Globex began.", []string{"Securities and Exchange Commission INVESTIGATES Globex affirmed/actual"}},
		// After a fronted phrase and its comma, a name before a verb is the subject.
		{"As with Zapchat, Initech is under threat in the United States.", []string{"United States TARGETS Initech affirmed/actual"}},
		// A sentence-initial rival with no subject competes with the story's company.
		{"Globex won the cup. Rival local club Initech has pleaded with fans.", []string{"Globex COMPETES_WITH Initech affirmed/actual"}},
		// A reduced relative clause; an acronym spelled by a name's initials.
		{"Bank of Springfield bought Globex. Initech was part of Globex, bought by BOS last year.", []string{"Bank of Springfield ACQUIRES Globex affirmed/actual"}},
	} {
		doc := extract.Document{ID: events.DocumentID(c.text), Source: "t", Text: c.text}
		res, err := x.Extract(context.Background(), doc, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, a := range res.Assertions {
			s := a.Subject.Name + " " + a.Predicate + " " + a.Object.Name + " " + a.Polarity + "/" + a.Modality
			if a.AttributedTo != nil {
				s += " per " + *a.AttributedTo
			}
			got[s] = true
		}
		for _, w := range c.want {
			if not, ok := strings.CutPrefix(w, "not "); ok {
				if got[not] {
					t.Errorf("%q: read %q", c.text, not)
				}
			} else if !got[w] {
				t.Errorf("%q: missing %q; got %v", c.text, w, keys(got))
			}
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The extractor never panics, and whatever it returns is valid and
// anchored in the text, whatever bytes it is given.
func FuzzExtract(f *testing.F) {
	for _, d := range corpusDocs(f) {
		f.Add(d.Text[:min(len(d.Text), 600)])
	}
	for _, s := range []string{"", "\x00\xff", "“”", "A. B. C.", "U.S.-based X'S Y’s", "The the The", "(((", "Mr. ", "a\u0301b"} {
		f.Add(s)
	}
	x := rules(f)
	o := events.DefaultOntology()
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // the ingest pipeline refuses invalid UTF-8 first
		}
		doc := extract.Document{ID: events.DocumentID(text), Source: "fuzz", Text: text}
		res, err := x.Extract(context.Background(), doc, nil)
		if err != nil {
			t.Fatal(err)
		}
		runes := []rune(text)
		for _, a := range res.Assertions {
			if err := a.Validate(o); err != nil {
				t.Fatalf("invalid assertion %+v: %v", a, err)
			}
			if *a.Evidence.End > len(runes) || string(runes[*a.Evidence.Start:*a.Evidence.End]) != a.Evidence.Sentence {
				t.Fatalf("evidence %q not at its offsets", a.Evidence.Sentence)
			}
		}
	})
}

// BenchmarkRules reports the extractor's speed in bytes of English text
// per second (the corpus, repeated to about a megabyte per document).
func BenchmarkRules(b *testing.B) {
	x := rules(b)
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		for _, d := range corpusDocs(b) {
			sb.WriteString(d.Text)
			sb.WriteString("\n\n")
		}
	}
	text := sb.String()
	doc := extract.Document{ID: events.DocumentID(text), Source: "bench", Text: text}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for range b.N {
		if _, err := x.Extract(context.Background(), doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// Types come from what the text says an actor is, not from words that
// merely stand near its name.
func TestActorTypes(t *testing.T) {
	x := rules(t)
	for _, c := range []struct{ text, name, typ string }{
		// A possessor inside an apposition does not type the name.
		{"Globex Mac, the country's other largest mortgage firm, restated its earnings.", "Globex Mac", "COMPANY"},
		// A head word inside a name is not its head.
		{"They own the successful Tampa Bay Buccaneers football team.", "Tampa Bay Buccaneers", "COMPANY"},
		{"The Hague Center for Strategic Studies published a report.", "Hague Center for Strategic Studies", "ORGANIZATION"},
		// A state used only to rank what it has is a place.
		{"Initech, Japan's fourth biggest bank, grew. Globex, Japan's largest bank, shrank.", "Japan", "PLACE"},
		// The longer type cue first.
		{"Meanwhile, drugs group Initech ran adverts.", "Initech", "COMPANY"},
		// A small number ends a name before a possessive; a broadcaster's head word.
		{"He told Springfield Radio 4's morning programme.", "Springfield Radio 4", "ORGANIZATION"},
		{"In India 59 Chinese apps were banned.", "India", "PLACE"},
		// An intergovernmental body is an organisation.
		{"NATO said it would act.", "NATO", "ORGANIZATION"},
	} {
		res, err := x.Extract(context.Background(), extract.Document{ID: events.DocumentID(c.text), Source: "t", Text: c.text}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, m := range res.Mentions {
			if m.Name == c.name {
				got = m.Type
			}
		}
		if got != c.typ {
			t.Errorf("%q: %s typed %q, want %q (mentions %v)", c.text, c.name, got, c.typ, res.Mentions)
		}
	}
}
