//go:build unix

package graph

import (
	"fmt"
	"os"
	"syscall"
)

// lockDir takes the lock Badger takes on its directory (flock, exclusive,
// on the directory itself), or fails at once if another holds it.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}
