/*
 * t_capi.c: the CryptoAPI subset through the C ABI.
 *
 * A server certificate comes out of a PKCS#12 file (tests/data/server.p12, password "test") with
 * PFXImportCertStore, is found by subject with CertFindCertificateInStore, goes into
 * SCHANNEL_CRED.paCred, and an in-process handshake completes; the client reads the server's
 * chain back through SECPKG_ATTR_REMOTE_CERT_CONTEXT and its hCertStore. Also: names, thumbprints,
 * properties with the two-call size protocol and GetLastError, memory/file/system stores,
 * CertGetCertificateChain + CertVerifyCertificateChainPolicy (SSL) and bad arguments.
 *
 * The ROOT system store is tests/data/stores/root (OPENSCHANNEL_STORE_DIR, set before main), which
 * holds tests/data/ca.pem; nothing is generated at run time.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "harness.h"

__attribute__((constructor)) static void use_test_stores(void)
{
    setenv("OPENSCHANNEL_STORE_DIR", "tests/data/stores", 1);
}

#define ENC (X509_ASN_ENCODING | PKCS_7_ASN_ENCODING)

static const uint8_t SERVER_SHA1[20] = {0x82, 0xDD, 0x0D, 0xE6, 0x36, 0xE3, 0x4A, 0x10, 0x93, 0xB1,
                                        0xE8, 0x65, 0x33, 0xAE, 0x4D, 0x6A, 0x31, 0xA9, 0xA7, 0x86};

static uint8_t *read_all(const char *path, DWORD *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(65536);
    size_t n = fread(buf, 1, 65536, f);
    fclose(f);
    *len = (DWORD)n;
    return buf;
}

/* PFXImportCertStore on a tests/data file with a UTF-16 password. */
static HCERTSTORE import_pfx(const char *path, const uint16_t *password)
{
    DWORD len = 0;
    uint8_t *der = read_all(path, &len);
    if (!h_check(der != NULL, __FILE__, __LINE__, "read PKCS#12 file"))
        return NULL;
    CRYPT_DATA_BLOB blob = {len, der};
    h_check(PFXIsPFXBlob(&blob), __FILE__, __LINE__, "PFXIsPFXBlob");
    HCERTSTORE s = PFXImportCertStore(&blob, password, CRYPT_EXPORTABLE);
    free(der);
    return s;
}

/* The one certificate of a PEM/DER file, through a FILENAME store. */
static PCCERT_CONTEXT file_cert(const char *path)
{
    HCERTSTORE s = CertOpenStore(CERT_STORE_PROV_FILENAME_A, ENC, 0, CERT_STORE_OPEN_EXISTING_FLAG, path);
    if (!s)
        return NULL;
    PCCERT_CONTEXT c = CertEnumCertificatesInStore(s, NULL);
    CertCloseStore(s, 0); /* the context keeps its store alive */
    return c;
}

static int count_store(HCERTSTORE s)
{
    int n = 0;
    for (PCCERT_CONTEXT c = CertEnumCertificatesInStore(s, NULL); c; c = CertEnumCertificatesInStore(s, c))
        n++;
    return n;
}

static int same_cert(PCCERT_CONTEXT a, PCCERT_CONTEXT b)
{
    return a && b && a->cbCertEncoded == b->cbCertEncoded && memcmp(a->pbCertEncoded, b->pbCertEncoded, a->cbCertEncoded) == 0;
}

/* Server credential holding `cert` (SCHANNEL_CRED.paCred). */
static SECURITY_STATUS server_cred_from(PCCERT_CONTEXT cert, CredHandle *cred)
{
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = &cert;
    sc.grbitEnabledProtocols = h_server_protocols;
    return AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, cred, NULL);
}

