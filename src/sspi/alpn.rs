//! `SECBUFFER_APPLICATION_PROTOCOLS`: the ALPN list (RFC 7301) a caller passes to the first
//! `InitializeSecurityContext` / `AcceptSecurityContext` call, and the
//! `SECPKG_ATTR_APPLICATION_PROTOCOL` answer.
//!
//! The buffer holds a `SEC_APPLICATION_PROTOCOLS` (sspi.h): a 32-bit `ProtocolListsSize`
//! counting the bytes that follow, then one or more `SEC_APPLICATION_PROTOCOL_LIST`s, each a
//! 32-bit `ProtoNegoExt`, a 16-bit `ProtocolListSize` and that many bytes of the RFC 7301 wire
//! form (every name preceded by its one-byte length). Callers build it by hand as a packed byte
//! stream (curl's `schannel.c` writes the fields at offsets 0, 4, 8 and 10), so it is read as
//! bytes here, never cast to the `#[repr(C)]` declaration, and every length is checked
//! against `cbBuffer`.
//!
//! Rules (Windows documents none; Wine's `schannel_gnutls.c` skips what it cannot use):
//! - lists whose `ProtoNegoExt` is `None` (0) or `NPN` (1) are ignored (no NPN here);
//! - the names of every ALPN (2) list are offered, in order;
//! - anything malformed is `SEC_E_INVALID_TOKEN` and the call changes nothing: a buffer
//!   shorter than 4 bytes, a `ProtocolListsSize` or `ProtocolListSize` running past the
//!   buffer, a list header cut short, an unknown `ProtoNegoExt`, an empty ALPN list, a
//!   zero-length name or a name running past its list, more than 65,535 bytes of names;
//! - bytes after `4 + ProtocolListsSize` are ignored (callers may pass a larger buffer);
//! - a buffer with no ALPN list (or `ProtocolListsSize` 0) turns ALPN off.
#![forbid(unsafe_code)]

use super::ffi::consts::*;
use super::ffi::types::{SecPkgContext_ApplicationProtocol, MAX_PROTOCOL_ID_SIZE, SECURITY_STATUS};

/// Largest ALPN extension body (`ProtocolNameList`, a u16-length vector).
const MAX_WIRE_LEN: usize = 0xFFFF;

/// The protocol names of a `SECBUFFER_APPLICATION_PROTOCOLS` buffer's bytes (see the module
/// documentation for the rules), or `SEC_E_INVALID_TOKEN`.
pub fn parse_application_protocols(buf: &[u8]) -> Result<Vec<Vec<u8>>, SECURITY_STATUS> {
    const BAD: SECURITY_STATUS = SEC_E_INVALID_TOKEN;
    let (size, rest) = buf.split_first_chunk::<4>().ok_or(BAD)?;
    let size = u32::from_ne_bytes(*size) as usize;
    let mut lists = rest.get(..size).ok_or(BAD)?;
    let mut names = Vec::new();
    let mut wire_len = 0usize;
    while !lists.is_empty() {
        let (ext, after) = lists.split_first_chunk::<4>().ok_or(BAD)?;
        let (len, after) = after.split_first_chunk::<2>().ok_or(BAD)?;
        let len = usize::from(u16::from_ne_bytes(*len));
        let list = after.get(..len).ok_or(BAD)?;
        lists = &after[len..];
        let ext = i32::from_ne_bytes(*ext);
        if ext == SecApplicationProtocolNegotiationExt_None || ext == SecApplicationProtocolNegotiationExt_NPN {
            continue;
        }
        if ext != SecApplicationProtocolNegotiationExt_ALPN {
            return Err(BAD);
        }
        if list.is_empty() {
            return Err(BAD);
        }
        let mut rest = list;
        while let Some((&n, after)) = rest.split_first() {
            let n = usize::from(n);
            if n == 0 {
                return Err(BAD);
            }
            names.push(after.get(..n).ok_or(BAD)?.to_vec());
            rest = &after[n..];
        }
        wire_len += list.len();
        if wire_len > MAX_WIRE_LEN {
            return Err(BAD);
        }
    }
    Ok(names)
}

