package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
)

// uploadDesk is a desk on a 127.0.0.1 listener with a partner's and the
// operator's tokens.
type uploadDesk struct {
	w           *webEnv
	addr        string
	partner, op string
}

func newUploadDesk(t *testing.T, cfg app.Config) *uploadDesk {
	t.Helper()
	w := newWebEnvWith(t, cfg)
	w.user("ops@example.com", 0)
	p := w.partner("Alpha Reseller")
	w.user("alice@alpha.example", p.ID)
	d := &uploadDesk{w: w}
	for _, x := range []struct {
		email string
		tok   *string
	}{{"alice@alpha.example", &d.partner}, {"ops@example.com", &d.op}} {
		raw, _, err := w.svc.CreateTokenForUser(app.System, x.email, "test")
		if err != nil {
			t.Fatal(err)
		}
		*x.tok = raw
	}
	d.addr = w.listen()
	return d
}

// zeros is an endless body that allocates nothing on the client side.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

// send writes head, then body (until the server stops reading or the
// connection breaks) as it is, and reads the answer meanwhile.
func (d *uploadDesk) send(t *testing.T, head string, body io.Reader) (*http.Response, []byte, error) {
	t.Helper()
	conn, err := net.Dial("tcp", d.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	go func() {
		if _, err := io.WriteString(conn, head); err == nil && body != nil {
			io.Copy(conn, body) // stops with an error once the server closes
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, b, nil
}

// chunked frames an endless body as HTTP/1.1 chunks of 32 KiB.
type chunked struct {
	src       io.Reader
	data, buf []byte
	left      []byte
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.left) == 0 {
		if c.buf == nil {
			c.buf, c.data = make([]byte, 0, 40<<10), make([]byte, 32<<10)
		}
		c.src.Read(c.data)
		c.buf = append(c.buf[:0], fmt.Sprintf("%x\r\n", len(c.data))...)
		c.buf = append(c.buf, c.data...)
		c.buf = append(c.buf, "\r\n"...)
		c.left = c.buf
	}
	n := copy(p, c.left)
	c.left = c.left[n:]
	return n, nil
}

// TestUploadRefusedFromContentLength: each upload route has its own
// limit (a receipt 64 KiB, a transfer file and a license CSV
// max_upload) and a declared length over it is refused at once with
// 413 naming the limit, before a byte of the body arrives. Before, a
// 150 MB receipt was read whole (up to max_upload) and only then
// refused by the service.
func TestUploadRefusedFromContentLength(t *testing.T) {
	cfg := app.Defaults()
	cfg.MaxUpload = 1 << 20
	d := newUploadDesk(t, cfg)
	for _, c := range []struct {
		path, tok string
		length    int
		limit     string
	}{
		{"/api/v1/transfers/receipt", d.partner, 150 << 20, "65536 bytes (64 KiB)"},
		{"/api/v1/transfers/receipt", d.partner, 64<<10 + 1, "65536 bytes (64 KiB)"},
		{"/api/v1/transfers/import", d.partner, 1<<20 + 1, "1048576 bytes (1 MiB), the limit for a transfer file (max_upload)"},
		{"/api/v1/licenses/import?partner=P-X", d.op, 1<<20 + 1, "1048576 bytes (1 MiB), the limit for a license CSV (max_upload)"},
	} {
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", c.path, c.tok, c.length)
		// Only the first 16 KiB come (fasthttp reads up to 8 KiB with the
		// headers): the answer must not wait for the rest.
		resp, body, err := d.send(t, head, strings.NewReader(strings.Repeat("0", 16<<10)))
		if err != nil {
			t.Fatalf("%s (%d bytes): %v", c.path, c.length, err)
		}
		if resp.StatusCode != 413 || !strings.Contains(string(body), c.limit) || !strings.Contains(string(body), `"code":"too_large"`) {
			t.Errorf("%s (%d bytes): %d %s, want 413 naming %s", c.path, c.length, resp.StatusCode, body, c.limit)
		}
		if !resp.Close {
			t.Errorf("%s: the connection stays open with the body unread", c.path)
		}
	}
	// A page's upload form: the file's limit and 64 KiB for the form.
	for _, c := range []struct {
		path   string
		length int
	}{{"/transfers/receipt", 128<<10 + 1}, {"/transfers/import", 1<<20 + 64<<10 + 1}, {"/licenses/import", 1<<20 + 64<<10 + 1}} {
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: d\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n", c.path, c.length)
		resp, body, err := d.send(t, head, strings.NewReader(strings.Repeat("0", 16<<10)))
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if resp.StatusCode != 413 || !resp.Close {
			t.Errorf("%s (%d bytes): %d %.200s, want 413 and the connection closed", c.path, c.length, resp.StatusCode, body)
		}
	}
	// A form without a length would be parsed from the stream unbounded.
	head := "POST /transfers/import HTTP/1.1\r\nHost: d\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
	if resp, body, err := d.send(t, head, &chunked{src: zeros{}}); err != nil || resp.StatusCode != 411 {
		t.Errorf("a chunked form upload: %v %v %.200s, want 411", err, resp, body)
	}
	// Within its limit a receipt reaches the service, which reads it.
	junk := strings.Repeat("x", 60<<10)
	head = fmt.Sprintf("POST /api/v1/transfers/receipt HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", d.partner, len(junk))
	resp, body, err := d.send(t, head, strings.NewReader(junk))
	if err != nil || resp.StatusCode != 422 {
		t.Fatalf("a 60 KiB receipt: %v %v %s, want the service's 422", err, resp, body)
	}
}

// TestChunkedUploadsReadAtMostTheirLimit: six partners at once send
// endless chunked bodies to the receipt route; each is refused with 413
// after at most 64 KiB, and the server allocates a small fraction of
// what they sent. Before, each was read up to max_upload (here 8 MiB)
// into memory before the service's 64 KiB check.
func TestChunkedUploadsReadAtMostTheirLimit(t *testing.T) {
	cfg := app.Defaults()
	cfg.MaxUpload = 8 << 20
	d := newUploadDesk(t, cfg)
	head := fmt.Sprintf("POST /api/v1/transfers/receipt HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n", d.partner)
	const n = 6
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	status := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _, err := d.send(t, head, io.LimitReader(&chunked{src: zeros{}}, 7<<20))
			if err == nil {
				status[i] = resp.StatusCode
			}
		}()
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d chunked 7 MiB receipts at once: %d KiB allocated in the process (client and server)", n, alloc>>10)
	for i, s := range status {
		if s != 413 {
			t.Errorf("upload %d: status %d, want 413", i, s)
		}
	}
	// The server reads 64 KiB of each; 8 MiB leaves room for the
	// connections, the answers and whatever else runs meanwhile, and is
	// far below the 6 × 7 MiB read before.
	if alloc > 8<<20 {
		t.Errorf("%d refused uploads allocated %d MiB", n, alloc>>20)
	}
}

// TestLargeUploadsTakeASlot: at most maxLargeUploads uploads over
// body_limit are read at once; another is refused with 503 and
// Retry-After, and is taken again once a slot is free.
func TestLargeUploadsTakeASlot(t *testing.T) {
	cfg := app.Defaults()
	cfg.BodyLimit = 64 << 10
	cfg.MaxUpload = 4 << 20
	d := newUploadDesk(t, cfg)
	head := fmt.Sprintf("POST /api/v1/transfers/import HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", d.partner, 1<<20)
	// maxLargeUploads slow uploads: the header and 16 KiB of the body
	// (fasthttp reads up to 8 KiB with the headers, the handler the rest).
	hold := func() net.Conn {
		conn, err := net.Dial("tcp", d.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		io.WriteString(conn, head+strings.Repeat("0", 16<<10))
		return conn
	}
	held := make([]net.Conn, maxLargeUploads)
	for i := range held {
		held[i] = hold()
	}
	busy := func() (*http.Response, []byte) {
		t.Helper()
		resp, body, err := d.send(t, head, io.LimitReader(zeros{}, 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	var resp *http.Response
	var body []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		// A slow upload that came while a probe held a slot was refused:
		// send it again.
		for i, c := range held {
			c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			if n, _ := c.Read(make([]byte, 1)); n > 0 {
				c.Close()
				held[i] = hold()
			}
		}
		if resp, body = busy(); resp.StatusCode == 503 {
			break
		}
	}
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"busy"`) {
		t.Fatalf("a third large upload while two are read: %d %q %s, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// A small body on another route is not held up.
	if r := d.w.do(caller{token: d.partner}, "GET", "/api/v1/me", ""); r.status != 200 {
		t.Fatalf("GET /api/v1/me while the slots are taken: %d", r.status)
	}
	held[0].Close() // its read fails; the slot is given back
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, body = busy(); resp.StatusCode != 503 {
			break
		}
	}
	if resp.StatusCode != 422 { // read whole, and refused by the service: it is no transfer file
		t.Fatalf("a large upload once a slot is free: %d %s, want the service's 422", resp.StatusCode, body)
	}
}

// TestUnreadBodyIsNotTheNextRequest: a route that answers without
// reading its body (here a 401) must not leave the body's tail on a
// kept-alive connection to be read as a second request. Before, only the
// first 8 KiB were read and the rest answered as a request of its own.
func TestUnreadBodyIsNotTheNextRequest(t *testing.T) {
	d := newUploadDesk(t, app.Defaults())
	smuggled := "GET /healthz HTTP/1.1\r\nHost: d\r\n\r\n"
	body := strings.Repeat("x", 8<<10) + smuggled
	for _, path := range []string{"/api/v1/transfers/1/cancel", "/api/v1/transfers/import"} {
		conn, err := net.Dial("tcp", d.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
		br := bufio.NewReader(conn)
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		if resp.StatusCode != 401 {
			t.Errorf("%s: %d, want 401", path, resp.StatusCode)
		}
		conn.SetDeadline(time.Now().Add(time.Second))
		if second, err := http.ReadResponse(br, nil); err == nil {
			b, _ := io.ReadAll(second.Body)
			t.Errorf("%s: the body's tail was answered as a request: %d %s", path, second.StatusCode, b)
		}
	}
}

// TestCompressedBodiesRefused: fiber would inflate a Content-Encoding:
// gzip body without a bound (4 MiB of gzip is 4 GiB of JSON); such a
// body is refused with 415 before it is read.
func TestCompressedBodiesRefused(t *testing.T) {
	d := newUploadDesk(t, app.Defaults())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"license_ids":[1],"target":"P-X"}`))
	zw.Close()
	head := fmt.Sprintf("POST /api/v1/transfers HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", d.partner, gz.Len())
	resp, body, err := d.send(t, head, &gz)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 415 || !strings.Contains(string(body), "Content-Encoding") {
		t.Errorf("a gzip body: %d %s, want 415", resp.StatusCode, body)
	}
}
