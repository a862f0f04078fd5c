//! What a validated path must additionally satisfy: the options of one
//! validation ([`VerifyOptions`]), the purpose checks (keyUsage and
//! extendedKeyUsage, RFC 5280 §4.2.1.3 and §4.2.1.12) and the rejection of
//! critical extensions we do not process (RFC 5280 §4.2).

use std::sync::Arc;

use const_oid::db::rfc5912::{
    ANY_EXTENDED_KEY_USAGE, ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS, ID_CE_CERTIFICATE_POLICIES,
    ID_CE_CRL_DISTRIBUTION_POINTS, ID_CE_EXT_KEY_USAGE, ID_CE_FRESHEST_CRL, ID_CE_ISSUER_ALT_NAME, ID_CE_KEY_USAGE, ID_CE_SUBJECT_ALT_NAME,
    ID_CE_SUBJECT_KEY_IDENTIFIER, ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH, ID_PE_AUTHORITY_INFO_ACCESS,
};
use der::asn1::ObjectIdentifier;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};

use super::crl::CrlStore;
use super::verify::ParsedCert;
use super::CertError;

/// What the end-entity certificate is being accepted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// A client validating a server's certificate (id-kp-serverAuth).
    #[default]
    ServerAuth,
    /// A server validating a client's certificate (id-kp-clientAuth).
    ClientAuth,
}

/// Which certificates of the path must have revocation information, as the
/// Schannel credential flags select it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevocationMode {
    /// No revocation checking (Schannel's default without flags).
    #[default]
    Off,
    /// Only the end-entity (SCH_CRED_REVOCATION_CHECK_END_CERT, 0x100).
    EndCert,
    /// Every certificate, the anchor included (SCH_CRED_REVOCATION_CHECK_CHAIN,
    /// 0x200).
    Chain,
    /// Every certificate but the anchor
    /// (SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT, 0x400).
    ChainExcludeRoot,
}

/// SCH_CRED_REVOCATION_CHECK_END_CERT.
const SCH_CRED_REVOCATION_CHECK_END_CERT: u32 = 0x100;
/// SCH_CRED_REVOCATION_CHECK_CHAIN.
const SCH_CRED_REVOCATION_CHECK_CHAIN: u32 = 0x200;
/// SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT.
const SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT: u32 = 0x400;
/// SCH_CRED_IGNORE_NO_REVOCATION_CHECK.
const SCH_CRED_IGNORE_NO_REVOCATION_CHECK: u32 = 0x800;
/// SCH_CRED_IGNORE_REVOCATION_OFFLINE.
const SCH_CRED_IGNORE_REVOCATION_OFFLINE: u32 = 0x1000;

impl RevocationMode {
    /// The mode and the two "ignore" flags (no revocation check, offline)
    /// selected by SCHANNEL_CRED `dwFlags`.
    ///
    /// Several mode bits together resolve to the widest check (CHAIN, then
    /// CHAIN_EXCLUDE_ROOT, then END_CERT): asking for more checking must never
    /// yield less. The ignore flags are returned as given, whatever the mode.
    pub fn from_sch_flags(flags: u32) -> (RevocationMode, bool, bool) {
        let mode = if flags & SCH_CRED_REVOCATION_CHECK_CHAIN != 0 {
            RevocationMode::Chain
        } else if flags & SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT != 0 {
            RevocationMode::ChainExcludeRoot
        } else if flags & SCH_CRED_REVOCATION_CHECK_END_CERT != 0 {
            RevocationMode::EndCert
        } else {
            RevocationMode::Off
        };
        (mode, flags & SCH_CRED_IGNORE_NO_REVOCATION_CHECK != 0, flags & SCH_CRED_IGNORE_REVOCATION_OFFLINE != 0)
    }
}

/// Everything a chain validation can be asked to do beyond the defaults of
/// [`super::verify_chain`].
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The end-entity's required purpose.
    pub purpose: Purpose,
    /// Most intermediate CA certificates between end-entity and anchor (the
    /// anchor and end-entity do not count, as OpenSSL's `verify_depth`).
    /// Default 10.
    pub max_depth: usize,
    /// Accept md5WithRSAEncryption signatures on certificates and CRLs
    /// (collisions are practical since 2008: off by default).
    pub allow_md5: bool,
    /// Which certificates need revocation information.
    pub revocation: RevocationMode,
    /// A certificate with no covering CRL passes instead of
    /// [`CertError::RevocationUnknown`].
    pub ignore_no_revocation_check: bool,
    /// A certificate covered only by stale CRLs passes instead of
    /// [`CertError::RevocationOffline`].
    pub ignore_revocation_offline: bool,
    /// The CRLs consulted; shared because a credential's store serves every
    /// connection made with it.
    pub crls: Arc<CrlStore>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            purpose: Purpose::ServerAuth,
            max_depth: 10,
            allow_md5: false,
            revocation: RevocationMode::Off,
            ignore_no_revocation_check: false,
            ignore_revocation_offline: false,
            crls: Arc::default(),
        }
    }
}

