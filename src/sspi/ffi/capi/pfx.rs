//! `PFXImportCertStore` and `PFXIsPFXBlob`: PKCS#12 files with their private keys.

use super::super::certs;
use super::super::types::{BOOL, DWORD, HCERTSTORE};
use super::consts::*;
use super::store::attach_key;
use super::types::CRYPT_DATA_BLOB;
use super::{fail, read_wide, wide_to_string};
use crate::crypto::pkcs12::{self, Pkcs12Error};
use crate::ffi_guard;

/// The bytes of a `CRYPT_DATA_BLOB *`, None when the pointer or its data is NULL.
unsafe fn blob_bytes<'a>(p: *const CRYPT_DATA_BLOB) -> Option<&'a [u8]> {
    // SAFETY: NULL or a CRYPT_DATA_BLOB per the contract.
    let b = unsafe { p.as_ref() }?;
    if b.pbData.is_null() || b.cbData == 0 {
        return None;
    }
    // SAFETY: cbData readable bytes at pbData per the contract.
    Some(unsafe { core::slice::from_raw_parts(b.pbData, b.cbData as usize) })
}

/// PFXImportCertStore: a memory store with every certificate of a PKCS#12 blob; the private
/// key is attached to the certificate whose public key it matches (RSA, or ECDSA P-256/P-384),
/// which also gets the blob's other certificates above it as its chain (a self-signed root is
/// not included), so the context can go straight into `SCHANNEL_CRED.paCred`. `szPassword` is
/// UTF-16 (converted to UTF-8, as Windows and OpenSSL derive the same key from either); NULL and
/// "" are both tried, as Windows does. `dwFlags` (CRYPT_EXPORTABLE, PKCS12_NO_PERSIST_KEY, …)
/// are accepted and have no effect: keys stay in this process's memory. NULL on failure:
/// E_INVALIDARG (no data), CRYPT_E_BAD_ENCODE (not PKCS#12), ERROR_INVALID_PASSWORD (wrong
/// password), NTE_BAD_ALGID (a key type the provider cannot use). Close with `CertCloseStore`.
#[no_mangle]
pub unsafe extern "C" fn PFXImportCertStore(pPFX: *const CRYPT_DATA_BLOB, szPassword: *const u16, dwFlags: DWORD) -> HCERTSTORE {
    ffi_guard!(core::ptr::null_mut(), {
        let _ = dwFlags;
        let null = core::ptr::null_mut();
        // SAFETY: pointer per the contract.
        let Some(der) = (unsafe { blob_bytes(pPFX) }) else { return fail(E_INVALIDARG, null) };
        // SAFETY: NULL or a NUL-terminated UTF-16 string per the contract.
        let password = unsafe { read_wide(szPassword) }.map(|w| wide_to_string(&w));
        let attempts: Vec<Option<&str>> = match password.as_deref() {
            None | Some("") => vec![Some(""), None],
            Some(p) => vec![Some(p)],
        };
        let mut last = Pkcs12Error::BadPassword;
        for pw in attempts {
            match pkcs12::parse(der, pw) {
                Ok(c) => return certs::new_store(attach_key(c.certs, c.key), false),
                Err(e) => last = e,
            }
        }
        let code = match last {
            Pkcs12Error::NotPkcs12 => CRYPT_E_BAD_ENCODE,
            Pkcs12Error::BadPassword => ERROR_INVALID_PASSWORD,
            Pkcs12Error::UnsupportedKey => super::consts::NTE_BAD_ALGID,
        };
        fail(code, null)
    })
}

/// PFXIsPFXBlob: TRUE when the blob is shaped like a PKCS#12 PFX (version 3, data or
/// signedData content); no password is needed and nothing is decrypted.
#[no_mangle]
pub unsafe extern "C" fn PFXIsPFXBlob(pPFX: *const CRYPT_DATA_BLOB) -> BOOL {
    ffi_guard!(0, {
        // SAFETY: pointer per the contract.
        match unsafe { blob_bytes(pPFX) } {
            Some(der) => BOOL::from(pkcs12::looks_like_pfx(der)),
            None => 0,
        }
    })
}
