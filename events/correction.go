package events

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/dossier-kg/dossier/names"
)

// MaxReasonLen bounds a correction's reason.
const MaxReasonLen = 2000

// Correction is what every correction carries: the event id, unique per
// correction (a retraction undone by a re-record and made again is a new
// event, so ids cannot come from content), and the reason.
type Correction struct {
	// EventID is set by NewCorrectionID; a client retrying the same
	// correction sends the same one so JetStream drops the duplicate.
	EventID string `json:"event_id"`
	Reason  string `json:"reason"`
}

// NewCorrectionID makes a fresh correction event id.
func NewCorrectionID() string {
	var b [16]byte
	rand.Read(b[:])
	return "cor-" + hex.EncodeToString(b[:])
}

func (c *Correction) eventID() string { return c.EventID }

func (c *Correction) check(p *problems) {
	if !strings.HasPrefix(c.EventID, "cor-") || len(c.EventID) > 100 {
		p.add("event_id %q is not a correction id (use NewCorrectionID)", c.EventID)
	}
	switch n := len([]rune(c.Reason)); {
	case strings.TrimSpace(c.Reason) == "":
		p.add("reason is missing: say why")
	case n > MaxReasonLen:
		p.add("reason is %d characters, over %d", n, MaxReasonLen)
	}
}

func checkActorID(p *problems, field, id string) {
	if id == "" || names.Slug(id) != id {
		p.add("%s %q is not an actor id", field, id)
	}
}

// AssertionRetracted withdraws one assertion: it no longer supports its
// relationship, but stays in the log and in history.
type AssertionRetracted struct {
	Correction
	AssertionID string `json:"assertion_id"`
}

func (*AssertionRetracted) EventType() Type { return TypeAssertionRetracted }
func (r *AssertionRetracted) subject() string {
	return "dossier.retraction.assertion." + names.Token(r.AssertionID)
}

// Validate checks the retraction.
func (r *AssertionRetracted) Validate() error {
	var p problems
	r.check(&p)
	if !isHexID(r.AssertionID) {
		p.add("assertion_id %q is not an assertion id", r.AssertionID)
	}
	return p.err()
}

// DocumentRetracted withdraws a document and every assertion it made.
type DocumentRetracted struct {
	Correction
	DocumentID string `json:"document_id"`
}

func (*DocumentRetracted) EventType() Type { return TypeDocumentRetracted }
func (r *DocumentRetracted) subject() string {
	return "dossier.retraction.document." + names.Token(r.DocumentID)
}

// Validate checks the retraction.
func (r *DocumentRetracted) Validate() error {
	var p problems
	r.check(&p)
	if !isHexID(r.DocumentID) {
		p.add("document_id %q is not a document id", r.DocumentID)
	}
	return p.err()
}

// ActorsMerged says two actors are one: From's names, assertions and
// relationships become Into's. It is undone by ActorsUnmerged.
type ActorsMerged struct {
	Correction
	From string `json:"from"`
	Into string `json:"into"`
}

func (*ActorsMerged) EventType() Type { return TypeActorsMerged }
func (m *ActorsMerged) subject() string {
	return "dossier.actor.merged." + names.Token(m.From) + "." + names.Token(m.Into)
}

// Validate checks the merge.
func (m *ActorsMerged) Validate() error {
	var p problems
	m.check(&p)
	checkActorID(&p, "from", m.From)
	checkActorID(&p, "into", m.Into)
	if m.From == m.Into {
		p.add("an actor cannot be merged into itself")
	}
	return p.err()
}

// ActorsUnmerged undoes a merge: the assertions that named From before it
// go back to From.
type ActorsUnmerged struct {
	Correction
	From string `json:"from"`
	Into string `json:"into"`
}

func (*ActorsUnmerged) EventType() Type { return TypeActorsUnmerged }
func (m *ActorsUnmerged) subject() string {
	return "dossier.actor.unmerged." + names.Token(m.From) + "." + names.Token(m.Into)
}

// Validate checks the unmerge.
func (m *ActorsUnmerged) Validate() error {
	var p problems
	m.check(&p)
	checkActorID(&p, "from", m.From)
	checkActorID(&p, "into", m.Into)
	if m.From == m.Into {
		p.add("from and into are the same actor")
	}
	return p.err()
}

// ActorCorrected fixes an actor's shown name or type. A corrected type
// stays, whatever later mentions vote.
type ActorCorrected struct {
	Correction
	Actor string `json:"actor"`
	Name  string `json:"name,omitempty"`
	Type  string `json:"type,omitempty"`
}

func (*ActorCorrected) EventType() Type   { return TypeActorCorrected }
func (c *ActorCorrected) subject() string { return "dossier.actor.corrected." + names.Token(c.Actor) }

// Validate checks the correction against the ontology's types.
func (c *ActorCorrected) Validate(o *Ontology) error {
	var p problems
	c.check(&p)
	checkActorID(&p, "actor", c.Actor)
	if c.Name == "" && c.Type == "" {
		p.add("a correction needs a new name or a new type")
	}
	if c.Name != "" {
		p.name("name", c.Name)
	}
	if c.Type != "" && !o.HasType(c.Type) {
		p.add("type %q is not an actor type", c.Type)
	}
	return p.err()
}

// ValidTimeCorrected replaces an assertion's valid time; nil Valid
// removes it.
type ValidTimeCorrected struct {
	Correction
	AssertionID string    `json:"assertion_id"`
	Valid       *Interval `json:"valid"`
}

func (*ValidTimeCorrected) EventType() Type { return TypeValidTimeCorrected }
func (c *ValidTimeCorrected) subject() string {
	return "dossier.correction.valid." + names.Token(c.AssertionID)
}

// Validate checks the correction.
func (c *ValidTimeCorrected) Validate() error {
	var p problems
	c.check(&p)
	if !isHexID(c.AssertionID) {
		p.add("assertion_id %q is not an assertion id", c.AssertionID)
	}
	if v := c.Valid; v != nil {
		checkInterval(&p, v)
	}
	return p.err()
}

func checkInterval(p *problems, v *Interval) {
	from, errF := time.Parse(dateLayout, v.From)
	to, errT := time.Parse(dateLayout, v.To)
	switch {
	case v.From == "" && v.To == "":
		p.add("valid has neither from nor to")
	case v.From != "" && errF != nil:
		p.add("valid.from %q is not a YYYY-MM-DD date", v.From)
	case v.To != "" && errT != nil:
		p.add("valid.to %q is not a YYYY-MM-DD date", v.To)
	case v.From != "" && v.To != "" && to.Before(from):
		p.add("valid.to %s is before valid.from %s", v.To, v.From)
	}
}
