/*
 * harness.h: a tiny test harness for the openschannel C ABI (C11, public header + libc only).
 *
 * Counting: the summary counts INDIVIDUAL CHECKS (every CHECK / CHECK_STATUS / REQUIRE ...
 * evaluation is one check). Each test binary ends with one line
 *     <program>: N passed, M failed
 * and exits non-zero when M > 0. `make -C c-tests check` adds the lines of all binaries into
 * the final `N passed, M failed` (a binary that dies without its line counts as 1 failure).
 *
 * Macros:
 *   CHECK(cond)                  non-fatal; prints file:line, test name and the expression.
 *   CHECK_STATUS(call, expected) evaluates `call` once; on mismatch prints both status names
 *                                (OpenSchannelStatusName) and hex values.
 *   CHECK_EQ(a, b)               integer equality, prints both values on mismatch.
 *   REQUIRE / REQUIRE_STATUS / REQUIRE_EQ   as above, but `return` from the current (void) test
 *                                function when they fail (use where going on would crash).
 *   TEST_MAIN(fn1, fn2, ...)     defines main(): runs each `void fn(void)` in order.
 *
 * Tests run with the repository root as the working directory (the Makefile cds there), so
 * certificate paths are "tests/data/...".
 *
 * The second half of this file holds small in-memory loopback helpers shared by the tests: a
 * growable byte buffer, credential helpers, one ISC/ASC step with [TOKEN, EMPTY] input, a full
 * handshake driver, EncryptMessage/DecryptMessage wrappers, and TLS record framing helpers.
 */
#ifndef OPENSCHANNEL_C_TESTS_HARNESS_H
#define OPENSCHANNEL_C_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openschannel.h"

/* ------------------------------------------------------------------------------------------ */
/* Counters and macros                                                                         */
/* ------------------------------------------------------------------------------------------ */

static unsigned long h_passed;
static unsigned long h_failed;
static const char *h_test_name = "(none)";

static inline void h_fail_prefix(const char *file, int line)
{
    fprintf(stderr, "FAIL %s:%d [%s]: ", file, line, h_test_name);
}

static inline int h_check(int ok, const char *file, int line, const char *expr)
{
    if (ok) {
        h_passed++;
        return 1;
    }
    h_failed++;
    h_fail_prefix(file, line);
    fprintf(stderr, "CHECK(%s)\n", expr);
    return 0;
}

static inline int h_check_status(SECURITY_STATUS got, SECURITY_STATUS want, const char *file, int line, const char *expr)
{
    if (got == want) {
        h_passed++;
        return 1;
    }
    h_failed++;
    h_fail_prefix(file, line);
    fprintf(stderr, "%s returned %s (0x%08x), expected %s (0x%08x)\n", expr, OpenSchannelStatusName(got), (unsigned)got,
            OpenSchannelStatusName(want), (unsigned)want);
    return 0;
}

static inline int h_check_eq(long long a, long long b, const char *file, int line, const char *ea, const char *eb)
{
    if (a == b) {
        h_passed++;
        return 1;
    }
    h_failed++;
    h_fail_prefix(file, line);
    fprintf(stderr, "%s == %s: %lld (0x%llx) != %lld (0x%llx)\n", ea, eb, a, (unsigned long long)a, b, (unsigned long long)b);
    return 0;
}

#define CHECK(cond) ((void)h_check(!!(cond), __FILE__, __LINE__, #cond))
#define CHECK_STATUS(call, expected) ((void)h_check_status((call), (expected), __FILE__, __LINE__, #call))
#define CHECK_EQ(a, b) ((void)h_check_eq((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b))

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!h_check(!!(cond), __FILE__, __LINE__, #cond))                                         \
            return;                                                                                \
    } while (0)
