//! The one place locks, atomics and threads come from: `std` normally, `loom`
//! under `--cfg loom`, so the loom models check the same concurrent code.

#[cfg(loom)]
pub use loom::cell::UnsafeCell;
/// loom's model runner (function and module), so test crates need no loom
/// dependency of their own (`invariants/tests/loom_models.rs`).
#[cfg(loom)]
pub use loom::model;
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(loom)]
pub use loom::sync::{Arc, Mutex, MutexGuard};
#[cfg(loom)]
pub use loom::thread;

#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(not(loom))]
pub use std::thread;

/// Interior mutability for data a lock guards but does not own (the
/// concurrent strategy's flat neighbour lists): `std`'s `UnsafeCell` with
/// loom's closure API, so under `--cfg loom` every access is checked for
/// data races against the model's happens-before order.
#[cfg(not(loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// Wrap `value`.
    pub const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Run `f` with a shared pointer to the value; the caller's
    /// synchronisation must exclude concurrent writes.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Run `f` with a mutable pointer to the value; the caller's
    /// synchronisation must exclude every concurrent access.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Lock `m`, ignoring poisoning: a panicking holder already fails the build
/// when its thread is joined, and the data it guarded is only read for the report.
#[inline]
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Map `f` over `items` on up to `scratches.len()` scoped threads, each with
/// its own scratch, keeping the input order in the output (`std` only).
pub(crate) fn map_chunks<T, S, R, F>(items: &[T], scratches: &mut [S], f: F) -> Vec<R>
where
    T: Sync,
    S: Send,
    R: Send,
    F: Fn(&T, &mut S) -> R + Sync,
{
    let threads = scratches.len().max(1).min(items.len().max(1));
    if threads <= 1 || scratches.is_empty() {
        let s = scratches.first_mut().expect("at least one scratch");
        return items.iter().map(|x| f(x, s)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|sc| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .zip(scratches.iter_mut())
            .map(|(part, s)| {
                let f = &f;
                sc.spawn(move || part.iter().map(|x| f(x, s)).collect::<Vec<R>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker panicked")).collect()
    })
}
