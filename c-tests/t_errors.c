/*
 * t_errors.c: tampered records and the bad_record_mac alert, garbage handshake input,
 * close_notify and chosen alerts through ApplyControlToken, and ApplyControlToken's errors.
 */
#include "harness.h"

/* ISC/ASC with a NULL input and an allocated [TOKEN] output; the token goes to `out`. */
static SECURITY_STATUS control_call(h_pair *p, int server, hbuf *out)
{
    h_step r = h_call(p, server, NULL, 0, 1, out, 0);
    return r.st;
}

static SECURITY_STATUS apply_dword(CtxtHandle *ctx, DWORD v)
{
    SecBuffer b = {sizeof v, SECBUFFER_TOKEN, &v};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return ApplyControlToken(ctx, &d);
}

static SECURITY_STATUS apply_alert(CtxtHandle *ctx, DWORD type, DWORD number)
{
    SCHANNEL_ALERT_TOKEN t = {SCHANNEL_ALERT, type, number};
    SecBuffer b = {sizeof t, SECBUFFER_TOKEN, &t};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    return ApplyControlToken(ctx, &d);
}

/* An encrypted alert record: 15 03 01, length = cb - 5, 2 + MAC + CBC padding (AES-128-SHA). */
static void check_encrypted_alert(const hbuf *t)
{
    REQUIRE(t->len >= 5);
    CHECK_EQ(t->p[0], 0x15);
    CHECK_EQ(t->p[1], 0x03);
    CHECK_EQ(t->p[2], 0x01);
    size_t body = ((size_t)t->p[3] << 8) | t->p[4];
    CHECK_EQ(body, t->len - 5);
    CHECK(body > 2 + 20 && body <= 2 + 20 + 256); /* encrypted: not the 2 plaintext bytes */
    CHECK_EQ(body % 16, 0);
    CHECK_EQ(h_count_records(t->p, t->len, 21), 1);
}

/* Flip one byte in the ciphertext of the first record `from` sends; `to` must refuse it,
 * then hand out the encrypted bad_record_mac alert, which `from` reports as an error. */
static void tamper(int client_sends)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    CtxtHandle *from = client_sends ? &p.cctx : &p.sctx;
    CtxtHandle *to = client_sends ? &p.sctx : &p.cctx;
    uint8_t msg[64];
    h_pattern(msg, sizeof msg, 11);
    hbuf wire = {0}, plain = {0}, alert = {0};
    REQUIRE_STATUS(h_encrypt(from, msg, sizeof msg, &wire), SEC_E_OK);
    size_t first = h_record_total(wire.p, wire.len);
    REQUIRE(first > 5 + 8);
    wire.p[5 + 3] ^= 0x40;
    int n = 0;
    SECURITY_STATUS st = h_decrypt_all(to, wire.p, wire.len, &plain, &n);
    CHECK(st == SEC_E_DECRYPT_FAILURE || st == SEC_E_MESSAGE_ALTERED);
    if (st != SEC_E_DECRYPT_FAILURE && st != SEC_E_MESSAGE_ALTERED)
        fprintf(stderr, "    DecryptMessage(tampered) returned %s\n", OpenSchannelStatusName(st));
    CHECK_EQ(n, 0);
    CHECK_EQ(plain.len, 0);

    /* the receiving side now hands out the alert */
    st = control_call(&p, client_sends ? 1 : 0, &alert);
    CHECK(st == SEC_E_OK || st == SEC_E_DECRYPT_FAILURE || st == SEC_E_MESSAGE_ALTERED);
    check_encrypted_alert(&alert);

    /* the peer opens it: fatal bad_record_mac received */
    if (alert.len) {
        hbuf got = {0};
        st = h_decrypt_all(from, alert.p, alert.len, &got, &n);
        CHECK(st < 0);
        CHECK_STATUS(st, SEC_E_DECRYPT_FAILURE);
        CHECK_EQ(got.len, 0);
        hbuf_free(&got);
        /* and the sender of the alert is finished: it cannot encrypt any more */
        hbuf more = {0};
        CHECK(h_encrypt(to, msg, 4, &more) < 0);
        hbuf_free(&more);
    }
    hbuf_free(&wire);
    hbuf_free(&plain);
    hbuf_free(&alert);
    h_pair_free(&p);
}

static void test_tampered_record_client_to_server(void) { tamper(1); }
static void test_tampered_record_server_to_client(void) { tamper(0); }

/* A received record with a flipped MAC byte (the last byte of the record) fails as well. */
static void test_tampered_trailer(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf wire = {0}, plain = {0};
    REQUIRE_STATUS(h_encrypt(&p.cctx, "x", 1, &wire), SEC_E_OK);
    wire.p[wire.len - 1] ^= 0x01;
    int n = 0;
    SECURITY_STATUS st = h_decrypt_all(&p.sctx, wire.p, wire.len, &plain, &n);
    CHECK(st == SEC_E_DECRYPT_FAILURE || st == SEC_E_MESSAGE_ALTERED);
    hbuf_free(&wire);
    hbuf_free(&plain);
    h_pair_free(&p);
}

