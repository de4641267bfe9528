package app

import (
	"crypto/rand"
	"math/big"
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
func NewLicenseKey() string {
	var b strings.Builder
	n := big.NewInt(int64(len(keyAlphabet)))
	for g := 0; g < keyGroups; g++ {
		if g > 0 {
			b.WriteByte('-')
		}
		for i := 0; i < keyGroupLen; i++ {
			r, err := rand.Int(rand.Reader, n)
			if err != nil {
				panic("crypto/rand failed: " + err.Error())
			}
			b.WriteByte(keyAlphabet[r.Int64()])
		}
	}
	return b.String()
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
