// Package app is licensedesk's domain: its types, rules and services. It
// has no HTTP in it; app/web and app/cli call the same services.
package app

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// Options configure a Service.
type Options struct {
	DataDir     string
	LockTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time // defaults to time.Now
	// ReindexProgress, when set, reports documents indexed during a rebuild.
	ReindexProgress func(n int)
	// ExpiringDays is the window of the "expiring soon" view (default 30).
	ExpiringDays int
	// SMTP is where the outbox sends mail; zero: no server, mails are
	// kept for sending by hand.
	SMTP SMTPConfig
	// TransferTTL is how long a transfer's secret stays usable (default 7 days).
	TransferTTL time.Duration
}

// Service is the domain: every user action goes through one of its methods.
type Service struct {
	db       *storage.DB
	idx      *search.Index
	log      *slog.Logger
	now      func() time.Time
	dataDir  string
	limiter  *loginLimiter
	syncMu   sync.Mutex // one index sync or rebuild at a time
	progress func(int)

	expiringDays int

	jobs        jobRunner    // background jobs (job_runner.go)
	smtp        SMTPConfig   // outbox delivery (outbox_config.go)
	outbox      outboxSender // outbox sender (outbox_send.go)
	transferTTL time.Duration
	guesses     guessLimiter // wrong transfer secrets per partner

	// Client API (client_*.go).
	clientLimits clientLimiter // failed lookups per address
	seen         seenTracker   // machines' last-seen times waiting to be written
	clientBG     bgGroup       // background flushes and audits
	signer       signerCache   // the current signing key, expanded
	// Activation links (activation*.go).
	activationLimits clientLimiter // failed links and codes, codes mailed, per address
}

