package datapath

// The BPF objects are compiled from ../bpf by bpf2go (pinned in go.mod as a
// tool) into the committed mesh_bpfel.* and fastpath_bpfel.* files, so a
// plain go build needs no clang. Regenerate with clang 14 or later:
//
//	go generate ./datapath
//
// ../bpf/vmlinux.h comes from the BTF of the kernel the programs were
// developed on (Linux 6.18); CO-RE relocates the few kernel structs read
// directly. To refresh it:
//
//	bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h

//go:generate go tool bpf2go -cc clang -cflags "-O2 -g -Wall -Werror -mcpu=v3" -target bpfel -type mb_event -type mb_counters -type mb_config -type mb_sock_state -type mb_pod_name mesh ../bpf/mesh.c -- -I../bpf
//go:generate go tool bpf2go -cc clang -cflags "-O2 -g -Wall -Werror -mcpu=v3" -target bpfel -type mb_fwd_key -type mb_fwd -type mb_tc_counters fastpath ../bpf/fastpath.c -- -I../bpf
