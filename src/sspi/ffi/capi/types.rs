//! `#[repr(C)]` CryptoAPI structures with the layouts of Wine's / mingw-w64's `wincrypt.h`
//! (LP64: pointers 8 bytes, DWORD/BOOL 4 bytes, natural alignment; sizes are pinned by the
//! unit tests below and by c-tests/t_capi.c).

use core::ffi::{c_char, c_void};

use super::super::types::{BOOL, BYTE, DWORD, LONG, PCCERT_CONTEXT, WCHAR};

/// wincrypt.h `CRYPTOAPI_BLOB` (`CRYPT_DATA_BLOB`, `CRYPT_HASH_BLOB`, `CERT_NAME_BLOB`, …).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct CRYPTOAPI_BLOB {
    pub cbData: DWORD,
    pub pbData: *mut BYTE,
}
/// `CRYPT_DATA_BLOB`.
pub type CRYPT_DATA_BLOB = CRYPTOAPI_BLOB;
/// `CRYPT_HASH_BLOB`.
pub type CRYPT_HASH_BLOB = CRYPTOAPI_BLOB;
/// `CRYPT_INTEGER_BLOB`.
pub type CRYPT_INTEGER_BLOB = CRYPTOAPI_BLOB;
/// `CERT_NAME_BLOB`.
pub type CERT_NAME_BLOB = CRYPTOAPI_BLOB;

/// minwinbase.h `FILETIME`: 100 ns intervals since 1601-01-01 UTC.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct FILETIME {
    pub dwLowDateTime: DWORD,
    pub dwHighDateTime: DWORD,
}

/// wincrypt.h `CRYPT_KEY_PROV_PARAM`.
#[repr(C)]
pub struct CRYPT_KEY_PROV_PARAM {
    pub dwParam: DWORD,
    pub pbData: *mut BYTE,
    pub cbData: DWORD,
    pub dwFlags: DWORD,
}

/// wincrypt.h `CRYPT_KEY_PROV_INFO` (`CERT_KEY_PROV_INFO_PROP_ID`), 48 bytes on LP64.
#[repr(C)]
pub struct CRYPT_KEY_PROV_INFO {
    pub pwszContainerName: *mut WCHAR,
    pub pwszProvName: *mut WCHAR,
    pub dwProvType: DWORD,
    pub dwFlags: DWORD,
    pub cProvParam: DWORD,
    pub rgProvParam: *mut CRYPT_KEY_PROV_PARAM,
    pub dwKeySpec: DWORD,
}

/// wincrypt.h `CERT_TRUST_STATUS`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct CERT_TRUST_STATUS {
    pub dwErrorStatus: DWORD,
    pub dwInfoStatus: DWORD,
}

/// wincrypt.h `CERT_ENHKEY_USAGE` (= `CTL_USAGE`).
#[repr(C)]
pub struct CERT_ENHKEY_USAGE {
    pub cUsageIdentifier: DWORD,
    pub rgpszUsageIdentifier: *mut *mut c_char,
}

/// wincrypt.h `CERT_USAGE_MATCH`.
#[repr(C)]
pub struct CERT_USAGE_MATCH {
    pub dwType: DWORD,
    pub Usage: CERT_ENHKEY_USAGE,
}

/// wincrypt.h `CERT_CHAIN_PARA` (the leading fields every version has; `cbSize` may announce
/// the later `CERT_CHAIN_PARA_HAS_EXTRA_FIELDS` ones, which are not read).
#[repr(C)]
pub struct CERT_CHAIN_PARA {
    pub cbSize: DWORD,
    pub RequestedUsage: CERT_USAGE_MATCH,
}

/// wincrypt.h `CERT_CHAIN_ELEMENT` (56 bytes on LP64).
#[repr(C)]
pub struct CERT_CHAIN_ELEMENT {
    pub cbSize: DWORD,
    pub pCertContext: PCCERT_CONTEXT,
    pub TrustStatus: CERT_TRUST_STATUS,
    pub pRevocationInfo: *mut c_void,
    pub pIssuanceUsage: *mut CERT_ENHKEY_USAGE,
    pub pApplicationUsage: *mut CERT_ENHKEY_USAGE,
    pub pwszExtendedErrorInfo: *const WCHAR,
}

/// wincrypt.h `CERT_SIMPLE_CHAIN` (40 bytes on LP64).
#[repr(C)]
pub struct CERT_SIMPLE_CHAIN {
    pub cbSize: DWORD,
    pub TrustStatus: CERT_TRUST_STATUS,
    pub cElement: DWORD,
    pub rgpElement: *mut *mut CERT_CHAIN_ELEMENT,
    pub pTrustListInfo: *mut c_void,
    pub fHasRevocationFreshnessTime: BOOL,
    pub dwRevocationFreshnessTime: DWORD,
}

