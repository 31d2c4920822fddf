package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// deploy/nats.conf carries the line `--durability strict` needs on an
// external NATS, commented; uncommented, the server syncs every write.
func TestNATSConfigStrictLine(t *testing.T) {
	for k, v := range map[string]string{"NATS_SERVER_NAME": "nats-1", "DOSSIER_NATS_PASSWORD": "d", "NATS_ADMIN_PASSWORD": "a", "NATS_READER_PASSWORD": "r"} {
		t.Setenv(k, v)
	}
	b, err := os.ReadFile("nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	const line = "# sync_interval: always"
	if !strings.Contains(string(b), line) {
		t.Fatalf("nats.conf has no %q line", line)
	}
	opts, err := server.ProcessConfigFile("nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	if opts.SyncAlways {
		t.Error("nats.conf syncs every write: the default should stay the libraries'")
	}
	strict := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(strict, []byte(strings.Replace(string(b), line, "sync_interval: always", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if opts, err = server.ProcessConfigFile(strict); err != nil {
		t.Fatal(err)
	}
	if !opts.SyncAlways {
		t.Error("with its sync_interval line uncommented, nats.conf does not sync every write")
	}
}
