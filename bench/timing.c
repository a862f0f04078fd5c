/*
 * timing.c: statistical timing tests of the side-channel defences (issue 8 item 3), in the style
 * of dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", 2017): two classes
 * of inputs, measured interleaved in random order through the C API users call, outliers
 * cropped at several percentiles, Welch's t-test on each cropping; the largest |t| is reported.
 * Written for this project from the paper's description.
 *
 *   make bench-timing                  every pair, TIMING_SECS (default 20) seconds each
 *   TIMING_ONLY=tls10 bench/timing     pairs whose name starts with a prefix
 *
 * Pairs (each measurement is one call on a fresh context, since a failed record or handshake
 * ends the context; the contexts are set up outside the timed region):
 *   Lucky13, DecryptMessage on a TLS 1.0 AES-128-CBC-SHA (MAC-then-encrypt) record of 1040
 *   bytes whose last block is all padding (16 x 0x0f), edited through the previous ciphertext
 *   blocks (CBC: flipping C[i-1] flips the same bits of P[i] and garbles P[i-1]); every class
 *   fails the MAC:
 *     tls10_pad16_vs_pad1    valid 16-byte padding vs valid 1-byte padding (MAC over 1003 vs
 *                            1018 bytes: the Lucky13 length difference)
 *     tls10_pad16_vs_bad256  valid padding, bad MAC vs padding byte 255 (invalid, long)
 *     tls10_pad16_vs_bad2    valid padding, bad MAC vs padding byte 1 (invalid, short)
 *     tls10_blocks_*         the first two with 1052 plaintext bytes (record 1093), where the
 *                            two MAC lengths differ by one hash block, so the check must hash
 *                            the same blocks whatever the padding (src/record/cbc_mac.rs)
 *   SSL 3.0 CBC (only the padding length byte is checked, RFC 6101 5.2.3.2), same record:
 *     ssl3_pad16_vs_pad1     length byte 15 vs 0 (both valid, bad MAC)
 *     ssl3_pad16_vs_bad      length byte 15 vs 255 (invalid)
 *   Bleichenbacher/ROBOT, AcceptSecurityContext on the client's second flight of a TLS 1.0
 *   TLS_RSA_WITH_AES_128_CBC_SHA handshake whose encrypted premaster was replaced by a block
 *   we RSA-encrypt raw with the server's public key (OpenSSL):
 *     rsa_good_vs_badpad     well-formed PKCS#1 v1.5 premaster vs block type 01
 *     rsa_good_vs_badver     well-formed vs client_version 03 00 inside
 *     rsa_good_vs_badlen     well-formed vs a 47-byte message (separator one byte late)
 *   Every class of a pair ends the same way (the record: SEC_E_DECRYPT_FAILURE; the handshake:
 *   SEC_E_MESSAGE_ALTERED/DECRYPT_FAILURE from Finished), which is checked for each measurement.
 *
 * Output: `timing <name> t=<max |t|> n=<measurements> verdict=pass|LEAK` (pass: |t| < 4.5, the
 * dudect threshold), and a summary; exit 1 if any pair leaks. Not part of `make test`: timing on
 * a shared machine is noisy and a run takes minutes (docs/security.md, docs/performance.md).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../c-tests/harness.h"

#define THRESHOLD 4.5
#define NCROP 10  /* percentile croppings, plus the uncropped test */
#define CALIB 2000 /* measurements before the cropping percentiles are fixed */
#define BATCH 64   /* contexts prepared per batch */

