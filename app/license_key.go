package app

import (
	"crypto/rand"
	"strings"
)

// Keys use an alphabet without look-alikes (no 0/O, 1/I/L, U), 25
// characters in five groups: 25·log2(30) ≈ 122 bits from crypto/rand.
const (
	keyAlphabet = publicIDAlphabet
	keyGroups   = 5
	keyGroupLen = 5
)

// NewLicenseKey returns a fresh random key like 7KQ2M-XR4PD-…
// Each character is one random byte below the largest multiple of the
// alphabet's size (the rest are drawn again), so every character is
// equally likely; one crypto/rand read serves the whole key.
func NewLicenseKey() string {
	const n = len(keyAlphabet)
	const limit = 256 - 256%n
	var pool [64]byte
	used := len(pool)
	draw := func() byte {
		for {
			if used == len(pool) {
				if _, err := rand.Read(pool[:]); err != nil {
					panic("crypto/rand failed: " + err.Error())
				}
				used = 0
			}
			b := pool[used]
			used++
			if int(b) < limit {
				return keyAlphabet[int(b)%n]
			}
		}
	}
	out := make([]byte, 0, keyGroups*(keyGroupLen+1)-1)
	for g := range keyGroups {
		if g > 0 {
			out = append(out, '-')
		}
		for range keyGroupLen {
			out = append(out, draw())
		}
	}
	return string(out)
}

// NormaliseKey turns a typed key ("7kq2m xr4pd…", with or without
// dashes) into its stored, compact, upper-case form.
func NormaliseKey(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// FormatKey groups a compact key for reading: XXXXX-XXXXX-…
func FormatKey(compact string) string {
	if len(compact) <= keyGroupLen {
		return compact
	}
	var b strings.Builder
	for i := 0; i < len(compact); i += keyGroupLen {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(compact[i:min(i+keyGroupLen, len(compact))])
	}
	return b.String()
}
