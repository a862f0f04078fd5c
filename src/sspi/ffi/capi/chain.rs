//! Chain building and policy: `CertGetCertificateChain`, `CertVerifyCertificateChainPolicy`,
//! `CertDuplicateCertificateChain`, `CertFreeCertificateChain`.
//!
//! The chain is validated by the engine the handshake uses ([`x509::verify_chain_path`]): the
//! anchors are the ROOT system store (its directory plus the system trust bundle, see
//! [`super::store`]), the intermediates come from the certificate's own chain and store, the
//! additional store and the CA system store. The chain context exposes the validated path
//! (`rgpChain[0]->rgpElement[i]->pCertContext`, end-entity first, root last); when validation
//! fails it holds the best path found by issuer names, and the error is in `TrustStatus`.

use core::ffi::{c_char, c_void};
use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use super::super::certs;
use super::super::consts::{
    CERT_E_CHAINING, CERT_E_CN_NO_MATCH, CERT_E_EXPIRED, CERT_E_UNTRUSTEDROOT, CERT_E_WRONG_USAGE, CRYPT_E_NO_REVOCATION_CHECK,
    CRYPT_E_REVOCATION_OFFLINE, CRYPT_E_REVOKED,
};
use super::super::types::{BOOL, DWORD, HCERTSTORE, PCCERT_CONTEXT};
use super::consts::*;
use super::store::{names_of, system_store_certs};
use super::types::*;
use super::{fail, read_cstr, read_wide, wide_to_string};
use crate::ffi_guard;
use crate::sspi::credentials::CertData;
use crate::x509::{self, CertError, Purpose, RevocationMode, TrustStore, VerifyOptions};

/// `szOID_PKIX_KP_CLIENT_AUTH` / `szOID_PKIX_KP_SERVER_AUTH`.
const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const OID_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
/// `HCCE_LOCAL_MACHINE` ((HCERTCHAINENGINE)0x1); NULL is `HCCE_CURRENT_USER`.
const HCCE_LOCAL_MACHINE: usize = 1;
/// Seconds between 1601-01-01 and 1970-01-01.
const EPOCH_DIFF: i64 = 11_644_473_600;

/// What a policy check needs to validate the chain again (with another purpose).
struct Evaluation {
    input: Vec<Vec<u8>>,
    trust: Arc<TrustStore>,
    now: i64,
    opts: VerifyOptions,
    result: Result<(), CertError>,
    /// DER of the elements, end-entity first.
    path: Vec<Vec<u8>>,
}

/// A chain context with everything its pointers point into. `ctx` is the first field, so a
/// pointer to the box is the `PCCERT_CHAIN_CONTEXT`.
#[repr(C)]
struct ChainBox {
    ctx: CERT_CHAIN_CONTEXT,
    simple: CERT_SIMPLE_CHAIN,
    simple_ptr: *mut CERT_SIMPLE_CHAIN,
    elements: Vec<CERT_CHAIN_ELEMENT>,
    element_ptrs: Vec<*mut CERT_CHAIN_ELEMENT>,
}

/// Live chain contexts: pointer → (references, evaluation).
type ChainMap = HashMap<usize, (usize, Arc<Evaluation>)>;
static CHAINS: Mutex<Option<ChainMap>> = Mutex::new(None);

fn with_chains<R>(f: impl FnOnce(&mut ChainMap) -> R) -> R {
    f(CHAINS.lock().get_or_insert_with(HashMap::new))
}

