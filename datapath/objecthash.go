package datapath

import (
	"crypto/sha256"
	"encoding/hex"
)

// ObjectSHA256 identifies the BPF programs built into this binary: the
// SHA-256 of the sockmap object and the tc fast-path object, in that order,
// as bpf2go embedded them. Two results with the same hash ran the same
// kernel-side code, whatever the Go side around it.
func ObjectSHA256() string {
	h := sha256.New()
	h.Write(_MeshBytes)
	h.Write(_FastpathBytes)
	return hex.EncodeToString(h.Sum(nil))
}
