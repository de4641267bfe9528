package web

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"
)

// svgNode is a parsed SVG element with its children.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []svgNode  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) walk(fn func(svgNode)) {
	fn(n)
	for _, c := range n.Children {
		c.walk(fn)
	}
}

func parseSVG(t *testing.T, svg string) svgNode {
	t.Helper()
	var root svgNode
	if err := xml.Unmarshal([]byte(svg), &root); err != nil {
		t.Fatalf("not well-formed SVG: %v\n%s", err, svg)
	}
	if root.XMLName.Local != "svg" || root.attr("role") != "img" {
		t.Fatalf("root %s role %q", root.XMLName.Local, root.attr("role"))
	}
	root.walk(func(n svgNode) {
		if n.XMLName.Local == "script" || n.XMLName.Local == "style" || n.attr("style") != "" {
			t.Errorf("the chart has a script or inline style (%s): the CSP refuses it", n.XMLName.Local)
		}
		for _, a := range n.Attrs {
			if strings.HasPrefix(a.Name.Local, "on") {
				t.Errorf("event handler %s", a.Name.Local)
			}
		}
	})
	return root
}

type bar struct {
	class, title string
	x, y, h      float64
}

func bars(root svgNode) []bar {
	var out []bar
	root.walk(func(n svgNode) {
		if n.XMLName.Local != "rect" || !strings.Contains(" "+n.attr("class")+" ", " bar ") {
			return
		}
		b := bar{class: n.attr("class")}
		b.x, _ = strconv.ParseFloat(n.attr("x"), 64)
		b.y, _ = strconv.ParseFloat(n.attr("y"), 64)
		b.h, _ = strconv.ParseFloat(n.attr("height"), 64)
		for _, c := range n.Children {
			if c.XMLName.Local == "title" {
				b.title = c.Text
			}
		}
		out = append(out, b)
	})
	return out
}

func texts(root svgNode) []string {
	var out []string
	root.walk(func(n svgNode) {
		if n.XMLName.Local == "text" {
			out = append(out, n.Text)
		}
	})
	return out
}

func TestBarChartSingleSeries(t *testing.T) {
	c := BarChart{Title: "Sales <per> month", Labels: []string{"Jan", "Feb", "Mar", "Apr"},
		Series: []ChartSeries{{Name: "Sales", Values: []int64{10, 40, 0, 25}}}}
	root := parseSVG(t, string(c.SVG()))
	bs := bars(root)
	if len(bs) != 3 { // a zero draws no bar
		t.Fatalf("%d bars, want 3: %+v", len(bs), bs)
	}
	// Heights proportional to the values: 10 : 40 : 25.
	unit := bs[0].h / 10
	for i, want := range []float64{10, 40, 25} {
		if math.Abs(bs[i].h-want*unit) > 0.02 {
			t.Errorf("bar %d: height %.2f, want %.2f (proportional to %v)", i, bs[i].h, want*unit, want)
		}
	}
	if bs[1].h <= bs[2].h || !(bs[0].x < bs[1].x && bs[1].x < bs[2].x) {
		t.Errorf("bars out of order: %+v", bs)
	}
	// All stand on the same baseline.
	for _, b := range bs {
		if math.Abs(b.y+b.h-(bs[0].y+bs[0].h)) > 0.02 {
			t.Errorf("bar %q does not stand on the baseline", b.title)
		}
	}
	if bs[1].title != "Feb, Sales: 40" {
		t.Errorf("bar title %q", bs[1].title)
	}
	ts := texts(root)
	for _, want := range []string{"Jan", "Feb", "Mar", "Apr", "0", "10", "20", "30", "40"} {
		if !contains(ts, want) {
			t.Errorf("no text %q among %q", want, ts)
		}
	}
	if contains(ts, "Sales") {
		t.Error("a single series has a legend")
	}
	var title string
	root.walk(func(n svgNode) {
		if n.XMLName.Local == "title" && n.attr("id") != "" {
			title = n.Text
			if root.attr("aria-labelledby") != n.attr("id") {
				t.Errorf("aria-labelledby %q, title id %q", root.attr("aria-labelledby"), n.attr("id"))
			}
		}
	})
	if title != "Sales <per> month" {
		t.Errorf("accessible title %q", title)
	}
}

