//go:build !linux

package storage

// ReleaseMapped is a no-op where the kernel hint is not wired up.
func (tx *Tx) ReleaseMapped() error { return nil }
