package web

import (
	"embed"
	"io/fs"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// apiReference is the API reference, one Markdown file per area in
// apiref/. Each route is a section headed "### METHOD /path"; a test
// checks the sections against the route table.
//
//go:embed apiref/*.md
var apiReference embed.FS

// referenceText joins the reference files in name order (the overview,
// 00-overview.md, first).
func referenceText() (string, error) {
	names, err := fs.Glob(apiReference, "apiref/*.md")
	if err != nil {
		return "", err
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		raw, err := apiReference.ReadFile(n)
		if err != nil {
			return "", err
		}
		b.Write(raw)
		b.WriteString("\n")
	}
	return b.String(), nil
}

func (s *Server) apiReference(c *fiber.Ctx) error {
	text, err := referenceText()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	return c.SendString(text)
}
