// Package ingest turns a document as users have it (plain text, HTML,
// markdown) into events: the document, the actors it names and the
// assertions it makes, appended to the log in one call.
//
// Ingest checks the body (not empty, within the size limit, text and
// UTF-8), cleans it to plain text (HTML without scripts, styles and
// markup; markdown without its marks), derives the document id from the
// cleaned text, keeps the text in a TextStore under that id, runs the
// extractor, checks every assertion's evidence against the text, and
// appends DocumentAdded, MentionsRecorded and the AssertionRecorded events
// together. Nothing is appended for an input it refuses.
//
// The text is stored before anything is appended, and by its content
// hash: a retry finds it there, and a crash between the two leaves an
// orphan text that the next ingest of the same document adopts. The text
// is sealed with the document's key in the store, as its title and
// sentences are in the log, so erasing the document destroys one key; a
// document erased before is refused (Erased).
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
	"github.com/dossier-kg/dossier/record"
	"github.com/dossier-kg/dossier/seal"
	"github.com/dossier-kg/dossier/stream"
)

// DefaultMaxBytes is the default limit on a document's size.
const DefaultMaxBytes = 10 << 20

// slowestRead is the rate, in bytes a second, below which reading a
// document counts as stuck: a fifth of what the extractor does on one
// busy core.
const slowestRead = 256 << 10

// Allowance is the time a document of size bytes may take to read, on
// top of a request's own time limit: the server's mutation deadline and
// the CLI's request timeout both grow by it, so that a large document a
// server was configured to accept is not cut off by a limit meant for
// ordinary requests.
func Allowance(size int) time.Duration {
	return time.Duration(size) * time.Second / slowestRead
}

// TextStore keeps documents' texts by document id.
type TextStore interface {
	// PutText stores a document's text under its content id. Storing the
	// same text again is harmless. It fails with an error matching
	// seal.ErrErased for a document that was erased.
	PutText(ctx context.Context, id, text string) error
	// Text returns a document's text, or an error matching
	// ErrTextNotFound, or seal.ErrErased once it was erased.
	Text(ctx context.Context, id string) (string, error)
}

// ErrTextNotFound is returned by a TextStore for a document whose text it
// does not hold.
var ErrTextNotFound = errors.New("document text not found")

