// Package web serves Dossier's two browser pages: the explorer at / and
// the GraphiQL IDE at /graphiql.
//
// The explorer (Explorer) is for people reading the graph: a type-ahead
// actor search; the actor's neighbourhood drawn with Cytoscape.js (actors
// coloured by type, relationships by predicate, wider with support, dashed
// when denied or only possible) and listed in a table, its text
// alternative; a relationship's assertions with their evidence sentences,
// documents, who said them, polarity and modality; a document's timeline;
// the contested relationships with both sides side by side; a slider that
// reads the graph as of an earlier sequence of the log; and new assertions
// as they arrive. It talks to /graphql only: queries over HTTP POST, the
// live feed over Server-Sent Events (graphql-sse), with a bearer token
// kept in the tab's session storage when the server wants one. Its source
// is in explorer/ (plain JavaScript modules, CSS, HTML); `npm ci && npm
// run build` there bundles it with Cytoscape.js into assets/explorer/,
// which is committed, so building Dossier needs no npm.
//
// GraphiQL lets a person explore the GraphQL schema (docs, autocompletion,
// validation as they type), run queries and mutations against /graphql and
// watch subscriptions stream in. The page talks to the same server that
// serves it: HTTP POST to /graphql for queries and mutations, and a
// WebSocket on /graphql (protocol graphql-transport-ws, ws:// or wss://
// after the page's own scheme) for subscriptions.
//
// Every file either page loads is embedded in the binary with //go:embed,
// so both work offline and load nothing from a CDN. The third-party files
// come from the npm registry (web/VENDOR.md has the exact files, versions
// and the commands to rebuild or re-vendor them):
//
//   - graphiql 3.9.0: graphiql.min.js (UMD; bundles @graphiql/react,
//     @graphiql/toolkit and graphql 16.9) and graphiql.min.css
//   - react 18.3.1: umd/react.production.min.js
//   - react-dom 18.3.1: umd/react-dom.production.min.js
//   - graphql-ws 5.16.2: umd/graphql-ws.min.js
//   - cytoscape 3.35.0: bundled into assets/explorer/explorer.js by
//     esbuild 0.28.2
//
// Their licenses are in assets/licenses/ (served under
// /graphiql/assets/licenses/) and assets/explorer/licenses/ (served under
// /explorer/licenses/). GraphiQL's index.html, dossier.css and
// dossier-graphiql.js (its start-up code) are Dossier's own.
//
// The package uses only the standard library.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

// Paths the handlers answer.
const (
	pagePath   = "/graphiql"
	assetsPath = "/graphiql/assets/"

	explorerPath       = "/"
	explorerAssetsPath = "/explorer/"
)

// explorerDir is the explorer's directory of assets/: the output of
// explorer/'s build, served by Explorer and not by GraphiQL.
const explorerDir = "explorer"

// contentTypes are set explicitly rather than left to the mime package,
// whose answer for .js depends on the host's /etc/mime.types.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
}

// GraphiQL returns the handler of the GraphiQL page. It answers GET and HEAD
// on "/graphiql" and "/graphiql/" with the page, on "/graphiql/assets/NAME"
// with the embedded assets, and 404 on anything else, directories included;
// mount it on both "/graphiql" and "/graphiql/" of a ServeMux.
func GraphiQL() http.Handler {
	return newSite("assets", []string{pagePath, pagePath + "/"}, assetsPath, explorerDir, contentSecurityPolicy)
}

// Explorer returns the handler of the explorer page. It answers GET and
// HEAD on "/" with the page, on "/explorer/NAME" with its embedded assets
// (explorer.js, explorer.css, licenses/), and 404 on anything else; mount
// it on "GET /{$}" and "GET /explorer/" of a ServeMux.
func Explorer() http.Handler {
	return newSite(path.Join("assets", explorerDir), []string{explorerPath}, explorerAssetsPath, "", explorerSecurityPolicy)
}

