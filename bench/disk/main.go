// Command disk measures what a bbolt commit costs on this machine's disk,
// without bbolt: N pages of 4 KiB written with one pwrite each, then
// fdatasync, then one more page (the meta page) and fdatasync again, as
// bbolt's Tx.Commit does. The pages are either scattered over a spread of
// the file (as the map freelist hands out free pages in a large file) or
// contiguous (a file whose free pages lie together):
//
//	go run ./bench/disk [--file PATH] [--size 1GiB] [--rounds 20]
//
// The file is filled with zeros first, so the writes land on allocated
// blocks as in a data file, not in holes. It prints one line per case:
// the mean time of a round.
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/pflag"
)

const page = 4096

func main() {
	file := pflag.String("file", "", "scratch file (default: a new one in the temporary directory, removed at the end)")
	size := pflag.Int64("size", 1<<30, "file size in bytes")
	rounds := pflag.Int("rounds", 20, "commits timed per case")
	pflag.Parse()
	if err := run(*file, *size, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "disk:", err)
		os.Exit(1)
	}
}

func run(path string, size int64, rounds int) error {
	if size < 64<<20 {
		return fmt.Errorf("--size must be at least 64 MiB")
	}
	if rounds < 1 {
		return fmt.Errorf("--rounds must be at least 1")
	}
	if path == "" {
		dir, err := os.MkdirTemp("", "licensedesk-disk")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "scratch")
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	zero := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(zero)) {
		if _, err := f.WriteAt(zero, off); err != nil {
			return err
		}
	}
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		return err
	}
	buf := make([]byte, page)
	pages := size / page
	fmt.Printf("| pages a commit | scattered over %d MiB | scattered over 64 MiB | contiguous |\n|---|---|---|---|\n", size>>20)
	for _, n := range []int64{250, 200, 100, 50, 20} {
		fmt.Printf("| %d |", n)
		for _, spread := range []int64{pages, (64 << 20) / page, 0} {
			var total time.Duration
			for range rounds {
				base := 2 + rand.Int64N(pages-n-2)
				if spread > 0 && base+spread > pages {
					base = pages - spread
				}
				start := time.Now()
				for i := range n {
					pg := base + i
					if spread > 0 {
						pg = base + rand.Int64N(spread)
					}
					if _, err := f.WriteAt(buf, max(pg, 2)*page); err != nil {
						return err
					}
				}
				if err := syscall.Fdatasync(int(f.Fd())); err != nil {
					return err
				}
				if _, err := f.WriteAt(buf, 0); err != nil { // the meta page
					return err
				}
				if err := syscall.Fdatasync(int(f.Fd())); err != nil {
					return err
				}
				total += time.Since(start)
			}
			fmt.Printf(" %.2f ms |", float64(total.Microseconds())/float64(rounds)/1000)
		}
		fmt.Println()
	}
	return nil
}