/* PFX → find by subject → server credential → handshake → the client sees the same certificate. */
static void pfx_handshake(const char *pfx, DWORD expect_key_spec)
{
    HCERTSTORE store = import_pfx(pfx, u"test");
    REQUIRE(store != NULL);
    CHECK_EQ(count_store(store), 2); /* the leaf and the CA */
    PCCERT_CONTEXT cert = CertFindCertificateInStore(store, ENC, 0, CERT_FIND_SUBJECT_STR_A, "localhost", NULL);
    REQUIRE(cert != NULL);
    CHECK(cert->hCertStore == store);
    /* A case-insensitive substring also matches; the CA does not contain "LOCALHOST". */
    PCCERT_CONTEXT again = CertFindCertificateInStore(store, ENC, 0, CERT_FIND_SUBJECT_STR_W, u"LOCALH", NULL);
    CHECK(again == cert);
    CHECK(CertFindCertificateInStore(store, ENC, 0, CERT_FIND_SUBJECT_STR_W, u"LOCALH", again) == NULL); /* frees `again` */
    CHECK_EQ(GetLastError(), CRYPT_E_NOT_FOUND);

    /* The private key is reported through CERT_KEY_PROV_INFO_PROP_ID (two-call protocol). */
    DWORD cb = 0;
    CHECK(CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb));
    CHECK(cb > sizeof(CRYPT_KEY_PROV_INFO));
    CRYPT_KEY_PROV_INFO *info = malloc(cb);
    CHECK(CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, info, &cb));
    CHECK_EQ(info->dwKeySpec, expect_key_spec);
    CHECK(info->pwszContainerName != NULL && info->pwszContainerName[0] == 'o');
    CHECK((uint8_t *)info->pwszProvName > (uint8_t *)info && (uint8_t *)info->pwszProvName < (uint8_t *)info + cb);
    free(info);
    /* The CA in the same file has no key. */
    PCCERT_CONTEXT ca = CertFindCertificateInStore(store, ENC, 0, CERT_FIND_SUBJECT_STR_A, "test CA", NULL);
    REQUIRE(ca != NULL);
    cb = 0;
    CHECK(!CertGetCertificateContextProperty(ca, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb));
    CHECK_EQ(GetLastError(), CRYPT_E_NOT_FOUND);
    CertFreeCertificateContext(ca);

    h_pair p;
    h_pair_blank(&p);
    REQUIRE_STATUS(server_cred_from(cert, &p.scred), SEC_E_OK);
    p.have_scred = 1;
    REQUIRE_STATUS(h_client_cred(&p.ccred, 0), SEC_E_OK);
    p.have_ccred = 1;
    /* The credential keeps what it needs: store and context can go first. */
    CHECK(CertCloseStore(store, 0));
    if (h_handshake(&p)) {
        PCCERT_CONTEXT remote = NULL;
        CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &remote), SEC_E_OK);
        CHECK(same_cert(remote, cert));
        if (remote) {
            /* The peer's chain is in the context's store: the leaf only (the root is not sent). */
            CHECK(remote->hCertStore != NULL);
            PCCERT_CONTEXT first = CertEnumCertificatesInStore(remote->hCertStore, NULL);
            CHECK(first == remote);
            CHECK(CertEnumCertificatesInStore(remote->hCertStore, first) == NULL);
            CHECK(CertFreeCertificateContext(remote));
        }
    }
    h_pair_free(&p);
    CHECK(CertFreeCertificateContext(cert));
}

static void pfx_rsa_server(void)
{
    pfx_handshake("tests/data/server.p12", AT_KEYEXCHANGE);
}

static void pfx_ecdsa_server(void)
{
    /* ECDSA needs TLS 1.2's ECDHE-ECDSA suites: library defaults, not the harness' TLS 1.0. */
    DWORD s = h_server_protocols, c = h_client_protocols;
    h_server_protocols = h_client_protocols = 0;
    pfx_handshake("tests/data/server-ecdsa.p12", CERT_NCRYPT_KEY_SPEC);
    h_server_protocols = s;
    h_client_protocols = c;
}

static void pfx_errors(void)
{
    SetLastError(0);
    CHECK(import_pfx("tests/data/server.p12", u"wrong") == NULL);
    CHECK_EQ(GetLastError(), ERROR_INVALID_PASSWORD);
    CHECK(import_pfx("tests/data/server.p12", NULL) == NULL);
    CHECK_EQ(GetLastError(), ERROR_INVALID_PASSWORD);
    CHECK(PFXImportCertStore(NULL, u"test", 0) == NULL);
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    DWORD len = 0;
    uint8_t *pem = read_all("tests/data/server.pem", &len);
    REQUIRE(pem != NULL);
    CRYPT_DATA_BLOB blob = {len, pem};
    CHECK(!PFXIsPFXBlob(&blob));
    CHECK(PFXImportCertStore(&blob, u"test", 0) == NULL);
    CHECK_EQ(GetLastError(), CRYPT_E_BAD_ENCODE);
    free(pem);
}

