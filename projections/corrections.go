package projections

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dossier-kg/dossier/events"
	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/names"
)

// survivor follows an actor's merges to the actor that stands for it now.
func survivor(r interface {
	Actor(id string) (graph.Actor, error)
}, id string) (graph.Actor, error) {
	a, err := r.Actor(id)
	for hops := 0; err == nil && a.MergedInto != "" && hops < 64; hops++ {
		a, err = r.Actor(a.MergedInto)
	}
	return a, err
}

// adjustMentions changes the count of live assertions naming an actor.
func adjustMentions(tx *graph.Tx, id string, by int) error {
	if id == "" {
		return nil
	}
	a, err := tx.Actor(id)
	if err != nil {
		return fmt.Errorf("actor %s: %w", id, err)
	}
	a.Mentions = max(a.Mentions+by, 0)
	return tx.PutActor(a)
}

func assertionActors(a graph.Assertion) []string {
	ids := []string{a.Subject, a.Object}
	if a.AttributedTo != "" {
		ids = append(ids, a.AttributedTo)
	}
	return ids
}

// revive puts a retracted assertion back when it is recorded again: the
// claim was made anew.
func revive(tx *graph.Tx, ev events.Envelope, a graph.Assertion) (effect, error) {
	var delta graph.Stats
	a.Retracted = nil
	if err := tx.PutAssertion(a); err != nil {
		return effect{}, err
	}
	if err := addSupport(tx, ev, a, &delta); err != nil {
		return effect{}, err
	}
	for _, id := range assertionActors(a) {
		if err := adjustMentions(tx, id, 1); err != nil {
			return effect{}, err
		}
	}
	delta.Assertions++
	return effect{outcome: graph.OutcomeRecorded, summary: "recorded again after its retraction: " + claim(a), entities: assertionEntities(a)}, applyDelta(tx, delta)
}

// retract withdraws one live assertion.
func retract(tx *graph.Tx, ev events.Envelope, a graph.Assertion, reason string, delta *graph.Stats) error {
	if err := removeSupport(tx, ev, a, delta); err != nil {
		return err
	}
	a.Retracted = &graph.Retraction{Seq: ev.Sequence, Time: ev.Time, Principal: ev.Principal, Reason: reason}
	if err := tx.PutAssertion(a); err != nil {
		return err
	}
	for _, id := range assertionActors(a) {
		if err := adjustMentions(tx, id, -1); err != nil {
			return err
		}
	}
	delta.Assertions--
	return nil
}

func foldRetraction(tx *graph.Tx, ev events.Envelope, p *events.AssertionRetracted) (effect, error) {
	if err := p.Validate(); err != nil {
		return effect{}, err
	}
	e := effect{reason: p.Reason, entities: []string{graph.AssertionEntity(p.AssertionID)}}
	a, err := tx.Assertion(p.AssertionID)
	switch {
	case errors.Is(err, graph.ErrNotFound):
		e.summary = "retraction of an unknown assertion: nothing changed"
		return e, nil
	case err != nil:
		return e, err
	case a.Retracted != nil:
		e.summary = "already retracted: " + claim(a)
		return e, nil
	}
	var delta graph.Stats
	if err := retract(tx, ev, a, p.Reason, &delta); err != nil {
		return e, err
	}
	e.summary, e.entities = "retracted "+claim(a), assertionEntities(a)
	return e, applyDelta(tx, delta)
}

func foldDocumentRetraction(tx *graph.Tx, ev events.Envelope, p *events.DocumentRetracted) (effect, error) {
	if err := p.Validate(); err != nil {
		return effect{}, err
	}
	e := effect{reason: p.Reason, entities: []string{graph.DocumentEntity(p.DocumentID)}}
	d, err := tx.Document(p.DocumentID)
	switch {
	case errors.Is(err, graph.ErrNotFound):
		e.summary = "retraction of an unknown document: nothing changed"
		return e, nil
	case err != nil:
		return e, err
	case d.Retracted != nil:
		e.summary = "document already retracted"
		return e, nil
	}
	n, err := retractDocument(tx, ev, d, p.Reason, &e)
	if err != nil {
		return e, err
	}
	e.summary = fmt.Sprintf("retracted document %s and its %d assertions", docName(d.Source, d.ID), n)
	return e, nil
}

