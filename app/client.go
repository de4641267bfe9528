package app

import (
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The client API (F36) is what licensed software calls: validate a key for
// a machine, activate and deactivate a machine, fetch a signed license
// file. It has no user: the key is the credential. Every answer names a
// machine-readable code; an unknown key and a key of another install are
// the same answer, and failed lookups are rate-limited per address.

// Client answer codes.
const (
	CodeOK                  = "ok"
	CodeUnknownKey          = "unknown_key"           // no such key here (also: deleted, or gone to another desk)
	CodeNotActivated        = "not_activated"         // bought, never activated
	CodeSuspended           = "suspended"             // disabled by its owner or the operator
	CodeExpired             = "expired"               // its period ended (or it was never activated in time)
	CodeCancelled           = "cancelled"             // ended for good
	CodeMachineLimit        = "machine_limit"         // every seat is taken by other machines
	CodeMachineNotActivated = "machine_not_activated" // the machine is not registered, a seat is free
	CodeReadOnly            = "read_only"             // the license is being transferred: machines cannot change
	CodeBadKey              = "bad_key"               // not a key's shape
	CodeBadFingerprint      = "bad_fingerprint"       // not a fingerprint's shape
	CodeBadHostname         = "bad_hostname"          // not a host name's shape
	CodeRateLimited         = "rate_limited"          // too many failed lookups from this address, or deactivations on this license
)

// ClientError is a refused client call: Code is one of the codes above,
// which the web layer maps to a 4xx status.
type ClientError struct {
	Code    string
	Message string
}

func (e *ClientError) Error() string { return e.Message }

func clientErr(code, msg string) error { return &ClientError{Code: code, Message: msg} }

// stateErr refuses a call because of the license's state.
func stateErr(code string) error {
	msg := map[string]string{
		CodeUnknownKey:          "no license has this key",
		CodeNotActivated:        "the license has not been activated yet",
		CodeSuspended:           "the license is suspended",
		CodeExpired:             "the license has expired",
		CodeCancelled:           "the license is cancelled",
		CodeMachineLimit:        "every seat of this license is taken by other machines; deactivate one first",
		CodeMachineNotActivated: "this machine is not activated on the license",
	}[code]
	if msg == "" {
		msg = "the license cannot be used: " + code
	}
	return clientErr(code, msg)
}

// Shapes the client API accepts.
const (
	maxKeyInput      = 64  // characters of a key as typed, dashes included
	maxFingerprint   = 128 // characters
	maxHostname      = 253 // bytes
	minFingerprint   = 1
	minCompactKeyLen = 8
)

// clientKey checks a key's shape and returns its normalised form.
func clientKey(key string) (string, error) {
	if key == "" {
		return "", clientErr(CodeBadKey, "key is missing")
	}
	if len(key) > maxKeyInput {
		return "", clientErr(CodeBadKey, "key is too long to be a license key")
	}
	k := NormaliseKey(key)
	if len(k) < minCompactKeyLen {
		return "", clientErr(CodeBadKey, "key is too short to be a license key")
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", clientErr(CodeBadKey, "key may hold only letters, digits and dashes")
		}
	}
	return k, nil
}

// clientFingerprint checks a machine fingerprint: 1 to 128 printable
// ASCII characters without spaces (a hash, a UUID, a MAC address...).
func clientFingerprint(fp string) error {
	if len(fp) < minFingerprint || len(fp) > maxFingerprint {
		return clientErr(CodeBadFingerprint, "fingerprint must be 1 to 128 characters")
	}
	for i := 0; i < len(fp); i++ {
		if c := fp[i]; c < 0x21 || c > 0x7e {
			return clientErr(CodeBadFingerprint, "fingerprint may hold only printable ASCII characters without spaces")
		}
	}
	return nil
}

func clientHostname(h string) (string, error) {
	h = strings.TrimSpace(h)
	if len(h) > maxHostname || !utf8.ValidString(h) || strings.IndexFunc(h, unicode.IsControl) >= 0 {
		return "", clientErr(CodeBadHostname, "hostname must be at most 253 bytes of text")
	}
	return h, nil
}

// Client failure limits: failed lookups (an unknown key, a malformed
// request) per address in limitWindow. Past it, every call from the
// address is refused until the window has passed, and the first refusal
// is audited.
const clientFailsPerAddr = 60

type clientLimiter struct {
	limit int // failures per window; 0: clientFailsPerAddr
	mu    sync.RWMutex
	fails map[string][]time.Time
	// audited remembers addresses whose lock was audited this window.
	audited map[string]time.Time
}

func (l *clientLimiter) blocked(addr string, now time.Time) bool {
	if addr == "" {
		return false
	}
	n := l.max()
	l.mu.RLock()
	ts := l.fails[addr]
	l.mu.RUnlock()
	return len(ts) >= n && now.Sub(ts[len(ts)-n]) <= limitWindow
}

func (l *clientLimiter) max() int {
	if l.limit > 0 {
		return l.limit
	}
	return clientFailsPerAddr
}

// take counts one use of key at now unless key is at its limit, checking
// and counting under one lock: of many requests at once, only as many as
// the limit allows get true. A use that does not happen after all is
// handed back with give.
func (l *clientLimiter) take(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails, l.audited = map[string][]time.Time{}, map[string]time.Time{}
	}
	ts := recent(l.fails[key], now)
	if len(ts) >= l.max() {
		return false
	}
	l.fails[key] = append(ts, now)
	l.pruneLocked(now)
	return true
}

// pruneLocked forgets the keys with nothing in the window once more than
// maxTracked are held, so the limiter's memory stays bounded however
// many addresses or licenses pass through it. l.mu is held.
func (l *clientLimiter) pruneLocked(now time.Time) {
	if len(l.fails) <= maxTracked {
		return
	}
	for k, v := range l.fails {
		if len(recent(v, now)) == 0 {
			delete(l.fails, k)
			delete(l.audited, k)
		}
	}
}

// give hands back a use taken at at.
func (l *clientLimiter) give(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.fails[key]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			l.fails[key] = append(ts[:i:i], ts[i+1:]...)
			return
		}
	}
}

// fail counts a failed lookup; it reports true once, when the address
// has just been locked.
func (l *clientLimiter) fail(addr string, now time.Time) bool {
	if addr == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails, l.audited = map[string][]time.Time{}, map[string]time.Time{}
	}
	n := l.max()
	ts := append(recent(l.fails[addr], now), now)
	if len(ts) > n {
		ts = ts[len(ts)-n:]
	}
	l.fails[addr] = ts
	l.pruneLocked(now)
	if len(ts) >= n {
		if at, ok := l.audited[addr]; !ok || now.Sub(at) > limitWindow {
			l.audited[addr] = now
			return true
		}
	}
	return false
}
