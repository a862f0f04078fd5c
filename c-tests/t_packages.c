/*
 * t_packages.c: the function tables, package enumeration and info, unsupported entry points,
 * CompleteAuthToken, and compile-time struct layout checks against
 * /work/shared/docs/sspi-reference.md (sizes and offsets compiled on x86_64 Linux).
 */
#include "harness.h"

/* ---- layout (x86_64 / LP64; sspi-reference.md §0) ---------------------------------------- */
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(sizeof(SecHandle) == 16, "SecHandle");
_Static_assert(sizeof(TimeStamp) == 8, "TimeStamp");
_Static_assert(sizeof(SecBuffer) == 16, "SecBuffer");
_Static_assert(offsetof(SecBuffer, BufferType) == 4, "SecBuffer.BufferType");
_Static_assert(offsetof(SecBuffer, pvBuffer) == 8, "SecBuffer.pvBuffer");
_Static_assert(sizeof(SecBufferDesc) == 16, "SecBufferDesc");
_Static_assert(offsetof(SecBufferDesc, cBuffers) == 4, "SecBufferDesc.cBuffers");
_Static_assert(offsetof(SecBufferDesc, pBuffers) == 8, "SecBufferDesc.pBuffers");
_Static_assert(sizeof(SecPkgInfoA) == 32 && sizeof(SecPkgInfoW) == 32, "SecPkgInfo");
_Static_assert(offsetof(SecPkgInfoA, wVersion) == 4 && offsetof(SecPkgInfoA, wRPCID) == 6, "SecPkgInfoA.wVersion/wRPCID");
_Static_assert(offsetof(SecPkgInfoA, cbMaxToken) == 8, "SecPkgInfoA.cbMaxToken");
_Static_assert(offsetof(SecPkgInfoA, Name) == 16 && offsetof(SecPkgInfoA, Comment) == 24, "SecPkgInfoA.Name/Comment");
_Static_assert(offsetof(SecPkgInfoW, Name) == 16 && offsetof(SecPkgInfoW, Comment) == 24, "SecPkgInfoW.Name/Comment");
_Static_assert(sizeof(SCHANNEL_CRED) == 80, "SCHANNEL_CRED");
_Static_assert(offsetof(SCHANNEL_CRED, cCreds) == 4, "SCHANNEL_CRED.cCreds");
_Static_assert(offsetof(SCHANNEL_CRED, paCred) == 8, "SCHANNEL_CRED.paCred");
_Static_assert(offsetof(SCHANNEL_CRED, hRootStore) == 16, "SCHANNEL_CRED.hRootStore");
_Static_assert(offsetof(SCHANNEL_CRED, cMappers) == 24, "SCHANNEL_CRED.cMappers");
_Static_assert(offsetof(SCHANNEL_CRED, aphMappers) == 32, "SCHANNEL_CRED.aphMappers");
_Static_assert(offsetof(SCHANNEL_CRED, cSupportedAlgs) == 40, "SCHANNEL_CRED.cSupportedAlgs");
_Static_assert(offsetof(SCHANNEL_CRED, palgSupportedAlgs) == 48, "SCHANNEL_CRED.palgSupportedAlgs");
_Static_assert(offsetof(SCHANNEL_CRED, grbitEnabledProtocols) == 56, "SCHANNEL_CRED.grbitEnabledProtocols");
_Static_assert(offsetof(SCHANNEL_CRED, dwMinimumCipherStrength) == 60, "SCHANNEL_CRED.dwMinimumCipherStrength");
_Static_assert(offsetof(SCHANNEL_CRED, dwMaximumCipherStrength) == 64, "SCHANNEL_CRED.dwMaximumCipherStrength");
_Static_assert(offsetof(SCHANNEL_CRED, dwSessionLifespan) == 68, "SCHANNEL_CRED.dwSessionLifespan");
_Static_assert(offsetof(SCHANNEL_CRED, dwFlags) == 72, "SCHANNEL_CRED.dwFlags");
_Static_assert(offsetof(SCHANNEL_CRED, dwCredFormat) == 76, "SCHANNEL_CRED.dwCredFormat");
_Static_assert(sizeof(SCH_CREDENTIALS) == 72, "SCH_CREDENTIALS");
_Static_assert(offsetof(SCH_CREDENTIALS, dwCredFormat) == 4, "SCH_CREDENTIALS.dwCredFormat");
_Static_assert(offsetof(SCH_CREDENTIALS, paCred) == 16, "SCH_CREDENTIALS.paCred");
_Static_assert(offsetof(SCH_CREDENTIALS, hRootStore) == 24, "SCH_CREDENTIALS.hRootStore");
_Static_assert(offsetof(SCH_CREDENTIALS, cMappers) == 32, "SCH_CREDENTIALS.cMappers");
_Static_assert(offsetof(SCH_CREDENTIALS, aphMappers) == 40, "SCH_CREDENTIALS.aphMappers");
_Static_assert(offsetof(SCH_CREDENTIALS, dwSessionLifespan) == 48, "SCH_CREDENTIALS.dwSessionLifespan");
_Static_assert(offsetof(SCH_CREDENTIALS, dwFlags) == 52, "SCH_CREDENTIALS.dwFlags");
_Static_assert(offsetof(SCH_CREDENTIALS, cTlsParameters) == 56, "SCH_CREDENTIALS.cTlsParameters");
_Static_assert(offsetof(SCH_CREDENTIALS, pTlsParameters) == 64, "SCH_CREDENTIALS.pTlsParameters");
_Static_assert(sizeof(TLS_PARAMETERS) == 40, "TLS_PARAMETERS");
_Static_assert(offsetof(TLS_PARAMETERS, rgstrAlpnIds) == 8, "TLS_PARAMETERS.rgstrAlpnIds");
_Static_assert(offsetof(TLS_PARAMETERS, grbitDisabledProtocols) == 16, "TLS_PARAMETERS.grbitDisabledProtocols");
_Static_assert(offsetof(TLS_PARAMETERS, cDisabledCrypto) == 20, "TLS_PARAMETERS.cDisabledCrypto");
_Static_assert(offsetof(TLS_PARAMETERS, pDisabledCrypto) == 24, "TLS_PARAMETERS.pDisabledCrypto");
_Static_assert(offsetof(TLS_PARAMETERS, dwFlags) == 32, "TLS_PARAMETERS.dwFlags");
_Static_assert(sizeof(CRYPTO_SETTINGS) == 48, "CRYPTO_SETTINGS");
_Static_assert(sizeof(UNICODE_STRING) == 16 && offsetof(UNICODE_STRING, Buffer) == 8, "UNICODE_STRING");
_Static_assert(sizeof(SecPkgContext_StreamSizes) == 20, "SecPkgContext_StreamSizes");
_Static_assert(offsetof(SecPkgContext_StreamSizes, cbTrailer) == 4, "StreamSizes.cbTrailer");
_Static_assert(offsetof(SecPkgContext_StreamSizes, cbMaximumMessage) == 8, "StreamSizes.cbMaximumMessage");
_Static_assert(offsetof(SecPkgContext_StreamSizes, cBuffers) == 12, "StreamSizes.cBuffers");
_Static_assert(offsetof(SecPkgContext_StreamSizes, cbBlockSize) == 16, "StreamSizes.cbBlockSize");
_Static_assert(sizeof(SecPkgContext_ConnectionInfo) == 28, "SecPkgContext_ConnectionInfo");
_Static_assert(offsetof(SecPkgContext_ConnectionInfo, aiCipher) == 4, "ConnectionInfo.aiCipher");
_Static_assert(offsetof(SecPkgContext_ConnectionInfo, aiHash) == 12, "ConnectionInfo.aiHash");
_Static_assert(offsetof(SecPkgContext_ConnectionInfo, aiExch) == 20, "ConnectionInfo.aiExch");
_Static_assert(offsetof(SecPkgContext_ConnectionInfo, dwExchStrength) == 24, "ConnectionInfo.dwExchStrength");
_Static_assert(sizeof(SecPkgContext_CipherInfo) == 680, "SecPkgContext_CipherInfo");
_Static_assert(offsetof(SecPkgContext_CipherInfo, szCipherSuite) == 16, "CipherInfo.szCipherSuite");
_Static_assert(offsetof(SecPkgContext_CipherInfo, szCipher) == 144, "CipherInfo.szCipher");
_Static_assert(offsetof(SecPkgContext_CipherInfo, dwCipherLen) == 272, "CipherInfo.dwCipherLen");
_Static_assert(offsetof(SecPkgContext_CipherInfo, szHash) == 280, "CipherInfo.szHash");
_Static_assert(offsetof(SecPkgContext_CipherInfo, dwHashLen) == 408, "CipherInfo.dwHashLen");
_Static_assert(offsetof(SecPkgContext_CipherInfo, szExchange) == 412, "CipherInfo.szExchange");
_Static_assert(offsetof(SecPkgContext_CipherInfo, dwMinExchangeLen) == 540, "CipherInfo.dwMinExchangeLen");
_Static_assert(offsetof(SecPkgContext_CipherInfo, szCertificate) == 548, "CipherInfo.szCertificate");
_Static_assert(offsetof(SecPkgContext_CipherInfo, dwKeyType) == 676, "CipherInfo.dwKeyType");
_Static_assert(sizeof(SecPkgContext_SessionInfo) == 40, "SecPkgContext_SessionInfo");
_Static_assert(sizeof(SCHANNEL_ALERT_TOKEN) == 12, "SCHANNEL_ALERT_TOKEN");
_Static_assert(sizeof(SecPkgCred_SupportedProtocols) == 4, "SecPkgCred_SupportedProtocols");
/* CERT_CONTEXT (wincrypt.h): DWORD, BYTE*, DWORD, PCERT_INFO, HCERTSTORE */
_Static_assert(sizeof(CERT_CONTEXT) == 40, "CERT_CONTEXT");
_Static_assert(offsetof(CERT_CONTEXT, pbCertEncoded) == 8, "CERT_CONTEXT.pbCertEncoded");
_Static_assert(offsetof(CERT_CONTEXT, cbCertEncoded) == 16, "CERT_CONTEXT.cbCertEncoded");
_Static_assert(offsetof(CERT_CONTEXT, pCertInfo) == 24, "CERT_CONTEXT.pCertInfo");
_Static_assert(offsetof(CERT_CONTEXT, hCertStore) == 32, "CERT_CONTEXT.hCertStore");
/* Function tables: pointer-sized slots in sspi.h order (sspi-reference.md §1.5). Slots 0-27
 * are the Wine layout (224 bytes); mingw/the SDK add slots 28-31, which this header carries,
 * so the whole table is 32 slots = 256 bytes. */