static double g_secs = 20.0;

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* ------------------------------------------------------------------------------------------ */
/* Welch's t-test over croppings                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    double n, mean, m2;
} moments;

static void add(moments *m, double x)
{
    m->n += 1;
    double d = x - m->mean;
    m->mean += d / m->n;
    m->m2 += d * (x - m->mean);
}

static double welch(const moments *a, const moments *b)
{
    if (a->n < 2 || b->n < 2)
        return 0;
    double va = a->m2 / (a->n - 1), vb = b->m2 / (b->n - 1);
    double se = sqrt(va / a->n + vb / b->n);
    return se > 0 ? (a->mean - b->mean) / se : 0;
}

typedef struct {
    moments m[NCROP + 1][2]; /* [cropping][class]; index NCROP: no cropping */
    double crop[NCROP];
    double calib[CALIB];
    int ncalib;
    long n;
} ttest;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* dudect's croppings: keep measurements below the 1 - 0.5^(10 (i+1) / N) percentile. */
static void sample(ttest *t, int cls, double x)
{
    t->n++;
    if (t->ncalib < CALIB) {
        t->calib[t->ncalib++] = x;
        if (t->ncalib == CALIB) {
            qsort(t->calib, CALIB, sizeof(double), cmp_double);
            for (int i = 0; i < NCROP; i++) {
                double p = 1 - pow(0.5, 10.0 * (i + 1) / NCROP);
                t->crop[i] = t->calib[(int)(p * (CALIB - 1))];
            }
        }
        return; /* calibration measurements are not tested */
    }
    add(&t->m[NCROP][cls], x);
    for (int i = 0; i < NCROP; i++)
        if (x < t->crop[i])
            add(&t->m[i][cls], x);
}

static double max_t(const ttest *t, long *n_used)
{
    double best = 0;
    *n_used = 0;
    for (int i = 0; i <= NCROP; i++) {
        if (t->m[i][0].n < 100 || t->m[i][1].n < 100)
            continue;
        double v = fabs(welch(&t->m[i][0], &t->m[i][1]));
        if (v > best) {
            best = v;
            *n_used = (long)(t->m[i][0].n + t->m[i][1].n);
        }
    }
    return best;
}

/* ------------------------------------------------------------------------------------------ */
/* Credentials and contexts                                                                    */
/* ------------------------------------------------------------------------------------------ */

static CredHandle g_scred, g_ccred;

/* TLS 1.0 or SSL 3.0 (named explicitly, as a caller must), TLS_RSA_WITH_AES_128_CBC_SHA,
 * MAC-then-encrypt, no 1/n-1 record splitting; `reconnects` 0: every handshake is full. */
static int creds(DWORD server_proto, DWORD client_proto, int reconnects)
{
    uint16_t suite = 0x002f;
    h_server_protocols = server_proto;
    h_client_protocols = client_proto;
    if (h_server_cred(&g_scred, suite) != SEC_E_OK)
        return 0;
    HCERTSTORE roots = OpenSchannelOpenCaFile(H_CA_PEM);
    if (!roots)
        return 0;
    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.hRootStore = roots;
    sc.grbitEnabledProtocols = client_proto;
    sc.dwFlags = reconnects ? 0 : SCH_CRED_DISABLE_RECONNECTS;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL, &g_ccred, NULL);
    CertCloseStore(roots, 0);
    if (st != SEC_E_OK || OpenSchannelSetCipherSuites(&g_ccred, &suite, 1) != SEC_E_OK)
        return 0;
    CredHandle *both[2] = {&g_scred, &g_ccred};
    for (int i = 0; i < 2; i++)
        if (OpenSchannelSetEncryptThenMac(both[i], FALSE) != SEC_E_OK || OpenSchannelSetRecordSplitting(both[i], 0) != SEC_E_OK)
            return 0;
    return 1;
}

static void free_creds(void)
{
    FreeCredentialsHandle(&g_scred);
    FreeCredentialsHandle(&g_ccred);
}

static void pair_new(h_pair *p)
{
    memset(p, 0, sizeof *p);
    p->ccred = g_ccred;
    p->scred = g_scred;
    p->creq = H_ISC_REQ;
    p->sreq = H_ASC_REQ;
}

/* ------------------------------------------------------------------------------------------ */
/* Lucky13: DecryptMessage on edited records                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Plaintext lengths n with n + 20 (MAC) a multiple of 16, so the last 16-byte block is all
 * padding: 1004 (record 1045 bytes) and 1052 (1093). With HMAC-SHA1 (64-byte key block + 13-byte
 * header + 9 bytes of length padding) MACs over 1004 and 1019 bytes take the same number of
 * compressions, over 1052 and 1067 bytes one more for the longer: the second length is the Lucky
 * 13 situation proper, which the record check meets by running the compression function over
 * every block the longest candidate needs (src/record/cbc_mac.rs). */
