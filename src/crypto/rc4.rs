//! RC4 through aws-lc: 0.89x OpenSSL's assembly RC4 on this machine against 0.80x for the
//! RustCrypto `rc4` crate (docs/performance.md), and RC4's only use here is the bulk data of
//! legacy suites, so the faster one is used. Off by default (RFC 7465).
#![allow(unsafe_code)]

use aws_lc_sys::RC4_KEY;
use zeroize::Zeroize;

/// One direction's RC4 key stream with its running state.
pub struct Rc4Stream {
    key: RC4_KEY,
}

impl Rc4Stream {
    /// `key` is the suite's RC4 key (16 bytes; export suites expand theirs to 16 first).
    /// Keyed in place on the heap, so no copy of the key schedule is left behind on the stack.
    pub fn boxed(key: &[u8]) -> Box<Self> {
        assert!(!key.is_empty() && key.len() <= 256, "RC4 key length comes from the suite table");
        let mut stream = Box::new(Rc4Stream { key: RC4_KEY { x: 0, y: 0, data: [0; 256] } });
        // SAFETY: `stream.key` is a live RC4_KEY; pointer and length describe `key`.
        unsafe { aws_lc_sys::RC4_set_key(&mut stream.key, key.len() as core::ffi::c_uint, key.as_ptr()) };
        stream
    }

    /// XORs the key stream into `buf` in place.
    pub fn apply(&mut self, buf: &mut [u8]) {
        let p = buf.as_mut_ptr();
        // SAFETY: `p` is valid for reads and writes of `buf.len()` bytes (one pointer for both, so
        // no aliasing of a shared and a mutable borrow); aws-lc's RC4 reads each input byte
        // before writing the same output byte, so in == out is supported.
        unsafe { aws_lc_sys::RC4(&mut self.key, buf.len(), p, p) };
    }
}

impl Drop for Rc4Stream {
    fn drop(&mut self) {
        self.key.data.zeroize();
        self.key.x.zeroize();
        self.key.y.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6229_key_stream() {
        // RFC 6229 §2, 128-bit key 0x0102..0x10: key stream bytes 0-15.
        let key: Vec<u8> = (1..=16).collect();
        let mut buf = [0u8; 16];
        Rc4Stream::boxed(&key).apply(&mut buf);
        assert_eq!(buf, [0x9a, 0xc7, 0xcc, 0x9a, 0x60, 0x9d, 0x1e, 0xf7, 0xb2, 0x93, 0x28, 0x99, 0xcd, 0xe4, 0x1b, 0x97]);
    }

    #[test]
    fn the_stream_runs_on_across_calls_and_matches_the_rc4_crate() {
        use ::cipher::{KeyInit, StreamCipher};
        let key = [7u8; 16];
        let mut ours = Rc4Stream::boxed(&key);
        let mut reference = rc4::Rc4::new_from_slice(&key).unwrap();
        for len in [1usize, 15, 16, 1000, 16384] {
            let mut a = vec![0x5au8; len];
            let mut b = a.clone();
            ours.apply(&mut a);
            reference.apply_keystream(&mut b);
            assert_eq!(a, b, "length {len}");
        }
    }
}
