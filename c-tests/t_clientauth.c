/*
 * t_clientauth.c: client authentication through the SSPI ABI (issue 5, point 3).
 * The server asks with ASC_REQ_MUTUAL_AUTH (or requires with OpenSchannelRequireClientCertificate)
 * and names its hRootStore's CAs; the client answers from its credential's certificate
 * (RSA or ECDSA; SSL 3.0, TLS 1.0 and TLS 1.2 CertificateVerify forms), or gets
 * SEC_I_INCOMPLETE_CREDENTIALS, reads SECPKG_ATTR_ISSUER_LIST_EX, and continues with a
 * credential that has one, or without.
 */
#include "harness.h"

#define EC_PEM "tests/data/server-ecdsa.pem"
#define EC_KEY "tests/data/server-ecdsa.key"

/* Server credential with the test CA as hRootStore (the CAs it accepts client certificates from). */
static int server_cred(CredHandle *cred, DWORD protocols)
{
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    HCERTSTORE roots = OpenSchannelOpenCaFile(H_CA_PEM);
    int ok = h_check(cert != NULL && roots != NULL, __FILE__, __LINE__, "server certificate and roots load");
    if (ok) {
        SCHANNEL_CRED sc;
        memset(&sc, 0, sizeof sc);
        sc.dwVersion = SCHANNEL_CRED_VERSION;
        sc.cCreds = 1;
        sc.paCred = &cert;
        sc.hRootStore = roots;
        sc.grbitEnabledProtocols = protocols;
        ok = h_check_status(AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, cred, NULL), SEC_E_OK,
                            __FILE__, __LINE__, "ACH(server)");
    }
    if (cert)
        CertFreeCertificateContext(cert);
    if (roots)
        CertCloseStore(roots, 0);
    return ok;
}

/* Client credential trusting the test CA, with a certificate (pem/key) or without (NULL). */
static int client_cred(CredHandle *cred, DWORD protocols, const char *pem, const char *key)
{
    HCERTSTORE roots = OpenSchannelOpenCaFile(H_CA_PEM);
    PCCERT_CONTEXT cert = pem ? OpenSchannelLoadCertificateFiles(pem, key, NULL) : NULL;
    int ok = h_check(roots != NULL && (!pem || cert != NULL), __FILE__, __LINE__, "client certificate and roots load");
    if (ok) {
        SCHANNEL_CRED sc;
        memset(&sc, 0, sizeof sc);
        sc.dwVersion = SCHANNEL_CRED_VERSION;
        sc.hRootStore = roots;
        sc.grbitEnabledProtocols = protocols;
        sc.dwFlags = SCH_CRED_NO_DEFAULT_CREDS;
        if (cert) {
            sc.cCreds = 1;
            sc.paCred = &cert;
        }
        ok = h_check_status(AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, cred, NULL), SEC_E_OK,
                            __FILE__, __LINE__, "ACH(client)");
    }
    if (cert)
        CertFreeCertificateContext(cert);
    if (roots)
        CertCloseStore(roots, 0);
    return ok;
}

static int pair(h_pair *p, DWORD cproto, DWORD sproto, const char *pem, const char *key)
{
    h_pair_blank(p);
    p->sreq |= ASC_REQ_MUTUAL_AUTH;
    p->have_scred = server_cred(&p->scred, sproto);
    p->have_ccred = p->have_scred && client_cred(&p->ccred, cproto, pem, key);
    return p->have_ccred;
}

/* The DER subject of the test CA, as the server's CertificateRequest names it. */
static int ca_subject_matches(const CERT_NAME_BLOB *blob)
{
    /* The CA's subject is "CN=openschannel test CA": look for the CN bytes inside the DER name. */
    const char cn[] = "openschannel test CA";
    for (DWORD i = 0; i + sizeof cn - 1 <= blob->cbData; i++)
        if (memcmp(blob->pbData + i, cn, sizeof cn - 1) == 0)
            return blob->pbData[0] == 0x30;
    return 0;
}

/* Drives the handshake; when the client reports SEC_I_INCOMPLETE_CREDENTIALS, `on_incomplete`
 * (if any) runs and the client is called again with the same input, as the SDK sample does.
 * Returns the number of SEC_I_INCOMPLETE_CREDENTIALS seen, or -1 if the handshake failed;
 * *server_status gets the server's last status. */
