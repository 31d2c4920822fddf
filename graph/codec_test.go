package graph

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// A record's bytes follow from its contents alone, or two stores folded
// from the same events would differ in their digests: the type votes, a
// map, are written in key order however the map iterates.
func TestEncodingIsDeterministic(t *testing.T) {
	a := Actor{ID: "x", Name: "X", TypeVotes: Votes{}}
	for i := range 30 {
		a.TypeVotes[fmt.Sprintf("TYPE%02d", i)] = i
	}
	first, err := encodeValue(&a)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, _ := encodeValue(&a)
		if !bytes.Equal(first, again) {
			t.Fatal("the same actor encoded to different bytes")
		}
	}
}

// Every stored type comes back as it went in, times in UTC.
func TestRecordsRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 5, time.UTC)
	start, end := 3, 9
	for _, v := range []interface {
		MarshalMsg([]byte) ([]byte, error)
		UnmarshalMsg([]byte) ([]byte, error)
	}{
		&Actor{ID: "a", Name: "A", Type: "COMPANY", TypeVotes: Votes{"COMPANY": 2}, Aliases: []string{"A Inc"}, Mentions: 4, FirstSeq: 1, LastSeq: 9, First: at, Last: at},
		&Relationship{Subject: "a", Predicate: "OWNS", Object: "b", Support: 2, Affirmed: 1, Negated: 1, Documents: 2, First: at, Last: at},
		&Assertion{ID: "i", Seq: 3, Recorded: at, Subject: "a", Predicate: "OWNS", Object: "b", Sentence: "A owns B.", Start: &start, End: &end, Confidence: 0.5,
			Retracted: &Retraction{Seq: 4, Time: at, Reason: "wrong"}},
		&Document{ID: "d", Published: &at, Size: 10, Erased: &Erasure{Seq: 5, Time: at, Reason: "court order", Retract: true}},
		&EventRecord{Seq: 3, Time: at, Type: "AssertionRecorded", Outcome: OutcomeRecorded, Entities: []string{"asr/i"}, Counts: Counts{Assertions: 1}},
		&Counts{Actors: 1, Relationships: 2, Assertions: 3, Documents: 4},
		&idList{"p1", "p2"},
	} {
		b, err := encodeValue(v)
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		got := reflect.New(reflect.TypeOf(v).Elem()).Interface().(interface{ UnmarshalMsg([]byte) ([]byte, error) })
		if err := decodeValue(b, got); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%T: %+v came back as %+v", v, v, got)
		}
	}
}

// A damaged value is an error, never a panic: the store's bytes are
// input like any other.
func FuzzDecodeRecord(f *testing.F) {
	a := Actor{ID: "a", Name: "A", TypeVotes: Votes{"PERSON": 1}, Aliases: []string{"Al"}}
	seed, _ := encodeValue(&a)
	f.Add(seed)
	r := Assertion{ID: "i", Sentence: "s", Retracted: &Retraction{Reason: "r"}}
	seed, _ = encodeValue(&r)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Actor
		_ = decodeValue(b, &a)
		var r Assertion
		_ = decodeValue(b, &r)
		var d Document
		_ = decodeValue(b, &d)
		var e EventRecord
		_ = decodeValue(b, &e)
		var l idList
		_ = decodeValue(b, &l)
	})
}
