package extract

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract/pos"
	"github.com/dossier-kg/dossier/names"
)

// actor is one actor of the document, however many ways it is written.
type actor struct {
	name  string // canonical, or the fullest written form
	key   string
	known bool // the lexicon or the graph knows it
	// lexicon: the names lexicon knows it; fromGraph: only the graph
	// does, from other documents.
	lexicon, fromGraph bool
	typ                string
	votes              map[string]float64
	count              int
	// locating counts the mentions that only say where something is
	// ("in Japan", "US tycoon X", "Japan's largest bank"); others, the
	// rest.
	locating, others int
	// into is set when the actor turned out to be another one ("Trump"
	// is "Donald Trump"); follow it with resolve().
	into *actor
}

func (a *actor) resolve() *actor {
	for a.into != nil {
		a = a.into
	}
	return a
}

func (a *actor) vote(t string, w float64) {
	if t == "" {
		return
	}
	a.votes[t] += w
}

// mention is a place in a sentence that names an actor, or refers to one
// ("the company", "she").
type mention struct {
	a        *actor
	ti, tj   int // token range [ti, tj)
	implicit bool
	// prep is the preposition right before the mention, if any.
	prep string
	// suffix is a hyphenated relation word glued to the name
	// ("Beijing-based" → "based").
	suffix string
	// titled is the person a title ties this mention to ("French
	// President Emmanuel Macron": France → Macron); as an argument of a
	// verb, the person is meant.
	titled *mention
}

func (m *mention) actor() *actor { return m.a.resolve() }

type docState struct {
	r         *Rules
	ix        *index
	doc       Document
	known     Known
	sents     []Sentence
	toks      [][]token
	lower     map[string]bool   // words the document writes in lower case
	demonyms  map[[2]int]*actor // sentence, token → the state a role's demonym names
	midCap    map[string]bool   // words it capitalises inside a sentence
	actors    []*actor
	byKey     map[string]*actor
	acronym   map[string]*actor
	mentions  [][]*mention
	links     [][]link // titles tying a person to an organisation, per sentence
	speaker   []*actor // per sentence: whose words it reports
	found     []events.AssertionRecorded
	valid     []*events.Interval
	validDone []bool
	// sentFound is where the current sentence's assertions start in found.
	sentFound int
	seen      map[string]bool
	dropped   map[string]int
	resolved  map[string]names.Resolution
}

func newDocState(r *Rules, doc Document, known Known) *docState {
	d := &docState{r: r, ix: &r.ix, doc: doc, known: known, byKey: map[string]*actor{}, acronym: map[string]*actor{},
		lower: map[string]bool{}, demonyms: map[[2]int]*actor{}, midCap: map[string]bool{}, seen: map[string]bool{}, dropped: map[string]int{},
		resolved: map[string]names.Resolution{}}
	d.sents = SplitSentences(doc.Text)
	d.toks = make([][]token, len(d.sents))
	d.mentions = make([][]*mention, len(d.sents))
	d.links = make([][]link, len(d.sents))
	d.speaker = make([]*actor, len(d.sents))
	tagSentences(r.tagger, d.sents, d.toks)
	for i := range d.sents {
		for k, t := range d.toks[i] {
			if t.word && !t.capital && k > 0 {
				d.lower[t.lower] = true
			}
			if t.word && t.capital && k > 0 && tokAt(d.toks[i], k-1).word {
				d.midCap[t.text] = true
			}
		}
	}
	return d
}

// spelledBy is the one longer name of the document whose initials (of
// every word, or of its capitalised words) an acronym spells.
func (d *docState) spelledBy(a *actor) *actor {
	if !isAcronym(a.name) || strings.ContainsAny(a.name, " .0123456789") || len(a.name) < 2 {
		return nil
	}
	var found *actor
	for _, b := range d.actors {
		ws := strings.Fields(b.name)
		if b == a || b.into != nil || len(ws) < 2 {
			continue
		}
		var all, caps strings.Builder
		for _, w := range ws {
			r, _ := utf8.DecodeRuneInString(w)
			all.WriteRune(unicode.ToUpper(r))
			if unicode.IsUpper(r) {
				caps.WriteRune(r)
			}
		}
		if all.String() != a.name && caps.String() != a.name {
			continue
		}
		if found != nil && found != b {
			return nil
		}
		found = b
	}
	return found
}

// onlyNameStarting is the one longer name of the document (not a
// person's) whose first word is w.
func (d *docState) onlyNameStarting(a *actor, w string) *actor {
	var found *actor
	for _, b := range d.actors {
		bw := strings.Fields(b.key)
		// Not a person's given name: "Tony" is not "Tony Blair" in news
		// prose; "Deutsche" is "Deutsche Boerse".
		if b == a || b.into != nil || len(bw) < 2 || bw[0] != w || b.votes["PERSON"] > 0 && names.GivenName(strings.Fields(b.name)[0]) {
			continue
		}
		if found != nil {
			return nil
		}
		found = b
	}
	return found
}

func countOf(a *actor) int {
	if a == nil {
		return 0
	}
	return a.count
}

// headAfter is the type cue of the compound noun a name (or a list of
// names) at token j modifies, if it names a kind of actor.
//
// A singular head after a determiner says what the name is ("the WeChat
// app"); a plural one only when a list of names shares it ("the A, B and
// C brands"): "Huawei smartphones" and "Huawei equipment" are made by
// Huawei, not Huawei.
func (d *docState) headAfter(toks []token, i, j int) string {
	k, list := j, false
	for n := 0; k < len(toks) && n < 12 && (toks[k].text == "," || toks[k].lower == "and" || toks[k].capital && toks[k].word); n++ {
		list = list || toks[k].lower == "and" || toks[k].text == ","
		k++ // over the rest of a list of names
	}
	typ, plural := "", false
	for ; k < len(toks) && toks[k].word && !toks[k].capital && toks[k].tag.Noun(); k++ {
		typ, plural = d.ix.typeCue[toks[k].lower], toks[k].tag == pos.NNS // the compound's head decides
	}
	b := i - 1
	for b >= 0 && (toks[b].tag.Adjective() || toks[b].tag == pos.VBN) {
		b-- // "the well-known Kingfisher lager brand"
	}
	if plural && !list || !plural && !determiners[tokAt(toks, b).lower] && tokAt(toks, b).tag != pos.DT && !possessiveMark(tokAt(toks, b)) {
		return ""
	}
	if typ == "PERSON" {
		return "" // "a Globex spokeswoman": the person is the head; the name is where she works
	}
	return typ
}

// dateWord: a month or weekday used as one ("on Sunday", "May 25"),
// not inside a name ("The Sunday Times", "Sunday Telegraph").
func (d *docState) dateWord(toks []token, k int) bool {
	if !d.ix.months[toks[k].lower] {
		return false
	}
	n := tokAt(toks, k+1)
	return !(n.word && n.capital && n.tag.Proper() && !d.ix.months[n.lower] && !containsDigit(n.text))
}

