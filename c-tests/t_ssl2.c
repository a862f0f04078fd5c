/*
 * t_ssl2.c: SSL 2.0 through the SSPI calls, in memory: a loopback handshake for every cipher
 * kind (SP_PROT_SSL2_* and OpenSchannelSetSsl2CipherKinds), CONNECTION_INFO / CIPHER_INFO /
 * STREAM_SIZES, EncryptMessage/DecryptMessage in SSL 2.0's record layout (2-byte header for RC4,
 * 3-byte header with a padding count for block ciphers; MAC inside the header buffer), the
 * MISSING/EXTRA contract for partial and back-to-back records, shutdown (no close_notify in
 * SSL 2.0), a tampered record, and default credentials that refuse SSL 2.0.
 */
#include "harness.h"

struct kind_expect {
    const char *name;
    uint32_t id;
    ALG_ID cipher;
    DWORD bits;
    DWORD block; /* 0 for RC4 */
};

static const struct kind_expect KINDS[] = {
    {"SSL_CK_RC4_128_WITH_MD5", 0x010080, CALG_RC4, 128, 0},
    {"SSL_CK_DES_192_EDE3_CBC_WITH_MD5", 0x0700C0, CALG_3DES, 168, 8},
    {"SSL_CK_RC2_128_CBC_WITH_MD5", 0x030080, CALG_RC2, 128, 8},
    {"SSL_CK_DES_64_CBC_WITH_MD5", 0x060040, CALG_DES, 56, 8},
    {"SSL_CK_RC4_128_EXPORT40_WITH_MD5", 0x020080, CALG_RC4, 40, 0},
};

/* Both credentials with SSL 2.0 only and `kind`. */
static int ssl2_pair(h_pair *p, uint32_t kind)
{
    h_server_protocols = SP_PROT_SSL2_SERVER;
    h_client_protocols = SP_PROT_SSL2_CLIENT;
    if (!h_pair_init(p, 0))
        return 0;
    return h_check_status(OpenSchannelSetSsl2CipherKinds(&p->scred, &kind, 1), SEC_E_OK, __FILE__, __LINE__, "server kinds") &&
           h_check_status(OpenSchannelSetSsl2CipherKinds(&p->ccred, &kind, 1), SEC_E_OK, __FILE__, __LINE__, "client kinds");
}

/* Length of the SSL 2.0 record at p (0 when its header is not all there). */
static size_t ssl2_record_total(const uint8_t *p, size_t have)
{
    if (have < 2 || (!(p[0] & 0x80) && have < 3))
        return 0;
    return (p[0] & 0x80) ? 2 + (((size_t)(p[0] & 0x7f) << 8) | p[1]) : 3 + (((size_t)(p[0] & 0x3f) << 8) | p[1]);
}

/* One whole SSL 2.0 record. */
static int ssl2_one_record(const uint8_t *p, size_t len)
{
    return ssl2_record_total(p, len) == len;
}

/* EncryptMessage with [STREAM_HEADER cbHeader, DATA, STREAM_TRAILER cbTrailer, EMPTY]: the
 * harness's layout checks, with one whole SSL 2.0 record as the output. */
static SECURITY_STATUS ssl2_encrypt(CtxtHandle *ctx, const void *data, size_t len, hbuf *wire)
{
    return h_encrypt_framed(ctx, data, len, wire, ssl2_one_record);
}

