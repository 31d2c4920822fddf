package extract

import (
	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract/pos"
)

// Event nouns carry a relation without a verb: "Mitsubishi's takeover of
// UFJ", "a ban on X by Y", "an investigation into X", "criticism from
// X", "the LSE bid", "X has withdrawn its offer for Y". The noun phrase
// may be a compound ("takeover offer", "bid approach"); its arguments
// are found by the phrase's grammar:
//
//	agent: a possessor (X's takeover, its offer), a prepositional agent
//	       (by X; from X for nouns that take one), a state modifying the
//	       noun (US sanctions), or else the subject of the clause the
//	       phrase is the object of ("X tabled an offer for Y") — unless
//	       its verb makes that subject the one acted on ("X faced
//	       criticism from Y", "X came under investigation").
//	theme: the object of one of the predicate's prepositions after the
//	       phrase (noun_object_preps in the lexicon), or a name
//	       modifying the noun ("a TikTok ban", "the LSE bid").
//
// The predicate's intent nouns ("offer", "bid", "plan") make the
// relation intended; a withdrawing verb ("withdrew its offer") negates it.

// defaultNounObjectPreps introduce an event noun's theme when the
// lexicon names none for its predicate.
var defaultNounObjectPreps = []string{"on", "of", "against", "to", "into", "for"}

// agentPreps introduce an event noun's agent after it.
var agentPreps = map[string]bool{"by": true, "from": true}

// experiencerVerbs make their subject the one an event noun acts on.
var experiencerVerbs = map[string]bool{"face": true, "faces": true, "faced": true, "facing": true, "receive": true, "received": true,
	"receives": true, "draw": true, "drew": true, "drawn": true, "attract": true, "attracted": true, "suffer": true, "suffered": true,
	"escape": true, "escaped": true, "avoid": true, "avoided": true, "survive": true, "survived": true, "fight": true, "fought": true,
	"resist": true, "resisted": true, "reject": true, "rejected": true, "rebuff": true, "rebuffed": true, "under": true}

// withdrawing verbs undo an intention: "withdrew its offer".
var withdrawing = map[string]bool{"withdraw": true, "withdrew": true, "withdrawn": true, "withdrawing": true, "withdraws": true,
	"abandon": true, "abandoned": true, "abandons": true, "drop": true, "dropped": true, "drops": true, "scrap": true, "scrapped": true,
	"ditch": true, "ditched": true, "shelve": true, "shelved": true, "end": true, "ended": true, "ends": true}

// intentNouns make an event noun's relation intended.
var intentNouns = map[string]bool{"offer": true, "offers": true, "bid": true, "bids": true, "approach": true, "proposal": true,
	"proposals": true, "plan": true, "plans": true, "attempt": true, "interest": true}

// eventPhrase is an event noun with the nouns compounded after it
// ("takeover offer", "takeover proposals").
type eventPhrase struct {
	start, end int
	intent     bool
}

func (d *docState) eventPhraseAt(si, k int) eventPhrase {
	toks := d.toks[si]
	p := eventPhrase{start: k, end: k + 1, intent: intentNouns[toks[k].lower]}
	for p.end < len(toks) && toks[p.end].word && !toks[p.end].capital && toks[p.end].tag.Noun() && !d.mentionAt(si, p.end) {
		p.intent = p.intent || intentNouns[toks[p.end].lower]
		p.end++
	}
	// "the bid approach", "a takeover": the determiner and adjectives
	// before belong to the phrase too; a name before is a modifier.
	for p.start > 0 && d.premodifier(toks[p.start-1]) && !d.mentionAt(si, p.start-1) && !inVerbGroup(toks, p.start-1) {
		p.intent = p.intent || intentNouns[toks[p.start-1].lower]
		p.start--
	}
	return p
}

// inVerbGroup: a participle after an auxiliary ("has faced", "was
// given", "is already facing") is the clause's verb, not an adjective of
// the noun after it.
func inVerbGroup(toks []token, i int) bool {
	if toks[i].tag != pos.VBN && toks[i].tag != pos.VBG {
		return false
	}
	j := i - 1
	for j >= 0 && toks[j].tag.Adverb() {
		j--
	}
	if j < 0 {
		return false
	}
	switch w := toks[j].lower; {
	case beForms[w], toks[j].tag == pos.MD:
		return true
	case w == "has", w == "have", w == "had", w == "having", w == "get", w == "gets", w == "got":
		return true
	}
	return false
}

func (d *docState) premodifier(t token) bool {
	return t.word && !t.capital && (t.tag.Adjective() || t.tag == pos.CD || t.tag == pos.NN || t.tag == pos.VBN || t.tag == pos.VBG) && !closedClass(t)
}

