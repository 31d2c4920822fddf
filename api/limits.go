package api

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/dossier-kg/dossier/auth"
	"github.com/dossier-kg/dossier/ingest"
)

// Defaults of the limits on what one client may cost the server.
const (
	// DefaultQueryTimeout bounds a query's execution.
	DefaultQueryTimeout = 10 * time.Second
	// DefaultMutationTimeout bounds a mutation, ingestion included (a
	// 10 MiB document is read in about five seconds).
	DefaultMutationTimeout = 2 * time.Minute
	// DefaultMaxResponseBytes bounds one response's JSON.
	DefaultMaxResponseBytes = 32 << 20
	// DefaultRate and DefaultBurst are each principal's request rate
	// (per second) and the burst above it: a notebook paging through
	// the graph stays far below; a runaway loop does not.
	DefaultRate  = 200
	DefaultBurst = 400
	// DefaultMaxSubscriptions bounds the subscriptions open on the
	// server, and DefaultMaxSubscriptionsPerPrincipal those of one
	// principal, over all its connections.
	DefaultMaxSubscriptions             = 5000
	DefaultMaxSubscriptionsPerPrincipal = 200
)

// Limits are what one request, and one principal, may cost the server.
// Zero values take the defaults; a negative rate turns rate limiting off.
type Limits struct {
	MaxQueryCost                 int
	QueryTimeout                 time.Duration
	MutationTimeout              time.Duration
	MaxResponseBytes             int
	Rate                         float64
	Burst                        int
	MaxSubscriptions             int
	MaxSubscriptionsPerPrincipal int
}

func (l *Limits) setDefaults() {
	if l.MaxQueryCost <= 0 {
		l.MaxQueryCost = DefaultMaxQueryCost
	}
	if l.QueryTimeout <= 0 {
		l.QueryTimeout = DefaultQueryTimeout
	}
	if l.MutationTimeout <= 0 {
		l.MutationTimeout = DefaultMutationTimeout
	}
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if l.Rate == 0 {
		l.Rate = DefaultRate
	}
	if l.Burst <= 0 {
		l.Burst = max(DefaultBurst, int(2*l.Rate))
	}
	if l.MaxSubscriptions <= 0 {
		l.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if l.MaxSubscriptionsPerPrincipal <= 0 {
		l.MaxSubscriptionsPerPrincipal = DefaultMaxSubscriptionsPerPrincipal
	}
}

// rateLimiter keeps a token bucket per principal. Buckets of principals
// not seen for a while fall out of a bounded LRU: a client inventing
// principals gets fresh buckets, but cannot grow the server's memory.
type rateLimiter struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	by    *lru.Cache[string, *rate.Limiter]
}

func newRateLimiter(l Limits) *rateLimiter {
	if l.Rate < 0 {
		return nil
	}
	c, _ := lru.New[string, *rate.Limiter](100_000)
	return &rateLimiter{limit: rate.Limit(l.Rate), burst: l.Burst, by: c}
}

// allow takes one request from key's bucket, or says how long to wait.
func (rl *rateLimiter) allow(key string) (bool, time.Duration) {
	if rl == nil {
		return true, 0
	}
	rl.mu.Lock()
	lim, ok := rl.by.Get(key)
	if !ok {
		lim = rate.NewLimiter(rl.limit, rl.burst)
		rl.by.Add(key, lim)
	}
	rl.mu.Unlock()
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, d
	}
	return true, 0
}

// rateKey is whose bucket a request draws from: its token's subject, or,
// on a server without tokens where names are taken on trust, the address
// it comes from.
func (s *Server) rateKey(r *http.Request, p auth.Principal) string {
	if s.cfg.Tokens != nil {
		return "subject:" + p.Subject
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// rateLimited takes one request from key's bucket, or refuses it with
// RATE_LIMITED and when to retry; who names the client in the message.
func (s *Server) rateLimited(key, who string) *Error {
	ok, wait := s.rate.allow(key)
	if ok {
		return nil
	}
	secs := int(math.Ceil(wait.Seconds()))
	return &Error{Code: CodeRateLimited,
		Message: fmt.Sprintf("too many requests from %s: at most %.0f a second; retry in %d s", who, s.cfg.Limits.Rate, secs),
		Details: map[string]any{"retryAfter": secs}}
}

func whoFor(p auth.Principal) string {
	if p.Subject == "" {
		return "this address"
	}
	return p.Subject
}

// subscriptionSlots counts open subscriptions, on the server and per
// principal, so that one client cannot hold the server's memory in
// subscriptions it never reads.
type subscriptionSlots struct {
	max, perPrincipal int
	mu                sync.Mutex
	total             int
	by                map[string]int
}

func newSubscriptionSlots(l Limits) *subscriptionSlots {
	return &subscriptionSlots{max: l.MaxSubscriptions, perPrincipal: l.MaxSubscriptionsPerPrincipal, by: map[string]int{}}
}

// take reserves a slot for key, or refuses with RATE_LIMITED; release
// gives it back.
func (ss *subscriptionSlots) take(key string) (release func(), e *Error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.total >= ss.max {
		return nil, &Error{Code: CodeRateLimited, Message: fmt.Sprintf("this server holds its limit of %d open subscriptions; retry later", ss.max)}
	}
	if ss.by[key] >= ss.perPrincipal {
		return nil, &Error{Code: CodeRateLimited, Message: fmt.Sprintf("at most %d subscriptions may be open at once for one client; close some first", ss.perPrincipal)}
	}
	ss.total++
	ss.by[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			ss.mu.Lock()
			defer ss.mu.Unlock()
			ss.total--
			if ss.by[key]--; ss.by[key] <= 0 {
				delete(ss.by, key)
			}
		})
	}, nil
}

// withDeadline bounds an operation by its kind's timeout; subscriptions
// run as long as their client stays. A mutation's grows with its body,
// which holds the documents it ingests (ingest.Allowance): the body's
// size is bounded already, and so is the deadline.
func (s *Server) withDeadline(ctx context.Context, pl plan) (context.Context, context.CancelFunc) {
	switch pl.operation {
	case "query":
		return context.WithTimeout(ctx, s.cfg.Limits.QueryTimeout)
	case "mutation":
		return context.WithTimeout(ctx, s.cfg.Limits.MutationTimeout+ingest.Allowance(int(pl.size)))
	}
	return context.WithCancel(ctx)
}
