//! Bulk ciphers for the record layer, each keeping its chaining state between records
//! (TLS 1.0 carries the CBC IV over from the previous record, RFC 2246 §6.2.3.2).
#![forbid(unsafe_code)]

use ::cipher::array::Array;
use ::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyIvInit};
use zeroize::Zeroize;

/// Which bulk algorithm a suite uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAlg {
    Aes128Cbc,
    Aes256Cbc,
    TripleDesCbc,
    /// Single DES (56-bit key): legacy, off unless named, never at TLS 1.2 (RFC 5246 §1.2).
    DesCbc,
    /// RC4 with a 16-byte key; export suites key it with 40 or 56 secret bits (RFC 2246 §6.3).
    Rc4_128,
    /// RC2-CBC with a 16-byte key (RustCrypto `rc2`); the export suite keys it with 40 secret bits.
    Rc2Cbc,
    /// No encryption (NULL suites): integrity only, off unless named.
    Null,
    /// AEAD suites (TLS 1.2): protected by [`super::aead::AeadKey`], not by a [`RecordCipher`].
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl BulkAlg {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            BulkAlg::Aes128Cbc | BulkAlg::Rc4_128 | BulkAlg::Rc2Cbc | BulkAlg::Aes128Gcm => 16,
            BulkAlg::Aes256Cbc | BulkAlg::Aes256Gcm | BulkAlg::ChaCha20Poly1305 => 32,
            BulkAlg::TripleDesCbc => 24,
            BulkAlg::DesCbc => 8,
            BulkAlg::Null => 0,
        }
    }
    /// IV length taken from the key block: the CBC IV, GCM's 4-byte salt (RFC 5288 §3), or
    /// ChaCha20-Poly1305's 12-byte nonce mask (RFC 7905 §2); 0 for stream ciphers.
    pub const fn iv_len(self) -> usize {
        match self {
            BulkAlg::Aes128Gcm | BulkAlg::Aes256Gcm => 4,
            BulkAlg::ChaCha20Poly1305 => 12,
            _ => self.block_len(),
        }
    }
    /// AEAD suites carry no HMAC key and no padding.
    pub const fn is_aead(self) -> bool {
        matches!(self, BulkAlg::Aes128Gcm | BulkAlg::Aes256Gcm | BulkAlg::ChaCha20Poly1305)
    }
    /// Bytes of explicit nonce at the front of each AEAD record (GCM: 8, ChaCha20: none).
    pub const fn explicit_nonce_len(self) -> usize {
        match self {
            BulkAlg::Aes128Gcm | BulkAlg::Aes256Gcm => 8,
            _ => 0,
        }
    }
    /// wincrypt.h ALG_ID (`aiCipher`).
    pub const fn calg(self) -> u32 {
        match self {
            BulkAlg::Aes128Cbc | BulkAlg::Aes128Gcm => 0x660e, // CALG_AES_128
            BulkAlg::Aes256Cbc | BulkAlg::Aes256Gcm => 0x6610, // CALG_AES_256
            BulkAlg::TripleDesCbc => 0x6603,                   // CALG_3DES
            BulkAlg::DesCbc => 0x6601,                         // CALG_DES
            BulkAlg::Null => 0x6000,                           // CALG_NULLCIPHER
            BulkAlg::Rc4_128 => 0x6801,                        // CALG_RC4
            BulkAlg::Rc2Cbc => 0x6602,                         // CALG_RC2
            BulkAlg::ChaCha20Poly1305 => 0,                    // wincrypt.h has no ChaCha20 id
        }
    }
    /// Full-key strength in bits (`dwCipherStrength`); 3DES is 168 as Schannel reports. Export
    /// suites and kinds report fewer: their secret key bits.
    pub const fn strength_bits(self) -> u32 {
        match self {
            BulkAlg::Aes128Cbc | BulkAlg::Aes128Gcm | BulkAlg::Rc4_128 | BulkAlg::Rc2Cbc => 128,
            BulkAlg::Aes256Cbc | BulkAlg::Aes256Gcm | BulkAlg::ChaCha20Poly1305 => 256,
            BulkAlg::TripleDesCbc => 168,
            BulkAlg::DesCbc => 56,
            BulkAlg::Null => 0,
        }
    }
    /// Name for `SecPkgContext_CipherInfo.szCipher` (CNG algorithm id).
    pub const fn cng_name(self) -> &'static str {
        match self {
            BulkAlg::Aes128Cbc | BulkAlg::Aes256Cbc | BulkAlg::Aes128Gcm | BulkAlg::Aes256Gcm => "AES",
            BulkAlg::TripleDesCbc => "3DES",
            BulkAlg::DesCbc => "DES",
            BulkAlg::Null => "NULL",
            BulkAlg::Rc4_128 => "RC4",
            BulkAlg::Rc2Cbc => "RC2",
            BulkAlg::ChaCha20Poly1305 => "CHACHA20_POLY1305",
        }
    }
    /// Cipher block length (0 for stream ciphers).
    pub const fn block_len(self) -> usize {
        match self {
            BulkAlg::Aes128Cbc | BulkAlg::Aes256Cbc => 16,
            BulkAlg::TripleDesCbc | BulkAlg::DesCbc | BulkAlg::Rc2Cbc => 8,
            BulkAlg::Rc4_128 | BulkAlg::Null | BulkAlg::Aes128Gcm | BulkAlg::Aes256Gcm | BulkAlg::ChaCha20Poly1305 => 0,
        }
    }
}

