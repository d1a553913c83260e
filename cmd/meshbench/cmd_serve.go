package main

import (
	"fmt"

	"github.com/meshbench/meshbench/bench/runner"
	"github.com/meshbench/meshbench/bench/workload"
	"github.com/spf13/cobra"
)

func newServeCommand() *cobra.Command {
	var cfg workload.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the benchmark workload: TCP echo and HTTP/1.1 (runs inside a pod)",
		Long: `serve listens for the length-prefixed TCP echo protocol, for the same echo
answering one frame per connection and then closing it (connection churn),
for HTTP/1.1 GET requests answered with a fixed-size body (?size=N overrides it
per request), and for streams: after a 4-byte message size the server writes
messages of that size until the client closes. It prints "ready" once it is
listening and serves until SIGINT or SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Normalize()
			if err := cfg.Validate(); err != nil {
				return badInput(err)
			}
			srv, err := workload.Listen(cfg)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintln(cmd.OutOrStdout(), runner.ReadyLine); err != nil {
				return err
			}
			if err := srv.Serve(cmd.Context()); err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.ErrOrStderr(), srv.Stats())
			return err
		},
	}
	cmd.Flags().StringVar(&cfg.TCPAddr, "tcp", "[::]:7000", "TCP echo listen address (empty disables)")
	cmd.Flags().StringVar(&cfg.HTTPAddr, "http", "[::]:8080", "HTTP/1.1 listen address (empty disables)")
	cmd.Flags().StringVar(&cfg.OnceAddr, "tcp-once", "[::]:7002", "one-frame TCP echo listen address, the server closes first (empty disables)")
	cmd.Flags().StringVar(&cfg.StreamAddr, "stream", "[::]:7001", "stream source listen address (empty disables)")
	cmd.Flags().IntVar(&cfg.HTTPBodyBytes, "http-body", workload.DefaultHTTPBodyBytes, "HTTP response body size in bytes")
	return cmd
}
