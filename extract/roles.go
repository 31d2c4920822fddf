package extract

import (
	"slices"
	"strings"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract/pos"
	"github.com/dossier-kg/dossier/names"
)

// Relational nouns name one end of a relation by the role it plays:
// "chairman", "analyst", "auditor", "owner", "rival". The lexicon lists
// them per predicate (nouns_of; nouns_rev for the reverse, "unit",
// "subsidiary"). A role phrase is such a noun with the modifiers before
// it ("chief financial officer", "independent auditor", "shadow foreign
// secretary"); the phrase's predicate is that of the longest lexicon
// entry it ends with, so "chief executive" leads where "executive" is a
// member. Its holder and its organisation are found by the phrase's
// grammar, not by distance:
//
//	Deutsche's chairman Rolf Breuer       org's ROLE holder
//	OFHEO director … / UK Foreign Secretary Jack Straw   org ROLE holder
//	Larry Bevington, chairman of Save Our Community      holder, ROLE of org
//	KPMG, Fannie Mae's independent auditor               holder, org's ROLE
//	Armando Falcon, OFHEO director                       holder, org ROLE
//	Wallace Cheung, an analyst at DBS Vickers            holder, a ROLE at org
//	chief executive Sidney Taurel (no organisation named) the company the text is about
type role struct {
	start, end int // token range of the phrase
	pred       string
	rev        bool // the holder is the part: "X, a unit of Y" → Y OWNS X
	corporate  bool // a title a company's officer holds
}

// demoting modifiers make a leading title a member's: "deputy chairman".
var demoting = map[string]bool{"deputy": true, "vice": true, "assistant": true, "shadow": true, "acting": false, "former": false}

// corporateHeads may stand without their company when the text is about
// one ("chief executive Sidney Taurel … the company says").
var corporateHeads = map[string]bool{"chairman": true, "chairwoman": true, "executive": true, "ceo": true, "officer": true,
	"director": true, "boss": true, "founder": true, "president": true}

// roleAt reads a role phrase whose head noun is token h.
func (d *docState) roleAt(si, h int) (role, bool) {
	toks := d.toks[si]
	if !toks[h].word || d.mentionAt(si, h) || !toks[h].tag.Noun() {
		return role{}, false
	}
	start := h
	for start > 0 && d.roleModifier(si, start-1) && !d.demonymAt(si, start-1) {
		start--
	}
	best := role{start: start, end: h + 1}
	for x := start; x <= h && best.pred == ""; x++ {
		phrase := joinLower(toks, x, h+1)
		for _, tr := range d.ix.nounsOf[phrase] {
			best.pred = tr.pred
			break
		}
		for _, tr := range d.ix.nounsRev[phrase] {
			best.pred, best.rev = tr.pred, true
			break
		}
	}
	if best.pred == "" {
		return role{}, false
	}
	for x := start; x < h; x++ {
		if demoting[toks[x].lower] && best.pred == "LEADS" {
			best.pred = "MEMBER_OF"
		}
	}
	best.corporate = corporateHeads[toks[h].lower] && !toks[h].capital
	return best, true
}

// roleModifier: a word that can modify a role noun inside its phrase
// ("chief", "financial", "foreign", "independent"), not a name, a
// determiner or a possessive.
func (d *docState) roleModifier(si, k int) bool {
	t := d.toks[si][k]
	if !t.word || t.possessive || d.mentionAt(si, k) || determiners[t.lower] || closedClass(t) {
		return false
	}
	return t.tag.Adjective() || t.tag == pos.NN || t.tag == pos.NNP || t.tag == pos.VBN || t.tag == pos.VBG
}

// titleRole reads a title that opens a person's name as a role phrase:
// "(Peruvian counterpart) Minister Rufus Firefly". Its organisation is
// read as any role's; the named person holds it.
func (d *docState) titleRole(si int, m *mention) (role, bool) {
	toks := d.toks[si]
	if m.implicit || m.tj-m.ti < 2 {
		return role{}, false
	}
	n := d.r.cfg.Names.TitlePrefix(spanText(d.doc.Text, toks, m.ti, m.tj))
	if n == 0 || n >= m.tj-m.ti {
		return role{}, false
	}
	r := role{start: m.ti, end: m.ti + n}
	for x := m.ti; x < r.end && r.pred == ""; x++ {
		for _, tr := range d.ix.nounsOf[joinLower(toks, x, r.end)] {
			r.pred = tr.pred
			break
		}
	}
	if r.pred == "" {
		return role{}, false
	}
	for r.start > 0 && d.roleModifier(si, r.start-1) && !d.demonymAt(si, r.start-1) {
		r.start--
	}
	return r, true
}

