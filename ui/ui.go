// Package ui holds the embedded templates and static assets of the web UI.
// It knows nothing of the domain: the web layer passes the data and the
// template functions (money, dates) it renders with.
package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:templates static
var files embed.FS

// UI renders pages.
type UI struct {
	pages map[string]*template.Template
}

// New parses every page template with the layout and partials.
func New(funcs template.FuncMap) (*UI, error) {
	u := &UI{pages: map[string]*template.Template{}}
	shared, err := fs.Glob(files, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(files, append(append([]string{}, shared...), p)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		u.pages[name] = t
	}
	return u, nil
}

// Render executes page into w, buffered so a template error never sends
// half a page. A page template defines "page" (the whole document, usually
// by calling the layout) or a named fragment for htmx swaps.
func (u *UI) Render(w io.Writer, page, block string, data any) error {
	t, ok := u.pages[page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	if block == "" {
		block = "page"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Static is the file system served under /static.
func Static() http.FileSystem {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	return http.FS(sub)
}
