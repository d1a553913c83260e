package haproxy

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Direction counts what one listener (outbound or inbound) proxied.
type Direction struct {
	Connections    uint64 // downstream connections accepted, any protocol
	HTTPRequests   uint64 // HTTP requests forwarded
	TCPConnections uint64 // raw TCP connections forwarded
	TLSConnections uint64 // mutual TLS: outbound originated, inbound terminated
	BytesIn        uint64 // received from downstream clients
	BytesOut       uint64 // sent to downstream clients
}

// Counters are a sidecar's totals since it started.
type Counters struct {
	Inbound, Outbound Direction
}

// statKey names a row of `show stat`: proxy and service (FRONTEND, BACKEND
// or a server name).
type statKey struct{ proxy, service string }

// ReadCounters asks the stats socket for `show stat` and sums the rows into
// Counters.
func ReadCounters(ctx context.Context, socket string) (Counters, error) {
	out, err := Command(ctx, socket, "show stat")
	if err != nil {
		return Counters{}, err
	}
	rows, err := parseStat(strings.NewReader(out))
	if err != nil {
		return Counters{}, err
	}
	return countersFrom(rows), nil
}

func countersFrom(rows map[statKey]map[string]uint64) Counters {
	fe := func(name, field string) uint64 { return rows[statKey{name, "FRONTEND"}][field] }
	be := func(field string, names ...string) uint64 {
		var n uint64
		for _, name := range names {
			n += rows[statKey{name, "BACKEND"}][field]
		}
		return n
	}
	return Counters{
		Outbound: Direction{
			Connections:    fe(feOutbound, "stot"),
			HTTPRequests:   be("req_tot", beOutHTTP, beOutHTTPMTLS),
			TCPConnections: be("stot", beOutTCP, beOutTCPMTLS),
			TLSConnections: be("connect", beOutHTTPMTLS, beOutTCPMTLS),
			BytesIn:        fe(feOutbound, "bin"),
			BytesOut:       fe(feOutbound, "bout"),
		},
		Inbound: Direction{
			Connections:    fe(feInbound, "stot"),
			HTTPRequests:   be("req_tot", beInHTTP),
			TCPConnections: be("stot", beInTCP),
			TLSConnections: fe(feInboundMTLS, "stot"),
			BytesIn:        fe(feInbound, "bin"),
			BytesOut:       fe(feInbound, "bout"),
		},
	}
}

// parseStat reads `show stat` CSV: a "# pxname,svname,..." header, then one
// row per frontend, backend and server. Empty and non-numeric fields are
// left out of a row.
func parseStat(r io.Reader) (map[statKey]map[string]uint64, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("parse show stat: header: %w", err)
	}
	if len(header) < 2 || strings.TrimPrefix(header[0], "# ") != "pxname" || header[1] != "svname" {
		return nil, fmt.Errorf("parse show stat: unexpected header %q", strings.Join(header, ","))
	}
	header[0] = "pxname"
	rows := make(map[statKey]map[string]uint64)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parse show stat: %w", err)
		}
		if len(rec) < 2 {
			continue // blank trailing line
		}
		row := make(map[string]uint64)
		for i := 2; i < len(rec) && i < len(header); i++ {
			if v, err := strconv.ParseUint(rec[i], 10, 64); err == nil {
				row[header[i]] = v
			}
		}
		rows[statKey{rec[0], rec[1]}] = row
	}
}

// Command sends one command to the stats socket and returns the answer
// (HAProxy closes the connection after answering).
func Command(ctx context.Context, socket, cmd string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return "", fmt.Errorf("haproxy stats socket: %w", err)
	}
	defer c.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	if err := c.SetDeadline(deadline); err != nil {
		return "", fmt.Errorf("haproxy stats socket: %w", err)
	}
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return "", fmt.Errorf("haproxy stats socket: send %q: %w", cmd, err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		return "", fmt.Errorf("haproxy stats socket: read answer to %q: %w", cmd, err)
	}
	return string(out), nil
}
