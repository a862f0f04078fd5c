/*
 * t_loopback.c: full in-memory handshakes for each cipher suite (tokens fed whole), the
 * context attributes, and EncryptMessage/DecryptMessage in both directions.
 */
#include "harness.h"

struct suite_expect {
    const char *name;
    uint16_t id;
    ALG_ID cipher;
    DWORD cipher_bits;
    ALG_ID hash;
    DWORD mac_len;
    DWORD block; /* 0 for stream ciphers */
};

static void check_stream_sizes(CtxtHandle *ctx, const struct suite_expect *e)
{
    SecPkgContext_StreamSizes sz;
    if (!h_sizes(ctx, &sz))
        return;
    CHECK_EQ(sz.cbHeader, 5);
    CHECK_EQ(sz.cbMaximumMessage, 16384);
    CHECK_EQ(sz.cBuffers, 4);
    CHECK(sz.cbTrailer >= e->mac_len);
    if (e->block)
        CHECK_EQ(sz.cbBlockSize, e->block);
    else
        CHECK(sz.cbBlockSize <= 1);
}

static void check_connection_info(CtxtHandle *ctx, const struct suite_expect *e, DWORD protocol)
{
    SecPkgContext_ConnectionInfo ci;
    memset(&ci, 0xA5, sizeof ci);
    REQUIRE_STATUS(QueryContextAttributesA(ctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
    CHECK_EQ(ci.dwProtocol, protocol);
    CHECK_EQ(ci.aiCipher, e->cipher);
    CHECK_EQ(ci.dwCipherStrength, e->cipher_bits);
    CHECK_EQ(ci.aiHash, e->hash);
    CHECK_EQ(ci.dwHashStrength, e->mac_len * 8);
    CHECK_EQ(ci.aiExch, CALG_RSA_KEYX);
    CHECK(ci.dwExchStrength >= 1024);
}

static void check_cipher_info(CtxtHandle *ctx, const struct suite_expect *e)
{
    SecPkgContext_CipherInfo ci;
    memset(&ci, 0xA5, sizeof ci);
    REQUIRE_STATUS(QueryContextAttributesA(ctx, SECPKG_ATTR_CIPHER_INFO, &ci), SEC_E_OK);
    CHECK_EQ(ci.dwVersion, SECPKGCONTEXT_CIPHERINFO_V1);
    CHECK_EQ(ci.dwCipherSuite, e->id);
    CHECK(h_wcs_eq_ascii(ci.szCipherSuite, e->name));
    CHECK_EQ(ci.dwCipherBlockLen, e->block);
}

/* The certificate the client got equals the server's own certificate. */
static void check_certificates(h_pair *p)
{
    PCCERT_CONTEXT remote = NULL, local = NULL;
    REQUIRE_STATUS(QueryContextAttributesA(&p->cctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&remote), SEC_E_OK);
    REQUIRE(remote != NULL);
    CHECK(remote->cbCertEncoded > 0);
    CHECK(remote->pbCertEncoded != NULL && remote->pbCertEncoded[0] == 0x30);
    CHECK(remote->dwCertEncodingType & X509_ASN_ENCODING);
    CHECK_STATUS(QueryContextAttributesA(&p->sctx, SECPKG_ATTR_LOCAL_CERT_CONTEXT, (void *)&local), SEC_E_OK);
    if (local) {
        CHECK(local->cbCertEncoded == remote->cbCertEncoded &&
              memcmp(local->pbCertEncoded, remote->pbCertEncoded, remote->cbCertEncoded) == 0);
        CHECK(CertFreeCertificateContext(local) == TRUE);
    }
    CHECK(CertFreeCertificateContext(remote) == TRUE);
}

/* DATA bigger than cbMaximumMessage is refused and nothing is written. */
static void check_oversize_refused(CtxtHandle *ctx)
{
    SecPkgContext_StreamSizes sz;
    if (!h_sizes(ctx, &sz))
        return;
    size_t len = (size_t)sz.cbMaximumMessage + 1;
    size_t total = sz.cbHeader + len + sz.cbTrailer;
    uint8_t *buf = malloc(total), *copy = malloc(total);
    h_pattern(buf, total, 9);
    memcpy(copy, buf, total);
    SecBuffer b[4] = {
        {sz.cbHeader, SECBUFFER_STREAM_HEADER, buf},
        {(ULONG)len, SECBUFFER_DATA, buf + sz.cbHeader},
        {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, buf + sz.cbHeader + len},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    SECURITY_STATUS st = EncryptMessage(ctx, 0, &d, 0);
    CHECK(st < 0);
    CHECK(memcmp(buf, copy, total) == 0);
    CHECK(b[0].cbBuffer == sz.cbHeader && b[1].cbBuffer == len && b[2].cbBuffer == sz.cbTrailer);
    free(buf);
    free(copy);
    /* the context still works after the refusal */
    hbuf wire = {0};
    CHECK_STATUS(h_encrypt(ctx, "x", 1, &wire), SEC_E_OK);
    hbuf_free(&wire);
}

static void messages_both_ways(h_pair *p)
{
    static uint8_t big[16384];
    h_pattern(big, sizeof big, 1);
    const uint8_t small[] = "hello, server";
    const uint8_t small2[] = "hello, client";

    h_roundtrip(&p->cctx, &p->sctx, small, sizeof small - 1, "client->server small");
    h_roundtrip(&p->sctx, &p->cctx, small2, sizeof small2 - 1, "server->client small");
    h_roundtrip(&p->cctx, &p->sctx, small, 0, "client->server 0 bytes");
    h_roundtrip(&p->sctx, &p->cctx, small, 0, "server->client 0 bytes");
    h_roundtrip(&p->cctx, &p->sctx, big, sizeof big, "client->server 16384 bytes");
    h_roundtrip(&p->sctx, &p->cctx, big, sizeof big, "server->client 16384 bytes");
    /* and again after the big records, to catch sequence-number / IV chaining errors */
    h_roundtrip(&p->cctx, &p->sctx, small, 1, "client->server 1 byte");
    h_roundtrip(&p->sctx, &p->cctx, small2, sizeof small2 - 1, "server->client small again");
    check_oversize_refused(&p->cctx);
    check_oversize_refused(&p->sctx);
}

static void run_suite(const struct suite_expect *e)
{
    uint16_t id = OpenSchannelCipherSuiteFromName(e->name);
    REQUIRE_EQ(id, e->id);
    h_pair p;
    if (!h_pair_init(&p, id)) {
        h_pair_free(&p);
        return;
    }
    SECURITY_STATUS seq[16];
    int n = 0;
    ULONG cattr = 0, sattr = 0;
    int ok = h_handshake_seq(&p, seq, 16, &n, &cattr, &sattr);
    CHECK(ok);
    /* ISC CONTINUE, ASC CONTINUE, ISC CONTINUE, ASC OK, ISC OK */
    CHECK_EQ(n, 5);
    if (n == 5) {
        CHECK_STATUS(seq[0], SEC_I_CONTINUE_NEEDED);
        CHECK_STATUS(seq[1], SEC_I_CONTINUE_NEEDED);
        CHECK_STATUS(seq[2], SEC_I_CONTINUE_NEEDED);
        CHECK_STATUS(seq[3], SEC_E_OK);
        CHECK_STATUS(seq[4], SEC_E_OK);
    }
    if (ok) {
        ULONG cwant = ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT | ISC_RET_CONFIDENTIALITY | ISC_RET_STREAM | ISC_RET_ALLOCATED_MEMORY;
        ULONG swant = ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT | ASC_RET_CONFIDENTIALITY | ASC_RET_STREAM | ASC_RET_ALLOCATED_MEMORY;
        CHECK_EQ(cattr & cwant, cwant);
        CHECK_EQ(sattr & swant, swant);
        check_stream_sizes(&p.cctx, e);
        check_stream_sizes(&p.sctx, e);
        check_connection_info(&p.cctx, e, SP_PROT_TLS1_0_CLIENT);
        check_connection_info(&p.sctx, e, SP_PROT_TLS1_0_SERVER);
        check_cipher_info(&p.cctx, e);
        check_cipher_info(&p.sctx, e);
        check_certificates(&p);
        messages_both_ways(&p);
    }
    h_pair_free(&p);
}

static const struct suite_expect AES128 = {"TLS_RSA_WITH_AES_128_CBC_SHA", 0x002F, CALG_AES_128, 128, CALG_SHA1, 20, 16};
static const struct suite_expect AES256 = {"TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, CALG_AES_256, 256, CALG_SHA1, 20, 16};
static const struct suite_expect DES3 = {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000A, CALG_3DES, 168, CALG_SHA1, 20, 8};
static const struct suite_expect RC4SHA = {"TLS_RSA_WITH_RC4_128_SHA", 0x0005, CALG_RC4, 128, CALG_SHA1, 20, 0};
static const struct suite_expect RC4MD5 = {"TLS_RSA_WITH_RC4_128_MD5", 0x0004, CALG_RC4, 128, CALG_MD5, 16, 0};

static void test_suite_aes_128_cbc_sha(void) { run_suite(&AES128); }
static void test_suite_aes_256_cbc_sha(void) { run_suite(&AES256); }
static void test_suite_3des_ede_cbc_sha(void) { run_suite(&DES3); }
static void test_suite_rc4_128_sha(void) { run_suite(&RC4SHA); }
static void test_suite_rc4_128_md5(void) { run_suite(&RC4MD5); }

/* Without OpenSchannelSetCipherSuites, RC4 is never chosen and the handshake still works. */
static void test_default_suites_exclude_rc4(void)
{
    h_pair p;
    if (h_pair_connect(&p, 0)) {
        SecPkgContext_ConnectionInfo ci;
        CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
        CHECK(ci.aiCipher != CALG_RC4);
        CHECK_EQ(ci.dwProtocol, SP_PROT_TLS1_0_CLIENT);
        messages_both_ways(&p);
    }
    h_pair_free(&p);

    /* a client that only offers RC4 against a server with default suites: no common suite */
    CredHandle cc, sc;
    REQUIRE_STATUS(h_server_cred(&sc, 0), SEC_E_OK);
    REQUIRE_STATUS(h_client_cred(&cc, OpenSchannelCipherSuiteFromName("TLS_RSA_WITH_RC4_128_SHA")), SEC_E_OK);
    h_pair q;
    h_pair_blank(&q);
    q.ccred = cc;
    q.scred = sc;
    q.have_ccred = q.have_scred = 1;
    hbuf ch = {0}, resp = {0};
    h_step r = h_call(&q, 0, NULL, 0, 1, &ch, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    r = h_call(&q, 1, ch.p, ch.len, 0, &resp, 0);
    CHECK(r.st < 0);
    hbuf_free(&ch);
    hbuf_free(&resp);
    h_pair_free(&q);
}

/* The same handshake driven by InitializeSecurityContextW with a UTF-16 target name. */
static void test_wide_client_handshake(void)
{
    h_pair p;
    if (h_pair_init(&p, 0)) {
        p.wide_client = 1;
        if (h_handshake(&p)) {
            const uint8_t msg[] = "wide";
            h_roundtrip(&p.cctx, &p.sctx, msg, 4, "W client -> server");
            h_roundtrip(&p.sctx, &p.cctx, msg, 4, "server -> W client");
        }
    }
    h_pair_free(&p);
}

TEST_MAIN(test_suite_aes_128_cbc_sha, test_suite_aes_256_cbc_sha, test_suite_3des_ede_cbc_sha, test_suite_rc4_128_sha,
          test_suite_rc4_128_md5, test_default_suites_exclude_rc4, test_wide_client_handshake)
