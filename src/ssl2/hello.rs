//! SSL 2.0 record framing and the CLIENT-HELLO message, and its translation into a TLS
//! ClientHello for a server that answers in SSL 3.0 or TLS (RFC 2246 Appendix E.1).
#![forbid(unsafe_code)]

use crate::msgs::codec::{InvalidMessage, Reader};
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::handshake::ClientHello;

use super::msg::CLIENT_HELLO as MSG_CLIENT_HELLO;

/// What the start of a byte stream holds, for SSL 2.0 records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// `needed` more bytes are required (counting from the start of the buffer).
    Incomplete { needed: usize },
    /// A whole record: `header` bytes of header, `body` bytes of body, `padding` pad bytes
    /// (3-byte header only; they are inside the body).
    Complete { header: usize, body: usize, padding: usize },
}

/// Frames the first SSL 2.0 record of `buf` (2-byte header when the top bit is set, else 3-byte).
pub fn frame(buf: &[u8]) -> Frame {
    let Some(&b0) = buf.first() else {
        return Frame::Incomplete { needed: 2 };
    };
    let (header, body) = if b0 & 0x80 != 0 {
        match buf.get(1) {
            Some(&b1) => (2, (usize::from(b0 & 0x7f) << 8) | usize::from(b1)),
            None => return Frame::Incomplete { needed: 1 },
        }
    } else {
        match buf.get(1) {
            Some(&b1) => (3, (usize::from(b0 & 0x3f) << 8) | usize::from(b1)),
            None => return Frame::Incomplete { needed: 2 },
        }
    };
    if buf.len() < header + body {
        return Frame::Incomplete { needed: header + body - buf.len() };
    }
    let padding = if header == 3 { usize::from(buf[2]) } else { 0 };
    Frame::Complete { header, body, padding }
}

/// Largest CLIENT-HELLO record body we take (OpenSSL's limit too): a few hundred cipher kinds.
const MAX_HELLO_BODY: usize = 4096;

/// Whether `buf` starts like an SSL 2.0 CLIENT-HELLO with a 2-byte header (the only form a
/// client's first record takes): top bit set, a length up to [`MAX_HELLO_BODY`], then, as the
/// bytes arrive, message type 1 and a version of major 0 (SSL 2.0) or 3. Anything else is left
/// to the TLS framing (which refuses it as not TLS at all).
pub fn looks_like_client_hello(buf: &[u8]) -> bool {
    let len_ok = match buf {
        [b0, b1, ..] => (usize::from(b0 & 0x7f) << 8 | usize::from(*b1)) <= MAX_HELLO_BODY,
        _ => true,
    };
    buf.first().is_some_and(|b| b & 0x80 != 0)
        && len_ok
        && buf.get(2).is_none_or(|t| *t == MSG_CLIENT_HELLO)
        && buf.get(3).is_none_or(|m| *m == 0 || *m == 3)
}

/// An SSL 2.0 CLIENT-HELLO (SSL 2.0 spec, "Client Only Protocol Messages").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2ClientHello {
    /// The highest version the client speaks: 0x0002 for SSL 2.0, 0x0300 and up for a
    /// compatible hello.
    pub version: ProtocolVersion,
    /// 3-byte cipher kinds; TLS suites appear as 0x00XXXX.
    pub cipher_specs: Vec<u32>,
    pub session_id: Vec<u8>,
    pub challenge: Vec<u8>,
}