/// (trust status error bit, policy error) for an engine error. `untrusted_root`: the best path
/// ends in a self-signed certificate (else an unknown issuer is a partial chain).
fn classify(e: CertError, untrusted_root: bool) -> (DWORD, DWORD) {
    match e {
        CertError::UnknownIssuer if untrusted_root => (CERT_TRUST_IS_UNTRUSTED_ROOT, CERT_E_UNTRUSTEDROOT as u32),
        CertError::UnknownIssuer => (CERT_TRUST_IS_PARTIAL_CHAIN, CERT_E_CHAINING as u32),
        CertError::Expired | CertError::NotYetValid => (CERT_TRUST_IS_NOT_TIME_VALID, CERT_E_EXPIRED as u32),
        CertError::WrongUsage => (CERT_TRUST_IS_NOT_VALID_FOR_USAGE, CERT_E_WRONG_USAGE as u32),
        CertError::Revoked => (CERT_TRUST_IS_REVOKED, CRYPT_E_REVOKED as u32),
        CertError::RevocationUnknown => (CERT_TRUST_REVOCATION_STATUS_UNKNOWN, CRYPT_E_NO_REVOCATION_CHECK as u32),
        CertError::RevocationOffline => {
            (CERT_TRUST_REVOCATION_STATUS_UNKNOWN | CERT_TRUST_IS_OFFLINE_REVOCATION, CRYPT_E_REVOCATION_OFFLINE as u32)
        }
        CertError::BadSignature | CertError::UnsupportedKey | CertError::UnsupportedSignatureAlgorithm => {
            (CERT_TRUST_IS_NOT_SIGNATURE_VALID, TRUST_E_CERT_SIGNATURE)
        }
        CertError::NotCa | CertError::PathTooLong => (CERT_TRUST_INVALID_BASIC_CONSTRAINTS, TRUST_E_BASIC_CONSTRAINTS),
        CertError::UnknownCriticalExtension => (CERT_TRUST_INVALID_EXTENSION, CERT_E_CRITICAL),
        CertError::NameMismatch => (0, CERT_E_CN_NO_MATCH as u32),
        CertError::Malformed | CertError::Empty => (CERT_TRUST_INVALID_EXTENSION, CERT_E_MALFORMED),
    }
}

fn self_issued(der: &[u8]) -> bool {
    names_of(der).is_some_and(|(i, s)| x509::name::names_equal(&i, &s))
}

/// A path by issuer names only (no signatures), for a chain that did not validate: the
/// end-entity, then issuers from `pool`, up to a self-issued certificate or 11 elements.
fn name_path(leaf: &[u8], pool: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut path = vec![leaf.to_vec()];
    while path.len() < 12 {
        let Some(current) = path.last() else { break };
        if self_issued(current) {
            break;
        }
        let Some((issuer, _)) = names_of(current) else { break };
        let next = pool.iter().find(|c| !path.contains(c) && names_of(c).is_some_and(|(_, s)| x509::name::names_equal(&s, &issuer)));
        match next {
            Some(n) => path.push(n.clone()),
            None => break,
        }
    }
    path
}

/// The default engine's anchors: the ROOT system store, cached per process for the system
/// bundle part (the directory part is read on each call, it is small).
fn default_roots() -> Arc<TrustStore> {
    let mut t = TrustStore::empty();
    for c in system_store_certs("ROOT", false).unwrap_or_default() {
        let _ = t.add_der(&c.der);
    }
    Arc::new(t)
}

/// FILETIME → Unix seconds.
fn filetime_to_unix(ft: &FILETIME) -> i64 {
    let ticks = (u64::from(ft.dwHighDateTime) << 32) | u64::from(ft.dwLowDateTime);
    (ticks / 10_000_000) as i64 - EPOCH_DIFF
}

fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The purpose asked for in `CERT_CHAIN_PARA.RequestedUsage`: client authentication when that
/// OID is requested without server authentication, else server authentication.
unsafe fn requested_purpose(para: &CERT_CHAIN_PARA) -> Purpose {
    let u = &para.RequestedUsage.Usage;
    if u.cUsageIdentifier == 0 || u.rgpszUsageIdentifier.is_null() {
        return Purpose::ServerAuth;
    }
    let mut oids = Vec::new();
    for i in 0..u.cUsageIdentifier.min(64) as usize {
        // SAFETY: cUsageIdentifier string pointers per the contract.
        if let Some(s) = unsafe { read_cstr(*u.rgpszUsageIdentifier.add(i) as *const c_char) } {
            oids.push(s);
        }
    }
    if oids.iter().any(|o| o == OID_CLIENT_AUTH) && !oids.iter().any(|o| o == OID_SERVER_AUTH) {
        Purpose::ClientAuth
    } else {
        Purpose::ServerAuth
    }
}