/* DecryptMessage of one record in `wire` (copied); checks the buffer layout, appends plaintext. */
static SECURITY_STATUS ssl2_decrypt_one(CtxtHandle *ctx, const uint8_t *wire, size_t len, hbuf *plain, ULONG *extra)
{
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, wire, len);
    SecBuffer b[4] = {{(ULONG)len, SECBUFFER_DATA, buf}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    SECURITY_STATUS st = DecryptMessage(ctx, &d, 0, NULL);
    *extra = 0;
    if (st == SEC_E_OK) {
        size_t rec = ssl2_record_total(buf, len);
        SecPkgContext_StreamSizes sz;
        h_sizes(ctx, &sz);
        CHECK(b[0].BufferType == SECBUFFER_STREAM_HEADER && b[0].pvBuffer == buf && b[0].cbBuffer == sz.cbHeader);
        CHECK(b[1].BufferType == SECBUFFER_DATA && b[1].pvBuffer == buf + sz.cbHeader);
        CHECK(b[2].BufferType == SECBUFFER_STREAM_TRAILER && b[2].cbBuffer <= sz.cbTrailer);
        CHECK_EQ(b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer, rec);
        hbuf_put(plain, b[1].pvBuffer, b[1].cbBuffer);
        if (rec < len) {
            CHECK(b[3].BufferType == SECBUFFER_EXTRA && b[3].pvBuffer == buf + rec);
            *extra = b[3].cbBuffer;
        } else {
            CHECK_EQ(b[3].BufferType, SECBUFFER_EMPTY);
        }
    } else if (st == SEC_E_INCOMPLETE_MESSAGE) {
        CHECK_EQ(b[0].BufferType, SECBUFFER_MISSING);
        *extra = b[0].cbBuffer; /* the missing count */
    }
    free(buf);
    return st;
}

static void roundtrip(CtxtHandle *from, CtxtHandle *to, const uint8_t *data, size_t len)
{
    hbuf wire = {0}, plain = {0};
    ULONG extra = 0;
    REQUIRE_STATUS(ssl2_encrypt(from, data, len, &wire), SEC_E_OK);
    CHECK_STATUS(ssl2_decrypt_one(to, wire.p, wire.len, &plain, &extra), SEC_E_OK);
    CHECK(plain.len == len && (len == 0 || memcmp(plain.p, data, len) == 0));
    CHECK_EQ(extra, 0);
    hbuf_free(&wire);
    hbuf_free(&plain);
}

