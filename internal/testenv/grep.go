package testenv

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// FilesHolding walks every regular file under dir (NATS block and index
// files, Badger's .sst, .vlog and .mem files, anything) and returns the
// paths, relative to dir, of those whose bytes contain needle. Erasure
// tests use it to show that words are gone from the disk, not only from
// what the API answers.
func FilesHolding(tb testing.TB, dir string, needle []byte) []string {
	tb.Helper()
	return Holding(tb, dir, [][]byte{needle})[0]
}

// Holding is FilesHolding for many needles at once, reading each file
// once: found[i] lists the files holding needles[i].
func Holding(tb testing.TB, dir string, needles [][]byte) (found [][]string) {
	tb.Helper()
	longest := 0
	for _, n := range needles {
		if len(n) == 0 {
			tb.Fatal("Holding: an empty needle")
		}
		longest = max(longest, len(n))
	}
	found = make([][]string, len(needles))
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking (a compaction, a new block)
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		hits, err := search(path, needles, longest)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		for i, hit := range hits {
			if hit {
				found[i] = append(found[i], rel)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", dir, err)
	}
	return found
}

// Linux lseek's whence for the next data and the next hole: Badger's
// value log is a sparse file of 2 GiB, almost all hole, and reading its
// holes would take the test's time for nothing.
const (
	seekData = 3
	seekHole = 4
)

// search reads a file's data, skipping its holes where the file system
// says where they are, in chunks that overlap by the longest needle.
func search(path string, needles [][]byte, longest int) ([]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	hits := make([]bool, len(needles))
	const chunk = 8 << 20
	buf := make([]byte, chunk+longest)
	for off := int64(0); off < st.Size(); {
		start, err := f.Seek(off, seekData)
		if errors.Is(err, syscall.ENXIO) {
			break // nothing but a hole after off
		}
		if err != nil {
			start = off // no SEEK_DATA on this system: read it all
		}
		end, err := f.Seek(start, seekHole)
		if err != nil || end <= start {
			end = st.Size()
		}
		for pos := start; pos < end; pos += chunk {
			n, err := f.ReadAt(buf[:min(int64(len(buf)), end-pos)], pos)
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			for i, nd := range needles {
				hits[i] = hits[i] || bytes.Contains(buf[:n], nd)
			}
			if n == 0 {
				break
			}
		}
		if end <= off {
			break
		}
		off = end
	}
	return hits, nil
}
