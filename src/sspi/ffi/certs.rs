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

/// Book-keeping of one live certificate context.
struct CertEntry {
    /// References: the caller's and, for a context that belongs to a store, the store's one.
    refs: usize,
    /// The store whose element this context is (its `hCertStore`), 0 for none.
    store: usize,
    /// Properties set with `CertSetCertificateContextProperty` (id → stored bytes).
    props: HashMap<u32, Vec<u8>>,
}

/// One certificate store: its elements are contexts holding one reference each. The store
/// lives while it is open or while a caller still holds one of its contexts (Windows keeps a
/// closed store alive until its last context is freed, so `ctx->hCertStore` stays usable).
struct StoreEntry {
    /// Open handles (`CertOpenStore`, `CertDuplicateStore` minus `CertCloseStore`).
    opens: usize,
    /// Element contexts, in insertion order.
    certs: Vec<usize>,
    /// `CERT_STORE_READONLY_FLAG`: adds are refused.
    read_only: bool,
    /// The anchors for `SCHANNEL_CRED.hRootStore`, built on first use.
    trust: Option<Arc<TrustStore>>,
}

struct Registry {
    /// Live certificate contexts.
    certs: HashMap<usize, CertEntry>,
    /// Live stores.
    stores: HashMap<usize, StoreEntry>,
}

impl Registry {
    fn alloc_cert(&mut self, data: Arc<CertData>, store: usize) -> usize {
        let mut b = Box::new(CertBox {
            ctx: CERT_CONTEXT {
                dwCertEncodingType: X509_ASN_ENCODING | PKCS_7_ASN_ENCODING,
                pbCertEncoded: core::ptr::null_mut(),
                cbCertEncoded: data.der.len() as DWORD,
                pCertInfo: core::ptr::null_mut(),
                hCertStore: store as HCERTSTORE,
            },
            data,
        });
        // The DER lives in the Arc'd CertData, which the box keeps alive; C only reads it.
        b.ctx.pbCertEncoded = b.data.der.as_ptr() as *mut BYTE;
        let p = Box::into_raw(b) as usize;
        self.certs.insert(p, CertEntry { refs: 1, store, props: HashMap::new() });
        p
    }

    /// Drops one reference; frees the context at zero and collects a closed store whose last
    /// outside reference this was. False for a pointer we do not know.
    fn release_cert(&mut self, p: usize) -> bool {
        let Some(e) = self.certs.get_mut(&p) else { return false };
        e.refs -= 1;
        let store = e.store;
        if e.refs == 0 {
            self.certs.remove(&p);
            // SAFETY: registered pointers come from Box::into_raw in alloc_cert; the last
            // reference was just removed from the registry, so the box is freed exactly once.
            drop(unsafe { Box::from_raw(p as *mut CertBox) });
        }
        if store != 0 {
            self.maybe_collect(store);
        }
        true
    }

    /// Frees a store that is closed and whose contexts only the store itself references.
    fn maybe_collect(&mut self, h: usize) {
        let Some(s) = self.stores.get(&h) else { return };
        if s.opens > 0 || s.certs.iter().any(|c| self.certs.get(c).is_some_and(|e| e.refs > 1)) {
            return;
        }
        let Some(s) = self.stores.remove(&h) else { return };
        for c in s.certs {
            if let Some(e) = self.certs.get_mut(&c) {
                e.store = 0;
            }
            self.release_cert(c);
        }
        // SAFETY: store handles are Box<u8> from new_store_handle, removed from the registry once.
        drop(unsafe { Box::from_raw(h as *mut u8) });
    }

    fn data(&self, p: usize) -> Option<Arc<CertData>> {
        self.certs.contains_key(&p).then(|| {
            // SAFETY: registered pointers come from Box::into_raw in alloc_cert and stay valid
            // until their count reaches 0, which removes them from the registry (under the
            // same lock the caller holds).
            unsafe { (*(p as *const CertBox)).data.clone() }
        })
    }
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut g = REGISTRY.lock();
    f(g.get_or_insert_with(|| Registry { certs: HashMap::new(), stores: HashMap::new() }))
}

/// Wraps certificate data in a new `CERT_CONTEXT` (reference count 1, no store).
pub fn new_cert_context(data: Arc<CertData>) -> PCCERT_CONTEXT {
    with_registry(|r| r.alloc_cert(data, 0)) as PCCERT_CONTEXT
}

