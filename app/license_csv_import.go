package app

import (
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"licensedesk/storage"
)

// A license CSV from another desk comes in through two passes over the
// file: the first reads and checks every row and says what would happen
// to it (new, same as the license already here, conflicting key, invalid
// with the field and why); the second, unless it is a dry run, writes the
// new rows in bounded transactions through the bulk loader. The file this
// desk exports is the reference format: columns are matched by header
// name, in any order, and unknown columns are ignored.

// Row outcomes of a CSV import.
const (
	RowNew      = "new"
	RowSame     = "same"
	RowConflict = "conflict"
	RowInvalid  = "invalid"
)

// CSVImportOptions are the choices of one import.
type CSVImportOptions struct {
	Partner     string // public partner id the licenses go to
	DryRun      bool
	ImportValid bool // import the new rows even when others are invalid or conflicting
	// Progress, when set, is told the rows read so far of each pass.
	Progress func(pass, rows int)
	// Stop, when it closes, ends the import before its next batch: the
	// batches written stay, each whole, and the error is *ImportStopped.
	Stop <-chan struct{}
}

// ImportStopped is the error of an import ended by its Stop channel.
type ImportStopped struct {
	Imported, New int // rows written of the rows found new (0 of them while checking)
}

func (e *ImportStopped) Error() string {
	if e.Imported == 0 {
		return "stopped before any row was written; nothing was imported"
	}
	return fmt.Sprintf("stopped after importing %d of %d new rows, each whole; import the same file again to add the rest", e.Imported, e.New)
}

func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// CSVRow is one row's outcome.
type CSVRow struct {
	Line    int    `json:"line"`
	Key     string `json:"key,omitempty"`
	Outcome string `json:"outcome"`
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// CSVImportReport says what an import found and did.
type CSVImportReport struct {
	Rows     int      `json:"rows"`
	New      int      `json:"new"`
	Same     int      `json:"same"`
	Conflict int      `json:"conflict"`
	Invalid  int      `json:"invalid"`
	Imported int      `json:"imported"`
	DryRun   bool     `json:"dry_run"`
	Partner  string   `json:"partner"`
	Outcomes []CSVRow `json:"outcomes"` // every row, up to MaxReportedRows
	// Truncated: the file has more rows than Outcomes lists.
	Truncated bool `json:"truncated"`
}

// MaxReportedRows bounds the outcomes a report lists (problems first).
const MaxReportedRows = 5000

// csvImportBatch is the rows of one write transaction. New keys land all
// over the key and list indexes, so each transaction rewrites many of
// their pages whatever its size: bigger batches save no work and hold
// more in memory (300,000 rows: 25,000 a batch 13.2 s CPU and 305 MiB
// anonymous memory above idle, 10,000 11.9 s and 198 MiB, 5,000 12.0 s
// and 135 MiB; BenchmarkCSVImport/data-only on a loaded machine).
const csvImportBatch = 5000

// csvColumns are the columns this desk reads, by header name.
var csvColumns = []string{"key", "name", "product", "edition", "seats", "period_months", "status", "payment_status",
	"purchased", "valid_from", "valid_to", "activate_by", "auto_renew", "auto_renew_months", "ip", "customer",
	"customer_email", "order_number", "registration_key", "notes"}

// unsafeCell undoes SafeCell: the quote this desk puts before a cell a
// spreadsheet would run as a formula.
func unsafeCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' {
		switch s[1] {
		case '=', '+', '-', '@', '\t', '\r':
			return s[1:]
		}
	}
	return s
}

// csvReader reads the rows of a license CSV.
type csvReader struct {
	r    *csv.Reader
	col  map[string]int
	line int
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, Invalid("file", "the file is empty; it needs a header row naming the columns")
	}
	if err != nil {
		return nil, Invalid("file", "the header row does not parse as CSV: %s", csvErr(err))
	}
	c := &csvReader{r: cr, col: map[string]int{}}
	for i, h := range head {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := c.col[h]; dup && h != "" {
			return nil, Invalid("file", "the header names column %q twice", h)
		}
		c.col[h] = i
	}
	for _, need := range []string{"key", "product"} {
		if _, ok := c.col[need]; !ok {
			return nil, Invalid("file", "the header has no %q column; the columns are those of this desk's license export", need)
		}
	}
	return c, nil
}

