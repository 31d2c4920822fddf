package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dossier-kg/dossier/graph"
	"github.com/dossier-kg/dossier/stream"
)

// Start-up integrity. The store is a fold of the log, and it records
// where it is in it: its applied sequence, and for every event it folded
// an audit record with the event's id and stream time (ev:<seq>). Before
// serving, the node compares these with what the stream says it holds
// (first and last sequence, count, the sequences it has lost) and with
// the event at the applied sequence, and refuses a log that is behind
// its store, has lost events, or is another log. What each refusal says
// to do never loses what the store holds and the log does not.

// StoreAheadError says the projection has applied events the log does
// not hold: the log was lost, cut short or replaced (an older backup of
// the NATS directory, another NATS server) since the store was built.
// Serving on would acknowledge new writes the projector never folds:
// their sequences count as applied already.
type StoreAheadError struct {
	Stream           string
	Applied, LogLast uint64
}

func (e *StoreAheadError) Error() string {
	return fmt.Sprintf("the graph store has applied sequence %d but stream %s ends at %d: the log was lost, cut short or replaced since the store was built, "+
		"and the store holds what events %d-%d recorded while the log does not. Point --nats at the log this store was built from, "+
		"or restore the log from a backup (`dossier restore BACKUP --data NEW`); `dossier rebuild --accept-log-loss` would project the log as it is and lose those events",
		e.Applied, e.Stream, e.LogLast, e.LogLast+1, e.Applied)
}

// LogDamageError says the stream has lost events: sequences below its
// last that it no longer holds (a block of its files cut short or
// removed; the log never deletes).
type LogDamageError struct {
	Stream string
	// Applied is the store's applied sequence; Last the stream's last.
	Applied, Last uint64
	// Missing are the lost sequences not accepted before.
	Missing stream.Ranges
	// Folded counts the missing events the store had folded: it still
	// holds what they recorded, and the log does not.
	Folded uint64
	// Unknown says the store could not be read (damaged, or of another
	// layout): whether it folded them is not known.
	Unknown bool
}

func (e *LogDamageError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stream %s has lost %d of its %d events (sequences %s): its files are damaged. ", e.Stream, e.Missing.Count(), e.Last, e.Missing)
	switch {
	case e.Unknown:
		fmt.Fprintf(&b, "The graph store cannot be read, so whether it holds what they recorded is not known. "+
			"Restore the log from a backup (`dossier restore BACKUP --data NEW`), or rebuild with --accept-log-loss, which records the loss")
	case e.Folded > 0:
		fmt.Fprintf(&b, "The graph store (applied %d) had folded %d of them and still holds what they recorded, which the log no longer does: "+
			"`dossier rebuild` would lose it, do not run it. Restore the log from a backup (`dossier restore BACKUP --data NEW`, then `dossier serve --data NEW`), "+
			"or serve this store on with --accept-log-loss, which records the loss and keeps what the store holds (then take a backup: the log alone no longer makes this graph)",
			e.Applied, e.Folded)
	default:
		fmt.Fprintf(&b, "The graph store (applied %d) never folded them: they are in neither. "+
			"Restore the log from a backup that holds them (`dossier restore BACKUP --data NEW`), or serve on with --accept-log-loss, which records the loss", e.Applied)
	}
	return b.String()
}

// LogMismatchError says the log's event at the store's applied sequence
// is not the event the store folded there: the store was built from
// another log (a NATS directory or server replaced by another of the
// same length or longer).
type LogMismatchError struct {
	Stream   string
	Sequence uint64
	// Log is what the log holds at Sequence, Store what the store folded.
	Log, Store stream.Stored
}

func (e *LogMismatchError) Error() string {
	return fmt.Sprintf("stream %s's event %d (id %q, stored %s) is not the one the graph store folded there (id %q, stored %s): the store was built from another log. "+
		"Point --nats at the log this store was built from, or restore that log from a backup (`dossier restore BACKUP --data NEW`); "+
		"`dossier rebuild --accept-log-loss` would project this log instead and lose what the store holds",
		e.Stream, e.Sequence, e.Log.ID, e.Log.Time.Format(time.RFC3339Nano), e.Store.ID, e.Store.Time.Format(time.RFC3339Nano))
}

