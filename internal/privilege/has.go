package privilege

// HasEffective reports whether capability number bit (such as CapNetAdmin)
// is in this process's effective set. The set is the process's as
// /proc/self/status reports it (its main thread's).
func HasEffective(bit uint) (bool, error) {
	eff, err := effective()
	if err != nil {
		return false, err
	}
	return eff&(1<<bit) != 0, nil
}
