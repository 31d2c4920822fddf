package events_test

import (
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/seal"
)

func TestDocumentErasedValidate(t *testing.T) {
	doc := events.DocumentID("India banned TikTok in June.")
	good := &events.DocumentErased{Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "court order"}, DocumentID: doc}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	ev, err := events.New(good, events.Meta{Principal: "admin"})
	if err != nil || ev.Subject != "dossier.erasure.document."+doc || ev.ID != good.EventID {
		t.Fatalf("envelope %+v, %v", ev, err)
	}
	for name, bad := range map[string]*events.DocumentErased{
		"no reason": {Correction: events.Correction{EventID: events.NewCorrectionID()}, DocumentID: doc},
		"no id":     {Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "r"}},
		"bad id":    {Correction: events.Correction{EventID: events.NewCorrectionID(), Reason: "r"}, DocumentID: "doc:1"},
		"event id":  {Correction: events.Correction{EventID: "x", Reason: "r"}, DocumentID: doc},
	} {
		if bad.Validate() == nil {
			t.Errorf("%s: valid", name)
		}
	}
}

// The log holds a document's title and inline text sealed: they validate
// as they are, under their own document's key only.
func TestDocumentAddedSealed(t *testing.T) {
	text := "India banned TikTok in June."
	id := events.DocumentID(text)
	m, _ := seal.NewKeyMaterial()
	k, _ := seal.NewKey(id, m)
	long := strings.Repeat("é", 1024) // 2048 bytes: at the limit
	d := events.DocumentAdded{ID: id, Title: k.Seal(long), Text: k.Seal(text), Size: len(text)}
	if err := d.Validate(); err != nil {
		t.Fatalf("sealed document: %v", err)
	}
	otherKey, _ := seal.NewKey(strings.Repeat("a", 32), m)
	for name, bad := range map[string]events.DocumentAdded{
		"sealed text without its size": {ID: id, Text: k.Seal(text)},
		"another document's key":       {ID: id, Text: otherKey.Seal(text), Size: len(text)},
		"damaged sealed title":         {ID: id, Source: "s", Title: seal.Prefix + "x"},
		"plain text of another id":     {ID: id, Text: "Something else."},
	} {
		if bad.Validate() == nil {
			t.Errorf("%s: valid", name)
		}
	}
}

func TestAssertionSentenceMustNotLookSealed(t *testing.T) {
	a := events.AssertionRecorded{Subject: events.ActorRef{Name: "India"}, Predicate: "BANS", Object: events.ActorRef{Name: "TikTok"},
		Evidence: events.Evidence{Document: "notes", Sentence: seal.Prefix + strings.Repeat("0", 32) + ":AAAA"}}
	a.Normalize(nil)
	err := a.Validate(events.DefaultOntology())
	if err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Errorf("a sentence that looks sealed: %v", err)
	}
}
