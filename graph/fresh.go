package graph

import (
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
)

// defaultFreshDocs bounds how many documents freshDocs follows: a few
// hundred documents' keys, about 7 KB each for a news article.
const defaultFreshDocs = 512

// freshDocs knows every key under the documents the projector created
// since the store was opened (the most recent of them): the actors each
// names (dm:), its claims (cl:) and its relationships' sources (rd:).
//
// Folding an assertion asks for three such keys that are nearly always
// absent (is this claim known? does the document already name this
// actor? support this relationship?), and Badger answers "absent" only
// after searching every memtable and consulting every level: at 200,000
// assertions those reads were more than half the fold's reads from
// Badger. For a document created here the answer is known without
// asking: nothing is written under a document before its record (Tx
// refuses it), records are never deleted, and every later write goes
// through the batch, which tells freshDocs. A document that falls out is
// read from Badger again.
type freshDocs struct {
	c *lru.Cache[string, map[string][]byte]
}

func newFreshDocs(n int) *freshDocs {
	if n <= 0 {
		return &freshDocs{}
	}
	c, err := lru.New[string, map[string][]byte](n)
	if err != nil {
		panic(err) // only for n <= 0
	}
	return &freshDocs{c: c}
}

// docOf is the document a key lies under, for the kinds followed.
func docOf(key string) string {
	kind, rest, ok := strings.Cut(key, sep)
	if !ok {
		return ""
	}
	switch kind {
	case keyDocActor.prefix, keyClaim.prefix:
		doc, _, _ := strings.Cut(rest, sep)
		return doc
	case keyRelDoc.prefix:
		return rest[strings.LastIndexByte(rest, sep[0])+1:]
	}
	return ""
}

// get returns the newest value of a key under a document followed (nil:
// absent), and whether it knows.
func (f *freshDocs) get(key string) ([]byte, bool) {
	if f.c == nil {
		return nil, false
	}
	doc := docOf(key)
	if doc == "" {
		return nil, false
	}
	keys, ok := f.c.Get(doc)
	if !ok {
		return nil, false
	}
	return keys[key], true
}

// created starts following a document whose record an event just
// created: nothing lies under it yet.
func (f *freshDocs) created(doc string) {
	if f.c != nil {
		f.c.Add(doc, map[string][]byte{})
	}
}

// wrote records a key's new value (nil: deleted) if its document is
// followed.
func (f *freshDocs) wrote(key string, v []byte) {
	if f.c == nil {
		return
	}
	if doc := docOf(key); doc != "" {
		if keys, ok := f.c.Peek(doc); ok {
			keys[key] = v
		}
	}
}

// purge forgets every document, when what it knows may disagree with
// Badger (a failed commit).
func (f *freshDocs) purge() {
	if f.c != nil {
		f.c.Purge()
	}
}