// retractDocument withdraws a live document and its live assertions,
// adding what it touched to e. It returns how many assertions the
// document had.
func retractDocument(tx *graph.Tx, ev events.Envelope, d graph.Document, reason string, e *effect) (int, error) {
	ids, err := tx.DocumentAssertionIDs(d.ID)
	if err != nil {
		return 0, err
	}
	var delta graph.Stats
	for _, id := range ids {
		a, err := tx.Assertion(id)
		if err != nil {
			return 0, fmt.Errorf("assertion %s: %w", id, err)
		}
		if a.Retracted != nil {
			continue
		}
		if err := retract(tx, ev, a, reason, &delta); err != nil {
			return 0, err
		}
		e.entities = append(e.entities, assertionEntities(a)...)
	}
	d, err = tx.Document(d.ID)
	if err != nil {
		return 0, err
	}
	d.Retracted = &graph.Retraction{Seq: ev.Sequence, Time: ev.Time, Principal: ev.Principal, Reason: reason}
	if err := tx.PutDocument(d); err != nil {
		return 0, err
	}
	delta.Documents--
	return len(ids), applyDelta(tx, delta)
}

// foldErasure records that a document's words were erased: on the
// document (who, when, why) and in the audit trail. The words themselves
// are not the fold's to touch: in the log and in every version of the
// graph they are sealed under the document's key, which the erasure
// destroys outside the log (the node does, on appending and on folding
// this event). The fold only drops the current version of an inline
// text, so the graph holds none for an erased document, and with
// Retract withdraws the document and its assertions as a retraction
// does. Everything it writes is a function of the event, so a fresh
// projection of the log (verify, replay) is the same.
func foldErasure(tx *graph.Tx, ev events.Envelope, p *events.DocumentErased) (effect, error) {
	if err := p.Validate(); err != nil {
		return effect{}, err
	}
	e := effect{reason: p.Reason, entities: []string{graph.DocumentEntity(p.DocumentID)}}
	d, err := tx.Document(p.DocumentID)
	switch {
	case errors.Is(err, graph.ErrNotFound):
		e.summary = "erasure of an unknown document: nothing changed"
		return e, nil
	case err != nil:
		return e, err
	}
	name := docName(d.Source, d.ID)
	var did []string
	if d.Erased == nil {
		d.Erased = &graph.Erasure{Seq: ev.Sequence, Time: ev.Time, Principal: ev.Principal, Reason: p.Reason, Retract: p.Retract}
		if err := tx.PutDocument(d); err != nil {
			return e, err
		}
		if !d.TextStored && d.HasText {
			if err := tx.DeleteDocumentText(d.ID); err != nil {
				return e, err
			}
		}
		did = append(did, "erased the words of document "+name)
	}
	if p.Retract && d.Retracted == nil {
		n, err := retractDocument(tx, ev, d, p.Reason, &e)
		if err != nil {
			return e, err
		}
		did = append(did, fmt.Sprintf("retracted it and its %d assertions", n))
	}
	if len(did) == 0 {
		e.summary = "document " + name + " already erased: nothing changed"
		return e, nil
	}
	e.summary = strings.Join(did, "; ")
	return e, nil
}

// move re-points an assertion's ends: it leaves its relationship and
// indexes and joins the new ones, counted again.
func move(tx *graph.Tx, ev events.Envelope, a graph.Assertion, to func(id, orig string) string, delta *graph.Stats) (graph.Assertion, error) {
	if err := removeSupport(tx, ev, a, delta); err != nil {
		return a, err
	}
	if err := tx.UnindexAssertion(a); err != nil {
		return a, err
	}
	before := assertionActors(a)
	a.Subject = to(a.Subject, a.SubjectOrig)
	a.Object = to(a.Object, a.ObjectOrig)
	if a.AttributedTo != "" {
		a.AttributedTo = to(a.AttributedTo, a.AttributedOrig)
	}
	for _, id := range before {
		if err := adjustMentions(tx, id, -1); err != nil {
			return a, err
		}
	}
	for _, id := range assertionActors(a) {
		if err := adjustMentions(tx, id, 1); err != nil {
			return a, err
		}
	}
	if err := tx.PutAssertion(a); err != nil {
		return a, err
	}
	return a, addSupport(tx, ev, a, delta)
}

// actorNames are the names an actor brought: its name and aliases.
func actorNames(a graph.Actor) []string { return append([]string{a.Name}, a.Aliases...) }

