package matching

import (
	"syscall"
	"unsafe"
)

// bigSlice makes a slice for a large flat array and asks Linux to back it with
// huge pages. On the VMs Lotse is measured on, faulting in fresh 4 KiB pages
// costs about 3 ms per MB — more than filling the pairs themselves; with 2 MiB
// pages it is a fraction of that. The advice only covers whole huge pages inside
// the slice and is a hint: where the kernel declines, nothing changes.
func bigSlice[T any](n int) []T {
	s := make([]T, n)
	var zero T
	size := uintptr(n) * unsafe.Sizeof(zero)
	const huge = 2 << 20
	if size < 2*huge {
		return s
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (huge - p%huge) % huge
	hi := lo + (size-lo)&^(huge-1)
	if hi > lo {
		_ = syscall.Madvise(b[lo:hi], 14) // MADV_HUGEPAGE
	}
	return s
}
