/*
 * bench.c: openschannel vs OpenSSL, same workloads, one process, everything in memory.
 *
 * openschannel: a client and a server SSPI context; tokens and records are handed between them
 * by hand. OpenSSL: a client and a server SSL joined by two BIO_s_mem (one per direction: the
 * client's wbio is the server's rbio and vice versa). The two stacks alternate over several
 * rounds (the first stack of each round alternates too); the table shows medians.
 *
 * Every result is checked while it is measured (handshake statuses, certificate verification,
 * resumption flags, decrypted bytes); a failure marks the workload FAILED and the exit status
 * is 1. See README.md for the method and the environment variables.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>

#include "openschannel.h"

/* ------------------------------------------------------------------------------------------ */
/* Heap accounting                                                                             */
/* ------------------------------------------------------------------------------------------ */
/*
 * bench-mem (the same source built with -DBENCH_MALLOC_WRAP) defines malloc & co. (glibc's
 * documented replacement mechanism), forwarding to glibc's own implementation; both libraries
 * allocate through them. When g_track is 1 the wrappers keep the live byte count
 * (malloc_usable_size), its high-water mark and the number of allocations, which gives the
 * peak heap use of a handshake including memory allocated and freed inside a single call.
 * The timing binary (bench) has no wrappers: even untracked they cost ~1 ns per call, which
 * would tax the stack that allocates more. bench runs bench-mem for the memory rows.
 */
#ifdef BENCH_MALLOC_WRAP
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static volatile int g_track;
static long long g_live, g_peak, g_allocs;

static inline void track_new(void *p)
{
    if (__builtin_expect(g_track, 0) && p) {
        g_allocs++;
        g_live += (long long)malloc_usable_size(p);
        if (g_live > g_peak)
            g_peak = g_live;
    }
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    track_new(p);
    return p;
}

void free(void *p)
{
    if (__builtin_expect(g_track, 0) && p)
        g_live -= (long long)malloc_usable_size(p);
    __libc_free(p);
}

void *calloc(size_t a, size_t b)
{
    void *p = __libc_calloc(a, b);
    track_new(p);
    return p;
}

void *realloc(void *p, size_t n)
{
    size_t old = (g_track && p) ? malloc_usable_size(p) : 0;
    void *q = __libc_realloc(p, n);
    if (g_track) {
        if (q) {
            g_live -= (long long)old;
            track_new(q);
        } else if (n == 0 && p) {
            g_live -= (long long)old; /* realloc(p, 0) freed p */
        }
    }
    return q;
}

