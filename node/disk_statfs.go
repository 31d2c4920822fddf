//go:build linux || darwin || freebsd

package node

import (
	"fmt"
	"syscall"
)

// freeSpace is what statfs says unprivileged users may still write on
// dir's filesystem: df's "Avail".
func freeSpace(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return int64(uint64(st.Bavail) * uint64(st.Bsize)), nil
}
