package datapath

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
)

func TestObjectSHA256IsTheCommittedObjects(t *testing.T) {
	var both []byte
	for _, f := range []string{"mesh_bpfel.o", "fastpath_bpfel.o"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		both = append(both, b...)
	}
	sum := sha256.Sum256(both)
	if got, want := ObjectSHA256(), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("ObjectSHA256() = %s, want the hash of the committed objects %s", got, want)
	}
}
