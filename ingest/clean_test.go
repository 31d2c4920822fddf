package ingest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanHTML(t *testing.T) {
	for _, c := range []struct{ in, text, title string }{
		{"<p>a</p><p>b</p>", "a\n\nb", ""},
		{"a<br>b", "a\n\nb", ""},
		{"<p>a <b>b</b>c</p>", "a bc", ""},
		{"<title> T \n itle </title><p>x</p>", "x", "T itle"},
		{"<p>&lt;script&gt;alert(1)&lt;/script&gt; is an XSS</p>", "script>alert(1)</script> is an XSS", ""},
		{"<textarea><script>x</script></textarea>y", "y", ""},
		{"<p>x<!-- a comment --></p>", "x", ""},
		{"<table><tr><td>a</td><td>b</td></tr></table>", "a\n\nb", ""},
		{"<p>Caf&eacute; &#8212; &#x41;</p>", "Café — A", ""},
		{"<body><title>in body</title>text</body>", "text", "in body"},
		{"<script>unclosed", "", ""},
	} {
		text, title := clean(HTML, []byte(c.in))
		if text != c.text || title != c.title {
			t.Errorf("clean(%q) = %q, %q; want %q, %q", c.in, text, title, c.text, c.title)
		}
	}
}

func TestCleanMarkdown(t *testing.T) {
	for _, c := range []struct{ in, text, title string }{
		{"Title\n=====\n\nbody", "Title\n\nbody", "Title"},
		{"Sub\n---\nbody", "Sub\n\nbody", ""},
		{"## Two ##\ntext", "Two\n\ntext", ""},
		{"a\nb\n\nc", "a b\n\nc", ""},
		{"\\*not emphasis\\* and \\[x\\]", "*not emphasis* and [x]", ""},
		{"[a [nested] link](u) and [ref][1]\n\n[1]: https://x", "a [nested] link and ref", ""},
		{"see <https://x.example> or <me@x.example>", "see https://x.example or me@x.example", ""},
		{"x <span class=\"a\">y</span> <script>\nbad()\n</script> z", "x y z", ""},
		{"~~struck~~ ~5 km", "struck ~5 km", ""},
		{"| a | b |\n|---|:-:|\n| c | d |", "a b\n\nc d", ""},
		{"- [x] done\n- [ ] todo", "done\n\ntodo", ""},
		{"***\n___", "", ""},
		{"&lt;script&gt;", "script>", ""},
		{"~~~go\ncode\n~~~\nafter", "after", ""},
	} {
		text, title := clean(Markdown, []byte(c.in))
		if text != c.text || title != c.title {
			t.Errorf("clean(%q) = %q, %q; want %q, %q", c.in, text, title, c.text, c.title)
		}
	}
}

func TestDefang(t *testing.T) {
	for in, want := range map[string]string{
		"a <script> b":         "a script> b",
		"<<SCRIPT<ScRiPt":      "SCRIPTScRiPt",
		"<<a <scrip <":         "<<a <scrip <",
		"no tags":              "no tags",
		"<<<<<<<<<<<<script>x": "script>x",
	} {
		if got := defang(in); got != want {
			t.Errorf("defang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuessType(t *testing.T) {
	for _, c := range []struct{ source, body, want string }{
		{"a.HTML", "x", HTML},
		{"a.md", "x", Markdown},
		{"a.txt", "<html>", PlainText},
		{"", "  <!DOCTYPE html><p>x", HTML},
		{"noext", "plain", PlainText},
	} {
		if got, err := contentType("", c.source, []byte(c.body)); err != nil || got != c.want {
			t.Errorf("contentType(%q, %q) = %q, %v; want %q", c.source, c.body, got, err, c.want)
		}
	}
}

// The cleaner never panics, always returns UTF-8, and nothing taken from
// markup spells a script tag.
func FuzzIngestClean(f *testing.F) {
	for _, s := range []string{
		page, "<p>a</p>", "<script>x</script>", "<<script>", "&lt;script&gt;", "<textarea><script>",
		"<svg><script>x</script></svg>", "<plaintext><script>", "<math><mi><script>", "<!--<script>-->",
		"# T\n\n- [a](b) ![c](d)\n", "```\n<script>\n```", "<scr<script>ipt>", "\\<script>", "`<script>`",
		"a\r\nb\rc", "\ufeffbom", "<title><script>t</script></title>", "&#0;&#xD800;&#x110000;",
		strings.Repeat("<div>", 600) + "deep",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if Check(body, DefaultMaxBytes) != nil {
			return
		}
		for _, ct := range []string{HTML, Markdown, PlainText} {
			text, title := clean(ct, body)
			if !utf8.ValidString(text) || !utf8.ValidString(title) {
				t.Fatalf("%s: output is not UTF-8: %q %q", ct, text, title)
			}
			if ct != PlainText && (hasScriptTag(text) || hasScriptTag(title)) {
				t.Fatalf("%s: a script tag survives in %q (title %q)", ct, text, title)
			}
			if strings.Contains(text, "\r") {
				t.Fatalf("%s: a carriage return survives in %q", ct, text)
			}
		}
	})
}

const page = `<html><head><title>T</title><script>var s = "<script>";</script></head><body><p>Acme owns Widget.</p></body></html>`
