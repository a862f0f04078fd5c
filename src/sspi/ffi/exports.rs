//! Credential and context exports: AcquireCredentialsHandle, InitializeSecurityContext,
//! AcceptSecurityContext, ApplyControlToken, QueryContextAttributes and friends.

use core::ffi::{c_char, c_void};
use std::ffi::CStr;
use std::sync::Arc;

use super::buffers::{self, base_type, provider_copy, write_out};
use super::certs::{cert_data, new_cert_context, store_trust};
use super::consts::*;
use super::types::*;
use crate::engine::config::Renegotiation;
use crate::engine::Connection;
use crate::ffi_guard;
use crate::msgs::enums::{AlertDescription, AlertLevel};
use crate::sspi::alpn::parse_application_protocols;
use crate::sspi::context::{Context, Control, StepOutcome};
use crate::sspi::credentials::{acquire, CredRequest, Credential};
use crate::sspi::handles::{HandleTable, Kind};
use crate::sspi::status;

pub(crate) static CREDENTIALS: HandleTable<Credential> = HandleTable::new(Kind::Credential);
pub(crate) static CONTEXTS: HandleTable<Context> = HandleTable::new(Kind::Context);

/// Package names Schannel answers to (schannel.h UNISP_NAME, SCHANNEL_NAME, DEFAULT_TLS_SSP_NAME).
pub const PACKAGE_NAMES: [&str; 3] = ["Microsoft Unified Security Protocol Provider", "Schannel", "Default TLS SSP"];

pub(crate) fn is_our_package(name: &str) -> bool {
    PACKAGE_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

pub(crate) unsafe fn ansi(p: *const SEC_CHAR) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: NUL-terminated string per the SSPI contract.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

pub(crate) unsafe fn wide(p: *const SEC_WCHAR) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let mut n = 0;
    // SAFETY: NUL-terminated UTF-16 per the SSPI contract; bounded to 64 Ki code units.
    while n < 65536 && unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: the n units before the terminator are readable.
    Some(String::from_utf16_lossy(unsafe { core::slice::from_raw_parts(p, n) }))
}

/// Reads `SCHANNEL_CRED` (v4) or `SCH_CREDENTIALS` (v5) from C memory.
unsafe fn read_auth_data(p: *const c_void, inbound: bool) -> Result<CredRequest, SECURITY_STATUS> {
    let mut req = CredRequest { inbound, ..Default::default() };
    if p.is_null() {
        return Ok(req);
    }
    // SAFETY: both structures start with a DWORD version.
    let version = unsafe { *(p as *const DWORD) };
    let (c_creds, pa_cred, root) = match version {
        SCHANNEL_CRED_VERSION => {
            // SAFETY: version 4 is a SCHANNEL_CRED.
            let c = unsafe { &*(p as *const SCHANNEL_CRED) };
            req.enabled_protocols = c.grbitEnabledProtocols;
            req.min_strength = c.dwMinimumCipherStrength;
            req.max_strength = c.dwMaximumCipherStrength;
            req.flags = c.dwFlags;
            req.session_lifespan_ms = c.dwSessionLifespan;
            if c.cSupportedAlgs > 0 && !c.palgSupportedAlgs.is_null() {
                // SAFETY: cSupportedAlgs entries at palgSupportedAlgs.
                req.algs = unsafe { core::slice::from_raw_parts(c.palgSupportedAlgs, c.cSupportedAlgs.min(256) as usize) }.to_vec();
            }
            (c.cCreds, c.paCred, c.hRootStore)
        }
        SCH_CREDENTIALS_VERSION => {
            // SAFETY: version 5 is a SCH_CREDENTIALS.
            let c = unsafe { &*(p as *const SCH_CREDENTIALS) };
            req.flags = c.dwFlags;
            req.session_lifespan_ms = c.dwSessionLifespan;
            if c.cTlsParameters > 0 && !c.pTlsParameters.is_null() {
                // SAFETY: cTlsParameters entries; we honour the first (the one without ALPN filter).
                let t = unsafe { &*c.pTlsParameters };
                req.disabled_protocols = t.grbitDisabledProtocols;
            }
            (c.cCreds, c.paCred, c.hRootStore)
        }
        _ => return Err(SEC_E_UNKNOWN_CREDENTIALS),
    };
    if c_creds > 0 {
        if pa_cred.is_null() {
            return Err(SEC_E_UNKNOWN_CREDENTIALS);
        }
        for i in 0..c_creds.min(16) as usize {
            // SAFETY: cCreds entries at paCred.
            let cert = unsafe { *pa_cred.add(i) };
            req.certs.push(cert_data(cert).ok_or(SEC_E_UNKNOWN_CREDENTIALS)?);
        }
        if c_creds > 16 {
            return Err(SEC_E_UNKNOWN_CREDENTIALS);
        }
    }
    if !root.is_null() {
        req.root_store = Some(store_trust(root).ok_or(SEC_E_UNKNOWN_CREDENTIALS)?);
    }
    Ok(req)
}

unsafe fn acquire_common(
    package: Option<String>,
    f_credential_use: ULONG,
    p_auth_data: *mut c_void,
    ph_credential: PCredHandle,
    pts_expiry: PTimeStamp,
) -> SECURITY_STATUS {
    if !package.as_deref().is_some_and(is_our_package) {
        return SEC_E_SECPKG_NOT_FOUND;
    }
    let inbound = match f_credential_use {
        SECPKG_CRED_INBOUND => true,
        SECPKG_CRED_OUTBOUND => false,
        0 => return SEC_E_NO_CREDENTIALS,
        _ => return SEC_E_UNKNOWN_CREDENTIALS,
    };
    if ph_credential.is_null() {
        return SEC_E_INVALID_HANDLE;
    }
    // SAFETY: auth data pointer from the caller, validated by its version field.
    let req = match unsafe { read_auth_data(p_auth_data, inbound) } {
        Ok(r) => r,
        Err(s) => return s,
    };
    match acquire(req) {
        Ok(cred) => {
            let h = CREDENTIALS.insert(cred);
            // SAFETY: checked non-NULL above; caller-owned out parameter.
            unsafe { *ph_credential = h };
            if let Some(ts) = unsafe { pts_expiry.as_mut() } {
                // Credentials do not expire (Wine reports zero for outbound too).
                *ts = TimeStamp { LowPart: 0, HighPart: 0 };
            }
            SEC_E_OK
        }
        Err(s) => s,
    }
}