/// guiddef.h `GUID`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct GUID {
    pub Data1: u32,
    pub Data2: u16,
    pub Data3: u16,
    pub Data4: [u8; 8],
}

/// wincrypt.h `CERT_CHAIN_CONTEXT` with the Windows 7 SDK tail (`dwCreateFlags`, `ChainId`) that
/// mingw-w64 declares (72 bytes on LP64). `rgpChain[0]->rgpElement[0]` is the end-entity.
#[repr(C)]
pub struct CERT_CHAIN_CONTEXT {
    pub cbSize: DWORD,
    pub TrustStatus: CERT_TRUST_STATUS,
    pub cChain: DWORD,
    pub rgpChain: *mut *mut CERT_SIMPLE_CHAIN,
    pub cLowerQualityChainContext: DWORD,
    pub rgpLowerQualityChainContext: *mut *const CERT_CHAIN_CONTEXT,
    pub fHasRevocationFreshnessTime: BOOL,
    pub dwRevocationFreshnessTime: DWORD,
    pub dwCreateFlags: DWORD,
    pub ChainId: GUID,
}
/// `PCCERT_CHAIN_CONTEXT`.
pub type PCCERT_CHAIN_CONTEXT = *const CERT_CHAIN_CONTEXT;
/// `HCERTCHAINENGINE` (only NULL, the default engine, is accepted).
pub type HCERTCHAINENGINE = *mut c_void;
/// `HCRYPTPROV_LEGACY` (ignored).
pub type HCRYPTPROV_LEGACY = usize;

/// wincrypt.h `CERT_CHAIN_POLICY_PARA`.
#[repr(C)]
pub struct CERT_CHAIN_POLICY_PARA {
    pub cbSize: DWORD,
    pub dwFlags: DWORD,
    pub pvExtraPolicyPara: *mut c_void,
}

/// wincrypt.h `CERT_CHAIN_POLICY_STATUS`.
#[repr(C)]
pub struct CERT_CHAIN_POLICY_STATUS {
    pub cbSize: DWORD,
    pub dwError: DWORD,
    pub lChainIndex: LONG,
    pub lElementIndex: LONG,
    pub pvExtraPolicyStatus: *mut c_void,
}

/// wincrypt.h `SSL_EXTRA_CERT_CHAIN_POLICY_PARA` (`HTTPSPolicyCallbackData`; the first field is
/// the `cbStruct`/`cbSize` union).
#[repr(C)]
pub struct SSL_EXTRA_CERT_CHAIN_POLICY_PARA {
    pub cbSize: DWORD,
    pub dwAuthType: DWORD,
    pub fdwChecks: DWORD,
    pub pwszServerName: *mut WCHAR,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn lp64_layouts() {
        assert_eq!(size_of::<CRYPTOAPI_BLOB>(), 16);
        assert_eq!(size_of::<CRYPT_KEY_PROV_INFO>(), 48);
        assert_eq!(offset_of!(CRYPT_KEY_PROV_INFO, rgProvParam), 32);
        assert_eq!(offset_of!(CRYPT_KEY_PROV_INFO, dwKeySpec), 40);
        assert_eq!(size_of::<CERT_CHAIN_ELEMENT>(), 56);
        assert_eq!(offset_of!(CERT_CHAIN_ELEMENT, pCertContext), 8);
        assert_eq!(offset_of!(CERT_CHAIN_ELEMENT, TrustStatus), 16);
        assert_eq!(size_of::<CERT_SIMPLE_CHAIN>(), 40);
        assert_eq!(offset_of!(CERT_SIMPLE_CHAIN, rgpElement), 16);
        assert_eq!(size_of::<CERT_CHAIN_CONTEXT>(), 72);
        assert_eq!(offset_of!(CERT_CHAIN_CONTEXT, rgpChain), 16);
        assert_eq!(offset_of!(CERT_CHAIN_CONTEXT, ChainId), 52);
        assert_eq!(size_of::<CERT_CHAIN_PARA>(), 32);
        assert_eq!(size_of::<CERT_CHAIN_POLICY_PARA>(), 16);
        assert_eq!(size_of::<CERT_CHAIN_POLICY_STATUS>(), 24);
        assert_eq!(size_of::<SSL_EXTRA_CERT_CHAIN_POLICY_PARA>(), 24);
        assert_eq!(offset_of!(SSL_EXTRA_CERT_CHAIN_POLICY_PARA, pwszServerName), 16);
    }
}
