// Package web serves Dossier's in-browser GraphiQL IDE at /graphiql.
//
// GraphiQL lets a person explore the GraphQL schema (docs, autocompletion,
// validation as they type), run queries and mutations against /graphql and
// watch subscriptions stream in, with nothing to install but a browser. The
// page talks to the same server that serves it: HTTP POST to /graphql for
// queries and mutations, and a WebSocket on /graphql (protocol
// graphql-transport-ws, ws:// or wss:// after the page's own scheme) for
// subscriptions.
//
// Every file the page loads is embedded in the binary with //go:embed, so it
// works offline and loads nothing from a CDN. The third-party files were
// vendored from the npm registry, copied byte for byte from these packages
// (web/VENDOR.md has the exact files and the commands to re-vendor them):
//
//   - graphiql 3.9.0: graphiql.min.js (UMD; bundles @graphiql/react,
//     @graphiql/toolkit and graphql 16.9) and graphiql.min.css
//   - react 18.3.1: umd/react.production.min.js
//   - react-dom 18.3.1: umd/react-dom.production.min.js
//   - graphql-ws 5.16.2: umd/graphql-ws.min.js
//
// Their licenses are in assets/licenses/ and are served under
// /graphiql/assets/licenses/. index.html, dossier.css and
// dossier-graphiql.js (the start-up code) are Dossier's own.
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
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

// Paths the handler answers.
const (
	pagePath   = "/graphiql"
	assetsPath = "/graphiql/assets/"
)

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
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("web: embedded assets: " + err.Error()) // cannot happen: the directory is embedded
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic("web: embedded index.html: " + err.Error())
	}
	h := &handler{
		index:     index,
		indexETag: etag(index),
		etags:     map[string]string{},
	}
	// Only regular files other than index.html are served as assets, so a
	// directory gets no listing and index.html has a single address.
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name == "index.html" {
			return err
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
	h.files = http.StripPrefix(assetsPath, http.FileServerFS(sub))
	return h
}

type handler struct {
	index     []byte
	indexETag string
	// etags maps each servable asset, relative to assets/, to its ETag.
	etags map[string]string
	files http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	isPage := p == pagePath || p == pagePath+"/"
	if !isPage && !strings.HasPrefix(p, assetsPath) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy(r.Host))
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
	name := strings.TrimPrefix(p, assetsPath)
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