static void names(void)
{
    PCCERT_CONTEXT c = file_cert("tests/data/server.pem");
    REQUIRE(c != NULL);
    char buf[64];
    uint16_t wbuf[64];
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, NULL, 0), 10); /* "localhost" + NUL */
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, buf, sizeof buf), 10);
    CHECK(strcmp(buf, "localhost") == 0);
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, CERT_NAME_ISSUER_FLAG, NULL, buf, sizeof buf), 21);
    CHECK(strcmp(buf, "openschannel test CA") == 0);
    CHECK_EQ(CertGetNameStringW(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, wbuf, 64), 10);
    CHECK(h_wcs_eq_ascii(wbuf, "localhost"));
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_ATTR_TYPE, 0, szOID_COMMON_NAME, buf, sizeof buf), 10);
    CHECK(strcmp(buf, "localhost") == 0);
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_ATTR_TYPE, 0, szOID_ORGANIZATION_NAME, buf, sizeof buf), 1);
    CHECK(buf[0] == 0);
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_DNS_TYPE, 0, NULL, buf, sizeof buf), 10);
    CHECK(strcmp(buf, "localhost") == 0);
    DWORD str_type = CERT_X500_NAME_STR;
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_RDN_TYPE, CERT_NAME_ISSUER_FLAG, &str_type, buf, sizeof buf), 24);
    CHECK(strcmp(buf, "CN=openschannel test CA") == 0);
    /* A short buffer gets a truncated, terminated prefix. */
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, buf, 4), 4);
    CHECK(strcmp(buf, "loc") == 0);
    CHECK_EQ(CertGetNameStringW(c, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, wbuf, 4), 4);
    CHECK(h_wcs_eq_ascii(wbuf, "loc"));
    /* CERT_FRIENDLY_NAME_PROP_ID set by the caller wins for FRIENDLY_DISPLAY. */
    static const uint16_t friendly[] = u"srv";
    CRYPT_DATA_BLOB fb = {sizeof friendly, (BYTE *)friendly};
    CHECK(CertSetCertificateContextProperty(c, CERT_FRIENDLY_NAME_PROP_ID, 0, &fb));
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_FRIENDLY_DISPLAY_TYPE, 0, NULL, buf, sizeof buf), 4);
    CHECK(strcmp(buf, "srv") == 0);
    DWORD cb = 0;
    CHECK(CertGetCertificateContextProperty(c, CERT_FRIENDLY_NAME_PROP_ID, NULL, &cb));
    CHECK_EQ(cb, sizeof friendly);
    CHECK(CertSetCertificateContextProperty(c, CERT_FRIENDLY_NAME_PROP_ID, 0, NULL)); /* delete */
    CHECK_EQ(CertGetNameStringA(c, CERT_NAME_FRIENDLY_DISPLAY_TYPE, 0, NULL, buf, sizeof buf), 10);
    CHECK(CertFreeCertificateContext(c));
}

