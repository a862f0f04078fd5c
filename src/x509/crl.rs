//! Certificate revocation lists (RFC 5280 §5) and the revocation step of
//! path validation (a simplified RFC 5280 §6.3).
//!
//! CRLs come from files the user configured, never from the network: a
//! certificate's CRL distribution points are not fetched. "Offline" therefore
//! means "only stale CRLs are at hand", which is what Schannel reports when
//! it cannot refresh one.
//!
//! A CRL speaks for a certificate when its issuer name equals the
//! certificate's issuer name, its signature verifies with the key of the
//! issuer on the built path (whose keyUsage, when present, allows cRLSign,
//! §6.3.3(f)), and its scope covers the certificate (§5.2.5, see
//! [`Crl::covers`]). Not supported, and refused at load time as
//! [`CertError::UnknownCriticalExtension`] because the RFC forbids using
//! them without processing: delta CRLs (§5.2.4), indirect CRLs (§5.2.5,
//! §5.3.3) and attribute-certificate CRLs.

use std::fs;
use std::path::{Path, PathBuf};

use const_oid::db::rfc5912::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_FRESHEST_CRL, ID_CE_HOLD_INSTRUCTION_CODE,
    ID_CE_INVALIDITY_DATE, ID_CE_ISSUER_ALT_NAME, ID_CE_ISSUING_DISTRIBUTION_POINT, ID_PE_AUTHORITY_INFO_ACCESS,
};
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::ext::pkix::CrlDistributionPoints;
use x509_cert::ext::Extension;

use super::name::name_key;
use super::policy::{RevocationMode, VerifyOptions};
use super::verify::{split_signed, verify_signed, ParsedCert};
use super::{pem, trust, CertError};

/// CRL extensions we understand (RFC 5280 §5.2); the issuing distribution
/// point is further checked in [`Crl::from_der`].
const CRL_EXTENSIONS: [ObjectIdentifier; 6] = [
    ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_ISSUER_ALT_NAME,
    ID_CE_CRL_NUMBER,
    ID_CE_ISSUING_DISTRIBUTION_POINT,
    ID_CE_FRESHEST_CRL,
    ID_PE_AUTHORITY_INFO_ACCESS,
];

/// CRL entry extensions we understand (RFC 5280 §5.3); certificateIssuer is
/// left out because it only occurs in indirect CRLs.
const ENTRY_EXTENSIONS: [ObjectIdentifier; 3] = [ID_CE_CRL_REASONS, ID_CE_INVALIDITY_DATE, ID_CE_HOLD_INSTRUCTION_CODE];

/// PEM label of a CRL (RFC 7468 §6).
const CRL_LABEL: &str = "X509 CRL";

/// One parsed CRL, with the signed bytes kept for verification against
/// whichever issuer certificate a path supplies.
#[derive(Clone)]
pub struct Crl {
    /// The issuer `Name` DER, and its canonical form for matching.
    issuer: Vec<u8>,
    issuer_key: Vec<u8>,
    /// The TBSCertList TLV, the algorithm and the signature octets.
    tbs: Vec<u8>,
    sig_oid: ObjectIdentifier,
    signature: Vec<u8>,
    this_update: i64,
    next_update: Option<i64>,
    /// Serial numbers listed (content octets), sorted for binary search.
    revoked: Vec<Vec<u8>>,
    /// The issuing distribution point's restrictions (RFC 5280 §5.2.5).
    scope: Scope,
}

/// What an issuing distribution point restricts the CRL to.
#[derive(Clone, Default)]
struct Scope {
    only_user_certs: bool,
    only_ca_certs: bool,
    /// onlySomeReasons: the CRL can prove "revoked" but not "not revoked".
    some_reasons: bool,
    /// The distribution point, when present: DER of each fullName
    /// GeneralName (an empty list for nameRelativeToCRLIssuer, which we do
    /// not match, so such a CRL covers nothing).
    point: Option<Vec<Vec<u8>>>,
}

/// How far a CRL speaks for one certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Coverage {
    /// Not at all (RFC 5280 §6.3.3(b)).
    None,
    /// A listing counts, an absence does not (onlySomeReasons).
    Partial,
    /// Completely.
    Full,
}

