package app

import (
	"sync"
	"time"
)

// RateLimitWindow is the window of every rate limit: a refused caller
// may try again once it has passed (the HTTP answer's Retry-After).
const RateLimitWindow = limitWindow

// Login rate limits: failures within the window lock further attempts
// for the account and for the address until the window has passed.
const (
	limitWindow     = 15 * time.Minute
	limitPerAccount = 5
	limitPerAddr    = 20
)

type loginLimiter struct {
	mu      sync.Mutex
	account map[string][]time.Time
	addr    map[string][]time.Time
	// limited remembers when a locked account/address pair was last
	// audited, so attempts refused by the limit are audited once per
	// window instead of costing a durable write each.
	limited map[string]time.Time
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{account: map[string][]time.Time{}, addr: map[string][]time.Time{}, limited: map[string]time.Time{}}
}

// auditLimited reports whether a refusal by the limit for this account
// and address should be audited: the first in each window.
func (l *loginLimiter) auditLimited(account, addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := account + "\x00" + addr
	if at, ok := l.limited[k]; ok && now.Sub(at) <= limitWindow {
		return false
	}
	if len(l.limited) > maxTracked {
		for k, at := range l.limited {
			if now.Sub(at) > limitWindow {
				delete(l.limited, k)
			}
		}
	}
	l.limited[k] = now
	return true
}

func recent(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > limitWindow {
		i++
	}
	return ts[i:]
}

// take counts an attempt for account and address at now, unless either
// is at its limit: checked and counted under one lock, before the slow
// password check, so attempts racing cannot all pass while the earlier
// ones are still being checked. An attempt that turns out right is handed
// back by succeed.
func (l *loginLimiter) take(account, addr string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := recent(l.account[account], now)
	b := recent(l.addr[addr], now)
	l.account[account], l.addr[addr] = a, b
	if len(a) >= limitPerAccount || (addr != "" && len(b) >= limitPerAddr) {
		return ErrRateLimited
	}
	l.account[account] = append(a, now)
	if addr != "" {
		l.addr[addr] = append(b, now)
	}
	// Bound memory under a spray of random emails or addresses.
	for _, m := range []map[string][]time.Time{l.account, l.addr} {
		if len(m) > maxTracked {
			for k, v := range m {
				if len(recent(v, now)) == 0 {
					delete(m, k)
				}
			}
		}
	}
	return nil
}

// maxTracked is how many accounts or addresses are remembered before
// those with no recent failure are forgotten.
const maxTracked = 100000

// succeed clears the account's failures after the right password, and
// hands back the address's attempt taken at at.
func (l *loginLimiter) succeed(account, addr string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.account, account)
	ts := l.addr[addr]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			l.addr[addr] = append(ts[:i:i], ts[i+1:]...)
			return
		}
	}
}

// lookupMiss records, in a write that may run more than once (group
// commit runs a failing call again alone), whether its last run failed a
// rate-limited lookup: the caller counts the failure once, after the
// transaction, never inside it.
type lookupMiss bool