_Static_assert(offsetof(SecurityFunctionTableA, EnumerateSecurityPackagesA) == 1 * 8, "slot 1");
_Static_assert(offsetof(SecurityFunctionTableA, Reserved2) == 5 * 8, "slot 5");
_Static_assert(offsetof(SecurityFunctionTableA, InitializeSecurityContextA) == 6 * 8, "slot 6");
_Static_assert(offsetof(SecurityFunctionTableA, FreeContextBuffer) == 16 * 8, "slot 16");
_Static_assert(offsetof(SecurityFunctionTableA, Reserved8) == 23 * 8, "slot 23");
_Static_assert(offsetof(SecurityFunctionTableA, EncryptMessage) == 25 * 8, "slot 25");
_Static_assert(offsetof(SecurityFunctionTableA, DecryptMessage) == 26 * 8, "slot 26");
_Static_assert(offsetof(SecurityFunctionTableA, SetContextAttributesA) == 27 * 8, "slot 27");
_Static_assert(offsetof(SecurityFunctionTableA, QueryCredentialsAttributesExA) == 31 * 8, "slot 31");
_Static_assert(sizeof(SecurityFunctionTableA) == 32 * 8, "SecurityFunctionTableA: 32 slots");
_Static_assert(offsetof(SecurityFunctionTableW, EncryptMessage) == 25 * 8, "W slot 25");
_Static_assert(offsetof(SecurityFunctionTableW, SetContextAttributesW) == 27 * 8, "W slot 27");
_Static_assert(sizeof(SecurityFunctionTableW) == 32 * 8, "SecurityFunctionTableW: 32 slots");
#endif
_Static_assert(sizeof(SEC_WCHAR) == 2 && sizeof(WCHAR) == 2, "UTF-16 code units");
_Static_assert(sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(DWORD) == 4 && sizeof(SECURITY_STATUS) == 4, "LLP64 widths");
_Static_assert(sizeof(ULONG_PTR) == sizeof(void *), "ULONG_PTR");

