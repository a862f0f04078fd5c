//! Handshake messages (RFC 2246 §7.4, RFC 5246 §7.4) and the hello extensions we use
//! (server_name RFC 6066, supported_groups and ec_point_formats RFC 8422, signature_algorithms
//! RFC 5246, ALPN RFC 7301, extended_master_secret RFC 7627, renegotiation_info RFC 5746).
//! Unknown extensions are kept raw so they round-trip.

use super::codec::{put_prefixed, put_u16, put_u24, InvalidMessage, Prefix, Reader};
use super::enums::{HandshakeType, ProtocolVersion};

/// Extension code points.
pub mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const ALPN: u16 = 16;
    pub const ENCRYPT_THEN_MAC: u16 = 22;
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    pub const SESSION_TICKET: u16 = 35;
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// A hello extension: type and raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub typ: u16,
    pub body: Vec<u8>,
}

impl Extension {
    /// server_name with one host_name entry (RFC 6066 §3).
    pub fn server_name(host: &str) -> Self {
        let mut body = Vec::new();
        put_prefixed(&mut body, Prefix::U16, |o| {
            o.push(0);
            put_prefixed(o, Prefix::U16, |o| o.extend_from_slice(host.as_bytes()));
        });
        Extension { typ: ext::SERVER_NAME, body }
    }
    /// renegotiation_info carrying `verify_data` (empty on an initial handshake, RFC 5746 §3.2).
    pub fn renegotiation_info(verify_data: &[u8]) -> Self {
        let mut body = Vec::new();
        put_prefixed(&mut body, Prefix::U8, |o| o.extend_from_slice(verify_data));
        Extension { typ: ext::RENEGOTIATION_INFO, body }
    }
    /// An extension with an empty body (extended_master_secret, a server's server_name ack).
    pub fn empty(typ: u16) -> Self {
        Extension { typ, body: Vec::new() }
    }
    /// A `u16` list behind a `u16` length: supported_groups, signature_algorithms.
    pub fn u16_list(typ: u16, values: &[u16]) -> Self {
        let mut body = Vec::new();
        put_prefixed(&mut body, Prefix::U16, |o| values.iter().for_each(|v| put_u16(o, *v)));
        Extension { typ, body }
    }
    /// ec_point_formats with only `uncompressed` (RFC 8422 §5.1.2).
    pub fn ec_point_formats() -> Self {
        Extension { typ: ext::EC_POINT_FORMATS, body: vec![1, 0] }
    }
    /// application_layer_protocol_negotiation: a list of non-empty names (RFC 7301 §3.1).
    pub fn alpn(protocols: &[Vec<u8>]) -> Self {
        let mut body = Vec::new();
        put_prefixed(&mut body, Prefix::U16, |o| {
            for p in protocols {
                put_prefixed(o, Prefix::U8, |o| o.extend_from_slice(p));
            }
        });
        Extension { typ: ext::ALPN, body }
    }
    /// The values of a `u16` list extension; an empty or odd-length list is illegal.
    pub fn parse_u16_list(body: &[u8]) -> Result<Vec<u16>, InvalidMessage> {
        let mut r = Reader::new(body);
        let list = r.vec_u16()?;
        r.expect_empty()?;
        if list.is_empty() || list.len() % 2 != 0 {
            return Err(InvalidMessage::IllegalValue);
        }
        Ok(list.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect())
    }
    /// The protocol names of an ALPN body; empty names and empty lists are illegal.
    pub fn parse_alpn(body: &[u8]) -> Result<Vec<Vec<u8>>, InvalidMessage> {
        let mut r = Reader::new(body);
        let mut list = Reader::new(r.vec_u16()?);
        r.expect_empty()?;
        let mut out = Vec::new();
        while list.any_left() {
            let name = list.vec_u8()?;
            if name.is_empty() {
                return Err(InvalidMessage::IllegalValue);
            }
            out.push(name.to_vec());
        }
        if out.is_empty() {
            return Err(InvalidMessage::IllegalValue);
        }
        Ok(out)
    }
    /// Whether an ec_point_formats body lists `uncompressed`, which every peer must support.
    pub fn parse_point_formats(body: &[u8]) -> Result<bool, InvalidMessage> {
        let mut r = Reader::new(body);
        let list = r.vec_u8()?;
        r.expect_empty()?;
        Ok(list.contains(&0))
    }
    /// The `renegotiated_connection` field of a renegotiation_info body.
    pub fn parse_renegotiation_info(body: &[u8]) -> Result<&[u8], InvalidMessage> {
        let mut r = Reader::new(body);
        let v = r.vec_u8()?;
        r.expect_empty()?;
        Ok(v)
    }
    /// The first host_name in a server_name body.
    pub fn parse_server_name(body: &[u8]) -> Result<Option<String>, InvalidMessage> {
        let mut r = Reader::new(body);
        let mut list = Reader::new(r.vec_u16()?);
        r.expect_empty()?;
        while list.any_left() {
            let kind = list.u8()?;
            let name = list.vec_u16()?;
            if kind == 0 {
                let s = core::str::from_utf8(name).map_err(|_| InvalidMessage::IllegalValue)?;
                return Ok(Some(s.to_owned()));
            }
        }
        Ok(None)
    }
}

