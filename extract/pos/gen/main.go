// Command gen converts the averaged-perceptron part-of-speech model that
// github.com/jdkato/prose/v2 ships (MIT licence; a port of TextBlob's
// tagger, trained on the Penn Treebank tag set) into the compact binary
// file package pos embeds.
//
// Dossier does not import prose: its tagger allocates a map per word and
// pulls regular expressions, gonum and a sentence splitter into the
// build, and its API tags only text it tokenises itself. The weights are
// what is worth having; package pos reads them with a featuriser written
// to produce exactly prose's feature strings, so the weights mean what
// they were trained to mean.
//
//	go run ./extract/pos/gen -prose "$(go env GOMODCACHE)/github.com/jdkato/prose/v2@v2.0.0/model/AveragedPerceptron"
//
// (`go mod download github.com/jdkato/prose/v2@v2.0.0` fetches it first.)
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"encoding/gob"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

func main() {
	dir := flag.String("prose", "", "prose's model/AveragedPerceptron directory")
	out := flag.String("out", "extract/pos/model.bin.gz", "file to write")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "pos/gen:", err)
		os.Exit(1)
	}
}

func decode(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := gob.NewDecoder(f).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

func run(dir, out string) error {
	if dir == "" {
		return fmt.Errorf("-prose is required")
	}
	var classes []string
	var tags map[string]string
	var weights map[string]map[string]float64
	for name, v := range map[string]any{"classes.gob": &classes, "tags.gob": &tags, "weights.gob": &weights} {
		if err := decode(filepath.Join(dir, name), v); err != nil {
			return err
		}
	}
	sort.Strings(classes)
	index := map[string]int{}
	for i, c := range classes {
		index[c] = i
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	put := func(s string) {
		var b [binary.MaxVarintLen64]byte
		w.Write(b[:binary.PutUvarint(b[:], uint64(len(s)))])
		w.WriteString(s)
	}
	count := func(n int) {
		var b [binary.MaxVarintLen64]byte
		w.Write(b[:binary.PutUvarint(b[:], uint64(n))])
	}
	w.WriteString("DPOS1")
	count(len(classes))
	for _, c := range classes {
		put(c)
	}
	words := slices.Sorted(maps.Keys(tags))
	count(len(words))
	for _, word := range words {
		put(word)
		w.WriteByte(byte(index[tags[word]]))
	}
	feats := slices.Sorted(maps.Keys(weights))
	count(len(feats))
	for _, feat := range feats {
		put(feat)
		labels := slices.Sorted(maps.Keys(weights[feat]))
		count(len(labels))
		for _, l := range labels {
			w.WriteByte(byte(index[l]))
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(weights[feat][l])))
			w.Write(b[:])
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
