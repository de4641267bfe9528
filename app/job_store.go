package app

import (
	"errors"
	"time"

	"licensedesk/storage"
)

// jobRecord is what the runner remembers of a job between runs and
// restarts: the last period it completed and how its last attempt went.
type jobRecord struct {
	LastPeriod  time.Time `json:"last_period"` // zero until the first success
	LastStart   time.Time `json:"last_start"`
	LastEnd     time.Time `json:"last_end"`
	Runs        uint64    `json:"runs"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at"`
	Failures    int       `json:"failures"` // consecutive
	RetryAt     time.Time `json:"retry_at"` // after a failure, not before
}

func getJobRecord(tx *storage.Tx, name string) (jobRecord, error) {
	var r jobRecord
	err := tx.Get(storage.Jobs, []byte(name), &r)
	if errors.Is(err, storage.ErrNotFound) {
		return jobRecord{}, nil
	}
	return r, err
}

func putJobRecord(tx *storage.Tx, name string, r jobRecord) error {
	return tx.Put(storage.Jobs, []byte(name), r)
}
