package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"licensedesk/app"
	"licensedesk/storage"
)

// indexDirs are the search index and its rebuild leftovers in the data
// directory (app.Open keeps the index in DATA/index).
var indexDirs = []string{"index", "index.rebuild", "index.old"}

// beforeRestore is where restore keeps the data file it replaces.
const beforeRestore = storage.FileName + ".before-restore"

func runRestore(c *cmd, args []string) error {
	fs := c.flagSet("FILE [flags]", `Replace the data with the backup FILE. Only while the server is stopped.
FILE must be a licensedesk data file of this or an older schema version.
The current data file is kept as DATA/`+beforeRestore+` and the search
index is deleted, to be rebuilt on the next start.`)
	cf := addConfigFlags(fs, dataFlags...)
	cfg, _, err := c.setup(fs, cf, args, 1, "the backup FILE to restore")
	if err != nil {
		return err
	}
	file := fs.Arg(0)
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("cannot read the backup: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file", file)
	}
	data := cfg.Data
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	current := filepath.Join(data, storage.FileName)

	// Hold a shared lock on the current data file while it is replaced:
	// a server that holds it makes this fail, and one that starts now waits.
	if _, err := os.Stat(current); err == nil {
		cur, err := storage.Open(data, storage.Options{ReadOnly: true, Timeout: cfg.LockTimeout})
		if err != nil {
			return c.lockedHint(err, "stop the server before restoring")
		}
		defer cur.Close()
	}

	stage, err := os.MkdirTemp(data, ".restore-")
	if err != nil {
		return fmt.Errorf("stage the restore: %w", err)
	}
	defer os.RemoveAll(stage)
	staged := filepath.Join(stage, storage.FileName)
	if err := copyFile(file, staged); err != nil {
		return err
	}
	version, err := checkBackup(stage, file)
	if err != nil {
		return err
	}

	kept := ""
	if _, err := os.Stat(current); err == nil {
		kept = filepath.Join(data, beforeRestore)
		if _, err := os.Stat(kept); err == nil {
			older := kept + "." + time.Now().UTC().Format("20060102-150405")
			// A restore in the same second has taken that name: never
			// rename over an earlier data file.
			for n := 2; ; n++ {
				if _, err := os.Lstat(older); errors.Is(err, os.ErrNotExist) {
					break
				}
				older = kept + "." + time.Now().UTC().Format("20060102-150405") + "-" + strconv.Itoa(n)
			}
			if err := os.Rename(kept, older); err != nil {
				return fmt.Errorf("keep the earlier %s: %w", kept, err)
			}
		}
		if err := os.Rename(current, kept); err != nil {
			return fmt.Errorf("keep the current data file: %w", err)
		}
	}
	if err := os.Rename(staged, current); err != nil {
		if kept != "" {
			os.Rename(kept, current)
		}
		return fmt.Errorf("put the backup in place: %w", err)
	}
	for _, d := range indexDirs {
		if err := os.RemoveAll(filepath.Join(data, d)); err != nil {
			return fmt.Errorf("delete the search index (delete %s by hand before starting): %w", filepath.Join(data, d), err)
		}
	}
	fmt.Fprintf(c.stdout, "restored %s (schema version %d, %s) into %s\n", file, version, humanBytes(st.Size()), data)
	if kept != "" {
		fmt.Fprintf(c.stdout, "the previous data file is kept as %s\n", kept)
	}
	fmt.Fprintln(c.stdout, "the search index is rebuilt on the next start")
	return nil
}

// checkBackup opens the staged copy read-only and checks that it is a
// licensedesk data file this binary can run: a meta bucket with a schema
// version no newer than app.SchemaVersion().
func checkBackup(stage, file string) (int, error) {
	db, err := storage.Open(stage, storage.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return 0, fmt.Errorf("%s is not a licensedesk backup: %v", file, err)
	}
	defer db.Close()
	if err := storage.CheckPages(filepath.Join(stage, storage.FileName), time.Second); err != nil {
		var damaged *storage.ErrDamaged
		if errors.As(err, &damaged) {
			return 0, fmt.Errorf("%s is damaged (%s): nothing was restored; use another backup", file, damaged.Reason)
		}
		return 0, err
	}
	hasMeta := false
	if err := db.View(func(tx *storage.Tx) error {
		hasMeta = tx.Bucket([]byte(storage.Meta)) != nil
		return nil
	}); err != nil {
		return 0, err
	}
	if !hasMeta {
		return 0, fmt.Errorf("%s is a bbolt file but not a licensedesk backup: it has no %q bucket", file, storage.Meta)
	}
	v, err := db.Version()
	if err != nil {
		return 0, fmt.Errorf("%s is not a licensedesk backup: %v", file, err)
	}
	if v < 1 {
		return 0, fmt.Errorf("%s is not a licensedesk backup: it has no schema version", file)
	}
	if v > app.SchemaVersion() {
		return 0, fmt.Errorf("%s has schema version %d, newer than this licensedesk understands (%s): restore it with a newer licensedesk",
			file, v, strconv.Itoa(app.SchemaVersion()))
	}
	return v, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("cannot read the backup: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("stage the restore: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return out.Close()
}