func csvErr(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// next reads one row into vals (by column name); it returns the line and
// a problem with the row as a whole, or io.EOF.
func (c *csvReader) next(vals map[string]string) (int, error) {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return 0, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return pe.StartLine, Invalid("", "the row does not parse as CSV: %s", csvErr(err))
		}
		return c.line, err
	}
	line := c.line + 1
	if len(rec) > 0 { // FieldPos panics on a record it did not return
		line, _ = c.r.FieldPos(0)
	}
	c.line = line
	if len(rec) != len(c.col) && !(len(rec) == 1 && rec[0] == "") {
		return line, Invalid("", "the row has %d cells; the header has %d", len(rec), len(c.col))
	}
	clear(vals)
	for _, name := range csvColumns {
		i, ok := c.col[name]
		if !ok || i >= len(rec) {
			continue
		}
		v := rec[i]
		if !utf8.ValidString(v) {
			return line, Invalid(name, "is not valid UTF-8 text")
		}
		vals[name] = unsafeCell(strings.TrimSpace(v))
	}
	return line, nil
}

// csvContext is what rows are checked against.
type csvContext struct {
	partner  Partner
	products map[string]*Product // by lower-case code and name
	now      time.Time
}

func (s *Service) loadCSVContext(tx *storage.Tx, pub string) (*csvContext, error) {
	id, err := tx.Lookup(storage.PartnersByPubID, NormalisePublicID(pub))
	if errors.Is(err, ErrNotFound) {
		return nil, Invalid("partner", "there is no partner %s on this desk", pub)
	}
	if err != nil {
		return nil, err
	}
	p, err := getPartner(tx, id)
	if err != nil {
		return nil, err
	}
	cx := &csvContext{partner: p, products: map[string]*Product{}, now: s.now()}
	tx.Each(storage.Products, nil, func(k, v []byte) bool {
		var pr Product
		if jsonUnmarshal(v, &pr) == nil {
			cx.products[strings.ToLower(pr.Code)] = &pr
			if _, taken := cx.products[strings.ToLower(pr.Name)]; !taken {
				cx.products[strings.ToLower(pr.Name)] = &pr
			}
		}
		return true
	})
	return cx, nil
}

func csvTime(field, v string, end bool) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		u := t.UTC()
		if err := checkLatest(field, &u); err != nil {
			return nil, err
		}
		return &u, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return nil, Invalid(field, "%q is not a date like 2026-03-31 or 2026-03-31T12:00:00Z", v)
	}
	if end {
		t = t.Add(24*time.Hour - time.Second)
	}
	if err := checkLatest(field, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

func csvInt(field, v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, Invalid(field, "%q is not a whole number from 0 to 1000000", v)
	}
	return n, nil
}

