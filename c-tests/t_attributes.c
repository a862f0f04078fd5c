/*
 * t_attributes.c: the context attributes that return provider memory (issue 5, point 4):
 * SECPKG_ATTR_NAMES, KEY_INFO, UNIQUE_BINDINGS and ENDPOINT_BINDINGS (RFC 5929), in A and W
 * forms, freed with FreeContextBuffer; NEGOTIATION_INFO is unsupported as on Windows.
 */
#include "harness.h"

/* The application data of a SEC_CHANNEL_BINDINGS block, checked for `prefix`. */
static const uint8_t *binding_data(const SecPkgContext_Bindings *b, const char *prefix, ULONG *len)
{
    const SEC_CHANNEL_BINDINGS *cb = b->Bindings;
    *len = 0;
    if (!h_check(cb != NULL && b->BindingsLength >= sizeof *cb, __FILE__, __LINE__, "bindings present"))
        return NULL;
    CHECK_EQ(cb->dwApplicationDataOffset, sizeof *cb);
    CHECK_EQ(cb->cbInitiatorLength, 0);
    CHECK_EQ(cb->cbAcceptorLength, 0);
    CHECK_EQ(b->BindingsLength, sizeof *cb + cb->cbApplicationDataLength);
    const uint8_t *data = (const uint8_t *)cb + cb->dwApplicationDataOffset;
    size_t pl = strlen(prefix);
    CHECK(cb->cbApplicationDataLength > pl && memcmp(data, prefix, pl) == 0);
    *len = cb->cbApplicationDataLength - (ULONG)pl;
    return data + pl;
}

static void check_bindings(h_pair *p, ULONG attr, const char *prefix, ULONG want_len)
{
    SecPkgContext_Bindings c, s;
    REQUIRE_STATUS(QueryContextAttributesA(&p->cctx, attr, &c), SEC_E_OK);
    REQUIRE_STATUS(QueryContextAttributesA(&p->sctx, attr, &s), SEC_E_OK);
    ULONG cl, sl;
    const uint8_t *cd = binding_data(&c, prefix, &cl), *sd = binding_data(&s, prefix, &sl);
    CHECK_EQ(cl, want_len);
    CHECK(cd && sd && cl == sl && memcmp(cd, sd, cl) == 0); /* both ends bind the same channel */
    CHECK_STATUS(FreeContextBuffer(c.Bindings), SEC_E_OK);
    CHECK_STATUS(FreeContextBuffer(s.Bindings), SEC_E_OK);
}

static void test_attributes_tls12(void)
{
    h_pair p;
    h_server_protocols = 0;
    h_client_protocols = 0;
    int ok = h_pair_init(&p, 0x009C); /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
    h_server_protocols = SP_PROT_TLS1_0_SERVER;
    h_client_protocols = SP_PROT_TLS1_0_CLIENT;
    if (ok && h_handshake(&p)) {
        /* the client names the server by its certificate subject */
        SecPkgContext_NamesA na;
        REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_NAMES, &na), SEC_E_OK);
        CHECK(na.sUserName && strstr(na.sUserName, "CN=localhost") != NULL);
        CHECK_STATUS(FreeContextBuffer(na.sUserName), SEC_E_OK);
        SecPkgContext_NamesW nw;
        REQUIRE_STATUS(QueryContextAttributesW(&p.cctx, SECPKG_ATTR_NAMES, &nw), SEC_E_OK);
        CHECK(nw.sUserName && nw.sUserName[0] == 'C' && nw.sUserName[1] == 'N' && nw.sUserName[2] == '=');
        CHECK_STATUS(FreeContextBuffer(nw.sUserName), SEC_E_OK);
        /* the server has no client certificate: no name */
        CHECK_STATUS(QueryContextAttributesA(&p.sctx, SECPKG_ATTR_NAMES, &na), SEC_E_NO_CREDENTIALS);

        SecPkgContext_KeyInfoA ka;
        REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_KEY_INFO, &ka), SEC_E_OK);
        CHECK_EQ(ka.KeySize, 128);
        CHECK_EQ(ka.EncryptAlgorithm, CALG_AES_128);
        CHECK_EQ(ka.SignatureAlgorithm, 0x2400); /* CALG_RSA_SIGN */
        CHECK(strcmp(ka.sSignatureAlgorithmName, "RSA") == 0 && strcmp(ka.sEncryptAlgorithmName, "AES") == 0);
        CHECK_STATUS(FreeContextBuffer(ka.sSignatureAlgorithmName), SEC_E_OK);
        CHECK_STATUS(FreeContextBuffer(ka.sEncryptAlgorithmName), SEC_E_OK);
        SecPkgContext_KeyInfoW kw;
        REQUIRE_STATUS(QueryContextAttributesW(&p.sctx, SECPKG_ATTR_KEY_INFO, &kw), SEC_E_OK);
        CHECK(h_wcs_eq_ascii(kw.sEncryptAlgorithmName, "AES") && h_wcs_eq_ascii(kw.sSignatureAlgorithmName, "RSA"));
        FreeContextBuffer(kw.sSignatureAlgorithmName);
        FreeContextBuffer(kw.sEncryptAlgorithmName);

        /* tls-unique: the 12-byte Finished; tls-server-end-point: SHA-256 of the certificate */
        check_bindings(&p, SECPKG_ATTR_UNIQUE_BINDINGS, "tls-unique:", 12);
        check_bindings(&p, SECPKG_ATTR_ENDPOINT_BINDINGS, "tls-server-end-point:", 32);

        uint8_t junk[64];
        CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_NEGOTIATION_INFO, junk), SEC_E_UNSUPPORTED_FUNCTION);
    }
    h_pair_free(&p);
}