/// One direction's cipher, encrypting or decrypting, with its running state.
pub enum RecordCipher {
    Aes128Enc(cbc::Encryptor<aes::Aes128>),
    Aes128Dec(cbc::Decryptor<aes::Aes128>),
    Aes256Enc(cbc::Encryptor<aes::Aes256>),
    Aes256Dec(cbc::Decryptor<aes::Aes256>),
    Tdes(Box<super::tdes::TripleDesCbc>),
    Rc4(Box<super::rc4::Rc4Stream>),
    Rc2Enc(Box<cbc::Encryptor<rc2::Rc2>>),
    Rc2Dec(Box<cbc::Decryptor<rc2::Rc2>>),
    /// NULL suites: the record is only MAC'd.
    Null,
}

/// Whether a cipher state encrypts (write side) or decrypts (read side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

impl RecordCipher {
    /// A cipher state from key material; `iv` is ignored for stream ciphers. None for AEADs.
    pub fn new(alg: BulkAlg, dir: Direction, key: &[u8], iv: &[u8]) -> Option<Self> {
        const MSG: &str = "key and IV lengths come from the suite table";
        use Direction::*;
        Some(match (alg, dir) {
            (BulkAlg::Aes128Cbc, Encrypt) => Self::Aes128Enc(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::Aes128Cbc, Decrypt) => Self::Aes128Dec(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::Aes256Cbc, Encrypt) => Self::Aes256Enc(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::Aes256Cbc, Decrypt) => Self::Aes256Dec(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::TripleDesCbc | BulkAlg::DesCbc, dir) => Self::Tdes(Box::new(super::tdes::TripleDesCbc::new(key, iv, dir == Encrypt))),
            (BulkAlg::Null, _) => Self::Null,
            (BulkAlg::Rc4_128, _) => Self::Rc4(super::rc4::Rc4Stream::boxed(key)),
            // OpenSSL (EVP_rc2_cbc) and so its peers run RC2 with as many effective key bits as
            // the key has, export suites included: 128 for the 16-byte final key.
            (BulkAlg::Rc2Cbc, dir) => Self::rc2(key, iv, key.len() * 8, dir),
            (BulkAlg::Aes128Gcm | BulkAlg::Aes256Gcm | BulkAlg::ChaCha20Poly1305, _) => return None,
        })
    }

    /// RC2-CBC with `effective_bits` effective key bits (RFC 2268 §2: the key expansion's T1),
    /// independent of the key length: SSL 2.0's RC2-128 and the TLS export suite share it.
    pub fn rc2(key: &[u8], iv: &[u8], effective_bits: usize, dir: Direction) -> Self {
        const MSG: &str = "RC2 key and IV lengths come from the suite table";
        let block = rc2::Rc2::new_with_eff_key_len(key, effective_bits);
        match dir {
            Direction::Encrypt => Self::Rc2Enc(Box::new(InnerIvInit::inner_iv_slice_init(block, iv).expect(MSG))),
            Direction::Decrypt => Self::Rc2Dec(Box::new(InnerIvInit::inner_iv_slice_init(block, iv).expect(MSG))),
        }
    }

    /// Encrypts or decrypts `buf` in place. For block ciphers `buf.len()` must be a multiple of
    /// the block length; the record layer guarantees that before calling.
    pub fn apply(&mut self, buf: &mut [u8]) {
        match self {
            Self::Aes128Enc(c) => c.encrypt_blocks(blocks(buf)),
            Self::Aes128Dec(c) => c.decrypt_blocks(blocks(buf)),
            Self::Aes256Enc(c) => c.encrypt_blocks(blocks(buf)),
            Self::Aes256Dec(c) => c.decrypt_blocks(blocks(buf)),
            Self::Tdes(c) => c.apply(buf),
            Self::Rc4(c) => c.apply(buf),
            Self::Rc2Enc(c) => c.encrypt_blocks(blocks(buf)),
            Self::Rc2Dec(c) => c.decrypt_blocks(blocks(buf)),
            Self::Null => {}
        }
    }
}