// rowLicense builds the license a row describes, or says what is wrong.
func (cx *csvContext) rowLicense(v map[string]string) (License, error) {
	var l License
	l.Key = strings.TrimSpace(v["key"])
	if NormaliseKey(l.Key) == "" {
		return l, Invalid("key", "is required")
	}
	if len(l.Key) > 100 {
		return l, Invalid("key", "is longer than 100 characters")
	}
	if err := checkOneLine("key", l.Key); err != nil {
		return l, err // a transfer file's key is held to the same rule
	}
	prod := cx.products[strings.ToLower(v["product"])]
	if prod == nil {
		if v["product"] == "" {
			return l, Invalid("product", "is required")
		}
		return l, Invalid("product", "%q is not a product code or name of this desk's catalogue", v["product"])
	}
	l.ProductID, l.ProductName = prod.ID, prod.Name
	l.Edition = v["edition"]
	if l.Edition == "" && len(prod.Editions) > 0 {
		l.Edition = prod.Editions[0].Code
	}
	if _, ok := prod.Edition(l.Edition); !ok {
		return l, Invalid("edition", "%q is not an edition of %s", l.Edition, prod.Name)
	}
	var err error
	if l.Seats, err = csvInt("seats", v["seats"], 1); err != nil {
		return l, err
	}
	defPeriod := 12
	if len(prod.Periods) > 0 {
		defPeriod = prod.Periods[0]
	}
	if l.PeriodMonths, err = csvInt("period_months", v["period_months"], defPeriod); err != nil {
		return l, err
	}
	if l.AutoRenewMonths, err = csvInt("auto_renew_months", v["auto_renew_months"], 0); err != nil {
		return l, err
	}
	switch strings.ToLower(v["auto_renew"]) {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		l.AutoRenew = true
	default:
		return l, Invalid("auto_renew", "%q is not true or false", v["auto_renew"])
	}
	if l.ValidFrom, err = csvTime("valid_from", v["valid_from"], false); err != nil {
		return l, err
	}
	if l.ValidTo, err = csvTime("valid_to", v["valid_to"], true); err != nil {
		return l, err
	}
	if l.ValidFrom != nil && l.ValidTo != nil && l.ValidTo.Before(*l.ValidFrom) {
		return l, Invalid("valid_to", "is before valid_from")
	}
	purchased, err := csvTime("purchased", v["purchased"], false)
	if err != nil {
		return l, err
	}
	l.Purchased = cx.now
	if purchased != nil {
		l.Purchased = *purchased
	}
	activateBy, err := csvTime("activate_by", v["activate_by"], false)
	if err != nil {
		return l, err
	}
	l.ActivateBy = addMonths(l.Purchased, ActivationWindow)
	if activateBy != nil {
		l.ActivateBy = *activateBy
	}
	l.Status = Status(strings.ToLower(v["status"]))
	if l.Status == "" {
		l.Status = StatusOrdered
		if l.ValidTo != nil {
			l.Status = StatusActive
		}
	}
	switch {
	case l.Status == StatusTransferring:
		// Its own desk still holds it; it moves with its transfer file.
		return l, Invalid("status", "the license is being transferred between desks; it comes over with its transfer file, not a CSV")
	case l.Status == StatusTransferredOut:
		return l, Invalid("status", "the license was transferred to another desk and belongs there; it is not imported")
	case !l.Status.Valid():
		return l, Invalid("status", "%q is not a status; use one of ordered, active, suspended, in_progress, expired, cancelled", v["status"])
	}
	l.Payment = Payment(strings.ToLower(v["payment_status"]))
	if l.Payment == "" {
		l.Payment = PaymentPaid
	}
	if !l.Payment.Valid() {
		return l, Invalid("payment_status", "%q is not pending, paid or refunded", v["payment_status"])
	}
	l.Name, l.Customer, l.Notes = v["name"], v["customer"], cleanMultiLine(v["notes"])
	if err := checkLicenseText(l.Name, l.Customer, l.Notes); err != nil {
		return l, err
	}
	if l.IP, err = normIP(v["ip"]); err != nil {
		return l, err
	}
	l.CustomerEmail = normEmail(v["customer_email"])
	if l.CustomerEmail != "" {
		if err := validEmail("customer_email", l.CustomerEmail); err != nil {
			return l, err
		}
	}
	l.OrderNumber, l.RegistrationKey = v["order_number"], v["registration_key"]
	if len(l.OrderNumber) > 100 {
		return l, Invalid("order_number", "is too long")
	}
	if len(l.RegistrationKey) > 200 {
		return l, Invalid("registration_key", "is too long")
	}
	if err := checkOneLine("order_number", l.OrderNumber); err != nil {
		return l, err
	}
	if err := checkOneLine("registration_key", l.RegistrationKey); err != nil {
		return l, err
	}
	l.PartnerID, l.DistributorID = cx.partner.ID, cx.partner.DistributorID
	l.Registrations = []Registration{}
	return l, nil
}

// differs names the first field in which an existing license differs
// from an imported row, or "" when they are the same.
func differs(old, l *License) string {
	// The CSV carries whole seconds (ISO 8601 without a fraction), so a
	// time is the same when it is the same to the second: the desk's own
	// export, imported back, finds its licenses the same.
	eqT := func(a, b *time.Time) bool {
		return a == nil && b == nil || a != nil && b != nil && a.Truncate(time.Second).Equal(b.Truncate(time.Second))
	}
	switch {
	case old.Deleted != nil:
		return "deleted"
	case old.PartnerID != l.PartnerID:
		return "partner"
	case old.ProductID != l.ProductID:
		return "product"
	case old.Edition != l.Edition:
		return "edition"
	case old.Seats != l.Seats:
		return "seats"
	case old.Status != l.Status:
		return "status"
	case !eqT(old.ValidFrom, l.ValidFrom):
		return "valid_from"
	case !eqT(old.ValidTo, l.ValidTo):
		return "valid_to"
	case old.Name != l.Name:
		return "name"
	case old.Customer != l.Customer:
		return "customer"
	case old.Notes != l.Notes:
		return "notes"
	}
	return ""
}

