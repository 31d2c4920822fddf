package ingest

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Raw HTML inside markdown: blocks whose content is never text, comments,
// and tags.
var (
	mdScript  = regexp.MustCompile(`(?is)<(script|style|template|noscript|iframe|svg|textarea)\b.*?</(script|style|template|noscript|iframe|svg|textarea)\s*>`)
	mdOpenRaw = regexp.MustCompile(`(?is)<(script|style|template|noscript|iframe|svg|textarea)\b.*$`)
	mdComment = regexp.MustCompile(`(?s)<!--.*?(-->|$)`)
	mdTag     = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>`)

	mdATX      = regexp.MustCompile(`^#{1,6}(\s+|$)`)
	mdATXClose = regexp.MustCompile(`\s+#+\s*$`)
	mdSetext   = regexp.MustCompile(`^(=+|-+)\s*$`)
	mdRule     = regexp.MustCompile(`^([-*_])(\s*[-*_]){2,}\s*$`)
	mdBullet   = regexp.MustCompile(`^([-*+]|\d{1,9}[.)])(\s+|$)`)
	mdTask     = regexp.MustCompile(`^\[[ xX]\]\s+`)
	mdRefDef   = regexp.MustCompile(`^\[[^\]]+\]:\s*\S`)
	mdTableSep = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
)

// cleanMarkdown keeps a markdown document's words and drops the markup
// that would pollute its sentences: heading marks, list bullets, block
// quote marks, emphasis and code marks, link syntax (the link text
// stays), images, code blocks, rules, raw HTML and front matter. Each
// paragraph, heading and list item becomes one line of text, and they
// are separated by blank lines. The title is the first level-one
// heading, or the front matter's title.
func cleanMarkdown(s string) (text, title string) {
	if strings.Contains(s, "<") {
		s = mdScript.ReplaceAllString(s, "")
		s = mdOpenRaw.ReplaceAllString(s, "")
		s = mdComment.ReplaceAllString(s, "")
	}
	lines := strings.Split(s, "\n")
	lines, title = frontMatter(lines)

	var paras []string
	var cur []string
	emit := func(p string) {
		if p = collapse(html.UnescapeString(p)); p != "" {
			paras = append(paras, p)
		}
	}
	flush := func() {
		if len(cur) > 0 {
			emit(strings.Join(cur, " "))
			cur = cur[:0]
		}
	}
	fence := ""
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
			}
			continue
		}
		if f := fenceOf(t); f != "" {
			flush()
			fence = f
			continue
		}
		// Block quote marks, however deep.
		for strings.HasPrefix(t, ">") {
			t = strings.TrimSpace(t[1:])
		}
		switch {
		case t == "":
			flush()
		case len(cur) > 0 && mdSetext.MatchString(t):
			// The paragraph so far was a heading.
			h := strings.Join(cur, " ")
			cur = cur[:0]
			if t[0] == '=' && title == "" {
				title = collapse(html.UnescapeString(h))
			}
			emit(h)
		case mdRule.MatchString(t), mdRefDef.MatchString(t), mdTableSep.MatchString(t):
			flush()
		case mdATX.MatchString(t):
			flush()
			level := len(t) - len(strings.TrimLeft(t, "#"))
			h := inline(mdATXClose.ReplaceAllString(strings.TrimLeft(t, "#"), ""))
			if level == 1 && title == "" {
				title = collapse(html.UnescapeString(h))
			}
			emit(h)
		case mdBullet.MatchString(t):
			flush()
			item := mdBullet.ReplaceAllString(t, "")
			cur = append(cur, inline(mdTask.ReplaceAllString(item, "")))
		case strings.HasPrefix(t, "|"):
			flush()
			emit(inline(strings.ReplaceAll(strings.Trim(t, "|"), "|", " ")))
		default:
			cur = append(cur, inline(t))
		}
	}
	flush()
	return strings.Join(paras, "\n\n"), shorten(title, 512)
}

// fenceOf returns the fence a line opens a code block with, if it does.
func fenceOf(t string) string {
	for _, c := range []string{"`", "~"} {
		if strings.HasPrefix(t, c+c+c) {
			n := len(t) - len(strings.TrimLeft(t, c))
			return strings.Repeat(c, n)
		}
	}
	return ""
}

// frontMatter drops a YAML front matter block, returning its title.
func frontMatter(lines []string) ([]string, string) {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return lines, ""
	}
	for i := 1; i < len(lines) && i < 200; i++ {
		if t := strings.TrimSpace(lines[i]); t == "---" || t == "..." {
			title := ""
			for _, l := range lines[1:i] {
				if v, ok := strings.CutPrefix(l, "title:"); ok {
					title = strings.Trim(strings.TrimSpace(v), `"'`)
				}
			}
			return lines[i+1:], title
		}
	}
	return lines, ""
}