/// Builds and validates the chain; the evaluation and the elements' DER.
fn evaluate(leaf: &CertData, pool: Vec<Vec<u8>>, trust: Arc<TrustStore>, now: i64, opts: VerifyOptions) -> Evaluation {
    let mut input = vec![leaf.der.clone()];
    for c in leaf.chain.iter().cloned().chain(pool) {
        if !input.contains(&c) {
            input.push(c);
        }
    }
    let (result, path) = match x509::verify_chain_path(&input, &trust, now, &opts) {
        Ok(path) => (Ok(()), path),
        Err(e) => {
            let mut pool: Vec<Vec<u8>> = input[1..].to_vec();
            pool.extend(trust.anchors_der().map(<[u8]>::to_vec));
            (Err(e), name_path(&leaf.der, &pool))
        }
    };
    Evaluation { input, trust, now, opts, result, path }
}

/// The C structure over an evaluation. Element 0 reuses `leaf_ctx` (duplicated); the others
/// are new contexts, freed with the chain.
fn build_box(ev: &Evaluation, leaf_ctx: PCCERT_CONTEXT) -> Box<ChainBox> {
    let untrusted_root = ev.path.last().is_some_and(|c| self_issued(c));
    let (error_bits, _) = match ev.result {
        Ok(()) => (CERT_TRUST_NO_ERROR, 0),
        Err(e) => classify(e, untrusted_root),
    };
    let n = ev.path.len();
    let mut elements = Vec::with_capacity(n);
    for (i, der) in ev.path.iter().enumerate() {
        let ctx = if i == 0 && certs::duplicate_cert(leaf_ctx) {
            leaf_ctx
        } else {
            certs::new_cert_context(Arc::new(CertData { der: der.clone(), chain: Vec::new(), key: None }))
        };
        let mut info = 0;
        if i + 1 < n {
            info |= CERT_TRUST_HAS_NAME_MATCH_ISSUER;
        }
        if self_issued(der) {
            info |= CERT_TRUST_IS_SELF_SIGNED | CERT_TRUST_HAS_NAME_MATCH_ISSUER;
        }
        // Errors that belong to one element: the root's, the end-entity's usage.
        let mut err = 0;
        if i + 1 == n && error_bits & (CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN) != 0 {
            err |= error_bits;
        }
        if i == 0 && error_bits & CERT_TRUST_IS_NOT_VALID_FOR_USAGE != 0 {
            err |= error_bits;
        }
        elements.push(CERT_CHAIN_ELEMENT {
            cbSize: core::mem::size_of::<CERT_CHAIN_ELEMENT>() as DWORD,
            pCertContext: ctx,
            TrustStatus: CERT_TRUST_STATUS { dwErrorStatus: err, dwInfoStatus: info },
            pRevocationInfo: core::ptr::null_mut(),
            pIssuanceUsage: core::ptr::null_mut(),
            pApplicationUsage: core::ptr::null_mut(),
            pwszExtendedErrorInfo: core::ptr::null(),
        });
    }
    let status =
        CERT_TRUST_STATUS { dwErrorStatus: error_bits, dwInfoStatus: if ev.result.is_ok() { CERT_TRUST_HAS_PREFERRED_ISSUER } else { 0 } };
    let mut b = Box::new(ChainBox {
        ctx: CERT_CHAIN_CONTEXT {
            cbSize: core::mem::size_of::<CERT_CHAIN_CONTEXT>() as DWORD,
            TrustStatus: status,
            cChain: 1,
            rgpChain: core::ptr::null_mut(),
            cLowerQualityChainContext: 0,
            rgpLowerQualityChainContext: core::ptr::null_mut(),
            fHasRevocationFreshnessTime: 0,
            dwRevocationFreshnessTime: 0,
            dwCreateFlags: 0,
            ChainId: GUID::default(),
        },
        simple: CERT_SIMPLE_CHAIN {
            cbSize: core::mem::size_of::<CERT_SIMPLE_CHAIN>() as DWORD,
            TrustStatus: status,
            cElement: n as DWORD,
            rgpElement: core::ptr::null_mut(),
            pTrustListInfo: core::ptr::null_mut(),
            fHasRevocationFreshnessTime: 0,
            dwRevocationFreshnessTime: 0,
        },
        simple_ptr: core::ptr::null_mut(),
        elements,
        element_ptrs: Vec::new(),
    });
    // The box and the vectors' buffers do not move from here on, so these pointers stay valid
    // for the life of the box.
    b.element_ptrs = b.elements.iter_mut().map(|e| e as *mut CERT_CHAIN_ELEMENT).collect();
    b.simple.rgpElement = b.element_ptrs.as_mut_ptr();
    b.simple_ptr = &mut b.simple;
    b.ctx.rgpChain = &mut b.simple_ptr;
    b
}

