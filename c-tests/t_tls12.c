/*
 * t_tls12.c: the library defaults (grbitEnabledProtocols = 0 on both sides: TLS 1.2 down to
 * TLS 1.0) through the SSPI ABI, every TLS 1.2 suite family in memory, the TLS 1.2 stream sizes
 * (cbHeader counts the explicit nonce or IV, as on Windows), ECDSA server certificates, and
 * version negotiation between restricted credentials.
 */
#include "harness.h"

#define H_SERVER_ECDSA_PEM "tests/data/server-ecdsa.pem"
#define H_SERVER_ECDSA_KEY "tests/data/server-ecdsa.key"

/* A pair with the library's default protocols; `ecdsa` gives the server the P-256 certificate. */
static int pair_defaults(h_pair *p, uint16_t suite, int ecdsa)
{
    h_server_protocols = 0;
    h_client_protocols = 0;
    int ok;
    if (!ecdsa) {
        ok = h_pair_init(p, suite);
    } else {
        h_pair_blank(p);
        PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_ECDSA_PEM, H_SERVER_ECDSA_KEY, NULL);
        ok = h_check(cert != NULL, __FILE__, __LINE__, "OpenSchannelLoadCertificateFiles(ECDSA) != NULL");
        if (ok) {
            SCHANNEL_CRED sc;
            memset(&sc, 0, sizeof sc);
            sc.dwVersion = SCHANNEL_CRED_VERSION;
            sc.cCreds = 1;
            sc.paCred = &cert;
            ok = h_check_status(AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, &p->scred, NULL),
                                SEC_E_OK, __FILE__, __LINE__, "ACH(ECDSA server)");
            CertFreeCertificateContext(cert);
            p->have_scred = ok;
            if (ok && suite)
                ok = h_check_status(OpenSchannelSetCipherSuites(&p->scred, &suite, 1), SEC_E_OK, __FILE__, __LINE__, "server suite");
        }
        if (ok) {
            ok = h_check_status(h_client_cred(&p->ccred, suite), SEC_E_OK, __FILE__, __LINE__, "h_client_cred");
            p->have_ccred = ok;
        }
    }
    h_server_protocols = SP_PROT_TLS1_0_SERVER;
    h_client_protocols = SP_PROT_TLS1_0_CLIENT;
    return ok;
}

struct expect {
    uint16_t id;
    ALG_ID exch;
    DWORD header; /* cbHeader: 5 + explicit nonce (GCM 8) or IV (CBC 16) */
    DWORD trailer;
    int ecdsa;
};

static void run(const struct expect *e)
{
    h_pair p;
    if (pair_defaults(&p, e->id, e->ecdsa) && h_handshake(&p)) {
        SecPkgContext_ConnectionInfo ci;
        REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
        CHECK_EQ(ci.dwProtocol, SP_PROT_TLS1_2_CLIENT);
        CHECK_EQ(ci.aiExch, e->exch);
        /* X25519 for ECDHE (our first group), ffdhe2048 for DHE, the 2048-bit RSA key otherwise */
        CHECK_EQ(ci.dwExchStrength, e->exch == CALG_ECDH_EPHEM ? 255 : 2048);
        REQUIRE_STATUS(QueryContextAttributesA(&p.sctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
        CHECK_EQ(ci.dwProtocol, SP_PROT_TLS1_2_SERVER);
        SecPkgContext_CipherInfo info;
        REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CIPHER_INFO, &info), SEC_E_OK);
        CHECK_EQ(info.dwCipherSuite, e->id);
        CHECK(h_wcs_eq_ascii(info.szCertificate, e->ecdsa ? "ECDSA" : "RSA"));
        SecPkgContext_StreamSizes sz;
        if (h_sizes(&p.cctx, &sz)) {
            CHECK_EQ(sz.cbHeader, e->header);
            CHECK_EQ(sz.cbTrailer, e->trailer);
            CHECK_EQ(sz.cbMaximumMessage, 16384);
        }
        uint8_t big[16384];
        h_pattern(big, sizeof big, e->id);
        const size_t lens[] = {0, 1, 100, 16384};
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            h_roundtrip(&p.cctx, &p.sctx, big, lens[i], "client -> server");
            h_roundtrip(&p.sctx, &p.cctx, big, lens[i], "server -> client");
        }
    }
    h_pair_free(&p);
}

