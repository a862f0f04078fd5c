//! Trust anchors: the certificates a chain must lead to.
//!
//! An anchor is kept as its full DER plus the two fields path building needs
//! without re-parsing: the subject name (to find it by a child's issuer name)
//! and the SubjectPublicKeyInfo (to verify the child's signature). RFC 5280
//! §6.1.1(d) only requires the name and key; the full certificate is kept so
//! its validity dates and constraints can be checked as well (Windows does the
//! same for roots) and so callers can list the anchors.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{pem, verify, CertError};

/// Bundles tried by [`TrustStore::system`] when no environment variable names
/// one, first match wins: Debian/Ubuntu/Alpine/Arch, Fedora/RHEL, openSUSE,
/// and the OpenSSL default used by BSD-derived systems.
const SYSTEM_BUNDLES: [&str; 4] =
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"];

/// Directory scanned (every regular file) when none of [`SYSTEM_BUNDLES`]
/// exists.
const SYSTEM_DIR: &str = "/etc/ssl/certs";

/// Largest file we read as a certificate source: the biggest real bundles are
/// ~250 KiB; the cap keeps a mis-set variable (e.g. pointing at a device or a
/// huge log) from exhausting memory.
const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// One trust anchor.
#[derive(Clone)]
pub(crate) struct Anchor {
    /// DER of the subject `Name`, exactly as encoded in the certificate.
    pub(crate) subject: Vec<u8>,
    /// The subject in the canonical form path building compares
    /// (RFC 5280 §7.1; see `name::name_key`).
    pub(crate) subject_key: Vec<u8>,
    /// DER of the SubjectPublicKeyInfo.
    pub(crate) spki: Vec<u8>,
    /// The whole certificate.
    pub(crate) der: Vec<u8>,
}

/// A set of trusted root certificates (duplicates are stored once).
#[derive(Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Anchor>,
}

impl core::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrustStore").field("anchors", &self.anchors.len()).finish()
    }
}

