//! Software prefetch: ask the CPU to start loading memory that a search is
//! about to read, so the load overlaps other work (hnswlib prefetches the next
//! neighbour's vector and link list the same way).
//!
//! A prefetch is only a hint: it never faults and never changes a result, so
//! nothing here can make a search wrong, only faster or slower.

/// Start loading the first `lines` 64-byte cache lines of `x` (fewer if `x` is shorter).
#[inline(always)]
pub fn prefetch<T>(x: &[T], lines: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = x.as_ptr().cast::<i8>();
        let bytes = std::mem::size_of_val(x);
        for line in 0..lines.min(bytes.div_ceil(64)) {
            // SAFETY: a prefetch never faults; the address lies within `x`.
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(p.add(line * 64))
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (x, lines);
}
