// Package storage keeps licensedesk's data in one bbolt file: buckets, JSON
// encoding, secondary indexes, the change log the search index follows,
// schema migrations and hot backup. It knows nothing of the domain above it.
package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique index already holds the value.
var ErrConflict = errors.New("already exists")

// ErrLocked is returned when another process holds the data file.
type ErrLocked struct {
	Path   string
	PID    int    // 0 when unknown
	Holder string // what the process runs ("serve", "import"), when it said
}

func (e *ErrLocked) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("the data file %s is in use by another licensedesk process (pid %d); stop it first, or run this command against the running server", e.Path, e.PID)
	}
	return fmt.Sprintf("the data file %s is in use by another process; stop it first", e.Path)
}

// Options for Open.
type Options struct {
	// Timeout waits this long for the file lock before giving up.
	Timeout time.Duration
	// ReadOnly opens the file with a shared lock and no writes.
	ReadOnly bool
	// Holder names what opens the file for writing ("serve", "import"):
	// written into the pid file after the pid, so a process that finds
	// the file locked can say what holds it.
	Holder string
	// Migrations are the domain's own schema migrations (those that read
	// records through its codecs), run in version order with this
	// package's.
	Migrations []Migration
}

// DB is the licensedesk database.
type DB struct {
	bolt *bolt.DB
	path string

	groupMu sync.RWMutex
	group   *grouper // the group-commit writer; nil when read-only or closed
}

// FileName is the name of the data file inside the data directory.
const FileName = "licensedesk.db"

// Open opens (creating if needed) the database in dir, creates every
// bucket, and applies pending migrations.
func Open(dir string, opt Options) (*DB, error) {
	if opt.Timeout == 0 {
		opt.Timeout = 2 * time.Second
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	if !opt.ReadOnly {
		if err := checkPages(path, opt.Timeout); err != nil {
			return nil, err
		}
	}
	b, err := bolt.Open(path, 0o600, boltOptions(opt))
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, lockedBy(path)
		}
		return nil, fmt.Errorf("open data file %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path}
	if !opt.ReadOnly {
		writePID(dir, opt.Holder)
		if err := db.init(opt.Migrations); err != nil {
			b.Close()
			removePID(dir) // nothing runs: leave no pid file
			return nil, err
		}
		db.group = newGrouper(db)
	}
	return db, nil
}

// boltOptions are the file's open options. The freelist is not written on
// each commit (NoFreelistSync): on a file of a million licenses it is
// hundreds of KiB, and writing it every commit cost more than the change
// itself. Close writes it once, so a clean start reads it; after a crash
// bbolt rebuilds it by walking the file's pages.
//
// The array freelist hands out the lowest free pages first, so a commit's
// pages lie near each other; the map freelist hands out single free pages
// in no order, all over the file. On this kind of disk 200 pages scattered
// over 1 GiB take 18 ms to write and sync, over 64 MiB 8 ms, side by side
// 1.5 ms (bench/disk), and a commit's pages are most of its time: purchases
// went 12 % faster on a fresh desk, 30 % at a million licenses and 23 % on
// that desk with 320,000 free pages (bench/RESULTS.md, 2026-12-01). Its
// cost, merging freed pages into one sorted array per commit, did not show
// in those runs.
func boltOptions(opt Options) *bolt.Options {
	return &bolt.Options{Timeout: opt.Timeout, ReadOnly: opt.ReadOnly,
		NoFreelistSync: true, FreelistType: bolt.FreelistArrayType}
}

const pidFile = "licensedesk.pid"

// writePID writes "PID" or "PID HOLDER" into the pid file.
func writePID(dir, holder string) {
	line := strconv.Itoa(os.Getpid())
	if holder = strings.TrimSpace(holder); holder != "" {
		line += " " + holder
	}
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(line+"\n"), 0o600); err != nil {
		// A full disk truncates the file and fails to write it: an
		// empty pid file says nothing, so leave none.
		os.Remove(filepath.Join(dir, pidFile))
	}
}

// removePID removes the pid file when it is this process's.
func removePID(dir string) {
	if readPID(dir) == os.Getpid() {
		os.Remove(filepath.Join(dir, pidFile))
	}
}

