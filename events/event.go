// Package events is Dossier's event model: the payloads, their envelope,
// subjects, ids, the ontology and the decoders. It is pure data and
// builds without NATS; package stream appends envelopes to JetStream and
// runs the embedded server.
//
// Every change to the knowledge graph is an event appended to one NATS
// JetStream stream; the graph is only ever a fold of that stream. An event is
// an Envelope (id, type, schema version, recorded time, principal,
// causation and correlation ids) around a typed payload:
//
//   - DocumentAdded: a document's identity and metadata, on
//     dossier.document.<id>. Ingested documents keep their text out of the
//     log, in a document store keyed by the id (TextStored).
//   - MentionsRecorded: the actors a document names, by one producer, on
//     dossier.mentions.<document id>.
//   - AssertionRecorded: one claim about two actors with its evidence, on
//     dossier.assertion.<PREDICATE>.<subject>.<object>.
//
// A document's words (evidence sentences, its title, its text) are sealed
// with the document's key before they are appended (package seal), so
// that erasing it (DocumentErased) leaves the log holding noise where the
// words were; values from before sealing are plaintext, and both read.
//
// Ingesting a document appends all three in one Append, in that order: the
// mentions and assertions name the DocumentAdded event as their cause and
// share the correlation id "ingest-<document id>".
//
// Ids are derived from content where the content has an identity of its own
// (the same claim from the same sentence, the same document text), and the
// id is sent as the Nats-Msg-Id header, so re-sending is harmless: JetStream
// drops duplicates inside its window and the projector ignores ones it has
// already folded after that.
//
// Payloads are versioned JSON. A reader accepts every version it has ever
// written: Decode upgrades older versions to the current struct, so the log
// never needs rewriting when a payload grows.
package events

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Type names an event payload kind. The list only grows.
type Type string

const (
	TypeDocumentAdded     Type = "DocumentAdded"
	TypeAssertionRecorded Type = "AssertionRecorded"
	TypeMentionsRecorded  Type = "MentionsRecorded"

	// Corrections: nothing in the log is ever changed or deleted; these
	// say what was wrong, who says so, and why.
	TypeAssertionRetracted Type = "AssertionRetracted"
	TypeDocumentRetracted  Type = "DocumentRetracted"
	TypeActorsMerged       Type = "ActorsMerged"
	TypeActorsUnmerged     Type = "ActorsUnmerged"
	TypeActorCorrected     Type = "ActorCorrected"
	TypeValidTimeCorrected Type = "ValidTimeCorrected"

	// Erasure: a document's words are made unreadable everywhere (its
	// key is destroyed, see package seal); the event is what stays.
	TypeDocumentErased Type = "DocumentErased"
)

