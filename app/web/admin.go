package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"licensedesk/app"
)

// AdminSocketName is the admin socket's file name in the data directory.
const AdminSocketName = "admin.sock"

// AdminSocketPath is the admin socket of dataDir, as an absolute path.
func AdminSocketPath(dataDir string) string {
	p := filepath.Join(dataDir, AdminSocketName)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// maxSocketPath is the longest path a Unix socket address holds (108
// bytes on Linux, 104 on the BSDs, less the terminating NUL).
const maxSocketPath = 103

// socketAddr is the address to bind or dial for the socket at path. A path
// too long for a socket address is reached through the directory's open
// file descriptor (/proc/self/fd/N/admin.sock on Linux); release closes it.
func socketAddr(path string) (addr string, release func()) {
	if len(path) <= maxSocketPath {
		return path, func() {}
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return path, func() {}
	}
	short := fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), filepath.Base(path))
	if _, err := os.Stat(filepath.Dir(short)); err != nil {
		d.Close()
		return path, func() {}
	}
	return short, func() { d.Close() }
}

// DialAdmin connects to the admin socket of dataDir.
func DialAdmin(ctx context.Context, dataDir string) (net.Conn, error) {
	addr, release := socketAddr(AdminSocketPath(dataDir))
	defer release()
	var d net.Dialer
	return d.DialContext(ctx, "unix", addr)
}

// Admin is the operator's local side door of a running server: a Unix
// socket in the data directory, mode 0600 so only the same OS user can
// connect, serving only GET /backup (a consistent copy of the data file).
// `licensedesk backup` uses it while the server holds the data file; it
// needs no token because the file permissions are the credential.
type Admin struct {
	srv  *http.Server
	path string
	done chan struct{}
}

// ListenAdmin opens the admin socket of svc's data directory. A socket
// file left by a server that died is replaced: the caller holds the data
// file lock, so no other server can be using it.
func ListenAdmin(svc *app.Service, dataDir string, log *slog.Logger) (*Admin, error) {
	path := AdminSocketPath(dataDir)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale admin socket: %w", err)
	}
	addr, release := socketAddr(path)
	ln, err := net.Listen("unix", addr)
	release()
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	a := &Admin{
		srv: &http.Server{
			Handler:           AdminHandler(svc, log),
			ReadHeaderTimeout: 10 * time.Second,
		},
		path: path,
		done: make(chan struct{}),
	}
	go func() {
		defer close(a.done)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin socket stopped", "err", err)
		}
	}()
	return a, nil
}

// Path is the socket's path ("" for a nil Admin).
func (a *Admin) Path() string {
	if a == nil {
		return ""
	}
	return a.path
}

// Close stops the admin socket, letting a running backup finish for up to
// ctx's deadline, and removes the socket file. A nil Admin is a no-op.
func (a *Admin) Close(ctx context.Context) error {
	if a == nil {
		return nil
	}
	err := a.srv.Shutdown(ctx)
	<-a.done
	if rerr := os.Remove(a.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
		err = rerr
	}
	return err
}

// adminActor is who the audit log names for a backup over the socket.
var adminActor = app.Actor{Email: "admin socket", Role: app.RoleOperator}

// AdminHandler serves GET /backup: the data file, consistent as of one
// read transaction, with its exact Content-Length so a client can tell a
// cut-off copy from a whole one.
func AdminHandler(svc *app.Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.AuditBackup(adminActor); err != nil {
			log.Error("backup over the admin socket", "err", err)
			http.Error(w, "backup failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		started := false
		n, err := svc.DB().Backup(w, func(size int64) {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			started = true
		})
		if err != nil {
			log.Error("backup over the admin socket", "err", err, "written", n)
			if !started {
				http.Error(w, "backup failed: "+err.Error(), http.StatusInternalServerError)
			}
			return
		}
		log.Info("backup sent over the admin socket", "bytes", n)
	})
	return mux
}
