//! The SSL 2.0 record layer: 2- and 3-byte headers, MAC = MD5(write key ‖ data ‖ padding ‖
//! sequence number), encryption of MAC ‖ data ‖ padding, and the 32-bit sequence numbers that
//! count every record in each direction, the clear handshake records included.
#![forbid(unsafe_code)]

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::hello::{frame, Frame};
use crate::crypto::cipher::{Direction as CipherDirection, RecordCipher};
use crate::engine::error::Error;
use crate::suites::Ssl2Kind;

/// MD5 MAC length.
pub const MAC_LEN: usize = 16;
/// Largest record body with a 3-byte header (14-bit length).
const MAX_BODY_3: usize = 0x3fff;
/// Most application bytes we put in one record: a 2-byte-header body (MAC + data + padding)
/// stays within 2^14, the size SSL 2.0 implementations read in one piece.
pub const MAX_DATA: usize = (1 << 14) - MAC_LEN - 8;

/// One direction's keys, once CLIENT-MASTER-KEY is through.
struct Keys {
    bulk: RecordCipher,
    /// The direction's write key, which is also its MAC secret.
    secret: Zeroizing<Vec<u8>>,
    block: usize,
}

/// One direction of the record layer.
#[derive(Default)]
pub struct Direction {
    seq: u32,
    keys: Option<Keys>,
}

impl Direction {
    /// Switches this direction to `kind` with `key` and the KEY-ARG `iv`.
    pub fn set_keys(&mut self, kind: &Ssl2Kind, key: &[u8], iv: &[u8], encrypt: bool) {
        let dir = if encrypt { CipherDirection::Encrypt } else { CipherDirection::Decrypt };
        // The TLS record layer's ciphers: every SSL 2.0 kind's cipher is a non-AEAD BulkAlg.
        let bulk = RecordCipher::new(kind.bulk, dir, key, iv).expect("SSL 2.0 kinds use block or stream ciphers");
        self.keys = Some(Keys { bulk, secret: Zeroizing::new(key.to_vec()), block: kind.block_len() });
    }

    /// Counts a clear record the engine framed itself (the CLIENT-HELLO).
    pub fn count_clear_record(&mut self) {
        self.seq = self.seq.wrapping_add(1);
    }

    pub fn encrypted(&self) -> bool {
        self.keys.is_some()
    }

    fn mac(secret: &[u8], data: &[u8], seq: u32) -> [u8; MAC_LEN] {
        let mut h = Md5::new();
        h.update(secret);
        h.update(data);
        h.update(seq.to_be_bytes());
        h.finalize().into()
    }

    /// Bytes before the data in a sealed record: the header (3 bytes for block ciphers, which
    /// always carry a padding count, else 2) and, once keys are set, the MAC.
    pub fn header_len(&self) -> usize {
        match &self.keys {
            None => 2,
            Some(k) if k.block == 0 => 2 + MAC_LEN,
            Some(_) => 3 + MAC_LEN,
        }
    }

    /// Most bytes after the data: the padding (at most a block less one).
    pub fn max_trailer(&self) -> usize {
        self.keys.as_ref().map_or(0, |k| k.block.saturating_sub(1))
    }

    /// Block length of the cipher (0 for RC4 or before keys).
    pub fn block_len(&self) -> usize {
        self.keys.as_ref().map_or(0, |k| k.block)
    }

    /// Seals `data` (at most [`MAX_DATA`] bytes) into one record appended to `out`.
    pub fn seal(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let h = self.header_len();
        let start = out.len();
        out.resize(start + h + data.len() + self.max_trailer(), 0);
        out[start + h..start + h + data.len()].copy_from_slice(data);
        let n = self.seal_in_place(&mut out[start..], data.len());
        out.truncate(start + n);
    }

    /// Seals in the caller's memory: `buf[header_len()..header_len() + n]` holds the data and
    /// `buf` has room for `max_trailer()` more bytes. Returns the record's length.
    pub fn seal_in_place(&mut self, buf: &mut [u8], n: usize) -> usize {
        debug_assert!(n <= MAX_DATA && buf.len() >= self.header_len() + n + self.max_trailer());
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let Some(k) = &mut self.keys else {
            buf[..2].copy_from_slice(&[0x80 | (n >> 8) as u8, n as u8]);
            return 2 + n;
        };
        let pad = padding(k.block, MAC_LEN + n);
        let len = MAC_LEN + n + pad;
        let h = if k.block == 0 {
            buf[..2].copy_from_slice(&[0x80 | (len >> 8) as u8, len as u8]);
            2
        } else {
            buf[..3].copy_from_slice(&[(len >> 8) as u8, len as u8, pad as u8]);
            3
        };
        let body = &mut buf[h..h + len];
        body[MAC_LEN + n..].fill(0);
        let mac = Self::mac(&k.secret, &body[MAC_LEN..], seq);
        body[..MAC_LEN].copy_from_slice(&mac);
        k.bulk.apply(body);
        h + len
    }

    /// Opens the first record of `buf` in place: `Ok(None)` when it is not whole yet
    /// (`needed` more bytes), else the data's range inside `buf` and the record's length.
    pub fn open(&mut self, buf: &mut [u8]) -> Result<Opened, Error> {
        let (header, body, pad) = match frame(buf) {
            Frame::Incomplete { needed } => return Ok(Opened::Incomplete { needed }),
            Frame::Complete { header, body, padding } => (header, body, padding),
        };
        let total = header + body;
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        let Some(k) = &mut self.keys else {
            if pad != 0 || body == 0 {
                return Err(Error::IllegalParameter("SSL 2.0 clear record with padding or empty"));
            }
            return Ok(Opened::Record { data: header..total, total });
        };
        if header == 3 && body > MAX_BODY_3 {
            return Err(Error::RecordOverflow);
        }
        // Lengths are public: checking them before decryption leaks nothing.
        if body < MAC_LEN + pad || (k.block == 0 && pad != 0) || (k.block != 0 && (body % k.block != 0 || pad >= k.block)) {
            return Err(Error::BadRecordMac);
        }
        let rec = &mut buf[header..total];
        k.bulk.apply(rec);
        let expected = Self::mac(&k.secret, &rec[MAC_LEN..], seq);
        if !bool::from(expected.ct_eq(&rec[..MAC_LEN])) {
            return Err(Error::BadRecordMac);
        }
        Ok(Opened::Record { data: header + MAC_LEN..total - pad, total })
    }
}

/// Padding that makes `n` bytes a whole number of blocks.
fn padding(block: usize, n: usize) -> usize {
    if block == 0 {
        0
    } else {
        (block - n % block) % block
    }
}

/// What [`Direction::open`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    Incomplete {
        needed: usize,
    },
    /// A whole record of `total` bytes; its (decrypted) data is at `data`.
    Record {
        data: core::ops::Range<usize>,
        total: usize,
    },
}
