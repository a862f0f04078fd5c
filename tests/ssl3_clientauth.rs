//! Client authentication at SSL 3.0 (RFC 6101 §5.6.4, §5.6.6, §5.6.8), in memory: our client
//! against our server. The CertificateVerify hash is SSL 3.0's own; "no certificate" is a
//! `no_certificate` warning alert; a bad signature is `handshake_failure` (SSL 3.0 has no
//! decrypt_error) and `SEC_E_MESSAGE_ALTERED`. Real peers: `c-tests/interop/test_ssl3_clientauth.py`.

mod common;

use std::sync::Arc;

use common::{configs, feed, find_message, flip_last_byte_of, identity, plaintext_handshake_messages, transfer};
use openschannel::engine::config::{Config, ServerIdentity};
use openschannel::engine::error::Error;
use openschannel::engine::{Connection, Step};
use openschannel::msgs::enums::ProtocolVersion as V;
use openschannel::sspi::ffi::consts::{SEC_E_ALGORITHM_MISMATCH, SEC_E_MESSAGE_ALTERED};
use openschannel::sspi::status::from_error;
use openschannel::suites;

/// TLS_RSA_WITH_3DES_EDE_CBC_SHA, the strongest RSA row of Schannel's SSL 3.0 table.
const SUITE: u16 = 0x000A;

/// An SSL 3.0-only pair; the server asks for a certificate (and requires one if `require`),
/// the client's credential holds `client_id`.
fn ssl3_pair(client_id: Option<ServerIdentity>, require: bool) -> (Connection, Connection) {
    let (cc, sc) = configs(suites::by_id(SUITE).unwrap());
    let (mut cc, mut sc): (Config, Config) = ((*cc).clone(), (*sc).clone());
    cc.versions = vec![V::SSL3_0];
    sc.versions = vec![V::SSL3_0];
    cc.client_identity = client_id;
    sc.require_client_cert = require;
    let c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    s.set_request_client_certificate(true);
    (c, s)
}

/// ClientHello → server; the server's flight (with its CertificateRequest) → client.
fn to_certificate_request(c: &mut Connection, s: &mut Connection) -> Result<Step, Error> {
    c.start()?;
    assert!(!feed(s, &c.take_output(), usize::MAX)?);
    let flight = s.take_output();
    assert!(find_message(&flight, 13).is_some(), "CertificateRequest in the server's flight");
    c.process_handshake(&flight)
}

/// The client's second flight → server, the server's Finished → client.
fn finish(c: &mut Connection, s: &mut Connection) -> Result<(), Error> {
    assert!(feed(s, &c.take_output(), usize::MAX)?);
    assert!(feed(c, &s.take_output(), usize::MAX)?);
    Ok(())
}

fn assert_ssl3_traffic(c: &mut Connection, s: &mut Connection) {
    assert_eq!(c.info().unwrap().version, V::SSL3_0);
    assert_eq!(s.info().unwrap().version, V::SSL3_0);
    assert_eq!(transfer(c, s, b"authenticated at SSL 3.0"), b"authenticated at SSL 3.0");
    assert_eq!(transfer(s, c, &[9u8; 4096]), vec![9u8; 4096]);
}

#[test]
fn ssl3_client_certificate_rsa_and_ecdsa() {
    // RSA signs MD5 || SHA-1 (36 bytes), ECDSA the SHA-1 half.
    for name in ["server", "server-ecdsa"] {
        let id = identity(name);
        let (mut c, mut s) = ssl3_pair(Some(id.clone()), true);
        assert!(matches!(to_certificate_request(&mut c, &mut s).unwrap(), Step::Continue { .. }), "{name}: answered at once");
        let flight = c.take_output();
        assert!(find_message(&flight, 11).is_some() && find_message(&flight, 15).is_some(), "{name}: Certificate, CertificateVerify");
        assert!(feed(&mut s, &flight, usize::MAX).unwrap(), "{name}");
        assert!(feed(&mut c, &s.take_output(), usize::MAX).unwrap(), "{name}");
        assert_eq!(s.peer_certificates(), id.chain.as_slice(), "{name}: the server holds our chain");
        assert_eq!(c.client_identity().map(|i| i.chain.clone()), Some(id.chain.clone()));
        assert_ssl3_traffic(&mut c, &mut s);
    }
}

#[test]
fn ssl3_incomplete_credentials_then_supplied() {
    let (mut c, mut s) = ssl3_pair(None, true);
    assert!(matches!(to_certificate_request(&mut c, &mut s).unwrap(), Step::NeedCredentials { .. }));
    assert!(c.take_output().is_empty(), "nothing sent before the caller decides");
    c.continue_with_client_identity(Some(identity("server"))).unwrap();
    finish(&mut c, &mut s).unwrap();
    assert_eq!(s.peer_certificates(), identity("server").chain.as_slice());
    assert_ssl3_traffic(&mut c, &mut s);
}