/* With nothing configured the pair agrees on TLS 1.2 and our first RSA-certificate suite. */
static void test_defaults_negotiate_tls12_ecdhe_aes_gcm(void)
{
    const struct expect e = {0xC02F, CALG_ECDH_EPHEM, 13, 16, 0};
    h_pair p;
    if (pair_defaults(&p, 0, 0) && h_handshake(&p)) {
        SecPkgContext_CipherInfo info;
        REQUIRE_STATUS(QueryContextAttributesA(&p.sctx, SECPKG_ATTR_CIPHER_INFO, &info), SEC_E_OK);
        CHECK_EQ(info.dwCipherSuite, e.id);
        CHECK(h_wcs_eq_ascii(info.szCipherSuite, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        CHECK_EQ(info.dwProtocol, 0x0303);
    }
    h_pair_free(&p);
    run(&e);
}

static void test_ecdhe_rsa_aes256_gcm(void) { run(&(struct expect){0xC030, CALG_ECDH_EPHEM, 13, 16, 0}); }
static void test_ecdhe_rsa_chacha20(void) { run(&(struct expect){0xCCA8, CALG_ECDH_EPHEM, 5, 16, 0}); }
static void test_dhe_rsa_aes128_gcm(void) { run(&(struct expect){0x009E, CALG_DH_EPHEM, 13, 16, 0}); }
static void test_rsa_aes128_gcm(void) { run(&(struct expect){0x009C, CALG_RSA_KEYX, 13, 16, 0}); }
static void test_rsa_aes256_cbc_sha256(void) { run(&(struct expect){0x003D, CALG_RSA_KEYX, 21, 32 + 16, 0}); }
static void test_ecdhe_rsa_aes256_cbc_sha384(void) { run(&(struct expect){0xC028, CALG_ECDH_EPHEM, 21, 48 + 16, 0}); }
static void test_ecdhe_rsa_aes128_cbc_sha(void) { run(&(struct expect){0xC013, CALG_ECDH_EPHEM, 21, 20 + 16, 0}); }
static void test_ecdhe_ecdsa_aes128_gcm(void) { run(&(struct expect){0xC02B, CALG_ECDH_EPHEM, 13, 16, 1}); }
static void test_ecdhe_ecdsa_chacha20(void) { run(&(struct expect){0xCCA9, CALG_ECDH_EPHEM, 5, 16, 1}); }

/* A default client meets a TLS 1.0-only server: TLS 1.0 with the 5-byte header. */
static void test_default_client_meets_tls10_server(void)
{
    h_pair p;
    h_client_protocols = 0;
    int ok = h_pair_init(&p, 0);
    h_client_protocols = SP_PROT_TLS1_0_CLIENT;
    if (ok && h_handshake(&p)) {
        SecPkgContext_ConnectionInfo ci;
        REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
        CHECK_EQ(ci.dwProtocol, SP_PROT_TLS1_0_CLIENT);
        SecPkgContext_StreamSizes sz;
        if (h_sizes(&p.cctx, &sz))
            CHECK_EQ(sz.cbHeader, 5);
        const uint8_t msg[] = "downgraded on purpose";
        h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg, "client -> server");
    }
    h_pair_free(&p);
}

/*
 * No version in common. A TLS 1.0-only client meets a TLS 1.2-only server: the server refuses
 * the hello. A TLS 1.2-only client meets a TLS 1.0-only server: the server cannot know the
 * client's floor and answers TLS 1.0; the client refuses the ServerHello. Either way the side
 * that refuses reports SEC_E_UNSUPPORTED_FUNCTION and sends protocol_version (70), and the other
 * side reports the same status when it reads the alert.
 */
static void no_common_version(DWORD client, DWORD server, int server_refuses)
{
    h_pair p;
    h_client_protocols = client;
    h_server_protocols = server;
    int ok = h_pair_init(&p, 0);
    h_client_protocols = SP_PROT_TLS1_0_CLIENT;
    h_server_protocols = SP_PROT_TLS1_0_SERVER;
    if (ok) {
        hbuf c1 = {0}, s1 = {0}, c2 = {0};
        CHECK_STATUS(h_call(&p, 0, NULL, 0, 1, &c1, 0).st, SEC_I_CONTINUE_NEEDED);
        h_step b = h_call(&p, 1, c1.p, c1.len, 0, &s1, 0);
        h_step c = h_call(&p, 0, s1.p, s1.len, 0, &c2, 0);
        CHECK_STATUS(b.st, server_refuses ? SEC_E_UNSUPPORTED_FUNCTION : SEC_I_CONTINUE_NEEDED);
        CHECK_STATUS(c.st, SEC_E_UNSUPPORTED_FUNCTION);
        const hbuf *alert = server_refuses ? &s1 : &c2;
        if (h_check(alert->len >= 7, __FILE__, __LINE__, "an alert record was sent")) {
            CHECK_EQ(alert->p[0], 21);
            CHECK_EQ(alert->p[6], 70);
        }
        hbuf_free(&c1);
        hbuf_free(&s1);
        hbuf_free(&c2);
    }
    h_pair_free(&p);
}

static void test_no_common_version(void)
{
    no_common_version(SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_2_SERVER, 1);
    no_common_version(SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_0_SERVER, 0);
}

/*
 * OpenSchannelAddServerCertificate: an RSA server credential gains an ECDSA certificate; a client
 * that offers only ECDHE_ECDSA gets the ECDSA one, a client that offers only RSA suites the RSA
 * one. Client credentials and certificates without keys are refused.
 */
static void test_added_server_certificate_serves_ecdsa_clients(void)
{
    PCCERT_CONTEXT ec = OpenSchannelLoadCertificateFiles(H_SERVER_ECDSA_PEM, H_SERVER_ECDSA_KEY, NULL);
    REQUIRE(ec != NULL);
    const uint16_t suites[] = {0xC02B, 0xC02F};
    for (int i = 0; i < 2; i++) {
        h_pair p;
        if (pair_defaults(&p, 0, 0)) {
            CHECK_STATUS(OpenSchannelAddServerCertificate(&p.scred, ec), SEC_E_OK);
            CHECK_STATUS(OpenSchannelSetCipherSuites(&p.ccred, &suites[i], 1), SEC_E_OK);
            CHECK_STATUS(OpenSchannelAddServerCertificate(&p.ccred, ec), SEC_E_UNKNOWN_CREDENTIALS);
            if (h_handshake(&p)) {
                SecPkgContext_CipherInfo info;
                REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CIPHER_INFO, &info), SEC_E_OK);
                CHECK_EQ(info.dwCipherSuite, suites[i]);
                CHECK(h_wcs_eq_ascii(info.szCertificate, i == 0 ? "ECDSA" : "RSA"));
                const uint8_t msg[] = "which key?";
                h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg, "client -> server");
            }
        }
        h_pair_free(&p);
    }
    CHECK(CertFreeCertificateContext(ec) == TRUE);
    CHECK_STATUS(OpenSchannelAddServerCertificate(NULL, NULL), SEC_E_INVALID_HANDLE);
}

