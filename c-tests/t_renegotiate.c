/*
 * t_renegotiate.c: the exact SSPI buffer sequence of a renegotiation started by each side
 * (ApplyControlToken(SCHANNEL_RENEGOTIATE) → ISC/ASC → DecryptMessage → SEC_I_RENEGOTIATE +
 * EXTRA → ISC/ASC loop), and session resumption through the public API.
 */
#include "harness.h"

static SECURITY_STATUS apply_dword(CtxtHandle *ctx, DWORD v)
{
    SecBuffer b = {sizeof v, SECBUFFER_TOKEN, &v};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return ApplyControlToken(ctx, &d);
}

/*
 * DecryptMessage on `wire`, which must start with a handshake record: expects SEC_I_RENEGOTIATE
 * with [STREAM_HEADER 0, DATA 0, STREAM_TRAILER 0, EXTRA = every byte from the start].
 */
static void expect_renegotiate(CtxtHandle *ctx, hbuf *wire)
{
    REQUIRE(wire->len > 5);
    CHECK_EQ(wire->p[0], 0x16);
    uint8_t *copy = malloc(wire->len);
    memcpy(copy, wire->p, wire->len);
    SecBuffer b[4] = {{(ULONG)wire->len, SECBUFFER_DATA, copy}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    CHECK_STATUS(DecryptMessage(ctx, &d, 0, NULL), SEC_I_RENEGOTIATE);
    CHECK_EQ(b[1].BufferType, SECBUFFER_DATA);
    CHECK_EQ(b[1].cbBuffer, 0);
    CHECK_EQ(b[3].BufferType, SECBUFFER_EXTRA);
    CHECK_EQ(b[3].cbBuffer, wire->len);
    CHECK(b[3].pvBuffer == copy);
    CHECK(memcmp(copy, wire->p, wire->len) == 0); /* nothing decrypted in place */
    free(copy);
}

/*
 * Runs the handshake loop from `first` (bytes for side `to`) until both sides return SEC_E_OK;
 * checks every status is CONTINUE or OK.
 */
static int finish_handshake(h_pair *p, int to, hbuf *first, int *calls)
{
    hbuf pending = {0}, next = {0};
    hbuf_put(&pending, first->p, first->len);
    int done[2] = {0, 0}, n = 0;
    while (pending.len && n < 10) {
        h_step r = h_call(p, to, pending.p, pending.len, 0, &next, 0);
        n++;
        if (r.st != SEC_I_CONTINUE_NEEDED && r.st != SEC_E_OK) {
            h_check_status(r.st, SEC_I_CONTINUE_NEEDED, __FILE__, __LINE__, "renegotiation step");
            break;
        }
        CHECK(r.in1_type != SECBUFFER_EXTRA);
        if (r.st == SEC_E_OK)
            done[to] = 1;
        hbuf_drop_front(&pending, pending.len);
        hbuf_put(&pending, next.p, next.len);
        hbuf_drop_front(&next, next.len);
        to = !to;
    }
    if (calls)
        *calls = n;
    hbuf_free(&pending);
    hbuf_free(&next);
    return done[0] && done[1];
}

static void test_client_initiated(void)
{
    h_pair p;
    REQUIRE(h_pair_connect(&p, 0));
    const uint8_t before[] = "before";
    h_roundtrip(&p.cctx, &p.sctx, before, sizeof before, "before");
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_RENEGOTIATE), SEC_E_OK);
    hbuf hello = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &hello, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ(h_count_records(hello.p, hello.len, 22), 1);
    /* The server's data loop meets the (encrypted) ClientHello. */
    expect_renegotiate(&p.sctx, &hello);
    int calls = 0;
    CHECK(finish_handshake(&p, 1, &hello, &calls));
    CHECK_EQ(calls, 4); /* ASC CONTINUE, ISC CONTINUE, ASC OK, ISC OK */
    const uint8_t after[] = "after";
    h_roundtrip(&p.cctx, &p.sctx, after, sizeof after, "after c->s");
    h_roundtrip(&p.sctx, &p.cctx, after, sizeof after, "after s->c");
    hbuf_free(&hello);
    h_pair_free(&p);
}

