/*
 * t_handles.c: invalid handles (NULL, zero, forged, stale, wrong kind) on every call that takes
 * one (the project's OpenSchannel* setters too), descriptor validation of EncryptMessage/DecryptMessage,
 * AcquireCredentialsHandle, and the project exports' argument checks.
 */
#include "harness.h"

static const uint8_t some_bytes[16] = {0x16, 0x03, 0x01, 0x00, 0x0b};

/* Every context-taking call on `h` answers SEC_E_INVALID_HANDLE. */
static void expect_bad_context(h_pair *p, CtxtHandle *h, const char *what)
{
    unsigned long f0 = h_failed;
    uint8_t inbytes[16];
    memcpy(inbytes, some_bytes, sizeof inbytes);
    SecBuffer ib[2] = {{sizeof inbytes, SECBUFFER_TOKEN, inbytes}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle newh = H_SENTINEL;
    ULONG attr = 0;

    if (h) {
        /* continuation calls (a NULL phContext is a first call, checked separately) */
        CHECK_STATUS(InitializeSecurityContextA(&p->ccred, h, H_TARGET, H_ISC_REQ, 0, 0, &id, 0, &newh, &od, &attr, NULL),
                     SEC_E_INVALID_HANDLE);
        CHECK(ob.pvBuffer == NULL && ob.cbBuffer == 0);
        CHECK_STATUS(AcceptSecurityContext(&p->scred, h, &id, H_ASC_REQ, 0, &newh, &od, &attr, NULL), SEC_E_INVALID_HANDLE);
        CHECK(ob.pvBuffer == NULL && ob.cbBuffer == 0);
        CHECK(h_is_sentinel(&newh));
    }

    uint8_t buf[5 + 4 + 64];
    memset(buf, 0, sizeof buf);
    SecBuffer eb[4] = {{5, SECBUFFER_STREAM_HEADER, buf}, {4, SECBUFFER_DATA, buf + 5}, {64, SECBUFFER_STREAM_TRAILER, buf + 9}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 4, eb};
    CHECK_STATUS(EncryptMessage(h, 0, &ed, 0), SEC_E_INVALID_HANDLE);

    uint8_t rec[32] = {0x17, 0x03, 0x01, 0x00, 0x1b};
    SecBuffer db[4] = {{sizeof rec, SECBUFFER_DATA, rec}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc dd = {SECBUFFER_VERSION, 4, db};
    CHECK_STATUS(DecryptMessage(h, &dd, 0, NULL), SEC_E_INVALID_HANDLE);

    SecPkgContext_StreamSizes sz;
    CHECK_STATUS(QueryContextAttributesA(h, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(QueryContextAttributesW(h, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_INVALID_HANDLE);
    PCCERT_CONTEXT cert = NULL;
    CHECK_STATUS(QueryContextAttributesA(h, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&cert), SEC_E_INVALID_HANDLE);
    CHECK(cert == NULL);

    DWORD shut = SCHANNEL_SHUTDOWN;
    SecBuffer tb = {sizeof shut, SECBUFFER_TOKEN, &shut};
    SecBufferDesc td = {SECBUFFER_VERSION, 1, &tb};
    CHECK_STATUS(ApplyControlToken(h, &td), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(DeleteSecurityContext(h), SEC_E_INVALID_HANDLE);
    if (h_failed != f0)
        fprintf(stderr, "    (context handle case: %s)\n", what);
}

/* Every credential-taking call on `h` answers SEC_E_INVALID_HANDLE. */
static void expect_bad_credential(CredHandle *h, const char *what)
{
    unsigned long f0 = h_failed;
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle newh = H_SENTINEL;
    ULONG attr = 0;
    /* first ISC/ASC calls use the credential */
    CHECK_STATUS(InitializeSecurityContextA(h, NULL, H_TARGET, H_ISC_REQ, 0, 0, NULL, 0, &newh, &od, &attr, NULL), SEC_E_INVALID_HANDLE);
    CHECK(h_is_sentinel(&newh));
    CHECK(ob.pvBuffer == NULL);
    uint8_t inbytes[16];
    memcpy(inbytes, some_bytes, sizeof inbytes);
    SecBuffer ib[2] = {{sizeof inbytes, SECBUFFER_TOKEN, inbytes}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    CHECK_STATUS(AcceptSecurityContext(h, NULL, &id, H_ASC_REQ, 0, &newh, &od, &attr, NULL), SEC_E_INVALID_HANDLE);
    CHECK(h_is_sentinel(&newh));
    SecPkgCred_SupportedProtocols sp;
    CHECK_STATUS(QueryCredentialsAttributesA(h, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(QueryCredentialsAttributesW(h, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_INVALID_HANDLE);
    /* the project's credential setters check the handle before their arguments */
    const uint16_t suite = 0x002f;
    const uint32_t kind = 0x010080;
    CHECK_STATUS(OpenSchannelSetCipherSuites(h, &suite, 1), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetCipherSuites(h, NULL, 0), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetSsl2CipherKinds(h, &kind, 1), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetRecordSplitting(h, FALSE), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetFallbackScsv(h, TRUE), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetRenegotiation(h, OPENSCHANNEL_RENEGOTIATION_REFUSE), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetRenegotiation(h, 99), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetEncryptThenMac(h, FALSE), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelSetSessionTickets(h, FALSE), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelRequireClientCertificate(h, TRUE), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelAddCrlFile(h, "src/x509/testdata/pki/crl"), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelAddCrlFile(h, NULL), SEC_E_INVALID_HANDLE);
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    CHECK(cert != NULL);
    CHECK_STATUS(OpenSchannelAddServerCertificate(h, cert), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(OpenSchannelAddServerCertificate(h, NULL), SEC_E_INVALID_HANDLE);
    if (cert)
        CertFreeCertificateContext(cert);
    CHECK_STATUS(FreeCredentialsHandle(h), SEC_E_INVALID_HANDLE);
    if (h_failed != f0)
        fprintf(stderr, "    (credential handle case: %s)\n", what);
}

static void test_null_zero_forged_context_handles(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    expect_bad_context(&p, NULL, "NULL");
    CtxtHandle zero = {0, 0};
    expect_bad_context(&p, &zero, "zero");
    CtxtHandle forged = {(ULONG_PTR)0xdeadbeef, (ULONG_PTR)0xcafebabe};
    expect_bad_context(&p, &forged, "0xdeadbeef/0xcafebabe");
    CtxtHandle ones = H_SENTINEL;
    expect_bad_context(&p, &ones, "all ones");
    /* a live handle with one half changed */
    CtxtHandle near1 = {p.cctx.dwLower + 1000, p.cctx.dwUpper};
    expect_bad_context(&p, &near1, "live dwLower + 1000");
    CtxtHandle near2 = {p.cctx.dwLower, p.cctx.dwUpper ^ 0x100};
    expect_bad_context(&p, &near2, "live dwUpper ^ 0x100");
    /* the real contexts were not disturbed */
    const uint8_t msg[] = "still fine";
    h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "after forged handles");
    h_pair_free(&p);
}

/* A live handle whose dwUpper differs only in its top 24 bits (bit 40 and up) is a different,
 * forged handle: it must not reach (or delete) the live context / credential. */
static void test_forged_handle_high_bits(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    for (int bit = 32; bit < 64; bit += 8) {
        CtxtHandle forged = {p.cctx.dwLower, p.cctx.dwUpper ^ ((ULONG_PTR)1 << bit)};
        SecPkgContext_StreamSizes sz;
        SECURITY_STATUS st = QueryContextAttributesA(&forged, SECPKG_ATTR_STREAM_SIZES, &sz);
        CHECK_STATUS(st, SEC_E_INVALID_HANDLE);
        if (st != SEC_E_INVALID_HANDLE)
            fprintf(stderr, "    (dwUpper ^ 2^%d accepted as the live client context)\n", bit);
    }
    CtxtHandle forged = {p.cctx.dwLower, p.cctx.dwUpper ^ ((ULONG_PTR)1 << 40)};
    CHECK_STATUS(DeleteSecurityContext(&forged), SEC_E_INVALID_HANDLE);
    /* the live context must still exist */
    CHECK_STATUS(DeleteSecurityContext(&p.cctx), SEC_E_OK);
    p.have_cctx = 0;

    CredHandle fc = {p.ccred.dwLower, p.ccred.dwUpper ^ ((ULONG_PTR)1 << 40)};
    CHECK_STATUS(FreeCredentialsHandle(&fc), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(FreeCredentialsHandle(&p.ccred), SEC_E_OK);
    p.have_ccred = 0;
    h_pair_free(&p);
}

static void test_null_first_calls(void)
{
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle newh = H_SENTINEL;
    ULONG attr = 0;
    CHECK_STATUS(InitializeSecurityContextA(NULL, NULL, H_TARGET, H_ISC_REQ, 0, 0, NULL, 0, &newh, &od, &attr, NULL), SEC_E_INVALID_HANDLE);
    CHECK(h_is_sentinel(&newh));
    uint8_t inbytes[16];
    memcpy(inbytes, some_bytes, sizeof inbytes);
    SecBuffer ib[2] = {{sizeof inbytes, SECBUFFER_TOKEN, inbytes}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    CHECK_STATUS(AcceptSecurityContext(NULL, NULL, &id, H_ASC_REQ, 0, &newh, &od, &attr, NULL), SEC_E_INVALID_HANDLE);
    CHECK(h_is_sentinel(&newh));
    CHECK_STATUS(FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
    SecPkgCred_SupportedProtocols sp;
    CHECK_STATUS(QueryCredentialsAttributesA(NULL, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_INVALID_HANDLE);
}

static void test_bad_credential_handles(void)
{
    expect_bad_credential(NULL, "NULL");
    CredHandle zero = {0, 0};
    expect_bad_credential(&zero, "zero");
    CredHandle forged = {(ULONG_PTR)0x1234, (ULONG_PTR)0x5678};
    expect_bad_credential(&forged, "forged");
    CredHandle live;
    REQUIRE_STATUS(h_client_cred(&live, 0), SEC_E_OK);
    CredHandle near = {live.dwLower + 77, live.dwUpper};
    expect_bad_credential(&near, "live dwLower + 77");
    CHECK_STATUS(FreeCredentialsHandle(&live), SEC_E_OK);
    expect_bad_credential(&live, "stale client credential");
}

static void test_stale_context_handles(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    CtxtHandle c = p.cctx, s = p.sctx;
    CHECK_STATUS(DeleteSecurityContext(&p.cctx), SEC_E_OK);
    CHECK_STATUS(DeleteSecurityContext(&p.sctx), SEC_E_OK);
    p.have_cctx = p.have_sctx = 0;
    expect_bad_context(&p, &c, "deleted client context");
    expect_bad_context(&p, &s, "deleted server context");
    /* a new context may reuse the slot; the old handle must still be refused */
    h_pair q;
    if (h_pair_connect(&q, 0)) {
        expect_bad_context(&q, &c, "deleted client context after new contexts");
        expect_bad_context(&q, &s, "deleted server context after new contexts");
        const uint8_t msg[] = "new pair";
        h_roundtrip(&q.cctx, &q.sctx, msg, sizeof msg - 1, "new pair works");
    }
    h_pair_free(&q);
    h_pair_free(&p);
}

static void test_stale_credential_handles(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    CredHandle cc = p.ccred, sc = p.scred;
    CHECK_STATUS(FreeCredentialsHandle(&p.ccred), SEC_E_OK);
    CHECK_STATUS(FreeCredentialsHandle(&p.scred), SEC_E_OK);
    p.have_ccred = p.have_scred = 0;
    expect_bad_credential(&cc, "freed client credential");
    expect_bad_credential(&sc, "freed server credential");
    /* contexts made from the credentials keep working (header: they hold a reference) */
    const uint8_t msg[] = "creds gone";
    h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "client->server after FreeCredentialsHandle");
    h_roundtrip(&p.sctx, &p.cctx, msg, sizeof msg - 1, "server->client after FreeCredentialsHandle");
    h_pair_free(&p);
}

/* Handles of the wrong kind or role. */
static void test_wrong_kind_handles(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    /* a credential handle used as a context handle */
    CredHandle cc = p.ccred;
    expect_bad_context(&p, &cc, "client credential as context");
    CredHandle sc = p.scred;
    expect_bad_context(&p, &sc, "server credential as context");
    /* a context handle used as a credential handle */
    CtxtHandle c = p.cctx;
    SecPkgCred_SupportedProtocols sp;
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_INVALID_HANDLE);
    /* the client context continued by AcceptSecurityContext, the server one by ISC */
    uint8_t inbytes[16];
    memcpy(inbytes, some_bytes, sizeof inbytes);
    SecBuffer ib[2] = {{sizeof inbytes, SECBUFFER_TOKEN, inbytes}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    CHECK_STATUS(AcceptSecurityContext(&p.scred, &p.cctx, &id, H_ASC_REQ, 0, &p.cctx, &od, &attr, NULL), SEC_E_INVALID_HANDLE);
    CHECK_STATUS(InitializeSecurityContextA(&p.ccred, &p.sctx, H_TARGET, H_ISC_REQ, 0, 0, &id, 0, &p.sctx, &od, &attr, NULL),
                 SEC_E_INVALID_HANDLE);
    /* a server credential cannot start a client context and vice versa */
    CtxtHandle newh = H_SENTINEL;
    CHECK(InitializeSecurityContextA(&p.scred, NULL, H_TARGET, H_ISC_REQ, 0, 0, NULL, 0, &newh, &od, &attr, NULL) < 0);
    CHECK(h_is_sentinel(&newh));
    /* the real handles still work */
    const uint8_t msg[] = "kinds";
    h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "after wrong-kind calls");
    h_pair_free(&p);
}

/* Encrypt/DecryptMessage descriptor validation on a live context. */
static void test_message_descriptors(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    uint8_t buf[5 + 4 + 128];
    memset(buf, 0, sizeof buf);
    SecBuffer eb[4] = {{5, SECBUFFER_STREAM_HEADER, buf}, {4, SECBUFFER_DATA, buf + 5}, {128, SECBUFFER_STREAM_TRAILER, buf + 9}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 4, eb};

    CHECK_STATUS(EncryptMessage(&p.cctx, 0, NULL, 0), SEC_E_INVALID_TOKEN);
    ed.cBuffers = 0;
    CHECK_STATUS(EncryptMessage(&p.cctx, 0, &ed, 0), SEC_E_INVALID_TOKEN);
    ed.cBuffers = 4;
    ed.ulVersion = 1;
    CHECK_STATUS(EncryptMessage(&p.cctx, 0, &ed, 0), SEC_E_INVALID_TOKEN);
    ed.ulVersion = SECBUFFER_VERSION;

    /* a real record for DecryptMessage */
    hbuf wire = {0};
    REQUIRE_STATUS(h_encrypt(&p.sctx, "x", 1, &wire), SEC_E_OK);
    uint8_t *rec = malloc(wire.len);
    memcpy(rec, wire.p, wire.len);
    SecBuffer db[4] = {{(ULONG)wire.len, SECBUFFER_DATA, rec}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc dd = {SECBUFFER_VERSION, 4, db};

    CHECK_STATUS(DecryptMessage(&p.cctx, NULL, 0, NULL), SEC_E_INVALID_TOKEN);
    dd.cBuffers = 0;
    CHECK_STATUS(DecryptMessage(&p.cctx, &dd, 0, NULL), SEC_E_INVALID_TOKEN);
    dd.cBuffers = 4;
    dd.ulVersion = 1;
    CHECK_STATUS(DecryptMessage(&p.cctx, &dd, 0, NULL), SEC_E_INVALID_TOKEN);
    dd.ulVersion = SECBUFFER_VERSION;
    dd.cBuffers = 2;
    CHECK_STATUS(DecryptMessage(&p.cctx, &dd, 0, NULL), SEC_E_INVALID_TOKEN);
    dd.cBuffers = 4;
    /* two DATA buffers */
    db[1].BufferType = SECBUFFER_DATA;
    db[1].cbBuffer = (ULONG)wire.len;
    db[1].pvBuffer = rec;
    CHECK_STATUS(DecryptMessage(&p.cctx, &dd, 0, NULL), SEC_E_INVALID_TOKEN);
    /* DATA with an EXTRA buffer as input */
    db[1].BufferType = SECBUFFER_EXTRA;
    CHECK_STATUS(DecryptMessage(&p.cctx, &dd, 0, NULL), SEC_E_INVALID_TOKEN);
    /* no DATA buffer at all */
    db[0].BufferType = SECBUFFER_EMPTY;
    db[1].BufferType = SECBUFFER_EMPTY;
    db[1].cbBuffer = 0;
    db[1].pvBuffer = NULL;
    CHECK_STATUS(DecryptMessage(&p.cctx, &dd, 0, NULL), SEC_E_INVALID_TOKEN);

    /* nothing was consumed by the refused calls: the record still opens */
    CHECK(memcmp(rec, wire.p, wire.len) == 0);
    hbuf plain = {0};
    int n = 0;
    CHECK_STATUS(h_decrypt_all(&p.cctx, rec, wire.len, &plain, &n), SEC_E_OK);
    CHECK(plain.len == 1 && plain.p[0] == 'x');
    free(rec);
    hbuf_free(&wire);
    hbuf_free(&plain);
    h_pair_free(&p);
}

static SECURITY_STATUS acquire(const char *pkg, ULONG use, void *auth, CredHandle *out)
{
    CredHandle h = H_SENTINEL;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, use, NULL, auth, NULL, NULL, &h, NULL);
    if (st == SEC_E_OK) {
        if (out)
            *out = h;
        else
            CHECK_STATUS(FreeCredentialsHandle(&h), SEC_E_OK);
    } else {
        CHECK(h_is_sentinel(&h)); /* no handle written on failure */
    }
    return st;
}

static void test_acquire_credentials_errors(void)
{
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;

    CHECK_STATUS(acquire("NoSuchPackage", SECPKG_CRED_OUTBOUND, &sc, NULL), SEC_E_SECPKG_NOT_FOUND);
    CHECK_STATUS(acquire("Kerberos", SECPKG_CRED_OUTBOUND, NULL, NULL), SEC_E_SECPKG_NOT_FOUND);
    CHECK_STATUS(acquire(UNISP_NAME_A, 0, &sc, NULL), SEC_E_NO_CREDENTIALS);

    SCHANNEL_CRED v3 = sc;
    v3.dwVersion = 3;
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, &v3, NULL), SEC_E_UNKNOWN_CREDENTIALS);

    /* server without a certificate */
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_INBOUND, &sc, NULL), SEC_E_NO_CREDENTIALS);
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, NULL), SEC_E_NO_CREDENTIALS);

    /* server with two certificates */
    PCCERT_CONTEXT certs[2];
    certs[0] = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    certs[1] = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    REQUIRE(certs[0] != NULL && certs[1] != NULL);
    SCHANNEL_CRED two = sc;
    two.cCreds = 2;
    two.paCred = certs;
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_INBOUND, &two, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    /* one certificate: fine */
    SCHANNEL_CRED one = sc;
    one.cCreds = 1;
    one.paCred = certs;
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_INBOUND, &one, NULL), SEC_E_OK);
    /* cCreds 1 with a NULL array */
    one.paCred = NULL;
    CHECK(acquire(UNISP_NAME_A, SECPKG_CRED_INBOUND, &one, NULL) < 0);
    CHECK(CertFreeCertificateContext(certs[0]) == TRUE);
    CHECK(CertFreeCertificateContext(certs[1]) == TRUE);

    /* protocol bits of the wrong role */
    SCHANNEL_CRED srv_bits = sc;
    srv_bits.grbitEnabledProtocols = SP_PROT_TLS1_0_SERVER;
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, &srv_bits, NULL), SEC_E_ALGORITHM_MISMATCH);

    /* client with no auth data at all, or an empty SCHANNEL_CRED */
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, NULL), SEC_E_OK);
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, &sc, NULL), SEC_E_OK);
}

