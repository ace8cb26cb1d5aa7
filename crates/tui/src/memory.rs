//! Handing memory the program has freed back to the operating system.
//!
//! glibc's allocator keeps freed memory for later allocations, and gives it back to the
//! system on its own only from the top of the main thread's heap. Taking in 100,000 cached
//! resources frees a lot in the middle of the heaps: what the reading thread decoded into and
//! the App then moved, the previous view's rows, the panes' old search text. Left alone, about
//! 30 MB stays resident for the rest of the session although nothing uses it. `malloc_trim(0)`
//! returns every wholly free page, wherever it is, in a few milliseconds, so it is called once
//! after each big view is replaced, not on every change.

/// Returns the pages no allocation uses to the system. A no-op where the allocator is not
/// glibc's (musl, macOS), whose allocators return memory on their own terms.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers and has no preconditions: it only walks the
    // allocator's own free lists under the allocator's locks, and only ever releases pages
    // that no allocation occupies.
    unsafe {
        libc::malloc_trim(0);
    }
}
