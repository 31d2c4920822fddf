// Package auth says who a request acts for and what it may do. A server
// configured with tokens knows each by the SHA-256 of its secret (the
// file holds no secret) and the subject and role it was issued to:
//
//	reader  queries and subscriptions
//	writer  a reader who also records assertions and ingests documents
//	admin   a writer who also corrects (retracts, merges, renames) and
//	        runs /admin/*
//
// The subject is the principal recorded in every event the request
// causes: a client cannot choose it. A server without tokens trusts its
// loopback callers, as a development setup does (cmd/dossier refuses to
// listen beyond loopback without tokens unless told --insecure).
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// Role is what a principal may do; each role may do what those below do.
type Role int

// The roles, weakest first.
const (
	None Role = iota
	Reader
	Writer
	Admin
)

var roleNames = []string{"none", "reader", "writer", "admin"}

func (r Role) String() string {
	if r < None || r > Admin {
		return "unknown"
	}
	return roleNames[r]
}

// ParseRole reads "reader", "writer" or "admin".
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames[1:] {
		if s == n {
			return Role(i + 1), nil
		}
	}
	return None, fmt.Errorf("role %q is not reader, writer or admin", s)
}

// Principal is who a request acts for.
type Principal struct {
	Subject string
	Role    Role
}

// Token is one issued token as the tokens file keeps it.
type Token struct {
	Subject string `json:"subject"`
	Role    string `json:"role"`
	// SHA256 is the hex SHA-256 of the secret.
	SHA256 string `json:"sha256"`
}

// File is the tokens file's content.
type File struct {
	Tokens []Token `json:"tokens"`
}

// Tokens authenticates secrets against the issued tokens.
type Tokens struct {
	byHash map[string]Principal
}

// MaxSubject bounds a subject: it is recorded in every event.
const MaxSubject = 200

// New checks the issued tokens and indexes them.
func New(f File) (*Tokens, error) {
	t := &Tokens{byHash: map[string]Principal{}}
	for i, tok := range f.Tokens {
		role, err := ParseRole(tok.Role)
		if err != nil {
			return nil, fmt.Errorf("token %d: %w", i+1, err)
		}
		if err := CheckSubject(tok.Subject); err != nil {
			return nil, fmt.Errorf("token %d: %w", i+1, err)
		}
		h, err := hex.DecodeString(tok.SHA256)
		if err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("token %d: sha256 is not 64 hex digits", i+1)
		}
		t.byHash[strings.ToLower(tok.SHA256)] = Principal{Subject: tok.Subject, Role: role}
	}
	if len(t.byHash) == 0 {
		return nil, errors.New("no tokens")
	}
	return t, nil
}

// Load reads a tokens file.
func Load(path string) (*Tokens, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read tokens: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("read tokens %s: %w", path, err)
	}
	return t, nil
}

// Parse reads the JSON of a tokens file.
func Parse(b []byte) (*Tokens, error) {
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return New(f)
}

// Check is the principal a secret was issued to.
func (t *Tokens) Check(secret string) (Principal, bool) {
	p, ok := t.byHash[Hash(secret)]
	return p, ok
}

// Hash is the hex SHA-256 of a secret.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// NewSecret is a fresh random secret and its hash.
func NewSecret() (secret, hash string) {
	var b [32]byte
	rand.Read(b[:])
	secret = "dsr_" + hex.EncodeToString(b[:])
	return secret, Hash(secret)
}

// CheckSubject refuses a subject that cannot be a principal: empty, too
// long, or holding control characters.
func CheckSubject(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("subject is empty")
	case len(s) > MaxSubject:
		return fmt.Errorf("subject is %d bytes, over %d", len(s), MaxSubject)
	case strings.ContainsFunc(s, unicode.IsControl):
		return errors.New("subject holds a control character")
	}
	return nil
}