// tokAt is token k of a sentence, or a blank one outside it.
func tokAt(ts []token, k int) token {
	if k < 0 || k >= len(ts) {
		return token{}
	}
	return ts[k]
}

func (d *docState) get(name, typ string, known bool) *actor {
	key := names.Key(name)
	if a, ok := d.byKey[key]; ok {
		a = a.resolve()
		if known && !a.known {
			a.known, a.name = true, name
		}
		return a
	}
	a := &actor{name: name, key: key, known: known, votes: map[string]float64{}}
	if known {
		a.vote(typ, 3)
	} else if w := strings.Fields(name); len(w) >= 2 && names.GivenName(w[0]) && isUpperStart(w[len(w)-1]) {
		// "Armando Falcon": a given name, then more capitalised words;
		// once per actor, so that what the document calls it ("mortgage
		// giant Fannie Mae") outweighs it.
		a.vote("PERSON", 1)
	}
	d.byKey[key] = a
	d.actors = append(d.actors, a)
	return a
}

// listenerVerbs take the listener, not the speaker, after them: "told
// Bloomberg".
var listenerVerbs = map[string]bool{"told": true, "tells": true, "tell": true, "informed": true, "asked": true, "urged": true, "urges": true}

// link is a title between an organisation and a person: "the United
// States President Donald Trump"; person is nil when the title stands
// for someone named before ("the D66 MP").
type link struct {
	org, person *mention
	title       string
}

// leadTitles make their holder the leader; other titles, a member.
var leadTitles = map[string]bool{"president": true, "prime minister": true, "premier": true, "chancellor": true,
	"king": true, "queen": true, "leader": true, "chairman": true, "chairwoman": true, "chair": true, "ceo": true,
	"chief executive": true, "chief executive officer": true, "head": true, "governor": true, "mayor": true, "emperor": true}

// relationSuffixes are hyphenated words that turn the name before them
// into a modifier: "Beijing-based", "Chinese-origin", "state-owned".
var relationSuffixes = []string{"based", "headquartered", "owned", "backed", "run", "origin", "linked", "made", "funded", "controlled", "born", "led"}

func splitSuffix(t token) (string, string) {
	for _, s := range relationSuffixes {
		if strings.HasSuffix(t.lower, "-"+s) {
			return t.text[:len(t.text)-len(s)-1], s
		}
	}
	return t.text, ""
}

// findMentions finds the names of sentence si.
func (d *docState) findMentions(si int) {
	toks := d.toks[si]
	for i := 0; i < len(toks); {
		t := toks[i]
		if !t.word || !t.capital {
			i++
			continue
		}
		// A name glued to a relation word stands alone.
		if base, suf := splitSuffix(t); suf != "" {
			d.addMention(si, i, i+1, base, suf)
			i++
			continue
		}
		last := d.runEnd(si, i)
		d.chunk(si, i, last+1)
		i = last + 1
	}
}

// runEnd is the last token of the run of capitalised words (and the
// connectors inside it) that starts at token i.
func (d *docState) runEnd(si, i int) int {
	toks := d.toks[si]
	ix := d.ix
	j := i + 1
	last := i
	for j < len(toks) && !toks[last].possessive {
		n := toks[j]
		if n.word && n.capital && !d.dateWord(toks, j) {
			if _, suf := splitSuffix(n); suf != "" {
				break
			}
			// A headline's capitalised "Can", "Do", "By" ends a name.
			if d.functionWord(n) && !ix.connectors[n.lower] && !d.isName(spanText(d.doc.Text, toks, i, j+1)) {
				break
			}
			last, j = j, j+1
			continue
		}
		// A connector joins only when a capitalised word follows, and
		// "of"/"for" only after a head word or a title ("University of
		// …", "Center for …", "Secretary of State"), so "Verhagen of The
		// Hague …" stays two names.
		if n.word && ix.connectors[n.lower] && j+1 < len(toks) && toks[j+1].word && toks[j+1].capital {
			if (n.lower == "of" || n.lower == "for") && !d.joinsOf(toks[last]) {
				break
			}
			if n.lower == "the" && toks[j-1].lower != "of" && toks[j-1].lower != "for" {
				break
			}
			j++
			continue
		}
		// "BBC Radio 4's", "Formula 1", "Windows 10": a small number
		// ends a name of two words or more when a possessive, a verb or
		// punctuation follows it (not "India 59 Chinese apps").
		if last > i && isSmallNumber(n.text) && !d.dateWord(toks, last) {
			if after := tokAt(toks, j+1); possessiveMark(after) || after.tag.Verb() || !after.word && after.text != "%" && after.text != "-" {
				last = j
			}
		}
		break
	}
	return last
}