func TestBarChartStacked(t *testing.T) {
	c := BarChart{Title: "Expiring", Desc: "Per week, by status", Labels: []string{"W1", "W2"},
		Series: []ChartSeries{{Name: "Active", Values: []int64{30, 5}}, {Name: "Suspended", Values: []int64{10, 15}}},
		Format: func(v int64) string { return strconv.FormatInt(v, 10) + " lic." }}
	root := parseSVG(t, string(c.SVG()))
	bs := bars(root)
	if len(bs) != 4 {
		t.Fatalf("%d bars, want 4", len(bs))
	}
	byTitle := map[string]bar{}
	for _, b := range bs {
		byTitle[b.title] = b
	}
	a1, s1, a2, s2 := byTitle["W1, Active: 30 lic."], byTitle["W1, Suspended: 10 lic."], byTitle["W2, Active: 5 lic."], byTitle["W2, Suspended: 15 lic."]
	if a1.h == 0 || s1.h == 0 || a2.h == 0 || s2.h == 0 {
		t.Fatalf("missing bars by title: %+v", bs)
	}
	unit := a1.h / 30
	for _, c := range []struct {
		b bar
		v float64
	}{{s1, 10}, {a2, 5}, {s2, 15}} {
		if math.Abs(c.b.h-c.v*unit) > 0.02 {
			t.Errorf("%q: height %.2f, want %.2f", c.b.title, c.b.h, c.v*unit)
		}
	}
	// Stacked: suspended sits on top of active in the same column.
	if math.Abs(s1.y+s1.h-a1.y) > 0.02 || s1.x != a1.x {
		t.Errorf("W1 suspended (y %.2f h %.2f) is not stacked on active (y %.2f)", s1.y, s1.h, a1.y)
	}
	if !strings.Contains(a1.class, "s0") || !strings.Contains(s1.class, "s1") {
		t.Errorf("series classes %q %q", a1.class, s1.class)
	}
	ts := texts(root)
	for _, want := range []string{"Active", "Suspended", "0 lic.", "40 lic."} {
		if !contains(ts, want) {
			t.Errorf("no text %q among %q", want, ts)
		}
	}
}

func TestBarChartEdges(t *testing.T) {
	for name, c := range map[string]BarChart{
		"empty":     {Title: "Nothing"},
		"all zero":  {Title: "Zero", Labels: []string{"a"}, Series: []ChartSeries{{Values: []int64{0}}}},
		"negative":  {Title: "Neg", Labels: []string{"a", "b"}, Series: []ChartSeries{{Values: []int64{-5, 3}}}},
		"short":     {Title: "Short", Labels: []string{"a", "b", "c"}, Series: []ChartSeries{{Values: []int64{1}}}},
		"huge":      {Title: "Huge", Labels: []string{"a", "b"}, Series: []ChartSeries{{Values: []int64{math.MaxInt64, math.MaxInt64}}, {Values: []int64{math.MaxInt64, 1}}}},
		"many bars": {Title: "Many", Labels: make([]string, 400), Series: []ChartSeries{{Values: make([]int64, 400)}}},
	} {
		root := parseSVG(t, string(c.SVG()))
		for _, b := range bars(root) {
			if b.h < 0 || math.IsNaN(b.h) || math.IsInf(b.h, 0) {
				t.Errorf("%s: bar height %v", name, b.h)
			}
		}
		if name == "negative" && len(bars(root)) != 1 {
			t.Errorf("negative: %d bars, want only the positive one", len(bars(root)))
		}
	}
	if s := (BarChart{Title: "E"}).SVG(); !strings.Contains(string(s), "No data") {
		t.Error("an empty chart does not say so")
	}
}

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ peak, step, top int64 }{{0, 1, 1}, {1, 1, 1}, {4, 1, 4}, {7, 2, 8}, {40, 10, 40}, {41, 10, 50}, {999, 200, 1000}, {12345, 5000, 15000}} {
		if step, top := niceScale(c.peak); step != c.step || top != c.top {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", c.peak, step, top, c.step, c.top)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