void *memalign(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    track_new(p);
    return p;
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *valloc(size_t n)
{
    void *p = __libc_valloc(n);
    track_new(p);
    return p;
}

void *pvalloc(size_t n)
{
    void *p = __libc_pvalloc(n);
    track_new(p);
    return p;
}

/* Bytes held by malloc (all arenas + mmapped chunks). */
static long long heap_held(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}
#endif /* BENCH_MALLOC_WRAP */

/* ------------------------------------------------------------------------------------------ */
/* Configuration, timing, errors                                                               */
/* ------------------------------------------------------------------------------------------ */

#define MAX_ROUNDS 32
#define TARGET "localhost"

static int g_rounds = 5;
static double g_secs = 1.0;
static int g_mem_pairs = 1000;
static int g_quick;
static const char *g_only;
static int g_do_ours = 1, g_do_ossl = 1;
static char g_cert[1024], g_key[1024], g_ca[1024];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int g_quiet; /* expected failures (negative checks) are not printed */
static int fail(const char *fmt, ...)
{
    if (g_quiet) {
        ERR_clear_error();
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (ERR_peek_error())
        ERR_print_errors_fp(stderr);
    return -1;
}

static int st_fail(const char *what, SECURITY_STATUS got, SECURITY_STATUS want)
{
    return fail("%s returned %s (0x%08x), expected %s", what, OpenSchannelStatusName(got), (unsigned)got,
                OpenSchannelStatusName(want));
}

#define ST_CHECK(call, want)                                                                       \
    do {                                                                                           \
        SECURITY_STATUS st_ = (call);                                                              \
        if (st_ != (want))                                                                         \
            return st_fail(#call, st_, (want));                                                    \
    } while (0)

/* Fills p with a deterministic pattern and stamps a per-message counter in the first and
 * last 8 bytes so that a stale or replayed plaintext is noticed. */
static void pattern(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = 0x9E3779B9u * (seed + 1);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

static void stamp(uint8_t *p, size_t n, uint64_t ctr)
{
    memcpy(p, &ctr, 8);
    memcpy(p + n - 8, &ctr, 8);
}

/* The directory of this executable (bench-mem and gcm-ref live next to it). */
static int self_dir(char *out, size_t n)
{
    ssize_t k = readlink("/proc/self/exe", out, n - 1);
    if (k <= 0)
        return fail("readlink(/proc/self/exe)");
    out[k] = 0;
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = 0;
    return 0;
}

/* Growable byte buffer (token transport between SSPI contexts). */
typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf_t;

static void buf_put(buf_t *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

/* ------------------------------------------------------------------------------------------ */
/* openschannel side                                                                           */
/* ------------------------------------------------------------------------------------------ */

#define ISC_FLAGS (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM | ISC_REQ_ALLOCATE_MEMORY)
#define ASC_FLAGS (ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM | ASC_REQ_ALLOCATE_MEMORY)

static uint16_t g_id_aes128, g_id_3des, g_id_rc4, g_id_gcm;

/* Protocol versions: every workload pins exactly one, on both stacks. */
enum { V_TLS10, V_TLS12 };

/* A credential: server (server.pem/key) or client (trusting ca.pem, verifying the chain and
 * the name), enabled for `ver` only. suite != 0 restricts it to that suite; no_reconnects sets
 * SCH_CRED_DISABLE_RECONNECTS (no session cache for this credential). */
static int ours_cred(CredHandle *h, int server, uint16_t suite, int no_reconnects, int splitting, int ver)
{
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    PCCERT_CONTEXT cert = NULL;
    HCERTSTORE roots = NULL;
    if (server) {
        cert = OpenSchannelLoadCertificateFiles(g_cert, g_key, NULL);
        if (!cert)
            return fail("OpenSchannelLoadCertificateFiles(%s, %s)", g_cert, g_key);
        sc.cCreds = 1;
        sc.paCred = &cert;
        sc.grbitEnabledProtocols = ver == V_TLS12 ? SP_PROT_TLS1_2_SERVER : SP_PROT_TLS1_0_SERVER;
    } else {
        roots = OpenSchannelOpenCaFile(g_ca);
        if (!roots)
            return fail("OpenSchannelOpenCaFile(%s)", g_ca);
        sc.hRootStore = roots;
        sc.grbitEnabledProtocols = ver == V_TLS12 ? SP_PROT_TLS1_2_CLIENT : SP_PROT_TLS1_0_CLIENT;
    }
    if (no_reconnects)
        sc.dwFlags |= SCH_CRED_DISABLE_RECONNECTS;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, server ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND,
                                                   NULL, &sc, NULL, NULL, h, NULL);
    if (cert)
        CertFreeCertificateContext(cert);
    if (roots)
        CertCloseStore(roots, 0);
    if (st != SEC_E_OK)
        return st_fail("AcquireCredentialsHandleA", st, SEC_E_OK);
    if (suite)
        ST_CHECK(OpenSchannelSetCipherSuites(h, &suite, 1), SEC_E_OK);
    ST_CHECK(OpenSchannelSetRecordSplitting(h, splitting ? 1 : 0), SEC_E_OK);
    /* Like the OpenSSL side (SSL_OP_NO_ENCRYPT_THEN_MAC, SSL_OP_NO_TICKET): MAC-then-encrypt
     * records and session-ID resumption, which are both stacks' defaults with Windows peers. */
    ST_CHECK(OpenSchannelSetEncryptThenMac(h, 0), SEC_E_OK);
    ST_CHECK(OpenSchannelSetSessionTickets(h, 0), SEC_E_OK);
    return 0;
}

typedef struct {
    CtxtHandle c, s;
    int have_c, have_s;
} ours_pair;

/* Token transport, reused across handshakes (no allocation after the first one). */
static buf_t g_c2s, g_s2c;

/* Drops the consumed part of `in`: everything, or all but the SECBUFFER_EXTRA tail. */
static void consume(buf_t *in, const SecBuffer *extra)
{
    if (extra->BufferType == SECBUFFER_EXTRA && extra->cbBuffer > 0 && extra->cbBuffer <= in->len) {
        memmove(in->p, in->p + in->len - extra->cbBuffer, extra->cbBuffer);
        in->len = extra->cbBuffer;
    } else {
        in->len = 0;
    }
}

static int take_token(SecBuffer *ob, buf_t *out)
{
    if (ob->pvBuffer) {
        if (ob->cbBuffer)
            buf_put(out, ob->pvBuffer, ob->cbBuffer);
        SECURITY_STATUS st = FreeContextBuffer(ob->pvBuffer);
        if (st != SEC_E_OK)
            return st_fail("FreeContextBuffer(token)", st, SEC_E_OK);
    }
    return 0;
}

static SECURITY_STATUS ours_isc(CredHandle *cred, ours_pair *p, const char *target, buf_t *in, buf_t *out)
{
    SecBuffer ib[2] = {{(ULONG)in->len, SECBUFFER_TOKEN, in->p}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob[1] = {{0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    ULONG attr = 0;
    SECURITY_STATUS st = InitializeSecurityContextA(cred, p->have_c ? &p->c : NULL, (SEC_CHAR *)target, ISC_FLAGS, 0, 0,
                                                    p->have_c ? &id : NULL, 0, &p->c, &od, &attr, NULL);
    if (!p->have_c && (st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK))
        p->have_c = 1;
    if (p->have_c && st != SEC_E_INCOMPLETE_MESSAGE)
        consume(in, &ib[1]);
    if (take_token(&ob[0], out) != 0)
        return SEC_E_INTERNAL_ERROR;
    if (st == SEC_E_OK && !(attr & ISC_RET_CONFIDENTIALITY)) {
        fail("ISC: ISC_RET_CONFIDENTIALITY missing (attr 0x%x)", (unsigned)attr);
        return SEC_E_INTERNAL_ERROR;
    }
    return st;
}

static SECURITY_STATUS ours_asc(CredHandle *cred, ours_pair *p, buf_t *in, buf_t *out)
{
    SecBuffer ib[2] = {{(ULONG)in->len, SECBUFFER_TOKEN, in->p}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob[1] = {{0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    ULONG attr = 0;
    if (!p->have_s)
        p->s.dwLower = p->s.dwUpper = (ULONG_PTR)-1;
    SECURITY_STATUS st = AcceptSecurityContext(cred, p->have_s ? &p->s : NULL, &id, ASC_FLAGS, 0, &p->s, &od, &attr, NULL);
    if (!p->have_s && !(p->s.dwLower == (ULONG_PTR)-1 && p->s.dwUpper == (ULONG_PTR)-1))
        p->have_s = 1; /* ASC creates the context on its first call, even on failure */
    if (st != SEC_E_INCOMPLETE_MESSAGE)
        consume(in, &ib[1]);
    if (take_token(&ob[0], out) != 0)
        return SEC_E_INTERNAL_ERROR;
    return st;
}

/*
 * Wire check of what a TLS 1.2 ECDHE handshake negotiated (ours exposes neither the group nor
 * the signature scheme through SSPI): when g_ske_inspect is set, ours_handshake parses the
 * server's flight (plaintext handshake records) for the ServerKeyExchange and stores its
 * named group and signature scheme. Used once per workload, before timing.
 */
static int g_ske_inspect, g_ske_group = -1, g_ske_scheme = -1;

static void inspect_ske(const uint8_t *p, size_t n)
{
    static uint8_t hs[65536];
    size_t hl = 0;
    /* concatenate the handshake records' fragments */
    while (n >= 5) {
        size_t len = ((size_t)p[3] << 8) | p[4];
        if (5 + len > n)
            break;
        if (p[0] == 22 && hl + len <= sizeof hs) {
            memcpy(hs + hl, p + 5, len);
            hl += len;
        }
        p += 5 + len;
        n -= 5 + len;
    }
    for (size_t i = 0; i + 4 <= hl;) {
        size_t len = ((size_t)hs[i + 1] << 16) | ((size_t)hs[i + 2] << 8) | hs[i + 3];
        if (i + 4 + len > hl)
            break;
        const uint8_t *b = hs + i + 4;
        /* ECParameters (curve_type 3 = named_curve, group), point, SignatureAndHashAlgorithm */
        if (hs[i] == 12 && len >= 4 && b[0] == 3 && 4 + (size_t)b[3] + 2 <= len) {
            g_ske_group = (b[1] << 8) | b[2];
            g_ske_scheme = (b[4 + b[3]] << 8) | b[5 + b[3]];
        }
        i += 4 + len;
    }
}

/* Deletes the pair; the server's DeleteSecurityContext is added to *srv (server-side time). */
static void ours_pair_free(ours_pair *p, double *srv)
{
    if (p->have_c)
        DeleteSecurityContext(&p->c);
    if (p->have_s) {
        double t0 = srv ? now() : 0;
        DeleteSecurityContext(&p->s);
        if (srv)
            *srv += now() - t0;
    }
    p->have_c = p->have_s = 0;
}

/*
 * One full client+server handshake. Every status must be SEC_I_CONTINUE_NEEDED until the
 * final SEC_E_OK on each side; no byte may be left over. Time spent in the server's calls
 * (AcceptSecurityContext) is added to *srv. On failure the pair is freed.
 */
static int ours_handshake(CredHandle *cc, CredHandle *sc, const char *target, ours_pair *p, double *srv)
{
    memset(p, 0, sizeof *p);
    g_c2s.len = g_s2c.len = 0;
    SECURITY_STATUS st = ours_isc(cc, p, target, &g_s2c, &g_c2s);
    if (st != SEC_I_CONTINUE_NEEDED) {
        st_fail("InitializeSecurityContextA (first call)", st, SEC_I_CONTINUE_NEEDED);
        goto bad;
    }
    int c_done = 0, s_done = 0;
    for (int i = 0; i < 16 && !(c_done && s_done); i++) {
        if (g_c2s.len) {
            if (s_done) {
                fail("client sent %zu bytes after the server finished", g_c2s.len);
                goto bad;
            }
            double t0 = now();
            st = ours_asc(sc, p, &g_c2s, &g_s2c);
            *srv += now() - t0;
            if (g_ske_inspect)
                inspect_ske(g_s2c.p, g_s2c.len);
            if (st == SEC_E_OK)
                s_done = 1;
            else if (st != SEC_I_CONTINUE_NEEDED) {
                st_fail("AcceptSecurityContext", st, SEC_I_CONTINUE_NEEDED);
                goto bad;
            }
        }
        if (g_s2c.len) {
            if (c_done) {
                fail("server sent %zu bytes after the client finished", g_s2c.len);
                goto bad;
            }
            st = ours_isc(cc, p, target, &g_s2c, &g_c2s);
            if (st == SEC_E_OK)
                c_done = 1;
            else if (st != SEC_I_CONTINUE_NEEDED) {
                st_fail("InitializeSecurityContextA", st, SEC_I_CONTINUE_NEEDED);
                goto bad;
            }
        }
        if (!g_c2s.len && !g_s2c.len && !(c_done && s_done)) {
            fail("handshake stalled (client done %d, server done %d)", c_done, s_done);
            goto bad;
        }
    }
    if (!c_done || !s_done || g_c2s.len || g_s2c.len) {
        fail("handshake did not finish cleanly");
        goto bad;
    }
    return 0;
bad:
    ours_pair_free(p, NULL);
    return -1;
}

/* Checks SESSION_INFO.dwFlags (1 = resumed) on both contexts. */
static int ours_check_resumed(ours_pair *p, DWORD want)
{
    SecPkgContext_SessionInfo si;
    memset(&si, 0xA5, sizeof si);
    ST_CHECK(QueryContextAttributesA(&p->c, SECPKG_ATTR_SESSION_INFO, &si), SEC_E_OK);
    if (si.dwFlags != want)
        return fail("client SESSION_INFO.dwFlags = %u, expected %u", (unsigned)si.dwFlags, (unsigned)want);
    memset(&si, 0xA5, sizeof si);
    ST_CHECK(QueryContextAttributesA(&p->s, SECPKG_ATTR_SESSION_INFO, &si), SEC_E_OK);
    if (si.dwFlags != want)
        return fail("server SESSION_INFO.dwFlags = %u, expected %u", (unsigned)si.dwFlags, (unsigned)want);
    return 0;
}

/* Protocol and suite of both contexts. */
static int ours_check_suite(ours_pair *p, uint16_t suite, int ver)
{
    SecPkgContext_CipherInfo ci;
    SecPkgContext_ConnectionInfo co;
    CtxtHandle *h[2] = {&p->c, &p->s};
    for (int i = 0; i < 2; i++) {
        memset(&ci, 0, sizeof ci);
        ST_CHECK(QueryContextAttributesA(h[i], SECPKG_ATTR_CIPHER_INFO, &ci), SEC_E_OK);
        if (ci.dwCipherSuite != suite)
            return fail("%s negotiated suite 0x%04x, expected 0x%04x", i ? "server" : "client", (unsigned)ci.dwCipherSuite, suite);
        ST_CHECK(QueryContextAttributesA(h[i], SECPKG_ATTR_CONNECTION_INFO, &co), SEC_E_OK);
        DWORD want = ver == V_TLS12 ? (i ? SP_PROT_TLS1_2_SERVER : SP_PROT_TLS1_2_CLIENT) : (i ? SP_PROT_TLS1_0_SERVER : SP_PROT_TLS1_0_CLIENT);
        if (co.dwProtocol != want)
            return fail("%s protocol 0x%x is not TLS 1.%d", i ? "server" : "client", (unsigned)co.dwProtocol, ver == V_TLS12 ? 2 : 0);
    }
    return 0;
}

/* Set during set-up of the unsplit bulk rows: ours_transfer checks that EncryptMessage left
 * exactly one record, header | data | trailer, in the caller's contiguous buffer. */
static int g_check_layout;

/* EncryptMessage on `from` in place (buffer = header | data | trailer, sized from
 * STREAM_SIZES: the contiguous layout EncryptMessage seals without copying), then
 * DecryptMessage of every resulting record on `to`, comparing the plaintext with `src`. */
static int ours_transfer(CtxtHandle *from, CtxtHandle *to, const SecPkgContext_StreamSizes *sz, uint8_t *buf, const uint8_t *src,
                         size_t len)
{
    memcpy(buf + sz->cbHeader, src, len);
    SecBuffer b[4] = {
        {sz->cbHeader, SECBUFFER_STREAM_HEADER, buf},
        {(ULONG)len, SECBUFFER_DATA, buf + sz->cbHeader},
        {sz->cbTrailer, SECBUFFER_STREAM_TRAILER, buf + sz->cbHeader + len},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    SECURITY_STATUS st = EncryptMessage(from, 0, &d, 0);
    if (st != SEC_E_OK)
        return st_fail("EncryptMessage", st, SEC_E_OK);
    if (b[0].cbBuffer != sz->cbHeader || b[1].cbBuffer != len || b[2].cbBuffer > sz->cbTrailer)
        return fail("EncryptMessage: unexpected buffer sizes %u/%u/%u", (unsigned)b[0].cbBuffer, (unsigned)b[1].cbBuffer,
                    (unsigned)b[2].cbBuffer);
    uint8_t *p = buf;
    size_t n = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
    if (g_check_layout && (b[0].pvBuffer != buf || b[1].pvBuffer != buf + sz->cbHeader || buf[0] != 23 || buf[1] != 3 ||
                           (((size_t)buf[3] << 8) | buf[4]) != n - 5))
        return fail("EncryptMessage: not one record in place (header %02x %02x %02x, length %u, %zu bytes)", buf[0], buf[1], buf[2],
                    ((unsigned)buf[3] << 8) | buf[4], n);
    size_t got = 0;
    while (n > 0) {
        SecBuffer r[4] = {{(ULONG)n, SECBUFFER_DATA, p}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
        SecBufferDesc rd = {SECBUFFER_VERSION, 4, r};
        st = DecryptMessage(to, &rd, 0, NULL);
        if (st != SEC_E_OK)
            return st_fail("DecryptMessage", st, SEC_E_OK);
        SecBuffer *data = NULL, *extra = NULL;
        for (int i = 0; i < 4; i++) {
            if (r[i].BufferType == SECBUFFER_DATA)
                data = &r[i];
            else if (r[i].BufferType == SECBUFFER_EXTRA)
                extra = &r[i];
        }
        if (!data)
            return fail("DecryptMessage: no DATA buffer");
        if (got + data->cbBuffer > len || memcmp(data->pvBuffer, src + got, data->cbBuffer) != 0)
            return fail("DecryptMessage: plaintext differs from what was sent (offset %zu, %u bytes)", got, (unsigned)data->cbBuffer);
        got += data->cbBuffer;
        if (extra && extra->cbBuffer) {
            p = extra->pvBuffer;
            n = extra->cbBuffer;
        } else {
            n = 0;
        }
    }
    if (got != len)
        return fail("received %zu bytes, sent %zu", got, len);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* OpenSSL side                                                                                */
/* ------------------------------------------------------------------------------------------ */

static SSL_CTX *ossl_ctx(int server, const char *ciphers, int server_cache, int empty_fragments, int ver)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) {
        fail("SSL_CTX_new");
        return NULL;
    }
    int v = ver == V_TLS12 ? TLS1_2_VERSION : TLS1_VERSION;
    if (SSL_CTX_set_min_proto_version(ctx, v) != 1 || SSL_CTX_set_max_proto_version(ctx, v) != 1)
        goto bad;
    if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1)
        goto bad;
    if (ver == V_TLS12) {
        /* Like ours at TLS 1.2: no encrypt-then-MAC (irrelevant to AEAD suites, but it keeps the
         * ClientHello alike), no tickets, extended master secret on (ours negotiates it), and
         * X25519 as the only group: ours offers X25519 first and its server prefers it. */
        SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET);
        if (SSL_CTX_set1_groups_list(ctx, "X25519") != 1)
            goto bad;
    } else {
        /* The TLS 1.0 rows as first measured: no encrypt-then-MAC, no tickets, no extended
         * master secret (see README: ours now negotiates EMS with itself at TLS 1.0 too). */
        SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET | SSL_OP_NO_EXTENDED_MASTER_SECRET);
    }
    if (empty_fragments)
        SSL_CTX_clear_options(ctx, SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
    else
        SSL_CTX_set_options(ctx, SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS);
    if (server) {
        if (SSL_CTX_use_certificate_chain_file(ctx, g_cert) != 1 || SSL_CTX_use_PrivateKey_file(ctx, g_key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1)
            goto bad;
        SSL_CTX_set_session_cache_mode(ctx, server_cache ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
        static const unsigned char sid_ctx[] = "openschannel-bench";
        SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    } else {
        if (SSL_CTX_load_verify_locations(ctx, g_ca, NULL) != 1)
            goto bad;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); /* the client keeps its session by hand */
    }
    return ctx;
bad:
    fail("OpenSSL %s context setup (%s)", server ? "server" : "client", ciphers);
    SSL_CTX_free(ctx);
    return NULL;
}

typedef struct {
    SSL *c, *s;
} ossl_pair;

static void ossl_pair_free(ossl_pair *p, double *srv)
{
    /* Like DeleteSecurityContext without a close_notify, but tell OpenSSL the connection ended
     * cleanly so that SSL_free keeps the session resumable (ssl_clear_bad_session). */
    if (p->c) {
        SSL_set_shutdown(p->c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(p->c);
    }
    if (p->s) {
        double t0 = srv ? now() : 0;
        SSL_set_shutdown(p->s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(p->s);
        if (srv)
            *srv += now() - t0;
    }
    p->c = p->s = NULL;
}

/*
 * Client and server SSL over two memory BIOs, handshake to completion. Server-side time
 * (SSL_new + setup + its SSL_do_handshake calls) is added to *srv. `sess` (may be NULL) is
 * offered by the client. On failure the pair is freed.
 */
static int ossl_handshake(SSL_CTX *cctx, SSL_CTX *sctx, const char *host, SSL_SESSION *sess, ossl_pair *p, double *srv)
{
    memset(p, 0, sizeof *p);
    BIO *c2s = BIO_new(BIO_s_mem()), *s2c = BIO_new(BIO_s_mem());
    if (!c2s || !s2c) {
        BIO_free(c2s);
        BIO_free(s2c);
        return fail("BIO_new");
    }
    BIO_set_mem_eof_return(c2s, -1);
    BIO_set_mem_eof_return(s2c, -1);
    p->c = SSL_new(cctx);
    if (!p->c || SSL_set_tlsext_host_name(p->c, host) != 1 || SSL_set1_host(p->c, host) != 1 || (sess && SSL_set_session(p->c, sess) != 1)) {
        BIO_free(c2s);
        BIO_free(s2c);
        ossl_pair_free(p, NULL);
        return fail("client SSL setup");
    }
    BIO_up_ref(c2s);
    BIO_up_ref(s2c);
    SSL_set_bio(p->c, s2c, c2s); /* takes one reference of each */
    SSL_set_connect_state(p->c);

    double t0 = now();
    p->s = SSL_new(sctx);
    if (p->s) {
        SSL_set_bio(p->s, c2s, s2c); /* takes the other reference of each */
        SSL_set_accept_state(p->s);
    } else {
        BIO_free(c2s);
        BIO_free(s2c);
    }
    *srv += now() - t0;
    if (!p->s) {
        ossl_pair_free(p, NULL);
        return fail("SSL_new(server)");
    }

    int c_done = 0, s_done = 0;
    for (int i = 0; i < 16 && !(c_done && s_done); i++) {
        if (!c_done) {
            int r = SSL_do_handshake(p->c);
            if (r == 1)
                c_done = 1;
            else if (SSL_get_error(p->c, r) != SSL_ERROR_WANT_READ) {
                fail("client SSL_do_handshake: SSL_get_error %d, verify result %ld (%s)", SSL_get_error(p->c, r),
                     SSL_get_verify_result(p->c), X509_verify_cert_error_string(SSL_get_verify_result(p->c)));
                goto bad;
            }
        }
        if (!s_done) {
            t0 = now();
            int r = SSL_do_handshake(p->s);
            *srv += now() - t0;
            if (r == 1)
                s_done = 1;
            else if (SSL_get_error(p->s, r) != SSL_ERROR_WANT_READ) {
                fail("server SSL_do_handshake: SSL_get_error %d", SSL_get_error(p->s, r));
                goto bad;
            }
        }
    }
    if (!c_done || !s_done || BIO_ctrl_pending(c2s) || BIO_ctrl_pending(s2c)) {
        fail("OpenSSL handshake did not finish cleanly");
        goto bad;
    }
    if (SSL_get_verify_result(p->c) != X509_V_OK) {
        fail("client verify result %ld", SSL_get_verify_result(p->c));
        goto bad;
    }
    return 0;
bad:
    ossl_pair_free(p, NULL);
    return -1;
}

static int ossl_check_suite(ossl_pair *p, const char *cipher, int ver)
{
    SSL *s[2] = {p->c, p->s};
    for (int i = 0; i < 2; i++) {
        if (SSL_version(s[i]) != (ver == V_TLS12 ? TLS1_2_VERSION : TLS1_VERSION))
            return fail("OpenSSL %s: version %s", i ? "server" : "client", SSL_get_version(s[i]));
        const char *name = SSL_get_cipher_name(s[i]);
        if (!name || strcmp(name, cipher) != 0)
            return fail("OpenSSL %s: cipher %s, expected %s", i ? "server" : "client", name ? name : "(none)", cipher);
    }
    return 0;
}

/* SSL_write on `from`, SSL_read on `to` until len bytes, compare. */
static int ossl_transfer(SSL *from, SSL *to, const uint8_t *src, uint8_t *dst, size_t len)
{
    int r = SSL_write(from, src, (int)len);
    if (r != (int)len)
        return fail("SSL_write returned %d (error %d)", r, SSL_get_error(from, r));
    size_t got = 0;
    while (got < len) {
        r = SSL_read(to, dst + got, (int)(len - got));
        if (r <= 0)
            return fail("SSL_read returned %d (error %d) after %zu of %zu bytes", r, SSL_get_error(to, r), got, len);
        got += (size_t)r;
    }
    if (memcmp(dst, src, len) != 0)
        return fail("SSL_read: plaintext differs from what was sent");
    if (SSL_pending(to) || BIO_ctrl_pending(SSL_get_rbio(to)))
        return fail("bytes left over after SSL_read");
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* A TLS 1.0 record layer from OpenSSL EVP (for suites libssl no longer offers)                */
/* ------------------------------------------------------------------------------------------ */
/*
 * GenericBlockCipher / GenericStreamCipher of RFC 2246 §6.2.3: HMAC-SHA1 over
 * seq_num || type || version || length || fragment, then fragment || MAC || padding encrypted
 * with the record's cipher state (CBC IV chained across records, as TLS 1.0 does). The
 * receiver decrypts in place, checks every padding byte and the MAC. Not constant-time (no
 * Lucky-13 countermeasure): an optimistic baseline for OpenSSL.
 */
typedef struct {
    EVP_CIPHER_CTX *cipher;
    EVP_MAC_CTX *mac;
    uint64_t seq;
    int block; /* 0 for a stream cipher */
} evp_dir;

#define EVP_MAC_LEN 20

static EVP_MAC *g_hmac;

static int evp_dir_init(evp_dir *d, const char *cipher_name, const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key, int enc)
{
    memset(d, 0, sizeof *d);
    EVP_CIPHER *ciph = EVP_CIPHER_fetch(NULL, cipher_name, NULL);
    if (!ciph)
        return fail("EVP_CIPHER_fetch(%s)", cipher_name);
    d->cipher = EVP_CIPHER_CTX_new();
    int ok = d->cipher && EVP_CipherInit_ex2(d->cipher, ciph, key, iv, enc, NULL) == 1 && EVP_CIPHER_CTX_set_padding(d->cipher, 0) == 1;
    int bs = EVP_CIPHER_get_block_size(ciph);
    d->block = bs > 1 ? bs : 0;
    EVP_CIPHER_free(ciph);
    if (!ok)
        return fail("EVP_CipherInit_ex2(%s)", cipher_name);
    char digest[] = "SHA1";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    d->mac = EVP_MAC_CTX_new(g_hmac);
    if (!d->mac || EVP_MAC_init(d->mac, mac_key, EVP_MAC_LEN, params) != 1)
        return fail("EVP_MAC_init(HMAC-SHA1)");
    return 0;
}

static void evp_dir_free(evp_dir *d)
{
    EVP_CIPHER_CTX_free(d->cipher);
    EVP_MAC_CTX_free(d->mac);
    memset(d, 0, sizeof *d);
}

static int evp_mac(evp_dir *d, const uint8_t *data, size_t len, uint8_t out[EVP_MAC_LEN])
{
    uint8_t h[13];
    for (int i = 0; i < 8; i++)
        h[i] = (uint8_t)(d->seq >> (56 - 8 * i));
    h[8] = 23; /* application_data */
    h[9] = 3;
    h[10] = 1;
    h[11] = (uint8_t)(len >> 8);
    h[12] = (uint8_t)len;
    size_t outl = 0;
    /* NULL key: restart HMAC with the key already set */
    if (EVP_MAC_init(d->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(d->mac, h, sizeof h) != 1 || EVP_MAC_update(d->mac, data, len) != 1 ||
        EVP_MAC_final(d->mac, out, &outl, EVP_MAC_LEN) != 1 || outl != EVP_MAC_LEN)
        return fail("HMAC-SHA1");
    d->seq++;
    return 0;
}

/* The plaintext is at rec + 5; returns the record length (header included) or -1. */
static long evp_seal(evp_dir *d, uint8_t *rec, size_t len)
{
    uint8_t *body = rec + 5;
    if (evp_mac(d, body, len, body + len) != 0)
        return -1;
    size_t n = len + EVP_MAC_LEN;
    if (d->block) {
        size_t pad = (size_t)d->block - 1 - n % (size_t)d->block;
        memset(body + n, (int)pad, pad + 1);
        n += pad + 1;
    }
    int outl = 0;
    if (EVP_CipherUpdate(d->cipher, body, &outl, body, (int)n) != 1 || (size_t)outl != n)
        return fail("EVP encrypt"), -1;
    rec[0] = 23;
    rec[1] = 3;
    rec[2] = 1;
    rec[3] = (uint8_t)(n >> 8);
    rec[4] = (uint8_t)n;
    return (long)(n + 5);
}

/* Opens a record in place; returns the plaintext length (at rec + 5) or -1. */
static long evp_open(evp_dir *d, uint8_t *rec, size_t total)
{
    if (total < 5 || rec[0] != 23 || rec[1] != 3 || rec[2] != 1 || (((size_t)rec[3] << 8) | rec[4]) != total - 5)
        return fail("evp record: bad header"), -1;
    uint8_t *body = rec + 5;
    size_t n = total - 5;
    if (n < EVP_MAC_LEN || (d->block && (n % (size_t)d->block) != 0))
        return fail("evp record: bad length"), -1;
    int outl = 0;
    if (EVP_CipherUpdate(d->cipher, body, &outl, body, (int)n) != 1 || (size_t)outl != n)
        return fail("EVP decrypt"), -1;
    if (d->block) {
        size_t pad = body[n - 1];
        if (pad + 1 + EVP_MAC_LEN > n)
            return fail("evp record: bad padding length"), -1;
        for (size_t i = n - 1 - pad; i < n; i++)
            if (body[i] != pad)
                return fail("evp record: bad padding"), -1;
        n -= pad + 1;
    }
    n -= EVP_MAC_LEN;
    uint8_t mac[EVP_MAC_LEN];
    if (evp_mac(d, body, n, mac) != 0)
        return -1;
    if (CRYPTO_memcmp(mac, body + n, EVP_MAC_LEN) != 0)
        return fail("evp record: bad MAC"), -1;
    return (long)n;
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *unit;
    const char *ossl_label; /* "openssl" or "openssl(evp)" */
    int lower_better;
    int ran, failed;
    int n_ours, n_ossl;
    double ours[MAX_ROUNDS], ossl[MAX_ROUNDS];
} row_t;

enum {
    R_HS_FULL,
    R_HS_SERVER,
    R_HS_RESUMED,
    R_HS_FULL_ECDHE,
    R_HS_SERVER_ECDHE,
    R_HS_RESUMED_TLS12,
    R_BULK_AES_16K,
    R_BULK_3DES_16K,
    R_BULK_RC4_16K,
    R_BULK_AES_1K,
    R_BULK_AES_16K_DEFAULT,
    R_BULK_AES_16K_EVP,
    R_BULK_GCM_16K,
    R_BULK_GCM_1K,
    R_MEM_HELD,
    R_MEM_PEAK,
    R_REF_RSA,
    R_REF_AES_HMAC,
    R_REF_AES_GCM,
    R_COUNT
};

static row_t g_rows[R_COUNT] = {
    [R_HS_FULL] = {"handshake_full", "hs/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_HS_SERVER] = {"handshake_server", "hs/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_HS_RESUMED] = {"handshake_resumed", "hs/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_HS_FULL_ECDHE] = {"handshake_full_ecdhe", "hs/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_HS_SERVER_ECDHE] = {"handshake_server_ecdhe", "hs/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_HS_RESUMED_TLS12] = {"handshake_resumed_tls12", "hs/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_AES_16K] = {"bulk_aes128_16k", "MB/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_3DES_16K] = {"bulk_3des_16k", "MB/s", "openssl(evp)", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_RC4_16K] = {"bulk_rc4_16k", "MB/s", "openssl(evp)", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_AES_1K] = {"bulk_aes128_1k", "MB/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_AES_16K_DEFAULT] = {"bulk_aes128_16k_defaults", "MB/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_AES_16K_EVP] = {"bulk_aes128_16k_evp", "MB/s", "openssl(evp)", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_GCM_16K] = {"bulk_aes128gcm_16k", "MB/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_BULK_GCM_1K] = {"bulk_aes128gcm_1k", "MB/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_MEM_HELD] = {"mem_held_per_pair", "bytes", "openssl", 1, 0, 0, 0, 0, {0}, {0}},
    [R_MEM_PEAK] = {"mem_peak_handshake", "bytes", "openssl", 1, 0, 0, 0, 0, {0}, {0}},
    [R_REF_RSA] = {"ref_rsa2048_private_ops", "ops/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_REF_AES_HMAC] = {"ref_aes128cbc_hmacsha1_16k", "MB/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
    [R_REF_AES_GCM] = {"ref_aes128gcm_16k", "MB/s", "openssl", 0, 0, 0, 0, 0, {0}, {0}},
};

static int g_failed;

static int wanted(const char *name)
{
    if (!g_only || !*g_only)
        return 1;
    size_t n = strlen(name);
    for (const char *p = g_only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        /* "name" matches exactly, "prefix*" any name starting with prefix */
        if (len && p[len - 1] == '*' && len - 1 <= n && strncmp(name, p, len - 1) == 0)
            return 1;
        if (len && len == n && strncmp(name, p, len) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static void mark_failed(row_t *r)
{
    r->ran = 1;
    r->failed = 1;
    g_failed = 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    if (n <= 0)
        return NAN;
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* (max - min) / median, in percent */
static double spread(const double *v, int n)
{
    if (n <= 1)
        return 0;
    double lo = v[0], hi = v[0];
    for (int i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    double m = median(v, n);
    return m > 0 ? 100.0 * (hi - lo) / m : 0;
}

/* run(state, seconds, &value, &second_value): 0 or -1 */
typedef int (*run_fn)(void *st, double secs, double *v1, double *v2);

/*
 * The alternating measurement: a short warm-up of each stack (also a correctness pass), then
 * g_rounds rounds; in even rounds ours runs first, in odd rounds OpenSSL. `row2` (may be NULL)
 * receives each run's second value.
 */
static void measure(row_t *row, row_t *row2, run_fn f_ours, void *s_ours, run_fn f_ossl, void *s_ossl)
{
    row->ran = 1;
    if (row2)
        row2->ran = 1;
    double a, b;
    fprintf(stderr, "  %-28s", row->name);
    if ((g_do_ours && f_ours(s_ours, g_secs * 0.15, &a, &b) != 0) || (g_do_ossl && f_ossl(s_ossl, g_secs * 0.15, &a, &b) != 0)) {
        mark_failed(row);
        if (row2)
            mark_failed(row2);
        fprintf(stderr, " FAILED\n");
        return;
    }
    for (int r = 0; r < g_rounds; r++) {
        for (int k = 0; k < 2; k++) {
            int ours = (r % 2 == 0) ? (k == 0) : (k == 1);
            if (ours ? !g_do_ours : !g_do_ossl)
                continue;
            if ((ours ? f_ours(s_ours, g_secs, &a, &b) : f_ossl(s_ossl, g_secs, &a, &b)) != 0) {
                mark_failed(row);
                if (row2)
                    mark_failed(row2);
                fprintf(stderr, " FAILED\n");
                return;
            }
            if (ours) {
                row->ours[row->n_ours++] = a;
                if (row2)
                    row2->ours[row2->n_ours++] = b;
            } else {
                row->ossl[row->n_ossl++] = a;
                if (row2)
                    row2->ossl[row2->n_ossl++] = b;
            }
        }
        fprintf(stderr, ".");
    }
    fprintf(stderr, " ours %.1f, %s %.1f %s\n", median(row->ours, row->n_ours), row->ossl_label, median(row->ossl, row->n_ossl), row->unit);
}

/* ------------------------------------------------------------------------------------------ */
/* Handshake workloads                                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    CredHandle cc, sc;
    int resumed;
} ours_hs;

static int ours_hs_run(void *vst, double secs, double *rate, double *srv_rate)
{
    ours_hs *st = vst;
    double srv = 0, t0 = now(), el;
    long n = 0;
    do {
        ours_pair p;
        if (ours_handshake(&st->cc, &st->sc, TARGET, &p, &srv) != 0)
            return -1;
        if (ours_check_resumed(&p, st->resumed ? 1 : 0) != 0) {
            ours_pair_free(&p, NULL);
            return -1;
        }
        ours_pair_free(&p, &srv);
        n++;
    } while ((el = now() - t0) < secs);
    *rate = (double)n / el;
    *srv_rate = (double)n / srv;
    return 0;
}

typedef struct {
    SSL_CTX *cctx, *sctx;
    int resumed;
    SSL_SESSION *sess; /* the client's previous session */
} ossl_hs;

static int ossl_hs_run(void *vst, double secs, double *rate, double *srv_rate)
{
    ossl_hs *st = vst;
    double srv = 0, t0 = now(), el;
    long n = 0;
    do {
        ossl_pair p;
        if (ossl_handshake(st->cctx, st->sctx, TARGET, st->resumed ? st->sess : NULL, &p, &srv) != 0)
            return -1;
        int want = st->resumed ? 1 : 0;
        if (SSL_session_reused(p.c) != want || SSL_session_reused(p.s) != want) {
            ossl_pair_free(&p, NULL);
            return fail("OpenSSL: session reused client %d server %d, expected %d", SSL_session_reused(p.c), SSL_session_reused(p.s), want);
        }
        if (st->resumed) {
            SSL_SESSION *s = SSL_get1_session(p.c);
            SSL_SESSION_free(st->sess);
            st->sess = s;
        }
        ossl_pair_free(&p, &srv);
        n++;
    } while ((el = now() - t0) < secs);
    *rate = (double)n / el;
    *srv_rate = (double)n / srv;
    return 0;
}

/* Name checks are on: a wrong target must fail on both stacks. */
static int negative_name_checks(void)
{
    CredHandle cc, sc;
    if (ours_cred(&cc, 0, g_id_aes128, 1, 0, V_TLS10) != 0 || ours_cred(&sc, 1, g_id_aes128, 1, 0, V_TLS10) != 0)
        return -1;
    ours_pair p;
    double dummy = 0;
    g_quiet = 1;
    int r = ours_handshake(&cc, &sc, "wrong.example", &p, &dummy);
    g_quiet = 0;
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    if (r == 0) {
        ours_pair_free(&p, NULL);
        return fail("openschannel accepted a certificate for the wrong name");
    }
    SSL_CTX *c = ossl_ctx(0, "AES128-SHA:@SECLEVEL=0", 0, 0, V_TLS10), *s = ossl_ctx(1, "AES128-SHA:@SECLEVEL=0", 0, 0, V_TLS10);
    if (!c || !s)
        return -1;
    ossl_pair q;
    g_quiet = 1;
    r = ossl_handshake(c, s, "wrong.example", NULL, &q, &dummy);
    g_quiet = 0;
    ERR_clear_error();
    SSL_CTX_free(c);
    SSL_CTX_free(s);
    if (r == 0) {
        ossl_pair_free(&q, NULL);
        return fail("OpenSSL accepted a certificate for the wrong name");
    }
    return 0;
}

/* The handshake workloads: TLS 1.0 RSA key exchange, or TLS 1.2 ECDHE-RSA (X25519) with GCM. */
typedef struct {
    int ver;
    uint16_t suite;         /* ours */
    const char *ossl_list;  /* SSL_CTX_set_cipher_list */
    const char *ossl_name;  /* SSL_get_cipher_name */
    int row_full, row_server, row_resumed;
} hs_kind;

static const hs_kind HS_TLS10 = {V_TLS10, 0x002F, "AES128-SHA:@SECLEVEL=0", "AES128-SHA", R_HS_FULL, R_HS_SERVER, R_HS_RESUMED};
static const hs_kind HS_TLS12 = {V_TLS12, 0xC02F, "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", R_HS_FULL_ECDHE,
                                 R_HS_SERVER_ECDHE, R_HS_RESUMED_TLS12};

/* TLS 1.2 ECDHE: both stacks must have used X25519 and RSA-PSS-RSAE-SHA256 for the
 * ServerKeyExchange signature (ours: read from the wire; OpenSSL: its own report), and OpenSSL
 * must have negotiated extended_master_secret like ours. */
static int check_ecdhe_like_for_like(const ossl_pair *q)
{
    if (g_ske_group != 29 || g_ske_scheme != 0x0804)
        return fail("ours: ServerKeyExchange group 0x%04x, scheme 0x%04x; expected X25519 (0x001d), rsa_pss_rsae_sha256 (0x0804)",
                    (unsigned)g_ske_group, (unsigned)g_ske_scheme);
    int sig = 0;
    if (SSL_get_negotiated_group(q->c) != NID_X25519 || SSL_get_peer_signature_type_nid(q->c, &sig) != 1 || sig != NID_rsassaPss)
        return fail("OpenSSL: group %ld, signature type %d; expected X25519 and RSA-PSS", (long)SSL_get_negotiated_group(q->c), sig);
    if (SSL_get_extms_support(q->c) != 1 || SSL_get_extms_support(q->s) != 1)
        return fail("OpenSSL: extended_master_secret not negotiated");
    return 0;
}

static void workload_handshakes(const hs_kind *k, int resumed)
{
    row_t *row = &g_rows[resumed ? k->row_resumed : k->row_full];
    row_t *row2 = resumed ? NULL : &g_rows[k->row_server];
    ours_hs o = {.resumed = resumed};
    ossl_hs s = {.resumed = resumed};
    /* Full handshakes: no session cache on either side of either stack. */
    if (ours_cred(&o.cc, 0, k->suite, !resumed, 1, k->ver) != 0 || ours_cred(&o.sc, 1, k->suite, !resumed, 1, k->ver) != 0)
        goto bad;
    s.cctx = ossl_ctx(0, k->ossl_list, 0, 1, k->ver);
    s.sctx = ossl_ctx(1, k->ossl_list, resumed, 1, k->ver);
    if (!s.cctx || !s.sctx)
        goto bad;
    /* One full handshake each, checked for suite/protocol and application data, which also
     * primes the session caches for the resumed workload. */
    {
        double dummy = 0;
        ours_pair p;
        g_ske_group = g_ske_scheme = -1;
        g_ske_inspect = 1;
        int r = ours_handshake(&o.cc, &o.sc, TARGET, &p, &dummy);
        g_ske_inspect = 0;
        if (r != 0)
            goto bad;
        SecPkgContext_StreamSizes sz;
        static uint8_t msg[64], buf[64 + 512];
        pattern(msg, sizeof msg, 7);
        int bad = ours_check_suite(&p, k->suite, k->ver) != 0 || ours_check_resumed(&p, 0) != 0 ||
                  QueryContextAttributesA(&p.c, SECPKG_ATTR_STREAM_SIZES, &sz) != SEC_E_OK || sz.cbHeader + sz.cbTrailer + 64 > sizeof buf ||
                  ours_transfer(&p.c, &p.s, &sz, buf, msg, sizeof msg) != 0 || ours_transfer(&p.s, &p.c, &sz, buf, msg, sizeof msg) != 0;
        ours_pair_free(&p, NULL);
        if (bad)
            goto bad;
        ossl_pair q;
        if (ossl_handshake(s.cctx, s.sctx, TARGET, NULL, &q, &dummy) != 0)
            goto bad;
        uint8_t out[64];
        bad = ossl_check_suite(&q, k->ossl_name, k->ver) != 0 || SSL_session_reused(q.c) || ossl_transfer(q.c, q.s, msg, out, sizeof msg) != 0 ||
              ossl_transfer(q.s, q.c, msg, out, sizeof msg) != 0 || (k->ver == V_TLS12 && check_ecdhe_like_for_like(&q) != 0);
        if (resumed)
            s.sess = SSL_get1_session(q.c);
        ossl_pair_free(&q, NULL);
        if (bad)
            goto bad;
    }
    measure(row, row2, ours_hs_run, &o, ossl_hs_run, &s);
    goto done;
bad:
    mark_failed(row);
    if (row2)
        mark_failed(row2);
done:
    FreeCredentialsHandle(&o.cc);
    FreeCredentialsHandle(&o.sc);
    SSL_SESSION_free(s.sess);
    SSL_CTX_free(s.cctx);
    SSL_CTX_free(s.sctx);
}

/* ------------------------------------------------------------------------------------------ */
/* Bulk workloads                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    CredHandle cc, sc;
    ours_pair p;
    SecPkgContext_StreamSizes sz;
    uint8_t *buf, *src;
    size_t len;
    uint64_t ctr;
} ours_bulk;

static int ours_bulk_run(void *vst, double secs, double *mbps, double *unused)
{
    ours_bulk *b = vst;
    double t0 = now(), el;
    long n = 0;
    (void)unused;
    do {
        stamp(b->src, b->len, ++b->ctr);
        if (ours_transfer(&b->p.c, &b->p.s, &b->sz, b->buf, b->src, b->len) != 0)
            return -1;
        n++;
    } while ((el = now() - t0) < secs);
    *mbps = (double)n * (double)b->len / el / 1e6;
    return 0;
}

typedef struct {
    SSL_CTX *cctx, *sctx;
    ossl_pair p;
    uint8_t *src, *dst;
    size_t len;
    uint64_t ctr;
} ossl_bulk;

static int ossl_bulk_run(void *vst, double secs, double *mbps, double *unused)
{
    ossl_bulk *b = vst;
    double t0 = now(), el;
    long n = 0;
    (void)unused;
    do {
        stamp(b->src, b->len, ++b->ctr);
        if (ossl_transfer(b->p.c, b->p.s, b->src, b->dst, b->len) != 0)
            return -1;
        n++;
    } while ((el = now() - t0) < secs);
    *mbps = (double)n * (double)b->len / el / 1e6;
    return 0;
}

typedef struct {
    evp_dir w, r;
    uint8_t *rec, *src;
    size_t len;
    uint64_t ctr;
} evp_bulk;

static int evp_bulk_run(void *vst, double secs, double *mbps, double *unused)
{
    evp_bulk *b = vst;
    double t0 = now(), el;
    long n = 0;
    (void)unused;
    do {
        stamp(b->src, b->len, ++b->ctr);
        memcpy(b->rec + 5, b->src, b->len);
        long total = evp_seal(&b->w, b->rec, b->len);
        if (total < 0)
            return -1;
        long got = evp_open(&b->r, b->rec, (size_t)total);
        if (got != (long)b->len || memcmp(b->rec + 5, b->src, b->len) != 0)
            return fail("evp record layer: plaintext differs from what was sent");
        n++;
    } while ((el = now() - t0) < secs);
    *mbps = (double)n * (double)b->len / el / 1e6;
    return 0;
}

static int evp_bulk_init(evp_bulk *b, const char *cipher, size_t len)
{
    uint8_t key[32], iv[16], mk[EVP_MAC_LEN];
    if (RAND_bytes(key, sizeof key) != 1 || RAND_bytes(iv, sizeof iv) != 1 || RAND_bytes(mk, sizeof mk) != 1)
        return fail("RAND_bytes");
    b->len = len;
    b->rec = malloc(5 + len + EVP_MAC_LEN + 256);
    b->src = malloc(len);
    if (!b->rec || !b->src)
        return fail("out of memory");
    pattern(b->src, len, 3);
    if (evp_dir_init(&b->w, cipher, key, iv, mk, 1) != 0 || evp_dir_init(&b->r, cipher, key, iv, mk, 0) != 0)
        return -1;
    return 0;
}

static void evp_bulk_free(evp_bulk *b)
{
    evp_dir_free(&b->w);
    evp_dir_free(&b->r);
    free(b->rec);
    free(b->src);
}

/*
 * One bulk row. suite: ours; ossl_cipher: libssl cipher name (NULL: use the EVP record layer
 * with evp_cipher). splitting: ours 1/n-1 on; OpenSSL empty fragments on (both defaults).
 */
static void workload_bulk(int row_idx, uint16_t suite, const char *ossl_cipher, const char *evp_cipher, size_t len, int defaults, int ver)
{
    row_t *row = &g_rows[row_idx];
    ours_bulk o;
    ossl_bulk s;
    evp_bulk e;
    memset(&o, 0, sizeof o);
    memset(&s, 0, sizeof s);
    memset(&e, 0, sizeof e);
    double dummy = 0;
    if (ours_cred(&o.cc, 0, suite, 1, defaults, ver) != 0 || ours_cred(&o.sc, 1, suite, 1, defaults, ver) != 0)
        goto bad;
    if (ours_handshake(&o.cc, &o.sc, TARGET, &o.p, &dummy) != 0 || ours_check_suite(&o.p, suite, ver) != 0)
        goto bad;
    SECURITY_STATUS st = QueryContextAttributesA(&o.p.c, SECPKG_ATTR_STREAM_SIZES, &o.sz);
    if (st != SEC_E_OK) {
        st_fail("QueryContextAttributesA(STREAM_SIZES)", st, SEC_E_OK);
        goto bad;
    }
    if (o.sz.cbMaximumMessage < len) {
        fail("cbMaximumMessage %u < %zu", (unsigned)o.sz.cbMaximumMessage, len);
        goto bad;
    }
    o.len = len;
    o.buf = malloc(o.sz.cbHeader + o.sz.cbMaximumMessage + o.sz.cbTrailer);
    o.src = malloc(len);
    if (!o.buf || !o.src)
        goto bad;
    pattern(o.src, len, 1);
    /* TLS 1.2 AES-GCM: cbHeader = 5 + 8-byte explicit nonce, cbTrailer = the 16-byte tag */
    if (ver == V_TLS12 && (o.sz.cbHeader != 13 || o.sz.cbTrailer != 16)) {
        fail("STREAM_SIZES: cbHeader %u, cbTrailer %u; expected 13 and 16 for AES-GCM", (unsigned)o.sz.cbHeader, (unsigned)o.sz.cbTrailer);
        goto bad;
    }
    /* both directions once; one record per EncryptMessage, in place, unless splitting */
    g_check_layout = !defaults;
    int bad_transfer = ours_transfer(&o.p.c, &o.p.s, &o.sz, o.buf, o.src, len) != 0 || ours_transfer(&o.p.s, &o.p.c, &o.sz, o.buf, o.src, len) != 0;
    g_check_layout = 0;
    if (bad_transfer)
        goto bad;

    void *so;
    run_fn fs;
    if (ossl_cipher) {
        char list[128];
        snprintf(list, sizeof list, "%s:@SECLEVEL=0", ossl_cipher);
        if (ver == V_TLS12)
            snprintf(list, sizeof list, "%s", ossl_cipher); /* default security level */
        s.cctx = ossl_ctx(0, list, 0, defaults, ver);
        s.sctx = ossl_ctx(1, list, 0, defaults, ver);
        if (!s.cctx || !s.sctx || ossl_handshake(s.cctx, s.sctx, TARGET, NULL, &s.p, &dummy) != 0 || ossl_check_suite(&s.p, ossl_cipher, ver) != 0)
            goto bad;
        s.len = len;
        s.src = malloc(len);
        s.dst = malloc(len);
        if (!s.src || !s.dst)
            goto bad;
        pattern(s.src, len, 1);
        if (ossl_transfer(s.p.c, s.p.s, s.src, s.dst, len) != 0 || ossl_transfer(s.p.s, s.p.c, s.src, s.dst, len) != 0)
            goto bad;
        so = &s;
        fs = ossl_bulk_run;
    } else {
        if (evp_bulk_init(&e, evp_cipher, len) != 0)
            goto bad;
        so = &e;
        fs = evp_bulk_run;
    }
    measure(row, NULL, ours_bulk_run, &o, fs, so);
    goto done;
bad:
    mark_failed(row);
done:
    if (o.p.have_c || o.p.have_s)
        ours_pair_free(&o.p, NULL);
    FreeCredentialsHandle(&o.cc);
    FreeCredentialsHandle(&o.sc);
    free(o.buf);
    free(o.src);
    ossl_pair_free(&s.p, NULL);
    SSL_CTX_free(s.cctx);
    SSL_CTX_free(s.sctx);
    free(s.src);
    free(s.dst);
    evp_bulk_free(&e);
}

/* ------------------------------------------------------------------------------------------ */
/* Memory                                                                                      */
/* ------------------------------------------------------------------------------------------ */

#define PEAK_SAMPLES 21

typedef struct {
    double held, held_tracked, peak, retained, growth, allocs;
} mem_result;

#ifdef BENCH_MALLOC_WRAP
static int ours_mem(mem_result *m)
{
    CredHandle cc, sc;
    if (ours_cred(&cc, 0, g_id_aes128, 1, 1, V_TLS10) != 0 || ours_cred(&sc, 1, g_id_aes128, 1, 1, V_TLS10) != 0)
        return -1;
    int rc = -1, n = 0;
    ours_pair *pairs = calloc((size_t)g_mem_pairs, sizeof *pairs);
    double dummy = 0, peaks[PEAK_SAMPLES], allocs[PEAK_SAMPLES];
    if (!pairs)
        goto out;
    for (int i = 0; i < 3; i++) { /* warm-up: lazy statics, transport buffers */
        ours_pair p;
        if (ours_handshake(&cc, &sc, TARGET, &p, &dummy) != 0)
            goto out;
        ours_pair_free(&p, NULL);
    }
    for (int i = 0; i < PEAK_SAMPLES; i++) {
        ours_pair p;
        g_live = g_peak = g_allocs = 0;
        g_track = 1;
        int r = ours_handshake(&cc, &sc, TARGET, &p, &dummy);
        g_track = 0;
        if (r != 0)
            goto out;
        peaks[i] = (double)g_peak;
        allocs[i] = (double)g_allocs;
        ours_pair_free(&p, NULL);
    }
    m->peak = median(peaks, PEAK_SAMPLES);
    m->allocs = median(allocs, PEAK_SAMPLES);
    long long h0 = heap_held();
    g_live = g_peak = 0;
    g_track = 1;
    for (n = 0; n < g_mem_pairs; n++)
        if (ours_handshake(&cc, &sc, TARGET, &pairs[n], &dummy) != 0)
            break;
    g_track = 0;
    long long h1 = heap_held();
    if (n == g_mem_pairs) {
        m->held = (double)(h1 - h0) / g_mem_pairs;
        m->held_tracked = (double)g_live / g_mem_pairs;
        rc = 0;
    }
    for (int i = 0; i < n; i++)
        ours_pair_free(&pairs[i], NULL);
    m->retained = (double)(heap_held() - h0);
    if (rc == 0) { /* a second create/free cycle: anything kept now grows per connection */
        g_live = g_peak = 0;
        g_track = 1;
        for (n = 0; n < g_mem_pairs; n++)
            if (ours_handshake(&cc, &sc, TARGET, &pairs[n], &dummy) != 0) {
                rc = -1;
                break;
            }
        for (int i = 0; i < n; i++)
            ours_pair_free(&pairs[i], NULL);
        g_track = 0;
        m->growth = (double)g_live;
    }
out:
    free(pairs);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return rc;
}

static int ossl_mem(mem_result *m, double *bio_bytes)
{
    SSL_CTX *cctx = ossl_ctx(0, "AES128-SHA:@SECLEVEL=0", 0, 1, V_TLS10), *sctx = ossl_ctx(1, "AES128-SHA:@SECLEVEL=0", 0, 1, V_TLS10);
    int rc = -1, n = 0;
    ossl_pair *pairs = calloc((size_t)g_mem_pairs, sizeof *pairs);
    double dummy = 0, peaks[PEAK_SAMPLES], allocs[PEAK_SAMPLES];
    if (!cctx || !sctx || !pairs)
        goto out;
    for (int i = 0; i < 3; i++) {
        ossl_pair p;
        if (ossl_handshake(cctx, sctx, TARGET, NULL, &p, &dummy) != 0)
            goto out;
        ossl_pair_free(&p, NULL);
    }
    for (int i = 0; i < PEAK_SAMPLES; i++) {
        ossl_pair p;
        g_live = g_peak = g_allocs = 0;
        g_track = 1;
        int r = ossl_handshake(cctx, sctx, TARGET, NULL, &p, &dummy);
        g_track = 0;
        if (r != 0)
            goto out;
        peaks[i] = (double)g_peak;
        allocs[i] = (double)g_allocs;
        ossl_pair_free(&p, NULL);
    }
    m->peak = median(peaks, PEAK_SAMPLES);
    m->allocs = median(allocs, PEAK_SAMPLES);
    long long h0 = heap_held();
    g_live = g_peak = 0;
    g_track = 1;
    for (n = 0; n < g_mem_pairs; n++)
        if (ossl_handshake(cctx, sctx, TARGET, NULL, &pairs[n], &dummy) != 0)
            break;
    g_track = 0;
    long long h1 = heap_held();
    if (n == g_mem_pairs) {
        m->held = (double)(h1 - h0) / g_mem_pairs;
        m->held_tracked = (double)g_live / g_mem_pairs;
        /* capacity kept by the two memory BIOs of a pair (the transport, counted above) */
        BUF_MEM *bm;
        size_t bio = 0;
        BIO_get_mem_ptr(SSL_get_rbio(pairs[0].c), &bm);
        bio += bm ? bm->max : 0;
        BIO_get_mem_ptr(SSL_get_wbio(pairs[0].c), &bm);
        bio += bm ? bm->max : 0;
        *bio_bytes = (double)bio;
        rc = 0;
    }
    for (int i = 0; i < n; i++)
        ossl_pair_free(&pairs[i], NULL);
    m->retained = (double)(heap_held() - h0);
    if (rc == 0) {
        g_live = g_peak = 0;
        g_track = 1;
        for (n = 0; n < g_mem_pairs; n++)
            if (ossl_handshake(cctx, sctx, TARGET, NULL, &pairs[n], &dummy) != 0) {
                rc = -1;
                break;
            }
        for (int i = 0; i < n; i++)
            ossl_pair_free(&pairs[i], NULL);
        g_track = 0;
        m->growth = (double)g_live;
    }
out:
    free(pairs);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return rc;
}

#endif /* BENCH_MALLOC_WRAP */

static double g_bio_bytes;
static mem_result g_mem_ours, g_mem_ossl;

/* bench-mem: measures and prints one line for the parent. */
static int memory_child(void)
{
#ifndef BENCH_MALLOC_WRAP
    return fail("BENCH_MEM_CHILD needs the bench-mem build (-DBENCH_MALLOC_WRAP)");
#else
    if ((g_do_ours && ours_mem(&g_mem_ours) != 0) || (g_do_ossl && ossl_mem(&g_mem_ossl, &g_bio_bytes) != 0))
        return -1;
    const mem_result *m[2] = {&g_mem_ours, &g_mem_ossl};
    printf("BENCH_MEM");
    for (int i = 0; i < 2; i++)
        printf(" %.3f %.3f %.3f %.3f %.3f %.3f", m[i]->held, m[i]->held_tracked, m[i]->peak, m[i]->retained, m[i]->growth, m[i]->allocs);
    printf(" %.3f\n", g_bio_bytes);
    return 0;
#endif
}

/* Runs bench-mem (next to this executable) with BENCH_MEM_CHILD=1 and reads its line. */
static int run_memory_child(void)
{
    char self[4096], cmd[4200];
    if (self_dir(self, sizeof self) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "'%s/bench-mem'", self);
    setenv("BENCH_MEM_CHILD", "1", 1);
    FILE *p = popen(cmd, "r");
    unsetenv("BENCH_MEM_CHILD");
    if (!p)
        return fail("popen(%s)", cmd);
    char line[1024];
    int got = 0;
    while (fgets(line, sizeof line, p)) {
        mem_result *m[2] = {&g_mem_ours, &g_mem_ossl};
        if (strncmp(line, "BENCH_MEM ", 10) == 0 &&
            sscanf(line + 10, "%lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &m[0]->held, &m[0]->held_tracked, &m[0]->peak,
                   &m[0]->retained, &m[0]->growth, &m[0]->allocs, &m[1]->held, &m[1]->held_tracked, &m[1]->peak, &m[1]->retained,
                   &m[1]->growth, &m[1]->allocs, &g_bio_bytes) == 13)
            got = 1;
    }
    int status = pclose(p);
    if (status != 0 || !got)
        return fail("%s failed (status %d%s)", cmd, status, got ? "" : ", no result line");
    return 0;
}

static void workload_memory(void)
{
    row_t *held = &g_rows[R_MEM_HELD], *peak = &g_rows[R_MEM_PEAK];
    held->ran = peak->ran = 1;
    fprintf(stderr, "  %-28s", "memory (bench-mem)");
    if (run_memory_child() != 0) {
        mark_failed(held);
        mark_failed(peak);
        fprintf(stderr, " FAILED\n");
        return;
    }
    if (g_do_ours) {
        held->ours[held->n_ours++] = g_mem_ours.held;
        peak->ours[peak->n_ours++] = g_mem_ours.peak;
    }
    if (g_do_ossl) {
        held->ossl[held->n_ossl++] = g_mem_ossl.held;
        peak->ossl[peak->n_ossl++] = g_mem_ossl.peak;
    }
    fprintf(stderr, " held ours %.0f / openssl %.0f bytes per pair\n", g_mem_ours.held, g_mem_ossl.held);
}

/* ------------------------------------------------------------------------------------------ */
/* OpenSSL primitives, for reference                                                           */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    EVP_PKEY_CTX *dec;
    uint8_t ct[512];
    size_t ct_len;
    uint8_t pms[48];
} rsa_ref;

static int rsa_ref_run(void *vst, double secs, double *ops, double *unused)
{
    rsa_ref *r = vst;
    double t0 = now(), el;
    long n = 0;
    (void)unused;
    do {
        uint8_t out[512];
        size_t outl = sizeof out;
        if (EVP_PKEY_decrypt(r->dec, out, &outl, r->ct, r->ct_len) != 1 || outl != sizeof r->pms || memcmp(out, r->pms, outl) != 0)
            return fail("EVP_PKEY_decrypt");
        n++;
    } while ((el = now() - t0) < secs);
    *ops = (double)n / el;
    return 0;
}

typedef struct {
    evp_dir w;
    uint8_t *rec, *src;
    size_t len;
} seal_ref;

static int seal_ref_run(void *vst, double secs, double *mbps, double *unused)
{
    seal_ref *r = vst;
    double t0 = now(), el;
    long n = 0;
    (void)unused;
    do {
        memcpy(r->rec + 5, r->src, r->len);
        if (evp_seal(&r->w, r->rec, r->len) < 0)
            return -1;
        n++;
    } while ((el = now() - t0) < secs);
    *mbps = (double)n * (double)r->len / el / 1e6;
    return 0;
}

/* AES-128-GCM sealing as a TLS 1.2 record: 12-byte nonce (4 fixed + 8-byte sequence), 13-byte
 * additional data, tag after the ciphertext; in place, one side. */
typedef struct {
    EVP_CIPHER_CTX *ctx;
    uint8_t *rec, *src;
    size_t len;
    uint8_t nonce[12];
    uint64_t seq;
} gcm_ref;

static int gcm_ref_run(void *vst, double secs, double *mbps, double *unused)
{
    gcm_ref *r = vst;
    double t0 = now(), el;
    long n = 0;
    (void)unused;
    do {
        uint8_t aad[13];
        uint64_t seq = r->seq++;
        for (int i = 0; i < 8; i++)
            aad[i] = r->nonce[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
        aad[8] = 23;
        aad[9] = 3;
        aad[10] = 3;
        aad[11] = (uint8_t)(r->len >> 8);
        aad[12] = (uint8_t)r->len;
        memcpy(r->rec + 13, r->src, r->len);
        int outl = 0, finl = 0;
        if (EVP_EncryptInit_ex(r->ctx, NULL, NULL, NULL, r->nonce) != 1 || EVP_EncryptUpdate(r->ctx, NULL, &outl, aad, sizeof aad) != 1 ||
            EVP_EncryptUpdate(r->ctx, r->rec + 13, &outl, r->rec + 13, (int)r->len) != 1 || (size_t)outl != r->len ||
            EVP_EncryptFinal_ex(r->ctx, r->rec + 13 + r->len, &finl) != 1 ||
            EVP_CIPHER_CTX_ctrl(r->ctx, EVP_CTRL_AEAD_GET_TAG, 16, r->rec + 13 + r->len) != 1)
            return fail("AES-128-GCM seal");
        n++;
    } while ((el = now() - t0) < secs);
    *mbps = (double)n * (double)r->len / el / 1e6;
    return 0;
}

/* One run of gcm-ref (aws-lc-rs AES-128-GCM sealing, built from examples/gcm_ref.rs, a cargo example of the crate, against the
 * library's own aws-lc-rs): ours' side of ref_aes128gcm_16k. */
static int gcm_ref_ours(void *unused_st, double secs, double *mbps, double *unused)
{
    char dir[4096], cmd[4200], line[256];
    (void)unused_st;
    (void)unused;
    if (self_dir(dir, sizeof dir) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "'%s/gcm-ref' %.3f", dir, secs);
    FILE *p = popen(cmd, "r");
    if (!p)
        return fail("popen(%s)", cmd);
    int got = 0;
    while (fgets(line, sizeof line, p))
        if (sscanf(line, "BENCH_GCM %lf", mbps) == 1)
            got = 1;
    int status = pclose(p);
    if (status != 0 || !got)
        return fail("%s failed (status %d%s)", cmd, status, got ? "" : ", no result line");
    return 0;
}

static void measure_ref(row_t *row, run_fn f, void *st)
{
    row->ran = 1;
    double a, b;
    fprintf(stderr, "  %-28s", row->name);
    if (f(st, g_secs * 0.1, &a, &b) != 0) {
        mark_failed(row);
        fprintf(stderr, " FAILED\n");
        return;
    }
    for (int r = 0; r < g_rounds; r++) {
        if (f(st, g_secs * 0.4, &a, &b) != 0) {
            mark_failed(row);
            fprintf(stderr, " FAILED\n");
            return;
        }
        row->ossl[row->n_ossl++] = a;
        fprintf(stderr, ".");
    }
    fprintf(stderr, " %.1f %s\n", median(row->ossl, row->n_ossl), row->unit);
}

static void workload_refs(void)
{
    if (wanted(g_rows[R_REF_RSA].name) && g_do_ossl) {
        rsa_ref r;
        memset(&r, 0, sizeof r);
        FILE *f = fopen(g_key, "r");
        EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
        if (f)
            fclose(f);
        EVP_PKEY_CTX *enc = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
        r.dec = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
        r.ct_len = sizeof r.ct;
        if (!enc || !r.dec || RAND_bytes(r.pms, sizeof r.pms) != 1 || EVP_PKEY_encrypt_init(enc) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(enc, RSA_PKCS1_PADDING) != 1 || EVP_PKEY_encrypt(enc, r.ct, &r.ct_len, r.pms, sizeof r.pms) != 1 ||
            EVP_PKEY_decrypt_init(r.dec) != 1 || EVP_PKEY_CTX_set_rsa_padding(r.dec, RSA_PKCS1_PADDING) != 1) {
            fail("RSA reference setup");
            mark_failed(&g_rows[R_REF_RSA]);
        } else {
            measure_ref(&g_rows[R_REF_RSA], rsa_ref_run, &r);
        }
        EVP_PKEY_CTX_free(enc);
        EVP_PKEY_CTX_free(r.dec);
        EVP_PKEY_free(key);
    }
    if (wanted(g_rows[R_REF_AES_HMAC].name) && g_do_ossl) {
        seal_ref r;
        memset(&r, 0, sizeof r);
        uint8_t key[16], iv[16], mk[EVP_MAC_LEN];
        r.len = 16384;
        r.rec = malloc(5 + r.len + EVP_MAC_LEN + 64);
        r.src = malloc(r.len);
        if (!r.rec || !r.src || RAND_bytes(key, sizeof key) != 1 || RAND_bytes(iv, sizeof iv) != 1 || RAND_bytes(mk, sizeof mk) != 1 ||
            evp_dir_init(&r.w, "AES-128-CBC", key, iv, mk, 1) != 0) {
            mark_failed(&g_rows[R_REF_AES_HMAC]);
        } else {
            pattern(r.src, r.len, 5);
            measure_ref(&g_rows[R_REF_AES_HMAC], seal_ref_run, &r);
        }
        evp_dir_free(&r.w);
        free(r.rec);
        free(r.src);
    }
    if (wanted(g_rows[R_REF_AES_GCM].name)) {
        gcm_ref r;
        memset(&r, 0, sizeof r);
        uint8_t key[16];
        r.len = 16384;
        r.rec = malloc(13 + r.len + 16);
        r.src = malloc(r.len);
        r.ctx = EVP_CIPHER_CTX_new();
        if (!r.rec || !r.src || !r.ctx || RAND_bytes(key, sizeof key) != 1 || RAND_bytes(r.nonce, 4) != 1 ||
            EVP_EncryptInit_ex(r.ctx, EVP_aes_128_gcm(), NULL, key, NULL) != 1) {
            fail("AES-128-GCM reference setup");
            mark_failed(&g_rows[R_REF_AES_GCM]);
        } else {
            pattern(r.src, r.len, 6);
            /* alternating like the other rows, but 0.4 x BENCH_SECS per run like the ref_ rows */
            double secs = g_secs;
            g_secs *= 0.4;
            measure(&g_rows[R_REF_AES_GCM], NULL, gcm_ref_ours, NULL, gcm_ref_run, &r);
            g_secs = secs;
        }
        EVP_CIPHER_CTX_free(r.ctx);
        free(r.rec);
        free(r.src);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Output                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void fmt_val(char *out, size_t n, double v, const char *unit)
{
    if (isnan(v))
        snprintf(out, n, "-");
    else if (strcmp(unit, "bytes") == 0)
        snprintf(out, n, "%.0f", v);
    else
        snprintf(out, n, "%.1f", v);
}

static void print_results(void)
{
    printf("\n%-27s %-6s %12s %12s  %-12s %9s  %-11s  %s\n", "workload", "unit", "ours", "openssl", "(openssl is)", "ratio", "round ratios",
           "spread ours / openssl");
    printf("%-27s %-6s %12s %12s  %-12s %9s  %-11s  %s\n", "---------------------------", "------", "------------", "------------",
           "------------", "---------", "-----------", "---------------------");
    for (int i = 0; i < R_COUNT; i++) {
        row_t *r = &g_rows[i];
        if (!r->ran)
            continue;
        if (r->failed) {
            printf("%-27s %-6s %12s %12s  %-12s %9s\n", r->name, r->unit, "FAILED", "FAILED", r->ossl_label, "-");
            continue;
        }
        double mo = median(r->ours, r->n_ours), ms = median(r->ossl, r->n_ossl);
        char a[32], b[32], c[32], sp[64], pr[48] = "";
        if (r->n_ours > 1 && r->n_ours == r->n_ossl) {
            double lo = INFINITY, hi = -INFINITY;
            for (int k = 0; k < r->n_ours; k++) {
                double q = r->ours[k] / r->ossl[k];
                lo = q < lo ? q : lo;
                hi = q > hi ? q : hi;
            }
            snprintf(pr, sizeof pr, "%.2f-%.2f", lo, hi);
        }
        fmt_val(a, sizeof a, mo, r->unit);
        fmt_val(b, sizeof b, ms, r->unit);
        if (isnan(mo) || isnan(ms))
            snprintf(c, sizeof c, "-");
        else
            snprintf(c, sizeof c, "%.2f%s", mo / ms, r->lower_better ? " (lo)" : "");
        if (r->n_ours > 1 || r->n_ossl > 1)
            snprintf(sp, sizeof sp, "%4.1f%% / %4.1f%%", spread(r->ours, r->n_ours), spread(r->ossl, r->n_ossl));
        else
            snprintf(sp, sizeof sp, "single measurement");
        printf("%-27s %-6s %12s %12s  %-12s %9s  %-11s  %s\n", r->name, r->unit, a, b, r->ossl_label, c, pr, sp);
    }
    printf("\nratio = median(ours) / median(openssl): higher is better for rates; for the bytes rows (lo) lower is better.\n");
    printf("round ratios = lowest and highest ours/openssl within one round (the two stacks run back to back);\n");
    printf("spread = (max - min) / median over the %d rounds of each stack.\n", g_rounds);
    printf("handshake_full/_server/_resumed: TLS 1.0, TLS_RSA_WITH_AES_128_CBC_SHA / AES128-SHA, RSA-2048 server, client\n");
    printf("  verifies chain + name. *_ecdhe, *_tls12: TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 /\n");
    printf("  ECDHE-RSA-AES128-GCM-SHA256, X25519 (OpenSSL groups = X25519), rsa_pss_rsae_sha256 and EMS on both (checked).\n");
    printf("  handshake_full: no session cache on either side (ours SCH_CRED_DISABLE_RECONNECTS; OpenSSL SSL_SESS_CACHE_OFF).\n");
    printf("  handshake_server: the same handshakes, counting only server-side time (ours: AcceptSecurityContext +\n");
    printf("    its DeleteSecurityContext; OpenSSL: server SSL_new/setup, SSL_do_handshake calls and SSL_free).\n");
    printf("  handshake_resumed: session-ID resumption, checked on every connection on both sides.\n");
    printf("bulk_*: client -> server, EncryptMessage/DecryptMessage in place vs SSL_write/SSL_read over memory BIOs, every\n");
    printf("  plaintext compared. Ours with record splitting off, OpenSSL with SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS,\n");
    printf("  except bulk_aes128_16k_defaults (ours 1/n-1 splitting on, OpenSSL empty fragments on: both defaults).\n");
    printf("  openssl(evp): libssl has no 3DES/RC4 TLS suites; a TLS 1.0 record layer made in this benchmark from EVP\n");
    printf("  (MAC-then-encrypt, HMAC-SHA1, padding check, not constant-time); bulk_aes128_16k_evp is the same for AES.\n");
    printf("  bulk_aes128gcm_*: TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 (cbHeader 13, cbTrailer 16, sealed in place).\n");
    if (g_rows[R_MEM_HELD].ran && !g_rows[R_MEM_HELD].failed) {
        printf("mem_held_per_pair: mallinfo2 (uordblks + hblkhd) after creating %d established client+server pairs, / %d\n", g_mem_pairs,
               g_mem_pairs);
        printf("  (allocation-tracker cross-check: ours %.0f, openssl %.0f; OpenSSL's includes its two memory BIOs,\n", g_mem_ours.held_tracked,
               g_mem_ossl.held_tracked);
        printf("  %.0f bytes of buffer capacity). Heap still held after freeing all pairs: ours %+.0f, openssl %+.0f bytes;\n", g_bio_bytes,
               g_mem_ours.retained, g_mem_ossl.retained);
        printf("  live bytes left by a second create/free cycle of %d pairs (tracker): ours %+.0f, openssl %+.0f.\n", g_mem_pairs,
               g_mem_ours.growth, g_mem_ossl.growth);
        printf("mem_peak_handshake: highest live-heap increase during one client+server handshake (including objects\n");
        printf("  created and freed inside a single call), median of %d, from malloc wrappers in bench-mem;\n", PEAK_SAMPLES);
        printf("  heap allocations per client+server handshake: ours %.0f, openssl %.0f.\n", g_mem_ours.allocs, g_mem_ossl.allocs);
    }
    printf("ref_*: primitives, one side only. OpenSSL alone (no openschannel equivalent is exported): RSA-2048 PKCS#1 v1.5\n");
    printf("  decryption of a 48-byte premaster secret; AES-128-CBC + HMAC-SHA1 sealing of 16 KiB records.\n");
    printf("  ref_aes128gcm_16k: AES-128-GCM sealing of 16 KiB TLS 1.2 records; ours = aws-lc-rs (gcm-ref, the crate's example\n");
    printf("  linking the library's own aws-lc-rs), openssl = EVP aes-128-gcm.\n");

    printf("\n");
    for (int i = 0; i < R_COUNT; i++) {
        row_t *r = &g_rows[i];
        if (!r->ran)
            continue;
        if (r->failed) {
            printf("%s FAILED\n", r->name);
            continue;
        }
        double mo = median(r->ours, r->n_ours), ms = median(r->ossl, r->n_ossl);
        char a[32], b[32], c[32];
        if (isnan(mo))
            snprintf(a, sizeof a, "na");
        else
            snprintf(a, sizeof a, "%.1f", mo);
        if (isnan(ms))
            snprintf(b, sizeof b, "na");
        else
            snprintf(b, sizeof b, "%.1f", ms);
        if (isnan(mo) || isnan(ms))
            snprintf(c, sizeof c, "na");
        else
            snprintf(c, sizeof c, "%.3f", mo / ms);
        printf("%s ours=%s openssl=%s ratio=%s\n", r->name, a, b, c);
    }
}

/* ------------------------------------------------------------------------------------------ */

static double env_double(const char *name, double def)
{
    const char *v = getenv(name);
    return v && *v ? atof(v) : def;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_quick = getenv("BENCH_QUICK") && atoi(getenv("BENCH_QUICK")) != 0;
    if (g_quick) {
        g_rounds = 1;
        g_secs = 0.2;
        g_mem_pairs = 100;
    }
    g_rounds = (int)env_double("BENCH_ROUNDS", g_rounds);
    g_secs = env_double("BENCH_SECS", g_secs);
    g_mem_pairs = (int)env_double("BENCH_MEM_PAIRS", g_mem_pairs);
    if (g_rounds < 1 || g_rounds > MAX_ROUNDS || g_secs <= 0 || g_mem_pairs < 1) {
        fprintf(stderr, "bad BENCH_ROUNDS (1..%d), BENCH_SECS or BENCH_MEM_PAIRS\n", MAX_ROUNDS);
        return 2;
    }
    g_only = getenv("BENCH_ONLY");
    const char *stack = getenv("BENCH_STACK");
    if (stack && strcmp(stack, "ours") == 0)
        g_do_ossl = 0;
    else if (stack && strcmp(stack, "openssl") == 0)
        g_do_ours = 0;
    const char *dir = getenv("BENCH_DATA_DIR");
    if (!dir || !*dir)
        dir = "tests/data";
    snprintf(g_cert, sizeof g_cert, "%s/server.pem", dir);
    snprintf(g_key, sizeof g_key, "%s/server.key", dir);
    snprintf(g_ca, sizeof g_ca, "%s/ca.pem", dir);

    /* legacy (RC4) + default (everything else) */
    if (!OSSL_PROVIDER_load(NULL, "legacy") || !OSSL_PROVIDER_load(NULL, "default")) {
        fail("OSSL_PROVIDER_load(legacy/default)");
        return 1;
    }
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!g_hmac) {
        fail("EVP_MAC_fetch(HMAC)");
        return 1;
    }
    g_id_aes128 = OpenSchannelCipherSuiteFromName("TLS_RSA_WITH_AES_128_CBC_SHA");
    g_id_3des = OpenSchannelCipherSuiteFromName("TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    g_id_rc4 = OpenSchannelCipherSuiteFromName("TLS_RSA_WITH_RC4_128_SHA");
    g_id_gcm = OpenSchannelCipherSuiteFromName("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    if (g_id_aes128 != 0x002F || g_id_3des != 0x000A || g_id_rc4 != 0x0005 || g_id_gcm != 0xC02F) {
        fail("OpenSchannelCipherSuiteFromName: unexpected ids %04x %04x %04x %04x", g_id_aes128, g_id_3des, g_id_rc4, g_id_gcm);
        return 1;
    }

    if (getenv("BENCH_MEM_CHILD"))
        return memory_child() == 0 ? 0 : 1;

    printf("openschannel vs %s; %d rounds x %.2f s per stack per workload; %d pairs for memory%s\n", OpenSSL_version(OPENSSL_VERSION), g_rounds,
           g_secs, g_mem_pairs, g_quick ? " (BENCH_QUICK)" : "");
    double t_start = now();
    fprintf(stderr, "checks:\n");
    if (negative_name_checks() != 0) {
        fprintf(stderr, "setup failed or a wrong certificate name was accepted; refusing to measure\n");
        return 1;
    }
    fprintf(stderr, "  wrong target name refused by both stacks\nworkloads:\n");

    if (wanted("handshake_full") || wanted("handshake_server"))
        workload_handshakes(&HS_TLS10, 0);
    if (wanted("handshake_resumed"))
        workload_handshakes(&HS_TLS10, 1);
    if (wanted("handshake_full_ecdhe") || wanted("handshake_server_ecdhe"))
        workload_handshakes(&HS_TLS12, 0);
    if (wanted("handshake_resumed_tls12"))
        workload_handshakes(&HS_TLS12, 1);
    if (wanted(g_rows[R_BULK_AES_16K].name))
        workload_bulk(R_BULK_AES_16K, g_id_aes128, "AES128-SHA", NULL, 16384, 0, V_TLS10);
    if (wanted(g_rows[R_BULK_3DES_16K].name))
        workload_bulk(R_BULK_3DES_16K, g_id_3des, NULL, "DES-EDE3-CBC", 16384, 0, V_TLS10);
    if (wanted(g_rows[R_BULK_RC4_16K].name))
        workload_bulk(R_BULK_RC4_16K, g_id_rc4, NULL, "RC4", 16384, 0, V_TLS10);
    if (wanted(g_rows[R_BULK_AES_1K].name))
        workload_bulk(R_BULK_AES_1K, g_id_aes128, "AES128-SHA", NULL, 1024, 0, V_TLS10);
    if (wanted(g_rows[R_BULK_AES_16K_DEFAULT].name))
        workload_bulk(R_BULK_AES_16K_DEFAULT, g_id_aes128, "AES128-SHA", NULL, 16384, 1, V_TLS10);
    if (wanted(g_rows[R_BULK_AES_16K_EVP].name))
        workload_bulk(R_BULK_AES_16K_EVP, g_id_aes128, NULL, "AES-128-CBC", 16384, 0, V_TLS10);
    if (wanted(g_rows[R_BULK_GCM_16K].name))
        workload_bulk(R_BULK_GCM_16K, g_id_gcm, "ECDHE-RSA-AES128-GCM-SHA256", NULL, 16384, 0, V_TLS12);
    if (wanted(g_rows[R_BULK_GCM_1K].name))
        workload_bulk(R_BULK_GCM_1K, g_id_gcm, "ECDHE-RSA-AES128-GCM-SHA256", NULL, 1024, 0, V_TLS12);
    if (wanted(g_rows[R_MEM_HELD].name) || wanted(g_rows[R_MEM_PEAK].name))
        workload_memory();
    workload_refs();

    print_results();
    printf("\ntotal time %.1f s%s\n", now() - t_start, g_failed ? "; SOME WORKLOADS FAILED" : "");
    EVP_MAC_free(g_hmac);
    return g_failed ? 1 : 0;
}