static void test_query_credentials_attributes(void)
{
    CredHandle c;
    REQUIRE_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &c), SEC_E_OK);
    SecPkgCred_SupportedProtocols sp = {0xFFFFFFFFu};
    /* the defaults (grbitEnabledProtocols = 0): TLS 1.2 down to TLS 1.0 */
    const DWORD defaults = SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_1_CLIENT | SP_PROT_TLS1_0_CLIENT;
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol, defaults);
    sp.grbitProtocol = 0xFFFFFFFFu;
    CHECK_STATUS(QueryCredentialsAttributesW(&c, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol, defaults);
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_PROTOCOLS, NULL), SEC_E_INTERNAL_ERROR);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);

    /* the explicit TLS 1.0 client bit is reported back exactly */
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = SP_PROT_TLS1_0_CLIENT;
    REQUIRE_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, &sc, &c), SEC_E_OK);
    sp.grbitProtocol = 0;
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol, SP_PROT_TLS1_0_CLIENT);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);

    /* a server credential reports server bits: the harness's TLS 1.0, then the defaults */
    REQUIRE_STATUS(h_server_cred(&c, 0), SEC_E_OK);
    sp.grbitProtocol = 0;
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol, SP_PROT_TLS1_0_SERVER);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);
    h_server_protocols = 0;
    REQUIRE_STATUS(h_server_cred(&c, 0), SEC_E_OK);
    h_server_protocols = SP_PROT_TLS1_0_SERVER;
    sp.grbitProtocol = 0;
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol, SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_1_SERVER | SP_PROT_TLS1_0_SERVER);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);
}

