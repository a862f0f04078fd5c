//! Randomness from the operating system (getrandom).
//!
//! Fuzzing builds only (`--cfg fuzzing`, which cargo-fuzz sets; never a normal build): a
//! deterministic stream instead, so a recorded handshake replays byte for byte and a fuzzer
//! gets past Finished. [`fuzzing::reset`] restarts it; [`fuzzing::save`]/[`fuzzing::restore`]
//! let one thread play both ends of a conversation with one stream each (the seed generator
//! does). The stream is SHA-256(seed || counter), per thread. The other draws that happen
//! inside aws-lc (ECDH/DH keys, ECDSA nonces, RSA encryption padding) take their bytes from
//! here in fuzzing builds too (see `kx`, `ecdsa`, `rsa`); `cfg!(fuzzing)` is false in the
//! library that ships, which `tests::normal_build_uses_the_os_generator` checks.
#![forbid(unsafe_code)]

/// Fills `out` with random bytes. The OS generator failing is unrecoverable for a TLS stack.
#[cfg(not(fuzzing))]
pub fn fill(out: &mut [u8]) {
    getrandom::fill(out).expect("the operating system random generator failed");
}

/// Fuzzing build: the next bytes of this thread's deterministic stream.
#[cfg(fuzzing)]
pub fn fill(out: &mut [u8]) {
    fuzzing::fill(out);
}

/// True only in fuzzing builds, whose "random" bytes are a fixed stream.
pub const DETERMINISTIC: bool = cfg!(fuzzing);

/// A fresh random array.
pub fn array<const N: usize>() -> [u8; N] {
    let mut a = [0u8; N];
    fill(&mut a);
    a
}

/// The deterministic stream of fuzzing builds.
#[cfg(fuzzing)]
pub mod fuzzing {
    use sha2::{Digest, Sha256};
    use std::cell::RefCell;

    /// One stream's position: its seed, the next block number, and unread bytes of the block.
    #[derive(Clone, Default)]
    pub struct State {
        seed: u64,
        counter: u64,
        block: [u8; 32],
        used: usize,
    }

    impl State {
        /// A stream at its start.
        pub fn new(seed: u64) -> Self {
            State { seed, counter: 0, block: [0; 32], used: 32 }
        }
    }

    thread_local! {
        static STREAM: RefCell<State> = RefCell::new(State::new(0));
    }

    /// Restarts this thread's stream at `seed`.
    pub fn reset(seed: u64) {
        restore(State::new(seed));
    }

    /// This thread's stream position.
    pub fn save() -> State {
        STREAM.with(|s| s.borrow().clone())
    }

    /// Continues this thread's stream from `state`.
    pub fn restore(state: State) {
        STREAM.with(|s| *s.borrow_mut() = state);
    }

    pub(super) fn fill(out: &mut [u8]) {
        STREAM.with(|s| {
            let mut s = s.borrow_mut();
            for b in out {
                if s.used == 32 {
                    let mut h = Sha256::new();
                    h.update(s.seed.to_be_bytes());
                    h.update(s.counter.to_be_bytes());
                    s.block = h.finalize().into();
                    s.counter += 1;
                    s.used = 0;
                }
                *b = s.block[s.used];
                s.used += 1;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped library (every non-fuzzing build, which is what `cargo test` checks) draws
    /// from the OS: no deterministic stream, and two draws differ.
    #[cfg(not(fuzzing))]
    #[test]
    fn normal_build_uses_the_os_generator() {
        const { assert!(!DETERMINISTIC) };
        assert_ne!(array::<32>(), array::<32>());
    }

    #[cfg(fuzzing)]
    #[test]
    fn fuzzing_stream_replays() {
        fuzzing::reset(7);
        let a: [u8; 40] = array();
        let saved = fuzzing::save();
        let b: [u8; 40] = array();
        fuzzing::reset(7);
        assert_eq!(a, array::<40>());
        fuzzing::restore(saved);
        assert_eq!(b, array::<40>());
    }
}
