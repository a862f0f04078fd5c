/* Compile-only check of the Windows-named headers (include/security.h, sspi.h, schannel.h,
 * wincrypt.h): built by `make -C c-tests/compat headers` as C99, C11 and C++17, with and
 * without UNICODE and -fshort-wchar, -Wall -Wextra -Werror. Every Windows name a ported
 * program typically uses appears once. It also runs: the A/W selections must land on the
 * functions the SDK would pick. */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#define SECURITY_WIN32
#include <wincrypt.h>
#include <schannel.h>
#include <security.h>
#include <sspi.h>

#if defined(__cplusplus)
#define STATIC_ASSERT(c, m) static_assert(c, #m)
#elif __STDC_VERSION__ >= 201112L
#define STATIC_ASSERT(c, m) _Static_assert(c, #m)
#else
#define STATIC_ASSERT(c, m) typedef char static_assert_##m[(c) ? 1 : -1]
#endif

STATIC_ASSERT(sizeof(DWORD) == 4, dword);
STATIC_ASSERT(sizeof(ULONG) == 4, ulong);
STATIC_ASSERT(sizeof(LONG) == 4, long_);
STATIC_ASSERT(sizeof(WORD) == 2, word);
STATIC_ASSERT(sizeof(ULONG_PTR) == sizeof(void *), ulong_ptr);
STATIC_ASSERT(sizeof(INT_PTR) == sizeof(void *), int_ptr);
STATIC_ASSERT(sizeof(SECURITY_STATUS) == 4, status);
STATIC_ASSERT(sizeof(ALG_ID) == 4, alg_id);
STATIC_ASSERT(sizeof(WCHAR) == 2, wchar);
STATIC_ASSERT(sizeof(SEC_WCHAR) == 2, sec_wchar);
STATIC_ASSERT(sizeof(SecBuffer) == 16, secbuffer);
STATIC_ASSERT(sizeof(SecHandle) == 16, sechandle);
STATIC_ASSERT(SEC_E_OK == 0, sec_e_ok);

