// Package projections folds the event log into the graph store.
//
// Fold is the one place that knows both the event model (events) and the
// store (graph): it turns one event into the store changes it causes, the
// way perkeep's index turns a blob into index rows. The Projector feeds it
// from a JetStream consumer in stream order, in batches, and records the
// last applied sequence in the same Badger transaction as each event's
// changes, so a crash neither loses nor repeats an event.
package projections

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/names"
	"github.com/dossier-kg/dossier/seal"
)

// Fold applies one event to the graph. Folding is idempotent on content:
// an assertion or document already in the store is not counted again,
// which is what makes a re-sent event harmless after JetStream's
// duplicate window has passed.
//
// It returns a *events.DecodeError or *events.ValidationError for an event
// that can never be folded; the caller decides whether to skip it.
func Fold(tx *graph.Tx, ev events.Envelope) error {
	p, err := ev.Decode()
	if err != nil {
		return err
	}
	return FoldDecoded(tx, ev, p)
}

// FoldDecoded is Fold of an event whose payload is decoded already (the
// projector decodes ahead of the fold, on another goroutine).
func FoldDecoded(tx *graph.Tx, ev events.Envelope, p events.Payload) error {
	var e effect
	var err error
	switch p := p.(type) {
	case *events.AssertionRecorded:
		e, err = foldAssertion(tx, ev, p)
	case *events.DocumentAdded:
		e, err = effect{summary: "document " + docName(p.Source, p.ID) + " added", entities: []string{graph.DocumentEntity(p.ID)}}, foldDocument(tx, ev, p)
	case *events.MentionsRecorded:
		e, err = foldMentions(tx, ev, p)
	case *events.AssertionRetracted:
		e, err = foldRetraction(tx, ev, p)
	case *events.DocumentRetracted:
		e, err = foldDocumentRetraction(tx, ev, p)
	case *events.ActorsMerged:
		e, err = foldMerge(tx, ev, p)
	case *events.ActorsUnmerged:
		e, err = foldUnmerge(tx, ev, p)
	case *events.ActorCorrected:
		e, err = foldActorCorrection(tx, ev, p)
	case *events.ValidTimeCorrected:
		e, err = foldValidTime(tx, ev, p)
	case *events.DocumentErased:
		e, err = foldErasure(tx, ev, p)
	default:
		return &events.DecodeError{ID: ev.ID, Problem: fmt.Sprintf("no fold for %s", ev.Type), Unknown: true}
	}
	if err != nil {
		return err
	}
	return tx.PutEvent(graph.EventRecord{
		Time: ev.Time, Type: string(ev.Type), ID: ev.ID, Principal: ev.Principal,
		Reason: e.reason, Summary: e.summary, Entities: e.entities, Outcome: orChanged(e.outcome),
	})
}

func orChanged(o graph.Outcome) graph.Outcome {
	if o == "" {
		return graph.OutcomeChanged
	}
	return o
}

// effect is what an event did, for the audit trail.
type effect struct {
	outcome         graph.Outcome // OutcomeChanged when empty
	summary, reason string
	entities        []string
}

// Exclusive says whether an event type's fold scans the store (it moves
// or withdraws many assertions) and so must see every earlier event
// committed: see graph.Batch.ApplyExclusive.
func Exclusive(t events.Type) bool {
	switch t {
	case events.TypeDocumentRetracted, events.TypeActorsMerged, events.TypeActorsUnmerged, events.TypeDocumentErased:
		return true
	}
	return false
}

func docName(source, id string) string {
	if source != "" {
		return source
	}
	return id
}

