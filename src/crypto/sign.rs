//! Handshake signatures: ServerKeyExchange and CertificateVerify (TLS, and SSL 3.0 through [`SigningKey::sign_prehashed`]).
//!
//! Private-key operations stay in aws-lc ([`RsaPrivateKey`] blinds RSA, [`EcdsaPrivateKey`] uses
//! constant-time scalar multiplication). This module hashes the message, picks padding, loads keys
//! from the usual file formats and maps TLS code points to algorithms. Verification of the modern
//! schemes is delegated to aws-lc-rs through [`signature`]; the two legacy forms that aws-lc-rs
//! cannot express (TLS 1.0 MD5||SHA-1 RSA, ECDSA over SHA-1 on P-384) go to aws-lc directly.
#![forbid(unsafe_code)]

use const_oid::db::rfc5912::{ID_DSA, ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1};
use der::asn1::{BitString, ObjectIdentifier};
use der::{Decode, Encode};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};

use super::dsa::{self, DsaPrivateKey};
use super::ecdsa::{self, EcdsaPrivateKey};
use super::kx::NamedGroup;
use super::rsa::{self, RsaHash, RsaPrivateKey};
use super::signature::{self, SigAlg};
use crate::x509::pem::{looks_like_pem, pem_blocks};
use crate::x509::CertError;

/// TLS 1.2 SignatureScheme code points we support (RFC 5246 §7.4.1.4.1 / RFC 8446 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// 0x0201
    RsaPkcs1Sha1,
    /// 0x0401
    RsaPkcs1Sha256,
    /// 0x0501
    RsaPkcs1Sha384,
    /// 0x0601
    RsaPkcs1Sha512,
    /// 0x0203; any curve (TLS 1.2 does not bind the curve to the hash).
    EcdsaSha1,
    /// 0x0403; in TLS 1.2 SHA-256 with ECDSA on any curve, in TLS 1.3 P-256 only.
    EcdsaP256Sha256,
    /// 0x0503; in TLS 1.2 SHA-384 with ECDSA on any curve, in TLS 1.3 P-384 only.
    EcdsaP384Sha384,
    /// 0x0804: RSASSA-PSS, MGF1 with the same hash, salt = hash length, rsaEncryption key.
    RsaPssRsaeSha256,
    /// 0x0805
    RsaPssRsaeSha384,
    /// 0x0806
    RsaPssRsaeSha512,
    /// TLS 1.0/1.1 RSA: PKCS#1 type 1 over MD5(m)||SHA1(m) with no DigestInfo (RFC 2246 §7.4.3).
    RsaPkcs1Md5Sha1,
    /// TLS 1.0/1.1 ECDSA: over SHA1(m) (RFC 4492 §5.4).
    EcdsaSha1Legacy,
    /// 0x0202: DSA over SHA-1 (TLS 1.2 dsa_sha1).
    DsaSha1,
    /// 0x0402: DSA over SHA-256 (TLS 1.2 dsa_sha256).
    DsaSha256,
    /// SSL 3.0 and TLS 1.0/1.1 DSS: over SHA1(m) (RFC 2246 §7.4.3), no code point on the wire.
    DsaSha1Legacy,
}

/// The kind of public key a certificate carries and a scheme needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ecdsa,
    Dsa,
}

impl KeyType {
    /// The CNG algorithm name (`szCertificate`, `sSignatureAlgorithmName`).
    pub const fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ecdsa => "ECDSA",
            KeyType::Dsa => "DSA",
        }
    }

    /// wincrypt.h signature ALG_ID: CALG_RSA_SIGN, CALG_ECDSA, CALG_DSS_SIGN.
    pub const fn calg_sign(self) -> u32 {
        match self {
            KeyType::Rsa => 0x2400,
            KeyType::Ecdsa => 0x2203,
            KeyType::Dsa => 0x2200,
        }
    }

    /// The key type of a SubjectPublicKeyInfo's algorithm OID; None for anything else.
    pub fn of_spki_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [(RSA_ENCRYPTION, KeyType::Rsa), (ID_EC_PUBLIC_KEY, KeyType::Ecdsa), (ID_DSA, KeyType::Dsa)]
            .into_iter()
            .find_map(|(o, t)| (o == *oid).then_some(t))
    }
}

/// The digest a scheme signs.
#[derive(Clone, Copy)]
enum Hash {
    Md5Sha1,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5Sha1 => {
                let mut out = Md5::digest(msg).to_vec();
                out.extend_from_slice(&Sha1::digest(msg));
                out
            }
            Hash::Sha1 => Sha1::digest(msg).to_vec(),
            Hash::Sha256 => Sha256::digest(msg).to_vec(),
            Hash::Sha384 => Sha384::digest(msg).to_vec(),
            Hash::Sha512 => Sha512::digest(msg).to_vec(),
        }
    }

    /// Length of [`Hash::digest`]'s output.
    const fn len(self) -> usize {
        match self {
            Hash::Md5Sha1 => 36,
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    fn rsa(self) -> RsaHash {
        match self {
            Hash::Md5Sha1 => RsaHash::Md5Sha1,
            Hash::Sha1 => RsaHash::Sha1,
            Hash::Sha256 => RsaHash::Sha256,
            Hash::Sha384 => RsaHash::Sha384,
            Hash::Sha512 => RsaHash::Sha512,
        }
    }
}

/// How a scheme pads/signs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    RsaPkcs1,
    RsaPss,
    Ecdsa,
    Dsa,
}

