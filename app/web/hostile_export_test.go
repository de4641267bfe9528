package web

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// Issue 7, item 9: a client that hung up mid-export left the export
// blocked for good, holding a read transaction. The disconnect ends the
// export and frees the transaction.
func TestExportEndsWhenTheClientHangsUp(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	wantStatus(t, "product", w.do(op, "POST", "/api/v1/products", productBody("av")), 201)
	p := w.partner("Acme")
	notes := strings.Repeat("long export row ", 300) // ~4.8 KB a row: the export outgrows every socket buffer
	for range 4 {
		if _, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: 1, Edition: "business", Seats: 1, PeriodMonths: 12,
			Count: app.MaxCreate, PartnerID: p.ID, Notes: notes}); err != nil {
			t.Fatal(err)
		}
	}
	addr := w.listen()
	openTx := func() int { return w.svc.DB().Bolt().Stats().OpenTxN }

	for _, path := range []string{"/api/v1/licenses.csv", "/api/v1/licenses.csv?view=all", "/api/v1/licenses.csv?q=ABC%2A&view=all"} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: desk\r\nAuthorization: Bearer %s\r\n\r\n", path, op.token)
		br := bufio.NewReader(conn)
		status, _ := br.ReadString('\n')
		if !strings.Contains(status, "200") {
			t.Fatalf("%s: %q", path, status)
		}
		buf := make([]byte, 4096)
		if _, err := br.Read(buf); err != nil {
			t.Fatal(err)
		}
		// The server now waits on a full socket.
		time.Sleep(300 * time.Millisecond)
		stalled := openTx()
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
		deadline := time.Now().Add(2 * time.Second)
		for openTx() > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := openTx(); n > 0 {
			t.Errorf("%s: %d read transactions still open 2 s after the client hung up (%d while it read)", path, n, stalled)
		}
	}
	// The desk still writes and exports.
	if _, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: 1, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: p.ID}); err != nil {
		t.Fatal(err)
	}
}
