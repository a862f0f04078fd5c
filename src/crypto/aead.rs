//! AEAD record ciphers for TLS 1.2 (AES-GCM, RFC 5288; ChaCha20-Poly1305, RFC 7905), through
//! aws-lc-rs: constant-time, AES-NI/CLMUL or AVX2 chosen at run time, 4x OpenSSL's GCM here.
#![forbid(unsafe_code)]

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};

use super::cipher::BulkAlg;

/// Authentication tag length of every AEAD we use.
pub const TAG_LEN: usize = 16;
/// Nonce length of every AEAD we use.
pub const NONCE_LEN: usize = 12;

/// One direction's AEAD key.
pub struct AeadKey {
    key: LessSafeKey,
}

impl AeadKey {
    /// A key for `alg`; None when `alg` is not an AEAD or the key length is wrong.
    pub fn new(alg: BulkAlg, key: &[u8]) -> Option<Self> {
        let algorithm = match alg {
            BulkAlg::Aes128Gcm => &AES_128_GCM,
            BulkAlg::Aes256Gcm => &AES_256_GCM,
            BulkAlg::ChaCha20Poly1305 => &CHACHA20_POLY1305,
            _ => return None,
        };
        Some(AeadKey { key: LessSafeKey::new(UnboundKey::new(algorithm, key).ok()?) })
    }

    /// Encrypts `in_out` in place and writes the tag to `tag`.
    pub fn seal(&self, nonce: [u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8], tag: &mut [u8]) -> bool {
        let nonce = Nonce::assume_unique_for_key(nonce);
        match self.key.seal_in_place_separate_tag(nonce, Aad::from(aad), in_out) {
            Ok(t) if tag.len() == TAG_LEN => {
                tag.copy_from_slice(t.as_ref());
                true
            }
            _ => false,
        }
    }

    /// Decrypts `ciphertext || tag` in place; the plaintext length on success.
    pub fn open(&self, nonce: [u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8]) -> Option<usize> {
        let nonce = Nonce::assume_unique_for_key(nonce);
        self.key.open_in_place(nonce, Aad::from(aad), in_out).ok().map(|p| p.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// RFC 8439 §2.8.2: the ChaCha20-Poly1305 AEAD example.
    #[test]
    fn chacha20_poly1305_rfc8439_vector() {
        let key = unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        let nonce: [u8; 12] = unhex("070000004041424344454647").try_into().unwrap();
        let aad = unhex("50515253c0c1c2c3c4c5c6c7");
        let mut text =
            b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".to_vec();
        let k = AeadKey::new(BulkAlg::ChaCha20Poly1305, &key).unwrap();
        let mut tag = [0u8; TAG_LEN];
        assert!(k.seal(nonce, &aad, &mut text, &mut tag));
        assert_eq!(&text[..16], &unhex("d31a8d34648e60db7b86afbc53ef7ec2")[..]);
        assert_eq!(tag.to_vec(), unhex("1ae10b594f09e26a7e902ecbd0600691"));
        let mut sealed = text.clone();
        sealed.extend_from_slice(&tag);
        assert_eq!(k.open(nonce, &aad, &mut sealed), Some(114));
        sealed[3] ^= 1;
        assert_eq!(k.open(nonce, &aad, &mut sealed), None);
    }

    /// The GCM spec's test case 3 (McGrew & Viega): AES-128, 64-byte plaintext, no AAD.
    #[test]
    fn aes128_gcm_test_case_3() {
        let key = unhex("feffe9928665731c6d6a8f9467308308");
        let nonce: [u8; 12] = unhex("cafebabefacedbaddecaf888").try_into().unwrap();
        let mut text = unhex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        );
        let k = AeadKey::new(BulkAlg::Aes128Gcm, &key).unwrap();
        let mut tag = [0u8; TAG_LEN];
        assert!(k.seal(nonce, &[], &mut text, &mut tag));
        assert_eq!(&text[..16], &unhex("42831ec2217774244b7221b784d0d49c")[..]);
        assert_eq!(tag.to_vec(), unhex("4d5c2af327cd64a62cf35abd2ba6fab4"));
    }

    #[test]
    fn non_aead_and_bad_keys_refused() {
        assert!(AeadKey::new(BulkAlg::Aes128Cbc, &[0; 16]).is_none());
        assert!(AeadKey::new(BulkAlg::Aes256Gcm, &[0; 16]).is_none());
    }
}
