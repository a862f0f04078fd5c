//! Package enumeration and `FreeContextBuffer`.

use core::ffi::c_void;

use super::buffers::{provider_alloc, provider_free};
use super::consts::*;
use super::exports::{ansi, is_our_package, wide};
use super::types::*;
use crate::ffi_guard;

/// Schannel's capabilities (Wine: 0x7B3).
const CAPABILITIES: ULONG = SECPKG_FLAG_INTEGRITY
    | SECPKG_FLAG_PRIVACY
    | SECPKG_FLAG_CONNECTION
    | SECPKG_FLAG_MULTI_REQUIRED
    | SECPKG_FLAG_EXTENDED_ERROR
    | SECPKG_FLAG_IMPERSONATION
    | SECPKG_FLAG_ACCEPT_WIN32_NAME
    | SECPKG_FLAG_STREAM;
/// Largest token we produce (Wine reports 0x4000 + header room; a handshake flight fits).
const MAX_TOKEN: ULONG = 0x6000;

const PACKAGES: [(&str, &str); 2] =
    [("Microsoft Unified Security Protocol Provider", "Schannel Security Package"), ("Schannel", "Schannel Security Package")];

/// Lays out `n` SecPkgInfo structs followed by their strings in one block, so one
/// `FreeContextBuffer` frees everything. `T` is SecPkgInfoA or SecPkgInfoW; `C` the char type.
fn package_block<T, C: Copy + Default>(
    entries: &[(&str, &str)],
    encode: impl Fn(&str) -> Vec<C>,
    make: impl Fn(*mut C, *mut C) -> T,
) -> *mut T {
    let strings: Vec<(Vec<C>, Vec<C>)> = entries
        .iter()
        .map(|(n, c)| {
            let mut n = encode(n);
            n.push(C::default());
            let mut c = encode(c);
            c.push(C::default());
            (n, c)
        })
        .collect();
    let head = core::mem::size_of::<T>() * entries.len();
    let chars: usize = strings.iter().map(|(n, c)| n.len() + c.len()).sum();
    let block = provider_alloc(head + chars * core::mem::size_of::<C>());
    if block.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: `block` holds `head` bytes of T entries followed by `chars` C units; malloc's
    // alignment suffices for both T (pointer-aligned) and C placed after whole T entries.
    unsafe {
        let mut s = block.add(head) as *mut C;
        for (i, (n, c)) in strings.iter().enumerate() {
            let np = s;
            core::ptr::copy_nonoverlapping(n.as_ptr(), s, n.len());
            s = s.add(n.len());
            let cp = s;
            core::ptr::copy_nonoverlapping(c.as_ptr(), s, c.len());
            s = s.add(c.len());
            (block as *mut T).add(i).write(make(np, cp));
        }
    }
    block as *mut T
}

fn info_a(entries: &[(&str, &str)]) -> *mut SecPkgInfoA {
    package_block(
        entries,
        |s| s.bytes().map(|b| b as SEC_CHAR).collect(),
        |n, c| SecPkgInfoA { fCapabilities: CAPABILITIES, wVersion: 1, wRPCID: UNISP_RPC_ID, cbMaxToken: MAX_TOKEN, Name: n, Comment: c },
    )
}

fn info_w(entries: &[(&str, &str)]) -> *mut SecPkgInfoW {
    package_block(
        entries,
        |s| s.encode_utf16().collect(),
        |n, c| SecPkgInfoW { fCapabilities: CAPABILITIES, wVersion: 1, wRPCID: UNISP_RPC_ID, cbMaxToken: MAX_TOKEN, Name: n, Comment: c },
    )
}

/// EnumerateSecurityPackagesA: our two package entries in one block freed by `FreeContextBuffer`.
#[no_mangle]
pub unsafe extern "C" fn EnumerateSecurityPackagesA(pcPackages: *mut ULONG, ppPackageInfo: *mut PSecPkgInfoA) -> SECURITY_STATUS {
    ffi_guard!(status "EnumerateSecurityPackagesA", SEC_E_INTERNAL_ERROR, {
        if pcPackages.is_null() || ppPackageInfo.is_null() {
            return SEC_E_INVALID_PARAMETER;
        }
        let p = info_a(&PACKAGES);
        if p.is_null() {
            return SEC_E_INSUFFICIENT_MEMORY;
        }
        // SAFETY: checked non-NULL out parameters.
        unsafe {
            *pcPackages = PACKAGES.len() as ULONG;
            *ppPackageInfo = p;
        }
        SEC_E_OK
    })
}