impl core::fmt::Debug for Crl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Crl")
            .field("this_update", &self.this_update)
            .field("next_update", &self.next_update)
            .field("revoked", &self.revoked.len())
            .finish()
    }
}

/// Unix seconds of an X.509 time.
fn unix(t: x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// RFC 5280 §4.2 / §5.2: no extension twice, no critical one we do not know.
fn check_extensions(exts: &[Extension], known: &[ObjectIdentifier]) -> Result<(), CertError> {
    for (i, ext) in exts.iter().enumerate() {
        if exts.iter().skip(i + 1).any(|other| other.extn_id == ext.extn_id) {
            return Err(CertError::Malformed);
        }
        if ext.critical && !known.contains(&ext.extn_id) {
            return Err(CertError::UnknownCriticalExtension);
        }
    }
    Ok(())
}

impl Crl {
    /// Parses one DER CertificateList.
    ///
    /// [`CertError::Malformed`] for anything that is not one well-formed CRL
    /// (including an inner/outer signature algorithm mismatch, §5.1.1.2);
    /// [`CertError::UnknownCriticalExtension`] for a CRL we may not use
    /// (unknown critical CRL or entry extension, delta, indirect or
    /// attribute-certificate CRL). The signature is checked when the CRL is
    /// used, against the issuer certificate of the path.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let crl: CertificateList = CertificateList::from_der(der)?;
        let tbs_list = &crl.tbs_cert_list;
        if crl.signature_algorithm != tbs_list.signature {
            return Err(CertError::Malformed);
        }
        let (tbs, signature) = split_signed(der)?;
        let exts = tbs_list.crl_extensions.as_deref().unwrap_or_default();
        check_extensions(exts, &CRL_EXTENSIONS)?;
        let mut scope = Scope::default();
        if let Some(ext) = exts.iter().find(|e| e.extn_id == ID_CE_ISSUING_DISTRIBUTION_POINT) {
            let idp = IssuingDistributionPoint::from_der(ext.extn_value.as_bytes())?;
            if idp.indirect_crl || idp.only_contains_attribute_certs {
                return Err(CertError::UnknownCriticalExtension);
            }
            scope.only_user_certs = idp.only_contains_user_certs;
            scope.only_ca_certs = idp.only_contains_ca_certs;
            scope.some_reasons = idp.only_some_reasons.is_some();
            scope.point = idp.distribution_point.as_ref().map(full_names);
        }
        let mut revoked = Vec::new();
        for entry in tbs_list.revoked_certificates.iter().flatten() {
            check_extensions(entry.crl_entry_extensions.as_deref().unwrap_or_default(), &ENTRY_EXTENSIONS)?;
            revoked.push(entry.serial_number.as_bytes().to_vec());
        }
        revoked.sort_unstable();
        let issuer = tbs_list.issuer.to_der()?;
        Ok(Self {
            issuer_key: name_key(&issuer),
            issuer,
            tbs: tbs.to_vec(),
            sig_oid: crl.signature_algorithm.oid,
            signature: signature.to_vec(),
            this_update: unix(tbs_list.this_update),
            next_update: tbs_list.next_update.map(unix),
            revoked,
            scope,
        })
    }

    /// The issuer `Name` DER.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer
    }

    /// thisUpdate, Unix seconds.
    pub fn this_update(&self) -> i64 {
        self.this_update
    }

    /// nextUpdate, Unix seconds; `None` when absent (RFC 5280 §5.1.2.5
    /// requires it, but old CAs omit it; such a CRL never goes stale).
    pub fn next_update(&self) -> Option<i64> {
        self.next_update
    }

    /// Number of listed certificates.
    pub fn revoked_count(&self) -> usize {
        self.revoked.len()
    }

    /// thisUpdate ≤ now ≤ nextUpdate (RFC 5280 §6.3.3(a)).
    pub fn is_fresh(&self, now: i64) -> bool {
        self.this_update <= now && self.next_update.is_none_or(|next| now <= next)
    }

    /// True when `serial` (content octets of the INTEGER) is listed.
    fn lists(&self, serial: &[u8]) -> bool {
        self.revoked.binary_search_by(|s| s.as_slice().cmp(serial)).is_ok()
    }

    /// RFC 5280 §6.3.3(b)(2): a CRL limited to CA or to end-entity
    /// certificates covers only those; one limited to a distribution point
    /// covers only certificates naming that point (a fullName in common) in
    /// their cRLDistributionPoints; one limited to some reasons covers
    /// partially.
    fn covers(&self, cert: &ParsedCert<'_>) -> Coverage {
        let is_ca = cert.is_ca();
        if (self.scope.only_ca_certs && !is_ca) || (self.scope.only_user_certs && is_ca) {
            return Coverage::None;
        }
        if let Some(point) = &self.scope.point {
            let cert_points = match cert.cert.tbs_certificate().get_extension::<CrlDistributionPoints>() {
                Ok(Some((_, dps))) => dps.0,
                _ => Vec::new(),
            };
            let matches = cert_points
                .iter()
                .filter(|dp| dp.crl_issuer.is_none())
                .filter_map(|dp| dp.distribution_point.as_ref())
                .any(|name| full_names(name).iter().any(|n| point.contains(n)));
            if !matches {
                return Coverage::None;
            }
        }
        if self.scope.some_reasons {
            Coverage::Partial
        } else {
            Coverage::Full
        }
    }
}

