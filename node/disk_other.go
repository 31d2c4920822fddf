//go:build !(linux || darwin || freebsd)

package node

import (
	"errors"
	"runtime"
)

// freeSpace cannot be measured here; the node serves unguarded, and says
// so once.
func freeSpace(string) (int64, error) {
	return 0, errors.New("free disk space is not measured on " + runtime.GOOS)
}
