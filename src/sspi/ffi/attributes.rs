//! The context attributes that hand out provider memory: `SECPKG_ATTR_ISSUER_LIST_EX`, `NAMES`,
//! `KEY_INFO`, `UNIQUE_BINDINGS` and `ENDPOINT_BINDINGS`. Every pointer they return comes from
//! [`provider_alloc`] and is freed by the caller with `FreeContextBuffer`.

use core::ffi::c_void;

use super::buffers::{provider_alloc, provider_copy, provider_free};
use super::consts::*;
use super::types::*;
use crate::crypto::sign::KeyType;
use crate::sspi::context::Context;

/// A NUL-terminated copy of `s` in provider memory: bytes, or UTF-16 for the W functions.
fn provider_string(s: &str, wide: bool) -> *mut c_void {
    let bytes: Vec<u8> = if wide {
        s.encode_utf16().chain(core::iter::once(0)).flat_map(u16::to_ne_bytes).collect()
    } else {
        s.bytes().chain(core::iter::once(0)).collect()
    };
    provider_copy(&bytes) as *mut c_void
}

/// `SECPKG_ATTR_UNIQUE_BINDINGS` ("tls-unique:") or `ENDPOINT_BINDINGS`
/// ("tls-server-end-point:"), RFC 5929, in the `SEC_CHANNEL_BINDINGS` layout.
pub fn bindings(c: &Context, endpoint: bool) -> Result<SecPkgContext_Bindings, SECURITY_STATUS> {
    let (prefix, data): (&[u8], Vec<u8>) = if endpoint {
        let cert = c.conn.server_certificate().ok_or(SEC_E_NO_CREDENTIALS)?;
        (b"tls-server-end-point:", crate::x509::end_point_hash(&cert).map_err(|_| SEC_E_INTERNAL_ERROR)?)
    } else {
        (b"tls-unique:", c.conn.tls_unique().ok_or(SEC_E_INVALID_HANDLE)?)
    };
    let head = core::mem::size_of::<SEC_CHANNEL_BINDINGS>();
    let app_len = prefix.len() + data.len();
    let mut block = vec![0u8; head + app_len];
    block[head..head + prefix.len()].copy_from_slice(prefix);
    block[head + prefix.len()..].copy_from_slice(&data);
    let hdr =
        SEC_CHANNEL_BINDINGS { cbApplicationDataLength: app_len as ULONG, dwApplicationDataOffset: head as ULONG, ..Default::default() };
    let fields = [
        hdr.dwInitiatorAddrType,
        hdr.cbInitiatorLength,
        hdr.dwInitiatorOffset,
        hdr.dwAcceptorAddrType,
        hdr.cbAcceptorLength,
        hdr.dwAcceptorOffset,
        hdr.cbApplicationDataLength,
        hdr.dwApplicationDataOffset,
    ];
    for (i, f) in fields.iter().enumerate() {
        block[i * 4..i * 4 + 4].copy_from_slice(&f.to_ne_bytes());
    }
    let p = provider_copy(&block);
    if p.is_null() {
        return Err(SEC_E_INSUFFICIENT_MEMORY);
    }
    Ok(SecPkgContext_Bindings { BindingsLength: block.len() as ULONG, Bindings: p as *mut SEC_CHANNEL_BINDINGS })
}

/// `SecPkgContext_IssuerListInfoEx` for `names`: the blob array and the names in one provider
/// allocation (freed by `FreeContextBuffer(aIssuers)`); NULL/0 for an empty list.
pub fn issuer_list(names: &[Vec<u8>]) -> SecPkgContext_IssuerListInfoEx {
    let empty = SecPkgContext_IssuerListInfoEx { aIssuers: core::ptr::null_mut(), cIssuers: 0 };
    if names.is_empty() {
        return empty;
    }
    let head = names.len() * core::mem::size_of::<CERT_NAME_BLOB>();
    let total = head + names.iter().map(Vec::len).sum::<usize>();
    let base = provider_alloc(total);
    if base.is_null() {
        return empty;
    }
    let mut at = head;
    for (i, n) in names.iter().enumerate() {
        // SAFETY: `base` has `total` bytes: the blob array, then every name back to back; the
        // blob slots are written unaligned-safe and each name fits in its reserved range.
        unsafe {
            let data = base.add(at);
            core::ptr::copy_nonoverlapping(n.as_ptr(), data, n.len());
            let blob = CERT_NAME_BLOB { cbData: n.len() as DWORD, pbData: data };
            (base as *mut CERT_NAME_BLOB).add(i).write_unaligned(blob);
        }
        at += n.len();
    }
    SecPkgContext_IssuerListInfoEx { aIssuers: base as PCERT_NAME_BLOB, cIssuers: names.len() as DWORD }
}

/// `SECPKG_ATTR_NAMES`: the subject of the peer's certificate ("CN=..., O=...").
pub fn names(c: &Context, wide: bool) -> Result<SecPkgContext_NamesA, SECURITY_STATUS> {
    let leaf = c.conn.peer_certificates().first().ok_or(SEC_E_NO_CREDENTIALS)?;
    let subject = crate::x509::subject_string(leaf).map_err(|_| SEC_E_INTERNAL_ERROR)?;
    let p = provider_string(&subject, wide);
    if p.is_null() {
        return Err(SEC_E_INSUFFICIENT_MEMORY);
    }
    // NamesA and NamesW differ only in the pointee type of their one pointer.
    Ok(SecPkgContext_NamesA { sUserName: p as *mut SEC_CHAR })
}

/// `SECPKG_ATTR_KEY_INFO`: the bulk cipher and the key type that authenticated the server.
pub fn key_info(c: &Context, wide: bool) -> Result<SecPkgContext_KeyInfoA, SECURITY_STATUS> {
    // (cipher name, strength, CALG, certificate key type) of the SSL 2.0 kind or TLS suite.
    let (cipher, strength, calg, key) = match (c.conn.ssl2_kind(), c.conn.info()) {
        (Some(k), _) => (k.cng_cipher(), k.strength_bits(), k.calg_cipher(), KeyType::Rsa),
        (None, Some(i)) => (i.suite.cng_cipher(), i.suite.strength_bits(), i.suite.calg_cipher(), i.suite.kx.cert_key()),
        (None, None) => return Err(SEC_E_INVALID_HANDLE),
    };
    let sig = provider_string(key.name(), wide);
    let enc = provider_string(cipher, wide);
    if sig.is_null() || enc.is_null() {
        provider_free(sig);
        provider_free(enc);
        return Err(SEC_E_INSUFFICIENT_MEMORY);
    }
    // KeyInfoA and KeyInfoW differ only in the pointee type of their two pointers.
    Ok(SecPkgContext_KeyInfoA {
        sSignatureAlgorithmName: sig as *mut SEC_CHAR,
        sEncryptAlgorithmName: enc as *mut SEC_CHAR,
        KeySize: strength,
        SignatureAlgorithm: key.calg_sign(),
        EncryptAlgorithm: calg,
    })
}

// SEC_CHANNEL_BINDINGS is eight 32-bit fields, as in sspi.h.
const _: () = assert!(core::mem::size_of::<SEC_CHANNEL_BINDINGS>() == 32);