static void check_attributes(CtxtHandle *ctx, const struct kind_expect *e, DWORD protocol)
{
    SecPkgContext_ConnectionInfo ci;
    memset(&ci, 0xA5, sizeof ci);
    REQUIRE_STATUS(QueryContextAttributesA(ctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
    CHECK_EQ(ci.dwProtocol, protocol);
    CHECK_EQ(ci.aiCipher, e->cipher);
    CHECK_EQ(ci.dwCipherStrength, e->bits);
    CHECK_EQ(ci.aiHash, CALG_MD5);
    CHECK_EQ(ci.dwHashStrength, 128);
    CHECK_EQ(ci.aiExch, CALG_RSA_KEYX);
    CHECK(ci.dwExchStrength >= 1024);

    SecPkgContext_CipherInfo cp;
    memset(&cp, 0xA5, sizeof cp);
    REQUIRE_STATUS(QueryContextAttributesA(ctx, SECPKG_ATTR_CIPHER_INFO, &cp), SEC_E_OK);
    CHECK_EQ(cp.dwProtocol, 0x0002);
    CHECK_EQ(cp.dwCipherSuite, e->id);
    CHECK(h_wcs_eq_ascii(cp.szCipherSuite, e->name));
    CHECK_EQ(cp.dwCipherLen, e->bits);
    CHECK_EQ(cp.dwCipherBlockLen, e->block);
    CHECK(h_wcs_eq_ascii(cp.szHash, "MD5"));

    /* SSL 2.0's layout: header = 2 (RC4) or 3 (block: padding count) bytes + the 16-byte MAC;
     * trailer = the padding, at most a block less one; 2^14 - 24 bytes of data per record. */
    SecPkgContext_StreamSizes sz;
    REQUIRE(h_sizes(ctx, &sz));
    CHECK_EQ(sz.cbHeader, (e->block ? 3 : 2) + 16);
    CHECK_EQ(sz.cbTrailer, e->block ? e->block - 1 : 0);
    CHECK_EQ(sz.cbMaximumMessage, 16384 - 24);
    CHECK_EQ(sz.cBuffers, 4);
    CHECK_EQ(sz.cbBlockSize, e->block);
}

static void run_kind(const struct kind_expect *e)
{
    REQUIRE_EQ(OpenSchannelSsl2CipherKindFromName(e->name), e->id);
    CHECK_EQ(OpenSchannelCipherSuiteFromName(e->name), 0); /* not an IANA suite */
    h_pair p;
    if (!ssl2_pair(&p, e->id)) {
        h_pair_free(&p);
        return;
    }
    SECURITY_STATUS seq[16];
    int n = 0;
    int ok = h_handshake_seq(&p, seq, 16, &n, NULL, NULL);
    CHECK(ok);
    /* CLIENT-HELLO, SERVER-HELLO, CLIENT-MASTER-KEY + CLIENT-FINISHED, SERVER-VERIFY + SERVER-FINISHED. */
    CHECK_EQ(n, 5);
    if (ok) {
        check_attributes(&p.cctx, e, SP_PROT_SSL2_CLIENT);
        check_attributes(&p.sctx, e, SP_PROT_SSL2_SERVER);
        static uint8_t big[16384 - 24];
        h_pattern(big, sizeof big, 3);
        const uint8_t hello[] = "hello over ssl2";
        roundtrip(&p.cctx, &p.sctx, hello, sizeof hello - 1);
        roundtrip(&p.sctx, &p.cctx, hello, sizeof hello - 1);
        roundtrip(&p.cctx, &p.sctx, big, sizeof big);
        roundtrip(&p.sctx, &p.cctx, big, sizeof big);
        for (size_t k = 0; k < 10; k++)
            roundtrip(&p.cctx, &p.sctx, big, k);
        /* One byte over cbMaximumMessage is refused and the context goes on. */
        hbuf wire = {0};
        static uint8_t over[16384 - 23];
        CHECK_STATUS(ssl2_encrypt(&p.cctx, over, sizeof over, &wire), SEC_E_BUFFER_TOO_SMALL);
        roundtrip(&p.cctx, &p.sctx, hello, 1);
        hbuf_free(&wire);
    }
    h_pair_free(&p);
}

static void test_kind_rc4_128(void) { run_kind(&KINDS[0]); }
static void test_kind_3des(void) { run_kind(&KINDS[1]); }
static void test_kind_rc2_128(void) { run_kind(&KINDS[2]); }
static void test_kind_des_64(void) { run_kind(&KINDS[3]); }
static void test_kind_rc4_export40(void) { run_kind(&KINDS[4]); }

/* Partial records ask for the missing bytes; two records in one buffer leave the second EXTRA;
 * a flipped bit fails the MAC. */
static void test_missing_extra_and_tampering(void)
{
    h_pair p;
    if (!ssl2_pair(&p, 0x0700C0) || !h_handshake(&p)) {
        h_pair_free(&p);
        return;
    }
    hbuf wire = {0}, plain = {0};
    ULONG extra = 0;
    REQUIRE_STATUS(ssl2_encrypt(&p.cctx, "first", 5, &wire), SEC_E_OK);
    size_t first = wire.len;
    REQUIRE_STATUS(ssl2_encrypt(&p.cctx, "second", 6, &wire), SEC_E_OK);
    CHECK_STATUS(ssl2_decrypt_one(&p.sctx, wire.p, 1, &plain, &extra), SEC_E_INCOMPLETE_MESSAGE);
    CHECK(extra >= 1);
    CHECK_STATUS(ssl2_decrypt_one(&p.sctx, wire.p, first - 1, &plain, &extra), SEC_E_INCOMPLETE_MESSAGE);
    CHECK_EQ(extra, 1);
    CHECK_STATUS(ssl2_decrypt_one(&p.sctx, wire.p, wire.len, &plain, &extra), SEC_E_OK);
    CHECK_EQ(extra, wire.len - first);
    CHECK(plain.len == 5 && memcmp(plain.p, "first", 5) == 0);
    CHECK_STATUS(ssl2_decrypt_one(&p.sctx, wire.p + first, wire.len - first, &plain, &extra), SEC_E_OK);
    CHECK(plain.len == 11 && memcmp(plain.p + 5, "second", 6) == 0);
    hbuf_free(&wire);
    REQUIRE_STATUS(ssl2_encrypt(&p.cctx, "tampered", 8, &wire), SEC_E_OK);
    wire.p[wire.len - 1] ^= 1;
    CHECK_STATUS(ssl2_decrypt_one(&p.sctx, wire.p, wire.len, &plain, &extra), SEC_E_DECRYPT_FAILURE);
    hbuf_free(&wire);
    hbuf_free(&plain);
    h_pair_free(&p);
}

static SECURITY_STATUS apply_dword(CtxtHandle *ctx, DWORD v)
{
    SecBuffer b = {sizeof v, SECBUFFER_TOKEN, &v};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return ApplyControlToken(ctx, &d);
}

/* SSL 2.0 has no close_notify: shutdown produces an empty token and the context is closed. */
static void test_shutdown_sends_nothing(void)
{
    h_pair p;
    if (!ssl2_pair(&p, 0x010080) || !h_handshake(&p)) {
        h_pair_free(&p);
        return;
    }
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_SHUTDOWN), SEC_E_OK);
    hbuf out = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &out, 0);
    CHECK_STATUS(r.st, SEC_E_OK);
    CHECK_EQ(out.len, 0);
    hbuf wire = {0};
    CHECK_STATUS(ssl2_encrypt(&p.cctx, "late", 4, &wire), SEC_E_CONTEXT_EXPIRED);
    hbuf_free(&wire);
    hbuf_free(&out);
    h_pair_free(&p);
}

