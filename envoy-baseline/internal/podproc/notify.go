package podproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
)

// Notify is a socket a process reports readiness on, with the systemd
// sd_notify protocol (datagrams of KEY=VALUE lines, "READY=1" once ready).
// Pass Path in the process's NOTIFY_SOCKET environment variable.
type Notify struct {
	Path string
	conn *net.UnixConn
	msgs chan []byte
}

// ListenNotify creates the notify socket at path, owned by uid and gid so
// a process running as them may send to it.
func ListenNotify(path string, uid, gid int) (*Notify, error) {
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("listen for readiness: %w", err)
	}
	if err := os.Chown(path, uid, gid); err != nil {
		return nil, errors.Join(fmt.Errorf("chown notify socket: %w", err), conn.Close())
	}
	n := &Notify{Path: path, conn: conn, msgs: make(chan []byte, 8)}
	go n.read()
	return n, nil
}

func (n *Notify) read() {
	defer close(n.msgs)
	buf := make([]byte, 4096)
	for {
		k, err := n.conn.Read(buf)
		if err != nil {
			return // closed
		}
		n.msgs <- bytes.Clone(buf[:k])
	}
}

// WaitReady waits for a message with a READY=1 line. It fails when exited
// is closed first (the process died; its error is exitErr()) or ctx ends.
func (n *Notify) WaitReady(ctx context.Context, exited <-chan struct{}, exitErr func() error) error {
	for {
		select {
		case m, ok := <-n.msgs:
			if !ok {
				return errors.New("readiness socket closed")
			}
			for _, line := range bytes.Split(m, []byte("\n")) {
				if string(line) == "READY=1" {
					return nil
				}
			}
		case <-exited:
			return exitErr()
		case <-ctx.Done():
			return fmt.Errorf("wait for readiness: %w", ctx.Err())
		}
	}
}

// Close closes and removes the socket.
func (n *Notify) Close() error {
	err := n.conn.Close()
	if rerr := os.Remove(n.Path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}