impl TrustStore {
    /// A store that trusts nothing.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The system roots: the file named by `$SSL_CERT_FILE` if set; else every
    /// `*.pem`, `*.crt` and OpenSSL hash-named file (`1a2b3c4d.0`) in the
    /// directories of `$SSL_CERT_DIR` (colon-separated, as OpenSSL reads it)
    /// if set; else the first existing well-known bundle
    /// (`/etc/ssl/certs/ca-certificates.crt`, then the Fedora, openSUSE and
    /// BSD locations); else every file in `/etc/ssl/certs`.
    ///
    /// Unreadable files and unparseable certificates are skipped, so one bad
    /// entry does not disable every root. If a variable is set but names
    /// nothing usable, the result is empty rather than falling back to the
    /// defaults: the user asked for a specific set of roots (OpenSSL behaves
    /// the same way).
    pub fn system() -> Self {
        let mut store = Self::empty();
        if let Some(file) = env_path("SSL_CERT_FILE") {
            store.add_file_lenient(&file);
            return store;
        }
        if let Some(dirs) = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty()) {
            for dir in std::env::split_paths(&dirs) {
                store.add_dir_lenient(&dir, true);
            }
            return store;
        }
        for bundle in SYSTEM_BUNDLES {
            let path = Path::new(bundle);
            if path.is_file() {
                store.add_file_lenient(path);
                return store;
            }
        }
        store.add_dir_lenient(Path::new(SYSTEM_DIR), false);
        store
    }

    /// The certificates in `path`: a PEM bundle or a single DER certificate.
    ///
    /// Errors as [`TrustStore::add_pem_or_der`]; a file that cannot be read
    /// is [`CertError::Empty`] (no certificate could be obtained from it).
    pub fn from_file(path: &Path) -> Result<Self, CertError> {
        let bytes = read_limited(path).ok_or(CertError::Empty)?;
        let mut store = Self::empty();
        store.add_pem_or_der(&bytes)?;
        Ok(store)
    }

    /// Adds one DER certificate. Adding a certificate already present is a
    /// no-op. The certificate must parse ([`CertError::Malformed`] if not);
    /// its dates and signature are checked when a chain uses it, not here.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), CertError> {
        self.insert(der).map(|_| ())
    }

    /// Adds every certificate in `bytes` (PEM bundle or one DER certificate)
    /// and returns how many were new to the store.
    ///
    /// In a PEM bundle, certificate blocks that do not decode or parse are
    /// skipped as long as at least one certificate is usable; if none is,
    /// the result is [`CertError::Malformed`]. No certificate block at all is
    /// [`CertError::Empty`].
    pub fn add_pem_or_der(&mut self, bytes: &[u8]) -> Result<usize, CertError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(CertError::Empty);
        }
        if !pem::looks_like_pem(bytes) {
            return self.insert(bytes).map(usize::from);
        }
        let (mut added, mut usable, mut seen) = (0, 0, 0);
        for block in pem::pem_blocks(bytes) {
            let Some(cert) = pem::cert_from_block(&block) else {
                continue;
            };
            seen += 1;
            if let Ok(new) = cert.and_then(|der| self.insert(&der)) {
                usable += 1;
                added += usize::from(new);
            }
        }
        match (seen, usable) {
            (0, _) => Err(CertError::Empty),
            (_, 0) => Err(CertError::Malformed),
            _ => Ok(added),
        }
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when the store trusts nothing.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The DER of every anchor, in insertion order.
    pub fn anchors_der(&self) -> impl Iterator<Item = &[u8]> {
        self.anchors.iter().map(|a| a.der.as_slice())
    }

    /// The DER subject name of every anchor, e.g. for the
    /// `certificate_authorities` list of a CertificateRequest
    /// (RFC 5246 §7.4.4).
    pub fn subjects_der(&self) -> impl Iterator<Item = &[u8]> {
        self.anchors.iter().map(|a| a.subject.as_slice())
    }

    /// True when exactly this certificate (same DER) is an anchor.
    pub fn contains_der(&self, der: &[u8]) -> bool {
        self.anchors.iter().any(|a| a.der == der)
    }

    /// The anchors, for path building.
    pub(crate) fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }

    /// Parses and stores `der`; `Ok(false)` when it was already present.
    fn insert(&mut self, der: &[u8]) -> Result<bool, CertError> {
        let parsed = verify::ParsedCert::parse(der)?;
        if self.contains_der(der) {
            return Ok(false);
        }
        self.anchors.push(Anchor {
            subject: parsed.subject.to_vec(),
            subject_key: parsed.subject_key,
            spki: parsed.spki.to_vec(),
            der: der.to_vec(),
        });
        Ok(true)
    }

    /// Adds what can be read from `path`, ignoring every error.
    fn add_file_lenient(&mut self, path: &Path) {
        if let Some(bytes) = read_limited(path) {
            let _ = self.add_pem_or_der(&bytes);
        }
    }

    /// Adds every (matching) regular file in `dir`. With `filter`, only
    /// `*.pem`, `*.crt` and hash-named files, which is what `c_rehash` and
    /// distribution tools put in a certificate directory.
    fn add_dir_lenient(&mut self, dir: &Path, filter: bool) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        // Deterministic anchor order regardless of directory iteration order.
        paths.sort();
        for path in paths {
            let wanted = !filter || path.file_name().and_then(|n| n.to_str()).is_some_and(is_cert_file_name);
            // is_file() follows symlinks: hash links point at real files.
            if wanted && path.is_file() {
                self.add_file_lenient(&path);
            }
        }
    }
}