/// Extensions this crate processes, or that carry no constraint on path
/// validity, and so may be critical.
///
/// Certificate policies are accepted without policy processing, as if the
/// relying party's policy set were anyPolicy (RFC 5280 §6.1.1(c)), which is
/// what TLS clients do. Name constraints, policy mappings, policy
/// constraints and inhibitAnyPolicy restrict what a path may contain; we do
/// not enforce them, so when critical they reject the certificate.
const UNDERSTOOD_EXTENSIONS: [ObjectIdentifier; 11] = [
    ID_CE_BASIC_CONSTRAINTS,
    ID_CE_KEY_USAGE,
    ID_CE_EXT_KEY_USAGE,
    ID_CE_SUBJECT_ALT_NAME,
    ID_CE_ISSUER_ALT_NAME,
    ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_CERTIFICATE_POLICIES,
    ID_CE_CRL_DISTRIBUTION_POINTS,
    ID_CE_FRESHEST_CRL,
    ID_PE_AUTHORITY_INFO_ACCESS,
];

/// RFC 5280 §4.2: reject a certificate with a critical extension we do not
/// recognise, or with two instances of one extension ([`CertError::Malformed`]).
pub(crate) fn check_extensions(cert: &ParsedCert<'_>) -> Result<(), CertError> {
    let Some(exts) = cert.cert.tbs_certificate().extensions() else {
        return Ok(());
    };
    for (i, ext) in exts.iter().enumerate() {
        if exts.iter().skip(i + 1).any(|other| other.extn_id == ext.extn_id) {
            return Err(CertError::Malformed);
        }
        if ext.critical && !UNDERSTOOD_EXTENSIONS.contains(&ext.extn_id) {
            return Err(CertError::UnknownCriticalExtension);
        }
    }
    Ok(())
}

/// The extendedKeyUsage purpose OID for `purpose`.
fn eku_oid(purpose: Purpose) -> ObjectIdentifier {
    match purpose {
        Purpose::ServerAuth => ID_KP_SERVER_AUTH,
        Purpose::ClientAuth => ID_KP_CLIENT_AUTH,
    }
}

/// RFC 5280 §4.2.1.12: an extendedKeyUsage, when present, must list the
/// purpose or anyExtendedKeyUsage; absent means any purpose.
///
/// Applied to intermediates as well as the end-entity: RFC 5280 leaves CA
/// EKUs undefined, but Windows, OpenSSL and Go all treat an intermediate's
/// EKU as a limit on what it may vouch for, and CAs issue "server-only"
/// intermediates on that understanding.
pub(crate) fn check_eku(cert: &ParsedCert<'_>, purpose: Purpose) -> Result<(), CertError> {
    match cert.cert.tbs_certificate().get_extension::<ExtendedKeyUsage>()? {
        Some((_, eku)) if !eku.0.iter().any(|oid| *oid == eku_oid(purpose) || *oid == ANY_EXTENDED_KEY_USAGE) => Err(CertError::WrongUsage),
        _ => Ok(()),
    }
}

