//! Certificate path building and validation, and key extraction.
//!
//! A subset of RFC 5280 §6: name chaining, signatures, validity periods,
//! basicConstraints (cA and pathLenConstraint), keyUsage keyCertSign on
//! issuers, the purpose checks and critical-extension rejection of
//! [`super::policy`], and CRL revocation ([`super::crl`]). Not implemented:
//! name constraints and policy processing (both reject the certificate when
//! critical, see [`super::policy`]).

use der::asn1::ObjectIdentifier;
use der::{Decode, Reader, SliceReader};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::Certificate;

use super::name::name_key;
/// Host-name checking lives with the other name rules; re-exported here
/// because it is part of the verification API.
pub use super::name::verify_host_name;
use super::policy::{self, VerifyOptions};
use super::{crl, md5rsa, CertError, TrustStore};
use crate::crypto::sign::KeyType;
use crate::crypto::signature::{self, SigAlg};

/// Signature verifications one [`verify_chain`] call may spend. Path building
/// backtracks over certificates with equal names, so a hostile peer could
/// otherwise make us verify a combinatorial number of signatures.
const MAX_SIGNATURE_CHECKS: usize = 64;

/// A certificate decoded once, with the byte ranges signature and name checks
/// need taken from the original DER.
///
/// The slices are cut out of the input rather than re-encoded because
/// re-encoding is not byte-exact in general (x509-cert rewrites a
/// GeneralizedTime before 2050 as UTCTime, per its RFC 5280 profile), and a
/// signature covers the bytes the issuer actually signed.
pub(crate) struct ParsedCert<'a> {
    /// The whole certificate.
    pub(crate) der: &'a [u8],
    /// The TBSCertificate TLV: what the signature covers.
    pub(crate) tbs: &'a [u8],
    /// The subject `Name` TLV.
    pub(crate) subject: &'a [u8],
    /// The SubjectPublicKeyInfo TLV.
    pub(crate) spki: &'a [u8],
    /// [`name_key`] of the issuer and of the subject.
    pub(crate) issuer_key: Vec<u8>,
    pub(crate) subject_key: Vec<u8>,
    /// The decoded certificate.
    pub(crate) cert: Certificate,
    /// notBefore / notAfter as Unix seconds.
    not_before: i64,
    not_after: i64,
    /// The outer signatureAlgorithm and signatureValue.
    sig_oid: ObjectIdentifier,
    signature: &'a [u8],
}

impl<'a> ParsedCert<'a> {
    /// Decodes `der`, which must be exactly one certificate.
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self, CertError> {
        let cert = Certificate::from_der(der)?;
        // RFC 5280 §4.1.1.2: the outer and inner algorithm must be identical;
        // a mismatch is how signature-stripping attacks show up.
        if cert.signature_algorithm() != cert.tbs_certificate().signature() {
            return Err(CertError::Malformed);
        }
        let (tbs, signature) = split_signed(der)?;

        let mut inner = SliceReader::new(tbs)?;
        let (issuer, subject, spki) = inner.sequence(|r| {
            if r.peek_byte() == Some(0xA0) {
                r.tlv_bytes()?; // [0] EXPLICIT version
            }
            r.tlv_bytes()?; // serialNumber
            r.tlv_bytes()?; // signature
            let issuer = r.tlv_bytes()?;
            r.tlv_bytes()?; // validity
            let subject = r.tlv_bytes()?;
            let spki = r.tlv_bytes()?;
            while !r.is_finished() {
                r.tlv_bytes()?; // unique IDs, extensions
            }
            Ok::<_, der::Error>((issuer, subject, spki))
        })?;
        inner.finish()?;

        let validity = cert.tbs_certificate().validity();
        let secs = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
        Ok(Self {
            der,
            tbs,
            subject,
            spki,
            issuer_key: name_key(issuer),
            subject_key: name_key(subject),
            not_before: secs(validity.not_before),
            not_after: secs(validity.not_after),
            sig_oid: cert.signature_algorithm().oid,
            signature,
            cert,
        })
    }

    /// Verifies this certificate's signature with `issuer_spki`.
    fn check_signed_by(&self, issuer_spki: &[u8], allow_md5: bool) -> Result<(), CertError> {
        verify_signed(&self.sig_oid, issuer_spki, self.tbs, self.signature, allow_md5)
    }