func foldDocument(tx *graph.Tx, ev events.Envelope, p *events.DocumentAdded) error {
	if err := p.Validate(); err != nil {
		return err
	}
	d, err := tx.Document(p.ID)
	isNew := errors.Is(err, graph.ErrNotFound)
	if err != nil && !isNew {
		return err
	}
	if isNew {
		d = graph.Document{ID: p.ID, Seq: ev.Sequence, Recorded: ev.Recorded}
	}
	// A document first known as a stub (an assertion named its source)
	// gains metadata when it is added for real; fields already set stay.
	d.Source = cmp(d.Source, p.Source)
	d.Title = graph.Text(cmp(string(d.Title), p.Title))
	d.URL = cmp(d.URL, p.URL)
	if d.Published == nil {
		d.Published = p.Published
	}
	if d.Size == 0 {
		d.Size = p.Size
		if !seal.IsSealed(p.Text) {
			d.Size = max(p.Size, len(p.Text))
		}
	}
	if p.TextStored && !d.HasText {
		// The text is in the document store, under the same content id.
		d.HasText, d.TextStored = true, true
	}
	if p.Text != "" && !d.HasText {
		d.HasText = true
		if err := tx.PutDocumentText(p.ID, p.Text); err != nil {
			return err
		}
	}
	if err := tx.PutDocument(d); err != nil {
		return err
	}
	if isNew {
		return bumpStats(tx, func(s *graph.Stats) { s.Documents++ })
	}
	return nil
}

func cmp(have, offered string) string {
	if have != "" {
		return have
	}
	return offered
}

func bumpStats(tx *graph.Tx, f func(*graph.Stats)) error {
	s, err := tx.Stats()
	if err != nil {
		return err
	}
	f(&s)
	return tx.PutStats(s)
}

func foldAssertion(tx *graph.Tx, ev events.Envelope, p *events.AssertionRecorded) (effect, error) {
	blind, err := checkAssertion(p)
	if err != nil {
		return effect{}, err
	}
	if e, done, err := recordedBefore(tx, ev, p, blind); done || err != nil {
		return e, err
	}
	var delta graph.Stats
	subj, err := touchActor(tx, ev, p.Subject, &delta)
	if err != nil {
		return effect{}, fmt.Errorf("subject %q: %w", p.Subject.Name, err)
	}
	obj, err := touchActor(tx, ev, p.Object, &delta)
	if err != nil {
		return effect{}, fmt.Errorf("object %q: %w", p.Object.Name, err)
	}
	a := newAssertion(ev, p, subj.ID, obj.ID)
	if p.AttributedTo != nil {
		who, err := touchActor(tx, ev, events.ActorRef{Name: *p.AttributedTo}, &delta)
		if err != nil {
			return effect{}, fmt.Errorf("attributed_to %q: %w", *p.AttributedTo, err)
		}
		a.AttributedTo, a.AttributedText, a.AttributedOrig = who.ID, *p.AttributedTo, who.ID
	}
	if err := stubDocument(tx, ev, p.Evidence, &delta); err != nil {
		return effect{}, err
	}
	for _, end := range []struct{ id, typ string }{{subj.ID, p.Subject.Type}, {obj.ID, p.Object.Type}, {a.AttributedTo, ""}} {
		if end.id == "" {
			continue
		}
		if _, err := tx.LinkDocumentActor(a.Document, end.id, end.typ); err != nil {
			return effect{}, err
		}
	}
	if err := tx.PutAssertion(a); err != nil {
		return effect{}, err
	}
	if err := addSupport(tx, ev, a, &delta); err != nil {
		return effect{}, err
	}
	delta.Assertions++
	return effect{outcome: graph.OutcomeRecorded, summary: "recorded " + claim(a), entities: assertionEntities(a)}, applyDelta(tx, delta)
}

// checkAssertion checks what the fold relies on, not the ontology, which
// is the appender's business: the log may hold events from any writer.
// blind says the id covers a sealed sentence the fold cannot read.
func checkAssertion(p *events.AssertionRecorded) (blind bool, err error) {
	if names.Key(p.Subject.Name) == "" || names.Key(p.Object.Name) == "" || p.Predicate == "" || p.Evidence.DocumentID == "" {
		return false, &events.ValidationError{Problems: []string{"assertion lacks a subject, object, predicate or document"}}
	}
	// The fold does not know the appender's ontology, so either order
	// of a symmetric predicate's names is a valid id. A sealed sentence
	// without offsets is part of the id the fold cannot read: the
	// appender's id stands, as long as it is one.
	blind = seal.IsSealed(p.Evidence.Sentence) && (p.Evidence.Start == nil || p.Evidence.End == nil)
	if blind && !events.IsID(p.ID) || !blind && p.ID != events.AssertionID(p, false) && p.ID != events.AssertionID(p, true) {
		return blind, &events.ValidationError{Problems: []string{"assertion id does not match its content"}}
	}
	return blind, nil
}