impl SignatureScheme {
    const ALL_WITH_IDS: [SignatureScheme; 12] = [
        SignatureScheme::RsaPkcs1Sha1,
        SignatureScheme::RsaPkcs1Sha256,
        SignatureScheme::RsaPkcs1Sha384,
        SignatureScheme::RsaPkcs1Sha512,
        SignatureScheme::EcdsaSha1,
        SignatureScheme::EcdsaP256Sha256,
        SignatureScheme::EcdsaP384Sha384,
        SignatureScheme::RsaPssRsaeSha256,
        SignatureScheme::RsaPssRsaeSha384,
        SignatureScheme::RsaPssRsaeSha512,
        SignatureScheme::DsaSha1,
        SignatureScheme::DsaSha256,
    ];

    /// The TLS 1.2 code point; None for the three legacy forms, which are implied by the protocol
    /// version and never appear on the wire.
    pub fn id(self) -> Option<u16> {
        Some(match self {
            SignatureScheme::RsaPkcs1Sha1 => 0x0201,
            SignatureScheme::RsaPkcs1Sha256 => 0x0401,
            SignatureScheme::RsaPkcs1Sha384 => 0x0501,
            SignatureScheme::RsaPkcs1Sha512 => 0x0601,
            SignatureScheme::EcdsaSha1 => 0x0203,
            SignatureScheme::EcdsaP256Sha256 => 0x0403,
            SignatureScheme::EcdsaP384Sha384 => 0x0503,
            SignatureScheme::RsaPssRsaeSha256 => 0x0804,
            SignatureScheme::RsaPssRsaeSha384 => 0x0805,
            SignatureScheme::RsaPssRsaeSha512 => 0x0806,
            SignatureScheme::DsaSha1 => 0x0202,
            SignatureScheme::DsaSha256 => 0x0402,
            SignatureScheme::RsaPkcs1Md5Sha1 | SignatureScheme::EcdsaSha1Legacy | SignatureScheme::DsaSha1Legacy => return None,
        })
    }

    /// The scheme for a TLS 1.2 code point; None for anything we do not support.
    pub fn from_id(id: u16) -> Option<Self> {
        Self::ALL_WITH_IDS.into_iter().find(|s| s.id() == Some(id))
    }

    /// True for the schemes that need an RSA key.
    pub fn is_rsa(self) -> bool {
        self.key_type() == KeyType::Rsa
    }

    /// The key type the scheme signs with.
    pub fn key_type(self) -> KeyType {
        match self.family() {
            Family::RsaPkcs1 | Family::RsaPss => KeyType::Rsa,
            Family::Ecdsa => KeyType::Ecdsa,
            Family::Dsa => KeyType::Dsa,
        }
    }

    /// The scheme SSL 3.0 and TLS 1.0/1.1 imply for a key type (no code point on the wire).
    pub fn legacy_for(key: KeyType) -> Self {
        match key {
            KeyType::Rsa => SignatureScheme::RsaPkcs1Md5Sha1,
            KeyType::Ecdsa => SignatureScheme::EcdsaSha1Legacy,
            KeyType::Dsa => SignatureScheme::DsaSha1Legacy,
        }
    }

    /// The TLS 1.2 scheme RFC 5246 §7.4.1.4.1 assumes for a key type when the peer sent no
    /// signature_algorithms: SHA-1 with the key's own algorithm.
    pub fn tls12_default_for(key: KeyType) -> Self {
        match key {
            KeyType::Rsa => SignatureScheme::RsaPkcs1Sha1,
            KeyType::Ecdsa => SignatureScheme::EcdsaSha1,
            KeyType::Dsa => SignatureScheme::DsaSha1,
        }
    }

    fn family(self) -> Family {
        match self {
            SignatureScheme::RsaPkcs1Sha1
            | SignatureScheme::RsaPkcs1Sha256
            | SignatureScheme::RsaPkcs1Sha384
            | SignatureScheme::RsaPkcs1Sha512
            | SignatureScheme::RsaPkcs1Md5Sha1 => Family::RsaPkcs1,
            SignatureScheme::RsaPssRsaeSha256 | SignatureScheme::RsaPssRsaeSha384 | SignatureScheme::RsaPssRsaeSha512 => Family::RsaPss,
            SignatureScheme::EcdsaSha1
            | SignatureScheme::EcdsaP256Sha256
            | SignatureScheme::EcdsaP384Sha384
            | SignatureScheme::EcdsaSha1Legacy => Family::Ecdsa,
            SignatureScheme::DsaSha1 | SignatureScheme::DsaSha256 | SignatureScheme::DsaSha1Legacy => Family::Dsa,
        }
    }

    fn hash(self) -> Hash {
        match self {
            SignatureScheme::RsaPkcs1Md5Sha1 => Hash::Md5Sha1,
            SignatureScheme::RsaPkcs1Sha1
            | SignatureScheme::EcdsaSha1
            | SignatureScheme::EcdsaSha1Legacy
            | SignatureScheme::DsaSha1
            | SignatureScheme::DsaSha1Legacy => Hash::Sha1,
            SignatureScheme::RsaPkcs1Sha256
            | SignatureScheme::EcdsaP256Sha256
            | SignatureScheme::RsaPssRsaeSha256
            | SignatureScheme::DsaSha256 => Hash::Sha256,
            SignatureScheme::RsaPkcs1Sha384 | SignatureScheme::EcdsaP384Sha384 | SignatureScheme::RsaPssRsaeSha384 => Hash::Sha384,
            SignatureScheme::RsaPkcs1Sha512 | SignatureScheme::RsaPssRsaeSha512 => Hash::Sha512,
        }
    }
}