static int has_alg(const SecPkgCred_SupportedAlgs *a, ALG_ID id)
{
    for (DWORD i = 0; i < a->cSupportedAlgs; i++)
        if (a->palgSupportedAlgs[i] == id)
            return 1;
    return 0;
}

/* SUPPORTED_ALGS and CIPHER_STRENGTHS report what the credential really enables (issue 3). */
static void test_supported_algs_and_strengths(void)
{
    CredHandle c;
    SecPkgCred_SupportedAlgs algs = {0, NULL};
    SecPkgCred_CipherStrengths cs = {0, 0};
    REQUIRE_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &c), SEC_E_OK);
    REQUIRE_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_ALGS, &algs), SEC_E_OK);
    CHECK(algs.cSupportedAlgs > 0 && algs.palgSupportedAlgs != NULL);
    CHECK(has_alg(&algs, CALG_AES_128) && has_alg(&algs, CALG_AES_256) && has_alg(&algs, CALG_3DES));
    CHECK(has_alg(&algs, CALG_SHA1) && has_alg(&algs, CALG_RSA_KEYX) && has_alg(&algs, CALG_ECDH_EPHEM));
    /* nothing weak is enabled by default */
    CHECK(!has_alg(&algs, CALG_RC4) && !has_alg(&algs, CALG_DES) && !has_alg(&algs, CALG_NULLCIPHER) && !has_alg(&algs, CALG_MD5));
    CHECK_STATUS(FreeContextBuffer(algs.palgSupportedAlgs), SEC_E_OK);
    CHECK_STATUS(QueryCredentialsAttributesW(&c, SECPKG_ATTR_CIPHER_STRENGTHS, &cs), SEC_E_OK);
    CHECK_EQ(cs.dwMinimumCipherStrength, 128);
    CHECK_EQ(cs.dwMaximumCipherStrength, 256);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);

    /* naming CALG_RC4 enables exactly the full-strength RC4 suites, and the report follows */
    ALG_ID rc4 = CALG_RC4;
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cSupportedAlgs = 1;
    sc.palgSupportedAlgs = &rc4;
    REQUIRE_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, &sc, &c), SEC_E_OK);
    REQUIRE_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_ALGS, &algs), SEC_E_OK);
    CHECK(has_alg(&algs, CALG_RC4) && has_alg(&algs, CALG_MD5) && has_alg(&algs, CALG_SHA1));
    CHECK(!has_alg(&algs, CALG_AES_128) && !has_alg(&algs, CALG_3DES));
    CHECK_STATUS(FreeContextBuffer(algs.palgSupportedAlgs), SEC_E_OK);
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_CIPHER_STRENGTHS, &cs), SEC_E_OK);
    CHECK_EQ(cs.dwMinimumCipherStrength, 128);
    CHECK_EQ(cs.dwMaximumCipherStrength, 128);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);

    /* a minimum strength above 128 leaves 3DES (168) as the weakest */
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.dwMinimumCipherStrength = 129;
    REQUIRE_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, &sc, &c), SEC_E_OK);
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_CIPHER_STRENGTHS, &cs), SEC_E_OK);
    CHECK_EQ(cs.dwMinimumCipherStrength, 168);
    CHECK_EQ(cs.dwMaximumCipherStrength, 256);
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_CIPHER_STRENGTHS, NULL), SEC_E_INTERNAL_ERROR);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);

    /* an SSL 2.0-only client: the SSL 2.0 kinds (RC2, RC4, DES, 3DES; no export kind unless named) are what it reports */
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = SP_PROT_SSL2_CLIENT;
    REQUIRE_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, &sc, &c), SEC_E_OK);
    REQUIRE_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_SUPPORTED_ALGS, &algs), SEC_E_OK);
    CHECK(has_alg(&algs, CALG_RC2) && has_alg(&algs, CALG_RC4) && has_alg(&algs, CALG_DES) && has_alg(&algs, CALG_3DES));
    CHECK(has_alg(&algs, CALG_MD5) && has_alg(&algs, CALG_RSA_KEYX));
    CHECK_STATUS(FreeContextBuffer(algs.palgSupportedAlgs), SEC_E_OK);
    CHECK_STATUS(QueryCredentialsAttributesA(&c, SECPKG_ATTR_CIPHER_STRENGTHS, &cs), SEC_E_OK);
    CHECK_EQ(cs.dwMinimumCipherStrength, 56);
    CHECK_EQ(cs.dwMaximumCipherStrength, 168);
    CHECK_STATUS(FreeCredentialsHandle(&c), SEC_E_OK);
}