fn store_ders(h: HCERTSTORE) -> Vec<Vec<u8>> {
    certs::store_elements(h).map(|v| v.into_iter().map(|(_, d)| d.der.clone()).collect()).unwrap_or_default()
}

/// CertGetCertificateChain: builds and validates the chain of `pCertContext` with the default
/// chain engine (`hChainEngine` NULL = HCCE_CURRENT_USER, or HCCE_LOCAL_MACHINE, the same here)
/// at `pTime` (NULL: now). Intermediates: the context's own chain and store, `hAdditionalStore`,
/// the CA system store; anchors: the ROOT system store. `pChainPara->RequestedUsage` selects
/// client-auth validation when it asks for `szOID_PKIX_KP_CLIENT_AUTH` only (else server auth);
/// `dwFlags` CERT_CHAIN_REVOCATION_CHECK_END_CERT / _CHAIN / _CHAIN_EXCLUDE_ROOT ask for
/// revocation checking (no CRLs are fetched, so the result is then
/// CERT_TRUST_REVOCATION_STATUS_UNKNOWN). `*ppChainContext` receives the context (free with
/// `CertFreeCertificateChain`) even when the chain is not trusted: the verdict is in
/// `TrustStatus.dwErrorStatus` (CERT_TRUST_IS_UNTRUSTED_ROOT, IS_PARTIAL_CHAIN,
/// IS_NOT_TIME_VALID, IS_NOT_VALID_FOR_USAGE, IS_REVOKED, …). FALSE with E_INVALIDARG for bad
/// arguments (unknown context, store or engine, NULL `pChainPara` or `ppChainContext`).
#[no_mangle]
pub unsafe extern "C" fn CertGetCertificateChain(
    hChainEngine: HCERTCHAINENGINE,
    pCertContext: PCCERT_CONTEXT,
    pTime: *const FILETIME,
    hAdditionalStore: HCERTSTORE,
    pChainPara: *const CERT_CHAIN_PARA,
    dwFlags: DWORD,
    pvReserved: *mut c_void,
    ppChainContext: *mut PCCERT_CHAIN_CONTEXT,
) -> BOOL {
    ffi_guard!(0, {
        let _ = pvReserved;
        if ppChainContext.is_null() {
            return fail(E_INVALIDARG, 0);
        }
        // SAFETY: non-NULL out-pointer from the caller.
        unsafe { *ppChainContext = core::ptr::null() };
        if !(hChainEngine.is_null() || hChainEngine as usize == HCCE_LOCAL_MACHINE) || pChainPara.is_null() {
            return fail(E_INVALIDARG, 0);
        }
        let Some(leaf) = certs::cert_data(pCertContext) else { return fail(E_INVALIDARG, 0) };
        if !hAdditionalStore.is_null() && !certs::is_store(hAdditionalStore) {
            return fail(E_INVALIDARG, 0);
        }
        // SAFETY: checked non-NULL; a CERT_CHAIN_PARA per the contract.
        let para = unsafe { &*pChainPara };
        // SAFETY: as above.
        let purpose = unsafe { requested_purpose(para) };
        let now = if pTime.is_null() {
            now_unix()
        } else {
            // SAFETY: non-NULL FILETIME per the contract.
            filetime_to_unix(unsafe { &*pTime })
        };
        let revocation = if dwFlags & CERT_CHAIN_REVOCATION_CHECK_CHAIN != 0 {
            RevocationMode::Chain
        } else if dwFlags & CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT != 0 {
            RevocationMode::ChainExcludeRoot
        } else if dwFlags & CERT_CHAIN_REVOCATION_CHECK_END_CERT != 0 {
            RevocationMode::EndCert
        } else {
            RevocationMode::Off
        };
        let opts = VerifyOptions { purpose, revocation, ..VerifyOptions::default() };
        let mut pool = store_ders(hAdditionalStore);
        pool.extend(store_ders(certs::store_of(pCertContext)));
        pool.extend(system_store_certs("CA", false).unwrap_or_default().into_iter().map(|c| c.der.clone()));
        let ev = evaluate(&leaf, pool, default_roots(), now, opts);
        let b = build_box(&ev, pCertContext);
        let p = Box::into_raw(b) as usize;
        with_chains(|m| m.insert(p, (1, Arc::new(ev))));
        // SAFETY: non-NULL out-pointer from the caller.
        unsafe { *ppChainContext = p as PCCERT_CHAIN_CONTEXT };
        1
    })
}

