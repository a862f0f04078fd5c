//! EncryptMessage and DecryptMessage: one record per call, in the caller's buffers.

use core::ffi::c_void;

use super::buffers::{self, base_type};
use super::consts::*;
use super::exports::CONTEXTS;
use super::types::*;
use crate::engine::Opened;
use crate::ffi_guard;
use crate::record::HEADER_LEN;
use crate::sspi::status::from_error;

/// EncryptMessage: seals the DATA buffer into one record, in place. Buffers:
/// `[STREAM_HEADER (cbHeader), DATA (<= cbMaximumMessage), STREAM_TRAILER (cbTrailer), EMPTY]`
/// sized from SECPKG_ATTR_STREAM_SIZES (TOKEN is accepted for header and trailer, as Wine
/// does). On SEC_E_OK the three buffers hold the record's header, body and trailer and the
/// trailer's cbBuffer is the length really used. Too much data or too small a header/trailer:
/// SEC_E_BUFFER_TOO_SMALL (nothing is truncated). Bad descriptor: SEC_E_INVALID_TOKEN.
#[no_mangle]
pub unsafe extern "C" fn EncryptMessage(
    phContext: PCtxtHandle,
    fQOP: ULONG,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "EncryptMessage", SEC_E_INTERNAL_ERROR, {
        let _ = MessageSeqNo;
        // SAFETY: NULL or caller-owned handle.
        let Some(ctx) = (unsafe { phContext.as_ref() }).and_then(|h| CONTEXTS.get(h)) else {
            return SEC_E_INVALID_HANDLE;
        };
        if fQOP != 0 {
            return SEC_E_QOP_NOT_SUPPORTED;
        }
        // SAFETY: caller descriptor.
        let bufs = match unsafe { buffers::view(pMessage) } {
            Ok(b) => b,
            Err(s) => return s,
        };
        let find = |want: &[ULONG], skip: Option<usize>| {
            bufs.iter().enumerate().position(|(i, b)| Some(i) != skip && want.contains(&base_type(b)))
        };
        let (Some(d), Some(h)) = (find(&[SECBUFFER_DATA], None), find(&[SECBUFFER_STREAM_HEADER, SECBUFFER_TOKEN], None)) else {
            return SEC_E_INVALID_TOKEN;
        };
        let Some(t) = find(&[SECBUFFER_STREAM_TRAILER, SECBUFFER_TOKEN], Some(h)) else { return SEC_E_INVALID_TOKEN };
        if h > d || t < d {
            return SEC_E_INVALID_TOKEN;
        }
        // SAFETY: each buffer describes its caller memory.
        let n = match unsafe { buffers::bytes(&bufs[d]) } {
            Ok(x) => x.len(),
            Err(s) => return s,
        };
        let mut c = ctx.lock();
        // A record's most plaintext: 2^14 in TLS, a little less in SSL 2.0 (MAC inside the body).
        if n > c.conn.max_data() {
            return SEC_E_BUFFER_TOO_SMALL;
        }
        let hl = c.conn.header_len();
        if (bufs[h].cbBuffer as usize) < hl || (bufs[t].cbBuffer as usize) < c.conn.max_trailer() {
            return SEC_E_BUFFER_TOO_SMALL;
        }
        // The usual layout, one contiguous block header | data | trailer, is sealed in place.
        let (hp, dp, tp) = (bufs[h].pvBuffer as usize, bufs[d].pvBuffer as usize, bufs[t].pvBuffer as usize);
        if bufs[h].cbBuffer as usize == hl && hp != 0 && hp + hl == dp && dp + n == tp {
            let region = hl + n + bufs[t].cbBuffer as usize;
            // SAFETY: the three buffers are adjacent caller memory of the sizes they declare, so
            // `region` bytes from the header's start are one writable block.
            let block = unsafe { core::slice::from_raw_parts_mut(hp as *mut u8, region) };
            return match c.conn.seal_in_place(block, n) {
                Ok(total) => {
                    bufs[t].cbBuffer = (total - hl - n) as u32;
                    SEC_E_OK
                }
                Err(e) => from_error(&e),
            };
        }
        // SAFETY: the DATA buffer was validated above (n readable bytes, or empty).
        let data = unsafe { buffers::bytes(&bufs[d]) }.map(<[u8]>::to_vec).unwrap_or_default();
        let record = match c.conn.seal(&data) {
            Ok(r) => r,
            Err(e) => return from_error(&e),
        };
        drop(c);
        let (head, rest) = record.split_at(hl);
        let (body, trailer) = rest.split_at(data.len());
        // SAFETY: sizes were checked against each buffer's cbBuffer above.
        unsafe {
            core::ptr::copy_nonoverlapping(head.as_ptr(), bufs[h].pvBuffer as *mut u8, hl);
            if !body.is_empty() {
                core::ptr::copy_nonoverlapping(body.as_ptr(), bufs[d].pvBuffer as *mut u8, body.len());
            }
            if !trailer.is_empty() {
                core::ptr::copy_nonoverlapping(trailer.as_ptr(), bufs[t].pvBuffer as *mut u8, trailer.len());
            }
        }
        bufs[h].cbBuffer = hl as u32;
        bufs[t].cbBuffer = trailer.len() as u32;
        SEC_E_OK
    })
}

