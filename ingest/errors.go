package ingest

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Kind says what is wrong with an input. The list only grows.
type Kind string

const (
	Empty          Kind = "empty"
	TooLarge       Kind = "too large"
	Binary         Kind = "binary"
	BadEncoding    Kind = "encoding"
	BadContentType Kind = "content type"
	BadMetadata    Kind = "metadata"
	// Erased: the document was erased; its words are not taken again.
	Erased Kind = "erased"
)

// InputError says a document cannot be ingested as it is. Nothing was
// stored or appended. Callers branch on Kind: TooLarge is a size limit,
// Erased a document erased before, every other kind is invalid input.
type InputError struct {
	Source  string
	Kind    Kind
	Problem string
}

func (e *InputError) Error() string {
	if e.Source == "" {
		return "ingest: " + e.Problem
	}
	return "ingest " + e.Source + ": " + e.Problem
}

// ExtractError says the extractor failed on a document (a model that did
// not answer, a bug). The text was stored; nothing was appended, and
// ingesting the document again is safe.
type ExtractError struct {
	Extractor string
	Err       error
}

func (e *ExtractError) Error() string {
	return fmt.Sprintf("extractor %s: %v", e.Extractor, e.Err)
}

func (e *ExtractError) Unwrap() error { return e.Err }

// controlShare is the share of control characters (other than tab, line
// and page breaks) above which a body is taken for a binary file.
const controlShare = 0.05

// Check says whether a body can be a document: not empty, at most max
// bytes (0 for no limit), text rather than a binary file, and UTF-8.
// Ingest runs it first; clients may run it before sending a file.
func Check(body []byte, max int64) *InputError {
	if len(bytes.TrimSpace(body)) == 0 {
		return &InputError{Kind: Empty, Problem: "the document is empty"}
	}
	if max > 0 && int64(len(body)) > max {
		return &InputError{Kind: TooLarge, Problem: fmt.Sprintf("the document is %d bytes, over the limit of %d (%s)", len(body), max, size(max))}
	}
	if bytes.HasPrefix(body, []byte{0xff, 0xfe}) || bytes.HasPrefix(body, []byte{0xfe, 0xff}) {
		return &InputError{Kind: BadEncoding, Problem: "the document is UTF-16 text; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"}
	}
	if i := bytes.IndexByte(body, 0); i >= 0 {
		return &InputError{Kind: Binary, Problem: fmt.Sprintf("the document has a NUL byte at offset %d: a binary file, not text", i)}
	}
	control := 0
	for _, c := range body {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') || c == 0x7f {
			control++
		}
	}
	if float64(control) > controlShare*float64(len(body)) {
		return &InputError{Kind: Binary, Problem: fmt.Sprintf("%d of its %d bytes are control characters: a binary file, not text", control, len(body))}
	}
	if !utf8.Valid(body) {
		return &InputError{Kind: BadEncoding, Problem: fmt.Sprintf("the document is not valid UTF-8 (first bad byte at offset %d); convert it to UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8", firstInvalid(body))}
	}
	return nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
