//! `CERT_CONTEXT` objects and certificate stores across the C boundary, plus the project's
//! functions to load them from files. Pointers we hand out are registered; a pointer we did
//! not create is refused, never dereferenced.

use core::ffi::c_char;
use std::collections::HashMap;
use std::ffi::CStr;
use std::sync::Arc;

use parking_lot::Mutex;

use super::consts::*;
use super::types::{BOOL, BYTE, CERT_CONTEXT, DWORD, HCERTSTORE, PCCERT_CONTEXT};
use crate::crypto::sign::SigningKey;
use crate::ffi_guard;
use crate::sspi::credentials::CertData;
use crate::x509::{self, TrustStore};

/// A `CERT_CONTEXT` with the data it points into. `ctx` is the first field, so a pointer to
/// the box is a pointer to the `CERT_CONTEXT`.
#[repr(C)]
struct CertBox {
    ctx: CERT_CONTEXT,
    data: Arc<CertData>,
}

struct Registry {
    /// Live certificate contexts and their reference counts.
    certs: HashMap<usize, usize>,
    /// Live stores.
    stores: HashMap<usize, Arc<TrustStore>>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut g = REGISTRY.lock();
    f(g.get_or_insert_with(|| Registry { certs: HashMap::new(), stores: HashMap::new() }))
}

/// Wraps certificate data in a new `CERT_CONTEXT` (reference count 1).
pub fn new_cert_context(data: Arc<CertData>) -> PCCERT_CONTEXT {
    let mut b = Box::new(CertBox {
        ctx: CERT_CONTEXT {
            dwCertEncodingType: X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
            pbCertEncoded: core::ptr::null_mut(),
            cbCertEncoded: data.der.len() as DWORD,
            pCertInfo: core::ptr::null_mut(),
            hCertStore: core::ptr::null_mut(),
        },
        data,
    });
    // The DER lives in the Arc'd CertData, which the box keeps alive; C only reads it.
    b.ctx.pbCertEncoded = b.data.der.as_ptr() as *mut BYTE;
    let p = Box::into_raw(b);
    with_registry(|r| r.certs.insert(p as usize, 1));
    p as PCCERT_CONTEXT
}

/// The data behind a certificate context we created, or None for any other pointer.
pub fn cert_data(p: PCCERT_CONTEXT) -> Option<Arc<CertData>> {
    with_registry(|r| {
        r.certs.contains_key(&(p as usize)).then(|| {
            // SAFETY: registered pointers come from Box::into_raw in new_cert_context and stay
            // valid until their count reaches 0, which removes them from the registry (under
            // the same lock we hold).
            unsafe { (*(p as *const CertBox)).data.clone() }
        })
    })
}

/// The trust store behind a store handle we created.
pub fn store_trust(h: HCERTSTORE) -> Option<Arc<TrustStore>> {
    with_registry(|r| r.stores.get(&(h as usize)).cloned())
}

fn new_store(trust: TrustStore) -> HCERTSTORE {
    let p = Box::into_raw(Box::new(0u8)) as HCERTSTORE;
    with_registry(|r| r.stores.insert(p as usize, Arc::new(trust)));
    p
}

fn read_path(p: *const c_char) -> Option<Vec<u8>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-NULL, NUL-terminated per the function contract.
    let s = unsafe { CStr::from_ptr(p) }.to_str().ok()?;
    std::fs::read(s).ok()
}

/// CertCreateCertificateContext: a context holding a copy of one DER certificate.
/// Returns NULL for bad input. Free with `CertFreeCertificateContext`.
#[no_mangle]
pub unsafe extern "C" fn CertCreateCertificateContext(
    dwCertEncodingType: DWORD,
    pbCertEncoded: *const BYTE,
    cbCertEncoded: DWORD,
) -> PCCERT_CONTEXT {
    ffi_guard!(core::ptr::null(), {
        if dwCertEncodingType & X509_ASN_ENCODING == 0 || pbCertEncoded.is_null() || cbCertEncoded == 0 {
            return core::ptr::null();
        }
        // SAFETY: the caller passes cbCertEncoded readable bytes at pbCertEncoded.
        let der = unsafe { core::slice::from_raw_parts(pbCertEncoded, cbCertEncoded as usize) }.to_vec();
        match x509::pem::certs_from_pem_or_der(&der) {
            Ok(list) if list.len() == 1 && list[0] == der => new_cert_context(Arc::new(CertData { der, chain: Vec::new(), key: None })),
            _ => core::ptr::null(),
        }
    })
}