/* Default credentials (grbitEnabledProtocols 0) neither offer nor accept SSL 2.0, and report no
 * SSL 2.0 bit; naming SP_PROT_SSL2_SERVER reports exactly that bit. */
static void test_default_credentials_refuse_ssl2(void)
{
    h_pair p;
    h_pair_blank(&p);
    h_server_protocols = 0;
    h_client_protocols = SP_PROT_SSL2_CLIENT;
    REQUIRE_STATUS(h_server_cred(&p.scred, 0), SEC_E_OK);
    p.have_scred = 1;
    REQUIRE_STATUS(h_client_cred(&p.ccred, 0), SEC_E_OK);
    p.have_ccred = 1;
    SecPkgCred_SupportedProtocols sp = {0};
    CHECK_STATUS(QueryCredentialsAttributesA(&p.scred, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol & (SP_PROT_SSL2_SERVER | SP_PROT_SSL2_CLIENT), 0);
    CHECK_STATUS(QueryCredentialsAttributesA(&p.ccred, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol, SP_PROT_SSL2_CLIENT);
    hbuf ch = {0}, resp = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &ch, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    REQUIRE(ch.len > 5);
    CHECK(ch.p[0] & 0x80);
    CHECK(ch.p[2] == 1 && ch.p[3] == 0 && ch.p[4] == 2); /* CLIENT-HELLO, version 0.2 */
    r = h_call(&p, 1, ch.p, ch.len, 0, &resp, 0);
    CHECK_STATUS(r.st, SEC_E_UNSUPPORTED_FUNCTION);
    hbuf_free(&ch);
    hbuf_free(&resp);
    h_pair_free(&p);

    h_server_protocols = SP_PROT_SSL2_SERVER;
    CredHandle sc;
    REQUIRE_STATUS(h_server_cred(&sc, 0), SEC_E_OK);
    CHECK_STATUS(QueryCredentialsAttributesA(&sc, SECPKG_ATTR_SUPPORTED_PROTOCOLS, &sp), SEC_E_OK);
    CHECK_EQ(sp.grbitProtocol, SP_PROT_SSL2_SERVER);
    CHECK_STATUS(FreeCredentialsHandle(&sc), SEC_E_OK);
}

/* No renegotiation in SSL 2.0: an armed SCHANNEL_RENEGOTIATE is refused and the connection goes on. */
static void test_renegotiation_is_refused(void)
{
    h_pair p;
    if (!ssl2_pair(&p, 0x030080) || !h_handshake(&p)) {
        h_pair_free(&p);
        return;
    }
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_RENEGOTIATE), SEC_E_OK);
    hbuf out = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &out, 0);
    CHECK_STATUS(r.st, SEC_E_ALGORITHM_MISMATCH);
    CHECK_EQ(out.len, 0);
    const uint8_t still[] = "still here";
    roundtrip(&p.cctx, &p.sctx, still, sizeof still - 1);
    roundtrip(&p.sctx, &p.cctx, still, sizeof still - 1);
    hbuf_free(&out);
    h_pair_free(&p);
}

