package app

import (
	"crypto/ed25519"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"licensedesk/storage"
)

// A machine's last-seen time is kept to the hour in its own bucket, apart
// from the license record, so a validation never rewrites the license:
//
//	client_seen: license id | fingerprint -> unix seconds
//
// Calls note the time in memory; a background flush writes, in one
// transaction, only the machines not written within the hour.
const seenEvery = time.Hour

func seenKey(id uint64, fp string) []byte {
	return append(storage.EncodeID(id), fp...)
}

func getSeen(tx *storage.Tx, id uint64, fp string) (time.Time, bool) {
	raw := tx.GetRaw(storage.ClientSeen, seenKey(id, fp))
	if len(raw) != 8 {
		return time.Time{}, false
	}
	return time.Unix(int64(binary.BigEndian.Uint64(raw)), 0).UTC(), true
}

func deleteSeen(tx *storage.Tx, id uint64, fp string) error {
	return tx.Delete(storage.ClientSeen, seenKey(id, fp))
}

// seenTracker remembers when each machine was last written and what is
// waiting to be written.
type seenTracker struct {
	mu        sync.Mutex
	written   map[string]int64 // seenKey -> unix seconds last written (or known written)
	pending   map[string]int64
	lastFlush atomic.Int64 // unix nanoseconds
	flushing  atomic.Bool
}

// maxSeenTracked bounds the memory of written times; past it they are
// forgotten, which costs one extra write per machine.
const maxSeenTracked = 1 << 20

func (t *seenTracker) touch(id uint64, fp string, now time.Time) {
	k := string(seenKey(id, fp))
	sec := now.Unix()
	t.mu.Lock()
	defer t.mu.Unlock()
	if w, ok := t.written[k]; ok && sec-w < int64(seenEvery/time.Second) {
		return
	}
	if t.pending == nil {
		t.pending = map[string]int64{}
	}
	t.pending[k] = sec
}

func (t *seenTracker) pendingAt(id uint64, fp string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sec, ok := t.pending[string(seenKey(id, fp))]
	return time.Unix(sec, 0).UTC(), ok
}

// take hands out what is pending and marks it written.
func (t *seenTracker) take() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pending
	t.pending = nil
	if t.written == nil || len(t.written)+len(p) > maxSeenTracked {
		t.written = map[string]int64{}
	}
	for k, v := range p {
		t.written[k] = v
	}
	return p
}

func (t *seenTracker) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// seenFlushEvery is how long noted times wait before they are written.
const seenFlushEvery = 10 * time.Second

// flushSeenSoon starts a background flush when times have waited long
// enough or many are waiting.
func (s *Service) flushSeenSoon() {
	n := s.seen.size()
	if n == 0 {
		return
	}
	if n < 10000 && time.Since(time.Unix(0, s.seen.lastFlush.Load())) < seenFlushEvery {
		return
	}
	if !s.seen.flushing.CompareAndSwap(false, true) {
		return
	}
	s.clientBG.run(func() {
		defer s.seen.flushing.Store(false)
		s.flushSeen()
	})
}

// flushSeen writes the noted last-seen times of machines still registered.
func (s *Service) flushSeen() {
	s.seen.lastFlush.Store(time.Now().UnixNano())
	p := s.seen.take()
	if len(p) == 0 {
		return
	}
	err := s.db.Batch(func(tx *storage.Tx) error {
		for k, sec := range p {
			kb := []byte(k)
			id := storage.DecodeID(kb[:8])
			l, err := rawLicense(tx, id)
			if err != nil || registered(&l, k[8:]) < 0 {
				continue // deleted or deactivated meanwhile
			}
			if err := tx.PutRaw(storage.ClientSeen, kb, binary.BigEndian.AppendUint64(nil, uint64(sec))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("write machines' last-seen times", "machines", len(p), "err", err)
	}
}

// bgGroup runs the client API's background work (last-seen flushes,
// audits of locked addresses) and waits for it when the service closes.
type bgGroup struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (g *bgGroup) run(fn func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn()
	}()
}

func (g *bgGroup) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.wg.Wait()
}

// closeClient finishes background work and writes the last-seen times
// still pending; Close calls it before the data file closes.
func (s *Service) closeClient() {
	s.clientBG.close()
	s.flushSeen()
}

// signerCache keeps the current signing key expanded: deriving an
// Ed25519 private key from its seed costs as much as a signature.
type signerCache struct {
	cur atomic.Pointer[cachedSigner]
}

type cachedSigner struct {
	id   string
	seed []byte
	priv ed25519.PrivateKey
}

func (c *signerCache) get(r signingKeyRecord) ed25519.PrivateKey {
	if p := c.cur.Load(); p != nil && p.id == r.ID && string(p.seed) == string(r.Seed) {
		return p.priv
	}
	p := &cachedSigner{id: r.ID, seed: append([]byte(nil), r.Seed...), priv: ed25519.NewKeyFromSeed(r.Seed)}
	c.cur.Store(p)
	return p.priv
}
