//! SSL 2.0 in memory: our client against our server for every cipher kind, fed whole or a byte
//! at a time; tampered, truncated and garbage records; the version-rollback padding (RFC 2246
//! E.2); and the TLS server's acceptance of an SSL 2.0-compatible CLIENT-HELLO (RFC 2246 E.1).

use std::sync::Arc;

use openschannel::engine::config::Config;
use openschannel::engine::error::Error;
use openschannel::engine::{Connection, Opened, Step};
use openschannel::msgs::codec::InvalidMessage;
use openschannel::msgs::enums::ProtocolVersion;
use openschannel::ssl2::hello::V2ClientHello;
use openschannel::ssl2::{self, Session};
use openschannel::suites::{self, Ssl2Kind};
use openschannel::x509::TrustStore;

mod common;
use common::{complete_full_handshake, feed, identity, read, transfer_records};

/// A server with the default protocols and suites and the RSA test identity.
fn default_server() -> Arc<Config> {
    let mut server = Config::new(Arc::new(TrustStore::empty()));
    server.identities = vec![identity("server")];
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

/// A client and a server with SSL 2.0 as their only protocol and `kind` as their only kind.
fn ssl2_configs(kind: &'static Ssl2Kind) -> (Arc<Config>, Arc<Config>) {
    let mut trust = TrustStore::empty();
    trust.add_pem_or_der(&read("ca.pem")).unwrap();
    let mut client = Config::new(Arc::new(trust));
    client.versions = vec![];
    client.ssl2 = true;
    client.ssl2_kinds = vec![kind];
    let mut server = (*default_server()).clone();
    server.versions = vec![];
    server.ssl2 = true;
    server.ssl2_kinds = vec![kind];
    (Arc::new(client), Arc::new(server))
}

fn ssl2_handshake(kind: &'static Ssl2Kind, chunk: usize) -> (Connection, Connection) {
    let (cc, sc) = ssl2_configs(kind);
    let mut client = Connection::new_client(cc, Some("localhost".into()));
    let mut server = Connection::new_server(sc);
    client.start().unwrap();
    let hello = client.take_output();
    assert_eq!(hello[2], ssl2::msg::CLIENT_HELLO);
    assert_eq!(&hello[3..5], &[0, 2], "a plain SSL 2.0 hello");
    complete_full_handshake(&mut client, &mut server, &hello, chunk);
    (client, server)
}

/// Seals `data` and opens every record it became (one in SSL 2.0; TLS 1.0 may split 1/n-1).
fn transfer(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    let (out, sizes) = transfer_records(from, to, data);
    assert!(sizes.len() == 1 || from.ssl2_kind().is_none(), "SSL 2.0 seals one record");
    out
}

#[test]
fn every_kind_handshakes_and_transfers_both_ways_whole_and_byte_at_a_time() {
    for kind in suites::SSL2_KINDS {
        for chunk in [1, 5, usize::MAX] {
            let (mut c, mut s) = ssl2_handshake(kind, chunk);
            assert_eq!(c.ssl2_kind().map(|k| k.id), Some(kind.id), "{}", kind.name);
            assert_eq!(s.ssl2_kind().map(|k| k.id), Some(kind.id));
            assert!(c.info().is_none(), "SSL 2.0 reports through ssl2_kind");
            assert_eq!(c.ssl2_session_id().map(<[u8]>::len), Some(16));
            assert_eq!(c.ssl2_session_id(), s.ssl2_session_id());
            assert_eq!(c.peer_certificates().len(), 1);
            assert_eq!(transfer(&mut c, &mut s, b"ping"), b"ping");
            let big = vec![0x42; c.max_data()];
            assert_eq!(transfer(&mut s, &mut c, &big), big);
            for n in 0..20 {
                let data: Vec<u8> = (0..n as u8).collect();
                assert_eq!(transfer(&mut c, &mut s, &data), data);
            }
            // Block kinds carry a 3-byte header (padding count) and up to a block less one of padding.
            let block = kind.block_len();
            assert_eq!(c.header_len(), if block == 0 { 2 } else { 3 } + 16);
            assert_eq!(c.max_trailer(), block.saturating_sub(1));
            // SSL 2.0 has no close_notify: closing sends nothing.
            assert!(c.close_notify().is_empty());
        }
    }
}

#[test]
fn tampered_records_fail_with_bad_record_mac() {
    for kind in suites::SSL2_KINDS {
        for at in [3, 10, 19, 25] {
            let (mut c, mut s) = ssl2_handshake(kind, usize::MAX);
            let mut rec = c.seal(b"0123456789abcdef").unwrap();
            rec[at] ^= 1;
            assert_eq!(s.open(&mut rec), Err(Error::BadRecordMac), "{} byte {at}", kind.name);
            // The context is unusable afterwards.
            let mut next = c.seal(b"next").unwrap();
            assert_eq!(s.open(&mut next), Err(Error::ContextExpired));
        }
        // A replayed record fails too: the sequence number is in the MAC.
        let (mut c, mut s) = ssl2_handshake(kind, usize::MAX);
        let mut first = c.seal(b"once").unwrap();
        let mut replay = first.clone();
        assert!(matches!(s.open(&mut first), Ok(Opened::Data { .. })));
        assert_eq!(s.open(&mut replay), Err(Error::BadRecordMac), "{}", kind.name);
    }
}

#[test]
fn partial_records_ask_for_the_missing_bytes() {
    let kind = suites::ssl2_by_name("SSL_CK_DES_192_EDE3_CBC_WITH_MD5").unwrap();
    let (mut c, mut s) = ssl2_handshake(kind, usize::MAX);
    let rec = c.seal(b"partial").unwrap();
    for n in 0..rec.len() {
        let mut part = rec[..n].to_vec();
        let needed = match s.open(&mut part).unwrap() {
            Opened::Incomplete { needed } => needed,
            other => panic!("{other:?}"),
        };
        assert!(needed > 0 && (n < 3 || n + needed == rec.len()), "prefix {n}: needed {needed}");
    }
    let mut whole = rec.clone();
    assert!(matches!(s.open(&mut whole), Ok(Opened::Data { .. })));
}

#[test]
fn malformed_client_master_keys_and_garbage_fail_without_panicking() {
    let kind = suites::ssl2_by_name("SSL_CK_RC4_128_WITH_MD5").unwrap();
    let (cc, sc) = ssl2_configs(kind);
    let start = || {
        let mut client = Connection::new_client(cc.clone(), Some("localhost".into()));
        let mut server = Connection::new_server(sc.clone());
        client.start().unwrap();
        assert!(!feed(&mut server, &client.take_output(), usize::MAX).unwrap());
        assert!(!feed(&mut client, &server.take_output(), usize::MAX).unwrap());
        (server, client.take_output())
    };
    // The client's flight: CLIENT-MASTER-KEY (clear, 2-byte header) then CLIENT-FINISHED.
    let (_, flight) = start();
    let cmk_len = 2 + ((usize::from(flight[0] & 0x7f) << 8) | usize::from(flight[1]));
    assert_eq!(flight[2], ssl2::msg::CLIENT_MASTER_KEY);
    // Every truncation of CLIENT-MASTER-KEY inside its record is a decode error.
    for cut in 3..cmk_len {
        let (mut server, flight) = start();
        let mut rec = flight[..cut].to_vec();
        let body = cut - 2;
        rec[0] = 0x80 | (body >> 8) as u8;
        rec[1] = body as u8;
        assert!(matches!(server.process_handshake(&rec), Err(Error::Decode(_))), "cut {cut}");
    }
    // A kind we did not offer, a clear-key length the kind forbids.
    for (at, v) in [(3, 0x02u8), (7, 5)] {
        let (mut server, mut flight) = start();
        flight[at] = v;
        assert!(matches!(server.process_handshake(&flight), Err(Error::IllegalParameter(_))), "byte {at}");
    }
    // A wrong RSA block: no oracle, the handshake fails at CLIENT-FINISHED like a wrong key.
    let (mut server, mut flight) = start();
    flight[2 + 10 + 5] ^= 0x40;
    assert_eq!(server.process_handshake(&flight), Err(Error::BadRecordMac));
    // Garbage where a message should be; messages out of order.
    let (mut server, _) = start();
    assert!(server.process_handshake(&[0x80, 3, 9, 9, 9]).is_err());
    let (mut server, _) = start();
    assert!(matches!(server.process_handshake(&[0x80, 1, ssl2::msg::CLIENT_FINISHED]), Err(Error::UnexpectedMessage(_))));
    let (mut server, _) = start();
    assert!(matches!(server.process_handshake(&[0x80, 1, 0]), Err(Error::Decode(_))), "ERROR without a code");
    // An ERROR message with NO-CIPHER-ERROR from the peer.
    let (mut server, _) = start();
    assert!(matches!(server.process_handshake(&[0x80, 3, 0, 0, 1]), Err(Error::AlertReceived(_))));
    // Deterministic pseudo-random garbage after the hello never panics.
    let mut x: u32 = 0x1234_5678;
    for _ in 0..200 {
        let (mut server, _) = start();
        let junk: Vec<u8> = (0..64)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let _ = server.process_handshake(&junk);
    }
}

#[test]
fn no_common_kind_answers_with_an_ssl2_no_cipher_error() {
    let rc4 = suites::ssl2_by_name("SSL_CK_RC4_128_WITH_MD5").unwrap();
    let des = suites::ssl2_by_name("SSL_CK_DES_64_CBC_WITH_MD5").unwrap();
    let (cc, _) = ssl2_configs(rc4);
    let (_, sc) = ssl2_configs(des);
    let mut client = Connection::new_client(cc, Some("localhost".into()));
    let mut server = Connection::new_server(sc);
    client.start().unwrap();
    let r = server.process_handshake(&client.take_output());
    assert!(matches!(r, Err(Error::HandshakeFailure(_))), "{r:?}");
    let out = server.take_output();
    assert_eq!(out, vec![0x80, 3, ssl2::msg::ERROR, 0, 1], "NO-CIPHER-ERROR, no TLS alert");
    let r = client.process_handshake(&out);
    assert!(matches!(r, Err(Error::AlertReceived(_))), "{r:?}");
}

#[test]
fn a_server_that_requires_a_client_certificate_refuses_ssl2_with_no_certificate_error() {
    // SSL 2.0 client authentication is not implemented, so such a client can never comply.
    let rc4 = suites::ssl2_by_name("SSL_CK_RC4_128_WITH_MD5").unwrap();
    let (cc, sc) = ssl2_configs(rc4);
    let mut strict = (*sc).clone();
    strict.require_client_cert = true;
    let mut client = Connection::new_client(cc, Some("localhost".into()));
    let mut server = Connection::new_server(Arc::new(strict));
    client.start().unwrap();
    let r = server.process_handshake(&client.take_output());
    assert_eq!(r, Err(Error::HandshakeFailure(ssl2::CLIENT_CERTIFICATE_REQUIRED)));
    assert_eq!(server.take_output(), vec![0x80, 3, ssl2::msg::ERROR, 0, 2], "NO-CERTIFICATE-ERROR");
    assert!(!server.is_established());
}

/// Runs a client [`Session`] (built directly, so that it may have TLS enabled beside SSL 2.0)
/// against `server`; returns the server's verdict on the client's flight.
fn session_vs_server(client_cfg: &Config, server: &mut Connection) -> Result<Step, Error> {
    let mut client = Session::new_client(client_cfg).unwrap();
    server.process_handshake(&client.take_output())?;
    let flight = server.take_output();
    client.process(&flight, client_cfg, Some("localhost")).unwrap();
    server.process_handshake(&client.take_output())
}

#[test]
fn rollback_padding_is_an_attack_only_when_the_server_speaks_tls_too() {
    let kind = suites::ssl2_by_name("SSL_CK_RC4_128_WITH_MD5").unwrap();
    let (cc, sc) = ssl2_configs(kind);
    // A client that speaks TLS 1.0 too pads its CLIENT-MASTER-KEY with eight 0x03 bytes.
    let mut rolled = (*cc).clone();
    rolled.versions = vec![ProtocolVersion::TLS1_0];
    // Our server with SSL 2.0 and TLS 1.0: the hello reached it as SSL 2.0, so it was rewritten.
    let mut both = (*sc).clone();
    both.versions = vec![ProtocolVersion::TLS1_0];
    let mut server = Connection::new_server(Arc::new(both.clone()));
    assert_eq!(session_vs_server(&rolled, &mut server), Err(Error::VersionRollback));
    // The same server with a client that speaks only SSL 2.0 (plain padding) completes.
    let mut server = Connection::new_server(Arc::new(both));
    assert!(matches!(session_vs_server(&cc, &mut server), Ok(Step::Done { .. })));
    // An SSL 2.0-only server cannot do better than SSL 2.0: the padding is no attack there.
    let mut server = Connection::new_server(sc);
    assert!(matches!(session_vs_server(&rolled, &mut server), Ok(Step::Done { .. })));
}

/// A client with SSL 2.0 and TLS 1.0 sends an SSL 2.0-compatible hello and follows whichever
/// protocol the server answers in; a rewritten hello is caught by a server that speaks both.
#[test]
fn client_with_ssl2_and_tls_sends_a_compatible_hello_and_follows_the_answer() {
    let kind = suites::ssl2_by_name("SSL_CK_RC2_128_CBC_WITH_MD5").unwrap();
    let (cc, sc) = ssl2_configs(kind);
    let mut both_client = (*cc).clone();
    both_client.versions = vec![ProtocolVersion::TLS1_0];
    let both_client = Arc::new(both_client);
    let tls_only = (*default_server()).clone();
    let mut both_server = (*sc).clone();
    both_server.versions = vec![ProtocolVersion::TLS1_0];
    // (server, expected protocol: true = SSL 2.0)
    for (server_cfg, ssl2_expected) in [(tls_only, false), ((*sc).clone(), true), (both_server.clone(), false)] {
        for chunk in [1, usize::MAX] {
            let mut client = Connection::new_client(both_client.clone(), Some("localhost".into()));
            let mut server = Connection::new_server(Arc::new(server_cfg.clone()));
            client.start().unwrap();
            let hello = client.take_output();
            assert!(hello[0] & 0x80 != 0 && hello[2] == ssl2::msg::CLIENT_HELLO && hello[3..5] == [3, 1]);
            assert_eq!(&hello[9..11], &[0, 32], "the challenge is the 32-byte client random");
            assert!(!feed(&mut server, &hello, chunk).unwrap());
            let mut established = false;
            for _ in 0..4 {
                let flight = server.take_output();
                if flight.is_empty() {
                    break;
                }
                established = feed(&mut client, &flight, chunk).unwrap();
                let flight = client.take_output();
                if !flight.is_empty() {
                    feed(&mut server, &flight, chunk).unwrap();
                }
            }
            assert!(established && server.is_established());
            assert_eq!(client.ssl2_kind().is_some(), ssl2_expected);
            if !ssl2_expected {
                assert_eq!(client.info().unwrap().version, ProtocolVersion::TLS1_0);
                assert!(client.info().unwrap().secure_renegotiation, "the SCSV among the kinds");
            }
            assert_eq!(transfer(&mut client, &mut server, b"after the compatible hello"), b"after the compatible hello");
        }
    }
    // A man in the middle sets the hello's version to SSL 2.0: the server (SSL 2.0 + TLS 1.0)
    // answers in SSL 2.0, the client follows with 0x03 padding, and the server refuses.
    let mut client = Connection::new_client(both_client, Some("localhost".into()));
    let mut server = Connection::new_server(Arc::new(both_server));
    client.start().unwrap();
    let mut hello = client.take_output();
    hello[3..5].copy_from_slice(&[0, 2]);
    assert!(!feed(&mut server, &hello, usize::MAX).unwrap());
    assert!(!feed(&mut client, &server.take_output(), usize::MAX).unwrap());
    assert_eq!(client.ssl2_kind().map(|k| k.id), Some(kind.id));
    assert_eq!(server.process_handshake(&client.take_output()), Err(Error::VersionRollback));
}
