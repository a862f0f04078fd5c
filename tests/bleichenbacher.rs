//! Bleichenbacher/ROBOT for the legacy key exchanges (issue 8 item 3): every kind of bad RSA
//! block gets the same answer at the same point as a well-formed block holding a secret the
//! server cannot know. Covered here: SSL 3.0's ClientKeyExchange (no length prefix), the export
//! suites' temporary 512- and 1024-bit keys, a 512-bit certificate used directly, and SSL 2.0's
//! CLIENT-MASTER-KEY (clear and export kinds; also on a server that speaks TLS too and so checks
//! the padding for a version rollback). TLS 1.0 with a 2048-bit key is in
//! `tests/engine.rs::every_bad_premaster_fails_at_finished_like_a_wrong_key`.

mod common;

use std::sync::Arc;

use der::Encode;
use openschannel::crypto::rsa::public_encrypt_raw;
use openschannel::engine::config::Config;
use openschannel::engine::error::Error;
use openschannel::engine::{Connection, Step};
use openschannel::msgs::enums::ProtocolVersion as V;
use openschannel::ssl2;
use openschannel::suites::{self, CipherSuite, Ssl2Kind};
use openschannel::x509::{self, TrustStore};

use common::{feed, identity, plaintext_handshake_messages, read};

/// PKCS#1 v1.5 type-2 blocks of `k` bytes around an `n`-byte secret (starting with `version`
/// when the secret is a TLS premaster), one per way of being wrong, plus a well-formed block
/// whose secret is simply not the client's.
fn bad_blocks(k: usize, n: usize, version: Option<[u8; 2]>) -> Vec<(String, Vec<u8>)> {
    let block = |first: [u8; 2], ps_len: usize, separator: u8, ver: Option<[u8; 2]>, tail: usize| {
        let mut em = vec![first[0], first[1]];
        em.extend(std::iter::repeat_n(0x5a, ps_len));
        em.push(separator);
        let mut secret = vec![0x11; tail];
        if let Some(v) = ver {
            secret[..2].copy_from_slice(&v);
        }
        em.extend(secret);
        assert_eq!(em.len(), k);
        em
    };
    let ps = k - 3 - n;
    assert!(ps >= 9, "room for the variants");
    let mut v = vec![
        ("well-formed, another secret".to_string(), block([0, 2], ps, 0, version, n)),
        ("block type 1".into(), block([0, 1], ps, 0, version, n)),
        ("leading byte not zero".into(), block([1, 2], ps, 0, version, n)),
        ("no zero separator".into(), block([0, 2], ps, 0x5a, version, n)),
        ("secret one byte long".into(), block([0, 2], ps - 1, 0, version, n + 1)),
        ("secret one byte short".into(), block([0, 2], ps + 1, 0, version, n - 1)),
        ("padding shorter than 8 bytes".into(), {
            let mut em = block([0, 2], ps, 0, version, n);
            em[5] = 0; // a zero inside the first 8 padding bytes
            em
        }),
        ("all zero".into(), vec![0; k]),
    ];
    if let Some(good) = version {
        for wrong in [[3, 0], [3, 1], [3, 3], [2, 0]] {
            if wrong != good {
                v.push((format!("wrong version {wrong:?}"), block([0, 2], ps, 0, Some(wrong), n)));
            }
        }
    }
    v
}

/// A PKCS#1 RSAPublicKey from a big-endian modulus and exponent.
fn rsa_public_key(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    pkcs1::RsaPublicKeyRef { modulus: pkcs1::UintRef::new(modulus).unwrap(), public_exponent: pkcs1::UintRef::new(exponent).unwrap() }
        .to_der()
        .unwrap()
}

/// The temporary RSA key of an export ServerKeyExchange (RFC 2246 §7.4.3: u16-prefixed modulus
/// and exponent, then the signature).
fn temporary_key(server_flight: &[u8]) -> Vec<u8> {
    let (at, len) = plaintext_handshake_messages(server_flight).into_iter().find(|(_, m)| m[0] == 12).map(|(at, m)| (at, m.len())).unwrap();
    let body = &server_flight[at + 4..at + len];
    let n_len = usize::from(u16::from_be_bytes([body[0], body[1]]));
    let modulus = &body[2..2 + n_len];
    let e_len = usize::from(u16::from_be_bytes([body[2 + n_len], body[3 + n_len]]));
    rsa_public_key(modulus, &body[4 + n_len..4 + n_len + e_len])
}

