// Package podproc runs things inside a pod of the local substrate: code on a
// thread moved into the pod's network namespace, sockets dialed from there,
// and long-running processes started in the pod's namespace, in a cgroup of
// the caller's choice and under another user, then stopped again.
package podproc