/// AcquireCredentialsHandleA: a client (`SECPKG_CRED_OUTBOUND`) or server
/// (`SECPKG_CRED_INBOUND`) credential from a `SCHANNEL_CRED`/`SCH_CREDENTIALS` (or NULL for
/// client defaults). Writes `*phCredential`; free it with `FreeCredentialsHandle`.
/// Returns SEC_E_OK, SEC_E_SECPKG_NOT_FOUND, SEC_E_NO_CREDENTIALS, SEC_E_UNKNOWN_CREDENTIALS,
/// SEC_E_ALGORITHM_MISMATCH or SEC_E_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn AcquireCredentialsHandleA(
    pszPrincipal: *mut SEC_CHAR,
    pszPackage: *mut SEC_CHAR,
    fCredentialUse: ULONG,
    pvLogonId: *mut c_void,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    phCredential: PCredHandle,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    ffi_guard!(status "AcquireCredentialsHandleA", SEC_E_INTERNAL_ERROR, {
        let _ = (pszPrincipal, pvLogonId, pGetKeyFn, pvGetKeyArgument);
        // SAFETY: string and structure pointers from the caller per the SSPI contract.
        unsafe { acquire_common(ansi(pszPackage), fCredentialUse, pAuthData, phCredential, ptsExpiry) }
    })
}

/// AcquireCredentialsHandleW: as `AcquireCredentialsHandleA` with UTF-16 strings.
#[no_mangle]
pub unsafe extern "C" fn AcquireCredentialsHandleW(
    pszPrincipal: *mut SEC_WCHAR,
    pszPackage: *mut SEC_WCHAR,
    fCredentialUse: ULONG,
    pvLogonId: *mut c_void,
    pAuthData: *mut c_void,
    pGetKeyFn: SEC_GET_KEY_FN,
    pvGetKeyArgument: *mut c_void,
    phCredential: PCredHandle,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    ffi_guard!(status "AcquireCredentialsHandleW", SEC_E_INTERNAL_ERROR, {
        let _ = (pszPrincipal, pvLogonId, pGetKeyFn, pvGetKeyArgument);
        // SAFETY: as in the A function.
        unsafe { acquire_common(wide(pszPackage), fCredentialUse, pAuthData, phCredential, ptsExpiry) }
    })
}

/// FreeCredentialsHandle: releases a credential. Contexts made from it keep working (they hold
/// their own reference). SEC_E_INVALID_HANDLE for NULL, stale or foreign handles.
#[no_mangle]
pub unsafe extern "C" fn FreeCredentialsHandle(phCredential: PCredHandle) -> SECURITY_STATUS {
    ffi_guard!(status "FreeCredentialsHandle", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or a caller-owned handle.
        match unsafe { phCredential.as_ref() } {
            Some(h) if CREDENTIALS.remove(h) => SEC_E_OK,
            _ => SEC_E_INVALID_HANDLE,
        }
    })
}

/// The input token and the slot for EXTRA/MISSING of an ISC/ASC call.
struct HandshakeInput {
    token: Option<(usize, Vec<u8>)>,
    second: Option<usize>,
}

unsafe fn read_handshake_input(desc: *mut SecBufferDesc) -> Result<HandshakeInput, SECURITY_STATUS> {
    if desc.is_null() {
        return Ok(HandshakeInput { token: None, second: None });
    }
    // SAFETY: caller-provided descriptor.
    let bufs = unsafe { buffers::view(desc) }?;
    let Some(ti) = bufs.iter().position(|b| base_type(b) == SECBUFFER_TOKEN) else {
        return Ok(HandshakeInput { token: None, second: None });
    };
    // SAFETY: a TOKEN buffer describes cbBuffer readable bytes.
    let data = unsafe { buffers::bytes(&bufs[ti]) }?.to_vec();
    let second = bufs.iter().enumerate().position(|(i, b)| i != ti && base_type(b) == SECBUFFER_EMPTY);
    Ok(HandshakeInput { token: Some((ti, data)), second })
}

/// The ALPN list of a `SECBUFFER_APPLICATION_PROTOCOLS` buffer in an ISC/ASC input descriptor:
/// None without one (or without a usable descriptor, which the handshake input reader
/// reports), the names otherwise, `SEC_E_INVALID_TOKEN` when malformed (see `sspi::alpn`).
unsafe fn read_application_protocols(desc: *mut SecBufferDesc) -> Result<Option<Vec<Vec<u8>>>, SECURITY_STATUS> {
    if desc.is_null() {
        return Ok(None);
    }
    // SAFETY: caller-provided descriptor.
    let Ok(bufs) = (unsafe { buffers::view(desc) }) else { return Ok(None) };
    let Some(b) = bufs.iter().find(|b| base_type(b) == SECBUFFER_APPLICATION_PROTOCOLS) else { return Ok(None) };
    // SAFETY: the buffer describes cbBuffer readable bytes.
    let data = unsafe { buffers::bytes(b) }?;
    parse_application_protocols(data).map(Some)
}

/// Writes MISSING/EXTRA into the caller's input descriptor.
unsafe fn write_input_results(desc: *mut SecBufferDesc, input: &HandshakeInput, out: &StepOutcome) {
    let Some(second) = input.second else { return };
    // SAFETY: the same descriptor read_handshake_input validated.
    let Ok(bufs) = (unsafe { buffers::view(desc) }) else { return };
    if let Some(m) = out.missing {
        bufs[second].BufferType = SECBUFFER_MISSING;
        bufs[second].cbBuffer = m as u32;
    } else if out.extra > 0 {
        // Only the count is meaningful: the bytes are the last `extra` of the input token.
        bufs[second].BufferType = SECBUFFER_EXTRA;
        bufs[second].cbBuffer = out.extra as u32;
        if let Some((ti, data)) = &input.token {
            let tok = bufs[*ti].pvBuffer;
            if !tok.is_null() {
                // SAFETY: points inside the caller's token at its last `extra` bytes.
                bufs[second].pvBuffer = (unsafe { (tok as *mut u8).add(data.len() - out.extra) }) as *mut c_void;
            }
        }
    }
}

