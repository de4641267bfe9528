package app

import (
	"encoding/binary"
	"fmt"

	"licensedesk/storage"
)

// Number sequences live in the sequences bucket: name 0x00 year (8 bytes)
// -> the last number handed out (8 bytes, big-endian).

func sequenceKey(name string, year int) []byte { return storage.Key(name, uint64(year)) }

func getSequence(tx *storage.Tx, name string, year int) (uint64, error) {
	raw := tx.GetRaw(storage.Sequences, sequenceKey(name, year))
	switch len(raw) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(raw), nil
	}
	return 0, fmt.Errorf("sequence %s/%d: stored value of %d bytes is corrupt", name, year, len(raw))
}

func putSequence(tx *storage.Tx, name string, year int, n uint64) error {
	return tx.PutRaw(storage.Sequences, sequenceKey(name, year), binary.BigEndian.AppendUint64(nil, n))
}
