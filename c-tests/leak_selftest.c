/*
 * leak_selftest.c: deliberately leaks one of everything, to prove the leak checks of
 * `make test-asan` and `make test-valgrind` would see it. Not a t_*.c test: `make check`
 * does not run it; the sanitizer targets run it and expect it to be caught:
 *   - ASan/LSan and valgrind (definite): one plain malloc whose pointer is dropped;
 *   - scripts/vg-live-objects.py: a provider buffer never given to FreeContextBuffer, a context
 *     never deleted, a credential never freed, a CERT_CONTEXT never freed, a store never closed.
 * Exits 0 itself; the checkers decide.
 */
#include "harness.h"

static void *volatile sink;

static void leak_everything(void)
{
    /* A plain C leak: LeakSanitizer and valgrind report it as definitely lost. */
    sink = malloc(48);
    sink = NULL;

    /* A credential (server) that is never freed, and a certificate context never freed. */
    CredHandle scred;
    REQUIRE_STATUS(h_server_cred(&scred, 0), SEC_E_OK);
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    REQUIRE(cert != NULL);

    /* A store never closed. */
    HCERTSTORE store = OpenSchannelOpenCaFile(H_CA_PEM);
    REQUIRE(store != NULL);

    /* A client context never deleted whose first token is never freed (the client credential
     * is freed properly: the context keeps what it needs). */
    CredHandle ccred;
    REQUIRE_STATUS(h_client_cred(&ccred, 0), SEC_E_OK);
    CtxtHandle cctx;
    SecBuffer ob[1] = {{0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    ULONG attr = 0;
    CHECK_STATUS(InitializeSecurityContextA(&ccred, NULL, H_TARGET, H_ISC_REQ, 0, 0, NULL, 0, &cctx, &od, &attr, NULL),
                 SEC_I_CONTINUE_NEEDED);
    CHECK(ob[0].pvBuffer != NULL);
    CHECK_STATUS(FreeCredentialsHandle(&ccred), SEC_E_OK);
}

TEST_MAIN(leak_everything)
