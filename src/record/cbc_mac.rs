//! The record MAC of a MAC-then-encrypt CBC record, computed so that the sequence of operations
//! is the same for every padding value (the Lucky 13 countermeasure, AlFardan & Paterson 2013,
//! §5; written here from the paper's description, not from another implementation).
//!
//! After decryption the MAC input length is secret: it depends on the padding length byte. A
//! plain HMAC over the shortest and the longest candidate differs by up to five compressions
//! (SHA-1), which is the timing oracle. Here the inner hash runs the compression function over
//! every block that the longest candidate message could need; each block is built from the
//! record bytes with the Merkle–Damgård padding (0x80, zeros, bit length) placed by masks at the
//! position the real length implies, and the state after the block that really ends the message
//! is kept with a mask. Blocks that are message data for every candidate length (everything up
//! to the shortest candidate) are hashed plainly: which blocks those are follows from the record
//! length alone, which is on the wire. The outer hash has a fixed length.
//!
//! Compression functions are RustCrypto's (`md5::block_api::compress`, `sha1::block_api::compress`,
//! `sha2::block_api::compress256` / `compress512`); nothing of the hashes is reimplemented here.

use zeroize::{Zeroize, Zeroizing};

use crate::crypto::hash::HashAlg;

/// A hash state, wide enough for every hash we use: MD5 and SHA-1/SHA-256 keep 32-bit words in
/// the low half of each entry, SHA-384 uses all eight 64-bit words.
type State = [u64; 8];

/// Largest hash block (SHA-384).
const MAX_BLOCK: usize = 128;

/// All ones when `a == b`, else zero; no branch (values below 2^31).
#[inline(always)]
pub(super) fn mask_eq(a: u32, b: u32) -> u32 {
    let x = a ^ b;
    ((x | x.wrapping_neg()) >> 31).wrapping_sub(1)
}

/// All ones when `a < b`, else zero; no branch (values below 2^31).
#[inline(always)]
pub(super) fn mask_lt(a: u32, b: u32) -> u32 {
    (a.wrapping_sub(b) >> 31).wrapping_neg()
}

/// The hash's initial value (FIPS 180-4 §5.3.1, §5.3.4; RFC 1321 §3.3).
fn initial_state(alg: HashAlg) -> State {
    match alg {
        HashAlg::Md5 => [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0, 0, 0, 0],
        HashAlg::Sha1 => [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0, 0, 0, 0],
        HashAlg::Sha256 => [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19],
        HashAlg::Sha384 => [
            0xcbbb_9d5d_c105_9ed8,
            0x629a_292a_367c_d507,
            0x9159_015a_3070_dd17,
            0x152f_ecd8_f70e_5939,
            0x6733_2667_ffc0_0b31,
            0x8eb4_4a87_6858_1511,
            0xdb0c_2e0d_64f9_8fa7,
            0x47b5_481d_befa_4fa4,
        ],
    }
}

/// A word of a hash state, kept in a `u64` of [`State`].
trait Word: Copy + Default + Zeroize {
    fn narrow(w: u64) -> Self;
    fn widen(self) -> u64;
}

impl Word for u32 {
    fn narrow(w: u64) -> Self {
        w as u32
    }
    fn widen(self) -> u64 {
        u64::from(self)
    }
}

impl Word for u64 {
    fn narrow(w: u64) -> Self {
        w
    }
    fn widen(self) -> u64 {
        self
    }
}

/// The compression function over `bytes`, a whole number of `alg.block_len()` blocks. Blocks
/// are copied into arrays a batch at a time, so a long record costs one call per batch.
fn compress(alg: HashAlg, state: &mut State, bytes: &[u8]) {
    const BATCH: usize = 16;
    fn run<W: Word, const N: usize, const B: usize>(state: &mut State, bytes: &[u8], f: fn(&mut [W; N], &[[u8; B]])) {
        let mut s = [W::default(); N];
        s.iter_mut().zip(state.iter()).for_each(|(a, b)| *a = W::narrow(*b));
        let mut batch = [[0u8; B]; BATCH];
        for chunk in bytes.chunks(B * BATCH) {
            let n = chunk.len() / B;
            batch.iter_mut().zip(chunk.chunks_exact(B)).for_each(|(d, c)| d.copy_from_slice(c));
            f(&mut s, &batch[..n]);
        }
        state.iter_mut().zip(s).for_each(|(a, b)| *a = b.widen());
        s.zeroize();
    }
    match alg {
        HashAlg::Md5 => run::<u32, 4, 64>(state, bytes, md5::block_api::compress),
        HashAlg::Sha1 => run::<u32, 5, 64>(state, bytes, sha1::block_api::compress),
        HashAlg::Sha256 => run::<u32, 8, 64>(state, bytes, sha2::block_api::compress256),
        HashAlg::Sha384 => run::<u64, 8, 128>(state, bytes, sha2::block_api::compress512),
    }
}

