//! DSA certificates and the DHE-DSS key exchange, client and server engines in memory: SSL 3.0,
//! TLS 1.0 and TLS 1.2, a tampered ServerKeyExchange signature, the default policy, DSA keys in
//! both PEM forms, and dsa-with-sha1/sha256 certificate signatures.

mod common;

use std::sync::Arc;

use common::{configs, feed, flip_last_byte_of, handshake_versions, read, transfer};
use openschannel::crypto::sign::{KeyType, SignatureScheme, SigningKey};
use openschannel::engine::error::Error;
use openschannel::engine::Connection;
use openschannel::msgs::enums::ProtocolVersion as V;
use openschannel::sspi::ffi::consts::{SEC_E_ALGORITHM_MISMATCH, SEC_E_MESSAGE_ALTERED};
use openschannel::sspi::status::from_error;
use openschannel::suites::{self, CipherSuite, KeyExchange};
use openschannel::x509::{self, CertError, TrustStore};

const DHE_DSS_3DES: u16 = 0x0013;
const DHE_DSS_DES: u16 = 0x0012;
const DHE_DSS_AES128: u16 = 0x0032;
const DHE_DSS_AES256: u16 = 0x0038;
const DHE_DSS_EXPORT1024_DES: u16 = 0x0063;
const DHE_DSS_EXPORT_DES40: u16 = 0x0011;

fn suite(id: u16) -> &'static CipherSuite {
    suites::by_id(id).unwrap()
}

fn dss_suites() -> Vec<&'static CipherSuite> {
    suites::SUITES.iter().filter(|s| s.kx == KeyExchange::DheDss).collect()
}

#[test]
fn the_table_has_the_five_dhe_dss_rows_off_by_default() {
    let ids: Vec<u16> = dss_suites().iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![DHE_DSS_AES128, DHE_DSS_AES256, DHE_DSS_3DES, DHE_DSS_DES, DHE_DSS_EXPORT1024_DES, DHE_DSS_EXPORT_DES40]);
    for s in dss_suites() {
        assert_eq!(s.policy, suites::Policy::ExplicitOnly, "{}", s.name);
        assert_eq!(s.kx.calg(), 0xaa02, "CALG_DH_EPHEM as Schannel reports for DHE");
        assert_eq!(s.kx.cert_key(), KeyType::Dsa);
        assert_eq!(s.min_version, V::SSL3_0);
    }
    assert!(suites::defaults().iter().all(|s| s.kx != KeyExchange::DheDss));
    assert_eq!(suites::by_name("tls_dhe_dss_with_3des_ede_cbc_sha").map(|s| s.id), Some(DHE_DSS_3DES));
    // Schannel's order: RSA 3DES, DHE-DSS 3DES, RSA DES, DHE-DSS DES.
    let pos = |id| suites::SUITES.iter().position(|s| s.id == id).unwrap();
    assert!(pos(0x000A) < pos(DHE_DSS_3DES) && pos(DHE_DSS_3DES) < pos(0x0009) && pos(0x0009) < pos(DHE_DSS_DES));
    // CALG_DH_EPHEM with CALG_3DES names exactly the DHE 3DES suite (DHE-RSA has none).
    let ids: Vec<u16> = suites::by_alg_ids(&[0xaa02, 0x6603]).iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![DHE_DSS_3DES]);
}

#[test]
fn dhe_dss_at_ssl3_tls10_and_tls12_with_the_dsa_certificate() {
    for version in [V::SSL3_0, V::TLS1_0, V::TLS1_2] {
        for s in dss_suites().into_iter().filter(|s| s.allows(version)) {
            let (mut c, mut srv) = handshake_versions(s, &[version], &[version]).unwrap();
            let info = c.info().unwrap();
            assert_eq!((info.version, info.suite.id), (version, s.id), "{}", s.name);
            // ffdhe2048, or an export group at the export limit (Oakley group 2, our 512-bit one).
            let bits = s.export.max_kx_bits().unwrap_or(2048);
            assert_eq!(info.kx_bits, Some(bits), "{}", s.name);
            assert_eq!(srv.info().unwrap().suite.id, s.id);
            // The server chose its DSA identity among RSA, ECDSA and DSA.
            assert_eq!(x509::key_type(&c.peer_certificates()[0]), Ok(KeyType::Dsa));
            assert_eq!(transfer(&mut c, &mut srv, b"dss ping"), b"dss ping");
            assert_eq!(transfer(&mut srv, &mut c, &[7u8; 16384]), vec![7u8; 16384]);
        }
    }
    // Single DES is never used at TLS 1.2, so only AES and 3DES get there.
    assert!(!suite(DHE_DSS_DES).allows(V::TLS1_2));
}