// Open opens the data directory: the bbolt file (created and migrated as
// needed) and the search index, which is rebuilt or caught up from the
// change log when it is missing, corrupt or behind.
func Open(opt Options) (*Service, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	db, err := storage.Open(opt.DataDir, storage.Options{Timeout: opt.LockTimeout, Migrations: appMigrations})
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, log: opt.Logger, now: func() time.Time { return opt.Now().UTC() },
		dataDir: opt.DataDir, limiter: newLoginLimiter(), progress: opt.ReindexProgress,
		expiringDays: cmp.Or(opt.ExpiringDays, 30), smtp: opt.SMTP.withDefaults(), outbox: newOutboxSender(),
		transferTTL: cmp.Or(opt.TransferTTL, DefaultTransferTTL)}
	s.activationLimits.limit = activationFailsPerAddr
	if err := s.registerBuiltinJobs(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.ensureSigningKey(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.ensureActivationSecret(); err != nil {
		db.Close()
		return nil, err
	}
	idx, err := search.Open(filepath.Join(opt.DataDir, "index"))
	if err != nil && !errors.Is(err, search.ErrStale) {
		db.Close()
		return nil, err
	}
	s.idx = idx
	if errors.Is(err, search.ErrStale) {
		s.log.Info("search index missing or outdated: rebuilding from the data")
		if err := s.Reindex(); err != nil {
			s.Close()
			return nil, err
		}
	} else if err := s.SyncIndex(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.recoverSendingMail(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the index and the data file.
func (s *Service) Close() error {
	s.closeClient()
	var errs []error
	if s.idx != nil {
		errs = append(errs, s.idx.Close())
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

// DB is the storage handle (for the command line's backup).
func (s *Service) DB() *storage.DB { return s.db }

// Now is the service's clock, in UTC.
func (s *Service) Now() time.Time { return s.now() }

// update runs fn as one transaction and then brings the search index up
// to date with what it changed. An index failure is logged, not returned:
// the data is committed and the next sync or start repairs the index.
func (s *Service) update(fn func(tx *storage.Tx) error) error {
	if err := s.db.Update(fn); err != nil {
		return err
	}
	if err := s.SyncIndex(); err != nil {
		s.log.Error("search index sync failed; it is repaired on the next change or start", "err", err)
	}
	return nil
}

// SyncIndex applies to the search index every change it has not applied.
// When the change log no longer holds them all, it rebuilds instead.
func (s *Service) SyncIndex() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return s.syncLocked()
}

func (s *Service) syncLocked() error {
	for {
		from := s.idx.Applied()
		var ops []search.Op
		var last uint64
		complete := true
		err := s.db.View(func(tx *storage.Tx) error {
			var changes []storage.Change
			changes, complete = tx.ChangesAfter(from, search.BatchSize)
			if !complete {
				return nil
			}
			for _, c := range changes {
				last = c.Seq
				id := docID(c.Kind, c.ID)
				doc, err := s.loadDoc(tx, c.Kind, c.ID)
				if errors.Is(err, ErrNotFound) {
					ops = append(ops, search.Op{ID: id})
					continue
				}
				if err != nil {
					return err
				}
				ops = append(ops, search.Op{ID: id, Doc: doc})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !complete {
			s.log.Warn("search index is behind a trimmed change log: rebuilding")
			return s.reindexLocked()
		}
		if len(ops) == 0 {
			return nil
		}
		if err := s.idx.Apply(ops, last); err != nil {
			return err
		}
	}
}

// Reindex rebuilds the search index from the data. Searches keep working
// on the old index until the new one is swapped in.
func (s *Service) Reindex() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return s.reindexLocked()
}

func (s *Service) reindexLocked() error {
	var seq uint64
	if err := s.db.View(func(tx *storage.Tx) error { seq = tx.LastChange(); return nil }); err != nil {
		return err
	}
	start := time.Now()
	if err := s.idx.Rebuild(s.feedAll, seq, s.progress); err != nil {
		return err
	}
	n, _ := s.idx.DocCount()
	s.log.Info("search index rebuilt", "documents", n, "took", time.Since(start).Round(time.Millisecond))
	// Changes committed while the rebuild ran come after seq.
	if err := s.syncLocked(); err != nil {
		return err
	}
	return s.db.TrimChanges(s.idx.Applied())
}

// IndexedDocs is the number of documents in the search index.
func (s *Service) IndexedDocs() uint64 {
	n, _ := s.idx.DocCount()
	return n
}

func docID(kind string, id uint64) string { return kind + ":" + strconv.FormatUint(id, 10) }

func parseDocID(s string) (string, uint64, bool) {
	kind, num, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, false
	}
	id, err := strconv.ParseUint(num, 10, 64)
	return kind, id, err == nil
}

// docSources lists, per kind, how to build a search document from the
// record and how to walk every record for a rebuild.
var docSources = map[string]docSource{}

type docSource struct {
	bucket string
	build  func(raw []byte) (*search.Doc, error)
}

func (s *Service) loadDoc(tx *storage.Tx, kind string, id uint64) (*search.Doc, error) {
	src, ok := docSources[kind]
	if !ok {
		return nil, fmt.Errorf("no search source for %q", kind)
	}
	raw := tx.GetRaw(src.bucket, storage.EncodeID(id))
	if raw == nil {
		return nil, ErrNotFound
	}
	return src.build(raw)
}

// feedAll walks every indexed record in chunks of short read transactions,
// so a long rebuild never holds one read transaction open against writers.
func (s *Service) feedAll(emit func(id string, d search.Doc) error) error {
	for kind, src := range docSources {
		after := uint64(0)
		for {
			type item struct {
				id  uint64
				doc *search.Doc
			}
			var chunk []item
			err := s.db.View(func(tx *storage.Tx) error {
				var err error
				tx.EachFrom(src.bucket, storage.EncodeID(after+1), func(k, v []byte) bool {
					id := storage.DecodeID(k)
					d, berr := src.build(v)
					if errors.Is(berr, ErrNotFound) {
						return true // deleted: not searchable
					}
					if err = berr; err != nil {
						return false
					}
					chunk = append(chunk, item{id, d})
					return len(chunk) < 10000
				})
				return err
			})
			if err != nil {
				return err
			}
			for _, it := range chunk {
				if err := emit(docID(kind, it.id), *it.doc); err != nil {
					return err
				}
			}
			if len(chunk) < 10000 {
				break
			}
			after = chunk[len(chunk)-1].id
		}
	}
	return nil
}