/// Client and server for `suite` at `version`, the server with tests/data/`cert`.
fn tls_configs(suite: &'static CipherSuite, version: V, cert: &str) -> (Arc<Config>, Arc<Config>) {
    let mut trust = TrustStore::empty();
    trust.add_pem_or_der(&read("ca.pem")).unwrap();
    trust.add_pem_or_der(&read("export-ca.pem")).unwrap();
    let trust = Arc::new(trust);
    let mut client = Config::new(trust.clone());
    let mut server = Config::new(trust);
    for c in [&mut client, &mut server] {
        c.suites = vec![suite];
        c.versions = vec![version];
    }
    server.identities = vec![identity(cert)];
    (Arc::new(client), Arc::new(server))
}

/// The server's first flight and the client's key-exchange flight of a fresh handshake, with
/// the server waiting for the latter.
fn up_to_client_flight(cc: &Arc<Config>, sc: &Arc<Config>) -> (Connection, Vec<u8>, Vec<u8>) {
    let mut client = Connection::new_client(cc.clone(), Some("localhost".into()));
    let mut server = Connection::new_server(sc.clone());
    client.start().unwrap();
    feed(&mut server, &client.take_output(), usize::MAX).unwrap();
    let server_flight = server.take_output();
    feed(&mut client, &server_flight, usize::MAX).unwrap();
    (server, server_flight, client.take_output())
}

/// Every bad block in the ClientKeyExchange of `suite` at `version` fails at the client's
/// Finished with bad_record_mac, one alert, exactly as a well-formed foreign premaster does.
fn check_tls_variants(suite: &'static CipherSuite, version: V, cert: &str, temporary: bool) {
    let (cc, sc) = tls_configs(suite, version, cert);
    let (_, server_flight, flight) = up_to_client_flight(&cc, &sc);
    let pubkey = if temporary {
        temporary_key(&server_flight)
    } else {
        x509::rsa_public_key_pkcs1(&x509::pem::certs_from_pem_or_der(&read(&format!("{cert}.pem"))).unwrap()[0]).unwrap()
    };
    // The first record is the ClientKeyExchange: TLS prefixes the block with its length, SSL 3.0 does not.
    assert_eq!((flight[0], flight[5]), (22, 16));
    let at = if version == V::SSL3_0 { 5 + 4 } else { 5 + 4 + 2 };
    let k = usize::from(u16::from_be_bytes([flight[3], flight[4]])) - (at - 5);
    let hello_version = version.bytes();
    let alert = [21, hello_version[0], hello_version[1], 0, 2, 2, 20];
    for (name, em) in bad_blocks(k, 48, Some(hello_version)) {
        let (mut server, server_flight, mut flight) = up_to_client_flight(&cc, &sc);
        if temporary {
            // The credential reuses its temporary key, so the block goes to the key in use.
            assert_eq!(temporary_key(&server_flight), pubkey, "the same temporary key");
        }
        flight[at..at + k].copy_from_slice(&public_encrypt_raw(&pubkey, &em).unwrap());
        let what = format!("{} {version:?} {name}", suite.name);
        assert_eq!(feed(&mut server, &flight, usize::MAX), Err(Error::BadRecordMac), "{what}");
        assert_eq!(server.take_output(), alert, "{what}: one alert, the same for every variant");
    }
    // Control: the untouched flight completes.
    let (mut server, _, flight) = up_to_client_flight(&cc, &sc);
    assert_eq!(feed(&mut server, &flight, usize::MAX), Ok(true), "{} {version:?} control", suite.name);
}

#[test]
fn ssl3_client_key_exchange_variants_fail_alike() {
    check_tls_variants(suites::by_id(0x002f).unwrap(), V::SSL3_0, "server", false);
}

#[test]
fn export_temporary_key_variants_fail_alike() {
    // TLS_RSA_EXPORT_WITH_RC4_40_MD5 (512-bit temporary key) and
    // TLS_RSA_EXPORT1024_WITH_RC4_56_SHA (1024-bit), at TLS 1.0 and SSL 3.0.
    for id in [0x0003, 0x0064] {
        for version in [V::TLS1_0, V::SSL3_0] {
            check_tls_variants(suites::by_id(id).unwrap(), version, "server", true);
        }
    }
}