static void thumbprints_and_properties(void)
{
    PCCERT_CONTEXT c = file_cert("tests/data/server.pem");
    REQUIRE(c != NULL);
    BYTE h[64];
    DWORD cb = 0;
    CHECK(CryptHashCertificate(0, 0, 0, c->pbCertEncoded, c->cbCertEncoded, NULL, &cb));
    CHECK_EQ(cb, 20);
    CHECK(CryptHashCertificate(0, CALG_SHA1, 0, c->pbCertEncoded, c->cbCertEncoded, h, &cb));
    CHECK(memcmp(h, SERVER_SHA1, 20) == 0);
    cb = sizeof h;
    CHECK(CryptHashCertificate(0, CALG_SHA_256, 0, c->pbCertEncoded, c->cbCertEncoded, h, &cb));
    CHECK_EQ(cb, 32);
    CHECK(h[0] == 0xB9 && h[31] == 0xAA);
    cb = sizeof h;
    CHECK(CryptHashCertificate(0, CALG_MD5, 0, c->pbCertEncoded, c->cbCertEncoded, h, &cb));
    CHECK_EQ(cb, 16);
    cb = sizeof h;
    CHECK(!CryptHashCertificate(0, CALG_RC4, 0, c->pbCertEncoded, c->cbCertEncoded, h, &cb));
    CHECK_EQ(GetLastError(), NTE_BAD_ALGID);

    /* CERT_HASH_PROP_ID: size query, too small (ERROR_MORE_DATA + size), then the value. */
    cb = 0;
    CHECK(CertGetCertificateContextProperty(c, CERT_HASH_PROP_ID, NULL, &cb));
    CHECK_EQ(cb, 20);
    cb = 19;
    SetLastError(0);
    CHECK(!CertGetCertificateContextProperty(c, CERT_HASH_PROP_ID, h, &cb));
    CHECK_EQ(GetLastError(), ERROR_MORE_DATA);
    CHECK_EQ(cb, 20);
    CHECK(CertGetCertificateContextProperty(c, CERT_SHA1_HASH_PROP_ID, h, &cb));
    CHECK(memcmp(h, SERVER_SHA1, 20) == 0);
    /* No key on a certificate loaded without one; a KEY_PROV_INFO set by the caller comes back. */
    cb = 0;
    CHECK(!CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cb));
    CHECK_EQ(GetLastError(), CRYPT_E_NOT_FOUND);
    CRYPT_KEY_PROV_INFO kpi;
    memset(&kpi, 0, sizeof kpi);
    kpi.pwszContainerName = (uint16_t *)u"box";
    kpi.pwszProvName = (uint16_t *)u"prov";
    kpi.dwProvType = 1;
    kpi.dwKeySpec = AT_SIGNATURE;
    CHECK(CertSetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, 0, &kpi));
    BYTE big[256];
    cb = sizeof big;
    CHECK(CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, big, &cb));
    CRYPT_KEY_PROV_INFO *got = (CRYPT_KEY_PROV_INFO *)big;
    CHECK(h_wcs_eq_ascii(got->pwszContainerName, "box") && h_wcs_eq_ascii(got->pwszProvName, "prov"));
    CHECK_EQ(got->dwKeySpec, AT_SIGNATURE);
    CHECK(!CertSetCertificateContextProperty(c, CERT_SHA1_HASH_PROP_ID, 0, NULL)); /* computed */
    CHECK_EQ(GetLastError(), E_INVALIDARG);

    /* Find by thumbprint in the PFX store. */
    HCERTSTORE store = import_pfx("tests/data/server.p12", u"test");
    REQUIRE(store != NULL);
    CRYPT_HASH_BLOB hb = {20, (BYTE *)SERVER_SHA1};
    PCCERT_CONTEXT found = CertFindCertificateInStore(store, ENC, 0, CERT_FIND_HASH, &hb, NULL);
    CHECK(same_cert(found, c));
    CHECK(CertFindCertificateInStore(store, ENC, 0, CERT_FIND_HASH, &hb, found) == NULL);
    PCCERT_CONTEXT any = CertFindCertificateInStore(store, ENC, 0, CERT_FIND_ANY, NULL, NULL);
    CHECK(any != NULL);
    CertFreeCertificateContext(any);
    PCCERT_CONTEXT existing = CertFindCertificateInStore(store, ENC, 0, CERT_FIND_EXISTING, c, NULL);
    CHECK(same_cert(existing, c));
    CertFreeCertificateContext(existing);
    CHECK(CertCloseStore(store, CERT_CLOSE_STORE_FORCE_FLAG));
    CHECK(CertFreeCertificateContext(c));
}

