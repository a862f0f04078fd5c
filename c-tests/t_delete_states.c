/*
 * t_delete_states.c: DeleteSecurityContext in every handshake state, on both sides, also after
 * errors (issue 8, sanitizers and leak checks). Each case drives ISC/ASC step by step, stops
 * after step k, optionally feeds the next side a broken token (garbage, a flipped byte, a
 * truncated token), then releases everything in one of three orders. The interesting checks are
 * made by `make test-asan` and `make test-valgrind` (no invalid access, nothing leaked, every
 * context really released: scripts/vg-live-objects.py); the test itself checks the statuses:
 * every Delete of a live context answers SEC_E_OK, a second Delete SEC_E_INVALID_HANDLE, and a
 * deleted context is refused by ISC/ASC/EncryptMessage.
 *
 * States covered, for TLS 1.0, TLS 1.2 and SSL 3.0, full and resumed handshakes, allocated and
 * caller output buffers: after every handshake call; after an error or an incomplete token at
 * every call; established with data; after every call of a client-started renegotiation; after
 * a shutdown (close_notify sent and received); after a DecryptMessage failure. SSL 2.0 (no
 * resumption, renegotiation or alerts here): after every call of a full handshake, with the
 * same breaks in its own record framing.
 */
#include "harness.h"

/* garbage: a bad record type; flip: one byte of the middle changed; truncate: the first record
 * cut short (SEC_E_INCOMPLETE_MESSAGE); partial: the last byte missing, so a multi-record flight
 * is partly consumed. */
enum { BREAK_NONE, BREAK_GARBAGE, BREAK_FLIP, BREAK_TRUNCATE, BREAK_PARTIAL, BREAK_COUNT };
static const char *const break_names[] = {"none", "garbage", "flip", "truncate", "partial"};

/* Release orders: client context first, server context first, credentials before contexts. */
enum { ORDER_CLIENT_FIRST, ORDER_SERVER_FIRST, ORDER_CREDS_FIRST, ORDER_COUNT };

typedef struct {
    h_pair p;
    int ssl2;     /* SSL 2.0 record framing */
    hbuf pending; /* the token the next side gets */
    int next;     /* 0 client, 1 server */
    int steps;
    int done[2];
    size_t outcap; /* 0 with ALLOCATE_MEMORY, else the caller buffer size */
} drive;

static void drive_setup(drive *d, DWORD cproto, DWORD sproto, int allocate)
{
    memset(d, 0, sizeof *d);
    d->ssl2 = (cproto & SP_PROT_SSL2_CLIENT) != 0;
    h_client_protocols = cproto;
    h_server_protocols = sproto;
    h_pair_init(&d->p, 0);
    if (!allocate) {
        d->p.creq &= ~(ULONG)ISC_REQ_ALLOCATE_MEMORY;
        d->p.sreq &= ~(ULONG)ASC_REQ_ALLOCATE_MEMORY;
        d->outcap = 16384;
    }
}

/* One handshake call of the side whose turn it is; returns its status. */
static SECURITY_STATUS drive_step(drive *d)
{
    hbuf out = {0};
    h_step r;
    if (d->steps == 0)
        r = h_call(&d->p, 0, NULL, 0, 1, &out, d->outcap);
    else
        r = h_call(&d->p, d->next, d->pending.p, d->pending.len, 0, &out, d->outcap);
    if (r.st == SEC_E_OK)
        d->done[d->next] = 1;
    hbuf_free(&d->pending);
    d->pending = out;
    d->next = !d->next;
    d->steps++;
    return r.st;
}

/* Runs handshake calls until both sides are done; returns the number of calls (0 on failure). */
static int drive_complete(drive *d)
{
    while (!(d->done[0] && d->done[1]) && d->steps < 12) {
        SECURITY_STATUS st = drive_step(d);
        if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_OK) {
            h_check_status(st, SEC_I_CONTINUE_NEEDED, __FILE__, __LINE__, "handshake step");
            return 0;
        }
    }
    return d->done[0] && d->done[1] ? d->steps : 0;
}

/* Deletes both contexts (keeps the credentials) so the next connection can resume. */
static void drive_reset(drive *d)
{
    if (d->p.have_cctx)
        CHECK_STATUS(DeleteSecurityContext(&d->p.cctx), SEC_E_OK);
    if (d->p.have_sctx)
        CHECK_STATUS(DeleteSecurityContext(&d->p.sctx), SEC_E_OK);
    d->p.have_cctx = d->p.have_sctx = 0;
    hbuf_free(&d->pending);
    d->next = d->steps = d->done[0] = d->done[1] = 0;
}

