package stream

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nats-io/nats-server/v2/server"
)

// The embedded server's users. Anything on the machine can reach its
// port; without users, any process could publish a forged event or
// delete the log (nats stream rm), after which Dossier cannot start.
const (
	// UserService is Dossier itself: it appends and consumes, but may not
	// delete, purge or reconfigure the log.
	UserService = "dossier"
	// UserAdmin may do anything, for an operator with the nats CLI.
	UserAdmin = "admin"
	// UserReader may subscribe to Dossier's subjects and read the log
	// through consumers, as a service following new assertions does.
	UserReader = "reader"
)

// Credentials are the passwords of the embedded server's users.
type Credentials struct {
	Passwords map[string]string `json:"passwords"`
}

// LoadCredentials reads the credentials file at path, creating it (0600,
// with fresh random passwords) when there is none.
func LoadCredentials(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return createCredentials(path)
	case err != nil:
		return c, fmt.Errorf("read nats credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read nats credentials %s: %w", path, err)
	}
	for _, u := range []string{UserService, UserAdmin, UserReader} {
		if len(c.Passwords[u]) < 16 {
			return c, fmt.Errorf("read nats credentials %s: no usable password for %q (delete the file to have new ones made)", path, u)
		}
	}
	return c, nil
}

func createCredentials(path string) (Credentials, error) {
	c := Credentials{Passwords: map[string]string{}}
	for _, u := range []string{UserService, UserAdmin, UserReader} {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return c, fmt.Errorf("create nats credentials: %w", err)
		}
		c.Passwords[u] = base64.RawURLEncoding.EncodeToString(b[:])
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return c, fmt.Errorf("create nats credentials: %w", err)
	}
	// O_EXCL: two instances starting at once must not both write.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadCredentials(path)
	}
	if err != nil {
		return c, fmt.Errorf("create nats credentials: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return c, fmt.Errorf("write nats credentials %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return c, fmt.Errorf("write nats credentials %s: %w", path, err)
	}
	return c, nil
}

// Users are the server's users and what each may do. protected are the
// streams Dossier's own user may not delete, purge or reconfigure (the
// log), and guarded those it may purge but not delete (a store whose
// overwrites purge). secret are the streams the reader may not read at
// all (documents' keys: whoever holds them reads every sealed word).
func (c Credentials) Users(protected, guarded, secret []string) []*server.User {
	var deny []string
	for _, s := range protected {
		deny = append(deny, "$JS.API.STREAM.DELETE."+s, "$JS.API.STREAM.PURGE."+s,
			"$JS.API.STREAM.MSG.DELETE."+s, "$JS.API.STREAM.UPDATE."+s)
	}
	for _, s := range guarded {
		deny = append(deny, "$JS.API.STREAM.DELETE."+s, "$JS.API.STREAM.UPDATE."+s)
	}
	reader := &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			"$JS.API.INFO", "$JS.API.STREAM.INFO.*", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
			"$JS.API.STREAM.MSG.GET.*", "$JS.API.DIRECT.GET.>",
			"$JS.API.CONSUMER.CREATE.*", "$JS.API.CONSUMER.CREATE.*.>", "$JS.API.CONSUMER.INFO.*.*",
			"$JS.API.CONSUMER.MSG.NEXT.*.*", "$JS.ACK.>", "$JS.FC.>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{SubjectAll, "_INBOX.>"}},
	}
	for _, s := range secret {
		reader.Publish.Deny = append(reader.Publish.Deny, "$JS.API.STREAM.MSG.GET."+s, "$JS.API.DIRECT.GET."+s, "$JS.API.DIRECT.GET."+s+".>",
			"$JS.API.CONSUMER.CREATE."+s, "$JS.API.CONSUMER.CREATE."+s+".>")
	}
	return []*server.User{
		{Username: UserService, Password: c.Passwords[UserService], Permissions: &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{">"}, Deny: deny}}},
		{Username: UserAdmin, Password: c.Passwords[UserAdmin]},
		{Username: UserReader, Password: c.Passwords[UserReader], Permissions: reader},
	}
}