func foldMerge(tx *graph.Tx, ev events.Envelope, p *events.ActorsMerged) (effect, error) {
	if err := p.Validate(); err != nil {
		return effect{}, err
	}
	e := effect{reason: p.Reason, entities: []string{graph.ActorEntity(p.From), graph.ActorEntity(p.Into)}}
	from, err := tx.Actor(p.From)
	if err != nil {
		e.summary = "merge of an unknown actor " + p.From + ": nothing changed"
		return e, ignoreNotFound(err)
	}
	into, err := survivor(tx, p.Into)
	if err != nil {
		e.summary = "merge into an unknown actor " + p.Into + ": nothing changed"
		return e, ignoreNotFound(err)
	}
	if from.MergedInto != "" || from.ID == into.ID {
		e.summary = from.ID + " is already merged: nothing changed"
		return e, nil
	}
	ids, err := tx.ActorAssertionIDs(from.ID)
	if err != nil {
		return e, err
	}
	var delta graph.Stats
	to := func(id, _ string) string {
		if id == from.ID {
			return into.ID
		}
		return id
	}
	for _, id := range ids {
		a, err := tx.Assertion(id)
		if err != nil {
			return e, fmt.Errorf("assertion %s: %w", id, err)
		}
		old := a
		if a, err = move(tx, ev, a, to, &delta); err != nil {
			return e, err
		}
		e.entities = append(e.entities, graph.AssertionEntity(a.ID), graph.RelationshipEntity(old.Rel()), graph.RelationshipEntity(a.Rel()))
	}
	// Re-read: moving assertions changed both actors' counts.
	if from, err = tx.Actor(from.ID); err != nil {
		return e, err
	}
	if into, err = tx.Actor(into.ID); err != nil {
		return e, err
	}
	for _, n := range actorNames(from) {
		if err := tx.PointName(names.Key(n), into.ID); err != nil {
			return e, err
		}
		if names.Key(n) != names.Key(into.Name) && !slices.ContainsFunc(into.Aliases, func(s string) bool { return names.Key(s) == names.Key(n) }) {
			into.Aliases = append(into.Aliases, n)
		}
	}
	for t, v := range from.TypeVotes {
		if into.TypeVotes == nil {
			into.TypeVotes = map[string]int{}
		}
		into.TypeVotes[t] += v
	}
	if !into.TypeFixed {
		if err := retype(tx, &into); err != nil {
			return e, err
		}
	}
	into.FirstSeq, into.First = min(into.FirstSeq, from.FirstSeq), minTime(into.First, from.First)
	if err := tx.PutActor(into); err != nil {
		return e, err
	}
	if err := tx.DropType(from); err != nil {
		return e, err
	}
	from.MergedInto = into.ID
	if err := tx.PutActor(from); err != nil {
		return e, err
	}
	delta.Actors--
	e.summary = fmt.Sprintf("merged %s into %s (%d assertions moved)", from.Name, into.Name, len(ids))
	return e, applyDelta(tx, delta)
}

func foldUnmerge(tx *graph.Tx, ev events.Envelope, p *events.ActorsUnmerged) (effect, error) {
	if err := p.Validate(); err != nil {
		return effect{}, err
	}
	e := effect{reason: p.Reason, entities: []string{graph.ActorEntity(p.From), graph.ActorEntity(p.Into)}}
	from, err := tx.Actor(p.From)
	if err != nil {
		e.summary = "unmerge of an unknown actor " + p.From + ": nothing changed"
		return e, ignoreNotFound(err)
	}
	if from.MergedInto != p.Into {
		e.summary = p.From + " is not merged into " + p.Into + ": nothing changed"
		return e, nil
	}
	into, err := tx.Actor(p.Into)
	if err != nil {
		return e, err
	}
	ids, err := tx.ActorAssertionIDs(into.ID)
	if err != nil {
		return e, err
	}
	var delta graph.Stats
	to := func(id, orig string) string {
		if id == into.ID && orig == from.ID {
			return from.ID
		}
		return id
	}
	moved := 0
	for _, id := range ids {
		a, err := tx.Assertion(id)
		if err != nil {
			return e, fmt.Errorf("assertion %s: %w", id, err)
		}
		if a.SubjectOrig != from.ID && a.ObjectOrig != from.ID && a.AttributedOrig != from.ID {
			continue
		}
		old := a
		if a, err = move(tx, ev, a, to, &delta); err != nil {
			return e, err
		}
		moved++
		e.entities = append(e.entities, graph.AssertionEntity(a.ID), graph.RelationshipEntity(old.Rel()), graph.RelationshipEntity(a.Rel()))
	}
	if from, err = tx.Actor(from.ID); err != nil {
		return e, err
	}
	if into, err = tx.Actor(into.ID); err != nil {
		return e, err
	}
	given := map[string]bool{}
	for _, n := range actorNames(from) {
		given[names.Key(n)] = true
		if err := tx.PointName(names.Key(n), from.ID); err != nil {
			return e, err
		}
	}
	into.Aliases = slices.DeleteFunc(into.Aliases, func(s string) bool { return given[names.Key(s)] })
	for t, v := range from.TypeVotes {
		into.TypeVotes[t] -= v
		if into.TypeVotes[t] <= 0 {
			delete(into.TypeVotes, t)
		}
	}
	if !into.TypeFixed {
		if err := retype(tx, &into); err != nil {
			return e, err
		}
	}
	if err := tx.PutActor(into); err != nil {
		return e, err
	}
	from.MergedInto = ""
	if err := tx.PutActor(from); err != nil {
		return e, err
	}
	if err := tx.AddType(from); err != nil {
		return e, err
	}
	delta.Actors++
	e.summary = fmt.Sprintf("unmerged %s from %s (%d assertions moved back)", from.Name, into.Name, moved)
	return e, applyDelta(tx, delta)
}