/// The data behind a certificate context we created, or None for any other pointer.
pub fn cert_data(p: PCCERT_CONTEXT) -> Option<Arc<CertData>> {
    with_registry(|r| r.data(p as usize))
}

/// Adds a reference to a context we created (false for any other pointer).
pub fn duplicate_cert(p: PCCERT_CONTEXT) -> bool {
    with_registry(|r| match r.certs.get_mut(&(p as usize)) {
        Some(e) => {
            e.refs += 1;
            true
        }
        None => false,
    })
}

/// Drops a reference to a context we created (false for any other pointer).
pub fn release_cert(p: PCCERT_CONTEXT) -> bool {
    with_registry(|r| r.release_cert(p as usize))
}

/// The trust store behind a store handle we created: its certificates as anchors.
pub fn store_trust(h: HCERTSTORE) -> Option<Arc<TrustStore>> {
    with_registry(|r| {
        let ders: Vec<Arc<CertData>> = {
            let s = r.stores.get(&(h as usize))?;
            if let Some(t) = &s.trust {
                return Some(t.clone());
            }
            s.certs.iter().filter_map(|&c| r.data(c)).collect()
        };
        let mut t = TrustStore::empty();
        for d in ders {
            let _ = t.add_der(&d.der);
        }
        let t = Arc::new(t);
        if let Some(s) = r.stores.get_mut(&(h as usize)) {
            s.trust = Some(t.clone());
        }
        Some(t)
    })
}

/// A new open store (one handle reference) holding `certs`, in order.
pub fn new_store(certs: Vec<Arc<CertData>>, read_only: bool) -> HCERTSTORE {
    let h = Box::into_raw(Box::new(0u8)) as usize;
    with_registry(|r| {
        r.stores.insert(h, StoreEntry { opens: 1, certs: Vec::new(), read_only: false, trust: None });
        let ptrs: Vec<usize> = certs.into_iter().map(|d| r.alloc_cert(d, h)).collect();
        if let Some(s) = r.stores.get_mut(&h) {
            s.certs = ptrs;
            s.read_only = read_only;
        }
    });
    h as HCERTSTORE
}

/// Is `h` a store we created (open, or closed but kept alive by its contexts)?
pub fn is_store(h: HCERTSTORE) -> bool {
    with_registry(|r| r.stores.contains_key(&(h as usize)))
}

/// `CertDuplicateStore`: one more open reference. False for an unknown handle.
pub fn duplicate_store(h: HCERTSTORE) -> bool {
    with_registry(|r| match r.stores.get_mut(&(h as usize)) {
        Some(s) => {
            s.opens += 1;
            true
        }
        None => false,
    })
}

/// The store's elements (context pointer and data), in order; None for an unknown handle.
pub fn store_elements(h: HCERTSTORE) -> Option<Vec<(PCCERT_CONTEXT, Arc<CertData>)>> {
    with_registry(|r| {
        let s = r.stores.get(&(h as usize))?;
        Some(s.certs.iter().filter_map(|&c| r.data(c).map(|d| (c as PCCERT_CONTEXT, d))).collect())
    })
}

/// The store a context belongs to (NULL for none or an unknown context).
pub fn store_of(p: PCCERT_CONTEXT) -> HCERTSTORE {
    with_registry(|r| r.certs.get(&(p as usize)).map_or(0, |e| e.store)) as HCERTSTORE
}

/// How `store_add` treats a certificate the store already holds (same DER).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AddDisposition {
    /// Fail with CRYPT_E_EXISTS (`CERT_STORE_ADD_NEW`, and the `NEWER` forms: a certificate is
    /// never newer than itself).
    New,
    /// Return the existing element (`CERT_STORE_ADD_USE_EXISTING`).
    UseExisting,
    /// Replace it (`CERT_STORE_ADD_REPLACE_EXISTING[_INHERIT_PROPERTIES]`).
    Replace { inherit: bool },
    /// Add a second element (`CERT_STORE_ADD_ALWAYS`).
    Always,
}

