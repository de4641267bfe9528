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
	"sync/atomic"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// Options configure a Service.
type Options struct {
	DataDir string
	// Holder names what opens the data (the command: "serve", "import"),
	// for the message another process gets while it holds the file.
	Holder      string
	LockTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time // defaults to time.Now
	// ReindexProgress, when set, reports documents indexed during a rebuild.
	ReindexProgress func(n int)
	// ExpiringDays is the window of the "expiring soon" view (default 30).
	ExpiringDays int
	// RefundDays is how long after a purchase a partner may refund its
	// unactivated licenses (default 14; the operator may refund any time).
	RefundDays int
	// BaseURL is the public address links in mails start with
	// (activation links in order confirmations).
	BaseURL string
	// SMTP is where the outbox sends mail; zero: no server, mails are
	// kept for sending by hand.
	SMTP SMTPConfig
	// NoIndex leaves the search index closed, for commands that never
	// search (user, token): a damaged index cannot stop them, and their
	// changes stay in the change log for the server to apply on start.
	NoIndex bool
	// NoColumnCopy leaves out the in-memory copy of the license columns
	// (license_cols.go, about 330 bytes a license), for commands that
	// never list or search licenses, such as `licensedesk import`: the
	// server builds it from the data when it starts.
	NoColumnCopy bool
	// TransferTTL is how long a transfer's secret stays usable (default 7 days).
	TransferTTL time.Duration
	// Invoice is the seller's details and paper size for invoices.
	Invoice InvoiceConfig
	// AutoRenewDays is how long before expiry auto-renew renews (default 7).
	AutoRenewDays int
	// ReminderDay is the weekday of the partners' reminder digest
	// (default Monday).
	ReminderDay string
}

// Service is the domain: every user action goes through one of its methods.
type Service struct {
	db       *storage.DB
	idx      *search.Index
	log      *slog.Logger
	now      func() time.Time
	dataDir  string
	limiter  *loginLimiter
	progress func(int)
	ix       indexer     // keeps the search index following the change log
	cols     licenseCols // in-memory copy of license columns, fed like the index

	expiringDays int
	refundDays   int
	baseURL      string

	jobs   jobRunner    // background jobs (job_runner.go)
	smtp   SMTPConfig   // outbox delivery (outbox_config.go)
	outbox outboxSender // outbox sender (outbox_send.go)
	// Background index rebuilds after a read error (search_errors.go).
	rebuilding atomic.Bool
	bg         sync.WaitGroup

	transferTTL time.Duration
	guesses     guessLimiter // wrong transfer secrets per partner
	// tokenUse remembers when each token's last use was written (auth.go).
	tokenUse sync.Map

	invoiceCfg InvoiceConfig // seller details on invoices (invoice_config.go)

	autoRenewDays int          // renew_auto.go
	reminderDay   time.Weekday // renew_remind.go

	// Client API (client_*.go).
	clientLimits clientLimiter // failed lookups per address
	seen         seenTracker   // machines' last-seen times waiting to be written
	clientBG     bgGroup       // background flushes and audits
	signer       signerCache   // the current signing key, expanded
	// Activation links (activation*.go).
	activationLimits clientLimiter // failed links and codes, codes mailed, per address
	linkMails        clientLimiter // activation links mailed, per license
	deactivations    clientLimiter // client deactivations, per license (client_service.go)
	// Decoded records every purchase or API call reads (record_cache.go).
	productCache recordCache[uint64, Product]
	partnerCache recordCache[uint64, Partner]
	userCache    recordCache[uint64, userRecord]
	tokenCache   recordCache[string, Token]
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
	db, err := storage.Open(opt.DataDir, storage.Options{Timeout: opt.LockTimeout, Holder: opt.Holder, Migrations: appMigrations})
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, log: opt.Logger, now: func() time.Time { return opt.Now().UTC() },
		dataDir: opt.DataDir, limiter: newLoginLimiter(), progress: opt.ReindexProgress,
		expiringDays: cmp.Or(opt.ExpiringDays, 30), refundDays: cmp.Or(opt.RefundDays, 14),
		baseURL: strings.TrimRight(opt.BaseURL, "/"), smtp: opt.SMTP.withDefaults(), outbox: newOutboxSender(),
		transferTTL: cmp.Or(opt.TransferTTL, DefaultTransferTTL), invoiceCfg: opt.Invoice.withDefaults(),

		autoRenewDays: cmp.Or(opt.AutoRenewDays, DefaultAutoRenewDays)}
	if s.reminderDay, err = ParseWeekday(cmp.Or(opt.ReminderDay, "monday")); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.registerBuiltinJobs(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.ensureSigningKey(); err != nil {
		db.Close()
		return nil, err
	}
	s.activationLimits.limit = activationFailsPerAddr
	s.linkMails.limit = linkMailsPerLicense
	s.deactivations.limit = deactivationsPerLicense
	if err := s.ensureActivationSecret(); err != nil {
		db.Close()
		return nil, err
	}
	if opt.NoIndex {
		return s, nil
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
	} else if err := s.SyncIndex(); errors.Is(err, errIndexBehindLog) {
		if err := s.Reindex(); err != nil {
			s.Close()
			return nil, err
		}
	} else if err != nil {
		s.Close()
		return nil, err
	}
	if err := s.recoverSendingMail(); err != nil {
		s.Close()
		return nil, err
	}
	if !opt.NoColumnCopy {
		s.startCols()
	}
	s.startIndexer()
	return s, nil
}

// Close closes the index and the data file.
func (s *Service) Close() error {
	s.closeClient()
	s.bg.Wait()
	var errs []error
	s.stopIndexer()
	s.stopCols()
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

// IndexedDocs is the number of documents in the search index.
func (s *Service) IndexedDocs() uint64 {
	if s.idx == nil {
		return 0
	}
	s.waitIndexed()
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
					if berr != nil { // it does not decode
						s.corruptRecord(kind, id, berr)
						return true // served without it; `licensedesk check` lists it
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

// WriteStats says how the group commit has gone since the data file was
// opened (benchmarks report it beside their write rates).
func (s *Service) WriteStats() storage.WriteStats { return s.db.WriteStats() }
