//! Client and server engines talking in memory through the safe Rust API, for every suite.

mod common;

use std::sync::Arc;

use common::{configs, feed, handshake, handshake_versions, read, transfer, transfer_records};
use openschannel::engine::config::Config;
use openschannel::engine::error::Error;
use openschannel::engine::{Connection, Opened, Step, MAX_HANDSHAKE_MESSAGE};
use openschannel::msgs::enums::ProtocolVersion;
use openschannel::suites::{self, CipherSuite};
use openschannel::x509::{self, CertError, TrustStore};

/// Length of one record carrying `n` bytes with `suite`'s block cipher: MAC-then-encrypt pads
/// data + MAC; encrypt-then-MAC (RFC 7366, on by default) pads the data and appends the MAC.
fn cbc_len(suite: &CipherSuite, n: usize, explicit_iv: bool, etm: bool) -> usize {
    let (bl, m) = (suite.bulk.block_len(), suite.mac.output_len());
    let iv = if explicit_iv { bl } else { 0 };
    5 + iv + if etm { (n / bl + 1) * bl + m } else { (n + m + 1).div_ceil(bl) * bl }
}

fn aes128_sha() -> &'static CipherSuite {
    suites::by_id(0x002F).unwrap()
}

fn aes256_sha() -> &'static CipherSuite {
    suites::by_id(0x0035).unwrap()
}

#[test]
fn every_suite_handshakes_and_transfers_both_ways() {
    for suite in suites::SUITES {
        for chunk in [1, 7, usize::MAX] {
            let (mut c, mut s) = handshake(suite, chunk);
            assert_eq!(c.info().unwrap().suite.id, suite.id);
            assert!(c.info().unwrap().secure_renegotiation);
            assert_eq!(transfer(&mut c, &mut s, b"ping"), b"ping");
            assert_eq!(transfer(&mut s, &mut c, &[0x42; 16384]), vec![0x42; 16384]);
            assert_eq!(transfer(&mut c, &mut s, b""), b"");
        }
    }
}

#[test]
fn close_notify_is_reported_once() {
    let (mut c, mut s) = handshake(aes128_sha(), usize::MAX);
    let mut rec = c.close_notify();
    assert!(matches!(s.open(&mut rec).unwrap(), Opened::Closed { .. }));
    assert_eq!(c.seal(b"x"), Err(Error::ContextExpired));
}

#[test]
fn tampered_record_is_bad_record_mac_with_alert() {
    let (mut c, mut s) = handshake(aes128_sha(), usize::MAX);
    let mut rec = c.seal(b"h").unwrap();
    let last = rec.len() - 1;
    rec[last] ^= 1;
    assert_eq!(s.open(&mut rec), Err(Error::BadRecordMac));
    let alert = s.take_output();
    assert_eq!(alert.len(), cbc_len(aes128_sha(), 2, false, true), "one encrypted alert record");
    // The peer reads the alert as fatal bad_record_mac.
    let mut alert = alert;
    assert_eq!(c.open(&mut alert), Err(Error::AlertReceived(openschannel::msgs::enums::AlertDescription::BadRecordMac)));
}

/// The (client, server) pair for a suite with record splitting set as given on both ends.
fn handshake_splitting(suite: &'static CipherSuite, split: bool) -> (Connection, Connection) {
    let (cc, sc) = configs(suite);
    let set = |c: Arc<Config>| {
        let mut c = (*c).clone();
        c.record_splitting = split;
        Arc::new(c)
    };
    let (cc, sc) = (set(cc), set(sc));
    let mut client = Connection::new_client(cc, Some("localhost".into()));
    let mut server = Connection::new_server(sc);
    client.start().unwrap();
    feed(&mut server, &client.take_output(), usize::MAX).unwrap();
    let f = server.take_output();
    feed(&mut client, &f, usize::MAX).unwrap();
    let f = client.take_output();
    feed(&mut server, &f, usize::MAX).unwrap();
    let f = server.take_output();
    feed(&mut client, &f, usize::MAX).unwrap();
    (client, server)
}