// roleRelations reads every role phrase of sentence si.
func (d *docState) roleRelations(si int, speaker *actor) {
	toks := d.toks[si]
	for _, m := range d.mentions[si] {
		if r, ok := d.titleRole(si, m); ok {
			org := d.roleOrg(si, r)
			if org == nil && stateHeadTitles[joinLower(toks, r.start, r.end)] {
				if s := d.homeState(); s != nil {
					org = &mention{a: s, ti: r.start, tj: r.start, implicit: true}
				}
			}
			if org != nil && org.actor() != m.actor() {
				d.emitRole(si, r, m, org, speaker)
			}
		}
	}
	var prevOrg *mention // "Deutsche's chairman X and chief executive Y"
	prevEnd := -1
	for h := range toks {
		r, ok := d.roleAt(si, h)
		if !ok {
			continue
		}
		org := d.roleOrg(si, r)
		holder := d.roleHolder(si, r, org)
		var parts []*mention
		if r.rev && holder == nil && org != nil {
			// "Globex's Initech and Zapchat units": the names before a
			// part noun are the parts, the possessor the whole.
			if list := d.precedingList(si, org); d.possessorOf(si, list[0]) != nil {
				parts, org = list, d.possessorOf(si, list[0])
				holder = parts[0]
			}
		}
		if org == nil && prevOrg != nil && r.start >= 2 && toks[r.start-1].lower == "and" && prevEnd == r.start-1 {
			org = prevOrg
		}
		if org == nil && r.corporate && holder != nil {
			if a := d.companyBefore(si, r.start); a != nil {
				org = &mention{a: a, ti: r.start, tj: r.start, implicit: true}
			}
		}
		if holder == nil || org == nil {
			continue
		}
		holders := []*mention{holder}
		if holder.ti >= r.end {
			holders = d.coordinated(si, holder) // "Its brands include X, Y and Z"
		}
		if parts != nil {
			holders = parts
		}
		for _, h := range holders {
			for _, o := range d.sameSpot(si, org) {
				d.emitRole(si, r, h, o, speaker) // "their vehicle": each of them
			}
		}
		prevOrg, prevEnd = org, holder.tj
	}
}

func (d *docState) emitRole(si int, r role, holder, org *mention, speaker *actor) {
	h, o := holder.actor(), org.actor()
	person := r.pred == "LEADS" || r.pred == "MEMBER_OF" || r.pred == "FOUNDED"
	if person && (h.typ != "PERSON" || o.typ == "PERSON" || o.typ == "PLACE" && !d.r.cfg.Names.Country(o.name)) {
		return
	}
	if r.rev {
		h, o = o, h
	}
	pred := r.pred
	if pred == "MEMBER_OF" && o.typ == "GOVERNMENT" && r.end-r.start == 1 && d.toks[si][r.start].lower == "director" {
		pred = "LEADS" // "OFHEO director", "director of the FBI": an agency has one; a company's board has many
	}
	d.emit(si, h, pred, o, events.Affirmed, events.Actual, speaker, 0.65)
}

// companyBefore is the company a title without one belongs to: the last
// one named before it in its sentence ("Wal-Mart … an open letter from
// company president Lee Scott"), else the last one before.
func (d *docState) companyBefore(si, k int) *actor {
	ms := d.mentions[si]
	for i := len(ms) - 1; i >= 0; i-- {
		if m := ms[i]; m.tj <= k && m.suffix == "" && m.actor().typ == "COMPANY" {
			return m.actor()
		}
	}
	return d.salient(si, k, "COMPANY", true)
}

// roleHolder is who holds the role: the name right after the phrase
// ("chairman Rolf Breuer"), or the name the phrase is in apposition to
// ("Rolf Breuer, (the) chairman …", "X, OFHEO director", "X, Y's
// auditor").
func (d *docState) roleHolder(si int, r role, org *mention) *mention {
	if m := d.nameAfterRole(si, r); m != nil {
		return m
	}
	return d.nameBeforeRole(si, r, org)
}

