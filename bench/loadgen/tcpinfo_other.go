//go:build !linux

package loadgen

import "net"

func kernelBytesReceived(net.Conn) (int64, bool) { return 0, false }
