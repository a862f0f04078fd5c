//! `#[repr(C)]` types with the Windows SSPI/Schannel layouts (LLP64 widths on LP64 Linux).
//!
//! Windows `ULONG`/`LONG`/`DWORD` are 32-bit everywhere, so they are `u32`/`i32` here, never
//! C `long`. Field names follow the SDK headers so ported code compiles unchanged.
#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::{c_char, c_void};

/// Windows `ULONG` (32-bit).
pub type ULONG = u32;
/// Windows `LONG` (32-bit).
pub type LONG = i32;
/// Windows `DWORD` (32-bit).
pub type DWORD = u32;
/// Windows `USHORT`.
pub type USHORT = u16;
/// Windows `BYTE`.
pub type BYTE = u8;
/// Windows `BOOL` (32-bit int).
pub type BOOL = i32;
/// Windows `ULONG_PTR` (pointer-sized).
pub type ULONG_PTR = usize;
/// wincrypt.h `ALG_ID`.
pub type ALG_ID = u32;
/// SSPI status code (winerror.h `HRESULT`-style values).
pub type SECURITY_STATUS = i32;
/// `SEC_CHAR`: 8-bit characters of the A functions.
pub type SEC_CHAR = c_char;
/// `SEC_WCHAR`: UTF-16 code unit of the W functions (compile C callers with `-fshort-wchar` or use `u""`).
pub type SEC_WCHAR = u16;
/// `WCHAR`: UTF-16 code unit.
pub type WCHAR = u16;
/// winnt.h `WORD` (16-bit).
pub type WORD = u16;
/// winnt.h `INT_PTR` (pointer-sized, signed).
pub type INT_PTR = isize;
/// winnt.h `PVOID`.
pub type PVOID = *mut c_void;
/// winnt.h `LPVOID`.
pub type LPVOID = *mut c_void;
/// winnt.h `PBYTE`.
pub type PBYTE = *mut BYTE;
/// winnt.h `LPSTR`: 8-bit string.
pub type LPSTR = *mut c_char;
/// winnt.h `LPCSTR`.
pub type LPCSTR = *const c_char;
/// winnt.h `LPWSTR`: UTF-16 string (`WCHAR` is `uint16_t` here, not `wchar_t`).
pub type LPWSTR = *mut WCHAR;
/// winnt.h `LPCWSTR`.
pub type LPCWSTR = *const WCHAR;
/// wincrypt.h `HCRYPTPROV` (pointer-sized).
pub type HCRYPTPROV = ULONG_PTR;
/// Opaque certificate store handle (wincrypt.h `HCERTSTORE`).
pub type HCERTSTORE = *mut c_void;
/// Opaque `CERT_INFO` pointer; not decoded yet (always NULL in contexts we create).
pub type PCERT_INFO = *mut c_void;

/// `SecHandle`: opaque to callers; we store a table index and a generation tag.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecHandle {
    pub dwLower: ULONG_PTR,
    pub dwUpper: ULONG_PTR,
}
/// `CredHandle`.
pub type CredHandle = SecHandle;
/// `CtxtHandle`.
pub type CtxtHandle = SecHandle;
/// `PSecHandle`.
pub type PSecHandle = *mut SecHandle;
/// `PCredHandle`.
pub type PCredHandle = *mut SecHandle;
/// `PCtxtHandle`.
pub type PCtxtHandle = *mut SecHandle;

/// `TimeStamp` (`SECURITY_INTEGER`): 100 ns intervals since 1601-01-01 UTC.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeStamp {
    pub LowPart: ULONG,
    pub HighPart: LONG,
}
/// `PTimeStamp`.
pub type PTimeStamp = *mut TimeStamp;

/// `SecBuffer`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecBuffer {
    pub cbBuffer: ULONG,
    pub BufferType: ULONG,
    pub pvBuffer: *mut c_void,
}
/// `PSecBuffer`.
pub type PSecBuffer = *mut SecBuffer;

/// `SecBufferDesc`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecBufferDesc {
    pub ulVersion: ULONG,
    pub cBuffers: ULONG,
    pub pBuffers: *mut SecBuffer,
}
/// `PSecBufferDesc`.
pub type PSecBufferDesc = *mut SecBufferDesc;