#define REQUIRE_STATUS(call, expected)                                                             \
    do {                                                                                           \
        if (!h_check_status((call), (expected), __FILE__, __LINE__, #call))                        \
            return;                                                                                \
    } while (0)
#define REQUIRE_EQ(a, b)                                                                           \
    do {                                                                                           \
        if (!h_check_eq((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b))               \
            return;                                                                                \
    } while (0)

struct h_test {
    const char *name;
    void (*fn)(void);
};

static inline int h_run(const char *prog, const struct h_test *tests, size_t n)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    for (size_t i = 0; i < n; i++) {
        unsigned long f0 = h_failed, p0 = h_passed;
        h_test_name = tests[i].name;
        tests[i].fn();
        printf("%-4s %s (%lu checks, %lu failed)\n", h_failed == f0 ? "ok" : "FAIL", tests[i].name,
               (h_passed - p0) + (h_failed - f0), h_failed - f0);
    }
    const char *base = strrchr(prog, '/');
    printf("%s: %lu passed, %lu failed\n", base ? base + 1 : prog, h_passed, h_failed);
    return h_failed ? 1 : 0;
}

/* TEST_MAIN(a, b, c): each argument is a `void name(void)` function. */
#define TEST_MAIN(...)                                                                             \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        (void)argc;                                                                                \
        void (*fns[])(void) = {__VA_ARGS__};                                                       \
        static const char names[] = #__VA_ARGS__;                                                  \
        enum { N = sizeof fns / sizeof fns[0] };                                                   \
        struct h_test tests[N];                                                                    \
        static char namebuf[sizeof names];                                                         \
        memcpy(namebuf, names, sizeof names);                                                      \
        char *save = namebuf;                                                                      \
        for (size_t i = 0; i < N; i++) {                                                           \
            while (*save == ' ' || *save == ',' || *save == '\n' || *save == '\t')                \
                save++;                                                                            \
            char *end = save;                                                                      \
            while (*end && *end != ',')                                                            \
                end++;                                                                             \
            char *next = *end ? end + 1 : end;                                                     \
            while (end > save && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\t'))          \
                end--;                                                                             \
            *end = 0;                                                                              \
            tests[i].name = save;                                                                  \
            tests[i].fn = fns[i];                                                                  \
            save = next;                                                                           \
        }                                                                                          \
        return h_run(argv[0], tests, N);                                                           \
    }

/* ------------------------------------------------------------------------------------------ */
/* Byte buffers                                                                                */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    uint8_t *p;
    size_t len;
    size_t cap;
} hbuf;

static inline void hbuf_put(hbuf *b, const void *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, d, n);
    b->len += n;
}

static inline void hbuf_drop_front(hbuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static inline void hbuf_free(hbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* TLS record framing (computed by the tests themselves from the bytes)                        */
/* ------------------------------------------------------------------------------------------ */

/* Total length (5 + body) of the record starting at p, or 0 when its header is incomplete. */
static inline size_t h_record_total(const uint8_t *p, size_t have)
{
    if (have < 5)
        return 0;
    return 5 + (((size_t)p[3] << 8) | p[4]);
}

/* Bytes still missing for the first incomplete record of p[0..have): whole records are
 * skipped; while a header is incomplete 5 - have, otherwise record_total - have. */
static inline size_t h_expected_missing(const uint8_t *p, size_t have)
{
    size_t off = 0;
    for (;;) {
        size_t rest = have - off;
        if (rest < 5)
            return 5 - rest;
        size_t total = h_record_total(p + off, rest);
        if (rest < total)
            return total - rest;
        off += total;
    }
}

/* Number of whole records in p[0..len) that exactly tile it; -1 when they do not. Record
 * versions 3.0 (SSL 3.0, when a test enables it) through 3.3. */
static inline int h_count_records(const uint8_t *p, size_t len, uint8_t want_type)
{
    size_t off = 0;
    int n = 0;
    while (off < len) {
        size_t total = h_record_total(p + off, len - off);
        if (total == 0 || off + total > len)
            return -1;
        if (p[off] != want_type || p[off + 1] != 3 || p[off + 2] > 3)
            return -1;
        off += total;
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Credentials                                                                                 */
/* ------------------------------------------------------------------------------------------ */

#define H_SERVER_PEM "tests/data/server.pem"
#define H_SERVER_KEY "tests/data/server.key"
#define H_CA_PEM "tests/data/ca.pem"
#define H_TARGET "localhost"

#define H_ISC_REQ (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_STREAM | ISC_REQ_ALLOCATE_MEMORY)
#define H_ASC_REQ (ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY | ASC_REQ_STREAM | ASC_REQ_ALLOCATE_MEMORY)

/*
 * The protocols the harness credentials enable. These tests were written for the TLS 1.0 record
 * layout (5-byte headers, 03 01 records, MAC-then-encrypt CBC records, 1/n-1 splitting), so
 * they pin TLS 1.0 and, while they do, turn encrypt-then-MAC off (Windows' own record layout);
 * the library defaults (TLS 1.2 to 1.0, encrypt-then-MAC) are tested by t_tls12.c and the
 * interop suite. A test may change these before acquiring credentials.
 */
static DWORD h_server_protocols = SP_PROT_TLS1_0_SERVER;
static DWORD h_client_protocols = SP_PROT_TLS1_0_CLIENT;

/* Encrypt-then-MAC off for the TLS 1.0-pinned harness credentials (see above). */
static inline SECURITY_STATUS h_legacy_layout(CredHandle *cred, DWORD protocols)
{
    return protocols == SP_PROT_TLS1_0_SERVER || protocols == SP_PROT_TLS1_0_CLIENT ? OpenSchannelSetEncryptThenMac(cred, FALSE) : SEC_E_OK;
}

/* Server credential from server.pem/server.key; `suite` != 0 restricts it to that suite. */
static inline SECURITY_STATUS h_server_cred(CredHandle *cred, uint16_t suite)
{
    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(H_SERVER_PEM, H_SERVER_KEY, NULL);
    if (!h_check(cert != NULL, __FILE__, __LINE__, "OpenSchannelLoadCertificateFiles(server) != NULL"))
        return SEC_E_INTERNAL_ERROR;
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = &cert;
    sc.grbitEnabledProtocols = h_server_protocols;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, cred, NULL);
    CertFreeCertificateContext(cert); /* the credential keeps its own reference */
    if (st == SEC_E_OK)
        st = h_legacy_layout(cred, h_server_protocols);
    if (st == SEC_E_OK && suite)
        st = OpenSchannelSetCipherSuites(cred, &suite, 1);
    return st;
}

/* Client credential trusting ca.pem; `suite` != 0 restricts it to that suite. */
static inline SECURITY_STATUS h_client_cred(CredHandle *cred, uint16_t suite)
{
    HCERTSTORE roots = OpenSchannelOpenCaFile(H_CA_PEM);
    if (!h_check(roots != NULL, __FILE__, __LINE__, "OpenSchannelOpenCaFile(ca.pem) != NULL"))
        return SEC_E_INTERNAL_ERROR;
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.hRootStore = roots;
    sc.grbitEnabledProtocols = h_client_protocols;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, cred, NULL);
    CertCloseStore(roots, 0);
    if (st == SEC_E_OK)
        st = h_legacy_layout(cred, h_client_protocols);
    if (st == SEC_E_OK && suite)
        st = OpenSchannelSetCipherSuites(cred, &suite, 1);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* One handshake step                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    SECURITY_STATUS st;
    ULONG attr;
    ULONG in1_type; /* BufferType of input buffer [1] after the call */
    ULONG in1_cb;   /* its cbBuffer */
    ULONG out_type;
    ULONG out_cb;
    int out_untouched; /* output buffer still {TOKEN, 0, NULL} (ALLOCATE) or {TOKEN, cap, buf} */
} h_step;

/* Value stored in a handle before a creating call, to see whether the call wrote it. */
#define H_SENTINEL ((SecHandle){(ULONG_PTR)-1, (ULONG_PTR)-1})
static inline int h_is_sentinel(const SecHandle *h)
{
    return h->dwLower == (ULONG_PTR)-1 && h->dwUpper == (ULONG_PTR)-1;
}

/* A client/server pair. */
typedef struct {
    CredHandle ccred, scred;
    CtxtHandle cctx, sctx;
    int have_ccred, have_scred, have_cctx, have_sctx;
    ULONG creq, sreq;
    int wide_client; /* use InitializeSecurityContextW */
} h_pair;

/*
 * One ISC (client) or ASC (server) call.
 * in/inlen: the input token (NULL/0 with `no_input` for the client's first call or a NULL pInput).
 * Output: [TOKEN]; with *_ALLOCATE_MEMORY in the request the provider allocates it and we free it
 * with FreeContextBuffer (checked), otherwise `outcap` bytes of caller memory are offered.
 * The produced token is appended to `out`.
 */
static inline h_step h_call(h_pair *p, int server, const uint8_t *in, size_t inlen, int no_input, hbuf *out, size_t outcap)
{
    h_step r;
    memset(&r, 0, sizeof r);
    SecBuffer ib[2] = {{(ULONG)inlen, SECBUFFER_TOKEN, (void *)in}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    int allocate = server ? !!(p->sreq & ASC_REQ_ALLOCATE_MEMORY) : !!(p->creq & ISC_REQ_ALLOCATE_MEMORY);
    uint8_t *mem = NULL;
    if (!allocate) {
        mem = malloc(outcap ? outcap : 1);
        memset(mem, 0xEE, outcap ? outcap : 1);
    }
    SecBuffer ob[1] = {{allocate ? 0 : (ULONG)outcap, SECBUFFER_TOKEN, allocate ? NULL : mem}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    if (server) {
        if (!p->have_sctx)
            p->sctx = H_SENTINEL;
        r.st = AcceptSecurityContext(&p->scred, p->have_sctx ? &p->sctx : NULL, no_input ? NULL : &id, p->sreq, 0, &p->sctx, &od,
                                     &r.attr, NULL);
        if (!p->have_sctx && !h_is_sentinel(&p->sctx))
            p->have_sctx = 1; /* ASC creates the context on its first call (also on failure) */
    } else if (p->wide_client) {
        if (!p->have_cctx)
            p->cctx = H_SENTINEL;
        r.st = InitializeSecurityContextW(&p->ccred, p->have_cctx ? &p->cctx : NULL, (SEC_WCHAR *)u"localhost", p->creq, 0, 0,
                                          no_input ? NULL : &id, 0, &p->cctx, &od, &r.attr, NULL);
        if (!p->have_cctx && !h_is_sentinel(&p->cctx))
            p->have_cctx = 1;
    } else {
        if (!p->have_cctx)
            p->cctx = H_SENTINEL;
        r.st = InitializeSecurityContextA(&p->ccred, p->have_cctx ? &p->cctx : NULL, H_TARGET, p->creq, 0, 0, no_input ? NULL : &id, 0,
                                          &p->cctx, &od, &r.attr, NULL);
        if (!p->have_cctx && !h_is_sentinel(&p->cctx))
            p->have_cctx = 1;
    }
    r.in1_type = ib[1].BufferType;
    r.in1_cb = ib[1].cbBuffer;
    r.out_type = ob[0].BufferType;
    r.out_cb = ob[0].cbBuffer;
    if (allocate)
        r.out_untouched = ob[0].cbBuffer == 0 && ob[0].pvBuffer == NULL;
    else {
        /* untouched: same size and pointer, and our fill pattern still there */
        r.out_untouched = ob[0].cbBuffer == outcap && ob[0].pvBuffer == mem;
        for (size_t i = 0; r.out_untouched && i < outcap; i++)
            r.out_untouched = mem[i] == 0xEE;
    }
    if (ob[0].cbBuffer > 0 && ob[0].pvBuffer && !r.out_untouched) {
        if (out)
            hbuf_put(out, ob[0].pvBuffer, ob[0].cbBuffer);
    }
    if (allocate) {
        if (ob[0].pvBuffer)
            h_check_status(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK, __FILE__, __LINE__, "FreeContextBuffer(output token)");
    } else {
        h_check(ob[0].pvBuffer == mem, __FILE__, __LINE__, "caller output buffer pointer kept");
        free(mem);
    }
    return r;
}

/* An empty pair (no credentials or contexts yet) with the standard request flags. */
static inline void h_pair_blank(h_pair *p)
{
    memset(p, 0, sizeof *p);
    p->creq = H_ISC_REQ;
    p->sreq = H_ASC_REQ;
}

/* Acquires both credentials (suite 0: defaults) with the standard request flags. */
static inline int h_pair_init(h_pair *p, uint16_t suite)
{
    h_pair_blank(p);
    if (!h_check_status(h_server_cred(&p->scred, suite), SEC_E_OK, __FILE__, __LINE__, "h_server_cred"))
        return 0;
    p->have_scred = 1;
    if (!h_check_status(h_client_cred(&p->ccred, suite), SEC_E_OK, __FILE__, __LINE__, "h_client_cred"))
        return 0;
    p->have_ccred = 1;
    return 1;
}

static inline void h_pair_free(h_pair *p)
{
    if (p->have_cctx)
        h_check_status(DeleteSecurityContext(&p->cctx), SEC_E_OK, __FILE__, __LINE__, "DeleteSecurityContext(client)");
    if (p->have_sctx)
        h_check_status(DeleteSecurityContext(&p->sctx), SEC_E_OK, __FILE__, __LINE__, "DeleteSecurityContext(server)");
    if (p->have_ccred)
        h_check_status(FreeCredentialsHandle(&p->ccred), SEC_E_OK, __FILE__, __LINE__, "FreeCredentialsHandle(client)");
    if (p->have_scred)
        h_check_status(FreeCredentialsHandle(&p->scred), SEC_E_OK, __FILE__, __LINE__, "FreeCredentialsHandle(server)");
    p->have_cctx = p->have_sctx = p->have_ccred = p->have_scred = 0;
}

/*
 * Whole handshake with every token fed at once. Records the status sequence in `seq`
 * (client and server statuses interleaved in call order; at most `seqmax`), returns 1 when both
 * sides reached SEC_E_OK. Attributes of the last calls go to *cattr and *sattr.
 */
static inline int h_handshake_seq(h_pair *p, SECURITY_STATUS *seq, int seqmax, int *nseq, ULONG *cattr, ULONG *sattr)
{
    hbuf to_s = {0}, to_c = {0};
    int n = 0, cdone = 0, sdone = 0, ok = 0;
    h_step r = h_call(p, 0, NULL, 0, 1, &to_s, 16384);
    if (n < seqmax)
        seq[n] = r.st;
    n++;
    if (cattr)
        *cattr = r.attr;
    if (r.st != SEC_I_CONTINUE_NEEDED) {
        h_check_status(r.st, SEC_I_CONTINUE_NEEDED, __FILE__, __LINE__, "first InitializeSecurityContext");
        goto out;
    }
    for (int round = 0; round < 10 && !(cdone && sdone); round++) {
        if (!sdone && to_s.len) {
            r = h_call(p, 1, to_s.p, to_s.len, 0, &to_c, 16384);
            if (n < seqmax)
                seq[n] = r.st;
            n++;
            if (sattr)
                *sattr = r.attr;
            if (r.st != SEC_I_CONTINUE_NEEDED && r.st != SEC_E_OK) {
                h_check_status(r.st, SEC_I_CONTINUE_NEEDED, __FILE__, __LINE__, "AcceptSecurityContext");
                goto out;
            }
            h_check(r.in1_type != SECBUFFER_EXTRA, __FILE__, __LINE__, "no EXTRA when whole tokens are fed (server)");
            hbuf_drop_front(&to_s, to_s.len);
            if (r.st == SEC_E_OK)
                sdone = 1;
        } else if (!cdone && to_c.len) {
            r = h_call(p, 0, to_c.p, to_c.len, 0, &to_s, 16384);
            if (n < seqmax)
                seq[n] = r.st;
            n++;
            if (cattr)
                *cattr = r.attr;
            if (r.st != SEC_I_CONTINUE_NEEDED && r.st != SEC_E_OK) {
                h_check_status(r.st, SEC_I_CONTINUE_NEEDED, __FILE__, __LINE__, "InitializeSecurityContext");
                goto out;
            }
            h_check(r.in1_type != SECBUFFER_EXTRA, __FILE__, __LINE__, "no EXTRA when whole tokens are fed (client)");
            hbuf_drop_front(&to_c, to_c.len);
            if (r.st == SEC_E_OK)
                cdone = 1;
        } else {
            break;
        }
    }
    ok = cdone && sdone && to_s.len == 0 && to_c.len == 0;
    h_check(ok, __FILE__, __LINE__, "handshake completed on both sides");
out:
    if (nseq)
        *nseq = n;
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    return ok;
}

static inline int h_handshake(h_pair *p)
{
    SECURITY_STATUS seq[16];
    int n;
    return h_handshake_seq(p, seq, 16, &n, NULL, NULL);
}

/* Pair with credentials and a finished handshake. */
static inline int h_pair_connect(h_pair *p, uint16_t suite)
{
    return h_pair_init(p, suite) && h_handshake(p);
}

/* ------------------------------------------------------------------------------------------ */
/* Messages                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static inline int h_sizes(CtxtHandle *ctx, SecPkgContext_StreamSizes *sz)
{
    memset(sz, 0, sizeof *sz);
    return h_check_status(QueryContextAttributesA(ctx, SECPKG_ATTR_STREAM_SIZES, sz), SEC_E_OK, __FILE__, __LINE__,
                          "QueryContextAttributesA(STREAM_SIZES)");
}

/* True when `p[0..len]` is one or more whole TLS application_data records (17 03 0x). */
static inline int h_whole_tls_records(const uint8_t *p, size_t len)
{
    return h_count_records(p, len, 23) >= 1;
}

/*
 * EncryptMessage [STREAM_HEADER, DATA, STREAM_TRAILER, EMPTY] over one contiguous buffer;
 * checks the returned layout, that header+data+trailer is what `whole_records` accepts, and
 * appends it to `wire`.
 */
static inline SECURITY_STATUS h_encrypt_framed(CtxtHandle *ctx, const void *data, size_t len, hbuf *wire,
                                               int (*whole_records)(const uint8_t *, size_t))
{
    SecPkgContext_StreamSizes sz;
    if (!h_sizes(ctx, &sz))
        return SEC_E_INTERNAL_ERROR;
    size_t total = sz.cbHeader + len + sz.cbTrailer;
    uint8_t *buf = malloc(total ? total : 1);
    memcpy(buf + sz.cbHeader, data, len);
    SecBuffer b[4] = {
        {sz.cbHeader, SECBUFFER_STREAM_HEADER, buf},
        {(ULONG)len, SECBUFFER_DATA, buf + sz.cbHeader},
        {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, buf + sz.cbHeader + len},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    SECURITY_STATUS st = EncryptMessage(ctx, 0, &d, 0);
    if (st == SEC_E_OK) {
        h_check_eq(b[0].cbBuffer, sz.cbHeader, __FILE__, __LINE__, "header.cbBuffer", "cbHeader");
        h_check(b[0].pvBuffer == buf && b[1].pvBuffer == buf + sz.cbHeader && b[2].pvBuffer == buf + sz.cbHeader + len, __FILE__,
                __LINE__, "Encrypt buffers keep their pointers (contiguous record)");
        h_check_eq(b[1].cbBuffer, len, __FILE__, __LINE__, "data.cbBuffer", "len");
        h_check(b[2].cbBuffer <= sz.cbTrailer, __FILE__, __LINE__, "trailer.cbBuffer <= cbTrailer");
        size_t used = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
        h_check(used <= total && whole_records(buf, used), __FILE__, __LINE__, "header+data+trailer are whole records");
        hbuf_put(wire, buf, used);
    }
    free(buf);
    return st;
}

/* h_encrypt_framed for TLS: the output is whole application_data records. */
static inline SECURITY_STATUS h_encrypt(CtxtHandle *ctx, const void *data, size_t len, hbuf *wire)
{
    return h_encrypt_framed(ctx, data, len, wire, h_whole_tls_records);
}

/*
 * DecryptMessage over `len` wire bytes (copied into a private buffer), one record per call,
 * following EXTRA until everything is consumed; plaintext is appended to `plain`.
 * Checks each call's output layout: [STREAM_HEADER @record, DATA inside the buffer right after
 * the header, STREAM_TRAILER, EMPTY or EXTRA(@record end, rest)].
 * Returns the first non-OK status (or SEC_E_OK); *nrec gets the number of records opened.
 */
static inline SECURITY_STATUS h_decrypt_all(CtxtHandle *ctx, const uint8_t *wire, size_t len, hbuf *plain, int *nrec)
{
    uint8_t *buf = malloc(len ? len : 1);
    memcpy(buf, wire, len);
    uint8_t *cur = buf;
    size_t left = len;
    SECURITY_STATUS st = SEC_E_OK;
    int n = 0;
    while (left > 0) {
        SecBuffer b[4] = {{(ULONG)left, SECBUFFER_DATA, cur}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
        SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
        size_t rec = h_record_total(cur, left);
        st = DecryptMessage(ctx, &d, 0, NULL);
        if (st != SEC_E_OK)
            break;
        n++;
        /* The header is the record header plus any explicit IV or nonce: cbHeader of the context. */
        SecPkgContext_StreamSizes sz = {0};
        ULONG hl = QueryContextAttributesA(ctx, SECPKG_ATTR_STREAM_SIZES, &sz) == SEC_E_OK ? sz.cbHeader : 5;
        h_check(b[0].BufferType == SECBUFFER_STREAM_HEADER && b[0].pvBuffer == cur && b[0].cbBuffer == hl, __FILE__, __LINE__,
                "Decrypt buffer[0] = STREAM_HEADER {cbHeader, record start}");
        h_check(b[1].BufferType == SECBUFFER_DATA, __FILE__, __LINE__, "Decrypt buffer[1] is DATA");
        h_check(b[1].cbBuffer == 0 || (b[1].pvBuffer == cur + hl && (uint8_t *)b[1].pvBuffer + b[1].cbBuffer <= cur + rec), __FILE__,
                __LINE__, "plaintext lies inside the caller's record, right after the header");
        h_check(b[2].BufferType == SECBUFFER_STREAM_TRAILER, __FILE__, __LINE__, "Decrypt buffer[2] is STREAM_TRAILER");
        h_check(b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer == rec, __FILE__, __LINE__, "header + data + trailer == record length");
        if (b[1].cbBuffer)
            hbuf_put(plain, b[1].pvBuffer, b[1].cbBuffer);
        if (rec < left) {
            h_check(b[3].BufferType == SECBUFFER_EXTRA && b[3].cbBuffer == left - rec && b[3].pvBuffer == cur + rec, __FILE__, __LINE__,
                    "Decrypt buffer[3] = EXTRA {rest, record end}");
            if (b[3].BufferType != SECBUFFER_EXTRA) {
                st = SEC_E_INTERNAL_ERROR;
                break;
            }
            cur += rec;
            left -= rec;
        } else {
            h_check(b[3].BufferType == SECBUFFER_EMPTY, __FILE__, __LINE__, "Decrypt buffer[3] stays EMPTY without extra bytes");
            left = 0;
        }
    }
    if (nrec)
        *nrec = n;
    free(buf);
    return st;
}

/* Encrypts on `from`, decrypts on `to`, checks the plaintext round-trips. */
static inline void h_roundtrip(CtxtHandle *from, CtxtHandle *to, const uint8_t *data, size_t len, const char *what)
{
    hbuf wire = {0}, plain = {0};
    SECURITY_STATUS st = h_encrypt(from, data, len, &wire);
    if (h_check_status(st, SEC_E_OK, __FILE__, __LINE__, what)) {
        int n = 0;
        st = h_decrypt_all(to, wire.p, wire.len, &plain, &n);
        h_check_status(st, SEC_E_OK, __FILE__, __LINE__, what);
        h_check(n >= 1, __FILE__, __LINE__, "at least one record decrypted");
        h_check(plain.len == len && (len == 0 || memcmp(plain.p, data, len) == 0), __FILE__, __LINE__, "plaintext round-trips");
    }
    hbuf_free(&wire);
    hbuf_free(&plain);
}

/* Fills `n` bytes with a reproducible pattern. */
static inline void h_pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131u + seed * 7u + (i >> 8));
}

/* UTF-16 string equals an ASCII string (including the terminator). */
static inline int h_wcs_eq_ascii(const uint16_t *w, const char *a)
{
    size_t i = 0;
    for (; a[i]; i++)
        if (w[i] != (uint16_t)(unsigned char)a[i])
            return 0;
    return w[i] == 0;
}

#endif
