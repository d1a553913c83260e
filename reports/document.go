package reports

import "github.com/meshbench/meshbench/reports/table"

// document is a report before it is written: a list of blocks that the
// Markdown and HTML writers render the same way.
type document struct {
	title  string
	blocks []block
}

type block interface{ isBlock() }

type (
	heading struct {
		level int
		text  string
	}
	para     struct{ text string }
	bullets  struct{ items []string }
	codeText struct{ text string }
	// grid is a plain table; a cell's class colours it in HTML.
	grid struct {
		head []string
		rows [][]cell
	}
	cell struct{ text, class string }
	// benchTable is a benchstat-style table.
	benchTable struct{ t *table.Table }
	// footnotes lists the notes the tables above it refer to.
	footnotes struct{ n *table.Notes }
	// image is a chart: PNG and SVG paths relative to the report directory.
	image struct{ caption, png, svg string }
)

func (heading) isBlock()    {}
func (para) isBlock()       {}
func (bullets) isBlock()    {}
func (codeText) isBlock()   {}
func (grid) isBlock()       {}
func (benchTable) isBlock() {}
func (footnotes) isBlock()  {}
func (image) isBlock()      {}

func (d *document) add(b ...block) { d.blocks = append(d.blocks, b...) }
