package node

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/dossier-kg/dossier/stream"
)

// The embedded NATS port is not open to every process on the machine:
// without the credentials Dossier made at first start nothing connects;
// a reader may follow but not publish (a forged event) or delete; even
// Dossier's own user may not delete or purge the log; the admin may.
func TestEmbeddedNATSCredentials(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n, err := Start(ctx, Config{DataDir: dir, Instance: "t", NATS: NATSConfig{Listen: "127.0.0.1:-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if fi, err := os.Stat(n.CredentialsFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v, want mode 0600", fi, err)
	}
	if _, err := nats.Connect(n.NATSURL()); err == nil || !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("anonymous connect: %v, want an authorization error", err)
	}
	if _, err := nats.Connect(n.NATSURL(), nats.UserInfo(stream.UserAdmin, "guess")); err == nil {
		t.Error("a guessed password connected")
	}

	errs := make(chan error, 10)
	reader, err := nats.Connect(n.NATSURL(), natsUser(t, n, stream.UserReader), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	forged := `{"type":"AssertionRecorded","principal":"chief-editor@newsroom"}`
	reader.Publish("dossier.assertion.BANS.a.b", []byte(forged))
	reader.Flush()
	select {
	case err := <-errs:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Errorf("forged publish: %v, want a permission violation", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("a reader's publish on a Dossier subject was not refused")
	}
	js, _ := jetstream.New(reader)
	if err := js.DeleteStream(ctx, stream.DefaultStream); err == nil {
		t.Error("a reader deleted the log")
	}
	// A reader reads the log.
	s, err := js.Stream(ctx, stream.DefaultStream)
	if err != nil {
		t.Fatalf("a reader's stream info: %v", err)
	}
	if _, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{}); err != nil {
		t.Errorf("a reader's consumer: %v", err)
	}

	svc, err := nats.Connect(n.NATSURL(), natsUser(t, n, stream.UserService))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	sjs, _ := jetstream.New(svc)
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := sjs.DeleteStream(sctx, stream.DefaultStream); err == nil {
		t.Error("Dossier's own user deleted the log")
	}
	if st, err := sjs.Stream(ctx, stream.DefaultStream); err != nil {
		t.Fatalf("the log is gone: %v", err)
	} else if err := st.Purge(sctx); err == nil {
		t.Error("Dossier's own user purged the log")
	}

	// The same credentials after a restart.
	n.Close()
	n, err = Start(ctx, Config{DataDir: dir, Instance: "t", NATS: NATSConfig{Listen: "127.0.0.1:-1"}})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer n.Close()
	admin, err := nats.Connect(n.NATSURL(), natsUser(t, n, stream.UserAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ajs, _ := jetstream.New(admin)
	if _, err := ajs.Stream(ctx, stream.DefaultStream); err != nil {
		t.Errorf("admin: %v", err)
	}
}