/// CertDuplicateCertificateContext: adds a reference; returns the same pointer (NULL if unknown).
#[no_mangle]
pub unsafe extern "C" fn CertDuplicateCertificateContext(pCertContext: PCCERT_CONTEXT) -> PCCERT_CONTEXT {
    ffi_guard!(core::ptr::null(), {
        with_registry(|r| match r.certs.get_mut(&(pCertContext as usize)) {
            Some(n) => {
                *n += 1;
                pCertContext
            }
            None => core::ptr::null(),
        })
    })
}

/// CertFreeCertificateContext: drops a reference; TRUE also for NULL, FALSE for a pointer we
/// never created (which is left alone).
#[no_mangle]
pub unsafe extern "C" fn CertFreeCertificateContext(pCertContext: PCCERT_CONTEXT) -> BOOL {
    ffi_guard!(0, {
        if pCertContext.is_null() {
            return 1;
        }
        let free = with_registry(|r| match r.certs.get_mut(&(pCertContext as usize)) {
            Some(n) if *n > 1 => {
                *n -= 1;
                Some(false)
            }
            Some(_) => {
                r.certs.remove(&(pCertContext as usize));
                Some(true)
            }
            None => None,
        });
        match free {
            Some(true) => {
                // SAFETY: the pointer came from Box::into_raw and its last reference was just
                // removed from the registry, so it is freed exactly once.
                drop(unsafe { Box::from_raw(pCertContext as *mut CertBox) });
                1
            }
            Some(false) => 1,
            None => 0,
        }
    })
}

/// CertCloseStore: closes a store from `OpenSchannelOpenCaFile`. TRUE on success.
#[no_mangle]
pub unsafe extern "C" fn CertCloseStore(hCertStore: HCERTSTORE, dwFlags: DWORD) -> BOOL {
    ffi_guard!(0, {
        let _ = dwFlags;
        if hCertStore.is_null() {
            return 1;
        }
        match with_registry(|r| r.stores.remove(&(hCertStore as usize))) {
            Some(_) => {
                // SAFETY: store handles are Box<u8> from new_store, removed from the registry once.
                drop(unsafe { Box::from_raw(hCertStore as *mut u8) });
                1
            }
            None => 0,
        }
    })
}

/// OpenSchannelLoadCertificateFiles: a certificate with its RSA private key, for
/// `SCHANNEL_CRED.paCred` of a server (or a client certificate).
///
/// `cert_file`: PEM (leaf first, intermediates may follow) or DER. `key_file`: RSA or ECDSA
/// (P-256/P-384) key in PEM or DER: PKCS#1, SEC1 or unencrypted PKCS#8. `chain_file` (may be NULL): more intermediates.
/// Returns NULL on any failure. The caller frees the result with `CertFreeCertificateContext`.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelLoadCertificateFiles(
    cert_file: *const c_char,
    key_file: *const c_char,
    chain_file: *const c_char,
) -> PCCERT_CONTEXT {
    ffi_guard!(core::ptr::null(), {
        let load = || -> Option<PCCERT_CONTEXT> {
            let mut certs = x509::pem::certs_from_pem_or_der(&read_path(cert_file)?).ok()?;
            if !chain_file.is_null() {
                certs.extend(x509::pem::certs_from_pem_or_der(&read_path(chain_file)?).ok()?);
            }
            let key = SigningKey::from_pem_or_der(&read_path(key_file)?).ok()?;
            let mut it = certs.into_iter();
            let der = it.next()?;
            Some(new_cert_context(Arc::new(CertData { der, chain: it.collect(), key: Some(Arc::new(key)) })))
        };
        load().unwrap_or(core::ptr::null())
    })
}

/// OpenSchannelOpenCaFile: a store of trust anchors (PEM bundle or one DER certificate) for
/// `SCHANNEL_CRED.hRootStore`. NULL on failure. Close with `CertCloseStore(store, 0)`.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelOpenCaFile(path: *const c_char) -> HCERTSTORE {
    ffi_guard!(core::ptr::null_mut(), {
        let Some(bytes) = read_path(path) else { return core::ptr::null_mut() };
        let mut store = TrustStore::empty();
        match store.add_pem_or_der(&bytes) {
            Ok(n) if n > 0 => new_store(store),
            _ => core::ptr::null_mut(),
        }
    })
}
