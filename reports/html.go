package reports

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/meshbench/meshbench/reports/table"
)

// css is the whole stylesheet: the report needs nothing from the network.
const css = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1,h2,h3{line-height:1.2}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
thead th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.delta{white-space:nowrap;font-variant-numeric:tabular-nums}.better{color:#1a7f37}.worse{color:#c62828}.same{color:#666}
tr.geomean th,tr.geomean td{font-style:italic;background:#fafafa}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;white-space:pre-wrap}.notes{font-size:.85em;color:#444}`

// writeHTML renders the document as one self-contained HTML page: the PNG
// charts, read from dir, are embedded as data URIs so the file opens from
// disk anywhere.
func writeHTML(w io.Writer, d *document, dir string) error {
	var b strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n<h1>%s</h1>\n",
		esc(d.title), css, esc(d.title))
	for _, bl := range d.blocks {
		switch v := bl.(type) {
		case heading:
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", v.level, esc(v.text), v.level)
		case para:
			fmt.Fprintf(&b, "<p>%s</p>\n", esc(v.text))
		case bullets:
			b.WriteString("<ul>\n")
			for _, it := range v.items {
				fmt.Fprintf(&b, "<li>%s</li>\n", esc(it))
			}
			b.WriteString("</ul>\n")
		case codeText:
			fmt.Fprintf(&b, "<pre><code>%s</code></pre>\n", esc(strings.TrimRight(v.text, "\n")))
		case grid:
			b.WriteString("<table><thead><tr>")
			for _, h := range v.head {
				fmt.Fprintf(&b, "<th>%s</th>", esc(h))
			}
			b.WriteString("</tr></thead>\n<tbody>\n")
			for _, r := range v.rows {
				b.WriteString("<tr>")
				for _, c := range r {
					if c.class != "" {
						fmt.Fprintf(&b, "<td class=\"%s\">%s</td>", c.class, esc(c.text))
					} else {
						fmt.Fprintf(&b, "<td>%s</td>", esc(c.text))
					}
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody></table>\n")
		case benchTable:
			if err := v.t.WriteHTML(&b); err != nil {
				return err
			}
		case footnotes:
			b.WriteString("<div class=\"notes\">\n")
			for i, n := range v.n.List() {
				fmt.Fprintf(&b, "%s %s<br>\n", table.Mark([]int{i + 1}), esc(n))
			}
			b.WriteString("</div>\n")
		case image:
			data, err := os.ReadFile(filepath.Join(dir, v.png))
			if err != nil {
				return fmt.Errorf("embed chart: %w", err)
			}
			fmt.Fprintf(&b, "<figure><img alt=\"%s\" src=\"data:image/png;base64,%s\"><figcaption>%s (<a href=\"%s\">SVG</a>)</figcaption></figure>\n",
				esc(v.caption), base64.StdEncoding.EncodeToString(data), esc(v.caption), esc(v.svg))
		}
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
