package graph

import (
	"strings"
	"time"

	"github.com/dossier-kg/dossier/events"
)

// The stored types are MessagePack in the store, by the methods msgp
// generates (types_gen.go): no reflection on the projector's path. Maps
// keyed by a short name per field (the msg tags; layout 17, until then
// the JSON names, a quarter of the values an assertion wrote), so
// that a field added later decodes as its zero value from older
// records. A short name is never reused for another field. Run `go generate
// ./graph` after changing a stored type. Times decode as UTC, and a
// damaged header cannot make a decoder allocate more than a million
// elements.
//
//go:generate go run github.com/tinylib/msgp@v1.6.5 -file types.go -o types_gen.go -tests=false -io=false -unexported
//msgp:tags msg,json
//msgp:ignore RelKey Stats
//msgp:timezone utc
//msgp:limit arrays:1000000 maps:100000

// Actor is a person, company, government, organisation, product, law or
// place, however many ways documents write its name.
type Actor struct {
	// ID is the slug of the canonical name ("united-states"): stable
	// across rebuilds, readable, and safe as a NATS subject token.
	ID   string `json:"id" msg:"i"`
	Name string `json:"name" msg:"n"`
	Type string `json:"type,omitempty" msg:"t,omitempty"`
	// TypeVotes counts the types producers gave; Type is the most voted,
	// the first one on a tie, so a stray typo does not retype an actor.
	TypeVotes Votes `json:"type_votes,omitempty" msg:"tv,omitempty"`
	// Aliases are the distinct ways the actor was written, canonical name
	// excluded.
	Aliases  []string `json:"aliases,omitempty" msg:"al,omitempty"`
	Mentions int      `json:"mentions" msg:"m"`
	// MergedInto is set while the actor is merged into another; it then
	// keeps its own names so that an unmerge can give them back.
	MergedInto string `json:"merged_into,omitempty" msg:"mi,omitempty"`
	// TypeFixed says a correction set the type; votes no longer move it.
	TypeFixed bool      `json:"type_fixed,omitempty" msg:"tf,omitempty"`
	FirstSeq  uint64    `json:"first_seq" msg:"fq"`
	LastSeq   uint64    `json:"last_seq" msg:"lq"`
	First     time.Time `json:"first" msg:"f"`
	Last      time.Time `json:"last" msg:"l"`
}

// actorActivity is the part of an Actor that every assertion naming it
// changes, stored apart (am:<actor>) from the rest (act:<actor>), which
// then changes only when a name, the type or a merge does. A read of a
// key Badger holds many versions of searches every level that has one;
// an actor written once is found in one. Queries that show an actor's
// name read only act:, and the activity's versions are the actor's
// history.
type actorActivity struct {
	TypeVotes Votes     `json:"type_votes,omitempty" msg:"tv,omitempty"`
	Mentions  int       `json:"mentions" msg:"m"`
	LastSeq   uint64    `json:"last_seq" msg:"lq"`
	Last      time.Time `json:"last" msg:"l"`
}

// split parts an actor into what act: and am: hold.
func (a Actor) split() (identity Actor, activity actorActivity) {
	activity = actorActivity{TypeVotes: a.TypeVotes, Mentions: a.Mentions, LastSeq: a.LastSeq, Last: a.Last}
	a.TypeVotes, a.Mentions, a.LastSeq, a.Last = nil, 0, 0, time.Time{}
	return a, activity
}

// with joins an actor's identity and activity.
func (a Actor) with(act actorActivity) Actor {
	a.TypeVotes, a.Mentions, a.LastSeq, a.Last = act.TypeVotes, act.Mentions, act.LastSeq, act.Last
	return a
}

// Relationship aggregates every live assertion of one (subject,
// predicate, object).
type Relationship struct {
	Subject   string `json:"subject" msg:"s"`
	Predicate string `json:"predicate" msg:"p"`
	Object    string `json:"object" msg:"o"`
	// Support is the number of assertions; Affirmed + Negated == Support.
	Support  int `json:"support" msg:"n"`
	Affirmed int `json:"affirmed" msg:"a"`
	Negated  int `json:"negated" msg:"d"`
	// Possible and Intended count the assertions of those modalities;
	// the rest are actual (Actual). They are kept so that a reader can
	// tell a relationship only ever said to be possible without reading
	// its assertions, which for a hub are thousands (layout 19). Most
	// relationships have none, and omitted zeros cost no bytes.
	Possible int `json:"possible,omitempty" msg:"po,omitempty"`
	Intended int `json:"intended,omitempty" msg:"it,omitempty"`
	// Documents is the number of documents with live assertions of it;
	// View.RelationshipDocuments lists them.
	Documents int       `json:"documents" msg:"dc"`
	FirstSeq  uint64    `json:"first_seq" msg:"fq"`
	LastSeq   uint64    `json:"last_seq" msg:"lq"`
	First     time.Time `json:"first" msg:"f"`
	Last      time.Time `json:"last" msg:"l"`
}

