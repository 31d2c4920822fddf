package node

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/stream"
)

// Durability says when a write is acknowledged, and so what an
// acknowledged write survives. ARCHITECTURE.md ("Durability") has the
// table; in short:
//
//   - DurabilityDefault keeps the libraries' defaults: JetStream
//     acknowledges a write once it is in the operating system's page
//     cache and syncs every 2 minutes; Badger does not sync its commits.
//     An acknowledged write survives the process being killed, not the
//     kernel crashing or the power failing within those minutes.
//   - DurabilityStrict makes the embedded JetStream fsync before every
//     acknowledgement (sync_interval: always), Badger sync every commit
//     (SyncWrites), and sends each write's events (a document's, a
//     recordAssertions call's) as one JetStream atomic batch, so that one
//     fsync covers them all and they are stored whole or not at all. An
//     acknowledged write then survives a power failure as well. With
//     --nats the servers' own configuration decides the fsync
//     (deploy/nats.conf shows the line); Dossier cannot set or see it.
type Durability string

const (
	DurabilityDefault Durability = "default"
	DurabilityStrict  Durability = "strict"
)

// ParseDurability reads a --durability value; empty is the default.
func ParseDurability(s string) (Durability, error) {
	switch d := Durability(s); d {
	case "":
		return DurabilityDefault, nil
	case DurabilityDefault, DurabilityStrict:
		return d, nil
	}
	return "", fmt.Errorf("durability %q: want %s or %s", s, DurabilityDefault, DurabilityStrict)
}

func (d Durability) strict() bool { return d == DurabilityStrict }

// strictLog finishes opening a strict node's log. With an external NATS
// it says that the servers' fsync is theirs to configure. On a log made
// before Dossier allowed atomic batches it allows them: as the embedded
// server's admin, since Dossier's own user may not reconfigure the log.
// On an external NATS only an operator may, so it says how, and appends
// go one message at a time meanwhile (each synced, if the servers sync
// every write).
func (n *Node) strictLog(ctx context.Context) error {
	if !n.cfg.Durability.strict() {
		return nil
	}
	if n.srv == nil {
		n.cfg.Logger.Warn("--durability strict with --nats: Dossier syncs its graph store and sends each write as one atomic batch, "+
			"but only the NATS servers' configuration makes JetStream fsync before acknowledging; they need jetstream { sync_interval: always } (see deploy/nats.conf)", "nats", n.cfg.NATS.URL)
	}
	if n.log.AtomicBatches() {
		return nil
	}
	if n.srv == nil {
		n.cfg.Logger.Warn("--durability strict: stream "+n.log.Stream()+" does not allow atomic batches, so each write's events are appended one by one, each with its own fsync; "+
			"an operator allows them by setting allow_atomic on the stream (the nats CLI as an admin: nats stream edit "+n.log.Stream()+" --config FILE)", "stream", n.log.Stream())
		return nil
	}
	creds, err := stream.LoadCredentials(n.CredentialsFile())
	if err != nil {
		return err
	}
	nc, err := n.srv.Connect(nats.UserInfo(stream.UserAdmin, creds.Passwords[stream.UserAdmin]))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := stream.EnableAtomicBatches(ctx, js, n.log.Stream()); err != nil {
		return err
	}
	n.log, err = stream.OpenLog(ctx, n.logConfig())
	if err != nil {
		return err
	}
	if !n.log.AtomicBatches() {
		return fmt.Errorf("stream %s still does not allow atomic batches after it was told to", n.log.Stream())
	}
	n.cfg.Logger.Info("--durability strict: allowed atomic batches on the existing stream", "stream", n.log.Stream())
	return nil
}

// logConfig is how the node opens its log.
func (n *Node) logConfig() stream.LogConfig {
	return stream.LogConfig{JetStream: n.js, Replicas: n.cfg.NATS.Replicas, AtomicBatches: n.cfg.Durability.strict()}
}