static void test_garbage_first_server_input(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    const char *http = "GET / HTTP/1.1\r\n\r\n";
    hbuf out = {0};
    h_step r = h_call(&p, 1, (const uint8_t *)http, strlen(http), 0, &out, 0);
    CHECK_STATUS(r.st, SEC_E_INVALID_TOKEN);
    CHECK_EQ(r.out_cb, 0);
    CHECK_EQ(out.len, 0);
    hbuf_free(&out);
    h_pair_free(&p);
}

static void test_garbage_server_reply_to_client(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf ch = {0}, out = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &ch, 0);
    REQUIRE_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    const char *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
    r = h_call(&p, 0, (const uint8_t *)http, strlen(http), 0, &out, 0);
    CHECK_STATUS(r.st, SEC_E_INVALID_TOKEN);
    CHECK_EQ(r.out_cb, 0);
    hbuf_free(&ch);
    hbuf_free(&out);
    h_pair_free(&p);
}

/* close_notify from one side after the handshake. */
static void close_notify(int client_closes)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    CtxtHandle *closer = client_closes ? &p.cctx : &p.sctx;
    CtxtHandle *peer = client_closes ? &p.sctx : &p.cctx;
    CHECK_STATUS(apply_dword(closer, SCHANNEL_SHUTDOWN), SEC_E_OK);
    CHECK_STATUS(apply_dword(closer, SCHANNEL_SHUTDOWN), SEC_E_OK); /* repeatable */
    hbuf alert = {0};
    CHECK_STATUS(control_call(&p, client_closes ? 0 : 1, &alert), SEC_E_OK);
    check_encrypted_alert(&alert);
    if (alert.len) {
        uint8_t *buf = malloc(alert.len);
        memcpy(buf, alert.p, alert.len);
        SecBuffer b[4] = {{(ULONG)alert.len, SECBUFFER_DATA, buf}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
        SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
        CHECK_STATUS(DecryptMessage(peer, &d, 0, NULL), SEC_I_CONTEXT_EXPIRED);
        free(buf);
    }
    hbuf wire = {0};
    CHECK_STATUS(h_encrypt(closer, "late", 4, &wire), SEC_E_CONTEXT_EXPIRED);
    CHECK_EQ(wire.len, 0);
    hbuf_free(&wire);
    hbuf_free(&alert);
    h_pair_free(&p);
}

static void test_close_notify_from_client(void) { close_notify(1); }
static void test_close_notify_from_server(void) { close_notify(0); }

/* A fresh server context: created by AcceptSecurityContext from a partial ClientHello. */
static int fresh_server(h_pair *p)
{
    if (!h_pair_init(p, 0))
        return 0;
    hbuf ch = {0};
    h_step r = h_call(p, 0, NULL, 0, 1, &ch, 0);
    int ok = h_check_status(r.st, SEC_I_CONTINUE_NEEDED, __FILE__, __LINE__, "ISC first call");
    if (ok) {
        r = h_call(p, 1, ch.p, 3, 0, NULL, 0);
        ok = h_check_status(r.st, SEC_E_INCOMPLETE_MESSAGE, __FILE__, __LINE__, "ASC with 3 bytes") &&
             h_check(p->have_sctx, __FILE__, __LINE__, "server context created");
    }
    hbuf_free(&ch);
    return ok;
}

static void test_shutdown_before_handshake_plaintext(void)
{
    h_pair p;
    if (fresh_server(&p)) {
        CHECK_STATUS(apply_dword(&p.sctx, SCHANNEL_SHUTDOWN), SEC_E_OK);
        hbuf out = {0};
        CHECK_STATUS(control_call(&p, 1, &out), SEC_E_OK);
        const uint8_t want[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00};
        CHECK_EQ(out.len, sizeof want);
        CHECK(out.len == sizeof want && memcmp(out.p, want, sizeof want) == 0);
        hbuf_free(&out);
    }
    h_pair_free(&p);
}

static void test_alert_token_before_handshake(void)
{
    h_pair p;
    if (fresh_server(&p)) {
        CHECK_STATUS(apply_alert(&p.sctx, TLS1_ALERT_FATAL, 42), SEC_E_OK);
        hbuf out = {0};
        CHECK_STATUS(control_call(&p, 1, &out), SEC_E_OK);
        const uint8_t want[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x2a};
        CHECK_EQ(out.len, sizeof want);
        CHECK(out.len == sizeof want && memcmp(out.p, want, sizeof want) == 0);
        hbuf_free(&out);
    }
    h_pair_free(&p);
}