#[test]
fn cbc_writes_are_split_one_and_n_minus_one() {
    for suite in suites::SUITES.iter().filter(|s| s.bulk.block_len() > 0 && s.min_version == ProtocolVersion::TLS1_0) {
        let (mut c, mut s) = handshake_splitting(suite, true);
        let (data, sizes) = transfer_records(&mut c, &mut s, b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(data, b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(sizes, vec![cbc_len(suite, 1, false, true), cbc_len(suite, 17, false, true)], "{}", suite.name);
        // Both directions, and everything after the first header fits data + trailer.
        let (_, sizes) = transfer_records(&mut s, &mut c, &[7u8; 16384]);
        assert_eq!(sizes.len(), 2);
        assert!(sizes.iter().sum::<usize>() - 5 <= 16384 + s.max_trailer());
        // A single byte and an empty write are one record.
        assert_eq!(transfer_records(&mut c, &mut s, b"x").1.len(), 1);
        assert_eq!(transfer_records(&mut c, &mut s, b"").1.len(), 1);
    }
}

#[test]
fn no_split_for_stream_ciphers_or_when_switched_off() {
    for suite in suites::SUITES.iter().filter(|s| s.min_version == ProtocolVersion::TLS1_0) {
        let split = suite.bulk.block_len() > 0;
        let (mut c, mut s) = handshake_splitting(suite, false);
        assert!(!c.splits_records());
        assert_eq!(transfer_records(&mut c, &mut s, b"hello world").1.len(), 1, "{} switched off", suite.name);
        let (mut c, mut s) = handshake_splitting(suite, true);
        assert_eq!(c.splits_records(), split);
        assert_eq!(transfer_records(&mut c, &mut s, b"hello world").1.len(), if split { 2 } else { 1 }, "{}", suite.name);
        assert_eq!(c.max_trailer(), if split { 5 + 2 * (suite.mac.output_len() + suite.bulk.block_len()) } else { suite.mac.output_len() });
    }
}

#[test]
fn untrusted_and_misnamed_servers_are_rejected_with_alerts() {
    let suite = aes128_sha();
    let (_, sc) = configs(suite);
    // Client trusting nothing.
    let mut cfg = Config::new(Arc::new(TrustStore::empty()));
    cfg.suites = vec![suite];
    for (cfg, name, want) in
        [(Arc::new(cfg), "localhost", CertError::UnknownIssuer), (configs(suite).0, "wrong.example", CertError::NameMismatch)]
    {
        let mut client = Connection::new_client(cfg, Some(name.into()));
        let mut server = Connection::new_server(sc.clone());
        client.start().unwrap();
        feed(&mut server, &client.take_output(), usize::MAX).unwrap();
        let flight = server.take_output();
        assert_eq!(feed(&mut client, &flight, usize::MAX), Err(Error::Certificate(want)));
        let alert = client.take_output();
        let expect = Error::Certificate(want).alert().unwrap() as u8;
        assert_eq!(alert, [21, 3, 1, 0, 2, 2, expect]);
    }
}

#[test]
fn server_rejects_garbage_and_wrong_suites() {
    let (_, sc) = configs(aes128_sha());
    let mut server = Connection::new_server(sc.clone());
    assert_eq!(server.process_handshake(b"GET / HTTP/1.1\r\n\r\n"), Err(Error::NotTls));
    assert!(server.take_output().is_empty(), "no alert to a non-TLS peer");
    // A client offering only a suite the server does not have.
    let (cc, _) = configs(aes256_sha());
    let mut client = Connection::new_client(cc, None);
    client.start().unwrap();
    let mut server = Connection::new_server(sc);
    assert!(matches!(server.process_handshake(&client.take_output()), Err(Error::HandshakeFailure(_))));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 40]);
}

#[test]
fn a_server_demanding_more_strength_sends_insufficient_security() {
    let des = openschannel::suites::by_name("TLS_RSA_WITH_DES_CBC_SHA").unwrap();
    let (cc, sc) = configs(des);
    let mut strict = (*sc).clone();
    strict.suites = vec![aes128_sha()];
    strict.too_weak = vec![des];
    let mut client = Connection::new_client(cc.clone(), None);
    client.start().unwrap();
    let mut server = Connection::new_server(Arc::new(strict));
    assert_eq!(server.process_handshake(&client.take_output()), Err(Error::InsufficientSecurity));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 71]);
    // Without the minimum, the same offer is only a suite mismatch.
    let mut plain = (*sc).clone();
    plain.suites = vec![aes128_sha()];
    let mut client = Connection::new_client(cc, None);
    client.start().unwrap();
    let mut server = Connection::new_server(Arc::new(plain));
    assert!(matches!(server.process_handshake(&client.take_output()), Err(Error::HandshakeFailure(_))));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 40]);
}

