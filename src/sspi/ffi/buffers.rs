//! Raw `SecBufferDesc` access and provider-allocated memory (`FreeContextBuffer`).

use core::ffi::c_void;
use std::collections::HashSet;

use parking_lot::Mutex;

use super::consts::*;
use super::types::{SecBuffer, SecBufferDesc, SECURITY_STATUS, ULONG};

/// More buffers than any Schannel call uses; a larger count is a corrupt descriptor.
const MAX_BUFFERS: u32 = 64;

/// Addresses of memory we handed to callers, so `FreeContextBuffer` never frees a foreign pointer.
static ALLOCATIONS: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

/// Allocates `len` bytes (at least 1) that the caller frees with `FreeContextBuffer`.
pub fn provider_alloc(len: usize) -> *mut u8 {
    // SAFETY: malloc with a non-zero size; NULL is checked by callers.
    let p = unsafe { libc::malloc(len.max(1)) } as *mut u8;
    if !p.is_null() {
        ALLOCATIONS.lock().get_or_insert_with(HashSet::new).insert(p as usize);
    }
    p
}

/// Frees memory from [`provider_alloc`]; false (and nothing freed) for any other pointer.
// Safe to call with any pointer: only addresses found in the registry are freed.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn provider_free(p: *mut c_void) -> bool {
    let known = ALLOCATIONS.lock().get_or_insert_with(HashSet::new).remove(&(p as usize));
    if known {
        // SAFETY: `p` came from malloc in provider_alloc and is removed from the set before this
        // single free, so it cannot be freed twice.
        unsafe { libc::free(p) };
    }
    known
}

/// Copies `data` into fresh provider memory.
pub fn provider_copy(data: &[u8]) -> *mut u8 {
    let p = provider_alloc(data.len());
    if !p.is_null() {
        // SAFETY: `p` has room for data.len() bytes and does not overlap `data`.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
    }
    p
}

/// The buffer type without attribute bits.
pub fn base_type(b: &SecBuffer) -> ULONG {
    b.BufferType & !SECBUFFER_ATTRMASK
}

/// The buffers of a descriptor.
///
/// # Safety
/// `desc` is NULL or points to a `SecBufferDesc` whose `pBuffers` holds `cBuffers` entries.
pub unsafe fn view<'a>(desc: *mut SecBufferDesc) -> Result<&'a mut [SecBuffer], SECURITY_STATUS> {
    // SAFETY: NULL is checked; otherwise the caller vouches for the descriptor.
    let d = unsafe { desc.as_ref() }.ok_or(SEC_E_INVALID_TOKEN)?;
    if d.ulVersion != SECBUFFER_VERSION || d.cBuffers == 0 || d.cBuffers > MAX_BUFFERS || d.pBuffers.is_null() {
        return Err(SEC_E_INVALID_TOKEN);
    }
    // SAFETY: non-NULL array of cBuffers entries per the SSPI contract.
    Ok(unsafe { core::slice::from_raw_parts_mut(d.pBuffers, d.cBuffers as usize) })
}

/// The bytes a buffer describes (empty when `cbBuffer` is 0).
///
/// # Safety
/// `pvBuffer` points to at least `cbBuffer` readable bytes when both are non-zero.
pub unsafe fn bytes<'a>(b: &SecBuffer) -> Result<&'a [u8], SECURITY_STATUS> {
    if b.cbBuffer == 0 {
        return Ok(&[]);
    }
    if b.pvBuffer.is_null() {
        return Err(SEC_E_INVALID_TOKEN);
    }
    // SAFETY: per the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts(b.pvBuffer as *const u8, b.cbBuffer as usize) })
}

/// Mutable bytes of a buffer.
///
/// # Safety
/// As [`bytes`], and the memory is writable and not aliased during the call.
pub unsafe fn bytes_mut<'a>(b: &SecBuffer) -> Result<&'a mut [u8], SECURITY_STATUS> {
    if b.cbBuffer == 0 {
        return Ok(&mut []);
    }
    if b.pvBuffer.is_null() {
        return Err(SEC_E_INVALID_TOKEN);
    }
    // SAFETY: per the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts_mut(b.pvBuffer as *mut u8, b.cbBuffer as usize) })
}

/// Writes an output token: into fresh provider memory with `allocate`, else into the caller's
/// buffer when it is large enough (`SEC_E_INSUFFICIENT_MEMORY` otherwise). Empty data gives
/// `{cbBuffer 0, pvBuffer NULL}` with `allocate`, or `cbBuffer 0` in the caller's buffer.
///
/// # Safety
/// Without `allocate`, `pvBuffer` points to `cbBuffer` writable bytes.
pub unsafe fn write_out(b: &mut SecBuffer, data: &[u8], allocate: bool) -> Result<(), SECURITY_STATUS> {
    if allocate {
        if data.is_empty() {
            b.pvBuffer = core::ptr::null_mut();
        } else {
            let p = provider_copy(data);
            if p.is_null() {
                return Err(SEC_E_INSUFFICIENT_MEMORY);
            }
            b.pvBuffer = p as *mut c_void;
        }
        b.cbBuffer = data.len() as u32;
        return Ok(());
    }
    if data.len() > b.cbBuffer as usize || (!data.is_empty() && b.pvBuffer.is_null()) {
        return Err(SEC_E_INSUFFICIENT_MEMORY);
    }
    if !data.is_empty() {
        // SAFETY: checked above that the caller's buffer holds data.len() bytes.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), b.pvBuffer as *mut u8, data.len()) };
    }
    b.cbBuffer = data.len() as u32;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_rejects_foreign_and_double_frees() {
        let p = provider_copy(b"abc");
        assert!(!p.is_null());
        assert!(provider_free(p as *mut c_void));
        assert!(!provider_free(p as *mut c_void), "double free refused");
        let mut local = 5u8;
        assert!(!provider_free(&mut local as *mut u8 as *mut c_void), "foreign pointer refused");
    }
}
