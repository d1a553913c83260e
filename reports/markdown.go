package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/meshbench/meshbench/reports/table"
)

// writeMarkdown renders the document as GitHub-flavoured Markdown; images
// link to the PNG files next to it.
func writeMarkdown(w io.Writer, d *document) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", d.title)
	for _, bl := range d.blocks {
		b.WriteString("\n")
		switch v := bl.(type) {
		case heading:
			fmt.Fprintf(&b, "%s %s\n", strings.Repeat("#", v.level), v.text)
		case para:
			b.WriteString(v.text + "\n")
		case bullets:
			for _, it := range v.items {
				b.WriteString("- " + it + "\n")
			}
		case codeText:
			b.WriteString("```\n" + strings.TrimRight(v.text, "\n") + "\n```\n")
		case grid:
			row := func(cells []string) {
				for i := range cells {
					cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
				}
				b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			}
			row(append([]string(nil), v.head...))
			seps := make([]string, len(v.head))
			for i := range seps {
				seps[i] = "---"
			}
			row(seps)
			for _, r := range v.rows {
				texts := make([]string, len(r))
				for i, c := range r {
					texts[i] = c.text
				}
				row(texts)
			}
		case benchTable:
			if err := v.t.WriteMarkdown(&b); err != nil {
				return err
			}
		case footnotes:
			for i, n := range v.n.List() {
				fmt.Fprintf(&b, "%s %s  \n", table.Mark([]int{i + 1}), n)
			}
		case image:
			fmt.Fprintf(&b, "![%s](%s)  \n*%s* ([SVG](%s))\n", v.caption, v.png, v.caption, v.svg)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