// Damaged says whether err reports a damaged or mismatched log or store:
// what `serve` refuses to start on and `rebuild` refuses to overwrite.
func Damaged(err error) bool {
	return errors.As(err, new(*StoreAheadError)) || errors.As(err, new(*LogDamageError)) ||
		errors.As(err, new(*LogMismatchError)) || errors.As(err, new(*graph.CorruptError))
}

// checkIntegrity compares the log with a store, given the lost
// sequences an operator has accepted already. It returns the log's state
// and nil, or a *StoreAheadError, *LogDamageError or *LogMismatchError.
// It costs a stream-info call, a message read and a store read, and with
// scan a read of the whole log (stream.Log.Scan), without which a block
// damaged in place may pass unseen until it is read.
func checkIntegrity(ctx context.Context, log *stream.Log, store *graph.Store, accepted stream.Ranges, scan bool) (stream.State, error) {
	st, err := log.State(ctx)
	if err != nil {
		return st, err
	}
	if scan {
		lost, err := log.Scan(ctx, st.Last)
		if err != nil {
			return st, err
		}
		st.Missing = st.Missing.Union(lost)
	}
	applied := store.Applied()
	if applied > st.Last {
		return st, &StoreAheadError{Stream: log.Stream(), Applied: applied, LogLast: st.Last}
	}
	if missing := st.Missing.Minus(accepted); len(missing) > 0 {
		e := &LogDamageError{Stream: log.Stream(), Applied: applied, Last: st.Last, Missing: missing}
		for _, r := range missing.Upto(applied) {
			n, err := store.EventsFolded(r.First, r.Last)
			if err != nil {
				return st, fmt.Errorf("read the store's events %s: %w", r, err)
			}
			e.Folded += n
		}
		return st, e
	}
	if applied == 0 || st.Missing.Contains(applied) {
		return st, nil
	}
	// The checkpoint: the event the store folded last is the log's.
	v, err := store.View(applied)
	if err != nil {
		return st, err
	}
	rec, err := v.Event(applied)
	v.Close()
	if errors.Is(err, graph.ErrNotFound) {
		return st, nil // nothing to compare with
	}
	if err != nil {
		return st, fmt.Errorf("read the store's event %d: %w", applied, err)
	}
	got, err := log.StoredAt(ctx, applied)
	if errors.Is(err, stream.ErrNoEvent) {
		// Lost since the state was read.
		return st, &LogDamageError{Stream: log.Stream(), Applied: applied, Last: st.Last, Missing: stream.Ranges{{First: applied, Last: applied}}, Folded: 1}
	}
	if err != nil {
		return st, err
	}
	if (rec.ID != "" && got.ID != "" && rec.ID != got.ID) || !rec.Time.Equal(got.Time) {
		return st, &LogMismatchError{Stream: log.Stream(), Sequence: applied, Log: got, Store: stream.Stored{Sequence: applied, ID: rec.ID, Time: rec.Time}}
	}
	return st, nil
}

// checkStart runs the integrity check before the node serves. Losses an
// operator accepts (Config.AcceptLogLoss) are recorded, so that the
// flag is needed once, and a later loss is refused again.
func (n *Node) checkStart(ctx context.Context) error {
	accepted, err := readAcceptedLoss(n.acceptedLossFile(), n.log.Stream())
	if err != nil {
		return err
	}
	// The embedded server's files are read whole when they are not as
	// the node left them (see logBlocks): after a crash, a copy, damage.
	scan := false
	if n.srv != nil {
		if scan, err = n.blocksChanged(); err != nil {
			return err
		}
	}
	st, err := checkIntegrity(ctx, n.log, n.store, accepted.Missing, scan)
	var damage *LogDamageError
	if errors.As(err, &damage) && n.cfg.AcceptLogLoss {
		accepted = acceptedLoss{Stream: n.log.Stream(), Missing: st.Missing, Accepted: time.Now().UTC(), Applied: damage.Applied,
			Folded: accepted.Folded + damage.Folded}
		if err := writeAcceptedLoss(n.acceptedLossFile(), accepted); err != nil {
			return err
		}
		n.cfg.Logger.Error("serving a log that has lost events, as --accept-log-loss says; the loss is recorded", "file", n.acceptedLossFile(), "damage", damage.Error())
	} else if err != nil {
		return err
	} else if len(st.Missing) > 0 {
		n.cfg.Logger.Warn("the log has lost events, a loss accepted before", "stream", n.log.Stream(), "missing", st.Missing.String(),
			"accepted", accepted.Accepted, "file", n.acceptedLossFile())
	}
	n.startLast = st.Last
	n.checked.Store(true)
	return n.recordBlocks()
}

