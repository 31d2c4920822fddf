package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/dossier-kg/dossier/events"
)

// corpus makes synthetic assertions shaped like a large news archive:
// 50,000 actors of which a few are named everywhere (Zipf), the
// ontology's predicates, twenty assertions per document, one in ten
// denied, one in ten attributed to a person.
type corpus struct {
	names []string
	preds []string
	zipf  *rand.Zipf
	rng   *rand.Rand
	// named are the actors the assertions made so far name, in order of
	// first appearance: queries ask for actors that exist.
	named []string
	seen  map[string]bool
}

const corpusActors = 50_000

func newCorpus(n int) *corpus {
	c := &corpus{rng: rand.New(rand.NewPCG(1, uint64(n))), seen: map[string]bool{}}
	for _, p := range events.DefaultOntology().Predicates {
		c.preds = append(c.preds, p.Name)
	}
	c.zipf = rand.NewZipf(c.rng, 1.1, 1, corpusActors-1)
	suffix := []string{"", " Corp", " Ministry", " Group", " Institute"}
	for i := range corpusActors {
		c.names = append(c.names, syllables(i)+suffix[i%len(suffix)])
	}
	return c
}

// syllables spells i as a made-up word ("Kabedu"), distinct for each i.
func syllables(i int) string {
	const cons, vows = "bdfgklmnprstvz", "aeiou"
	var b strings.Builder
	for k := 0; k < 3 || i > 0; k++ {
		d := i % (len(cons) * len(vows))
		i /= len(cons) * len(vows)
		b.WriteByte(cons[d/len(vows)])
		b.WriteByte(vows[d%len(vows)])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// actor picks a named actor the way the corpus names them: mostly the
// common ones.
func (c *corpus) actor(rng *rand.Rand) string {
	return c.named[min(int(rng.ExpFloat64()*float64(len(c.named))/20), len(c.named)-1)]
}

// rareActor picks one of the later-named half: few relationships each.
func (c *corpus) rareActor(rng *rand.Rand) string {
	return c.named[len(c.named)/2+rng.IntN(len(c.named)/2)]
}

// anyActor picks any named actor, each as likely.
func (c *corpus) anyActor(rng *rand.Rand) string { return c.named[rng.IntN(len(c.named))] }

func (c *corpus) predicate(rng *rand.Rand) string { return c.preds[rng.IntN(len(c.preds))] }

// batch makes assertions from..from+n-1; the same index always makes
// the same assertion.
func (c *corpus) batch(from, n int) []events.Envelope {
	out := make([]events.Envelope, 0, n)
	for i := from; i < from+n; i++ {
		s := c.names[c.zipf.Uint64()]
		o := c.names[c.zipf.Uint64()]
		if s == o {
			o = c.names[(i*7919)%corpusActors]
		}
		if s == o {
			o = c.names[(i*7919+1)%corpusActors]
		}
		for _, name := range []string{s, o} {
			if !c.seen[name] {
				c.seen[name] = true
				c.named = append(c.named, name)
			}
		}
		pred := c.preds[i%len(c.preds)]
		a := events.AssertionRecorded{
			Subject:   events.ActorRef{Name: s},
			Predicate: pred,
			Object:    events.ActorRef{Name: o},
			Evidence: events.Evidence{
				Document: fmt.Sprintf("report-%06d", i/20),
				Sentence: fmt.Sprintf("%s %s %s, according to report %d.", s, strings.ToLower(pred), o, i),
			},
		}
		if i%10 == 3 {
			a.Polarity = events.Negated
		}
		if i%10 == 7 {
			who := c.names[(i*31)%corpusActors]
			a.AttributedTo = &who
		}
		a.Normalize(nil)
		if err := a.Validate(events.DefaultOntology()); err != nil {
			panic(fmt.Sprintf("corpus assertion %d: %v", i, err))
		}
		ev, err := events.New(&a, events.Meta{Principal: "bench"})
		if err != nil {
			panic(err)
		}
		out = append(out, ev)
	}
	return out
}