// eventNoun reads the relation of the event noun at token k.
func (d *docState) eventNoun(si, k int, tr trigger, speaker *actor) {
	toks := d.toks[si]
	cs, ce := clause(toks, k)
	p := d.eventPhraseAt(si, k)
	gov := d.governor(si, p.start, cs)
	agent, theme := d.eventArguments(si, p, tr.pred, gov, cs, ce)
	if agent == nil || theme == nil || agent.actor() == theme.actor() {
		return
	}
	from := cs
	if agent.ti >= cs && agent.ti < p.start {
		from = agent.ti
	}
	mod, pol := d.qualities(toks, from, p.start)
	if p.intent && mod == events.Actual {
		mod = events.Intended
	}
	if withdrawing[gov] {
		pol = events.Negated
	}
	if d.ix.denial[gov] {
		pol = events.Affirmed // "X rejected allegations by Y": Y did allege
	}
	for _, s := range d.precedingList(si, agent) {
		for _, o := range d.coordinated(si, theme) {
			d.emit(si, s.actor(), tr.pred, o.actor(), pol, mod, speaker, 0.55)
		}
	}
}

// eventArguments are who does what an event phrase names and to whom:
// from the phrase itself, then the clause's subject, as its governing
// verb gov decides.
func (d *docState) eventArguments(si int, p eventPhrase, pred, gov string, cs, ce int) (agent, theme *mention) {
	agent, theme = d.nounArguments(si, p, pred, ce)
	if agent == nil {
		s := d.leftSubject(si, p.start)
		if s == nil || s == theme {
			return nil, theme
		}
		// "X faced criticism": X is acted on; but "X received guidance
		// from Y": X takes part.
		if experiencerVerbs[gov] && theme == nil {
			return nil, s
		}
		agent = s
		if theme == nil && d.ix.mutual[pred] {
			// "S&N and United agreed to form a partnership": the list
			// is both ends.
			if list := d.precedingList(si, agent); len(list) > 1 {
				agent, theme = list[len(list)-1], list[0]
			}
		}
		return agent, theme
	}
	if theme != nil {
		return agent, theme
	}
	// "Initech faced criticism from Ofcomm": the subject is acted on;
	// "Initech agreed to a takeover by Globex": the subject undergoes what
	// the agent does, unless it holds an attitude to it.
	if experiencerVerbs[gov] || agent.prep == "by" && !d.attitudeBefore(d.toks[si], cs, p.start) {
		if s := d.leftSubject(si, p.start); s != nil && s != agent {
			theme = s
		}
	}
	return agent, theme
}

// attitudeBefore: a verb of an attitude stands in [cs, k) ("opposed to
// a takeover by X": the subject opposes it, and is not its theme).
func (d *docState) attitudeBefore(toks []token, cs, k int) bool {
	for i := cs; i < k; i++ {
		for _, tr := range d.ix.verbs[toks[i].lower] {
			if d.ix.attitude[tr.pred] {
				return true
			}
		}
	}
	return false
}

// nounArguments finds an event phrase's agent and theme inside its own
// noun phrase and the chain of prepositional phrases after it ("offer
// for rival bank UFJ", "takeover of the club by X", "ban on arms
// exports to China", "a ban on X in the Netherlands"). A name inside a
// prepositional phrase's own complement is not an argument: in "a threat
// to the national security of the US" the threat is to security.
func (d *docState) nounArguments(si int, p eventPhrase, pred string, ce int) (agent, theme *mention) {
	objPreps := d.ix.nounPreps[pred]
	if objPreps == nil {
		objPreps = defaultNounObjectPreps
	}
	agent, theme = d.insideArguments(si, p, pred)
	modifier := theme
	agent, theme = d.prepArguments(si, p.end, ce, pred, objPreps, agent, theme)
	if agent == nil && modifier != nil && theme == modifier && modifier.actor().typ != "PRODUCT" && modifier.actor().typ != "PLACE" {
		// "an SEC probe into Globex": with its theme after it, the name
		// modifying the noun is who acts.
		if a, t := d.prepArguments(si, p.end, ce, pred, objPreps, nil, nil); a == nil && t != nil && t != modifier && !t.implicit {
			agent, theme = modifier, t
		}
	}
	if agent == nil && theme != nil && d.ix.agentFirst[pred] {
		// "A TikTok ban … has been in effect for US government
		// officials": the state the ban holds in.
		for _, m := range d.mentions[si] {
			if m.ti > p.end && m.ti < ce && m != theme && (m.prep == "in" || m.prep == "for" || m.prep == "by") && isPolity(m.actor().typ) {
				return m, theme
			}
		}
	}
	return agent, theme
}

// insideArguments reads the arguments inside an event phrase: its
// possessor ("Mitsubishi's takeover", "its takeover offer", "the SEC's
// criticism"), an acting state modifying it ("US sanctions", "Chinese
// espionage"), or a name modifying it ("a TikTok ban", "the LSE bid").
func (d *docState) insideArguments(si int, p eventPhrase, pred string) (agent, theme *mention) {
	toks := d.toks[si]
	for _, m := range d.mentions[si] {
		switch {
		case m.tj < len(toks) && m.tj < p.start && possessiveMark(toks[m.tj]) && onlyPremodifiers(d, toks, m.tj+1, p.start),
			m.implicit && m.tj <= p.start && toks[m.ti].tag == pos.PRPS && onlyPremodifiers(d, toks, m.tj, p.start):
			agent = m
		case m.suffix != "":
		case m.tj == p.start || m.tj == p.end-1 && m.ti > p.start:
			if m.actor().typ == "GOVERNMENT" && d.ix.agentFirst[pred] || m.implicit && m.actor().typ == "PERSON" {
				agent = m
			} else {
				theme = m
			}
		}
	}
	return agent, theme
}

