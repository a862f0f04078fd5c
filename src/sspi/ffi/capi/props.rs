//! Certificate context properties (`CertGet/SetCertificateContextProperty`) and
//! `CryptHashCertificate`.

use core::ffi::c_void;

use super::super::certs;
use super::super::types::{BOOL, BYTE, DWORD, PCCERT_CONTEXT};
use super::consts::*;
use super::types::{CRYPT_DATA_BLOB, CRYPT_KEY_PROV_INFO, CRYPT_KEY_PROV_PARAM, HCRYPTPROV_LEGACY};
use super::{fail, hash, put_sized, read_wide};
use crate::crypto::sign::SigningKey;
use crate::ffi_guard;

/// The provider name reported for keys the library holds (PFX import, key files).
const PROVIDER: &str = "OpenSchannel Key Provider";

/// A `CRYPT_KEY_PROV_INFO` as the provider keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyProvInfo {
    container: Vec<u16>,
    provider: Vec<u16>,
    prov_type: DWORD,
    flags: DWORD,
    key_spec: DWORD,
}

impl KeyProvInfo {
    /// What a context with an attached key reports: RSA keys as a CryptoAPI provider key
    /// (`PROV_RSA_AES`, `AT_KEYEXCHANGE`), ECDSA and DSA keys as a CNG key (`dwProvType` 0,
    /// `CERT_NCRYPT_KEY_SPEC`), the way Windows' PFX import presents them.
    fn for_key(key: &SigningKey, thumbprint: &[u8]) -> Self {
        let hex: String = thumbprint.iter().map(|b| format!("{b:02x}")).collect();
        let (prov_type, key_spec) = if key.is_rsa() { (PROV_RSA_AES, AT_KEYEXCHANGE) } else { (0, CERT_NCRYPT_KEY_SPEC) };
        KeyProvInfo {
            container: format!("openschannel-{hex}").encode_utf16().collect(),
            provider: PROVIDER.encode_utf16().collect(),
            prov_type,
            flags: 0,
            key_spec,
        }
    }

    /// Storage form in the context's property map.
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [self.prov_type, self.flags, self.key_spec, self.container.len() as u32] {
            v.extend_from_slice(&x.to_ne_bytes());
        }
        for u in self.container.iter().chain(self.provider.iter()) {
            v.extend_from_slice(&u.to_ne_bytes());
        }
        v
    }

    fn decode(b: &[u8]) -> Option<Self> {
        let word = |i: usize| b.get(i * 4..i * 4 + 4).map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]));
        let (prov_type, flags, key_spec, n) = (word(0)?, word(1)?, word(2)?, word(3)? as usize);
        let units: Vec<u16> = b.get(16..)?.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).collect();
        if n > units.len() {
            return None;
        }
        Some(KeyProvInfo { container: units[..n].to_vec(), provider: units[n..].to_vec(), prov_type, flags, key_spec })
    }

    /// The bytes Windows returns: the structure followed by the two strings it points to,
    /// pointers computed for a buffer at address `base`.
    fn to_c(&self, base: usize) -> Vec<u8> {
        let head = core::mem::size_of::<CRYPT_KEY_PROV_INFO>();
        let container_at = head;
        let provider_at = container_at + (self.container.len() + 1) * 2;
        let total = provider_at + (self.provider.len() + 1) * 2;
        let mut out = vec![0u8; total];
        // Field by field at their offsets, so the padding stays zero (initialised) bytes.
        use core::mem::offset_of;
        let mut put = |at: usize, b: &[u8]| out[at..at + b.len()].copy_from_slice(b);
        put(offset_of!(CRYPT_KEY_PROV_INFO, pwszContainerName), &(base + container_at).to_ne_bytes());
        put(offset_of!(CRYPT_KEY_PROV_INFO, pwszProvName), &(base + provider_at).to_ne_bytes());
        put(offset_of!(CRYPT_KEY_PROV_INFO, dwProvType), &self.prov_type.to_ne_bytes());
        put(offset_of!(CRYPT_KEY_PROV_INFO, dwFlags), &self.flags.to_ne_bytes());
        put(offset_of!(CRYPT_KEY_PROV_INFO, cProvParam), &0u32.to_ne_bytes());
        put(offset_of!(CRYPT_KEY_PROV_INFO, rgProvParam), &0usize.to_ne_bytes());
        put(offset_of!(CRYPT_KEY_PROV_INFO, dwKeySpec), &self.key_spec.to_ne_bytes());
        for (i, u) in self.container.iter().chain([&0]).enumerate() {
            out[container_at + 2 * i..container_at + 2 * i + 2].copy_from_slice(&u.to_ne_bytes());
        }
        for (i, u) in self.provider.iter().chain([&0]).enumerate() {
            out[provider_at + 2 * i..provider_at + 2 * i + 2].copy_from_slice(&u.to_ne_bytes());
        }
        out
    }
}

