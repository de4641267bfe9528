package cli

import (
	"fmt"
	"io"
	"strings"
)

// progress draws a one-line progress bar on w, redrawn in place with \r.
// Before a total is known it shows the running count only.
type progress struct {
	w     io.Writer
	label string
	total int
	known bool
	drawn bool
}

func newProgress(w io.Writer, label string) *progress { return &progress{w: w, label: label} }

// start sets the total the next updates count towards.
func (p *progress) start(total int) {
	p.total, p.known = total, true
	p.update(0)
}

// update draws n documents done.
func (p *progress) update(n int) {
	const width = 30
	p.drawn = true
	if !p.known {
		fmt.Fprintf(p.w, "\r%s: %d documents", p.label, n)
		return
	}
	pct := 100
	if p.total > 0 {
		pct = min(100, n*100/p.total)
	}
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d", p.label, strings.Repeat("#", fill), strings.Repeat(".", width-fill), pct, min(n, p.total), p.total)
}

// abandon ends the line where the bar stands: the work stopped short.
func (p *progress) abandon() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
	p.drawn, p.known = false, false
}

// finish ends the line, at 100% when a total was known.
func (p *progress) finish() {
	if !p.drawn {
		return
	}
	if p.known {
		p.update(p.total)
	}
	fmt.Fprintln(p.w)
	p.drawn, p.known = false, false
}