/* A server credential for SSL 2.0 restricted by palgSupportedAlgs and cipher strengths. */
static SECURITY_STATUS ssl2_server_cred_algs(CredHandle *cred, ALG_ID *algs, DWORD nalgs, DWORD min_bits, DWORD max_bits)
{
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    if (!cert)
        return SEC_E_INTERNAL_ERROR;
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = &cert;
    sc.grbitEnabledProtocols = SP_PROT_SSL2_SERVER;
    sc.cSupportedAlgs = nalgs;
    sc.palgSupportedAlgs = algs;
    sc.dwMinimumCipherStrength = min_bits;
    sc.dwMaximumCipherStrength = max_bits;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, cred, NULL);
    CertFreeCertificateContext(cert);
    return st;
}

/* The server picks, from a client offering all five kinds, the one its policy allows. */
static void negotiated_with_server_policy(ALG_ID *algs, DWORD nalgs, DWORD min_bits, DWORD max_bits, uint32_t want)
{
    h_pair p;
    h_pair_blank(&p);
    h_client_protocols = SP_PROT_SSL2_CLIENT;
    REQUIRE_STATUS(ssl2_server_cred_algs(&p.scred, algs, nalgs, min_bits, max_bits), SEC_E_OK);
    p.have_scred = 1;
    REQUIRE_STATUS(h_client_cred(&p.ccred, 0), SEC_E_OK);
    p.have_ccred = 1;
    /* A client offers the export kind only when it names it. */
    if (want == 0x020080)
        CHECK_STATUS(OpenSchannelSetSsl2CipherKinds(&p.ccred, &want, 1), SEC_E_OK);
    if (h_handshake(&p)) {
        SecPkgContext_CipherInfo cp;
        CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CIPHER_INFO, &cp), SEC_E_OK);
        CHECK_EQ(cp.dwCipherSuite, want);
    }
    h_pair_free(&p);
}

static void test_palg_supported_algs_and_strengths(void)
{
    ALG_ID rc2[] = {CALG_RC2};
    negotiated_with_server_policy(rc2, 1, 0, 0, 0x030080);
    ALG_ID des[] = {CALG_DES, CALG_MD5, CALG_RSA_KEYX};
    negotiated_with_server_policy(des, 3, 0, 0, 0x060040);
    negotiated_with_server_policy(NULL, 0, 0, 40, 0x020080);  /* only the 40-bit export kind */
    negotiated_with_server_policy(NULL, 0, 150, 0, 0x0700C0); /* only 3DES is that strong */
    /* A hash list without MD5 leaves SSL 2.0 nothing. */
    CredHandle c;
    ALG_ID sha[] = {CALG_SHA1};
    CHECK_STATUS(ssl2_server_cred_algs(&c, sha, 1, 0, 0), SEC_E_ALGORITHM_MISMATCH);
}

TEST_MAIN(test_kind_rc4_128, test_kind_3des, test_kind_rc2_128, test_kind_des_64, test_kind_rc4_export40,
          test_missing_extra_and_tampering, test_shutdown_sends_nothing, test_default_credentials_refuse_ssl2,
          test_renegotiation_is_refused, test_palg_supported_algs_and_strengths)