/// `SecPkgInfoA`.
#[repr(C)]
pub struct SecPkgInfoA {
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_CHAR,
    pub Comment: *mut SEC_CHAR,
}
/// `PSecPkgInfoA`.
pub type PSecPkgInfoA = *mut SecPkgInfoA;

/// `SecPkgInfoW`.
#[repr(C)]
pub struct SecPkgInfoW {
    pub fCapabilities: ULONG,
    pub wVersion: USHORT,
    pub wRPCID: USHORT,
    pub cbMaxToken: ULONG,
    pub Name: *mut SEC_WCHAR,
    pub Comment: *mut SEC_WCHAR,
}
/// `PSecPkgInfoW`.
pub type PSecPkgInfoW = *mut SecPkgInfoW;

/// wincrypt.h `CERT_CONTEXT`. Programs read `pbCertEncoded`/`cbCertEncoded`.
#[repr(C)]
pub struct CERT_CONTEXT {
    pub dwCertEncodingType: DWORD,
    pub pbCertEncoded: *mut BYTE,
    pub cbCertEncoded: DWORD,
    pub pCertInfo: PCERT_INFO,
    pub hCertStore: HCERTSTORE,
}
/// `PCCERT_CONTEXT`.
pub type PCCERT_CONTEXT = *const CERT_CONTEXT;

/// schannel.h `SCHANNEL_CRED` (`dwVersion` = `SCHANNEL_CRED_VERSION`, 4).
#[repr(C)]
pub struct SCHANNEL_CRED {
    pub dwVersion: DWORD,
    pub cCreds: DWORD,
    pub paCred: *mut PCCERT_CONTEXT,
    pub hRootStore: HCERTSTORE,
    pub cMappers: DWORD,
    pub aphMappers: *mut *mut c_void,
    pub cSupportedAlgs: DWORD,
    pub palgSupportedAlgs: *mut ALG_ID,
    pub grbitEnabledProtocols: DWORD,
    pub dwMinimumCipherStrength: DWORD,
    pub dwMaximumCipherStrength: DWORD,
    pub dwSessionLifespan: DWORD,
    pub dwFlags: DWORD,
    pub dwCredFormat: DWORD,
}

/// ntdef.h `UNICODE_STRING` (lengths in bytes).
#[repr(C)]
pub struct UNICODE_STRING {
    pub Length: USHORT,
    pub MaximumLength: USHORT,
    pub Buffer: *mut WCHAR,
}

/// schannel.h `CRYPTO_SETTINGS`.
#[repr(C)]
pub struct CRYPTO_SETTINGS {
    pub eAlgorithmUsage: i32,
    pub strCngAlgId: UNICODE_STRING,
    pub cChainingModes: DWORD,
    pub rgstrChainingModes: *mut UNICODE_STRING,
    pub dwMinBitLength: DWORD,
    pub dwMaxBitLength: DWORD,
}

/// schannel.h `TLS_PARAMETERS`.
#[repr(C)]
pub struct TLS_PARAMETERS {
    pub cAlpnIds: DWORD,
    pub rgstrAlpnIds: *mut UNICODE_STRING,
    pub grbitDisabledProtocols: DWORD,
    pub cDisabledCrypto: DWORD,
    pub pDisabledCrypto: *mut CRYPTO_SETTINGS,
    pub dwFlags: DWORD,
}

/// schannel.h `SCH_CREDENTIALS` (`dwVersion` = `SCH_CREDENTIALS_VERSION`, 5).
#[repr(C)]
pub struct SCH_CREDENTIALS {
    pub dwVersion: DWORD,
    pub dwCredFormat: DWORD,
    pub cCreds: DWORD,
    pub paCred: *mut PCCERT_CONTEXT,
    pub hRootStore: HCERTSTORE,
    pub cMappers: DWORD,
    pub aphMappers: *mut *mut c_void,
    pub dwSessionLifespan: DWORD,
    pub dwFlags: DWORD,
    pub cTlsParameters: DWORD,
    pub pTlsParameters: *mut TLS_PARAMETERS,
}

