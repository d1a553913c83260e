package main

import (
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// runSeed is the seed that orders a run's points: --seed when given, else a
// new random one (never 0, which means the files' own order).
func runSeed(cmd *cobra.Command, flag int64) int64 {
	if cmd.Flags().Changed("seed") {
		return flag
	}
	return rand.Int64N(1<<31-1) + 1
}

// reproduce is the command line that reproduces a run: the arguments as
// given, with the seed made explicit.
func reproduce(args []string, seed int64) string {
	out := []string{"meshbench"}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--seed" && i+1 < len(args):
			i++ // replaced below
		case strings.HasPrefix(a, "--seed="):
		default:
			out = append(out, a)
		}
	}
	return strings.Join(append(out, "--seed", strconv.FormatInt(seed, 10)), " ")
}

// terminalWidth is w's width in columns when w is a terminal, else 0 (plain
// progress lines).
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 0
	}
	return int(ws.Col)
}
