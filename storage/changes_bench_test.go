package storage_test

import (
	"strconv"
	"testing"

	"licensedesk/storage"
)

// BenchmarkTrimChanges: trimming a large backlog of change-log entries
// in one call (what the indexer does after catching up with a bulk
// import). It must stay linear in the entries trimmed.
func BenchmarkTrimChanges(b *testing.B) {
	for _, n := range []int{50000, 200000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db, err := storage.Open(b.TempDir(), storage.Options{})
				if err != nil {
					b.Fatal(err)
				}
				for done := 0; done < n; done += 10000 {
					if err := db.Update(func(tx *storage.Tx) error {
						for i := range 10000 {
							if err := tx.Changed("license", uint64(done+i+1)); err != nil {
								return err
							}
						}
						return nil
					}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if err := db.TrimChanges(uint64(n - 10)); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				var left []storage.Change
				db.View(func(tx *storage.Tx) error { left, _ = tx.ChangesAfter(0, 100); return nil })
				if len(left) != 10 || left[0].Seq != uint64(n-9) {
					b.Fatalf("after the trim %d entries are left, first %+v", len(left), left)
				}
				db.Close()
				b.StartTimer()
			}
		})
	}
}
