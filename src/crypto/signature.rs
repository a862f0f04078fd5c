//! Public-key signature verification (RSA PKCS#1 v1.5 and ECDSA), the only
//! place the X.509 code reaches the crypto library.
//!
//! Keys arrive as a full SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), as found in
//! a certificate; this module unwraps the algorithm-specific key (RFC 8017
//! RSAPublicKey for rsaEncryption, RFC 5480 ECPoint for id-ecPublicKey) and
//! checks that the key type fits the signature algorithm before handing it to
//! aws-lc-rs.

use aws_lc_rs::signature::{self as lc, UnparsedPublicKey, VerificationAlgorithm};
use const_oid::db::rfc5912::{ID_DSA, ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1};
use der::Decode;
use sha2::Digest;
use spki::SubjectPublicKeyInfoRef;

/// A signature scheme: padding/curve family plus hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-1 (RFC 8017 §8.2); legacy, still used by
    /// TLS 1.0/1.1 peers and old certificates.
    RsaPkcs1Sha1,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaPkcs1Sha512,
    /// ECDSA with SHA-256, DER `Ecdsa-Sig-Value` signature (RFC 5480 §2.1.1 /
    /// RFC 5758 §3.2). Named after its usual curve; see [`verify`] for others.
    EcdsaP256Sha256,
    /// ECDSA with SHA-384, DER `Ecdsa-Sig-Value` signature.
    EcdsaP384Sha384,
    /// DSA with SHA-1, DER `Dss-Sig-Value` (RFC 3279 §2.2.2); aws-lc-rs has no DSA, so this
    /// goes to [`super::dsa`].
    DsaSha1,
    /// DSA with SHA-256 (RFC 5758 §3.1).
    DsaSha256,
}

