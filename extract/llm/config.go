package llm

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/dossier-kg/dossier/events"
)

// Defaults of the Config fields left zero.
const (
	DefaultTimeout      = 120 * time.Second
	DefaultMaxRetries   = 3
	DefaultBackoffBase  = 500 * time.Millisecond
	DefaultMaxRetryWait = 30 * time.Second
	DefaultConcurrency  = 2
	DefaultChunkRunes   = 6000
	// DefaultConfidence is the confidence of an assertion whose answer
	// gives none.
	DefaultConfidence = 0.7
)

// minChunkRunes keeps a chunk big enough to hold a sentence or two.
const minChunkRunes = 200

// Config configures an Extractor. Zero fields take their defaults.
type Config struct {
	// URL is the base URL of an OpenAI-compatible API, the part before
	// /chat/completions: https://api.openai.com/v1,
	// http://localhost:11434/v1 (Ollama), http://localhost:8000/v1
	// (vLLM), http://localhost:8080/v1 (llama.cpp). Required.
	URL string
	// Model is the model's name as the server knows it ("llama3.1:8b",
	// "gpt-4o-mini"). Required; it is part of Version.
	Model string
	// APIKey is sent as "Authorization: Bearer <APIKey>". Optional: local
	// servers need none.
	APIKey string
	// Ontology lists the predicates and actor types the model is asked
	// for and answers are checked against. Default
	// events.DefaultOntology().
	Ontology *events.Ontology
	// HTTPClient sends the requests. Default: a client whose Timeout is
	// Timeout. Each attempt is bounded by Timeout whatever the client.
	HTTPClient *http.Client
	// Timeout bounds one request, from sending it to reading the whole
	// answer. Default 120s: a local model takes its time.
	Timeout time.Duration
	// MaxRetries is how many times a request is retried after a 429, a
	// 5xx, a timeout or a broken connection. Default 3; negative means
	// never retry.
	MaxRetries int
	// BackoffBase is the wait before the first retry; each later retry
	// waits twice as long as the one before, with jitter. Default 500ms.
	BackoffBase time.Duration
	// MaxRetryWait caps any wait between attempts, a backoff or a
	// server's Retry-After. Default 30s.
	MaxRetryWait time.Duration
	// Concurrency is how many requests one Extractor has in flight at
	// once, across all its Extract calls. Default 2.
	Concurrency int
	// ChunkRunes is the largest chunk of text, in characters (code
	// points), sent in one request. Chunks end at a paragraph or sentence
	// end where they can and never inside a word. Default 6000; at
	// least 200.
	ChunkRunes int
}

// Environment variables ConfigFromEnv reads.
const (
	EnvURL   = "DOSSIER_LLM_URL"
	EnvModel = "DOSSIER_LLM_MODEL"
	EnvKey   = "DOSSIER_LLM_KEY"
)

// ConfigFromEnv returns a Config with URL, Model and APIKey taken from
// DOSSIER_LLM_URL, DOSSIER_LLM_MODEL and DOSSIER_LLM_KEY; the rest is left
// to its defaults.
func ConfigFromEnv() Config {
	return Config{
		URL:    os.Getenv(EnvURL),
		Model:  os.Getenv(EnvModel),
		APIKey: os.Getenv(EnvKey),
	}
}

func (c *Config) setDefaults() {
	if c.Ontology == nil {
		c.Ontology = events.DefaultOntology()
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.Timeout}
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = DefaultBackoffBase
	}
	if c.MaxRetryWait == 0 {
		c.MaxRetryWait = DefaultMaxRetryWait
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.ChunkRunes == 0 {
		c.ChunkRunes = DefaultChunkRunes
	}
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, fmt.Errorf("URL is required (%s), e.g. http://localhost:11434/v1", EnvURL))
	} else if u, err := url.Parse(c.URL); err != nil {
		errs = append(errs, fmt.Errorf("URL %q: %w", c.URL, err))
	} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("URL %q is not an http(s) URL", c.URL))
	}
	if c.Model == "" {
		errs = append(errs, fmt.Errorf("Model is required (%s)", EnvModel))
	}
	if c.Ontology != nil && len(c.Ontology.Predicates) == 0 {
		errs = append(errs, errors.New("Ontology has no predicates"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("Timeout %v is negative", c.Timeout))
	}
	if c.BackoffBase < 0 {
		errs = append(errs, fmt.Errorf("BackoffBase %v is negative", c.BackoffBase))
	}
	if c.MaxRetryWait < 0 {
		errs = append(errs, fmt.Errorf("MaxRetryWait %v is negative", c.MaxRetryWait))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("Concurrency %d is negative", c.Concurrency))
	}
	if c.ChunkRunes != 0 && c.ChunkRunes < minChunkRunes {
		errs = append(errs, fmt.Errorf("ChunkRunes %d is under the minimum of %d", c.ChunkRunes, minChunkRunes))
	}
	return errors.Join(errs...)
}
