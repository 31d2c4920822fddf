package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// memoryFlags is --memory-limit, for every command that projects the log.
type memoryFlags struct {
	MemoryLimit string `help:"A soft limit on the Go heap, as GOMEMLIMIT (1GiB, 512MiB): the collector works harder near it instead of letting the heap grow, and the projection runs slower under a tight one. auto: GOMEMLIMIT when set, else 80 % of the memory limit of the container (cgroup) it runs in, else none. off: none, whatever GOMEMLIMIT says." default:"auto" env:"DOSSIER_MEMORY_LIMIT" placeholder:"SIZE"`
}

// containerShare is the part of a container's memory limit the Go heap's
// soft limit takes when none is given. The rest is for what the
// collector does not hold under it: Badger's tables, mapped (the page
// cache counts against the container), goroutine stacks, and the spikes
// of a compaction building its tables in memory while the collector is
// behind: in a 1 GiB cgroup, a limit of 900 MiB (88 %) let one run of
// two be killed (BENCHMARKS.md, "What stands in the way").
const containerShare = 0.8

// minMemoryLimit is the smallest limit --memory-limit takes: Badger's
// memtables alone hold 64 MiB, and under a limit the heap cannot keep
// the collector runs without pause, so a smaller one (a unit left out:
// 512K for 512MiB) is a mistake to say, not a setting to obey.
const minMemoryLimit = 64 << 20

// memoryLimit is the soft limit a --memory-limit asks for, and where it
// comes from; 0 is none. It does not set it.
func memoryLimit(spec string, fromContainer func() (uint64, error)) (limit int64, source string, err error) {
	switch spec {
	case "off":
		return 0, "off", nil
	case "auto", "":
		if os.Getenv("GOMEMLIMIT") != "" {
			return debug.SetMemoryLimit(-1), "GOMEMLIMIT", nil
		}
		n, err := fromContainer()
		switch {
		case errors.Is(err, memlimit.ErrNoLimit), errors.Is(err, memlimit.ErrNoCgroup):
			return 0, "none", nil
		case err != nil:
			return 0, "none", fmt.Errorf("read the container's memory limit: %w", err)
		}
		return int64(float64(n) * containerShare), "container", nil
	}
	n, err := parseSize(spec)
	if err != nil {
		return 0, "", &exitError{exitInvalid, fmt.Errorf("--memory-limit: %w", err)}
	}
	if n < minMemoryLimit {
		return 0, "", &exitError{exitInvalid, fmt.Errorf("--memory-limit %s: below 64MiB the collector would run without pause (auto or off if you meant no limit)", spec)}
	}
	return n, "--memory-limit", nil
}

// apply sets the heap's soft limit and logs it. A container whose limit
// cannot be read is not a reason to refuse to start: the limit is then
// none, and the log says why.
func (f memoryFlags) apply() error {
	limit, source, err := memoryLimit(f.MemoryLimit, memlimit.FromCgroup)
	var exit *exitError
	if errors.As(err, &exit) {
		return err
	}
	if err != nil {
		slog.Warn("no memory limit", "err", err)
	}
	if limit <= 0 || limit == math.MaxInt64 {
		debug.SetMemoryLimit(math.MaxInt64)
		return nil
	}
	debug.SetMemoryLimit(limit)
	slog.Info("memory limit", "bytes", limit, "from", source)
	return nil
}
