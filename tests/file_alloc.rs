//! Loading bounds before it allocates: a file that claims far more nodes
//! than it holds fails before any allocation larger than the file itself.
//!
//! Its own test binary, because it installs a global allocator that records
//! the largest single request.

mod file_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use file_support::{built, put, span};
use hnswlab::file::reseal;
use hnswlab::{Hnsw, Metric, PrunePolicy};

struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: as for `realloc` on `System`, which allocated `ptr`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

#[test]
fn inflated_counts_allocate_nothing_large() {
    let h = built(20, 2, Metric::L2, PrunePolicy::Standard, 3);
    let valid = h.to_bytes();
    assert!(valid.len() < 4096, "a tiny file: {} bytes", valid.len());
    let shape = span(&valid, 2);
    let labels = span(&valid, 3);
    let mut cases = Vec::new();
    for count in [1u64 << 40, 1 << 31, u32::MAX as u64 - 2, 1 << 20] {
        let mut b = valid.clone();
        put(&mut b, shape.payload + 8, &count.to_le_bytes());
        reseal(&mut b);
        cases.push((format!("count {count}"), b));
    }
    // A labels section claiming 2^40 bytes.
    let mut b = valid.clone();
    put(&mut b, labels.start + 8, &(1u64 << 40).to_le_bytes());
    reseal(&mut b);
    cases.push(("labels length 2^40".into(), b));
    for (what, bytes) in cases {
        LARGEST.store(0, Ordering::Relaxed);
        let r = Hnsw::from_bytes(&bytes);
        let largest = LARGEST.load(Ordering::Relaxed);
        assert!(r.is_err(), "{what}: loaded");
        assert!(largest <= 4096, "{what}: allocated {largest} bytes in one request for a {}-byte file", bytes.len());
    }
}