// Key identifies the relationship.
func (r Relationship) Key() RelKey { return RelKey{r.Subject, r.Predicate, r.Object} }

// Contested says the relationship is both affirmed and denied.
func (r Relationship) Contested() bool { return r.Affirmed > 0 && r.Negated > 0 }

// CountsDiffer says whether two versions of a relationship differ in
// what their assertions say (support, polarity or modality): what makes
// a change worth reporting.
func (r Relationship) CountsDiffer(o Relationship) bool {
	return r.Support != o.Support || r.Affirmed != o.Affirmed || r.Negated != o.Negated ||
		r.Possible != o.Possible || r.Intended != o.Intended
}

// Actual is the number of its assertions stated as fact.
func (r Relationship) Actual() int { return r.Support - r.Possible - r.Intended }

// ClearCounts zeroes what Count keeps, for a reader that counts a
// relationship's assertions again (only those valid on a day).
func (r *Relationship) ClearCounts() {
	r.Support, r.Affirmed, r.Negated, r.Possible, r.Intended = 0, 0, 0, 0, 0
}

// Count adds n live assertions of a polarity and modality (as
// events.AssertionRecorded writes them) to the relationship's counts: n
// is 1 when one becomes live, -1 when one is retracted or moved. It is
// the one place the counts are kept, by the fold and by readers that
// narrow a relationship to some of its assertions alike.
func (r *Relationship) Count(polarity, modality string, n int) {
	r.Support += n
	if polarity == events.Negated {
		r.Negated += n
	} else {
		r.Affirmed += n
	}
	switch modality {
	case events.Possible:
		r.Possible += n
	case events.Intended:
		r.Intended += n
	}
}

// RelKey names a relationship by its ends and predicate.
type RelKey struct{ Subject, Predicate, Object string }

// Assertion is one recorded claim with its evidence, resolved to actors.
type Assertion struct {
	ID       string    `json:"id" msg:"i"`
	Seq      uint64    `json:"seq" msg:"q"`
	Recorded time.Time `json:"recorded" msg:"r"`
	// Principal is who caused the event.
	Principal string `json:"principal,omitempty" msg:"pr,omitempty"`
	Subject   string `json:"subject" msg:"s"`
	Predicate string `json:"predicate" msg:"p"`
	Object    string `json:"object" msg:"o"`
	// SubjectText and ObjectText are the names as the producer wrote them.
	SubjectText  string `json:"subject_text" msg:"st"`
	ObjectText   string `json:"object_text" msg:"ot"`
	Polarity     string `json:"polarity" msg:"pl"`
	Modality     string `json:"modality" msg:"md"`
	AttributedTo string `json:"attributed_to,omitempty" msg:"a,omitempty"`
	// AttributedText is the attribution as written.
	AttributedText string `json:"attributed_text,omitempty" msg:"at,omitempty"`
	Document       string `json:"document" msg:"d"`
	// Sentence is sealed with the document's key (package seal), or
	// plaintext when recorded before sealing.
	Sentence    Text    `json:"sentence" msg:"sn"`
	Start       *int    `json:"start,omitempty" msg:"b,omitempty"`
	End         *int    `json:"end,omitempty" msg:"e,omitempty"`
	Confidence  float64 `json:"confidence" msg:"c"`
	Producer    string  `json:"producer,omitempty" msg:"pd,omitempty"`
	ProducerVer string  `json:"producer_version,omitempty" msg:"pv,omitempty"`
	// ValidFrom and ValidTo are when the claim holds in the world, as
	// the text says (YYYY-MM-DD; empty when open or unknown).
	ValidFrom string `json:"valid_from,omitempty" msg:"vf,omitempty"`
	ValidTo   string `json:"valid_to,omitempty" msg:"vt,omitempty"`
	// SubjectOrig, ObjectOrig and AttributedOrig are the actors the
	// names were resolved to when recorded, so that unmerging an actor
	// can give it back its assertions.
	SubjectOrig    string `json:"subject_orig,omitempty" msg:"so,omitempty"`
	ObjectOrig     string `json:"object_orig,omitempty" msg:"oo,omitempty"`
	AttributedOrig string `json:"attributed_orig,omitempty" msg:"ao,omitempty"`
	// Retracted is set once the assertion is withdrawn.
	Retracted *Retraction `json:"retracted,omitempty" msg:"x,omitempty"`
}

// Retraction records who withdrew an assertion or document, and why.
type Retraction struct {
	Seq       uint64    `json:"seq" msg:"q"`
	Time      time.Time `json:"time" msg:"t"`
	Principal string    `json:"principal,omitempty" msg:"pr,omitempty"`
	Reason    string    `json:"reason" msg:"r"`
}

