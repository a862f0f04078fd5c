//! The CryptoAPI subset Schannel programs call (issue 5, point 5): stores, finding and
//! enumerating certificates, properties, PKCS#12 import, names, hashes and chain checking, with
//! the Windows names, layouts and values (`wincrypt.h`). Certificate contexts and stores live
//! in the registry of [`super::certs`]; errors are reported the Windows way, through a
//! thread-local `GetLastError` ([`error`]).

pub mod chain;
pub mod consts;
pub mod error;
pub mod find;
pub mod names;
pub mod pfx;
pub mod props;
pub mod store;
pub mod types;

use core::ffi::c_char;
use std::ffi::CStr;

/// Records `code` for `GetLastError` and returns `ret` (the failure value of the caller).
pub(crate) fn fail<T>(code: u32, ret: T) -> T {
    error::set_last_error(code);
    ret
}

/// Longest string read from a caller pointer (characters), so a missing terminator cannot make
/// us walk memory forever.
const MAX_STRING: usize = 32 * 1024;

/// A NUL-terminated 8-bit string from C (UTF-8 expected; invalid bytes become U+FFFD).
/// None for NULL.
pub(crate) unsafe fn read_cstr(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-NULL, NUL-terminated per the function contracts.
    let s = unsafe { CStr::from_ptr(p) };
    let bytes = s.to_bytes();
    Some(String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_STRING)]).into_owned())
}

/// A NUL-terminated UTF-16 string from C, without the terminator. None for NULL.
pub(crate) unsafe fn read_wide(p: *const u16) -> Option<Vec<u16>> {
    if p.is_null() {
        return None;
    }
    let mut out = Vec::new();
    for i in 0..MAX_STRING {
        // SAFETY: the string is NUL-terminated per the contract; we stop at the terminator.
        let c = unsafe { *p.add(i) };
        if c == 0 {
            break;
        }
        out.push(c);
    }
    Some(out)
}

/// UTF-16 → String (unpaired surrogates become U+FFFD, as WideCharToMultiByte does).
pub(crate) fn wide_to_string(w: &[u16]) -> String {
    String::from_utf16_lossy(w)
}

/// The two-call size protocol of the CryptoAPI getters: with `out` NULL, report the size and
/// succeed; with a buffer too small, report the size and fail with ERROR_MORE_DATA; else copy.
/// Returns the BOOL to give back.
pub(crate) unsafe fn put_sized(bytes: &[u8], out: *mut u8, pcb: *mut u32) -> i32 {
    if pcb.is_null() {
        return fail(consts::E_INVALIDARG, 0);
    }
    let need = bytes.len() as u32;
    if out.is_null() {
        // SAFETY: pcb checked non-NULL; the caller passes a writable DWORD.
        unsafe { *pcb = need };
        return 1;
    }
    // SAFETY: as above.
    let have = unsafe { *pcb };
    // SAFETY: as above.
    unsafe { *pcb = need };
    if have < need {
        return fail(consts::ERROR_MORE_DATA, 0);
    }
    // SAFETY: the caller's buffer holds `have` >= `need` writable bytes.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len()) };
    1
}

/// A CryptoAPI hash by `ALG_ID` (0 = SHA-1, as `CryptHashCertificate` defaults).
pub(crate) fn hash(alg: u32, data: &[u8]) -> Option<Vec<u8>> {
    use super::consts::{CALG_MD5, CALG_SHA1, CALG_SHA_256, CALG_SHA_384, CALG_SHA_512};
    use crate::crypto::hash::HashAlg;
    use sha2::Digest;
    match alg {
        0 | CALG_SHA1 => Some(HashAlg::Sha1.digest(data)),
        CALG_MD5 => Some(HashAlg::Md5.digest(data)),
        CALG_SHA_256 => Some(HashAlg::Sha256.digest(data)),
        CALG_SHA_384 => Some(HashAlg::Sha384.digest(data)),
        CALG_SHA_512 => Some(sha2::Sha512::digest(data).to_vec()),
        _ => None,
    }
}