// Config configures an Ingester.
type Config struct {
	// Log tells whether the log holds a document already. Required.
	Log *stream.Log
	// Writer builds and appends the events, the one way every entry
	// point does. Required.
	Writer *record.Writer
	// Texts is where document texts are kept. Required.
	Texts TextStore
	// Extractor reads documents. Required.
	Extractor extract.Extractor
	// Known tells the extractor about actors the graph already holds.
	// Optional.
	Known extract.Known
	// Ontology validates assertions and mention types. Default
	// events.DefaultOntology().
	Ontology *events.Ontology
	// MaxBytes bounds a document's body. Default DefaultMaxBytes.
	MaxBytes int64
	// Logger receives what the extractor got wrong. Default
	// slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Ontology == nil {
		c.Ontology = events.DefaultOntology()
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.Known == nil {
		c.Known = noneKnown{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Validate reports every missing or wrong setting.
func (c *Config) Validate() error {
	var errs []error
	if c.Log == nil {
		errs = append(errs, errors.New("Config.Log is required"))
	}
	if c.Writer == nil {
		errs = append(errs, errors.New("Config.Writer is required"))
	}
	if c.Texts == nil {
		errs = append(errs, errors.New("Config.Texts is required"))
	}
	if c.Extractor == nil {
		errs = append(errs, errors.New("Config.Extractor is required"))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("Config.MaxBytes %d is negative", c.MaxBytes))
	}
	return errors.Join(errs...)
}

type noneKnown struct{}

func (noneKnown) Lookup(string) (string, string, bool) { return "", "", false }

// Ingester ingests documents. It is safe for concurrent use.
type Ingester struct {
	cfg Config
}

// New checks the configuration.
func New(cfg Config) (*Ingester, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new ingester: %w", err)
	}
	return &Ingester{cfg: cfg}, nil
}

// MaxBytes is the limit on a document's body.
func (i *Ingester) MaxBytes() int64 { return i.cfg.MaxBytes }

// Extractor is the extractor documents are read with.
func (i *Ingester) Extractor() extract.Extractor { return i.cfg.Extractor }

// Input is one document as a user has it.
type Input struct {
	// Source is the short name the document is known by, such as a
	// file's base name. Optional.
	Source string
	// Title, URL and Published are optional metadata. A title the markup
	// gives (<title>, a first heading) is used when Title is empty.
	Title     string
	URL       string
	Published *time.Time
	// ContentType is text/plain, text/html or text/markdown (parameters
	// allowed, charset UTF-8 only). Empty: guessed from Source's
	// extension, then from the body.
	ContentType string
	Body        []byte
	// Principal is who is ingesting, recorded in every event.
	Principal string
	// Extractor, when set, reads this document instead of the
	// configured one (re-extraction with another extractor).
	Extractor extract.Extractor
	// Wait makes Ingest wait (bounded) until this server's projection
	// has applied the document's events.
	Wait bool
	// SkipExtraction records the document alone, with no extractor run:
	// its assertions come separately, as when an export is loaded.
	SkipExtraction bool
}

// Result is what one Ingest appended.
type Result struct {
	Document events.DocumentAdded
	// ContentType is the type the body was read as.
	ContentType string
	// Assertions are those appended, in order; Mentions the actors the
	// extractor found.
	Assertions []events.AssertionRecorded
	Mentions   []extract.Mention
	// Dropped counts the extractor's assertions that were not appended,
	// by reason (evidence that does not match the text, invalid), with
	// the extractor's own reasons.
	Dropped map[string]int
	// Appended is the outcome of each event: the document, the mentions
	// when there are any, then the assertions.
	Appended     []stream.Appended
	LastSequence uint64
	// Projected says this server's projection has applied LastSequence.
	Projected bool
	// Duplicate says the log already held the document. Its events are
	// appended again all the same, which changes nothing: ids are
	// derived from content, and the projection folds each once.
	Duplicate bool
}

// Reasons an assertion of the extractor is dropped.
const (
	DropNoOffsets     = "evidence has no offsets"
	DropOffsets       = "evidence offsets outside the text"
	DropMismatch      = "evidence does not match the text at its offsets"
	DropOtherDocument = "evidence names another document"
	DropInvalid       = "invalid assertion"
	DropRepeated      = "repeated assertion"
)

// Ingest cleans, stores, extracts and appends one document. An
// *InputError means the input was refused and nothing was stored or
// appended; an *ExtractError that the extractor failed. Ingesting the
// same document again is always safe.
func (i *Ingester) Ingest(ctx context.Context, in Input) (Result, error) {
	var res Result
	refuse := func(e *InputError) (Result, error) {
		e.Source = in.Source
		return res, e
	}
	if e := Check(in.Body, i.cfg.MaxBytes); e != nil {
		return refuse(e)
	}
	ct, e := contentType(in.ContentType, in.Source, in.Body)
	if e != nil {
		return refuse(e)
	}
	text, title := clean(ct, in.Body)
	if strings.TrimSpace(text) == "" {
		return refuse(&InputError{Kind: Empty, Problem: fmt.Sprintf("the document has no text once read as %s", ct)})
	}
	res.ContentType = ct
	doc := events.DocumentAdded{
		ID:         events.DocumentID(text),
		Source:     strings.TrimSpace(in.Source),
		Title:      strings.TrimSpace(in.Title),
		URL:        strings.TrimSpace(in.URL),
		Size:       len(text),
		TextStored: true,
	}
	if doc.Title == "" {
		doc.Title = title
	}
	if in.Published != nil {
		p := in.Published.UTC()
		doc.Published = &p
	}
	if e := checkMetadata(&doc); e != nil {
		return refuse(e)
	}
	res.Document = doc

	_, existed, err := i.cfg.Log.LastOnSubject(ctx, events.DocumentSubject(doc.ID))
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", doc.ID, err)
	}
	if err := i.cfg.Texts.PutText(ctx, doc.ID, text); errors.Is(err, seal.ErrErased) {
		return refuse(&InputError{Kind: Erased, Problem: fmt.Sprintf("document %s was erased: its words are not taken again", doc.ID)})
	} else if err != nil {
		return res, fmt.Errorf("ingest %s: store text: %w", doc.ID, err)
	}
	x := i.cfg.Extractor
	if in.Extractor != nil {
		x = in.Extractor
	}
	var found extract.Result
	if !in.SkipExtraction {
		found, err = x.Extract(ctx, extract.Document{ID: doc.ID, Source: doc.Source, Title: doc.Title, Published: doc.Published, Text: text}, i.cfg.Known)
		if err != nil {
			return res, fmt.Errorf("ingest %s: %w", doc.ID, &ExtractError{Extractor: extract.Producer(x).String(), Err: err})
		}
	}
	res.Dropped = map[string]int{}
	for k, n := range found.Dropped {
		res.Dropped[k] += n
	}
	res.Assertions = i.accept(doc, text, extract.Producer(x), found.Assertions, res.Dropped)
	mentions := i.mentions(doc.ID, extract.Producer(x), found.Mentions)
	for _, m := range mentions.Mentions {
		res.Mentions = append(res.Mentions, extract.Mention{Name: m.Name, Type: m.Type, Count: m.Count})
	}

	corr := "ingest-" + doc.ID
	batch := i.cfg.Writer.Batch()
	defer batch.Close()
	docEv, err := batch.Envelope(ctx, &doc, events.Meta{Principal: in.Principal, CorrelationID: corr})
	if err != nil {
		return res, fmt.Errorf("ingest %s: %w", doc.ID, err)
	}
	evs := []events.Envelope{docEv}
	caused := events.Meta{Principal: in.Principal, CorrelationID: corr, CausationID: docEv.ID, Recorded: docEv.Recorded}
	if len(mentions.Mentions) > 0 {
		ev, err := batch.Envelope(ctx, &mentions, caused)
		if err != nil {
			return res, fmt.Errorf("ingest %s: %w", doc.ID, err)
		}
		evs = append(evs, ev)
	}
	for k := range res.Assertions {
		a := &res.Assertions[k]
		ev, err := batch.Envelope(ctx, a, caused)
		if err != nil {
			return res, fmt.Errorf("ingest %s: %w", doc.ID, err)
		}
		evs = append(evs, ev)
	}
	written, err := i.cfg.Writer.Write(ctx, evs, in.Wait)
	res.Appended, res.LastSequence, res.Projected = written.Appended, written.Last, written.Projected
	if err != nil {
		return res, fmt.Errorf("ingest %s: appended %d of %d events (ingesting it again is safe): %w", doc.ID, len(res.Appended), len(evs), err)
	}
	res.Duplicate = existed || res.Appended[0].Duplicate
	return res, nil
}

