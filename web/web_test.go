package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

// get runs one request through the GraphiQL handler.
func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Host = "127.0.0.1:8080"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var attrRE = regexp.MustCompile(`\b(?:src|href)="([^"]*)"`)

// referencedAssets are the src= and href= URLs of index.html.
func referencedAssets(t *testing.T, page string) []string {
	t.Helper()
	var urls []string
	for _, m := range attrRE.FindAllStringSubmatch(page, -1) {
		urls = append(urls, m[1])
	}
	if len(urls) == 0 {
		t.Fatal("index.html references no assets")
	}
	return urls
}

func TestPage(t *testing.T) {
	h := GraphiQL()
	for _, target := range []string{"/graphiql", "/graphiql/"} {
		resp := get(t, h, http.MethodGet, target, nil)
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", target, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q, want text/html", target, ct)
		}
		if !strings.Contains(page, "graphiql") {
			t.Errorf("GET %s: page does not mention graphiql", target)
		}
		if !strings.Contains(page, "<title>Dossier GraphiQL</title>") {
			t.Errorf("GET %s: page lacks its title", target)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self';", "connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;", "default-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", target, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP %q allows eval", target, csp)
		}
	}
}

// TestPageIsOffline checks the page loads everything from this handler:
// the CSP forbids other origins, and inline scripts too.
func TestPageIsOffline(t *testing.T) {
	page := body(t, get(t, GraphiQL(), http.MethodGet, "/graphiql", nil))
	for _, u := range referencedAssets(t, page) {
		if !strings.HasPrefix(u, assetsPath) {
			t.Errorf("index.html loads %q, outside %s", u, assetsPath)
		}
	}
	if n, m := strings.Count(page, "<script"), strings.Count(page, "<script src="); n != m {
		t.Errorf("index.html has %d inline scripts; the CSP would block them", n-m)
	}
	if strings.Contains(page, "style=") {
		t.Error("index.html has a style attribute; keep styles in dossier.css")
	}
}

func TestAssets(t *testing.T) {
	h := GraphiQL()
	page := body(t, get(t, h, http.MethodGet, "/graphiql", nil))
	for _, u := range referencedAssets(t, page) {
		resp := get(t, h, http.MethodGet, u, nil)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", u, resp.StatusCode)
			continue
		}
		if len(b) == 0 {
			t.Errorf("GET %s: empty body", u)
		}
		want := contentTypes[path.Ext(u)]
		if want == "" {
			t.Errorf("%s: no content type for its extension", u)
		}
		if ct := resp.Header.Get("Content-Type"); ct != want {
			t.Errorf("GET %s: Content-Type %q, want %q", u, ct, want)
		}
		if resp.Header.Get("ETag") == "" {
			t.Errorf("GET %s: no ETag", u)
		}
	}
}

func TestLicensesServed(t *testing.T) {
	h := GraphiQL()
	names, err := fs.Glob(assets, "assets/licenses/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 4 {
		t.Fatalf("licenses: %v, want one for each of graphiql, react, react-dom, graphql-ws", names)
	}
	for _, n := range names {
		u := assetsPath + strings.TrimPrefix(n, "assets/")
		resp := get(t, h, http.MethodGet, u, nil)
		if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "License") {
			t.Errorf("GET %s: status %d, %d bytes", u, resp.StatusCode, len(b))
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("GET %s: Content-Type %q", u, ct)
		}
	}
}

func TestNotFound(t *testing.T) {
	h := GraphiQL()
	for _, target := range []string{
		"/graphiql/assets/no-such-file.js",
		"/graphiql/assets/",
		"/graphiql/assets/licenses/",
		"/graphiql/assets/licenses",
		"/graphiql/assets/index.html",
		"/graphiql/assets/../web.go",
		"/graphiql/other",
		"/graphiqlx",
		"/graphql",
		"/",
	} {
		resp := get(t, h, http.MethodGet, target, nil)
		body(t, resp)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
		}
	}
}

func TestMethods(t *testing.T) {
	h := GraphiQL()
	resp := get(t, h, http.MethodPost, "/graphiql", nil)
	body(t, resp)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /graphiql: status %d, want 405", resp.StatusCode)
	}
	resp = get(t, h, http.MethodHead, "/graphiql/assets/graphiql.min.js", nil)
	if b := body(t, resp); resp.StatusCode != http.StatusOK || b != "" {
		t.Errorf("HEAD: status %d, %d bytes of body", resp.StatusCode, len(b))
	}
}

func TestRevalidation(t *testing.T) {
	h := GraphiQL()
	for _, target := range []string{"/graphiql", "/graphiql/assets/graphiql.min.css"} {
		resp := get(t, h, http.MethodGet, target, nil)
		body(t, resp)
		tag := resp.Header.Get("ETag")
		if tag == "" {
			t.Fatalf("GET %s: no ETag", target)
		}
		resp = get(t, h, http.MethodGet, target, map[string]string{"If-None-Match": tag})
		body(t, resp)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: status %d, want 304", target, resp.StatusCode)
		}
	}
}

