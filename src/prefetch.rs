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
        for offset in line_offsets(std::mem::size_of_val(x), lines) {
            // SAFETY: a prefetch never faults; the offset lies within `x`
            // (`line_offsets`), so `p.add` stays inside its allocation.
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(p.add(offset))
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (x, lines);
}

/// The byte offsets of the first `lines` 64-byte cache lines of a slice of
/// `bytes` bytes: each is below `bytes`.
#[inline(always)]
fn line_offsets(bytes: usize, lines: usize) -> impl Iterator<Item = usize> {
    (0..lines.min(bytes.div_ceil(64))).map(|line| line * 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_prefetched_start_inside_the_slice() {
        let offsets = |bytes, lines| line_offsets(bytes, lines).collect::<Vec<_>>();
        assert_eq!(offsets(0, 4), Vec::<usize>::new());
        assert_eq!(offsets(1, 4), [0]);
        assert_eq!(offsets(64, 4), [0]);
        assert_eq!(offsets(65, 4), [0, 64]);
        assert_eq!(offsets(512, 3), [0, 64, 128]);
        assert_eq!(offsets(130, 8), [0, 64, 128]);
        for bytes in 0..300 {
            for lines in 0..6 {
                let o = offsets(bytes, lines);
                assert!(o.iter().all(|&x| x < bytes && x % 64 == 0), "{bytes} bytes, {lines} lines: {o:?}");
                assert_eq!(o.len(), lines.min(bytes.div_ceil(64)));
            }
        }
        prefetch(&[1u8; 200], 8);
        prefetch::<f32>(&[], 2);
    }
}