// acceptedLoss is what an operator accepted of a log's losses, kept in
// the data directory beside the store: Badger's keys are each a function
// of the events (see graph.Digest), and this is not.
type acceptedLoss struct {
	Stream string `json:"stream"`
	// Missing are the sequences the log had lost when it was accepted.
	Missing  stream.Ranges `json:"missing"`
	Accepted time.Time     `json:"accepted"`
	// Applied is the store's applied sequence then, Folded how many of
	// the missing events the store had folded (and holds).
	Applied uint64 `json:"applied"`
	Folded  uint64 `json:"folded"`
}

// acceptedLossFile records the losses accepted with --accept-log-loss.
func (n *Node) acceptedLossFile() string {
	return filepath.Join(n.cfg.DataDir, "accepted-log-loss.json")
}

func readAcceptedLoss(path, streamName string) (acceptedLoss, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return acceptedLoss{}, nil
	}
	if err != nil {
		return acceptedLoss{}, fmt.Errorf("read accepted log losses: %w", err)
	}
	var a acceptedLoss
	if err := json.Unmarshal(b, &a); err != nil {
		return acceptedLoss{}, fmt.Errorf("read accepted log losses %s: %w", path, err)
	}
	if a.Stream != streamName {
		return acceptedLoss{}, nil // another stream's
	}
	return a, nil
}

func writeAcceptedLoss(path string, a acceptedLoss) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("record the accepted log loss: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("record the accepted log loss: %w", err)
	}
	return nil
}

// The embedded server's message blocks, as the node last left them. A
// JetStream file store trusts its index for every block but the last: a
// block cut short or garbled in place is noticed only when it is read,
// and until then the stream's state counts events it no longer holds.
// Reading the whole log at every start would find it, at a cost that
// grows with the log, so the node records each block's size and time
// after it checked the log and when it stops, and reads the log whole at
// start only when a block is not as it was recorded: after a crash (the
// blocks written since were not recorded), a copy that did not keep the
// files' times, or damage.

// blockRecord is what is recorded of one block file.
type blockRecord struct {
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
}

// blocksFile records the embedded log's blocks.
func (n *Node) blocksFile() string {
	return filepath.Join(n.cfg.DataDir, "log-blocks.json")
}

// logBlocks lists the embedded log's block files, by their path under
// the JetStream directory.
func (n *Node) logBlocks() (map[string]blockRecord, error) {
	root := filepath.Join(n.cfg.DataDir, "nats", "jetstream")
	paths, err := filepath.Glob(filepath.Join(root, "*", "streams", n.log.Stream(), "msgs", "*.blk"))
	if err != nil {
		return nil, err
	}
	out := make(map[string]blockRecord, len(paths))
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("the log's files: %w", err)
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = blockRecord{Size: st.Size(), Modified: st.ModTime().UTC()}
	}
	return out, nil
}

// blocksChanged says whether the embedded log's blocks differ from the
// record (or there is none).
func (n *Node) blocksChanged() (bool, error) {
	now, err := n.logBlocks()
	if err != nil {
		return false, err
	}
	b, err := os.ReadFile(n.blocksFile())
	if errors.Is(err, fs.ErrNotExist) {
		return len(now) > 0, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the record of the log's files: %w", err)
	}
	var was map[string]blockRecord
	if json.Unmarshal(b, &was) != nil || len(was) != len(now) {
		return true, nil
	}
	for name, r := range now {
		if w, ok := was[name]; !ok || w.Size != r.Size || !w.Modified.Equal(r.Modified) {
			return true, nil
		}
	}
	return false, nil
}

// recordBlocks records the embedded log's blocks as they are: after the
// log was checked at start, and when the node stops (the server shut
// down, so that nothing more is written).
func (n *Node) recordBlocks() error {
	if n.srv == nil {
		return nil
	}
	now, err := n.logBlocks()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(now, "", "  ")
	if err != nil {
		return err
	}
	tmp := n.blocksFile() + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("record the log's files: %w", err)
	}
	if err := os.Rename(tmp, n.blocksFile()); err != nil {
		return fmt.Errorf("record the log's files: %w", err)
	}
	return nil
}
