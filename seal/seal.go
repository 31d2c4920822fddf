// Package seal keeps a document's words readable only while the
// document's key exists, so that erasing a document is destroying one
// key.
//
// JetStream messages cannot be changed and the graph keeps every version
// of every value for as-of reads, so a document's words must never reach
// either in the clear. Evidence sentences, document titles and document
// texts are sealed before they are appended or stored: encrypted with
// AES-256-GCM under a random key of their own document, which is kept
// apart, in a key-value bucket outside the log (package stream, Keys).
// Erasure destroys the key; everything sealed under it, in the log, in
// the document store, in every version of the graph and in every backup
// taken after the erasure, is then noise.
//
// A sealed value is a string, so it travels in JSON events and graph
// values where the plaintext did:
//
//	sealed:1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>
//
// The key id is the document id (32 hex digits). "sealed:1:" is the
// version prefix: values recorded before sealing existed are plaintext,
// and a reader tells the two apart by it (IsSealed). The nonce is derived
// from the key and the plaintext (an HMAC), so the same words of the same
// document seal to the same value: the fold compares and indexes sealed
// sentences as it did plain ones, without the key (a re-sent assertion is
// the claim already counted). The cost is that equal sentences of one
// document are seen to be equal, which their content-derived assertion
// ids already say.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every sealed value; the digit is the format's version.
const Prefix = "sealed:1:"

// KeySize is the length of a document key's material.
const KeySize = 32

const (
	nonceSize = 12
	tagSize   = 16
	idLen     = 32
)

// ErrErased says a document's words were erased: its key is destroyed.
var ErrErased = errors.New("the document's words were erased")

// ErrNoKey says a sealed value's key is not in the key store and was not
// erased either: a log restored without its keys bucket, or a bucket
// lost. Nothing sealed under it can be read.
var ErrNoKey = errors.New("the document's key is missing from the key store (restored without the keys bucket?)")

// FormatError says a value starts like a sealed one but is not one.
type FormatError struct{ Problem string }

func (e *FormatError) Error() string { return "sealed value: " + e.Problem }

// OpenError says a sealed value does not open with its key: damaged, or
// sealed under another key of the same id.
type OpenError struct{ KeyID string }

func (e *OpenError) Error() string {
	return "sealed value of " + e.KeyID + " does not open with its key (damaged)"
}

// IsSealed says whether a value is sealed, by its prefix.
func IsSealed(s string) bool { return strings.HasPrefix(s, Prefix) }

// Sealed is a parsed sealed value.
type Sealed struct {
	// KeyID names the key: the document id.
	KeyID string
	// Box is the nonce, the ciphertext and the tag.
	Box []byte
}

// Parse reads a sealed value. It accepts exactly what Key.Seal writes.
func Parse(s string) (Sealed, error) {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return Sealed{}, &FormatError{Problem: "no " + Prefix + " prefix"}
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return Sealed{}, &FormatError{Problem: "no key id"}
	}
	if !isID(id) {
		return Sealed{}, &FormatError{Problem: fmt.Sprintf("key id %.40q is not 32 lower-case hex digits", id)}
	}
	// encoding/base64 skips '\r' and '\n' even in strict mode; a value
	// with them would parse to one that writes back otherwise.
	if i := strings.IndexAny(b64, "\r\n"); i >= 0 {
		return Sealed{}, &FormatError{Problem: fmt.Sprintf("the box has a line break at byte %d", i)}
	}
	box, err := base64.RawURLEncoding.Strict().DecodeString(b64)
	if err != nil {
		return Sealed{}, &FormatError{Problem: "the box is not unpadded base64url: " + err.Error()}
	}
	if len(box) < nonceSize+tagSize {
		return Sealed{}, &FormatError{Problem: fmt.Sprintf("the box is %d bytes, shorter than a nonce and a tag", len(box))}
	}
	return Sealed{KeyID: id, Box: box}, nil
}

// String writes the sealed value.
func (s Sealed) String() string {
	return Prefix + s.KeyID + ":" + base64.RawURLEncoding.EncodeToString(s.Box)
}

// Len is the length of the sealed value of n bytes of plaintext.
func Len(n int) int {
	return len(Prefix) + idLen + 1 + base64.RawURLEncoding.EncodedLen(nonceSize+n+tagSize)
}

func isID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// NewKeyMaterial makes a fresh random key.
func NewKeyMaterial() ([]byte, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("new document key: %w", err)
	}
	return b, nil
}

// Key seals and opens the values of one document.
type Key struct {
	id    string
	aead  cipher.AEAD
	nonce []byte // the HMAC key the nonces are derived with
}

// NewKey makes a document's key from its material. Two subkeys are
// derived from it (HKDF-SHA256), one to encrypt and one to derive
// nonces, so that neither use weakens the other.
func NewKey(id string, material []byte) (*Key, error) {
	if !isID(id) {
		return nil, fmt.Errorf("key id %q is not 32 lower-case hex digits", id)
	}
	if len(material) != KeySize {
		return nil, fmt.Errorf("key of %s is %d bytes, not %d", id, len(material), KeySize)
	}
	enc, err := hkdf.Key(sha256.New, material, nil, "dossier seal v1 aes-256-gcm", 32)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, material, nil, "dossier seal v1 nonce", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{id: id, aead: aead, nonce: nonce}, nil
}

// ID is the key's id: its document's.
func (k *Key) ID() string { return k.id }

// aad binds a box to its format version and key id: a box moved under
// another id does not open.
func (k *Key) aad() []byte { return []byte(Prefix + k.id) }

// Seal seals a value. The same plaintext always seals to the same value
// under one key (see the package comment).
func (k *Key) Seal(plaintext string) string {
	m := hmac.New(sha256.New, k.nonce)
	m.Write([]byte(plaintext))
	nonce := m.Sum(nil)[:nonceSize]
	box := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	copy(box, nonce)
	box = k.aead.Seal(box, nonce, []byte(plaintext), k.aad())
	return Sealed{KeyID: k.id, Box: box}.String()
}

// Open opens a value sealed under this key.
func (k *Key) Open(s Sealed) (string, error) {
	if s.KeyID != k.id || len(s.Box) < nonceSize+tagSize {
		return "", &OpenError{KeyID: s.KeyID}
	}
	pt, err := k.aead.Open(nil, s.Box[:nonceSize], s.Box[nonceSize:], k.aad())
	if err != nil {
		return "", &OpenError{KeyID: s.KeyID}
	}
	return string(pt), nil
}