#[test]
fn export_512_bit_certificate_variants_fail_alike() {
    check_tls_variants(suites::by_id(0x0003).unwrap(), V::TLS1_0, "server-512", false);
}

/// SSL 2.0 client and server with only `kind`; with `higher`, the server speaks TLS 1.0 too
/// (and so checks CLIENT-MASTER-KEY's padding for a version rollback, RFC 2246 E.2).
fn ssl2_configs(kind: &'static Ssl2Kind, higher: bool) -> (Arc<Config>, Arc<Config>) {
    let mut trust = TrustStore::empty();
    trust.add_pem_or_der(&read("ca.pem")).unwrap();
    let trust = Arc::new(trust);
    let mut client = Config::new(trust.clone());
    let mut server = Config::new(trust);
    for c in [&mut client, &mut server] {
        c.versions = vec![];
        c.ssl2 = true;
        c.ssl2_kinds = vec![kind];
    }
    server.identities = vec![identity("server")];
    if higher {
        server.versions = vec![V::TLS1_0];
    }
    (Arc::new(client), Arc::new(server))
}

/// Every bad block in CLIENT-MASTER-KEY's SECRET-KEY-DATA fails at CLIENT-FINISHED with
/// bad_record_mac, after the same SERVER-VERIFY, exactly as a well-formed foreign key does.
#[test]
fn ssl2_client_master_key_variants_fail_alike() {
    let pubkey = x509::rsa_public_key_pkcs1(&x509::pem::certs_from_pem_or_der(&read("server.pem")).unwrap()[0]).unwrap();
    let cases = [
        ("SSL_CK_RC4_128_WITH_MD5", false),
        ("SSL_CK_RC4_128_EXPORT40_WITH_MD5", false),
        ("SSL_CK_DES_192_EDE3_CBC_WITH_MD5", false),
        ("SSL_CK_RC4_128_WITH_MD5", true),
    ];
    for (name, higher) in cases {
        let kind = suites::ssl2_by_name(name).unwrap();
        let (cc, sc) = ssl2_configs(kind, higher);
        let start = || {
            let mut client = Connection::new_client(cc.clone(), Some("localhost".into()));
            let mut server = Connection::new_server(sc.clone());
            client.start().unwrap();
            assert_eq!(feed(&mut server, &client.take_output(), usize::MAX), Ok(false));
            assert_eq!(feed(&mut client, &server.take_output(), usize::MAX), Ok(false));
            (server, client.take_output())
        };
        // CLIENT-MASTER-KEY: 2-byte header, type, kind (3), clear/encrypted/key-arg lengths (2
        // each), then the clear key bytes and the encrypted block.
        let (_, flight) = start();
        assert_eq!(flight[2], ssl2::msg::CLIENT_MASTER_KEY);
        let clear = usize::from(u16::from_be_bytes([flight[6], flight[7]]));
        let k = usize::from(u16::from_be_bytes([flight[8], flight[9]]));
        let at = 12 + clear;
        // Control: the untouched flight gets SERVER-VERIFY and SERVER-FINISHED.
        let (mut server, flight) = start();
        assert!(
            matches!(server.process_handshake(&flight), Ok(Step::Done { .. } | Step::Continue { .. })),
            "{name} higher {higher} control"
        );
        let control_len = server.take_output().len();
        // Each variant gets what a well-formed foreign key gets: SERVER-VERIFY (the same length)
        // and nothing after the failed CLIENT-FINISHED.
        let mut answer_len = None;
        for (variant, em) in bad_blocks(k, kind.key_len() - clear, None) {
            let (mut server, mut flight) = start();
            flight[at..at + k].copy_from_slice(&public_encrypt_raw(&pubkey, &em).unwrap());
            assert_eq!(server.process_handshake(&flight), Err(Error::BadRecordMac), "{name} higher {higher} {variant}");
            let len = server.take_output().len();
            assert_eq!(*answer_len.get_or_insert(len), len, "{name} {variant}: the same answer as the others");
            assert!(len > 0 && len < control_len, "{name} {variant}: SERVER-VERIFY only ({len} of {control_len} bytes)");
        }
    }
}