// isSmallNumber: one or two digits.
func isSmallNumber(s string) bool {
	if len(s) == 0 || len(s) > 2 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// functionWord: a common word, unless written as an acronym ("US" is
// not "us").
func (d *docState) functionWord(t token) bool {
	if strings.ContainsAny(t.lower, "'’") {
		// Contractions: "We'll", "Don't".
		if _, rest, _ := strings.Cut(strings.ReplaceAll(t.lower, "’", "'"), "'"); rest == "ll" || rest == "re" || rest == "ve" || rest == "d" || rest == "m" || rest == "t" {
			return true
		}
	}
	if t.capital && t.tag == pos.PRPS && t.inName {
		return false // "Save Our Community": a capitalised possessive between capitalised words
	}
	if d.ix.function[t.lower] && t.inName && !closedClass(t) {
		// "New York", "Human Rights Watch": the tagger reads the
		// capitalised word as part of a proper name.
		return false
	}
	return d.ix.function[t.lower] && !(isAcronym(t.text) && len(t.text) > 1 && d.r.cfg.Names.IsName(t.text))
}

// closedClass: determiners, prepositions, conjunctions, pronouns,
// auxiliaries and modals never belong to a name, however written.
func closedClass(t token) bool {
	if determiners[t.lower] || ppWords[t.lower] || beForms[t.lower] {
		return true
	}
	switch t.lower {
	case "and", "or", "but", "if", "when", "while", "because", "so", "as", "it", "he", "she", "they", "we", "you", "i", "who", "which",
		"what", "whether", "has", "have", "had", "do", "does", "did", "can", "could", "may", "might", "will", "would", "should", "must", "not":
		return true
	}
	return false
}

// joinsOf: a head word or title takes an "of" complement into its name.
func (d *docState) joinsOf(t token) bool {
	if _, ok := d.ix.headWord[t.lower]; ok {
		return true
	}
	switch t.lower {
	case "secretary", "minister", "president", "republic", "kingdom", "state", "states", "bank", "house", "chamber", "board", "museum", "church", "academy", "league", "federation", "people's", "people’s", "chief", "head", "director", "governor", "mayor", "king", "queen", "prince", "duke", "lord", "speaker":
		return true
	}
	return false
}

// chunk turns a run of capitalised tokens into mentions: it drops
// sentence-initial common words, months and function words, splits lists
// joined by "and", and handles titles and demonyms.
func (d *docState) chunk(si, i, j int) {
	toks := d.toks[si]
	if w := tokAt(toks, i-1).lower; w == "entitled" || w == "titled" || w == "headlined" {
		return // "adverts entitled An Open Letter …": a work's title, not an actor
	}
	i, j = d.trimRun(si, i, j)
	if i >= j || d.splitList(si, i, j) {
		return
	}
	name := spanText(d.doc.Text, toks, i, j)
	// “Wuhan Unknown Pneumonia”: a quoted term, not a name.
	if i > 0 && j < len(toks) && isOpenQuote(toks[i-1].text) && isCloseQuote(toks[j].text) && !d.isName(name) {
		return
	}
	// A title alone ("Secretary of State hints") names no one here.
	if d.r.cfg.Names.TitleOnly(name) || d.titledName(si, i, j, name) {
		return
	}
	if j-i == 1 && d.singleWord(si, i) {
		return
	}
	// "the US government", "Chinese government": the government word
	// belongs to the name.
	if j < len(toks) && d.govWord(toks[j].lower) {
		if r := d.resolve(name + " " + toks[j].text); r.Known {
			j++
			name = spanText(d.doc.Text, toks, i, j)
		}
	}
	d.addMention(si, i, j, name, "")
}

// trimRun drops what cannot begin or end a name from a run: sentence
// openers, dates, determiners and function words before; function
// words, months, connectors and a trailing demonym after.
func (d *docState) trimRun(si, i, j int) (int, int) {
	toks := d.toks[si]
	ix := d.ix
	for i < j {
		t := toks[i]
		common := d.dateWord(toks, i) || determiners[t.lower] || d.functionWord(t) || d.commonOpener(si, i, j)
		if !common || d.isName(spanText(d.doc.Text, toks, i, j)) && !determiners[t.lower] {
			break
		}
		i++
	}
	for j > i && (d.functionWord(toks[j-1]) || ix.months[toks[j-1].lower] || ix.connectors[toks[j-1].lower]) {
		j--
	}
	// "the Tampa Bay Buccaneers American football team": a demonym
	// ending a name is an adjective of the noun after it.
	if j-i > 1 && j < len(toks) && toks[j].word && !toks[j].capital && toks[j].tag.Noun() {
		if _, ok := d.r.cfg.Names.Demonym(toks[j-1].text); ok {
			j--
		}
	}
	return i, j
}

// commonOpener: "Governments worldwide …" (written in lower case
// elsewhere), "Analysts said", "Citing …", "Clearly, …", "Hedge fund X":
// a sentence opener the tagger reads as a common word, or an English
// word modifying a noun.
func (d *docState) commonOpener(si, i, j int) bool {
	toks := d.toks[si]
	t := toks[i]
	initial := i == 0 || !toks[i-1].word && (i == 1 || !toks[i-2].word)
	if !initial {
		return false
	}
	english := !d.midCap[t.text] && d.r.tagger.Known(t.text) && !isAcronym(t.text)
	modifier := j-i == 1 && j < len(toks) && toks[j].word && !toks[j].capital && toks[j].tag.Noun()
	return (d.lower[t.lower] || english && (!t.tag.Proper() || modifier)) && !d.isName(spanText(d.doc.Text, toks, i, j))
}

// splitList chunks "Tencent and Bytedence" as two names and says so;
// "General Intelligence and Security Service" is one: "and" joins only
// into a name that ends in a head word.
func (d *docState) splitList(si, i, j int) bool {
	toks := d.toks[si]
	for k := i; k < j && !d.abbreviated(toks, i, j); k++ {
		if toks[k].lower == "and" || toks[k].lower == "&" {
			if _, head := d.ix.headWord[toks[j-1].lower]; (!head || d.isName(spanText(d.doc.Text, toks, k+1, j))) && !d.ofComplement(toks, i, k) {
				d.chunk(si, i, k)
				d.chunk(si, k+1, j)
				return true
			}
		}
	}
	return false
}

// titledName reads a title inside a name, which ties two actors: "the
// United States President Donald Trump", "the D66 MP (…)". It says
// whether it did.
func (d *docState) titledName(si, i, j int, name string) bool {
	toks := d.toks[si]
	for k := i + 1; k < j && d.r.cfg.Names.TitlePrefix(name) == 0; k++ {
		n := d.r.cfg.Names.TitlePrefix(spanText(d.doc.Text, toks, k, j))
		if n == 0 || k+n > j || d.isName(name) {
			continue
		}
		before := len(d.mentions[si])
		d.chunk(si, i, k)
		if len(d.mentions[si]) == before {
			return false
		}
		org := d.mentions[si][len(d.mentions[si])-1]
		l := link{org: org, title: strings.ToLower(spanText(d.doc.Text, toks, k, k+n))}
		if k+n < j {
			l.person = d.addMention(si, k+n, j, spanText(d.doc.Text, toks, k+n, j), "")
			l.person.actor().vote("PERSON", 3)
			l.person.prep = org.prep
			org.titled = l.person
		}
		d.links[si] = append(d.links[si], l)
		return true
	}
	return false
}

// singleWord reads a one-word run that may be no name of its own and
// says whether it settled it. A demonym names its state only as a noun
// or before a government word; "Chinese apps" is not about China, "the
// Danish parliament" is an actor of its own, "Americans" are people.
func (d *docState) singleWord(si, i int) bool {
	toks := d.toks[si]
	j := i + 1
	w := toks[i].text
	if e, ok := d.r.cfg.Names.Demonym(w); ok && !d.r.cfg.Names.IsName(w) {
		if j < len(toks) && toks[j].word && !toks[j].capital {
			switch {
			case institutions[toks[j].lower]:
				m := d.addMention(si, i, j+1, spanText(d.doc.Text, toks, i, j+1), "")
				m.a.vote("GOVERNMENT", 2)
				return true
			case d.govWord(toks[j].lower):
				j++
			case agentNouns[toks[j].lower]:
				// "Chinese espionage": the state is the actor.
			default:
				return true
			}
		}
		m := d.addMention(si, i, j, e.Name, "")
		m.a.vote(e.Type, 1)
		return true
	}
	if strings.HasSuffix(w, "s") && len(w) > 2 && !d.isName(w) {
		if _, ok := d.r.cfg.Names.Demonym(w[:len(w)-1]); ok {
			return true // "Americans" are people, not the state
		}
		if t := w[:len(w)-1]; d.r.cfg.Names.TitlePrefix(t) == len(strings.Fields(t)) {
			return true // "MPs", "Senators": holders of a title
		}
	}
	// "Western markets", "European authorities": a capitalised
	// adjective, not a name.
	return j < len(toks) && toks[j].word && !toks[j].capital && !d.functionWord(toks[j]) && !ppWords[toks[j].lower] && adjectival(toks[i].lower) && !d.isName(w)
}

// abbreviated: the run is followed by an acronym in brackets made of its
// words' initials ("Scottish and Newcastle (S&N)"), so the whole run is
// one name.
func (d *docState) abbreviated(toks []token, i, j int) bool {
	if j+2 >= len(toks) || toks[j].text != "(" || toks[j+2].text != ")" || !isAcronym(toks[j+1].text) {
		return false
	}
	var initials strings.Builder
	for _, t := range toks[i:j] {
		if t.capital {
			r, _ := utf8.DecodeRuneInString(t.text)
			initials.WriteRune(r)
		}
	}
	acronym := strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return r
		}
		return -1
	}, toks[j+1].text)
	return acronym == initials.String()
}

