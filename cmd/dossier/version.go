package main

import (
	"fmt"
	"runtime/debug"

	"github.com/alecthomas/kong"

	"github.com/dossier-kg/dossier/graph"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it the module version or VCS revision recorded by the Go toolchain is
// shown.
var version = ""

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Println(versionString())
	return nil
}

// versionFlag is --version: the same line as `dossier version`.
type versionFlag bool

func (versionFlag) BeforeReset(app *kong.Kong) error {
	fmt.Fprintln(app.Stdout, versionString())
	app.Exit(0)
	return nil
}

func versionString() string {
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
	return fmt.Sprintf("dossier %s, store layout %d", v, graph.LayoutVersion)
}