/// CertDuplicateCertificateChain: one more reference; the same pointer (NULL if unknown).
#[no_mangle]
pub unsafe extern "C" fn CertDuplicateCertificateChain(pChainContext: PCCERT_CHAIN_CONTEXT) -> PCCERT_CHAIN_CONTEXT {
    ffi_guard!(core::ptr::null(), {
        with_chains(|m| match m.get_mut(&(pChainContext as usize)) {
            Some(e) => {
                e.0 += 1;
                pChainContext
            }
            None => core::ptr::null(),
        })
    })
}

/// CertFreeCertificateChain: drops a reference; the last one frees the context and the
/// certificate contexts of its elements. NULL and unknown pointers are ignored.
#[no_mangle]
pub unsafe extern "C" fn CertFreeCertificateChain(pChainContext: PCCERT_CHAIN_CONTEXT) {
    ffi_guard!((), {
        let last = with_chains(|m| match m.get_mut(&(pChainContext as usize)) {
            Some(e) if e.0 > 1 => {
                e.0 -= 1;
                false
            }
            Some(_) => m.remove(&(pChainContext as usize)).is_some(),
            None => false,
        });
        if last {
            // SAFETY: the pointer came from Box::into_raw in CertGetCertificateChain and its
            // last reference was just removed from the registry, so it is freed exactly once.
            let b = unsafe { Box::from_raw(pChainContext as *mut ChainBox) };
            for e in &b.elements {
                certs::release_cert(e.pCertContext);
            }
        }
    })
}

/// Flags that waive one kind of error (policy `dwFlags` and SSL `fdwChecks` together).
fn ignored(e: CertError, untrusted_root: bool, flags: DWORD, checks: DWORD) -> bool {
    match e {
        CertError::Expired | CertError::NotYetValid => {
            flags & CERT_CHAIN_POLICY_IGNORE_NOT_TIME_VALID_FLAG != 0 || checks & SECURITY_FLAG_IGNORE_CERT_DATE_INVALID != 0
        }
        CertError::UnknownIssuer => {
            untrusted_root && (flags & CERT_CHAIN_POLICY_ALLOW_UNKNOWN_CA_FLAG != 0 || checks & SECURITY_FLAG_IGNORE_UNKNOWN_CA != 0)
        }
        CertError::WrongUsage => flags & CERT_CHAIN_POLICY_IGNORE_WRONG_USAGE_FLAG != 0 || checks & SECURITY_FLAG_IGNORE_WRONG_USAGE != 0,
        CertError::NotCa | CertError::PathTooLong => flags & CERT_CHAIN_POLICY_IGNORE_INVALID_BASIC_CONSTRAINTS_FLAG != 0,
        CertError::RevocationUnknown | CertError::RevocationOffline => {
            flags
                & (CERT_CHAIN_POLICY_IGNORE_END_REV_UNKNOWN_FLAG
                    | CERT_CHAIN_POLICY_IGNORE_CA_REV_UNKNOWN_FLAG
                    | CERT_CHAIN_POLICY_IGNORE_ROOT_REV_UNKNOWN_FLAG)
                != 0
                || checks & SECURITY_FLAG_IGNORE_REVOCATION != 0
        }
        CertError::NameMismatch => {
            flags & CERT_CHAIN_POLICY_IGNORE_INVALID_NAME_FLAG != 0 || checks & SECURITY_FLAG_IGNORE_CERT_CN_INVALID != 0
        }
        _ => false,
    }
}