/// Writes the output token (and the ALERT buffer on failure). On a too-small caller buffer
/// the status becomes SEC_E_INSUFFICIENT_MEMORY.
unsafe fn write_output(desc: *mut SecBufferDesc, out: &StepOutcome, allocate: bool) -> SECURITY_STATUS {
    if desc.is_null() {
        return if out.token.is_empty() { out.status } else { SEC_E_INSUFFICIENT_MEMORY };
    }
    // SAFETY: caller-provided descriptor.
    let bufs = match unsafe { buffers::view(desc) } {
        Ok(b) => b,
        Err(s) => return s,
    };
    let failed = out.status < 0 && out.status != SEC_E_INCOMPLETE_MESSAGE;
    if let Some(tok) = bufs.iter_mut().find(|b| matches!(base_type(b), SECBUFFER_TOKEN | SECBUFFER_EMPTY)) {
        if out.status == SEC_E_INCOMPLETE_MESSAGE && out.token.is_empty() {
            // Nothing was consumed and nothing is to be sent: the output stays untouched.
            return out.status;
        }
        tok.BufferType = SECBUFFER_TOKEN;
        // SAFETY: the caller's output buffer, written per its size or allocated.
        if let Err(s) = unsafe { write_out(tok, &out.token, allocate) } {
            return s;
        }
    } else if !out.token.is_empty() && !failed {
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    if failed {
        if let Some(alert) = bufs.iter_mut().find(|b| base_type(b) == SECBUFFER_ALERT) {
            // SAFETY: caller's ALERT buffer, written like the token.
            let _ = unsafe { write_out(alert, &out.token, allocate) };
        }
    }
    out.status
}

/// Rejects a zero-size caller token buffer up front, as Wine and Windows do.
unsafe fn check_output_room(desc: *mut SecBufferDesc, allocate: bool) -> SECURITY_STATUS {
    if allocate || desc.is_null() {
        return SEC_E_OK;
    }
    // SAFETY: caller-provided descriptor.
    match unsafe { buffers::view(desc) } {
        Ok(bufs) => match bufs.iter().find(|b| matches!(base_type(b), SECBUFFER_TOKEN | SECBUFFER_EMPTY)) {
            Some(t) if t.cbBuffer == 0 || t.pvBuffer.is_null() => SEC_E_INSUFFICIENT_MEMORY,
            _ => SEC_E_OK,
        },
        Err(s) => s,
    }
}

/// ISC/ASC after the optional first-call context creation.
unsafe fn handshake_call(
    ctx_handle: SecHandle,
    ctx: Arc<parking_lot::Mutex<Context>>,
    first_output: Option<StepOutcome>,
    input_desc: *mut SecBufferDesc,
    output_desc: *mut SecBufferDesc,
    allocate: bool,
) -> (SECURITY_STATUS, SecHandle) {
    // SAFETY: the caller's descriptors, validated by the helpers.
    let input = match unsafe { read_handshake_input(input_desc) } {
        Ok(i) => i,
        Err(s) => return (s, ctx_handle),
    };
    let mut c = ctx.lock();
    crate::log::set_context(ctx_handle.dwLower, if c.conn.side() == crate::handshake::Side::Client { "client" } else { "server" });
    if output_desc.is_null() && first_output.is_none() && c.pending_control.is_some() {
        // Nowhere to put the alert or hello: nothing happens and the control stays armed.
        return (SEC_E_INCOMPLETE_MESSAGE, ctx_handle);
    }
    let outcome = match first_output {
        Some(o) => o,
        None => c.step(input.token.as_ref().map(|(_, d)| d.as_slice())),
    };
    drop(c);
    // SAFETY: as above.
    unsafe { write_input_results(input_desc, &input, &outcome) };
    // SAFETY: as above.
    let status = unsafe { write_output(output_desc, &outcome, allocate) };
    (status, ctx_handle)
}

fn isc_ret_flags(req: ULONG) -> ULONG {
    let mut r = ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT | ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM;
    for (q, a) in [
        (ISC_REQ_ALLOCATE_MEMORY, ISC_RET_ALLOCATED_MEMORY),
        (ISC_REQ_USE_SUPPLIED_CREDS, ISC_RET_USED_SUPPLIED_CREDS),
        (ISC_REQ_MANUAL_CRED_VALIDATION, ISC_RET_MANUAL_CRED_VALIDATION),
        (ISC_REQ_EXTENDED_ERROR, ISC_RET_EXTENDED_ERROR),
    ] {
        if req & q != 0 {
            r |= a;
        }
    }
    r
}

fn asc_ret_flags(req: ULONG) -> ULONG {
    let mut r = ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT | ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM;
    for (q, a) in [
        (ASC_REQ_ALLOCATE_MEMORY, ASC_RET_ALLOCATED_MEMORY),
        (ASC_REQ_EXTENDED_ERROR, ASC_RET_EXTENDED_ERROR),
        (ASC_REQ_MUTUAL_AUTH, ASC_RET_MUTUAL_AUTH),
    ] {
        if req & q != 0 {
            r |= a;
        }
    }
    r
}

#[allow(clippy::too_many_arguments)]
unsafe fn initialize_common(
    ph_credential: PCredHandle,
    ph_context: PCtxtHandle,
    target: Option<String>,
    f_context_req: ULONG,
    p_input: PSecBufferDesc,
    ph_new_context: PCtxtHandle,
    p_output: PSecBufferDesc,
    pf_context_attr: *mut ULONG,
    pts_expiry: PTimeStamp,
) -> SECURITY_STATUS {
    if f_context_req & (ISC_REQ_DELEGATE | ISC_REQ_PROMPT_FOR_CREDS) != 0 {
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
    let allocate = f_context_req & ISC_REQ_ALLOCATE_MEMORY != 0;
    // SAFETY: NULL or caller-owned handles/out parameters.
    let existing = unsafe { ph_context.as_ref() }.copied();
    let (status, handle) = match existing {
        Some(h) => {
            let Some(ctx) = CONTEXTS.get(&h) else { return SEC_E_INVALID_HANDLE };
            if ctx.lock().conn.side() != crate::handshake::Side::Client {
                return SEC_E_INVALID_HANDLE;
            }
            // After SEC_I_INCOMPLETE_CREDENTIALS the caller may pass a credential with a
            // certificate; its identity answers the server's request.
            // SAFETY: NULL or caller-owned handle.
            if let Some(cred) = (unsafe { ph_credential.as_ref() }).and_then(|h| CREDENTIALS.get(h)) {
                let cred = cred.lock();
                if !cred.inbound {
                    ctx.lock().supplied_identity = cred.config.client_identity.clone();
                }
            }
            // SAFETY: caller descriptors.
            unsafe { handshake_call(h, ctx, None, p_input, p_output, allocate) }
        }
        None => {
            // SAFETY: NULL or caller-owned handle.
            let Some(cred) = (unsafe { ph_credential.as_ref() }).and_then(|h| CREDENTIALS.get(h)) else {
                return SEC_E_INVALID_HANDLE;
            };
            let cred = cred.lock();
            if cred.inbound {
                return SEC_E_INVALID_HANDLE;
            }
            if ph_new_context.is_null() {
                return SEC_E_INVALID_HANDLE;
            }
            // SAFETY: caller descriptor.
            let room = unsafe { check_output_room(p_output, allocate) };
            if room != SEC_E_OK {
                return room;
            }
            // SAFETY: caller descriptor (the first call reads nothing else from it).
            let alpn = match unsafe { read_application_protocols(p_input) } {
                Ok(a) => a,
                Err(s) => return s,
            };
            let conn = Connection::new_client(cred.config.clone(), target.filter(|t| !t.is_empty()));
            let mut ctx = Context::new(conn, cred.cert.clone());
            drop(cred);
            if let Some(protocols) = alpn {
                ctx.offer_application_protocols(protocols);
            }
            crate::log::set_context(0, "client");
            let first = ctx.start();
            if first.status < 0 {
                return first.status;
            }
            let h = CONTEXTS.insert(ctx);
            let ctx = CONTEXTS.get(&h).expect("just inserted");
            // SAFETY: caller descriptors.
            let (status, h) = unsafe { handshake_call(h, ctx, Some(first), core::ptr::null_mut(), p_output, allocate) };
            if status < 0 {
                CONTEXTS.remove(&h);
                return status;
            }
            (status, h)
        }
    };
    // SAFETY: out parameters are NULL or writable.
    unsafe { write_context_out(ph_new_context, handle, pf_context_attr, isc_ret_flags(f_context_req), pts_expiry) };
    status
}

/// Writes the new handle, the returned attribute flags and the expiry of an ISC/ASC call.
///
/// # Safety
/// Each pointer is NULL or writable.
unsafe fn write_context_out(ph_new: PCtxtHandle, handle: SecHandle, pf_attr: *mut ULONG, attrs: ULONG, pts: PTimeStamp) {
    // SAFETY: per the function contract.
    unsafe {
        if let Some(n) = ph_new.as_mut() {
            *n = handle;
        }
        if let Some(a) = pf_attr.as_mut() {
            *a = attrs;
        }
        if let Some(t) = pts.as_mut() {
            // The session does not expire by time (no session cache yet).
            *t = TimeStamp { LowPart: u32::MAX, HighPart: i32::MAX };
        }
    }
}

/// InitializeSecurityContextA: the client handshake loop. First call (`phContext` NULL)
/// creates the context in `*phNewContext` and returns SEC_I_CONTINUE_NEEDED with the
/// ClientHello in the output TOKEN. Later calls take `[TOKEN, EMPTY]` input and return
/// SEC_I_CONTINUE_NEEDED, SEC_E_OK (done), SEC_E_INCOMPLETE_MESSAGE (second input buffer =
/// SECBUFFER_MISSING), or an error with the alert to send in the output TOKEN (and ALERT)
/// buffer. Unconsumed input is reported as SECBUFFER_EXTRA in the second input buffer. With
/// ISC_REQ_ALLOCATE_MEMORY the token is allocated by us and freed with `FreeContextBuffer`;
/// otherwise it is copied into the caller's buffer (SEC_E_INSUFFICIENT_MEMORY if too small).
/// ALPN: the first call's `pInput` may hold a SECBUFFER_APPLICATION_PROTOCOLS buffer
/// (`SEC_APPLICATION_PROTOCOLS`; ALPN lists are offered, NPN lists ignored); a malformed one
/// returns SEC_E_INVALID_TOKEN and creates no context. Later calls ignore such a buffer.
#[no_mangle]
pub unsafe extern "C" fn InitializeSecurityContextA(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pszTargetName: *mut SEC_CHAR,
    fContextReq: ULONG,
    Reserved1: ULONG,
    TargetDataRep: ULONG,
    pInput: PSecBufferDesc,
    Reserved2: ULONG,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: *mut ULONG,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    ffi_guard!(status "InitializeSecurityContextA", SEC_E_INTERNAL_ERROR, {
        let _ = (Reserved1, TargetDataRep, Reserved2);
        // SAFETY: caller pointers per the SSPI contract.
        unsafe {
            initialize_common(
                phCredential,
                phContext,
                ansi(pszTargetName),
                fContextReq,
                pInput,
                phNewContext,
                pOutput,
                pfContextAttr,
                ptsExpiry,
            )
        }
    })
}

/// InitializeSecurityContextW: as `InitializeSecurityContextA` with a UTF-16 target name.
#[no_mangle]
pub unsafe extern "C" fn InitializeSecurityContextW(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pszTargetName: *mut SEC_WCHAR,
    fContextReq: ULONG,
    Reserved1: ULONG,
    TargetDataRep: ULONG,
    pInput: PSecBufferDesc,
    Reserved2: ULONG,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: *mut ULONG,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    ffi_guard!(status "InitializeSecurityContextW", SEC_E_INTERNAL_ERROR, {
        let _ = (Reserved1, TargetDataRep, Reserved2);
        // SAFETY: caller pointers per the SSPI contract.
        unsafe {
            initialize_common(
                phCredential,
                phContext,
                wide(pszTargetName),
                fContextReq,
                pInput,
                phNewContext,
                pOutput,
                pfContextAttr,
                ptsExpiry,
            )
        }
    })
}

/// AcceptSecurityContext: the server handshake loop, mirroring `InitializeSecurityContextA`.
/// The first call (`phContext` NULL) creates the context in `*phNewContext` even when it
/// returns SEC_E_INCOMPLETE_MESSAGE, so the caller retries with that handle (and must delete
/// it on failure). ALPN: a SECBUFFER_APPLICATION_PROTOCOLS buffer beside the input TOKEN
/// (first call, or any call before the ClientHello was whole) sets the protocols the server
/// accepts, in its order of preference; no overlap with the client's list fails the handshake
/// with SEC_E_APPLICATION_PROTOCOL_MISMATCH and a no_application_protocol alert. A malformed
/// buffer returns SEC_E_INVALID_TOKEN before anything else happens (no context is created).
#[no_mangle]
pub unsafe extern "C" fn AcceptSecurityContext(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pInput: PSecBufferDesc,
    fContextReq: ULONG,
    TargetDataRep: ULONG,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: *mut ULONG,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    ffi_guard!(status "AcceptSecurityContext", SEC_E_INTERNAL_ERROR, {
        let _ = TargetDataRep;
        let allocate = fContextReq & ASC_REQ_ALLOCATE_MEMORY != 0;
        // SAFETY: NULL or caller-owned handle.
        let existing = unsafe { phContext.as_ref() }.copied();
        // SAFETY: caller descriptor.
        let alpn = match unsafe { read_application_protocols(pInput) } {
            Ok(a) => a,
            Err(s) => return s,
        };
        let mutual = fContextReq & ASC_REQ_MUTUAL_AUTH != 0;
        let (h, ctx) = match existing {
            Some(h) => match CONTEXTS.get(&h) {
                Some(c) if c.lock().conn.side() == crate::handshake::Side::Server => {
                    // Each call's request applies to the next full handshake (renegotiations too).
                    c.lock().conn.set_request_client_certificate(mutual);
                    if let Some(protocols) = alpn {
                        // Until the ClientHello is processed (e.g. after SEC_E_INCOMPLETE_MESSAGE).
                        c.lock().offer_application_protocols(protocols);
                    }
                    (h, c)
                }
                _ => return SEC_E_INVALID_HANDLE,
            },
            None => {
                // SAFETY: NULL or caller-owned handle.
                let Some(cred) = (unsafe { phCredential.as_ref() }).and_then(|h| CREDENTIALS.get(h)) else {
                    return SEC_E_INVALID_HANDLE;
                };
                let cred = cred.lock();
                if !cred.inbound || phNewContext.is_null() {
                    return SEC_E_INVALID_HANDLE;
                }
                // SAFETY: caller descriptor.
                let room = unsafe { check_output_room(pOutput, allocate) };
                if room != SEC_E_OK {
                    return room;
                }
                let mut ctx = Context::new(Connection::new_server(cred.config.clone()), cred.cert.clone());
                ctx.conn.set_request_client_certificate(mutual);
                if let Some(protocols) = alpn {
                    ctx.offer_application_protocols(protocols);
                }
                let h = CONTEXTS.insert(ctx);
                (h, CONTEXTS.get(&h).expect("just inserted"))
            }
        };
        // SAFETY: caller descriptors.
        let (status, h) = unsafe { handshake_call(h, ctx, None, pInput, pOutput, allocate) };
        // SAFETY: out parameters are NULL or writable.
        unsafe { write_context_out(phNewContext, h, pfContextAttr, asc_ret_flags(fContextReq), ptsExpiry) };
        status
    })
}

/// DeleteSecurityContext: frees a context; every later call with the handle returns
/// SEC_E_INVALID_HANDLE. Call `ApplyControlToken(SCHANNEL_SHUTDOWN)` first for a clean close.
#[no_mangle]
pub unsafe extern "C" fn DeleteSecurityContext(phContext: PCtxtHandle) -> SECURITY_STATUS {
    ffi_guard!(status "DeleteSecurityContext", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        match unsafe { phContext.as_ref() } {
            Some(h) if CONTEXTS.remove(h) => SEC_E_OK,
            _ => SEC_E_INVALID_HANDLE,
        }
    })
}

/// ApplyControlToken: `[TOKEN]` holding DWORD SCHANNEL_SHUTDOWN, a SCHANNEL_ALERT_TOKEN, or
/// DWORD SCHANNEL_RENEGOTIATE (established contexts only). The next ISC/ASC call (input may be
/// NULL; output needed) returns the alert record to send, or starts the renegotiation: a
/// client's ClientHello with SEC_I_CONTINUE_NEEDED, a server's HelloRequest with SEC_E_OK.
/// Returns SEC_E_OK, SEC_E_INVALID_HANDLE, SEC_E_INTERNAL_ERROR (NULL descriptor),
/// SEC_E_INVALID_TOKEN (wrong buffer shape) or SEC_E_UNSUPPORTED_FUNCTION (short token,
/// unknown token, SCHANNEL_RENEGOTIATE before the handshake completed).
#[no_mangle]
pub unsafe extern "C" fn ApplyControlToken(phContext: PCtxtHandle, pInput: PSecBufferDesc) -> SECURITY_STATUS {
    ffi_guard!(status "ApplyControlToken", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        let Some(ctx) = (unsafe { phContext.as_ref() }).and_then(|h| CONTEXTS.get(h)) else {
            return SEC_E_INVALID_HANDLE;
        };
        if pInput.is_null() {
            return SEC_E_INTERNAL_ERROR;
        }
        // SAFETY: caller descriptor.
        let bufs = match unsafe { buffers::view(pInput) } {
            Ok(b) => b,
            Err(s) => return s,
        };
        if bufs.len() != 1 || base_type(&bufs[0]) != SECBUFFER_TOKEN {
            return SEC_E_INVALID_TOKEN;
        }
        // SAFETY: the token describes cbBuffer readable bytes.
        let tok = match unsafe { buffers::bytes(&bufs[0]) } {
            Ok(t) => t,
            Err(s) => return s,
        };
        let dword = |i: usize| tok.get(i * 4..i * 4 + 4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
        let control = match dword(0) {
            Some(SCHANNEL_SHUTDOWN) => Control::Shutdown,
            // Only an established connection can renegotiate.
            Some(SCHANNEL_RENEGOTIATE) if ctx.lock().conn.is_established() => Control::Renegotiate,
            Some(SCHANNEL_ALERT) => {
                let (Some(kind), Some(number)) = (dword(1), dword(2)) else { return SEC_E_UNSUPPORTED_FUNCTION };
                let level = match kind {
                    TLS1_ALERT_WARNING => AlertLevel::Warning,
                    TLS1_ALERT_FATAL => AlertLevel::Fatal,
                    _ => return SEC_E_INVALID_TOKEN,
                };
                let Some(desc) = u8::try_from(number).ok().and_then(AlertDescription::from_u8) else {
                    return SEC_E_INVALID_TOKEN;
                };
                Control::Alert(level, desc)
            }
            _ => return SEC_E_UNSUPPORTED_FUNCTION,
        };
        ctx.lock().pending_control = Some(control);
        SEC_E_OK
    })
}

/// Copies a plain struct into the caller's attribute buffer.
unsafe fn put<T: Copy>(p: *mut c_void, v: T) -> SECURITY_STATUS {
    // SAFETY: the caller passes a buffer of the attribute's structure type.
    unsafe { (p as *mut T).write_unaligned(v) };
    SEC_E_OK
}

unsafe fn query_context(ph_context: PCtxtHandle, attribute: ULONG, buffer: *mut c_void, wide: bool) -> SECURITY_STATUS {
    // SAFETY: NULL or caller-owned handle.
    let Some(ctx) = (unsafe { ph_context.as_ref() }).and_then(|h| CONTEXTS.get(h)) else {
        return SEC_E_INVALID_HANDLE;
    };
    if buffer.is_null() {
        return SEC_E_INTERNAL_ERROR;
    }
    let c = ctx.lock();
    // SAFETY (all arms): `buffer` is the caller's structure for `attribute`.
    unsafe {
        match attribute {
            SECPKG_ATTR_STREAM_SIZES => c.stream_sizes().map_or(SEC_E_INVALID_HANDLE, |v| put(buffer, v)),
            SECPKG_ATTR_CONNECTION_INFO => c.connection_info().map_or(SEC_E_INVALID_HANDLE, |v| put(buffer, v)),
            SECPKG_ATTR_CIPHER_INFO => c.cipher_info().map_or(SEC_E_INVALID_HANDLE, |v| put(buffer, v)),
            SECPKG_ATTR_APPLICATION_PROTOCOL => put(buffer, c.application_protocol()),
            SECPKG_ATTR_SESSION_INFO => {
                match c.conn.ssl2_session_id().map(<[u8]>::to_vec).or_else(|| c.conn.info().map(|i| i.session_id)) {
                    Some(id) => {
                        // SSL_SESSION_RECONNECT (1): this connection resumed a cached session.
                        let mut s = SecPkgContext_SessionInfo {
                            dwFlags: u32::from(c.conn.resumed()),
                            cbSessionId: id.len().min(32) as u32,
                            rgbSessionId: [0; 32],
                        };
                        s.rgbSessionId[..s.cbSessionId as usize].copy_from_slice(&id[..s.cbSessionId as usize]);
                        put(buffer, s)
                    }
                    None => SEC_E_INVALID_HANDLE,
                }
            }
            SECPKG_ATTR_REMOTE_CERT_CONTEXT => {
                let certs = c.conn.peer_certificates();
                match certs.split_first() {
                    Some((leaf, rest)) => {
                        // As Schannel: the leaf's `hCertStore` is a memory store holding the
                        // peer's whole chain (leaf first), which callers enumerate.
                        use crate::sspi::credentials::CertData;
                        let mut list = vec![Arc::new(CertData { der: leaf.clone(), chain: rest.to_vec(), key: None })];
                        list.extend(rest.iter().map(|c| Arc::new(CertData { der: c.clone(), chain: Vec::new(), key: None })));
                        let store = super::certs::new_store(list, false);
                        let first = super::certs::store_elements(store).and_then(|v| v.first().map(|(p, _)| *p));
                        let status = match first {
                            Some(p) if super::certs::duplicate_cert(p) => put(buffer, p),
                            _ => SEC_E_INTERNAL_ERROR,
                        };
                        // The store lives on while the caller holds the context.
                        super::certs::close_store(store, false);
                        status
                    }
                    None => SEC_E_NO_CREDENTIALS,
                }
            }
            SECPKG_ATTR_ISSUER_LIST_EX => put(buffer, super::attributes::issuer_list(c.conn.requested_issuers().unwrap_or_default())),
            SECPKG_ATTR_NAMES => super::attributes::names(&c, wide).map_or_else(|s| s, |v| put(buffer, v)),
            SECPKG_ATTR_KEY_INFO => super::attributes::key_info(&c, wide).map_or_else(|s| s, |v| put(buffer, v)),
            SECPKG_ATTR_UNIQUE_BINDINGS => super::attributes::bindings(&c, false).map_or_else(|s| s, |v| put(buffer, v)),
            SECPKG_ATTR_ENDPOINT_BINDINGS => super::attributes::bindings(&c, true).map_or_else(|s| s, |v| put(buffer, v)),
            // As on Windows, Schannel has no negotiation info.
            SECPKG_ATTR_NEGOTIATION_INFO => SEC_E_UNSUPPORTED_FUNCTION,
            SECPKG_ATTR_LOCAL_CERT_CONTEXT => match &c.local_cert {
                Some(d) => put(buffer, new_cert_context(d.clone())),
                None => SEC_E_NO_CREDENTIALS,
            },
            _ => SEC_E_UNSUPPORTED_FUNCTION,
        }
    }
}

/// QueryContextAttributesA: SECPKG_ATTR_STREAM_SIZES, CONNECTION_INFO, CIPHER_INFO,
/// SESSION_INFO, APPLICATION_PROTOCOL (`SecPkgContext_ApplicationProtocol`; status `None`
/// until a protocol is agreed), REMOTE_CERT_CONTEXT and LOCAL_CERT_CONTEXT (a new `PCCERT_CONTEXT` the
/// caller frees with `CertFreeCertificateContext`), ISSUER_LIST_EX, NAMES (the peer
/// certificate's subject), KEY_INFO, UNIQUE_BINDINGS and ENDPOINT_BINDINGS (RFC 5929
/// tls-unique / tls-server-end-point in a `SEC_CHANNEL_BINDINGS`); their pointers are freed
/// with `FreeContextBuffer`. NEGOTIATION_INFO and others: SEC_E_UNSUPPORTED_FUNCTION.
#[no_mangle]
pub unsafe extern "C" fn QueryContextAttributesA(phContext: PCtxtHandle, ulAttribute: ULONG, pBuffer: *mut c_void) -> SECURITY_STATUS {
    ffi_guard!(status "QueryContextAttributesA", SEC_E_INTERNAL_ERROR, {
        // SAFETY: caller pointers per the SSPI contract.
        unsafe { query_context(phContext, ulAttribute, pBuffer, false) }
    })
}

/// QueryContextAttributesW: as the A function, with UTF-16 strings in NAMES and KEY_INFO.
#[no_mangle]
pub unsafe extern "C" fn QueryContextAttributesW(phContext: PCtxtHandle, ulAttribute: ULONG, pBuffer: *mut c_void) -> SECURITY_STATUS {
    ffi_guard!(status "QueryContextAttributesW", SEC_E_INTERNAL_ERROR, {
        // SAFETY: caller pointers per the SSPI contract.
        unsafe { query_context(phContext, ulAttribute, pBuffer, true) }
    })
}

unsafe fn query_credentials(ph: PCredHandle, attribute: ULONG, buffer: *mut c_void) -> SECURITY_STATUS {
    // SAFETY: NULL or caller-owned handle.
    let Some(cred) = (unsafe { ph.as_ref() }).and_then(|h| CREDENTIALS.get(h)) else {
        return SEC_E_INVALID_HANDLE;
    };
    if buffer.is_null() {
        return SEC_E_INTERNAL_ERROR;
    }
    match attribute {
        // SAFETY: the caller's SecPkgCred_SupportedProtocols.
        SECPKG_ATTR_SUPPORTED_PROTOCOLS => unsafe { put(buffer, SecPkgCred_SupportedProtocols { grbitProtocol: cred.lock().protocols }) },
        SECPKG_ATTR_SUPPORTED_ALGS => {
            let algs = cred.lock().supported_algs();
            let bytes: Vec<u8> = algs.iter().flat_map(|a| a.to_ne_bytes()).collect();
            let p = provider_copy(&bytes);
            if p.is_null() {
                return SEC_E_INSUFFICIENT_MEMORY;
            }
            let value = SecPkgCred_SupportedAlgs { cSupportedAlgs: algs.len() as DWORD, palgSupportedAlgs: p as *mut ALG_ID };
            // SAFETY: the caller's SecPkgCred_SupportedAlgs.
            unsafe { put(buffer, value) }
        }
        SECPKG_ATTR_CIPHER_STRENGTHS => {
            let (min, max) = cred.lock().cipher_strengths();
            let value = SecPkgCred_CipherStrengths { dwMinimumCipherStrength: min, dwMaximumCipherStrength: max };
            // SAFETY: the caller's SecPkgCred_CipherStrengths.
            unsafe { put(buffer, value) }
        }
        _ => SEC_E_UNSUPPORTED_FUNCTION,
    }
}

/// QueryCredentialsAttributesA: SECPKG_ATTR_SUPPORTED_PROTOCOLS (exactly the enabled bits),
/// SUPPORTED_ALGS (the enabled suites' `CALG_*` ids, provider memory) and CIPHER_STRENGTHS.
#[no_mangle]
pub unsafe extern "C" fn QueryCredentialsAttributesA(
    phCredential: PCredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    ffi_guard!(status "QueryCredentialsAttributesA", SEC_E_INTERNAL_ERROR, {
        // SAFETY: caller pointers per the SSPI contract.
        unsafe { query_credentials(phCredential, ulAttribute, pBuffer) }
    })
}

/// QueryCredentialsAttributesW: as the A function.
#[no_mangle]
pub unsafe extern "C" fn QueryCredentialsAttributesW(
    phCredential: PCredHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    ffi_guard!(status "QueryCredentialsAttributesW", SEC_E_INTERNAL_ERROR, {
        // SAFETY: caller pointers per the SSPI contract.
        unsafe { query_credentials(phCredential, ulAttribute, pBuffer) }
    })
}

/// CompleteAuthToken: Schannel never needs it; SEC_E_OK for a live context.
#[no_mangle]
pub unsafe extern "C" fn CompleteAuthToken(phContext: PCtxtHandle, pToken: PSecBufferDesc) -> SECURITY_STATUS {
    ffi_guard!(status "CompleteAuthToken", SEC_E_INTERNAL_ERROR, {
        let _ = pToken;
        // SAFETY: NULL or caller-owned handle.
        match (unsafe { phContext.as_ref() }).and_then(|h| CONTEXTS.get(h)) {
            Some(_) => SEC_E_OK,
            None => SEC_E_INVALID_HANDLE,
        }
    })
}

/// Runs a project setter on the credential behind `ph`, under its lock: SEC_E_INVALID_HANDLE
/// when `ph` is not a live credential, else SEC_E_OK or the setter's own status.
unsafe fn with_credential(ph: PCredHandle, change: impl FnOnce(&mut Credential) -> Result<(), SECURITY_STATUS>) -> SECURITY_STATUS {
    // SAFETY: NULL or caller-owned handle.
    let Some(cred) = (unsafe { ph.as_ref() }).and_then(|h| CREDENTIALS.get(h)) else {
        return SEC_E_INVALID_HANDLE;
    };
    let result = change(&mut cred.lock());
    match result {
        Ok(()) => SEC_E_OK,
        Err(s) => s,
    }
}

/// The caller's list of `count` ids at `ids`: SEC_E_INVALID_PARAMETER for NULL, none or more
/// than 1024 (more than any table holds).
///
/// # Safety
/// A non-NULL `ids` must point at `count` readable values that outlive the call.
unsafe fn caller_ids<'a, T>(ids: *const T, count: u32) -> Result<&'a [T], SECURITY_STATUS> {
    if ids.is_null() || count == 0 || count > 1024 {
        return Err(SEC_E_INVALID_PARAMETER);
    }
    // SAFETY: non-NULL, and `count` values per the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts(ids, count as usize) })
}

/// OpenSchannelSetCipherSuites: restricts a credential to `count` IANA suite ids in preference
/// order (naming RC4 enables it). Affects contexts created afterwards. Returns SEC_E_OK,
/// SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER or SEC_E_ALGORITHM_MISMATCH (no known suite).
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSetCipherSuites(phCredential: PCredHandle, suites: *const u16, count: u32) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetCipherSuites", SEC_E_INTERNAL_ERROR, {
        // SAFETY: `count` ids at `suites` per the contract; checked by `caller_ids`.
        unsafe { with_credential(phCredential, |cred| cred.set_suites(caller_ids(suites, count)?)) }
    })
}