static void test_server_initiated(void)
{
    h_pair p;
    REQUIRE(h_pair_connect(&p, 0));
    CHECK_STATUS(apply_dword(&p.sctx, SCHANNEL_RENEGOTIATE), SEC_E_OK);
    hbuf req = {0};
    h_step r = h_call(&p, 1, NULL, 0, 1, &req, 0);
    CHECK_STATUS(r.st, SEC_E_OK); /* the server goes back to its data loop */
    CHECK_EQ(h_count_records(req.p, req.len, 22), 1);
    /* Data the client sent before it saw the HelloRequest still flows. */
    const uint8_t racing[] = "racing";
    h_roundtrip(&p.cctx, &p.sctx, racing, sizeof racing, "racing");
    expect_renegotiate(&p.cctx, &req);
    hbuf hello = {0};
    r = h_call(&p, 0, req.p, req.len, 0, &hello, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    expect_renegotiate(&p.sctx, &hello);
    int calls = 0;
    CHECK(finish_handshake(&p, 1, &hello, &calls));
    const uint8_t after[] = "after";
    h_roundtrip(&p.sctx, &p.cctx, after, sizeof after, "after");
    hbuf_free(&req);
    hbuf_free(&hello);
    h_pair_free(&p);
}

static void test_control_token_rules(void)
{
    h_pair p;
    REQUIRE(h_pair_init(&p, 0));
    /* Before a handshake there is nothing to renegotiate. */
    hbuf hello = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &hello, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_RENEGOTIATE), SEC_E_UNSUPPORTED_FUNCTION);
    hbuf_free(&hello);
    h_pair_free(&p);

    REQUIRE(h_pair_connect(&p, 0));
    /* No input and nothing armed: nothing to do (Wine's answer). */
    hbuf none = {0};
    r = h_call(&p, 0, NULL, 0, 1, &none, 0);
    CHECK_STATUS(r.st, SEC_E_INCOMPLETE_MESSAGE);
    CHECK_EQ(none.len, 0);
    /* Armed but no output descriptor: still armed afterwards. */
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_RENEGOTIATE), SEC_E_OK);
    ULONG attr = 0;
    CHECK_STATUS(InitializeSecurityContextA(&p.ccred, &p.cctx, H_TARGET, p.creq, 0, 0, NULL, 0, &p.cctx, NULL, &attr, NULL),
                 SEC_E_INCOMPLETE_MESSAGE);
    r = h_call(&p, 0, NULL, 0, 1, &none, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    CHECK(none.len > 5 && none.p[0] == 0x16);
    hbuf_free(&none);
    h_pair_free(&p);
}

static DWORD session_flags(CtxtHandle *ctx)
{
    SecPkgContext_SessionInfo si;
    memset(&si, 0xAB, sizeof si);
    CHECK_STATUS(QueryContextAttributesA(ctx, SECPKG_ATTR_SESSION_INFO, &si), SEC_E_OK);
    CHECK_EQ(si.cbSessionId, 32);
    return si.dwFlags;
}

static void test_resumption(void)
{
    h_pair p;
    REQUIRE(h_pair_connect(&p, 0));
    CHECK_EQ(session_flags(&p.cctx), 0);
    CHECK_EQ(session_flags(&p.sctx), 0);
    /* A second connection on the same credentials resumes. */
    DeleteSecurityContext(&p.cctx);
    DeleteSecurityContext(&p.sctx);
    p.have_cctx = p.have_sctx = 0;
    SECURITY_STATUS seq[16];
    int n = 0;
    REQUIRE(h_handshake_seq(&p, seq, 16, &n, NULL, NULL));
    CHECK_EQ(n, 4); /* ISC CONTINUE, ASC CONTINUE (hello + CCS + Finished), ISC OK, ASC OK */
    CHECK_EQ(session_flags(&p.cctx), SSL_SESSION_RECONNECT);
    CHECK_EQ(session_flags(&p.sctx), SSL_SESSION_RECONNECT);
    const uint8_t data[] = "resumed";
    h_roundtrip(&p.cctx, &p.sctx, data, sizeof data, "resumed");
    /* The client still reports the server's certificate. */
    PCCERT_CONTEXT cert = NULL;
    CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&cert), SEC_E_OK);
    CHECK(cert && cert->cbCertEncoded > 0);
    CertFreeCertificateContext(cert);
    h_pair_free(&p);
}

static void test_disable_reconnects(void)
{
    h_pair p;
    h_pair_blank(&p);
    REQUIRE_STATUS(h_server_cred(&p.scred, 0), SEC_E_OK);
    p.have_scred = 1;
    HCERTSTORE roots = OpenSchannelOpenCaFile(H_CA_PEM);
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.hRootStore = roots;
    sc.dwFlags = SCH_CRED_DISABLE_RECONNECTS;
    REQUIRE_STATUS(AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &p.ccred, NULL), SEC_E_OK);
    p.have_ccred = 1;
    for (int i = 0; i < 2; i++) {
        REQUIRE(h_handshake(&p));
        CHECK_EQ(session_flags(&p.cctx), 0);
        DeleteSecurityContext(&p.cctx);
        DeleteSecurityContext(&p.sctx);
        p.have_cctx = p.have_sctx = 0;
    }
    CertCloseStore(roots, 0);
    h_pair_free(&p);
}

TEST_MAIN(test_client_initiated, test_server_initiated, test_control_token_rules, test_resumption, test_disable_reconnects)
