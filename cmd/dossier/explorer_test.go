package main

import (
	"cmp"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestExplorer runs clients/js/explorer-test.mjs against a server holding
// examples/assertions.jsonl: the explorer page at /, in headless
// Chromium, searches and picks TikTok, draws its neighbourhood, opens
// evidence from the drawing and the table, reads a document's timeline,
// moves the time slider, and shows assertions recorded meanwhile as they
// arrive over its SSE subscription. It takes screenshots (1280×800 and
// 800×600) into a temporary directory, or into DOSSIER_SCREENSHOTS
// (relative to the repository root): DOSSIER_SCREENSHOTS=docs/screenshots
// refreshes those the README shows. CHROMIUM names the browser (default
// /usr/bin/chromium).
func TestExplorer(t *testing.T) {
	browser := cmp.Or(os.Getenv("CHROMIUM"), "/usr/bin/chromium")
	_, err := os.Stat(browser)
	requireTool(t, err == nil, "chromium", "apt-get install -y chromium, or set CHROMIUM")
	_, err = exec.LookPath("node")
	requireTool(t, err == nil, "node", "install Node.js 18 or later")
	_, err = os.Stat(filepath.Join(repoRoot, "clients", "js", "node_modules", "playwright-core"))
	requireTool(t, err == nil, "clients/js/node_modules", "run: (cd clients/js && npm ci)")

	ts := startServer(t, t.TempDir())
	if err := load(t, ts, filepath.Join(repoRoot, "examples", "assertions.jsonl"), false); err != nil {
		t.Fatalf("load: %v", err)
	}
	shots := cmp.Or(os.Getenv("DOSSIER_SCREENSHOTS"), t.TempDir())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("clients", "js", "explorer-test.mjs"), ts.http.URL)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CHROMIUM="+browser, "SCREENSHOTS="+shots)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node clients/js/explorer-test.mjs %s: %v\n%s", ts.http.URL, err, out)
	}
	t.Logf("%s", out)
}