/* The number of ALG_IDs a credential reports (SUPPORTED_ALGS), or -1. */
static long alg_count(CredHandle *c)
{
    SecPkgCred_SupportedAlgs algs = {0, NULL};
    if (QueryCredentialsAttributesA(c, SECPKG_ATTR_SUPPORTED_ALGS, &algs) != SEC_E_OK)
        return -1;
    long n = (long)algs.cSupportedAlgs;
    CHECK_STATUS(FreeContextBuffer(algs.palgSupportedAlgs), SEC_E_OK);
    return n;
}

/* The project's exports with a live credential and bad arguments: each returns its documented
 * status and leaves the credential as it was. */
static void test_project_export_arguments(void)
{
    CredHandle client, server;
    REQUIRE_STATUS(h_client_cred(&client, 0), SEC_E_OK);
    REQUIRE_STATUS(h_server_cred(&server, 0), SEC_E_OK);
    long before = alg_count(&client), server_before = alg_count(&server);
    CHECK(before > 0 && server_before > 0);

    const uint16_t unknown_suites[2] = {0xfefe, 0x0000};
    const uint16_t suite = 0x002f;
    CHECK_STATUS(OpenSchannelSetCipherSuites(&client, NULL, 1), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelSetCipherSuites(&client, &suite, 0), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelSetCipherSuites(&client, &suite, 1025), SEC_E_INVALID_PARAMETER); /* checked before reading */
    CHECK_STATUS(OpenSchannelSetCipherSuites(&client, unknown_suites, 2), SEC_E_ALGORITHM_MISMATCH);
    const uint32_t unknown_kinds[2] = {0x123456, 0xffffff};
    const uint32_t kind = 0x010080;
    CHECK_STATUS(OpenSchannelSetSsl2CipherKinds(&client, NULL, 1), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelSetSsl2CipherKinds(&client, &kind, 0), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelSetSsl2CipherKinds(&client, &kind, 0xffffffffu), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelSetSsl2CipherKinds(&client, unknown_kinds, 2), SEC_E_ALGORITHM_MISMATCH);
    CHECK_STATUS(OpenSchannelSetRenegotiation(&client, 3), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelSetRenegotiation(&client, 0xffffffffu), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelAddCrlFile(&client, NULL), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelAddCrlFile(&client, "tests/data/no-such-file.crl"), SEC_E_INVALID_PARAMETER);
    CHECK_STATUS(OpenSchannelAddCrlFile(&client, H_SERVER_PEM), SEC_E_INVALID_PARAMETER); /* a certificate, not a CRL */
    CHECK_STATUS(OpenSchannelAddCrlFile(&client, ""), SEC_E_INVALID_PARAMETER);
    /* server-only setters on a client credential */
    CHECK_STATUS(OpenSchannelRequireClientCertificate(&client, TRUE), SEC_E_UNKNOWN_CREDENTIALS);
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    CHECK(cert != NULL);
    if (cert) {
        CHECK_STATUS(OpenSchannelAddServerCertificate(&client, cert), SEC_E_UNKNOWN_CREDENTIALS);
        CertFreeCertificateContext(cert);
    }
    /* a server credential given no certificate */
    CHECK_STATUS(OpenSchannelAddServerCertificate(&server, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    CHECK(OpenSchannelLoadCertificateFiles(H_SERVER_PEM, NULL, NULL) == NULL); /* no key file */
    /* the failed calls changed nothing */
    CHECK_EQ(alg_count(&client), before);
    CHECK_EQ(alg_count(&server), server_before);
    /* name lookups and loaders with NULL, empty and unknown input */
    CHECK_EQ(OpenSchannelCipherSuiteFromName(NULL), 0);
    CHECK_EQ(OpenSchannelCipherSuiteFromName(""), 0);
    CHECK_EQ(OpenSchannelCipherSuiteFromName("TLS_NO_SUCH_SUITE"), 0);
    CHECK_EQ(OpenSchannelSsl2CipherKindFromName(NULL), 0);
    CHECK_EQ(OpenSchannelSsl2CipherKindFromName(""), 0);
    CHECK_EQ(OpenSchannelSsl2CipherKindFromName("SSL_CK_NO_SUCH_KIND"), 0);
    CHECK(strcmp(OpenSchannelStatusName((SECURITY_STATUS)0x12345678), "UNKNOWN_STATUS") == 0);
    CHECK(OpenSchannelLoadCertificateFiles(NULL, NULL, NULL) == NULL);
    CHECK(OpenSchannelLoadCertificateFiles("tests/data/no-such.pem", H_SERVER_KEY, NULL) == NULL);
    CHECK(OpenSchannelLoadCertificateFiles(H_SERVER_PEM, "tests/data/no-such.key", NULL) == NULL);
    CHECK(OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_CA_PEM, NULL) == NULL); /* a certificate as the key */
    CHECK(OpenSchannelOpenCaFile(NULL) == NULL);
    CHECK(OpenSchannelOpenCaFile("tests/data/no-such-ca.pem") == NULL);
    /* and the credentials still make a working connection */
    h_pair p;
    h_pair_blank(&p);
    p.ccred = client;
    p.scred = server;
    p.have_ccred = p.have_scred = 1;
    if (h_handshake(&p)) {
        const uint8_t msg[] = "after bad arguments";
        h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "credentials after bad arguments");
        /* the server's certificate as the client sees it has no private key */
        PCCERT_CONTEXT bare = NULL;
        CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&bare), SEC_E_OK);
        CHECK(bare != NULL);
        if (bare) {
            CHECK_STATUS(OpenSchannelAddServerCertificate(&p.scred, bare), SEC_E_NO_CREDENTIALS);
            CertFreeCertificateContext(bare);
        }
    }
    h_pair_free(&p);
}

