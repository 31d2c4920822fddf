package main

import (
	"errors"
	"runtime/debug"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// The heap's soft limit: the flag's size, else GOMEMLIMIT, else a share
// of the container's limit; never a refusal to start because a
// container's limit cannot be read.
func TestMemoryLimit(t *testing.T) {
	container := func(n uint64, err error) func() (uint64, error) {
		return func() (uint64, error) { return n, err }
	}
	before := debug.SetMemoryLimit(-1) // whatever GOMEMLIMIT the tests run under
	gib := container(1<<30, nil)
	eightyPercent := int64(858993459) // of 1 GiB
	tests := []struct {
		name, spec string
		container  func() (uint64, error)
		goMemLimit int64 // the runtime's limit, as GOMEMLIMIT would set it
		want       int64
		source     string
		exit       bool // a usage error (exit 2)
		warn       bool // an error that leaves no limit
	}{
		{name: "a size", spec: "1GiB", container: gib, want: 1 << 30, source: "--memory-limit"},
		{name: "a size beats the container", spec: "512MiB", container: gib, want: 512 << 20, source: "--memory-limit"},
		{name: "not a size", spec: "lots", container: gib, exit: true},
		{name: "too small to run in", spec: "512KiB", container: gib, exit: true},
		{name: "the smallest", spec: "64MiB", container: gib, want: 64 << 20, source: "--memory-limit"},
		{name: "a container's limit", spec: "auto", container: gib, want: eightyPercent, source: "container"},
		{name: "the default is auto", spec: "", container: gib, want: eightyPercent, source: "container"},
		{name: "GOMEMLIMIT beats the container", spec: "auto", container: gib, goMemLimit: 300 << 20, want: 300 << 20, source: "GOMEMLIMIT"},
		{name: "a container without a limit", spec: "auto", container: container(0, memlimit.ErrNoLimit), source: "none"},
		{name: "not in a cgroup", spec: "auto", container: container(0, memlimit.ErrNoCgroup), source: "none"},
		{name: "an unreadable cgroup", spec: "auto", container: container(0, errors.New("permission denied")), source: "none", warn: true},
		{name: "off", spec: "off", container: gib, source: "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", "") // as the tests' own environment may have it
			if tt.goMemLimit > 0 {
				t.Setenv("GOMEMLIMIT", "set")
				old := debug.SetMemoryLimit(tt.goMemLimit)
				t.Cleanup(func() { debug.SetMemoryLimit(old) })
			}
			limit, source, err := memoryLimit(tt.spec, tt.container)
			var exit *exitError
			if got := errors.As(err, &exit) && exit.code == exitInvalid; got != tt.exit {
				t.Fatalf("memoryLimit(%q): err %v, want a usage error: %v", tt.spec, err, tt.exit)
			}
			if tt.exit {
				return
			}
			if (err != nil) != tt.warn {
				t.Errorf("memoryLimit(%q): err %v", tt.spec, err)
			}
			if limit != tt.want || source != tt.source {
				t.Errorf("memoryLimit(%q) = %d from %q, want %d from %q", tt.spec, limit, source, tt.want, tt.source)
			}
		})
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("memoryLimit set the runtime's limit (%d): it only says what it would be", got)
	}
}