// readPIDFile reads the pid file: the pid (0 when unknown) and what the
// process said it runs.
func readPIDFile(dir string) (int, string) {
	b, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return 0, ""
	}
	pid, holder, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	n, err := strconv.Atoi(pid)
	if err != nil {
		return 0, ""
	}
	return n, strings.TrimSpace(holder)
}

func readPID(dir string) int {
	pid, _ := readPIDFile(dir)
	return pid
}

// lockedBy is the error for the data file at path held by another process.
func lockedBy(path string) *ErrLocked {
	pid, holder := readPIDFile(filepath.Dir(path))
	return &ErrLocked{Path: path, PID: pid, Holder: holder}
}

// Close closes the file and removes the pid marker.
func (db *DB) Close() error {
	if db.bolt == nil {
		return nil
	}
	db.groupMu.Lock()
	if db.group != nil {
		db.group.close()
		db.group = nil
	}
	db.groupMu.Unlock()
	ro := db.bolt.IsReadOnly()
	if !ro {
		// Leave the freelist written: the next open then reads it instead
		// of walking every page of the file (seconds at a million
		// licenses). Only after a crash does the next open walk them.
		db.bolt.NoFreelistSync = false
		_ = db.bolt.Update(func(*bolt.Tx) error { return nil })
	}
	err := db.bolt.Close()
	if !ro {
		dir := filepath.Dir(db.path)
		if readPID(dir) == os.Getpid() {
			os.Remove(filepath.Join(dir, pidFile))
		}
	}
	db.bolt = nil
	return err
}

// Path is the data file's path.
func (db *DB) Path() string { return db.path }

// Bolt exposes the bbolt handle for tools (benchmark loaders) that write in bulk.
func (db *DB) Bolt() *bolt.DB { return db.bolt }

// Update runs fn in one read-write transaction: all of it or none.
func (db *DB) Update(fn func(tx *Tx) error) error {
	return db.bolt.Update(func(btx *bolt.Tx) error { return runWrite(fn, &Tx{Tx: btx}) })
}

// Batch is Update for concurrent callers; fn may run more than once.
func (db *DB) Batch(fn func(tx *Tx) error) error {
	return db.bolt.Batch(func(btx *bolt.Tx) error { return runWrite(fn, &Tx{Tx: btx}) })
}

// runWrite runs fn and then moves full write buffers (fresh.go).
func runWrite(fn func(tx *Tx) error, tx *Tx) error {
	if err := fn(tx); err != nil {
		return err
	}
	return tx.moveFresh()
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{Tx: btx}) })
}

// Backup writes a consistent copy of the whole database to w while
// writers continue. size is called first with the byte count.
func (db *DB) Backup(w io.Writer, size func(int64)) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if size != nil {
			size(tx.Size())
		}
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// Tx is one transaction with typed helpers.
type Tx struct {
	*bolt.Tx
}

func (tx *Tx) bucket(name string) *bolt.Bucket {
	b := fill(name, tx.Tx.Bucket([]byte(name)))
	if b == nil {
		panic("storage: bucket " + name + " was not created at open")
	}
	return b
}

// Get decodes the JSON record at key into v, or returns ErrNotFound.
func (tx *Tx) Get(bucket string, key []byte, v any) error {
	raw := tx.getRaw(bucket, key)
	if raw == nil {
		return ErrNotFound
	}
	return json.Unmarshal(raw, v)
}

// Peek returns the bytes at key, or nil, without copying them: they are
// valid only until the transaction ends and must not be changed.
func (tx *Tx) Peek(bucket string, key []byte) []byte {
	return tx.getRaw(bucket, key)
}

// GetRaw returns a copy of the bytes at key, or nil.
func (tx *Tx) GetRaw(bucket string, key []byte) []byte {
	raw := tx.getRaw(bucket, key)
	if raw == nil {
		return nil
	}
	return append([]byte(nil), raw...)
}

// Put stores v as JSON at key.
func (tx *Tx) Put(bucket string, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.putRaw(bucket, key, raw)
}

// PutRaw stores bytes at key.
func (tx *Tx) PutRaw(bucket string, key, val []byte) error {
	return tx.putRaw(bucket, key, val)
}

// Delete removes key.
func (tx *Tx) Delete(bucket string, key []byte) error {
	return tx.deleteRaw(bucket, key)
}

// NextID returns the next sequence number of bucket (starting at 1).
func (tx *Tx) NextID(bucket string) (uint64, error) {
	return tx.bucket(bucket).NextSequence()
}

