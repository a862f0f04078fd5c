//! Helpers shared by the in-memory engine tests (`tests/engine.rs`, `tests/dss.rs`, `tests/ssl2.rs`, …): fixtures,
//! configurations with every server identity, and a caller-style handshake pump.
#![allow(dead_code)] // each test crate uses its own subset

use std::sync::Arc;

use openschannel::crypto::sign::SigningKey;
use openschannel::engine::config::{Config, ServerIdentity};
use openschannel::engine::error::Error;
use openschannel::engine::{Connection, Opened, Step};
use openschannel::msgs::enums::ProtocolVersion;
use openschannel::suites::CipherSuite;
use openschannel::x509::{self, TrustStore};

pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

pub fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

/// Client and server configurations with only `suite`, both at the suite's lowest TLS version
/// (TLS 1.0 for the suites of that era, TLS 1.2 for AEAD and SHA-2 suites; SSL 3.0 has its own
/// test).
pub fn configs(suite: &'static CipherSuite) -> (Arc<Config>, Arc<Config>) {
    let mut trust = TrustStore::empty();
    trust.add_pem_or_der(&read("ca.pem")).unwrap();
    // The DSA leaf has its own DSA root (tests/data/make-dsa.sh).
    trust.add_pem_or_der(&read("dsa-ca.pem")).unwrap();
    let trust = Arc::new(trust);
    let mut client = Config::new(trust.clone());
    client.suites = vec![suite];
    let version = suite.min_version.max(ProtocolVersion::TLS1_0);
    client.versions = vec![version];
    let mut server = Config::new(trust);
    server.suites = vec![suite];
    server.versions = vec![version];
    server.identities = ["server", "server-ecdsa", "server-dsa"].into_iter().map(identity).collect();
    (Arc::new(client), Arc::new(server))
}

/// The server identity of tests/data/`name`.pem with its key `name`.key.
pub fn identity(name: &str) -> ServerIdentity {
    ServerIdentity {
        chain: x509::pem::certs_from_pem_or_der(&read(&format!("{name}.pem"))).unwrap(),
        key: Arc::new(SigningKey::from_pem_or_der(&read(&format!("{name}.key"))).unwrap()),
    }
}

/// Feeds `bytes` to `conn` `chunk` bytes at a time, the way an SSPI caller would: keep
/// unconsumed bytes, append more only on Incomplete.
pub fn feed(conn: &mut Connection, bytes: &[u8], chunk: usize) -> Result<bool, Error> {
    let mut pending: Vec<u8> = Vec::new();
    let mut offered = 0;
    loop {
        if pending.is_empty() && offered == bytes.len() {
            return Ok(conn.is_established());
        }
        match conn.process_handshake(&pending)? {
            Step::Incomplete { needed } => {
                assert!(needed > 0);
                if offered == bytes.len() {
                    return Ok(false);
                }
                let n = chunk.min(bytes.len() - offered);
                pending.extend_from_slice(&bytes[offered..offered + n]);
                offered += n;
            }
            Step::Continue { consumed } => {
                pending.drain(..consumed);
            }
            Step::Done { consumed } => {
                pending.drain(..consumed);
                assert!(pending.is_empty() && offered == bytes.len(), "no application data expected here");
                return Ok(true);
            }
            Step::Declined { .. } => panic!("no renegotiation in these tests"),
            Step::NeedCredentials { .. } => panic!("no client authentication in these tests"),
        }
    }
}

pub fn handshake(suite: &'static CipherSuite, chunk: usize) -> (Connection, Connection) {
    let (cc, sc) = configs(suite);
    let mut client = Connection::new_client(cc, Some("localhost".into()));
    let mut server = Connection::new_server(sc);
    client.start().unwrap();
    let hello = client.take_output();
    complete_full_handshake(&mut client, &mut server, &hello, chunk);
    (client, server)
}

/// Runs a full handshake's four flights from the client's `hello` on, `chunk` bytes at a time,
/// asserting that each end is established exactly after its last flight.
pub fn complete_full_handshake(client: &mut Connection, server: &mut Connection, hello: &[u8], chunk: usize) {
    assert!(!feed(server, hello, chunk).unwrap());
    let flight = server.take_output();
    assert!(!feed(client, &flight, chunk).unwrap());
    let flight = client.take_output();
    assert!(feed(server, &flight, chunk).unwrap());
    let flight = server.take_output();
    assert!(feed(client, &flight, chunk).unwrap());
}

/// Seals `data`, opens every resulting record, and returns (plaintext, record sizes).
pub fn transfer_records(from: &mut Connection, to: &mut Connection, data: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut wire = from.seal(data).unwrap();
    let mut out = Vec::new();
    let mut sizes = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        match to.open(&mut wire[at..]).unwrap() {
            Opened::Data { plaintext, record_len } => {
                out.extend_from_slice(&wire[at + plaintext.start..at + plaintext.end]);
                sizes.push(record_len);
                at += record_len;
            }
            other => panic!("{other:?}"),
        }
    }
    (out, sizes)
}

pub fn transfer(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    transfer_records(from, to, data).0
}

/// A handshake with the given version lists on each side.
pub fn handshake_versions(
    suite: &'static CipherSuite,
    client: &[openschannel::msgs::enums::ProtocolVersion],
    server: &[openschannel::msgs::enums::ProtocolVersion],
) -> Result<(Connection, Connection), Error> {
    let (cc, sc) = configs(suite);
    let (mut cc, mut sc) = ((*cc).clone(), (*sc).clone());
    cc.versions = client.to_vec();
    sc.versions = server.to_vec();
    let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    c.start()?;
    feed(&mut s, &c.take_output(), usize::MAX)?;
    let f = s.take_output();
    feed(&mut c, &f, usize::MAX)?;
    let f = c.take_output();
    feed(&mut s, &f, usize::MAX)?;
    let f = s.take_output();
    feed(&mut c, &f, usize::MAX)?;
    Ok((c, s))
}

/// The handshake messages (offset in `flight`, whole message) of the plaintext handshake
/// records at the start of a flight, up to a ChangeCipherSpec. Messages do not span records
/// in our flights.
pub fn plaintext_handshake_messages(flight: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 5 <= flight.len() && flight[at] == 22 {
        let len = u16::from_be_bytes([flight[at + 3], flight[at + 4]]) as usize;
        let mut m = at + 5;
        while m < at + 5 + len {
            let body_len = u32::from_be_bytes([0, flight[m + 1], flight[m + 2], flight[m + 3]]) as usize;
            out.push((m, &flight[m..m + 4 + body_len]));
            m += 4 + body_len;
        }
        at += 5 + len;
    }
    out
}

/// The offset of the first handshake message of type `typ` in a flight's plaintext records.
pub fn find_message(flight: &[u8], typ: u8) -> Option<usize> {
    plaintext_handshake_messages(flight).into_iter().find(|(_, m)| m[0] == typ).map(|(at, _)| at)
}

/// Flips the last byte of the first handshake message of type `typ` in a flight (the low byte
/// of a signature: still well-formed, no longer valid).
pub fn flip_last_byte_of(flight: &mut [u8], typ: u8) {
    let (at, len) = plaintext_handshake_messages(flight)
        .into_iter()
        .find(|(_, m)| m[0] == typ)
        .map(|(at, m)| (at, m.len()))
        .unwrap_or_else(|| panic!("no handshake message of type {typ} in the flight"));
    flight[at + len - 1] ^= 0x01;
}