/// Adds a certificate (with `props`) to store `h`; returns the new (or existing) element with
/// one reference for the caller. Errors are GetLastError codes.
pub fn store_add(h: HCERTSTORE, data: Arc<CertData>, props: HashMap<u32, Vec<u8>>, how: AddDisposition) -> Result<PCCERT_CONTEXT, u32> {
    use super::capi::consts::{CRYPT_E_EXISTS, E_ACCESSDENIED, E_INVALIDARG};
    with_registry(|r| {
        let h = h as usize;
        let s = r.stores.get(&h).ok_or(E_INVALIDARG)?;
        if s.read_only {
            return Err(E_ACCESSDENIED);
        }
        let existing = s.certs.iter().copied().find(|&c| r.data(c).is_some_and(|d| d.der == data.der));
        let mut props = props;
        match (existing, how) {
            (Some(_), AddDisposition::New) => return Err(CRYPT_E_EXISTS),
            (Some(c), AddDisposition::UseExisting) => {
                if let Some(e) = r.certs.get_mut(&c) {
                    e.refs += 1;
                    // Windows merges the new context's properties into the existing one.
                    for (k, v) in props {
                        e.props.entry(k).or_insert(v);
                    }
                }
                return Ok(c as PCCERT_CONTEXT);
            }
            (Some(c), AddDisposition::Replace { inherit }) => {
                if let Some(e) = r.certs.get_mut(&c) {
                    if inherit {
                        for (k, v) in e.props.iter() {
                            props.entry(*k).or_insert_with(|| v.clone());
                        }
                    }
                    e.store = 0;
                }
                if let Some(s) = r.stores.get_mut(&h) {
                    s.certs.retain(|&x| x != c);
                }
                r.release_cert(c);
            }
            _ => {}
        }
        let p = r.alloc_cert(data, h);
        if let Some(e) = r.certs.get_mut(&p) {
            e.refs += 1; // the store's reference and the caller's
            e.props = props;
        }
        if let Some(s) = r.stores.get_mut(&h) {
            s.certs.push(p);
            s.trust = None;
        }
        Ok(p as PCCERT_CONTEXT)
    })
}

/// `CertDeleteCertificateFromStore`: removes the element from its store and releases the
/// caller's reference (always, as Windows does). Errors are GetLastError codes.
pub fn store_delete(p: PCCERT_CONTEXT) -> Result<(), u32> {
    use super::capi::consts::{E_ACCESSDENIED, E_INVALIDARG};
    with_registry(|r| {
        let p = p as usize;
        let store = r.certs.get(&p).ok_or(E_INVALIDARG)?.store;
        let read_only = r.stores.get(&store).is_some_and(|s| s.read_only);
        if store == 0 || read_only {
            r.release_cert(p);
            return Err(E_ACCESSDENIED);
        }
        let mut in_store = false;
        if let Some(s) = r.stores.get_mut(&store) {
            in_store = s.certs.contains(&p);
            s.certs.retain(|&x| x != p);
            s.trust = None;
        }
        if let Some(e) = r.certs.get_mut(&p) {
            e.store = 0;
        }
        if in_store {
            r.release_cert(p); // the store's reference
        }
        r.release_cert(p); // the caller's
        r.maybe_collect(store);
        Ok(())
    })
}

/// The element after `prev` (NULL: the first) of store `h`, with a reference for the caller;
/// `prev` is released, as `CertEnumCertificatesInStore` does. `pick` chooses among the
/// following elements (the first for which it is true). Errors are GetLastError codes:
/// E_INVALIDARG for an unknown store or a `prev` that is not one of its elements,
/// CRYPT_E_NOT_FOUND at the end.
pub fn store_next(h: HCERTSTORE, prev: PCCERT_CONTEXT, mut pick: impl FnMut(&CertData) -> bool) -> Result<PCCERT_CONTEXT, u32> {
    use super::capi::consts::{CRYPT_E_NOT_FOUND, E_INVALIDARG};
    let elements = with_registry(|r| {
        let s = r.stores.get(&(h as usize))?;
        let start = if prev.is_null() { 0 } else { s.certs.iter().position(|&c| c == prev as usize)? + 1 };
        Some(s.certs[start..].iter().filter_map(|&c| r.data(c).map(|d| (c, d))).collect::<Vec<_>>())
    });
    let Some(elements) = elements else {
        if !prev.is_null() {
            release_cert(prev);
        }
        return Err(E_INVALIDARG);
    };
    // The predicate runs without the lock (it may parse certificates).
    let found = elements.into_iter().find(|(_, d)| pick(d)).map(|(c, _)| c);
    let result = match found {
        Some(c) if duplicate_cert(c as PCCERT_CONTEXT) => Ok(c as PCCERT_CONTEXT),
        _ => Err(CRYPT_E_NOT_FOUND),
    };
    if !prev.is_null() {
        release_cert(prev);
    }
    result
}

