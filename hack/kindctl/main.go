// Command kindctl brings the kind substrate's cluster up and down from the
// Makefile (make kind-up, make kind-down) until `meshbench up/down
// --substrate kind` exist. It is a thin wrapper over
// internal/substrate/kind:
//
//	go run ./hack/kindctl up [-name NAME] [-nodes 1|2] [-image REF] [-logs DIR]
//	go run ./hack/kindctl down [-name NAME]   (no -name: every mb- cluster)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/meshbench/meshbench/internal/substrate/kind"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kindctl:", err)
		switch {
		case errors.Is(err, kind.ErrInvalidConfig), errors.Is(err, flag.ErrHelp):
			os.Exit(2)
		case errors.Is(err, kind.ErrEnvironment):
			os.Exit(3)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: want a command: up or down", kind.ErrInvalidConfig)
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	var cfg kind.Config
	fs.StringVar(&cfg.Name, "name", "", "cluster name (kind cluster mb-NAME); default \"default\"")
	fs.IntVar(&cfg.Nodes, "nodes", 2, "nodes: 1 or 2 (up)")
	fs.StringVar(&cfg.NodeImage, "image", "", "node image (up); default "+kind.DefaultNodeImage)
	fs.StringVar(&cfg.LogDir, "logs", "", "where logs go when up fails")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	start := time.Now()
	switch args[0] {
	case "up":
		c, err := kind.Up(ctx, cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "kind cluster %s is up in %s; kubeconfig %s\n", c.KindName(), time.Since(start).Round(time.Millisecond), c.Kubeconfig())
		for _, n := range c.Nodes() {
			fmt.Fprintf(stdout, "  %-28s %-13s %-15s %s\n", n.Name, n.Role, n.InternalIP, n.PodCIDR)
		}
		return nil
	case "down":
		var err error
		if cfg.Name != "" {
			err = kind.DownCluster(ctx, cfg.Name)
		} else {
			err = kind.DownAll(ctx)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	}
	return fmt.Errorf("%w: unknown command %q: want up or down", kind.ErrInvalidConfig, args[0])
}