static void memory_and_file_stores(void)
{
    HCERTSTORE mem = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    REQUIRE(mem != NULL);
    CHECK_EQ(count_store(mem), 0);
    CHECK_EQ(GetLastError(), CRYPT_E_NOT_FOUND);
    PCCERT_CONTEXT ca = file_cert("tests/data/ca.pem");
    PCCERT_CONTEXT srv = file_cert("tests/data/server.pem");
    REQUIRE(ca != NULL && srv != NULL);
    PCCERT_CONTEXT added = NULL;
    CHECK(CertAddEncodedCertificateToStore(mem, X509_ASN_ENCODING, ca->pbCertEncoded, ca->cbCertEncoded, CERT_STORE_ADD_NEW, &added));
    CHECK(added != NULL && added != ca && added->hCertStore == mem && same_cert(added, ca));
    CHECK(!CertAddEncodedCertificateToStore(mem, X509_ASN_ENCODING, ca->pbCertEncoded, ca->cbCertEncoded, CERT_STORE_ADD_NEW, NULL));
    CHECK_EQ(GetLastError(), CRYPT_E_EXISTS);
    PCCERT_CONTEXT existing = NULL;
    CHECK(CertAddEncodedCertificateToStore(mem, X509_ASN_ENCODING, ca->pbCertEncoded, ca->cbCertEncoded, CERT_STORE_ADD_USE_EXISTING, &existing));
    CHECK(existing == added);
    CertFreeCertificateContext(existing);
    CHECK(CertAddCertificateContextToStore(mem, srv, CERT_STORE_ADD_ALWAYS, NULL));
    CHECK_EQ(count_store(mem), 2);
    CHECK(CertAddCertificateContextToStore(mem, srv, CERT_STORE_ADD_REPLACE_EXISTING, NULL));
    CHECK_EQ(count_store(mem), 2);
    /* Delete the CA element (the call frees the context passed in). */
    CHECK(CertDeleteCertificateFromStore(added));
    CHECK_EQ(count_store(mem), 1);
    /* Enumerate: a context from another store is not a valid "previous" element. */
    CHECK(CertEnumCertificatesInStore(mem, CertDuplicateCertificateContext(ca)) == NULL);
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    /* Closing while a context is held: CHECK_FLAG reports it, the context stays usable. */
    PCCERT_CONTEXT held = CertEnumCertificatesInStore(mem, NULL);
    REQUIRE(held != NULL);
    CHECK(!CertCloseStore(mem, CERT_CLOSE_STORE_CHECK_FLAG));
    CHECK_EQ(GetLastError(), CRYPT_E_PENDING_CLOSE);
    CHECK(same_cert(held, srv));
    CHECK(CertEnumCertificatesInStore(held->hCertStore, NULL) == held); /* the store lives on */
    CertFreeCertificateContext(held);
    CHECK(CertFreeCertificateContext(held));
    CHECK(!CertCloseStore(mem, 0)); /* already closed */

    /* Read-only stores refuse adds. */
    HCERTSTORE ro = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_READONLY_FLAG, NULL);
    CHECK(!CertAddCertificateContextToStore(ro, srv, CERT_STORE_ADD_ALWAYS, NULL));
    CHECK_EQ(GetLastError(), E_ACCESSDENIED);
    CHECK(CertCloseStore(ro, 0));

    /* A FILENAME store (UTF-16 path) and a duplicated handle. */
    HCERTSTORE f = CertOpenStore(CERT_STORE_PROV_FILENAME_W, ENC, 0, 0, u"tests/data/server-ecdsa.pem");
    REQUIRE(f != NULL);
    CHECK_EQ(count_store(f), 1);
    HCERTSTORE dup = CertDuplicateStore(f);
    CHECK(dup == f);
    CHECK(CertCloseStore(dup, 0));
    CHECK_EQ(count_store(f), 1);
    CHECK(CertCloseStore(f, 0));
    HCERTSTORE named = CertOpenStore(sz_CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL); /* provider by name */
    CHECK(named != NULL);
    CHECK(CertCloseStore(named, 0));
    CertFreeCertificateContext(ca);
    CertFreeCertificateContext(srv);
}

static void system_stores(void)
{
    HCERTSTORE root = CertOpenSystemStoreA(0, "ROOT");
    REQUIRE(root != NULL);
    PCCERT_CONTEXT ca = CertFindCertificateInStore(root, ENC, 0, CERT_FIND_SUBJECT_STR_A, "openschannel test CA", NULL);
    CHECK(ca != NULL);
    CertFreeCertificateContext(ca);
    CHECK(CertCloseStore(root, 0));
    HCERTSTORE my = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_OPEN_EXISTING_FLAG, u"MY");
    CHECK(my != NULL);
    CHECK_EQ(count_store(my), 0);
    CHECK(CertCloseStore(my, 0));
    HCERTSTORE ca_store = CertOpenSystemStoreW(0, u"CA");
    CHECK(ca_store != NULL);
    CHECK(CertCloseStore(ca_store, 0));
    CHECK(CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_OPEN_EXISTING_FLAG, "NoSuchStore") == NULL);
    CHECK_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    CHECK(CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0, 0, "MY") == NULL); /* no location */
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    CHECK(CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, "../root") == NULL);
    CHECK_EQ(GetLastError(), E_INVALIDARG);
}