// NextIDs draws n consecutive ids from bucket's sequence and returns the
// first.
func (tx *Tx) NextIDs(bucket string, n uint64) (uint64, error) {
	if n == 0 {
		return 0, errors.New("storage: NextIDs of none")
	}
	b := tx.bucket(bucket)
	first := b.Sequence() + 1
	return first, b.SetSequence(first + n - 1)
}

// Count returns the number of keys in bucket.
func (tx *Tx) Count(bucket string) int {
	if _, ok := buffered[bucket]; ok {
		n := 0
		tx.Each(bucket, nil, func(_, _ []byte) bool { n++; return true })
		return n
	}
	return tx.bucket(bucket).Stats().KeyN
}

// Each calls fn for each key with the given prefix in order (all when
// prefix is nil); fn returning false stops. Values are valid only inside fn.
func (tx *Tx) Each(bucket string, prefix []byte, fn func(k, v []byte) bool) {
	c := tx.Cursor(bucket)
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if !fn(k, v) {
			return
		}
	}
}

// EachFrom calls fn for each key from start (inclusive) to the end of the
// bucket; fn returning false stops.
func (tx *Tx) EachFrom(bucket string, start []byte, fn func(k, v []byte) bool) {
	c := tx.Cursor(bucket)
	for k, v := c.Seek(start); k != nil; k, v = c.Next() {
		if !fn(k, v) {
			return
		}
	}
}

// EachBefore calls fn for each key with prefix that sorts at or before
// start, from start backwards; fn returning false stops.
func (tx *Tx) EachBefore(bucket string, prefix, start []byte, fn func(k, v []byte) bool) {
	c := tx.Cursor(bucket)
	k, v := c.Seek(start)
	switch {
	case k == nil:
		k, v = c.Last()
	case string(k) != string(start):
		k, v = c.Prev()
	}
	for ; k != nil && hasPrefix(k, prefix); k, v = c.Prev() {
		if !fn(k, v) {
			return
		}
	}
}

// EachReverse is Each from the last key backwards.
func (tx *Tx) EachReverse(bucket string, prefix []byte, fn func(k, v []byte) bool) {
	c := tx.Cursor(bucket)
	var k, v []byte
	if len(prefix) == 0 {
		k, v = c.Last()
	} else {
		end := prefixEnd(prefix)
		if end == nil {
			k, v = c.Last()
		} else {
			k, _ = c.Seek(end)
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		}
	}
	for ; k != nil && hasPrefix(k, prefix); k, v = c.Prev() {
		if !fn(k, v) {
			return
		}
	}
}

func hasPrefix(k, p []byte) bool {
	return len(k) >= len(p) && string(k[:len(p)]) == string(p)
}

func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Unique claims value in a unique-index bucket for id. Claiming a value
// another id holds returns ErrConflict; the same id may claim it again.
func (tx *Tx) Unique(bucket, value string, id uint64) error {
	if cur := tx.getRaw(bucket, []byte(value)); cur != nil && DecodeID(cur) != id {
		return ErrConflict
	}
	return tx.putRaw(bucket, []byte(value), EncodeID(id))
}

// Lookup returns the id a unique-index bucket holds for value.
func (tx *Tx) Lookup(bucket, value string) (uint64, error) {
	v := tx.getRaw(bucket, []byte(value))
	if v == nil {
		return 0, ErrNotFound
	}
	return DecodeID(v), nil
}

// EncodeID encodes an id as 8 big-endian bytes so keys sort numerically.
func EncodeID(id uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, id)
	return b
}

// DecodeID is the inverse of EncodeID.
func DecodeID(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b[:8])
}

// Key joins parts into a composite index key. Each part is a string,
// uint64, int64 (sign-flipped so negatives sort first) or []byte;
// strings are terminated by 0x00 so a prefix never matches a longer value.
func Key(parts ...any) []byte {
	var k []byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			k = append(k, v...)
			k = append(k, 0)
		case uint64:
			k = binary.BigEndian.AppendUint64(k, v)
		case int64:
			k = binary.BigEndian.AppendUint64(k, uint64(v)^(1<<63))
		case []byte:
			k = append(k, v...)
		default:
			panic(fmt.Sprintf("storage.Key: unsupported part %T", p))
		}
	}
	return k
}
