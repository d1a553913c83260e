package plot

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Sans is the typeface of every text: Liberation Sans, embedded in the
// plotting library, so no chart depends on the fonts of the machine.
var Sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Font sizes, in points.
const (
	titleSize  = 13
	panelSize  = 10
	labelSize  = 9
	tickSize   = 8
	legendSize = 9
)

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 0xff} }

// meshColors fix a colour per mesh so every chart of a report agrees.
var meshColors = map[string]color.RGBA{
	"none":    rgb(0x3b, 0x3b, 0x3b), // near black: the baseline
	"sidecar": rgb(0xd6, 0x27, 0x28), // red
	"ebpf":    rgb(0x1f, 0x77, 0xb4), // blue
}

// componentColors fix a colour per CPU or memory component.
var componentColors = map[string]color.RGBA{
	"client":   rgb(0x9e, 0xca, 0xe1),
	"server":   rgb(0x31, 0x82, 0xbd),
	"proxy":    rgb(0xfd, 0x8d, 0x3c),
	"kernel":   rgb(0xa0, 0xa0, 0xa0),
	"bpf-maps": rgb(0x74, 0xc4, 0x76),
}

// Grey draws legend keys that stand for a line style rather than a mesh.
var Grey = rgb(0x70, 0x70, 0x70)

// families colour parts of a known component ("proxy/client",
// "proxy/server") in shades of the component's own colour.
var families = map[string][]color.RGBA{
	"proxy":  {rgb(0xfd, 0x8d, 0x3c), rgb(0xe6, 0x55, 0x0d), rgb(0xfd, 0xae, 0x6b), rgb(0xa6, 0x36, 0x03)},
	"client": {rgb(0x9e, 0xca, 0xe1), rgb(0x6b, 0xae, 0xd6)},
	"server": {rgb(0x31, 0x82, 0xbd), rgb(0x08, 0x51, 0x9c)},
	"bpf":    {rgb(0x74, 0xc4, 0x76), rgb(0x31, 0xa3, 0x54)},
}

// palette colours anything without a fixed colour, in order of appearance.
var palette = []color.RGBA{
	rgb(0x2c, 0xa0, 0x2c), rgb(0x94, 0x67, 0xbd), rgb(0x8c, 0x56, 0x4b),
	rgb(0xe3, 0x77, 0xc2), rgb(0x17, 0xbe, 0xcf), rgb(0xbc, 0xbd, 0x22),
}

// Colors hands out colours: the fixed one of a known name, otherwise the
// next of the palette. The zero value is ready to use.
type Colors struct {
	fixed    map[string]color.RGBA
	families bool
	next     int
	given    map[string]color.RGBA
	shade    map[string]int
}

// MeshColors colours meshes; ComponentColors colours CPU and memory parts.
func MeshColors() *Colors      { return &Colors{fixed: meshColors} }
func ComponentColors() *Colors { return &Colors{fixed: componentColors, families: true} }

// Of returns the colour of name, the same every time it is asked.
func (c *Colors) Of(name string) color.RGBA {
	if col, ok := c.fixed[name]; ok {
		return col
	}
	if c.given == nil {
		c.given = map[string]color.RGBA{}
	}
	if col, ok := c.given[name]; ok {
		return col
	}
	if fam, ok := families[Family(name)]; ok && c.families {
		if c.shade == nil {
			c.shade = map[string]int{}
		}
		col := fam[c.shade[Family(name)]%len(fam)]
		c.shade[Family(name)]++
		c.given[name] = col
		return col
	}
	col := palette[c.next%len(palette)]
	c.next++
	c.given[name] = col
	return col
}

// Dashes returns the line dashes of the i-th line style: solid, dashed,
// dotted, dash-dot.
func Dashes(i int) []vg.Length {
	switch i % 4 {
	case 1:
		return []vg.Length{vg.Points(6), vg.Points(3)}
	case 2:
		return []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	case 3:
		return []vg.Length{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)}
	}
	return nil
}

// translucent returns c with the given opacity, for bands behind lines.
func translucent(c color.RGBA, alpha uint8) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: alpha}
}

// newPanel returns an empty panel with meshbench's fonts and a grid
// (horizontal lines only unless vgrid).
func newPanel(title, xLabel, yLabel string, vgrid bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(Sans, panelSize)
	p.Title.Padding = vg.Points(4)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(Sans, labelSize)
		ax.Tick.Label.Font = font.From(Sans, tickSize)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.TextStyle.Font = font.From(Sans, legendSize)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	if vgrid {
		grid.Vertical.Color = rgb(0xe4, 0xe4, 0xe4)
	}
	grid.Horizontal.Color = rgb(0xe4, 0xe4, 0xe4)
	p.Add(grid)
	return p
}

// Family is a component's family: "proxy" for "proxy/client" or
// "proxy-server", "bpf" for "bpf-maps".
func Family(name string) string {
	if i := strings.IndexAny(name, "/-_"); i > 0 {
		return name[:i]
	}
	return name
}