func TestContentSecurityPolicyHost(t *testing.T) {
	for host, want := range map[string]string{
		"127.0.0.1:8080":        "connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;",
		"dossier.example":       "connect-src 'self' ws://dossier.example wss://dossier.example;",
		"[::1]:8080":            "connect-src 'self' ws: wss:;",
		"":                      "connect-src 'self' ws: wss:;",
		"evil;script-src-elem":  "connect-src 'self' ws: wss:;",
		"host:80:80":            "connect-src 'self' ws: wss:;",
		"host:":                 "connect-src 'self' ws: wss:;",
		"a b":                   "connect-src 'self' ws: wss:;",
		"host:8080/path":        "connect-src 'self' ws: wss:;",
		"xn--bcher-kva.example": "connect-src 'self' ws://xn--bcher-kva.example wss://xn--bcher-kva.example;",
	} {
		if got := contentSecurityPolicy(host); !strings.Contains(got, want) {
			t.Errorf("host %q: CSP %q lacks %q", host, got, want)
		}
	}
}

// TestAssetSize keeps the embedded assets, which every binary carries, from
// growing unnoticed (source maps, development builds).
func TestAssetSize(t *testing.T) {
	var total int64
	err := fs.WalkDir(assets, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const max = 4 << 20
	if total > max {
		t.Errorf("embedded assets total %d bytes, over %d", total, max)
	}
}

// loadedRE finds what a page loads: the src of scripts and the href of
// links (stylesheets, icons); anchors are not loaded.
var loadedRE = regexp.MustCompile(`<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"`)

func TestExplorerPage(t *testing.T) {
	h := Explorer()
	resp := get(t, h, http.MethodGet, "/", nil)
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != contentTypes[".html"] {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	if !strings.Contains(page, "<title>Dossier Explorer</title>") {
		t.Error("GET /: the page lacks its title")
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';", "connect-src 'self';", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows something unsafe", csp)
	}
	if n, m := strings.Count(page, "<script"), strings.Count(page, "<script src="); n != m {
		t.Errorf("index.html has %d inline scripts; the CSP would block them", n-m)
	}
	if strings.Contains(page, "style=") || strings.Contains(page, "<style") {
		t.Error("index.html has inline styles; keep them in explorer.css")
	}
	// The page and what it loads come from this handler, whose assets are
	// the build's output: the bundle (with Cytoscape.js), its CSS, its
	// license.
	loaded := map[string]bool{}
	for _, m := range loadedRE.FindAllStringSubmatch(page, -1) {
		loaded[m[1]] = true
	}
	for _, u := range []string{"/explorer/explorer.js", "/explorer/explorer.css"} {
		if !loaded[u] {
			t.Errorf("index.html does not load %s (loads %v)", u, loaded)
		}
	}
	for u := range loaded {
		if !strings.HasPrefix(u, explorerAssetsPath) && u != "data:," {
			t.Errorf("index.html loads %q, outside %s", u, explorerAssetsPath)
		}
	}
	for _, c := range []struct{ path, want string }{
		{"/explorer/explorer.js", "cytoscape"},
		{"/explorer/explorer.css", "cytoscape_container"},
		{"/explorer/licenses/cytoscape.LICENSE.txt", "Cytoscape Consortium"},
	} {
		resp := get(t, h, http.MethodGet, c.path, nil)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", c.path, resp.StatusCode)
			continue
		}
		if ct, want := resp.Header.Get("Content-Type"), contentTypes[path.Ext(c.path)]; ct != want {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, ct, want)
		}
		if resp.Header.Get("ETag") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", c.path, resp.Header)
		}
		if !strings.Contains(b, c.want) {
			t.Errorf("GET %s: %d bytes without %q", c.path, len(b), c.want)
		}
	}
}

// TestExplorerSeparate checks each handler serves only its own files.
func TestExplorerSeparate(t *testing.T) {
	for _, c := range []struct {
		h       http.Handler
		targets []string
	}{
		{Explorer(), []string{"/explorer/index.html", "/explorer/", "/explorer/licenses/", "/explorer/graphiql.min.js", "/explorer/../web.go", "/graphiql", "/graphql", "/favicon.ico", "/index.html"}},
		{GraphiQL(), []string{"/graphiql/assets/explorer/explorer.js", "/graphiql/assets/explorer/index.html", "/explorer/explorer.js"}},
	} {
		for _, target := range c.targets {
			resp := get(t, c.h, http.MethodGet, target, nil)
			body(t, resp)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
			}
		}
	}
	resp := get(t, Explorer(), http.MethodPost, "/", nil)
	body(t, resp)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d, want 405", resp.StatusCode)
	}
}