// checkMetadata checks what the caller gave besides the body.
func checkMetadata(d *events.DocumentAdded) *InputError {
	if d.URL != "" {
		u, err := url.Parse(d.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &InputError{Kind: BadMetadata, Problem: fmt.Sprintf("url %q is not an http or https URL", d.URL)}
		}
	}
	if err := d.Validate(); err != nil {
		var inv *events.ValidationError
		if errors.As(err, &inv) {
			return &InputError{Kind: BadMetadata, Problem: strings.Join(inv.Problems, "; ")}
		}
		return &InputError{Kind: BadMetadata, Problem: err.Error()}
	}
	return nil
}

// accept keeps the extractor's assertions whose evidence is the text at
// their offsets and that validate, filling in the document and the
// producer. An extractor's bug must not reach the log.
func (i *Ingester) accept(doc events.DocumentAdded, text string, producer events.Producer, found []events.AssertionRecorded, dropped map[string]int) []events.AssertionRecorded {
	runes := []rune(text)
	seen := map[string]bool{}
	var out []events.AssertionRecorded
	drop := func(a events.AssertionRecorded, reason string, detail any) {
		dropped[reason]++
		i.cfg.Logger.Debug("ingest: assertion dropped", "document", doc.ID, "extractor", producer.String(),
			"reason", reason, "detail", detail, "subject", a.Subject.Name, "predicate", a.Predicate, "object", a.Object.Name)
	}
	for _, a := range found {
		ev := &a.Evidence
		switch {
		case ev.DocumentID != "" && ev.DocumentID != doc.ID:
			drop(a, DropOtherDocument, ev.DocumentID)
			continue
		case ev.Start == nil || ev.End == nil:
			drop(a, DropNoOffsets, nil)
			continue
		case *ev.Start < 0 || *ev.End < *ev.Start || *ev.End > len(runes):
			drop(a, DropOffsets, fmt.Sprintf("%d:%d of %d", *ev.Start, *ev.End, len(runes)))
			continue
		case string(runes[*ev.Start:*ev.End]) != ev.Sentence:
			drop(a, DropMismatch, fmt.Sprintf("%d:%d", *ev.Start, *ev.End))
			continue
		}
		ev.DocumentID = doc.ID
		if ev.Document == "" {
			ev.Document = doc.Source
		}
		if a.Producer.Name == "" {
			a.Producer = producer
		}
		// The id is the log's business: derived here from the content.
		a.ID = ""
		a.Normalize(i.cfg.Ontology)
		if err := a.Validate(i.cfg.Ontology); err != nil {
			drop(a, DropInvalid, err.Error())
			continue
		}
		if seen[a.ID] {
			drop(a, DropRepeated, a.ID)
			continue
		}
		seen[a.ID] = true
		out = append(out, a)
	}
	return out
}

// mentions turns the extractor's mentions into the event: names cleaned
// and merged, types the ontology lacks left out, names that cannot be
// actors dropped.
func (i *Ingester) mentions(docID string, producer events.Producer, found []extract.Mention) events.MentionsRecorded {
	m := events.MentionsRecorded{DocumentID: docID, Producer: producer}
	for _, x := range found {
		m.Mentions = append(m.Mentions, events.Mention{Name: x.Name, Type: x.Type, Count: x.Count})
	}
	m.Normalize()
	kept := m.Mentions[:0]
	for _, x := range m.Mentions {
		if x.Type != "" && !i.cfg.Ontology.HasType(x.Type) {
			x.Type = ""
		}
		one := events.MentionsRecorded{DocumentID: docID, Producer: m.Producer, Mentions: []events.Mention{x}}
		if one.Validate(i.cfg.Ontology) != nil {
			continue
		}
		kept = append(kept, x)
		if len(kept) == events.MaxMentions {
			break
		}
	}
	m.Mentions = kept
	return m
}