/// Most extensions a hello may carry (real clients send about 20). Without it a 64 KiB list of
/// 16,383 empty extensions would cost the duplicate check 134 million comparisons.
pub const MAX_EXTENSIONS: usize = 128;

fn read_extensions(r: &mut Reader<'_>) -> Result<Vec<Extension>, InvalidMessage> {
    let mut out = Vec::new();
    if !r.any_left() {
        return Ok(out); // extensions are optional (RFC 2246 §7.4.1.2 "forward compatibility")
    }
    let mut list = Reader::new(r.vec_u16()?);
    while list.any_left() {
        if out.len() == MAX_EXTENSIONS {
            return Err(InvalidMessage::IllegalValue);
        }
        let typ = list.u16()?;
        let body = list.vec_u16()?.to_vec();
        if out.iter().any(|e: &Extension| e.typ == typ) {
            return Err(InvalidMessage::IllegalValue); // RFC 5246 §7.4.1.4: no duplicates
        }
        out.push(Extension { typ, body });
    }
    Ok(out)
}

fn write_extensions(out: &mut Vec<u8>, exts: &[Extension]) {
    if exts.is_empty() {
        return;
    }
    put_prefixed(out, Prefix::U16, |o| {
        for e in exts {
            put_u16(o, e.typ);
            put_prefixed(o, Prefix::U16, |o| o.extend_from_slice(&e.body));
        }
    });
}

/// ClientHello (RFC 2246 §7.4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub version: ProtocolVersion,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    pub extensions: Vec<Extension>,
}

impl ClientHello {
    pub fn read(body: &[u8]) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(body);
        let version = ProtocolVersion(r.u16()?);
        let random = r.take(32)?.try_into().map_err(|_| InvalidMessage::Truncated)?;
        let session_id = r.vec_u8()?.to_vec();
        if session_id.len() > 32 {
            return Err(InvalidMessage::IllegalValue);
        }
        let suites = r.vec_u16()?;
        if suites.is_empty() || suites.len() % 2 != 0 {
            return Err(InvalidMessage::IllegalValue);
        }
        let cipher_suites = suites.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        let compression_methods = r.vec_u8()?.to_vec();
        if compression_methods.is_empty() {
            return Err(InvalidMessage::IllegalValue);
        }
        let extensions = read_extensions(&mut r)?;
        r.expect_empty()?;
        Ok(ClientHello { version, random, session_id, cipher_suites, compression_methods, extensions })
    }
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.version.0);
        out.extend_from_slice(&self.random);
        put_prefixed(out, Prefix::U8, |o| o.extend_from_slice(&self.session_id));
        put_prefixed(out, Prefix::U16, |o| self.cipher_suites.iter().for_each(|s| put_u16(o, *s)));
        put_prefixed(out, Prefix::U8, |o| o.extend_from_slice(&self.compression_methods));
        write_extensions(out, &self.extensions);
    }
    pub fn extension(&self, typ: u16) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.typ == typ)
    }
}

/// ServerHello (RFC 2246 §7.4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    pub version: ProtocolVersion,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suite: u16,
    pub compression_method: u8,
    pub extensions: Vec<Extension>,
}