// ofComplement: the words before k are an institution's name and its
// "of" complement ("Department of Trade and Industry", "Office of
// Management and Budget"), which "and" continues.
func (d *docState) ofComplement(toks []token, i, k int) bool {
	for x := i + 1; x < k; x++ {
		if toks[x].lower == "of" {
			_, head := d.ix.headWord[toks[x-1].lower]
			return head && d.ix.headWord[toks[x-1].lower] != "LAW"
		}
	}
	return false
}

// locating: a mention that places something rather than acts: after a
// locative preposition, as a modifier of a noun ("US tycoon"), or as the
// possessor of a superlative or a name ("Japan's largest bank", "Japan's
// Sumitomo").
func locating(toks []token, m *mention) bool {
	switch m.prep {
	case "in", "at", "from", "across", "throughout", "around", "within", "outside", "near":
		return true
	}
	next := tokAt(toks, m.tj)
	if next.word && !next.capital && next.tag.Noun() {
		return true
	}
	if next.text == "'s" {
		// "Japan's Sumitomo", "Japan's largest bank", "Japan's fourth
		// biggest bank", "its largest-ever deal".
		for k := m.tj + 1; k < len(toks) && k <= m.tj+3; k++ {
			t := toks[k]
			if k == m.tj+1 && t.capital || t.tag == pos.JJS || strings.Contains(t.lower, "largest") || strings.Contains(t.lower, "biggest") {
				return true
			}
			if !ordinals[t.lower] && !strings.HasSuffix(t.lower, "-largest") {
				break
			}
		}
		return false
	}
	return false
}

// ordinals rank a superlative: "Japan's fourth biggest bank".
var ordinals = map[string]bool{"second": true, "third": true, "fourth": true, "fifth": true, "sixth": true, "seventh": true,
	"eighth": true, "ninth": true, "tenth": true}

// finiteVerb: a verb that heads a clause, not one used as a modifier
// ("the listed company", "a growing firm").
func finiteVerb(t pos.Tag) bool {
	return t == pos.VBD || t == pos.VBZ || t == pos.VBP || t == pos.VB || t == pos.MD
}

func isOpenQuote(s string) bool  { return s == "“" || s == "\"" || s == "‘" }
func isCloseQuote(s string) bool { return s == "”" || s == "\"" || s == "’" }

// agentNouns after a demonym make the state the actor: "Chinese
// espionage", "Russian hackers".
var agentNouns = map[string]bool{"espionage": true, "spying": true, "hackers": true, "hacking": true, "surveillance": true,
	"interference": true, "cyberattacks": true, "spies": true, "propaganda": true, "censorship": true, "sanctions": true,
	// The people who act for it: "Chinese officials said", "criticism
	// from Congressional leaders".
	"officials": true, "leaders": true, "lawmakers": true, "legislators": true, "regulators": true, "ministers": true,
	"diplomats": true, "negotiators": true, "investigators": true, "prosecutors": true}

// institutions after a demonym make an actor of their own: "the Danish
// parliament", "Chinese police".
var institutions = map[string]bool{"parliament": true, "police": true, "army": true, "military": true, "navy": true,
	"court": true, "senate": true, "congress": true, "ministry": true, "embassy": true, "intelligence": true, "regulator": true,
	"legislature": true, "diplomats": false}

var determiners = map[string]bool{"the": true, "a": true, "an": true, "this": true, "that": true, "these": true, "those": true,
	"our": true, "their": true, "his": true, "her": true, "its": true, "my": true, "your": true}

// adjectival: word endings of capitalised adjectives.
func adjectival(w string) bool {
	for _, suf := range []string{"an", "ern", "ish", "ese", "ic", "ian", "ean"} {
		if strings.HasSuffix(w, suf) && len(w) > len(suf)+2 {
			return true
		}
	}
	return false
}

func (d *docState) govWord(w string) bool {
	switch w {
	case "government", "administration", "authorities", "regime", "state", "cabinet", "leadership", "govt":
		return true
	}
	return false
}

// resolve is the names lexicon's reading of a name, asked once per
// document: a document repeats its names.
func (d *docState) resolve(name string) names.Resolution {
	if r, ok := d.resolved[name]; ok {
		return r
	}
	r := d.r.cfg.Names.Resolve(name)
	d.resolved[name] = r
	return r
}

// isName: the lexicon or the graph knows the words as a name.
func (d *docState) isName(s string) bool {
	if d.resolve(s).Known {
		return true
	}
	if d.known != nil {
		if _, _, ok := d.known.Lookup(s); ok {
			return true
		}
	}
	return false
}

func spanText(text string, toks []token, i, j int) string {
	return text[toks[i].start:toks[j-1].end]
}

// addMention resolves a name and records where it is.
func (d *docState) addMention(si, i, j int, name, suffix string) *mention {
	toks := d.toks[si]
	var a *actor
	res := d.resolve(name)
	switch {
	case d.acronym[name] != nil:
		a = d.acronym[name]
	case res.Known:
		a = d.get(res.Name, res.Type, true)
		a.lexicon, a.fromGraph = true, false
	default:
		if d.known != nil {
			if canon, typ, ok := d.known.Lookup(name); ok {
				a = d.get(canon, typ, true)
				a.fromGraph = !a.lexicon
				break
			}
		}
		a = d.get(res.Name, "", false)
		if res.Titled {
			a.vote("PERSON", 3)
		}
	}
	m := &mention{a: a, ti: i, tj: j, suffix: suffix, prep: d.prepBefore(si, i)}
	if i > 0 && toks[i-1].text == "," && startsClause(toks, j) {
		m.prep = "" // "As with WeChat, TikTok is …": the clause's subject, not a list's last item
	}
	a = a.resolve()
	a.count++
	if locating(toks, m) {
		a.locating++
	} else {
		a.others++
	}
	d.voteContext(si, i, j, a, name)
	// "The Hague Center for Strategic Studies (HCSS)": the acronym in
	// brackets is another name of the same actor.
	if j+2 < len(toks) && toks[j].text == "(" && toks[j+2].text == ")" && isAcronym(toks[j+1].text) {
		d.acronym[toks[j+1].text] = a
		if old, ok := d.byKey[names.Key(toks[j+1].text)]; ok && old.resolve() != a {
			old.resolve().into = a
		}
	}
	d.mentions[si] = append(d.mentions[si], m)
	return m
}

