package graph

import "time"

// Actor is a person, company, government, organisation, product, law or
// place, however many ways documents write its name.
type Actor struct {
	// ID is the slug of the canonical name ("united-states"): stable
	// across rebuilds, readable, and safe as a NATS subject token.
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	// TypeVotes counts the types producers gave; Type is the most voted,
	// the first one on a tie, so a stray typo does not retype an actor.
	TypeVotes map[string]int `json:"type_votes,omitempty"`
	// Aliases are the distinct ways the actor was written, canonical name
	// excluded.
	Aliases  []string  `json:"aliases,omitempty"`
	Mentions int       `json:"mentions"`
	FirstSeq uint64    `json:"first_seq"`
	LastSeq  uint64    `json:"last_seq"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Relationship aggregates every live assertion of one (subject,
// predicate, object).
type Relationship struct {
	Subject   string `json:"subject"`
	Predicate string `json:"predicate"`
	Object    string `json:"object"`
	// Support is the number of assertions; Affirmed + Negated == Support.
	Support  int `json:"support"`
	Affirmed int `json:"affirmed"`
	Negated  int `json:"negated"`
	// Sources are the distinct documents of the assertions.
	Sources  []string  `json:"sources"`
	FirstSeq uint64    `json:"first_seq"`
	LastSeq  uint64    `json:"last_seq"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Key identifies the relationship.
func (r Relationship) Key() RelKey { return RelKey{r.Subject, r.Predicate, r.Object} }

// RelKey names a relationship by its ends and predicate.
type RelKey struct{ Subject, Predicate, Object string }

// Assertion is one recorded claim with its evidence, resolved to actors.
type Assertion struct {
	ID       string    `json:"id"`
	Seq      uint64    `json:"seq"`
	Recorded time.Time `json:"recorded"`
	// Principal is who caused the event.
	Principal string `json:"principal,omitempty"`
	Subject   string `json:"subject"`
	Predicate string `json:"predicate"`
	Object    string `json:"object"`
	// SubjectText and ObjectText are the names as the producer wrote them.
	SubjectText  string `json:"subject_text"`
	ObjectText   string `json:"object_text"`
	Polarity     string `json:"polarity"`
	Modality     string `json:"modality"`
	AttributedTo string `json:"attributed_to,omitempty"`
	// AttributedText is the attribution as written.
	AttributedText string  `json:"attributed_text,omitempty"`
	Document       string  `json:"document"`
	Sentence       string  `json:"sentence"`
	Start          *int    `json:"start,omitempty"`
	End            *int    `json:"end,omitempty"`
	Confidence     float64 `json:"confidence"`
	Producer       string  `json:"producer,omitempty"`
	ProducerVer    string  `json:"producer_version,omitempty"`
	// ValidFrom and ValidTo are when the claim holds in the world, as
	// the text says (YYYY-MM-DD; empty when open or unknown).
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
}

// Rel is the relationship the assertion supports.
func (a Assertion) Rel() RelKey { return RelKey{a.Subject, a.Predicate, a.Object} }

// Document is a source of assertions.
type Document struct {
	ID        string     `json:"id"`
	Source    string     `json:"source,omitempty"`
	Title     string     `json:"title,omitempty"`
	URL       string     `json:"url,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	Size      int        `json:"size,omitempty"`
	HasText   bool       `json:"has_text,omitempty"`
	// TextStored says the text is in the document store, not under
	// text:<document>; HasText is then set too.
	TextStored bool      `json:"text_stored,omitempty"`
	Assertions int       `json:"assertions"`
	Seq        uint64    `json:"seq"`
	Recorded   time.Time `json:"recorded"`
}

// Stats counts what the graph holds.
type Stats struct {
	Actors        int    `json:"actors"`
	Relationships int    `json:"relationships"`
	Assertions    int    `json:"assertions"`
	Documents     int    `json:"documents"`
	Applied       uint64 `json:"applied"`
}