fn blocks<N: ::cipher::array::ArraySize>(buf: &mut [u8]) -> &mut [Array<u8, N>] {
    let (blocks, rest) = Array::slice_as_chunks_mut(buf);
    debug_assert!(rest.is_empty(), "record layer passes whole blocks");
    blocks
}

/// Wipes a buffer that held a secret.
pub fn wipe(buf: &mut [u8]) {
    buf.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbc_state_chains_across_calls() {
        // Encrypting two blocks in one call equals encrypting them in two calls (TLS 1.0 IV carry-over).
        let key = [7u8; 16];
        let iv = [9u8; 16];
        let mut one = [1u8; 32];
        let mut two = [1u8; 32];
        RecordCipher::new(BulkAlg::Aes128Cbc, Direction::Encrypt, &key, &iv).unwrap().apply(&mut one);
        let mut c = RecordCipher::new(BulkAlg::Aes128Cbc, Direction::Encrypt, &key, &iv).unwrap();
        c.apply(&mut two[..16]);
        c.apply(&mut two[16..]);
        assert_eq!(one, two);
        let mut d = RecordCipher::new(BulkAlg::Aes128Cbc, Direction::Decrypt, &key, &iv).unwrap();
        d.apply(&mut two[..16]);
        d.apply(&mut two[16..]);
        assert_eq!(two, [1u8; 32]);
    }

    #[test]
    fn tdes_matches_nist_sp800_67_style_vector() {
        // 3DES-EDE with K1 = K2 = K3 is single DES: FIPS 81 / the classic "Now is the time for
        // all " test (key 0123456789abcdef, IV 1234567890abcdef).
        let key = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef].repeat(3);
        let iv = [0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef];
        let mut buf = *b"Now is the time for all ";
        let mut c = RecordCipher::new(BulkAlg::TripleDesCbc, Direction::Encrypt, &key, &iv).unwrap();
        c.apply(&mut buf[..8]);
        c.apply(&mut buf[8..]);
        let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6");
    }

    #[test]
    fn single_des_matches_fips81_cbc_example() {
        // FIPS 81 Appendix C, CBC mode: key 0123456789abcdef, IV 1234567890abcdef.
        let key = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
        let iv = [0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef];
        let mut buf = *b"Now is the time for all ";
        RecordCipher::new(BulkAlg::DesCbc, Direction::Encrypt, &key, &iv).unwrap().apply(&mut buf);
        let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6");
    }

    #[test]
    fn rc2_matches_rfc2268_vectors() {
        // RFC 2268 §5, key 88bca90e90875a7f0f79c384627bafb2, plaintext 0: effective bits 128 ->
        // 2269552ab0f85ca6, effective bits 64 -> 1a807d272bbe5db1. One CBC block with a zero IV
        // is one ECB block.
        let key = [0x88, 0xbc, 0xa9, 0x0e, 0x90, 0x87, 0x5a, 0x7f, 0x0f, 0x79, 0xc3, 0x84, 0x62, 0x7b, 0xaf, 0xb2];
        for (bits, want) in [(128, "2269552ab0f85ca6"), (64, "1a807d272bbe5db1")] {
            let mut buf = [0u8; 8];
            RecordCipher::rc2(&key, &[0; 8], bits, Direction::Encrypt).apply(&mut buf);
            let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, want, "{bits} effective bits");
        }
        let mut buf = [0x11u8; 16];
        RecordCipher::new(BulkAlg::Rc2Cbc, Direction::Encrypt, &key, &[0; 8]).unwrap().apply(&mut buf);
        RecordCipher::rc2(&key, &[0; 8], 128, Direction::Decrypt).apply(&mut buf);
        assert_eq!(buf, [0x11u8; 16], "a suite's RC2 runs with 128 effective bits");
    }

    #[test]
    fn every_alg_round_trips() {
        for alg in [BulkAlg::Aes128Cbc, BulkAlg::Aes256Cbc, BulkAlg::TripleDesCbc, BulkAlg::DesCbc, BulkAlg::Rc4_128, BulkAlg::Rc2Cbc] {
            let key = vec![3u8; alg.key_len()];
            let iv = vec![4u8; alg.iv_len()];
            let mut buf = vec![0x5au8; 48];
            RecordCipher::new(alg, Direction::Encrypt, &key, &iv).unwrap().apply(&mut buf);
            assert_ne!(buf, vec![0x5au8; 48]);
            RecordCipher::new(alg, Direction::Decrypt, &key, &iv).unwrap().apply(&mut buf);
            assert_eq!(buf, vec![0x5au8; 48]);
        }
    }
}
