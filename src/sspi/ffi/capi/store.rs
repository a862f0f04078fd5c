//! Certificate stores: `CertOpenStore` (memory, file, system), `CertOpenSystemStoreA/W`,
//! `CertDuplicateStore`, adding, enumerating and deleting certificates.
//!
//! Linux has no registry-backed stores. The system stores are directories of certificate files:
//! `$OPENSCHANNEL_STORE_DIR/<name>` (lower-case store name: `my`, `root`, `ca`, …), else
//! `$XDG_DATA_HOME/openschannel/stores/<name>`, else `~/.local/share/openschannel/stores/<name>`.
//! Opening one reads every `*.pem`, `*.crt`, `*.cer`, `*.der` (with a private key from the same
//! PEM file or from `<stem>.key` beside it) and `*.pfx`/`*.p12` without password into a memory
//! store; `ROOT` also holds the system trust anchors (the ones the handshake uses by default:
//! `SSL_CERT_FILE`, `SSL_CERT_DIR`, `/etc/ssl/certs/…`). Changes to an opened store stay in
//! memory (nothing is written back).

use core::ffi::{c_char, c_void};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::super::certs::{self, AddDisposition};
use super::super::consts::X509_ASN_ENCODING;
use super::super::types::{BOOL, BYTE, DWORD, HCERTSTORE, PCCERT_CONTEXT};
use super::consts::*;
use super::types::HCRYPTPROV_LEGACY;
use super::{fail, read_cstr, read_wide, wide_to_string};
use crate::crypto::pkcs12;
use crate::crypto::sign::SigningKey;
use crate::ffi_guard;
use crate::sspi::credentials::{system_trust, CertData};
use crate::x509;

/// Largest file read into a store.
const MAX_FILE: u64 = 16 * 1024 * 1024;

/// The certificates of `certs` with `key` attached to the one whose public key it matches; that
/// certificate gets as its chain the issuers found among the others (up to, not including, a
/// self-issued root), which is what a server sends.
pub(crate) fn attach_key(certs: Vec<Vec<u8>>, key: Option<SigningKey>) -> Vec<Arc<CertData>> {
    let spki = key.as_ref().and_then(SigningKey::public_key_spki);
    let owner = spki.and_then(|s| certs.iter().position(|c| x509::subject_public_key_info(c).ok().as_deref() == Some(&s[..])));
    let mut key = key.map(Arc::new);
    let mut out = Vec::with_capacity(certs.len());
    for (i, der) in certs.iter().enumerate() {
        let (chain, k) = if Some(i) == owner { (issuer_path(der, &certs), key.take()) } else { (Vec::new(), None) };
        out.push(Arc::new(CertData { der: der.clone(), chain, key: k }));
    }
    out
}

/// Issuer and subject DER of a certificate.
pub(crate) fn names_of(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    use der::{Decode, Encode};
    let c = x509_cert::Certificate::from_der(der).ok()?;
    Some((c.tbs_certificate().issuer().to_der().ok()?, c.tbs_certificate().subject().to_der().ok()?))
}

/// The intermediates above `leaf` among `pool`, by issuer name, stopping before a self-issued
/// certificate (a root is not sent) and after 10 steps.
fn issuer_path(leaf: &[u8], pool: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut current = leaf.to_vec();
    for _ in 0..10 {
        let Some((issuer, subject)) = names_of(&current) else { break };
        if x509::name::names_equal(&issuer, &subject) {
            break;
        }
        let next = pool.iter().find(|c| {
            c.as_slice() != current.as_slice() && !out.contains(c) && names_of(c).is_some_and(|(_, s)| x509::name::names_equal(&s, &issuer))
        });
        match next {
            Some(n) if names_of(n).is_some_and(|(i, s)| !x509::name::names_equal(&i, &s)) => {
                out.push(n.clone());
                current = n.clone();
            }
            _ => break,
        }
    }
    out
}

fn read_limited(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    std::fs::read(path).ok()
}