/// OpenSchannelSetSsl2CipherKinds: restricts a credential to `count` SSL 2.0 cipher kinds (the
/// 3-byte `SSL_CK_*` values, e.g. 0x010080) in preference order. SSL 2.0 itself is enabled only
/// by `SP_PROT_SSL2_*` in `grbitEnabledProtocols`. Affects contexts created afterwards. Returns
/// SEC_E_OK, SEC_E_INVALID_HANDLE, SEC_E_INVALID_PARAMETER or SEC_E_ALGORITHM_MISMATCH (no known kind).
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSetSsl2CipherKinds(phCredential: PCredHandle, kinds: *const u32, count: u32) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetSsl2CipherKinds", SEC_E_INTERNAL_ERROR, {
        // SAFETY: `count` kinds at `kinds` per the contract; checked by `caller_ids`.
        unsafe { with_credential(phCredential, |cred| cred.set_ssl2_kinds(caller_ids(kinds, count)?)) }
    })
}

/// OpenSchannelSsl2CipherKindFromName: the 3-byte value of an SSL 2.0 cipher kind by its name
/// (`SSL_CK_RC4_128_WITH_MD5`, …), 0 if unknown.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSsl2CipherKindFromName(name: *const c_char) -> u32 {
    ffi_guard!(0, {
        // SAFETY: NULL or a NUL-terminated string.
        unsafe { ansi(name) }.and_then(|n| crate::suites::ssl2_by_name(&n)).map_or(0, |k| k.id)
    })
}