/// CertGetCertificateContextProperty: reads a property, with the two-call size protocol
/// (`pvData` NULL: `*pcbData` = size, TRUE; buffer too small: `*pcbData` = size, FALSE,
/// ERROR_MORE_DATA). Properties: CERT_SHA1_HASH_PROP_ID (= CERT_HASH_PROP_ID, the thumbprint)
/// and CERT_MD5_HASH_PROP_ID (computed from the DER); CERT_KEY_PROV_INFO_PROP_ID (a
/// `CRYPT_KEY_PROV_INFO` followed by its strings: the one set by the caller, else one describing
/// the private key the context carries; CRYPT_E_NOT_FOUND when it has none, which is how
/// programs test for a private key); CERT_KEY_SPEC_PROP_ID (DWORD, with a key); any property set
/// with `CertSetCertificateContextProperty` (its bytes). Others: FALSE, CRYPT_E_NOT_FOUND.
/// Unknown context or NULL `pcbData`: FALSE, E_INVALIDARG.
#[no_mangle]
pub unsafe extern "C" fn CertGetCertificateContextProperty(
    pCertContext: PCCERT_CONTEXT,
    dwPropId: DWORD,
    pvData: *mut c_void,
    pcbData: *mut DWORD,
) -> BOOL {
    ffi_guard!(0, {
        let Some(data) = certs::cert_data(pCertContext) else { return fail(E_INVALIDARG, 0) };
        if pcbData.is_null() {
            return fail(E_INVALIDARG, 0);
        }
        let stored = certs::get_prop(pCertContext, dwPropId);
        let bytes = match dwPropId {
            CERT_SHA1_HASH_PROP_ID => hash(0, &data.der),
            CERT_MD5_HASH_PROP_ID => hash(super::super::consts::CALG_MD5, &data.der),
            CERT_KEY_PROV_INFO_PROP_ID => {
                let info = stored
                    .as_deref()
                    .and_then(KeyProvInfo::decode)
                    .or_else(|| data.key.as_ref().map(|k| KeyProvInfo::for_key(k, &hash(0, &data.der).unwrap_or_default())));
                let Some(info) = info else { return fail(CRYPT_E_NOT_FOUND, 0) };
                let size = info.to_c(0).len();
                // SAFETY: pcbData checked non-NULL.
                let have = unsafe { *pcbData } as usize;
                // Pointers inside must point into the caller's buffer, so build for its address.
                let base = if pvData.is_null() || have < size { 0 } else { pvData as usize };
                Some(info.to_c(base))
            }
            CERT_KEY_SPEC_PROP_ID => match (&stored, &data.key) {
                (Some(s), _) => Some(s.clone()),
                (None, Some(k)) => Some(KeyProvInfo::for_key(k, &[]).key_spec.to_ne_bytes().to_vec()),
                (None, None) => None,
            },
            _ => stored,
        };
        match bytes {
            // SAFETY: pvData NULL or a buffer of *pcbData bytes per the contract.
            Some(b) => unsafe { put_sized(&b, pvData as *mut u8, pcbData) },
            None => fail(CRYPT_E_NOT_FOUND, 0),
        }
    })
}

