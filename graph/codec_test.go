package graph

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tinylib/msgp/msgp"

	"github.com/dossier-kg/dossier/seal"
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
		&Document{ID: "d", Title: Text(sealedSentence(t, "A title")), Published: &at, Size: 10, Erased: &Erasure{Seq: 5, Time: at, Reason: "court order", Retract: true}},
		&Assertion{ID: "j", Sentence: Text(sealedSentence(t, "A owns B, sealed."))},
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

// sealedSentence seals text as the write path does, under a fixed key.
func sealedSentence(t testing.TB, text string) string {
	t.Helper()
	k, err := seal.NewKey("0123456789abcdef0123456789abcdef", bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k.Seal(text)
}

// A sealed value is stored in binary, shorter than its text by the key
// id's hex and the box's base64, and reads back exactly as written;
// anything else, a value that only looks sealed included, is stored as
// the string it is.
func TestTextStoresSealedValuesInBinary(t *testing.T) {
	sealed := sealedSentence(t, "Pompeo said WeChat feeds data to the Chinese Communist Party, which the company denies.")
	for _, tt := range []struct {
		name, text string
		binary     bool
	}{
		{"sealed", sealed, true},
		{"sealed, empty", sealedSentence(t, ""), true},
		{"plain", "ByteDance owns TikTok.", false},
		{"empty", "", false},
		{"a sealed prefix and nothing else", seal.Prefix, false},
		{"an upper-case key id", strings.Replace(sealed, "0123456789abcdef", "0123456789ABCDEF", 1), false},
		{"a line break in the box", sealed[:len(sealed)-4] + "\n" + sealed[len(sealed)-4:], false},
		{"padded base64", sealed + "==", false},
		{"not UTF-8", "sealed:1:\xff", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Text(tt.text).MarshalMsg(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := msgp.NextType(b) == msgp.BinType; got != tt.binary {
				t.Errorf("stored in binary: %v, want %v", got, tt.binary)
			}
			if len(b) > Text(tt.text).Msgsize() {
				t.Errorf("%d bytes, more than Msgsize's %d", len(b), Text(tt.text).Msgsize())
			}
			var back Text
			rest, err := back.UnmarshalMsg(b)
			if err != nil || len(rest) != 0 || string(back) != tt.text {
				t.Errorf("%q came back as %q (%d bytes left, %v)", tt.text, back, len(rest), err)
			}
		})
	}
	// What is stored is the version, the key id's 16 bytes and the box.
	v, err := seal.Parse(sealed)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Text(sealed).MarshalMsg(nil)
	raw, _, err := msgp.ReadBytesZC(b)
	if err != nil || len(raw) != 1+16+len(v.Box) {
		t.Errorf("a sealed value of a %d-byte box is stored in %d bytes (%v), want %d", len(v.Box), len(raw), err, 1+16+len(v.Box))
	}
	t.Logf("%d bytes of text stored in %d", len(msgp.AppendString(nil, sealed)), len(b))
}

// Any text reads back as written, and no stored bytes make Text panic.
func FuzzText(f *testing.F) {
	f.Add("plain", []byte{0xc4, 0x01, 0x01})
	f.Add(sealedSentence(f, "A owns B."), []byte{0xc4, 0x11, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, text string, stored []byte) {
		b, err := Text(text).MarshalMsg(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back Text
		if _, err := back.UnmarshalMsg(b); err != nil || string(back) != text {
			t.Fatalf("%q came back as %q (%v)", text, back, err)
		}
		_, _ = back.UnmarshalMsg(stored)
	})
}
