/*
 * t_concurrency.c: the provider used from many threads at once (pthreads).
 *
 *  - one server credential shared by every thread; each thread does in-memory handshakes with
 *    its own client credential (the first full, every later one resumed) and with a client
 *    credential shared by all threads (warmed up first, so every handshake on it resumes),
 *    plus a data round trip and certificate queries on every connection;
 *  - the same with a tiny session cache, so entries are evicted while other threads use them
 *    (only "no failure" is required there);
 *  - handle tables under contention: threads acquire/free credentials and create/delete
 *    contexts while checking that a deleted handle is refused.
 *
 * The harness counters are not thread-safe, so worker threads never use CHECK: they record
 * their results in their own struct and the main thread checks them after pthread_join.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>

#include "harness.h"
#include "conn.h"

#define THREADS 8
#define ROUNDS 50 /* handshakes per thread and client credential */

/* ------------------------------------------------------------------------------------------ */
/* Handshakes from many threads                                                                */
/* ------------------------------------------------------------------------------------------ */

struct worker {
    pthread_t tid;
    int index;
    CredHandle *scred;
    CredHandle *shared_ccred;
    int own_cred_ok;
    /* counts */
    int handshakes, own_resumed_client, own_resumed_server, own_first_full, shared_resumed_client, shared_resumed_server,
        roundtrips, certs;
    struct failure f;
};

static void *handshake_worker(void *arg)
{
    struct worker *w = arg;
    CredHandle own;
    HCERTSTORE roots = OpenSchannelOpenCaFile(H_CA_PEM);
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.hRootStore = roots;
    SECURITY_STATUS st = roots ? AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &own, NULL)
                               : SEC_E_INTERNAL_ERROR;
    if (roots)
        CertCloseStore(roots, 0);
    if (st != SEC_E_OK) {
        fail(&w->f, "AcquireCredentialsHandleA (own client credential)", st);
        return NULL;
    }
    w->own_cred_ok = 1;
    char text[64];
    for (int i = 0; i < ROUNDS && !w->f.set; i++) {
        for (int shared = 0; shared < 2 && !w->f.set; shared++) {
            struct conn c;
            memset(&c, 0, sizeof c);
            c.ccred = shared ? w->shared_ccred : &own;
            c.scred = w->scred;
            if (handshake(&c, &w->f)) {
                w->handshakes++;
                long cf = session_flags(&c.cctx), sf = session_flags(&c.sctx);
                if (cf < 0 || sf < 0)
                    fail(&w->f, "SESSION_INFO", SEC_E_INTERNAL_ERROR);
                if (shared) {
                    w->shared_resumed_client += cf == SSL_SESSION_RECONNECT;
                    w->shared_resumed_server += sf == SSL_SESSION_RECONNECT;
                } else if (i == 0) {
                    w->own_first_full += cf == 0 && sf == 0;
                } else {
                    w->own_resumed_client += cf == SSL_SESSION_RECONNECT;
                    w->own_resumed_server += sf == SSL_SESSION_RECONNECT;
                }
                snprintf(text, sizeof text, "thread %d round %d %s", w->index, i, shared ? "shared" : "own");
                w->roundtrips += roundtrip(&c.cctx, &c.sctx, text, &w->f);
                w->roundtrips += roundtrip(&c.sctx, &c.cctx, text, &w->f);
                w->certs += remote_cert(&c.cctx, &w->f);
            }
            conn_close(&c);
        }
    }
    FreeCredentialsHandle(&own);
    return NULL;
}

/* One handshake on the main thread (harness checks allowed). */
static int warm_up(CredHandle *ccred, CredHandle *scred)
{
    struct conn c;
    struct failure f;
    memset(&c, 0, sizeof c);
    memset(&f, 0, sizeof f);
    c.ccred = ccred;
    c.scred = scred;
    int ok = handshake(&c, &f);
    if (!ok)
        fprintf(stderr, "    warm-up: %s\n", f.what);
    conn_close(&c);
    return ok;
}