/* ---- status and constant spot checks (winerror.h / sspi.h values) ------------------------ */
static void test_constants(void)
{
    CHECK_EQ((uint32_t)SEC_E_INVALID_HANDLE, 0x80090301u);
    CHECK_EQ((uint32_t)SEC_E_INCOMPLETE_MESSAGE, 0x80090318u);
    CHECK_EQ((uint32_t)SEC_E_DECRYPT_FAILURE, 0x80090330u);
    CHECK_EQ((uint32_t)SEC_E_ALGORITHM_MISMATCH, 0x80090331u);
    CHECK_EQ(SEC_I_CONTINUE_NEEDED, 0x00090312);
    CHECK_EQ(SEC_I_CONTEXT_EXPIRED, 0x00090317);
    CHECK_EQ(SEC_I_RENEGOTIATE, 0x00090321);
    CHECK(strcmp(OpenSchannelStatusName(SEC_E_OK), "SEC_E_OK") == 0);
    CHECK(strcmp(OpenSchannelStatusName(SEC_E_INVALID_TOKEN), "SEC_E_INVALID_TOKEN") == 0);
    CHECK(strcmp(OpenSchannelStatusName(SEC_I_CONTEXT_EXPIRED), "SEC_I_CONTEXT_EXPIRED") == 0);
    CHECK(strcmp(OpenSchannelStatusName(0x12345678), "UNKNOWN_STATUS") == 0);
    CHECK_EQ(UNISP_RPC_ID, 14);
    CHECK_EQ(SECPKG_ATTR_CIPHER_INFO, 0x64);
    CHECK_EQ(SP_PROT_TLS1_0_CLIENT, 0x80);
    CHECK_EQ(SP_PROT_TLS1_0_SERVER, 0x40);
}