#[test]
fn ssl3_no_certificate_warning_when_not_required() {
    let (mut c, mut s) = ssl3_pair(None, false);
    assert!(matches!(to_certificate_request(&mut c, &mut s).unwrap(), Step::NeedCredentials { .. }));
    c.continue_with_client_identity(None).unwrap();
    let flight = c.take_output();
    // The flight opens with the warning alert in an SSL 3.0 record, and has no Certificate.
    assert_eq!(flight[..7], [21, 3, 0, 0, 2, 1, 41], "no_certificate warning");
    assert_eq!(find_message(&flight[7..], 11), None, "no Certificate message");
    assert!(feed(&mut s, &flight, usize::MAX).unwrap());
    assert!(feed(&mut c, &s.take_output(), usize::MAX).unwrap());
    assert!(s.peer_certificates().is_empty(), "anonymous client");
    assert_ssl3_traffic(&mut c, &mut s);
}

#[test]
fn ssl3_no_certificate_warning_when_required_is_handshake_failure() {
    let (mut c, mut s) = ssl3_pair(None, true);
    to_certificate_request(&mut c, &mut s).unwrap();
    c.continue_with_client_identity(None).unwrap();
    let err = feed(&mut s, &c.take_output(), usize::MAX).unwrap_err();
    // The same error and status as TLS 1.0's empty Certificate.
    assert_eq!(err, Error::HandshakeFailure("client sent no certificate"));
    assert_eq!(from_error(&err), SEC_E_ALGORITHM_MISMATCH);
    assert_eq!(s.take_output(), [21, 3, 0, 0, 2, 2, 40], "handshake_failure in an SSL 3.0 record");
}

#[test]
fn ssl3_tampered_certificate_verify_is_handshake_failure_and_message_altered() {
    for name in ["server", "server-ecdsa"] {
        let (mut c, mut s) = ssl3_pair(Some(identity(name)), true);
        to_certificate_request(&mut c, &mut s).unwrap();
        let mut flight = c.take_output();
        flip_last_byte_of(&mut flight, 15);
        let err = feed(&mut s, &flight, usize::MAX).unwrap_err();
        assert_eq!(err, Error::BadSignature, "{name}");
        assert_eq!(from_error(&err), SEC_E_MESSAGE_ALTERED);
        // decrypt_error (51) at TLS; AlertDescription::for_ssl3 maps it to handshake_failure (40).
        assert_eq!(s.take_output(), [21, 3, 0, 0, 2, 2, 40], "{name}");
    }
}

/// The signature is over SSL 3.0's hashes, not TLS 1.0's MD5 || SHA-1 of the messages: a TLS
/// 1.0-style signature over the same transcript is refused.
#[test]
fn ssl3_certificate_verify_is_not_the_tls10_signature() {
    use openschannel::crypto::sign::SignatureScheme;
    let id = identity("server");
    let (mut c, mut s) = ssl3_pair(Some(id.clone()), true);
    c.start().unwrap();
    let hello = c.take_output();
    feed(&mut s, &hello, usize::MAX).unwrap();
    let server_flight = s.take_output();
    c.process_handshake(&server_flight).unwrap();
    let mut flight = c.take_output();
    // Every handshake message before CertificateVerify, as both sides hashed them.
    let cv_at = find_message(&flight, 15).unwrap();
    let mut transcript = Vec::new();
    let before_cv = plaintext_handshake_messages(&flight).into_iter().take_while(|(at, _)| *at < cv_at);
    for (_, m) in plaintext_handshake_messages(&hello).into_iter().chain(plaintext_handshake_messages(&server_flight)).chain(before_cv) {
        transcript.extend_from_slice(m);
    }
    let tls10 = id.key.sign(SignatureScheme::RsaPkcs1Md5Sha1, &transcript).unwrap();
    let sig_at = cv_at + 4 + 2;
    assert_eq!(flight[sig_at - 2..sig_at], (tls10.len() as u16).to_be_bytes(), "same length as ours");
    assert_ne!(flight[sig_at..sig_at + tls10.len()], tls10[..], "ours is not the TLS 1.0 value");
    flight[sig_at..sig_at + tls10.len()].copy_from_slice(&tls10);
    assert_eq!(feed(&mut s, &flight, usize::MAX).unwrap_err(), Error::BadSignature);
}