// newSite serves dir of the embedded files: its index.html at pages, every
// other regular file under prefix, except those under the subdirectory
// skip (if not empty). csp gives the Content-Security-Policy for a request's
// Host.
func newSite(dir string, pages []string, prefix, skip string, csp func(host string) string) *site {
	sub, err := fs.Sub(assets, dir)
	if err != nil {
		panic("web: embedded assets: " + err.Error()) // cannot happen: the directory is embedded
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic("web: embedded " + dir + "/index.html: " + err.Error())
	}
	h := &site{
		pages:     pages,
		prefix:    prefix,
		csp:       csp,
		index:     index,
		indexETag: etag(index),
		etags:     map[string]string{},
	}
	// Only regular files other than index.html are served as assets, so a
	// directory gets no listing and index.html has a single address.
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || name == "index.html" {
			return err
		}
		if d.IsDir() {
			if skip != "" && name == skip {
				return fs.SkipDir
			}
			return nil
		}
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		h.etags[name] = etag(b)
		return nil
	})
	if err != nil {
		panic("web: embedded assets: " + err.Error())
	}
	h.files = http.StripPrefix(prefix, http.FileServerFS(sub))
	return h
}

// site is one page and its assets.
type site struct {
	pages     []string
	prefix    string
	csp       func(host string) string
	index     []byte
	indexETag string
	// etags maps each servable asset, relative to the site's directory,
	// to its ETag.
	etags map[string]string
	files http.Handler
}

func (h *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	isPage := slices.Contains(h.pages, p)
	if !isPage && !strings.HasPrefix(p, h.prefix) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", h.csp(r.Host))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	// The file names carry no version, so browsers revalidate every time;
	// with the ETag that costs a 304.
	hdr.Set("Cache-Control", "no-cache")

	if isPage {
		hdr.Set("Content-Type", contentTypes[".html"])
		hdr.Set("ETag", h.indexETag)
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index))
		return
	}
	name := strings.TrimPrefix(p, h.prefix)
	tag, ok := h.etags[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		hdr.Set("Content-Type", ct)
	}
	hdr.Set("ETag", tag)
	h.files.ServeHTTP(w, r)
}

// explorerSecurityPolicy is the explorer page's policy. Everything,
// subscriptions included (SSE read with fetch), comes from this server;
// no script or style is inline and nothing is eval'd. Cytoscape.js would
// insert a <style> element of one rule, which style-src 'self' refuses:
// index.html carries the element id it looks for, so it does not try, and
// explorer.css has the rule.
func explorerSecurityPolicy(string) string {
	return "default-src 'none'; " +
		"script-src 'self'; " +
		"style-src 'self'; " +
		"img-src 'self' data:; " +
		"connect-src 'self'; " +
		"base-uri 'none'; " +
		"form-action 'none'; " +
		"frame-ancestors 'none'"
}

// contentSecurityPolicy is the page's policy for a request to host (the
// request's Host, as the browser wrote it).
//
// Scripts load only from this server and none is inline (the start-up code
// is dossier-graphiql.js); GraphiQL 3 needs no 'unsafe-eval'. Styles need
// 'unsafe-inline': opening a dialog (settings, short keys) makes
// react-remove-scroll, bundled in graphiql.min.js, insert a <style> element,
// which Chromium refuses otherwise (checked with Chromium 156, where this
// was the only violation). The fonts of graphiql.min.css are data: URIs. connect-src allows this server over
// HTTP and, for subscriptions, over ws:/wss:, which 'self' did not cover in
// older browsers; the WebSocket sources are limited to host when host can be
// written as a CSP host-source, and otherwise (an IPv6 literal, say) left as
// any ws:/wss: URL.
func contentSecurityPolicy(host string) string {
	connect := "'self' ws: wss:"
	if validCSPHost(host) {
		connect = "'self' ws://" + host + " wss://" + host
	}
	return "default-src 'none'; " +
		"script-src 'self'; " +
		"style-src 'self' 'unsafe-inline'; " +
		"font-src 'self' data:; " +
		"img-src 'self' data:; " +
		"connect-src " + connect + "; " +
		"base-uri 'none'; " +
		"form-action 'none'; " +
		"frame-ancestors 'none'"
}

// validCSPHost reports whether host is a DNS name or IPv4 address with an
// optional port: letters, digits, '-', '.' and at most one ':' followed by
// digits. Anything else (empty, an IPv6 literal, characters that could end
// the directive) is refused.
func validCSPHost(host string) bool {
	name, port, hasPort := strings.Cut(host, ":")
	if name == "" || len(host) > 255 || (hasPort && port == "") {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// etag is a strong ETag of b.
func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
