//! The runtime of the npm package's `no_std` WebAssembly modules (the stamping module and
//! the landing module, built with their `bundle` feature): linked only by those builds, it
//! gives them what std would.
//!
//! - A panic handler that stops the module: std's formats the message (core::fmt, 6.6 KB of
//!   code before wasm-opt) even with `panic = "abort"`. A panic there is a bug: nothing on
//!   their paths indexes or unwraps.
//! - lol_alloc's free list instead of std's dlmalloc (4.7 KB of dlmalloc's `malloc` alone
//!   before wasm-opt): the modules allocate a few strings per call, never concurrently
//!   (wasm32-unknown-unknown has no threads), which is what `AssumeSingleThreaded` asserts.
//!
//! Figures in BENCHMARKS.md ("`.wasm` size"). On other targets the crate is empty.
#![no_std]

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
#[allow(unsafe_code)]
// SAFETY: the modules run on one thread (wasm32-unknown-unknown without atomics).
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