// retype sets an actor's type from its votes, keeping the type index in
// step.
func retype(tx *graph.Tx, a *graph.Actor) error {
	t := topVote(a.TypeVotes, a.Type)
	if a.TypeVotes[a.Type] == 0 && len(a.TypeVotes) > 0 {
		t = topVote(a.TypeVotes, "")
	}
	if t == a.Type {
		return nil
	}
	if err := tx.DropType(*a); err != nil {
		return err
	}
	a.Type = t
	return tx.AddType(*a)
}

func foldActorCorrection(tx *graph.Tx, ev events.Envelope, p *events.ActorCorrected) (effect, error) {
	e := effect{reason: p.Reason, entities: []string{graph.ActorEntity(p.Actor)}}
	if p.Actor == "" {
		return e, &events.ValidationError{Problems: []string{"correction names no actor"}}
	}
	a, err := survivor(tx, p.Actor)
	if err != nil {
		e.summary = "correction of an unknown actor: nothing changed"
		return e, ignoreNotFound(err)
	}
	var changes []string
	if p.Name != "" && p.Name != a.Name {
		changes = append(changes, fmt.Sprintf("name %q → %q", a.Name, p.Name))
		if !slices.ContainsFunc(a.Aliases, func(s string) bool { return names.Key(s) == names.Key(a.Name) }) {
			a.Aliases = append(a.Aliases, a.Name)
		}
		a.Name = p.Name
		if err := tx.PointName(names.Key(p.Name), a.ID); err != nil {
			return e, err
		}
	}
	if p.Type != "" && (p.Type != a.Type || !a.TypeFixed) {
		changes = append(changes, fmt.Sprintf("type %s → %s", a.Type, p.Type))
		if err := tx.DropType(a); err != nil {
			return e, err
		}
		a.Type, a.TypeFixed = p.Type, true
		if err := tx.AddType(a); err != nil {
			return e, err
		}
	}
	if len(changes) == 0 {
		e.summary = "correction changed nothing"
		return e, nil
	}
	e.summary = "corrected " + a.ID + ": " + fmt.Sprint(changes)
	return e, tx.PutActor(a)
}

func foldValidTime(tx *graph.Tx, ev events.Envelope, p *events.ValidTimeCorrected) (effect, error) {
	e := effect{reason: p.Reason, entities: []string{graph.AssertionEntity(p.AssertionID)}}
	a, err := tx.Assertion(p.AssertionID)
	if err != nil {
		e.summary = "valid time of an unknown assertion: nothing changed"
		return e, ignoreNotFound(err)
	}
	from, to := "", ""
	if p.Valid != nil {
		from, to = p.Valid.From, p.Valid.To
	}
	e.summary = fmt.Sprintf("valid time of %s: %s..%s → %s..%s", claim(a), a.ValidFrom, a.ValidTo, from, to)
	a.ValidFrom, a.ValidTo = from, to
	return e, tx.PutAssertion(a)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, graph.ErrNotFound) {
		return nil
	}
	return err
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
