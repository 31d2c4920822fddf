package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dossier-kg/dossier/stream"
)

// Replay projects events 1..until of the log (until 0: all of it) into a
// new store in the directory out, which must not exist or be empty: the
// store as it was at that sequence, to read with graph.Open or compare by
// digest. The live store is not touched.
//
// Without cfg.NATS.URL the log is read by an embedded NATS server on the
// data directory, which must then not be in use: a running server owns
// those files, and Replay says to pass its NATS client URL instead.
func Replay(ctx context.Context, cfg Config, until uint64, out string) (uint64, error) {
	if err := cfg.setDefaults(); err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	if out == "" {
		return 0, errors.New("replay: no output directory")
	}
	created, err := emptyDir(out)
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	// The embedded server would open the log's files under a running
	// server: openLogOnly proves none runs, by the store's directory
	// lock, and holds the lock while replaying so that none starts.
	n, done, err := openLogOnly(ctx, cfg, stream.UserReader)
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	defer done()
	last, err := n.log.LastSequence(ctx)
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	if until == 0 {
		until = last
	}
	if until > last {
		return 0, fmt.Errorf("replay: the log ends at sequence %d, before %d", last, until)
	}
	if err := projectInto(ctx, n, out, until); err != nil {
		// Leave nothing half made: the directory was empty or absent.
		if created {
			os.RemoveAll(out)
		} else {
			clearDir(out)
		}
		return 0, fmt.Errorf("replay: %w", err)
	}
	return until, nil
}

// emptyDir checks that dir is absent or an empty directory, and says
// whether it is absent.
func emptyDir(dir string) (absent bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("output directory: %w", err)
	case len(entries) > 0:
		return false, fmt.Errorf("output directory %s is not empty: give a new or empty one", dir)
	}
	return false, nil
}

func clearDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