/// DecryptMessage: opens the first record of the DATA buffer in place. Input: four buffers, one
/// DATA holding received bytes and at least three EMPTY. On SEC_E_OK the slots become
/// `[STREAM_HEADER, DATA (plaintext, inside the caller's memory), STREAM_TRAILER, EXTRA (bytes
/// after the record, if any)]`. Returns SEC_E_INCOMPLETE_MESSAGE (DATA slot and first EMPTY
/// become SECBUFFER_MISSING with the count), SEC_I_CONTEXT_EXPIRED (close_notify; DATA empty),
/// SEC_E_DECRYPT_FAILURE (bad MAC/padding: fatal, the bad_record_mac alert is returned by the
/// next ISC/ASC call), SEC_I_RENEGOTIATE (a handshake record starts the buffer: DATA is empty
/// and every byte is EXTRA, to be passed as the input TOKEN of InitializeSecurityContext /
/// AcceptSecurityContext), SEC_E_INVALID_TOKEN (descriptor shape) or SEC_E_INVALID_HANDLE.
/// Application data that arrived while a renegotiation was in flight is returned first, from
/// memory owned by the context (valid until the next call on it), with the caller's bytes EXTRA.
#[no_mangle]
pub unsafe extern "C" fn DecryptMessage(
    phContext: PCtxtHandle,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
    pfQOP: *mut ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "DecryptMessage", SEC_E_INTERNAL_ERROR, {
        let _ = MessageSeqNo;
        // SAFETY: NULL or caller-owned handle.
        let Some(ctx) = (unsafe { phContext.as_ref() }).and_then(|h| CONTEXTS.get(h)) else {
            return SEC_E_INVALID_HANDLE;
        };
        // SAFETY: caller descriptor.
        let bufs = match unsafe { buffers::view(pMessage) } {
            Ok(b) => b,
            Err(s) => return s,
        };
        let datas: Vec<usize> = (0..bufs.len()).filter(|&i| base_type(&bufs[i]) == SECBUFFER_DATA).collect();
        let empties: Vec<usize> = (0..bufs.len()).filter(|&i| base_type(&bufs[i]) == SECBUFFER_EMPTY).collect();
        if bufs.len() < 4 || datas.len() != 1 || empties.len() < 3 {
            return SEC_E_INVALID_TOKEN;
        }
        let d = datas[0];
        let base = bufs[d].pvBuffer as *mut u8;
        // SAFETY: the DATA buffer is the caller's writable received bytes.
        let input = match unsafe { buffers::bytes_mut(&bufs[d]) } {
            Ok(x) => x,
            Err(s) => return s,
        };
        let total = input.len();
        let mut c = ctx.lock();
        if let Some(q) = c.conn.take_queued() {
            // Data that arrived inside a renegotiation: handed out from the context's memory
            // (valid until the next call on this context); the caller's bytes are all EXTRA.
            c.delivered = q;
            let (p, n) = (c.delivered.as_mut_ptr(), c.delivered.len());
            drop(c);
            bufs[d].BufferType = SECBUFFER_STREAM_HEADER;
            bufs[d].cbBuffer = 0;
            bufs[empties[0]] = SecBuffer { cbBuffer: n as u32, BufferType: SECBUFFER_DATA, pvBuffer: p as *mut c_void };
            bufs[empties[1]] = SecBuffer { cbBuffer: 0, BufferType: SECBUFFER_STREAM_TRAILER, pvBuffer: base as *mut c_void };
            if total > 0 {
                bufs[empties[2]] = SecBuffer { cbBuffer: total as u32, BufferType: SECBUFFER_EXTRA, pvBuffer: base as *mut c_void };
            }
            return SEC_E_OK;
        }
        let result = c.conn.open(input);
        drop(c);
        if let Some(q) = unsafe { pfQOP.as_mut() } {
            *q = 0;
        }
        let set = |b: &mut SecBuffer, t: ULONG, off: usize, len: usize| {
            b.BufferType = t;
            b.cbBuffer = len as u32;
            // SAFETY: off <= total, inside the caller's DATA buffer.
            b.pvBuffer = if len == 0 && t == SECBUFFER_EXTRA { core::ptr::null_mut() } else { (unsafe { base.add(off) }) as *mut c_void };
        };
        let (plain, record_len, status) = match result {
            Ok(Opened::Incomplete { needed }) => {
                for i in [d, empties[0]] {
                    bufs[i].BufferType = SECBUFFER_MISSING;
                    bufs[i].cbBuffer = needed as u32;
                }
                return SEC_E_INCOMPLETE_MESSAGE;
            }
            Ok(Opened::Data { plaintext, record_len }) => (plaintext, record_len, SEC_E_OK),
            Ok(Opened::Closed { record_len }) => (HEADER_LEN..HEADER_LEN, record_len, SEC_I_CONTEXT_EXPIRED),
            Ok(Opened::Renegotiate) => {
                // Nothing consumed: every byte, starting with the handshake record, is EXTRA for
                // the caller to pass to InitializeSecurityContext/AcceptSecurityContext.
                set(&mut bufs[d], SECBUFFER_STREAM_HEADER, 0, 0);
                set(&mut bufs[empties[0]], SECBUFFER_DATA, 0, 0);
                set(&mut bufs[empties[1]], SECBUFFER_STREAM_TRAILER, 0, 0);
                set(&mut bufs[empties[2]], SECBUFFER_EXTRA, 0, total);
                return SEC_I_RENEGOTIATE;
            }
            Err(e) => return from_error(&e),
        };
        // The header covers the explicit IV or nonce too, so header + data + trailer = record.
        set(&mut bufs[d], SECBUFFER_STREAM_HEADER, 0, plain.start);
        set(&mut bufs[empties[0]], SECBUFFER_DATA, plain.start, plain.len());
        set(&mut bufs[empties[1]], SECBUFFER_STREAM_TRAILER, plain.end, record_len - plain.end);
        if total > record_len {
            set(&mut bufs[empties[2]], SECBUFFER_EXTRA, record_len, total - record_len);
        }
        status
    })
}
