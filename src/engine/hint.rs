//! A cache hint for models whose state is larger than the CPU caches.

/// Asks the CPU to start loading `value` into its caches, so that a handler that touches it a
/// little later does not stall on main memory. Only a hint: it changes no result, and does
/// nothing on targets other than x86-64.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing architecturally and never faults, whatever the address;
    // here the address is a valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