/// schannel.h `SCHANNEL_ALERT_TOKEN`.
#[repr(C)]
pub struct SCHANNEL_ALERT_TOKEN {
    pub dwTokenType: DWORD,
    pub dwAlertType: DWORD,
    pub dwAlertNumber: DWORD,
}

/// sspi.h `SecPkgContext_StreamSizes`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SecPkgContext_StreamSizes {
    pub cbHeader: ULONG,
    pub cbTrailer: ULONG,
    pub cbMaximumMessage: ULONG,
    pub cBuffers: ULONG,
    pub cbBlockSize: ULONG,
}

/// schannel.h `SecPkgContext_ConnectionInfo`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SecPkgContext_ConnectionInfo {
    pub dwProtocol: DWORD,
    pub aiCipher: ALG_ID,
    pub dwCipherStrength: DWORD,
    pub aiHash: ALG_ID,
    pub dwHashStrength: DWORD,
    pub aiExch: ALG_ID,
    pub dwExchStrength: DWORD,
}

/// Length of the WCHAR name arrays in `SecPkgContext_CipherInfo` (`SZ_ALG_MAX_SIZE`).
pub const SZ_ALG_MAX_SIZE: usize = 64;
/// `SECPKGCONTEXT_CIPHERINFO_V1`.
pub const SECPKGCONTEXT_CIPHERINFO_V1: DWORD = 1;

/// schannel.h `SecPkgContext_CipherInfo`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_CipherInfo {
    pub dwVersion: DWORD,
    pub dwProtocol: DWORD,
    pub dwCipherSuite: DWORD,
    pub dwBaseCipherSuite: DWORD,
    pub szCipherSuite: [WCHAR; SZ_ALG_MAX_SIZE],
    pub szCipher: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwCipherLen: DWORD,
    pub dwCipherBlockLen: DWORD,
    pub szHash: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwHashLen: DWORD,
    pub szExchange: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwMinExchangeLen: DWORD,
    pub dwMaxExchangeLen: DWORD,
    pub szCertificate: [WCHAR; SZ_ALG_MAX_SIZE],
    pub dwKeyType: DWORD,
}

/// schannel.h `SecPkgContext_SessionInfo`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SecPkgContext_SessionInfo {
    pub dwFlags: DWORD,
    pub cbSessionId: DWORD,
    pub rgbSessionId: [BYTE; 32],
}

/// schannel.h `SecPkgCred_SupportedProtocols` (also `SecPkgContext_SupportedProtocols`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SecPkgCred_SupportedProtocols {
    pub grbitProtocol: DWORD,
}

/// schannel.h `SecPkgCred_SupportedAlgs`: `palgSupportedAlgs` is provider memory, freed with
/// `FreeContextBuffer`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgCred_SupportedAlgs {
    pub cSupportedAlgs: DWORD,
    pub palgSupportedAlgs: *mut ALG_ID,
}

/// schannel.h `SecPkgCred_CipherStrengths`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SecPkgCred_CipherStrengths {
    pub dwMinimumCipherStrength: DWORD,
    pub dwMaximumCipherStrength: DWORD,
}

/// sspi.h `SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS` (a C enum: `int`).
pub type SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS = i32;
/// sspi.h `SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT` (a C enum: `int`).
pub type SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT = i32;

/// sspi.h `MAX_PROTOCOL_ID_SIZE`: room in `SecPkgContext_ApplicationProtocol.ProtocolId`.
pub const MAX_PROTOCOL_ID_SIZE: usize = 0xff;

/// sspi.h `SecPkgContext_ApplicationProtocol` (`SECPKG_ATTR_APPLICATION_PROTOCOL`, 264 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SecPkgContext_ApplicationProtocol {
    pub ProtoNegoStatus: SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS,
    pub ProtoNegoExt: SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT,
    pub ProtocolIdSize: u8,
    pub ProtocolId: [u8; MAX_PROTOCOL_ID_SIZE],
}

