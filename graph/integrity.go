package graph

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// CorruptError says a file of the store on disk is damaged: a table of
// Badger's LSM tree whose checksums do not match, that is cut short, or
// that the manifest names and is missing. Badger itself would open such
// a store and silently serve part of it (an iterator stops at the first
// bad block), or panic on one of its own goroutines, which kills the
// process; Open checks every table first.
type CorruptError struct {
	Dir string
	// File is the damaged file's name in Dir.
	File string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("graph store %s is damaged: %s: %v. The graph is a projection of the log: `dossier rebuild` makes it again from the log "+
		"(it first checks that the log holds every event, and refuses when rebuilding would lose any)", e.Dir, e.File, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// checkTables verifies every table the manifest of the store in dir
// names, block by block, before Badger opens them: their index and block
// checksums, and that they are whole. It costs a read of the LSM tree
// (keys and small values; the value log is not read), about 4 ms per MiB
// of tables on two cores: 15 ms for a store of 100,000 keys
// (BenchmarkCheckTables), 40 to 75 ms for the 240,000 keys of 12,000
// assertions.
//
// Badger can check table checksums itself (ChecksumVerificationMode
// OnTableRead), but it opens tables on goroutines of its own, where a
// truncated or garbled table panics past any recover: here each table is
// opened with Badger's own code on the caller's goroutine, which turns
// the panic into a CorruptError.
//
// The directory is locked as Badger locks it while the tables are read,
// so that no server writes them meanwhile; when another process holds
// the lock, nothing is checked and Badger's open reports it.
func checkTables(dir string, opts badger.Options) error {
	mf, err := os.Open(filepath.Join(dir, badger.ManifestFilename))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new store
	}
	if err != nil {
		return fmt.Errorf("open graph %s: %w", dir, err)
	}
	defer mf.Close()
	unlock, err := lockDir(dir)
	if err != nil {
		return nil // in use: Badger says so
	}
	defer unlock()
	manifest, err := replayManifest(mf, opts)
	if err != nil {
		return &CorruptError{Dir: dir, File: badger.ManifestFilename, Err: err}
	}
	topts := table.Options{
		ReadOnly:           true,
		TableSize:          uint64(opts.BaseTableSize),
		BlockSize:          opts.BlockSize,
		BloomFalsePositive: opts.BloomFalsePositive,
		ChkMode:            options.OnTableRead,
	}
	for id, tm := range manifest.Tables {
		if tm.KeyID != 0 {
			continue // encrypted: Dossier never encrypts its store
		}
		topts.Compression = tm.Compression
		path := table.NewFilename(id, dir)
		if err := checkTable(path, topts); err != nil {
			return &CorruptError{Dir: dir, File: filepath.Base(path), Err: err}
		}
	}
	return nil
}

// replayManifest reads the manifest as Badger will; a manifest that
// panics the reader is damaged.
func replayManifest(f *os.File, opts badger.Options) (m badger.Manifest, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable manifest: %v", r)
		}
	}()
	m, _, err = badger.ReplayManifestFile(f, opts.ExternalMagicVersion, opts)
	return m, err
}

// checkTable opens one table with Badger's own code and verifies its
// checksums; a panic in that code means the file is damaged.
func checkTable(path string, opts table.Options) (err error) {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("named by the manifest but unreadable: %w", err)
	}
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	// The mapping is closed exactly once: unmapping twice could unmap
	// whatever was mapped there since.
	open := true
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cut short or garbled (%d bytes): reading it panicked: %s", st.Size(), oneLine(r))
		}
		if open {
			mf.Close(-1) // -1: never truncate
		}
	}()
	if _, err := table.OpenTable(mf, opts); err != nil {
		// Of its failures on a file that exists, OpenTable closes the
		// file itself only when the checksums do not match (Badger
		// v4.9.6, table.OpenTable).
		open = !strings.HasPrefix(err.Error(), "failed to verify checksum")
		return fmt.Errorf("checksums do not match: %w", err)
	}
	return nil
}

// oneLine is a recovered panic's value on one line, cut short: Badger's
// own recovery adds a multi-line dump.
func oneLine(r any) string {
	s := strings.Join(strings.Fields(fmt.Sprint(r)), " ")
	s = strings.TrimPrefix(s, "== Recovering from initIndex crash == ")
	s = strings.TrimSuffix(s, " == Recovered ==")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// EventsFolded counts the events among first..last the store has folded
// (the audit records it keeps, one per event folded), reading keys only:
// how much of what a log has lost the store still holds.
func (s *Store) EventsFolded(first, last uint64) (uint64, error) {
	v, err := s.View(0)
	if err != nil {
		return 0, err
	}
	defer v.Close()
	if v.at == 0 || first > last {
		return 0, nil
	}
	opts := badger.DefaultIteratorOptions
	opts.PrefetchValues = false
	opts.Prefix = keyEvent.Prefix()
	it := v.txn.NewIterator(opts)
	defer it.Close()
	end := keyEvent.Key(hex16(last))
	var n uint64
	for it.Seek(keyEvent.Key(hex16(first))); it.Valid(); it.Next() {
		if bytes.Compare(it.Item().Key(), end) > 0 {
			break
		}
		n++
	}
	return n, nil
}

// LockDir takes the lock Badger takes on a store's directory, for a tool
// that must keep servers off a store it cannot open (a damaged one it is
// about to replace), or fails at once if another process holds it.
func LockDir(dir string) (unlock func(), err error) { return lockDir(dir) }
