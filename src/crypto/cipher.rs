//! Bulk ciphers for the record layer, each keeping its chaining state between records
//! (TLS 1.0 carries the CBC IV over from the previous record, RFC 2246 §6.2.3.2).
#![forbid(unsafe_code)]

use ::cipher::array::Array;
use ::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit, StreamCipher};
use zeroize::Zeroize;

/// Which bulk algorithm a suite uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAlg {
    Aes128Cbc,
    Aes256Cbc,
    TripleDesCbc,
    Rc4_128,
}

impl BulkAlg {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            BulkAlg::Aes128Cbc | BulkAlg::Rc4_128 => 16,
            BulkAlg::Aes256Cbc => 32,
            BulkAlg::TripleDesCbc => 24,
        }
    }
    /// IV length (0 for stream ciphers).
    pub const fn iv_len(self) -> usize {
        self.block_len()
    }
    /// Cipher block length (0 for stream ciphers).
    pub const fn block_len(self) -> usize {
        match self {
            BulkAlg::Aes128Cbc | BulkAlg::Aes256Cbc => 16,
            BulkAlg::TripleDesCbc => 8,
            BulkAlg::Rc4_128 => 0,
        }
    }
}

/// One direction's cipher, encrypting or decrypting, with its running state.
pub enum RecordCipher {
    Aes128Enc(cbc::Encryptor<aes::Aes128>),
    Aes128Dec(cbc::Decryptor<aes::Aes128>),
    Aes256Enc(cbc::Encryptor<aes::Aes256>),
    Aes256Dec(cbc::Decryptor<aes::Aes256>),
    TdesEnc(cbc::Encryptor<des::TdesEde3>),
    TdesDec(cbc::Decryptor<des::TdesEde3>),
    Rc4(Box<rc4::Rc4>),
}

/// Whether a cipher state encrypts (write side) or decrypts (read side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

impl RecordCipher {
    /// A cipher state from key material; `iv` is ignored for stream ciphers.
    pub fn new(alg: BulkAlg, dir: Direction, key: &[u8], iv: &[u8]) -> Self {
        const MSG: &str = "key and IV lengths come from the suite table";
        use Direction::*;
        match (alg, dir) {
            (BulkAlg::Aes128Cbc, Encrypt) => Self::Aes128Enc(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::Aes128Cbc, Decrypt) => Self::Aes128Dec(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::Aes256Cbc, Encrypt) => Self::Aes256Enc(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::Aes256Cbc, Decrypt) => Self::Aes256Dec(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::TripleDesCbc, Encrypt) => Self::TdesEnc(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::TripleDesCbc, Decrypt) => Self::TdesDec(KeyIvInit::new_from_slices(key, iv).expect(MSG)),
            (BulkAlg::Rc4_128, _) => Self::Rc4(Box::new(rc4::Rc4::new_from_slice(key).expect(MSG))),
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
            Self::TdesEnc(c) => c.encrypt_blocks(blocks(buf)),
            Self::TdesDec(c) => c.decrypt_blocks(blocks(buf)),
            Self::Rc4(c) => c.apply_keystream(buf),
        }
    }
}

fn blocks<N: ::cipher::array::ArraySize>(buf: &mut [u8]) -> &mut [Array<u8, N>] {
    let (blocks, rest) = Array::slice_as_chunks_mut(buf);
    debug_assert!(rest.is_empty(), "record layer passes whole blocks");
    blocks
}

/// Key material that is wiped when dropped.
pub type SecretBytes = zeroize::Zeroizing<Vec<u8>>;

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
        RecordCipher::new(BulkAlg::Aes128Cbc, Direction::Encrypt, &key, &iv).apply(&mut one);
        let mut c = RecordCipher::new(BulkAlg::Aes128Cbc, Direction::Encrypt, &key, &iv);
        c.apply(&mut two[..16]);
        c.apply(&mut two[16..]);
        assert_eq!(one, two);
        let mut d = RecordCipher::new(BulkAlg::Aes128Cbc, Direction::Decrypt, &key, &iv);
        d.apply(&mut two[..16]);
        d.apply(&mut two[16..]);
        assert_eq!(two, [1u8; 32]);
    }

    #[test]
    fn every_alg_round_trips() {
        for alg in [BulkAlg::Aes128Cbc, BulkAlg::Aes256Cbc, BulkAlg::TripleDesCbc, BulkAlg::Rc4_128] {
            let key = vec![3u8; alg.key_len()];
            let iv = vec![4u8; alg.iv_len()];
            let mut buf = vec![0x5au8; 48];
            RecordCipher::new(alg, Direction::Encrypt, &key, &iv).apply(&mut buf);
            assert_ne!(buf, vec![0x5au8; 48]);
            RecordCipher::new(alg, Direction::Decrypt, &key, &iv).apply(&mut buf);
            assert_eq!(buf, vec![0x5au8; 48]);
        }
    }
}