// prepBefore is the word that governs a mention at token i: the nearest
// preposition within a few modifier words ("by the US", "of internet
// security company Fox-IT"), a preposition inherited through a list
// ("in Osaka, Japan"), or else the word right before.
func (d *docState) prepBefore(si, i int) string {
	toks := d.toks[si]
	ms := d.mentions[si]
	// Through a hyphenated modifier name: "by Beijing-based ByteDance".
	for len(ms) > 0 && ms[len(ms)-1].tj == i && ms[len(ms)-1].suffix != "" {
		i = ms[len(ms)-1].ti
		ms = ms[:len(ms)-1]
	}
	if i == 0 {
		return ""
	}
	if (toks[i-1].text == "," || toks[i-1].lower == "and" || toks[i-1].lower == "or") && len(ms) > 0 && ms[len(ms)-1].tj == i-1 {
		return ms[len(ms)-1].prep
	}
	// "to Taiwan's GlobalWafers": a possessed name stands where its
	// possessor stands.
	if toks[i-1].text == "'s" && len(ms) > 0 && ms[len(ms)-1].tj == i-1 {
		return ms[len(ms)-1].prep
	}
	for k, n := i-1, 0; k >= 0 && n < 4; k, n = k-1, n+1 {
		t := toks[k]
		if !t.word || t.tag.Verb() && t.tag != pos.VBN {
			break // "from selling property business X": X is the verb's
		}
		if ppWords[t.lower] {
			// "allowed to use TikTok": "to" before a verb is no
			// preposition.
			if t.lower == "to" && n > 0 && !determiners[toks[k+1].lower] {
				break
			}
			return t.lower
		}
		if t.capital && n > 0 && !d.ix.function[t.lower] {
			break
		}
	}
	if toks[i-1].word {
		return toks[i-1].lower
	}
	return ""
}

// voteContext reads type evidence around a mention.
func (d *docState) voteContext(si, i, j int, a *actor, name string) {
	d.voteHeadWord(si, i, j, a, name)
	d.voteCopula(si, i, j, a, name)
	d.votePossessed(si, i, j, a, name)
	d.voteCueBefore(si, i, j, a, name)
	d.voteListCue(si, i, j, a, name)
	d.voteApposition(si, i, j, a, name)
	d.voteHeadAfter(si, i, j, a, name)
	d.voteSpeech(si, i, j, a, name)
	d.votePlaceList(si, i, j, a, name)
}

// compass words after a place name make a part of it.
var compass = map[string]bool{"central": true, "north": true, "south": true, "east": true, "west": true,
	"northeast": true, "northwest": true, "southeast": true, "southwest": true}

// voteHeadWord reads the name's head word: "… Parliament", "… Center", "University of …", "…
// Law"; the last word before any preposition, if it is one, decides.
func (d *docState) voteHeadWord(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	ix := d.ix
	if !a.known {
		head := ""
		for k := i; k < j && toks[k].lower != "of" && !(k > i && ppWords[toks[k].lower]); k++ {
			if t, ok := ix.headWord[toks[k].lower]; ok && (j-i > 1 || !d.lower[toks[k].lower]) {
				head = t
			} else if k > i && toks[k].word && !d.ix.connectors[toks[k].lower] && toks[k].lower != "and" && !isSmallNumber(toks[k].text) {
				head = "" // "Tampa Bay Buccaneers": a head word inside the name is not its head
			}
		}
		a.vote(head, 2)
		if names.Place(name) {
			a.vote("PLACE", 2) // "Tokyo", "Florida": WordNet's places
		} else if j-i == 2 && compass[toks[i+1].lower] && names.Place(toks[i].text) {
			a.vote("PLACE", 2) // "Manchester Central", "Essex North": a district or constituency
		}
		if strings.Count(toks[i].text, ".") > 0 && strings.ContainsAny(toks[i].text, "abcdefghijklmnopqrstuvwxyz") && j-i == 1 {
			a.vote("ORGANIZATION", 1) // a web site: "NU.nl"
		}
	}
}

// voteCopula reads a copula: "TikTok is an innocent looking app".
func (d *docState) voteCopula(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	ix := d.ix
	if j+1 < len(toks) && (toks[j].lower == "is" || toks[j].lower == "was" || toks[j].lower == "became" || toks[j].lower == "remains" ||
		toks[j].lower == "has" && j+1 < len(toks) && toks[j+1].lower == "become") {
		for k := j + 1; k < len(toks) && k <= j+5 && toks[k].word && !toks[k].capital; k++ {
			if typ, ok := ix.typeCue[toks[k].lower]; ok && k > j+1 {
				a.vote(typ, 1.5)
				break
			}
		}
	}
}

// votePossessed reads what the actor has: "Fannie Mae's auditor", "Japan's foreign minister".
func (d *docState) votePossessed(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	ix := d.ix
	if j+1 < len(toks) && toks[j].text == "'s" {
		for k := j + 1; k < len(toks) && k <= j+4 && toks[k].word && !toks[k].capital; k++ {
			if typ, ok := ix.possessed[joinLower(toks, k, min(k+2, len(toks)))]; ok && k+1 < len(toks) {
				a.vote(typ, 1)
				break
			}
			if typ, ok := ix.possessed[toks[k].lower]; ok {
				a.vote(typ, 1)
				break
			}
		}
	}
}

// voteCueBefore reads cue words before the name: "analyst Paul Verhagen", "the messaging app
// WeChat", "security camera company Hikvision".
func (d *docState) voteCueBefore(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	ix := d.ix
	for k, n := i-1, 0; k >= 0 && n < 3; k, n = k-1, n+1 {
		t := toks[k]
		if !t.word || t.capital && n > 0 || ppWords[t.lower] || determiners[t.lower] || n > 0 && ix.function[t.lower] || finiteVerb(t.tag) {
			break // the cue must be in the name's own noun phrase
		}
		// The longer cue first: a "drugs group" is a company, a
		// "group" may not be.
		if k > 0 {
			if typ, ok := ix.typeCue[toks[k-1].lower+" "+t.lower]; ok {
				a.vote(typ, 2)
				break
			}
		}
		if typ, ok := ix.typeCue[t.lower]; ok {
			a.vote(typ, 2)
			break
		}
	}
}