/// The certificates (and key) of one file: PKCS#12 (empty or no password), PEM (certificates
/// and optionally a private key) or one DER certificate. `key_file` may supply the key.
pub(crate) fn load_file(bytes: &[u8], key_file: Option<&[u8]>) -> Result<Vec<Arc<CertData>>, DWORD> {
    if pkcs12::looks_like_pfx(bytes) {
        let c = pkcs12::parse(bytes, Some("")).or_else(|_| pkcs12::parse(bytes, None)).map_err(|_| ERROR_INVALID_PASSWORD)?;
        return Ok(attach_key(c.certs, c.key));
    }
    let certs = x509::pem::certs_from_pem_or_der(bytes).map_err(|_| CRYPT_E_BAD_ENCODE)?;
    let key = if x509::pem::looks_like_pem(bytes) { SigningKey::from_pem_or_der(bytes).ok() } else { None };
    let key = key.or_else(|| key_file.and_then(|k| SigningKey::from_pem_or_der(k).ok()));
    Ok(attach_key(certs, key))
}

/// The directory of system store `name`, or None for a name that is not a plain file name.
pub(crate) fn system_store_dir(name: &str) -> Option<PathBuf> {
    let lower = name.to_ascii_lowercase();
    if lower.is_empty() || lower == "." || lower == ".." || lower.contains(['/', '\\', '\0']) {
        return None;
    }
    let env_dir = |v: &str| std::env::var_os(v).filter(|s| !s.is_empty()).map(PathBuf::from);
    let base = env_dir("OPENSCHANNEL_STORE_DIR")
        .or_else(|| env_dir("XDG_DATA_HOME").map(|d| d.join("openschannel/stores")))
        .or_else(|| env_dir("HOME").map(|d| d.join(".local/share/openschannel/stores")))?;
    Some(base.join(lower))
}

/// The certificates of system store `name` (see the module documentation). Err when the name
/// is unusable, or when `must_exist` and the store (other than MY/ROOT/CA) has no directory.
pub(crate) fn system_store_certs(name: &str, must_exist: bool) -> Result<Vec<Arc<CertData>>, DWORD> {
    let dir = system_store_dir(name).ok_or(E_INVALIDARG)?;
    let upper = name.to_ascii_uppercase();
    let well_known = matches!(upper.as_str(), "MY" | "ROOT" | "CA");
    let mut out: Vec<Arc<CertData>> = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
                if !matches!(ext.as_deref(), Some("pem" | "crt" | "cer" | "der" | "pfx" | "p12")) {
                    continue;
                }
                let Some(bytes) = read_limited(&path) else { continue };
                let key = read_limited(&path.with_extension("key"));
                if let Ok(certs) = load_file(&bytes, key.as_deref()) {
                    for c in certs {
                        if !out.iter().any(|o| o.der == c.der) {
                            out.push(c);
                        }
                    }
                }
            }
        }
        Err(_) if must_exist && !well_known => return Err(ERROR_FILE_NOT_FOUND),
        Err(_) => {}
    }
    if upper == "ROOT" {
        for der in system_trust().anchors_der() {
            if !out.iter().any(|o| o.der == der) {
                out.push(Arc::new(CertData { der: der.to_vec(), chain: Vec::new(), key: None }));
            }
        }
    }
    Ok(out)
}

/// The provider of `CertOpenStore`: a small integer (`(LPCSTR)n`) or a name ("Memory",
/// "File", "System", case-insensitive, as the `sz_CERT_STORE_PROV_*` strings).
unsafe fn provider_id(p: *const c_char) -> Option<usize> {
    let v = p as usize;
    if v >> 16 == 0 {
        return Some(v);
    }
    // SAFETY: not a small integer, so a NUL-terminated string per the contract.
    let name = unsafe { read_cstr(p) }?;
    match name.to_ascii_lowercase().as_str() {
        "memory" => Some(PROV_MEMORY),
        "file" => Some(PROV_FILENAME_W),
        "system" => Some(PROV_SYSTEM_W),
        _ => None,
    }
}