// nameAfterRole is the name right after the role phrase, or after its
// comma or verb: "chairman Rolf Breuer", "United's budget airline,
// Kingfisher Airlines", "Its top brands include X".
func (d *docState) nameAfterRole(si int, r role) *mention {
	after := r.end
	switch w := tokAt(d.toks[si], after).lower; {
	case w == ",":
		after++
	case w == "include" || w == "includes" || w == "included" || w == "including" || beForms[w] && w != "been" && w != "being":
		after++ // "Its best known brand is X"
	}
	for _, m := range d.mentions[si] {
		if (m.ti == r.end || m.ti == after) && !m.implicit && m.suffix == "" {
			return m
		}
	}
	return nil
}

// nameBeforeRole is the name the phrase describes from before it: back over
// the phrase's own determiner, an organisation's name and its possessive
// to the comma of an apposition ("Rolf Breuer, (the) chairman …", "X, Y's
// auditor") or a copula ("X became Y's biggest shareholder").
func (d *docState) nameBeforeRole(si int, r role, org *mention) *mention {
	toks := d.toks[si]
	k := r.start - 1
	for k >= 0 && (determiners[toks[k].lower] || toks[k].text == "'s" || toks[k].text == "'" || d.mentionAt(si, k)) {
		// "making them Manchester United's biggest shareholders",
		// "named Smith IBM's chief executive": a name right before the
		// organisation's is the holder.
		if m := d.mentionEnding(si, k+1); m != nil && org != nil && m != org && m.tj == org.ti {
			return m
		}
		k--
	}
	if k >= 2 && toks[k].lower == "of" && quantityWords[toks[k-1].lower] {
		k -= 2 // "Initech is one of Globex's units"
		for k >= 0 && determiners[toks[k].lower] {
			k--
		}
	}
	if k >= 1 && copulas[toks[k].lower] {
		if s := d.mentionEnding(si, k); s != nil && s != org && !s.implicit {
			return s
		}
		return nil
	}
	if k < 1 || toks[k].text != "," {
		return nil
	}
	for _, m := range d.mentions[si] {
		if m.tj == k && !m.implicit && m.suffix == "" {
			return m
		}
	}
	return nil
}

// copulas link a subject to a role it holds.
var copulas = map[string]bool{"is": true, "was": true, "are": true, "were": true, "be": true, "been": true, "became": true,
	"becomes": true, "become": true, "remains": true, "remained": true}

// possessorOf is the name whose possessive stands right before m
// ("Globex's Initech").
func (d *docState) possessorOf(si int, m *mention) *mention {
	toks := d.toks[si]
	if m.ti < 2 || !possessiveMark(toks[m.ti-1]) {
		return nil
	}
	return d.mentionEnding(si, m.ti-1)
}

// mentionEnding is a mention that ends just before token j.
func (d *docState) mentionEnding(si, j int) *mention {
	for _, m := range d.mentions[si] {
		if m.tj == j && m.suffix == "" {
			return m
		}
	}
	return nil
}

// roleOrg is the organisation the role is held in: a possessor or name
// right before the phrase ("Deutsche's chairman", "OFHEO director"), or
// one after "of", "at", "for", "from", "with" ("head of the Office …",
// "an analyst at DBS Vickers").
func (d *docState) roleOrg(si int, r role) *mention {
	toks := d.toks[si]
	for _, m := range d.mentions[si] {
		if m.implicit && m.ti < r.start && toks[m.ti].tag != pos.PRPS && toks[m.ti].lower != "whose" {
			continue // but "Its top brands": a possessive pronoun is the organisation
		}
		switch {
		case m.tj == r.start:
			return m // "OFHEO director", "UK Foreign Secretary"
		case m.tj+1 == r.start && (toks[m.tj].text == "'s" || toks[m.tj].text == "'" || toks[m.tj].text == "’"):
			return m // "Deutsche's chairman", "Atticus' David Slager"
		}
	}
	// "Chinese counterpart Minister X", "Conservative shadow foreign
	// secretary X", "Iraqi interim leader X": a demonym names the state
	// or party; but not after a possessor ("Globex's Japanese
	// subsidiary"), which is the organisation.
	if r.start > 1 && d.demonymAt(si, r.start-1) && possessiveMark(toks[r.start-2]) {
		if m := d.mentionEnding(si, r.start-2); m != nil {
			return m
		}
	}
	if r.start > 0 && d.demonymAt(si, r.start-1) {
		return &mention{a: d.demonymActor(si, r.start-1), ti: r.start - 1, tj: r.start, implicit: true}
	}
	k := r.end
	if k < len(toks) && (toks[k].lower == "of" || toks[k].lower == "at" || toks[k].lower == "for" || toks[k].lower == "from" || toks[k].lower == "with" || toks[k].lower == "in") {
		k++
		for k < len(toks) && determiners[toks[k].lower] {
			k++
		}
		for _, m := range d.mentions[si] {
			if m.ti == k {
				return m
			}
		}
	}
	return nil
}

