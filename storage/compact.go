package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Compact rewrites the data file in dir into a fresh file that holds only
// the pages in use, each filled up, and puts it in place of the old one.
// bbolt never shrinks a file: pages freed by deletes, rewrites and bulk
// loads are reused but stay in the file. The old file is held with an
// exclusive lock from start to finish, so a running desk makes Compact
// fail with *ErrLocked and nothing changes; a crash before the final
// rename leaves the old file as it was (the half-written copy is
// replaced by the next attempt). It returns the file's size before and
// after.
func Compact(dir string, timeout time.Duration) (before, after int64, err error) {
	path := filepath.Join(dir, FileName)
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("no data file in %s: %w", dir, err)
	}
	before = st.Size()
	if err := checkPages(path, timeout); err != nil {
		return 0, 0, err
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return 0, 0, lockedBy(path)
		}
		return 0, 0, fmt.Errorf("open data file %s: %w", path, err)
	}
	defer src.Close()
	tmp := path + ".compact"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, 0, err
	}
	// The copy is synced once at the end rather than at each of its
	// transactions: until the rename it is nobody's data.
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{NoSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return 0, 0, fmt.Errorf("create %s: %w", tmp, err)
	}
	fail := func(err error) (int64, int64, error) {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, err
	}
	if err := bolt.Compact(dst, src, 64<<20); err != nil {
		return fail(fmt.Errorf("compact the data file: %w", err))
	}
	if err := dst.Sync(); err != nil {
		return fail(fmt.Errorf("sync the compacted file: %w", err))
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return 0, 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("put the compacted file in place: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself durable
		d.Close()
	}
	if st, err = os.Stat(path); err != nil {
		return 0, 0, err
	}
	return before, st.Size(), nil
}