/// CertOpenStore: opens a certificate store. Providers: `CERT_STORE_PROV_MEMORY` (empty store),
/// `CERT_STORE_PROV_FILENAME_A/W` (`pvPara` = path: PEM certificates with an optional private
/// key, one DER certificate, or a PKCS#12 file without password), `CERT_STORE_PROV_SYSTEM_A/W`
/// (`pvPara` = store name such as "MY", "ROOT", "CA"; `dwFlags` must name
/// `CERT_SYSTEM_STORE_CURRENT_USER` or `CERT_SYSTEM_STORE_LOCAL_MACHINE`, which map to the same
/// directories, see docs/certificates.md). `CERT_STORE_READONLY_FLAG` makes adds fail;
/// `CERT_STORE_OPEN_EXISTING_FLAG` makes a missing file or store directory an error. Returns
/// NULL on failure with `GetLastError`: E_INVALIDARG, ERROR_FILE_NOT_FOUND (unknown provider,
/// missing file), CRYPT_E_BAD_ENCODE (unreadable contents), ERROR_INVALID_PASSWORD (a PKCS#12 file
/// that needs a password: use `PFXImportCertStore`), ERROR_NOT_SUPPORTED
/// (`CERT_STORE_DELETE_FLAG`). Close with `CertCloseStore`.
#[no_mangle]
pub unsafe extern "C" fn CertOpenStore(
    lpszStoreProvider: *const c_char,
    dwEncodingType: DWORD,
    hCryptProv: HCRYPTPROV_LEGACY,
    dwFlags: DWORD,
    pvPara: *const c_void,
) -> HCERTSTORE {
    ffi_guard!(core::ptr::null_mut(), {
        let _ = (dwEncodingType, hCryptProv);
        let null = core::ptr::null_mut();
        if dwFlags & CERT_STORE_DELETE_FLAG != 0 {
            return fail(ERROR_NOT_SUPPORTED, null);
        }
        let read_only = dwFlags & CERT_STORE_READONLY_FLAG != 0;
        // SAFETY: provider pointer per the contract (integer or string).
        let Some(provider) = (unsafe { provider_id(lpszStoreProvider) }) else {
            return fail(ERROR_FILE_NOT_FOUND, null);
        };
        match provider {
            PROV_MEMORY => certs::new_store(Vec::new(), read_only),
            PROV_FILENAME_A | PROV_FILENAME_W => {
                let path = if provider == PROV_FILENAME_A {
                    // SAFETY: pvPara is a NUL-terminated path for the A provider.
                    unsafe { read_cstr(pvPara as *const c_char) }
                } else {
                    // SAFETY: pvPara is a NUL-terminated UTF-16 path for the W provider.
                    unsafe { read_wide(pvPara as *const u16) }.map(|w| wide_to_string(&w))
                };
                let Some(path) = path.filter(|p| !p.is_empty()) else { return fail(E_INVALIDARG, null) };
                let path = PathBuf::from(path);
                let Some(bytes) = read_limited(&path) else { return fail(ERROR_FILE_NOT_FOUND, null) };
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return certs::new_store(Vec::new(), read_only);
                }
                match load_file(&bytes, None) {
                    Ok(list) => certs::new_store(list, read_only),
                    Err(e) => fail(e, null),
                }
            }
            PROV_SYSTEM_A | PROV_SYSTEM_W => {
                let location = dwFlags & CERT_SYSTEM_STORE_LOCATION_MASK;
                if location != CERT_SYSTEM_STORE_CURRENT_USER && location != CERT_SYSTEM_STORE_LOCAL_MACHINE {
                    return fail(E_INVALIDARG, null);
                }
                let name = if provider == PROV_SYSTEM_A {
                    // SAFETY: pvPara is a NUL-terminated store name for the A provider.
                    unsafe { read_cstr(pvPara as *const c_char) }
                } else {
                    // SAFETY: pvPara is a NUL-terminated UTF-16 store name for the W provider.
                    unsafe { read_wide(pvPara as *const u16) }.map(|w| wide_to_string(&w))
                };
                let Some(name) = name else { return fail(E_INVALIDARG, null) };
                match system_store_certs(&name, dwFlags & CERT_STORE_OPEN_EXISTING_FLAG != 0) {
                    Ok(list) => certs::new_store(list, read_only),
                    Err(e) => fail(e, null),
                }
            }
            _ => fail(ERROR_FILE_NOT_FOUND, null),
        }
    })
}

/// CertOpenSystemStoreA: the current user's system store `szSubsystemProtocol` ("MY", "ROOT",
/// "CA", …), as `CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER,
/// name)`. NULL on failure (`GetLastError`).
#[no_mangle]
pub unsafe extern "C" fn CertOpenSystemStoreA(hProv: HCRYPTPROV_LEGACY, szSubsystemProtocol: *const c_char) -> HCERTSTORE {
    ffi_guard!(core::ptr::null_mut(), {
        let _ = hProv;
        // SAFETY: NULL or a NUL-terminated name per the contract.
        match unsafe { read_cstr(szSubsystemProtocol) } {
            Some(name) => match system_store_certs(&name, false) {
                Ok(list) => certs::new_store(list, false),
                Err(e) => fail(e, core::ptr::null_mut()),
            },
            None => fail(E_INVALIDARG, core::ptr::null_mut()),
        }
    })
}