/* The client side before keys exist: after the ClientHello went out. */
static void test_client_shutdown_before_keys(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf ch = {0}, out = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &ch, 0);
    REQUIRE_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_SHUTDOWN), SEC_E_OK);
    CHECK_STATUS(control_call(&p, 0, &out), SEC_E_OK);
    const uint8_t want[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00};
    CHECK(out.len == sizeof want && memcmp(out.p, want, sizeof want) == 0);
    hbuf_free(&ch);
    hbuf_free(&out);
    h_pair_free(&p);
}

/* sspi-surface.md (Shutdown): ISC/ASC after SCHANNEL_SHUTDOWN with a NULL output buffer
 * answers SEC_E_INCOMPLETE_MESSAGE. */
static void test_shutdown_with_null_output(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_SHUTDOWN), SEC_E_OK);
    ULONG attr = 0;
    CHECK_STATUS(InitializeSecurityContextA(&p.ccred, &p.cctx, NULL, 0, 0, 0, NULL, 0, &p.cctx, NULL, &attr, NULL),
                 SEC_E_INCOMPLETE_MESSAGE);
    CHECK_STATUS(apply_dword(&p.sctx, SCHANNEL_SHUTDOWN), SEC_E_OK);
    CHECK_STATUS(AcceptSecurityContext(&p.scred, &p.sctx, NULL, 0, 0, &p.sctx, NULL, &attr, NULL), SEC_E_INCOMPLETE_MESSAGE);
    /* the armed close_notify is not lost: a retry with an output buffer still returns it */
    hbuf alert = {0};
    CHECK_STATUS(control_call(&p, 0, &alert), SEC_E_OK);
    CHECK_EQ(alert.len > 0, 1);
    if (alert.len)
        check_encrypted_alert(&alert);
    hbuf_free(&alert);
    h_pair_free(&p);
}

/* The documented shutdown call shape: target NULL, flags 0, a caller [TOKEN] buffer. */
static void test_shutdown_flags_zero_caller_buffer(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    CHECK_STATUS(apply_dword(&p.cctx, SCHANNEL_SHUTDOWN), SEC_E_OK);
    uint8_t mem[512];
    SecBuffer out = {sizeof mem, SECBUFFER_TOKEN, mem};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &out};
    ULONG attr = 0;
    CHECK_STATUS(InitializeSecurityContextA(&p.ccred, &p.cctx, NULL, 0, 0, 0, NULL, 0, &p.cctx, &od, &attr, NULL), SEC_E_OK);
    CHECK(out.pvBuffer == mem);
    hbuf t = {0};
    if (out.cbBuffer <= sizeof mem)
        hbuf_put(&t, mem, out.cbBuffer);
    check_encrypted_alert(&t);
    hbuf_free(&t);
    h_pair_free(&p);
}

static void test_apply_control_token_errors(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    DWORD shut = SCHANNEL_SHUTDOWN;
    /* two buffers */
    SecBuffer two[2] = {{sizeof shut, SECBUFFER_TOKEN, &shut}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d2 = {SECBUFFER_VERSION, 2, two};
    CHECK_STATUS(ApplyControlToken(&p.cctx, &d2), SEC_E_INVALID_TOKEN);
    /* a DATA buffer */
    SecBuffer data = {sizeof shut, SECBUFFER_DATA, &shut};
    SecBufferDesc dd = {SECBUFFER_VERSION, 1, &data};
    CHECK_STATUS(ApplyControlToken(&p.cctx, &dd), SEC_E_INVALID_TOKEN);
    /* NULL descriptor */
    CHECK_STATUS(ApplyControlToken(&p.cctx, NULL), SEC_E_INTERNAL_ERROR);
    /* 2-byte token */
    uint16_t half = SCHANNEL_SHUTDOWN;
    SecBuffer shortb = {sizeof half, SECBUFFER_TOKEN, &half};
    SecBufferDesc ds = {SECBUFFER_VERSION, 1, &shortb};
    CHECK_STATUS(ApplyControlToken(&p.cctx, &ds), SEC_E_UNSUPPORTED_FUNCTION);
    /* NULL handle */
    SecBuffer ok = {sizeof shut, SECBUFFER_TOKEN, &shut};
    SecBufferDesc dok = {SECBUFFER_VERSION, 1, &ok};
    CHECK_STATUS(ApplyControlToken(NULL, &dok), SEC_E_INVALID_HANDLE);

    /* none of the refused tokens armed anything: the connection still carries data */
    const uint8_t msg[] = "still open";
    h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "after refused control tokens");
    h_pair_free(&p);
}

TEST_MAIN(test_tampered_record_client_to_server, test_tampered_record_server_to_client, test_tampered_trailer,
          test_garbage_first_server_input, test_garbage_server_reply_to_client, test_close_notify_from_client,
          test_close_notify_from_server, test_shutdown_before_handshake_plaintext, test_alert_token_before_handshake,
          test_client_shutdown_before_keys, test_shutdown_with_null_output, test_shutdown_flags_zero_caller_buffer,
          test_apply_control_token_errors)