/// RSA preference: PSS first (RFC 8446 §4.2.3 makes it the only RSA form in TLS 1.3, and it has
/// a security proof), then PKCS#1 for peers without PSS, SHA-1 last.
const RSA_SCHEMES: [SignatureScheme; 7] = [
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPssRsaeSha512,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
    SignatureScheme::RsaPkcs1Sha1,
];
/// RSA keys under 1040 bits cannot hold a PSS-SHA512 block (emLen >= 2*64 + 2, RFC 8017 §9.1.1).
const SMALL_RSA_SCHEMES: [SignatureScheme; 6] = [
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
    SignatureScheme::RsaPkcs1Sha1,
];
const P256_SCHEMES: [SignatureScheme; 2] = [SignatureScheme::EcdsaP256Sha256, SignatureScheme::EcdsaSha1];
const P384_SCHEMES: [SignatureScheme; 2] = [SignatureScheme::EcdsaP384Sha384, SignatureScheme::EcdsaSha1];
const DSA_SCHEMES: [SignatureScheme; 2] = [SignatureScheme::DsaSha256, SignatureScheme::DsaSha1];

/// A private key that signs handshakes.
pub enum SigningKey {
    Rsa(RsaPrivateKey),
    /// The key and its curve (Secp256r1 or Secp384r1).
    Ecdsa(EcdsaPrivateKey, NamedGroup),
    /// A DSA key (DHE_DSS suites).
    Dsa(DsaPrivateKey),
}

impl SigningKey {
    /// From PEM or DER: "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC1, P-256/P-384),
    /// "DSA PRIVATE KEY" (OpenSSL's traditional DSA form), "PRIVATE KEY" (PKCS#8 RSA, EC or DSA). In PEM the first key block wins and other blocks
    /// (certificates, "EC PARAMETERS") are skipped, so combined files work.
    ///
    /// Errors: nothing key-like → [`CertError::Empty`]; bad encoding or an inconsistent key →
    /// [`CertError::Malformed`]; encrypted keys (PKCS#8 or legacy `Proc-Type`), Ed25519 or
    /// other curves → [`CertError::UnsupportedKey`].
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, CertError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(CertError::Empty);
        }
        if !looks_like_pem(bytes) {
            return from_unlabelled_der(bytes);
        }
        for block in pem_blocks(bytes) {
            let parse: fn(&[u8]) -> Result<SigningKey, CertError> = match block.label.as_str() {
                "RSA PRIVATE KEY" => from_pkcs1_der,
                "EC PRIVATE KEY" => from_sec1_der,
                "DSA PRIVATE KEY" => from_dsa_der,
                "PRIVATE KEY" => from_pkcs8_der,
                "ENCRYPTED PRIVATE KEY" => return Err(CertError::UnsupportedKey),
                _ => continue,
            };
            return match &block.contents {
                Ok(body) => parse(body),
                Err(e) => Err(*e),
            };
        }
        Err(CertError::Empty)
    }

    pub fn is_rsa(&self) -> bool {
        matches!(self, SigningKey::Rsa(_))
    }

    pub fn key_type(&self) -> KeyType {
        match self {
            SigningKey::Rsa(_) => KeyType::Rsa,
            SigningKey::Ecdsa(..) => KeyType::Ecdsa,
            SigningKey::Dsa(_) => KeyType::Dsa,
        }
    }

    /// Schemes this key can produce, best first, for TLS 1.2 (RSA: PSS-rsae 256/384/512 then
    /// PKCS#1 256/384/512/SHA1; ECDSA: the one matching its curve, then EcdsaSha1; DSA: SHA-256
    /// then SHA-1). The legacy SSL 3.0/TLS 1.0/1.1 forms are not listed; [`SigningKey::sign`] accepts them.
    pub fn schemes(&self) -> &'static [SignatureScheme] {
        match self {
            // Fuzzing builds sign RSA with PKCS#1 v1.5 only: aws-lc draws PSS salts from its own
            // generator, which `random`'s deterministic stream does not reach, and a recorded
            // ServerKeyExchange must replay byte for byte.
            SigningKey::Rsa(_) if cfg!(fuzzing) => &RSA_SCHEMES[3..],
            SigningKey::Rsa(key) if key.modulus_len() < 130 => &SMALL_RSA_SCHEMES,
            SigningKey::Rsa(_) => &RSA_SCHEMES,
            SigningKey::Ecdsa(_, NamedGroup::Secp384r1) => &P384_SCHEMES,
            SigningKey::Ecdsa(..) => &P256_SCHEMES,
            SigningKey::Dsa(_) => &DSA_SCHEMES,
        }
    }

    /// Signs `msg` (hashed here). RSA: PKCS#1 v1.5 or PSS per the scheme, blinded in aws-lc.
    /// ECDSA: a DER `Ecdsa-Sig-Value`; every ECDSA scheme is accepted for either curve because
    /// TLS 1.2 does not bind them (a TLS 1.3 caller must use the curve's own scheme). None if the
    /// scheme does not fit the key type, or the key is too small for the scheme.
    pub fn sign(&self, scheme: SignatureScheme, msg: &[u8]) -> Option<Vec<u8>> {
        self.sign_prehashed(scheme, &scheme.hash().digest(msg))
    }

    /// Signs a digest computed by the caller (SSL 3.0's CertificateVerify hashes, RFC 6101
    /// §5.6.8): `digest` must have the length of the scheme's hash (36 bytes for
    /// [`SignatureScheme::RsaPkcs1Md5Sha1`], 20 for the SHA-1 schemes). None as for
    /// [`SigningKey::sign`], or for a digest of another length.
    pub fn sign_prehashed(&self, scheme: SignatureScheme, digest: &[u8]) -> Option<Vec<u8>> {
        let hash = scheme.hash();
        if digest.len() != hash.len() {
            return None;
        }
        match (self, scheme.family()) {
            (SigningKey::Rsa(key), Family::RsaPkcs1) => key.sign_pkcs1(hash.rsa(), digest),
            (SigningKey::Rsa(key), Family::RsaPss) => key.sign_pss(hash.rsa(), digest),
            (SigningKey::Ecdsa(key, _), Family::Ecdsa) => key.sign_digest(digest),
            (SigningKey::Dsa(key), Family::Dsa) => key.sign_digest(digest),
            _ => None,
        }
    }

    /// The SubjectPublicKeyInfo DER of this key (to check it matches a certificate), encoded as
    /// certificates do: rsaEncryption with NULL parameters, or id-ecPublicKey with the named
    /// curve and an uncompressed point, or id-dsa with its parameters.
    pub fn public_key_spki(&self) -> Option<Vec<u8>> {
        let (algorithm, key) = match self {
            SigningKey::Dsa(key) => return key.public_key_spki(),
            SigningKey::Rsa(key) => {
                (AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(der::Any::null()) }, key.public_key_pkcs1()?)
            }
            SigningKey::Ecdsa(key, curve) => {
                let curve_oid = if *curve == NamedGroup::Secp384r1 { SECP_384_R_1 } else { SECP_256_R_1 };
                let parameters = der::Any::encode_from(&curve_oid).ok()?;
                (AlgorithmIdentifierOwned { oid: ID_EC_PUBLIC_KEY, parameters: Some(parameters) }, key.public_point()?)
            }
        };
        let spki = SubjectPublicKeyInfoOwned { algorithm, subject_public_key: BitString::from_bytes(&key).ok()? };
        spki.to_der().ok()
    }
}