/// The digest bytes of a finished state: MD5 little-endian words, the SHA family big-endian
/// (SHA-384 keeps the first six of its eight words).
fn write_digest(alg: HashAlg, state: &State, out: &mut [u8]) {
    match alg {
        HashAlg::Md5 => out.chunks_exact_mut(4).zip(state).for_each(|(o, w)| o.copy_from_slice(&(*w as u32).to_le_bytes())),
        HashAlg::Sha1 | HashAlg::Sha256 => {
            out.chunks_exact_mut(4).zip(state).for_each(|(o, w)| o.copy_from_slice(&(*w as u32).to_be_bytes()))
        }
        HashAlg::Sha384 => out.chunks_exact_mut(8).zip(state).for_each(|(o, w)| o.copy_from_slice(&w.to_be_bytes())),
    }
}

/// Bytes of the Merkle–Damgård length field: 8, or 16 for SHA-384.
const fn length_field(alg: HashAlg) -> usize {
    match alg {
        HashAlg::Sha384 => 16,
        _ => 8,
    }
}

/// log2 of the block length: positions are divided by shifting, never by a `div` instruction
/// (whose time can depend on its operands).
const fn block_shift(alg: HashAlg) -> u32 {
    match alg {
        HashAlg::Sha384 => 7,
        _ => 6,
    }
}

/// Copies `out.len()` bytes of the stream `parts[0] || parts[1] || …` from position `at`;
/// positions past its end read as zero. Every length here is public.
fn copy_stream(parts: &[&[u8]], mut at: usize, out: &mut [u8]) {
    let mut filled = 0;
    for part in parts {
        if filled == out.len() {
            return;
        }
        let Some(rest) = part.get(at..) else {
            at -= part.len();
            continue;
        };
        let n = rest.len().min(out.len() - filled);
        out[filled..filled + n].copy_from_slice(&rest[..n]);
        filled += n;
        at = 0;
    }
    out[filled..].fill(0);
}

/// The digest of `absorbed` bytes already compressed into `start`, then `head` (public pieces),
/// then `data[..len]`, where `len` is secret and lies in `min_len..=data.len()`. The work done
/// depends on `min_len`, `data.len()` and the head's length only.
#[allow(clippy::too_many_arguments)]
fn digest_ct(alg: HashAlg, start: &State, absorbed: usize, head: &[&[u8]], data: &[u8], min_len: usize, len: usize, out: &mut [u8]) {
    let (b, lf, shift) = (alg.block_len(), length_field(alg), block_shift(alg));
    let head_len: usize = head.iter().map(|p| p.len()).sum();
    let mut parts = [&[][..]; 5];
    parts[..head.len()].copy_from_slice(head);
    parts[head.len()] = data;
    let parts = &parts[..=head.len()];

    // Message end (secret), and the block that holds its length field (secret).
    let end = head_len + len;
    let final_block = (end + lf) >> shift;
    // Blocks before `first_ct` are message bytes whatever the length; `last` is the final
    // block of the longest candidate.
    let first_ct = (head_len + min_len) >> shift;
    let last = (head_len + data.len() + lf) >> shift;

    // The message's bit length as the final block carries it: MD5 little-endian, the SHA family
    // big-endian (SHA-384's 16-byte field has its high half zero).
    let mut field = [0u8; 16];
    let bits = ((absorbed + end) as u64) << 3;
    match alg {
        HashAlg::Md5 => field[..8].copy_from_slice(&bits.to_le_bytes()),
        _ => field[lf - 8..lf].copy_from_slice(&bits.to_be_bytes()),
    }

    let mut state = *start;
    let mut block = [0u8; MAX_BLOCK];
    // Blocks that hold head bytes are assembled; the rest of the plain part is data in place.
    let head_blocks = head_len.div_ceil(b).min(first_ct);
    for j in 0..head_blocks {
        copy_stream(parts, j * b, &mut block[..b]);
        compress(alg, &mut state, &block[..b]);
    }
    if first_ct > head_blocks {
        compress(alg, &mut state, &data[head_blocks * b - head_len..first_ct * b - head_len]);
    }
    let mut kept: State = [0; 8];
    for j in first_ct..=last {
        let base = j * b;
        copy_stream(parts, base, &mut block[..b]);
        for (i, byte) in block[..b].iter_mut().enumerate() {
            let p = (base + i) as u32;
            let in_message = mask_lt(p, end as u32) as u8;
            let at_end = mask_eq(p, end as u32) as u8;
            *byte = (*byte & in_message) | (0x80 & at_end);
        }
        // The length field goes into this block if it is the final one; no message byte nor the
        // 0x80 can sit there then, so OR-ing it in under the mask is exact.
        let is_final = core::hint::black_box(mask_eq(j as u32, final_block as u32));
        for (byte, f) in block[b - lf..b].iter_mut().zip(&field[..lf]) {
            *byte |= f & is_final as u8;
        }
        compress(alg, &mut state, &block[..b]);
        let keep = u64::from(is_final) | (u64::from(is_final) << 32);
        kept.iter_mut().zip(&state).for_each(|(k, s)| *k |= s & keep);
    }
    write_digest(alg, &kept, out);
    state.zeroize();
    kept.zeroize();
    block.zeroize();
    field.zeroize();
}

