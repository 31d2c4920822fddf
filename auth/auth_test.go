package auth_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dossier-kg/dossier/auth"
)

func TestTokens(t *testing.T) {
	secret, hash := auth.NewSecret()
	tok, err := auth.New(auth.File{Tokens: []auth.Token{{Subject: "alice", Role: "writer", SHA256: hash}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := tok.Check(secret); !ok || p.Subject != "alice" || p.Role != auth.Writer {
		t.Errorf("Check(secret) = %+v, %v", p, ok)
	}
	if _, ok := tok.Check(secret + "x"); ok {
		t.Error("a wrong secret passed")
	}
	for _, bad := range []auth.Token{
		{Subject: "", Role: "reader", SHA256: hash},
		{Subject: "x\x1b[2J", Role: "reader", SHA256: hash},
		{Subject: "bob", Role: "root", SHA256: hash},
		{Subject: "bob", Role: "reader", SHA256: "abc"},
	} {
		if _, err := auth.New(auth.File{Tokens: []auth.Token{bad}}); err == nil {
			t.Errorf("token %+v accepted", bad)
		}
	}
	path := filepath.Join(t.TempDir(), "tokens.json")
	os.WriteFile(path, []byte(`{"tokens":[{"subject":"a","role":"admin","sha256":"`+hash+`"}]}`), 0o600)
	if tok, err := auth.Load(path); err != nil {
		t.Fatal(err)
	} else if p, _ := tok.Check(secret); p.Role != auth.Admin || p.Role.String() != "admin" {
		t.Errorf("loaded %+v", p)
	}
}

// A tokens file is parsed without panic, and whatever it admits is a
// usable principal.
func FuzzParse(f *testing.F) {
	_, h := auth.NewSecret()
	f.Add([]byte(`{"tokens":[{"subject":"alice","role":"writer","sha256":"` + h + `"}]}`))
	f.Add([]byte(`{"tokens":[{"subject":"","role":"god","sha256":"x"}]}`))
	f.Add([]byte(`{"tokens":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := auth.Parse(b); err != nil {
			return
		}
		var file auth.File
		json.Unmarshal(b, &file)
		for _, tok := range file.Tokens {
			if err := auth.CheckSubject(tok.Subject); err != nil {
				t.Fatalf("admitted subject %q: %v", tok.Subject, err)
			}
			if _, err := auth.ParseRole(tok.Role); err != nil {
				t.Fatalf("admitted role %q: %v", tok.Role, err)
			}
		}
	})
}
