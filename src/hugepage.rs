//! Transparent huge pages for the large buffers (vectors, layer-0 lists).
//!
//! A search touches a few hundred random rows of a buffer of tens or hundreds
//! of megabytes; with 4 KiB pages nearly every touch misses the TLB. Advising
//! the kernel to back the buffer with 2 MiB pages (Linux `MADV_HUGEPAGE`, which
//! is what "madvise" mode of transparent huge pages waits for) cuts those page
//! walks. It is a hint: it never changes contents, and on other systems, or
//! when the kernel declines, nothing happens.

/// Buffers smaller than this are left alone (a huge page would be mostly empty).
const MIN_BYTES: usize = 4 << 20;
/// Huge page size on x86-64 and most arm64 kernels.
const HUGE: usize = 2 << 20;

/// Advise huge pages for the whole 2 MiB pages inside `buf`'s allocation
/// (`capacity` elements from its start).
pub fn advise<T>(buf: &Vec<T>) {
    let bytes = buf.capacity() * std::mem::size_of::<T>();
    if bytes < MIN_BYTES {
        return;
    }
    let start = buf.as_ptr() as usize;
    let (lo, hi) = (start.next_multiple_of(HUGE), (start + bytes) / HUGE * HUGE);
    if hi > lo {
        advise_range(lo, hi - lo);
    }
}

#[cfg(target_os = "linux")]
fn advise_range(addr: usize, len: usize) {
    // SAFETY: [addr, addr + len) lies inside one live allocation owned by the
    // caller's Vec; MADV_HUGEPAGE changes only how pages are backed, not their
    // contents, and a failure (e.g. THP disabled) is harmless, so it is ignored.
    unsafe {
        libc::madvise(addr as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_range(_addr: usize, _len: usize) {}