#define MAX_DATA 1052
#define REC_LEN(n) (5 + (n) + 36)

/* What the last plaintext block of a class becomes: its padding length byte (set through
 * C[n-1][15]); or, with `garble_first`, the padding is left valid (16 x 0x0f) and the MAC is
 * broken instead: 1 flips a bit of C[n-2] (TLS), 2 a bit of C[n-1][0], which changes P[n][0],
 * a padding byte SSL 3.0 does not check. Every edit lies in the record's last 48 bytes. */
typedef struct {
    int last_byte;
    int garble_first;
} edit;

static void apply(uint8_t *rec, size_t rec_len, const edit *e)
{
    uint8_t *prev = rec + rec_len - 32; /* C[n-1]: its bits flip P[n] */
    if (e->garble_first == 2)
        prev[0] ^= 0x01; /* P[n][0]: a padding byte SSL 3.0 does not check */
    else if (e->garble_first)
        prev[-16] ^= 0x01; /* C[n-2]: garbles P[n-1] (MAC bytes), leaves P[n] (padding) alone */
    else
        prev[15] ^= (uint8_t)(0x0f ^ e->last_byte);
}

/* One record of `n` plaintext bytes from the client context (EncryptMessage, stream layout);
 * the harness's h_encrypt checks TLS record versions, so SSL 3.0 records need this plain one. */