/// CertOpenSystemStoreW: as `CertOpenSystemStoreA` with a UTF-16 name.
#[no_mangle]
pub unsafe extern "C" fn CertOpenSystemStoreW(hProv: HCRYPTPROV_LEGACY, szSubsystemProtocol: *const u16) -> HCERTSTORE {
    ffi_guard!(core::ptr::null_mut(), {
        let _ = hProv;
        // SAFETY: NULL or a NUL-terminated UTF-16 name per the contract.
        match unsafe { read_wide(szSubsystemProtocol) } {
            Some(name) => match system_store_certs(&wide_to_string(&name), false) {
                Ok(list) => certs::new_store(list, false),
                Err(e) => fail(e, core::ptr::null_mut()),
            },
            None => fail(E_INVALIDARG, core::ptr::null_mut()),
        }
    })
}

/// CertDuplicateStore: one more reference to an open store (each needs a `CertCloseStore`);
/// returns the same handle, NULL for an unknown one.
#[no_mangle]
pub unsafe extern "C" fn CertDuplicateStore(hCertStore: HCERTSTORE) -> HCERTSTORE {
    ffi_guard!(core::ptr::null_mut(), {
        if certs::duplicate_store(hCertStore) {
            hCertStore
        } else {
            fail(E_INVALIDARG, core::ptr::null_mut())
        }
    })
}

fn disposition(d: DWORD) -> Option<AddDisposition> {
    Some(match d {
        CERT_STORE_ADD_NEW | CERT_STORE_ADD_NEWER | CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES => AddDisposition::New,
        CERT_STORE_ADD_USE_EXISTING => AddDisposition::UseExisting,
        CERT_STORE_ADD_REPLACE_EXISTING => AddDisposition::Replace { inherit: false },
        CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES => AddDisposition::Replace { inherit: true },
        CERT_STORE_ADD_ALWAYS => AddDisposition::Always,
        _ => return None,
    })
}

/// Hands the added context to the caller (or drops its reference when they did not ask).
unsafe fn give(ctx: PCCERT_CONTEXT, out: *mut PCCERT_CONTEXT) -> BOOL {
    if out.is_null() {
        certs::release_cert(ctx);
    } else {
        // SAFETY: non-NULL out-pointer from the caller.
        unsafe { *out = ctx };
    }
    1
}

/// CertAddEncodedCertificateToStore: adds one DER certificate (`X509_ASN_ENCODING`) to a store.
/// `dwAddDisposition`: `CERT_STORE_ADD_NEW` (CRYPT_E_EXISTS if the same certificate is there),
/// `USE_EXISTING`, `REPLACE_EXISTING[_INHERIT_PROPERTIES]`, `ALWAYS`, `NEWER[_INHERIT_PROPERTIES]`
/// (an identical certificate is never newer: CRYPT_E_EXISTS). `ppCertContext` (may be NULL)
/// receives the store's context, to free with `CertFreeCertificateContext`. FALSE on failure:
/// E_INVALIDARG (bad store, encoding or disposition), CRYPT_E_ASN1_BADTAG (not one certificate),
/// E_ACCESSDENIED (read-only store).
#[no_mangle]
pub unsafe extern "C" fn CertAddEncodedCertificateToStore(
    hCertStore: HCERTSTORE,
    dwCertEncodingType: DWORD,
    pbCertEncoded: *const BYTE,
    cbCertEncoded: DWORD,
    dwAddDisposition: DWORD,
    ppCertContext: *mut PCCERT_CONTEXT,
) -> BOOL {
    ffi_guard!(0, {
        if !ppCertContext.is_null() {
            // SAFETY: non-NULL out-pointer from the caller.
            unsafe { *ppCertContext = core::ptr::null() };
        }
        let Some(how) = disposition(dwAddDisposition) else { return fail(E_INVALIDARG, 0) };
        if dwCertEncodingType & X509_ASN_ENCODING == 0 || pbCertEncoded.is_null() || cbCertEncoded == 0 || !certs::is_store(hCertStore) {
            return fail(E_INVALIDARG, 0);
        }
        // SAFETY: cbCertEncoded readable bytes at pbCertEncoded per the contract.
        let der = unsafe { core::slice::from_raw_parts(pbCertEncoded, cbCertEncoded as usize) }.to_vec();
        match x509::pem::certs_from_pem_or_der(&der) {
            Ok(list) if list.len() == 1 && list[0] == der => {}
            _ => return fail(CRYPT_E_ASN1_BADTAG, 0),
        }
        match certs::store_add(hCertStore, Arc::new(CertData { der, chain: Vec::new(), key: None }), HashMap::new(), how) {
            // SAFETY: ppCertContext NULL or writable per the contract.
            Ok(ctx) => unsafe { give(ctx, ppCertContext) },
            Err(e) => fail(e, 0),
        }
    })
}

