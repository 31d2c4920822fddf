package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The command line's conventions, on the built binary: a usage error
// exits 2 (invalid input, as documented) with the usage; --version
// prints the version; a shell asking for completions (COMP_LINE) gets
// commands and flag values.
func TestCLIConventions(t *testing.T) {
	bin := buildDossier(t)
	run := func(env []string, args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	for _, args := range [][]string{{"--no-such-flag"}, {"no-such-command"}, {"serve", "--listen"}, {"export", "--format", "pdf"}} {
		if out, code := run(nil, args...); code != exitInvalid || !strings.Contains(out, "Usage:") {
			t.Errorf("dossier %s: exit %d, want %d with the usage:\n%.300s", strings.Join(args, " "), code, exitInvalid, out)
		}
	}
	if out, code := run(nil, "--version"); code != 0 || !strings.HasPrefix(out, "dossier ") || !strings.Contains(out, "store layout") {
		t.Errorf("--version: exit %d %q", code, out)
	}
	if out, _ := run([]string{"COMP_LINE=dossier exp"}); strings.TrimSpace(out) != "export" {
		t.Errorf("completing 'dossier exp': %q", out)
	}
	if out, _ := run([]string{"COMP_LINE=dossier export --format "}); !strings.Contains(out, "graphml") || !strings.Contains(out, "jsonl") {
		t.Errorf("completing --format's values: %q", out)
	}
	if out, code := run([]string{"SHELL=/bin/bash"}, "completion"); code != 0 || !strings.Contains(out, "complete -C") {
		t.Errorf("dossier completion: exit %d %q", code, out)
	}
	// Every command the package comment (and so the docs) names is one
	// the binary has: backup and restore were documented, tested through
	// their functions, and missing from the command line.
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^//\tdossier ([a-z]+)`).FindAllStringSubmatch(string(src), -1) {
		if out, code := run(nil, m[1], "--help"); code != 0 || !strings.Contains(out, "Usage: dossier "+m[1]) {
			t.Errorf("dossier %s --help: exit %d\n%.300s", m[1], code, out)
		}
	}
}
