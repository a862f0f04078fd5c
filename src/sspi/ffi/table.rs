//! `SecurityFunctionTableA/W` (slot order from sspi.h) and the entries Schannel does not
//! support yet, which answer SEC_E_UNSUPPORTED_FUNCTION.

use core::ffi::c_void;

use super::consts::*;
use super::exports::*;
use super::messages::*;
use super::packages::*;
use super::types::*;
use crate::ffi_guard;

/// `ENUMERATE_SECURITY_PACKAGES_FN_A`.
pub type ENUMERATE_SECURITY_PACKAGES_FN_A = Option<unsafe extern "C" fn(*mut ULONG, *mut PSecPkgInfoA) -> SECURITY_STATUS>;
/// `ENUMERATE_SECURITY_PACKAGES_FN_W`.
pub type ENUMERATE_SECURITY_PACKAGES_FN_W = Option<unsafe extern "C" fn(*mut ULONG, *mut PSecPkgInfoW) -> SECURITY_STATUS>;
/// `QUERY_CREDENTIALS_ATTRIBUTES_FN_A/W`.
pub type QUERY_CREDENTIALS_ATTRIBUTES_FN = Option<unsafe extern "C" fn(PCredHandle, ULONG, *mut c_void) -> SECURITY_STATUS>;
/// `ACQUIRE_CREDENTIALS_HANDLE_FN_A`.
pub type ACQUIRE_CREDENTIALS_HANDLE_FN_A = Option<
    unsafe extern "C" fn(
        *mut SEC_CHAR,
        *mut SEC_CHAR,
        ULONG,
        *mut c_void,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        PCredHandle,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
/// `ACQUIRE_CREDENTIALS_HANDLE_FN_W`.
pub type ACQUIRE_CREDENTIALS_HANDLE_FN_W = Option<
    unsafe extern "C" fn(
        *mut SEC_WCHAR,
        *mut SEC_WCHAR,
        ULONG,
        *mut c_void,
        *mut c_void,
        SEC_GET_KEY_FN,
        *mut c_void,
        PCredHandle,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
/// `FREE_CREDENTIALS_HANDLE_FN`.
pub type FREE_CREDENTIALS_HANDLE_FN = Option<unsafe extern "C" fn(PCredHandle) -> SECURITY_STATUS>;
/// `INITIALIZE_SECURITY_CONTEXT_FN_A`.
pub type INITIALIZE_SECURITY_CONTEXT_FN_A = Option<
    unsafe extern "C" fn(
        PCredHandle,
        PCtxtHandle,
        *mut SEC_CHAR,
        ULONG,
        ULONG,
        ULONG,
        PSecBufferDesc,
        ULONG,
        PCtxtHandle,
        PSecBufferDesc,
        *mut ULONG,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
/// `INITIALIZE_SECURITY_CONTEXT_FN_W`.
pub type INITIALIZE_SECURITY_CONTEXT_FN_W = Option<
    unsafe extern "C" fn(
        PCredHandle,
        PCtxtHandle,
        *mut SEC_WCHAR,
        ULONG,
        ULONG,
        ULONG,
        PSecBufferDesc,
        ULONG,
        PCtxtHandle,
        PSecBufferDesc,
        *mut ULONG,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
/// `ACCEPT_SECURITY_CONTEXT_FN`.
pub type ACCEPT_SECURITY_CONTEXT_FN = Option<
    unsafe extern "C" fn(
        PCredHandle,
        PCtxtHandle,
        PSecBufferDesc,
        ULONG,
        ULONG,
        PCtxtHandle,
        PSecBufferDesc,
        *mut ULONG,
        PTimeStamp,
    ) -> SECURITY_STATUS,
>;
/// `COMPLETE_AUTH_TOKEN_FN` / `APPLY_CONTROL_TOKEN_FN`.
pub type CONTEXT_DESC_FN = Option<unsafe extern "C" fn(PCtxtHandle, PSecBufferDesc) -> SECURITY_STATUS>;
/// `DELETE_SECURITY_CONTEXT_FN`, `IMPERSONATE_SECURITY_CONTEXT_FN`, `REVERT_SECURITY_CONTEXT_FN`.
pub type CONTEXT_FN = Option<unsafe extern "C" fn(PCtxtHandle) -> SECURITY_STATUS>;
/// `QUERY_CONTEXT_ATTRIBUTES_FN_A/W`, `SET_CONTEXT_ATTRIBUTES_FN` (with a length).
pub type QUERY_CONTEXT_ATTRIBUTES_FN = Option<unsafe extern "C" fn(PCtxtHandle, ULONG, *mut c_void) -> SECURITY_STATUS>;
/// `MAKE_SIGNATURE_FN` / `VERIFY_SIGNATURE_FN` / `ENCRYPT_MESSAGE_FN` shape.
pub type MESSAGE_FN = Option<unsafe extern "C" fn(PCtxtHandle, ULONG, PSecBufferDesc, ULONG) -> SECURITY_STATUS>;
/// `VERIFY_SIGNATURE_FN` / `DECRYPT_MESSAGE_FN`.
pub type DECRYPT_MESSAGE_FN = Option<unsafe extern "C" fn(PCtxtHandle, PSecBufferDesc, ULONG, *mut ULONG) -> SECURITY_STATUS>;
/// `FREE_CONTEXT_BUFFER_FN`.
pub type FREE_CONTEXT_BUFFER_FN = Option<unsafe extern "C" fn(*mut c_void) -> SECURITY_STATUS>;
/// `QUERY_SECURITY_PACKAGE_INFO_FN_A`.
pub type QUERY_SECURITY_PACKAGE_INFO_FN_A = Option<unsafe extern "C" fn(*mut SEC_CHAR, *mut PSecPkgInfoA) -> SECURITY_STATUS>;
/// `QUERY_SECURITY_PACKAGE_INFO_FN_W`.
pub type QUERY_SECURITY_PACKAGE_INFO_FN_W = Option<unsafe extern "C" fn(*mut SEC_WCHAR, *mut PSecPkgInfoW) -> SECURITY_STATUS>;
/// `EXPORT_SECURITY_CONTEXT_FN`.
pub type EXPORT_SECURITY_CONTEXT_FN = Option<unsafe extern "C" fn(PCtxtHandle, ULONG, PSecBuffer, *mut *mut c_void) -> SECURITY_STATUS>;
/// `IMPORT_SECURITY_CONTEXT_FN_A/W` (package name as an opaque pointer).
pub type IMPORT_SECURITY_CONTEXT_FN = Option<unsafe extern "C" fn(*mut c_void, PSecBuffer, *mut c_void, PCtxtHandle) -> SECURITY_STATUS>;
/// `QUERY_SECURITY_CONTEXT_TOKEN_FN`.
pub type QUERY_SECURITY_CONTEXT_TOKEN_FN = Option<unsafe extern "C" fn(PCtxtHandle, *mut *mut c_void) -> SECURITY_STATUS>;
/// `SET_CONTEXT_ATTRIBUTES_FN_A/W` and `SET_CREDENTIALS_ATTRIBUTES_FN_A/W` (handle, attribute, buffer, size).
pub type SET_ATTRIBUTES_FN = Option<unsafe extern "C" fn(PSecHandle, ULONG, *mut c_void, ULONG) -> SECURITY_STATUS>;
/// A reserved or unused slot.
pub type RESERVED_FN = *mut c_void;

/// sspi.h `SecurityFunctionTableA`, slot for slot.
#[repr(C)]
pub struct SecurityFunctionTableA {
    pub dwVersion: ULONG,
    pub EnumerateSecurityPackagesA: ENUMERATE_SECURITY_PACKAGES_FN_A,
    pub QueryCredentialsAttributesA: QUERY_CREDENTIALS_ATTRIBUTES_FN,
    pub AcquireCredentialsHandleA: ACQUIRE_CREDENTIALS_HANDLE_FN_A,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: RESERVED_FN,
    pub InitializeSecurityContextA: INITIALIZE_SECURITY_CONTEXT_FN_A,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: CONTEXT_DESC_FN,
    pub DeleteSecurityContext: CONTEXT_FN,
    pub ApplyControlToken: CONTEXT_DESC_FN,
    pub QueryContextAttributesA: QUERY_CONTEXT_ATTRIBUTES_FN,
    pub ImpersonateSecurityContext: CONTEXT_FN,
    pub RevertSecurityContext: CONTEXT_FN,
    pub MakeSignature: MESSAGE_FN,
    pub VerifySignature: DECRYPT_MESSAGE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoA: QUERY_SECURITY_PACKAGE_INFO_FN_A,
    pub Reserved3: RESERVED_FN,
    pub Reserved4: RESERVED_FN,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextA: IMPORT_SECURITY_CONTEXT_FN,
    pub AddCredentialsA: RESERVED_FN,
    pub Reserved8: RESERVED_FN,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesA: SET_ATTRIBUTES_FN,
    pub SetCredentialsAttributesA: SET_ATTRIBUTES_FN,
    pub ChangeAccountPasswordA: RESERVED_FN,
    pub QueryContextAttributesExA: RESERVED_FN,
    pub QueryCredentialsAttributesExA: RESERVED_FN,
}

/// sspi.h `SecurityFunctionTableW`, slot for slot.
#[repr(C)]
pub struct SecurityFunctionTableW {
    pub dwVersion: ULONG,
    pub EnumerateSecurityPackagesW: ENUMERATE_SECURITY_PACKAGES_FN_W,
    pub QueryCredentialsAttributesW: QUERY_CREDENTIALS_ATTRIBUTES_FN,
    pub AcquireCredentialsHandleW: ACQUIRE_CREDENTIALS_HANDLE_FN_W,
    pub FreeCredentialsHandle: FREE_CREDENTIALS_HANDLE_FN,
    pub Reserved2: RESERVED_FN,
    pub InitializeSecurityContextW: INITIALIZE_SECURITY_CONTEXT_FN_W,
    pub AcceptSecurityContext: ACCEPT_SECURITY_CONTEXT_FN,
    pub CompleteAuthToken: CONTEXT_DESC_FN,
    pub DeleteSecurityContext: CONTEXT_FN,
    pub ApplyControlToken: CONTEXT_DESC_FN,
    pub QueryContextAttributesW: QUERY_CONTEXT_ATTRIBUTES_FN,
    pub ImpersonateSecurityContext: CONTEXT_FN,
    pub RevertSecurityContext: CONTEXT_FN,
    pub MakeSignature: MESSAGE_FN,
    pub VerifySignature: DECRYPT_MESSAGE_FN,
    pub FreeContextBuffer: FREE_CONTEXT_BUFFER_FN,
    pub QuerySecurityPackageInfoW: QUERY_SECURITY_PACKAGE_INFO_FN_W,
    pub Reserved3: RESERVED_FN,
    pub Reserved4: RESERVED_FN,
    pub ExportSecurityContext: EXPORT_SECURITY_CONTEXT_FN,
    pub ImportSecurityContextW: IMPORT_SECURITY_CONTEXT_FN,
    pub AddCredentialsW: RESERVED_FN,
    pub Reserved8: RESERVED_FN,
    pub QuerySecurityContextToken: QUERY_SECURITY_CONTEXT_TOKEN_FN,
    pub EncryptMessage: MESSAGE_FN,
    pub DecryptMessage: DECRYPT_MESSAGE_FN,
    pub SetContextAttributesW: SET_ATTRIBUTES_FN,
    pub SetCredentialsAttributesW: SET_ATTRIBUTES_FN,
    pub ChangeAccountPasswordW: RESERVED_FN,
    pub QueryContextAttributesExW: RESERVED_FN,
    pub QueryCredentialsAttributesExW: RESERVED_FN,
}

/// A table holds only function pointers and NULL reserved slots; sharing it is sound.
struct SyncTable<T>(T);
// SAFETY: the tables are immutable after construction and hold no interior mutability.
unsafe impl<T> Sync for SyncTable<T> {}

static TABLE_A: SyncTable<SecurityFunctionTableA> = SyncTable(SecurityFunctionTableA {
    dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    EnumerateSecurityPackagesA: Some(EnumerateSecurityPackagesA),
    QueryCredentialsAttributesA: Some(QueryCredentialsAttributesA),
    AcquireCredentialsHandleA: Some(AcquireCredentialsHandleA),
    FreeCredentialsHandle: Some(FreeCredentialsHandle),
    Reserved2: core::ptr::null_mut(),
    InitializeSecurityContextA: Some(InitializeSecurityContextA),
    AcceptSecurityContext: Some(AcceptSecurityContext),
    CompleteAuthToken: Some(CompleteAuthToken),
    DeleteSecurityContext: Some(DeleteSecurityContext),
    ApplyControlToken: Some(ApplyControlToken),
    QueryContextAttributesA: Some(QueryContextAttributesA),
    ImpersonateSecurityContext: Some(ImpersonateSecurityContext),
    RevertSecurityContext: Some(RevertSecurityContext),
    MakeSignature: Some(MakeSignature),
    VerifySignature: Some(VerifySignature),
    FreeContextBuffer: Some(FreeContextBuffer),
    QuerySecurityPackageInfoA: Some(QuerySecurityPackageInfoA),
    Reserved3: core::ptr::null_mut(),
    Reserved4: core::ptr::null_mut(),
    ExportSecurityContext: Some(ExportSecurityContext),
    ImportSecurityContextA: Some(ImportSecurityContextA),
    AddCredentialsA: core::ptr::null_mut(),
    Reserved8: core::ptr::null_mut(),
    QuerySecurityContextToken: Some(QuerySecurityContextToken),
    EncryptMessage: Some(EncryptMessage),
    DecryptMessage: Some(DecryptMessage),
    SetContextAttributesA: Some(SetContextAttributesA),
    SetCredentialsAttributesA: Some(SetCredentialsAttributesA),
    ChangeAccountPasswordA: core::ptr::null_mut(),
    QueryContextAttributesExA: core::ptr::null_mut(),
    QueryCredentialsAttributesExA: core::ptr::null_mut(),
});

static TABLE_W: SyncTable<SecurityFunctionTableW> = SyncTable(SecurityFunctionTableW {
    dwVersion: SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION,
    EnumerateSecurityPackagesW: Some(EnumerateSecurityPackagesW),
    QueryCredentialsAttributesW: Some(QueryCredentialsAttributesW),
    AcquireCredentialsHandleW: Some(AcquireCredentialsHandleW),
    FreeCredentialsHandle: Some(FreeCredentialsHandle),
    Reserved2: core::ptr::null_mut(),
    InitializeSecurityContextW: Some(InitializeSecurityContextW),
    AcceptSecurityContext: Some(AcceptSecurityContext),
    CompleteAuthToken: Some(CompleteAuthToken),
    DeleteSecurityContext: Some(DeleteSecurityContext),
    ApplyControlToken: Some(ApplyControlToken),
    QueryContextAttributesW: Some(QueryContextAttributesW),
    ImpersonateSecurityContext: Some(ImpersonateSecurityContext),
    RevertSecurityContext: Some(RevertSecurityContext),
    MakeSignature: Some(MakeSignature),
    VerifySignature: Some(VerifySignature),
    FreeContextBuffer: Some(FreeContextBuffer),
    QuerySecurityPackageInfoW: Some(QuerySecurityPackageInfoW),
    Reserved3: core::ptr::null_mut(),
    Reserved4: core::ptr::null_mut(),
    ExportSecurityContext: Some(ExportSecurityContext),
    ImportSecurityContextW: Some(ImportSecurityContextW),
    AddCredentialsW: core::ptr::null_mut(),
    Reserved8: core::ptr::null_mut(),
    QuerySecurityContextToken: Some(QuerySecurityContextToken),
    EncryptMessage: Some(EncryptMessage),
    DecryptMessage: Some(DecryptMessage),
    SetContextAttributesW: Some(SetContextAttributesW),
    SetCredentialsAttributesW: Some(SetCredentialsAttributesW),
    ChangeAccountPasswordW: core::ptr::null_mut(),
    QueryContextAttributesExW: core::ptr::null_mut(),
    QueryCredentialsAttributesExW: core::ptr::null_mut(),
});

/// InitSecurityInterfaceA: the filled function table (static; never freed).
#[no_mangle]
pub extern "C" fn InitSecurityInterfaceA() -> *const SecurityFunctionTableA {
    ffi_guard!(core::ptr::null(), { &TABLE_A.0 as *const _ })
}

/// InitSecurityInterfaceW: the filled function table (static; never freed).
#[no_mangle]
pub extern "C" fn InitSecurityInterfaceW() -> *const SecurityFunctionTableW {
    ffi_guard!(core::ptr::null(), { &TABLE_W.0 as *const _ })
}

/// ImpersonateSecurityContext: not supported by this provider.
#[no_mangle]
pub unsafe extern "C" fn ImpersonateSecurityContext(phContext: PCtxtHandle) -> SECURITY_STATUS {
    ffi_guard!(status "ImpersonateSecurityContext", SEC_E_INTERNAL_ERROR, {
        let _ = phContext;
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// RevertSecurityContext: not supported by this provider.
#[no_mangle]
pub unsafe extern "C" fn RevertSecurityContext(phContext: PCtxtHandle) -> SECURITY_STATUS {
    ffi_guard!(status "RevertSecurityContext", SEC_E_INTERNAL_ERROR, {
        let _ = phContext;
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// MakeSignature: Schannel does not sign messages.
#[no_mangle]
pub unsafe extern "C" fn MakeSignature(
    phContext: PCtxtHandle,
    fQOP: ULONG,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "MakeSignature", SEC_E_INTERNAL_ERROR, {
        let _ = (phContext, fQOP, pMessage, MessageSeqNo);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// VerifySignature: Schannel does not sign messages.
#[no_mangle]
pub unsafe extern "C" fn VerifySignature(
    phContext: PCtxtHandle,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
    pfQOP: *mut ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "VerifySignature", SEC_E_INTERNAL_ERROR, {
        let _ = (phContext, pMessage, MessageSeqNo, pfQOP);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// ExportSecurityContext: not supported yet.
#[no_mangle]
pub unsafe extern "C" fn ExportSecurityContext(
    phContext: PCtxtHandle,
    fFlags: ULONG,
    pPackedContext: PSecBuffer,
    pToken: *mut *mut c_void,
) -> SECURITY_STATUS {
    ffi_guard!(status "ExportSecurityContext", SEC_E_INTERNAL_ERROR, {
        let _ = (phContext, fFlags, pPackedContext, pToken);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// ImportSecurityContextA: not supported yet.
#[no_mangle]
pub unsafe extern "C" fn ImportSecurityContextA(
    pszPackage: *mut c_void,
    pPackedContext: PSecBuffer,
    Token: *mut c_void,
    phContext: PCtxtHandle,
) -> SECURITY_STATUS {
    ffi_guard!(status "ImportSecurityContextA", SEC_E_INTERNAL_ERROR, {
        let _ = (pszPackage, pPackedContext, Token, phContext);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// ImportSecurityContextW: not supported yet.
#[no_mangle]
pub unsafe extern "C" fn ImportSecurityContextW(
    pszPackage: *mut c_void,
    pPackedContext: PSecBuffer,
    Token: *mut c_void,
    phContext: PCtxtHandle,
) -> SECURITY_STATUS {
    ffi_guard!(status "ImportSecurityContextW", SEC_E_INTERNAL_ERROR, {
        let _ = (pszPackage, pPackedContext, Token, phContext);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// QuerySecurityContextToken: there are no Windows access tokens on Linux.
#[no_mangle]
pub unsafe extern "C" fn QuerySecurityContextToken(phContext: PCtxtHandle, Token: *mut *mut c_void) -> SECURITY_STATUS {
    ffi_guard!(status "QuerySecurityContextToken", SEC_E_INTERNAL_ERROR, {
        let _ = (phContext, Token);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// SetContextAttributesA: not supported yet.
#[no_mangle]
pub unsafe extern "C" fn SetContextAttributesA(
    phContext: PSecHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "SetContextAttributesA", SEC_E_INTERNAL_ERROR, {
        let _ = (phContext, ulAttribute, pBuffer, cbBuffer);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// SetContextAttributesW: not supported yet.
#[no_mangle]
pub unsafe extern "C" fn SetContextAttributesW(
    phContext: PSecHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "SetContextAttributesW", SEC_E_INTERNAL_ERROR, {
        let _ = (phContext, ulAttribute, pBuffer, cbBuffer);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// SetCredentialsAttributesA: not supported yet.
#[no_mangle]
pub unsafe extern "C" fn SetCredentialsAttributesA(
    phCredential: PSecHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "SetCredentialsAttributesA", SEC_E_INTERNAL_ERROR, {
        let _ = (phCredential, ulAttribute, pBuffer, cbBuffer);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}

/// SetCredentialsAttributesW: not supported yet.
#[no_mangle]
pub unsafe extern "C" fn SetCredentialsAttributesW(
    phCredential: PSecHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
    cbBuffer: ULONG,
) -> SECURITY_STATUS {
    ffi_guard!(status "SetCredentialsAttributesW", SEC_E_INTERNAL_ERROR, {
        let _ = (phCredential, ulAttribute, pBuffer, cbBuffer);
        SEC_E_UNSUPPORTED_FUNCTION
    })
}