static void test_function_table_a(void)
{
    const SecurityFunctionTableA *t = InitSecurityInterfaceA();
    REQUIRE(t != NULL);
    CHECK_EQ(t->dwVersion, SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION);
    CHECK_EQ(t->dwVersion, 1);
    CHECK(t->EnumerateSecurityPackagesA == EnumerateSecurityPackagesA);
    CHECK(t->QueryCredentialsAttributesA == QueryCredentialsAttributesA);
    CHECK(t->AcquireCredentialsHandleA == AcquireCredentialsHandleA);
    CHECK(t->FreeCredentialsHandle == FreeCredentialsHandle);
    CHECK(t->InitializeSecurityContextA == InitializeSecurityContextA);
    CHECK(t->AcceptSecurityContext == AcceptSecurityContext);
    CHECK(t->CompleteAuthToken == CompleteAuthToken);
    CHECK(t->DeleteSecurityContext == DeleteSecurityContext);
    CHECK(t->ApplyControlToken == ApplyControlToken);
    CHECK(t->QueryContextAttributesA == QueryContextAttributesA);
    CHECK(t->ImpersonateSecurityContext == ImpersonateSecurityContext);
    CHECK(t->RevertSecurityContext == RevertSecurityContext);
    CHECK(t->MakeSignature == MakeSignature);
    CHECK(t->VerifySignature == VerifySignature);
    CHECK(t->FreeContextBuffer == FreeContextBuffer);
    CHECK(t->QuerySecurityPackageInfoA == QuerySecurityPackageInfoA);
    CHECK(t->ExportSecurityContext == ExportSecurityContext);
    CHECK(t->ImportSecurityContextA == ImportSecurityContextA);
    CHECK(t->QuerySecurityContextToken == QuerySecurityContextToken);
    CHECK(t->EncryptMessage == EncryptMessage);
    CHECK(t->DecryptMessage == DecryptMessage);
    CHECK(t->SetContextAttributesA == SetContextAttributesA);
    CHECK(t->SetCredentialsAttributesA == SetCredentialsAttributesA);
    /* reserved slots stay NULL so nobody calls through them */
    CHECK(t->Reserved2 == NULL);
    CHECK(t->Reserved3 == NULL);
    CHECK(t->Reserved4 == NULL);
    CHECK(t->Reserved8 == NULL);
    /* the same static table every time */
    CHECK(InitSecurityInterfaceA() == t);
}