/// OpenSchannelSetRecordSplitting: turns the TLS 1.0/SSL 3.0 CBC 1/n-1 record split (BEAST
/// countermeasure, on by default) on (`enable` non-zero) or off for contexts created from this
/// credential afterwards. `OPENSCHANNEL_RECORD_SPLITTING=0` in the environment turns it off for
/// every credential acquired later. Returns SEC_E_OK or SEC_E_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSetRecordSplitting(phCredential: PCredHandle, enable: BOOL) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetRecordSplitting", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        unsafe {
            with_credential(phCredential, |cred| {
                cred.set_record_splitting(enable != 0);
                Ok(())
            })
        }
    })
}

/// OpenSchannelSetFallbackScsv: marks the ClientHellos of contexts created from this credential
/// afterwards as a fallback retry (`enable` non-zero): they carry TLS_FALLBACK_SCSV (RFC 7507),
/// for a program that retries with fewer protocol versions after a failed handshake. A server
/// that supports a higher version than the client offers then refuses with
/// inappropriate_fallback, which the client reports as SEC_E_DOWNGRADE_DETECTED. Off by default;
/// ignored by servers, which always honour the signal. Returns SEC_E_OK or SEC_E_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSetFallbackScsv(phCredential: PCredHandle, enable: BOOL) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetFallbackScsv", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        unsafe {
            with_credential(phCredential, |cred| {
                cred.set_fallback_scsv(enable != 0);
                Ok(())
            })
        }
    })
}

