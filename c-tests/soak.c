/*
 * soak.c: the concurrency soak of issue 8. One server credential and one client credential are
 * shared by N threads (default 2 x cores; SOAK_THREADS), which for SOAK_SECONDS (default 10)
 * run connections of random kinds: full or resumed handshakes (the session cache is kept small,
 * 256 entries, so entries are evicted while in use), data both ways with a per-connection
 * pattern, client-initiated renegotiations, and contexts deleted at a random point of the
 * handshake. Checks: every connection that ran to the end delivered its data intact; no thread
 * failed; the run ends in bounded time (a watchdog aborts a deadlock); the resident set size
 * after the run is within 25% + 16 MiB of its size after the warm-up (no leak per connection).
 * Long run: SOAK_SECONDS=600 SOAK_THREADS=64 make -C c-tests soak.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"

struct soak_worker {
    pthread_t tid;
    unsigned seed;
    CredHandle *ccred, *ccred_full, *scred;
    double deadline;
    long connections, resumed, full, renegotiated, deleted_early, bytes;
    struct failure f;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak resident set (VmHWM) in KiB, or -1. */
static long peak_rss_kib(void)
{
    char line[128];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* Client-initiated renegotiation on an established pair: the client's new hello goes straight
 * to AcceptSecurityContext (as after DecryptMessage's SEC_I_RENEGOTIATE + EXTRA). */
static int renegotiate(struct conn *c, struct failure *f)
{
    static const DWORD renegotiate_token = SCHANNEL_RENEGOTIATE;
    return handshake_from(c, f, &renegotiate_token);
}

/* A handshake abandoned after `steps` calls: both contexts deleted mid-flight. */
static void abandon(struct conn *c, int steps)
{
    hbuf to_s = {0}, to_c = {0};
    ULONG extra = 0;
    step(c, 0, NULL, &to_s, &extra);
    for (int i = 1; i < steps; i++) {
        int server = to_s.len > 0;
        hbuf *in = server ? &to_s : &to_c;
        if (in->len == 0)
            break;
        step(c, server, in, server ? &to_c : &to_s, &extra);
        hbuf_drop_front(in, in->len);
    }
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    conn_close(c);
}

static void *soak_worker(void *arg)
{
    struct soak_worker *w = arg;
    char text[96];
    while (now_s() < w->deadline && !w->f.set) {
        struct conn c;
        memset(&c, 0, sizeof c);
        int kind = (int)(rand_r(&w->seed) % 10);
        /* kinds 2 and 3: a client credential that never reconnects, so a full handshake */
        c.ccred = kind == 2 || kind == 3 ? w->ccred_full : w->ccred;
        c.scred = w->scred;
        if (kind == 0) {
            abandon(&c, 1 + (int)(rand_r(&w->seed) % 4));
            w->deleted_early++;
            continue;
        }
        if (!handshake(&c, &w->f)) {
            conn_close(&c);
            break;
        }
        if (session_flags(&c.cctx) == 1)
            w->resumed++;
        else
            w->full++;
        snprintf(text, sizeof text, "thread %u connection %ld payload", w->seed, w->connections);
        if (!roundtrip(&c.cctx, &c.sctx, text, &w->f) || !roundtrip(&c.sctx, &c.cctx, text, &w->f)) {
            conn_close(&c);
            break;
        }
        if (kind == 1) {
            if (!renegotiate(&c, &w->f) || !roundtrip(&c.cctx, &c.sctx, "after renegotiation", &w->f)) {
                conn_close(&c);
                break;
            }
            w->renegotiated++;
            w->bytes += (long)strlen("after renegotiation");
        }
        w->bytes += 2 * (long)strlen(text);
        w->connections++;
        conn_close(&c);
    }
    return NULL;
}

static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "soak: watchdog fired: a thread is stuck (deadlock?)\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(2);
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

/* One phase of `seconds` with `n` threads; returns the number of failed threads. */
static int run_phase(struct soak_worker *w, int n, CredHandle *ccred, CredHandle *ccred_full, CredHandle *scred, double seconds,
                     unsigned base)
{
    double deadline = now_s() + seconds;
    int started = 0;
    for (int i = 0; i < n; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].seed = base + (unsigned)i;
        w[i].ccred = ccred;
        w[i].ccred_full = ccred_full;
        w[i].scred = scred;
        w[i].deadline = deadline;
        if (pthread_create(&w[i].tid, NULL, soak_worker, &w[i]) == 0)
            started++;
        else
            break;
    }
    int failed = started == n ? 0 : 1;
    for (int i = 0; i < started; i++)
        pthread_join(w[i].tid, NULL);
    for (int i = 0; i < started; i++)
        if (w[i].f.set) {
            fprintf(stderr, "soak: thread %d: %s\n", i, w[i].f.what);
            failed++;
        }
    return failed;
}

int main(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = (int)env_long("SOAK_THREADS", 2 * (cores > 0 ? cores : 1));
    double seconds = (double)env_long("SOAK_SECONDS", 10);
    if (threads < 1 || threads > 1024 || seconds < 1) {
        fprintf(stderr, "soak: bad SOAK_THREADS / SOAK_SECONDS\n");
        return 2;
    }
    signal(SIGALRM, watchdog);
    alarm((unsigned)(seconds * 3 + 60));
    OpenSchannelSetSessionCacheSize(256);
    /* Both sides at the library defaults (TLS 1.2 down to 1.0). */
    h_server_protocols = 0;
    h_client_protocols = 0;
    CredHandle scred, ccred, ccred_full;
    HCERTSTORE roots = OpenSchannelOpenCaFile(H_CA_PEM);
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.hRootStore = roots;
    sc.dwFlags = SCH_CRED_DISABLE_RECONNECTS;
    if (!roots || h_server_cred(&scred, 0) != SEC_E_OK || h_client_cred(&ccred, 0) != SEC_E_OK ||
        AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &ccred_full, NULL) != SEC_E_OK) {
        fprintf(stderr, "soak: credentials\n");
        return 1;
    }
    CertCloseStore(roots, 0);
    struct soak_worker *w = calloc((size_t)threads, sizeof *w);
    if (!w)
        return 1;
    /* Warm-up fills caches and allocator pools; the RSS after it is the baseline. */
    int failed = run_phase(w, threads, &ccred, &ccred_full, &scred, seconds / 5 < 1 ? 1 : seconds / 5, 1000);
    long rss0 = rss_kib();
    double t0 = now_s();
    failed += run_phase(w, threads, &ccred, &ccred_full, &scred, seconds, 2000);
    double took = now_s() - t0;
    long rss1 = rss_kib();
    long conns = 0, resumed = 0, full = 0, reneg = 0, early = 0, bytes = 0;
    for (int i = 0; i < threads; i++) {
        bytes += w[i].bytes;
        conns += w[i].connections;
        resumed += w[i].resumed;
        full += w[i].full;
        reneg += w[i].renegotiated;
        early += w[i].deleted_early;
    }
    printf("soak: %d threads, %.1f s: %ld connections (%ld full, %ld resumed, %ld renegotiated), %ld deleted mid-handshake; "
           "%ld bytes of application data checked; RSS %ld -> %ld KiB, peak %ld KiB\n",
           threads, took, conns, full, resumed, reneg, early, bytes, rss0, rss1, peak_rss_kib());
    int ok = failed == 0 && conns > threads && full > 0 && resumed > 0 && reneg > 0 && early > 0;
    if (rss0 > 0 && rss1 > rss0 + rss0 / 4 + 16 * 1024) {
        fprintf(stderr, "soak: resident set grew from %ld to %ld KiB\n", rss0, rss1);
        ok = 0;
    }
    FreeCredentialsHandle(&ccred);
    FreeCredentialsHandle(&ccred_full);
    FreeCredentialsHandle(&scred);
    free(w);
    printf("soak: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