static void test_function_table_w(void)
{
    const SecurityFunctionTableW *t = InitSecurityInterfaceW();
    REQUIRE(t != NULL);
    CHECK_EQ(t->dwVersion, 1);
    CHECK(t->EnumerateSecurityPackagesW == EnumerateSecurityPackagesW);
    CHECK(t->QueryCredentialsAttributesW == QueryCredentialsAttributesW);
    CHECK(t->AcquireCredentialsHandleW == AcquireCredentialsHandleW);
    CHECK(t->FreeCredentialsHandle == FreeCredentialsHandle);
    CHECK(t->InitializeSecurityContextW == InitializeSecurityContextW);
    CHECK(t->AcceptSecurityContext == AcceptSecurityContext);
    CHECK(t->CompleteAuthToken == CompleteAuthToken);
    CHECK(t->DeleteSecurityContext == DeleteSecurityContext);
    CHECK(t->ApplyControlToken == ApplyControlToken);
    CHECK(t->QueryContextAttributesW == QueryContextAttributesW);
    CHECK(t->ImpersonateSecurityContext == ImpersonateSecurityContext);
    CHECK(t->RevertSecurityContext == RevertSecurityContext);
    CHECK(t->MakeSignature == MakeSignature);
    CHECK(t->VerifySignature == VerifySignature);
    CHECK(t->FreeContextBuffer == FreeContextBuffer);
    CHECK(t->QuerySecurityPackageInfoW == QuerySecurityPackageInfoW);
    CHECK(t->ExportSecurityContext == ExportSecurityContext);
    CHECK(t->ImportSecurityContextW == ImportSecurityContextW);
    CHECK(t->QuerySecurityContextToken == QuerySecurityContextToken);
    CHECK(t->EncryptMessage == EncryptMessage);
    CHECK(t->DecryptMessage == DecryptMessage);
    CHECK(t->SetContextAttributesW == SetContextAttributesW);
    CHECK(t->SetCredentialsAttributesW == SetCredentialsAttributesW);
    CHECK(t->Reserved2 == NULL);
    CHECK(t->Reserved3 == NULL);
    CHECK(t->Reserved4 == NULL);
    CHECK(t->Reserved8 == NULL);
    CHECK(InitSecurityInterfaceW() == t);
}

/* A handshake through the A table only, as ported code that loads the table does it. */
static void test_handshake_through_table(void)
{
    const SecurityFunctionTableA *t = InitSecurityInterfaceA();
    REQUIRE(t != NULL);
    CredHandle cc;
    REQUIRE_STATUS(t->AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &cc, NULL), SEC_E_OK);
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle ctx;
    ULONG attr = 0;
    CHECK_STATUS(t->InitializeSecurityContextA(&cc, NULL, H_TARGET, H_ISC_REQ, 0, 0, NULL, 0, &ctx, &od, &attr, NULL), SEC_I_CONTINUE_NEEDED);
    CHECK(ob.cbBuffer > 0 && ob.pvBuffer != NULL);
    if (ob.pvBuffer)
        CHECK_STATUS(t->FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    CHECK_STATUS(t->DeleteSecurityContext(&ctx), SEC_E_OK);
    CHECK_STATUS(t->FreeCredentialsHandle(&cc), SEC_E_OK);
}