/// A key in DER with no label: PKCS#8 first (the modern default), then PKCS#1, then SEC1.
fn from_unlabelled_der(der: &[u8]) -> Result<SigningKey, CertError> {
    if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
        return from_pkcs8_der(der);
    }
    if is_encrypted_pkcs8(der) {
        return Err(CertError::UnsupportedKey);
    }
    from_pkcs1_der(der).or_else(|_| from_sec1_der(der)).or_else(|_| from_dsa_der(der)).map_err(|_| CertError::Malformed)
}

fn from_dsa_der(der: &[u8]) -> Result<SigningKey, CertError> {
    DsaPrivateKey::from_traditional_der(der).map(SigningKey::Dsa).ok_or(CertError::Malformed)
}

/// RFC 5208 §6 EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }. A
/// PrivateKeyInfo starts with an INTEGER instead, so the shapes cannot be confused.
fn is_encrypted_pkcs8(der: &[u8]) -> bool {
    use der::Reader;
    let Ok(mut reader) = der::SliceReader::new(der) else {
        return false;
    };
    let parsed: der::Result<()> = reader.sequence(|r| {
        AlgorithmIdentifierRef::decode(r)?;
        <&der::asn1::OctetStringRef>::decode(r)?;
        Ok(())
    });
    parsed.is_ok() && reader.is_finished()
}

fn from_pkcs1_der(der: &[u8]) -> Result<SigningKey, CertError> {
    RsaPrivateKey::from_pkcs1_der(der).map(SigningKey::Rsa).ok_or(CertError::Malformed)
}

fn from_sec1_der(der: &[u8]) -> Result<SigningKey, CertError> {
    let key = EcdsaPrivateKey::from_sec1_der(der, None).ok_or_else(|| sec1_error(der))?;
    let curve = key.curve();
    Ok(SigningKey::Ecdsa(key, curve))
}

/// Why aws-lc refused a SEC1 key: a well-formed key on a curve we do not do is "unsupported",
/// anything else "malformed". RFC 5915 §3: `ECPrivateKey ::= SEQUENCE { version INTEGER,
/// privateKey OCTET STRING, parameters [0] ECParameters OPTIONAL, publicKey [1] OPTIONAL }`.
fn sec1_error(der: &[u8]) -> CertError {
    use der::Reader;
    let curve = der::SliceReader::new(der).and_then(|mut r| {
        r.sequence(|r| {
            u8::decode(r)?;
            <&der::asn1::OctetStringRef>::decode(r)?;
            r.context_specific::<ObjectIdentifier>(der::TagNumber(0), der::TagMode::Explicit)
        })
    });
    match curve {
        Ok(Some(oid)) if oid != SECP_256_R_1 && oid != SECP_384_R_1 => CertError::UnsupportedKey,
        _ => CertError::Malformed,
    }
}

fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, CertError> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| CertError::Malformed)?;
    let inner = info.private_key.as_bytes();
    if info.algorithm.oid == RSA_ENCRYPTION {
        return from_pkcs1_der(inner);
    }
    if info.algorithm.oid == ID_DSA {
        return DsaPrivateKey::from_pkcs8_der(der).map(SigningKey::Dsa).ok_or(CertError::Malformed);
    }
    if info.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(CertError::UnsupportedKey);
    }
    // RFC 5480 §2.1.1: namedCurve only; explicit curve parameters are not supported.
    let curve = match info.algorithm.parameters_oid() {
        Ok(oid) if oid == SECP_256_R_1 => NamedGroup::Secp256r1,
        Ok(oid) if oid == SECP_384_R_1 => NamedGroup::Secp384r1,
        _ => return Err(CertError::UnsupportedKey),
    };
    let key = EcdsaPrivateKey::from_sec1_der(inner, Some(curve)).ok_or(CertError::Malformed)?;
    Ok(SigningKey::Ecdsa(key, curve))
}

