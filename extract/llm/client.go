package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxAnswerBytes bounds the body read from the server.
const maxAnswerBytes = 8 << 20

// message is one chat message.
type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatRequest is the body of POST {URL}/chat/completions.
type chatRequest struct {
	Model    string    `json:"model"`
	Messages []message `json:"messages"`
	// Temperature is always sent, 0 included: extraction wants the most
	// likely answer, and the same one each time.
	Temperature    float64         `json:"temperature"`
	ResponseFormat *responseFormat `json:"response_format,omitempty"`
	Stream         bool            `json:"stream"`
}

type responseFormat struct {
	Type string `json:"type"`
}

// chatResponse is the part of a chat completion read here.
type chatResponse struct {
	Choices []struct {
		Message struct {
			// Content is a string, or with some servers a list of
			// parts.
			Content json.RawMessage `json:"content"`
			Refusal string          `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Error json.RawMessage `json:"error"`
}

// reply is the model's answer to one chunk.
type reply struct {
	Content      string
	FinishReason string
}

// StatusError is an answer from the server with an HTTP error status.
type StatusError struct {
	StatusCode int
	// Message is the server's error message, or the start of its body.
	Message string
	// RetryAfter is the wait the server asked for, if it did.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("server answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Temporary reports whether the same request may succeed later: the
// server was busy (429), failed (5xx other than 501 and 505) or timed out
// (408).
func (e *StatusError) Temporary() bool {
	switch c := e.StatusCode; {
	case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests:
		return true
	case c == http.StatusNotImplemented, c == http.StatusHTTPVersionNotSupported:
		return false
	default:
		return c >= 500
	}
}

// rejectsJSONMode reports whether the server refused the request for its
// response_format, which not every server supports.
func (e *StatusError) rejectsJSONMode() bool {
	if e.StatusCode != http.StatusBadRequest && e.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "response_format") || strings.Contains(m, "json_object")
}

// transportError is a request that got no complete answer: a refused or
// broken connection, or a timeout. It is worth retrying.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func temporary(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	var te *transportError
	return errors.As(err, &te)
}

// complete asks the model, retrying what is worth retrying, and returns
// its answer.
func (x *Extractor) complete(ctx context.Context, msgs []message) (reply, error) {
	attempts, retries := 0, 0
	for {
		jsonMode := !x.noJSONMode.Load()
		attempts++
		r, err := x.post(ctx, msgs, jsonMode)
		if err == nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return reply{}, ctx.Err()
		}
		var se *StatusError
		if jsonMode && errors.As(err, &se) && se.rejectsJSONMode() {
			// Ask again at once without it, and never send it to this
			// server again.
			x.noJSONMode.Store(true)
			continue
		}
		if !temporary(err) || retries >= x.cfg.MaxRetries {
			if attempts == 1 {
				return reply{}, err
			}
			return reply{}, fmt.Errorf("%w (gave up after %d attempts)", err, attempts)
		}
		var wait time.Duration
		if errors.As(err, &se) {
			wait = se.RetryAfter
		}
		if err := sleep(ctx, x.backoff(retries, wait)); err != nil {
			return reply{}, err
		}
		retries++
	}
}

// backoff is the wait before retry n (from 0): BackoffBase doubled n
// times, between half and all of it at random so that clients that
// failed together do not retry together; at least what the server asked
// for; at most MaxRetryWait.
func (x *Extractor) backoff(n int, asked time.Duration) time.Duration {
	d := x.cfg.BackoffBase << min(n, 30)
	if d <= 0 || d > x.cfg.MaxRetryWait {
		d = x.cfg.MaxRetryWait
	}
	if d > 1 {
		d = d/2 + rand.N(d/2)
	}
	return min(max(d, asked), x.cfg.MaxRetryWait)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// post sends one request and reads its answer, holding one of the
// Extractor's slots while the request is in flight.
func (x *Extractor) post(ctx context.Context, msgs []message, jsonMode bool) (reply, error) {
	req := chatRequest{Model: x.cfg.Model, Messages: msgs}
	if jsonMode {
		req.ResponseFormat = &responseFormat{Type: "json_object"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return reply{}, err
	}

	select {
	case x.slots <- struct{}{}:
		defer func() { <-x.slots }()
	case <-ctx.Done():
		return reply{}, ctx.Err()
	}
	actx, cancel := context.WithTimeout(ctx, x.cfg.Timeout)
	defer cancel()
	// failed says why the request got no answer: the caller's context
	// ended, the attempt timed out, or the connection failed.
	failed := func(err error) error {
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case actx.Err() != nil || isTimeout(err):
			return &transportError{fmt.Errorf("no answer within %v: %w", x.cfg.Timeout, context.DeadlineExceeded)}
		default:
			return &transportError{err}
		}
	}

	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, x.endpoint, bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if x.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+x.cfg.APIKey)
	}
	resp, err := x.cfg.HTTPClient.Do(hreq)
	if err != nil {
		return reply{}, failed(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return reply{}, failed(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return reply{}, &StatusError{
			StatusCode: resp.StatusCode,
			Message:    errorMessage(data),
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	if len(data) > maxAnswerBytes {
		return reply{}, fmt.Errorf("answer is over %d bytes", maxAnswerBytes)
	}
	return readCompletion(data)
}

// readCompletion takes the answer out of a chat completion.
func readCompletion(data []byte) (reply, error) {
	var cr chatResponse
	if err := json.Unmarshal(data, &cr); err != nil {
		return reply{}, fmt.Errorf("answer is not a chat completion (%v): %s", err, snippet(data))
	}
	if len(cr.Error) > 0 && string(cr.Error) != "null" {
		return reply{}, fmt.Errorf("server answered an error: %s", errorMessage(data))
	}
	if len(cr.Choices) == 0 {
		return reply{}, fmt.Errorf("answer has no choices: %s", snippet(data))
	}
	c := cr.Choices[0]
	content := contentText(c.Message.Content)
	if content == "" && c.Message.Refusal != "" {
		return reply{}, fmt.Errorf("model refused: %s", c.Message.Refusal)
	}
	return reply{Content: content, FinishReason: c.FinishReason}, nil
}

// contentText reads a message's content: a string, or a list of parts of
// which the text ones count.
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) == nil {
		var b strings.Builder
		for _, p := range parts {
			if p.Type == "" || p.Type == "text" || p.Type == "output_text" {
				b.WriteString(p.Text)
			}
		}
		return b.String()
	}
	return ""
}

// errorMessage finds the message in an error body as OpenAI, Ollama,
// vLLM and llama.cpp write it ({"error":{"message"}}, {"error":"..."},
// {"message"}), or else shows the start of the body.
func errorMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(e.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(e.Error, &s) == nil && s != "":
			return s
		case e.Message != "":
			return e.Message
		}
	}
	return snippet(body)
}

// snippet is the start of a body, fit for an error message.
func snippet(b []byte) string {
	const n = 200
	cut := len(b) > 4*n
	if cut {
		b = b[:4*n]
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
	if r := []rune(s); len(r) > n {
		s, cut = string(r[:n]), true
	}
	if cut {
		s += "…"
	}
	return s
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil {
		if s <= 0 || s > 1e6 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
