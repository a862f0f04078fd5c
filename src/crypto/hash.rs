//! Hashes and HMAC used by the record layer, the PRF and the handshake transcript.
#![forbid(unsafe_code)]

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::{Digest, Sha1};

/// The hash behind a record MAC (TLS 1.0 HMAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Md5,
    Sha1,
}

impl HashAlg {
    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlg::Md5 => 16,
            HashAlg::Sha1 => 20,
        }
    }
}

/// HMAC over the concatenation of `parts`.
pub fn hmac(alg: HashAlg, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0u8; alg.output_len()];
    HmacKey::new(alg, key).compute(parts, &mut out);
    out
}

/// An HMAC key with its inner and outer pads already hashed, so each record costs only the
/// compressions of its own data (cloning the keyed state instead of re-keying).
#[derive(Clone)]
pub enum HmacKey {
    Md5(Hmac<Md5>),
    Sha1(Hmac<Sha1>),
}

impl HmacKey {
    pub fn new(alg: HashAlg, key: &[u8]) -> Self {
        match alg {
            HashAlg::Md5 => HmacKey::Md5(<Hmac<Md5> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length")),
            HashAlg::Sha1 => HmacKey::Sha1(<Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length")),
        }
    }

    /// HMAC over the concatenation of `parts`, written into `out` (the digest length).
    pub fn compute(&self, parts: &[&[u8]], out: &mut [u8]) {
        match self {
            HmacKey::Md5(k) => {
                let mut m = k.clone();
                parts.iter().for_each(|p| m.update(p));
                out.copy_from_slice(&m.finalize().into_bytes());
            }
            HmacKey::Sha1(k) => {
                let mut m = k.clone();
                parts.iter().for_each(|p| m.update(p));
                out.copy_from_slice(&m.finalize().into_bytes());
            }
        }
    }
}

/// Runs `blocks` extra compression-function calls of `alg` on throwaway data.
///
/// The CBC record check (Lucky 13, AlFardan & Paterson 2013) must cost the same whatever the
/// padding length; callers add the compressions the MAC did not need.
pub fn dummy_compressions(alg: HashAlg, blocks: usize) {
    let zeros = [0u8; 64];
    match alg {
        HashAlg::Md5 => {
            let mut h = Md5::new();
            (0..blocks).for_each(|_| h.update(zeros));
            core::hint::black_box(h.finalize());
        }
        HashAlg::Sha1 => {
            let mut h = Sha1::new();
            (0..blocks).for_each(|_| h.update(zeros));
            core::hint::black_box(h.finalize());
        }
    }
}

/// MD5(data) || SHA-1(data): the TLS 1.0 Finished hash and signature input.
pub fn md5_sha1(data: &[u8]) -> [u8; 36] {
    let mut out = [0u8; 36];
    out[..16].copy_from_slice(&Md5::digest(data));
    out[16..].copy_from_slice(&Sha1::digest(data));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_state_matches_one_shot_hmac() {
        for alg in [HashAlg::Md5, HashAlg::Sha1] {
            let k = HmacKey::new(alg, b"key material");
            let mut out = vec![0u8; alg.output_len()];
            k.compute(&[b"a", b"bc"], &mut out);
            assert_eq!(out, hmac(alg, b"key material", &[b"abc"]));
            k.compute(&[b"abc"], &mut out);
            assert_eq!(out, hmac(alg, b"key material", &[b"abc"]), "the key state is not consumed");
        }
    }

    #[test]
    fn hmac_rfc2202_vectors() {
        // RFC 2202 test case 2 for both hashes.
        let md5 = hmac(HashAlg::Md5, b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(hex(&md5), "750c783e6ab0b503eaa86e310a5db738");
        let sha = hmac(HashAlg::Sha1, b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(hex(&sha), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
