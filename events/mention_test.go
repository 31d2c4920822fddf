package events_test

import (
	"strings"
	"testing"

	"github.com/dossier-kg/dossier/events"
)

func testMentions() events.MentionsRecorded {
	return events.MentionsRecorded{
		DocumentID: events.DocumentID("ByteDance owns TikTok."),
		Producer:   events.Producer{Name: "rules", Version: "1"},
		Mentions: []events.Mention{
			{Name: " ByteDance ", Type: "company", Count: 2},
			{Name: "TikTok", Type: "PRODUCT", Count: 1},
			{Name: "bytedance", Count: 0},
			{Name: "  ", Count: 3},
		},
	}
}

func TestMentionsNormalize(t *testing.T) {
	m := testMentions()
	m.Normalize()
	want := []events.Mention{{Name: "ByteDance", Type: "COMPANY", Count: 3}, {Name: "TikTok", Type: "PRODUCT", Count: 1}}
	if len(m.Mentions) != len(want) {
		t.Fatalf("mentions = %+v, want %+v", m.Mentions, want)
	}
	for i := range want {
		if m.Mentions[i] != want[i] {
			t.Errorf("mention %d = %+v, want %+v", i, m.Mentions[i], want[i])
		}
	}
	if err := m.Validate(events.DefaultOntology()); err != nil {
		t.Fatal(err)
	}
}

func TestMentionsValidate(t *testing.T) {
	o := events.DefaultOntology()
	for _, c := range []struct {
		name string
		edit func(*events.MentionsRecorded)
		want string
	}{
		{"bad document id", func(m *events.MentionsRecorded) { m.DocumentID = "doc" }, "not a document id"},
		{"no producer", func(m *events.MentionsRecorded) { m.Producer.Name = "" }, "producer.name is missing"},
		{"unknown type", func(m *events.MentionsRecorded) { m.Mentions[0].Type = "ALIEN" }, `mentions[0].type "ALIEN"`},
		{"zero count", func(m *events.MentionsRecorded) { m.Mentions[1].Count = 0 }, "mentions[1].count 0"},
		{"no letter", func(m *events.MentionsRecorded) { m.Mentions[1].Name = "!!" }, "has no letter or digit"},
		{"too many", func(m *events.MentionsRecorded) {
			m.Mentions = make([]events.Mention, events.MaxMentions+1)
			for i := range m.Mentions {
				m.Mentions[i] = events.Mention{Name: "A", Count: 1}
			}
		}, "over the limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := testMentions()
			m.Normalize()
			c.edit(&m)
			ps := problemsOf(t, m.Validate(o))
			if !strings.Contains(strings.Join(ps, "\n"), c.want) {
				t.Errorf("problems %q do not say %q", ps, c.want)
			}
		})
	}
}

// The id is derived from the document and the producer: the same
// extractor on the same document is one event, another version another.
func TestMentionsRoundTripAndID(t *testing.T) {
	m := testMentions()
	m.Normalize()
	env, err := events.New(&m, events.Meta{Principal: "p", CausationID: "doc-" + m.DocumentID})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(env.ID, "men-"+m.DocumentID+"-") || env.Type != events.TypeMentionsRecorded || env.Version != 1 {
		t.Errorf("envelope id %q type %q v%d", env.ID, env.Type, env.Version)
	}
	if env.Subject != "dossier.mentions."+m.DocumentID {
		t.Errorf("subject %q", env.Subject)
	}
	again := testMentions()
	again.Mentions = again.Mentions[:1]
	if e2, _ := events.New(&again, events.Meta{}); e2.ID != env.ID {
		t.Errorf("same document and producer, other id: %q vs %q", e2.ID, env.ID)
	}
	other := testMentions()
	other.Producer.Version = "2"
	if e3, _ := events.New(&other, events.Meta{}); e3.ID == env.ID {
		t.Error("another producer version has the same event id")
	}
	body, _ := env.Marshal()
	back, err := events.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	p, err := back.Decode()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := p.(*events.MentionsRecorded)
	if !ok || got.DocumentID != m.DocumentID || len(got.Mentions) != 2 || got.Mentions[0] != m.Mentions[0] || got.Producer != m.Producer {
		t.Errorf("Decode = %#v, want %#v", p, m)
	}
}

func TestDocumentTextStored(t *testing.T) {
	text := "Some text."
	d := events.DocumentAdded{ID: events.DocumentID(text), TextStored: true, Size: len(text)}
	if err := d.Validate(); err != nil {
		t.Errorf("a stored-apart document without source: %v", err)
	}
	d.Text = text
	if ps := problemsOf(t, d.Validate()); !strings.Contains(strings.Join(ps, ";"), "both stored apart and inline") {
		t.Errorf("problems %q", ps)
	}
}
