//! X.509 certificates: loading (PEM/DER), trust anchors, chain building and
//! validation (RFC 5280 §6, simplified), certificate purposes, revocation by
//! CRL (RFC 5280 §5, §6.3), and host-name checks (RFC 6125).
//!
//! Everything here is pure computation over byte slices: no I/O except
//! [`TrustStore::system`] / [`TrustStore::from_file`] and the
//! [`CrlStore`] loaders, no clock (the caller passes `now`), no global
//! state. Signature arithmetic is delegated to
//! [`crate::crypto::signature`]; this tree only decides *what* to verify.
//!
//! Every parser returns [`CertError`] on bad input and never panics; the unit
//! tests feed truncated and random bytes to each entry point.
#![forbid(unsafe_code)]

pub mod crl;
mod md5rsa;
pub mod name;
pub mod pem;
pub mod policy;
pub mod trust;
pub mod verify;

pub use crl::{Crl, CrlStore};
pub use policy::{Purpose, RevocationMode, VerifyOptions};
pub use trust::TrustStore;
pub use verify::{
    end_point_hash, issued_by_any, key_type, rsa_modulus_bits, rsa_public_key_pkcs1, subject_public_key_info, subject_string, verify_chain,
    verify_chain_path, verify_chain_with, verify_host_name,
};

/// Why a certificate or chain was rejected.
///
/// One variant per distinct SSPI status / TLS alert the engine maps to; the
/// mapping itself lives in the engine, not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertError {
    /// Not parseable DER, or bad PEM (base64 error, unterminated block).
    Malformed,
    /// No certificate (or key) at all in the input.
    Empty,
    /// The chain does not lead to a trusted anchor
    /// (SEC_E_UNTRUSTED_ROOT, alert unknown_ca).
    UnknownIssuer,
    /// A signature on the path does not verify
    /// (SEC_E_CERT_UNKNOWN, alert decrypt_error or bad_certificate).
    BadSignature,
    /// A certificate or CRL is signed with an algorithm we do not accept:
    /// MD2, RSA-PSS, DSA, or MD5 unless [`VerifyOptions::allow_md5`]
    /// (SEC_E_CERT_UNKNOWN, alert unsupported_certificate).
    UnsupportedSignatureAlgorithm,
    /// `now` is after notAfter of some certificate on the path
    /// (SEC_E_CERT_EXPIRED, alert certificate_expired).
    Expired,
    /// `now` is before notBefore of some certificate on the path
    /// (also SEC_E_CERT_EXPIRED).
    NotYetValid,
    /// The host name is not among the certificate's names
    /// (SEC_E_WRONG_PRINCIPAL).
    NameMismatch,
    /// A certificate that issued another one is not a CA: no basicConstraints
    /// cA=true (v3), or keyUsage without keyCertSign (RFC 5280 §4.2.1.9,
    /// §4.2.1.3) (SEC_E_UNTRUSTED_ROOT, alert unknown_ca).
    NotCa,
    /// The key is not of a type this function handles (e.g. not RSA where RSA
    /// is required, or an encrypted private key).
    UnsupportedKey,
    /// More CA certificates below an issuer than its pathLenConstraint allows
    /// (RFC 5280 §4.2.1.9, §6.1.4(m)), or more intermediates than
    /// [`VerifyOptions::max_depth`]. A basic-constraints failure like
    /// [`CertError::NotCa`], so the same mapping: SEC_E_UNTRUSTED_ROOT
    /// (0x80090325), alert unknown_ca.
    PathTooLong,
    /// The end-entity's keyUsage/extendedKeyUsage, or an intermediate's
    /// extendedKeyUsage, does not allow the [`Purpose`] (RFC 5280 §4.2.1.3,
    /// §4.2.1.12): SEC_E_CERT_WRONG_USAGE (0x80090349), alert
    /// unsupported_certificate.
    WrongUsage,
    /// A certificate on the path carries a critical extension we do not
    /// process (RFC 5280 §4.2: "MUST reject"). Also returned by
    /// [`Crl::from_der`] for a CRL or CRL entry with one (RFC 5280 §5.2,
    /// §5.3). Windows reports CERT_E_CRITICAL, which Schannel surfaces as
    /// SEC_E_CERT_UNKNOWN (0x80090327); alert unsupported_certificate.
    UnknownCriticalExtension,
    /// A certificate on the path is listed in a valid CRL of its issuer:
    /// CRYPT_E_REVOKED (0x80092010), alert certificate_revoked.
    Revoked,
    /// Revocation checking was asked for but no CRL covers a certificate that
    /// must be checked: CRYPT_E_NO_REVOCATION_CHECK (0x80092012), alert
    /// certificate_unknown. Suppressed by
    /// [`VerifyOptions::ignore_no_revocation_check`].
    RevocationUnknown,
    /// Only stale CRLs (now outside thisUpdate..nextUpdate) cover a
    /// certificate that must be checked, the offline equivalent of an
    /// unreachable distribution point: CRYPT_E_REVOCATION_OFFLINE
    /// (0x80092013), alert certificate_unknown. Suppressed by
    /// [`VerifyOptions::ignore_revocation_offline`].
    RevocationOffline,
}

impl core::fmt::Display for CertError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let text = match self {
            CertError::Malformed => "malformed certificate or key",
            CertError::Empty => "no certificate or key found",
            CertError::UnknownIssuer => "certificate chain does not lead to a trusted root",
            CertError::BadSignature => "certificate signature does not verify",
            CertError::UnsupportedSignatureAlgorithm => "unsupported signature algorithm",
            CertError::Expired => "certificate has expired",
            CertError::NotYetValid => "certificate is not yet valid",
            CertError::NameMismatch => "host name does not match the certificate",
            CertError::NotCa => "issuer is not a certification authority",
            CertError::UnsupportedKey => "unsupported key type",
            CertError::PathTooLong => "certificate path is longer than allowed",
            CertError::WrongUsage => "certificate is not valid for the requested usage",
            CertError::UnknownCriticalExtension => "unknown critical extension",
            CertError::Revoked => "certificate has been revoked",
            CertError::RevocationUnknown => "no revocation information for a certificate",
            CertError::RevocationOffline => "revocation information is out of date",
        };
        f.write_str(text)
    }
}

impl std::error::Error for CertError {}

impl From<der::Error> for CertError {
    fn from(_: der::Error) -> Self {
        CertError::Malformed
    }
}

/// Fixture access shared by the tests of the submodules.
#[cfg(test)]
pub(crate) mod testutil {
    /// 2030-01-01T00:00:00Z: inside every "valid" fixture's period and every
    /// fresh CRL's thisUpdate..nextUpdate (see testdata/make_pki.sh).
    pub(crate) const NOW: i64 = 1_893_456_000;

    /// The first certificate of `testdata/pki/<name>.pem`, as DER.
    pub(crate) fn pki(name: &str) -> Vec<u8> {
        let path = format!("{}/src/x509/testdata/pki/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        super::pem::certs_from_pem_or_der(&pem).unwrap().remove(0)
    }

    /// The raw bytes of `testdata/pki/<rel>`.
    pub(crate) fn pki_file(rel: &str) -> Vec<u8> {
        let path = format!("{}/src/x509/testdata/pki/{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A store holding the given pki fixtures.
    pub(crate) fn pki_store(names: &[&str]) -> super::TrustStore {
        let mut store = super::TrustStore::empty();
        for n in names {
            store.add_der(&pki(n)).unwrap();
        }
        store
    }
}