/// EnumerateSecurityPackagesW: as the A function with UTF-16 strings.
#[no_mangle]
pub unsafe extern "C" fn EnumerateSecurityPackagesW(pcPackages: *mut ULONG, ppPackageInfo: *mut PSecPkgInfoW) -> SECURITY_STATUS {
    ffi_guard!(status "EnumerateSecurityPackagesW", SEC_E_INTERNAL_ERROR, {
        if pcPackages.is_null() || ppPackageInfo.is_null() {
            return SEC_E_INVALID_PARAMETER;
        }
        let p = info_w(&PACKAGES);
        if p.is_null() {
            return SEC_E_INSUFFICIENT_MEMORY;
        }
        // SAFETY: checked non-NULL out parameters.
        unsafe {
            *pcPackages = PACKAGES.len() as ULONG;
            *ppPackageInfo = p;
        }
        SEC_E_OK
    })
}

fn entry_for(name: &str) -> Option<(&'static str, &'static str)> {
    if !is_our_package(name) {
        return None;
    }
    Some(PACKAGES.iter().copied().find(|(n, _)| n.eq_ignore_ascii_case(name)).unwrap_or(PACKAGES[0]))
}

/// QuerySecurityPackageInfoA: one package's info (freed by `FreeContextBuffer`);
/// SEC_E_SECPKG_NOT_FOUND for other names.
#[no_mangle]
pub unsafe extern "C" fn QuerySecurityPackageInfoA(pszPackageName: *mut SEC_CHAR, ppPackageInfo: *mut PSecPkgInfoA) -> SECURITY_STATUS {
    ffi_guard!(status "QuerySecurityPackageInfoA", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or NUL-terminated.
        let Some(e) = unsafe { ansi(pszPackageName) }.as_deref().and_then(entry_for) else { return SEC_E_SECPKG_NOT_FOUND };
        if ppPackageInfo.is_null() {
            return SEC_E_INVALID_PARAMETER;
        }
        let p = info_a(&[e]);
        // SAFETY: checked non-NULL out parameter.
        unsafe { *ppPackageInfo = p };
        if p.is_null() {
            SEC_E_INSUFFICIENT_MEMORY
        } else {
            SEC_E_OK
        }
    })
}

/// QuerySecurityPackageInfoW: as the A function with UTF-16 strings.
#[no_mangle]
pub unsafe extern "C" fn QuerySecurityPackageInfoW(pszPackageName: *mut SEC_WCHAR, ppPackageInfo: *mut PSecPkgInfoW) -> SECURITY_STATUS {
    ffi_guard!(status "QuerySecurityPackageInfoW", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or NUL-terminated.
        let Some(e) = unsafe { wide(pszPackageName) }.as_deref().and_then(entry_for) else { return SEC_E_SECPKG_NOT_FOUND };
        if ppPackageInfo.is_null() {
            return SEC_E_INVALID_PARAMETER;
        }
        let p = info_w(&[e]);
        // SAFETY: checked non-NULL out parameter.
        unsafe { *ppPackageInfo = p };
        if p.is_null() {
            SEC_E_INSUFFICIENT_MEMORY
        } else {
            SEC_E_OK
        }
    })
}

/// FreeContextBuffer: frees memory this provider returned (tokens with ALLOCATE_MEMORY,
/// package info). NULL is SEC_E_OK; a pointer we did not allocate is SEC_E_INVALID_HANDLE and
/// is not freed.
#[no_mangle]
pub unsafe extern "C" fn FreeContextBuffer(pvContextBuffer: *mut c_void) -> SECURITY_STATUS {
    ffi_guard!(status "FreeContextBuffer", SEC_E_INTERNAL_ERROR, {
        if pvContextBuffer.is_null() || provider_free(pvContextBuffer) {
            SEC_E_OK
        } else {
            SEC_E_INVALID_HANDLE
        }
    })
}
