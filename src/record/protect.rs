//! Record protection for one direction: TLS 1.0 MAC-then-encrypt with sequence numbers
//! (RFC 2246 §6.2.3), CBC padding checked in constant time (Lucky 13).

use core::ops::Range;

use subtle::ConstantTimeEq;

use super::cbc_mac::{mask_eq, mask_lt, CbcMac};
use super::{header, HEADER_LEN, MAX_CIPHERTEXT};
use crate::crypto::aead::{AeadKey, NONCE_LEN, TAG_LEN};
use crate::crypto::cipher::{BulkAlg, Direction, RecordCipher};
use crate::crypto::hash::{HashAlg, HmacKey, MAX_OUTPUT_LEN};
use crate::crypto::stitched::AesCbcHmacSha1Sealer;
use crate::msgs::enums::ProtocolVersion;

/// Why a record could not be opened or sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    /// MAC or padding wrong (both reported alike, RFC 5246 §6.2.3.2 implementation note).
    BadRecordMac,
    /// Plaintext longer than 2^14 after decryption.
    Overflow,
    /// The 64-bit sequence number would wrap; the connection must end.
    SequenceExhausted,
    /// The cryptographic library refused an operation (a bug, never the peer's doing).
    CryptoFailure,
}

/// MAC-then-encrypt protection: CBC or stream cipher with HMAC (RFC 2246 §6.2.3).
struct MacKeys {
    cipher: RecordCipher,
    /// TLS 1.1+ CBC: each record carries its own IV as a first block (RFC 4346 §6.2.3.2).
    explicit_iv: bool,
    /// Encrypt-then-MAC (RFC 7366): the MAC covers the ciphertext and is checked before any
    /// decryption, which removes the padding oracle altogether.
    etm: bool,
    bulk: BulkAlg,
    mac: HashAlg,
    mac_key: HmacKey,
    /// The same MAC key for the constant-time check of MAC-then-encrypt CBC records (Lucky 13).
    /// For SSL 3.0 it holds the secret of its pre-HMAC MAC (RFC 6101 §5.2.3.1), which also
    /// means arbitrary padding bytes.
    cbc_mac: CbcMac,
    /// AES-CBC + HMAC-SHA1 write states use aws-lc's stitched routine when the CPU allows.
    sealer: Option<AesCbcHmacSha1Sealer>,
}

impl MacKeys {
    fn mac_into(&self, seq: u64, typ: u8, version: ProtocolVersion, data: &[u8], out: &mut [u8]) {
        match self.cbc_mac.ssl3_secret() {
            None => self.mac_key.compute(&[&mac_header(seq, typ, version, data.len()), data], out),
            Some(secret) => {
                // seq_num || type || length: SSL 3.0 does not MAC the version.
                let h = mac_header(seq, typ, version, data.len());
                let mut header = [0u8; 11];
                header[..9].copy_from_slice(&h[..9]);
                header[9..].copy_from_slice(&h[11..]);
                crate::crypto::ssl3::mac(self.mac, secret, &header, data, out);
            }
        }
    }
}

/// AEAD protection (RFC 5246 §6.2.3.3).
struct AeadKeys {
    key: AeadKey,
    bulk: BulkAlg,
    /// GCM: the 4-byte salt then zeros; ChaCha20-Poly1305: the 12-byte mask.
    iv: [u8; NONCE_LEN],
}

impl AeadKeys {
    /// GCM: salt || explicit nonce (RFC 5288 §3); ChaCha20-Poly1305: iv XOR seq (RFC 7905 §2).
    fn nonce(&self, seq: u64, explicit: &[u8]) -> [u8; NONCE_LEN] {
        let mut n = self.iv;
        match self.bulk.explicit_nonce_len() {
            0 => n[4..].iter_mut().zip(seq.to_be_bytes()).for_each(|(a, b)| *a ^= b),
            _ => n[4..].copy_from_slice(explicit),
        }
        n
    }
}

// Two states per connection exist at most; keeping them inline saves a pointer chase per record.
#[allow(clippy::large_enum_variant)]
enum Keys {
    Mac(MacKeys),
    Aead(AeadKeys),
}

/// One direction's protection state: NULL until ChangeCipherSpec installs keys.
pub struct DirectionState {
    keys: Option<Keys>,
    seq: u64,
}

impl Default for DirectionState {
    fn default() -> Self {
        Self::null()
    }
}

impl DirectionState {
    /// The initial TLS_NULL_WITH_NULL_NULL state.
    pub fn null() -> Self {
        DirectionState { keys: None, seq: 0 }
    }