impl ServerHello {
    pub fn read(body: &[u8]) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(body);
        let version = ProtocolVersion(r.u16()?);
        let random = r.take(32)?.try_into().map_err(|_| InvalidMessage::Truncated)?;
        let session_id = r.vec_u8()?.to_vec();
        if session_id.len() > 32 {
            return Err(InvalidMessage::IllegalValue);
        }
        let cipher_suite = r.u16()?;
        let compression_method = r.u8()?;
        let extensions = read_extensions(&mut r)?;
        r.expect_empty()?;
        Ok(ServerHello { version, random, session_id, cipher_suite, compression_method, extensions })
    }
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.version.0);
        out.extend_from_slice(&self.random);
        put_prefixed(out, Prefix::U8, |o| o.extend_from_slice(&self.session_id));
        put_u16(out, self.cipher_suite);
        out.push(self.compression_method);
        write_extensions(out, &self.extensions);
    }
    pub fn extension(&self, typ: u16) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.typ == typ)
    }
}

/// Most certificates a peer's Certificate message may hold: GnuTLS's default verification depth.
/// Real chains have 2 to 5; the message size (128 KiB) bounds the bytes, this the count, so tens
/// of thousands of tiny entries cannot each cost a certificate parse.
pub const MAX_PEER_CERTIFICATES: usize = 16;

/// Certificate: a list of DER certificates, sender's first (RFC 2246 §7.4.2), at most
/// [`MAX_PEER_CERTIFICATES`].
pub fn read_certificate_list(body: &[u8]) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    let mut r = Reader::new(body);
    let mut list = Reader::new(r.vec_u24()?);
    r.expect_empty()?;
    let mut certs = Vec::new();
    while list.any_left() {
        if certs.len() == MAX_PEER_CERTIFICATES {
            return Err(InvalidMessage::IllegalValue);
        }
        let c = list.vec_u24()?;
        if c.is_empty() {
            return Err(InvalidMessage::IllegalValue);
        }
        certs.push(c.to_vec());
    }
    Ok(certs)
}

pub fn encode_certificate_list(certs: &[Vec<u8>], out: &mut Vec<u8>) {
    put_prefixed(out, Prefix::U24, |o| {
        for c in certs {
            put_u24(o, c.len());
            o.extend_from_slice(c);
        }
    });
}

/// CertificateRequest (RFC 2246 §7.4.4; RFC 5246 §7.4.4 adds the signature algorithms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    pub certificate_types: Vec<u8>,
    /// TLS 1.2 only: SignatureAndHashAlgorithm code points the server accepts.
    pub signature_schemes: Vec<u16>,
    /// DER-encoded distinguished names of acceptable CAs (may be empty: any).
    pub authorities: Vec<Vec<u8>>,
}

/// ClientCertificateType values (RFC 5246 §7.4.4, RFC 8422 §5.5).
pub mod cert_type {
    pub const RSA_SIGN: u8 = 1;
    pub const ECDSA_SIGN: u8 = 64;
    /// RFC 2246 §7.4.4 dss_sign.
    pub const DSS_SIGN: u8 = 2;
}

impl CertificateRequest {
    pub fn read(body: &[u8], tls12: bool) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(body);
        let certificate_types = r.vec_u8()?.to_vec();
        if certificate_types.is_empty() {
            return Err(InvalidMessage::IllegalValue);
        }
        let mut signature_schemes = Vec::new();
        if tls12 {
            let list = r.vec_u16()?;
            if list.is_empty() || list.len() % 2 != 0 {
                return Err(InvalidMessage::IllegalValue);
            }
            signature_schemes = list.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        }
        let mut names = Reader::new(r.vec_u16()?);
        r.expect_empty()?;
        let mut authorities = Vec::new();
        while names.any_left() {
            authorities.push(names.vec_u16()?.to_vec());
        }
        Ok(CertificateRequest { certificate_types, signature_schemes, authorities })
    }

    pub fn encode(&self, tls12: bool, out: &mut Vec<u8>) {
        put_prefixed(out, Prefix::U8, |o| o.extend_from_slice(&self.certificate_types));
        if tls12 {
            put_prefixed(out, Prefix::U16, |o| self.signature_schemes.iter().for_each(|s| put_u16(o, *s)));
        }
        put_prefixed(out, Prefix::U16, |o| {
            for a in &self.authorities {
                put_prefixed(o, Prefix::U16, |o| o.extend_from_slice(a));
            }
        });
    }
}