/* SSL policy on `chain` for `name` (NULL: none) as server authentication. */
static DWORD ssl_policy(PCCERT_CHAIN_CONTEXT chain, const uint16_t *name, DWORD auth, DWORD checks, LONG *element)
{
    SSL_EXTRA_CERT_CHAIN_POLICY_PARA extra;
    memset(&extra, 0, sizeof extra);
    extra.cbSize = sizeof extra;
    extra.dwAuthType = auth;
    extra.fdwChecks = checks;
    extra.pwszServerName = (uint16_t *)name;
    CERT_CHAIN_POLICY_PARA para = {sizeof para, 0, &extra};
    CERT_CHAIN_POLICY_STATUS st;
    memset(&st, 0xAB, sizeof st);
    st.cbSize = sizeof st;
    if (!h_check(CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &para, &st), __FILE__, __LINE__,
                 "CertVerifyCertificateChainPolicy(SSL)"))
        return 0xFFFFFFFF;
    if (element)
        *element = st.lElementIndex;
    return st.dwError;
}

static void chains(void)
{
    HCERTSTORE store = import_pfx("tests/data/server.p12", u"test");
    REQUIRE(store != NULL);
    PCCERT_CONTEXT cert = CertFindCertificateInStore(store, ENC, 0, CERT_FIND_SUBJECT_STR_A, "localhost", NULL);
    PCCERT_CONTEXT ca = file_cert("tests/data/ca.pem");
    REQUIRE(cert != NULL && ca != NULL);
    CERT_CHAIN_PARA para;
    memset(&para, 0, sizeof para);
    para.cbSize = sizeof para;
    PCCERT_CHAIN_CONTEXT chain = NULL;
    REQUIRE(CertGetCertificateChain(HCCE_CURRENT_USER, cert, NULL, NULL, &para, 0, NULL, &chain));
    REQUIRE(chain != NULL);
    CHECK_EQ(chain->TrustStatus.dwErrorStatus, CERT_TRUST_NO_ERROR);
    REQUIRE_EQ(chain->cChain, 1);
    const CERT_SIMPLE_CHAIN *simple = chain->rgpChain[0];
    REQUIRE_EQ(simple->cElement, 2);
    CHECK(simple->rgpElement[0]->pCertContext == cert);
    CHECK(same_cert(simple->rgpElement[1]->pCertContext, ca));
    CHECK(simple->rgpElement[1]->TrustStatus.dwInfoStatus & CERT_TRUST_IS_SELF_SIGNED);
    LONG element = 99;
    CHECK_EQ(ssl_policy(chain, u"localhost", AUTHTYPE_SERVER, 0, &element), 0);
    CHECK_EQ(element, -1);
    CHECK_EQ(ssl_policy(chain, u"127.0.0.1", AUTHTYPE_SERVER, 0, NULL), 0);
    CHECK_EQ(ssl_policy(chain, NULL, AUTHTYPE_SERVER, 0, NULL), 0);
    CHECK_EQ(ssl_policy(chain, u"example.com", AUTHTYPE_SERVER, 0, &element), (DWORD)CERT_E_CN_NO_MATCH);
    CHECK_EQ(element, 0);
    CHECK_EQ(ssl_policy(chain, u"example.com", AUTHTYPE_SERVER, SECURITY_FLAG_IGNORE_CERT_CN_INVALID, NULL), 0);
    CHECK_EQ(ssl_policy(chain, u"example.com", AUTHTYPE_CLIENT, 0, NULL), 0); /* names are a server check */
    CERT_CHAIN_POLICY_STATUS st = {sizeof st, 1, 0, 0, NULL};
    CHECK(CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_BASE, chain, NULL, &st));
    CHECK_EQ(st.dwError, 0);
    CHECK(!CertVerifyCertificateChainPolicy((const char *)2, chain, NULL, &st)); /* Authenticode: not here */
    CHECK_EQ(GetLastError(), CRYPT_E_NOT_FOUND);
    PCCERT_CHAIN_CONTEXT dup = CertDuplicateCertificateChain(chain);
    CHECK(dup == chain);
    CertFreeCertificateChain(dup);
    CertFreeCertificateChain(chain);

    /* In 2200 everything has expired. */
    uint64_t ticks = (uint64_t)(7258118400LL + 11644473600LL) * 10000000ULL;
    FILETIME later = {(DWORD)ticks, (DWORD)(ticks >> 32)};
    REQUIRE(CertGetCertificateChain(NULL, cert, &later, NULL, &para, 0, NULL, &chain));
    CHECK(chain->TrustStatus.dwErrorStatus & CERT_TRUST_IS_NOT_TIME_VALID);
    CHECK_EQ(ssl_policy(chain, u"localhost", AUTHTYPE_SERVER, 0, NULL), (DWORD)CERT_E_EXPIRED);
    CHECK_EQ(ssl_policy(chain, u"localhost", AUTHTYPE_SERVER, SECURITY_FLAG_IGNORE_CERT_DATE_INVALID, NULL), 0);
    CertFreeCertificateChain(chain);

    /* Without the test CA among the ROOT store's files, the CA from the additional store is an
     * untrusted root. */
    setenv("OPENSCHANNEL_STORE_DIR", "tests/data/no-such-dir", 1);
    HCERTSTORE extra = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    CHECK(CertAddCertificateContextToStore(extra, ca, CERT_STORE_ADD_NEW, NULL));
    PCCERT_CONTEXT lone = file_cert("tests/data/server.pem"); /* no chain of its own, no store mates */
    REQUIRE(CertGetCertificateChain(NULL, lone, NULL, extra, &para, 0, NULL, &chain));
    CHECK(chain->TrustStatus.dwErrorStatus & CERT_TRUST_IS_UNTRUSTED_ROOT);
    CHECK_EQ(chain->rgpChain[0]->cElement, 2);
    CHECK_EQ(ssl_policy(chain, u"localhost", AUTHTYPE_SERVER, 0, &element), (DWORD)CERT_E_UNTRUSTEDROOT);
    CHECK_EQ(element, 1);
    CHECK_EQ(ssl_policy(chain, u"localhost", AUTHTYPE_SERVER, SECURITY_FLAG_IGNORE_UNKNOWN_CA, NULL), 0);
    CertFreeCertificateChain(chain);
    /* Without any issuer: a partial chain. */
    REQUIRE(CertGetCertificateChain(NULL, lone, NULL, NULL, &para, 0, NULL, &chain));
    CHECK(chain->TrustStatus.dwErrorStatus & CERT_TRUST_IS_PARTIAL_CHAIN);
    CHECK_EQ(ssl_policy(chain, u"localhost", AUTHTYPE_SERVER, 0, NULL), (DWORD)CERT_E_CHAINING);
    CertFreeCertificateChain(chain);
    setenv("OPENSCHANNEL_STORE_DIR", "tests/data/stores", 1);

    CertFreeCertificateContext(lone);
    CHECK(CertCloseStore(extra, 0));
    CertFreeCertificateContext(ca);
    CertFreeCertificateContext(cert);
    CHECK(CertCloseStore(store, 0));
}

