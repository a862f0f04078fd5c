//! Hashes and HMAC used by the record layer, the PRF and the handshake transcript.
#![forbid(unsafe_code)]

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha384};

/// A hash used for record MACs (HMAC), the TLS 1.2 PRF and handshake transcripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Md5,
    Sha1,
    Sha256,
    Sha384,
}

/// The longest digest we produce (SHA-384).
pub const MAX_OUTPUT_LEN: usize = 48;

impl HashAlg {
    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlg::Md5 => 16,
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }

    /// Compression-function block length in bytes.
    pub const fn block_len(self) -> usize {
        match self {
            HashAlg::Sha384 => 128,
            _ => 64,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Md5 => Md5::digest(data).to_vec(),
            HashAlg::Sha1 => Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => Sha384::digest(data).to_vec(),
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
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
}

const ANY_KEY: &str = "HMAC takes any key length";

impl HmacKey {
    pub fn new(alg: HashAlg, key: &[u8]) -> Self {
        match alg {
            HashAlg::Md5 => HmacKey::Md5(<Hmac<Md5> as KeyInit>::new_from_slice(key).expect(ANY_KEY)),
            HashAlg::Sha1 => HmacKey::Sha1(<Hmac<Sha1> as KeyInit>::new_from_slice(key).expect(ANY_KEY)),
            HashAlg::Sha256 => HmacKey::Sha256(<Hmac<Sha256> as KeyInit>::new_from_slice(key).expect(ANY_KEY)),
            HashAlg::Sha384 => HmacKey::Sha384(<Hmac<Sha384> as KeyInit>::new_from_slice(key).expect(ANY_KEY)),
        }
    }

    /// HMAC over the concatenation of `parts`, written into `out` (the digest length).
    pub fn compute(&self, parts: &[&[u8]], out: &mut [u8]) {
        fn run<M: Mac + Clone>(keyed: &M, parts: &[&[u8]], out: &mut [u8]) {
            let mut m = keyed.clone();
            parts.iter().for_each(|p| m.update(p));
            out.copy_from_slice(&m.finalize().into_bytes());
        }
        match self {
            HmacKey::Md5(k) => run(k, parts, out),
            HmacKey::Sha1(k) => run(k, parts, out),
            HmacKey::Sha256(k) => run(k, parts, out),
            HmacKey::Sha384(k) => run(k, parts, out),
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
        for alg in [HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha384] {
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
        // RFC 4231 test case 2.
        let sha256 = hmac(HashAlg::Sha256, b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(hex(&sha256), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let sha384 = hmac(HashAlg::Sha384, b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(hex(&sha384), "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