// recordedBefore folds an assertion the store already has, by id or by
// claim: a duplicate, or a revival of a retracted one. done is false for
// a new assertion.
func recordedBefore(tx *graph.Tx, ev events.Envelope, p *events.AssertionRecorded, blind bool) (e effect, done bool, err error) {
	// The claim's list says whether this id, or another making the same
	// claim, is recorded: one read for the common case, a new claim.
	live, retracted, err := tx.Claim(graph.Assertion{Document: p.Evidence.DocumentID, Start: p.Evidence.Start, End: p.Evidence.End,
		Sentence: graph.Text(p.Evidence.Sentence), Predicate: p.Predicate, Polarity: p.Polarity})
	if err != nil {
		return effect{}, true, err
	}
	known := slices.Contains(live, p.ID) || slices.Contains(retracted, p.ID)
	if !known && blind {
		// Its claim is indexed by the sealed sentence, which differs
		// from the plaintext one of the same claim recorded before
		// sealing, or sealed from other spacing: ask by id.
		if _, err := tx.Assertion(p.ID); err == nil {
			known = true
		} else if !errors.Is(err, graph.ErrNotFound) {
			return effect{}, true, err
		}
	}
	if known {
		old, err := tx.Assertion(p.ID)
		if err != nil {
			return effect{}, true, fmt.Errorf("assertion %s: %w", p.ID, err)
		}
		if old.Retracted == nil {
			return effect{outcome: graph.OutcomeDuplicate, summary: "already recorded: " + claim(old), entities: []string{graph.AssertionEntity(old.ID)}}, true, nil
		}
		e, err := revive(tx, ev, old)
		return e, true, err
	}
	old, ok, err := sameClaim(tx, p, live)
	if err != nil || !ok {
		return effect{}, err != nil, err
	}
	return effect{outcome: graph.OutcomeDuplicate, summary: "already recorded: " + claim(old), entities: []string{graph.AssertionEntity(old.ID)}}, true, nil
}

// newAssertion is the record of a new assertion between resolved ends.
func newAssertion(ev events.Envelope, p *events.AssertionRecorded, subj, obj string) graph.Assertion {
	a := graph.Assertion{
		ID: p.ID, Seq: ev.Sequence, Recorded: ev.Recorded, Principal: ev.Principal,
		Subject: subj, Predicate: p.Predicate, Object: obj,
		SubjectText: p.Subject.Name, ObjectText: p.Object.Name,
		Polarity: p.Polarity, Modality: p.Modality,
		Document: p.Evidence.DocumentID, Sentence: graph.Text(p.Evidence.Sentence),
		Start: p.Evidence.Start, End: p.Evidence.End,
		Producer: p.Producer.Name, ProducerVer: p.Producer.Version,
		SubjectOrig: subj, ObjectOrig: obj,
	}
	if p.Valid != nil {
		a.ValidFrom, a.ValidTo = p.Valid.From, p.Valid.To
	}
	if p.Confidence != nil {
		a.Confidence = *p.Confidence
	}
	return a
}

// claim says an assertion in a line of the audit trail.
func claim(a graph.Assertion) string {
	s := a.SubjectText + " " + a.Predicate + " " + a.ObjectText
	if a.Polarity == events.Negated {
		s += " (denied)"
	}
	return s
}

// assertionEntities are what an assertion's events touch.
func assertionEntities(a graph.Assertion) []string {
	out := []string{graph.AssertionEntity(a.ID), graph.RelationshipEntity(a.Rel()), graph.DocumentEntity(a.Document),
		graph.ActorEntity(a.Subject), graph.ActorEntity(a.Object)}
	if a.AttributedTo != "" {
		out = append(out, graph.ActorEntity(a.AttributedTo))
	}
	return out
}

func applyDelta(tx *graph.Tx, d graph.Stats) error {
	if d == (graph.Stats{}) {
		return nil
	}
	return bumpStats(tx, func(s *graph.Stats) {
		s.Actors += d.Actors
		s.Documents += d.Documents
		s.Relationships += d.Relationships
		s.Assertions += d.Assertions
	})
}

