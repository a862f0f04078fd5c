//! CryptoAPI constants with their Windows values, checked against Wine's `include/wincrypt.h`
//! (as mirrored in ReactOS `include/psdk/wincrypt.h`) and `include/winerror.h`; the pointer-valued
//! ones (`CERT_STORE_PROV_*`, `CERT_CHAIN_POLICY_*`, `szOID_*`) are `#define`d in the header's
//! preamble (cbindgen.toml) because C spells them as casts or string literals.
#![allow(non_upper_case_globals)]

use super::super::types::DWORD;

// ---- wincrypt.h: store providers (integer values of the `(LPCSTR)n` constants) ----------
pub(crate) const PROV_MEMORY: usize = 2;
pub(crate) const PROV_FILENAME_A: usize = 7;
pub(crate) const PROV_FILENAME_W: usize = 8;
pub(crate) const PROV_SYSTEM_A: usize = 9;
pub(crate) const PROV_SYSTEM_W: usize = 10;
// ---- wincrypt.h: chain policies (`(LPCSTR)n`) ----------------------------------------
pub(crate) const POLICY_BASE: usize = 1;
pub(crate) const POLICY_SSL: usize = 4;

// ---- wincrypt.h: CertOpenStore dwFlags ---------------------------------------------------
pub const CERT_STORE_DELETE_FLAG: DWORD = 0x10;
pub const CERT_STORE_CREATE_NEW_FLAG: DWORD = 0x2000;
pub const CERT_STORE_OPEN_EXISTING_FLAG: DWORD = 0x4000;
pub const CERT_STORE_READONLY_FLAG: DWORD = 0x8000;
pub const CERT_SYSTEM_STORE_LOCATION_MASK: DWORD = 0x00ff_0000;
pub const CERT_SYSTEM_STORE_LOCATION_SHIFT: DWORD = 16;
pub const CERT_SYSTEM_STORE_CURRENT_USER: DWORD = 1 << 16;
pub const CERT_SYSTEM_STORE_LOCAL_MACHINE: DWORD = 2 << 16;
// ---- wincrypt.h: CertCloseStore dwFlags ---------------------------------------------------
pub const CERT_CLOSE_STORE_FORCE_FLAG: DWORD = 0x1;
pub const CERT_CLOSE_STORE_CHECK_FLAG: DWORD = 0x2;
// ---- wincrypt.h: dwAddDisposition ------------------------------------------------------------
pub const CERT_STORE_ADD_NEW: DWORD = 1;
pub const CERT_STORE_ADD_USE_EXISTING: DWORD = 2;
pub const CERT_STORE_ADD_REPLACE_EXISTING: DWORD = 3;
pub const CERT_STORE_ADD_ALWAYS: DWORD = 4;
pub const CERT_STORE_ADD_REPLACE_EXISTING_INHERIT_PROPERTIES: DWORD = 5;
pub const CERT_STORE_ADD_NEWER: DWORD = 6;
pub const CERT_STORE_ADD_NEWER_INHERIT_PROPERTIES: DWORD = 7;

// ---- wincrypt.h: CertFindCertificateInStore dwFindType (CERT_COMPARE_* << 16 | CERT_INFO_*) --
pub const CERT_FIND_ANY: DWORD = 0;
pub const CERT_FIND_SHA1_HASH: DWORD = 1 << 16;
pub const CERT_FIND_HASH: DWORD = CERT_FIND_SHA1_HASH;
pub const CERT_FIND_MD5_HASH: DWORD = 4 << 16;
pub const CERT_FIND_SUBJECT_STR_A: DWORD = (7 << 16) | 7;
pub const CERT_FIND_SUBJECT_STR_W: DWORD = (8 << 16) | 7;
pub const CERT_FIND_SUBJECT_STR: DWORD = CERT_FIND_SUBJECT_STR_W;
pub const CERT_FIND_ISSUER_STR_A: DWORD = (7 << 16) | 4;
pub const CERT_FIND_ISSUER_STR_W: DWORD = (8 << 16) | 4;
pub const CERT_FIND_ISSUER_STR: DWORD = CERT_FIND_ISSUER_STR_W;
pub const CERT_FIND_EXISTING: DWORD = 13 << 16;

