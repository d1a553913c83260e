package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is one chart file: a title, an optional note, a legend shared by
// all panels, and the panels in a grid.
type Figure struct {
	Title  string
	Note   string // one line under the title: what the shading means, say
	Legend []LegendEntry
	Panels []*plot.Plot
	Cols   int // panels per row; 0 picks 1, 2 (for 2 or 4 panels) or 3
	// ShareY gives every panel the same y range, so bars of different
	// panels compare by height.
	ShareY bool
}

// LegendEntry is one item of the shared legend.
type LegendEntry struct {
	Label string
	Thumb plot.Thumbnailer
}

// Layout sizes.
const (
	panelWidth  = 3.6 * vg.Inch
	panelHeight = 2.9 * vg.Inch
	singleWidth = 7.5 * vg.Inch
	margin      = 2 * vg.Millimeter
)

func (f *Figure) grid() (cols, rows int) {
	cols = f.Cols
	switch {
	case cols > 0:
	case len(f.Panels) == 2 || len(f.Panels) == 4:
		cols = 2
	default:
		cols = min(len(f.Panels), 3)
	}
	return cols, (len(f.Panels) + cols - 1) / cols
}

func (f *Figure) size() (w, h, header vg.Length) {
	cols, rows := f.grid()
	w = vg.Length(cols) * panelWidth
	if cols == 1 {
		w = singleWidth
	}
	header = f.headerHeight(w)
	return w, header + vg.Length(rows)*panelHeight, header
}

func style(size vg.Length) text.Style {
	return text.Style{Color: color.Black, Font: font.From(Sans, size), XAlign: draw.XLeft, YAlign: draw.YTop,
		Handler: plot.DefaultTextHandler}
}

// legendRows splits the legend into rows that fit the width.
func (f *Figure) legendRows(width vg.Length) [][]LegendEntry {
	sty := style(legendSize)
	var rows [][]LegendEntry
	var x vg.Length
	for _, e := range f.Legend {
		w := entryWidth(sty, e)
		if len(rows) == 0 || x+w > width-2*margin {
			rows, x = append(rows, nil), 0
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], e)
		x += w
	}
	return rows
}

// noteLines wraps the note at word boundaries to fit the width.
func (f *Figure) noteLines(width vg.Length) []string {
	sty := style(labelSize)
	var lines []string
	for _, w := range strings.Fields(f.Note) {
		if n := len(lines); n > 0 && sty.Width(lines[n-1]+" "+w) <= width-4*margin {
			lines[n-1] += " " + w
			continue
		}
		lines = append(lines, w)
	}
	return lines
}

const thumbWidth = 22

func entryWidth(sty text.Style, e LegendEntry) vg.Length {
	return vg.Points(thumbWidth+4) + sty.Width(e.Label) + vg.Points(14)
}

func (f *Figure) headerHeight(width vg.Length) vg.Length {
	h := vg.Points(titleSize+10) + vg.Length(len(f.noteLines(width)))*vg.Points(labelSize+3)
	return h + vg.Length(len(f.legendRows(width)))*vg.Points(legendSize+7) + vg.Points(4)
}

// draw renders the figure onto c.
func (f *Figure) draw(c draw.Canvas, header vg.Length) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	top := c.Max.Y - vg.Points(6)
	title := style(titleSize)
	title.XAlign = draw.XCenter
	c.FillText(title, vg.Point{X: c.Center().X, Y: top}, f.Title)
	top -= vg.Points(titleSize + 4)
	note := style(labelSize)
	note.XAlign, note.Color = draw.XCenter, rgb(0x55, 0x55, 0x55)
	for _, l := range f.noteLines(c.Size().X) {
		c.FillText(note, vg.Point{X: c.Center().X, Y: top}, l)
		top -= vg.Points(labelSize + 3)
	}
	sty := style(legendSize)
	for _, row := range f.legendRows(c.Size().X) {
		var w vg.Length
		for _, e := range row {
			w += entryWidth(sty, e)
		}
		x := c.Center().X - w/2
		for _, e := range row {
			thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: top - vg.Points(legendSize)}, Max: vg.Point{X: x + vg.Points(thumbWidth), Y: top}}}
			e.Thumb.Thumbnail(&thumb)
			c.FillText(sty, vg.Point{X: x + vg.Points(thumbWidth+4), Y: top}, e.Label)
			x += entryWidth(sty, e)
		}
		top -= vg.Points(legendSize + 7)
	}
	if f.ShareY {
		lo, hi := f.Panels[0].Y.Min, f.Panels[0].Y.Max
		for _, p := range f.Panels {
			lo, hi = min(lo, p.Y.Min), max(hi, p.Y.Max)
		}
		for _, p := range f.Panels {
			p.Y.Min, p.Y.Max = lo, hi
		}
	}
	cols, rows := f.grid()
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range grid[i] {
			if k := i*cols + j; k < len(f.Panels) {
				grid[i][j] = f.Panels[k]
			}
		}
	}
	area := draw.Crop(c, 0, 0, 0, -header)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(10),
		PadLeft: margin, PadRight: vg.Points(10), PadBottom: margin, PadTop: vg.Points(2)}
	canvases := plot.Align(grid, tiles, area)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

// Save writes the figure to dir/name.png and dir/name.svg and returns the
// paths written.
func (f *Figure) Save(dir, name string) ([]string, error) {
	if len(f.Panels) == 0 {
		return nil, fmt.Errorf("chart %s: nothing to draw", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create plot directory: %w", err)
	}
	w, h, header := f.size()
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))}
	svg := vgsvg.New(w, h)
	var paths []string
	for _, out := range []struct {
		ext string
		c   vg.CanvasWriterTo
	}{{"png", png}, {"svg", svg}} {
		f.draw(draw.New(out.c), header)
		path := filepath.Join(dir, name+"."+out.ext)
		if err := write(path, out.c); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func write(path string, w io.WriterTo) error {
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
