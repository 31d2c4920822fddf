package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

type healthCmd struct {
	Ready bool `help:"Ask whether the server is ready for traffic (/readyz: healthy and caught up with the log), not only alive (/healthz)."`
	clientFlags
}

// Run asks a server whether it is healthy (or ready) and exits 0 if so,
// 1 if not, 3 if it cannot be reached: a container healthcheck for an
// image with no shell or curl.
func (c *healthCmd) Run(ctx context.Context) error {
	path := "/healthz"
	if c.Ready {
		path = "/readyz"
	}
	url := strings.TrimRight(c.Server, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &exitError{exitInvalid, fmt.Errorf("server URL: %w", err)}
	}
	resp, err := c.client().http.Do(req)
	if err != nil {
		return &exitError{exitUnreachable, fmt.Errorf("cannot reach %s: %w", url, err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Println(strings.TrimSpace(string(body)))
	return nil
}
