//go:build !linux

package matching

// bigSlice makes a slice for a large flat array (huge pages are a Linux hint).
func bigSlice[T any](n int) []T { return make([]T, n) }
