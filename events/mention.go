package events

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/names"
)

// MaxMentions bounds the actors one MentionsRecorded may name.
const MaxMentions = 10000

// Mention is an actor a document names, as a producer read it.
type Mention struct {
	// Name is the name as the document writes it (its fullest form).
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	// Count is how many times the document names it.
	Count int `json:"count"`
}

// MentionsRecorded lists the actors one document names, according to one
// producer: the actors of a document, whether or not any assertion links
// them. Its id is derived from the document and the producer, so that
// ingesting a document again is one event, and a new extractor version
// records its own.
type MentionsRecorded struct {
	DocumentID string    `json:"document_id"`
	Producer   Producer  `json:"producer"`
	Mentions   []Mention `json:"mentions"`
}

func (*MentionsRecorded) EventType() Type { return TypeMentionsRecorded }
func (m *MentionsRecorded) eventID() string {
	return "men-" + m.DocumentID + "-" + hashID(m.Producer.Name, m.Producer.Version)[:16]
}
func (m *MentionsRecorded) subject() string { return "dossier.mentions." + names.Token(m.DocumentID) }

// Normalize trims names and types, drops mentions without a name, and
// merges mentions of the same folded name, adding their counts; a count
// below one is one.
func (m *MentionsRecorded) Normalize() {
	out := m.Mentions[:0]
	at := map[string]int{}
	for _, x := range m.Mentions {
		x.Name = names.Clean(x.Name)
		x.Type = strings.ToUpper(strings.TrimSpace(x.Type))
		x.Count = max(x.Count, 1)
		k := names.Key(x.Name)
		if k == "" {
			continue
		}
		if i, ok := at[k]; ok {
			out[i].Count += x.Count
			if out[i].Type == "" {
				out[i].Type = x.Type
			}
			continue
		}
		at[k] = len(out)
		out = append(out, x)
	}
	m.Mentions = out
}

// Validate checks the document id, the producer and every mention against
// the ontology and the limits.
func (m *MentionsRecorded) Validate(o *Ontology) error {
	var p problems
	if !isHexID(m.DocumentID) {
		p.add("document_id %q is not a document id", m.DocumentID)
	}
	if strings.TrimSpace(m.Producer.Name) == "" {
		p.add("producer.name is missing")
	}
	if !utf8.ValidString(m.Producer.Name) || !utf8.ValidString(m.Producer.Version) {
		p.add("producer is not valid UTF-8")
	}
	if len(m.Mentions) > MaxMentions {
		p.add("%d mentions, over the limit of %d", len(m.Mentions), MaxMentions)
	}
	for i, x := range m.Mentions {
		if len(p) >= 20 {
			p.add("and more")
			break
		}
		p.actor("mentions["+strconv.Itoa(i)+"]", ActorRef{Name: x.Name, Type: x.Type}, o)
		if x.Count < 1 {
			p.add("mentions[%d].count %d is below 1", i, x.Count)
		}
	}
	return p.err()
}