static void run_handshake_threads(int expect_resumption)
{
    CredHandle scred, shared;
    REQUIRE_STATUS(h_server_cred(&scred, 0), SEC_E_OK);
    if (!h_check_status(h_client_cred(&shared, 0), SEC_E_OK, __FILE__, __LINE__, "h_client_cred(shared)")) {
        FreeCredentialsHandle(&scred);
        return;
    }
    /* A session on the shared credential exists before the threads start. */
    CHECK(warm_up(&shared, &scred));

    struct worker w[THREADS];
    memset(w, 0, sizeof w);
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        w[i].index = i;
        w[i].scred = &scred;
        w[i].shared_ccred = &shared;
        if (pthread_create(&w[i].tid, NULL, handshake_worker, &w[i]) != 0)
            break;
        started++;
    }
    CHECK_EQ(started, THREADS);
    for (int i = 0; i < started; i++)
        pthread_join(w[i].tid, NULL);

    for (int i = 0; i < started; i++) {
        if (w[i].f.set)
            fprintf(stderr, "    thread %d: %s\n", i, w[i].f.what);
        CHECK(!w[i].f.set);
        CHECK(w[i].own_cred_ok);
        CHECK_EQ(w[i].handshakes, 2 * ROUNDS);
        CHECK_EQ(w[i].roundtrips, 4 * ROUNDS);
        CHECK_EQ(w[i].certs, 2 * ROUNDS);
        if (expect_resumption) {
            /* Own credential: the first handshake is full, every later one resumes. */
            CHECK_EQ(w[i].own_first_full, 1);
            CHECK_EQ(w[i].own_resumed_client, ROUNDS - 1);
            CHECK_EQ(w[i].own_resumed_server, ROUNDS - 1);
            /* Shared credential: warmed up, so every handshake resumes. */
            CHECK_EQ(w[i].shared_resumed_client, ROUNDS);
            CHECK_EQ(w[i].shared_resumed_server, ROUNDS);
        }
    }
    CHECK_STATUS(FreeCredentialsHandle(&shared), SEC_E_OK);
    CHECK_STATUS(FreeCredentialsHandle(&scred), SEC_E_OK);
}

static void test_threads_share_server_credential_and_resume(void)
{
    run_handshake_threads(1);
}

static void test_threads_with_tiny_session_cache(void)
{
    /* 3 entries for 8 threads x 2 client credentials: constant eviction. */
    CHECK_STATUS(OpenSchannelSetSessionCacheSize(3), SEC_E_OK);
    run_handshake_threads(0);
    CHECK_STATUS(OpenSchannelSetSessionCacheSize(10000), SEC_E_OK);
}

/* ------------------------------------------------------------------------------------------ */
/* Handle tables under contention                                                              */
/* ------------------------------------------------------------------------------------------ */

struct handle_worker {
    pthread_t tid;
    int creds, contexts, stale_refused;
    struct failure f;
};

static void *handle_worker(void *arg)
{
    struct handle_worker *w = arg;
    for (int i = 0; i < 200 && !w->f.set; i++) {
        CredHandle cred;
        SCHANNEL_CRED sc;
        memset(&sc, 0, sizeof sc);
        sc.dwVersion = SCHANNEL_CRED_VERSION;
        sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION;
        SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &cred, NULL);
        if (st != SEC_E_OK) {
            fail(&w->f, "AcquireCredentialsHandleA", st);
            break;
        }
        w->creds++;
        /* A context (its ClientHello), deleted; the old handle must then be refused even though
         * other threads keep creating handles. */
        CtxtHandle ctx;
        memset(&ctx, 0, sizeof ctx);
        SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
        ULONG attr = 0;
        st = InitializeSecurityContextA(&cred, NULL, H_TARGET, H_ISC_REQ, 0, 0, NULL, 0, &ctx, &od, &attr, NULL);
        if (ob.pvBuffer)
            FreeContextBuffer(ob.pvBuffer);
        if (st != SEC_I_CONTINUE_NEEDED) {
            fail(&w->f, "InitializeSecurityContextA", st);
        } else {
            w->contexts++;
            CtxtHandle stale = ctx;
            st = DeleteSecurityContext(&ctx);
            if (st != SEC_E_OK)
                fail(&w->f, "DeleteSecurityContext", st);
            SecPkgContext_StreamSizes sz;
            if (DeleteSecurityContext(&stale) == SEC_E_INVALID_HANDLE &&
                QueryContextAttributesA(&stale, SECPKG_ATTR_STREAM_SIZES, &sz) == SEC_E_INVALID_HANDLE)
                w->stale_refused++;
        }
        CredHandle stale_cred = cred;
        st = FreeCredentialsHandle(&cred);
        if (st != SEC_E_OK)
            fail(&w->f, "FreeCredentialsHandle", st);
        if (FreeCredentialsHandle(&stale_cred) != SEC_E_INVALID_HANDLE)
            fail(&w->f, "stale credential handle accepted", SEC_E_INTERNAL_ERROR);
    }
    return NULL;
}

static void test_handle_tables_under_contention(void)
{
    struct handle_worker w[THREADS];
    memset(w, 0, sizeof w);
    int started = 0;
    for (int i = 0; i < THREADS; i++) {
        if (pthread_create(&w[i].tid, NULL, handle_worker, &w[i]) != 0)
            break;
        started++;
    }
    CHECK_EQ(started, THREADS);
    for (int i = 0; i < started; i++)
        pthread_join(w[i].tid, NULL);
    for (int i = 0; i < started; i++) {
        if (w[i].f.set)
            fprintf(stderr, "    thread %d: %s\n", i, w[i].f.what);
        CHECK(!w[i].f.set);
        CHECK_EQ(w[i].creds, 200);
        CHECK_EQ(w[i].contexts, 200);
        CHECK_EQ(w[i].stale_refused, 200);
    }
}

TEST_MAIN(test_threads_share_server_credential_and_resume, test_threads_with_tiny_session_cache, test_handle_tables_under_contention)