// inline strips the inline markup of one line: backslash escapes, code
// marks, emphasis, images, link syntax and raw HTML tags. It is linear in
// the line's length, whatever the line holds.
func inline(s string) string {
	if strings.Contains(s, "<") {
		s = mdTag.ReplaceAllString(s, "")
	}
	var match []int32
	if strings.ContainsAny(s, "[(") {
		match = brackets(s)
	}
	// jump maps the ']' closing a link's text to the end of the link.
	jump := map[int]int{}
	nextGT := -1
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if end, ok := jump[i]; ok {
			i = end
			continue
		}
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i += 2
		case c == '`':
			i++
		case c == '!' && i+1 < len(s) && s[i+1] == '[' && linkEnd(s, match, i+1) > 0:
			i = linkEnd(s, match, i+1) // an image: its alt text is not the document's
		case c == '[' && linkEnd(s, match, i) > 0:
			jump[int(match[i])] = linkEnd(s, match, i)
			i++
		case c == '<':
			if nextGT < i {
				nextGT = len(s)
				if n := strings.IndexByte(s[i:], '>'); n >= 0 {
					nextGT = i + n
				}
			}
			if n := autolink(s[i:], nextGT-i); n > 0 {
				b.WriteString(s[i+1 : i+n-1])
				i += n
				continue
			}
			b.WriteByte(c)
			i++
		case c == '*' || c == '_' || c == '~':
			j := i
			for j < len(s) && s[j] == c {
				j++
			}
			if (c == '~' && j-i < 2) || !emphasis(s, i, j) {
				b.WriteString(s[i:j])
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// brackets pairs every '[' and '(' of s with the bracket closing it,
// minding nesting and backslash escapes: match[i] is the closing index,
// or -1.
func brackets(s string) []int32 {
	match := make([]int32, len(s))
	var square, round []int32
	for i := 0; i < len(s); i++ {
		match[i] = -1
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				match[i] = -1
			}
		case '[':
			square = append(square, int32(i))
		case '(':
			round = append(round, int32(i))
		case ']':
			if n := len(square); n > 0 {
				match[square[n-1]] = int32(i)
				square = square[:n-1]
			}
		case ')':
			if n := len(round); n > 0 {
				match[round[n-1]] = int32(i)
				round = round[:n-1]
			}
		}
	}
	return match
}

// linkEnd is the end of a link or image whose text starts at the '[' at
// i, [text](destination) or [text][ref], or 0 when there is none there.
func linkEnd(s string, match []int32, i int) int {
	if match == nil || match[i] < 0 {
		return 0
	}
	close := int(match[i])
	if close+1 >= len(s) {
		return 0
	}
	switch s[close+1] {
	case '(', '[':
		if end := match[close+1]; end > 0 {
			return int(end) + 1
		}
	}
	return 0
}

// autolink is the length of an autolink <scheme:…> or <address@host> at
// the start of s, whose first '>' is at gt, or 0.
func autolink(s string, gt int) int {
	if gt >= len(s) || gt < 3 {
		return 0
	}
	// The text up to '>' must hold no space and no other '<': the scan
	// stops at the next '<', which keeps the whole line linear.
	if j := strings.IndexAny(s[1:], " \t<>"); j < 0 || 1+j != gt {
		return 0
	}
	inner := s[1:gt]
	if scheme, _, ok := strings.Cut(inner, ":"); ok && len(scheme) >= 2 && isLetters(scheme) {
		return gt + 1
	}
	if strings.Contains(inner, "@") && !strings.ContainsAny(inner, "/:") {
		return gt + 1
	}
	return 0
}

// emphasis says whether the run s[i:j] of '*', '_' or "~~" is markup: it
// opens (followed by text, not preceded by a word character) or closes
// (preceded by text, not followed by a word character). Inside a word
// (snake_case) or between spaces (2 * 3) it is text.
func emphasis(s string, i, j int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[j:])
	if i == 0 {
		before = ' '
	}
	if j == len(s) {
		after = ' '
	}
	wordBefore, wordAfter := isWord(before), isWord(after)
	spaceBefore, spaceAfter := unicode.IsSpace(before), unicode.IsSpace(after)
	switch {
	case wordBefore && wordAfter:
		return false
	case spaceBefore && spaceAfter:
		return false
	}
	return true
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isLetters(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return true
}

func isASCIIPunct(c byte) bool {
	return c < 0x80 && unicode.IsPunct(rune(c)) || strings.IndexByte("$+<=>^`|~", c) >= 0
}