/* The length of the first record of p[0..have) in SSL 2.0's framing: a 2-byte header when the
 * top bit is set, else a 3-byte one; 0 while the header is incomplete. */
static size_t ssl2_record_total(const uint8_t *p, size_t have)
{
    if (have < 2)
        return 0;
    size_t body = ((size_t)(p[0] & (p[0] & 0x80 ? 0x7f : 0x3f)) << 8) | p[1];
    return (p[0] & 0x80 ? 2 : 3) + body;
}

/* Feeds the next side a broken version of its pending token; any status is acceptable except a
 * crash, but garbage and truncation must not be mistaken for a good token. */
static void drive_break(drive *d, int how)
{
    if (how == BREAK_NONE || d->pending.len == 0)
        return;
    /* Every pending token is a whole flight: at least one whole record. */
    size_t first = d->ssl2 ? ssl2_record_total(d->pending.p, d->pending.len) : h_record_total(d->pending.p, d->pending.len);
    REQUIRE(first > 3 && first <= d->pending.len);
    hbuf bad = {0};
    hbuf_put(&bad, d->pending.p, d->pending.len);
    if (how == BREAK_GARBAGE && d->ssl2)
        bad.p[2] ^= 0x5a; /* the message type (clear records), padding count or MAC (encrypted ones) */
    else if (how == BREAK_GARBAGE)
        bad.p[0] = 0x99; /* not a record type */
    else if (how == BREAK_FLIP)
        bad.p[bad.len / 2] ^= 0x41;
    else if (how == BREAK_TRUNCATE)
        bad.len = first - 1;
    else if (how == BREAK_PARTIAL)
        bad.len--;
    hbuf_free(&d->pending);
    d->pending = bad;
    SECURITY_STATUS st = drive_step(d);
    if (how == BREAK_GARBAGE)
        CHECK(st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED && st != SEC_E_INCOMPLETE_MESSAGE);
    else if (how == BREAK_TRUNCATE)
        CHECK_STATUS(st, SEC_E_INCOMPLETE_MESSAGE);
}

