package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/stream"
)

// deploy/nats.conf is one the nats-server the tests run accepts, with
// the users docker-compose.yml expects, and Dossier's own user denied
// deleting or purging the log.
func TestNATSConfig(t *testing.T) {
	for k, v := range map[string]string{"NATS_SERVER_NAME": "nats-1", "DOSSIER_NATS_PASSWORD": "d", "NATS_ADMIN_PASSWORD": "a", "NATS_READER_PASSWORD": "r"} {
		t.Setenv(k, v)
	}
	opts, err := server.ProcessConfigFile("nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !opts.JetStream || opts.ServerName != "nats-1" || opts.Cluster.Name != "dossier" {
		t.Errorf("jetstream %v, server %q, cluster %q", opts.JetStream, opts.ServerName, opts.Cluster.Name)
	}
	users := map[string]*server.User{}
	for _, u := range opts.Users {
		users[u.Username] = u
	}
	for name, pass := range map[string]string{"dossier": "d", "admin": "a", "reader": "r"} {
		if u := users[name]; u == nil || u.Password != pass {
			t.Errorf("user %s: %+v", name, u)
		}
	}
	// The same permissions as the embedded server gives its users: one
	// decision, written twice only because one is a file NATS reads.
	embedded := map[string]*server.User{}
	for _, u := range (stream.Credentials{}).Users([]string{stream.DefaultStream}, []string{"OBJ_" + ingest.DefaultBucket, stream.KeysStream}, []string{stream.KeysStream}) {
		embedded[u.Username] = u
	}
	for _, name := range []string{"dossier", "reader"} {
		got, want := users[name], embedded[name]
		if got == nil || got.Permissions == nil || want == nil {
			t.Errorf("user %s: no permissions", name)
			continue
		}
		if !samePermission(got.Permissions.Publish, want.Permissions.Publish) || !samePermission(got.Permissions.Subscribe, want.Permissions.Subscribe) {
			t.Errorf("user %s: deploy/nats.conf allows %+v %+v, the embedded server %+v %+v", name,
				got.Permissions.Publish, got.Permissions.Subscribe, want.Permissions.Publish, want.Permissions.Subscribe)
		}
	}
	if users["admin"].Permissions != nil {
		t.Errorf("admin is restricted: %+v", users["admin"].Permissions)
	}
}

func samePermission(a, b *server.SubjectPermission) bool {
	if a == nil || b == nil {
		return a == b
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	return slices.Equal(sorted(a.Allow), sorted(b.Allow)) && slices.Equal(sorted(a.Deny), sorted(b.Deny))
}

// natsServerVersion is the nats-server version go.mod names, which the
// tests run.
func natsServerVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/nats-io/nats-server/v2" {
			return strings.TrimPrefix(f[1], "v")
		}
	}
	t.Fatal("go.mod names no nats-server")
	return ""
}
