package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
	"licensedesk/app/web"
)

// FirstOperatorEmail is the login created on the first start.
const FirstOperatorEmail = "admin@licensedesk.local"

// shutdownGrace is how long requests in flight may take to finish.
const shutdownGrace = 10 * time.Second

func runServe(c *cmd, args []string) error {
	fs := c.flagSet("[flags]", `Start the web server: the UI and the JSON API on --addr, and the admin
socket DATA/admin.sock that 'licensedesk backup' uses while the server runs.
The first start with no users creates the operator `+FirstOperatorEmail+` with a
generated password and prints it once. --demo fills a fresh data directory
with a demo catalogue, partners and users and prints their logins.`)
	cf := addConfigFlags(fs)
	demo := fs.Bool("demo", false, "fill a fresh data directory with demo data (refused when it has data)")
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	var tlsConf *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return configErrorf("config: tls_cert/tls_key: %v", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	svc, err := c.openServer(cfg, log, "it is already serving this data; stop it first to start another")
	if err != nil {
		return err
	}
	defer svc.Close()
	defer HoldGCHeadroom(GCHeadroom)()

	f, err := web.New(svc, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return listenError("--addr", cfg.Addr, err)
	}
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	var clientLn net.Listener
	if cfg.ClientAddr != "" {
		if clientLn, err = net.Listen("tcp", cfg.ClientAddr); err != nil {
			ln.Close()
			return listenError("client_addr", cfg.ClientAddr, err)
		}
		if tlsConf != nil {
			clientLn = tls.NewListener(clientLn, tlsConf)
		}
	}
	admin, err := web.ListenAdmin(svc, cfg.Data, log)
	if err != nil {
		// Serving matters more than the side door: say what is missing.
		log.Warn("no admin socket: 'licensedesk backup' cannot reach this server; operators can use GET /api/v1/backup", "err", err)
	}
	// Logins are created once the address is ours, so a start that cannot
	// listen never creates a password it does not print.
	welcome, err := c.firstLogins(svc, cfg, *demo)
	if err != nil {
		ln.Close()
		if clientLn != nil {
			clientLn.Close()
		}
		admin.Close(context.Background())
		return err
	}

	url := publicURL(cfg, ln.Addr(), tlsConf != nil)
	fmt.Fprintf(c.stdout, "licensedesk is listening on %s (data in %s)\n", url, cfg.Data)
	if welcome != "" {
		fmt.Fprint(c.stdout, strings.ReplaceAll(welcome, "{url}", url))
	}
	log.Info("serving", "addr", ln.Addr().String(), "tls", tlsConf != nil, "data", cfg.Data, "admin_socket", admin.Path())

	bg, stopBG := context.WithCancel(c.ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		svc.RunJobs(bg, app.JobsOptions{})
	}()
	go func() {
		defer wg.Done()
		svc.RunOutbox(bg, 0) // sends the outbox's mail when [smtp] host is set
	}()

	served := make(chan error, 1)
	go func() { served <- f.Listener(ln) }()
	var clientAPI *fiber.App
	if clientLn != nil {
		clientAPI = web.NewClient(svc, cfg, log)
		log.Info("serving the client API", "addr", clientLn.Addr().String())
		fmt.Fprintf(c.stdout, "client API on %s\n", clientLn.Addr())
		go func() {
			if err := clientAPI.Listener(clientLn); err != nil {
				log.Error("client API listener", "err", err)
			}
		}()
	}

	var serveErr error
	select {
	case <-c.ctx.Done():
		log.Info("shutting down")
	case serveErr = <-served:
		served <- serveErr
	}
	stopBG()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := f.ShutdownWithContext(ctx); err != nil {
		log.Warn("web server shutdown", "err", err)
	}
	if clientAPI != nil {
		if err := clientAPI.ShutdownWithContext(ctx); err != nil {
			log.Warn("client API shutdown", "err", err)
		}
		clientLn.Close()
	}
	ln.Close() // in case the server had not started serving yet
	if err := admin.Close(ctx); err != nil {
		log.Warn("admin socket shutdown", "err", err)
	}
	wg.Wait()
	if err := <-served; err != nil && serveErr == nil && c.ctx.Err() == nil {
		serveErr = err
	}
	if err := svc.Close(); err != nil {
		return fmt.Errorf("close the data: %w", err)
	}
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	fmt.Fprintln(c.stdout, "licensedesk stopped")
	return nil
}

// listenError says in one sentence why the address (set by setting) could
// not be listened on, naming it once: net's own error repeats it
// ("listen tcp ADDR: bind: ...").
func listenError(setting, addr string, err error) error {
	cause := err
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		cause = op.Err
		var sys *os.SyscallError
		if errors.As(cause, &sys) {
			cause = sys.Err
		}
	}
	switch {
	case errors.Is(cause, syscall.EADDRINUSE):
		return fmt.Errorf("cannot listen on %s: the address is already in use (another licensedesk or another program listens there); stop it or choose another %s", addr, setting)
	case errors.Is(cause, syscall.EACCES):
		return fmt.Errorf("cannot listen on %s: permission denied (ports below 1024 need privileges); choose another %s", addr, setting)
	}
	return fmt.Errorf("cannot listen on %s (%s): %v", addr, setting, cause)
}

// firstLogins fills the demo data (--demo) or, on a data directory with
// no users, creates the first operator; it returns what to print.
func (c *cmd) firstLogins(svc *app.Service, cfg app.Config, demo bool) (string, error) {
	if demo {
		res, err := svc.FillDemo(app.System)
		if err != nil {
			if errors.Is(err, app.ErrDemoNotEmpty) {
				return "", fmt.Errorf("--demo: the data directory %s already has data; demo data goes only into a fresh one (use --data with a new directory)", cfg.Data)
			}
			return "", fmt.Errorf("--demo: %w", err)
		}
		return demoWelcome(res), nil
	}
	if svc.CountUsers() > 0 {
		return "", nil
	}
	pw := app.GeneratePassword()
	role := app.RoleOperator
	email, name := FirstOperatorEmail, "Administrator"
	if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Name: &name, Role: &role, Password: &pw}); err != nil {
		return "", fmt.Errorf("create the first operator: %w", err)
	}
	return firstStartWelcome(pw), nil
}

// publicURL is the address people open: base_url when set, else the
// listening address (localhost for every interface).
func publicURL(cfg app.Config, addr net.Addr, tls bool) string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		host, port = addr.String(), ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

func firstStartWelcome(password string) string {
	return `
First start: created the operator login. Sign in with:
  URL       {url}/login
  Email     ` + FirstOperatorEmail + `
  Password  ` + password + `
This password is shown only this once: sign in and change it under Settings.

`
}

func demoWelcome(res app.DemoResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nDemo data: %d products, %d partners, %d licenses, %d users. Sign in at {url}/login with:\n", res.Products, res.Partners, res.Licenses, len(res.Logins))
	tw := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	for _, l := range res.Logins {
		who := string(l.Role)
		if l.Partner != "" {
			who += " of " + l.Partner
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Email, l.Password, who)
	}
	tw.Flush()
	b.WriteString("These passwords are shown only this once; change them under Settings.\n\n")
	return b.String()
}