// foldMentions links a document to the actors it names, resolving each
// name as an assertion's ends are resolved. Each actor is counted once
// per document: a link already there (from an earlier fold of the same
// event, another producer's mentions, or an assertion) changes nothing,
// so folding a document twice changes nothing either. Mentions are not
// assertions: they create actors and vote for their types, but do not
// add to Actor.Mentions, which counts the assertions naming an actor.
func foldMentions(tx *graph.Tx, ev events.Envelope, p *events.MentionsRecorded) (effect, error) {
	e := effect{summary: fmt.Sprintf("%d actors named in %s", len(p.Mentions), p.DocumentID), entities: []string{graph.DocumentEntity(p.DocumentID)}}
	return e, mentions(tx, ev, p)
}

func mentions(tx *graph.Tx, ev events.Envelope, p *events.MentionsRecorded) error {
	if len(p.DocumentID) != 32 || strings.Contains(p.DocumentID, ":") {
		return &events.ValidationError{Problems: []string{"mentions lack a document id"}}
	}
	var delta graph.Stats
	if _, err := tx.Document(p.DocumentID); errors.Is(err, graph.ErrNotFound) {
		// Mentions of a document whose DocumentAdded the log lacks: keep
		// the links reachable from a stub.
		if err := tx.PutDocument(graph.Document{ID: p.DocumentID, Seq: ev.Sequence, Recorded: ev.Recorded}); err != nil {
			return err
		}
		delta.Documents++
	} else if err != nil {
		return err
	}
	for _, m := range p.Mentions {
		if names.Key(m.Name) == "" {
			continue
		}
		ref := events.ActorRef{Name: m.Name, Type: m.Type}
		a, res, isNew, err := findActor(tx, ev, ref)
		if err != nil {
			return fmt.Errorf("mention %q: %w", m.Name, err)
		}
		if !isNew {
			if linked, err := tx.HasDocumentActor(p.DocumentID, a.ID); err != nil {
				return err
			} else if linked {
				// Named already (by an assertion, or an earlier
				// reading): this reading's type is the document's.
				if _, err := tx.LinkDocumentActor(p.DocumentID, a.ID, m.Type); err != nil {
					return err
				}
				continue
			}
		}
		if isNew {
			delta.Actors++
		}
		if a, err = noteActor(tx, ev, a, ref, res, 0); err != nil {
			return fmt.Errorf("mention %q: %w", m.Name, err)
		}
		if _, err := tx.LinkDocumentActor(p.DocumentID, a.ID, m.Type); err != nil {
			return err
		}
	}
	if delta == (graph.Stats{}) {
		return nil
	}
	return bumpStats(tx, func(s *graph.Stats) {
		s.Actors += delta.Actors
		s.Documents += delta.Documents
	})
}

// stubDocument creates a stub for an assertion's document known only by
// its source name. A known document's record is left alone: the claim
// key the assertion writes under it is that part of its history.
func stubDocument(tx *graph.Tx, ev events.Envelope, e events.Evidence, delta *graph.Stats) error {
	_, err := tx.Document(e.DocumentID)
	if !errors.Is(err, graph.ErrNotFound) {
		return err
	}
	delta.Documents++
	return tx.PutDocument(graph.Document{ID: e.DocumentID, Source: e.Document, Seq: ev.Sequence, Recorded: ev.Recorded})
}

// addSupport counts a live assertion in its relationship's aggregate.
func addSupport(tx *graph.Tx, ev events.Envelope, a graph.Assertion, delta *graph.Stats) error {
	r, err := tx.Relationship(a.Rel())
	if errors.Is(err, graph.ErrNotFound) {
		r = graph.Relationship{Subject: a.Subject, Predicate: a.Predicate, Object: a.Object, FirstSeq: ev.Sequence, First: ev.Recorded}
		delta.Relationships++
	} else if err != nil {
		return err
	}
	before := r
	r.Count(a.Polarity, a.Modality, 1)
	if before, _, err := tx.CountSource(r.Key(), a.Document, 1); err != nil {
		return err
	} else if before == 0 {
		r.Documents++
	}
	r.LastSeq, r.Last = ev.Sequence, ev.Recorded
	return tx.PutRelationship(before, r)
}

