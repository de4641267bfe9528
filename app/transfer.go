package app

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"licensedesk/storage"
)

// TransferState is where a hand-over of licenses is (F37-F39).
type TransferState string

const (
	TransferPending   TransferState = "pending"
	TransferApproved  TransferState = "approved"
	TransferRejected  TransferState = "rejected"
	TransferCancelled TransferState = "cancelled"
	TransferExpired   TransferState = "expired"
	TransferLocked    TransferState = "locked" // too many wrong secrets
)

// TransferStates lists every state.
var TransferStates = []TransferState{TransferPending, TransferApproved, TransferRejected, TransferCancelled, TransferExpired, TransferLocked}

// Valid reports whether st is a known state.
func (st TransferState) Valid() bool { return slices.Contains(TransferStates, st) }

// Kinds of transfer.
const (
	TransferLocal    = "local"    // between two partners of this desk
	TransferOutgoing = "outgoing" // to another desk, by a signed file
	TransferIncoming = "incoming" // from another desk, imported from its file
)

// Transfer limits.
const (
	MaxTransferLicenses = 100000 // licenses in one transfer or transfer file
	MaxSecretGuesses    = 5      // wrong secrets before a transfer locks
	DefaultTransferTTL  = 7 * 24 * time.Hour
)

// Transfer is a hand-over of licenses from one partner to another.
type Transfer struct {
	ID    uint64        `json:"id"`
	Kind  string        `json:"kind"`
	State TransferState `json:"state"`
	// FileID names a transfer across desks: it is in the file and the
	// receipt, and a desk takes each file only once.
	FileID string `json:"file_id,omitempty"`

	SourcePartnerID uint64 `json:"source_partner_id,omitempty"` // 0 when it is another desk's partner
	SourceName      string `json:"source_partner"`
	SourcePublicID  string `json:"source_public_id,omitempty"`
	TargetPartnerID uint64 `json:"target_partner_id,omitempty"` // 0 when it is another desk's partner
	TargetName      string `json:"target_partner,omitempty"`
	TargetPublicID  string `json:"target_public_id"`

	Count        int        `json:"license_count"`
	Created      time.Time  `json:"created"`
	CreatedBy    string     `json:"created_by"`
	Expires      time.Time  `json:"expires"`
	Closed       *time.Time `json:"closed,omitempty"`
	ClosedBy     string     `json:"closed_by,omitempty"`
	Reason       string     `json:"reason,omitempty"` // why it locked, or a rejection's note
	WrongGuesses int        `json:"wrong_guesses"`

	// The other desk's signing key: the source's for an incoming file,
	// the target's (from the receipt) for an outgoing one.
	PeerKeyID       string `json:"peer_key_id,omitempty"`
	PeerFingerprint string `json:"peer_fingerprint,omitempty"`

	// Secret is in the answer that creates the transfer, and nowhere else.
	Secret string `json:"secret,omitempty"`
	// Licenses is filled when one transfer is read.
	Licenses []TransferLicense `json:"licenses,omitempty"`
}

// TransferLicense is what a transfer shows of one license: what the
// confirm page names. The receiving partner sees the key only once the
// license is its own.
type TransferLicense struct {
	LicenseID uint64     `json:"license_id,omitempty"`
	Key       string     `json:"key,omitempty"`
	Name      string     `json:"name"`
	Product   string     `json:"product"`
	Customer  string     `json:"customer,omitempty"`
	IP        string     `json:"ip,omitempty"`
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	ValidTo   *time.Time `json:"valid_to,omitempty"`
	Status    Status     `json:"status"`
}

// TransferInput starts a hand-over.
type TransferInput struct {
	LicenseIDs []uint64 `json:"license_ids"`
	Target     string   `json:"target"` // public partner id
	// File: the target is a partner of another desk; the licenses leave
	// by a signed transfer file.
	File bool `json:"file,omitempty"`
}

// secretAlphabet has no look-alike characters (0/O, 1/I/L, U).
const secretAlphabet = publicIDAlphabet

// newTransferSecret draws 20 characters of a 30-letter alphabet (98 bits)
// in five groups of four.
func newTransferSecret() string {
	var b strings.Builder
	for i := range 20 {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(secretAlphabet))))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b.WriteByte(secretAlphabet[n.Int64()])
	}
	return b.String()
}

// normaliseSecret accepts a typed secret in any case, with or without
// dashes and spaces.
func normaliseSecret(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r == '-' || r == ' ' || r == '\t' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SecretHash is a salted argon2id hash of a transfer secret with its
// parameters, so they can be raised later without breaking old files.
type SecretHash struct {
	Algo    string `json:"algo"`
	Salt    []byte `json:"salt"`
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
	Hash    []byte `json:"hash"`
}

// A secret is hashed with the password hashing's argon2id cost
// (password.go); a file asking more than this of us is refused.
const (
	argonMaxMem  = 256 * 1024
	argonMaxTime = 10
)

func newSalt() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}

