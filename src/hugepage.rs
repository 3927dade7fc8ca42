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
/// (`capacity` elements from its start). Returns the range advised, if any.
pub fn advise<T>(buf: &Vec<T>) -> Option<(usize, usize)> {
    let range = huge_range(buf.as_ptr() as usize, buf.capacity() * std::mem::size_of::<T>());
    if let Some((addr, len)) = range {
        advise_range(addr, len);
    }
    range
}

/// The whole huge pages inside `[start, start + bytes)`, as `(address,
/// length)`: aligned to [`HUGE`] at both ends and never outside the range
/// (the safety of the `madvise` call rests on it). `None` for a buffer below
/// [`MIN_BYTES`] or one that holds no whole huge page.
fn huge_range(start: usize, bytes: usize) -> Option<(usize, usize)> {
    if bytes < MIN_BYTES {
        return None;
    }
    let (lo, hi) = (start.next_multiple_of(HUGE), (start + bytes) / HUGE * HUGE);
    (hi > lo).then_some((lo, hi - lo))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advised_range_is_the_whole_huge_pages_inside_the_buffer() {
        assert_eq!(huge_range(0, MIN_BYTES - 1), None);
        assert_eq!(huge_range(0, MIN_BYTES), Some((0, MIN_BYTES)));
        assert_eq!(huge_range(HUGE, MIN_BYTES + HUGE - 1), Some((HUGE, MIN_BYTES)));
        // Unaligned at both ends: rounded inwards.
        assert_eq!(huge_range(HUGE + 1, MIN_BYTES + HUGE), Some((2 * HUGE, MIN_BYTES)));
        // Just one whole page short of two, starting one byte past a page.
        assert_eq!(huge_range(1, MIN_BYTES), Some((HUGE, HUGE)));
        assert_eq!(huge_range(HUGE - 1, MIN_BYTES), Some((HUGE, HUGE)));
        let mut rng = crate::synthetic::Rng::new(7);
        for _ in 0..10_000 {
            let start = rng.below(1 << 40) as usize;
            let bytes = MIN_BYTES + rng.below(3 * HUGE as u64) as usize;
            let (lo, len) = huge_range(start, bytes).expect("4 MiB always holds a whole 2 MiB page");
            assert!(lo >= start && lo + len <= start + bytes, "{start} + {bytes}: {lo} + {len} is outside");
            assert_eq!((lo % HUGE, len % HUGE), (0, 0), "{start} + {bytes}: {lo} + {len} is not aligned");
            assert!(lo - start < HUGE && start + bytes - (lo + len) < HUGE, "{start} + {bytes}: not maximal");
        }
    }

    #[test]
    fn a_buffer_is_advised_inside_its_own_allocation_and_only_when_large() {
        let small: Vec<u64> = Vec::with_capacity(1000);
        assert_eq!(advise(&small), None);
        let big: Vec<u64> = Vec::with_capacity(MIN_BYTES / 8 + HUGE / 8);
        let start = big.as_ptr() as usize;
        let (lo, len) = advise(&big).expect("6 MiB holds a whole huge page");
        assert!(lo >= start && lo + len <= start + big.capacity() * 8 && len >= HUGE);
    }
}
