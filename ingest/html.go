package ingest

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped are elements whose content is never document text: code,
// styling, metadata, embedded documents and form controls.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: true, atom.Title: true, atom.Iframe: true, atom.Svg: true, atom.Math: true,
	atom.Object: true, atom.Embed: true, atom.Canvas: true, atom.Audio: true, atom.Video: true,
	atom.Textarea: true, atom.Select: true, atom.Button: true, atom.Plaintext: true,
	atom.Noembed: true, atom.Noframes: true,
}

// blocks are elements that begin and end a paragraph.
var blocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Body: true,
	atom.Br: true, atom.Caption: true, atom.Center: true, atom.Dd: true, atom.Details: true,
	atom.Dialog: true, atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hgroup: true, atom.Hr: true, atom.Html: true, atom.Legend: true,
	atom.Li: true, atom.Listing: true, atom.Main: true, atom.Menu: true, atom.Nav: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true,
	atom.Thead: true, atom.Tr: true, atom.Ul: true, atom.Xmp: true,
}

// cleanHTML returns the text a reader sees: scripts, styles and other
// non-text elements dropped, entities decoded, white space collapsed
// within each paragraph, and block elements separated by a blank line.
// The title is the <title> element's text.
func cleanHTML(body []byte) (text, title string) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		// The parser only fails when its reader does, or on nesting past
		// its limit; what it read so far is not worth keeping.
		return "", ""
	}
	var paras []string
	var cur strings.Builder
	flush := func() {
		if p := collapse(cur.String()); p != "" {
			paras = append(paras, p)
		}
		cur.Reset()
	}
	// An explicit stack: documents may nest deeper than is wise to
	// recurse. A nil entry marks the end of a block element.
	stack := []*html.Node{doc}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil {
			flush()
			continue
		}
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			continue
		case html.ElementNode:
			if n.DataAtom == atom.Title && title == "" {
				title = shorten(collapse(nodeText(n)), 512)
			}
			if skipped[n.DataAtom] || (n.Namespace != "" && n.Namespace != "html") {
				continue
			}
			if blocks[n.DataAtom] {
				flush()
				stack = append(stack, nil)
			}
		case html.DocumentNode:
		default:
			// Comments, doctypes, and the parser's error nodes.
			continue
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	flush()
	if title == "" {
		title = findTitle(doc)
	}
	return strings.Join(paras, "\n\n"), title
}

// findTitle looks for a <title> the walk skipped (it lives in <head>).
func findTitle(doc *html.Node) string {
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Title {
			return shorten(collapse(nodeText(n)), 512)
		}
	}
	return ""
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}