static void test_enumerate_packages_a(void)
{
    ULONG n = 0;
    PSecPkgInfoA info = NULL;
    REQUIRE_STATUS(EnumerateSecurityPackagesA(&n, &info), SEC_E_OK);
    REQUIRE(info != NULL);
    CHECK(n >= 2);
    int seen_unisp = 0, seen_schannel = 0;
    for (ULONG i = 0; i < n; i++) {
        REQUIRE(info[i].Name != NULL);
        if (strcmp(info[i].Name, UNISP_NAME_A) == 0)
            seen_unisp++;
        if (strcmp(info[i].Name, SCHANNEL_NAME_A) == 0)
            seen_schannel++;
        CHECK_EQ(info[i].wRPCID, UNISP_RPC_ID);
        CHECK(info[i].cbMaxToken > 0);
        CHECK(info[i].Comment != NULL);
        CHECK((info[i].fCapabilities & (SECPKG_FLAG_STREAM | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_CONNECTION)) ==
              (SECPKG_FLAG_STREAM | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_CONNECTION));
    }
    CHECK_EQ(seen_unisp, 1);
    CHECK_EQ(seen_schannel, 1);
    CHECK_STATUS(FreeContextBuffer(info), SEC_E_OK); /* one block */
}

static void test_enumerate_packages_w(void)
{
    ULONG n = 0;
    PSecPkgInfoW info = NULL;
    REQUIRE_STATUS(EnumerateSecurityPackagesW(&n, &info), SEC_E_OK);
    REQUIRE(info != NULL);
    CHECK(n >= 2);
    int seen_unisp = 0, seen_schannel = 0;
    for (ULONG i = 0; i < n; i++) {
        REQUIRE(info[i].Name != NULL);
        if (h_wcs_eq_ascii(info[i].Name, UNISP_NAME_A))
            seen_unisp++;
        if (h_wcs_eq_ascii(info[i].Name, SCHANNEL_NAME_A))
            seen_schannel++;
        CHECK_EQ(info[i].wRPCID, UNISP_RPC_ID);
    }
    CHECK_EQ(seen_unisp, 1);
    CHECK_EQ(seen_schannel, 1);
    CHECK_STATUS(FreeContextBuffer(info), SEC_E_OK);
}

static void test_query_package_info(void)
{
    PSecPkgInfoA a = NULL;
    REQUIRE_STATUS(QuerySecurityPackageInfoA(SCHANNEL_NAME_A, &a), SEC_E_OK);
    REQUIRE(a != NULL);
    CHECK(a->Name != NULL && strcmp(a->Name, SCHANNEL_NAME_A) == 0);
    CHECK_EQ(a->wRPCID, UNISP_RPC_ID);
    CHECK(a->cbMaxToken > 0);
    CHECK_STATUS(FreeContextBuffer(a), SEC_E_OK);

    a = NULL;
    CHECK_STATUS(QuerySecurityPackageInfoA(UNISP_NAME_A, &a), SEC_E_OK);
    if (a) {
        CHECK(a->Name != NULL && strcmp(a->Name, UNISP_NAME_A) == 0);
        CHECK_EQ(a->wRPCID, UNISP_RPC_ID);
        CHECK_STATUS(FreeContextBuffer(a), SEC_E_OK);
    }

    a = NULL;
    CHECK_STATUS(QuerySecurityPackageInfoA("NoSuchPackage", &a), SEC_E_SECPKG_NOT_FOUND);
    CHECK(a == NULL);

    PSecPkgInfoW w = NULL;
    CHECK_STATUS(QuerySecurityPackageInfoW((SEC_WCHAR *)u"Schannel", &w), SEC_E_OK);
    if (w) {
        CHECK(w->Name != NULL && h_wcs_eq_ascii(w->Name, "Schannel"));
        CHECK_EQ(w->wRPCID, UNISP_RPC_ID);
        CHECK_STATUS(FreeContextBuffer(w), SEC_E_OK);
    }
    w = NULL;
    CHECK_STATUS(QuerySecurityPackageInfoW((SEC_WCHAR *)u"NoSuchPackage", &w), SEC_E_SECPKG_NOT_FOUND);
    CHECK(w == NULL);
}