#[test]
fn a_tampered_dsa_signature_is_decrypt_error_and_message_altered() {
    for version in [V::SSL3_0, V::TLS1_0, V::TLS1_2] {
        let (cc, sc) = configs(suite(DHE_DSS_3DES));
        let (mut cc, mut sc) = ((*cc).clone(), (*sc).clone());
        cc.versions = vec![version];
        sc.versions = vec![version];
        let mut c = Connection::new_client(Arc::new(cc), Some("localhost".into()));
        let mut s = Connection::new_server(Arc::new(sc));
        c.start().unwrap();
        feed(&mut s, &c.take_output(), usize::MAX).unwrap();
        let mut flight = s.take_output();
        // The low byte of the DER INTEGER s: still well-formed, no longer a valid signature.
        flip_last_byte_of(&mut flight, 12);
        let err = feed(&mut c, &flight, usize::MAX).unwrap_err();
        assert_eq!(err, Error::BadSignature, "{version:?}");
        assert_eq!(from_error(&err), SEC_E_MESSAGE_ALTERED);
        // decrypt_error (51) at TLS; SSL 3.0 has no such code and sends handshake_failure (40).
        let (major, minor) = if version == V::SSL3_0 { (3, 0) } else { (3, if version == V::TLS1_2 { 3 } else { 1 }) };
        let alert = if version == V::SSL3_0 { 40 } else { 51 };
        assert_eq!(c.take_output(), [21, major, minor, 0, 2, 2, alert], "{version:?}");
    }
}

