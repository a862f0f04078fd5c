//! Randomness from the operating system (getrandom).
#![forbid(unsafe_code)]

/// Fills `out` with random bytes. The OS generator failing is unrecoverable for a TLS stack.
pub fn fill(out: &mut [u8]) {
    getrandom::fill(out).expect("the operating system random generator failed");
}

/// A fresh random array.
pub fn array<const N: usize>() -> [u8; N] {
    let mut a = [0u8; N];
    fill(&mut a);
    a
}
