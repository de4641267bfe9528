package app

import (
	"bytes"
	"encoding/json"
	"sync"

	"licensedesk/storage"
)

// recordCache keeps the decoded form of records that every purchase
// reads (its product and partner), keyed by the stored bytes: a record
// is decoded again only when its bytes differ from the cached ones, so
// an edit, a rollback or another process's write is never served stale.
// Decoding a product's JSON cost about 25 µs a read, in the writer's
// transaction.
//
// Values share their slices with the cache: callers read them and must
// not modify them in place.
type recordCache[K comparable, T any] struct {
	mu sync.Mutex
	m  map[K]cachedRecord[T]
}

type cachedRecord[T any] struct {
	raw []byte
	v   T
}

// recordCacheMax bounds the cache; past it, it starts again empty.
const recordCacheMax = 4096

// cachedByID reads the record at id from bucket in tx through c.
func cachedByID[T any](c *recordCache[uint64, T], tx *storage.Tx, bucket string, id uint64) (T, error) {
	return c.get(tx, bucket, id, storage.EncodeID(id))
}

// get reads the record at key from bucket in tx, cached under k,
// decoding only when its bytes changed.
func (c *recordCache[K, T]) get(tx *storage.Tx, bucket string, k K, key []byte) (T, error) {
	var zero T
	raw := tx.Peek(bucket, key)
	if raw == nil {
		return zero, ErrNotFound
	}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.v, nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return zero, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= recordCacheMax {
		c.m = map[K]cachedRecord[T]{}
	}
	c.m[k] = cachedRecord[T]{raw: bytes.Clone(raw), v: v}
	c.mu.Unlock()
	return v, nil
}