static int drive(h_pair *p, void (*on_incomplete)(h_pair *), SECURITY_STATUS *server_status, ULONG *sattr)
{
    hbuf to_s = {0}, to_c = {0};
    int incomplete = 0, cdone = 0, sdone = 0;
    *server_status = SEC_E_OK;
    h_step r = h_call(p, 0, NULL, 0, 1, &to_s, 0);
    if (r.st != SEC_I_CONTINUE_NEEDED)
        goto fail;
    for (int round = 0; round < 12 && !(cdone && sdone); round++) {
        if (!sdone && to_s.len) {
            r = h_call(p, 1, to_s.p, to_s.len, 0, &to_c, 0);
            *server_status = r.st;
            if (sattr)
                *sattr = r.attr;
            hbuf_drop_front(&to_s, to_s.len);
            if (r.st == SEC_E_OK)
                sdone = 1;
            else if (r.st != SEC_I_CONTINUE_NEEDED) {
                /* deliver the alert, then stop */
                if (to_c.len) {
                    hbuf sink = {0};
                    h_call(p, 0, to_c.p, to_c.len, 0, &sink, 0);
                    hbuf_free(&sink);
                }
                goto fail;
            }
        } else if (!cdone && to_c.len) {
            r = h_call(p, 0, to_c.p, to_c.len, 0, &to_s, 0);
            if (r.st == SEC_I_INCOMPLETE_CREDENTIALS) {
                incomplete++;
                CHECK_EQ(to_s.len, 0); /* nothing sent yet */
                if (on_incomplete)
                    on_incomplete(p);
                continue; /* same input again */
            }
            hbuf_drop_front(&to_c, to_c.len);
            if (r.st == SEC_E_OK)
                cdone = 1;
            else if (r.st != SEC_I_CONTINUE_NEEDED)
                goto fail;
        } else
            break;
    }
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    return cdone && sdone ? incomplete : -1;
fail:
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    return -1;
}

/* The server's view of the client certificate equals `pem`'s first certificate. */
static void check_remote_is(h_pair *p, const char *pem, const char *key)
{
    PCCERT_CONTEXT remote = NULL;
    REQUIRE_STATUS(QueryContextAttributesA(&p->sctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&remote), SEC_E_OK);
    PCCERT_CONTEXT want = OpenSchannelLoadCertificateFiles(pem, key, NULL);
    REQUIRE(remote != NULL && want != NULL);
    CHECK(remote->cbCertEncoded == want->cbCertEncoded && memcmp(remote->pbCertEncoded, want->pbCertEncoded, want->cbCertEncoded) == 0);
    CertFreeCertificateContext(remote);
    CertFreeCertificateContext(want);
}

static void roundtrip(h_pair *p)
{
    const uint8_t msg[] = "authenticated both ways";
    h_roundtrip(&p->cctx, &p->sctx, msg, sizeof msg, "client -> server");
    h_roundtrip(&p->sctx, &p->cctx, msg, sizeof msg, "server -> client");
}

/* A client credential with a certificate answers at once: RSA and ECDSA, TLS 1.0 and 1.2, and
 * SSL 3.0 when both sides enable it (its own CertificateVerify hash, RFC 6101 §5.6.8). */
static void test_certificate_from_the_credential(void)
{
    const struct {
        DWORD cproto, sproto;
        const char *pem, *key;
    } cases[] = {
        {SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER, H_SERVER_PEM, H_SERVER_KEY},
        {SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER, H_SERVER_PEM, H_SERVER_KEY},
        {SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER, EC_PEM, EC_KEY},
        {SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER, EC_PEM, EC_KEY},
        {SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER, H_SERVER_PEM, H_SERVER_KEY},
        {SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER, EC_PEM, EC_KEY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_pair p;
        SECURITY_STATUS sst;
        ULONG sattr = 0;
        if (pair(&p, cases[i].cproto, cases[i].sproto, cases[i].pem, cases[i].key)) {
            CHECK_EQ(drive(&p, NULL, &sst, &sattr), 0);
            CHECK(sattr & ASC_RET_MUTUAL_AUTH);
            check_remote_is(&p, cases[i].pem, cases[i].key);
            SecPkgContext_ConnectionInfo ci;
            REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
            CHECK_EQ(ci.dwProtocol, cases[i].cproto);
            SecPkgContext_IssuerListInfoEx il;
            REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_ISSUER_LIST_EX, &il), SEC_E_OK);
            CHECK_EQ(il.cIssuers, 1);
            if (il.cIssuers == 1)
                CHECK(ca_subject_matches(&il.aIssuers[0]));
            if (il.aIssuers)
                CHECK_STATUS(FreeContextBuffer(il.aIssuers), SEC_E_OK);
            roundtrip(&p);
        }
        h_pair_free(&p);
    }
}