#[test]
fn a_default_server_refuses_a_dhe_dss_only_client() {
    let (cc, _) = configs(suite(DHE_DSS_3DES));
    let (_, sc) = configs(suite(0x002F));
    let mut sc = (*sc).clone();
    sc.suites = suites::defaults();
    let mut c = Connection::new_client(cc, Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    let err = feed(&mut s, &c.take_output(), usize::MAX).unwrap_err();
    assert_eq!(err, Error::HandshakeFailure("no cipher suite in common"));
    assert_eq!(from_error(&err), SEC_E_ALGORITHM_MISMATCH);
    assert_eq!(s.take_output(), [21, 3, 1, 0, 2, 2, 40], "handshake_failure");
}

#[test]
fn a_dhe_dss_suite_needs_a_dsa_identity() {
    // The server enables DHE-DSS but holds only RSA and ECDSA certificates.
    let (cc, sc) = configs(suite(DHE_DSS_AES128));
    let mut sc = (*sc).clone();
    sc.identities.retain(|i| i.key.key_type() != KeyType::Dsa);
    let mut c = Connection::new_client(cc, Some("localhost".into()));
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    assert_eq!(feed(&mut s, &c.take_output(), usize::MAX).unwrap_err(), Error::HandshakeFailure("no cipher suite in common"));
}

#[test]
fn dsa_keys_load_from_both_pem_forms_and_sign_every_dsa_scheme() {
    let cert = x509::pem::certs_from_pem_or_der(&read("server-dsa.pem")).unwrap().remove(0);
    let spki = x509::subject_public_key_info(&cert).unwrap();
    let rsa_spki = x509::subject_public_key_info(&x509::pem::certs_from_pem_or_der(&read("server.pem")).unwrap()[0]).unwrap();
    let msg = b"client_random + server_random + params";
    for file in ["server-dsa.key", "server-dsa.p8.key"] {
        let key = SigningKey::from_pem_or_der(&read(file)).unwrap();
        assert_eq!(key.key_type(), KeyType::Dsa, "{file}");
        assert_eq!(key.public_key_spki().unwrap(), spki, "{file}: the certificate's key");
        assert_eq!(key.schemes(), &[SignatureScheme::DsaSha256, SignatureScheme::DsaSha1]);
        for scheme in [SignatureScheme::DsaSha1, SignatureScheme::DsaSha256, SignatureScheme::DsaSha1Legacy] {
            let sig = key.sign(scheme, msg).unwrap();
            assert_eq!(sig[0], 0x30, "DER Dss-Sig-Value");
            assert!(openschannel::crypto::sign::verify(scheme, &spki, msg, &sig), "{scheme:?}");
            assert!(!openschannel::crypto::sign::verify(scheme, &spki, b"other", &sig));
            assert!(!openschannel::crypto::sign::verify(scheme, &rsa_spki, msg, &sig), "an RSA key never verifies DSA");
            let mut bad = sig.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(!openschannel::crypto::sign::verify(scheme, &spki, msg, &bad));
        }
        // A DSA key makes no RSA or ECDSA signature, and the SHA-256 signature is not a SHA-1 one.
        assert!(key.sign(SignatureScheme::RsaPkcs1Sha256, msg).is_none());
        assert!(key.sign(SignatureScheme::EcdsaSha1, msg).is_none());
        let sig = key.sign(SignatureScheme::DsaSha256, msg).unwrap();
        assert!(!openschannel::crypto::sign::verify(SignatureScheme::DsaSha1, &spki, msg, &sig));
    }
    assert_eq!(SignatureScheme::from_id(0x0202), Some(SignatureScheme::DsaSha1));
    assert_eq!(SignatureScheme::from_id(0x0402), Some(SignatureScheme::DsaSha256));
    assert_eq!(SignatureScheme::DsaSha1Legacy.id(), None);
    // Truncated DSA keys are errors, never panics.
    let pem = read("server-dsa.key");
    let der = x509::pem::pem_blocks(&pem).remove(0).contents.unwrap().to_vec();
    for len in 0..der.len() {
        assert!(SigningKey::from_pem_or_der(&der[..len]).is_err(), "len {len}");
    }
}

#[test]
fn dsa_signed_certificates_verify_with_sha1_and_sha256() {
    let mut trust = TrustStore::empty();
    trust.add_pem_or_der(&read("dsa-ca.pem")).unwrap();
    let now = 1_800_000_000;
    for file in ["server-dsa.pem", "server-dsa-sha1.pem"] {
        let chain = x509::pem::certs_from_pem_or_der(&read(file)).unwrap();
        assert_eq!(x509::verify_chain(&chain, &trust, now), Ok(()), "{file}");
        // One flipped bit in the signature value (the certificate's last byte).
        let mut bad = chain[0].clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(x509::verify_chain(&[bad], &trust, now), Err(CertError::BadSignature), "{file}");
    }
    // The RSA test CA does not vouch for it.
    let mut rsa_trust = TrustStore::empty();
    rsa_trust.add_pem_or_der(&read("ca.pem")).unwrap();
    let chain = x509::pem::certs_from_pem_or_der(&read("server-dsa.pem")).unwrap();
    assert!(x509::verify_chain(&chain, &rsa_trust, now).is_err());
}

#[test]
fn peer_dsa_keys_must_have_a_1024_to_3072_bit_prime() {
    use openschannel::crypto::dsa::{verify_digest, DsaPrivateKey};
    let pkcs8 = |name: &str| x509::pem::pem_blocks(&read(name)).remove(0).contents.unwrap().to_vec();
    let digest = [0x42u8; 20];
    // Our 2048-bit test key verifies; a 4096-bit one (tests/data/dsa4096.p8.key, made with
    // Python's cryptography) signs fine but is refused as a peer key: too costly to accept.
    for (name, bits, accepted) in [("server-dsa.p8.key", 2048, true), ("dsa4096.p8.key", 4096, false)] {
        let key = DsaPrivateKey::from_pkcs8_der(&pkcs8(name)).unwrap();
        assert_eq!(key.bits(), bits);
        let sig = key.sign_digest(&digest).unwrap();
        assert_eq!(verify_digest(&key.public_key_spki().unwrap(), &digest, &sig), accepted, "{name}");
    }
}