/// The MAC key of one direction in the form the constant-time check needs.
pub(super) enum CbcMac {
    /// HMAC (TLS): the states after the key XOR ipad and the key XOR opad blocks.
    Hmac { alg: HashAlg, inner: Zeroizing<State>, outer: Zeroizing<State> },
    /// SSL 3.0's MAC (RFC 6101 §5.2.3.1), MD5 or SHA-1.
    Ssl3 { alg: HashAlg, secret: Zeroizing<Vec<u8>> },
}

impl CbcMac {
    pub(super) fn hmac(alg: HashAlg, key: &[u8]) -> Self {
        let b = alg.block_len();
        let mut k = Zeroizing::new([0u8; MAX_BLOCK]);
        if key.len() > b {
            let d = Zeroizing::new(alg.digest(key));
            k[..d.len()].copy_from_slice(&d);
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let keyed = |pad: u8| {
            let mut block = Zeroizing::new([0u8; MAX_BLOCK]);
            block.iter_mut().zip(k.iter()).for_each(|(o, k)| *o = k ^ pad);
            let mut s = Zeroizing::new(initial_state(alg));
            compress(alg, &mut s, &block[..b]);
            s
        };
        CbcMac::Hmac { alg, inner: keyed(0x36), outer: keyed(0x5c) }
    }

    pub(super) fn ssl3(alg: HashAlg, secret: &[u8]) -> Self {
        CbcMac::Ssl3 { alg, secret: Zeroizing::new(secret.to_vec()) }
    }

    /// SSL 3.0's MAC secret; None for HMAC (TLS).
    pub(super) fn ssl3_secret(&self) -> Option<&[u8]> {
        match self {
            CbcMac::Ssl3 { secret, .. } => Some(secret),
            CbcMac::Hmac { .. } => None,
        }
    }

    /// The MAC of `header13` (seq || type || version || length, the length being `len`) and
    /// `data[..len]` into `out`, where `len` is secret and lies in `min_len..=data.len()`.
    /// SSL 3.0 leaves the version out. The time depends on `min_len` and `data.len()` only.
    pub(super) fn compute(&self, header13: &[u8; 13], data: &[u8], min_len: usize, len: usize, out: &mut [u8]) {
        let mut inner = Zeroizing::new([0u8; crate::crypto::hash::MAX_OUTPUT_LEN]);
        match self {
            CbcMac::Hmac { alg, inner: si, outer: so } => {
                let (b, m) = (alg.block_len(), alg.output_len());
                digest_ct(*alg, si, b, &[&header13[..]], data, min_len, len, &mut inner[..m]);
                digest_ct(*alg, so, b, &[], &inner[..m], m, m, out);
            }
            CbcMac::Ssl3 { alg, secret } => {
                let (n, m) = (crate::crypto::ssl3::pad_len(*alg), alg.output_len());
                let mut header11 = [0u8; 11];
                header11[..9].copy_from_slice(&header13[..9]);
                header11[9..].copy_from_slice(&header13[11..]);
                let iv = initial_state(*alg);
                let (pad1, pad2) = ([0x36u8; 48], [0x5cu8; 48]);
                digest_ct(*alg, &iv, 0, &[secret.as_slice(), &pad1[..n], &header11], data, min_len, len, &mut inner[..m]);
                digest_ct(*alg, &iv, 0, &[secret.as_slice(), &pad2[..n]], &inner[..m], m, m, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hash::{hmac, MAX_OUTPUT_LEN};

    const ALL: [HashAlg; 4] = [HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha384];

    fn header(len: usize) -> [u8; 13] {
        let mut h = [0u8; 13];
        h[..8].copy_from_slice(&0x0102_0304_0506_0708u64.to_be_bytes());
        h[8..11].copy_from_slice(&[23, 3, 1]);
        h[11..].copy_from_slice(&(len as u16).to_be_bytes());
        h
    }

    fn record_bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 + 7) as u8).collect()
    }

    /// Every data length from 0 to past three block boundaries of the MAC input, and for each
    /// every padding length 0..=255 (the record then holds `len + pad` candidate bytes, of which
    /// the check may read the shortest-candidate bound `max - 255`): the constant-time MAC
    /// equals the plain one.
    fn check_against(alg: HashAlg, ct: &CbcMac, plain: impl Fn(&[u8; 13], &[u8]) -> Vec<u8>, max_pad: usize) {
        let m = alg.output_len();
        let lens = 0..=3 * alg.block_len() + 2 * 13;
        let bytes = record_bytes(*lens.end() + max_pad);
        for len in lens {
            let h = header(len);
            let want = plain(&h, &bytes[..len]);
            for pad in 0..=max_pad {
                let max = len + pad;
                let mut got = [0u8; MAX_OUTPUT_LEN];
                ct.compute(&h, &bytes[..max], max.saturating_sub(max_pad), len, &mut got[..m]);
                assert_eq!(&got[..m], &want[..], "{alg:?} data {len} padding {pad}");
            }
        }
    }

    #[test]
    fn hmac_matches_the_hmac_crate_for_every_length_and_padding() {
        for alg in ALL {
            for key_len in [alg.output_len(), alg.block_len() + 1] {
                let key: Vec<u8> = (0..key_len).map(|i| i as u8 ^ 0xa5).collect();
                let ct = CbcMac::hmac(alg, &key);
                check_against(alg, &ct, |h, d| hmac(alg, &key, &[h, d]), 255);
            }
        }
    }

    #[test]
    fn ssl3_mac_matches_the_plain_construction_for_every_length_and_padding() {
        for alg in [HashAlg::Md5, HashAlg::Sha1] {
            let secret: Vec<u8> = (0..alg.output_len()).map(|i| i as u8 ^ 0x3c).collect();
            let ct = CbcMac::ssl3(alg, &secret);
            let plain = |h: &[u8; 13], d: &[u8]| {
                let mut h11 = [0u8; 11];
                h11[..9].copy_from_slice(&h[..9]);
                h11[9..].copy_from_slice(&h[11..]);
                let mut out = vec![0u8; alg.output_len()];
                crate::crypto::ssl3::mac(alg, &secret, &h11, d, &mut out);
                out
            };
            // SSL 3.0 padding is shorter than a block, but the construction must hold for any
            // range of candidates: check the full TLS range too.
            check_against(alg, &ct, plain, 255);
        }
    }

    #[test]
    fn a_flipped_bit_in_any_input_changes_the_mac() {
        let keys = ALL.into_iter().map(|a| (a, CbcMac::hmac(a, &[9u8; 20])));
        let ssl3 = [HashAlg::Md5, HashAlg::Sha1].into_iter().map(|a| (a, CbcMac::ssl3(a, &[9u8; 20])));
        for (alg, ct) in keys.chain(ssl3) {
            let m = alg.output_len();
            let len = alg.block_len() + 3;
            let data = record_bytes(len + 40);
            let mut base = [0u8; MAX_OUTPUT_LEN];
            ct.compute(&header(len), &data, len.saturating_sub(200), len, &mut base[..m]);
            for i in 0..(13 + len) * 8 {
                let (mut h, mut d) = (header(len), data.clone());
                if i < 13 * 8 {
                    h[i / 8] ^= 1 << (i % 8);
                } else {
                    d[i / 8 - 13] ^= 1 << (i % 8);
                }
                let mut got = [0u8; MAX_OUTPUT_LEN];
                ct.compute(&h, &d, len.saturating_sub(200), len, &mut got[..m]);
                if matches!(ct, CbcMac::Ssl3 { .. }) && (9 * 8..11 * 8).contains(&i) {
                    assert_eq!(&got[..m], &base[..m], "SSL 3.0 does not MAC the version");
                } else {
                    assert_ne!(&got[..m], &base[..m], "{alg:?} bit {i}");
                }
            }
            // Bytes past the message (the padding and the received MAC) do not count.
            let mut d = data.clone();
            d[len..].iter_mut().for_each(|b| *b ^= 0xff);
            let mut got = [0u8; MAX_OUTPUT_LEN];
            ct.compute(&header(len), &d, len.saturating_sub(200), len, &mut got[..m]);
            assert_eq!(&got[..m], &base[..m]);
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_eq(5, 5), u32::MAX);
        assert_eq!(mask_eq(5, 6), 0);
        assert_eq!(mask_lt(5, 6), u32::MAX);
        assert_eq!(mask_lt(6, 6), 0);
        assert_eq!(mask_lt(0, 1 << 30), u32::MAX);
    }
}
