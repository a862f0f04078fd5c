//! X.509 certificates: loading (PEM/DER), trust anchors, chain building and
//! validation (RFC 5280 §6, simplified), and host-name checks (RFC 6125).
//!
//! Everything here is pure computation over byte slices: no I/O except
//! [`TrustStore::system`] / [`TrustStore::from_file`], no clock (the caller
//! passes `now`), no global state. Signature arithmetic is delegated to
//! [`crate::crypto::signature`]; this tree only decides *what* to verify.
//!
//! Every parser returns [`CertError`] on bad input and never panics; the unit
//! tests feed truncated and random bytes to each entry point.
#![forbid(unsafe_code)]

pub mod name;
pub mod pem;
pub mod trust;
pub mod verify;

pub use trust::TrustStore;
pub use verify::{rsa_modulus_bits, rsa_public_key_pkcs1, subject_public_key_info, verify_chain, verify_host_name};

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
    /// A certificate is signed with an algorithm we do not accept
    /// (MD2/MD5, RSA-PSS, DSA, ...).
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
    /// cA=true (v3), keyUsage without keyCertSign, or pathLenConstraint
    /// exceeded (RFC 5280 §4.2.1.9, §4.2.1.3).
    NotCa,
    /// The key is not of a type this function handles (e.g. not RSA where RSA
    /// is required, or an encrypted private key).
    UnsupportedKey,
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
