package nodeimage

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultMirror is used when no apt source on this host names a Debian
// mirror for the suite.
const DefaultMirror = "http://deb.debian.org/debian"

// aptMirror returns the Debian mirror that apt on this host uses for suite,
// reading /etc/apt/sources.list and /etc/apt/sources.list.d/*.
func aptMirror(suite string) string {
	files := []string{"/etc/apt/sources.list"}
	more, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append(files, more...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if m := mirrorFromSources(string(data), suite); m != "" {
			return m
		}
	}
	return DefaultMirror
}

// mirrorFromSources finds, in one apt sources file (one-line "deb URI suite
// components" or deb822 stanzas), the URI of a deb source that carries suite
// itself (not suite-security or suite-updates) with the main component.
func mirrorFromSources(text, suite string) string {
	// One-line format.
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(stripComment(sc.Text()))
		if len(f) >= 4 && f[0] == "deb" {
			f = dropOptions(f[1:])
			if len(f) >= 3 && f[1] == suite && slices.Contains(f[2:], "main") {
				return strings.TrimSuffix(f[0], "/")
			}
		}
	}
	// deb822 format: stanzas separated by blank lines.
	for _, stanza := range strings.Split(text, "\n\n") {
		fields := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			k, v, ok := strings.Cut(stripComment(line), ":")
			if ok && !strings.HasPrefix(line, " ") {
				fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		if fields["enabled"] == "no" || !slices.Contains(strings.Fields(fields["types"]), "deb") {
			continue
		}
		if slices.Contains(strings.Fields(fields["suites"]), suite) && slices.Contains(strings.Fields(fields["components"]), "main") {
			if uris := strings.Fields(fields["uris"]); len(uris) > 0 {
				return strings.TrimSuffix(uris[0], "/")
			}
		}
	}
	return ""
}

func stripComment(s string) string {
	if i := strings.Index(s, "#"); i >= 0 {
		return s[:i]
	}
	return s
}

// dropOptions removes a "[arch=amd64 signed-by=...]" block after "deb".
func dropOptions(f []string) []string {
	if len(f) == 0 || !strings.HasPrefix(f[0], "[") {
		return f
	}
	for i, s := range f {
		if strings.HasSuffix(s, "]") {
			return f[i+1:]
		}
	}
	return nil
}
