package extract

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dossier-kg/dossier/extract/pos"

	"github.com/dossier-kg/dossier/events"
)

// attribute finds whose words sentence si reports: "said X", "X says",
// "according to X", "X told …". Quoted sentences without a speaker of
// their own take the speaker of their paragraph's quotation.
func (d *docState) attribute(si int) {
	toks := d.toks[si]
	for k, t := range toks {
		if t.capital && d.mentionAt(si, k) {
			continue // "United States" is no verb
		}
		var who *actor
		switch {
		case d.ix.attribution[t.lower]:
			who = d.speakerOfVerb(si, k)
		case t.text == ":" && k+1 < len(toks) && isOpenQuote(toks[k+1].text):
			// "So does the Danish parliament: “There is a risk …”".
			ms := d.mentions[si]
			for i := len(ms) - 1; i >= 0 && who == nil; i-- {
				if ms[i].tj <= k {
					who = ms[i].actor()
				}
			}
		case t.lower == "according" && k+1 < len(toks) && toks[k+1].lower == "to":
			for _, m := range d.mentions[si] {
				if m.ti > k+1 && m.ti <= k+5 && onlyLower(toks, k+2, m.ti) {
					who = m.actor()
					break
				}
			}
		}
		if who != nil {
			d.speaker[si] = who
			return
		}
	}
}

// speakerOfVerb is who speaks by the attribution verb at token k, if the
// sentence says.
func (d *docState) speakerOfVerb(si, k int) *actor {
	toks := d.toks[si]
	ms := d.mentions[si]
	t := toks[k]
	// "said (analyst) Verhagen": a name right after the verb. Not "said
	// Fannie Mae would …": there the name begins the reported clause.
	for _, m := range ms {
		if m.ti > k && m.ti <= k+3 && onlyLower(toks, k+1, m.ti) && !anyVerb(toks, k+1, m.ti) && !complementizer(toks, k+1, m.ti) && !ppWords[m.prep] && !listenerVerbs[t.lower] && !startsClause(toks, m.tj) {
			return m.actor()
		}
	}
	// "Verhagen says", "Donald Trump told", "she said"; "X, an analyst
	// at Y, said" is X speaking, not Y.
	for _, m := range ms {
		if m.tj == k || m.tj == k-1 && !toks[k-1].word {
			if ppWords[m.prep] && toks[k-1].text == "," {
				if s := d.leftSubject(si, k); s != nil {
					m = s
				}
			}
			return m.actor()
		}
	}
	// "X has said that …", "X claimed that …": the clause subject.
	if k+1 < len(toks) && toks[k+1].lower == "that" {
		if m := d.leftSubject(si, k); m != nil {
			return m.actor()
		}
	}
	return nil
}

// complementizer: "that", "whether" or "if" among tokens [i, j) opens
// the reported clause ("warned that Globex's plan …": Globex is in it).
func complementizer(toks []token, i, j int) bool {
	for ; i < j; i++ {
		if w := toks[i].lower; w == "that" || w == "whether" || w == "if" {
			return true
		}
	}
	return false
}

// anyVerb: a verb among tokens [i, j) ("denied selling X": X is what
// was sold, not who denied).
func anyVerb(toks []token, i, j int) bool {
	for ; i < j; i++ {
		if toks[i].tag.Verb() {
			return true
		}
	}
	return false
}

// startsClause: the words after a name are a verb group, so the name
// is a clause's subject.
func startsClause(toks []token, k int) bool {
	for ; k < len(toks) && toks[k].tag.Adverb(); k++ {
	}
	return k < len(toks) && (toks[k].tag == pos.MD || toks[k].tag.Verb() && toks[k].tag != pos.VBG)
}

func onlyWords(toks []token, i, j int) bool {
	for k := i; k < j; k++ {
		if !toks[k].word {
			return false
		}
	}
	return true
}

func onlyLower(toks []token, i, j int) bool {
	for k := i; k < j; k++ {
		if !toks[k].word || toks[k].capital {
			return false
		}
	}
	return true
}

// speakerOf is the sentence's own speaker, or, for a quoted sentence, the
// speaker of a neighbouring quoted sentence in the same paragraph.
func (d *docState) speakerOf(si int) *actor {
	if d.speaker[si] != nil {
		return d.speaker[si]
	}
	if !hasQuote(d.sents[si].Text) {
		return nil
	}
	p := d.sents[si].Paragraph
	for dist := 1; dist <= 3; dist++ {
		for _, s := range []int{si + dist, si - dist} {
			if s >= 0 && s < len(d.sents) && d.sents[s].Paragraph == p && d.speaker[s] != nil && hasQuote(d.sents[s].Text) {
				return d.speaker[s]
			}
		}
	}
	return nil
}

func hasQuote(s string) bool { return strings.ContainsAny(s, "\"“”") }

var beForms = map[string]bool{"is": true, "are": true, "was": true, "were": true, "be": true, "been": true, "being": true, "get": true, "got": true, "gets": true, "getting": true}

// ppWords are prepositions whose object is not the subject of a clause.
var ppWords = map[string]bool{"of": true, "in": true, "at": true, "on": true, "from": true, "with": true, "by": true, "to": true,
	"for": true, "about": true, "over": true, "against": true, "than": true, "into": true, "like": true, "via": true, "since": true,
	"during": true, "between": true, "among": true, "through": true, "under": true, "after": true, "before": true}

var clauseWords = map[string]bool{"but": true, "while": true, "whereas": true, "although": true, "though": true, "because": true,
	"if": true, "when": true, "unless": true, "since": false, "so": true, "however": true, "which": true, "who": true}

// clause returns the token range of the clause around token k.
func clause(toks []token, k int) (int, int) {
	boundary := func(t token) bool {
		switch t.text {
		case ";", ":", "—", "–", "?", "!":
			return true
		case "-":
			return true
		}
		return clauseWords[t.lower]
	}
	s := k
	for s > 0 && !boundary(toks[s-1]) {
		s--
	}
	e := k + 1
	for e < len(toks) && !boundary(toks[e]) {
		e++
	}
	return s, e
}

// leftSubject is the head mention before token k in its clause: the
// nearest one not inside a prepositional phrase.
func (d *docState) leftSubject(si, k int) *mention {
	toks := d.toks[si]
	cs, _ := clause(toks, k)
	ms := d.mentions[si]
	var fallback *mention
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if m.tj > k || m.ti < cs {
			continue
		}
		if m.suffix != "" {
			continue
		}
		if m.titled != nil {
			continue // the person after the title is the argument
		}
		if reportsBetween(d, toks, m.tj, k) {
			return nil // "X said lifting the embargo …": X speaks, the clause after is another
		}
		if fallback == nil {
			fallback = m
		}
		if !ppWords[m.prep] || m.prep == "of" && quantityBefore(toks, cs, m.ti) {
			if a := d.appositionHead(si, m); a != nil {
				return a
			}
			return m
		}
	}
	return d.relativeAntecedent(si, cs)
}