static void test_package_names(void)
{
    CHECK_STATUS(acquire(UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, NULL), SEC_E_OK);
    CHECK_STATUS(acquire("Microsoft Unified Security Protocol Provider", SECPKG_CRED_OUTBOUND, NULL, NULL), SEC_E_OK);
    CHECK_STATUS(acquire(SCHANNEL_NAME_A, SECPKG_CRED_OUTBOUND, NULL, NULL), SEC_E_OK);
    CHECK_STATUS(acquire("Schannel", SECPKG_CRED_OUTBOUND, NULL, NULL), SEC_E_OK);

    const SEC_WCHAR *wnames[] = {(const SEC_WCHAR *)u"Microsoft Unified Security Protocol Provider", (const SEC_WCHAR *)u"Schannel",
                                 (const SEC_WCHAR *)UNISP_NAME_W, (const SEC_WCHAR *)SCHANNEL_NAME_W};
    for (size_t i = 0; i < sizeof wnames / sizeof wnames[0]; i++) {
        CredHandle h = H_SENTINEL;
        CHECK_STATUS(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)wnames[i], SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, NULL),
                     SEC_E_OK);
        if (!h_is_sentinel(&h))
            CHECK_STATUS(FreeCredentialsHandle(&h), SEC_E_OK);
    }
    CredHandle h = H_SENTINEL;
    CHECK_STATUS(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)u"NoSuchPackage", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &h, NULL),
                 SEC_E_SECPKG_NOT_FOUND);
    CHECK(h_is_sentinel(&h));

    /* a server credential through the W entry point and the "Schannel" name does a handshake */
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    REQUIRE(cert != NULL);
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = &cert;
    h_pair p;
    h_pair_blank(&p);
    CHECK_STATUS(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)u"Schannel", SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, &p.scred, NULL),
                 SEC_E_OK);
    p.have_scred = 1;
    CertFreeCertificateContext(cert);
    if (h_check_status(h_client_cred(&p.ccred, 0), SEC_E_OK, __FILE__, __LINE__, "h_client_cred")) {
        p.have_ccred = 1;
        if (h_handshake(&p)) {
            const uint8_t msg[] = "W credential";
            h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "W server credential");
        }
    }
    h_pair_free(&p);
}

TEST_MAIN(test_null_zero_forged_context_handles, test_forged_handle_high_bits, test_null_first_calls, test_bad_credential_handles, test_stale_context_handles,
          test_stale_credential_handles, test_wrong_kind_handles, test_message_descriptors, test_acquire_credentials_errors,
          test_query_credentials_attributes, test_supported_algs_and_strengths, test_project_export_arguments, test_package_names)