impl V2ClientHello {
    /// Parses the message (`msg` starts at the message type, after the record header).
    pub fn read(msg: &[u8]) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(msg);
        if r.u8()? != MSG_CLIENT_HELLO {
            return Err(InvalidMessage::IllegalValue);
        }
        let version = ProtocolVersion(r.u16()?);
        let specs_len = usize::from(r.u16()?);
        let session_len = usize::from(r.u16()?);
        let challenge_len = usize::from(r.u16()?);
        // Kinds are 3 bytes; a session id is empty or 16 bytes; the challenge 16 to 32 bytes
        // (SSL 2.0 spec; RFC 2246 E.1).
        if specs_len == 0 || specs_len % 3 != 0 || !matches!(session_len, 0 | 16) || !(16..=32).contains(&challenge_len) {
            return Err(InvalidMessage::IllegalValue);
        }
        let cipher_specs =
            r.take(specs_len)?.chunks_exact(3).map(|c| (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2])).collect();
        let session_id = r.take(session_len)?.to_vec();
        let challenge = r.take(challenge_len)?.to_vec();
        r.expect_empty()?;
        Ok(V2ClientHello { version, cipher_specs, session_id, challenge })
    }

    /// Writes the message (without the record header).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(MSG_CLIENT_HELLO);
        out.extend_from_slice(&self.version.bytes());
        out.extend_from_slice(&(self.cipher_specs.len() as u16 * 3).to_be_bytes());
        out.extend_from_slice(&(self.session_id.len() as u16).to_be_bytes());
        out.extend_from_slice(&(self.challenge.len() as u16).to_be_bytes());
        for s in &self.cipher_specs {
            out.extend_from_slice(&s.to_be_bytes()[1..]);
        }
        out.extend_from_slice(&self.session_id);
        out.extend_from_slice(&self.challenge);
    }

    /// The TLS suites offered (kinds of the form 0x00XXXX).
    pub fn tls_suites(&self) -> Vec<u16> {
        self.cipher_specs.iter().filter(|s| **s >> 16 == 0).map(|s| *s as u16).collect()
    }

    /// The equivalent TLS ClientHello (RFC 2246 E.1): the challenge right-aligned in a
    /// zero-filled client random, null compression only, no extensions.
    pub fn to_tls(&self) -> ClientHello {
        let mut random = [0u8; 32];
        random[32 - self.challenge.len()..].copy_from_slice(&self.challenge);
        ClientHello {
            version: self.version,
            random,
            session_id: self.session_id.clone(),
            cipher_suites: self.tls_suites(),
            compression_methods: vec![0],
            extensions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> V2ClientHello {
        V2ClientHello {
            version: ProtocolVersion::TLS1_0,
            cipher_specs: vec![0x010080, 0x00002f, 0x0000ff],
            session_id: vec![],
            challenge: (1..=16).collect(),
        }
    }

    #[test]
    fn round_trip_and_every_prefix_is_truncated() {
        let mut m = Vec::new();
        sample().encode(&mut m);
        assert_eq!(V2ClientHello::read(&m), Ok(sample()));
        for n in 0..m.len() {
            assert!(V2ClientHello::read(&m[..n]).is_err(), "prefix {n}");
        }
        let mut long = m.clone();
        long.push(0);
        assert_eq!(V2ClientHello::read(&long), Err(InvalidMessage::TrailingData));
    }

    #[test]
    fn lengths_outside_the_spec_are_refused() {
        for (at, v) in [(3, [0u8, 4]), (5, [0, 3]), (7, [0, 15]), (7, [0, 33])] {
            let mut m = Vec::new();
            sample().encode(&mut m);
            m[at..at + 2].copy_from_slice(&v);
            assert_eq!(V2ClientHello::read(&m), Err(InvalidMessage::IllegalValue), "field at {at} = {v:?}");
        }
    }

    #[test]
    fn tls_view_right_aligns_the_challenge_and_keeps_tls_suites() {
        let ch = sample().to_tls();
        assert_eq!(&ch.random[..16], &[0u8; 16]);
        assert_eq!(ch.random[16..].to_vec(), (1..=16).collect::<Vec<u8>>());
        assert_eq!(ch.cipher_suites, vec![0x002f, 0x00ff]);
        assert!(ch.extensions.is_empty());
    }

    #[test]
    fn framing() {
        assert_eq!(frame(&[]), Frame::Incomplete { needed: 2 });
        assert_eq!(frame(&[0x80]), Frame::Incomplete { needed: 1 });
        assert_eq!(frame(&[0x80, 3, 1]), Frame::Incomplete { needed: 2 });
        assert_eq!(frame(&[0x80, 1, 1]), Frame::Complete { header: 2, body: 1, padding: 0 });
        assert_eq!(frame(&[0x00, 2, 1, 9, 9]), Frame::Complete { header: 3, body: 2, padding: 1 });
        assert!(looks_like_client_hello(&[0x80]) && looks_like_client_hello(&[0x80, 0x2e, 1]));
        assert!(!looks_like_client_hello(&[0x16, 3, 1]) && !looks_like_client_hello(&[0x80, 0x2e, 2]));
        // A TLS record whose type byte was overwritten: too long and the wrong version major.
        assert!(!looks_like_client_hello(&[0x99, 3, 1, 0, 0x2e]));
        assert!(!looks_like_client_hello(&[0x80, 0x2e, 1, 0x16]));
    }
}
