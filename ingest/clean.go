package ingest

import (
	"bytes"
	"fmt"
	"mime"
	"path"
	"strings"
	"unicode/utf8"
)

// Content types the ingester reads.
const (
	PlainText = "text/plain"
	HTML      = "text/html"
	Markdown  = "text/markdown"
)

// contentType resolves the declared content type, or guesses it from the
// source's extension, or, failing that, from the first bytes.
func contentType(declared, source string, body []byte) (string, *InputError) {
	if strings.TrimSpace(declared) == "" {
		return guessType(source, body), nil
	}
	mt, params, err := mime.ParseMediaType(declared)
	if err != nil {
		return "", &InputError{Kind: BadContentType, Problem: fmt.Sprintf("content type %q is not a media type", declared)}
	}
	if cs, ok := params["charset"]; ok {
		switch strings.ToLower(cs) {
		case "utf-8", "utf8", "us-ascii":
		default:
			return "", &InputError{Kind: BadEncoding, Problem: fmt.Sprintf("charset %s is not supported; convert the document to UTF-8", cs)}
		}
	}
	switch mt {
	case PlainText:
		return PlainText, nil
	case HTML, "application/xhtml+xml":
		return HTML, nil
	case Markdown, "text/x-markdown":
		return Markdown, nil
	}
	return "", &InputError{Kind: BadContentType, Problem: fmt.Sprintf("content type %q is not one of text/plain, text/html, text/markdown", mt)}
}

// GuessContentType is the content type Ingest reads a body of that name
// as when none is declared: by the name's extension, then by the first
// bytes.
func GuessContentType(name string, body []byte) string { return guessType(name, body) }

func guessType(source string, body []byte) string {
	switch strings.ToLower(path.Ext(source)) {
	case ".html", ".htm", ".xhtml":
		return HTML
	case ".md", ".markdown", ".mdown", ".mkd":
		return Markdown
	case ".txt", ".text":
		return PlainText
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	if bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) {
		return HTML
	}
	return PlainText
}

// clean turns a document's body into its text, and the title the markup
// gives, if any. body is valid UTF-8 (check has run).
func clean(ct string, body []byte) (text, title string) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	switch ct {
	case HTML:
		text, title = cleanHTML(body)
	case Markdown:
		text, title = cleanMarkdown(newlines(string(body)))
	default:
		return newlines(string(body)), ""
	}
	return strings.ToValidUTF8(defang(text), "\ufffd"), strings.ToValidUTF8(defang(title), "\ufffd")
}

// newlines normalises CRLF and lone CR line ends to LF.
func newlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// defang drops the '<' of anything in text taken from markup that still
// spells an opening script tag (escaped markup, a broken document), so
// that no consumer that renders a document's text as HTML ever meets one.
// A run of '<' before "script" goes whole, so that none of it can close
// up into a tag. Plain text is the author's and is kept as written.
func defang(s string) string {
	if !hasScriptTag(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '<' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '<' {
			j++
		}
		if !isScript(s[j:]) {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// hasScriptTag says whether s contains "<script", in any ASCII case.
func hasScriptTag(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		if isScript(s[i+1:]) {
			return true
		}
		n := strings.IndexByte(s[i+1:], '<')
		if n < 0 {
			return false
		}
		i += 1 + n
	}
	return false
}

func isScript(s string) bool {
	const word = "script"
	if len(s) < len(word) {
		return false
	}
	for i := 0; i < len(word); i++ {
		if c := s[i] | 0x20; c != word[i] {
			return false
		}
	}
	return true
}

// collapse turns every run of white space into one space and trims the
// ends, as a browser lays out a paragraph.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// shorten cuts a title taken from markup to n runes.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}
