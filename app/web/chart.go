package web

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// BarChart is a bar chart drawn on the server as SVG: no script, no
// inline styles (colours come from the stylesheet's .chart classes), so it
// passes the strict CSP and prints. One series draws plain bars; several
// are stacked, with a legend. Every bar has a <title> the screen reader
// and the mouse pointer read ("Mar 2026, Active: 12").
//
//	svg := BarChart{Title: "Licenses expiring per week", Labels: weeks,
//		Series: []ChartSeries{{Name: "Active", Values: active}, {Name: "Suspended", Values: suspended}}}.SVG()
//
// In a template: {{.Chart}} (an html/template.HTML).
type BarChart struct {
	Title  string        // the chart's accessible name, shown as its heading by the page
	Desc   string        // optional longer description for screen readers
	Labels []string      // one per bar, along the bottom
	Series []ChartSeries // drawn bottom up in this order
	// Format writes a value for the axis and the titles (default: the
	// integer, such as 1234; use it for money in minor units).
	Format func(int64) string
	// Width and Height of the drawing (viewBox units; default 800 × 260).
	// The SVG scales to its container's width.
	Width, Height int
}

// ChartSeries is one named row of values, one per label. Negative values
// are drawn as zero.
type ChartSeries struct {
	Name   string
	Values []int64
}

// chartPalette is the number of series colours the stylesheet defines
// (.chart .s0 … .s5); more series reuse them.
const chartPalette = 6

// Layout of the drawing, in viewBox units.
const (
	chartPadLeft   = 56
	chartPadRight  = 12
	chartPadTop    = 12
	chartPadBottom = 28
	chartLegendH   = 22
)

// SVG draws the chart.
func (c BarChart) SVG() template.HTML {
	w, h := c.Width, c.Height
	if w <= 0 {
		w = 800
	}
	if h <= 0 {
		h = 260
	}
	format := c.Format
	if format == nil {
		format = func(v int64) string { return strconv.FormatInt(v, 10) }
	}
	id := chartID(c)
	var b strings.Builder
	legend := len(c.Series) > 1
	top := chartPadTop
	if legend {
		top += chartLegendH
	}
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t%s">`,
		w, h, id, ifStr(c.Desc != "", " "+id+"-d"))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, id, template.HTMLEscapeString(c.Title))
	if c.Desc != "" {
		fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, template.HTMLEscapeString(c.Desc))
	}

	// The stack heights fix the scale: the axis ends at a round number.
	totals := make([]int64, len(c.Labels))
	for _, s := range c.Series {
		for i := range totals {
			if i < len(s.Values) && s.Values[i] > 0 {
				totals[i] = satAdd(totals[i], s.Values[i])
			}
		}
	}
	var peak int64
	for _, t := range totals {
		peak = max(peak, t)
	}
	step, top10 := niceScale(peak)
	plotX, plotY := float64(chartPadLeft), float64(top)
	plotW, plotH := float64(w-chartPadLeft-chartPadRight), float64(h-top-chartPadBottom)
	y := func(v int64) float64 { return plotY + plotH - float64(v)/float64(top10)*plotH }

	if legend {
		x := plotX
		b.WriteString(`<g class="legend">`)
		for k, s := range c.Series {
			fmt.Fprintf(&b, `<rect class="swatch s%d" x="%s" y="%d" width="12" height="12" rx="2"/>`, k%chartPalette, num(x), chartPadTop-2)
			fmt.Fprintf(&b, `<text x="%s" y="%d">%s</text>`, num(x+17), chartPadTop+8, template.HTMLEscapeString(s.Name))
			x += 17 + 7.5*float64(len([]rune(s.Name))) + 18
		}
		b.WriteString(`</g>`)
	}

	// Grid lines and the value axis.
	b.WriteString(`<g class="axis y-axis">`)
	for v := int64(0); v <= top10; v += step {
		fmt.Fprintf(&b, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(plotX), num(plotX+plotW), num(y(v)), num(y(v)))
		fmt.Fprintf(&b, `<text class="tick" x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`,
			num(plotX-6), num(y(v)), template.HTMLEscapeString(format(v)))
		if v > math.MaxInt64-step {
			break
		}
	}
	b.WriteString(`</g>`)

	if len(c.Labels) == 0 || peak == 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%s" y="%s" text-anchor="middle">No data</text>`, num(plotX+plotW/2), num(plotY+plotH/2))
	}

	// Bars: one slot per label, the bar 70% of it, stacks bottom up.
	slot := plotW / float64(max(len(c.Labels), 1))
	barW := slot * 0.7
	b.WriteString(`<g class="bars">`)
	for i, label := range c.Labels {
		x := plotX + float64(i)*slot + (slot-barW)/2
		var base int64
		for k, s := range c.Series {
			var v int64
			if i < len(s.Values) && s.Values[i] > 0 {
				v = s.Values[i]
			}
			what := label
			if s.Name != "" {
				what += ", " + s.Name
			}
			what += ": " + format(v)
			if v == 0 {
				continue
			}
			y0, y1 := y(base), y(satAdd(base, v))
			fmt.Fprintf(&b, `<rect class="bar s%d" x="%s" y="%s" width="%s" height="%s" data-value="%d"><title>%s</title></rect>`,
				k%chartPalette, num(x), num(y1), num(barW), num(y0-y1), v, template.HTMLEscapeString(what))
			base = satAdd(base, v)
		}
	}
	b.WriteString(`</g>`)

	// Category labels; with many bars only every n-th, so they never overlap.
	every := max(1, int(math.Ceil(float64(len(c.Labels))*7*6/plotW))) // ~6 chars at 7 units each
	b.WriteString(`<g class="axis x-axis">`)
	fmt.Fprintf(&b, `<line class="baseline" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(plotX), num(plotX+plotW), num(plotY+plotH), num(plotY+plotH))
	for i, label := range c.Labels {
		if i%every != 0 {
			continue
		}
		fmt.Fprintf(&b, `<text class="tick" x="%s" y="%s" text-anchor="middle">%s</text>`,
			num(plotX+float64(i)*slot+slot/2), num(plotY+plotH+18), template.HTMLEscapeString(label))
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

// niceScale picks the axis: a step of 1, 2 or 5 times a power of ten
// giving at most five intervals, and the round top at or above peak.
func niceScale(peak int64) (step, top int64) {
	if peak <= 0 {
		return 1, 1
	}
	raw := float64(peak) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = int64(mag)
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = int64(m * mag)
			break
		}
	}
	step = max(step, 1)
	if peak > math.MaxInt64-step {
		return step, peak
	}
	top = (peak + step - 1) / step * step
	return step, top
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// num writes a coordinate with at most two decimals.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }

func ifStr(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

// chartID names the chart's title element, stable for the same chart and
// distinct between charts on one page.
func chartID(c BarChart) string {
	h := fnv.New32a()
	h.Write([]byte(c.Title))
	for _, l := range c.Labels {
		h.Write([]byte(l))
	}
	for _, s := range c.Series {
		h.Write([]byte(s.Name))
	}
	return fmt.Sprintf("chart-%08x", h.Sum32())
}
