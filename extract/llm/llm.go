// Package llm is an extract.Extractor that asks a language model, through
// any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama's /v1,
// vLLM, llama.cpp's server), for the actors and assertions of a
// document, and keeps only what it can check.
//
// The document is cut into chunks at paragraph and sentence ends; each
// chunk goes in one request, with a system message built from the
// ontology (predicates and their descriptions, actor types) and the
// annotation guide's rules for polarity, modality, attribution and
// evidence. The model answers JSON:
//
//	{"actors":[{"name","type"}],
//	 "assertions":[{"subject","subject_type","predicate","object","object_type",
//	                "polarity","modality","attributed_to","evidence"}]}
//
// A model invents things, so an answer is evidence to check, not a
// result. An assertion is kept only when its predicate is in the
// ontology, both its actors are named in the chunk, and its evidence is a
// passage of the document, found verbatim or with whitespace and quotes
// folded, and recorded as the document's exact characters with their code
// point offsets. Everything dropped is counted in Result.Dropped by
// reason (see the Drop constants).
//
// Ollama's default context window is small for a 6000-character chunk
// plus the instructions; run it with OLLAMA_CONTEXT_LENGTH=8192 or more,
// or lower Config.ChunkRunes.
package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/extract"
)

// Name is the producer name of every assertion this package makes.
const Name = "llm"

// promptVersion changes whenever the prompt or the checks change what
// is extracted; Version joins it to the model's name.
const promptVersion = "1"

// Extractor asks a model. It is safe for concurrent use; its Concurrency
// limit holds across all its Extract calls.
type Extractor struct {
	cfg      Config
	endpoint string
	system   string
	// slots holds one token per request in flight.
	slots chan struct{}
	// noJSONMode is set once the server has refused response_format.
	noJSONMode atomic.Bool
}

var _ extract.Extractor = (*Extractor)(nil)

// New returns an Extractor for cfg, after filling in defaults; it
// reports every problem of the configuration at once.
func New(cfg Config) (*Extractor, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	return &Extractor{
		cfg:      cfg,
		endpoint: strings.TrimRight(cfg.URL, "/") + "/chat/completions",
		system:   systemPrompt(cfg.Ontology),
		slots:    make(chan struct{}, cfg.Concurrency),
	}, nil
}

// Name is "llm".
func (x *Extractor) Name() string { return Name }

// Version is the prompt's version and the model: "1+llama3.1:8b".
func (x *Extractor) Version() string { return promptVersion + "+" + x.cfg.Model }

// Extract asks the model about each chunk of the document, at most
// Concurrency at a time, and checks the answers. It fails if a request
// fails after its retries, or if no chunk got a readable answer; a chunk
// whose answer is unreadable while others' are not counts in
// Result.Dropped[DropUnreadable]. known, which may be nil, types actors
// the model left untyped. A document without an ID is given
// events.DocumentID of its text.
func (x *Extractor) Extract(ctx context.Context, doc extract.Document, known extract.Known) (extract.Result, error) {
	if !utf8.ValidString(doc.Text) {
		return extract.Result{}, errors.New("llm: document text is not valid UTF-8")
	}
	if doc.ID == "" {
		doc.ID = events.DocumentID(doc.Text)
	} else if !events.IsID(doc.ID) {
		return extract.Result{}, fmt.Errorf("llm: document id %q is not a document id", doc.ID)
	}
	var chunks []chunk
	for _, c := range split(doc.Text, x.cfg.ChunkRunes) {
		if hasWords(c.Text) {
			chunks = append(chunks, c)
		}
	}
	replies, err := x.ask(ctx, chunks)
	if err != nil {
		return extract.Result{}, err
	}

	c := newChecker(x.cfg.Ontology, doc, known, extract.Producer(x))
	var unreadable error
	for i, r := range replies {
		ans, err := parseAnswer(r.Content)
		if err != nil {
			c.res.Dropped[DropUnreadable]++
			if unreadable == nil {
				unreadable = fmt.Errorf("llm: %s: %w: %s", x.where(chunks, i), err, describe(r))
			}
			continue
		}
		c.add(chunks[i], ans)
	}
	if len(replies) > 0 && c.res.Dropped[DropUnreadable] == len(replies) {
		return extract.Result{}, unreadable
	}
	return c.result(), nil
}

// ask sends every chunk and returns the answers in order. The first
// failure cancels the requests still running; none is left running when
// ask returns.
func (x *Extractor) ask(ctx context.Context, chunks []chunk) ([]reply, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	replies := make([]reply, len(chunks))
	var (
		next     atomic.Int64
		done     atomic.Int64
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(x.cfg.Concurrency, len(chunks)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(chunks) || ctx.Err() != nil {
					return
				}
				msgs := []message{
					{Role: "system", Content: x.system},
					{Role: "user", Content: userPrompt(chunks[i], i+1, len(chunks))},
				}
				r, err := x.complete(ctx, msgs)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("llm: %s: POST %s: %w", x.where(chunks, i), x.endpoint, err)
					}
					mu.Unlock()
					cancel()
					return
				}
				replies[i] = r
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if int(done.Load()) < len(chunks) {
		// Cancelled between requests.
		return nil, fmt.Errorf("llm: %w", context.Cause(ctx))
	}
	return replies, nil
}

// where names a chunk in an error.
func (x *Extractor) where(chunks []chunk, i int) string {
	c := chunks[i]
	return fmt.Sprintf("chunk %d of %d (characters %d-%d)", i+1, len(chunks), c.Start, c.End)
}

// describe says what was wrong with an unreadable answer.
func describe(r reply) string {
	if r.FinishReason == "length" {
		return "the answer was cut short (finish_reason \"length\"): raise the server's output limit or lower ChunkRunes"
	}
	if strings.TrimSpace(r.Content) == "" {
		return "the answer is empty"
	}
	return "the answer starts " + compact(r.Content)
}
