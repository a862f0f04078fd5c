//! Export suites (RFC 2246 40-bit, draft-ietf-tls-56-bit-ciphersuites-01 EXPORT1024) with RSA key
//! exchange, client and server engines in memory: the temporary-key path with a 2048-bit
//! certificate, the direct path with a 512-bit certificate, the version ceiling, the client's
//! checks of ServerKeyExchange, and that default configurations refuse them.

use std::sync::Arc;

use openschannel::crypto::sign::SigningKey;
use openschannel::engine::config::{Config, ServerIdentity, DEFAULT_VERSIONS};
use openschannel::engine::error::Error;
use openschannel::engine::{Connection, Opened, Step};
use openschannel::msgs::enums::ProtocolVersion as V;
use openschannel::suites::{self, CipherSuite, Export};
use openschannel::x509::{self, TrustStore};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
const SKE: u8 = 12;

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

fn export_suites() -> Vec<&'static CipherSuite> {
    let ids = [0x0064, 0x0062, 0x0003, 0x0006];
    ids.iter().map(|id| suites::by_id(*id).unwrap()).collect()
}

/// Client and server with `suites` and `versions`; the server's certificate is `cert`
/// ("server": RSA-2048 under ca.pem, "server-512": RSA-512 under export-ca.pem).
fn configs(suites: &[&'static CipherSuite], versions: &[V], cert: &str) -> (Config, Config) {
    let mut trust = TrustStore::empty();
    trust.add_pem_or_der(&read("ca.pem")).unwrap();
    trust.add_pem_or_der(&read("export-ca.pem")).unwrap();
    let trust = Arc::new(trust);
    let mut client = Config::new(trust.clone());
    client.suites = suites.to_vec();
    client.versions = versions.to_vec();
    let mut server = Config::new(trust);
    server.suites = suites.to_vec();
    server.versions = versions.to_vec();
    server.identities = vec![ServerIdentity {
        chain: x509::pem::certs_from_pem_or_der(&read(&format!("{cert}.pem"))).unwrap(),
        key: Arc::new(SigningKey::from_pem_or_der(&read(&format!("{cert}.key"))).unwrap()),
    }];
    (client, server)
}

/// Feeds a whole flight; Ok(established).
fn feed(conn: &mut Connection, mut bytes: &[u8]) -> Result<bool, Error> {
    while !bytes.is_empty() {
        match conn.process_handshake(bytes)? {
            Step::Continue { consumed } | Step::Done { consumed } => bytes = &bytes[consumed..],
            other => panic!("unexpected step {other:?}"),
        }
    }
    Ok(conn.is_established())
}

/// The handshake messages (type, body) in a plaintext flight.
fn messages(flight: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut hs = Vec::new();
    let mut at = 0;
    while at + 5 <= flight.len() {
        let len = usize::from(u16::from_be_bytes([flight[at + 3], flight[at + 4]]));
        if flight[at] == 22 {
            hs.extend_from_slice(&flight[at + 5..at + 5 + len]);
        }
        at += 5 + len;
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= hs.len() {
        let len = usize::from(hs[at + 1]) << 16 | usize::from(hs[at + 2]) << 8 | usize::from(hs[at + 3]);
        out.push((hs[at], hs[at + 4..at + 4 + len].to_vec()));
        at += 4 + len;
    }
    out
}

/// Runs a full handshake; returns (client, server, the server's first flight).
fn handshake(client: Config, server: Config) -> Result<(Connection, Connection, Vec<u8>), Error> {
    handshake_tampered(client, Arc::new(server), |_| {})
}

/// As [`handshake`], with `tamper` applied to the server's first flight.
fn handshake_tampered(
    client: Config,
    server: Arc<Config>,
    tamper: impl Fn(&mut Vec<u8>),
) -> Result<(Connection, Connection, Vec<u8>), Error> {
    let mut c = Connection::new_client(Arc::new(client), Some("localhost".into()));
    let mut s = Connection::new_server(server);
    c.start()?;
    feed(&mut s, &c.take_output())?;
    let mut flight = s.take_output();
    tamper(&mut flight);
    feed(&mut c, &flight)?;
    feed(&mut s, &c.take_output())?;
    assert!(feed(&mut c, &s.take_output())?);
    Ok((c, s, flight))
}

fn transfer(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    let mut wire = from.seal(data).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        match to.open(&mut wire[at..]).unwrap() {
            Opened::Data { plaintext, record_len } => {
                out.extend_from_slice(&wire[at + plaintext.start..at + plaintext.end]);
                at += record_len;
            }
            other => panic!("{other:?}"),
        }
    }
    out
}

fn check_connection(c: &mut Connection, s: &mut Connection, suite: &CipherSuite, version: V) {
    for conn in [&*c, &*s] {
        let info = conn.info().unwrap();
        assert_eq!((info.suite.id, info.version), (suite.id, version), "{}", suite.name);
    }
    assert_eq!(transfer(c, s, b"export grade"), b"export grade");
    assert_eq!(transfer(s, c, &[0x40; 16384]), vec![0x40; 16384]);
    let mut rec = c.seal(b"x").unwrap();
    let last = rec.len() - 1;
    rec[last] ^= 1;
    assert_eq!(s.open(&mut rec), Err(Error::BadRecordMac), "{}", suite.name);
}

#[test]
fn every_export_suite_with_a_2048_bit_certificate_uses_a_signed_temporary_key() {
    for suite in export_suites() {
        let limit = suite.export.max_kx_bits().unwrap();
        for version in [V::SSL3_0, V::TLS1_0] {
            let (cc, sc) = configs(&[suite], &[version], "server");
            let (mut c, mut s, flight) = handshake(cc, sc).unwrap();
            assert!(messages(&flight).iter().any(|(t, _)| *t == SKE), "{} sends ServerKeyExchange", suite.name);
            // Both sides report the temporary key's size as the exchange strength.
            assert_eq!(c.info().unwrap().kx_bits, Some(limit), "{}", suite.name);
            assert_eq!(s.info().unwrap().kx_bits, Some(limit), "{}", suite.name);
            check_connection(&mut c, &mut s, suite, version);
        }
    }
}

#[test]
fn a_512_bit_certificate_is_used_directly_without_server_key_exchange() {
    for suite in export_suites() {
        for version in [V::SSL3_0, V::TLS1_0] {
            let (cc, sc) = configs(&[suite], &[version], "server-512");
            let (mut c, mut s, flight) = handshake(cc, sc).unwrap();
            let types: Vec<u8> = messages(&flight).iter().map(|(t, _)| *t).collect();
            assert_eq!(types, vec![2, 11, 14], "{}: ServerHello, Certificate, ServerHelloDone", suite.name);
            assert_eq!(c.info().unwrap().kx_bits, None);
            check_connection(&mut c, &mut s, suite, version);
        }
    }
}

#[test]
fn the_temporary_key_is_made_once_per_server_credential() {
    let suite = suites::by_id(0x0003).unwrap();
    let (cc, sc) = configs(&[suite], &[V::TLS1_0], "server");
    let sc = Arc::new(sc);
    let ske = |cc: Config| {
        let (_, _, flight) = handshake_tampered(cc, sc.clone(), |_| {}).unwrap();
        let (_, body) = messages(&flight).into_iter().find(|(t, _)| *t == SKE).unwrap();
        let n = usize::from(u16::from_be_bytes([body[0], body[1]]));
        body[2..2 + n].to_vec()
    };
    let first = ske(cc.clone());
    assert_eq!(first.len(), 64, "a 512-bit modulus");
    assert_eq!(ske(cc.clone()), first, "the same key on the next handshake");
    let (_, other) = configs(&[suite], &[V::TLS1_0], "server");
    let (_, _, flight) = handshake(cc, other).unwrap();
    let (_, body) = messages(&flight).into_iter().find(|(t, _)| *t == SKE).unwrap();
    assert_ne!(body[2..66], first[..], "another credential has its own key");
}

#[test]
fn export_suites_are_never_negotiated_after_tls10() {
    for suite in export_suites() {
        assert_eq!(suite.max_version(), V::TLS1_0);
        let (cc, sc) = configs(&[suite], &[V::TLS1_2, V::TLS1_1], "server");
        assert_eq!(handshake(cc, sc).err(), Some(Error::HandshakeFailure("no cipher suite in common")), "{}", suite.name);
    }
    // A server that picks one at TLS 1.1 anyway (its ServerHello rewritten) is refused.
    let suite = suites::by_id(0x0006).unwrap();
    let (mut cc, sc) = configs(&[suite], &[V::TLS1_0], "server");
    cc.versions = vec![V::TLS1_1, V::TLS1_0];
    let to_tls11 = |f: &mut Vec<u8>| {
        assert_eq!((f[5], f[9], f[10]), (2, 3, 1), "ServerHello version at its start");
        f[10] = 2;
    };
    let err = handshake_tampered(cc, Arc::new(sc), to_tls11).err();
    assert_eq!(err, Some(Error::IllegalParameter("server chose a suite we did not offer")));
}

/// Offset of the cipher suite in a flight that starts with a ServerHello record.
fn server_hello_suite_at(flight: &[u8]) -> usize {
    let sid_len = usize::from(flight[5 + 4 + 2 + 32]);
    5 + 4 + 2 + 32 + 1 + sid_len
}

#[test]
fn the_client_refuses_a_temporary_key_over_the_export_limit() {
    // An EXPORT1024 server sends a 1024-bit temporary key; relabelled as a 40-bit suite, whose
    // limit is 512 bits, the client refuses it before looking at the signature.
    let (rc4_56, rc4_40) = (suites::by_id(0x0064).unwrap(), suites::by_id(0x0003).unwrap());
    let (cc, _) = configs(&[rc4_56, rc4_40], &[V::TLS1_0], "server");
    let (_, sc) = configs(&[rc4_56], &[V::TLS1_0], "server");
    let relabel = |f: &mut Vec<u8>| {
        let at = server_hello_suite_at(f);
        assert_eq!(f[at..at + 2], [0x00, 0x64]);
        f[at + 1] = 0x03;
    };
    let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    feed(&mut s, &c.take_output()).unwrap();
    let mut flight = s.take_output();
    relabel(&mut flight);
    assert_eq!(feed(&mut c, &flight), Err(Error::HandshakeFailure("temporary RSA key longer than the export limit")));
    assert_eq!(c.take_output(), [21, 3, 1, 0, 2, 2, 40], "fatal handshake_failure");
}

#[test]
fn a_server_that_skips_the_temporary_key_is_refused() {
    // The certificate key (2048 bits) is over the 512-bit limit: ServerKeyExchange is required;
    // a ServerHelloDone in its place is unexpected_message.
    let suite = suites::by_id(0x0003).unwrap();
    let (cc, sc) = configs(&[suite], &[V::TLS1_0], "server");
    let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    feed(&mut s, &c.take_output()).unwrap();
    let flight = s.take_output();
    let mut without = Vec::new();
    let mut at = 0;
    while at < flight.len() {
        let end = at + 5 + usize::from(u16::from_be_bytes([flight[at + 3], flight[at + 4]]));
        if flight[at + 5] != SKE {
            without.extend_from_slice(&flight[at..end]);
        }
        at = end;
    }
    assert!(without.len() < flight.len(), "the ServerKeyExchange record was removed");
    assert!(matches!(feed(&mut c, &without), Err(Error::UnexpectedMessage(_))));
    assert_eq!(c.take_output(), [21, 3, 1, 0, 2, 2, 10], "fatal unexpected_message");
}

#[test]
fn a_tampered_server_key_exchange_signature_is_decrypt_error() {
    for (version, alert) in [(V::TLS1_0, 51u8), (V::SSL3_0, 40u8)] {
        let suite = suites::by_id(0x0006).unwrap();
        let (cc, sc) = configs(&[suite], &[version], "server");
        let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
        let mut s = Connection::new_server(Arc::new(sc));
        c.start().unwrap();
        feed(&mut s, &c.take_output()).unwrap();
        let mut flight = s.take_output();
        // The ServerKeyExchange record is followed by a ServerHelloDone record (9 bytes): flip
        // the last signature byte.
        assert_eq!(flight[flight.len() - 9..], [22, 3, version.bytes()[1], 0, 4, 14, 0, 0, 0]);
        let at = flight.len() - 10;
        flight[at] ^= 1;
        assert_eq!(feed(&mut c, &flight), Err(Error::BadSignature));
        // SSL 3.0 has no decrypt_error: its alert is handshake_failure (RFC 6101 §5.4.2).
        assert_eq!(c.take_output(), [21, 3, version.bytes()[1], 0, 2, 2, alert]);
    }
}

#[test]
fn default_servers_refuse_an_export_only_client() {
    let (cc, _) = configs(&export_suites(), &[V::TLS1_0], "server");
    let (_, mut sc) = configs(&export_suites(), &[V::TLS1_0], "server");
    sc.suites = suites::defaults();
    sc.versions = DEFAULT_VERSIONS.to_vec();
    assert!(sc.suites.iter().all(|s| s.export == Export::None));
    let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    assert_eq!(feed(&mut s, &c.take_output()), Err(Error::HandshakeFailure("no cipher suite in common")));
    assert_eq!(s.take_output(), [21, 3, 1, 0, 2, 2, 40], "fatal handshake_failure");
}
