package table

import (
	"html"
	"io"
	"strings"
)

// title heads the label column: "p99 latency" or "max request rate (req/s)".
func (t *Table) title() string {
	if t.Metric.Unit == "" {
		return t.Metric.Title
	}
	return t.Metric.Title + " (" + t.Metric.Unit + ")"
}

// WriteMarkdown prints the table as a GitHub-flavoured Markdown table.
func (t *Table) WriteMarkdown(w io.Writer) error {
	head := []string{t.title()}
	align := []string{":--"}
	for j, c := range t.Columns {
		head, align = append(head, c), append(align, "--:")
		if j > 0 {
			head, align = append(head, "vs "+t.Columns[0]), append(align, ":--")
		}
	}
	lines := []string{mdRow(head), mdRow(align)}
	for _, r := range t.Rows {
		lines = append(lines, mdRow(subcells(r)))
	}
	if t.Geomean != nil {
		g := subcells(*t.Geomean)
		g[0] = "*geomean*"
		lines = append(lines, mdRow(g))
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}

func mdRow(cells []string) string {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return "| " + strings.Join(esc, " | ") + " |"
}

// WriteHTML prints the table as an HTML table; compared cells carry the
// class better, worse or same so a stylesheet can colour them.
func (t *Table) WriteHTML(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`<table class="bench"><thead><tr><th>` + html.EscapeString(t.title()) + "</th>")
	for j, c := range t.Columns {
		b.WriteString("<th>" + html.EscapeString(c) + "</th>")
		if j > 0 {
			b.WriteString("<th>vs " + html.EscapeString(t.Columns[0]) + "</th>")
		}
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	rows := t.Rows
	if t.Geomean != nil {
		rows = append(rows[:len(rows):len(rows)], *t.Geomean)
	}
	for i, r := range rows {
		class := ""
		if t.Geomean != nil && i == len(rows)-1 {
			class = ` class="geomean"`
		}
		b.WriteString("<tr" + class + "><th>" + html.EscapeString(r.Label) + "</th>")
		for j, c := range r.Cells {
			b.WriteString(`<td class="num">` + html.EscapeString(withMark(c.Value, c.Notes)) + "</td>")
			if j > 0 {
				b.WriteString(`<td class="delta ` + c.Verdict + `">` + html.EscapeString(withMark(strings.TrimSpace(c.Delta+" "+c.Detail), c.DeltaNotes)) + "</td>")
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