// EventRecord is one event of the log as the graph remembers it: the
// audit trail's line.
type EventRecord struct {
	Seq uint64 `json:"seq" msg:"q"`
	// Time is the stream's time for the event.
	Time      time.Time `json:"time" msg:"t"`
	Type      string    `json:"type" msg:"ty"`
	ID        string    `json:"id" msg:"i"`
	Principal string    `json:"principal,omitempty" msg:"pr,omitempty"`
	Reason    string    `json:"reason,omitempty" msg:"r,omitempty"`
	// Outcome says what the event did, as data: the live feed and history
	// switch on it, never on Summary.
	Outcome Outcome `json:"outcome" msg:"oc"`
	// Summary says in one line what the event did, for people.
	Summary string `json:"summary" msg:"sm"`
	// Entities are what it touched: "actor/<id>", "asr/<id>",
	// "doc/<id>", "rel/<subject>/<PREDICATE>/<object>".
	Entities []string `json:"entities,omitempty" msg:"en,omitempty"`
	// Counts are the graph's counts after the event: every event's
	// record carries them, so that the graph's counts at any sequence
	// are one read, and no key is rewritten by every event for them.
	Counts Counts `json:"counts" msg:"c"`
}

// Outcome is what folding an event did.
type Outcome string

// The outcomes. The list only grows.
const (
	// OutcomeRecorded: an assertion became live (new, or back after
	// its retraction).
	OutcomeRecorded Outcome = "recorded"
	// OutcomeDuplicate: the claim was already recorded; nothing changed.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeChanged: any other change (documents, mentions, corrections).
	OutcomeChanged Outcome = "changed"
	// OutcomeSkipped: the event can never be folded; the log keeps it.
	OutcomeSkipped Outcome = "skipped"
)

// Entity kinds, the prefixes of entity names.
const (
	EntityActor        = "actor/"
	EntityAssertion    = "asr/"
	EntityDocument     = "doc/"
	EntityRelationship = "rel/"
)

// EntityOf is the id of the first entity of a kind among entities, or "".
func EntityOf(entities []string, kind string) string {
	for _, e := range entities {
		if id, ok := strings.CutPrefix(e, kind); ok {
			return id
		}
	}
	return ""
}

// RelationshipsOf reads the relationship entities back into keys.
func RelationshipsOf(entities []string) []RelKey {
	var keys []RelKey
	for _, e := range entities {
		rest, ok := strings.CutPrefix(e, EntityRelationship)
		if p := strings.Split(rest, "/"); ok && len(p) == 3 {
			keys = append(keys, RelKey{Subject: p[0], Predicate: p[1], Object: p[2]})
		}
	}
	return keys
}

// Entity names, for History.
func ActorEntity(id string) string     { return EntityActor + id }
func AssertionEntity(id string) string { return EntityAssertion + id }
func DocumentEntity(id string) string  { return EntityDocument + id }
func RelationshipEntity(k RelKey) string {
	return EntityRelationship + k.Subject + "/" + k.Predicate + "/" + k.Object
}

// Rel is the relationship the assertion supports.
func (a Assertion) Rel() RelKey { return RelKey{a.Subject, a.Predicate, a.Object} }

// Document is a source of assertions.
type Document struct {
	ID        string     `json:"id" msg:"i"`
	Source    string     `json:"source,omitempty" msg:"src,omitempty"`
	Title     Text       `json:"title,omitempty" msg:"ti,omitempty"`
	URL       string     `json:"url,omitempty" msg:"u,omitempty"`
	Published *time.Time `json:"published,omitempty" msg:"pb,omitempty"`
	Size      int        `json:"size,omitempty" msg:"sz,omitempty"`
	HasText   bool       `json:"has_text,omitempty" msg:"ht,omitempty"`
	// TextStored says the text is in the document store, not under
	// text:<document>; HasText is then set too.
	TextStored bool      `json:"text_stored,omitempty" msg:"ts,omitempty"`
	Seq        uint64    `json:"seq" msg:"q"`
	Recorded   time.Time `json:"recorded" msg:"r"`
	// Retracted is set once the document is withdrawn.
	Retracted *Retraction `json:"retracted,omitempty" msg:"x,omitempty"`
	// Erased is set once the document's words are erased: its title,
	// text and evidence sentences, sealed under its key, are unreadable.
	Erased *Erasure `json:"erased,omitempty" msg:"er,omitempty"`
}

// Erasure records who erased a document's words, when, and why.
type Erasure struct {
	Seq       uint64    `json:"seq" msg:"q"`
	Time      time.Time `json:"time" msg:"t"`
	Principal string    `json:"principal,omitempty" msg:"pr,omitempty"`
	Reason    string    `json:"reason" msg:"r"`
	// Retract says its assertions were retracted with it.
	Retract bool `json:"retract,omitempty" msg:"rt,omitempty"`
}

// Stats counts what the graph holds.
type Stats struct {
	Actors        int    `json:"actors"`
	Relationships int    `json:"relationships"`
	Assertions    int    `json:"assertions"`
	Documents     int    `json:"documents"`
	Applied       uint64 `json:"applied"`
}

// idList is a list of ids stored as one value (last: keys).
type idList []string