/// sspi.h `SEC_APPLICATION_PROTOCOL_LIST`: one list in a `SECBUFFER_APPLICATION_PROTOCOLS`
/// buffer. `ProtocolList` (`ProtocolListSize` bytes) is the RFC 7301 wire form: each name
/// preceded by its one-byte length. Declared with `ANYSIZE_ARRAY` (1) as in the SDK; callers
/// (curl, Windows samples) write the fields as a packed byte stream at offsets 0, 4 and 6 of
/// the list, and that is how the provider reads them (see `sspi::alpn`).
#[repr(C)]
pub struct SEC_APPLICATION_PROTOCOL_LIST {
    pub ProtoNegoExt: SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT,
    pub ProtocolListSize: USHORT,
    pub ProtocolList: [u8; 1],
}

/// sspi.h `SEC_APPLICATION_PROTOCOLS`: the contents of a `SECBUFFER_APPLICATION_PROTOCOLS`
/// input buffer. `ProtocolListsSize` (32-bit `unsigned long` on Windows) counts the bytes of
/// the lists that follow it.
#[repr(C)]
pub struct SEC_APPLICATION_PROTOCOLS {
    pub ProtocolListsSize: ULONG,
    pub ProtocolLists: [SEC_APPLICATION_PROTOCOL_LIST; 1],
}

/// sspi.h `SEC_GET_KEY_FN` (never called by Schannel).
pub type SEC_GET_KEY_FN = Option<unsafe extern "C" fn(*mut c_void, *mut c_void, ULONG, *mut *mut c_void, *mut SECURITY_STATUS)>;

/// wincrypt.h `CERT_NAME_BLOB` (`CRYPT_INTEGER_BLOB`): a DER-encoded distinguished name.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CERT_NAME_BLOB {
    pub cbData: DWORD,
    pub pbData: *mut BYTE,
}
pub type PCERT_NAME_BLOB = *mut CERT_NAME_BLOB;

/// schannel.h `SecPkgContext_IssuerListInfoEx` (`SECPKG_ATTR_ISSUER_LIST_EX`): the CAs a
/// server named in its CertificateRequest. `aIssuers` is one provider allocation holding the
/// blobs and their bytes; free it with `FreeContextBuffer`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_IssuerListInfoEx {
    pub aIssuers: PCERT_NAME_BLOB,
    pub cIssuers: DWORD,
}

/// sspi.h `SEC_CHANNEL_BINDINGS`: addresses (unused by TLS) and the application data that
/// carries the binding, at `dwApplicationDataOffset` from the structure's start.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct SEC_CHANNEL_BINDINGS {
    pub dwInitiatorAddrType: ULONG,
    pub cbInitiatorLength: ULONG,
    pub dwInitiatorOffset: ULONG,
    pub dwAcceptorAddrType: ULONG,
    pub cbAcceptorLength: ULONG,
    pub dwAcceptorOffset: ULONG,
    pub cbApplicationDataLength: ULONG,
    pub dwApplicationDataOffset: ULONG,
}

/// sspi.h `SecPkgContext_Bindings` (`SECPKG_ATTR_UNIQUE_BINDINGS`, `ENDPOINT_BINDINGS`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_Bindings {
    pub BindingsLength: ULONG,
    pub Bindings: *mut SEC_CHANNEL_BINDINGS,
}

/// sspi.h `SecPkgContext_NamesA` (`SECPKG_ATTR_NAMES`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_NamesA {
    pub sUserName: *mut SEC_CHAR,
}

/// sspi.h `SecPkgContext_NamesW`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_NamesW {
    pub sUserName: *mut SEC_WCHAR,
}

/// sspi.h `SecPkgContext_KeyInfoA` (`SECPKG_ATTR_KEY_INFO`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_KeyInfoA {
    pub sSignatureAlgorithmName: *mut SEC_CHAR,
    pub sEncryptAlgorithmName: *mut SEC_CHAR,
    pub KeySize: ULONG,
    pub SignatureAlgorithm: ULONG,
    pub EncryptAlgorithm: ULONG,
}

/// sspi.h `SecPkgContext_KeyInfoW`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SecPkgContext_KeyInfoW {
    pub sSignatureAlgorithmName: *mut SEC_WCHAR,
    pub sEncryptAlgorithmName: *mut SEC_WCHAR,
    pub KeySize: ULONG,
    pub SignatureAlgorithm: ULONG,
    pub EncryptAlgorithm: ULONG,
}
