package graph

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// keyType declares one kind of key, once. Keys are built only through its
// methods, so the layout documented in doc.go is the layout on disk.
type keyType struct {
	prefix string
	// parts names the key's parts after the prefix, for documentation and
	// for checking arity when a key is built.
	parts []string
	// value describes what is stored under the key.
	value string
}

const sep = ":"

func (k *keyType) Key(parts ...string) []byte {
	if len(parts) != len(k.parts) {
		panic("graph: key " + k.prefix + " wants " + strings.Join(k.parts, sep))
	}
	return []byte(k.prefix + sep + strings.Join(parts, sep))
}

// Prefix is the key with only the leading parts given, ending in sep, for
// scans.
func (k *keyType) Prefix(parts ...string) []byte {
	if len(parts) >= len(k.parts) {
		panic("graph: prefix of " + k.prefix + " has too many parts")
	}
	if len(parts) == 0 {
		return []byte(k.prefix + sep)
	}
	return []byte(k.prefix + sep + strings.Join(parts, sep) + sep)
}

// anyOf says whether key is of one of the kinds: the caches' test of
// what they keep, on every key the projector writes.
func anyOf(key string, kinds []*keyType) bool {
	for _, k := range kinds {
		if len(key) > len(k.prefix) && key[len(k.prefix)] == sep[0] && key[:len(k.prefix)] == k.prefix {
			return true
		}
	}
	return false
}

// Split returns a key's parts. The last part may contain sep (names do
// not, ids do not; a prefix search key may).
func (k *keyType) Split(key []byte) []string {
	rest := strings.TrimPrefix(string(key), k.prefix+sep)
	return strings.SplitN(rest, sep, len(k.parts))
}

// The key kinds. Ids never contain ':' (actor ids are slugs, other ids
// are hex), and name keys are names.Key folds: letters, digits, spaces.
var (
	keyLayout = &keyType{"meta", []string{"layout"}, "layout version, decimal"}

	keyActor    = &keyType{"act", []string{"actor"}, "Actor: its identity (names, type, merge, first seen), rewritten only when that changes"}
	keyActivity = &keyType{"am", []string{"actor"}, "actorActivity: mentions, type votes, last seen; written by every event naming the actor, so its versions are the actor's history"}
	keyName     = &keyType{"name", []string{"namekey"}, "actor id: every name and alias, folded"}
	keyType_    = &keyType{"type", []string{"type", "actor"}, "empty: actors by type"}
	keySurname  = &keyType{"last", []string{"surname"}, "list of person actor ids with that last name"}

	keyRel    = &keyType{"rel", []string{"subject", "predicate", "object"}, "Relationship; the out-adjacency"}
	keyIn     = &keyType{"in", []string{"object", "predicate", "subject"}, "empty: the in-adjacency"}
	keyPred   = &keyType{"pred", []string{"predicate", "subject", "object"}, "empty: relationships by predicate"}
	keySup    = &keyType{"sup", []string{"actor", "rank", "dir", "predicate", "other"}, "empty: an actor's relationships, most supported first (rank: 16 hex digits of 2^64-1 minus the support's bucket, see supportBucket; dir: o when the actor is the subject, i when the object)"}
	keyRelAsr = &keyType{"ra", []string{"subject", "predicate", "object", "seq", "assertion"}, "empty: a relationship's assertions, in the order they were recorded (seq: the assertion's sequence, 16 hex digits), so that its evidence is read a page at a time"}
	keyRelDoc = &keyType{"rd", []string{"subject", "predicate", "object", "document"}, "the relationship's live assertions from the document, 8 bytes big-endian"}
	keyClaim  = &keyType{"cl", []string{"document", "span", "predicate", "polarity"}, "the live assertions (ids, comma-separated) making a claim of that predicate and polarity at that span of the document (span: start-end, or a hash of the sentence)"}

	keyAssertion = &keyType{"asr", []string{"assertion"}, "Assertion"}
	keyDocument  = &keyType{"doc", []string{"document"}, "Document"}
	keyDocText   = &keyType{"text", []string{"document"}, "the document's text (sealed with its key), kept apart; deleted when erased"}

	keyAttrib   = &keyType{"by", []string{"actor", "assertion"}, "empty: the live assertions attributed to an actor (those naming it as an end are under its relationships)"}
	keyEvent    = &keyType{"ev", []string{"seq"}, "EventRecord; seq as 16 hex digits"}
	keyHist     = &keyType{"hist", []string{"entity", "seq"}, "empty: an event that touched an entity without a record (the versions of a record are its history)"}
	keyConts    = &keyType{"con", []string{"subject", "predicate", "object"}, "empty: relationships both affirmed and denied"}
	keyDocActor = &keyType{"dm", []string{"document", "actor"}, "the type the document gives the actor (may be empty): the actors a document names"}
)

// allKeyTypes lists every key kind for the layout documentation test.
var allKeyTypes = []*keyType{keyLayout, keyActor, keyActivity, keyName, keyType_, keySurname,
	keyRel, keyIn, keyPred, keySup, keyRelAsr, keyRelDoc, keyAssertion, keyDocument, keyDocText,
	keyAttrib, keyEvent, keyHist, keyConts, keyDocActor, keyClaim}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func fromU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// hex16 writes a number as 16 hex digits, so keys sort by it.
func hex16(v uint64) string { return fmt.Sprintf("%016x", v) }

func fromHex16(s string) uint64 {
	v, _ := strconv.ParseUint(s, 16, 64)
	return v
}