// prepArguments reads the chain of prepositional phrases after an event
// phrase (from token k): the first one the predicate takes is the theme,
// a "by" or "from" one (or, for a state's act, "in" or "for" a state) the
// agent.
func (d *docState) prepArguments(si, k, ce int, pred string, objPreps []string, agent, theme *mention) (*mention, *mention) {
	toks := d.toks[si]
	for n := 0; n < 4 && k < ce; n++ {
		for k < ce && !toks[k].word && isCloseQuote(toks[k].text) {
			k++ // "official guidance” from …"
		}
		if k >= ce {
			break
		}
		if toks[k].tag == pos.VBN && tokAt(toks, k+1).lower == "by" {
			k++ // "charges brought by the SEC", "allegations made by X"
		}
		prep := toks[k].lower
		m, end := d.ppObject(si, k)
		if end == k {
			break
		}
		k = end
		if m == nil {
			// "a threat to the national security of the US": what
			// follows a nameless phrase belongs to it, unless it is
			// one the event noun takes ("charges in a Boston court
			// against X").
			if next := tokAt(toks, k).lower; next == "of" || !contains(objPreps, next) && !agentPreps[next] {
				break
			}
			continue
		}
		switch {
		case theme == nil && contains(objPreps, prep):
			theme = m
		case agent == nil && (prep == "by" || prep == "from" || d.ix.agentFirst[pred] && (prep == "in" || prep == "for") && isPolity(m.actor().typ)):
			agent = m
		}
		for k < ce && (toks[k].text == "," || toks[k].lower == "and") && k+1 < ce && ppWords[toks[k+1].lower] {
			k++ // "criticism from X … and from Y"
		}
	}
	return agent, theme
}

// ppObject reads the prepositional phrase at token k: the preposition,
// determiners and modifiers, through light nouns ("the use of", "arms
// exports to"), to a name. It returns the name and the token after it.
func (d *docState) ppObject(si, k int) (*mention, int) {
	toks := d.toks[si]
	if k >= len(toks) || !ppWords[toks[k].lower] {
		return nil, k
	}
	i := k + 1
	for i < len(toks) {
		if m := d.mentionStarting(si, i); m != nil {
			if next := tokAt(toks, m.tj); next.word && !next.capital && next.tag.Noun() && !m.implicit && !agentNouns[next.lower] {
				// "in a Boston court": the name only modifies the head.
				i = m.tj
				continue
			}
			end := m.tj
			for _, c := range d.coordinated(si, m)[1:] {
				end = c.tj
			}
			return m, end
		}
		t := toks[i]
		switch {
		case determiners[t.lower] || d.premodifier(t) || possessiveMark(t) || i > k+1 && t.tag.Noun() && !t.capital:
			i++
		case t.capital && d.r.cfg.Names.IsTitle(t.text) && d.mentionStarting(si, i+1) != nil:
			i++ // "by Mr Glazer": the title is not part of the name's mention
		case lightNouns[t.lower] && i+1 < len(toks) && ppWords[toks[i+1].lower]:
			i += 2
		case (t.tag == pos.NNS || t.tag == pos.NN) && lightNouns[tokAt(toks, i+1).lower] && ppWords[tokAt(toks, i+2).lower]:
			i += 3 // "arms exports to"
		default:
			if i == k+1 {
				return nil, k // no noun phrase: not a prepositional phrase
			}
			return nil, i
		}
	}
	return nil, i
}

// mentionStarting is the mention (named or referring) that begins at
// token i.
func (d *docState) mentionStarting(si, i int) *mention {
	for _, m := range d.mentions[si] {
		if m.ti == i && m.suffix == "" {
			return m
		}
	}
	return nil
}

func possessiveMark(t token) bool { return t.text == "'s" || t.text == "'" || t.text == "’" }

func onlyPremodifiers(d *docState, toks []token, i, j int) bool {
	for k := i; k < j; k++ {
		if !d.premodifier(toks[k]) {
			return false
		}
	}
	return true
}

// governor is the verb (or the preposition "under") an event phrase
// starting at k is the object of, skipping determiners, possessives and
// adjectives: "withdrawn" in "has withdrawn its takeover offer".
func (d *docState) governor(si, k, cs int) string {
	toks := d.toks[si]
	for i := k - 1; i >= cs; i-- {
		t := toks[i]
		switch {
		case t.tag.Verb():
			return t.lower
		case t.lower == "under":
			return "under"
		case t.word && (determiners[t.lower] || t.tag.Adjective() || t.tag.Adverb() || t.tag == pos.CD || t.tag == pos.PRPS || t.tag == pos.POS || d.mentionAt(si, i)):
		case possessiveMark(t):
		default:
			return ""
		}
	}
	return ""
}