/// CertAddCertificateContextToStore: adds a copy of a context (its private key and properties
/// included) to a store; dispositions and errors as `CertAddEncodedCertificateToStore`.
/// `ppStoreContext` (may be NULL) receives the new element.
#[no_mangle]
pub unsafe extern "C" fn CertAddCertificateContextToStore(
    hCertStore: HCERTSTORE,
    pCertContext: PCCERT_CONTEXT,
    dwAddDisposition: DWORD,
    ppStoreContext: *mut PCCERT_CONTEXT,
) -> BOOL {
    ffi_guard!(0, {
        if !ppStoreContext.is_null() {
            // SAFETY: non-NULL out-pointer from the caller.
            unsafe { *ppStoreContext = core::ptr::null() };
        }
        let Some(how) = disposition(dwAddDisposition) else { return fail(E_INVALIDARG, 0) };
        let Some(data) = certs::cert_data(pCertContext) else { return fail(E_INVALIDARG, 0) };
        match certs::store_add(hCertStore, data, certs::all_props(pCertContext), how) {
            // SAFETY: ppStoreContext NULL or writable per the contract.
            Ok(ctx) => unsafe { give(ctx, ppStoreContext) },
            Err(e) => fail(e, 0),
        }
    })
}

/// CertEnumCertificatesInStore: the element after `pPrevCertContext` (NULL: the first). The
/// previous context is always freed (as on Windows: a loop needs no CertFreeCertificateContext;
/// duplicate it to keep it). NULL at the end with CRYPT_E_NOT_FOUND, or E_INVALIDARG for an
/// unknown store or a `pPrevCertContext` that is not one of its elements.
#[no_mangle]
pub unsafe extern "C" fn CertEnumCertificatesInStore(hCertStore: HCERTSTORE, pPrevCertContext: PCCERT_CONTEXT) -> PCCERT_CONTEXT {
    ffi_guard!(core::ptr::null(), {
        match certs::store_next(hCertStore, pPrevCertContext, |_| true) {
            Ok(c) => c,
            Err(e) => fail(e, core::ptr::null()),
        }
    })
}

/// CertDeleteCertificateFromStore: removes the context from its store and frees it (always,
/// even on failure). FALSE with E_ACCESSDENIED for a context in no store or a read-only one,
/// E_INVALIDARG for an unknown pointer.
#[no_mangle]
pub unsafe extern "C" fn CertDeleteCertificateFromStore(pCertContext: PCCERT_CONTEXT) -> BOOL {
    ffi_guard!(0, {
        match certs::store_delete(pCertContext) {
            Ok(()) => 1,
            Err(e) => fail(e, 0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn pem_with_key_file_and_pfx() {
        let list = load_file(&data("server.pem"), Some(&data("server.key"))).unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].key.is_some());
        let list = load_file(&data("server.pem"), None).unwrap();
        assert!(list[0].key.is_none());
        // A password-protected PFX needs PFXImportCertStore.
        assert_eq!(load_file(&data("server.p12"), None).err(), Some(ERROR_INVALID_PASSWORD));
        assert_eq!(load_file(b"garbage", None).err(), Some(CRYPT_E_BAD_ENCODE));
    }

    #[test]
    fn key_goes_to_its_certificate_with_the_chain_above_it() {
        let c = pkcs12::parse(&data("server.p12"), Some("test")).unwrap();
        let list = attach_key(c.certs, c.key);
        let leaf = x509::pem::certs_from_pem_or_der(&data("server.pem")).unwrap().remove(0);
        let with_key: Vec<_> = list.iter().filter(|c| c.key.is_some()).collect();
        assert_eq!(with_key.len(), 1);
        assert_eq!(with_key[0].der, leaf);
        // The only issuer is the self-signed CA, which is not sent.
        assert!(with_key[0].chain.is_empty());
    }

    #[test]
    fn store_names_are_plain() {
        assert!(system_store_dir("../etc").is_none());
        assert!(system_store_dir("a/b").is_none());
        assert!(system_store_dir("").is_none());
        if let Some(d) = system_store_dir("MY") {
            assert!(d.ends_with("my"));
        }
    }
}