/// The end-entity's keyUsage, when present, must allow what TLS does with the
/// key for `purpose` (RFC 5280 §4.2.1.3, RFC 5246 §7.4.2 and §7.4.6).
///
/// The suite is not known here, so a server key passes with any of
/// digitalSignature (DHE/ECDHE signing), keyEncipherment (RSA key exchange)
/// or keyAgreement (static (EC)DH); a client key needs digitalSignature
/// (CertificateVerify) or keyAgreement (fixed (EC)DH client certificates).
/// The same leniency as OpenSSL's SSL purpose checks; absent keyUsage means
/// any use.
pub(crate) fn check_end_entity(cert: &ParsedCert<'_>, purpose: Purpose) -> Result<(), CertError> {
    check_eku(cert, purpose)?;
    let Some((_, ku)) = cert.cert.tbs_certificate().get_extension::<KeyUsage>()? else {
        return Ok(());
    };
    let allowed = match purpose {
        Purpose::ServerAuth => ku.digital_signature() || ku.key_encipherment() || ku.key_agreement(),
        Purpose::ClientAuth => ku.digital_signature() || ku.key_agreement(),
    };
    if allowed {
        Ok(())
    } else {
        Err(CertError::WrongUsage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::testutil::{pki, pki_store, NOW};
    use crate::x509::verify_chain_with;

    fn check(leaf: &str, purpose: Purpose) -> Result<(), CertError> {
        let chain = vec![pki(leaf), pki("ca2"), pki("ca1")];
        let opts = VerifyOptions { purpose, ..VerifyOptions::default() };
        verify_chain_with(&chain, &pki_store(&["root"]), NOW, &opts)
    }

    #[test]
    fn extended_key_usage() {
        for purpose in [Purpose::ServerAuth, Purpose::ClientAuth] {
            assert_eq!(check("good", purpose), Ok(()), "{purpose:?}");
            assert_eq!(check("no_eku", purpose), Ok(()), "{purpose:?}");
            assert_eq!(check("any_eku", purpose), Ok(()), "{purpose:?}");
            assert_eq!(check("wrong_eku", purpose), Err(CertError::WrongUsage), "{purpose:?}");
        }
        assert_eq!(check("server_only", Purpose::ServerAuth), Ok(()));
        assert_eq!(check("server_only", Purpose::ClientAuth), Err(CertError::WrongUsage));
    }

    #[test]
    fn intermediate_eku_limits_the_leaf() {
        let chain = vec![pki("under_email"), pki("ca_email")];
        let opts = VerifyOptions::default();
        assert_eq!(verify_chain_with(&chain, &pki_store(&["root"]), NOW, &opts), Err(CertError::WrongUsage));
    }

    #[test]
    fn key_usage_of_the_end_entity() {
        // keyEncipherment alone: an RSA key-exchange server, never a client.
        assert_eq!(check("ku_kex", Purpose::ServerAuth), Ok(()));
        assert_eq!(check("ku_kex", Purpose::ClientAuth), Err(CertError::WrongUsage));
        assert_eq!(check("ku_nonrep", Purpose::ServerAuth), Err(CertError::WrongUsage));
        assert_eq!(check("ku_nonrep", Purpose::ClientAuth), Err(CertError::WrongUsage));
    }

    #[test]
    fn unknown_critical_extension() {
        assert_eq!(check("critical", Purpose::ServerAuth), Err(CertError::UnknownCriticalExtension));
        // Even when the certificate is pinned in the store.
        let opts = VerifyOptions::default();
        let pinned = pki_store(&["critical"]);
        assert_eq!(verify_chain_with(&[pki("critical")], &pinned, NOW, &opts), Err(CertError::UnknownCriticalExtension));
    }

    #[test]
    fn sch_flags() {
        use RevocationMode::*;
        assert_eq!(RevocationMode::from_sch_flags(0), (Off, false, false));
        assert_eq!(RevocationMode::from_sch_flags(0x100), (EndCert, false, false));
        assert_eq!(RevocationMode::from_sch_flags(0x200), (Chain, false, false));
        assert_eq!(RevocationMode::from_sch_flags(0x400), (ChainExcludeRoot, false, false));
        assert_eq!(RevocationMode::from_sch_flags(0x100 | 0x800), (EndCert, true, false));
        assert_eq!(RevocationMode::from_sch_flags(0x400 | 0x1000), (ChainExcludeRoot, false, true));
        assert_eq!(RevocationMode::from_sch_flags(0x1800), (Off, true, true));
        // Widest check wins; unrelated bits are ignored.
        assert_eq!(RevocationMode::from_sch_flags(0x700), (Chain, false, false));
        assert_eq!(RevocationMode::from_sch_flags(0x500 | 0x8), (ChainExcludeRoot, false, false));
        assert_eq!(RevocationMode::from_sch_flags(u32::MAX), (Chain, true, true));
    }

    #[test]
    fn defaults() {
        let opts = VerifyOptions::default();
        assert_eq!((opts.purpose, opts.max_depth, opts.allow_md5, opts.revocation), (Purpose::ServerAuth, 10, false, RevocationMode::Off));
        assert!(!opts.ignore_no_revocation_check && !opts.ignore_revocation_offline && opts.crls.is_empty());
    }
}