    /// The serial number's content octets, for CRL lookups.
    pub(crate) fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate().serial_number().as_bytes()
    }

    /// basicConstraints cA=true: a CA certificate, for CRL scopes
    /// (RFC 5280 §5.2.5).
    pub(crate) fn is_ca(&self) -> bool {
        matches!(self.constraints(), Ok((Some(bc), _)) if bc.ca)
    }

    /// May this key sign CRLs? keyUsage, when present, must assert cRLSign
    /// (RFC 5280 §4.2.1.3, §6.3.3(f)).
    pub(crate) fn may_sign_crls(&self) -> bool {
        matches!(self.constraints(), Ok((_, ku)) if ku.is_none_or(|ku| ku.crl_sign()))
    }

    /// RFC 5280 §4.1.2.5: valid from notBefore to notAfter, both inclusive.
    fn check_time(&self, now: i64) -> Result<(), CertError> {
        if now < self.not_before {
            Err(CertError::NotYetValid)
        } else if now > self.not_after {
            Err(CertError::Expired)
        } else {
            Ok(())
        }
    }

    /// basicConstraints and keyUsage, Malformed when present twice or
    /// undecodable (RFC 5280 §4.2: at most one instance of an extension).
    fn constraints(&self) -> Result<(Option<BasicConstraints>, Option<KeyUsage>), CertError> {
        let tbs = self.cert.tbs_certificate();
        let bc = tbs.get_extension::<BasicConstraints>()?.map(|(_, bc)| bc);
        let ku = tbs.get_extension::<KeyUsage>()?.map(|(_, ku)| ku);
        Ok((bc, ku))
    }

    /// May this certificate issue certificates, `below` non-self-issued
    /// intermediates lying between it and the end-entity?
    ///
    /// RFC 5280 §6.1.4(k): a v3 issuer needs basicConstraints cA=true;
    /// §6.1.4(m): pathLenConstraint bounds `below` (else
    /// [`CertError::PathTooLong`]); §6.1.4(n): keyUsage, when present, must
    /// assert keyCertSign. An anchor is the RFC's trust-anchor input, not a
    /// path certificate, so it only fails on an explicit contradiction
    /// (cA=false, no keyCertSign, pathLenConstraint); that keeps v1 roots and
    /// old v3 roots without basicConstraints usable, as every platform does.
    fn check_issuer(&self, below: usize, is_anchor: bool) -> Result<(), CertError> {
        let (bc, ku) = self.constraints()?;
        if ku.is_some_and(|ku| !ku.key_cert_sign()) {
            return Err(CertError::NotCa);
        }
        match bc {
            Some(bc) if !bc.ca => Err(CertError::NotCa),
            Some(bc) if bc.path_len_constraint.is_some_and(|n| below > usize::from(n)) => Err(CertError::PathTooLong),
            // v1/v2 certificates have no extensions, so this also rejects
            // every v1 intermediate.
            None if !is_anchor => Err(CertError::NotCa),
            _ => Ok(()),
        }
    }

    /// Issuer and subject are the same name (RFC 5280 §3.3 "self-issued").
    pub(crate) fn is_self_issued(&self) -> bool {
        self.issuer_key == self.subject_key
    }
}

/// Splits a SIGNED{...} structure (certificate or CRL, RFC 5280 §4.1 / §5.1)
/// into the signed TLV and the signature octets, taken from the original DER.
pub(crate) fn split_signed(der: &[u8]) -> Result<(&[u8], &[u8]), CertError> {
    let mut outer = SliceReader::new(der)?;
    let (tbs, bits) = outer.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        r.tlv_bytes()?; // signatureAlgorithm
        let bits = der::asn1::BitStringRef::decode(r)?;
        Ok::<_, der::Error>((tbs, bits))
    })?;
    outer.finish()?;
    // A signature is a whole number of octets (RFC 5280 §4.1.1.3).
    Ok((tbs, bits.as_bytes().ok_or(CertError::Malformed)?))
}

/// Verifies `sig` (made with the algorithm `alg_oid`) over `tbs` with the
/// issuer's SubjectPublicKeyInfo. Errors in the order the path ranking uses:
/// UnsupportedSignatureAlgorithm, then UnsupportedKey, then BadSignature.
pub(crate) fn verify_signed(
    alg_oid: &ObjectIdentifier,
    issuer_spki: &[u8],
    tbs: &[u8],
    sig: &[u8],
    allow_md5: bool,
) -> Result<(), CertError> {
    use const_oid::db::rfc5912::MD_5_WITH_RSA_ENCRYPTION;
    let md5 = *alg_oid == MD_5_WITH_RSA_ENCRYPTION && allow_md5;
    let alg = sig_alg_for_oid(alg_oid);
    if alg.is_none() && !md5 {
        return Err(CertError::UnsupportedSignatureAlgorithm);
    }
    let key_alg = spki::SubjectPublicKeyInfoRef::from_der(issuer_spki).map_err(|_| CertError::UnsupportedKey)?.algorithm.oid;
    if KeyType::of_spki_oid(&key_alg).is_none() {
        return Err(CertError::UnsupportedKey);
    }
    let ok = match alg {
        Some(alg) => signature::verify(alg, issuer_spki, tbs, sig),
        None => md5rsa::verify(issuer_spki, tbs, sig),
    };
    if ok {
        Ok(())
    } else {
        Err(CertError::BadSignature)
    }
}