// stateAsModifier: a state's name that only modifies the noun after it
// ("a US company", "US investors") is not an argument; the unnamed
// company is. Not "US officials": those act for it.
func (d *docState) stateAsModifier(toks []token, m *mention) bool {
	next := tokAt(toks, m.tj)
	if m.implicit || !next.word || next.capital || !next.tag.Noun() || agentNouns[next.lower] || d.govWord(next.lower) || institutions[next.lower] {
		return false
	}
	return d.r.cfg.Names.Country(m.actor().name)
}

// appositionHead: in "Sumitomo, Japan's third-largest bank, tabled …"
// the possessor inside the apposition is not the subject; the name the
// apposition describes is.
func (d *docState) appositionHead(si int, m *mention) *mention {
	toks := d.toks[si]
	if m.ti < 2 || toks[m.ti-1].text != "," || !possessiveMark(tokAt(toks, m.tj)) {
		return nil
	}
	if h := d.mentionEnding(si, m.ti-1); h != nil && !ppWords[h.prep] && !h.implicit {
		return h
	}
	return nil
}

// relativeAntecedent: a clause opened by "which" or "who" has no subject
// of its own; it is the name the pronoun follows ("Initech, which owns
// Globex", "Congressional leaders who held hearings").
func (d *docState) relativeAntecedent(si, cs int) *mention {
	toks := d.toks[si]
	if cs < 2 || (toks[cs-1].lower != "which" && toks[cs-1].lower != "who") {
		return nil
	}
	j := cs - 1
	if toks[j-1].text == "," {
		j--
	}
	for _, m := range d.mentions[si] {
		if m.suffix != "" || m.implicit && toks[m.ti].tag == pos.PRPS {
			continue
		}
		if m.tj == j || m.tj == j-1 && agentNouns[toks[j-1].lower] {
			return m
		}
	}
	return nil
}

// reportsBetween: an attribution verb between i and k opens a reported
// clause, whose subject is not the speaker before it. A clause without
// its own subject ("X denied sharing data", "X vowed never to sell") is
// the speaker's.
func reportsBetween(d *docState, toks []token, i, k int) bool {
	for x := i; x < k; x++ {
		if d.ix.attribution[toks[x].lower] && toks[x].tag.Verb() {
			n := x + 1
			for n < k && (toks[n].tag.Adverb() || d.ix.negation[toks[n].lower]) {
				n++
			}
			if n <= k && n < len(toks) && (toks[n].tag == pos.VBG || toks[n].lower == "to") {
				continue
			}
			return true
		}
	}
	return false
}

// quantityWords head a phrase that stands for the group after "of": "a
// majority of the House", "one of its members", "most of the banks".
var quantityWords = map[string]bool{"majority": true, "most": true, "many": true, "some": true, "several": true, "all": true,
	"none": true, "half": true, "one": true, "two": true, "three": true, "each": true, "both": true, "members": true, "member": true}

// quantityBefore: tokens [cs, ti) are such a phrase, up to the "of" and
// the determiners before the group's name.
func quantityBefore(toks []token, cs, ti int) bool {
	k := ti - 1
	for k > cs && determiners[toks[k].lower] {
		k--
	}
	if k <= cs || toks[k].lower != "of" {
		return false
	}
	k--
	if k < cs || !quantityWords[toks[k].lower] {
		return false
	}
	for x := cs; x < k; x++ {
		if !determiners[toks[x].lower] && !toks[x].tag.Adjective() {
			return false
		}
	}
	return true
}

// rightObject is the first mention after token k in its clause, skipping
// ones after prepositions the predicate does not take.
func (d *docState) rightObject(si, k int, allow []string) *mention {
	toks := d.toks[si]
	if k >= len(toks) {
		return nil // the verb ends the sentence
	}
	_, ce := clause(toks, k)
	// A verb followed by "whether", "that" or "if" takes a clause, whose
	// names belong to the clause's own verb.
	for i := k; i < ce; i++ {
		if w := toks[i].lower; w == "whether" || w == "that" || w == "if" {
			ce = i
			break
		}
	}
	for _, m := range d.mentions[si] {
		if m.ti < k || m.ti >= ce || m.suffix != "" {
			continue
		}
		if m.titled != nil {
			m = m.titled
		}
		if possessiveMark(tokAt(toks, m.tj)) && d.mentionStarting(si, m.tj+1) != nil {
			continue // "37.5% of India's United Breweries": the possessed is the object
		}
		if contains(allow, m.prep) {
			return m
		}
		if m.prep == "" || !ppWords[m.prep] {
			if !d.inObjectPhrase(si, k, m.ti, allow) {
				return nil // "developing relations between … Hong Kong": the object was "relations"
			}
			return m
		}
		// "banned the use of TikTok": the object of a light noun.
		if m.prep == "of" && m.ti >= 2 && lightNouns[toks[m.ti-2].lower] {
			return m
		}
	}
	return nil
}

// inObjectPhrase: the words from k to a name at j are what may stand
// between a verb and its object. What ends an object phrase is clause
// structure: a preposition the verb does not take (but "of" after a
// light noun, "including", "such as"), another verb, a relative pronoun
// or a modal. In "developing relations between … Hong Kong" the object
// is "relations"; in "banned the messaging app Zapchat" it is Zapchat,
// whatever the tagger makes of "app".
func (d *docState) inObjectPhrase(si, k, j int, allow []string) bool {
	toks := d.toks[si]
	for i := k; i < j; i++ {
		t := toks[i]
		switch {
		case d.mentionAt(si, i), !t.word, t.capital, contains(allow, t.lower):
		case t.lower == "of" && i > k && lightNouns[toks[i-1].lower]:
		case t.lower == "including" || t.lower == "like" || t.lower == "such" || t.lower == "as" && toks[i-1].lower == "such":
			// "several popular apps, including Douyin"
		case t.tag == pos.VB && i > k && toks[i-1].tag == pos.TO:
			// "allowed to use TikTok": an infinitive's object
		case t.tag == pos.IN, t.tag == pos.WDT, t.tag == pos.WP, t.tag == pos.MD, finiteVerb(t.tag):
			return false
		}
	}
	return true
}

// partial: the words between a verb and its object name a part of it
// ("18.8% of", "a 20% stake in", "shares in").
func (d *docState) partial(si, i, j int) bool {
	for _, t := range d.toks[si][i:j] {
		switch t.lower {
		case "%", "percent", "cent", "stake", "stakes", "share", "shares", "holding", "part", "half", "third", "quarter", "minority", "majority":
			return true
		}
	}
	return false
}