// voteListCue: "several popular apps, including Douyin", "companies such as X":
// a plural cue before a list lends its type to the list.
func (d *docState) voteListCue(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	ix := d.ix
	for k := i - 1; k >= 0 && k >= i-4; k-- {
		w := toks[k].lower
		if w == "including" || w == "like" || (w == "as" && k > 0 && toks[k-1].lower == "such") {
			for c := k - 1; c >= 0 && c >= k-3; c-- {
				if typ, ok := ix.typeCue[toks[c].lower]; ok {
					a.vote(typ, 1.5)
					break
				}
			}
			break
		}
		if toks[k].capital && toks[k].word {
			continue // an earlier item of the same list
		}
		if toks[k].text != "," && toks[k].lower != "and" && toks[k].lower != "or" {
			break
		}
	}
}

// voteApposition: "X, a Chinese company": a cue in an apposition after the name
// (not "X, a spokesperson told …", a new clause).
func (d *docState) voteApposition(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	ix := d.ix
	if j+2 < len(toks) && toks[j].text == "," {
		// "X, Japan's third-largest bank": through a possessor; the
		// phrase's head decides ("X, a fund manager at Y" is a person).
		cue := ""
		for k := j + 1; k < len(toks) && k < j+9 && (toks[k].word || possessiveMark(toks[k])) && !ppWords[toks[k].lower] && !finiteVerb(toks[k].tag); k++ {
			if typ, ok := ix.typeCue[toks[k].lower]; ok && !toks[k].capital && !possessiveMark(tokAt(toks, k+1)) {
				if k+1 < len(toks) && ix.attribution[toks[k+1].lower] {
					break // "X, a spokesperson told …": a new clause
				}
				cue = typ
			}
		}
		a.vote(cue, 1.5)
	}
}

// voteHeadAfter reads the noun a name modifies: "the Kingfisher lager brand", "the
// Penfolds, Lindemans and Rosemount brands", "the Nasdaq index".
func (d *docState) voteHeadAfter(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	if typ := d.headAfter(toks, i, j); typ != "" {
		a.vote(typ, 1)
	}
}

// voteSpeech reads speech: "said Verhagen", "Verhagen says".
func (d *docState) voteSpeech(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	ix := d.ix
	if (j < len(toks) && ix.attribution[toks[j].lower] || i > 0 && ix.attribution[toks[i-1].lower] && !listenerVerbs[toks[i-1].lower]) && (j-i > 1 || a.name != toks[i].text) && !a.known {
		a.vote("PERSON", 1)
	}
	if i > 0 && (toks[i-1].lower == "in" || toks[i-1].lower == "from") && !a.known && j-i == 1 {
		a.vote("PLACE", 0.3)
	}
}

// votePlaceList: "Osaka, Japan": a state after a place is a place here.
func (d *docState) votePlaceList(si, i, j int, a *actor, name string) {
	toks := d.toks[si]
	if i >= 2 && toks[i-1].text == "," && len(d.mentions[si]) > 0 {
		prev := d.mentions[si][len(d.mentions[si])-1]
		if (prev.tj == i-1 && prev.actor().typ == "PLACE" || prev.tj == i-1 && prev.actor().votes["PLACE"] > 1) && d.r.cfg.Names.Country(name) {
			a.vote("PLACE", 3.5)
		}
	}
}

// listType is the type the other items of a list an actor is listed in
// agree on ("the VVD, CDA and ChristenUnie").
func (d *docState) listType(a *actor) string {
	votes := map[string]float64{}
	for si, ms := range d.mentions {
		toks := d.toks[si]
		for x := 0; x+1 < len(ms); x++ {
			m, n := ms[x], ms[x+1]
			if n.ti <= m.tj || n.ti-m.tj > 1 || m.implicit || n.implicit {
				continue
			}
			if w := toks[m.tj].lower; w != "," && w != "and" && w != "or" {
				continue
			}
			for _, pair := range [][2]*actor{{m.actor(), n.actor()}, {n.actor(), m.actor()}} {
				if pair[0] == a && pair[1] != a {
					for t, v := range pair[1].votes {
						votes[t] += v
					}
				}
			}
		}
	}
	best, bv := "", 0.0
	for _, t := range []string{"GOVERNMENT", "PERSON", "COMPANY", "PRODUCT", "ORGANIZATION", "LAW", "PLACE"} {
		if votes[t] > bv {
			best, bv = t, votes[t]
		}
	}
	return best
}

func total(v map[string]float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}

func containsDigit(s string) bool { return strings.IndexAny(s, "0123456789") >= 0 }

func allAlpha(words []string) bool {
	for _, w := range words {
		for _, r := range w {
			if r >= '0' && r <= '9' {
				return false
			}
		}
	}
	return true
}

// mergeActors folds a lone surname into the one person of the document
// whose name ends with it ("Verhagen" → "Paul Verhagen"), and an acronym
// into the name it abbreviates.
func (d *docState) mergeActors() {
	for _, a := range d.actors {
		// A lone word the graph knows from other documents still
		// folds into this document's fuller name ("United" here is
		// "Manchester United").
		if a.into != nil || a.known && !a.fromGraph {
			continue
		}
		if full, ok := d.acronym[a.name]; ok && full.resolve() != a {
			a.into = full.resolve()
			continue
		}
		if full := d.spelledBy(a); full != nil {
			a.into = full // "BOA" for Bank of America, "DTI", "LSE"
			continue
		}
		w := strings.Fields(a.key)
		if len(w) != 1 {
			continue
		}
		// The one fuller name ending in the word, or the one named far
		// more often than any other ("United": Manchester United six
		// times, Shareholders United once).
		var cand *actor
		n, second := 0, 0
		for _, b := range d.actors {
			bw := strings.Fields(b.key)
			if b == a || b.into != nil || len(bw) < 2 || bw[len(bw)-1] != w[0] {
				continue
			}
			if _, org := d.ix.headWord[bw[len(bw)-1]]; org {
				continue
			}
			n++
			switch {
			case cand == nil || b.count > cand.count:
				second = max(second, countOf(cand))
				cand = b
			default:
				second = max(second, b.count)
			}
		}
		if n > 1 && cand.count >= 3*max(second, 1) {
			n = 1
		}
		if n == 1 {
			// Referred to by its last word alone: a surname, mostly.
			a.into = cand
			cand.vote("PERSON", 0.5)
			continue
		}
		// Or by its first word: a company's short name ("Sumitomo" for
		// Sumitomo Mitsui Financial, "Deutsche" for Deutsche Boerse).
		if b := d.onlyNameStarting(a, w[0]); b != nil {
			a.into = b
		}
	}
	for _, a := range d.actors {
		if a.into == nil {
			continue
		}
		r := a.resolve()
		r.count += a.count
		for t, v := range a.votes {
			r.votes[t] += v
		}
		a.count = 0
	}
}