/// `SecPkgContext_ApplicationProtocol` for the negotiated protocol (`None`: nothing agreed,
/// which also covers a client that offered ALPN to a server that ignored it).
pub fn application_protocol(negotiated: Option<&[u8]>) -> SecPkgContext_ApplicationProtocol {
    let mut a = SecPkgContext_ApplicationProtocol {
        ProtoNegoStatus: SecApplicationProtocolNegotiationStatus_None,
        ProtoNegoExt: SecApplicationProtocolNegotiationExt_None,
        ProtocolIdSize: 0,
        ProtocolId: [0; MAX_PROTOCOL_ID_SIZE],
    };
    if let Some(p) = negotiated.filter(|p| !p.is_empty() && p.len() <= MAX_PROTOCOL_ID_SIZE) {
        a.ProtoNegoStatus = SecApplicationProtocolNegotiationStatus_Success;
        a.ProtoNegoExt = SecApplicationProtocolNegotiationExt_ALPN;
        a.ProtocolIdSize = p.len() as u8;
        a.ProtocolId[..p.len()].copy_from_slice(p);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One list: ext, u16 size, wire bytes.
    fn list(ext: i32, wire: &[u8]) -> Vec<u8> {
        let mut v = ext.to_ne_bytes().to_vec();
        v.extend_from_slice(&(wire.len() as u16).to_ne_bytes());
        v.extend_from_slice(wire);
        v
    }

    fn protocols(lists: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = lists.concat();
        let mut v = (body.len() as u32).to_ne_bytes().to_vec();
        v.extend_from_slice(&body);
        v
    }

    const H2_HTTP11: &[u8] = b"\x02h2\x08http/1.1";

    #[test]
    fn curl_layout() {
        let buf = protocols(&[list(2, H2_HTTP11)]);
        assert_eq!(parse_application_protocols(&buf), Ok(vec![b"h2".to_vec(), b"http/1.1".to_vec()]));
        // Extra bytes after the lists are ignored.
        let mut longer = buf.clone();
        longer.extend_from_slice(&[0xAA; 7]);
        assert_eq!(parse_application_protocols(&longer), parse_application_protocols(&buf));
    }

    #[test]
    fn npn_and_none_lists_are_skipped() {
        let buf = protocols(&[list(1, b"\x06spdy/3"), list(0, b""), list(2, b"\x02h2")]);
        assert_eq!(parse_application_protocols(&buf), Ok(vec![b"h2".to_vec()]));
        let npn_only = protocols(&[list(1, b"\x06spdy/3")]);
        assert_eq!(parse_application_protocols(&npn_only), Ok(vec![]));
        assert_eq!(parse_application_protocols(&protocols(&[])), Ok(vec![]));
    }

    #[test]
    fn several_alpn_lists_concatenate() {
        let buf = protocols(&[list(2, b"\x02h2"), list(2, b"\x03foo")]);
        assert_eq!(parse_application_protocols(&buf), Ok(vec![b"h2".to_vec(), b"foo".to_vec()]));
    }

    #[test]
    fn malformed_is_invalid_token() {
        let bad = |b: &[u8]| assert_eq!(parse_application_protocols(b), Err(SEC_E_INVALID_TOKEN), "{b:02x?}");
        bad(&[]);
        bad(&[1, 0, 0]);
        let good = protocols(&[list(2, H2_HTTP11)]);
        // ProtocolListsSize past the buffer.
        let mut v = good.clone();
        v[..4].copy_from_slice(&(good.len() as u32).to_ne_bytes());
        bad(&v);
        let mut v = good.clone();
        v[..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        bad(&v);
        // ProtocolListSize past the lists.
        let mut v = good.clone();
        v[8..10].copy_from_slice(&(H2_HTTP11.len() as u16 + 1).to_ne_bytes());
        bad(&v);
        // Truncated list header.
        bad(&protocols(&[list(2, b"\x02h2"), vec![2, 0, 0]]));
        // Name longer than its list, zero-length name, empty ALPN list, unknown extension.
        bad(&protocols(&[list(2, b"\x05h2")]));
        bad(&protocols(&[list(2, b"\x02h2\x00")]));
        bad(&protocols(&[list(2, b"")]));
        bad(&protocols(&[list(3, b"\x02h2")]));
        bad(&protocols(&[list(-1, b"\x02h2")]));
    }

    #[test]
    fn every_truncation_is_handled() {
        let good = protocols(&[list(1, b"\x06spdy/3"), list(2, H2_HTTP11)]);
        for n in 0..good.len() {
            // Truncating the buffer always leaves ProtocolListsSize running past it.
            assert_eq!(parse_application_protocols(&good[..n]), Err(SEC_E_INVALID_TOKEN), "{n}");
        }
        // Shrinking ProtocolListsSize cuts a list short: never a panic, Ok only at list boundaries.
        for size in 0..good.len() - 4 {
            let mut v = good.clone();
            v[..4].copy_from_slice(&(size as u32).to_ne_bytes());
            let r = parse_application_protocols(&v);
            assert!(r.is_err() || size == 0 || size == 13, "{size}: {r:?}");
        }
    }

    #[test]
    fn attribute_values() {
        let none = application_protocol(None);
        assert_eq!((none.ProtoNegoStatus, none.ProtoNegoExt, none.ProtocolIdSize), (0, 0, 0));
        let h2 = application_protocol(Some(b"h2"));
        assert_eq!((h2.ProtoNegoStatus, h2.ProtoNegoExt, h2.ProtocolIdSize), (1, 2, 2));
        assert_eq!(&h2.ProtocolId[..3], b"h2\0");
        assert_eq!(core::mem::size_of::<SecPkgContext_ApplicationProtocol>(), 264);
    }
}
