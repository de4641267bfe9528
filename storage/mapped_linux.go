package storage

import "golang.org/x/sys/unix"

// ReleaseMapped tells the kernel this process no longer needs the data
// file's pages mapped. bbolt reads the file through a read-only shared
// mmap, so a long scan (a full export) would otherwise leave every page it
// touched counted in the process's RSS. The pages stay in the page cache;
// a later read faults them back in with the same content.
//
// Call it inside a transaction: bbolt remaps the file only when no read
// transaction is open, so the mapping cannot move or be replaced while
// this runs.
func (tx *Tx) ReleaseMapped() error {
	info := tx.Tx.DB().Info()
	size := tx.Size()
	if size <= 0 {
		return nil
	}
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(size), unix.MADV_DONTNEED)
	if errno != 0 {
		return errno
	}
	return nil
}