/*
 * DHE-DSS (issue 3): an RSA server credential with a DSA certificate added serves a client that
 * offers only TLS_DHE_DSS_WITH_AES_128_CBC_SHA with the DSA one (its chain checked against the DSA
 * root of tests/data), and the attributes name the DSA key and the DH exchange as Schannel does.
 */
static void test_dhe_dss_with_an_added_dsa_certificate(void)
{
    PCCERT_CONTEXT dsa = OpenSchannelLoadCertificateFiles("tests/data/server-dsa.pem", "tests/data/server-dsa.key", NULL);
    REQUIRE(dsa != NULL);
    const uint16_t server_suites[] = {0x0032, 0x002F};
    const uint16_t dss = 0x0032;
    h_pair p;
    int ok = pair_defaults(&p, 0, 0);
    if (ok) {
        CHECK_STATUS(OpenSchannelAddServerCertificate(&p.scred, dsa), SEC_E_OK);
        CHECK_STATUS(OpenSchannelSetCipherSuites(&p.scred, server_suites, 2), SEC_E_OK);
        /* a client trusting only the DSA root, offering only the DHE-DSS suite */
        CHECK_STATUS(FreeCredentialsHandle(&p.ccred), SEC_E_OK);
        HCERTSTORE roots = OpenSchannelOpenCaFile("tests/data/dsa-ca.pem");
        REQUIRE(roots != NULL);
        SCHANNEL_CRED sc;
        memset(&sc, 0, sizeof sc);
        sc.dwVersion = SCHANNEL_CRED_VERSION;
        sc.hRootStore = roots;
        ok = h_check_status(AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &p.ccred, NULL),
                            SEC_E_OK, __FILE__, __LINE__, "ACH(client, DSA root)");
        p.have_ccred = ok;
        CertCloseStore(roots, 0);
        if (ok)
            CHECK_STATUS(OpenSchannelSetCipherSuites(&p.ccred, &dss, 1), SEC_E_OK);
    }
    if (ok && h_handshake(&p)) {
        SecPkgContext_ConnectionInfo ci;
        REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
        CHECK_EQ(ci.dwProtocol, SP_PROT_TLS1_2_CLIENT);
        CHECK_EQ(ci.aiExch, CALG_DH_EPHEM);
        CHECK_EQ(ci.dwExchStrength, 2048);
        CHECK_EQ(ci.aiCipher, CALG_AES_128);
        CHECK_EQ(ci.aiHash, CALG_SHA1);
        SecPkgContext_CipherInfo info;
        REQUIRE_STATUS(QueryContextAttributesA(&p.sctx, SECPKG_ATTR_CIPHER_INFO, &info), SEC_E_OK);
        CHECK_EQ(info.dwCipherSuite, dss);
        CHECK(h_wcs_eq_ascii(info.szCipherSuite, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"));
        CHECK(h_wcs_eq_ascii(info.szCertificate, "DSA"));
        CHECK(h_wcs_eq_ascii(info.szExchange, "DH"));
        SecPkgContext_KeyInfoA ka;
        REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_KEY_INFO, &ka), SEC_E_OK);
        CHECK_EQ(ka.SignatureAlgorithm, CALG_DSS_SIGN);
        CHECK(strcmp(ka.sSignatureAlgorithmName, "DSA") == 0);
        CHECK_STATUS(FreeContextBuffer(ka.sSignatureAlgorithmName), SEC_E_OK);
        CHECK_STATUS(FreeContextBuffer(ka.sEncryptAlgorithmName), SEC_E_OK);
        const uint8_t msg[] = "signed with DSA";
        h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg, "client -> server");
        h_roundtrip(&p.sctx, &p.cctx, msg, sizeof msg, "server -> client");
    }
    h_pair_free(&p);
    CHECK(CertFreeCertificateContext(dsa) == TRUE);
}