// attitudeObject reads the object of an attitude verb at token k: a name,
// the possessor of the thing opposed, or its agent ("by X").
func (d *docState) attitudeObject(si, k int, allow []string) *mention {
	toks := d.toks[si]
	_, ce := clause(toks, min(k, len(toks)-1))
	if k < len(toks) && contains(allow, toks[k].lower) {
		k++
	}
	for i := k; i < ce; i++ {
		t := toks[i]
		if m := d.mentionStarting(si, i); m != nil {
			next := tokAt(toks, m.tj)
			if possessiveMark(next) || !(next.word && !next.capital && next.tag.Noun()) {
				return m // "Mr Glazer's plans", "Mr Glazer"
			}
			i = m.tj // "the LSE bid": a modifier; the head follows
			continue
		}
		head := t.tag.Noun() && !t.capital && !tokAt(toks, i+1).tag.Noun()
		switch {
		case !head && (determiners[t.lower] || t.tag == pos.DT || d.premodifier(t) || t.tag == pos.PRPS):
		case head:
			// The head: its agent is the one opposed.
			if a, _ := d.ppObject(si, i+1); a != nil && (toks[i+1].lower == "by" || toks[i+1].lower == "from") {
				return a
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// lightNouns stand for the act on their "of" object: "the use of X".
var lightNouns = map[string]bool{"use": true, "sale": true, "download": true, "downloads": true, "installation": true,
	"purchase": true, "operation": true, "operations": true, "activities": true, "export": true, "exports": true, "import": true,
	// Quantities of a thing owned or bought: "owns 29% of United".
	"%": true, "percent": true, "per": true, "cent": true, "stake": true, "share": true, "shares": true, "majority": true,
	"control": true, "half": true, "third": true, "quarter": true, "part": true, "rest": true, "remainder": true, "bulk": true}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// coordinated extends a mention with the ones listed after it: "TikTok
// and WeChat", "the VVD, CDA and ChristenUnie".
func (d *docState) coordinated(si int, m *mention) []*mention {
	out := []*mention{m}
	toks := d.toks[si]
	last := m
	for _, n := range d.mentions[si] {
		if n.ti < last.tj || n == last {
			continue
		}
		ok := n.ti > last.tj
		for k := last.tj; k < n.ti && ok; k++ {
			switch toks[k].lower {
			case ",", "and", "or", "&", "including", "nor":
			default:
				ok = false
			}
		}
		if !ok || ppWords[n.prep] && n.prep != m.prep {
			break
		}
		out = append(out, n)
		last = n
	}
	return out
}

// precedingList extends a subject with names listed before it.
func (d *docState) precedingList(si int, m *mention) []*mention {
	out := []*mention{m}
	toks := d.toks[si]
	first := m
	ms := d.mentions[si]
	for i := len(ms) - 1; i >= 0; i-- {
		n := ms[i]
		if n.tj > first.ti || n == first {
			continue
		}
		ok := n.tj < first.ti
		for k := n.tj; k < first.ti && ok; k++ {
			switch toks[k].lower {
			case ",", "and", "or", "&":
			default:
				ok = false
			}
		}
		if !ok || ppWords[n.prep] && n.prep != m.prep {
			break
		}
		out = append(out, n)
		first = n
	}
	return out
}

// qualities reads modality and polarity from the tokens of a clause
// before the trigger (from the subject on).
func (d *docState) qualities(toks []token, from, k int) (modality, polarity string) {
	modality, polarity = events.Actual, events.Affirmed
	for i := max(from, 0); i < k; i++ {
		w := toks[i].lower
		if beForms[w] && i+1 < k && toks[i+1].lower == "to" && w != "been" && w != "get" && w != "got" {
			modality = events.Intended // "S&N is to buy …"
		}
		switch {
		case d.ix.intended[w]:
			modality = events.Intended
		case d.ix.possible[w] && modality != events.Intended:
			modality = events.Possible
		}
		if d.ix.negation[w] || strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "n’t") {
			polarity = events.Negated
		}
		if d.ix.denial[w] && toks[i].tag.Verb() && toks[i].tag != pos.VB && tokAt(toks, i-1).lower != "to" {
			polarity = events.Negated // "X denied sharing data": X says it does not hold
		}
	}
	return modality, polarity
}

// relations reads the assertions of sentence si.
func (d *docState) relations(si int) {
	toks := d.toks[si]
	ms := d.mentions[si]
	if len(ms) == 0 {
		return
	}
	speaker := d.speakerOf(si)
	d.sentFound = len(d.found)
	d.patternRelations(si)
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		if !t.word || d.mentionAt(si, k) {
			continue
		}
		// Verbs, longest form first ("take over" before "take").
		matched := false
		longest := 1
		if d.ix.multiFirst[t.lower] {
			longest = min(d.ix.maxVerbWords, len(toks)-k)
		}
		// The tagger tells "the ban" from "to ban": a noun is read as
		// an event noun below, never as a verb.
		verbal := !inNounPhrase(toks, k)
		for n := longest; n >= 1 && !matched && verbal; n-- {
			form := joinLower(toks, k, k+n)
			if n == 1 {
				form = ownershipDegree(form)
			}
			for _, tr := range d.ix.verbs[form] {
				if d.verbRelation(si, k, k+n, form, tr, speaker) {
					matched = true
				}
			}
			if matched {
				k += n - 1
			}
		}
		if matched {
			continue
		}
		for _, tr := range d.ix.nouns[t.lower] {
			if !t.tag.Verb() || inNounPhrase(toks, k) {
				d.eventNoun(si, k, tr, speaker)
			}
		}
		for _, p := range d.ix.phrases[t.lower] {
			if k+len(p.words) <= len(toks) && joinLower(toks, k, k+len(p.words)) == strings.Join(p.words, " ") {
				d.phraseRelation(si, k, k+len(p.words), p.pred, speaker)
			}
		}
	}
	d.derivedAccusations(si, speaker)
}

// inNounPhrase: a word the tagger reads as a noun after a determiner,
// possessive, adjective or number ("the ban", "its offer", "a higher
// bid"): it cannot be a verb. The tagger's noun reading alone is not
// trusted after a name ("Trump and Xi meet", "The US points to").
func inNounPhrase(toks []token, k int) bool {
	if !toks[k].tag.Noun() || k == 0 {
		return false
	}
	j := k - 1
	for j > 0 && toks[j].capital && toks[j].tag.Proper() {
		j-- // "its London Stock Exchange bid": back over the name
	}
	p := toks[j]
	if j < k-1 {
		// After a name, a noun reading stands only where a verb's
		// complement cannot start: "its LSE bid will …", not "The US
		// points to …".
		n := tokAt(toks, k+1)
		if !(p.tag == pos.DT || p.tag == pos.PRPS || possessiveMark(p)) || n.tag == pos.DT || n.tag == pos.IN || n.tag == pos.TO || n.tag == pos.PRP || n.tag.Proper() {
			return false
		}
	}
	return p.tag == pos.DT || p.tag == pos.PRPS || p.tag == pos.POS || possessiveMark(p) || p.lower == "whose" || p.tag.Adjective() || p.tag == pos.CD ||
		(p.tag == pos.NN || p.tag == pos.NNS) && !p.capital ||
		p.tag.Verb() && !p.capital && !auxiliary(p.lower) // "owns brands including X": the verb's object
}

// auxiliary: a verb form that can stand before another verb.
func auxiliary(w string) bool {
	switch w {
	case "has", "have", "had", "do", "does", "did", "get", "gets", "got", "will", "would":
		return true
	}
	return beForms[w]
}

func joinLower(toks []token, i, j int) string {
	if j-i == 1 {
		return toks[i].lower
	}
	parts := make([]string, 0, j-i)
	for k := i; k < j; k++ {
		if !toks[k].word {
			return ""
		}
		parts = append(parts, toks[k].lower)
	}
	return strings.Join(parts, " ")
}

// isParticiple: a past form of a verb ("banned", "owned", "bought").
func isParticiple(form string) bool {
	f := strings.Fields(form)[0]
	return strings.HasSuffix(f, "ed") || strings.HasSuffix(f, "en") || f == "bought" || f == "sold" || f == "led" || f == "held" ||
		f == "run" || f == "sent" || f == "fed" || f == "met"
}

func (d *docState) verbRelation(si, k, kEnd int, form string, tr trigger, speaker *actor) bool {
	toks := d.toks[si]
	v := verbAt{si: si, k: k, form: form, tr: tr}
	v.cs, v.ce = clause(toks, k)
	// The verb's preposition, when it needs one ("work with").
	if len(tr.preps) > 0 && (kEnd >= len(toks) || !contains(tr.preps, toks[kEnd].lower)) {
		return false
	}
	var ok bool
	if v.objFrom, ok = d.dataObjectStart(si, k, kEnd, tr, v.cs, v.ce); !ok {
		return false
	}
	v.passive = d.passiveVoice(si, k, kEnd, form, tr, v.cs)
	subj, obj := d.verbArguments(v, speaker)
	if len(subj) == 0 || len(obj) == 0 {
		return false
	}
	d.emitVerb(v, subj, obj, speaker)
	return true
}

// verbAt is a trigger verb in its clause.
type verbAt struct {
	si, k, cs, ce int
	objFrom       int // where its object is looked for
	form          string
	tr            trigger
	passive       bool
}

// verbArguments are a verb's subjects and objects, by its voice; on the
// way it reads what the verb implies beyond them (a claim's accusation,
// a sale's buyer).
func (d *docState) verbArguments(v verbAt, speaker *actor) (subj, obj []*mention) {
	if v.passive {
		subj, obj = d.passiveArguments(v.si, v.k, v.ce, v.tr)
	} else {
		subj, obj = d.activeArguments(v.si, v.k, v.cs, v.ce, v.objFrom, v.form, v.tr, speaker)
	}
	if len(obj) == 0 && len(subj) > 0 && speaker != nil && (d.ix.accusable[v.tr.pred] || v.tr.pred == "BANS") && !v.passive {
		// "Citizen Lab claimed that the company was blocking terms": the
		// claim accuses whoever does it.
		for _, s := range subj {
			if s.actor() != speaker {
				d.emit(v.si, speaker, "ACCUSES", s.actor(), events.Affirmed, events.Actual, speaker, 0.45)
			}
		}
	}
	if len(obj) == 0 && len(subj) >= 2 && d.r.cfg.Ontology.Symmetric(v.tr.pred) {
		// "Donald Trump and Xi Jinping meet": the list is both ends.
		obj, subj = subj[:1], subj[1:]
	}
	if saleVerbs[v.form] && len(obj) > 0 {
		d.buyer(v.si, v.k, v.cs, v.ce, obj, speaker)
	}
	return subj, obj
}

// emitVerb records what a verb says of each subject and object, with the
// qualities of its verb group (passive) or of its clause from the
// subject on (active).
func (d *docState) emitVerb(v verbAt, subj, obj []*mention, speaker *actor) {
	toks := d.toks[v.si]
	from := verbGroupStart(toks, v.cs, v.k) // "Globex's plans were condemned": the plans are not the verb's
	conf := 0.6
	if !v.passive {
		from, conf = subj[0].ti, 0.65
		for _, s := range subj {
			from = min(from, s.ti)
		}
	}
	mod, pol := d.qualities(toks, from, v.k)
	pred := v.tr.pred
	if pred == "ACQUIRES" && !v.passive && mod == events.Actual && pol == events.Affirmed && obj[0].ti >= v.objFrom && d.partial(v.si, v.objFrom, obj[0].ti) {
		// "Fosters bought 18.8% of Southcorp", "has bought a 20% stake
		// in Sina": having bought part of it, the buyer holds it.
		pred = "OWNS"
	}
	for _, s := range subj {
		for _, o := range obj {
			d.emit(v.si, s.actor(), pred, o.actor(), pol, mod, speaker, conf)
		}
	}
	if !v.passive {
		d.otherHolders(v.si, v.ce, v.tr.pred, pred, obj, pol, mod, speaker)
	}
}

// dataObjectStart is where a verb's object is looked for: right after
// it, or, for a verb that only counts with a data noun, after that noun
// ("pass data to X", "how much information X could pass to Y"); false
// when such a verb has none.
func (d *docState) dataObjectStart(si, k, kEnd int, tr trigger, cs, ce int) (int, bool) {
	if !tr.needsData {
		return kEnd, true
	}
	toks := d.toks[si]
	for i := kEnd; i < ce && i < kEnd+6; i++ {
		if d.ix.data[toks[i].lower] {
			return i + 1, true
		}
	}
	for i := cs; i < k; i++ {
		if d.ix.data[toks[i].lower] {
			return kEnd, true
		}
	}
	return kEnd, false
}

// passiveVoice: a participle after a form of "be", or after a name and
// its comma with a "by" agent ("FleetBoston, bought by BOA last year": a
// reduced relative clause). "is opposed to X": an attitude stated with a
// participle and its preposition is active.
func (d *docState) passiveVoice(si, k, kEnd int, form string, tr trigger, cs int) bool {
	toks := d.toks[si]
	adjectival := d.ix.attitude[tr.pred] && kEnd < len(toks) && (toks[kEnd].lower == "to" || toks[kEnd].lower == "against")
	if !isParticiple(form) || adjectival {
		return false
	}
	if k >= 2 && toks[k-1].text == "," && tokAt(toks, kEnd).lower == "by" && d.mentionEnding(si, k-1) != nil {
		return true
	}
	for i := k - 1; i >= cs && i >= k-4; i-- {
		if beForms[toks[i].lower] {
			return true
		}
		if toks[i].word && !isAdverbish(toks[i].lower) {
			return false
		}
	}
	return false
}

// passiveArguments: "TikTok is owned by ByteDance", "Huawei is banned by
// the US"; a reduced relative clause is about the name before its comma.
func (d *docState) passiveArguments(si, k, ce int, tr trigger) (subj, obj []*mention) {
	toks := d.toks[si]
	if o := d.mentionEnding(si, k-1); k >= 2 && toks[k-1].text == "," && o != nil {
		obj = []*mention{o}
	} else if o := d.leftSubject(si, k); o != nil {
		obj = d.precedingList(si, o)
	}
	for _, m := range d.mentions[si] {
		if m.ti > k && m.ti < ce && m.prep == "by" && m.suffix == "" && !d.stateAsModifier(toks, m) {
			return d.coordinated(si, m), obj
		}
	}
	if m := d.byListName(si, k, ce); m != nil {
		return []*mention{m}, obj // "condemned by rights groups and the Conservatives"
	}
	if tr.pred == "BANS" || tr.pred == "SANCTIONS" {
		// "banned in the country", "banned on work phones of the
		// European Commission": the state or body where it holds.
		for _, m := range d.mentions[si] {
			if m.ti > k && m.ti < ce && (m.prep == "in" || m.prep == "of" || m.prep == "from") && isPolity(m.actor().typ) {
				return d.coordinated(si, m), obj
			}
		}
	}
	return nil, obj
}

// verbGroupStart is where the verb group ending before token k starts:
// auxiliaries, modals, adverbs, "to" and other verbs ("could not be",
// "is expected to be").
func verbGroupStart(toks []token, cs, k int) int {
	i := k
	for i > cs {
		t := toks[i-1]
		if !t.word || !(t.tag.Verb() || t.tag == pos.MD || t.tag.Adverb() || t.lower == "to" || t.lower == "not") {
			break
		}
		i--
	}
	return i
}

// byListName is a name coordinated after unnamed agents in a "by" phrase
// that follows token k: "by human rights groups and the Conservatives".
func (d *docState) byListName(si, k, ce int) *mention {
	toks := d.toks[si]
	b := k + 1
	for b < ce && toks[b].tag.Adverb() {
		b++
	}
	if b >= ce || toks[b].lower != "by" {
		return nil
	}
	conj := false
	for i := b + 1; i < ce; i++ {
		t := toks[i]
		if m := d.mentionStarting(si, i); m != nil {
			if !conj || m.suffix != "" {
				return nil
			}
			return m
		}
		switch {
		case t.lower == "and" || t.text == ",":
			conj = true
		case t.word && !t.capital && (determiners[t.lower] || t.tag.Noun() || t.tag.Adjective()):
		default:
			return nil
		}
	}
	return nil
}

// activeArguments finds an active verb's subject (the clause's, the
// speaker of a first-person quote, or the clause before's) and object.
func (d *docState) activeArguments(si, k, cs, ce, objFrom int, form string, tr trigger, speaker *actor) (subj, obj []*mention) {
	toks := d.toks[si]
	if s := d.leftSubject(si, k); s != nil {
		subj = d.precedingList(si, s)
	} else if speaker != nil && firstPerson(toks, cs, k) {
		// “We may be banning TikTok,” Donald Trump told …
		subj = []*mention{{a: speaker, ti: cs, tj: cs, implicit: true}}
	} else if s := d.previousClauseSubject(si, cs); s != nil {
		// "X can bother security because those apps can send …": a
		// clause with no name of its own continues the one before.
		subj = d.precedingList(si, s)
	}
	allow := append(append([]string{}, tr.preps...), d.ix.objectPreps[tr.pred]...)
	if f := strings.Fields(form); len(f) > 1 && ppWords[f[len(f)-1]] {
		allow = append(allow, f[len(f)-1]) // "based in X", "work for X"
	}
	switch {
	case tr.pred == "ACCUSES":
		// "warns against Chinese espionage", "points to the risk that
		// Huawei equipment may be used by China": every actor the
		// warning is about.
		for _, m := range d.mentions[si] {
			if m.ti >= objFrom && m.ti < ce && m.suffix == "" && m.actor().typ != "PLACE" && m.prep != "in" {
				obj = append(obj, m)
			}
		}
	case d.ix.attitude[tr.pred]:
		if o := d.attitudeObject(si, objFrom, allow); o != nil {
			obj = d.coordinated(si, o)
		}
	default:
		if o := d.rightObject(si, objFrom, allow); o != nil {
			obj = d.coordinated(si, o)
		}
	}
	if len(obj) == 0 && len(subj) > 0 && subj[0].ti >= cs {
		// "Initech, which Globex bought in 2001": the clause has its
		// own subject, so the relative pronoun is the object.
		if o := d.relativeAntecedent(si, cs); o != nil && o != subj[0] {
			obj = []*mention{o}
		}
	}
	return subj, obj
}

// otherHolders reads who else holds what an active verb is about: "X and
// Y own 29% of United through their vehicle Cubic Expression" (what they
// hold through holds it too), "buy X from Y" (Y owned X).
func (d *docState) otherHolders(si, ce int, trigger, pred string, obj []*mention, pol, mod string, speaker *actor) {
	if pred == "OWNS" {
		d.holderAfter(si, ce, "through", obj, pol, mod, speaker)
	}
	if trigger == "ACQUIRES" {
		d.holderAfter(si, ce, "from", obj, events.Affirmed, events.Actual, speaker)
	}
}

// ownershipDegree reads "majority-owned", "wholly-owned",
// "part-owned" as the participle they end in.
func ownershipDegree(w string) string {
	prefix, verb, ok := strings.Cut(w, "-")
	if !ok {
		return w
	}
	switch prefix {
	case "majority", "minority", "wholly", "partly", "part", "jointly", "fully":
		return verb
	}
	return w
}

// saleVerbs make the name after "to" the buyer.
var saleVerbs = map[string]bool{"sell": true, "sells": true, "sold": true, "selling": true, "offload": true, "offloads": true,
	"offloaded": true, "offloading": true}

// buyer: "X sold Y to Z", "Y was sold to Z", "agreed to sell Y to Z": Z
// acquires Y, as surely as the sale is stated.
func (d *docState) buyer(si, k, cs, ce int, obj []*mention, speaker *actor) {
	toks := d.toks[si]
	for _, m := range d.mentions[si] {
		if m.ti > k && m.ti < ce && m.prep == "to" && m.suffix == "" && !m.implicit && !slices.Contains(obj, m) {
			mod, pol := d.qualities(toks, cs, k)
			for _, b := range d.coordinated(si, m) {
				for _, o := range obj {
					d.emit(si, b.actor(), "ACQUIRES", o.actor(), pol, mod, speaker, 0.6)
				}
			}
			return
		}
	}
}

// holderAfter: the first name after the object inside a prep phrase
// also owns the object.
func (d *docState) holderAfter(si, ce int, prep string, obj []*mention, pol, mod string, speaker *actor) {
	for _, m := range d.mentions[si] {
		if m.ti > obj[0].ti && m.ti < ce && m.prep == prep && (prep == "from" || m.suffix == "" && !m.implicit) {
			for _, o := range obj {
				d.emit(si, m.actor(), "OWNS", o.actor(), pol, mod, speaker, 0.55)
			}
			return
		}
	}
}

func firstPerson(toks []token, i, j int) bool {
	for k := i; k < j; k++ {
		if toks[k].lower == "we" || toks[k].text == "I" {
			return true
		}
	}
	return false
}

// previousClauseSubject is the subject of the clause before cs, when
// the two are joined by a causal or additive word and the current one
// refers back ("those", "they", "it").
func (d *docState) previousClauseSubject(si, cs int) *mention {
	toks := d.toks[si]
	if cs == 0 || !(toks[cs-1].lower == "because" || toks[cs-1].lower == "so") {
		return nil
	}
	for k := cs; k < len(toks) && k < cs+3; k++ {
		switch toks[k].lower {
		case "those", "these", "they", "it", "both":
			return d.leftSubject(si, cs-1)
		}
	}
	return nil
}

func isAdverbish(w string) bool {
	switch w {
	case "not", "never", "also", "already", "being", "now", "still", "reportedly", "allegedly", "recently", "partly", "largely", "been", "officially", "just", "even", "increasingly", "effectively", "formally", "temporarily":
		return true
	}
	return strings.HasSuffix(w, "ly")
}

func isPolity(t string) bool { return t == "GOVERNMENT" || t == "ORGANIZATION" }

// legislatorTitles are held by a legislature's members.
var legislatorTitles = map[string]bool{"mp": true, "mep": true, "msp": true, "senator": true, "congressman": true,
	"congresswoman": true, "representative": true, "lawmaker": true, "assemblyman": true, "deputy": true}

// legislatureWords end a legislature's name.
var legislatureWords = []string{"parliament", "commons", "congress", "senate", "assembly", "representatives", "lords", "bundestag", "duma", "knesset"}

// legislature is the legislature the document names most, if any.
func (d *docState) legislature() *actor {
	var best *actor
	for _, a := range d.actors {
		if a.into != nil || a.count == 0 || a.typ != "GOVERNMENT" {
			continue
		}
		k := strings.Fields(a.key)
		if len(k) == 0 || !slices.Contains(legislatureWords, k[len(k)-1]) {
			continue
		}
		if best == nil || a.count > best.count {
			best = a
		}
	}
	return best
}

// phraseRelation: "X are no longer allowed to have Y" is a ban on Y by
// whoever disallows; the subject is the body the disallowed belong to.
func (d *docState) phraseRelation(si, k, kEnd int, pred string, speaker *actor) {
	toks := d.toks[si]
	cs, _ := clause(toks, k)
	obj := d.rightObject(si, kEnd, nil)
	var subj *mention
	for _, m := range d.mentions[si] {
		if m.ti >= cs && m.tj <= k && isPolity(m.actor().typ) {
			subj = m
		}
	}
	if obj == nil || subj == nil {
		return
	}
	mod, _ := d.qualities(toks, cs, k)
	d.emit(si, subj.actor(), pred, obj.actor(), events.Affirmed, mod, speaker, 0.5)
}

// patternRelations reads relations carried by the shape of a phrase
// rather than a verb: "Beijing-based ByteDance", "Paul Verhagen of HCSS",
// "TikTok's parent company ByteDance", "Tencent, owner of WeChat",
// "Instagram (part of Facebook)".
func (d *docState) patternRelations(si int) {
	speaker := d.speakerOf(si)
	for idx := range d.mentions[si] {
		d.suffixRelation(si, idx, speaker)
		d.possessorRole(si, idx)
		d.personOf(si, idx)
	}
	d.underPressure(si, speaker)
	d.roleRelations(si, speaker)
	d.rivalRelations(si, speaker)
	d.possessedPerson(si, speaker)
	d.linkRelations(si)
	d.relationalNouns(si, speaker)
}

// suffixRelation: "Beijing-based ByteDance" → ByteDance LOCATED_IN
// Beijing; "the Globex-owned Initech" → Globex OWNS Initech.
func (d *docState) suffixRelation(si, idx int, speaker *actor) {
	ms := d.mentions[si]
	m := ms[idx]
	if idx+1 >= len(ms) || ms[idx+1].ti > m.tj+3 {
		return
	}
	switch m.suffix {
	case "based", "headquartered":
		d.emit(si, ms[idx+1].actor(), "LOCATED_IN", m.actor(), events.Affirmed, events.Actual, nil, 0.7)
	case "owned", "controlled":
		d.emit(si, m.actor(), "OWNS", ms[idx+1].actor(), events.Affirmed, events.Actual, speaker, 0.65)
	}
}

// possessorRole: "Germany's economy minister Robert Habeck", "Twitter's
// chief executive Jack Dorsey": a possessor, a role, a person.
func (d *docState) possessorRole(si, idx int) {
	toks := d.toks[si]
	ms := d.mentions[si]
	m := ms[idx]
	a := m.actor()
	if m.implicit || a.typ == "PERSON" || m.tj >= len(toks) || toks[m.tj].text != "'s" || idx+1 >= len(ms) {
		return
	}
	n := ms[idx+1]
	if n.actor().typ != "PERSON" || n.ti <= m.tj+1 || n.ti > m.tj+4 || !onlyLower(toks, m.tj+1, n.ti) {
		return
	}
	role := toks[n.ti-1].lower
	if n.ti-2 > m.tj {
		if two := toks[n.ti-2].lower + " " + role; leadTitles[two] {
			role = two
		}
	}
	if leadTitles[role] {
		d.emit(si, n.actor(), "LEADS", a, events.Affirmed, events.Actual, nil, 0.6)
	} else if d.ix.typeCue[role] == "PERSON" {
		d.emit(si, n.actor(), "MEMBER_OF", a, events.Affirmed, events.Actual, nil, 0.6)
	}
}

// personOf: "Paul Verhagen of (the) HCSS", "Sanne Maasakkers of internet
// security company Fox-IT", "Brad Adams, from Human Rights Watch, said":
// where someone comes from.
func (d *docState) personOf(si, idx int) {
	toks := d.toks[si]
	ms := d.mentions[si]
	m := ms[idx]
	of := tokAt(toks, m.tj).lower == "of"
	from := tokAt(toks, m.tj).text == "," && tokAt(toks, m.tj+1).lower == "from"
	if m.actor().typ != "PERSON" || m.implicit || !(of || from) || idx+1 >= len(ms) {
		return
	}
	n := ms[idx+1]
	if idx+2 < len(ms) && possessiveMark(tokAt(toks, n.tj)) && ms[idx+2].ti == n.tj+1 {
		n = ms[idx+2] // "from the UK's Human Rights Watch"
	}
	if n.ti > m.tj && n.ti <= m.tj+7 && (n.prep == "of" || n.prep == "from") && n.actor().typ != "PERSON" && n.actor().typ != "PLACE" {
		d.emit(si, m.actor(), "MEMBER_OF", n.actor(), events.Affirmed, events.Actual, nil, 0.7)
	}
}

// linkRelations reads the titles inside names ("the United States
// President Donald Trump", "the D66 MP").
func (d *docState) linkRelations(si int) {
	for _, l := range d.links[si] {
		var person *actor
		if l.person != nil {
			person = l.person.actor()
		} else {
			person = d.salient(si, l.org.ti, "PERSON", true)
		}
		pred := "MEMBER_OF"
		if leadTitles[l.title] {
			pred = "LEADS"
		}
		org := l.org.actor()
		if org.typ == "PLACE" && !d.r.cfg.Names.Country(org.name) {
			// "the Manchester Central MP": a constituency; the member
			// sits in the legislature the document names.
			org = nil
			if legislatorTitles[l.title] {
				org = d.legislature()
			}
		}
		if person != nil && org != nil {
			d.emit(si, person, pred, org, events.Affirmed, events.Actual, nil, 0.6)
		}
	}
}

// relationalNouns reads the lexicon's relational nouns in the older
// shapes: "X, owner of Y", "Y's parent company X", "X (part of Y)".
func (d *docState) relationalNouns(si int, speaker *actor) {
	toks := d.toks[si]
	for k := 0; k < len(toks); k++ {
		w := toks[k].lower
		two := ""
		if k+1 < len(toks) {
			two = w + " " + toks[k+1].lower
		}
		// "chief executive" leads; its "executive" alone is not read
		// again as a member.
		skipNext := d.ix.relationalNoun(two)
		for _, cand := range []struct {
			word string
			n    int
		}{{two, 2}, {w, 1}} {
			if cand.word == "" {
				continue
			}
			for _, tr := range d.ix.possRev[cand.word] {
				d.possessiveNoun(si, k, k+cand.n, tr.pred, speaker)
			}
			for _, tr := range d.ix.nounsOf[cand.word] {
				d.agentNoun(si, k, k+cand.n, tr.pred, false, speaker)
			}
			for _, tr := range d.ix.nounsOfRev[cand.word] {
				d.agentNoun(si, k, k+cand.n, tr.pred, true, speaker)
			}
			for _, tr := range d.ix.nounsRev[cand.word] {
				d.partOf(si, k, k+cand.n, tr.pred, speaker)
			}
		}
		if skipNext {
			k++
		}
	}
}

// relationalNoun: the words are a relational noun of some predicate.
func (ix *index) relationalNoun(w string) bool {
	return len(ix.possRev[w])+len(ix.nounsOf[w])+len(ix.nounsOfRev[w])+len(ix.nounsRev[w]) > 0
}

// possessiveNoun: "TikTok's (Chinese) parent company ByteDance",
// "Bytedance, TikTok's Chinese parent company" → ByteDance OWNS TikTok.
func (d *docState) possessiveNoun(si, k, kEnd int, pred string, speaker *actor) {
	toks := d.toks[si]
	var owned, owner *mention
	ms := d.mentions[si]
	for i, m := range ms {
		if m.tj <= k && (m.tj+1 < len(toks) && toks[m.tj].text == "'s" && onlyWords(toks, m.tj+1, k) && k-m.tj <= 4 || m.tj == k) {
			owned = m
			// An owner named before, in apposition: "Bytedance, TikTok's …".
			if i > 0 && ms[i-1].tj+1 == m.ti && toks[ms[i-1].tj].text == "," {
				owner = ms[i-1]
			}
		}
		if m.ti == kEnd {
			owner = m
		}
	}
	if owned != nil && owner != nil && owned != owner {
		d.emit(si, owner.actor(), pred, owned.actor(), events.Affirmed, events.Actual, speaker, 0.7)
	}
}

// agentNoun: "owner of X" / "competitor to X" with the agent in
// apposition ("Tencent, owner of WeChat") or after ("the founder of X,
// Y"); reverse: "version of X" with the version before.
func (d *docState) agentNoun(si, k, kEnd int, pred string, rev bool, speaker *actor) {
	toks := d.toks[si]
	if kEnd >= len(toks) || toks[kEnd].lower != "of" && toks[kEnd].lower != "to" {
		return
	}
	var target, agent *mention
	for _, m := range d.mentions[si] {
		if target == nil && m.ti > kEnd && m.ti <= kEnd+3 && onlyLower(toks, kEnd+1, m.ti) {
			target = m
		}
	}
	if target == nil {
		return
	}
	// The agent: the mention just before the noun phrase ("Tencent,
	// (the) owner of", "Douyin, the Chinese version of", "X is a
	// competitor of").
	start := k
	for start > 0 && toks[start-1].word && !toks[start-1].capital && !beForms[toks[start-1].lower] {
		start--
	}
	for _, m := range d.mentions[si] {
		if m.tj <= start && m.tj >= start-2 {
			agent = m
		}
	}
	if agent == nil {
		if s := d.leftSubject(si, k); s != nil {
			agent = s
		}
	}
	if agent == nil || agent == target {
		return
	}
	mod, pol := d.qualities(toks, agent.tj, k)
	d.emit(si, agent.actor(), pred, target.actor(), pol, mod, speaker, 0.6)
}

// partOf: "Instagram (part of Facebook)", "X, a unit of Y" → Y pred X.
func (d *docState) partOf(si, k, kEnd int, pred string, speaker *actor) {
	toks := d.toks[si]
	if kEnd >= len(toks) || toks[kEnd].lower != "of" {
		return
	}
	var whole, part *mention
	for _, m := range d.mentions[si] {
		if whole == nil && m.ti > kEnd && m.ti <= kEnd+2 {
			whole = m
		}
		if m.tj <= k && m.tj >= k-3 {
			part = m
		}
	}
	if whole != nil && part != nil && whole != part {
		d.emit(si, whole.actor(), pred, part.actor(), events.Affirmed, events.Actual, speaker, 0.6)
	}
}

// riskWords make a reported claim about an actor an accusation.
var riskWords = map[string]bool{"risk": true, "risks": true, "threat": true, "threats": true, "espionage": true, "spying": true,
	"concerns": true, "concern": true, "danger": true, "dangerous": true, "malicious": true, "security": true,
	"misused": true, "disinformation": true, "manipulation": true, "allegations": true}

// derivedAccusations: when a speaker says an actor passes data, spies or
// poses a risk, the speaker accuses that actor.
func (d *docState) derivedAccusations(si int, speaker *actor) {
	if speaker == nil {
		return
	}
	for _, a := range d.found[d.sentFound:] {
		if d.ix.accusable[a.Predicate] && a.Polarity == events.Affirmed {
			if s := d.byName(a.Subject.Name); s != nil && s != speaker {
				d.emit(si, speaker, "ACCUSES", s, events.Affirmed, events.Actual, speaker, 0.5)
			}
		}
	}
	toks := d.toks[si]
	for k, t := range toks {
		// "The SEC said Fannie Mae had misled investors."
		if !d.ix.wrongdoing[t.lower] || !t.tag.Verb() {
			continue
		}
		if s := d.leftSubject(si, k); s != nil && s.actor() != speaker {
			if _, pol := d.qualities(toks, s.tj, k); pol == events.Affirmed {
				d.emit(si, speaker, "ACCUSES", s.actor(), events.Affirmed, events.Actual, speaker, 0.5)
			}
		}
	}
	risky := false
	for _, t := range d.toks[si] {
		if riskWords[t.lower] {
			risky = true
			break
		}
	}
	if !risky {
		return
	}
	n := 0
	for _, m := range d.mentions[si] {
		a := m.actor()
		if a != speaker && (a.typ == "PRODUCT" || a.typ == "COMPANY") {
			d.emit(si, speaker, "ACCUSES", a, events.Affirmed, events.Actual, speaker, 0.45)
			n++
		}
	}
	// "… because of concerns about cybersecurity, the parliament
	// writes": a warning that names no one is about the topic at hand.
	if n == 0 {
		if a := d.salient(si, 0, "PRODUCT", true); a != nil && a != speaker {
			d.emit(si, speaker, "ACCUSES", a, events.Affirmed, events.Actual, speaker, 0.4)
		}
	}
}

func (d *docState) byName(name string) *actor {
	for _, a := range d.actors {
		if a.into == nil && a.name == name {
			return a
		}
	}
	return nil
}

// emit records one assertion of sentence si.
func (d *docState) emit(si int, s *actor, pred string, o *actor, pol, mod string, speaker *actor, conf float64) {
	if s == nil || o == nil || s == o || s.key == o.key {
		d.dropped["same actor"]++
		return
	}
	if pred == "BANS" && d.r.cfg.Names.Country(o.name) {
		pred = "SANCTIONS" // a state is not banned but sanctioned: "an arms ban on China"
	}
	// The same reading reached by another rule: skip the normalising and
	// validating that would only find it seen.
	spk := ""
	if speaker != nil {
		spk = speaker.key
	}
	quick := strconv.Itoa(si) + "\x00" + s.key + "\x00" + pred + "\x00" + o.key + "\x00" + pol + mod + "\x00" + spk
	if d.seen[quick] {
		return
	}
	d.seen[quick] = true
	sent := d.sents[si]
	start, end := sent.RuneStart, sent.RuneEnd
	a := events.AssertionRecorded{
		Subject:   events.ActorRef{Name: s.name, Type: s.typ},
		Predicate: pred,
		Object:    events.ActorRef{Name: o.name, Type: o.typ},
		Polarity:  pol,
		Modality:  mod,
		Evidence:  events.Evidence{DocumentID: d.doc.ID, Document: d.doc.Source, Sentence: sent.Text, Start: &start, End: &end},
		Producer:  events.Producer{Name: d.r.Name(), Version: d.r.Version()},
	}
	if speaker != nil && (speaker != s || pred == "ACCUSES" || pred == "CRITICIZES") {
		name := speaker.name
		a.AttributedTo = &name
	}
	c := conf
	a.Confidence = &c
	a.Valid = d.validTime(si)
	if d.doc.ID == "" {
		a.Evidence.DocumentID = ""
	}
	a.Normalize(d.r.cfg.Ontology)
	if err := a.Validate(d.r.cfg.Ontology); err != nil {
		d.dropped["invalid"]++
		return
	}
	if d.seen[a.ID] {
		return
	}
	d.seen[a.ID] = true
	d.found = append(d.found, a)
}

// validTime is the sentence's time expression, read once per sentence.
func (d *docState) validTime(si int) *events.Interval {
	if d.validDone == nil {
		d.validDone = make([]bool, len(d.sents))
		d.valid = make([]*events.Interval, len(d.sents))
	}
	if !d.validDone[si] {
		d.validDone[si] = true
		d.valid[si] = timeOf(d.toks[si], d.doc.Published)
	}
	return d.valid[si]
}

func (d *docState) result() Result {
	res := Result{Assertions: d.found, Dropped: d.dropped}
	acting := map[string]bool{}
	for _, f := range d.found {
		acting[f.Subject.Name], acting[f.Object.Name] = true, true
	}
	for _, a := range d.actors {
		if a.into != nil || a.count == 0 {
			continue
		}
		typ := a.typ
		// "Japan's Sumitomo", "US tycoon X": a state the document only
		// uses to locate others is a place, not a government acting.
		if typ == "GOVERNMENT" && !acting[a.name] && a.others == 0 && d.r.cfg.Names.Country(a.name) {
			typ = "PLACE"
		}
		res.Mentions = append(res.Mentions, Mention{Name: a.name, Type: typ, Count: a.count})
	}
	return res
}

// underWords: "X is under threat in Y", "under pressure from Y", "under
// investigation by Y": Y acts against X.
var underWords = map[string]string{"threat": "TARGETS", "pressure": "TARGETS", "fire": "CRITICIZES", "attack": "TARGETS",
	"scrutiny": "INVESTIGATES", "investigation": "INVESTIGATES", "sanctions": "SANCTIONS"}

func (d *docState) underPressure(si int, speaker *actor) {
	toks := d.toks[si]
	for k := 0; k+1 < len(toks); k++ {
		pred, ok := underWords[toks[k+1].lower]
		if toks[k].lower != "under" || !ok {
			continue
		}
		target := d.leftSubject(si, k)
		if target == nil {
			continue
		}
		_, ce := clause(toks, k)
		for _, m := range d.mentions[si] {
			if m.ti > k+1 && m.ti <= k+5 && m.ti < ce && (m.prep == "in" || m.prep == "from" || m.prep == "by") && isPolity(m.actor().typ) {
				d.emit(si, m.actor(), pred, target.actor(), events.Affirmed, events.Actual, speaker, 0.5)
				if pred == "TARGETS" {
					d.emit(si, m.actor(), "ACCUSES", target.actor(), events.Affirmed, events.Actual, speaker, 0.4)
				}
				break
			}
		}
	}
}