/// OpenSchannelSetRenegotiation: renegotiation policy for contexts created from this credential
/// afterwards: `OPENSCHANNEL_RENEGOTIATION_REFUSE` (0, decline with a no_renegotiation warning),
/// `OPENSCHANNEL_RENEGOTIATION_SECURE` (1, the default: only with RFC 5746 peers) or
/// `OPENSCHANNEL_RENEGOTIATION_ALLOW_INSECURE` (2, also legacy peers; CVE-2009-3555).
/// Returns SEC_E_OK, SEC_E_INVALID_HANDLE or SEC_E_INVALID_PARAMETER.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSetRenegotiation(phCredential: PCredHandle, policy: DWORD) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetRenegotiation", SEC_E_INTERNAL_ERROR, {
        let policy = match policy {
            OPENSCHANNEL_RENEGOTIATION_REFUSE => Some(Renegotiation::Refuse),
            OPENSCHANNEL_RENEGOTIATION_SECURE => Some(Renegotiation::SecureOnly),
            OPENSCHANNEL_RENEGOTIATION_ALLOW_INSECURE => Some(Renegotiation::AllowInsecure),
            _ => None,
        };
        // SAFETY: NULL or caller-owned handle.
        unsafe {
            with_credential(phCredential, |cred| {
                cred.set_renegotiation(policy.ok_or(SEC_E_INVALID_PARAMETER)?);
                Ok(())
            })
        }
    })
}