/* Export suites report Windows' values: 40/56-bit cipher strength, the CALG of the bulk cipher,
 * and the temporary RSA key's size (512/1024 bits; server.pem's key is 2048) as the exchange
 * strength, on both sides. */
static void test_attributes_export(void)
{
    static const struct {
        uint16_t suite;
        ALG_ID cipher, hash;
        DWORD strength, exch, block;
        const char *name;
    } rows[] = {
        {0x0006, CALG_RC2, CALG_MD5, 40, 512, 8, "RC2"},  /* TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 */
        {0x0003, CALG_RC4, CALG_MD5, 40, 512, 0, "RC4"},  /* TLS_RSA_EXPORT_WITH_RC4_40_MD5 */
        {0x0064, CALG_RC4, CALG_SHA1, 56, 1024, 0, "RC4"}, /* TLS_RSA_EXPORT1024_WITH_RC4_56_SHA */
        {0x0062, CALG_DES, CALG_SHA1, 56, 1024, 8, "DES"}, /* TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        h_pair p;
        if (h_pair_init(&p, rows[i].suite) && h_handshake(&p)) {
            CtxtHandle *sides[2] = {&p.cctx, &p.sctx};
            for (int s = 0; s < 2; s++) {
                SecPkgContext_ConnectionInfo ci;
                REQUIRE_STATUS(QueryContextAttributesA(sides[s], SECPKG_ATTR_CONNECTION_INFO, &ci), SEC_E_OK);
                CHECK_EQ(ci.aiCipher, rows[i].cipher);
                CHECK_EQ(ci.dwCipherStrength, rows[i].strength);
                CHECK_EQ(ci.aiHash, rows[i].hash);
                CHECK_EQ(ci.aiExch, CALG_RSA_KEYX);
                CHECK_EQ(ci.dwExchStrength, rows[i].exch);
                SecPkgContext_CipherInfo cip;
                REQUIRE_STATUS(QueryContextAttributesA(sides[s], SECPKG_ATTR_CIPHER_INFO, &cip), SEC_E_OK);
                CHECK_EQ(cip.dwCipherSuite, rows[i].suite);
                CHECK(h_wcs_eq_ascii(cip.szCipher, rows[i].name));
                CHECK_EQ(cip.dwCipherLen, rows[i].strength);
                CHECK_EQ(cip.dwCipherBlockLen, rows[i].block);
                CHECK_EQ(cip.dwMinExchangeLen, rows[i].exch);
            }
            const uint8_t msg[] = "export";
            h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg, "client to server");
            h_roundtrip(&p.sctx, &p.cctx, msg, sizeof msg, "server to client");
        }
        h_pair_free(&p);
    }
}

/* tls-unique changes with every connection; after a resumption it is the server's Finished. */
static void test_unique_bindings_differ_per_connection(void)
{
    uint8_t first[12] = {0};
    for (int i = 0; i < 2; i++) {
        h_pair p;
        if (h_pair_connect(&p, 0)) {
            SecPkgContext_Bindings b;
            REQUIRE_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_UNIQUE_BINDINGS, &b), SEC_E_OK);
            ULONG len;
            const uint8_t *d = binding_data(&b, "tls-unique:", &len);
            if (d && len == 12) {
                if (i == 0)
                    memcpy(first, d, 12);
                else
                    CHECK(memcmp(first, d, 12) != 0);
            }
            FreeContextBuffer(b.Bindings);
        }
        h_pair_free(&p);
    }
}

TEST_MAIN(test_attributes_tls12, test_attributes_export, test_unique_bindings_differ_per_connection)
