package web_test

import (
	"net/http"
	"testing"
)

func TestPagesRenderForOperator(t *testing.T) {
	h := newUIHarness(t)
	h.user("op@example.com", 0)
	c := h.login("op@example.com")
	for _, p := range []string{"/", "/products", "/products/new"} {
		resp, body := c.get(p)
		wantStatus(t, resp, body, http.StatusOK)
	}
}