/// OpenSchannelSetSessionCacheSize: the process-wide session cache bound (default 10,000 or
/// `OPENSCHANNEL_SESSION_CACHE_SIZE`); 0 disables caching. Least recently used entries above
/// the new bound are evicted. Returns SEC_E_OK.
#[no_mangle]
pub extern "C" fn OpenSchannelSetSessionCacheSize(entries: DWORD) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetSessionCacheSize", SEC_E_INTERNAL_ERROR, {
        crate::cache::SessionCache::global().set_capacity(entries as usize);
        SEC_E_OK
    })
}

/// OpenSchannelCipherSuiteFromName: the IANA id of a suite this build implements, 0 if unknown.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelCipherSuiteFromName(iana_name: *const c_char) -> u16 {
    ffi_guard!(0, {
        // SAFETY: NULL or a NUL-terminated string.
        unsafe { ansi(iana_name) }.and_then(|n| crate::suites::by_name(&n)).map_or(0, |s| s.id)
    })
}

/// OpenSchannelStatusName: "SEC_E_UNTRUSTED_ROOT" etc.; "UNKNOWN_STATUS" otherwise. Static string.
#[no_mangle]
pub extern "C" fn OpenSchannelStatusName(status: SECURITY_STATUS) -> *const c_char {
    ffi_guard!(c"UNKNOWN_STATUS".as_ptr(), {
        static NAMES: std::sync::OnceLock<Vec<std::ffi::CString>> = std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| status::NAMES.iter().map(|(_, n)| std::ffi::CString::new(*n).expect("no NUL")).collect());
        match status::NAMES.iter().position(|(s, _)| *s == status) {
            Some(i) => names[i].as_ptr(),
            None => c"UNKNOWN_STATUS".as_ptr(),
        }
    })
}