// removeSupport takes an assertion out of its relationship's aggregate;
// a relationship left without support is gone.
func removeSupport(tx *graph.Tx, ev events.Envelope, a graph.Assertion, delta *graph.Stats) error {
	r, err := tx.Relationship(a.Rel())
	if errors.Is(err, graph.ErrNotFound) {
		return nil // nothing to take from; the store was built without it
	} else if err != nil {
		return err
	}
	before := r
	r.Count(a.Polarity, a.Modality, -1)
	if before, after, err := tx.CountSource(r.Key(), a.Document, -1); err != nil {
		return err
	} else if before > 0 && after == 0 {
		r.Documents--
	}
	r.LastSeq, r.Last = ev.Sequence, ev.Recorded
	if r.Support <= 0 {
		delta.Relationships--
	}
	return tx.PutRelationship(before, r)
}

// touchActor resolves a name to an actor, creating it when new, and
// records the mention: the name variant, a vote for the given type, and
// when it was seen.
func touchActor(tx *graph.Tx, ev events.Envelope, ref events.ActorRef, delta *graph.Stats) (graph.Actor, error) {
	a, res, isNew, err := findActor(tx, ev, ref)
	if err != nil {
		return a, err
	}
	if isNew {
		delta.Actors++
	}
	return noteActor(tx, ev, a, ref, res, 1)
}

// findActor resolves a name to the actor it refers to, or to a new actor
// (not yet stored) named by the resolved name.
func findActor(tx *graph.Tx, ev events.Envelope, ref events.ActorRef) (graph.Actor, names.Resolution, bool, error) {
	res := tx.Lexicon().ResolveAs(ref.Name, ref.Type)
	a, err := resolve(tx, ref, res)
	switch {
	case errors.Is(err, graph.ErrNotFound):
		name := res.Name
		if name == "" {
			name = ref.Name
		}
		a = graph.Actor{ID: newActorID(ref, res), Name: name, FirstSeq: ev.Sequence, First: ev.Recorded}
		// A slug can be taken by an actor whose name index entry points
		// elsewhere (two names folding alike); reuse it then.
		if existing, err := survivor(tx, a.ID); err == nil {
			return existing, res, false, nil
		} else if !errors.Is(err, graph.ErrNotFound) {
			return a, res, false, err
		}
		return a, res, true, nil
	case err != nil:
		return a, res, false, err
	}
	return a, res, false, nil
}

// noteActor records one sighting of an actor: the name variant, a vote
// for the given type, when it was seen, and mentions more assertions
// naming it.
func noteActor(tx *graph.Tx, ev events.Envelope, a graph.Actor, ref events.ActorRef, res names.Resolution, mentions int) (graph.Actor, error) {
	vote := ref.Type
	if vote == "" && res.Known && a.Mentions == 0 && len(a.TypeVotes) == 0 {
		vote = res.Type
	}
	if vote != "" {
		if a.TypeVotes == nil {
			a.TypeVotes = map[string]int{}
		}
		a.TypeVotes[vote]++
		if !a.TypeFixed {
			a.Type = topVote(a.TypeVotes, a.Type)
		}
	}
	written := strings.TrimSpace(ref.Name)
	if names.Key(written) != names.Key(a.Name) && !slices.ContainsFunc(a.Aliases, func(s string) bool { return names.Key(s) == names.Key(written) }) {
		a.Aliases = append(a.Aliases, written)
	}
	a.Mentions += mentions
	a.LastSeq, a.Last = ev.Sequence, ev.Recorded
	return a, tx.PutActor(a)
}

// sameClaim finds, among the live assertions ids at p's span, one that
// makes the claim p makes under another id: the same evidence, predicate and polarity, and
// ends that resolve to the same actors now. After a merge or a rename,
// re-reading a sentence names its actors as the graph now does, so the
// id differs, yet it is the claim already counted: exactly once holds
// across corrections.
func sameClaim(tx *graph.Tx, p *events.AssertionRecorded, ids []string) (graph.Assertion, bool, error) {
	if len(ids) == 0 {
		return graph.Assertion{}, false, nil // most claims are the first at their span
	}
	subj, err := resolve(tx, p.Subject, tx.Lexicon().ResolveAs(p.Subject.Name, p.Subject.Type))
	if err != nil {
		return graph.Assertion{}, false, ignoreNotFound(err)
	}
	obj, err := resolve(tx, p.Object, tx.Lexicon().ResolveAs(p.Object.Name, p.Object.Type))
	if err != nil {
		return graph.Assertion{}, false, ignoreNotFound(err)
	}
	for _, id := range ids {
		a, err := tx.Assertion(id)
		if err != nil {
			return a, false, fmt.Errorf("assertion %s: %w", id, err)
		}
		if a.Retracted != nil || !sameEvidence(a, p.Evidence) {
			continue
		}
		as, err := survivor(tx, a.Subject)
		if err != nil {
			return a, false, err
		}
		ao, err := survivor(tx, a.Object)
		if err != nil {
			return a, false, err
		}
		if as.ID == subj.ID && ao.ID == obj.ID {
			return a, true, nil
		}
	}
	return graph.Assertion{}, false, nil
}