/// digitally-signed: TLS 1.2 carries the scheme before the signature (RFC 5246 §4.7); earlier
/// versions only the signature. Used by CertificateVerify.
pub fn read_digitally_signed(body: &[u8], tls12: bool) -> Result<(Option<u16>, &[u8]), InvalidMessage> {
    let mut r = Reader::new(body);
    let scheme = if tls12 { Some(r.u16()?) } else { None };
    let sig = r.vec_u16()?;
    r.expect_empty()?;
    Ok((scheme, sig))
}

pub fn encode_digitally_signed(scheme: Option<u16>, sig: &[u8], out: &mut Vec<u8>) {
    if let Some(s) = scheme {
        put_u16(out, s);
    }
    put_prefixed(out, Prefix::U16, |o| o.extend_from_slice(sig));
}

/// NewSessionTicket (RFC 5077 §3.3): lifetime hint in seconds and the opaque ticket.
pub fn encode_new_session_ticket(lifetime_hint: u32, ticket: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&lifetime_hint.to_be_bytes());
    put_prefixed(out, Prefix::U16, |o| o.extend_from_slice(ticket));
}

/// The ticket of a NewSessionTicket body (the lifetime hint is advisory and ignored).
pub fn read_new_session_ticket(body: &[u8]) -> Result<&[u8], InvalidMessage> {
    let mut r = Reader::new(body);
    r.take(4)?;
    let ticket = r.vec_u16()?;
    r.expect_empty()?;
    Ok(ticket)
}

/// RSA ClientKeyExchange: TLS carries the encrypted premaster behind a u16 length (RFC 2246 §7.4.7.1).
pub fn read_rsa_client_key_exchange(body: &[u8]) -> Result<&[u8], InvalidMessage> {
    let mut r = Reader::new(body);
    let v = r.vec_u16()?;
    r.expect_empty()?;
    Ok(v)
}

/// Frames a handshake message: type, u24 length, body.
pub fn frame(typ: HandshakeType, body: &[u8], out: &mut Vec<u8>) {
    out.push(typ as u8);
    put_u24(out, body.len());
    out.extend_from_slice(body);
}

/// Splits a complete handshake message header: (type byte, body length).
pub fn peek_header(buf: &[u8]) -> Option<(u8, usize)> {
    let h = buf.get(..4)?;
    Some((h[0], (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_client_hello() -> ClientHello {
        ClientHello {
            version: ProtocolVersion::TLS1_0,
            random: [7; 32],
            session_id: vec![],
            cipher_suites: vec![0x002f, 0x00ff],
            compression_methods: vec![0],
            extensions: vec![Extension::server_name("example.com"), Extension::renegotiation_info(&[])],
        }
    }

    #[test]
    fn client_hello_round_trip_and_truncation() {
        let ch = sample_client_hello();
        let mut out = Vec::new();
        ch.encode(&mut out);
        assert_eq!(ClientHello::read(&out).unwrap(), ch);
        let mut bare = ch.clone();
        bare.extensions.clear();
        let mut bare_out = Vec::new();
        bare.encode(&mut bare_out);
        for n in 0..out.len() {
            // The only prefix that parses is the hello without its (optional) extension block.
            assert_eq!(ClientHello::read(&out[..n]).is_ok(), n == bare_out.len(), "prefix {n}");
        }
        let mut trailing = out.clone();
        trailing.push(0);
        assert!(ClientHello::read(&trailing).is_err());
        let sni = ch.extension(ext::SERVER_NAME).unwrap();
        assert_eq!(Extension::parse_server_name(&sni.body).unwrap().as_deref(), Some("example.com"));
    }

    #[test]
    fn list_extensions_round_trip_and_reject_empty() {
        let e = Extension::u16_list(ext::SUPPORTED_GROUPS, &[29, 23]);
        assert_eq!(Extension::parse_u16_list(&e.body).unwrap(), vec![29, 23]);
        assert!(Extension::parse_u16_list(&[0, 0]).is_err());
        assert!(Extension::parse_u16_list(&[0, 3, 0, 1, 2]).is_err());
        let a = Extension::alpn(&[b"h2".to_vec(), b"http/1.1".to_vec()]);
        assert_eq!(Extension::parse_alpn(&a.body).unwrap(), vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
        assert!(Extension::parse_alpn(&[0, 1, 0]).is_err(), "empty protocol name");
        assert!(Extension::parse_alpn(&[0, 0]).is_err(), "empty list");
        assert!(Extension::parse_point_formats(&Extension::ec_point_formats().body).unwrap());
        assert!(!Extension::parse_point_formats(&[1, 1]).unwrap());
    }

    #[test]
    fn duplicate_extensions_rejected() {
        let mut ch = sample_client_hello();
        ch.extensions.push(Extension::renegotiation_info(&[]));
        let mut out = Vec::new();
        ch.encode(&mut out);
        assert_eq!(ClientHello::read(&out), Err(InvalidMessage::IllegalValue));
    }

    #[test]
    fn at_most_max_extensions() {
        let with = |n: usize| {
            let mut ch = sample_client_hello();
            ch.extensions = (0..n).map(|i| Extension { typ: 0x1000 + i as u16, body: Vec::new() }).collect();
            let mut out = Vec::new();
            ch.encode(&mut out);
            ClientHello::read(&out)
        };
        assert_eq!(with(MAX_EXTENSIONS).unwrap().extensions.len(), MAX_EXTENSIONS);
        assert_eq!(with(MAX_EXTENSIONS + 1), Err(InvalidMessage::IllegalValue));
        // The most a 64 KiB list can hold (16,383 empty extensions) is refused too.
        assert_eq!(with(16_383), Err(InvalidMessage::IllegalValue));
    }

    #[test]
    fn at_most_max_peer_certificates() {
        let list = |n: usize| {
            let mut out = Vec::new();
            encode_certificate_list(&vec![vec![0x30, 0]; n], &mut out);
            read_certificate_list(&out)
        };
        assert_eq!(list(MAX_PEER_CERTIFICATES).unwrap().len(), MAX_PEER_CERTIFICATES);
        assert_eq!(list(MAX_PEER_CERTIFICATES + 1), Err(InvalidMessage::IllegalValue));
        assert_eq!(list(20_000), Err(InvalidMessage::IllegalValue));
    }

    #[test]
    fn server_hello_round_trip() {
        let sh = ServerHello {
            version: ProtocolVersion::TLS1_0,
            random: [1; 32],
            session_id: vec![9; 32],
            cipher_suite: 0x0035,
            compression_method: 0,
            extensions: vec![Extension::renegotiation_info(&[])],
        };
        let mut out = Vec::new();
        sh.encode(&mut out);
        assert_eq!(ServerHello::read(&out).unwrap(), sh);
        assert!(ServerHello::read(&out[..out.len() - 1]).is_err());
    }

    #[test]
    fn certificate_request_round_trip_both_versions() {
        for tls12 in [false, true] {
            let cr = CertificateRequest {
                certificate_types: vec![cert_type::RSA_SIGN, cert_type::ECDSA_SIGN],
                signature_schemes: if tls12 { vec![0x0401, 0x0403] } else { vec![] },
                authorities: vec![vec![0x30, 0], vec![0x30, 3, 1, 2, 3]],
            };
            let mut out = Vec::new();
            cr.encode(tls12, &mut out);
            assert_eq!(CertificateRequest::read(&out, tls12).unwrap(), cr);
            assert!(CertificateRequest::read(&out, !tls12).is_err(), "the layouts differ");
            for n in 0..out.len() {
                assert!(CertificateRequest::read(&out[..n], tls12).is_err());
            }
        }
        let mut out = Vec::new();
        encode_digitally_signed(Some(0x0804), &[9; 5], &mut out);
        assert_eq!(read_digitally_signed(&out, true).unwrap(), (Some(0x0804), &[9u8; 5][..]));
        assert!(read_digitally_signed(&out, false).is_err());
    }

    #[test]
    fn certificate_list_round_trip() {
        let certs = vec![vec![1, 2, 3], vec![4; 300]];
        let mut out = Vec::new();
        encode_certificate_list(&certs, &mut out);
        assert_eq!(read_certificate_list(&out).unwrap(), certs);
        assert!(read_certificate_list(&out[..out.len() - 1]).is_err());
    }
}