// ImportLicensesCSV reads a license CSV for one partner (operator only)
// and reports every row's outcome; unless it is a dry run it imports the
// new rows, all of them or (with problems in the file) none unless
// ImportValid. Keys, dates, status, customer and notes are kept, and a
// re-import of the same file finds every row the same and changes
// nothing. The file is read twice, so it must be seekable.
func (s *Service) ImportLicensesCSV(a Actor, r io.ReadSeeker, opt CSVImportOptions) (CSVImportReport, error) {
	rep := CSVImportReport{DryRun: opt.DryRun, Outcomes: []CSVRow{}}
	if err := a.requireOperator(); err != nil {
		return rep, err
	}
	if strings.TrimSpace(opt.Partner) == "" {
		return rep, Invalid("partner", "choose the partner the licenses go to")
	}
	var cx *csvContext
	if err := s.db.View(func(tx *storage.Tx) error {
		var err error
		cx, err = s.loadCSVContext(tx, opt.Partner)
		return err
	}); err != nil {
		return rep, err
	}
	rep.Partner = cx.partner.PublicID

	// Pass 1: check every row.
	cr, err := newCSVReader(r)
	if err != nil {
		return rep, err
	}
	seen := map[[16]byte]int{} // key hash -> first line
	vals := map[string]string{}
	var newLines []CSVRow // kept only while they fit the report
	type pending struct {
		line, ord int // ord: the row's place in the file, from 0
		l         License
	}
	// fresh marks, by place in the file, the rows found new: the second
	// pass writes those, without hashing every key into seen again.
	var fresh []uint64
	var batch []pending
	flush := func() error {
		// Look the keys of a batch up in one read transaction.
		return s.db.View(func(tx *storage.Tx) error {
			for _, p := range batch {
				row := CSVRow{Line: p.line, Key: p.l.Key}
				id, err := tx.Lookup(storage.LicensesByKey, NormaliseKey(p.l.Key))
				switch {
				case errors.Is(err, ErrNotFound):
					row.Outcome = RowNew
					rep.New++
					for len(fresh) <= p.ord/64 {
						fresh = append(fresh, 0)
					}
					fresh[p.ord/64] |= 1 << (p.ord % 64)
				case err != nil:
					return err
				default:
					old, err := rawLicense(tx, id)
					if err != nil {
						return err
					}
					if f := differs(&old, &p.l); f != "" {
						row.Outcome, row.Field, row.Reason = RowConflict, f, "the key exists on this desk with a different "+strings.ReplaceAll(f, "_", " ")
						rep.Conflict++
					} else {
						row.Outcome = RowSame
						rep.Same++
					}
				}
				if row.Outcome == RowConflict {
					rep.addOutcome(row)
				} else if len(newLines) < MaxReportedRows {
					newLines = append(newLines, row)
				}
			}
			batch = batch[:0]
			return nil
		})
	}
	for {
		line, err := cr.next(vals)
		if errors.Is(err, io.EOF) {
			break
		}
		rep.Rows++
		if rep.Rows%1000 == 0 && stopped(opt.Stop) {
			return rep, &ImportStopped{}
		}
		if opt.Progress != nil && rep.Rows%10000 == 0 {
			opt.Progress(1, rep.Rows)
		}
		if err == nil {
			var l License
			if l, err = cx.rowLicense(vals); err == nil {
				h := keyHash(l.Key)
				if first, dup := seen[h]; dup {
					err = Invalid("key", "appears again; first on line %d", first)
				} else {
					seen[h] = line
					batch = append(batch, pending{line, rep.Rows - 1, l})
					if len(batch) >= csvImportBatch {
						if err := flush(); err != nil {
							return rep, err
						}
					}
					continue
				}
			}
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return rep, err
		}
		rep.Invalid++
		rep.addOutcome(CSVRow{Line: line, Key: strings.TrimSpace(vals["key"]), Outcome: RowInvalid, Field: ve.Field, Reason: ve.Message})
	}
	if err := flush(); err != nil {
		return rep, err
	}
	seen = nil // a million keys' hashes: not needed from here on
	for _, row := range newLines {
		rep.addOutcome(row)
	}
	rep.Truncated = rep.Rows > len(rep.Outcomes)
	sortOutcomes(rep.Outcomes)
	if opt.DryRun || rep.New == 0 || (rep.Invalid+rep.Conflict > 0 && !opt.ImportValid) {
		return rep, nil
	}

	// Pass 2: read the file again and write the new rows.
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return rep, err
	}
	if cr, err = newCSVReader(r); err != nil {
		return rep, err
	}
	s.cols.reserve(rep.New)
	// The file is read and its rows built in a goroutine of its own, a
	// batch ahead of the writes: the next batch is parsed while the last
	// one commits (and waits for the disk).
	batches := make(chan []License, 1)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(batches)
		readErr <- readFreshRows(cr, cx, fresh, opt.Progress, batches, done)
	}()
	var werr error
	for ls := range batches {
		if werr != nil {
			continue // drain: the reader stops at done
		}
		if stopped(opt.Stop) {
			werr = &ImportStopped{Imported: rep.Imported, New: rep.New}
			close(done)
			continue
		}
		n := 0
		werr = s.update(func(tx *storage.Tx) error {
			var err error
			n, err = s.insertImported(tx, a, ls)
			return err
		})
		if werr != nil {
			close(done)
			continue
		}
		rep.Imported += n
	}
	// The reader has ended (batches closed): nothing reads the file
	// once this returns.
	if err := cmp.Or(werr, <-readErr); err != nil {
		return rep, err
	}
	if err := s.update(func(tx *storage.Tx) error {
		return s.audit(tx, a, "license.import_csv", cx.partner.PublicID,
			fmt.Sprintf("%d rows: %d imported, %d same, %d conflicting, %d invalid", rep.Rows, rep.Imported, rep.Same, rep.Conflict, rep.Invalid))
	}); err != nil {
		return rep, err
	}
	// The import is done when search finds its rows: catch the index up
	// here rather than leave the first search to wait (a search waits at
	// most indexWaitBound, less than a large import's indexing takes).
	if rep.Imported > 0 {
		if err := s.SyncIndex(); err != nil {
			s.log.Warn("search index still catching up after the import", "err", err)
		}
	}
	return rep, nil
}