/// OpenSchannelAddServerCertificate: gives a server credential one more certificate (with its
/// private key), chosen for clients whose server_name (SNI) matches the certificate's names, or
/// whose suites need its key type (ECDSA or DSA beside RSA). Schannel accepts one certificate per
/// credential (`cCreds` > 1 is SEC_E_UNKNOWN_CREDENTIALS), so further ones are added here.
/// Applies to contexts created afterwards. Returns SEC_E_OK, SEC_E_INVALID_HANDLE,
/// SEC_E_UNKNOWN_CREDENTIALS (not a server credential, or not a certificate context) or
/// SEC_E_NO_CREDENTIALS (no private key).
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelAddServerCertificate(phCredential: PCredHandle, pCert: PCCERT_CONTEXT) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelAddServerCertificate", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        unsafe {
            with_credential(phCredential, |cred| {
                let data = super::certs::cert_data(pCert).ok_or(SEC_E_UNKNOWN_CREDENTIALS)?;
                cred.add_server_certificate(&data)
            })
        }
    })
}

/// OpenSchannelSetEncryptThenMac: encrypt-then-MAC (RFC 7366) for CBC suites, on by default
/// (negotiated only with peers that offer it; Windows' Schannel never does). `enable` zero makes
/// contexts created afterwards use MAC-then-encrypt records as Windows does. Returns SEC_E_OK or
/// SEC_E_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSetEncryptThenMac(phCredential: PCredHandle, enable: BOOL) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetEncryptThenMac", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        unsafe {
            with_credential(phCredential, |cred| {
                cred.set_encrypt_then_mac(enable != 0);
                Ok(())
            })
        }
    })
}

/// OpenSchannelRequireClientCertificate: a server credential asks every client for a
/// certificate, as `ASC_REQ_MUTUAL_AUTH` does per call, and fails the handshake
/// (handshake_failure) when the client sends none. Without it, `ASC_REQ_MUTUAL_AUTH` requests a
/// certificate and a client may still go on without one, as with Schannel; the server then
/// finds no `SECPKG_ATTR_REMOTE_CERT_CONTEXT`. A certificate that is sent is always validated
/// against the credential's `hRootStore` (clientAuth). Returns SEC_E_OK, SEC_E_INVALID_HANDLE
/// or SEC_E_UNKNOWN_CREDENTIALS (not a server credential).
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelRequireClientCertificate(phCredential: PCredHandle, require: BOOL) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelRequireClientCertificate", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        unsafe { with_credential(phCredential, |cred| cred.set_require_client_cert(require != 0)) }
    })
}

/// OpenSchannelAddCrlFile: CRLs for the revocation checks a credential's
/// `SCH_CRED_REVOCATION_CHECK_END_CERT` / `_CHAIN` / `_CHAIN_EXCLUDE_ROOT` flags ask for: a PEM or
/// DER file (one or more CRLs), or a directory whose `*.pem`, `*.crl`, `*.der` and hashed
/// `*.rN` files are read. Each CRL's signature (by the issuer on the validated path) and
/// freshness are checked when it is used. Applies to contexts created afterwards. Returns
/// SEC_E_OK, SEC_E_INVALID_HANDLE, or SEC_E_INVALID_PARAMETER (unreadable path, no valid CRL).
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelAddCrlFile(phCredential: PCredHandle, path: *const c_char) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelAddCrlFile", SEC_E_INTERNAL_ERROR, {
        // SAFETY (closure): NULL or a NUL-terminated string.
        unsafe {
            with_credential(phCredential, |cred| {
                let path = ansi(path).ok_or(SEC_E_INVALID_PARAMETER)?;
                match cred.add_crls(std::path::Path::new(&path)) {
                    Ok(n) if n > 0 => Ok(()),
                    _ => Err(SEC_E_INVALID_PARAMETER),
                }
            })
        }
    })
}

/// OpenSchannelSetSessionTickets: session tickets (RFC 5077), on by default. `enable` zero makes
/// a client stop asking for them and a server stop issuing and accepting them, for contexts
/// created afterwards; session-ID resumption through the cache is unaffected. Returns SEC_E_OK
/// or SEC_E_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn OpenSchannelSetSessionTickets(phCredential: PCredHandle, enable: BOOL) -> SECURITY_STATUS {
    ffi_guard!(status "OpenSchannelSetSessionTickets", SEC_E_INTERNAL_ERROR, {
        // SAFETY: NULL or caller-owned handle.
        unsafe {
            with_credential(phCredential, |cred| {
                cred.set_session_tickets(enable != 0);
                Ok(())
            })
        }
    })
}