// possessedPerson: "Atticus' David Slager", "Eli Lilly's Alan Breier":
// an organisation's person is its member.
func (d *docState) possessedPerson(si int, speaker *actor) {
	toks := d.toks[si]
	ms := d.mentions[si]
	for i := 0; i+1 < len(ms); i++ {
		o, p := ms[i], ms[i+1]
		if o.implicit || p.implicit || p.ti != o.tj+1 || o.tj >= len(toks) {
			continue
		}
		if t := toks[o.tj].text; t != "'s" && t != "'" && t != "’" {
			continue
		}
		if p.actor().typ == "PERSON" && o.actor().typ != "PERSON" && o.actor().typ != "PLACE" && !strings.EqualFold(o.actor().name, p.actor().name) {
			d.emit(si, p.actor(), "MEMBER_OF", o.actor(), events.Affirmed, events.Actual, speaker, 0.55)
		}
	}
}

// rivalRelations: "X tabled an offer for rival bank Y": a rival named as
// the object of X's clause competes with X.
func (d *docState) rivalRelations(si int, speaker *actor) {
	toks := d.toks[si]
	for k, t := range toks {
		if t.lower != "rival" && t.lower != "rivals" || t.capital && k > 0 || t.tag.Verb() {
			continue
		}
		e := k + 1
		for e < len(toks) && toks[e].word && !toks[e].capital && (toks[e].tag.Noun() || toks[e].tag.Adjective()) {
			e++ // "rival bank", "rival local club"
		}
		m := d.mentionStarting(si, e)
		if m == nil {
			continue
		}
		if s := d.leftSubject(si, k); s != nil && s != m {
			d.emit(si, s.actor(), "COMPETES_WITH", m.actor(), events.Affirmed, events.Actual, speaker, 0.55)
		} else if s == nil && m.ti <= 4 {
			// "Rival local club Manchester City has …": the rival of the
			// company the story is about.
			if a := d.salient(si, 0, m.actor().typ, true); a != nil && a != m.actor() {
				d.emit(si, a, "COMPETES_WITH", m.actor(), events.Affirmed, events.Actual, speaker, 0.5)
			}
		}
	}
}

// demonymAt: token k is a demonym no mention covers ("Chinese").
func (d *docState) demonymAt(si, k int) bool {
	t := d.toks[si][k]
	if !t.capital || d.mentionAt(si, k) {
		return false
	}
	_, ok := d.r.cfg.Names.Demonym(t.text)
	return ok
}

// sameSpot is a mention with the others at its very tokens: "their"
// refers to each actor of a list.
func (d *docState) sameSpot(si int, m *mention) []*mention {
	out := []*mention{m}
	if !m.implicit {
		return out
	}
	for _, n := range d.mentions[si] {
		if n != m && n.implicit && n.ti == m.ti && n.tj == m.tj {
			out = append(out, n)
		}
	}
	return out
}

// demonymActor is the state or party a demonym at token k names,
// counted as one mention of the document however often a rule asks.
// Types are settled by the time relations are read, so a state the
// document names only so gets its lexicon type here.
func (d *docState) demonymActor(si, k int) *actor {
	at := [2]int{si, k}
	if a, ok := d.demonyms[at]; ok {
		return a
	}
	e, _ := d.r.cfg.Names.Demonym(d.toks[si][k].text)
	a := d.get(e.Name, e.Type, true)
	if a.typ == "" {
		a.typ = e.Type
	}
	a.count++
	d.demonyms[at] = a
	return a
}

