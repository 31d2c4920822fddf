package node

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/dossier-kg/dossier/stream"
)

// natsUser is the option to connect to n's embedded server as user.
func natsUser(t testing.TB, n *Node, user string) nats.Option {
	t.Helper()
	c, err := stream.LoadCredentials(n.CredentialsFile())
	if err != nil {
		t.Fatal(err)
	}
	return nats.UserInfo(user, c.Passwords[user])
}

// Any NATS client can follow assertions by predicate and actor ids, with
// no Dossier code: dossier.assertion.<PREDICATE>.<subject-id>.<object-id>.
func TestNATSSubjects(t *testing.T) {
	ctx := context.Background()
	n, err := Start(ctx, Config{DataDir: t.TempDir(), Instance: "t", NATS: NATSConfig{Listen: "127.0.0.1:-1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	nc, err := nats.Connect(n.NATSURL(), natsUser(t, n, stream.UserReader))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	got := make(chan *nats.Msg, 10)
	sub, err := nc.ChanSubscribe("dossier.assertion.BANS.>", got)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	nc.Flush()
	body := `{"query":"mutation { recordAssertions(input: [` +
		`{subject: {name: \"the U.S.\"}, predicate: \"BANS\", object: {name: \"Huawei\"}, evidence: {document: \"d\", sentence: \"The U.S. banned Huawei.\"}},` +
		`{subject: {name: \"Huawei\"}, predicate: \"OWNS\", object: {name: \"Honor\"}, evidence: {document: \"d\", sentence: \"Huawei owned Honor.\"}}` +
		`]) { lastSequence } }"}`
	rec := httptest.NewRecorder()
	n.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body)))
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "errors") {
		t.Fatalf("record: %d %s", rec.Code, rec.Body.String())
	}
	select {
	case m := <-got:
		if m.Subject != "dossier.assertion.BANS.united-states.huawei" {
			t.Errorf("subject %q, want dossier.assertion.BANS.united-states.huawei", m.Subject)
		}
		if !strings.Contains(string(m.Data), `"AssertionRecorded"`) {
			t.Errorf("message is not the event: %s", m.Data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message on dossier.assertion.BANS.>")
	}
	select {
	case m := <-got:
		t.Errorf("an OWNS assertion reached the BANS subscription: %s", m.Subject)
	case <-time.After(200 * time.Millisecond):
	}
}
