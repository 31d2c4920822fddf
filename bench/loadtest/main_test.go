package main

import (
	"testing"
	"time"
)

// The load test's command works end to end, briefly: a server started,
// seeded, held by a few clients and subscribers, and a passing report.
func TestLoadtestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server")
	}
	c := config{clients: 6, subscribers: 2, duration: 2 * time.Second, clientTimeout: 30 * time.Second,
		queryTimeout: 5 * time.Second, corpus: "../../examples/corpus"}
	if err := run(c); err != nil {
		t.Fatal(err)
	}
}