/// `name` is `*.pem`, `*.crt` or an OpenSSL subject-hash name (`8 hex
/// digits "." decimal`, as written by `openssl rehash`).
fn is_cert_file_name(name: &str) -> bool {
    if name.ends_with(".pem") || name.ends_with(".crt") {
        return true;
    }
    match name.split_once('.') {
        Some((hash, n)) => {
            hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// A non-empty environment variable as a path.
fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The contents of `path`, at most [`MAX_FILE_SIZE`] bytes; `None` on any
/// I/O error or when the file is larger.
pub(super) fn read_limited(path: &Path) -> Option<Vec<u8>> {
    let file = fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return None;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: &[u8] = include_bytes!("testdata/bundle.pem");
    const ROOT: &[u8] = include_bytes!("testdata/root.pem");
    const LEAF_DER: &[u8] = include_bytes!("testdata/leaf.der");

    fn testdata(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/x509/testdata").join(name)
    }

    #[test]
    fn add_and_dedup() {
        let mut store = TrustStore::empty();
        assert!(store.is_empty());
        assert_eq!(store.add_pem_or_der(BUNDLE), Ok(3));
        assert_eq!(store.len(), 3);
        assert_eq!(store.add_pem_or_der(ROOT), Ok(0));
        assert_eq!(store.add_der(LEAF_DER), Ok(()));
        assert_eq!(store.len(), 3);
        assert!(store.contains_der(LEAF_DER));
        assert_eq!(store.anchors_der().nth(2), Some(LEAF_DER));
        assert_eq!(store.subjects_der().count(), 3);
        assert_eq!(format!("{store:?}"), "TrustStore { anchors: 3 }");
    }

    #[test]
    fn bad_inputs() {
        let mut store = TrustStore::empty();
        assert_eq!(store.add_der(b""), Err(CertError::Malformed));
        assert_eq!(store.add_der(&LEAF_DER[..100]), Err(CertError::Malformed));
        assert_eq!(store.add_pem_or_der(b""), Err(CertError::Empty));
        assert_eq!(store.add_pem_or_der(b"junk"), Err(CertError::Malformed));
        let key_only = include_bytes!("testdata/leaf.key");
        assert_eq!(store.add_pem_or_der(key_only), Err(CertError::Empty));
        let bad = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(store.add_pem_or_der(bad), Err(CertError::Malformed));
        // One bad block among good ones is skipped.
        let mut mixed = bad.to_vec();
        mixed.extend_from_slice(ROOT);
        assert_eq!(store.add_pem_or_der(&mixed), Ok(1));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn from_file_pem_and_der() {
        assert_eq!(TrustStore::from_file(&testdata("bundle.pem")).unwrap().len(), 3);
        assert_eq!(TrustStore::from_file(&testdata("leaf.der")).unwrap().len(), 1);
        assert_eq!(TrustStore::from_file(&testdata("does-not-exist.pem")).unwrap_err(), CertError::Empty);
        // make.sh mentions "-----BEGIN " but holds no certificate block.
        assert_eq!(TrustStore::from_file(&testdata("make.sh")).unwrap_err(), CertError::Empty);
        assert_eq!(TrustStore::from_file(&testdata("leaf.rsa.der")).unwrap_err(), CertError::Malformed);
    }

    #[test]
    fn cert_file_names() {
        assert!(is_cert_file_name("ca.pem"));
        assert!(is_cert_file_name("ca.crt"));
        assert!(is_cert_file_name("002c0b4f.0"));
        assert!(is_cert_file_name("002c0b4f.12"));
        assert!(!is_cert_file_name("002c0b4f.r0")); // CRL hash links
        assert!(!is_cert_file_name("README"));
        assert!(!is_cert_file_name("ca.key"));
    }

    /// The only test that touches the environment (tests run in parallel and
    /// the environment is process-wide), so every variable case is here.
    #[test]
    fn system_store_and_environment() {
        let saved_file = std::env::var_os("SSL_CERT_FILE");
        let saved_dir = std::env::var_os("SSL_CERT_DIR");

        std::env::remove_var("SSL_CERT_FILE");
        std::env::remove_var("SSL_CERT_DIR");
        let defaults = TrustStore::system();

        let tmp = std::env::temp_dir().join(format!("openschannel-x509-{}", std::process::id()));
        fs::create_dir_all(&tmp).unwrap();
        let bundle = tmp.join("bundle.pem");
        fs::write(&bundle, BUNDLE).unwrap();
        std::env::set_var("SSL_CERT_FILE", &bundle);
        let from_file = TrustStore::system();
        std::env::set_var("SSL_CERT_FILE", tmp.join("missing.pem"));
        let missing = TrustStore::system();

        std::env::remove_var("SSL_CERT_FILE");
        let certdir = tmp.join("certs");
        fs::create_dir_all(&certdir).unwrap();
        fs::write(certdir.join("root.pem"), ROOT).unwrap();
        fs::write(certdir.join("0123abcd.0"), LEAF_DER).unwrap();
        fs::write(certdir.join("ignored.txt"), include_bytes!("testdata/inter.pem")).unwrap();
        std::env::set_var("SSL_CERT_DIR", &certdir);
        let from_dir = TrustStore::system();

        match saved_file {
            Some(v) => std::env::set_var("SSL_CERT_FILE", v),
            None => std::env::remove_var("SSL_CERT_FILE"),
        }
        match saved_dir {
            Some(v) => std::env::set_var("SSL_CERT_DIR", v),
            None => std::env::remove_var("SSL_CERT_DIR"),
        }
        let _ = fs::remove_dir_all(&tmp);

        if Path::new(SYSTEM_DIR).is_dir() {
            assert!(defaults.len() > 10, "only {} system roots", defaults.len());
        }
        assert_eq!(from_file.len(), 3);
        assert!(missing.is_empty());
        assert_eq!(from_dir.len(), 2);
        assert!(from_dir.contains_der(LEAF_DER));
    }
}