/// Verifies `sig` over `msg` with the public key in `spki_der` (a full
/// SubjectPublicKeyInfo). False on any failure, including a key of the wrong
/// type for `alg` or an unparseable key.
///
/// RSA keys of 1024..=8192 bits are accepted for SHA-1, SHA-256 and SHA-512.
/// For SHA-384 the floor is 2048 bits: aws-lc-rs has no 1024-bit SHA-384
/// verifier, and CAs never combined the two.
///
/// For ECDSA the curve comes from the key (P-256 or P-384) and the hash from
/// `alg`: X.509's ecdsa-with-SHA256/384 (RFC 5758 §3.2) and TLS 1.2's
/// SignatureAndHashAlgorithm do not bind the curve, so a P-384 CA signing
/// with SHA-256 is legitimate.
pub fn verify(alg: SigAlg, spki_der: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(spki) = SubjectPublicKeyInfoRef::from_der(spki_der) else {
        return false;
    };
    // RFC 5280 §4.1.2.7: the key is a BIT STRING holding DER/octets; a
    // non-zero unused-bit count is never valid for these key types.
    let Some(key) = spki.subject_public_key.as_bytes() else {
        return false;
    };
    let algorithm: &'static dyn VerificationAlgorithm = match alg {
        SigAlg::DsaSha1 | SigAlg::DsaSha256 => {
            if spki.algorithm.oid != ID_DSA {
                return false;
            }
            let digest = match alg {
                SigAlg::DsaSha1 => sha1::Sha1::digest(msg).to_vec(),
                _ => sha2::Sha256::digest(msg).to_vec(),
            };
            return super::dsa::verify_digest(spki_der, &digest, sig);
        }
        SigAlg::RsaPkcs1Sha1 | SigAlg::RsaPkcs1Sha256 | SigAlg::RsaPkcs1Sha384 | SigAlg::RsaPkcs1Sha512 => {
            if spki.algorithm.oid != RSA_ENCRYPTION {
                return false;
            }
            match alg {
                SigAlg::RsaPkcs1Sha1 => &lc::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                SigAlg::RsaPkcs1Sha256 => &lc::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                SigAlg::RsaPkcs1Sha384 => &lc::RSA_PKCS1_2048_8192_SHA384,
                _ => &lc::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            }
        }
        SigAlg::EcdsaP256Sha256 | SigAlg::EcdsaP384Sha384 => {
            if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
                return false;
            }
            // RFC 5480 §2.1.1: parameters are a namedCurve OID.
            let Ok(curve) = spki.algorithm.parameters_oid() else {
                return false;
            };
            let sha256 = alg == SigAlg::EcdsaP256Sha256;
            match (curve, sha256) {
                (c, true) if c == SECP_256_R_1 => &lc::ECDSA_P256_SHA256_ASN1,
                (c, false) if c == SECP_256_R_1 => &lc::ECDSA_P256_SHA384_ASN1,
                (c, true) if c == SECP_384_R_1 => &lc::ECDSA_P384_SHA256_ASN1,
                (c, false) if c == SECP_384_R_1 => &lc::ECDSA_P384_SHA384_ASN1,
                _ => return false,
            }
        }
    };
    UnparsedPublicKey::new(algorithm, key).verify(msg, sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, RsaKeyPair};
    use der::Encode;
    use x509_cert::Certificate;

    const LEAF: &[u8] = include_bytes!("../x509/testdata/leaf.der");
    const RSA_KEY: &[u8] = include_bytes!("../x509/testdata/leaf.rsa.der");

    fn leaf_spki() -> Vec<u8> {
        let cert = Certificate::from_der(LEAF).unwrap();
        cert.tbs_certificate().subject_public_key_info().to_der().unwrap()
    }

    /// SPKI for an uncompressed EC point on `curve`.
    fn ec_spki(curve: der::asn1::ObjectIdentifier, point: &[u8]) -> Vec<u8> {
        let spki = spki::SubjectPublicKeyInfoOwned {
            algorithm: spki::AlgorithmIdentifierOwned { oid: ID_EC_PUBLIC_KEY, parameters: Some(der::Any::encode_from(&curve).unwrap()) },
            subject_public_key: der::asn1::BitString::from_bytes(point).unwrap(),
        };
        spki.to_der().unwrap()
    }

    fn rsa_sign(params: &'static dyn lc::RsaEncoding, msg: &[u8]) -> Vec<u8> {
        let key = RsaKeyPair::from_der(RSA_KEY).unwrap();
        let mut sig = vec![0; key.public_modulus_len()];
        key.sign(params, &SystemRandom::new(), msg, &mut sig).unwrap();
        sig
    }

    #[test]
    fn rsa_pkcs1_all_hashes() {
        let spki = leaf_spki();
        let msg = b"openschannel";
        for (alg, enc) in [
            (SigAlg::RsaPkcs1Sha256, &lc::RSA_PKCS1_SHA256 as &'static dyn lc::RsaEncoding),
            (SigAlg::RsaPkcs1Sha384, &lc::RSA_PKCS1_SHA384),
            (SigAlg::RsaPkcs1Sha512, &lc::RSA_PKCS1_SHA512),
        ] {
            let sig = rsa_sign(enc, msg);
            assert!(verify(alg, &spki, msg, &sig), "{alg:?}");
            assert!(!verify(alg, &spki, b"other", &sig), "{alg:?}");
            let mut bad = sig.clone();
            bad[10] ^= 1;
            assert!(!verify(alg, &spki, msg, &bad), "{alg:?}");
            // Wrong hash for the signature.
            let other = if alg == SigAlg::RsaPkcs1Sha256 { SigAlg::RsaPkcs1Sha512 } else { SigAlg::RsaPkcs1Sha256 };
            assert!(!verify(other, &spki, msg, &sig));
            // An RSA key never verifies an ECDSA algorithm.
            assert!(!verify(SigAlg::EcdsaP256Sha256, &spki, msg, &sig));
        }
    }

    #[test]
    fn ecdsa_curves_and_hashes() {
        let rng = SystemRandom::new();
        let msg = b"openschannel";
        for (signing, curve, alg) in [
            (&lc::ECDSA_P256_SHA256_ASN1_SIGNING, SECP_256_R_1, SigAlg::EcdsaP256Sha256),
            (&lc::ECDSA_P384_SHA384_ASN1_SIGNING, SECP_384_R_1, SigAlg::EcdsaP384Sha384),
        ] {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).unwrap();
            let key = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref()).unwrap();
            let sig = key.sign(&rng, msg).unwrap();
            let spki = ec_spki(curve, key.public_key().as_ref());
            assert!(verify(alg, &spki, msg, sig.as_ref()), "{alg:?}");
            assert!(!verify(alg, &spki, b"other", sig.as_ref()));
            let other = if alg == SigAlg::EcdsaP256Sha256 { SigAlg::EcdsaP384Sha384 } else { SigAlg::EcdsaP256Sha256 };
            assert!(!verify(other, &spki, msg, sig.as_ref()));
            assert!(!verify(SigAlg::RsaPkcs1Sha256, &spki, msg, sig.as_ref()));
            // The key on the wrong curve label.
            let wrong_curve = if curve == SECP_256_R_1 { SECP_384_R_1 } else { SECP_256_R_1 };
            let spki = ec_spki(wrong_curve, key.public_key().as_ref());
            assert!(!verify(alg, &spki, msg, sig.as_ref()));
        }
    }

    #[test]
    fn garbage_keys_and_signatures_are_false() {
        let spki = leaf_spki();
        for alg in [SigAlg::RsaPkcs1Sha1, SigAlg::RsaPkcs1Sha256, SigAlg::EcdsaP256Sha256] {
            assert!(!verify(alg, b"", b"m", b"s"));
            assert!(!verify(alg, &spki, b"m", b""));
            for len in 0..spki.len() {
                assert!(!verify(alg, &spki[..len], b"m", &[0u8; 256]));
            }
        }
    }
}