/// Runs a handshake up to the client's second flight and returns it with both ends.
fn up_to_client_flight() -> (Connection, Connection, Vec<u8>) {
    let (cc, sc) = configs(aes128_sha());
    let mut client = Connection::new_client(cc, Some("localhost".into()));
    let mut server = Connection::new_server(sc);
    client.start().unwrap();
    feed(&mut server, &client.take_output(), usize::MAX).unwrap();
    let flight = server.take_output();
    feed(&mut client, &flight, usize::MAX).unwrap();
    let flight = client.take_output();
    (client, server, flight)
}

#[test]
fn corrupted_premaster_fails_like_any_wrong_key() {
    // Bleichenbacher defence (RFC 5246 §7.4.7.1): a bad RSA block must not be reported at
    // ClientKeyExchange; the server continues with a random premaster and the client's Finished
    // then fails its MAC, exactly as with a well-formed premaster the server cannot know.
    let (_, mut server, mut flight) = up_to_client_flight();
    // The first record is the ClientKeyExchange: header(5) + handshake header(4) + length(2) + RSA block.
    flight[5 + 4 + 2 + 10] ^= 0x55;
    assert_eq!(feed(&mut server, &flight, usize::MAX), Err(Error::BadRecordMac));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 20]);
}

#[test]
fn handshake_records_out_of_order_are_unexpected_message() {
    let (cc, sc) = configs(aes128_sha());
    let mut server = Connection::new_server(sc);
    // A ChangeCipherSpec before any hello.
    assert!(matches!(server.process_handshake(&[20, 3, 1, 0, 1, 1]), Err(Error::UnexpectedMessage(_))));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 10]);
    // Application data before the handshake.
    let mut server = Connection::new_server(configs(aes128_sha()).1);
    assert!(matches!(server.process_handshake(&[23, 3, 1, 0, 1, 0x41]), Err(Error::UnexpectedMessage(_))));
    // A ServerHello sent to a client that is waiting for ServerHello is fine; a second
    // ClientHello to a server that already answered one is not.
    let mut client = Connection::new_client(cc, None);
    client.start().unwrap();
    let hello = client.take_output();
    let mut server = Connection::new_server(configs(aes128_sha()).1);
    feed(&mut server, &hello, usize::MAX).unwrap();
    assert!(matches!(server.process_handshake(&hello), Err(Error::UnexpectedMessage(_))));
}

#[test]
fn oversized_records_are_record_overflow() {
    let (_, sc) = configs(aes128_sha());
    let mut server = Connection::new_server(sc);
    // Length field 2^14 + 2049: longer than any TLS 1.0 ciphertext.
    assert_eq!(server.process_handshake(&[22, 3, 1, 0x48, 0x01]), Err(Error::RecordOverflow));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 22]);
    // A plaintext handshake record over 2^14 bytes.
    let mut big = vec![22, 3, 1, 0x40, 0x01];
    big.extend(vec![0u8; 0x4001]);
    let mut server = Connection::new_server(configs(aes128_sha()).1);
    assert_eq!(server.process_handshake(&big), Err(Error::RecordOverflow));
}

#[test]
fn a_handshake_message_over_128_kib_is_refused_from_its_header() {
    let (_, sc) = configs(aes128_sha());
    // A record holding only a ClientHello header that announces `len` bytes: at the limit the
    // server waits for the rest; one byte over, it refuses before buffering anything.
    let header = |len: usize| [22, 3, 1, 0, 4, 1, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    let mut server = Connection::new_server(sc.clone());
    assert_eq!(server.process_handshake(&header(MAX_HANDSHAKE_MESSAGE)), Ok(Step::Continue { consumed: 9 }));
    let mut server = Connection::new_server(sc);
    assert!(matches!(server.process_handshake(&header(MAX_HANDSHAKE_MESSAGE + 1)), Err(Error::IllegalParameter(_))));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 47]);
}

#[test]
fn truncated_client_hello_is_decode_error() {
    let (_, sc) = configs(aes128_sha());
    let mut server = Connection::new_server(sc);
    // A ClientHello handshake header claiming 5 bytes of body that do not parse as a hello.
    let rec = [22, 3, 1, 0, 9, 1, 0, 0, 5, 3, 1, 0, 0, 0];
    assert!(matches!(server.process_handshake(&rec), Err(Error::Decode(_))));
    assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 50]);
}