// sameEvidence: the same span of the document, or, without offsets, the
// same sentence.
func sameEvidence(a graph.Assertion, e events.Evidence) bool {
	return events.Where(a.Start, a.End, string(a.Sentence)) == events.Where(e.Start, e.End, e.Sentence)
}

// Names is what resolving a name reads: the graph's name and surname
// indexes and its actors, in a folding transaction (graph.Tx) or a read
// view (graph.View) alike. It is the one place a name becomes an actor.
type Names interface {
	Actor(id string) (graph.Actor, error)
	LookupName(key string) (string, error)
	PersonsBySurname(key string) ([]string, error)
	Lexicon() *names.Lexicon
}

// Identities adapts a view for resolving names: its Actor reads an
// actor's identity only (graph.View.ActorIdentity), which is all
// resolution looks at (names, type, merges), in one read of a record
// rarely rewritten. The actor it resolves to has no activity (mentions,
// last seen): View.ActorActivity adds it.
func Identities(v *graph.View) Names { return identities{v} }

type identities struct{ *graph.View }

func (i identities) Actor(id string) (graph.Actor, error) { return i.View.ActorIdentity(id) }

// ResolveName is the actor a name stands for now, by the rules the fold
// uses (Resolve), or graph.ErrNotFound.
func ResolveName(r Names, name string) (graph.Actor, error) {
	ref := events.ActorRef{Name: name}
	return resolve(r, ref, r.Lexicon().ResolveAs(name, ""))
}

// ActorID is the id the graph gives a name now (after merges), or the id
// a new actor of that name would get: what NATS subjects carry, so that
// subscribers filter by the ids they query.
func ActorID(r Names, ref events.ActorRef) string {
	res := r.Lexicon().ResolveAs(ref.Name, ref.Type) // as the fold resolves it
	if a, err := resolve(r, ref, res); err == nil {
		return a.ID
	}
	id := newActorID(ref, res)
	if a, err := survivor(r, id); err == nil {
		return a.ID // the slug is taken by an actor another name points to
	}
	return id
}

// newActorID is the id a name no actor has yet is given: the slug of
// its lexicon name.
func newActorID(ref events.ActorRef, res names.Resolution) string {
	if res.Name != "" {
		return names.Slug(res.Name)
	}
	return names.Slug(ref.Name)
}

// resolve finds the actor a reference stands for: as written, as the
// lexicon resolves it, or, for a lone unknown surname, the one person of
// that surname; always the survivor of any merge.
func resolve(r Names, ref events.ActorRef, res names.Resolution) (graph.Actor, error) {
	for _, k := range []string{names.Key(ref.Name), names.Key(res.Name)} {
		id, err := r.LookupName(k)
		if err == nil {
			return survivor(r, id)
		}
		if !errors.Is(err, graph.ErrNotFound) {
			return graph.Actor{}, err
		}
	}
	if w := strings.Fields(names.Key(res.Name)); len(w) == 1 && !res.Known && (ref.Type == "" || ref.Type == "PERSON") {
		ids, err := r.PersonsBySurname(w[0])
		if err != nil {
			return graph.Actor{}, err
		}
		if len(ids) == 1 {
			return survivor(r, ids[0])
		}
	}
	return graph.Actor{}, graph.ErrNotFound
}

// topVote picks the most voted type; the current one wins ties, so types
// do not flip back and forth on equal votes.
func topVote(votes map[string]int, current string) string {
	best, n := current, votes[current]
	keys := make([]string, 0, len(votes))
	for k := range votes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if votes[k] > n {
			best, n = k, votes[k]
		}
	}
	return best
}