// settleTypes picks each actor's type from its votes; an actor with no
// evidence at all is typed by the shape of its name.
func (d *docState) settleTypes() {
	for _, a := range d.actors {
		if a.into != nil {
			continue
		}
		if total(a.votes) == 0 {
			if t := d.listType(a); t != "" {
				a.vote(t, 0.5)
			}
		}
		if total(a.votes) == 0 {
			words := strings.Fields(a.key)
			switch {
			case len(words) == 1 && isAcronym(a.name) && containsDigit(a.name):
				a.vote("PRODUCT", 0.5)
			case len(words) == 1 && isAcronym(a.name):
				a.vote("ORGANIZATION", 0.5)
			case len(words) >= 2 && len(words) <= 3 && allAlpha(words) && names.GivenName(words[0]):
				a.vote("PERSON", 0.5)
			default:
				a.vote("COMPANY", 0.5)
			}
		}
		best, bv := "", 0.0
		for _, t := range []string{"GOVERNMENT", "PERSON", "COMPANY", "PRODUCT", "ORGANIZATION", "LAW", "PLACE"} {
			if a.votes[t] > bv {
				best, bv = t, a.votes[t]
			}
		}
		a.typ = best
	}
}

// findReferences links "the company", "the app", "he", "she" to the
// nearest earlier actor of a fitting type. With vote set it only lends
// the description's type to that actor ("the app" makes its antecedent a
// product); otherwise it records the reference as a mention.
func (d *docState) findReferences(si int, vote bool) {
	toks := d.toks[si]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.word || !vote && d.pronounReference(si, i) {
			continue
		}
		typ, end := "", i+1
		switch t.lower {
		case "he", "she", "his":
			typ = "PERSON"
		case "the", "this", "that":
			typ, end = d.description(si, i)
		}
		if typ == "" || d.mentionAt(si, i) {
			continue
		}
		if d.referTo(si, i, end, typ, vote) {
			i = end - 1
		}
	}
}

// pronounReference records what "it", "its", "whose", "they", "their"
// or "them" at token i refers to, and says whether the token was one.
func (d *docState) pronounReference(si, i int) bool {
	toks := d.toks[si]
	refer := func(a *actor) {
		d.insertMention(si, &mention{a: a, ti: i, tj: i + 1, implicit: true, prep: d.prepBefore(si, i)})
	}
	switch toks[i].lower {
	case "it", "its":
		if pleonastic(toks, i) {
			return false
		}
		if a := d.thingAntecedent(si, i); a != nil {
			refer(a)
		}
	case "whose":
		// "Globex, whose brands include X": the name before.
		j := i
		if j > 0 && toks[j-1].text == "," {
			j--
		}
		if m := d.mentionEnding(si, j); m != nil && !m.implicit {
			refer(m.actor())
		}
	case "they", "their", "them":
		for _, a := range d.groupAntecedent(si, i) {
			refer(a)
		}
	default:
		return false
	}
	return true
}

// description reads "the popular video app", "the tech giant", "the
// Chinese-origin app" at the determiner i: up to three modifiers before
// the description word. It returns the type the description names (empty
// for none) and the token after it.
func (d *docState) description(si, i int) (string, int) {
	toks := d.toks[si]
	ix := d.ix
	for k := i + 1; k < len(toks) && k <= i+4 && toks[k].word && (!toks[k].capital || strings.Contains(toks[k].text, "-")); k++ {
		w := toks[k].lower
		if k+1 < len(toks) && toks[k+1].word && !toks[k+1].capital {
			if dt, ok := ix.descType[w+" "+toks[k+1].lower]; ok {
				return dt, k + 2
			}
		}
		if dt, ok := ix.descType[w]; ok {
			// Not "the company Huawei" (an apposition) nor "the app
			// store".
			if k+1 < len(toks) && toks[k+1].word && !toks[k+1].possessive {
				if toks[k+1].capital || ix.descType[toks[k+1].lower] != "" {
					return "", k + 1
				}
			}
			return dt, k + 1
		}
	}
	return "", i + 1
}

// referTo resolves the description or pronoun [start, end) of type typ:
// with vote, it lends the type to its antecedent; otherwise it records
// the reference as a mention, and says so.
func (d *docState) referTo(si, start, end int, typ string, vote bool) bool {
	toks := d.toks[si]
	if start >= 2 && toks[start-1].text == "," {
		if possessiveMark(tokAt(toks, end)) && d.mentionEnding(si, start-1) != nil {
			// "Freddie Mac, the country's largest mortgage firm": the
			// description is a possessor inside the name's apposition,
			// neither the name itself nor a reference worth guessing.
			return false
		}
		// "Manchester United, the football club, …": a description in
		// apposition is the name before it. Not "In China, the company
		// …": a fronted phrase, then the clause's subject.
		if m := d.mentionEnding(si, start-1); m != nil && !m.implicit && !(ppWords[m.prep] && fronted(toks, m.ti)) {
			if vote {
				if a := m.actor(); !a.known {
					a.vote(typ, 1.5)
				}
				return false
			}
			// It stands where its name stands: "from X, the family
			// firm" is still after "from".
			d.insertMention(si, &mention{a: m.actor(), ti: start, tj: end, implicit: true, prep: m.prep})
			return true
		}
	}
	if vote {
		if a := d.antecedent(si, start, typ); a != nil && !a.known {
			a.vote(typ, 1)
		}
		return false
	}
	a := d.namedLike(si, start, toks[end-1].lower)
	if a == nil {
		a = d.salient(si, start, typ, true)
	}
	if a == nil {
		return false
	}
	d.insertMention(si, &mention{a: a, ti: start, tj: end, implicit: true, prep: d.prepBefore(si, start)})
	return true
}

// fronted: the words before token i are only a sentence-opening
// preposition and its determiners ("In China, …").
func fronted(toks []token, i int) bool {
	for k := 0; k < i; k++ {
		if !(ppWords[toks[k].lower] || determiners[toks[k].lower]) {
			return false
		}
	}
	return true
}

// pleonastic: an "it" that refers to nothing ("it is possible that",
// "it was time to", "made it impossible").
func pleonastic(toks []token, i int) bool {
	if toks[i].lower != "it" {
		return false
	}
	prev, next, after := tokAt(toks, i-1), tokAt(toks, i+1), tokAt(toks, i+2)
	for k := i + 2; after.tag.Adverb() && k < len(toks); k++ {
		after = tokAt(toks, k+1) // "it is also possible that"
	}
	if prev.lower == "make" || prev.lower == "made" || prev.lower == "makes" || prev.lower == "making" {
		return true
	}
	if beForms[next.lower] || next.lower == "'s" || next.lower == "seems" || next.lower == "appears" {
		return after.tag.Adjective() || after.lower == "time" || after.lower == "not" || after.lower == "that" || after.lower == "unclear"
	}
	return false
}