#[test]
fn tls11_and_tls12_every_suite_with_explicit_ivs_and_no_split() {
    use openschannel::msgs::enums::ProtocolVersion as V;
    for version in [V::TLS1_1, V::TLS1_2] {
        for suite in suites::SUITES.iter().filter(|s| s.allows(version)) {
            let (mut c, mut s) = handshake_versions(suite, &[version, V::TLS1_0], &[version, V::TLS1_0]).unwrap();
            assert_eq!(c.info().unwrap().version, version);
            assert!(!c.splits_records(), "no 1/n-1 split after TLS 1.0");
            let (data, sizes) = transfer_records(&mut c, &mut s, b"hello over TLS 1.x");
            assert_eq!(data, b"hello over TLS 1.x");
            assert_eq!(sizes.len(), 1, "{}", suite.name);
            let bl = suite.bulk.block_len();
            let expect = if suite.bulk.is_aead() {
                // header + explicit nonce + data + tag
                5 + suite.bulk.explicit_nonce_len() + 18 + 16
            } else if bl > 0 {
                cbc_len(suite, 18, true, true)
            } else {
                5 + 18 + suite.mac.output_len()
            };
            assert_eq!(sizes[0], expect, "{} at {version:?}", suite.name);
            assert_eq!(transfer(&mut s, &mut c, &[9u8; 16384]), vec![9u8; 16384]);
        }
    }
}

#[test]
fn version_negotiation_picks_the_highest_common_version() {
    use openschannel::msgs::enums::ProtocolVersion as V;
    let (c, _) = handshake_versions(aes128_sha(), &[V::TLS1_1, V::TLS1_0], &[V::TLS1_0]).unwrap();
    assert_eq!(c.info().unwrap().version, V::TLS1_0);
    let (c, _) = handshake_versions(aes128_sha(), &[V::TLS1_0], &[V::TLS1_1, V::TLS1_0]).unwrap();
    assert_eq!(c.info().unwrap().version, V::TLS1_0);
    // A TLS 1.1-only server and a TLS 1.0-only client have nothing in common.
    assert_eq!(handshake_versions(aes128_sha(), &[V::TLS1_0], &[V::TLS1_1]).err(), Some(Error::ProtocolVersion));
}

#[test]
fn encrypt_then_mac_is_negotiated_for_cbc_only_when_both_want_it() {
    use openschannel::msgs::enums::ProtocolVersion as V;
    let suite = aes128_sha();
    for (client_etm, server_etm) in [(true, true), (true, false), (false, true)] {
        let (cc, sc) = configs(suite);
        let (mut cc, mut sc) = ((*cc).clone(), (*sc).clone());
        cc.encrypt_then_mac = client_etm;
        sc.encrypt_then_mac = server_etm;
        cc.versions = vec![V::TLS1_2, V::TLS1_0];
        sc.versions = vec![V::TLS1_2, V::TLS1_0];
        let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
        let mut s = Connection::new_server(Arc::new(sc));
        c.start().unwrap();
        feed(&mut s, &c.take_output(), usize::MAX).unwrap();
        let f = s.take_output();
        feed(&mut c, &f, usize::MAX).unwrap();
        let f = c.take_output();
        feed(&mut s, &f, usize::MAX).unwrap();
        let f = s.take_output();
        feed(&mut c, &f, usize::MAX).unwrap();
        let (data, sizes) = transfer_records(&mut c, &mut s, b"0123456789abcdef!");
        assert_eq!(data, b"0123456789abcdef!");
        let etm = client_etm && server_etm;
        assert_eq!(sizes, vec![cbc_len(suite, 17, true, etm)], "client {client_etm}, server {server_etm}");
        assert_eq!(transfer(&mut s, &mut c, &[5u8; 16384]), vec![5u8; 16384]);
    }
}

#[test]
fn ssl3_every_suite_it_allows_with_its_own_mac_and_finished() {
    use openschannel::msgs::enums::ProtocolVersion as V;
    let ssl3_suites: Vec<_> = suites::SUITES.iter().filter(|s| s.min_version == V::SSL3_0).collect();
    assert_eq!(
        ssl3_suites.len(),
        19,
        "RSA with AES, 3DES, RC4, DES, NULL and the export suites; DHE-DSS with AES, 3DES, DES and the export DES suites"
    );
    for suite in ssl3_suites {
        let (mut c, mut s) = handshake_versions(suite, &[V::SSL3_0], &[V::SSL3_0]).unwrap();
        assert_eq!(c.info().unwrap().version, V::SSL3_0);
        assert_eq!(s.info().unwrap().version, V::SSL3_0);
        assert_eq!(transfer(&mut c, &mut s, b"over SSL 3.0"), b"over SSL 3.0");
        assert_eq!(transfer(&mut s, &mut c, &[3u8; 16384]), vec![3u8; 16384]);
        // A tampered record fails its SSL 3.0 MAC (NULL suites: the MAC is all there is).
        let mut rec = c.seal(b"x").unwrap();
        let last = rec.len() - 1;
        rec[last] ^= 0x80;
        assert!(s.open(&mut rec).is_err(), "{}", suite.name);
    }
    // SSL 3.0 is never chosen unless enabled: a default server refuses an SSL 3.0-only client.
    let suite = aes128_sha();
    let (cc, sc) = configs(suite);
    let mut cc = (*cc).clone();
    cc.versions = vec![V::SSL3_0];
    let mut sc = (*sc).clone();
    sc.versions = openschannel::engine::config::DEFAULT_VERSIONS.to_vec();
    let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    assert_eq!(feed(&mut s, &c.take_output(), usize::MAX), Err(Error::ProtocolVersion));
    // The server speaks TLS only: its protocol_version alert in a TLS 1.0 record.
    assert_eq!(s.take_output(), [21, 3, 1, 0, 2, 2, 70]);
}

