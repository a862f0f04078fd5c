//! `CertFindCertificateInStore`.

use core::ffi::{c_char, c_void};

use der::{Decode, Encode};

use super::super::certs;
use super::super::types::{DWORD, HCERTSTORE, PCCERT_CONTEXT};
use super::consts::*;
use super::names::name_to_str;
use super::types::CRYPT_HASH_BLOB;
use super::{fail, hash, read_cstr, read_wide, wide_to_string};
use crate::ffi_guard;
use crate::sspi::credentials::CertData;

/// What to look for, read from `pvFindPara` once.
enum Criterion {
    Any,
    Hash {
        alg: u32,
        value: Vec<u8>,
    },
    /// Case-insensitive substring of the subject (issuer) rendered as CERT_SIMPLE_NAME_STR.
    NameStr {
        issuer: bool,
        needle: String,
    },
    Existing(Vec<u8>),
}

impl Criterion {
    fn matches(&self, c: &CertData) -> bool {
        match self {
            Criterion::Any => true,
            Criterion::Hash { alg, value } => hash(*alg, &c.der).is_some_and(|h| &h == value),
            Criterion::NameStr { issuer, needle } => {
                let Ok(cert) = x509_cert::Certificate::from_der(&c.der) else { return false };
                let tbs = cert.tbs_certificate();
                let name = if *issuer { tbs.issuer().to_der() } else { tbs.subject().to_der() };
                name.is_ok_and(|n| name_to_str(&n, CERT_SIMPLE_NAME_STR).to_lowercase().contains(needle.as_str()))
            }
            Criterion::Existing(der) => &c.der == der,
        }
    }
}

/// CertFindCertificateInStore: the next element after `pPrevCertContext` (NULL: from the
/// start) that matches; the previous context is freed, as `CertEnumCertificatesInStore` does.
/// `dwFindType`: CERT_FIND_ANY; CERT_FIND_SHA1_HASH (= CERT_FIND_HASH) and CERT_FIND_MD5_HASH
/// (`pvFindPara` = `CRYPT_HASH_BLOB *` of the DER's digest, the thumbprint);
/// CERT_FIND_SUBJECT_STR_A/W and CERT_FIND_ISSUER_STR_A/W (`pvFindPara` = string; a
/// case-insensitive substring of the name's RDN values joined by ", ", as Windows matches);
/// CERT_FIND_EXISTING (`pvFindPara` = a `PCCERT_CONTEXT`: the same certificate). NULL when
/// nothing (more) matches, with CRYPT_E_NOT_FOUND; E_INVALIDARG for an unknown store, a NULL
/// `pvFindPara` where one is needed, or another find type.
#[no_mangle]
pub unsafe extern "C" fn CertFindCertificateInStore(
    hCertStore: HCERTSTORE,
    dwCertEncodingType: DWORD,
    dwFindFlags: DWORD,
    dwFindType: DWORD,
    pvFindPara: *const c_void,
    pPrevCertContext: PCCERT_CONTEXT,
) -> PCCERT_CONTEXT {
    ffi_guard!(core::ptr::null(), {
        let _ = (dwCertEncodingType, dwFindFlags);
        let null = core::ptr::null();
        let bad = |prev: PCCERT_CONTEXT| {
            if !prev.is_null() {
                certs::release_cert(prev);
            }
            fail(E_INVALIDARG, core::ptr::null())
        };
        let criterion = match dwFindType {
            CERT_FIND_ANY => Criterion::Any,
            CERT_FIND_SHA1_HASH | CERT_FIND_MD5_HASH => {
                if pvFindPara.is_null() {
                    return bad(pPrevCertContext);
                }
                // SAFETY: a CRYPT_HASH_BLOB per the contract.
                let blob = unsafe { &*(pvFindPara as *const CRYPT_HASH_BLOB) };
                if blob.pbData.is_null() && blob.cbData != 0 {
                    return bad(pPrevCertContext);
                }
                let value = if blob.cbData == 0 {
                    Vec::new()
                } else {
                    // SAFETY: cbData readable bytes at pbData.
                    unsafe { core::slice::from_raw_parts(blob.pbData, blob.cbData as usize) }.to_vec()
                };
                let alg = if dwFindType == CERT_FIND_MD5_HASH { super::super::consts::CALG_MD5 } else { 0 };
                Criterion::Hash { alg, value }
            }
            CERT_FIND_SUBJECT_STR_A | CERT_FIND_ISSUER_STR_A | CERT_FIND_SUBJECT_STR_W | CERT_FIND_ISSUER_STR_W => {
                let wide = matches!(dwFindType, CERT_FIND_SUBJECT_STR_W | CERT_FIND_ISSUER_STR_W);
                let needle = if wide {
                    // SAFETY: NULL or a NUL-terminated UTF-16 string per the contract.
                    unsafe { read_wide(pvFindPara as *const u16) }.map(|w| wide_to_string(&w))
                } else {
                    // SAFETY: NULL or a NUL-terminated string per the contract.
                    unsafe { read_cstr(pvFindPara as *const c_char) }
                };
                let Some(needle) = needle else { return bad(pPrevCertContext) };
                Criterion::NameStr { issuer: dwFindType & 0xFFFF == 4, needle: needle.to_lowercase() }
            }
            CERT_FIND_EXISTING => match certs::cert_data(pvFindPara as PCCERT_CONTEXT) {
                Some(d) => Criterion::Existing(d.der.clone()),
                None => return bad(pPrevCertContext),
            },
            _ => return bad(pPrevCertContext),
        };
        match certs::store_next(hCertStore, pPrevCertContext, |c| criterion.matches(c)) {
            Ok(c) => c,
            Err(e) => fail(e, null),
        }
    })
}