static void bad_arguments(void)
{
    HCERTSTORE forged_store = (HCERTSTORE)(uintptr_t)0x1234;
    PCCERT_CONTEXT forged = (PCCERT_CONTEXT)(uintptr_t)0x5678;
    BYTE buf[64];
    DWORD cb = sizeof buf;
    SetLastError(7);
    CHECK_EQ(GetLastError(), 7);
    CHECK(CertEnumCertificatesInStore(forged_store, NULL) == NULL);
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    CHECK(CertEnumCertificatesInStore(NULL, NULL) == NULL);
    CHECK(!CertCloseStore(forged_store, 0));
    CHECK(CertCloseStore(NULL, 0));
    CHECK(CertDuplicateStore(forged_store) == NULL);
    CHECK(CertFindCertificateInStore(forged_store, ENC, 0, CERT_FIND_ANY, NULL, NULL) == NULL);
    HCERTSTORE mem = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    CHECK(CertFindCertificateInStore(mem, ENC, 0, CERT_FIND_HASH, NULL, NULL) == NULL);
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    CHECK(CertFindCertificateInStore(mem, ENC, 0, 0x12345, "x", NULL) == NULL);
    CHECK(!CertAddEncodedCertificateToStore(mem, X509_ASN_ENCODING, (const BYTE *)"garbage", 7, CERT_STORE_ADD_NEW, NULL));
    CHECK_EQ(GetLastError(), CRYPT_E_ASN1_BADTAG);
    PCCERT_CONTEXT ca = file_cert("tests/data/ca.pem");
    REQUIRE(ca != NULL);
    CHECK(!CertAddEncodedCertificateToStore(mem, X509_ASN_ENCODING, ca->pbCertEncoded, ca->cbCertEncoded, 99, NULL));
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    CHECK(!CertAddEncodedCertificateToStore(forged_store, X509_ASN_ENCODING, ca->pbCertEncoded, ca->cbCertEncoded, CERT_STORE_ADD_NEW, NULL));
    CHECK(!CertAddCertificateContextToStore(mem, forged, CERT_STORE_ADD_NEW, NULL));
    CHECK(!CertGetCertificateContextProperty(forged, CERT_HASH_PROP_ID, buf, &cb));
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    CHECK(!CertGetCertificateContextProperty(ca, CERT_HASH_PROP_ID, buf, NULL));
    CHECK(!CertSetCertificateContextProperty(forged, CERT_FRIENDLY_NAME_PROP_ID, 0, NULL));
    CHECK(!CertDeleteCertificateFromStore(forged));
    CHECK_EQ(CertGetNameStringA(forged, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, (char *)buf, sizeof buf), 1);
    CHECK(buf[0] == 0);
    CHECK(!CryptHashCertificate(0, 0, 0, ca->pbCertEncoded, ca->cbCertEncoded, buf, NULL));
    CHECK(!CryptHashCertificate(0, 0, 0, NULL, 5, buf, &cb));
    CHECK(CertOpenStore((const char *)99, 0, 0, 0, NULL) == NULL);
    CHECK_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    CHECK(CertOpenStore("NoSuchProvider", 0, 0, 0, NULL) == NULL);
    CHECK(CertOpenStore(CERT_STORE_PROV_FILENAME_A, ENC, 0, 0, "tests/data/missing.pem") == NULL);
    CHECK_EQ(GetLastError(), ERROR_FILE_NOT_FOUND);
    CHECK(CertOpenStore(CERT_STORE_PROV_FILENAME_A, ENC, 0, 0, NULL) == NULL);
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    CHECK(CertOpenSystemStoreA(0, NULL) == NULL);

    CERT_CHAIN_PARA para;
    memset(&para, 0, sizeof para);
    para.cbSize = sizeof para;
    PCCERT_CHAIN_CONTEXT chain = (PCCERT_CHAIN_CONTEXT)(uintptr_t)1;
    CHECK(!CertGetCertificateChain(NULL, forged, NULL, NULL, &para, 0, NULL, &chain));
    CHECK(chain == NULL);
    CHECK(!CertGetCertificateChain(NULL, ca, NULL, NULL, &para, 0, NULL, NULL));
    CHECK(!CertGetCertificateChain(NULL, ca, NULL, NULL, NULL, 0, NULL, &chain));
    CHECK(!CertGetCertificateChain((HCERTCHAINENGINE)(uintptr_t)0x99, ca, NULL, NULL, &para, 0, NULL, &chain));
    CHECK(!CertGetCertificateChain(NULL, ca, NULL, forged_store, &para, 0, NULL, &chain));
    CERT_CHAIN_POLICY_STATUS st = {sizeof st, 0, 0, 0, NULL};
    CHECK(!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, (PCCERT_CHAIN_CONTEXT)(uintptr_t)0x4321, NULL, &st));
    CHECK_EQ(GetLastError(), E_INVALIDARG);
    REQUIRE(CertGetCertificateChain(NULL, ca, NULL, NULL, &para, 0, NULL, &chain));
    CHECK(!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, NULL, NULL));
    CertFreeCertificateChain(chain);
    CertFreeCertificateChain((PCCERT_CHAIN_CONTEXT)(uintptr_t)0x4321); /* ignored */
    CertFreeCertificateChain(NULL);
    CHECK(CertDuplicateCertificateChain((PCCERT_CHAIN_CONTEXT)(uintptr_t)0x4321) == NULL);
    CHECK(!PFXIsPFXBlob(NULL));
    CertFreeCertificateContext(ca);
    CHECK(CertCloseStore(mem, 0));
}

TEST_MAIN(pfx_rsa_server, pfx_ecdsa_server, pfx_errors, names, thumbprints_and_properties, memory_and_file_stores, system_stores,
          chains, bad_arguments)
