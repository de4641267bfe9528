package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"licensedesk/app/web"
	"licensedesk/storage"
)

func runBackup(c *cmd, args []string) error {
	fs := c.flagSet("FILE [flags]", `Write a consistent copy of the data file to FILE (through FILE.tmp, then
renamed, so FILE is never half-written). While the server runs, the copy
comes through it over its admin socket DATA/admin.sock (only the same OS user
can use it; no token needed); while it is stopped, the data file is read
directly.`)
	cf := addConfigFlags(fs, dataFlags...)
	cfg, _, err := c.setup(fs, cf, args, 1, "the backup FILE to write")
	if err != nil {
		return err
	}
	file := fs.Arg(0)
	if st, err := os.Stat(file); err == nil && st.IsDir() {
		return usagef("%s is a directory; name the backup file to write", file)
	} else if err == nil {
		// Renamed over the live data file, the copy would take its place
		// while a running server went on writing to the unlinked old one.
		if live, err := os.Stat(filepath.Join(cfg.Data, storage.FileName)); err == nil && os.SameFile(st, live) {
			return usagef("%s is the data file itself; name a backup file outside the data directory", file)
		}
	}
	tmp := file + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	done := false
	defer func() {
		if !done {
			out.Close()
			os.Remove(tmp)
		}
	}()

	n, err := backupThroughServer(c.ctx, cfg.Data, out)
	how := "through the running server"
	if errors.Is(err, errNoServer) {
		how = "from the stopped data file"
		n, err = backupDirect(cfg.Data, cfg.LockTimeout, out)
	}
	if err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, file, err)
	}
	done = true
	fmt.Fprintf(c.stdout, "backup written to %s: %s (%d bytes), %s\n", file, humanBytes(n), n, how)
	return nil
}

// errNoServer means no server answered on the admin socket.
var errNoServer = errors.New("no server answers on the admin socket")

// backupThroughServer asks a running server for a copy over its admin
// socket. It returns errNoServer when there is no socket or nobody
// listens on it (a server that died leaves the file behind).
func backupThroughServer(ctx context.Context, dataDir string, w io.Writer) (int64, error) {
	sock := web.AdminSocketPath(dataDir)
	if _, err := os.Stat(sock); err != nil {
		return 0, errNoServer
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return web.DialAdmin(ctx, dataDir)
		},
		ResponseHeaderTimeout: time.Minute,
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://licensedesk-admin/backup", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
			return 0, errNoServer
		}
		return 0, fmt.Errorf("backup through the admin socket %s: %w", sock, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return 0, fmt.Errorf("the running server refused the backup: %s %s", resp.Status, oneLine(string(msg)))
	}
	want, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the running server sent a backup of unknown size")
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup through the running server broke off after %d of %d bytes: %w", n, want, err)
	}
	if n != want {
		return n, fmt.Errorf("backup through the running server broke off after %d of %d bytes", n, want)
	}
	return n, nil
}

// backupDirect copies the data file of a stopped server, read-only.
func backupDirect(dataDir string, timeout time.Duration, w io.Writer) (int64, error) {
	path := filepath.Join(dataDir, storage.FileName)
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("there is no data file %s to back up (check --data)", path)
	}
	db, err := storage.Open(dataDir, storage.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		var locked *storage.ErrLocked
		if errors.As(err, &locked) && locked.PID > 0 && locked.Holder != "" && locked.Holder != "serve" {
			return 0, fmt.Errorf("the data file %s is held by 'licensedesk %s' (pid %d), which is still running: back up when it has finished", path, locked.Holder, locked.PID)
		}
		if errors.As(err, &locked) {
			return 0, fmt.Errorf("the data file %s is held by pid %d, which does not answer on its admin socket %s; if it is a licensedesk server, restart it and try again",
				path, locked.PID, web.AdminSocketPath(dataDir))
		}
		return 0, err
	}
	defer db.Close()
	n, err := db.Backup(w, nil)
	if err != nil {
		return n, fmt.Errorf("copy %s: %w", path, err)
	}
	return n, nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
