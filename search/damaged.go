package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
)

// ErrDamaged means the index could not be read: a file of it is damaged
// or missing. The index is derived data, so the caller rebuilds it from
// the data file; it is never the user's query that is at fault.
var ErrDamaged = errors.New("the search index is damaged")

// guard runs fn, turning a panic inside Bleve (a damaged segment can make
// it index past the end of a slice) into an ErrDamaged error.
func guard[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	return fn()
}

// verifySegments checks every segment file of the index in dir against
// the CRC-32 its footer carries (of all the bytes before it). Bleve does
// not check it: a segment damaged in its footer makes it panic on open,
// and one damaged in the middle opens and fails searches later.
func verifySegments(dir string) error {
	segs, err := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	if err != nil {
		return err
	}
	for _, seg := range segs {
		if err := verifySegment(seg); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrDamaged, filepath.Base(seg), err)
		}
	}
	return nil
}

func verifySegment(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if fi.Size() < 4 {
		return errors.New("too short to be a segment")
	}
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size()-4)); err != nil {
		return err
	}
	var tail [4]byte
	if _, err := f.ReadAt(tail[:], fi.Size()-4); err != nil {
		return err
	}
	if got, want := h.Sum32(), binary.BigEndian.Uint32(tail[:]); got != want {
		return fmt.Errorf("checksum %08x, footer says %08x", got, want)
	}
	return nil
}

// probe reads the opened index once, so a damage Bleve only notices when
// reading is found on open rather than by the first user.
func probe(idx bleve.Index) error {
	_, err := guard(func() (*bleve.SearchResult, error) {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
		req.Score = bleve.ScoreNone
		return idx.Search(req)
	})
	if err != nil {
		return err
	}
	_, err = guard(func() (uint64, error) { return idx.DocCount() })
	return err
}