func hashTransferSecret(secret string, salt []byte) SecretHash {
	return SecretHash{Algo: "argon2id", Salt: salt, Time: argonTime, Memory: argonMemory, Threads: argonThreads,
		Hash: argon2.IDKey([]byte(normaliseSecret(secret)), salt, argonTime, argonMemory, argonThreads, argonKeyLen)}
}

// usable reports whether h is a hash this desk will compute: a file from
// elsewhere must not make it spend unbounded memory or time.
func (h SecretHash) usable() bool {
	return h.Algo == "argon2id" && len(h.Salt) >= 8 && len(h.Hash) == argonKeyLen && h.Time >= 1 && h.Time <= argonMaxTime &&
		h.Memory >= 8*1024 && h.Memory <= argonMaxMem && h.Threads >= 1 && h.Threads <= 4
}

// matches computes the hash of a guess with h's parameters and compares
// in constant time.
func (h SecretHash) matches(guess string) bool {
	if !h.usable() {
		return false
	}
	got := argon2.IDKey([]byte(normaliseSecret(guess)), h.Salt, h.Time, h.Memory, h.Threads, uint32(len(h.Hash)))
	return subtle.ConstantTimeCompare(got, h.Hash) == 1
}

// guessLimiter bounds wrong secrets per partner across all its transfers,
// on top of the per-transfer lock.
type guessLimiter struct {
	mu    sync.Mutex
	fails map[uint64][]time.Time
}

const guessesPerPartner = 10 // wrong secrets per partner in limitWindow

// take counts one guess of partner at now, unless its wrong guesses are
// at the limit: checked and counted under one lock, so guesses racing
// cannot all pass the check while the earlier ones are still being
// tried. A guess that turns out right (or is not tried) is handed back
// with give.
func (g *guessLimiter) take(partner uint64, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fails == nil {
		g.fails = map[uint64][]time.Time{}
	}
	ts := recent(g.fails[partner], now)
	if len(ts) >= guessesPerPartner {
		g.fails[partner] = ts
		return ErrRateLimited
	}
	g.fails[partner] = append(ts, now)
	return nil
}

// give hands back a guess taken at at.
func (g *guessLimiter) give(partner uint64, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ts := g.fails[partner]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			g.fails[partner] = append(ts[:i:i], ts[i+1:]...)
			return
		}
	}
}

// transferable is the one rule for which licenses a transfer may hand
// over: not a cancelled one (it ended for good, perhaps refunded), nor one
// that is with, or has gone to, another desk. Starting a transfer,
// approving it, and importing and approving another desk's file all ask
// it, so a license that stopped being transferable while its transfer
// waited is not handed over.
func transferable(st Status) bool { return !st.ReadOnly() && st != StatusCancelled }

// invoiceHold is the rule asked beside transferable wherever it is asked
// of a license on this desk, and before a delete: a license on an open (unpaid) invoice, a
// renewal's or a month-end checkout's, stays with the partner billed for
// it until that invoice is paid or voided. Voiding a renewal invoice sets
// the license's period back, and paying a checkout invoice marks it paid:
// neither may then land on another partner's license. It returns the
// holding invoice's number.
func invoiceHold(tx *storage.Tx, licenseID uint64) (string, bool, error) {
	invID, ok := invoiceClaim(tx, licenseID)
	if !ok {
		return "", false, nil
	}
	inv, err := getInvoice(tx, invID)
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if inv.State != InvoiceOpen {
		return "", false, nil
	}
	return inv.Number, true, nil
}

// effectiveState is the state as of now: a pending transfer past its
// expiry is expired even before a write records it.
func (t *Transfer) effectiveState(now time.Time) TransferState {
	if t.State == TransferPending && !now.Before(t.Expires) {
		return TransferExpired
	}
	return t.State
}

// transferError explains why a closed transfer cannot be acted on.
func transferClosed(t *Transfer) error {
	switch t.State {
	case TransferExpired:
		return Conflict("state", "the transfer expired on %s; start a new one", t.Expires.Format("2006-01-02 15:04 UTC"))
	case TransferLocked:
		return Conflict("state", "the transfer is locked: %s", t.Reason)
	case TransferApproved:
		return Conflict("state", "the transfer was already approved; its secret cannot be used again")
	}
	return Conflict("state", "the transfer was %s", t.State)
}
