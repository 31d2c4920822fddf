package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/jsm.go"

	"github.com/dossier-kg/dossier/ingest"
	"github.com/dossier-kg/dossier/stream"
)

// A backup is JetStream's own snapshot of each stream Dossier keeps, one
// directory per stream, and a manifest. It is taken by the NATS server
// while it serves, consistent at one sequence per stream, with every
// message's sequence and timestamp: a store projected from a restored
// log is the same, digest for digest, as one projected from the
// original. The graph is not in it; it is rebuilt from the log.

// backupStreams are the streams a backup holds: the log, the document
// texts' object store, and the documents' keys, without which nothing
// sealed in the other two can be read. A backup taken before an erasure
// holds the erased document's key: restoring it brings the words back
// until the erasure is made again (README, "Erasing a document").
var backupStreams = []string{stream.DefaultStream, "OBJ_" + ingest.DefaultBucket, stream.KeysStream}

// manifestFile names what a backup holds.
const manifestFile = "dossier-backup.json"

// Manifest describes a backup.
type Manifest struct {
	Created time.Time                 `json:"created"`
	Streams map[string]StreamSnapshot `json:"streams"`
}

// StreamSnapshot is one stream of a backup.
type StreamSnapshot struct {
	Messages uint64 `json:"messages"`
	LastSeq  uint64 `json:"last_seq"`
	Bytes    uint64 `json:"bytes"`
}

// Backup snapshots the log and the document texts into dir, which must
// not exist or be empty. With cfg.NATS.URL it asks that server (a
// running Dossier's, as its admin when the data directory holds its
// credentials); without, it opens the data directory's own NATS files,
// which no running server may hold.
func Backup(ctx context.Context, cfg Config, dir string) (Manifest, error) {
	m := Manifest{Created: time.Now().UTC(), Streams: map[string]StreamSnapshot{}}
	if err := cfg.setDefaults(); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if _, err := emptyDir(dir); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	n, done, err := openLogOnly(ctx, cfg, stream.UserAdmin)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer done()
	mgr, err := jsm.New(n.nc, jsm.WithTimeout(time.Minute))
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	for _, name := range backupStreams {
		known, err := mgr.IsKnownStream(name)
		if err != nil {
			return m, fmt.Errorf("backup %s: %w", name, err)
		}
		if !known {
			continue // no document texts yet
		}
		s, err := mgr.LoadStream(name)
		if err != nil {
			return m, fmt.Errorf("backup %s: %w", name, err)
		}
		st, err := s.State()
		if err != nil {
			return m, fmt.Errorf("backup %s: %w", name, err)
		}
		if _, err := s.SnapshotToDirectory(ctx, filepath.Join(dir, name), jsm.SnapshotHealthCheck()); err != nil {
			return m, fmt.Errorf("backup %s: %w", name, err)
		}
		m.Streams[name] = StreamSnapshot{Messages: st.Msgs, LastSeq: st.LastSeq, Bytes: st.Bytes}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, manifestFile), append(b, '\n'), 0o600); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// Restore puts a backup's streams into the NATS files of a new data
// directory (cfg.DataDir, which must not exist or be empty); `dossier
// serve` on it then projects the graph from the restored log.
func Restore(ctx context.Context, cfg Config, dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return m, fmt.Errorf("restore: %s is not a Dossier backup: %w", dir, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("restore: %s: %w", manifestFile, err)
	}
	if _, err := emptyDir(cfg.DataDir); err != nil {
		return m, fmt.Errorf("restore into %s: %w", cfg.DataDir, err)
	}
	if cfg.NATS.URL != "" {
		return m, errors.New("restore: it fills a new data directory's own NATS files; for a cluster, restore with the nats CLI (nats stream restore)")
	}
	if err := roomToRestore(cfg, m); err != nil {
		return m, fmt.Errorf("restore into %s: %w", cfg.DataDir, err)
	}
	creds, err := stream.LoadCredentials((&Node{cfg: cfg}).CredentialsFile())
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	srv, err := stream.StartServer(stream.ServerConfig{Dir: filepath.Join(cfg.DataDir, "nats"), Credentials: &creds})
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	defer srv.Shutdown()
	nc, err := srv.Connect()
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	defer nc.Close()
	mgr, err := jsm.New(nc, jsm.WithTimeout(time.Minute))
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	for name, want := range m.Streams {
		_, st, err := mgr.RestoreSnapshotFromDirectory(ctx, name, filepath.Join(dir, name))
		if err != nil {
			return m, fmt.Errorf("restore %s: %w", name, err)
		}
		if st.Msgs != want.Messages || st.LastSeq != want.LastSeq {
			return m, fmt.Errorf("restore %s: %d messages to %d restored, the backup holds %d to %d", name, st.Msgs, st.LastSeq, want.Messages, want.LastSeq)
		}
	}
	return m, nil
}

// roomToRestore refuses a restore whose data directory's disk cannot
// hold the restored streams and the graph serve will project from them
// (about as large again) with the reserve kept: serve would then refuse
// to start, or pause its projection, on the directory restore made.
func roomToRestore(cfg Config, m Manifest) error {
	var need int64
	for _, s := range m.Streams {
		need += 2 * int64(s.Bytes)
	}
	return newDiskAt(cfg.DataDir, cfg).holds(need)
}
