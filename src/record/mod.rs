//! The record layer: framing (RFC 2246 §6.2) and per-direction protection.
#![forbid(unsafe_code)]

mod cbc_mac;
pub mod layer;
pub mod protect;

use crate::msgs::enums::ProtocolVersion;

/// Record header length.
pub const HEADER_LEN: usize = 5;
/// Largest plaintext fragment (2^14, RFC 2246 §6.2.1).
pub const MAX_FRAGMENT: usize = 1 << 14;
/// Largest ciphertext fragment (2^14 + 2048, RFC 2246 §6.2.3).
pub const MAX_CIPHERTEXT: usize = MAX_FRAGMENT + 2048;

/// What the start of a byte stream holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Not a whole record yet: `needed` more bytes are required (counting from the start).
    Incomplete { needed: usize },
    /// A whole record of `total` bytes (header included).
    Complete { typ: u8, version: ProtocolVersion, total: usize },
    /// The length field exceeds what any record may carry (record_overflow).
    Overflow,
}

/// Frames the first record in `buf` without consuming anything.
pub fn frame(buf: &[u8]) -> Framing {
    if buf.len() < HEADER_LEN {
        return Framing::Incomplete { needed: HEADER_LEN - buf.len() };
    }
    let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
    if len > MAX_CIPHERTEXT {
        return Framing::Overflow;
    }
    let total = HEADER_LEN + len;
    if buf.len() < total {
        return Framing::Incomplete { needed: total - buf.len() };
    }
    Framing::Complete { typ: buf[0], version: ProtocolVersion(u16::from_be_bytes([buf[1], buf[2]])), total }
}

/// Writes a record header.
pub fn header(typ: u8, version: ProtocolVersion, len: usize) -> [u8; HEADER_LEN] {
    let v = version.bytes();
    let l = (len as u16).to_be_bytes();
    [typ, v[0], v[1], l[0], l[1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_counts_missing_bytes() {
        assert_eq!(frame(&[]), Framing::Incomplete { needed: 5 });
        assert_eq!(frame(&[22, 3, 1]), Framing::Incomplete { needed: 2 });
        assert_eq!(frame(&[22, 3, 1, 0, 4, 1]), Framing::Incomplete { needed: 3 });
        assert_eq!(frame(&[22, 3, 1, 0, 1, 9, 9]), Framing::Complete { typ: 22, version: ProtocolVersion::TLS1_0, total: 6 });
        assert_eq!(frame(&[23, 3, 1, 0x48, 0x01]), Framing::Overflow);
    }
}