// Envelope is what every event shares. It is the JSON body of a message in
// the stream; Sequence and the stream time are filled in when read back.
type Envelope struct {
	ID            string          `json:"id"`
	Type          Type            `json:"type"`
	Version       int             `json:"v"`
	Recorded      time.Time       `json:"recorded"`
	Principal     string          `json:"principal"`
	CausationID   string          `json:"causation_id,omitempty"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	Data          json.RawMessage `json:"data"`

	// Sequence is the stream sequence, known only once appended.
	Sequence uint64 `json:"-"`
	// Subject is the NATS subject the event is published on.
	Subject string `json:"-"`
	// Time is when the stream stored the event, known on read: unlike
	// Recorded, which the writer sets, it only grows with the sequence.
	Time time.Time `json:"-"`
}

// Payload is a typed event body.
type Payload interface {
	EventType() Type
	// eventID is derived from the payload's content, so that the same
	// content appended twice is one event.
	eventID() string
	// subject is the NATS subject the event is published on.
	subject() string
}

// currentVersion is the schema version New writes for each type. Bump it
// when a payload changes incompatibly, and teach Decode the old shape.
var currentVersion = map[Type]int{
	TypeDocumentAdded:      1,
	TypeAssertionRecorded:  1,
	TypeMentionsRecorded:   1,
	TypeAssertionRetracted: 1,
	TypeDocumentRetracted:  1,
	TypeActorsMerged:       1,
	TypeActorsUnmerged:     1,
	TypeActorCorrected:     1,
	TypeValidTimeCorrected: 1,
	TypeDocumentErased:     1,
}

// Meta is who caused an event and why.
type Meta struct {
	Principal     string
	CausationID   string
	CorrelationID string
	// Recorded defaults to now.
	Recorded time.Time
}

// New wraps a payload in an envelope. The payload must already be
// validated.
func New(p Payload, m Meta) (Envelope, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s: %w", p.EventType(), err)
	}
	if m.Recorded.IsZero() {
		m.Recorded = time.Now().UTC()
	}
	return Envelope{
		ID:            p.eventID(),
		Type:          p.EventType(),
		Version:       currentVersion[p.EventType()],
		Recorded:      m.Recorded.UTC(),
		Principal:     m.Principal,
		CausationID:   m.CausationID,
		CorrelationID: m.CorrelationID,
		Data:          data,
		Subject:       p.subject(),
	}, nil
}

// Marshal encodes the envelope as the message body.
func (e Envelope) Marshal() ([]byte, error) {
	return json.Marshal(e)
}

// Unmarshal reads a message body. It checks the envelope, not the payload:
// Decode does that.
func Unmarshal(body []byte) (Envelope, error) {
	var e Envelope
	if !utf8.Valid(body) {
		return e, &DecodeError{Problem: "event is not valid UTF-8"}
	}
	// Unmarshal, not a Decoder: a Decoder copies the body into its own
	// buffer first, and Unmarshal refuses data after the envelope too.
	if err := json.Unmarshal(body, &e); err != nil {
		return e, &DecodeError{Problem: "event is not a JSON envelope", Err: err}
	}
	if e.ID == "" || e.Type == "" || e.Version < 1 {
		return e, &DecodeError{Problem: fmt.Sprintf("envelope lacks id, type or version (id=%q type=%q v=%d)", e.ID, e.Type, e.Version)}
	}
	return e, nil
}

// payloads is the one decode registry: a new payload of each type. Every
// type is at version 1 today; a type that grows a version 2 gets its
// upgrade from 1 in Decode, beside this table.
var payloads = map[Type]func() Payload{
	TypeAssertionRecorded:  func() Payload { return &AssertionRecorded{} },
	TypeDocumentAdded:      func() Payload { return &DocumentAdded{} },
	TypeMentionsRecorded:   func() Payload { return &MentionsRecorded{} },
	TypeAssertionRetracted: func() Payload { return &AssertionRetracted{} },
	TypeDocumentRetracted:  func() Payload { return &DocumentRetracted{} },
	TypeActorsMerged:       func() Payload { return &ActorsMerged{} },
	TypeActorsUnmerged:     func() Payload { return &ActorsUnmerged{} },
	TypeActorCorrected:     func() Payload { return &ActorCorrected{} },
	TypeValidTimeCorrected: func() Payload { return &ValidTimeCorrected{} },
	TypeDocumentErased:     func() Payload { return &DocumentErased{} },
}

// Decode returns the typed payload, upgrading older schema versions.
func (e Envelope) Decode() (Payload, error) {
	newPayload, ok := payloads[e.Type]
	if !ok {
		return nil, &DecodeError{ID: e.ID, Problem: fmt.Sprintf("unknown event type %q", e.Type), Unknown: true}
	}
	if e.Version != currentVersion[e.Type] {
		return nil, e.unknownVersion()
	}
	p := newPayload()
	if err := json.Unmarshal(e.Data, p); err != nil {
		return nil, &DecodeError{ID: e.ID, Problem: "bad " + string(e.Type) + " payload", Err: err}
	}
	return p, nil
}

func (e Envelope) unknownVersion() error {
	return &DecodeError{ID: e.ID, Problem: fmt.Sprintf("%s version %d is newer than this build reads (%d); upgrade dossier", e.Type, e.Version, currentVersion[e.Type]), Unknown: true}
}

// DecodeError says an event in the log cannot be read.
type DecodeError struct {
	ID      string
	Problem string
	// Unknown is set when the event is well formed but of a type or
	// version this build does not know: a newer writer shares the stream.
	Unknown bool
	Err     error
}

func (e *DecodeError) Error() string {
	s := "decode event"
	if e.ID != "" {
		s += " " + e.ID
	}
	s += ": " + e.Problem
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }
