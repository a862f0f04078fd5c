//! SSL 2.0 in memory: the TLS server's acceptance of an SSL 2.0-compatible CLIENT-HELLO
//! (RFC 2246 Appendix E.1).

use std::sync::Arc;

use openschannel::crypto::sign::SigningKey;
use openschannel::engine::config::{Config, ServerIdentity};
use openschannel::engine::error::Error;
use openschannel::engine::{Connection, Step};
use openschannel::msgs::codec::InvalidMessage;
use openschannel::msgs::enums::ProtocolVersion;
use openschannel::ssl2::hello::V2ClientHello;
use openschannel::x509::{self, TrustStore};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

/// A server with the default protocols and suites and the RSA test identity.
fn default_server() -> Arc<Config> {
    let mut server = Config::new(Arc::new(TrustStore::empty()));
    server.identities = vec![ServerIdentity {
        chain: x509::pem::certs_from_pem_or_der(&read("server.pem")).unwrap(),
        key: Arc::new(SigningKey::from_pem_or_der(&read("server.key")).unwrap()),
    }];
    Arc::new(server)
}

fn v2_hello(version: ProtocolVersion, specs: &[u32]) -> Vec<u8> {
    let hello = V2ClientHello { version, cipher_specs: specs.to_vec(), session_id: vec![], challenge: vec![0xAB; 32] };
    let mut msg = Vec::new();
    hello.encode(&mut msg);
    let mut rec = vec![0x80 | (msg.len() >> 8) as u8, msg.len() as u8];
    rec.extend_from_slice(&msg);
    rec
}

#[test]
fn v2_compatible_hello_offering_tls10_is_answered_with_a_tls10_server_hello() {
    let rec = v2_hello(ProtocolVersion::TLS1_0, &[0x0700C0, 0x00002F, 0x0000FF]);
    let mut server = Connection::new_server(default_server());
    // Byte at a time: every prefix is incomplete and consumes nothing.
    for n in 0..rec.len() {
        assert!(matches!(server.process_handshake(&rec[..n]), Ok(Step::Incomplete { .. })), "prefix {n}");
    }
    assert_eq!(server.process_handshake(&rec), Ok(Step::Continue { consumed: rec.len() }));
    let out = server.take_output();
    // Handshake record at TLS 1.0 carrying a ServerHello (2) at TLS 1.0.
    assert_eq!(&out[..3], &[0x16, 3, 1]);
    assert_eq!(out[5], 2);
    assert_eq!(&out[9..11], &[3, 1]);
    let info = server.info().unwrap();
    assert_eq!(info.version, ProtocolVersion::TLS1_0);
    assert_eq!(info.suite.id, 0x002F);
    // The SCSV among the kinds turned on secure renegotiation (RFC 5746 §3.6).
    assert!(info.secure_renegotiation);
}

#[test]
fn v2_compatible_hello_errors() {
    // Only SSL 2.0 kinds: no TLS suite in common.
    let mut s = Connection::new_server(default_server());
    let r = s.process_handshake(&v2_hello(ProtocolVersion::TLS1_0, &[0x010080, 0x0700C0]));
    assert!(matches!(r, Err(Error::HandshakeFailure(_))), "{r:?}");
    // An SSL 2.0-only hello at a server without SSL 2.0.
    let mut s = Connection::new_server(default_server());
    assert_eq!(s.process_handshake(&v2_hello(ProtocolVersion(0x0002), &[0x010080])), Err(Error::ProtocolVersion));
    // A challenge length outside 16..=32.
    let mut rec = v2_hello(ProtocolVersion::TLS1_0, &[0x00002F]);
    rec[10] = 40;
    let mut s = Connection::new_server(default_server());
    assert_eq!(s.process_handshake(&rec), Err(Error::Decode(InvalidMessage::IllegalValue)));
    // A record shorter than the lengths inside it.
    let mut rec = v2_hello(ProtocolVersion::TLS1_0, &[0x00002F]);
    rec[1] -= 1;
    rec.pop();
    let mut s = Connection::new_server(default_server());
    assert!(matches!(s.process_handshake(&rec), Err(Error::Decode(_))));
    // The failed connection stays failed.
    assert_eq!(s.process_handshake(&rec), Err(Error::ContextExpired));
}