/* (client, server) grbitEnabledProtocols: the defaults (TLS), and SSL 3.0 only. */
static const DWORD default_and_ssl3[][2] = {{0, 0}, {SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER}};

static CredHandle g_supplied;
static void supply_certificate(h_pair *p)
{
    /* The application reads the issuers the server accepts, then picks a credential. */
    SecPkgContext_IssuerListInfoEx il;
    CHECK_STATUS(QueryContextAttributesA(&p->cctx, SECPKG_ATTR_ISSUER_LIST_EX, &il), SEC_E_OK);
    CHECK_EQ(il.cIssuers, 1);
    if (il.aIssuers)
        FreeContextBuffer(il.aIssuers);
    FreeCredentialsHandle(&p->ccred);
    p->ccred = g_supplied;
}

/* No certificate in the credential: SEC_I_INCOMPLETE_CREDENTIALS, then one is supplied. */
static void test_incomplete_credentials_then_supplied(void)
{
    for (size_t i = 0; i < sizeof default_and_ssl3 / sizeof default_and_ssl3[0]; i++) {
        h_pair p;
        SECURITY_STATUS sst;
        const DWORD *proto = default_and_ssl3[i];
        if (pair(&p, proto[0], proto[1], NULL, NULL) && client_cred(&g_supplied, proto[0], H_SERVER_PEM, H_SERVER_KEY)) {
            CHECK_EQ(drive(&p, supply_certificate, &sst, NULL), 1);
            check_remote_is(&p, H_SERVER_PEM, H_SERVER_KEY);
            roundtrip(&p);
        }
        h_pair_free(&p);
    }
}

/* ... or the application goes on without one: the handshake completes, anonymously (at SSL 3.0
 * the client says so with a no_certificate warning alert). */
static void test_incomplete_credentials_then_none(void)
{
    for (size_t i = 0; i < sizeof default_and_ssl3 / sizeof default_and_ssl3[0]; i++) {
        h_pair p;
        SECURITY_STATUS sst;
        if (pair(&p, default_and_ssl3[i][0], default_and_ssl3[i][1], NULL, NULL)) {
            CHECK_EQ(drive(&p, NULL, &sst, NULL), 1);
            PCCERT_CONTEXT remote = (PCCERT_CONTEXT)1;
            CHECK_STATUS(QueryContextAttributesA(&p.sctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&remote), SEC_E_NO_CREDENTIALS);
            roundtrip(&p);
        }
        h_pair_free(&p);
    }
}

/* A server that requires a certificate refuses a client without one (handshake_failure), at
 * SSL 3.0 too, where "none" is a no_certificate warning instead of an empty Certificate. */
static void test_required_certificate_missing(void)
{
    for (size_t i = 0; i < sizeof default_and_ssl3 / sizeof default_and_ssl3[0]; i++) {
        h_pair p;
        SECURITY_STATUS sst;
        if (pair(&p, default_and_ssl3[i][0], default_and_ssl3[i][1], NULL, NULL)) {
            CHECK_STATUS(OpenSchannelRequireClientCertificate(&p.scred, TRUE), SEC_E_OK);
            CHECK_STATUS(OpenSchannelRequireClientCertificate(&p.ccred, TRUE), SEC_E_UNKNOWN_CREDENTIALS);
            p.sreq &= ~(ULONG)ASC_REQ_MUTUAL_AUTH; /* the credential asks by itself */
            CHECK_EQ(drive(&p, NULL, &sst, NULL), -1);
            CHECK_STATUS(sst, SEC_E_ALGORITHM_MISMATCH);
        }
        h_pair_free(&p);
    }
}