/// Verifies `sig` over `msg` with the key in a full SubjectPublicKeyInfo DER (from the peer's
/// certificate). False on any mismatch of key type and scheme, bad key, bad signature.
///
/// Key sizes: RSA PKCS#1 and MD5||SHA-1 accept 1024..=8192 bits (2048 for PKCS#1 SHA-384, see
/// [`signature::verify`]); PSS needs 2048..=8192 (aws-lc-rs). ECDSA: P-256 or P-384 with any of
/// the ECDSA schemes (TLS 1.2 does not bind curve and hash). DSA: the parameter bounds of
/// [`dsa::verify_digest`].
pub fn verify(scheme: SignatureScheme, spki_der: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    use aws_lc_rs::signature::{self as lc, UnparsedPublicKey};

    let delegated = match scheme {
        SignatureScheme::RsaPkcs1Sha1 => Some(SigAlg::RsaPkcs1Sha1),
        SignatureScheme::RsaPkcs1Sha256 => Some(SigAlg::RsaPkcs1Sha256),
        SignatureScheme::RsaPkcs1Sha384 => Some(SigAlg::RsaPkcs1Sha384),
        SignatureScheme::RsaPkcs1Sha512 => Some(SigAlg::RsaPkcs1Sha512),
        SignatureScheme::EcdsaP256Sha256 => Some(SigAlg::EcdsaP256Sha256),
        SignatureScheme::EcdsaP384Sha384 => Some(SigAlg::EcdsaP384Sha384),
        _ => None,
    };
    if let Some(alg) = delegated {
        return signature::verify(alg, spki_der, msg, sig);
    }
    if let Some(params) = match scheme {
        SignatureScheme::RsaPssRsaeSha256 => Some(&lc::RSA_PSS_2048_8192_SHA256),
        SignatureScheme::RsaPssRsaeSha384 => Some(&lc::RSA_PSS_2048_8192_SHA384),
        SignatureScheme::RsaPssRsaeSha512 => Some(&lc::RSA_PSS_2048_8192_SHA512),
        _ => None,
    } {
        return spki_key(scheme, spki_der).is_some_and(|(_, key)| UnparsedPublicKey::new(params, key).verify(msg, sig).is_ok());
    }
    verify_prehashed(scheme, spki_der, &scheme.hash().digest(msg), sig)
}

/// Verifies `sig` over a digest computed by the caller (SSL 3.0's CertificateVerify hashes),
/// for the schemes whose hash we compute ourselves: the legacy forms (MD5 || SHA-1 RSA, SHA-1
/// ECDSA and DSA) and DSA over SHA-256. False for the others, and for a digest whose length is
/// not the scheme's.
pub fn verify_prehashed(scheme: SignatureScheme, spki_der: &[u8], digest: &[u8], sig: &[u8]) -> bool {
    let Some((spki, key)) = spki_key(scheme, spki_der) else {
        return false;
    };
    if digest.len() != scheme.hash().len() {
        return false;
    }
    match scheme {
        SignatureScheme::DsaSha1 | SignatureScheme::DsaSha256 | SignatureScheme::DsaSha1Legacy => dsa::verify_digest(spki_der, digest, sig),
        SignatureScheme::RsaPkcs1Md5Sha1 => rsa::verify_pkcs1(key, RsaHash::Md5Sha1, digest, sig),
        SignatureScheme::EcdsaSha1 | SignatureScheme::EcdsaSha1Legacy => {
            // ECDSA over SHA-1, which aws-lc-rs offers for P-256 only.
            let curve = match spki.algorithm.parameters_oid() {
                Ok(oid) if oid == SECP_256_R_1 => NamedGroup::Secp256r1,
                Ok(oid) if oid == SECP_384_R_1 => NamedGroup::Secp384r1,
                _ => return false,
            };
            ecdsa::verify_digest(curve, key, digest, sig)
        }
        _ => false,
    }
}

