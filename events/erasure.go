package events

import (
	"github.com/dossier-kg/dossier/names"
)

// DocumentErased makes a document's words unreadable everywhere: its
// evidence sentences, its title and its text were sealed with the
// document's key (package seal), and the erasure destroys the key. What
// stays is the trail: this event (who, when, why), the document's id
// and metadata, every sequence, and its assertions' structure, unless
// Retract withdraws them too, as DocumentRetracted does.
type DocumentErased struct {
	Correction
	DocumentID string `json:"document_id"`
	// Retract withdraws the document and its live assertions as well.
	Retract bool `json:"retract,omitempty"`
}

func (*DocumentErased) EventType() Type   { return TypeDocumentErased }
func (e *DocumentErased) subject() string { return ErasureSubject(e.DocumentID) }

// Validate checks the erasure.
func (e *DocumentErased) Validate() error {
	var p problems
	e.check(&p)
	if !isHexID(e.DocumentID) {
		p.add("document_id %q is not a document id", e.DocumentID)
	}
	return p.err()
}

// ErasureSubject is the subject of a document's erasures, so that the
// log can say whether a document was erased without reading it all.
func ErasureSubject(id string) string { return "dossier.erasure.document." + names.Token(id) }