/* A deleted context is gone: a second Delete, a continuation call and EncryptMessage refuse it. */
static void check_gone(drive *d, int server, CtxtHandle h)
{
    CHECK_STATUS(DeleteSecurityContext(&h), SEC_E_INVALID_HANDLE);
    uint8_t tok[8] = {22, 3, 1, 0, 3, 1, 2, 3};
    SecBuffer ib[2] = {{sizeof tok, SECBUFFER_TOKEN, tok}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob[1] = {{0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    ULONG attr = 0;
    CtxtHandle out = h;
    SECURITY_STATUS st;
    if (server)
        st = AcceptSecurityContext(d->p.have_scred ? &d->p.scred : NULL, &h, &id, H_ASC_REQ, 0, &out, &od, &attr, NULL);
    else
        st = InitializeSecurityContextA(d->p.have_ccred ? &d->p.ccred : NULL, &h, H_TARGET, H_ISC_REQ, 0, 0, &id, 0, &out, &od, &attr,
                                        NULL);
    CHECK_STATUS(st, SEC_E_INVALID_HANDLE);
    CHECK(ob[0].pvBuffer == NULL);
    SecBuffer eb[4] = {{5, SECBUFFER_STREAM_HEADER, tok}, {1, SECBUFFER_DATA, tok + 5}, {0, SECBUFFER_STREAM_TRAILER, NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 4, eb};
    CHECK_STATUS(EncryptMessage(&h, 0, &ed, 0), SEC_E_INVALID_HANDLE);
}

static void delete_ctx(drive *d, int server)
{
    int *have = server ? &d->p.have_sctx : &d->p.have_cctx;
    CtxtHandle *h = server ? &d->p.sctx : &d->p.cctx;
    if (!*have)
        return;
    CtxtHandle copy = *h;
    CHECK_STATUS(DeleteSecurityContext(h), SEC_E_OK);
    *have = 0;
    check_gone(d, server, copy);
}

static void drive_release(drive *d, int order)
{
    if (order == ORDER_CREDS_FIRST) {
        /* The contexts keep what they need of their credentials. */
        if (d->p.have_ccred)
            CHECK_STATUS(FreeCredentialsHandle(&d->p.ccred), SEC_E_OK);
        if (d->p.have_scred)
            CHECK_STATUS(FreeCredentialsHandle(&d->p.scred), SEC_E_OK);
        d->p.have_ccred = d->p.have_scred = 0;
    }
    delete_ctx(d, order == ORDER_SERVER_FIRST);
    delete_ctx(d, order != ORDER_SERVER_FIRST);
    h_pair_free(&d->p);
    hbuf_free(&d->pending);
}

struct proto {
    const char *name;
    DWORD client, server;
    int full_calls, resumed_calls; /* handshake calls, both sides; 0: no resumption */
};
static const struct proto protos[] = {
    {"TLS1.0", SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER, 5, 4},
    {"TLS1.2", SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER, 5, 4},
    {"SSL3", SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER, 5, 4},
};
/* SSL 2.0 has its own record framing, no resumption here, no renegotiation and no alerts. */
static const struct proto ssl2_proto = {"SSL2", SP_PROT_SSL2_CLIENT, SP_PROT_SSL2_SERVER, 5, 0};

/* Every prefix of a full (resumed = 0) or resumed handshake of `pr`, every break, every order. */
static void handshake_states_of(const struct proto *pr, int resumed)
{
    /* How many calls does this handshake take? */
    drive d;
    drive_setup(&d, pr->client, pr->server, 1);
    int total = drive_complete(&d);
    if (resumed) {
        drive_reset(&d);
        total = drive_complete(&d);
    }
    CHECK_EQ(total, resumed ? pr->resumed_calls : pr->full_calls);
    drive_release(&d, ORDER_CLIENT_FIRST);
    if (!total)
        return;
    int variant = 0;
    for (int k = 1; k <= total; k++) {
        for (int how = 0; how < BREAK_COUNT; how++) {
            if (k == total && how != BREAK_NONE)
                continue; /* nothing left to break */
            for (int order = 0; order < ORDER_COUNT; order++, variant++) {
                unsigned long f0 = h_failed;
                drive_setup(&d, pr->client, pr->server, variant % 2);
                if (resumed) {
                    drive_complete(&d);
                    drive_reset(&d);
                }
                for (int i = 0; i < k; i++) {
                    SECURITY_STATUS st = drive_step(&d);
                    CHECK(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK);
                }
                drive_break(&d, how);
                drive_release(&d, order);
                if (h_failed != f0)
                    fprintf(stderr, "  in %s %s, after call %d, break %s, order %d, %s buffers\n", pr->name,
                            resumed ? "resumed" : "full", k, break_names[how], order, variant % 2 ? "allocated" : "caller");
            }
        }
    }
}

static void handshake_states(int resumed)
{
    for (size_t pi = 0; pi < sizeof protos / sizeof protos[0]; pi++)
        handshake_states_of(&protos[pi], resumed);
    h_client_protocols = SP_PROT_TLS1_0_CLIENT;
    h_server_protocols = SP_PROT_TLS1_0_SERVER;
}

static void test_full_handshake_states(void) { handshake_states(0); }
static void test_resumed_handshake_states(void) { handshake_states(1); }

static void test_ssl2_handshake_states(void)
{
    handshake_states_of(&ssl2_proto, 0);
    h_client_protocols = SP_PROT_TLS1_0_CLIENT;
    h_server_protocols = SP_PROT_TLS1_0_SERVER;
}

/* The server context ASC creates from a first call that fails or is incomplete. */
static void test_server_first_call_errors(void)
{
    for (int order = 0; order < ORDER_COUNT; order++) {
        for (int how = 0; how < 3; how++) {
            drive d;
            drive_setup(&d, SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER, order % 2);
            uint8_t junk[64];
            h_pattern(junk, sizeof junk, (unsigned)how);
            const uint8_t *in = junk;
            size_t len = how == 0 ? 3 : sizeof junk; /* 3: incomplete; else garbage */
            if (how == 2) {
                junk[0] = 22, junk[1] = 3, junk[2] = 1, junk[3] = 0, junk[4] = 59; /* handshake record, bad body */
            }
            h_step r = h_call(&d.p, 1, in, len, 0, NULL, d.outcap);
            CHECK(r.st != SEC_E_OK && r.st != SEC_I_CONTINUE_NEEDED);
            drive_release(&d, order);
        }
    }
}

static SECURITY_STATUS apply_dword(CtxtHandle *ctx, DWORD v)
{
    SecBuffer b = {sizeof v, SECBUFFER_TOKEN, &v};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return ApplyControlToken(ctx, &d);
}

/* Decrypts `wire` on ctx (a private copy); returns the first call's status. */
static SECURITY_STATUS decrypt_once(CtxtHandle *ctx, const hbuf *wire)
{
    uint8_t *copy = malloc(wire->len ? wire->len : 1);
    memcpy(copy, wire->p, wire->len);
    SecBuffer b[4] = {{(ULONG)wire->len, SECBUFFER_DATA, copy}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc desc = {SECBUFFER_VERSION, 4, b};
    SECURITY_STATUS st = DecryptMessage(ctx, &desc, 0, NULL);
    free(copy);
    return st;
}

/* Established connections: with data, during every call of a client renegotiation, after a
 * shutdown, after a failed DecryptMessage. */
static void test_established_states(void)
{
    for (size_t pi = 0; pi < sizeof protos / sizeof protos[0]; pi++) {
        for (int order = 0; order < ORDER_COUNT; order++) {
            /* data both ways, then one half-delivered record */
            drive d;
            drive_setup(&d, protos[pi].client, protos[pi].server, order != 1);
            if (drive_complete(&d)) {
                const uint8_t msg[] = "some application data";
                h_roundtrip(&d.p.cctx, &d.p.sctx, msg, sizeof msg, "c->s");
                h_roundtrip(&d.p.sctx, &d.p.cctx, msg, sizeof msg, "s->c");
                hbuf wire = {0};
                CHECK_STATUS(h_encrypt(&d.p.cctx, msg, sizeof msg, &wire), SEC_E_OK);
                wire.len = h_record_total(wire.p, wire.len) - 3; /* the first record, cut short */
                CHECK_STATUS(decrypt_once(&d.p.sctx, &wire), SEC_E_INCOMPLETE_MESSAGE);
                hbuf_free(&wire);
            }
            drive_release(&d, order);

            /* a tampered record */
            drive_setup(&d, protos[pi].client, protos[pi].server, 1);
            if (drive_complete(&d)) {
                hbuf wire = {0};
                CHECK_STATUS(h_encrypt(&d.p.sctx, "x", 1, &wire), SEC_E_OK);
                wire.p[wire.len - 1] ^= 1;
                SECURITY_STATUS st = decrypt_once(&d.p.cctx, &wire);
                CHECK(st != SEC_E_OK && st != SEC_E_INCOMPLETE_MESSAGE);
                hbuf_free(&wire);
            }
            drive_release(&d, order);

            /* shutdown: close_notify sent by the client, received by the server */
            drive_setup(&d, protos[pi].client, protos[pi].server, 1);
            if (drive_complete(&d)) {
                CHECK_STATUS(apply_dword(&d.p.cctx, SCHANNEL_SHUTDOWN), SEC_E_OK);
                hbuf alert = {0};
                h_step r = h_call(&d.p, 0, NULL, 0, 1, &alert, 0);
                CHECK_STATUS(r.st, SEC_E_OK);
                if (alert.len)
                    CHECK_STATUS(decrypt_once(&d.p.sctx, &alert), SEC_I_CONTEXT_EXPIRED);
                hbuf_free(&alert);
            }
            drive_release(&d, order);

            /* client-started renegotiation, released after each of its calls:
             * 0 ISC (hello), 1 server DecryptMessage (SEC_I_RENEGOTIATE), 2 ASC, 3 ISC, 4 ASC, 5 ISC */
            for (int k = 0; k <= 6; k++) {
                drive_setup(&d, protos[pi].client, protos[pi].server, (k + order) % 2);
                if (!drive_complete(&d)) {
                    drive_release(&d, order);
                    continue;
                }
                CHECK_STATUS(apply_dword(&d.p.cctx, SCHANNEL_RENEGOTIATE), SEC_E_OK);
                hbuf_free(&d.pending);
                d.done[0] = d.done[1] = 0;
                for (int i = 0; i < k; i++) {
                    SECURITY_STATUS st;
                    if (i == 0) {
                        h_step r = h_call(&d.p, 0, NULL, 0, 1, &d.pending, d.outcap);
                        st = r.st;
                        d.next = 1;
                    } else if (i == 1) {
                        st = decrypt_once(&d.p.sctx, &d.pending);
                        CHECK_STATUS(st, SEC_I_RENEGOTIATE);
                        st = SEC_I_CONTINUE_NEEDED;
                    } else {
                        st = drive_step(&d);
                    }
                    CHECK(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK);
                }
                drive_release(&d, order);
            }
        }
    }
    h_client_protocols = SP_PROT_TLS1_0_CLIENT;
    h_server_protocols = SP_PROT_TLS1_0_SERVER;
}

TEST_MAIN(test_full_handshake_states, test_resumed_handshake_states, test_ssl2_handshake_states, test_server_first_call_errors,
          test_established_states)