// homeState is the state the document is about: the country it names
// most, if one clearly leads (twice at least, more than any other). A
// head of state written by title alone ("President Clinton", "the
// Clinton administration") is that state's.
func (d *docState) homeState() *actor {
	var best, second *actor
	for _, a := range d.actors {
		if a.into != nil || !d.r.cfg.Names.Country(a.name) {
			continue
		}
		switch {
		case best == nil || a.count > best.count:
			best, second = a, best
		case second == nil || a.count > second.count:
			second = a
		}
	}
	if best == nil || best.count < 2 || second != nil && second.count >= best.count {
		return nil
	}
	return best
}

// stateHeadTitles name a head of state or government when they open a
// name: "President Clinton".
var stateHeadTitles = map[string]bool{"president": true, "prime minister": true, "premier": true}

// administrations: "the Clinton administration" is the state its head
// leads, named after the head. The mention becomes the state and a link
// makes the head its leader. It runs after merges, so that "Clinton" is
// already "Bill Clinton" where the document names him in full; a name
// the gazetteer knows ("the Labour administration") or a state ("the US
// administration") is left as it is.
func (d *docState) administrations() {
	// Naming a government after its head is American usage: the United
	// States when the document names it, else the state it is about.
	state := d.homeState()
	if us, ok := d.byKey[names.Key("United States")]; ok && us.resolve().count > 0 {
		state = us.resolve()
	}
	if state == nil {
		return
	}
	for si, ms := range d.mentions {
		toks := d.toks[si]
		for _, m := range ms {
			if m.implicit || m.suffix != "" || m.titled != nil || m.tj >= len(toks) {
				continue
			}
			if t := toks[m.tj]; t.lower != "administration" || t.capital {
				continue
			}
			a := m.actor()
			if a.lexicon || a == state || d.r.cfg.Names.Country(a.name) {
				continue
			}
			head := d.personEndingIn(a)
			head.vote("PERSON", 5)
			m.a = state
			state.count++
			state.others++
			d.links[si] = append(d.links[si], link{org: m, person: &mention{a: head, ti: m.ti, tj: m.tj, implicit: true}, title: "president"})
		}
	}
}

// personEndingIn is the person of the document whose name ends in a's
// ("Clinton" → "Bill Clinton"), else a itself.
func (d *docState) personEndingIn(a *actor) *actor {
	if a.typ == "PERSON" {
		return a
	}
	for _, p := range d.actors {
		if p.into == nil && p != a && p.typ == "PERSON" && strings.HasSuffix(p.name, " "+a.name) {
			return p
		}
	}
	return a
}

// shortNames: "the London exchange" is the London Stock Exchange when
// the document names it: a name followed by a noun is the one actor
// whose name begins with that name and contains that noun. Without
// this, "London" would be the United Kingdom taken over.
func (d *docState) shortNames() {
	for si, ms := range d.mentions {
		toks := d.toks[si]
		for _, m := range ms {
			if m.implicit || m.suffix != "" {
				continue
			}
			e := m.tj
			for e < len(toks) && toks[e].word && !toks[e].capital && toks[e].tag.Noun() {
				e++
			}
			if e == m.tj {
				continue
			}
			if a := d.actorNamedLike(m.actor(), spanText(d.doc.Text, toks, m.ti, m.tj), toks[e-1].lower); a != nil {
				m.actor().count--
				a.count++
				m.a, m.tj = a, e
			}
		}
	}
}

// actorNamedLike is the only other actor whose name starts with the
// words written and contains the noun.
func (d *docState) actorNamedLike(self *actor, written, noun string) *actor {
	prefix := strings.Fields(names.Key(written))
	var found *actor
	for _, a := range d.actors {
		if a.into != nil || a == self || a.count == 0 {
			continue
		}
		w := strings.Fields(a.key)
		if len(w) <= len(prefix) || !slices.Equal(w[:len(prefix)], prefix) || !slices.Contains(w[len(prefix):], noun) {
			continue
		}
		if found != nil {
			return nil
		}
		found = a
	}
	return found
}