// ---- wincrypt.h: property ids -------------------------------------------------------------------
pub const CERT_KEY_PROV_HANDLE_PROP_ID: DWORD = 1;
pub const CERT_KEY_PROV_INFO_PROP_ID: DWORD = 2;
pub const CERT_SHA1_HASH_PROP_ID: DWORD = 3;
pub const CERT_HASH_PROP_ID: DWORD = CERT_SHA1_HASH_PROP_ID;
pub const CERT_MD5_HASH_PROP_ID: DWORD = 4;
pub const CERT_KEY_CONTEXT_PROP_ID: DWORD = 5;
pub const CERT_KEY_SPEC_PROP_ID: DWORD = 6;
pub const CERT_FRIENDLY_NAME_PROP_ID: DWORD = 11;
pub const CERT_DESCRIPTION_PROP_ID: DWORD = 13;
pub const CERT_SIGNATURE_HASH_PROP_ID: DWORD = 15;
pub const CERT_NCRYPT_KEY_HANDLE_PROP_ID: DWORD = 78;
pub const CERT_HCRYPTPROV_OR_NCRYPT_KEY_HANDLE_PROP_ID: DWORD = 79;
pub const CERT_FIRST_USER_PROP_ID: DWORD = 0x8000;
pub const CERT_LAST_USER_PROP_ID: DWORD = 0xffff;
/// `CRYPT_KEY_PROV_INFO.dwKeySpec` / `CERT_KEY_SPEC_PROP_ID` values.
pub const AT_KEYEXCHANGE: DWORD = 1;
pub const AT_SIGNATURE: DWORD = 2;
/// ncrypt.h: the key lives in a CNG key storage provider (what ECDSA keys report).
pub const CERT_NCRYPT_KEY_SPEC: DWORD = 0xFFFF_FFFF;
/// wincrypt.h provider type of RSA keys (`PROV_RSA_AES`, what Windows' PFX import reports).
pub const PROV_RSA_AES: DWORD = 24;

// ---- wincrypt.h: CertGetNameString ------------------------------------------------------------
pub const CERT_NAME_EMAIL_TYPE: DWORD = 1;
pub const CERT_NAME_RDN_TYPE: DWORD = 2;
pub const CERT_NAME_ATTR_TYPE: DWORD = 3;
pub const CERT_NAME_SIMPLE_DISPLAY_TYPE: DWORD = 4;
pub const CERT_NAME_FRIENDLY_DISPLAY_TYPE: DWORD = 5;
pub const CERT_NAME_DNS_TYPE: DWORD = 6;
pub const CERT_NAME_URL_TYPE: DWORD = 7;
pub const CERT_NAME_UPN_TYPE: DWORD = 8;
pub const CERT_NAME_ISSUER_FLAG: DWORD = 0x1;
/// CertNameToStr string types (`*pvTypePara` of `CERT_NAME_RDN_TYPE`).
pub const CERT_SIMPLE_NAME_STR: DWORD = 1;
pub const CERT_OID_NAME_STR: DWORD = 2;
pub const CERT_X500_NAME_STR: DWORD = 3;
pub const CERT_NAME_STR_SEMICOLON_FLAG: DWORD = 0x4000_0000;
pub const CERT_NAME_STR_CRLF_FLAG: DWORD = 0x0800_0000;
pub const CERT_NAME_STR_NO_PLUS_FLAG: DWORD = 0x2000_0000;
pub const CERT_NAME_STR_NO_QUOTING_FLAG: DWORD = 0x1000_0000;
pub const CERT_NAME_STR_REVERSE_FLAG: DWORD = 0x0200_0000;