/// The DER of every GeneralName of a fullName; nothing for
/// nameRelativeToCRLIssuer.
fn full_names(name: &DistributionPointName) -> Vec<Vec<u8>> {
    match name {
        DistributionPointName::FullName(names) => names.iter().filter_map(|n| n.to_der().ok()).collect(),
        DistributionPointName::NameRelativeToCRLIssuer(_) => Vec::new(),
    }
}

/// A set of CRLs.
#[derive(Clone, Default, Debug)]
pub struct CrlStore {
    crls: Vec<Crl>,
}

impl CrlStore {
    /// A store with no CRL.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Number of CRLs.
    pub fn len(&self) -> usize {
        self.crls.len()
    }

    /// True when the store holds no CRL.
    pub fn is_empty(&self) -> bool {
        self.crls.is_empty()
    }

    /// The CRLs, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Crl> {
        self.crls.iter()
    }

    /// Adds a parsed CRL.
    pub fn add(&mut self, crl: Crl) {
        self.crls.push(crl);
    }

    /// Adds one DER CRL (errors as [`Crl::from_der`]).
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), CertError> {
        self.add(Crl::from_der(der)?);
        Ok(())
    }

    /// Adds every CRL in `bytes` (PEM with any number of `X509 CRL` blocks,
    /// or one DER CRL) and returns how many were added.
    ///
    /// As for certificate bundles, bad PEM blocks are skipped as long as one
    /// CRL is usable; if none is, the first block's error. No CRL block at
    /// all is [`CertError::Empty`].
    pub fn add_pem_or_der(&mut self, bytes: &[u8]) -> Result<usize, CertError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(CertError::Empty);
        }
        if !pem::looks_like_pem(bytes) {
            return self.add_der(bytes).map(|()| 1);
        }
        let (mut added, mut first_error) = (0, None);
        for block in pem::pem_blocks(bytes).iter().filter(|b| b.label == CRL_LABEL) {
            match block.contents.as_ref().map_err(|e| *e).and_then(|der| Crl::from_der(der)) {
                Ok(crl) => {
                    self.add(crl);
                    added += 1;
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (added, first_error) {
            (0, Some(e)) => Err(e),
            (0, None) => Err(CertError::Empty),
            _ => Ok(added),
        }
    }

    /// The CRLs in one PEM or DER file; an unreadable file is
    /// [`CertError::Empty`], other errors as [`CrlStore::add_pem_or_der`].
    pub fn from_file(path: &Path) -> Result<Self, CertError> {
        let bytes = trust::read_limited(path).ok_or(CertError::Empty)?;
        let mut store = Self::empty();
        store.add_pem_or_der(&bytes)?;
        Ok(store)
    }

    /// The CRLs of every `*.pem`, `*.crl`, `*.der` and OpenSSL hash-named
    /// (`1a2b3c4d.r0`, as `openssl rehash` writes) regular file in `dir`,
    /// in file-name order. Files that do not hold a usable CRL are skipped,
    /// so one bad file does not disable the rest; an unreadable directory is
    /// [`CertError::Empty`].
    pub fn from_dir(dir: &Path) -> Result<Self, CertError> {
        let entries = fs::read_dir(dir).map_err(|_| CertError::Empty)?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        let mut store = Self::empty();
        for path in paths {
            let wanted = path.file_name().and_then(|n| n.to_str()).is_some_and(is_crl_file_name);
            if wanted && path.is_file() {
                if let Some(bytes) = trust::read_limited(&path) {
                    let _ = store.add_pem_or_der(&bytes);
                }
            }
        }
        Ok(store)
    }
}

/// `*.pem`, `*.crl`, `*.der`, or `8 hex digits ".r" decimal`.
fn is_crl_file_name(name: &str) -> bool {
    if [".pem", ".crl", ".der"].iter().any(|ext| name.ends_with(ext)) {
        return true;
    }
    match name.split_once(".r") {
        Some((hash, n)) => {
            hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// What the CRLs say about one certificate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Good,
    Revoked,
    /// Only stale CRLs cover it.
    Stale,
    /// No usable CRL covers it.
    Unknown,
}

/// The status of `cert`, whose issuer on the path is `issuer` (`None` when
/// the path does not contain it: a trusted non-self-issued anchor).
fn status(cert: &ParsedCert<'_>, issuer: Option<&ParsedCert<'_>>, opts: &VerifyOptions, now: i64) -> Status {
    let Some(issuer) = issuer.filter(|i| i.may_sign_crls()) else {
        return Status::Unknown;
    };
    let (mut fresh, mut stale) = (false, false);
    for crl in opts.crls.iter().filter(|c| c.issuer_key == cert.issuer_key) {
        let coverage = crl.covers(cert);
        if coverage == Coverage::None || verify_signed(&crl.sig_oid, issuer.spki, &crl.tbs, &crl.signature, opts.allow_md5).is_err() {
            continue;
        }
        // A listing counts even in a stale CRL: revocation is final.
        if crl.lists(cert.serial()) {
            return Status::Revoked;
        }
        if coverage == Coverage::Full {
            if crl.is_fresh(now) {
                fresh = true;
            } else {
                stale = true;
            }
        }
    }
    match (fresh, stale) {
        (true, _) => Status::Good,
        (false, true) => Status::Stale,
        (false, false) => Status::Unknown,
    }
}

/// The revocation step for a validated path: `path` runs from the
/// end-entity to the anchor, each certificate issued by the next; the
/// anchor's issuer is itself when self-issued, else unknown.
///
/// A revoked certificate anywhere wins; otherwise the first certificate from
/// the end-entity up whose missing ([`CertError::RevocationUnknown`]) or
/// stale ([`CertError::RevocationOffline`]) information is not ignored.
pub(crate) fn check_path(path: &[&ParsedCert<'_>], opts: &VerifyOptions, now: i64) -> Result<(), CertError> {
    let checked = match opts.revocation {
        RevocationMode::Off => 0,
        RevocationMode::EndCert => 1,
        RevocationMode::Chain => path.len(),
        RevocationMode::ChainExcludeRoot => path.len().saturating_sub(1),
    };
    let statuses: Vec<Status> = path
        .iter()
        .enumerate()
        .take(checked)
        .map(|(i, cert)| {
            let issuer = path.get(i + 1).copied().or_else(|| cert.is_self_issued().then_some(*cert));
            status(cert, issuer, opts, now)
        })
        .collect();
    if statuses.contains(&Status::Revoked) {
        return Err(CertError::Revoked);
    }
    for s in statuses {
        match s {
            Status::Stale if !opts.ignore_revocation_offline => return Err(CertError::RevocationOffline),
            Status::Unknown if !opts.ignore_no_revocation_check => return Err(CertError::RevocationUnknown),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::x509::testutil::{pki, pki_file, pki_store, NOW};
    use crate::x509::verify_chain_with;

    fn dir(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/x509/testdata/pki").join(rel)
    }

    fn crls(files: &[&str]) -> Arc<CrlStore> {
        let mut store = CrlStore::empty();
        for f in files {
            store.add_pem_or_der(&pki_file(f)).unwrap();
        }
        Arc::new(store)
    }

    fn opts(mode: RevocationMode, ignore_no_check: bool, ignore_offline: bool, files: &[&str]) -> VerifyOptions {
        VerifyOptions {
            revocation: mode,
            ignore_no_revocation_check: ignore_no_check,
            ignore_revocation_offline: ignore_offline,
            crls: crls(files),
            ..VerifyOptions::default()
        }
    }

    /// `leaf` under ca2, ca1, root.
    fn check(leaf: &str, o: &VerifyOptions) -> Result<(), CertError> {
        verify_chain_with(&[pki(leaf), pki("ca2"), pki("ca1")], &pki_store(&["root"]), NOW, o)
    }

    const ALL_FRESH: [&str; 3] = ["crl/root.crl", "crl/ca1.pem", "crl/ca2.crl"];

    #[test]
    fn loading() {
        let fresh = CrlStore::from_dir(&dir("crl")).unwrap();
        assert_eq!(fresh.len(), 4);
        assert_eq!(CrlStore::from_dir(&dir("stale")).unwrap().len(), 2);
        // The certificate directory has no CRL, which is not an error.
        assert!(CrlStore::from_dir(&dir("")).unwrap().is_empty());
        assert_eq!(CrlStore::from_dir(&dir("missing")).unwrap_err(), CertError::Empty);
        let ca2 = CrlStore::from_file(&dir("crl/ca2.crl")).unwrap();
        let crl = ca2.iter().next().unwrap();
        assert_eq!(crl.revoked_count(), 1);
        assert!(crl.is_fresh(NOW) && !crl.is_fresh(crl.this_update() - 1));
        assert!(crl.next_update().is_some_and(|n| n > NOW));
        assert_eq!(crate::x509::name::name_to_string(crl.issuer_der()).unwrap(), "CN=openschannel pki ca2,O=openschannel test");
        let stale = CrlStore::from_file(&dir("stale/ca2.crl")).unwrap();
        assert!(!stale.iter().next().unwrap().is_fresh(NOW));
        assert_eq!(CrlStore::from_file(&dir("crl/root.crl")).unwrap().len(), 1);
        assert_eq!(CrlStore::from_file(&dir("good.pem")).unwrap_err(), CertError::Empty);
        assert_eq!(CrlStore::from_file(&dir("nope.crl")).unwrap_err(), CertError::Empty);
        assert!(format!("{crl:?}").starts_with("Crl {"));
        assert!(is_crl_file_name("0123abcd.r0") && is_crl_file_name("x.der") && !is_crl_file_name("0123abcd.0"));
        assert!(!is_crl_file_name("README") && !is_crl_file_name("abc.r1"));
    }

    #[test]
    fn garbage_crls_are_errors() {
        let mut store = CrlStore::empty();
        assert_eq!(store.add_pem_or_der(b""), Err(CertError::Empty));
        assert_eq!(store.add_pem_or_der(b"junk"), Err(CertError::Malformed));
        assert_eq!(store.add_der(&pki("good")), Err(CertError::Malformed));
        let bad = b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
        assert_eq!(store.add_pem_or_der(bad), Err(CertError::Malformed));
        assert_eq!(store.add_pem_or_der(b"-----BEGIN X509 CRL-----\nMII"), Err(CertError::Malformed));
        let der = pki_file("crl/root.crl");
        for len in 0..der.len() {
            assert!(Crl::from_der(&der[..len]).is_err());
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(Crl::from_der(&trailing).unwrap_err(), CertError::Malformed);
        // Pseudo-random bytes and single-byte corruptions never panic.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut bytes = der.clone();
            let at = (x as usize) % bytes.len();
            bytes[at] ^= (x >> 32) as u8 | 1;
            let _ = Crl::from_der(&bytes);
            let _ = Crl::from_der(&x.to_be_bytes());
        }
        assert!(store.is_empty());
        // One bad block among good ones is skipped.
        let mut mixed = bad.to_vec();
        mixed.extend_from_slice(&pki_file("crl/ca2.crl"));
        assert_eq!(store.add_pem_or_der(&mixed), Ok(1));
    }

    #[test]
    fn off_ignores_everything() {
        let o = opts(RevocationMode::Off, false, false, &[]);
        assert_eq!(check("revoked", &o), Ok(()));
        let o = opts(RevocationMode::Off, false, false, &ALL_FRESH);
        assert_eq!(check("revoked", &o), Ok(()));
    }

    #[test]
    fn end_cert() {
        let o = opts(RevocationMode::EndCert, false, false, &["crl/ca2.crl"]);
        assert_eq!(check("good", &o), Ok(()));
        assert_eq!(check("revoked", &o), Err(CertError::Revoked));
        // The ignore flags never hide a revocation.
        let o = opts(RevocationMode::EndCert, true, true, &["crl/ca2.crl"]);
        assert_eq!(check("revoked", &o), Err(CertError::Revoked));
        // No CRL for the leaf's issuer.
        let o = opts(RevocationMode::EndCert, false, false, &["crl/root.crl", "crl/ca1.pem"]);
        assert_eq!(check("good", &o), Err(CertError::RevocationUnknown));
        let o = opts(RevocationMode::EndCert, true, false, &[]);
        assert_eq!(check("good", &o), Ok(()));
        assert_eq!(check("revoked", &o), Ok(()));
        let o = opts(RevocationMode::EndCert, false, true, &[]);
        assert_eq!(check("good", &o), Err(CertError::RevocationUnknown));
    }

    #[test]
    fn stale_crls_are_offline() {
        let stale = ["stale/ca2.crl"];
        assert_eq!(check("good", &opts(RevocationMode::EndCert, false, false, &stale)), Err(CertError::RevocationOffline));
        assert_eq!(check("good", &opts(RevocationMode::EndCert, true, false, &stale)), Err(CertError::RevocationOffline));
        assert_eq!(check("good", &opts(RevocationMode::EndCert, false, true, &stale)), Ok(()));
        assert_eq!(check("good", &opts(RevocationMode::EndCert, true, true, &stale)), Ok(()));
        // A listing in a stale CRL still counts.
        assert_eq!(check("revoked", &opts(RevocationMode::EndCert, false, true, &stale)), Err(CertError::Revoked));
        // A fresh CRL beside the stale one decides.
        let both = ["stale/ca2.crl", "crl/ca2.crl"];
        assert_eq!(check("good", &opts(RevocationMode::EndCert, false, false, &both)), Ok(()));
        // Before thisUpdate is not fresh either (2010: certificates valid, CRLs not yet issued).
        let o = opts(RevocationMode::EndCert, false, false, &["crl/ca2.crl"]);
        let early = verify_chain_with(&[pki("good"), pki("ca2"), pki("ca1")], &pki_store(&["root"]), 1_262_304_000, &o);
        assert_eq!(early, Err(CertError::RevocationOffline));
    }

    #[test]
    fn chain_modes() {
        use RevocationMode::{Chain, ChainExcludeRoot};
        assert_eq!(check("good", &opts(Chain, false, false, &ALL_FRESH)), Ok(()));
        assert_eq!(check("revoked", &opts(Chain, false, false, &ALL_FRESH)), Err(CertError::Revoked));
        // ca2 (issued by ca1) has no CRL.
        let leaf_only = ["crl/ca2.crl"];
        assert_eq!(check("good", &opts(Chain, false, false, &leaf_only)), Err(CertError::RevocationUnknown));
        assert_eq!(check("good", &opts(ChainExcludeRoot, false, false, &leaf_only)), Err(CertError::RevocationUnknown));
        assert_eq!(check("good", &opts(Chain, true, false, &leaf_only)), Ok(()));
        // Without root's CRL, ca1 lacks information in both modes.
        let no_root = ["crl/ca1.pem", "crl/ca2.crl"];
        assert_eq!(check("good", &opts(ChainExcludeRoot, false, false, &no_root)), Err(CertError::RevocationUnknown));
        // The root is covered by its own CRL in Chain mode (above); a trusted
        // intermediate has no issuer on the path, so only excluding it passes.
        let (chain, ca1) = ([pki("good"), pki("ca2")], pki_store(&["ca1"]));
        assert_eq!(verify_chain_with(&chain, &ca1, NOW, &opts(ChainExcludeRoot, false, false, &no_root)), Ok(()));
        assert_eq!(verify_chain_with(&chain, &ca1, NOW, &opts(Chain, false, false, &no_root)), Err(CertError::RevocationUnknown));
        assert_eq!(verify_chain_with(&chain, &ca1, NOW, &opts(Chain, true, false, &no_root)), Ok(()));
        // Root's CRL stale: ca1 and the root are offline.
        let stale_root = ["stale/root.crl", "crl/ca1.pem", "crl/ca2.crl"];
        assert_eq!(check("good", &opts(ChainExcludeRoot, false, false, &stale_root)), Err(CertError::RevocationOffline));
        assert_eq!(check("good", &opts(ChainExcludeRoot, false, true, &stale_root)), Ok(()));
        // An intermediate revoked by the root.
        let chain = [pki("under_revoked"), pki("ca_revoked")];
        let root = pki_store(&["root"]);
        let all = opts(Chain, true, false, &ALL_FRESH);
        assert_eq!(verify_chain_with(&chain, &root, NOW, &all), Err(CertError::Revoked));
        let end = opts(RevocationMode::EndCert, true, false, &ALL_FRESH);
        assert_eq!(verify_chain_with(&chain, &root, NOW, &end), Ok(()));
    }

    #[test]
    fn crl_signature_must_verify() {
        let end_cert = |crl: Crl| {
            let mut store = CrlStore::empty();
            store.add(crl);
            check("revoked", &VerifyOptions { revocation: RevocationMode::EndCert, crls: Arc::new(store), ..VerifyOptions::default() })
        };
        let real = CrlStore::from_file(&dir("crl/ca2.crl")).unwrap().crls.remove(0);
        assert_eq!(end_cert(real.clone()), Err(CertError::Revoked));
        // One bit of the signature flipped: the listing no longer counts.
        let mut tampered = real;
        let last = tampered.signature.len() - 1;
        tampered.signature[last] ^= 1;
        assert_eq!(end_cert(tampered), Err(CertError::RevocationUnknown));
        // Root's CRL under ca2's name: the name matches, ca2's key does not.
        let mut renamed = CrlStore::from_file(&dir("crl/root.crl")).unwrap().crls.remove(0);
        renamed.issuer_key = name_key(ParsedCert::parse(&pki("ca2")).unwrap().subject);
        assert_eq!(end_cert(renamed), Err(CertError::RevocationUnknown));
    }

    #[test]
    fn issuing_distribution_point_scope() {
        let o = opts(RevocationMode::EndCert, false, false, &["scoped/ca2_dp.crl"]);
        // Names the point: covered.
        assert_eq!(check("with_cdp", &o), Ok(()));
        // No cRLDistributionPoints: this CRL does not speak for it at all,
        // not even its listing (RFC 5280 §6.3.3(b)(2)(i)).
        assert_eq!(check("good", &o), Err(CertError::RevocationUnknown));
        assert_eq!(check("revoked", &o), Err(CertError::RevocationUnknown));
        // CA-only CRL for an end-entity.
        let o = opts(RevocationMode::EndCert, false, false, &["scoped/ca2_cas.crl"]);
        assert_eq!(check("revoked", &o), Err(CertError::RevocationUnknown));
    }

    #[test]
    fn ecdsa_crl() {
        let chain = [pki("ec_leaf"), pki("ec_inter")];
        let root = pki_store(&["ec_root"]);
        let o = opts(RevocationMode::EndCert, false, false, &["crl/ec_inter.der"]);
        assert_eq!(verify_chain_with(&chain, &root, NOW, &o), Ok(()));
        let o = opts(RevocationMode::ChainExcludeRoot, false, false, &["crl/ec_inter.der"]);
        assert_eq!(verify_chain_with(&chain, &root, NOW, &o), Err(CertError::RevocationUnknown));
    }

    #[test]
    fn pinned_end_entity() {
        // "good" trusted directly: not self-issued, so nobody to vouch for it.
        let store = pki_store(&["good"]);
        let o = opts(RevocationMode::EndCert, false, false, &ALL_FRESH);
        assert_eq!(verify_chain_with(&[pki("good")], &store, NOW, &o), Err(CertError::RevocationUnknown));
        let o = opts(RevocationMode::ChainExcludeRoot, false, false, &[]);
        assert_eq!(verify_chain_with(&[pki("good")], &store, NOW, &o), Ok(()));
        let o = opts(RevocationMode::EndCert, true, false, &[]);
        assert_eq!(verify_chain_with(&[pki("good")], &store, NOW, &o), Ok(()));
    }
}
