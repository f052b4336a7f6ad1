//! The global items of the npm package's WebAssembly modules (`#[global_allocator]`,
//! `#[panic_handler]`): linked by their npm builds only, it gives them a smaller allocator
//! than std's and, for the `no_std` ones, a panic handler.
//!
//! - lol_alloc's free list instead of std's dlmalloc (4.7 KB of dlmalloc's `malloc` alone
//!   before wasm-opt; 7.2 KB in all), in every module: they allocate, never concurrently
//!   (wasm32-unknown-unknown has no threads), which is what `AssumeSingleThreaded` asserts.
//!   The free list is kept sorted and merges neighbours, so freed memory is reused: the
//!   report module's memory stays what its live maps hold (BENCHMARKS.md, the report
//!   module's allocator: 3.5 KB gzip less, the same speed on a 20 MB export).
//! - With the feature `panic-handler` (the stamping and landing modules' `bundle` builds,
//!   which are `no_std`), a panic handler that stops the module: std's formats the message
//!   (core::fmt, 6.6 KB of code before wasm-opt) even with `panic = "abort"`. A panic there
//!   is a bug: nothing on their paths indexes or unwraps. The std modules (report,
//!   validate) keep std's.
//!
//! Figures in BENCHMARKS.md ("`.wasm` size"). On other targets the crate is empty.
#![no_std]

#[cfg(all(target_arch = "wasm32", feature = "panic-handler"))]
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