/// A stored property of a context (None when unset or for an unknown context).
pub fn get_prop(p: PCCERT_CONTEXT, id: u32) -> Option<Vec<u8>> {
    with_registry(|r| r.certs.get(&(p as usize)).and_then(|e| e.props.get(&id).cloned()))
}

/// All stored properties of a context (to copy them along with it).
pub fn all_props(p: PCCERT_CONTEXT) -> HashMap<u32, Vec<u8>> {
    with_registry(|r| r.certs.get(&(p as usize)).map(|e| e.props.clone()).unwrap_or_default())
}

/// Sets (Some) or deletes (None) a stored property; false for an unknown context.
pub fn set_prop(p: PCCERT_CONTEXT, id: u32, value: Option<Vec<u8>>) -> bool {
    with_registry(|r| match r.certs.get_mut(&(p as usize)) {
        Some(e) => {
            match value {
                Some(v) => e.props.insert(id, v),
                None => e.props.remove(&id),
            };
            true
        }
        None => false,
    })
}

/// Closes one open reference of a store. None for an unknown (or already closed) handle;
/// Some(true) when contexts of the store are still held by the caller.
pub fn close_store(h: HCERTSTORE, force: bool) -> Option<bool> {
    with_registry(|r| {
        let h = h as usize;
        let s = r.stores.get_mut(&h)?;
        if s.opens == 0 {
            return None;
        }
        s.opens = if force { 0 } else { s.opens - 1 };
        let pending = s.opens == 0 && s.certs.iter().any(|c| r.certs.get(c).is_some_and(|e| e.refs > 1));
        r.maybe_collect(h);
        Some(pending)
    })
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
        if duplicate_cert(pCertContext) {
            pCertContext
        } else {
            core::ptr::null()
        }
    })
}

/// CertFreeCertificateContext: drops a reference; TRUE also for NULL, FALSE for a pointer we
/// never created (which is left alone). A context that belongs to a store lives on in the store.
#[no_mangle]
pub unsafe extern "C" fn CertFreeCertificateContext(pCertContext: PCCERT_CONTEXT) -> BOOL {
    ffi_guard!(0, {
        if pCertContext.is_null() || release_cert(pCertContext) {
            1
        } else {
            0
        }
    })
}

/// CertCloseStore: closes a store handle (from `CertOpenStore`, `CertOpenSystemStore`,
/// `PFXImportCertStore`, `CertDuplicateStore` or `OpenSchannelOpenCaFile`). TRUE on success,
/// also for NULL; FALSE for an unknown handle. The store's memory is released once it is closed
/// and no context taken from it is still held (credentials keep their own copies). With
/// `CERT_CLOSE_STORE_CHECK_FLAG`, contexts still held make it answer FALSE with
/// `CRYPT_E_PENDING_CLOSE` (the store is closed all the same); `CERT_CLOSE_STORE_FORCE_FLAG`
/// closes every open reference at once.
#[no_mangle]
pub unsafe extern "C" fn CertCloseStore(hCertStore: HCERTSTORE, dwFlags: DWORD) -> BOOL {
    ffi_guard!(0, {
        use super::capi::consts::{CERT_CLOSE_STORE_CHECK_FLAG, CERT_CLOSE_STORE_FORCE_FLAG, CRYPT_E_PENDING_CLOSE, E_INVALIDARG};
        if hCertStore.is_null() {
            return 1;
        }
        match close_store(hCertStore, dwFlags & CERT_CLOSE_STORE_FORCE_FLAG != 0) {
            Some(true) if dwFlags & CERT_CLOSE_STORE_CHECK_FLAG != 0 => super::capi::fail(CRYPT_E_PENDING_CLOSE, 0),
            Some(_) => 1,
            None => super::capi::fail(E_INVALIDARG, 0),
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
/// `SCHANNEL_CRED.hRootStore`. NULL on failure. Close with `CertCloseStore(store, 0)`; the store
/// can also be enumerated like any other.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelOpenCaFile(path: *const c_char) -> HCERTSTORE {
    ffi_guard!(core::ptr::null_mut(), {
        let Some(bytes) = read_path(path) else { return core::ptr::null_mut() };
        let mut store = TrustStore::empty();
        match store.add_pem_or_der(&bytes) {
            Ok(n) if n > 0 => {
                let certs = store.anchors_der().map(|d| Arc::new(CertData { der: d.to_vec(), chain: Vec::new(), key: None })).collect();
                new_store(certs, false)
            }
            _ => core::ptr::null_mut(),
        }
    })
}
