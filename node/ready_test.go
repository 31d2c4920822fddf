package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go"
)

// Start-up calls are retried while NATS does not answer in time, and
// only then.
func TestWhenReady(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	calls := 0
	v, err := whenReady(ctx, logger, "test", func() (int, error) {
		calls++
		if calls < 3 {
			return 0, fmt.Errorf("open stream DOSSIER: %w", context.DeadlineExceeded)
		}
		return 42, nil
	})
	if err != nil || v != 42 || calls != 3 {
		t.Errorf("after two timeouts: %d, %v in %d calls; want 42 in 3", v, err, calls)
	}

	calls = 0
	refused := errors.New("stream name already in use with a different configuration")
	if _, err := whenReady(ctx, logger, "test", func() (int, error) { calls++; return 0, refused }); !errors.Is(err, refused) || calls != 1 {
		t.Errorf("a refusal: %v after %d calls, want it at once", err, calls)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	calls = 0
	if _, err := whenReady(cctx, logger, "test", func() (int, error) { calls++; return 0, nats.ErrTimeout }); !errors.Is(err, nats.ErrTimeout) || calls != 1 {
		t.Errorf("with the caller's context done: %v after %d calls, want no retry", err, calls)
	}
}
