package nodeimage

import "testing"

func TestMirrorFromSources(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"deb822 as on this host", `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
`, "http://deb.debian.org/debian"},
		{"deb822 security only", "Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n", ""},
		{"deb822 disabled", "Enabled: no\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\nComponents: main\n", ""},
		{"one-line with options", "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main contrib\n", "http://mirror.example/debian"},
		{"one-line other suite", "deb http://mirror.example/debian trixie main\ndeb-src http://mirror.example/debian bookworm main\n", ""},
		{"third-party repo", "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mirrorFromSources(tc.text, "bookworm"); got != tc.want {
				t.Fatalf("mirror = %q, want %q", got, tc.want)
			}
		})
	}
}