// ---- wincrypt.h: chains -------------------------------------------------------------------------
pub const CERT_TRUST_NO_ERROR: DWORD = 0;
pub const CERT_TRUST_IS_NOT_TIME_VALID: DWORD = 0x1;
pub const CERT_TRUST_IS_REVOKED: DWORD = 0x4;
pub const CERT_TRUST_IS_NOT_SIGNATURE_VALID: DWORD = 0x8;
pub const CERT_TRUST_IS_NOT_VALID_FOR_USAGE: DWORD = 0x10;
pub const CERT_TRUST_IS_UNTRUSTED_ROOT: DWORD = 0x20;
pub const CERT_TRUST_REVOCATION_STATUS_UNKNOWN: DWORD = 0x40;
pub const CERT_TRUST_INVALID_EXTENSION: DWORD = 0x100;
pub const CERT_TRUST_INVALID_BASIC_CONSTRAINTS: DWORD = 0x400;
pub const CERT_TRUST_IS_PARTIAL_CHAIN: DWORD = 0x10000;
pub const CERT_TRUST_IS_OFFLINE_REVOCATION: DWORD = 0x0100_0000;
pub const CERT_TRUST_HAS_EXACT_MATCH_ISSUER: DWORD = 0x1;
pub const CERT_TRUST_HAS_NAME_MATCH_ISSUER: DWORD = 0x4;
pub const CERT_TRUST_IS_SELF_SIGNED: DWORD = 0x8;
pub const CERT_TRUST_HAS_PREFERRED_ISSUER: DWORD = 0x100;
pub const CERT_CHAIN_REVOCATION_CHECK_END_CERT: DWORD = 0x1000_0000;
pub const CERT_CHAIN_REVOCATION_CHECK_CHAIN: DWORD = 0x2000_0000;
pub const CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT: DWORD = 0x4000_0000;
pub const USAGE_MATCH_TYPE_AND: DWORD = 0;
pub const USAGE_MATCH_TYPE_OR: DWORD = 1;
pub const CERT_CHAIN_POLICY_IGNORE_NOT_TIME_VALID_FLAG: DWORD = 0x1;
pub const CERT_CHAIN_POLICY_IGNORE_INVALID_BASIC_CONSTRAINTS_FLAG: DWORD = 0x8;
pub const CERT_CHAIN_POLICY_ALLOW_UNKNOWN_CA_FLAG: DWORD = 0x10;
pub const CERT_CHAIN_POLICY_IGNORE_WRONG_USAGE_FLAG: DWORD = 0x20;
pub const CERT_CHAIN_POLICY_IGNORE_INVALID_NAME_FLAG: DWORD = 0x40;
pub const CERT_CHAIN_POLICY_IGNORE_END_REV_UNKNOWN_FLAG: DWORD = 0x100;
pub const CERT_CHAIN_POLICY_IGNORE_CA_REV_UNKNOWN_FLAG: DWORD = 0x400;
pub const CERT_CHAIN_POLICY_IGNORE_ROOT_REV_UNKNOWN_FLAG: DWORD = 0x800;
/// `SSL_EXTRA_CERT_CHAIN_POLICY_PARA.dwAuthType`.
pub const AUTHTYPE_CLIENT: DWORD = 1;
pub const AUTHTYPE_SERVER: DWORD = 2;
/// wininet.h `SECURITY_FLAG_IGNORE_*` for `SSL_EXTRA_CERT_CHAIN_POLICY_PARA.fdwChecks`.
pub const SECURITY_FLAG_IGNORE_REVOCATION: DWORD = 0x80;
pub const SECURITY_FLAG_IGNORE_UNKNOWN_CA: DWORD = 0x100;
pub const SECURITY_FLAG_IGNORE_WRONG_USAGE: DWORD = 0x200;
pub const SECURITY_FLAG_IGNORE_CERT_CN_INVALID: DWORD = 0x1000;
pub const SECURITY_FLAG_IGNORE_CERT_DATE_INVALID: DWORD = 0x2000;

// ---- wincrypt.h: PFXImportCertStore dwFlags (accepted, no effect: keys stay in process) ------
pub const CRYPT_EXPORTABLE: DWORD = 0x1;
pub const CRYPT_USER_PROTECTED: DWORD = 0x2;
pub const CRYPT_MACHINE_KEYSET: DWORD = 0x20;
pub const CRYPT_USER_KEYSET: DWORD = 0x1000;
pub const PKCS12_NO_PERSIST_KEY: DWORD = 0x8000;

// ---- winerror.h: GetLastError codes of the CryptoAPI functions --------------------------------
pub const ERROR_SUCCESS: DWORD = 0;
pub const ERROR_FILE_NOT_FOUND: DWORD = 2;
pub const ERROR_INVALID_PASSWORD: DWORD = 86;
pub const ERROR_INVALID_PARAMETER: DWORD = 87;
pub const ERROR_NOT_SUPPORTED: DWORD = 50;
pub const ERROR_MORE_DATA: DWORD = 234;
pub const E_ACCESSDENIED: DWORD = 0x8007_0005;
pub const E_INVALIDARG: DWORD = 0x8007_0057;
pub const NTE_BAD_ALGID: DWORD = 0x8009_0008;
pub const CRYPT_E_BAD_ENCODE: DWORD = 0x8009_2002;
pub const CRYPT_E_NOT_FOUND: DWORD = 0x8009_2004;
pub const CRYPT_E_EXISTS: DWORD = 0x8009_2005;
pub const CRYPT_E_PENDING_CLOSE: DWORD = 0x8009_200F;
pub const CRYPT_E_ASN1_BADTAG: DWORD = 0x8009_310B;
pub const TRUST_E_CERT_SIGNATURE: DWORD = 0x8009_6004;
pub const TRUST_E_BASIC_CONSTRAINTS: DWORD = 0x8009_6019;
pub const CERT_E_CRITICAL: DWORD = 0x800B_0105;
pub const CERT_E_MALFORMED: DWORD = 0x800B_0108;