static int failures;
#define CHECK(c)                                                     \
    do {                                                             \
        if (!(c)) {                                                  \
            fprintf(stderr, "headers: check failed: %s\n", #c);      \
            failures++;                                              \
        }                                                            \
    } while (0)

int main(void) {
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp ts;
    SecBuffer buf[2];
    SecBufferDesc desc;
    SCHANNEL_CRED sc;
    PSCHANNEL_CRED psc = &sc;
    SCH_CREDENTIALS sch;
    TLS_PARAMETERS tp;
    SecPkgContext_StreamSizes sizes;
    PSecPkgContext_StreamSizes psizes = &sizes;
    SecPkgContext_ConnectionInfo ci;
    SecPkgContext_Names names;
    PSecPkgContext_KeyInfo pki = NULL;
    PSecPkgInfo info = NULL;
    PSecurityFunctionTable table;
    INIT_SECURITY_INTERFACE init = InitSecurityInterface;
    ACQUIRE_CREDENTIALS_HANDLE_FN acquire;
    INITIALIZE_SECURITY_CONTEXT_FN isc;
    HCERTSTORE store = NULL;
    PCCERT_CONTEXT cert = NULL;
    PCERT_CONTEXT mcert = NULL;
    CRYPT_DATA_BLOB blob;
    LPSTR s = NULL;
    LPCSTR cs = "x";
    LPWSTR ws = NULL;
    LPCWSTR cws = NULL;
    PVOID pv = NULL;
    PBYTE pb = NULL;
    HCRYPTPROV prov = 0;
    SECURITY_PSTR ps = NULL;
    ULONG attrs = 0;
    SECURITY_STATUS st;
    char pkg[] = UNISP_NAME_A;

    memset(&sc, 0, sizeof sc);
    memset(&sch, 0, sizeof sch);
    memset(&tp, 0, sizeof tp);
    memset(&ci, 0, sizeof ci);
    memset(&names, 0, sizeof names);
    memset(&blob, 0, sizeof blob);
    psc->dwVersion = SCHANNEL_CRED_VERSION;
    psc->grbitEnabledProtocols = SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_1_CLIENT;
    psc->dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION;
    sch.dwVersion = SCH_CREDENTIALS_VERSION;
    sch.cTlsParameters = 1;
    sch.pTlsParameters = &tp;
    (void)psizes;
    (void)pki;
    (void)mcert;
    (void)s;
    (void)cs;
    (void)ws;
    (void)cws;
    (void)pv;
    (void)pb;
    (void)prov;
    (void)ps;
    (void)store;
    (void)cert;

    SecInvalidateHandle(&cred);
    SecInvalidateHandle(&ctx);
    CHECK(!SecIsValidHandle(&cred));
    CHECK(SEC_SUCCESS(SEC_I_CONTINUE_NEEDED));
    CHECK(!SEC_SUCCESS(SEC_E_INCOMPLETE_MESSAGE));

    table = init();
    CHECK(table != NULL);
    CHECK(table->dwVersion == SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION ||
          table->dwVersion != 0);
    acquire = table->AcquireCredentialsHandle;
    isc = table->InitializeSecurityContext;
    CHECK(acquire == AcquireCredentialsHandle);
    CHECK(isc == InitializeSecurityContext);
    CHECK(table->EncryptMessage == EncryptMessage);
    CHECK(table->DecryptMessage == DecryptMessage);

    /* The A package name works with either selection (the W name needs u"" or -fshort-wchar L""). */
    st = AcquireCredentialsHandleA(NULL, pkg, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &cred, &ts);
    CHECK(st == SEC_E_OK);
    CHECK(SecIsValidHandle(&cred));
    st = QuerySecurityPackageInfoA(pkg, (PSecPkgInfoA *)&info);
    CHECK(st == SEC_E_OK);
    if (st == SEC_E_OK) {
        CHECK(((PSecPkgInfoA)info)->wRPCID == UNISP_RPC_ID);
        FreeContextBuffer(info);
    }
    buf[0].BufferType = SECBUFFER_TOKEN;
    buf[0].cbBuffer = 0;
    buf[0].pvBuffer = NULL;
    buf[1].BufferType = SECBUFFER_EMPTY;
    buf[1].cbBuffer = 0;
    buf[1].pvBuffer = NULL;
    desc.ulVersion = SECBUFFER_VERSION;
    desc.cBuffers = 1;
    desc.pBuffers = buf;
    st = InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"localhost",
                                    ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM | ISC_REQ_CONFIDENTIALITY,
                                    0, SECURITY_NATIVE_DREP, NULL, 0, &ctx, &desc, &attrs, &ts);
    CHECK(st == SEC_I_CONTINUE_NEEDED);
    CHECK(buf[0].cbBuffer > 0);
    if (buf[0].pvBuffer)
        FreeContextBuffer(buf[0].pvBuffer);
    CHECK(QueryContextAttributes(&ctx, SECPKG_ATTR_STREAM_SIZES, &sizes) != SEC_E_OK);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);

    store = CertOpenStore(CERT_STORE_PROV_MEMORY, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, 0, NULL);
    CHECK(store != NULL);
    cert = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_ANY, NULL, NULL);
    CHECK(cert == NULL && GetLastError() == (DWORD)CRYPT_E_NOT_FOUND);
    CHECK(CertCloseStore(store, 0) == TRUE);

#if defined(UNICODE) && (defined(__cplusplus) || __STDC_VERSION__ >= 201112L)
    /* UTF-16 literals (u"") need C11 or C++11; C99 callers build SEC_WCHAR arrays. */
    CHECK(sizeof(UNISP_NAME[0]) == 2);
#elif defined(UNICODE)
#else
    CHECK(strcmp(UNISP_NAME, "Microsoft Unified Security Protocol Provider") == 0);
#endif
    if (failures == 0)
        printf("headers: ok\n");
    return failures != 0;
}
