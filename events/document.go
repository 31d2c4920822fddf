package events

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/seal"
)

// DocumentAdded records a document: its identity, its metadata and, when
// it is small enough to travel in the event, its text. Documents that come
// in through ingestion keep their text out of the log, in a document store
// keyed by the id (TextStored), so that a document's words can later be
// erased without rewriting the log.
type DocumentAdded struct {
	// ID is the content hash of the text (DocumentID), or, for a document
	// known only by name, SourceDocumentID of its source.
	ID string `json:"id"`
	// Source is the file's base name or another short handle.
	Source    string     `json:"source,omitempty"`
	Title     string     `json:"title,omitempty"`
	URL       string     `json:"url,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	// Text is the document text when held in the event; Size is its
	// length in bytes either way.
	Text string `json:"text,omitempty"`
	Size int    `json:"size,omitempty"`
	// TextStored says the text is kept outside the log, in the document
	// store under ID; ID is then its content hash and Text is empty.
	TextStored bool `json:"text_stored,omitempty"`
}

func (*DocumentAdded) EventType() Type   { return TypeDocumentAdded }
func (d *DocumentAdded) eventID() string { return "doc-" + d.ID }
func (d *DocumentAdded) subject() string { return DocumentSubject(d.ID) }

// DocumentSubject is the NATS subject a document's DocumentAdded is
// published on. Each document has its own, so the log can say whether it
// holds a document without reading it all (Log.LastOnSubject).
func DocumentSubject(id string) string { return "dossier.document." + id }

// DocumentID is the content id of a document's text.
func DocumentID(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:16])
}

// Validate checks the document's identity and limits. A text or title
// may be sealed (package seal), as the log holds them: sealed under the
// document's own key, and within the limits once opened (the text's
// hash and encoding were checked before it was sealed).
func (d *DocumentAdded) Validate() error {
	var p problems
	if !isHexID(d.ID) {
		p.add("id %q is not a document id", d.ID)
	}
	switch {
	case d.Text == "":
	case seal.IsSealed(d.Text):
		checkSealed(&p, "text", d.Text, d.ID)
		if d.Size <= 0 {
			p.add("a sealed text needs its size")
		}
	case !utf8.ValidString(d.Text):
		p.add("text is not valid UTF-8")
	case d.ID != DocumentID(d.Text):
		p.add("id does not match the text's content hash")
	}
	if d.TextStored && d.Text != "" {
		p.add("text is both stored apart and inline")
	}
	if d.ID != "" && d.Text == "" && d.Source == "" && !d.TextStored {
		p.add("a document needs its text or a source name")
	}
	for _, f := range []struct{ name, v string }{{"source", d.Source}, {"title", d.Title}, {"url", d.URL}} {
		limit := 2048
		if f.name == "title" && seal.IsSealed(f.v) {
			checkSealed(&p, "title", f.v, d.ID)
			limit = seal.Len(2048)
		}
		if !utf8.ValidString(f.v) {
			p.add("%s is not valid UTF-8", f.name)
		}
		if len(f.v) > limit {
			p.add("%s is over 2048 bytes", f.name)
		}
	}
	if strings.ContainsAny(d.Source, "\x00\n") {
		p.add("source contains a control character")
	}
	return p.err()
}

// checkSealed checks a sealed value of a document: well formed, and
// under the document's own key.
func checkSealed(p *problems, field, v, doc string) {
	s, err := seal.Parse(v)
	switch {
	case err != nil:
		p.add("%s: %v", field, err)
	case s.KeyID != doc:
		p.add("%s is sealed under the key of %s, not of its document %s", field, s.KeyID, doc)
	}
}