static void test_unsupported_functions(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    uint8_t data[16] = {0};
    SecBuffer b[2] = {{sizeof data, SECBUFFER_DATA, data}, {0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    CHECK_STATUS(MakeSignature(&p.cctx, 0, &d, 0), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(VerifySignature(&p.cctx, &d, 0, &qop), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(ImpersonateSecurityContext(&p.sctx), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(RevertSecurityContext(&p.sctx), SEC_E_UNSUPPORTED_FUNCTION);
    SecBuffer packed = {0, SECBUFFER_EMPTY, NULL};
    void *token = NULL;
    CHECK_STATUS(ExportSecurityContext(&p.cctx, 0, &packed, &token), SEC_E_UNSUPPORTED_FUNCTION);
    CtxtHandle imported;
    CHECK_STATUS(ImportSecurityContextA(UNISP_NAME_A, &packed, NULL, &imported), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(ImportSecurityContextW((void *)UNISP_NAME_W, &packed, NULL, &imported), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(QuerySecurityContextToken(&p.sctx, &token), SEC_E_UNSUPPORTED_FUNCTION);
    DWORD v = 0;
    CHECK_STATUS(SetContextAttributesA(&p.cctx, SECPKG_ATTR_APP_DATA, &v, sizeof v), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(SetContextAttributesW(&p.cctx, SECPKG_ATTR_APP_DATA, &v, sizeof v), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(SetCredentialsAttributesA(&p.ccred, SECPKG_CRED_ATTR_NAMES, &v, sizeof v), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_STATUS(SetCredentialsAttributesW(&p.ccred, SECPKG_CRED_ATTR_NAMES, &v, sizeof v), SEC_E_UNSUPPORTED_FUNCTION);
    /* sspi-surface.md: NEGOTIATION_INFO is SEC_E_UNSUPPORTED_FUNCTION for Schannel */
    uint8_t any[64];
    CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_NEGOTIATION_INFO, any), SEC_E_UNSUPPORTED_FUNCTION);
    /* the context is unaffected */
    const uint8_t msg[] = "unsupported calls";
    h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "after unsupported calls");
    h_pair_free(&p);
}

static void test_complete_auth_token(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    SecBuffer b = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    CHECK_STATUS(CompleteAuthToken(&p.cctx, &d), SEC_E_OK);
    CHECK_STATUS(CompleteAuthToken(&p.sctx, &d), SEC_E_OK);
    h_pair_free(&p);
}

/* The public header carries Windows SSPI names and OpenSchannel-prefixed extensions only:
 * a generic macro such as DEFAULT_CAPACITY collides with application code. */
static void test_header_namespace(void)
{
#ifdef DEFAULT_CAPACITY
    CHECK(0 && "include/openschannel.h defines DEFAULT_CAPACITY");
#else
    CHECK(1);
#endif
#ifdef DEFAULT_LIFETIME_SECS
    CHECK(0 && "include/openschannel.h defines DEFAULT_LIFETIME_SECS");
#else
    CHECK(1);
#endif
}

TEST_MAIN(test_constants, test_header_namespace, test_function_table_a, test_function_table_w, test_handshake_through_table, test_enumerate_packages_a,
          test_enumerate_packages_w, test_query_package_info, test_unsupported_functions, test_complete_auth_token)