// readFreshRows reads the file again (the second pass) and sends, in
// batches of csvImportBatch, the licenses of the rows the first pass found
// new (fresh, by place in the file), until the file ends or done closes.
func readFreshRows(cr *csvReader, cx *csvContext, fresh []uint64, progress func(pass, rows int),
	batches chan<- []License, done <-chan struct{}) error {
	vals := map[string]string{}
	var ls []License
	send := func() bool {
		if len(ls) == 0 {
			return true
		}
		select {
		case batches <- ls:
			ls = make([]License, 0, csvImportBatch)
			return true
		case <-done:
			return false
		}
	}
	rows := 0
	for {
		_, err := cr.next(vals)
		if errors.Is(err, io.EOF) {
			break
		}
		var ve *ValidationError
		if err != nil && !errors.As(err, &ve) {
			return err // the file could not be read
		}
		ord := rows
		rows++
		if progress != nil && rows%10000 == 0 {
			progress(2, rows)
		}
		if err != nil || ord/64 >= len(fresh) || fresh[ord/64]&(1<<(ord%64)) == 0 {
			continue // not a new row when checked (the file is read as it was)
		}
		l, err := cx.rowLicense(vals)
		if err != nil {
			continue
		}
		ls = append(ls, l)
		if len(ls) >= csvImportBatch && !send() {
			return nil
		}
	}
	send()
	return nil
}

func keyHash(key string) [16]byte {
	sum := sha256.Sum256([]byte(NormaliseKey(key)))
	return [16]byte(sum[:16])
}

func (rep *CSVImportReport) addOutcome(row CSVRow) {
	if len(rep.Outcomes) < MaxReportedRows {
		rep.Outcomes = append(rep.Outcomes, row)
	}
}

func sortOutcomes(rows []CSVRow) {
	// Line order: the file's own order.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Line < rows[j-1].Line; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// insertImported writes the licenses of one batch that are still new
// (a key taken since the check is skipped) with an import entry in their
// history, through the bulk loader. It touches nothing outside tx, so a
// retried transaction does the same again.
func (s *Service) insertImported(tx *storage.Tx, a Actor, ls []License) (int, error) {
	fresh := make([]License, 0, len(ls))
	for _, l := range ls {
		if _, err := tx.Lookup(storage.LicensesByKey, NormaliseKey(l.Key)); errors.Is(err, ErrNotFound) {
			l.Updated = s.now()
			fresh = append(fresh, l)
		}
	}
	now := s.now()
	if err := bulkInsertTx(tx, now, fresh, true); err != nil {
		return 0, err
	}
	for i := range fresh {
		l := &fresh[i]
		if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "import",
			Field: "key", New: l.Key, PartnerID: l.PartnerID}); err != nil {
			return 0, err
		}
		if err := tx.Changed("license", l.ID); err != nil {
			return 0, err
		}
	}
	return len(fresh), nil
}
