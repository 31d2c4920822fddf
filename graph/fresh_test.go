package graph

import (
	"errors"
	"testing"
)

func TestDocOf(t *testing.T) {
	for _, c := range []struct{ key, doc string }{
		{string(keyDocActor.Key("d1", "acme")), "d1"},
		{string(keyClaim.Key("d1", "0-12", "OWNS", "affirmed")), "d1"},
		{string(keyRelDoc.Key("acme", "OWNS", "widget", "d1")), "d1"},
		{string(keyDocument.Key("d1")), ""}, // the record itself is the latest cache's
		{string(keyRel.Key("acme", "OWNS", "widget")), ""},
		{"dm", ""},
	} {
		if got := docOf(c.key); got != c.doc {
			t.Errorf("docOf(%q) = %q, want %q", c.key, got, c.doc)
		}
	}
}

// Nothing is written under a document before its record: freshDocs
// counts on it to answer for a new document without reading Badger.
func TestNothingUnderAMissingDocument(t *testing.T) {
	s := openTest(t, t.TempDir())
	b := s.NewBatch()
	for i, write := range []func(tx *Tx) error{
		func(tx *Tx) error { _, err := tx.LinkDocumentActor("nodoc", "acme", ""); return err },
		func(tx *Tx) error {
			_, _, err := tx.CountSource(RelKey{"acme", "OWNS", "widget"}, "nodoc", 1)
			return err
		},
		func(tx *Tx) error {
			return tx.PutAssertion(Assertion{ID: "a1", Subject: "acme", Predicate: "OWNS", Object: "widget", Document: "nodoc", Sentence: "Acme owns Widget."})
		},
	} {
		if err := b.Apply(uint64(i+1), write); !errors.Is(err, ErrNoDocument) {
			t.Errorf("write %d under a document without a record: %v, want ErrNoDocument", i, err)
		}
	}
	// Once the record is there, the same writes go through, and a new
	// document's keys read back from what the batch wrote.
	err := b.Apply(1, func(tx *Tx) error {
		if err := tx.PutDocument(Document{ID: "nodoc"}); err != nil {
			return err
		}
		_, err := tx.LinkDocumentActor("nodoc", "acme", "COMPANY")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Apply(2, func(tx *Tx) error {
		if linked, err := tx.HasDocumentActor("nodoc", "acme"); err != nil || !linked {
			t.Errorf("acme linked to nodoc: %v, %v", linked, err)
		}
		if linked, err := tx.HasDocumentActor("nodoc", "widget"); err != nil || linked {
			t.Errorf("widget linked to nodoc: %v, %v", linked, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}