/// The parsed SubjectPublicKeyInfo and its key bits, if its algorithm is the scheme's key type.
fn spki_key(scheme: SignatureScheme, spki_der: &[u8]) -> Option<(SubjectPublicKeyInfoRef<'_>, &[u8])> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    let key = spki.subject_public_key.as_bytes()?;
    (KeyType::of_spki_oid(&spki.algorithm.oid) == Some(scheme.key_type())).then_some((spki, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING};

    // Fixtures from src/crypto/testdata/make.sh (OpenSSL CLI).
    const RSA_P1_PEM: &[u8] = include_bytes!("testdata/rsa.p1.pem");
    const RSA_P8_PEM: &[u8] = include_bytes!("testdata/rsa.p8.pem");
    const RSA_ENC_PEM: &[u8] = include_bytes!("testdata/rsa.enc.pem");
    const RSA_SPKI: &[u8] = include_bytes!("testdata/rsa.spki.der");
    const P256_SEC1_PEM: &[u8] = include_bytes!("testdata/p256.sec1.pem");
    const P256_P8_PEM: &[u8] = include_bytes!("testdata/p256.p8.pem");
    const P256_SPKI: &[u8] = include_bytes!("testdata/p256.spki.der");
    const P384_SEC1_DER: &[u8] = include_bytes!("testdata/p384.sec1.der");
    const P384_P8_DER: &[u8] = include_bytes!("testdata/p384.p8.der");
    const P384_SPKI: &[u8] = include_bytes!("testdata/p384.spki.der");
    const P521_PEM: &[u8] = include_bytes!("testdata/p521.p8.pem");
    const ED25519_PEM: &[u8] = include_bytes!("testdata/ed25519.p8.pem");
    const MSG: &[u8] = include_bytes!("testdata/msg.bin");
    const SIG_RSA_PKCS1_SHA256: &[u8] = include_bytes!("testdata/rsa.pkcs1.sha256.sig");
    const SIG_RSA_PSS_SHA256: &[u8] = include_bytes!("testdata/rsa.pss.sha256.sig");
    const SIG_RSA_MD5SHA1: &[u8] = include_bytes!("testdata/rsa.md5sha1.sig");
    const SIG_P256_SHA256: &[u8] = include_bytes!("testdata/p256.sha256.sig");
    const SIG_P256_SHA1: &[u8] = include_bytes!("testdata/p256.sha1.sig");
    const SIG_P384_SHA384: &[u8] = include_bytes!("testdata/p384.sha384.sig");
    // Other fixtures of the crate.
    const LEAF_RSA_DER: &[u8] = include_bytes!("../x509/testdata/leaf.rsa.der");
    const LEAF_PK8_DER: &[u8] = include_bytes!("../x509/testdata/leaf.pk8.der");
    const LEAF_DER: &[u8] = include_bytes!("../x509/testdata/leaf.der");
    const LEAF_PEM: &[u8] = include_bytes!("../x509/testdata/leaf.pem");
    const EC_LEAF_KEY: &[u8] = include_bytes!("../x509/testdata/ec_leaf.key");
    const EC_LEAF_PEM: &[u8] = include_bytes!("../x509/testdata/ec_leaf.pem");
    const SERVER_KEY: &[u8] = include_bytes!("../../tests/data/server.key");

    const ALL: [SignatureScheme; 12] = [
        SignatureScheme::RsaPkcs1Sha1,
        SignatureScheme::RsaPkcs1Sha256,
        SignatureScheme::RsaPkcs1Sha384,
        SignatureScheme::RsaPkcs1Sha512,
        SignatureScheme::EcdsaSha1,
        SignatureScheme::EcdsaP256Sha256,
        SignatureScheme::EcdsaP384Sha384,
        SignatureScheme::RsaPssRsaeSha256,
        SignatureScheme::RsaPssRsaeSha384,
        SignatureScheme::RsaPssRsaeSha512,
        SignatureScheme::RsaPkcs1Md5Sha1,
        SignatureScheme::EcdsaSha1Legacy,
    ];

    fn load(bytes: &[u8]) -> SigningKey {
        SigningKey::from_pem_or_der(bytes).unwrap()
    }

    fn generated_ec_keys() -> Vec<(SigningKey, NamedGroup)> {
        let rng = SystemRandom::new();
        [(&ECDSA_P256_SHA256_ASN1_SIGNING, NamedGroup::Secp256r1), (&ECDSA_P384_SHA384_ASN1_SIGNING, NamedGroup::Secp384r1)]
            .into_iter()
            .map(|(alg, curve)| (load(EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap().as_ref()), curve))
            .collect()
    }

    #[test]
    fn code_points() {
        let ids = [0x0201, 0x0401, 0x0501, 0x0601, 0x0203, 0x0403, 0x0503, 0x0804, 0x0805, 0x0806];
        for (scheme, id) in ALL.iter().zip(ids) {
            assert_eq!(scheme.id(), Some(id));
            assert_eq!(SignatureScheme::from_id(id), Some(*scheme));
        }
        assert_eq!(SignatureScheme::RsaPkcs1Md5Sha1.id(), None);
        assert_eq!(SignatureScheme::EcdsaSha1Legacy.id(), None);
        for unknown in [0, 0x0101, 0x0603, 0x0807, 0x0809, 0xffff] {
            assert_eq!(SignatureScheme::from_id(unknown), None);
        }
        let rsa: Vec<bool> = ALL.iter().map(|s| s.is_rsa()).collect();
        assert_eq!(rsa, [true, true, true, true, false, false, false, true, true, true, true, false]);
    }

    #[test]
    fn every_container_loads_and_gives_the_right_public_key() {
        let rsa = [RSA_P1_PEM, RSA_P8_PEM];
        let p256 = [P256_SEC1_PEM, P256_P8_PEM];
        let p384 = [P384_SEC1_DER, P384_P8_DER];
        for (keys, spki, rsa_key, schemes) in [
            (&rsa, RSA_SPKI, true, &RSA_SCHEMES[..]),
            (&p256, P256_SPKI, false, &P256_SCHEMES[..]),
            (&p384, P384_SPKI, false, &P384_SCHEMES[..]),
        ] {
            for bytes in keys {
                let key = load(bytes);
                assert_eq!(key.is_rsa(), rsa_key);
                assert_eq!(key.public_key_spki().unwrap(), spki);
                assert_eq!(key.schemes(), schemes);
            }
        }
        // DER PKCS#1 / PKCS#8 RSA, and the keys of certificates elsewhere in the tree.
        let leaf_spki = crate::x509::subject_public_key_info(LEAF_DER).unwrap();
        assert_eq!(load(LEAF_RSA_DER).public_key_spki().unwrap(), leaf_spki);
        assert_eq!(load(LEAF_PK8_DER).public_key_spki().unwrap(), leaf_spki);
        let ec_cert = crate::x509::pem::certs_from_pem_or_der(EC_LEAF_PEM).unwrap().remove(0);
        let ec_spki = crate::x509::subject_public_key_info(&ec_cert).unwrap();
        assert_eq!(load(EC_LEAF_KEY).public_key_spki().unwrap(), ec_spki);
        assert!(load(SERVER_KEY).is_rsa());
        // Certificate and key in one file, key second; OpenSSL's "EC PARAMETERS" block first.
        let mut combined = LEAF_PEM.to_vec();
        combined.extend_from_slice(RSA_P1_PEM);
        assert_eq!(load(&combined).public_key_spki().unwrap(), RSA_SPKI);
        let mut with_params = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n".to_vec();
        with_params.extend_from_slice(P256_SEC1_PEM);
        assert_eq!(load(&with_params).public_key_spki().unwrap(), P256_SPKI);
    }

    #[test]
    fn rsa_every_scheme_round_trips() {
        for bytes in [LEAF_RSA_DER, SERVER_KEY, RSA_P1_PEM] {
            let key = load(bytes);
            let spki = key.public_key_spki().unwrap();
            for scheme in ALL {
                let Some(sig) = key.sign(scheme, MSG) else {
                    assert!(!scheme.is_rsa(), "{scheme:?} should sign");
                    continue;
                };
                assert!(scheme.is_rsa(), "{scheme:?} must not sign with RSA");
                assert_eq!(sig.len(), 256);
                assert!(verify(scheme, &spki, MSG, &sig), "{scheme:?}");
                assert!(!verify(scheme, &spki, b"other message", &sig), "{scheme:?}");
                let mut flipped = sig.clone();
                flipped[100] ^= 0x01;
                assert!(!verify(scheme, &spki, MSG, &flipped), "{scheme:?}");
                // No other scheme accepts it (other hash, other padding, ECDSA).
                for other in ALL.into_iter().filter(|&o| o != scheme) {
                    assert!(!verify(other, &spki, MSG, &sig), "{scheme:?} as {other:?}");
                }
            }
        }
    }

    #[test]
    fn ecdsa_every_scheme_round_trips() {
        let mut keys = generated_ec_keys();
        keys.push((load(P384_P8_DER), NamedGroup::Secp384r1));
        keys.push((load(P256_SEC1_PEM), NamedGroup::Secp256r1));
        let rsa_spki = load(LEAF_RSA_DER).public_key_spki().unwrap();
        for (key, curve) in &keys {
            assert!(matches!(key, SigningKey::Ecdsa(_, c) if c == curve));
            let spki = key.public_key_spki().unwrap();
            for scheme in ALL {
                let Some(sig) = key.sign(scheme, MSG) else {
                    assert!(scheme.is_rsa(), "{scheme:?} should sign on {curve:?}");
                    continue;
                };
                assert!(!scheme.is_rsa());
                assert_eq!(sig[0], 0x30, "DER Ecdsa-Sig-Value");
                assert!(verify(scheme, &spki, MSG, &sig), "{scheme:?} {curve:?}");
                assert!(!verify(scheme, &spki, b"other message", &sig));
                let mut flipped = sig.clone();
                let last = flipped.len() - 1;
                flipped[last] ^= 0x01;
                assert!(!verify(scheme, &spki, MSG, &flipped), "{scheme:?}");
                assert!(!verify(scheme, &rsa_spki, MSG, &sig));
                for rsa_scheme in ALL.into_iter().filter(|s| s.is_rsa()) {
                    assert!(!verify(rsa_scheme, &spki, MSG, &sig));
                }
            }
            // Another hash over the same message does not verify.
            let sig = key.sign(SignatureScheme::EcdsaSha1, MSG).unwrap();
            assert!(!verify(SignatureScheme::EcdsaP256Sha256, &spki, MSG, &sig));
            assert!(!verify(SignatureScheme::EcdsaP384Sha384, &spki, MSG, &sig));
            assert!(verify(SignatureScheme::EcdsaSha1Legacy, &spki, MSG, &sig), "same computation as 0x0203");
        }
        // A key of one curve never verifies under the other curve's SPKI.
        let (p256, p384) = (&keys[0].0, &keys[1].0);
        let sig = p256.sign(SignatureScheme::EcdsaSha1, MSG).unwrap();
        assert!(!verify(SignatureScheme::EcdsaSha1, &p384.public_key_spki().unwrap(), MSG, &sig));
    }

    #[test]
    fn openssl_signatures_verify() {
        let cases = [
            (SignatureScheme::RsaPkcs1Sha256, RSA_SPKI, SIG_RSA_PKCS1_SHA256),
            (SignatureScheme::RsaPssRsaeSha256, RSA_SPKI, SIG_RSA_PSS_SHA256),
            (SignatureScheme::RsaPkcs1Md5Sha1, RSA_SPKI, SIG_RSA_MD5SHA1),
            (SignatureScheme::EcdsaP256Sha256, P256_SPKI, SIG_P256_SHA256),
            (SignatureScheme::EcdsaSha1, P256_SPKI, SIG_P256_SHA1),
            (SignatureScheme::EcdsaSha1Legacy, P256_SPKI, SIG_P256_SHA1),
            (SignatureScheme::EcdsaP384Sha384, P384_SPKI, SIG_P384_SHA384),
        ];
        for (scheme, spki, sig) in cases {
            assert!(verify(scheme, spki, MSG, sig), "{scheme:?}");
            let mut flipped = sig.to_vec();
            flipped[5] ^= 0x80;
            assert!(!verify(scheme, spki, MSG, &flipped), "{scheme:?}");
        }
        // The reverse direction: PKCS#1 v1.5 is deterministic, so our signatures must be OpenSSL's
        // byte for byte (this pins the MD5||SHA-1 layout without a DigestInfo).
        let key = load(RSA_P8_PEM);
        assert_eq!(key.sign(SignatureScheme::RsaPkcs1Sha256, MSG).unwrap(), SIG_RSA_PKCS1_SHA256);
        assert_eq!(key.sign(SignatureScheme::RsaPkcs1Md5Sha1, MSG).unwrap(), SIG_RSA_MD5SHA1);
    }

    /// SSL 3.0's CertificateVerify signs a digest we compute: the same PKCS#1 block as
    /// hashing inside (PKCS#1 v1.5 is deterministic); a digest of the wrong length is refused.
    #[test]
    fn prehashed_digests_sign_and_verify() {
        let key = load(RSA_P8_PEM);
        let digest = Hash::Md5Sha1.digest(MSG);
        let sig = key.sign_prehashed(SignatureScheme::RsaPkcs1Md5Sha1, &digest).unwrap();
        assert_eq!(sig, SIG_RSA_MD5SHA1);
        assert!(verify_prehashed(SignatureScheme::RsaPkcs1Md5Sha1, RSA_SPKI, &digest, &sig));
        assert!(!verify_prehashed(SignatureScheme::RsaPkcs1Md5Sha1, RSA_SPKI, &digest[..20], &sig));
        assert!(key.sign_prehashed(SignatureScheme::RsaPkcs1Md5Sha1, &digest[..20]).is_none());
        // ECDSA over a 20-byte (SHA-1) digest: the SHA half of SSL 3.0's hashes.
        assert!(verify_prehashed(SignatureScheme::EcdsaSha1Legacy, P256_SPKI, &Hash::Sha1.digest(MSG), SIG_P256_SHA1));
        assert!(!verify_prehashed(SignatureScheme::EcdsaSha1Legacy, RSA_SPKI, &Hash::Sha1.digest(MSG), SIG_P256_SHA1));
        // Schemes whose hash aws-lc computes are not verified from a digest.
        assert!(!verify_prehashed(SignatureScheme::RsaPkcs1Sha256, RSA_SPKI, &Hash::Sha256.digest(MSG), SIG_RSA_PKCS1_SHA256));
    }

    #[test]
    fn unusable_keys_are_errors() {
        let err = |b: &[u8]| SigningKey::from_pem_or_der(b).err();
        assert_eq!(err(b""), Some(CertError::Empty));
        assert_eq!(err(b"\r\n "), Some(CertError::Empty));
        assert_eq!(err(LEAF_PEM), Some(CertError::Empty));
        assert_eq!(err(b"junk"), Some(CertError::Malformed));
        assert_eq!(err(LEAF_DER), Some(CertError::Malformed));
        assert_eq!(err(RSA_ENC_PEM), Some(CertError::UnsupportedKey));
        let enc_der = &*pem_blocks(RSA_ENC_PEM).remove(0).contents.unwrap();
        assert_eq!(err(enc_der), Some(CertError::UnsupportedKey));
        let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
            DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(err(legacy), Some(CertError::UnsupportedKey));
        assert_eq!(err(P521_PEM), Some(CertError::UnsupportedKey));
        assert_eq!(err(ED25519_PEM), Some(CertError::UnsupportedKey));
        // A P-256 SEC1 key inside a PKCS#8 wrapper that claims P-384.
        let p256_sec1 = pem_blocks(P256_SEC1_PEM).remove(0).contents.unwrap();
        let mut mislabelled = pem_blocks(P256_P8_PEM).remove(0).contents.unwrap().to_vec();
        let p256_oid = SECP_256_R_1.as_bytes();
        let at = mislabelled.windows(p256_oid.len()).position(|w| w == p256_oid).unwrap();
        assert!(SigningKey::from_pem_or_der(&mislabelled).is_ok());
        mislabelled[at + p256_oid.len() - 1] = 0x08; // ...03 01 07 -> ...03 01 08 (not a curve we do)
        assert_eq!(err(&mislabelled), Some(CertError::UnsupportedKey));
        assert!(EcdsaPrivateKey::from_sec1_der(&p256_sec1, Some(NamedGroup::Secp384r1)).is_none());
        assert!(EcdsaPrivateKey::from_sec1_der(&p256_sec1, Some(NamedGroup::X25519)).is_none());
        // Trailing bytes after an otherwise good key.
        let mut trailing = P384_SEC1_DER.to_vec();
        trailing.push(0);
        assert_eq!(err(&trailing), Some(CertError::Malformed));
    }

    #[test]
    fn truncated_and_garbage_keys_never_panic() {
        let p256_sec1 = pem_blocks(P256_SEC1_PEM).remove(0).contents.unwrap();
        for der in [LEAF_RSA_DER, LEAF_PK8_DER, P384_SEC1_DER, P384_P8_DER, &p256_sec1] {
            for len in 0..der.len() {
                assert!(SigningKey::from_pem_or_der(&der[..len]).is_err(), "len {len}");
            }
            // Single-byte corruption anywhere: an error or a key, never a panic.
            for i in 0..der.len() {
                let mut bad = der.to_vec();
                bad[i] ^= 0x41;
                let _ = SigningKey::from_pem_or_der(&bad);
            }
        }
        for len in 0..RSA_P1_PEM.len() {
            let _ = SigningKey::from_pem_or_der(&RSA_P1_PEM[..len]);
        }
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..2000 {
            let mut input = Vec::new();
            if round % 2 == 0 {
                input.extend_from_slice(&[0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00]);
            }
            for _ in 0..round % 200 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.push(state as u8);
            }
            let _ = SigningKey::from_pem_or_der(&input);
        }
    }

    #[test]
    fn garbage_spki_and_signatures_are_false() {
        let spkis = [RSA_SPKI, P256_SPKI, P384_SPKI];
        for scheme in ALL {
            for spki in spkis {
                assert!(!verify(scheme, spki, MSG, b""));
                assert!(!verify(scheme, spki, MSG, &[0u8; 256]));
                for len in 0..spki.len() {
                    assert!(!verify(scheme, &spki[..len], MSG, SIG_RSA_MD5SHA1));
                    assert!(!verify(scheme, &spki[..len], MSG, SIG_P256_SHA1));
                }
            }
            assert!(!verify(scheme, b"", MSG, SIG_RSA_PKCS1_SHA256));
        }
        // A compressed EC point in the SPKI is refused by the SHA-1 path.
        let point = &P256_SPKI[P256_SPKI.len() - 65..];
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned { oid: ID_EC_PUBLIC_KEY, parameters: Some(der::Any::encode_from(&SECP_256_R_1).unwrap()) },
            subject_public_key: BitString::from_bytes(&[&[2 | (point[64] & 1)], &point[1..33]].concat()).unwrap(),
        };
        assert!(!verify(SignatureScheme::EcdsaSha1, &spki.to_der().unwrap(), MSG, SIG_P256_SHA1));
    }
}