// thingAntecedent is what "it" or "its" refers to: the nearest actor
// before it in its clause that is no person or place and not inside a
// prepositional phrase ("Sumitomo has withdrawn its offer"), or else the
// first such actor of the nearest sentence before ("It has faced
// criticism" after "Fannie Mae …").
func (d *docState) thingAntecedent(si, ti int) *actor {
	thing := func(m *mention) bool {
		a := m.actor()
		return m.suffix == "" && a.typ != "PERSON" && a.typ != "PLACE" && !ppWords[m.prep] && m.titled == nil
	}
	cs, _ := clause(d.toks[si], ti)
	ms := d.mentions[si]
	for k := len(ms) - 1; k >= 0; k-- {
		if m := ms[k]; m.tj <= ti && m.ti >= cs && thing(m) {
			return m.actor()
		}
	}
	// Another clause of the same sentence comes before the sentences
	// before it, even inside a prepositional phrase: "These businesses
	// became part of BOA when it snapped up …".
	if cs > 0 {
		// A subject first ("It has cash after selling X, but it …" is
		// the company, not X), then anything.
		for _, subject := range []bool{true, false} {
			for k := len(ms) - 1; k >= 0; k-- {
				m := ms[k]
				if m.tj > cs || m.suffix != "" || m.actor().typ == "PERSON" || m.actor().typ == "PLACE" || m.implicit && !subject {
					continue
				}
				if !subject || !ppWords[m.prep] && startsClause(d.toks[si], m.tj) {
					return m.actor()
				}
			}
		}
	}
	for s := si - 1; s >= 0 && s >= si-2; s-- {
		for _, m := range d.mentions[s] {
			if thing(m) {
				return m.actor()
			}
		}
		// "… is being driven by Constellation. It seized …": a
		// passive's agent is its clause's doer.
		for _, m := range d.mentions[s] {
			if a := m.actor(); m.prep == "by" && m.suffix == "" && a.typ != "PERSON" && a.typ != "PLACE" {
				return a
			}
		}
	}
	return nil
}

// groupAntecedent is what "they" refers to: the names coordinated as a
// clause's subject before it ("TCI and Atticus have opposed …; they …"),
// or one actor the clause before named with others ("Mr Glazer and his
// family hold a stake, making them …"). Only the subject position is
// trusted: "they" after a list of objects is too often someone else.
func (d *docState) groupAntecedent(si, ti int) []*actor {
	subjectOf := func(s, limit int) []*actor {
		toks := d.toks[s]
		for _, m := range d.mentions[s] {
			if m.ti >= limit || m.implicit && m.ti >= ti && s == si {
				break
			}
			if ppWords[m.prep] || m.suffix != "" || m.titled != nil || m.actor().typ == "PLACE" {
				continue
			}
			if next := tokAt(toks, m.tj); !(next.lower == "and" || startsClause(toks, m.tj) || next.text == "," || next.text == "'s") {
				continue
			}
			var out []*actor
			for _, c := range d.coordinated(s, m) {
				out = append(out, c.actor())
			}
			if len(out) == 1 && tokAt(toks, m.tj).lower == "and" {
				out = append(out, nil) // "Mr Glazer and his family": plural
			}
			return out
		}
		return nil
	}
	// In its own sentence, only a list of names is "they" ("X and Y
	// own 29% … through their vehicle"): a single name before "their"
	// is rarely what a plural means.
	if as := subjectOf(si, ti); len(as) > 1 {
		return named(as)
	}
	if si > 0 && d.toks[si][ti].lower == "they" {
		return named(subjectOf(si-1, len(d.toks[si-1])))
	}
	return nil
}

func named(as []*actor) []*actor {
	out := as[:0:0]
	for _, a := range as {
		if a != nil && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// namedLike is the most recent actor in the last few sentences whose
// name has the description's noun in it: "the airline" is Kingfisher
// Airlines, "the exchange" the London Stock Exchange.
func (d *docState) namedLike(si, ti int, noun string) *actor {
	if len(noun) < 4 {
		return nil
	}
	for s := si; s >= 0 && s >= si-4; s-- {
		ms := d.mentions[s]
		for k := len(ms) - 1; k >= 0; k-- {
			m := ms[k]
			if m.implicit || s == si && m.ti >= ti {
				continue
			}
			for _, w := range strings.Fields(m.actor().key) {
				if w == noun || w == noun+"s" || w == noun+"es" {
					return m.actor()
				}
			}
		}
	}
	return nil
}

// antecedent is, for the voting pass, the most recent named actor a
// description may refer to before types are settled: anything but a
// person or place for a thing, a person for "he" and "she".
func (d *docState) antecedent(si, ti int, typ string) *actor {
	for s := si; s >= 0 && s >= si-3; s-- {
		ms := d.mentions[s]
		for k := len(ms) - 1; k >= 0; k-- {
			m := ms[k]
			if m.implicit || m.suffix != "" || s == si && (m.ti >= ti || !ppWords[m.prep]) {
				continue
			}
			a := m.actor()
			if typ == "PERSON" {
				if a.votes["PERSON"] > 0 {
					return a
				}
				continue
			}
			if a.known && !contains(compatible[typ], a.typ) || a.votes["PERSON"] > 1 || a.votes["PLACE"] > 1 {
				continue
			}
			if (typ == "GOVERNMENT" || typ == "ORGANIZATION") && a.votes[typ] == 0 && !a.known {
				continue
			}
			return a
		}
	}
	return nil
}

// compatible lists the types a description may refer to, best first:
// news calls an app's maker "the company" and the app itself too.
var compatible = map[string][]string{
	"PRODUCT":      {"PRODUCT", "COMPANY"},
	"COMPANY":      {"COMPANY", "PRODUCT", "ORGANIZATION"},
	"GOVERNMENT":   {"GOVERNMENT"},
	"ORGANIZATION": {"ORGANIZATION", "GOVERNMENT", "COMPANY"},
	"PERSON":       {"PERSON"},
}

// salient is the most recent named actor of a fitting type in the
// sentences before si (a description rarely points into its own
// sentence), preferring the exact type when exact is set.
func (d *docState) salient(si, ti int, typ string, exact bool) *actor {
	pick := func(types []string) *actor {
		for s := si; s >= 0 && s >= si-3; s-- {
			ms := d.mentions[s]
			for k := len(ms) - 1; k >= 0; k-- {
				m := ms[k]
				// Within its own sentence a description points back to a
				// name in a prepositional phrase ("In India …, banned in
				// the country"), not to its clause's subject; a pronoun
				// to any person before it ("X said she …").
				if m.implicit || m.suffix != "" || s == si && (m.ti >= ti || typ != "PERSON" && !ppWords[m.prep]) {
					continue
				}
				if contains(types, m.actor().typ) {
					return m.actor()
				}
			}
		}
		return nil
	}
	if exact {
		if a := pick([]string{typ}); a != nil {
			return a
		}
	}
	return pick(compatible[typ])
}

func (d *docState) mentionAt(si, ti int) bool {
	for _, m := range d.mentions[si] {
		if ti >= m.ti && ti < m.tj {
			return true
		}
	}
	return false
}

func (d *docState) insertMention(si int, m *mention) {
	ms := append(d.mentions[si], m)
	sort.SliceStable(ms, func(a, b int) bool { return ms[a].ti < ms[b].ti })
	d.mentions[si] = ms
}