/* A client certificate from a CA the server does not trust: unknown_ca. */
static void test_untrusted_client_certificate(void)
{
    h_pair p;
    SECURITY_STATUS sst;
    h_pair_blank(&p);
    p.sreq |= ASC_REQ_MUTUAL_AUTH;
    /* The server trusts only the ECDSA leaf (CN=localhost); it names that subject as an
     * acceptable CA, which the client's RSA certificate (also CN=localhost) matches by name, so
     * the client sends it and the server, finding no path to its anchor, refuses it. */
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    HCERTSTORE roots = OpenSchannelOpenCaFile(EC_PEM);
    REQUIRE(cert && roots);
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = &cert;
    sc.hRootStore = roots;
    p.have_scred =
        h_check_status(AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, &p.scred, NULL), SEC_E_OK,
                       __FILE__, __LINE__, "ACH(server)");
    CertFreeCertificateContext(cert);
    CertCloseStore(roots, 0);
    p.have_ccred = p.have_scred && client_cred(&p.ccred, 0, H_SERVER_PEM, H_SERVER_KEY);
    if (p.have_ccred) {
        CHECK_EQ(drive(&p, NULL, &sst, NULL), -1);
        CHECK_STATUS(sst, SEC_E_UNTRUSTED_ROOT);
    }
    h_pair_free(&p);
}

/*
 * A certificate requested only on a renegotiation: the first handshake runs without
 * ASC_REQ_MUTUAL_AUTH; the server then renegotiates (SCHANNEL_RENEGOTIATE) asking for one, and
 * the client answers from its credential.
 */
static void test_certificate_requested_on_renegotiation(void)
{
    h_pair p;
    SECURITY_STATUS sst;
    if (!pair(&p, 0, 0, H_SERVER_PEM, H_SERVER_KEY)) {
        h_pair_free(&p);
        return;
    }
    p.sreq &= ~(ULONG)ASC_REQ_MUTUAL_AUTH;
    if (drive(&p, NULL, &sst, NULL) == 0) {
        PCCERT_CONTEXT remote = NULL;
        CHECK_STATUS(QueryContextAttributesA(&p.sctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&remote), SEC_E_NO_CREDENTIALS);
        DWORD reneg = SCHANNEL_RENEGOTIATE;
        SecBuffer cb = {sizeof reneg, SECBUFFER_TOKEN, &reneg};
        SecBufferDesc cd = {SECBUFFER_VERSION, 1, &cb};
        CHECK_STATUS(ApplyControlToken(&p.sctx, &cd), SEC_E_OK);
        p.sreq |= ASC_REQ_MUTUAL_AUTH;
        hbuf req = {0}, hello = {0}, to_c = {0}, to_s = {0};
        CHECK_STATUS(h_call(&p, 1, NULL, 0, 1, &req, 0).st, SEC_E_OK); /* HelloRequest */
        CHECK_STATUS(h_call(&p, 0, req.p, req.len, 0, &hello, 0).st, SEC_I_CONTINUE_NEEDED);
        /* hello -> server, flights back and forth until both are done */
        hbuf_put(&to_s, hello.p, hello.len);
        int cdone = 0, sdone = 0;
        for (int i = 0; i < 8 && !(cdone && sdone); i++) {
            if (to_s.len) {
                h_step r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 0);
                hbuf_drop_front(&to_s, to_s.len);
                sdone = r.st == SEC_E_OK;
                if (r.st != SEC_E_OK && r.st != SEC_I_CONTINUE_NEEDED)
                    break;
            } else if (to_c.len) {
                h_step r = h_call(&p, 0, to_c.p, to_c.len, 0, &to_s, 0);
                hbuf_drop_front(&to_c, to_c.len);
                cdone = r.st == SEC_E_OK;
                if (r.st != SEC_E_OK && r.st != SEC_I_CONTINUE_NEEDED)
                    break;
            } else
                break;
        }
        CHECK(cdone && sdone);
        check_remote_is(&p, H_SERVER_PEM, H_SERVER_KEY);
        roundtrip(&p);
        hbuf_free(&req);
        hbuf_free(&hello);
        hbuf_free(&to_c);
        hbuf_free(&to_s);
    }
    h_pair_free(&p);
}

TEST_MAIN(test_certificate_requested_on_renegotiation, test_certificate_from_the_credential, test_incomplete_credentials_then_supplied, test_incomplete_credentials_then_none,
          test_required_certificate_missing, test_untrusted_client_certificate)