static int encrypt_record(CtxtHandle *ctx, uint8_t *rec, size_t n)
{
    SecPkgContext_StreamSizes sz;
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_STREAM_SIZES, &sz) != SEC_E_OK || sz.cbHeader != 5 ||
        sz.cbHeader + n + sz.cbTrailer < REC_LEN(n))
        return 0;
    uint8_t buf[REC_LEN(MAX_DATA) + 64];
    memset(buf, 0, sizeof buf);
    SecBuffer b[4] = {{sz.cbHeader, SECBUFFER_STREAM_HEADER, buf},
                      {(ULONG)n, SECBUFFER_DATA, buf + sz.cbHeader},
                      {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, buf + sz.cbHeader + n},
                      {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    if (sz.cbHeader + n + sz.cbTrailer > sizeof buf || EncryptMessage(ctx, 0, &d, 0) != SEC_E_OK ||
        b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer != REC_LEN(n))
        return 0;
    memcpy(rec, buf, REC_LEN(n));
    return 1;
}

/* The result line: the largest |t|, the measurements, the uncropped means (ns) per class. */
static int report(const char *name, ttest *t, int bad)
{
    long n;
    double v = max_t(t, &n);
    int leak = bad || v >= THRESHOLD;
    printf("timing %s t=%.2f n=%ld verdict=%s mean_ns=%.0f/%.0f\n", name, v, t->n, bad ? "ERROR" : leak ? "LEAK" : "pass",
           t->m[NCROP][0].mean, t->m[NCROP][1].mean);
    fflush(stdout);
    free(t);
    return leak;
}

static int lucky13(const char *name, size_t n, const edit classes[2])
{
    ttest *t = calloc(1, sizeof *t);
    double end = mono() + g_secs;
    int bad = 0;
    while (mono() < end && !bad) {
        h_pair pairs[BATCH];
        uint8_t recs[BATCH][REC_LEN(MAX_DATA)];
        int cls[BATCH];
        for (int i = 0; i < BATCH && !bad; i++) {
            pair_new(&pairs[i]);
            if (!h_handshake(&pairs[i]) || !encrypt_record(&pairs[i].cctx, recs[i], n)) {
                fprintf(stderr, "%s: setup failed\n", name);
                bad = 1;
            } else {
                cls[i] = (int)(rnd() & 1);
                apply(recs[i], REC_LEN(n), &classes[cls[i]]);
            }
        }
        for (int i = 0; i < BATCH && !bad; i++) {
            SecBuffer b[4] = {{(ULONG)REC_LEN(n), SECBUFFER_DATA, recs[i]}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
            SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
            double t0 = mono();
            SECURITY_STATUS st = DecryptMessage(&pairs[i].sctx, &d, 0, NULL);
            double dt = mono() - t0;
            if (st != SEC_E_DECRYPT_FAILURE) {
                fprintf(stderr, "%s: class %d: DecryptMessage returned 0x%08x, not SEC_E_DECRYPT_FAILURE\n", name, cls[i], (unsigned)st);
                bad = 1;
            }
            sample(t, cls[i], dt * 1e9);
        }
        for (int i = 0; i < BATCH; i++)
            h_pair_free(&pairs[i]);
    }
    return report(name, t, bad);
}

/* ------------------------------------------------------------------------------------------ */
/* Bleichenbacher/ROBOT: AcceptSecurityContext on a replaced premaster                         */
/* ------------------------------------------------------------------------------------------ */

static EVP_PKEY *g_server_pub;

enum { PM_GOOD, PM_BADPAD, PM_BADVER, PM_BADLEN };

/* RSA-encrypts a 256-byte block of the class's shape with no padding (EM built here). */
static int premaster_block(int kind, uint8_t *out, size_t k)
{
    uint8_t em[512];
    em[0] = 0;
    em[1] = kind == PM_BADPAD ? 1 : 2;
    size_t msg = kind == PM_BADLEN ? 47 : 48;
    size_t sep = k - msg - 1;
    for (size_t i = 2; i < sep; i++)
        em[i] = (uint8_t)(1 + rnd() % 255);
    em[sep] = 0;
    for (size_t i = sep + 1; i < k; i++)
        em[i] = (uint8_t)rnd();
    em[sep + 1] = 3;
    em[sep + 2] = kind == PM_BADVER ? 0 : 1;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(g_server_pub, NULL);
    size_t outlen = k;
    int ok = ctx && EVP_PKEY_encrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
             EVP_PKEY_encrypt(ctx, out, &outlen, em, k) == 1 && outlen == k;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static int robot(const char *name, int other)
{
    ttest *t = calloc(1, sizeof *t);
    double end = mono() + g_secs;
    int bad = 0;
    size_t k = (size_t)EVP_PKEY_get_size(g_server_pub);
    while (mono() < end && !bad) {
        h_pair p;
        pair_new(&p);
        hbuf c1 = {0}, s1 = {0}, c2 = {0};
        h_step r1 = h_call(&p, 0, NULL, 0, 1, &c1, 0);
        h_step r2 = h_call(&p, 1, c1.p, c1.len, 0, &s1, 0);
        h_step r3 = h_call(&p, 0, s1.p, s1.len, 0, &c2, 0);
        /* c2: [22: ClientKeyExchange(16) u24 len, u16 len, k bytes] [20: CCS] [22: Finished] */
        int cls = (int)(rnd() & 1);
        if (r1.st != SEC_I_CONTINUE_NEEDED || r2.st != SEC_I_CONTINUE_NEEDED || r3.st != SEC_I_CONTINUE_NEEDED || c2.len < 11 + k ||
            c2.p[0] != 22 || c2.p[5] != 16 || (((size_t)c2.p[9] << 8) | c2.p[10]) != k ||
            !premaster_block(cls ? other : PM_GOOD, c2.p + 11, k)) {
            fprintf(stderr, "%s: setup failed\n", name);
            bad = 1;
        } else {
            SecBuffer ib[2] = {{(ULONG)c2.len, SECBUFFER_TOKEN, c2.p}, {0, SECBUFFER_EMPTY, NULL}};
            SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
            SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
            SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
            ULONG attr = 0;
            double t0 = mono();
            SECURITY_STATUS st = AcceptSecurityContext(&p.scred, &p.sctx, &id, p.sreq, 0, &p.sctx, &od, &attr, NULL);
            double dt = mono() - t0;
            if (ob.pvBuffer)
                FreeContextBuffer(ob.pvBuffer);
            /* The client's Finished was made with another premaster: every class fails there. */
            if (st != SEC_E_DECRYPT_FAILURE && st != SEC_E_MESSAGE_ALTERED) {
                fprintf(stderr, "%s: class %d: AcceptSecurityContext returned 0x%08x\n", name, cls, (unsigned)st);
                bad = 1;
            }
            sample(t, cls, dt * 1e9);
        }
        hbuf_free(&c1);
        hbuf_free(&s1);
        hbuf_free(&c2);
        h_pair_free(&p);
    }
    return report(name, t, bad);
}

static int selected(const char *name)
{
    const char *only = getenv("TIMING_ONLY");
    return !only || !*only || strncmp(name, only, strlen(only)) == 0;
}

int main(void)
{
    const char *s = getenv("TIMING_SECS");
    if (s && atof(s) > 0)
        g_secs = atof(s);
    g_rng ^= (uint64_t)time(NULL);
    printf("timing: dudect-style Welch t-test, %.0f s per pair, threshold |t| < %.1f\n", g_secs, THRESHOLD);
    int leaks = 0;

    /* The record pairs: protocol, name, the two classes. SSL 3.0's "pad16" class flips a padding
     * byte it does not check (P[n][0]); TLS's flips the first block (its padding is checked). */
    static const struct {
        int ssl3;
        const char *name;
        size_t n;
        edit c[2];
    } records[] = {
        {0, "tls10_pad16_vs_pad1", 1004, {{0x0f, 1}, {0x00, 0}}},
        {0, "tls10_pad16_vs_bad256", 1004, {{0x0f, 1}, {0xff, 0}}},
        {0, "tls10_pad16_vs_bad2", 1004, {{0x0f, 1}, {0x01, 0}}},
        {0, "tls10_blocks_pad16_vs_pad1", 1052, {{0x0f, 1}, {0x00, 0}}},
        {0, "tls10_blocks_pad16_vs_bad256", 1052, {{0x0f, 1}, {0xff, 0}}},
        {1, "ssl3_pad16_vs_pad1", 1004, {{0x0f, 2}, {0x00, 0}}},
        {1, "ssl3_pad16_vs_bad", 1004, {{0x0f, 2}, {0xff, 0}}},
    };
    for (int ssl3 = 0; ssl3 <= 1; ssl3++) {
        if (!(ssl3 ? creds(SP_PROT_SSL3_SERVER, SP_PROT_SSL3_CLIENT, 1) : creds(SP_PROT_TLS1_0_SERVER, SP_PROT_TLS1_0_CLIENT, 1)))
            return fprintf(stderr, "timing: %s credentials failed\n", ssl3 ? "SSL 3.0" : "TLS 1.0"), 2;
        for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
            if (records[i].ssl3 == ssl3 && selected(records[i].name))
                leaks += lucky13(records[i].name, records[i].n, records[i].c);
        free_creds();
    }

    FILE *f = fopen(H_SERVER_PEM, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    g_server_pub = x ? X509_get_pubkey(x) : NULL;
    X509_free(x);
    if (!g_server_pub)
        return fprintf(stderr, "timing: cannot read %s\n", H_SERVER_PEM), 2;
    if (!creds(SP_PROT_TLS1_0_SERVER, SP_PROT_TLS1_0_CLIENT, 0))
        return fprintf(stderr, "timing: RSA credentials failed\n"), 2;
    static const struct {
        const char *name;
        int other;
    } rsa[] = {{"rsa_good_vs_badpad", PM_BADPAD}, {"rsa_good_vs_badver", PM_BADVER}, {"rsa_good_vs_badlen", PM_BADLEN}};
    for (size_t i = 0; i < sizeof rsa / sizeof rsa[0]; i++)
        if (selected(rsa[i].name))
            leaks += robot(rsa[i].name, rsa[i].other);
    free_creds();
    EVP_PKEY_free(g_server_pub);
    printf("timing: %d pair(s) with |t| >= %.1f or errors%s\n", leaks, THRESHOLD, h_failed ? " (harness checks failed)" : "");
    return leaks || h_failed ? 1 : 0;
}
