package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/auth"
)

// token add keeps only the hash, in a 0600 file, and the secret it
// prints authenticates as the subject and role asked for.
func TestTokenAdd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	var out bytes.Buffer
	c := &tokenAddCmd{Tokens: path, Subject: "alice", Role: "writer"}
	if err := c.run(&out); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out.String())
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), secret) {
		t.Error("the file holds the secret")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	tok, err := auth.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := tok.Check(secret); !ok || p.Subject != "alice" || p.Role != auth.Writer {
		t.Errorf("the secret authenticates as %+v, %v", p, ok)
	}
	if err := (&tokenAddCmd{Tokens: path, Subject: "x\x1b[2J", Role: "reader"}).run(&out); exitCode(err) != exitInvalid {
		t.Errorf("a subject with an escape: %v", err)
	}
}

// serve will not listen beyond loopback without tokens unless told so.
func TestServeRefusesOpenNetworkWithoutTokens(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "0.0.0.0:8080": false, ":8080": false, "10.0.0.2:8080": false} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v", addr, got)
		}
	}
	c := &serveCmd{Listen: "0.0.0.0:0"}
	c.Data = t.TempDir()
	if err := c.Run(context.Background()); exitCode(err) != exitInvalid || !strings.Contains(err.Error(), "--tokens") {
		t.Errorf("serve on 0.0.0.0 without tokens: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "512MiB": 512 << 20, "1048576": 1 << 20, " 2 GiB ": 2 << 30, "64KiB": 64 << 10, "100B": 100} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1GiB", "1.5GiB", "1GB", "9999999999TiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}