/// CertSetCertificateContextProperty: sets (or with `pvData` NULL deletes) a property of the
/// context. CERT_KEY_PROV_INFO_PROP_ID takes a `CRYPT_KEY_PROV_INFO *` (copied; it is reported
/// back by the getter but does not attach a key: keys come from PFX import or key files);
/// CERT_KEY_SPEC_PROP_ID a `DWORD *`; other ids (CERT_FRIENDLY_NAME_PROP_ID,
/// CERT_DESCRIPTION_PROP_ID, user ids 0x8000-0xFFFF, …) a `CRYPT_DATA_BLOB *` whose bytes are
/// kept. The computed hash properties and the key handle properties are refused with
/// E_INVALIDARG, as is an unknown context.
#[no_mangle]
pub unsafe extern "C" fn CertSetCertificateContextProperty(
    pCertContext: PCCERT_CONTEXT,
    dwPropId: DWORD,
    dwFlags: DWORD,
    pvData: *const c_void,
) -> BOOL {
    ffi_guard!(0, {
        let _ = dwFlags;
        if certs::cert_data(pCertContext).is_none() {
            return fail(E_INVALIDARG, 0);
        }
        let value = match dwPropId {
            CERT_SHA1_HASH_PROP_ID
            | CERT_MD5_HASH_PROP_ID
            | CERT_SIGNATURE_HASH_PROP_ID
            | CERT_KEY_PROV_HANDLE_PROP_ID
            | CERT_KEY_CONTEXT_PROP_ID
            | CERT_NCRYPT_KEY_HANDLE_PROP_ID
            | CERT_HCRYPTPROV_OR_NCRYPT_KEY_HANDLE_PROP_ID => return fail(E_INVALIDARG, 0),
            0 => return fail(E_INVALIDARG, 0),
            _ if pvData.is_null() => None,
            CERT_KEY_PROV_INFO_PROP_ID => {
                // SAFETY: a CRYPT_KEY_PROV_INFO per the contract; its strings NULL or terminated.
                let info = unsafe { &*(pvData as *const CRYPT_KEY_PROV_INFO) };
                let _: *mut CRYPT_KEY_PROV_PARAM = info.rgProvParam; // parameters are not kept
                let k = KeyProvInfo {
                    // SAFETY: as above.
                    container: unsafe { read_wide(info.pwszContainerName) }.unwrap_or_default(),
                    // SAFETY: as above.
                    provider: unsafe { read_wide(info.pwszProvName) }.unwrap_or_default(),
                    prov_type: info.dwProvType,
                    flags: info.dwFlags,
                    key_spec: info.dwKeySpec,
                };
                Some(k.encode())
            }
            // SAFETY: a DWORD per the contract.
            CERT_KEY_SPEC_PROP_ID => Some(unsafe { *(pvData as *const DWORD) }.to_ne_bytes().to_vec()),
            _ => {
                // SAFETY: a CRYPT_DATA_BLOB per the contract.
                let blob = unsafe { &*(pvData as *const CRYPT_DATA_BLOB) };
                if blob.pbData.is_null() && blob.cbData != 0 {
                    return fail(E_INVALIDARG, 0);
                }
                Some(if blob.cbData == 0 {
                    Vec::new()
                } else {
                    // SAFETY: cbData readable bytes at pbData.
                    unsafe { core::slice::from_raw_parts(blob.pbData, blob.cbData as usize) }.to_vec()
                })
            }
        };
        if certs::set_prop(pCertContext, dwPropId, value) {
            1
        } else {
            fail(E_INVALIDARG, 0)
        }
    })
}

/// CryptHashCertificate: the digest of `cbEncoded` bytes at `pbEncoded` (a certificate's DER
/// gives its thumbprint). `Algid` 0 or CALG_SHA1 (20 bytes), CALG_MD5, CALG_SHA_256,
/// CALG_SHA_384, CALG_SHA_512; others FALSE with NTE_BAD_ALGID. Size protocol as
/// `CertGetCertificateContextProperty` (`pbComputedHash` NULL: size only; too small:
/// ERROR_MORE_DATA). `hCryptProv` and `dwFlags` are ignored.
#[no_mangle]
pub unsafe extern "C" fn CryptHashCertificate(
    hCryptProv: HCRYPTPROV_LEGACY,
    Algid: DWORD,
    dwFlags: DWORD,
    pbEncoded: *const BYTE,
    cbEncoded: DWORD,
    pbComputedHash: *mut BYTE,
    pcbComputedHash: *mut DWORD,
) -> BOOL {
    ffi_guard!(0, {
        let _ = (hCryptProv, dwFlags);
        if pbEncoded.is_null() && cbEncoded != 0 {
            return fail(E_INVALIDARG, 0);
        }
        let input = if cbEncoded == 0 {
            &[][..]
        } else {
            // SAFETY: cbEncoded readable bytes at pbEncoded per the contract.
            unsafe { core::slice::from_raw_parts(pbEncoded, cbEncoded as usize) }
        };
        match hash(Algid, input) {
            // SAFETY: pbComputedHash NULL or *pcbComputedHash writable bytes.
            Some(h) => unsafe { put_sized(&h, pbComputedHash, pcbComputedHash) },
            None => fail(NTE_BAD_ALGID, 0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_prov_info_round_trip_and_layout() {
        let k = KeyProvInfo {
            container: "c".encode_utf16().collect(),
            provider: "pp".encode_utf16().collect(),
            prov_type: 24,
            flags: 0,
            key_spec: 1,
        };
        assert_eq!(KeyProvInfo::decode(&k.encode()), Some(k.clone()));
        let bytes = k.to_c(0x1000);
        assert_eq!(bytes.len(), 48 + 4 + 6);
        // SAFETY: bytes holds a CRYPT_KEY_PROV_INFO at its start.
        let info = unsafe { core::ptr::read_unaligned(bytes.as_ptr() as *const CRYPT_KEY_PROV_INFO) };
        assert_eq!(info.pwszContainerName as usize, 0x1000 + 48);
        assert_eq!(info.pwszProvName as usize, 0x1000 + 52);
        assert_eq!((info.dwProvType, info.dwKeySpec), (24, 1));
        assert_eq!(&bytes[48..50], &u16::to_ne_bytes(u16::from(b'c')));
    }
}