    /// A keyed state with sequence number 0. AEAD suites take an empty `mac_key`.
    pub fn new(bulk: BulkAlg, mac: HashAlg, dir: Direction, key: &[u8], iv: &[u8], mac_key: &[u8]) -> Self {
        let keys = match RecordCipher::new(bulk, dir, key, iv) {
            Some(cipher) => Keys::Mac(MacKeys {
                cipher,
                explicit_iv: false,
                etm: false,
                bulk,
                mac,
                mac_key: HmacKey::new(mac, mac_key),
                cbc_mac: CbcMac::hmac(mac, mac_key),
                sealer: match (bulk, mac, dir) {
                    (BulkAlg::Aes128Cbc | BulkAlg::Aes256Cbc, HashAlg::Sha1, Direction::Encrypt) => {
                        AesCbcHmacSha1Sealer::new(key, iv, mac_key)
                    }
                    _ => None,
                },
            }),
            None => {
                let mut fixed = [0u8; NONCE_LEN];
                fixed[..iv.len()].copy_from_slice(iv);
                Keys::Aead(AeadKeys { key: AeadKey::new(bulk, key).expect("key length comes from the suite table"), bulk, iv: fixed })
            }
        };
        DirectionState { keys: Some(keys), seq: 0 }
    }

    /// Per-record explicit IVs for block ciphers (TLS 1.1 and later).
    pub fn with_explicit_iv(mut self, on: bool) -> Self {
        if let Some(Keys::Mac(k)) = self.keys.as_mut() {
            k.explicit_iv = on && k.bulk.block_len() > 0;
        }
        self
    }

    /// SSL 3.0 records: its MAC construction with `mac_key`, and padding whose bytes are
    /// arbitrary (RFC 6101 §5.2.3.2).
    pub fn with_ssl3_mac(mut self, mac_key: &[u8]) -> Self {
        if let Some(Keys::Mac(k)) = self.keys.as_mut() {
            k.cbc_mac = CbcMac::ssl3(k.mac, mac_key);
            // The stitched routine computes TLS's HMAC only.
            k.sealer = None;
        }
        self
    }

    /// Encrypt-then-MAC for block ciphers (RFC 7366); stream ciphers and AEADs ignore it.
    pub fn with_encrypt_then_mac(mut self, on: bool) -> Self {
        if let Some(Keys::Mac(k)) = self.keys.as_mut() {
            k.etm = on && k.bulk.block_len() > 0;
            if k.etm {
                // The stitched routine computes MAC-then-encrypt only.
                k.sealer = None;
            }
        }
        self
    }

    /// Bytes before the plaintext: the record header plus the explicit IV (TLS 1.1+ CBC) or
    /// explicit nonce (GCM), as Schannel's `cbHeader` counts them.
    pub fn header_len(&self) -> usize {
        HEADER_LEN
            + match &self.keys {
                Some(Keys::Mac(k)) if k.explicit_iv => k.bulk.block_len(),
                Some(Keys::Aead(k)) => k.bulk.explicit_nonce_len(),
                _ => 0,
            }
    }

    /// Most bytes a record adds after its plaintext (MAC and padding, or the AEAD tag).
    pub fn max_trailer(&self) -> usize {
        match &self.keys {
            None => 0,
            Some(Keys::Mac(k)) => k.mac.output_len() + k.bulk.block_len(),
            Some(Keys::Aead(_)) => TAG_LEN,
        }
    }

    /// Cipher block length, 0 for stream ciphers, AEADs and NULL.
    pub fn block_len(&self) -> usize {
        match &self.keys {
            Some(Keys::Mac(k)) => k.bulk.block_len(),
            _ => 0,
        }
    }

    fn next_seq(&mut self) -> Result<u64, RecordError> {
        let s = self.seq;
        self.seq = self.seq.checked_add(1).ok_or(RecordError::SequenceExhausted)?;
        Ok(s)
    }

    /// Length of the record that sealing `n` plaintext bytes produces (header included).
    pub fn sealed_len(&self, n: usize) -> usize {
        HEADER_LEN
            + match &self.keys {
                None => n,
                Some(Keys::Mac(k)) if k.etm => {
                    // IV, then data + minimal padding, then the MAC in the clear (RFC 7366 §3).
                    let bl = k.bulk.block_len();
                    let iv_len = if k.explicit_iv { bl } else { 0 };
                    iv_len + (n / bl + 1) * bl + k.mac.output_len()
                }
                Some(Keys::Mac(k)) => {
                    let bl = k.bulk.block_len();
                    let body = n + k.mac.output_len();
                    let iv_len = if k.explicit_iv { bl } else { 0 };
                    // Minimal padding: pad_len bytes of value pad_len plus the length byte (RFC 2246 §6.2.3.2).
                    body.checked_div(bl).map_or(body, |blocks| iv_len + (blocks + 1) * bl)
                }
                Some(Keys::Aead(k)) => k.bulk.explicit_nonce_len() + n + TAG_LEN,
            }
    }