/* Record body lengths of `wire` (whole records). */
static int record_bodies(const hbuf *wire, size_t *out, int max)
{
    int n = 0;
    for (size_t off = 0; off + 5 <= wire->len && n < max; n++) {
        out[n] = ((size_t)wire->p[off + 3] << 8) | wire->p[off + 4];
        off += 5 + out[n];
    }
    return n;
}

/*
 * Encrypt-then-MAC (RFC 7366) at TLS 1.0 with AES-128-CBC-SHA: on by default, the 12-byte write
 * (split 1 + 11) gives two records of 16 (padded data) + 20 (MAC) = 36 bytes; turned off with
 * OpenSchannelSetEncryptThenMac on either side, the MAC-then-encrypt records are 32 + 32.
 */
static void test_encrypt_then_mac_record_layout(void)
{
    const uint16_t suite = 0x002F;
    for (int off_side = -1; off_side < 2; off_side++) {
        h_pair p;
        if (h_pair_init(&p, suite)) {
            /* the harness turns it off for its TLS 1.0 credentials; back to the library default */
            CHECK_STATUS(OpenSchannelSetEncryptThenMac(&p.scred, off_side != 1), SEC_E_OK);
            CHECK_STATUS(OpenSchannelSetEncryptThenMac(&p.ccred, off_side != 0), SEC_E_OK);
            if (h_handshake(&p)) {
                hbuf wire = {0}, plain = {0};
                CHECK_STATUS(h_encrypt(&p.cctx, "hello world\n", 12, &wire), SEC_E_OK);
                size_t bodies[4];
                int n = record_bodies(&wire, bodies, 4);
                CHECK_EQ(n, 2);
                size_t want = off_side < 0 ? 36 : 32;
                if (n == 2) {
                    CHECK_EQ(bodies[0], want);
                    CHECK_EQ(bodies[1], want);
                }
                int nrec = 0;
                CHECK_STATUS(h_decrypt_all(&p.sctx, wire.p, wire.len, &plain, &nrec), SEC_E_OK);
                CHECK(plain.len == 12 && memcmp(plain.p, "hello world\n", 12) == 0);
                hbuf_free(&wire);
                hbuf_free(&plain);
            }
        }
        h_pair_free(&p);
    }
    CHECK_STATUS(OpenSchannelSetEncryptThenMac(NULL, TRUE), SEC_E_INVALID_HANDLE);
}

TEST_MAIN(test_encrypt_then_mac_record_layout, test_added_server_certificate_serves_ecdsa_clients, test_dhe_dss_with_an_added_dsa_certificate, test_defaults_negotiate_tls12_ecdhe_aes_gcm, test_ecdhe_rsa_aes256_gcm, test_ecdhe_rsa_chacha20, test_dhe_rsa_aes128_gcm,
          test_rsa_aes128_gcm, test_rsa_aes256_cbc_sha256, test_ecdhe_rsa_aes256_cbc_sha384, test_ecdhe_rsa_aes128_cbc_sha,
          test_ecdhe_ecdsa_aes128_gcm, test_ecdhe_ecdsa_chacha20, test_default_client_meets_tls10_server, test_no_common_version)