/// Maps a certificate signatureAlgorithm OID to a scheme we verify.
/// RFC 4055/8017 for RSA, RFC 5758 for ECDSA and DSA-SHA256, RFC 3279 §2.2.2
/// for DSA-SHA1. MD5 is handled apart (only on request, see
/// [`verify_signed`]); MD2 and RSA-PSS are absent.
fn sig_alg_for_oid(oid: &der::asn1::ObjectIdentifier) -> Option<SigAlg> {
    use const_oid::db::rfc5912::*;
    let table = [
        (SHA_1_WITH_RSA_ENCRYPTION, SigAlg::RsaPkcs1Sha1),
        (SHA_256_WITH_RSA_ENCRYPTION, SigAlg::RsaPkcs1Sha256),
        (SHA_384_WITH_RSA_ENCRYPTION, SigAlg::RsaPkcs1Sha384),
        (SHA_512_WITH_RSA_ENCRYPTION, SigAlg::RsaPkcs1Sha512),
        (ECDSA_WITH_SHA_256, SigAlg::EcdsaP256Sha256),
        (ECDSA_WITH_SHA_384, SigAlg::EcdsaP384Sha384),
        (DSA_WITH_SHA_1, SigAlg::DsaSha1),
        (DSA_WITH_SHA_256, SigAlg::DsaSha256),
    ];
    table.iter().find(|(o, _)| o == oid).map(|(_, alg)| *alg)
}

/// Checks that `der` is one parseable certificate (used by the loaders).
pub(crate) fn check_certificate(der: &[u8]) -> Result<(), CertError> {
    ParsedCert::parse(der).map(|_| ())
}

/// How far a failed candidate path got; the reported error is that of the
/// path that got furthest, so a chain with one dead-end branch and one
/// expired-but-otherwise-good branch reports "expired".
///
/// After the signatures, the checks of [`Search::check_path`] in their order.
fn rank(e: CertError) -> u8 {
    match e {
        CertError::BadSignature | CertError::UnsupportedKey => 1,
        CertError::UnsupportedSignatureAlgorithm => 2,
        CertError::UnknownCriticalExtension => 3,
        CertError::NotCa | CertError::PathTooLong => 4,
        CertError::WrongUsage => 5,
        CertError::Expired | CertError::NotYetValid => 6,
        CertError::RevocationUnknown | CertError::RevocationOffline => 7,
        CertError::Revoked => 8,
        CertError::Malformed | CertError::Empty | CertError::UnknownIssuer | CertError::NameMismatch => 0,
    }
}

/// Mutable state of one path search.
struct Search<'s> {
    store: &'s TrustStore,
    now: i64,
    opts: &'s VerifyOptions,
    budget: usize,
    best: CertError,
    /// The anchor that completed the path, once one did.
    anchor: Option<Vec<u8>>,
}