    /// Seals `fragment` (at most 2^14 bytes) into a complete record appended to `out`.
    pub fn seal(&mut self, typ: u8, version: ProtocolVersion, fragment: &[u8], out: &mut Vec<u8>) -> Result<(), RecordError> {
        let start = out.len();
        let len = self.sealed_len(fragment.len());
        out.resize(start + len, 0);
        let at = start + self.header_len();
        out[at..at + fragment.len()].copy_from_slice(fragment);
        match self.seal_in_place(typ, version, &mut out[start..], fragment.len()) {
            Ok(_) => Ok(()),
            Err(e) => {
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Seals in place: `buf[header_len()..header_len() + n]` holds the plaintext and `buf` has
    /// room for [`Self::sealed_len`]`(n)` bytes. Writes the header and any explicit IV or nonce
    /// before the plaintext, appends MAC and padding or the tag, encrypts, and returns the length.
    pub fn seal_in_place(&mut self, typ: u8, version: ProtocolVersion, buf: &mut [u8], n: usize) -> Result<usize, RecordError> {
        let total = self.sealed_len(n);
        if buf.len() < total || n > super::MAX_FRAGMENT {
            return Err(RecordError::Overflow);
        }
        let seq = self.next_seq()?;
        buf[..HEADER_LEN].copy_from_slice(&header(typ, version, total - HEADER_LEN));
        let body = &mut buf[HEADER_LEN..total];
        let k = match self.keys.as_mut() {
            None => return Ok(total),
            Some(Keys::Aead(a)) => {
                let e = a.bulk.explicit_nonce_len();
                // The explicit nonce is the sequence number: unique per key, as RFC 5288 §3 requires.
                let nonce = a.nonce(seq, &seq.to_be_bytes());
                body[..e].copy_from_slice(&nonce[NONCE_LEN - e..]);
                let (data, tag) = body[e..].split_at_mut(n);
                let aad = mac_header(seq, typ, version, n);
                return if a.key.seal(nonce, &aad, data, tag) { Ok(total) } else { Err(RecordError::CryptoFailure) };
            }
            Some(Keys::Mac(k)) => k,
        };
        let iv_len = if k.explicit_iv { k.bulk.block_len() } else { 0 };
        if iv_len > 0 {
            // A random first block: encrypted in the running CBC chain, its ciphertext is this
            // record's unpredictable IV (RFC 4346 §6.2.3.2, option 2b).
            crate::crypto::random::fill(&mut body[..iv_len]);
        }
        if k.etm {
            // Pad and encrypt IV + data, then MAC the ciphertext as sent (RFC 7366 §3).
            let m = k.mac.output_len();
            let (enc, mac) = body.split_at_mut(body.len() - m);
            let pad = &mut enc[iv_len + n..];
            let value = (pad.len() - 1) as u8;
            pad.fill(value);
            k.cipher.apply(enc);
            k.mac_into(seq, typ, version, enc, mac);
            return Ok(total);
        }
        if let Some(sealer) = k.sealer.as_mut() {
            let mut aad = mac_header(seq, typ, version, iv_len + n);
            return if sealer.seal(&mut aad, body) { Ok(total) } else { Err(RecordError::CryptoFailure) };
        }
        let m = k.mac.output_len();
        let (data, rest) = body[iv_len..].split_at_mut(n);
        k.mac_into(seq, typ, version, data, &mut rest[..m]);
        // Block ciphers: every padding byte and the length byte hold the padding length.
        let pad = &mut rest[m..];
        if !pad.is_empty() {
            let value = (pad.len() - 1) as u8;
            pad.fill(value);
        }
        k.cipher.apply(body);
        Ok(total)
    }

    /// Opens a record body in place and returns where its plaintext lies within `payload`.
    pub fn open(&mut self, typ: u8, version: ProtocolVersion, payload: &mut [u8]) -> Result<Range<usize>, RecordError> {
        let seq = self.next_seq()?;
        if payload.len() > MAX_CIPHERTEXT {
            return Err(RecordError::Overflow);
        }
        let k = match self.keys.as_mut() {
            None => return if payload.len() > super::MAX_FRAGMENT { Err(RecordError::Overflow) } else { Ok(0..payload.len()) },
            Some(Keys::Aead(a)) => {
                let e = a.bulk.explicit_nonce_len();
                let n = payload.len().checked_sub(e + TAG_LEN).ok_or(RecordError::BadRecordMac)?;
                if n > super::MAX_FRAGMENT {
                    return Err(RecordError::Overflow);
                }
                let nonce = a.nonce(seq, &payload[..e]);
                let aad = mac_header(seq, typ, version, n);
                a.key.open(nonce, &aad, &mut payload[e..]).ok_or(RecordError::BadRecordMac)?;
                return Ok(e..e + n);
            }
            Some(Keys::Mac(k)) => k,
        };
        let m = k.mac.output_len();
        let bl = k.bulk.block_len();
        let len = payload.len();
        if k.etm {
            let iv_len = if k.explicit_iv { bl } else { 0 };
            let enc_len = len.checked_sub(m).filter(|e| *e >= iv_len + bl && e % bl == 0).ok_or(RecordError::BadRecordMac)?;
            let (enc, mac) = payload.split_at_mut(enc_len);
            let mut expect = [0u8; MAX_OUTPUT_LEN];
            k.mac_into(seq, typ, version, enc, &mut expect[..m]);
            if !bool::from(expect[..m].ct_eq(mac)) {
                return Err(RecordError::BadRecordMac);
            }
            // Authenticated: the padding can be checked plainly, it carries no oracle any more.
            k.cipher.apply(enc);
            let pad = usize::from(enc[enc_len - 1]);
            let data_end = (enc_len - 1).checked_sub(pad).filter(|e| *e >= iv_len).ok_or(RecordError::BadRecordMac)?;
            if enc[data_end..enc_len - 1].iter().any(|b| usize::from(*b) != pad) {
                return Err(RecordError::BadRecordMac);
            }
            if data_end - iv_len > super::MAX_FRAGMENT {
                return Err(RecordError::Overflow);
            }
            return Ok(iv_len..data_end);
        }
        let n = if bl == 0 {
            if len < m {
                return Err(RecordError::BadRecordMac);
            }
            k.cipher.apply(payload);
            let n = len - m;
            let mut expect = [0u8; MAX_OUTPUT_LEN];
            let expect = &mut expect[..m];
            k.mac_into(seq, typ, version, &payload[..n], expect);
            if !bool::from(expect.ct_eq(&payload[n..])) {
                return Err(RecordError::BadRecordMac);
            }
            n
        } else {
            let iv_len = if k.explicit_iv { bl } else { 0 };
            // Length and block alignment are visible on the wire; rejecting them early leaks nothing.
            if len % bl != 0 || len < iv_len + (m + 1).max(bl) {
                return Err(RecordError::BadRecordMac);
            }
            k.cipher.apply(payload);
            // With an explicit IV the first decrypted block is discarded: the blocks after it
            // decrypt correctly whatever the chain held before.
            let n = open_cbc_constant_time(k, seq, typ, version, &payload[iv_len..])?;
            if n > super::MAX_FRAGMENT {
                return Err(RecordError::Overflow);
            }
            return Ok(iv_len..iv_len + n);
        };
        if n > super::MAX_FRAGMENT {
            return Err(RecordError::Overflow);
        }
        Ok(0..n)
    }
}

/// seq_num || type || version || length, the MAC's prefix (RFC 2246 §6.2.3.1).
fn mac_header(seq: u64, typ: u8, version: ProtocolVersion, len: usize) -> [u8; 13] {
    let mut h = [0u8; 13];
    h[..8].copy_from_slice(&seq.to_be_bytes());
    h[8..].copy_from_slice(&header(typ, version, len));
    h
}

/// Padding and MAC check whose time depends only on the record length, not on the padding
/// value: every candidate padding byte is examined, the MAC is extracted by scanning every
/// possible position, and the MAC is computed by [`CbcMac::compute`], whose operations are the
/// same for every candidate data length (Lucky 13).
/// Masks are plain integer arithmetic; the verdict alone goes through `black_box`, so the
/// compiler cannot turn the mask logic into branches on secret data.
fn open_cbc_constant_time(k: &MacKeys, seq: u64, typ: u8, version: ProtocolVersion, payload: &[u8]) -> Result<usize, RecordError> {
    let len = payload.len();
    let m = k.mac.output_len();
    let pad = u32::from(payload[len - 1]);
    // pad + 1 + m <= len
    let mut good = !mask_lt(len as u32, pad + 1 + m as u32);
    // The longest padding a good record can have, so the candidate data lengths (public).
    let ssl3 = k.cbc_mac.ssl3_secret().is_some();
    let max_pad = if ssl3 { k.bulk.block_len() - 1 } else { 255 };
    if ssl3 {
        // SSL 3.0: the padding bytes are arbitrary, only the length is checked (< block size;
        // that it cannot check more is POODLE, why SSL 3.0 stays off by default).
        good &= mask_lt(pad, k.bulk.block_len() as u32);
    } else {
        let max_check = 255.min(len - 1);
        for i in 1..=max_check {
            let in_padding = !mask_lt(pad, i as u32);
            good &= !in_padding | mask_eq(u32::from(payload[len - 1 - i]), pad);
        }
    }
    let pad_eff = (pad & good) as usize;
    let data_len = len - m - 1 - pad_eff;

    let longest = len - m - 1;
    let lowest = longest.saturating_sub(max_pad);

    let mut expect = [0u8; MAX_OUTPUT_LEN];
    let expect = &mut expect[..m];
    k.cbc_mac.compute(&mac_header(seq, typ, version, data_len), &payload[..longest], lowest, data_len, expect);

    // The received MAC, gathered from every candidate position. One mask per candidate start,
    // then each MAC byte is an OR over all candidates: the mask varies along the inner loop, so
    // it stays data (vector AND/OR). The obvious loop (one mask per start, inner loop over the
    // MAC bytes) was compiled into a branch on `start == data_len`: a secret-dependent jump.
    let window = longest - lowest + 1;
    let mut masks = [0u8; 256];
    for (s, mk) in masks[..window].iter_mut().enumerate() {
        *mk = mask_eq((lowest + s) as u32, data_len as u32) as u8;
    }
    let mut received = [0u8; MAX_OUTPUT_LEN];
    for (i, r) in received[..m].iter_mut().enumerate() {
        let candidates = &payload[lowest + i..lowest + i + window];
        *r = candidates.iter().zip(&masks[..window]).fold(0, |acc, (b, mk)| acc | (b & mk));
    }
    let mut diff = 0u8;
    for (a, b) in expect.iter().zip(&received[..m]) {
        diff |= a ^ b;
    }
    good &= mask_eq(u32::from(diff), 0);
    if core::hint::black_box(good) == u32::MAX {
        Ok(data_len)
    } else {
        Err(RecordError::BadRecordMac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(bulk: BulkAlg, mac: HashAlg) -> (DirectionState, DirectionState) {
        let key = vec![1u8; bulk.key_len()];
        let iv = vec![2u8; bulk.iv_len()];
        let mk = vec![3u8; if bulk.is_aead() { 0 } else { mac.output_len() }];
        (
            DirectionState::new(bulk, mac, Direction::Encrypt, &key, &iv, &mk),
            DirectionState::new(bulk, mac, Direction::Decrypt, &key, &iv, &mk),
        )
    }

    fn mac_keys(d: &mut DirectionState) -> &mut MacKeys {
        match d.keys.as_mut() {
            Some(Keys::Mac(k)) => k,
            _ => panic!("not a MAC-then-encrypt state"),
        }
    }

    const ALL: [(BulkAlg, HashAlg); 10] = [
        (BulkAlg::Aes128Cbc, HashAlg::Sha256),
        (BulkAlg::Aes256Cbc, HashAlg::Sha384),
        (BulkAlg::Aes128Gcm, HashAlg::Sha256),
        (BulkAlg::Aes256Gcm, HashAlg::Sha384),
        (BulkAlg::ChaCha20Poly1305, HashAlg::Sha256),
        (BulkAlg::Aes128Cbc, HashAlg::Sha1),
        (BulkAlg::Aes256Cbc, HashAlg::Sha1),
        (BulkAlg::TripleDesCbc, HashAlg::Sha1),
        (BulkAlg::Rc4_128, HashAlg::Sha1),
        (BulkAlg::Rc4_128, HashAlg::Md5),
    ];

    #[test]
    fn seal_open_round_trip_every_length() {
        for (bulk, mac) in ALL {
            let (mut w, mut r) = pair(bulk, mac);
            for n in [0usize, 1, 15, 16, 17, 100, 16384] {
                let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
                let mut rec = Vec::new();
                w.seal(23, ProtocolVersion::TLS1_0, &data, &mut rec).unwrap();
                assert!(rec.len() - w.header_len() <= n + w.max_trailer());
                let got = r.open(23, ProtocolVersion::TLS1_0, &mut rec[HEADER_LEN..]).unwrap();
                assert_eq!(&rec[HEADER_LEN + got.start..HEADER_LEN + got.end], &data[..]);
            }
        }
    }

    #[test]
    fn stitched_sealing_matches_the_generic_path() {
        for bulk in [BulkAlg::Aes128Cbc, BulkAlg::Aes256Cbc] {
            let (mut stitched, _) = pair(bulk, HashAlg::Sha1);
            let (mut generic, _) = pair(bulk, HashAlg::Sha1);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("aes") {
                assert!(mac_keys(&mut stitched).sealer.is_some(), "AES-NI present: the stitched sealer is used");
            }
            mac_keys(&mut generic).sealer = None;
            // TLS 1.0 has no random IV, so both paths must produce the same bytes, record after
            // record (the CBC chain carries over).
            for n in [0usize, 1, 15, 16, 43, 44, 64, 100, 1000, 16384] {
                let data: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
                let (mut a, mut b) = (Vec::new(), Vec::new());
                stitched.seal(23, ProtocolVersion::TLS1_0, &data, &mut a).unwrap();
                generic.seal(23, ProtocolVersion::TLS1_0, &data, &mut b).unwrap();
                assert_eq!(a, b, "{bulk:?} length {n}");
            }
        }
    }

    #[test]
    fn explicit_iv_records_round_trip_and_differ() {
        for (bulk, mac) in ALL.into_iter().filter(|(b, _)| b.block_len() > 0) {
            let (w, r) = pair(bulk, mac);
            let (mut w, mut r) = (w.with_explicit_iv(true), r.with_explicit_iv(true));
            let mut a = Vec::new();
            let mut b = Vec::new();
            w.seal(23, ProtocolVersion::TLS1_1, b"same", &mut a).unwrap();
            w.seal(23, ProtocolVersion::TLS1_1, b"same", &mut b).unwrap();
            assert_eq!(a.len(), HEADER_LEN + bulk.block_len() + (4 + mac.output_len() + 1).div_ceil(bulk.block_len()) * bulk.block_len());
            assert!(a.len() - w.header_len() <= 4 + w.max_trailer());
            let got = r.open(23, ProtocolVersion::TLS1_1, &mut a[HEADER_LEN..]).unwrap();
            assert_eq!(&a[HEADER_LEN + got.start..HEADER_LEN + got.end], b"same");
            let got = r.open(23, ProtocolVersion::TLS1_1, &mut b[HEADER_LEN..]).unwrap();
            assert_eq!(&b[HEADER_LEN + got.start..HEADER_LEN + got.end], b"same");
        }
        // A receiver that lost the chain still opens an explicit-IV record (it needs no previous block).
        let (mut w, _) = pair(BulkAlg::Aes128Cbc, HashAlg::Sha1);
        w = w.with_explicit_iv(true);
        let mut skip = Vec::new();
        w.seal(23, ProtocolVersion::TLS1_1, b"lost", &mut skip).unwrap();
        let mut rec = Vec::new();
        w.seal(23, ProtocolVersion::TLS1_1, b"found", &mut rec).unwrap();
        let (_, r) = pair(BulkAlg::Aes128Cbc, HashAlg::Sha1);
        let mut r = r.with_explicit_iv(true);
        r.seq = 1;
        let got = r.open(23, ProtocolVersion::TLS1_1, &mut rec[HEADER_LEN..]).unwrap();
        assert_eq!(&rec[HEADER_LEN + got.start..HEADER_LEN + got.end], b"found");
    }

    #[test]
    fn any_flipped_bit_is_bad_record_mac() {
        for (bulk, mac) in ALL {
            let (mut w, _) = pair(bulk, mac);
            let mut rec = Vec::new();
            w.seal(23, ProtocolVersion::TLS1_0, b"attack at dawn, bring snacks", &mut rec).unwrap();
            for i in HEADER_LEN..rec.len() {
                let (_, mut r) = pair(bulk, mac);
                let mut bad = rec.clone();
                bad[i] ^= 0x01;
                assert_eq!(
                    r.open(23, ProtocolVersion::TLS1_0, &mut bad[HEADER_LEN..]),
                    Err(RecordError::BadRecordMac),
                    "{bulk:?} byte {i}"
                );
            }
        }
    }

    #[test]
    fn wrong_type_or_sequence_fails_mac() {
        let (mut w, mut r) = pair(BulkAlg::Aes128Cbc, HashAlg::Sha1);
        let mut a = Vec::new();
        w.seal(23, ProtocolVersion::TLS1_0, b"one", &mut a).unwrap();
        let mut b = Vec::new();
        w.seal(23, ProtocolVersion::TLS1_0, b"two", &mut b).unwrap();
        // Replaying b in a's slot: wrong sequence number (and wrong IV chain).
        assert!(r.open(23, ProtocolVersion::TLS1_0, &mut b[HEADER_LEN..]).is_err());
        let (_, mut r) = pair(BulkAlg::Aes128Cbc, HashAlg::Sha1);
        assert!(r.open(22, ProtocolVersion::TLS1_0, &mut a[HEADER_LEN..]).is_err());
    }

    #[test]
    fn short_and_misaligned_ciphertexts_rejected() {
        let (_, mut r) = pair(BulkAlg::Aes128Cbc, HashAlg::Sha1);
        assert_eq!(r.open(23, ProtocolVersion::TLS1_0, &mut [0u8; 16]), Err(RecordError::BadRecordMac));
        assert_eq!(r.open(23, ProtocolVersion::TLS1_0, &mut [0u8; 33]), Err(RecordError::BadRecordMac));
        let (_, mut r) = pair(BulkAlg::Rc4_128, HashAlg::Sha1);
        assert_eq!(r.open(23, ProtocolVersion::TLS1_0, &mut [0u8; 5]), Err(RecordError::BadRecordMac));
    }

    #[test]
    fn encrypt_then_mac_round_trips_and_checks_the_mac_first() {
        for (bulk, mac) in ALL.into_iter().filter(|(b, _)| b.block_len() > 0) {
            for explicit in [false, true] {
                let (w, r) = pair(bulk, mac);
                let (mut w, mut r) =
                    (w.with_explicit_iv(explicit).with_encrypt_then_mac(true), r.with_explicit_iv(explicit).with_encrypt_then_mac(true));
                for n in [0usize, 1, 15, 16, 17, 1000, 16384] {
                    let data: Vec<u8> = (0..n).map(|i| (i * 3) as u8).collect();
                    let mut rec = Vec::new();
                    w.seal(23, ProtocolVersion::TLS1_2, &data, &mut rec).unwrap();
                    let bl = bulk.block_len();
                    let iv = if explicit { bl } else { 0 };
                    assert_eq!(rec.len(), HEADER_LEN + iv + (n / bl + 1) * bl + mac.output_len(), "{bulk:?} {n}");
                    assert!(rec.len() - w.header_len() <= n + w.max_trailer());
                    let got = r.open(23, ProtocolVersion::TLS1_2, &mut rec[HEADER_LEN..]).unwrap();
                    assert_eq!(&rec[HEADER_LEN + got.start..HEADER_LEN + got.end], &data[..]);
                }
                // Any flipped bit fails the MAC, before anything is decrypted.
                let mut rec = Vec::new();
                w.seal(23, ProtocolVersion::TLS1_2, b"etm", &mut rec).unwrap();
                // A reader at the same point of the stream: the record opens, any change does not.
                // (Without an explicit IV the CBC chain must match too, so clone the real reader.)
                let reader_at = |r: &DirectionState| {
                    let (_, r2) = pair(bulk, mac);
                    let mut r2 = r2.with_explicit_iv(explicit).with_encrypt_then_mac(true);
                    r2.seq = r.seq;
                    r2
                };
                if explicit {
                    let mut good = rec.clone();
                    assert!(reader_at(&r).open(23, ProtocolVersion::TLS1_2, &mut good[HEADER_LEN..]).is_ok());
                }
                for i in HEADER_LEN..rec.len() {
                    let mut bad = rec.clone();
                    bad[i] ^= 1;
                    assert_eq!(reader_at(&r).open(23, ProtocolVersion::TLS1_2, &mut bad[HEADER_LEN..]), Err(RecordError::BadRecordMac));
                }
                let mut good = rec.clone();
                assert!(r.open(23, ProtocolVersion::TLS1_2, &mut good[HEADER_LEN..]).is_ok(), "the real reader opens it");
            }
        }
        // A record too short for one block plus the MAC.
        let (_, r) = pair(BulkAlg::Aes128Cbc, HashAlg::Sha1);
        let mut r = r.with_encrypt_then_mac(true);
        assert_eq!(r.open(23, ProtocolVersion::TLS1_0, &mut [0u8; 20]), Err(RecordError::BadRecordMac));
    }

    #[test]
    fn aead_records_use_fresh_nonces_and_reject_truncation() {
        for bulk in [BulkAlg::Aes128Gcm, BulkAlg::Aes256Gcm, BulkAlg::ChaCha20Poly1305] {
            let (mut w, mut r) = pair(bulk, HashAlg::Sha256);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            w.seal(23, ProtocolVersion::TLS1_2, b"same", &mut a).unwrap();
            w.seal(23, ProtocolVersion::TLS1_2, b"same", &mut b).unwrap();
            assert_eq!(a.len(), HEADER_LEN + bulk.explicit_nonce_len() + 4 + TAG_LEN);
            assert_ne!(a[HEADER_LEN..], b[HEADER_LEN..], "{bulk:?}: the sequence number changes the nonce");
            assert_eq!(r.open(23, ProtocolVersion::TLS1_2, &mut a[HEADER_LEN..]).map(|g| g.len()), Ok(4));
            // Out of order: b opened with a's sequence number already used, then a replayed.
            let (_, mut r2) = pair(bulk, HashAlg::Sha256);
            assert_eq!(r2.open(23, ProtocolVersion::TLS1_2, &mut b.clone()[HEADER_LEN..]), Err(RecordError::BadRecordMac));
            assert!(r.open(23, ProtocolVersion::TLS1_2, &mut b[HEADER_LEN..]).is_ok());
            let (_, mut r3) = pair(bulk, HashAlg::Sha256);
            let short = bulk.explicit_nonce_len() + TAG_LEN - 1;
            assert_eq!(r3.open(23, ProtocolVersion::TLS1_2, &mut vec![0u8; short]), Err(RecordError::BadRecordMac));
        }
    }

    /// MAC-then-encrypt CBC records built by hand with every padding length the protocol allows
    /// (TLS: any multiple of the block up to 255 bytes; SSL 3.0: less than a block), for every
    /// CBC cipher and MAC pairing of the suite table: each opens to its data, and flipping a bit
    /// of any byte (data, MAC, padding, length byte) fails as bad_record_mac.
    #[test]
    fn cbc_records_with_any_padding_open_and_any_flipped_bit_fails() {
        let cases = [
            (BulkAlg::Aes128Cbc, HashAlg::Sha1, false),
            (BulkAlg::Aes128Cbc, HashAlg::Sha256, false),
            (BulkAlg::Aes256Cbc, HashAlg::Sha384, false),
            (BulkAlg::TripleDesCbc, HashAlg::Sha1, false),
            (BulkAlg::Rc2Cbc, HashAlg::Md5, false),
            (BulkAlg::Aes128Cbc, HashAlg::Sha1, true),
            (BulkAlg::TripleDesCbc, HashAlg::Sha1, true),
            (BulkAlg::Rc2Cbc, HashAlg::Md5, true),
        ];
        for (bulk, mac, ssl3) in cases {
            let version = if ssl3 { ProtocolVersion::SSL3_0 } else { ProtocolVersion::TLS1_0 };
            let fresh = || {
                let (w, r) = pair(bulk, mac);
                match ssl3 {
                    true => (w.with_ssl3_mac(&vec![3u8; mac.output_len()]), r.with_ssl3_mac(&vec![3u8; mac.output_len()])),
                    false => (w, r),
                }
            };
            let bl = bulk.block_len();
            for n in [0usize, 1, 47, 200] {
                let data: Vec<u8> = (0..n).map(|i| (i * 5 + 1) as u8).collect();
                let minimal = bl - (n + mac.output_len()) % bl;
                let most = if ssl3 { bl } else { 256 };
                for pad_total in (minimal..=most).step_by(bl) {
                    let (mut w, _) = fresh();
                    let mut body = data.clone();
                    let mut m = [0u8; MAX_OUTPUT_LEN];
                    mac_keys(&mut w).mac_into(0, 23, version, &data, &mut m[..mac.output_len()]);
                    body.extend_from_slice(&m[..mac.output_len()]);
                    body.extend(core::iter::repeat_n((pad_total - 1) as u8, pad_total));
                    mac_keys(&mut w).cipher.apply(&mut body);
                    let (_, mut r) = fresh();
                    assert_eq!(r.open(23, version, &mut body.clone()), Ok(0..n), "{bulk:?} {mac:?} ssl3 {ssl3} n {n} pad {pad_total}");
                    for i in 0..body.len() {
                        if ssl3 && pad_total == bl && i >= body.len() - bl {
                            // A last block of padding alone: SSL 3.0 checks only its length
                            // byte, so a garbled block can pass (POODLE, why it is off by default).
                            continue;
                        }
                        let mut bad = body.clone();
                        bad[i] ^= 1 << (i % 8);
                        let (_, mut r) = fresh();
                        assert_eq!(
                            r.open(23, version, &mut bad),
                            Err(RecordError::BadRecordMac),
                            "{bulk:?} {mac:?} ssl3 {ssl3} n {n} pad {pad_total} byte {i}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn padding_longer_than_minimal_is_accepted() {
        // Peers may use up to 255 bytes of padding (RFC 2246 §6.2.3.2); build such a record by hand.
        let (mut w, mut r) = pair(BulkAlg::Aes128Cbc, HashAlg::Sha1);
        let data = b"x";
        let mac = crate::crypto::hash::hmac(HashAlg::Sha1, &[3u8; 20], &[&mac_header(0, 23, ProtocolVersion::TLS1_0, 1), &data[..]]);
        let mut body = data.to_vec();
        body.extend_from_slice(&mac);
        // 21 bytes + 43 padding bytes (value 42) = 64.
        body.extend(core::iter::repeat_n(42u8, 43));
        mac_keys(&mut w).cipher.apply(&mut body);
        assert_eq!(r.open(23, ProtocolVersion::TLS1_0, &mut body).unwrap(), 0..1);
    }
}
