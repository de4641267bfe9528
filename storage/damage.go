package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrDamaged is returned when the data file's pages cannot be read.
type ErrDamaged struct {
	Path   string
	Reason string
}

func (e *ErrDamaged) Error() string {
	return fmt.Sprintf("the data file %s is damaged (%s): restore it from a backup with 'licensedesk restore FILE'", e.Path, e.Reason)
}

// checkPages walks every page of the data file at path, read-only, when
// opening it for writing would make bbolt walk them itself: after a crash
// or from a hot backup the file has no freelist written (NoFreelistSync),
// and bbolt then rebuilds it by walking the file in a goroutine of its own,
// where a damaged page panics and takes the whole process down with a
// stack trace. Walked here, in this goroutine, the same damage is an
// *ErrDamaged. A file closed cleanly has its freelist and is not walked.
func checkPages(path string, timeout time.Duration) error {
	synced, err := freelistWritten(path)
	if err != nil || synced {
		return nil // no file yet, or bbolt reports what is wrong with its header
	}
	return walkPages(path, timeout)
}

// CheckPages reads every page of the data file at path, read-only, and
// returns an *ErrDamaged for the first one that is not what the file's
// tree says it is. Restore runs it on a backup before putting it in place.
func CheckPages(path string, timeout time.Duration) error {
	return walkPages(path, timeout)
}

func walkPages(path string, timeout time.Duration) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return lockedBy(path)
		}
		return nil // bbolt's own open reports it
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &ErrDamaged{Path: path, Reason: fmt.Sprint(r)}
			}
		}()
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walkBucket(b) })
	})
}

// walkBucket reads every key of b and of its nested buckets, so every
// branch and leaf page under it.
func walkBucket(b *bolt.Bucket) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if nb := b.Bucket(k); nb != nil {
				if err := walkBucket(nb); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// bbolt's file header: two meta pages (0 and 1), each a 16-byte page
// header then the meta (in the machine's byte order), whose checksum is
// FNV-64a of the meta before it.
const (
	pageHeaderSize  = 16
	metaMagic       = 0xED0CDAED
	metaVersion     = 2
	metaFreelistOff = 32 // after magic, version, page size, flags, root bucket
	metaTxidOff     = 48
	metaChecksumOff = 56
	noFreelist      = ^uint64(0)
)

// freelistWritten reports whether the newest valid meta page of the file
// at path names a freelist page.
func freelistWritten(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	first := make([]byte, pageHeaderSize+metaChecksumOff+8)
	if _, err := io.ReadFull(f, first); err != nil {
		return false, err
	}
	pageSize := int64(binary.NativeEndian.Uint32(first[pageHeaderSize+8:]))
	second := make([]byte, len(first))
	if _, err := f.ReadAt(second, pageSize); err != nil {
		second = nil
	}
	var best []byte
	var bestTx uint64
	for _, p := range [][]byte{first, second} {
		if p == nil {
			continue
		}
		m := p[pageHeaderSize:]
		if binary.NativeEndian.Uint32(m) != metaMagic || binary.NativeEndian.Uint32(m[4:]) != metaVersion {
			continue
		}
		h := fnv.New64a()
		h.Write(m[:metaChecksumOff])
		if h.Sum64() != binary.NativeEndian.Uint64(m[metaChecksumOff:]) {
			continue
		}
		if tx := binary.NativeEndian.Uint64(m[metaTxidOff:]); best == nil || tx > bestTx {
			best, bestTx = m, tx
		}
	}
	if best == nil {
		return false, errors.New("no valid meta page")
	}
	return binary.NativeEndian.Uint64(best[metaFreelistOff:]) != noFreelist, nil
}
