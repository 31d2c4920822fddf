package graph

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/tinylib/msgp/msgp"

	"github.com/dossier-kg/dossier/seal"
)

// Values of the stored types (types.go) are MessagePack, by the methods
// msgp generates: a third of the projector's time went to encoding/json
// before, on reflection, and the records are smaller.

func encodeValue(v msgp.Marshaler) ([]byte, error) { return v.MarshalMsg(nil) }

func decodeValue(b []byte, v msgp.Unmarshaler) error {
	_, err := v.UnmarshalMsg(b)
	return err
}

// packedKinds hold MessagePack values, each kind its record's; the rest
// hold strings, numbers or nothing.
var packedKinds = []struct {
	kind   *keyType
	record func() msgp.Unmarshaler
}{
	{keyActor, func() msgp.Unmarshaler { return new(Actor) }},
	{keyActivity, func() msgp.Unmarshaler { return new(actorActivity) }},
	{keySurname, func() msgp.Unmarshaler { return new(idList) }},
	{keyRel, func() msgp.Unmarshaler { return new(Relationship) }},
	{keyAssertion, func() msgp.Unmarshaler { return new(Assertion) }},
	{keyDocument, func() msgp.Unmarshaler { return new(Document) }},
	{keyEvent, func() msgp.Unmarshaler { return new(EventRecord) }},
}

// readable is a value as a person reads it in a diff: a record as JSON,
// with the field names the API and exports use rather than the short
// ones stored; anything else as stored, and a record that does not
// decode as MessagePack rendered as JSON, so that a damaged value still
// shows what it holds.
func readable(key, v []byte) []byte {
	for _, k := range packedKinds {
		if !bytes.HasPrefix(key, []byte(k.kind.prefix+sep)) {
			continue
		}
		rec := k.record()
		if err := decodeValue(v, rec); err == nil {
			if out, err := json.Marshal(rec); err == nil {
				return out
			}
		}
		var out bytes.Buffer
		if _, err := msgp.UnmarshalAsJSON(&out, v); err != nil {
			return v
		}
		return out.Bytes()
	}
	return v
}

// Votes counts votes by what was voted for (Actor.TypeVotes). It is
// encoded in key order, since a record's bytes must follow from its
// contents alone: digests compare stores byte for byte, and a map's
// order is random.
type Votes map[string]int

// MarshalMsg appends the votes in key order; nil as nil.
func (v Votes) MarshalMsg(b []byte) ([]byte, error) {
	if v == nil {
		return msgp.AppendNil(b), nil
	}
	b = msgp.AppendMapHeader(b, uint32(len(v)))
	for _, k := range slices.Sorted(maps.Keys(v)) {
		b = msgp.AppendString(b, k)
		b = msgp.AppendInt(b, v[k])
	}
	return b, nil
}

// UnmarshalMsg reads votes MarshalMsg wrote.
func (v *Votes) UnmarshalMsg(b []byte) ([]byte, error) {
	if msgp.IsNil(b) {
		*v = nil
		return msgp.ReadNilBytes(b)
	}
	n, b, err := msgp.ReadMapHeaderBytes(b)
	if err != nil {
		return b, err
	}
	// Each vote takes two bytes at least: a damaged header must not
	// make a huge map.
	if int(n) > len(b)/2 {
		return b, msgp.ErrShortBytes
	}
	*v = make(Votes, n)
	for range n {
		var k string
		var c int
		if k, b, err = msgp.ReadStringBytes(b); err != nil {
			return b, err
		}
		if c, b, err = msgp.ReadIntBytes(b); err != nil {
			return b, err
		}
		(*v)[k] = c
	}
	return b, nil
}

// Msgsize is an upper bound of the encoded size.
func (v Votes) Msgsize() int {
	s := msgp.MapHeaderSize + msgp.NilSize
	for k := range v {
		s += msgp.StringPrefixSize + len(k) + msgp.IntSize
	}
	return s
}

// Counts are the graph's counts (Stats without the sequence), kept in
// every audit record: an array of four numbers rather than a map keyed
// by their names, since every event writes them.
type Counts struct {
	Actors, Relationships, Assertions, Documents int
}

func (c Counts) stats(applied uint64) Stats {
	return Stats{Actors: c.Actors, Relationships: c.Relationships, Assertions: c.Assertions, Documents: c.Documents, Applied: applied}
}

// MarshalMsg appends the counts as an array.
func (c Counts) MarshalMsg(b []byte) ([]byte, error) {
	b = msgp.AppendArrayHeader(b, 4)
	for _, n := range [...]int{c.Actors, c.Relationships, c.Assertions, c.Documents} {
		b = msgp.AppendInt(b, n)
	}
	return b, nil
}

// UnmarshalMsg reads counts MarshalMsg wrote.
func (c *Counts) UnmarshalMsg(b []byte) ([]byte, error) {
	n, b, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return b, err
	}
	if n != 4 {
		return b, msgp.ArrayError{Wanted: 4, Got: n}
	}
	for _, p := range [...]*int{&c.Actors, &c.Relationships, &c.Assertions, &c.Documents} {
		if *p, b, err = msgp.ReadIntBytes(b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// Msgsize is an upper bound of the encoded size.
func (c Counts) Msgsize() int { return msgp.ArrayHeaderSize + 4*msgp.IntSize }

// Text is a document's words as the store keeps them: sealed (package
// seal), or plain when recorded before sealing existed. A sealed value is
// stored in binary, its format's version, its key id and its box (layout
// 20): the events carry it as "sealed:1:", the key id in hex and the box
// in base64, 42 bytes and a third of the box more, and the box is
// ciphertext, which the tables' compression cannot shrink. Anything else
// is stored as the string it is. Either way it reads back as written.
type Text string

// sealedV1 starts the binary form of a "sealed:1:" value.
const sealedV1 = 1

// keyIDBytes is the length of a key id (32 hex digits) in binary.
const keyIDBytes = 16

// MarshalMsg appends the text: a sealed value as MessagePack bin, the
// rest as str.
func (t Text) MarshalMsg(b []byte) ([]byte, error) {
	v, err := seal.Parse(string(t))
	if err != nil {
		// Not sealed (or not exactly as Key.Seal writes it, which Parse
		// refuses): kept as written.
		return msgp.AppendString(b, string(t)), nil
	}
	b = msgp.AppendBytesHeader(b, uint32(1+keyIDBytes+len(v.Box)))
	b = append(b, sealedV1)
	b, _ = hex.AppendDecode(b, []byte(v.KeyID)) // Parse checked it is hex
	return append(b, v.Box...), nil
}

// UnmarshalMsg reads a text MarshalMsg wrote.
func (t *Text) UnmarshalMsg(b []byte) ([]byte, error) {
	if msgp.NextType(b) != msgp.BinType {
		s, rest, err := msgp.ReadStringBytes(b)
		*t = Text(s)
		return rest, err
	}
	raw, rest, err := msgp.ReadBytesZC(b)
	if err != nil {
		return b, err
	}
	if len(raw) < 1+keyIDBytes || raw[0] != sealedV1 {
		return b, fmt.Errorf("stored sealed value of %d bytes is not of version %d with a key id", len(raw), sealedV1)
	}
	*t = Text(seal.Sealed{KeyID: hex.EncodeToString(raw[1 : 1+keyIDBytes]), Box: raw[1+keyIDBytes:]}.String())
	return rest, nil
}

// Msgsize is an upper bound of the encoded size: the binary form of a
// sealed value is shorter than its text.
func (t Text) Msgsize() int { return msgp.StringPrefixSize + len(t) }
