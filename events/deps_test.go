package events_test

import (
	"github.com/dossier-kg/dossier/events"
	"os/exec"
	"strings"
	"testing"
)

// The event model and everything that only shapes or folds events build
// without the NATS server: the log and the embedded server are package
// stream's. Extraction and the fold then stay cheap to build, test and
// embed.
func TestNoNATSServerBelowTheLog(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, pkg := range []string{"../events", "../extract", "../projections"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.Contains(dep, "nats-server") || pkg != "../projections" && strings.Contains(dep, "nats.go") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}

// Every type New can write, Decode reads back: the registry and the
// versions list the same types.
func TestDecodeRegistryComplete(t *testing.T) {
	for _, p := range []events.Payload{&events.AssertionRecorded{}, &events.DocumentAdded{}, &events.MentionsRecorded{},
		&events.AssertionRetracted{}, &events.DocumentRetracted{}, &events.ActorsMerged{}, &events.ActorsUnmerged{},
		&events.ActorCorrected{}, &events.ValidTimeCorrected{}, &events.DocumentErased{}} {
		ev, err := events.New(p, events.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.Decode()
		if err != nil || got.EventType() != p.EventType() {
			t.Errorf("%s: decoded %v, %v", p.EventType(), got, err)
		}
	}
}