/// The SSL/base policy verdict: (error, element index) or None when the chain passes.
fn policy_verdict(ev: &Evaluation, purpose: Purpose, server_name: Option<&str>, flags: DWORD, checks: DWORD) -> Option<(DWORD, i32)> {
    let result = if purpose == ev.opts.purpose {
        ev.result
    } else {
        let opts = VerifyOptions { purpose, ..ev.opts.clone() };
        x509::verify_chain_with(&ev.input, &ev.trust, ev.now, &opts)
    };
    let untrusted_root = ev.path.last().is_some_and(|c| self_issued(c));
    if let Err(e) = result {
        if !ignored(e, untrusted_root, flags, checks) {
            let element = if e == CertError::UnknownIssuer { ev.path.len() as i32 - 1 } else { 0 };
            return Some((classify(e, untrusted_root).1, element));
        }
    }
    if let Some(name) = server_name.filter(|n| !n.is_empty()) {
        let leaf = ev.input.first()?;
        if let Err(e) = x509::verify_host_name(leaf, name) {
            if !ignored(CertError::NameMismatch, false, flags, checks) {
                let _ = e;
                return Some((CERT_E_CN_NO_MATCH as u32, 0));
            }
        }
    }
    None
}

/// CertVerifyCertificateChainPolicy: checks a chain against a policy. `pszPolicyOID`:
/// CERT_CHAIN_POLICY_BASE (the chain's own trust status) or CERT_CHAIN_POLICY_SSL, whose
/// `pPolicyPara->pvExtraPolicyPara` may be an `SSL_EXTRA_CERT_CHAIN_POLICY_PARA`: `dwAuthType`
/// AUTHTYPE_SERVER (default; validates for server authentication and matches
/// `pwszServerName`, when given, against the end-entity's DNS/IP names) or AUTHTYPE_CLIENT
/// (validates for client authentication), `fdwChecks` SECURITY_FLAG_IGNORE_* waivers. The
/// result is in `pPolicyStatus`: `dwError` 0 or CERT_E_UNTRUSTEDROOT, CERT_E_CHAINING,
/// CERT_E_EXPIRED, CERT_E_WRONG_USAGE, CERT_E_CN_NO_MATCH, CRYPT_E_REVOKED,
/// CRYPT_E_NO_REVOCATION_CHECK, CRYPT_E_REVOCATION_OFFLINE, TRUST_E_CERT_SIGNATURE,
/// TRUST_E_BASIC_CONSTRAINTS, CERT_E_CRITICAL; `lChainIndex`/`lElementIndex` locate the failing
/// element (-1 on success). `pPolicyPara->dwFlags` takes the CERT_CHAIN_POLICY_IGNORE_* /
/// ALLOW_UNKNOWN_CA flags. Returns TRUE when the policy was evaluated (whatever the verdict);
/// FALSE with E_INVALIDARG for an unknown chain or a NULL status, CRYPT_E_NOT_FOUND for another
/// policy. An error that is waived ends the evaluation of the chain (checks the engine orders
/// after it are not run), except the name check.
#[no_mangle]
pub unsafe extern "C" fn CertVerifyCertificateChainPolicy(
    pszPolicyOID: *const c_char,
    pChainContext: PCCERT_CHAIN_CONTEXT,
    pPolicyPara: *const CERT_CHAIN_POLICY_PARA,
    pPolicyStatus: *mut CERT_CHAIN_POLICY_STATUS,
) -> BOOL {
    ffi_guard!(0, {
        let policy = pszPolicyOID as usize;
        if policy != POLICY_BASE && policy != POLICY_SSL {
            return fail(CRYPT_E_NOT_FOUND, 0);
        }
        let Some(ev) = with_chains(|m| m.get(&(pChainContext as usize)).map(|e| e.1.clone())) else { return fail(E_INVALIDARG, 0) };
        if pPolicyStatus.is_null() {
            return fail(E_INVALIDARG, 0);
        }
        // SAFETY: NULL or a CERT_CHAIN_POLICY_PARA per the contract.
        let para = unsafe { pPolicyPara.as_ref() };
        let flags = para.map_or(0, |p| p.dwFlags);
        let (mut purpose, mut name, mut checks) = (ev.opts.purpose, None, 0);
        if policy == POLICY_SSL {
            purpose = Purpose::ServerAuth;
            let extra = para.map_or(core::ptr::null_mut(), |p| p.pvExtraPolicyPara) as *const SSL_EXTRA_CERT_CHAIN_POLICY_PARA;
            // SAFETY: NULL or an SSL_EXTRA_CERT_CHAIN_POLICY_PARA per the contract.
            if let Some(x) = unsafe { extra.as_ref() } {
                checks = x.fdwChecks;
                if x.dwAuthType == AUTHTYPE_CLIENT {
                    purpose = Purpose::ClientAuth;
                } else {
                    // SAFETY: NULL or a NUL-terminated UTF-16 name per the contract.
                    name = unsafe { read_wide(x.pwszServerName) }.map(|w| wide_to_string(&w));
                }
            }
        }
        let verdict = policy_verdict(&ev, purpose, name.as_deref(), flags, checks);
        // SAFETY: checked non-NULL; the caller's CERT_CHAIN_POLICY_STATUS.
        let st = unsafe { &mut *pPolicyStatus };
        match verdict {
            None => {
                st.dwError = 0;
                st.lChainIndex = -1;
                st.lElementIndex = -1;
            }
            Some((e, element)) => {
                st.dwError = e;
                st.lChainIndex = 0;
                st.lElementIndex = element;
            }
        }
        1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem(name: &str) -> Vec<u8> {
        let b = std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        x509::pem::certs_from_pem_or_der(&b).unwrap().remove(0)
    }

    fn trust(names: &[&str]) -> Arc<TrustStore> {
        let mut t = TrustStore::empty();
        for n in names {
            t.add_der(&pem(n)).unwrap();
        }
        Arc::new(t)
    }

    fn leaf() -> CertData {
        CertData { der: pem("server.pem"), chain: Vec::new(), key: None }
    }

    #[test]
    fn trusted_chain_and_names() {
        let ev = evaluate(&leaf(), Vec::new(), trust(&["ca.pem"]), now_unix(), VerifyOptions::default());
        assert_eq!(ev.result, Ok(()));
        assert_eq!(ev.path, vec![pem("server.pem"), pem("ca.pem")]);
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, Some("localhost"), 0, 0), None);
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, Some("127.0.0.1"), 0, 0), None);
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, Some("example.com"), 0, 0), Some((CERT_E_CN_NO_MATCH as u32, 0)));
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, Some("example.com"), 0, SECURITY_FLAG_IGNORE_CERT_CN_INVALID), None);
        // Far in the future every certificate has expired.
        let ev = evaluate(&leaf(), Vec::new(), trust(&["ca.pem"]), 8_000_000_000, VerifyOptions::default());
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, None, 0, 0), Some((CERT_E_EXPIRED as u32, 0)));
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, None, CERT_CHAIN_POLICY_IGNORE_NOT_TIME_VALID_FLAG, 0), None);
    }

    #[test]
    fn untrusted_and_partial() {
        // The CA is only an intermediate candidate: a self-signed root that is not trusted.
        let ev = evaluate(&leaf(), vec![pem("ca.pem")], trust(&[]), now_unix(), VerifyOptions::default());
        assert_eq!(ev.result, Err(CertError::UnknownIssuer));
        assert_eq!(ev.path.len(), 2);
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, None, 0, 0), Some((CERT_E_UNTRUSTEDROOT as u32, 1)));
        assert_eq!(policy_verdict(&ev, Purpose::ServerAuth, None, CERT_CHAIN_POLICY_ALLOW_UNKNOWN_CA_FLAG, 0), None);
        // No issuer at all: a partial chain.
        let ev = evaluate(&leaf(), Vec::new(), trust(&[]), now_unix(), VerifyOptions::default());
        assert_eq!(ev.path.len(), 1);
        assert_eq!(
            policy_verdict(&ev, Purpose::ServerAuth, None, CERT_CHAIN_POLICY_ALLOW_UNKNOWN_CA_FLAG, 0),
            Some((CERT_E_CHAINING as u32, 0))
        );
        let b = build_box(&ev, core::ptr::null());
        assert_eq!(b.ctx.TrustStatus.dwErrorStatus, CERT_TRUST_IS_PARTIAL_CHAIN);
        for e in &b.elements {
            certs::release_cert(e.pCertContext);
        }
    }

    #[test]
    fn filetime() {
        // 2000-01-01T00:00:00Z = 125911584000000000 ticks.
        let t: u64 = 125_911_584_000_000_000;
        assert_eq!(filetime_to_unix(&FILETIME { dwLowDateTime: t as u32, dwHighDateTime: (t >> 32) as u32 }), 946_684_800);
    }
}