impl Search<'_> {
    fn note(&mut self, e: CertError) {
        if rank(e) > rank(self.best) {
            self.best = e;
        }
    }

    /// Spends one signature check; false when the budget is gone.
    fn spend(&mut self) -> bool {
        match self.budget.checked_sub(1) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => false,
        }
    }

    /// Depth-first search for an issuer of the last certificate of `path`
    /// (indexes into `chain`), anchors first. True when a complete, valid
    /// path was found.
    fn extend(&mut self, chain: &[ParsedCert<'_>], path: &mut Vec<usize>) -> bool {
        let Some(current) = path.last().and_then(|&i| chain.get(i)) else {
            return false;
        };
        for anchor in self.store.anchors() {
            if anchor.subject_key != current.issuer_key {
                continue;
            }
            if !self.spend() {
                return false;
            }
            if let Err(e) = current.check_signed_by(&anchor.spki, self.opts.allow_md5) {
                self.note(e);
                continue;
            }
            match ParsedCert::parse(&anchor.der).and_then(|a| self.check_path(chain, path, &a)) {
                Ok(()) => {
                    self.anchor = Some(anchor.der.clone());
                    return true;
                }
                Err(e) => self.note(e),
            }
        }
        for (index, candidate) in chain.iter().enumerate().skip(1) {
            if path.contains(&index) || candidate.subject_key != current.issuer_key {
                continue;
            }
            if !self.spend() {
                return false;
            }
            if let Err(e) = current.check_signed_by(candidate.spki, self.opts.allow_md5) {
                self.note(e);
                continue;
            }
            // `path` holds the end-entity and path.len() - 1 intermediates;
            // the candidate would be one more.
            if path.len() > self.opts.max_depth {
                self.note(CertError::PathTooLong);
                continue;
            }
            path.push(index);
            if self.extend(chain, path) {
                return true;
            }
            path.pop();
        }
        false
    }

    /// All signatures on `path` + `anchor` verified; now, in the documented
    /// precedence: critical extensions, CA constraints, purpose, validity
    /// periods, revocation.
    fn check_path(&self, chain: &[ParsedCert<'_>], path: &[usize], anchor: &ParsedCert<'_>) -> Result<(), CertError> {
        let certs: Vec<&ParsedCert<'_>> = path.iter().filter_map(|&i| chain.get(i)).collect();
        // The anchor's extensions are not path input (RFC 5280 §6.1.1(d)).
        for cert in &certs {
            policy::check_extensions(cert)?;
        }
        // `below` counts non-self-issued intermediates between an issuer and
        // the end-entity (RFC 5280 §6.1.4(l)).
        let mut below = 0usize;
        for cert in certs.iter().skip(1) {
            cert.check_issuer(below, false)?;
            if !cert.is_self_issued() {
                below += 1;
            }
        }
        anchor.check_issuer(below, true)?;
        let (leaf, intermediates) = certs.split_first().ok_or(CertError::Empty)?;
        policy::check_end_entity(leaf, self.opts.purpose)?;
        for cert in intermediates {
            policy::check_eku(cert, self.opts.purpose)?;
        }
        for cert in certs.iter().copied().chain(std::iter::once(anchor)) {
            cert.check_time(self.now)?;
        }
        let mut full = certs;
        full.push(anchor);
        crl::check_path(&full, self.opts, self.now)
    }
}

/// Validates `chain` against `store` at `now_unix` (seconds since 1970).
///
/// `chain[0]` is the end-entity, the rest as the peer sent them (any order,
/// may contain extras, may or may not contain the root). A path is built from
/// the end-entity to an anchor in `store` by issuer/subject name match plus
/// signature verification, trying alternatives when names repeat (cross
/// signing, re-keyed CAs). Every certificate on the path, the anchor
/// included, must be within its validity period; every issuer must be a CA
/// (see [`CertError::NotCa`]). At most 10 intermediates per path.
///
/// The same as [`verify_chain_with`] with [`VerifyOptions::default`]:
/// validating a server, no MD5, no revocation checking.
pub fn verify_chain(chain: &[Vec<u8>], store: &TrustStore, now_unix: i64) -> Result<(), CertError> {
    verify_chain_with(chain, store, now_unix, &VerifyOptions::default())
}

/// Validates `chain` against `store` at `now_unix` as [`verify_chain`] does,
/// with the purpose, depth, MD5 and revocation settings of `opts`.
///
/// Errors: any unparseable certificate → `Malformed`; empty chain → `Empty`;
/// otherwise, for the candidate path that got furthest, the first failed
/// check in the order UnknownIssuer > BadSignature / UnsupportedKey >
/// UnsupportedSignatureAlgorithm > UnknownCriticalExtension > NotCa /
/// PathTooLong > WrongUsage > Expired / NotYetValid > Revoked /
/// RevocationUnknown / RevocationOffline (see [`super::crl`] for the last).
///
/// An end-entity that is itself in the store (same DER) is trusted as is (a
/// pinned self-signed certificate): no path is built, but its critical
/// extensions, purpose, dates and (as the path's only, root, certificate)
/// revocation are checked.
pub fn verify_chain_with(chain: &[Vec<u8>], store: &TrustStore, now_unix: i64, opts: &VerifyOptions) -> Result<(), CertError> {
    verify_chain_path(chain, store, now_unix, opts).map(|_| ())
}

/// [`verify_chain_with`], returning on success the validated path: the end-entity first, then
/// the intermediates taken from `chain`, then the anchor from `store` (a pinned end-entity
/// that is itself in the store is the whole path). For callers that show or hand out the
/// chain (CryptoAPI's `CertGetCertificateChain`); the checks are exactly those of
/// [`verify_chain_with`].
pub fn verify_chain_path(chain: &[Vec<u8>], store: &TrustStore, now_unix: i64, opts: &VerifyOptions) -> Result<Vec<Vec<u8>>, CertError> {
    let parsed = chain.iter().map(|der| ParsedCert::parse(der)).collect::<Result<Vec<_>, _>>()?;
    let leaf = parsed.first().ok_or(CertError::Empty)?;
    if store.contains_der(leaf.der) {
        policy::check_extensions(leaf)?;
        policy::check_end_entity(leaf, opts.purpose)?;
        leaf.check_time(now_unix)?;
        crl::check_path(&[leaf], opts, now_unix)?;
        return Ok(vec![leaf.der.to_vec()]);
    }
    let mut search = Search { store, now: now_unix, opts, budget: MAX_SIGNATURE_CHECKS, best: CertError::UnknownIssuer, anchor: None };
    let mut path = vec![0];
    if search.extend(&parsed, &mut path) {
        let mut out: Vec<Vec<u8>> = path.iter().filter_map(|&i| parsed.get(i)).map(|c| c.der.to_vec()).collect();
        out.extend(search.anchor);
        Ok(out)
    } else {
        Err(search.best)
    }
}

/// Whether the certificate was issued by (or is) one of the CAs named in `authorities`
/// (DER `Name`s, as in a CertificateRequest): its issuer or its own subject matches one of
/// them. An empty list accepts every certificate (RFC 5246 §7.4.4: any CA).
pub fn issued_by_any(cert_der: &[u8], authorities: &[Vec<u8>]) -> bool {
    if authorities.is_empty() {
        return true;
    }
    let Ok(p) = ParsedCert::parse(cert_der) else {
        return false;
    };
    let issuer = der::Encode::to_der(p.cert.tbs_certificate().issuer()).unwrap_or_default();
    authorities.iter().any(|a| super::name::names_equal(a, &issuer) || super::name::names_equal(a, p.subject))
}

/// The subject of a certificate as text ("CN=localhost, O=..."), for diagnostics and examples.
pub fn subject_string(cert_der: &[u8]) -> Result<String, CertError> {
    super::name::name_to_string(ParsedCert::parse(cert_der)?.subject)
}

/// The `tls-server-end-point` channel binding of a certificate (RFC 5929 §4.1): its hash with
/// the certificate's signature hash, SHA-256 when that is MD5 or SHA-1.
pub fn end_point_hash(cert_der: &[u8]) -> Result<Vec<u8>, CertError> {
    use const_oid::db::rfc5912::{ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION};
    use sha2::Digest;
    let p = ParsedCert::parse(cert_der)?;
    let oid = p.cert.signature_algorithm().oid;
    let hash = if oid == SHA_384_WITH_RSA_ENCRYPTION || oid == ECDSA_WITH_SHA_384 {
        sha2::Sha384::digest(cert_der).to_vec()
    } else if oid == SHA_512_WITH_RSA_ENCRYPTION || oid == ECDSA_WITH_SHA_512 {
        sha2::Sha512::digest(cert_der).to_vec()
    } else {
        sha2::Sha256::digest(cert_der).to_vec()
    };
    Ok(hash)
}

/// The SubjectPublicKeyInfo DER of `cert_der`, byte-exact.
pub fn subject_public_key_info(cert_der: &[u8]) -> Result<Vec<u8>, CertError> {
    Ok(ParsedCert::parse(cert_der)?.spki.to_vec())
}

/// The RFC 8017 RSAPublicKey DER inside the certificate's rsaEncryption SPKI
/// (what TLS RSA key exchange encrypts to). [`CertError::UnsupportedKey`]
/// for any other key type or a key that does not decode.
pub fn rsa_public_key_pkcs1(cert_der: &[u8]) -> Result<Vec<u8>, CertError> {
    let parsed = ParsedCert::parse(cert_der)?;
    Ok(rsa_key_of(&parsed)?.to_vec())
}

/// The kind of key the certificate carries (RSA keys must also decode as RSAPublicKey).
/// [`CertError::UnsupportedKey`] for any other key type.
pub fn key_type(cert_der: &[u8]) -> Result<KeyType, CertError> {
    let parsed = ParsedCert::parse(cert_der)?;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(parsed.spki)?;
    match KeyType::of_spki_oid(&spki.algorithm.oid) {
        Some(KeyType::Rsa) => rsa_key_of(&parsed).map(|_| KeyType::Rsa),
        Some(other) => Ok(other),
        None => Err(CertError::UnsupportedKey),
    }
}

/// Size in bits of the RSA modulus of the certificate's key (for the
/// SSPI connection info and export-grade checks).
pub fn rsa_modulus_bits(cert_der: &[u8]) -> Result<u32, CertError> {
    let parsed = ParsedCert::parse(cert_der)?;
    let key = pkcs1::RsaPublicKeyRef::from_der(rsa_key_of(&parsed)?).map_err(|_| CertError::UnsupportedKey)?;
    // UintRef strips leading zero octets, so the first octet is significant.
    let modulus = key.modulus.as_bytes();
    let Some(&first) = modulus.first() else {
        return Err(CertError::UnsupportedKey);
    };
    let bytes = u32::try_from(modulus.len()).map_err(|_| CertError::UnsupportedKey)?;
    bytes
        .checked_sub(1)
        .and_then(|full| full.checked_mul(8))
        .and_then(|bits| bits.checked_add(8u32.saturating_sub(first.leading_zeros())))
        .ok_or(CertError::UnsupportedKey)
}

/// The validated RSAPublicKey octets of an rsaEncryption SPKI.
fn rsa_key_of<'a>(parsed: &ParsedCert<'a>) -> Result<&'a [u8], CertError> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(parsed.spki)?;
    if spki.algorithm.oid != const_oid::db::rfc5912::RSA_ENCRYPTION {
        return Err(CertError::UnsupportedKey);
    }
    let key = spki.subject_public_key.as_bytes().ok_or(CertError::UnsupportedKey)?;
    pkcs1::RsaPublicKeyRef::from_der(key).map_err(|_| CertError::UnsupportedKey)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::pem::certs_from_pem_or_der;

    /// 2030-01-01T00:00:00Z: inside every "valid" fixture's period.
    const NOW: i64 = 1_893_456_000;
    /// 2101-01-01: after the fixtures' notAfter of 2100-01-01.
    const Y2101: i64 = 4_133_980_800;

    fn cert(name: &str) -> Vec<u8> {
        let path = format!("{}/src/x509/testdata/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(path).unwrap();
        certs_from_pem_or_der(&pem).unwrap().remove(0)
    }

    fn chain(names: &[&str]) -> Vec<Vec<u8>> {
        names.iter().map(|n| cert(n)).collect()
    }

    fn store(names: &[&str]) -> TrustStore {
        let mut store = TrustStore::empty();
        for n in names {
            store.add_der(&cert(n)).unwrap();
        }
        store
    }

    fn check(names: &[&str], roots: &[&str], now: i64) -> Result<(), CertError> {
        verify_chain(&chain(names), &store(roots), now)
    }

    /// Flips one bit of the byte at `offset` from the end.
    fn tamper_tail(mut der: Vec<u8>, offset: usize) -> Vec<u8> {
        let i = der.len() - offset;
        der[i] ^= 0x01;
        der
    }

    #[test]
    fn good_chains() {
        assert_eq!(check(&["leaf", "inter"], &["root"], NOW), Ok(()));
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert_eq!(check(&["leaf", "inter"], &["root"], now), Ok(()));
        // Root included, extras, any order.
        assert_eq!(check(&["leaf", "other_root", "root", "inter"], &["root"], NOW), Ok(()));
        // sha1WithRSAEncryption and ECDSA (P-384 CA, P-256 leaf).
        assert_eq!(check(&["leaf_sha1", "inter"], &["root"], NOW), Ok(()));
        assert_eq!(check(&["ec_leaf"], &["ec_root"], NOW), Ok(()));
        // The intermediate itself trusted: the path may end there.
        assert_eq!(check(&["leaf"], &["inter"], NOW), Ok(()));
        // Same-named intermediate with another key is skipped over.
        assert_eq!(check(&["leaf", "inter_rekeyed", "inter"], &["root"], NOW), Ok(()));
    }

    #[test]
    fn path_is_returned() {
        let path = verify_chain_path(&chain(&["leaf", "other_root", "root", "inter"]), &store(&["root"]), NOW, &VerifyOptions::default());
        assert_eq!(path, Ok(vec![cert("leaf"), cert("inter"), cert("root")]));
        // A pinned end-entity is the whole path.
        let path = verify_chain_path(&chain(&["leaf"]), &store(&["leaf"]), NOW, &VerifyOptions::default());
        assert_eq!(path, Ok(vec![cert("leaf")]));
        let err = verify_chain_path(&chain(&["leaf"]), &store(&["root"]), NOW, &VerifyOptions::default());
        assert_eq!(err, Err(CertError::UnknownIssuer));
    }

    #[test]
    fn unknown_issuer() {
        assert_eq!(check(&["leaf"], &["root"], NOW), Err(CertError::UnknownIssuer));
        assert_eq!(check(&["leaf", "inter"], &["other_root"], NOW), Err(CertError::UnknownIssuer));
        assert_eq!(check(&["leaf", "inter", "root"], &[], NOW), Err(CertError::UnknownIssuer));
        assert_eq!(check(&["other_leaf", "other_root"], &["root"], NOW), Err(CertError::UnknownIssuer));
        assert_eq!(check(&["selfsigned"], &["root"], NOW), Err(CertError::UnknownIssuer));
        // Precedence: untrusted wins over expired.
        assert_eq!(check(&["leaf_expired"], &["root"], NOW), Err(CertError::UnknownIssuer));
    }

    #[test]
    fn validity_periods() {
        assert_eq!(check(&["leaf_expired", "inter"], &["root"], NOW), Err(CertError::Expired));
        assert_eq!(check(&["leaf_future", "inter"], &["root"], NOW), Err(CertError::NotYetValid));
        // Before every notBefore (2000) and after every notAfter (2100),
        // which also covers the intermediate and the anchor themselves.
        assert_eq!(check(&["leaf", "inter"], &["root"], 900_000_000), Err(CertError::NotYetValid));
        assert_eq!(check(&["leaf", "inter"], &["root"], Y2101), Err(CertError::Expired));
        assert_eq!(check(&["leaf"], &["inter"], Y2101), Err(CertError::Expired));
    }

    #[test]
    fn bad_signatures() {
        let root = store(&["root"]);
        let inter = cert("inter");
        // Last byte of the DER is inside the signature value.
        let bad_leaf = tamper_tail(cert("leaf"), 1);
        assert_eq!(verify_chain(&[bad_leaf, inter.clone()], &root, NOW), Err(CertError::BadSignature));
        let bad_inter = tamper_tail(inter, 1);
        assert_eq!(verify_chain(&[cert("leaf"), bad_inter], &root, NOW), Err(CertError::BadSignature));
        // A change inside the signed part: "www.example.com" -> "xww...".
        let mut leaf = cert("leaf");
        let at = leaf.windows(15).position(|w| w == b"www.example.com").unwrap();
        leaf[at] = b'x';
        assert_eq!(verify_chain(&[leaf, cert("inter")], &root, NOW), Err(CertError::BadSignature));
        // Same name, wrong key.
        assert_eq!(check(&["leaf", "inter_rekeyed"], &["root"], NOW), Err(CertError::BadSignature));
        // Precedence: bad signature wins over expired.
        let bad_expired = tamper_tail(cert("leaf_expired"), 1);
        assert_eq!(verify_chain(&[bad_expired, cert("inter")], &root, NOW), Err(CertError::BadSignature));
        assert_eq!(check(&["leaf_md5", "inter"], &["root"], NOW), Err(CertError::UnsupportedSignatureAlgorithm));
    }

    #[test]
    fn issuers_must_be_cas() {
        // evil is issued by leaf, whose basicConstraints say cA=FALSE.
        assert_eq!(check(&["evil", "leaf", "inter"], &["root"], NOW), Err(CertError::NotCa));
        // inter has pathlen:0 but inter2 sits below it.
        assert_eq!(check(&["leaf_deep", "inter2", "inter"], &["root"], NOW), Err(CertError::PathTooLong));
        // An end-entity used as an anchor still cannot issue.
        assert_eq!(check(&["evil"], &["leaf"], NOW), Err(CertError::NotCa));
    }

    #[test]
    fn search_work_is_bounded() {
        let root = store(&["root"]);
        let decoy = cert("inter_rekeyed");
        let mut chain = vec![cert("leaf")];
        chain.extend(std::iter::repeat_n(decoy, 40));
        chain.push(cert("inter"));
        assert_eq!(verify_chain(&chain, &root, NOW), Ok(()));
        // More same-named decoys than the signature budget: gives up.
        let decoy = cert("inter_rekeyed");
        chain.splice(1..1, std::iter::repeat_n(decoy, 100));
        assert_eq!(verify_chain(&chain, &root, NOW), Err(CertError::BadSignature));
    }

    #[test]
    fn pinned_end_entity() {
        assert_eq!(check(&["selfsigned"], &["selfsigned"], NOW), Ok(()));
        assert_eq!(check(&["leaf"], &["leaf"], NOW), Ok(()));
        assert_eq!(check(&["selfsigned"], &["selfsigned"], Y2101), Err(CertError::Expired));
    }

    #[test]
    fn malformed_and_empty_chains() {
        let root = store(&["root"]);
        assert_eq!(verify_chain(&[], &root, NOW), Err(CertError::Empty));
        assert_eq!(verify_chain(&[cert("leaf"), b"junk".to_vec()], &root, NOW), Err(CertError::Malformed));
        let leaf = cert("leaf");
        for len in 0..leaf.len() {
            assert_eq!(verify_chain(&[leaf[..len].to_vec(), cert("inter")], &root, NOW), Err(CertError::Malformed));
            assert!(verify_host_name(&leaf[..len], "www.example.com").is_err());
            assert!(subject_public_key_info(&leaf[..len]).is_err());
            assert!(rsa_modulus_bits(&leaf[..len]).is_err());
        }
    }

    mod pki {
        use super::super::*;
        use crate::x509::testutil::{pki, pki_store, NOW};
        use crate::x509::Purpose;

        fn with(names: &[&str], opts: &VerifyOptions) -> Result<(), CertError> {
            let chain: Vec<Vec<u8>> = names.iter().map(|n| pki(n)).collect();
            verify_chain_with(&chain, &pki_store(&["root"]), NOW, opts)
        }

        fn check(names: &[&str]) -> Result<(), CertError> {
            with(names, &VerifyOptions::default())
        }

        #[test]
        fn each_fixture_gets_its_error() {
            assert_eq!(check(&["good", "ca2", "ca1"]), Ok(()));
            assert_eq!(check(&["expired", "ca2", "ca1"]), Err(CertError::Expired));
            assert_eq!(check(&["not_yet_valid", "ca2", "ca1"]), Err(CertError::NotYetValid));
            assert_eq!(check(&["wrong_eku", "ca2", "ca1"]), Err(CertError::WrongUsage));
            assert_eq!(check(&["md5", "ca2", "ca1"]), Err(CertError::UnsupportedSignatureAlgorithm));
            assert_eq!(check(&["too_long", "sub_ca", "ca2", "ca1"]), Err(CertError::PathTooLong));
            assert_eq!(check(&["critical", "ca2", "ca1"]), Err(CertError::UnknownCriticalExtension));
            assert_eq!(check(&["good", "ca2"]), Err(CertError::UnknownIssuer));
            let ec = [pki("ec_leaf"), pki("ec_inter")];
            assert_eq!(verify_chain_with(&ec, &pki_store(&["ec_root"]), NOW, &VerifyOptions::default()), Ok(()));
            assert_eq!(verify_chain(&ec, &pki_store(&["root"]), NOW), Err(CertError::UnknownIssuer));
        }

        #[test]
        fn intermediates_in_any_order() {
            assert_eq!(check(&["good", "ca1", "ca2"]), Ok(()));
            assert_eq!(check(&["good", "ca1", "root", "wrong_eku", "ca2"]), Ok(()));
            assert_eq!(check(&["too_long", "ca1", "sub_ca", "ca2"]), Err(CertError::PathTooLong));
        }

        #[test]
        fn max_depth() {
            let depth = |max_depth| VerifyOptions { max_depth, ..VerifyOptions::default() };
            assert_eq!(with(&["good", "ca2", "ca1"], &depth(2)), Ok(()));
            assert_eq!(with(&["good", "ca2", "ca1"], &depth(1)), Err(CertError::PathTooLong));
            assert_eq!(with(&["good", "ca1", "ca2"], &depth(1)), Err(CertError::PathTooLong));
            assert_eq!(with(&["good", "ca2", "ca1"], &depth(0)), Err(CertError::PathTooLong));
            // Anchored lower, the same chain fits.
            let store = pki_store(&["ca1"]);
            assert_eq!(verify_chain_with(&[pki("good"), pki("ca2")], &store, NOW, &depth(1)), Ok(()));
            assert_eq!(verify_chain_with(&[pki("good")], &pki_store(&["ca2"]), NOW, &depth(0)), Ok(()));
        }

        #[test]
        fn md5_only_on_request() {
            let md5 = VerifyOptions { allow_md5: true, ..VerifyOptions::default() };
            assert_eq!(with(&["md5", "ca2", "ca1"], &md5), Ok(()));
            // Still a real verification.
            let mut bad = pki("md5");
            let last = bad.len() - 1;
            bad[last] ^= 1;
            let chain = [bad, pki("ca2"), pki("ca1")];
            assert_eq!(verify_chain_with(&chain, &pki_store(&["root"]), NOW, &md5), Err(CertError::BadSignature));
        }

        #[test]
        fn client_certificates() {
            let client = VerifyOptions { purpose: Purpose::ClientAuth, ..VerifyOptions::default() };
            assert_eq!(with(&["good", "ca2", "ca1"], &client), Ok(()));
            assert_eq!(with(&["server_only", "ca2", "ca1"], &client), Err(CertError::WrongUsage));
            // Precedence: a wrong-usage leaf that is also expired reports expiry
            // only after usage.
            assert_eq!(with(&["expired", "ca2", "ca1"], &client), Err(CertError::Expired));
        }
    }

    #[test]
    fn keys() {
        let leaf = cert("leaf");
        let parsed = Certificate::from_der(&leaf).unwrap();
        let expected = der::Encode::to_der(parsed.tbs_certificate().subject_public_key_info()).unwrap();
        assert_eq!(subject_public_key_info(&leaf).unwrap(), expected);
        let pkcs1 = rsa_public_key_pkcs1(&leaf).unwrap();
        assert!(pkcs1::RsaPublicKeyRef::from_der(&pkcs1).is_ok());
        assert_eq!(rsa_modulus_bits(&leaf), Ok(2048));
        let ec = cert("ec_leaf");
        assert!(subject_public_key_info(&ec).is_ok());
        assert_eq!(rsa_public_key_pkcs1(&ec), Err(CertError::UnsupportedKey));
        assert_eq!(rsa_modulus_bits(&ec), Err(CertError::UnsupportedKey));
        assert_eq!(rsa_public_key_pkcs1(b""), Err(CertError::Malformed));
    }
}
