package main

import (
	"fmt"
	"runtime/debug"

	"github.com/dossier-kg/dossier/graph"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it the module version or VCS revision recorded by the Go toolchain is
// shown.
var version = ""

type versionCmd struct{}

func (versionCmd) Run() error {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && v == "" {
		v = info.Main.Version
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	fmt.Printf("dossier %s, store layout %d\n", v, graph.LayoutVersion)
	return nil
}