#[test]
fn des_is_never_negotiated_at_tls12() {
    use openschannel::msgs::enums::ProtocolVersion as V;
    let des = suites::by_id(0x0009).unwrap();
    // The server settles the version first (TLS 1.2) and then finds no suite it may use there.
    assert_eq!(handshake_versions(des, &[V::TLS1_2], &[V::TLS1_2]).err(), Some(Error::HandshakeFailure("no cipher suite in common")));
    let (c, _) = handshake_versions(des, &[V::TLS1_1, V::TLS1_0], &[V::TLS1_1]).unwrap();
    assert_eq!(c.info().unwrap().version, V::TLS1_1);
}

/// Bleichenbacher / ROBOT (issue 8): every kind of bad RSA premaster block must give the same
/// behaviour: accepted at ClientKeyExchange, and the same bad_record_mac alert when the
/// client's Finished arrives, exactly as a well-formed block carrying a premaster the client
/// did not use. Each variant is encrypted with the raw RSA operation and swapped into the
/// client's flight.
#[test]
fn every_bad_premaster_fails_at_finished_like_a_wrong_key() {
    use openschannel::crypto::rsa::public_encrypt_raw;
    let pubkey = x509::rsa_public_key_pkcs1(&x509::pem::certs_from_pem_or_der(&read("server.pem")).unwrap()[0]).unwrap();
    // EM = 00 02 PS 00 M (RFC 8017 §7.2.1) for a 2048-bit key, with M = version || 46 bytes.
    let block = |first: [u8; 2], ps_len: usize, separator: u8, version: [u8; 2], tail: usize| {
        let mut em = vec![first[0], first[1]];
        em.extend(std::iter::repeat_n(0x5a, ps_len));
        em.push(separator);
        em.extend_from_slice(&version);
        em.extend(std::iter::repeat_n(0x11, tail));
        assert_eq!(em.len(), 256);
        em
    };
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("well-formed, another premaster", block([0, 2], 205, 0, [3, 1], 46)),
        ("block type 1", block([0, 1], 205, 0, [3, 1], 46)),
        ("leading byte not zero", block([1, 2], 205, 0, [3, 1], 46)),
        ("no zero separator", block([0, 2], 205, 0x5a, [3, 1], 46)),
        ("premaster one byte long", block([0, 2], 204, 0, [3, 1], 47)),
        ("premaster one byte short", block([0, 2], 206, 0, [3, 1], 45)),
        ("padding shorter than 8 bytes", {
            let mut em = block([0, 2], 205, 0, [3, 1], 46);
            em[5] = 0; // a zero inside the first 8 padding bytes
            em
        }),
        ("wrong version (SSL 3.0)", block([0, 2], 205, 0, [3, 0], 46)),
        ("wrong version (TLS 1.2)", block([0, 2], 205, 0, [3, 3], 46)),
    ];
    for (name, em) in variants {
        let (_, mut server, mut flight) = up_to_client_flight();
        let encrypted = public_encrypt_raw(&pubkey, &em).unwrap();
        // The first record is the ClientKeyExchange: header(5) + handshake header(4) + length(2) + block.
        flight[5 + 4 + 2..5 + 4 + 2 + 256].copy_from_slice(&encrypted);
        assert_eq!(feed(&mut server, &flight, usize::MAX), Err(Error::BadRecordMac), "{name}");
        assert_eq!(server.take_output(), [21, 3, 1, 0, 2, 2, 20], "{name}: one alert, the same for every variant");
    }
    // Control: the untouched flight completes.
    let (_, mut server, flight) = up_to_client_flight();
    assert!(feed(&mut server, &flight, usize::MAX).is_ok());
}
