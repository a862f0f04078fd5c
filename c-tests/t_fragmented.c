/*
 * t_fragmented.c: record reassembly. Handshake tokens and application records fed one byte
 * at a time (SEC_E_INCOMPLETE_MESSAGE with exact SECBUFFER_MISSING counts computed here from
 * the bytes), coalesced input (final flight + first application record → EXTRA), and two
 * records in one DecryptMessage buffer.
 */
#include "harness.h"

/*
 * Feeds `stream` to one side one byte at a time: after every byte the side is called with
 * everything received and not yet consumed. Output tokens are appended to `out`.
 * Returns the last status; *done is set on SEC_E_OK.
 */
static SECURITY_STATUS feed_bytewise(h_pair *p, int server, const hbuf *stream, hbuf *out, int *done, unsigned long *incompletes)
{
    hbuf in = {0};
    SECURITY_STATUS last = SEC_E_INTERNAL_ERROR;
    for (size_t i = 0; i < stream->len; i++) {
        hbuf_put(&in, stream->p + i, 1);
        h_step r = h_call(p, server, in.p, in.len, 0, out, 0);
        last = r.st;
        if (r.st == SEC_E_INCOMPLETE_MESSAGE) {
            size_t want = h_expected_missing(in.p, in.len);
            (*incompletes)++;
            /* only report per-byte detail on failure, to keep the output readable */
            if (r.in1_type != SECBUFFER_MISSING || r.in1_cb != want) {
                CHECK_EQ(r.in1_type, SECBUFFER_MISSING);
                CHECK_EQ(r.in1_cb, want);
                fprintf(stderr, "    (%s, %zu bytes buffered)\n", server ? "server" : "client", in.len);
            } else {
                h_passed++;
            }
            if (!r.out_untouched) {
                CHECK(r.out_untouched);
            }
            continue;
        }
        if (r.st != SEC_I_CONTINUE_NEEDED && r.st != SEC_E_OK) {
            CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
            fprintf(stderr, "    (%s, %zu bytes buffered)\n", server ? "server" : "client", in.len);
            break;
        }
        size_t extra = r.in1_type == SECBUFFER_EXTRA ? r.in1_cb : 0;
        /* byte-at-a-time input never holds anything beyond the record just completed */
        CHECK_EQ(extra, 0);
        hbuf_drop_front(&in, in.len - extra);
        if (r.st == SEC_E_OK) {
            *done = 1;
            CHECK_EQ(i + 1, stream->len); /* nothing may follow the final flight */
            break;
        }
    }
    CHECK_EQ(in.len, 0);
    hbuf_free(&in);
    return last;
}

static void test_handshake_one_byte_at_a_time(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf to_s = {0}, to_c = {0};
    unsigned long inc_s = 0, inc_c = 0;
    h_step r = h_call(&p, 0, NULL, 0, 1, &to_s, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    int cdone = 0, sdone = 0;
    for (int round = 0; round < 8 && !(cdone && sdone); round++) {
        if (to_s.len) {
            hbuf s = to_s;
            memset(&to_s, 0, sizeof to_s);
            SECURITY_STATUS st = feed_bytewise(&p, 1, &s, &to_c, &sdone, &inc_s);
            hbuf_free(&s);
            if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_OK)
                break;
        } else if (to_c.len) {
            hbuf s = to_c;
            memset(&to_c, 0, sizeof to_c);
            SECURITY_STATUS st = feed_bytewise(&p, 0, &s, &to_s, &cdone, &inc_c);
            hbuf_free(&s);
            if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_OK)
                break;
        } else {
            break;
        }
    }
    CHECK(cdone && sdone);
    CHECK(inc_s > 10 && inc_c > 10); /* many partial calls really happened */
    if (cdone && sdone) {
        const uint8_t msg[] = "after a fragmented handshake";
        h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "client->server");
        h_roundtrip(&p.sctx, &p.cctx, msg, sizeof msg - 1, "server->client");
    }
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    h_pair_free(&p);
}

/* First server call with a partial ClientHello: the context exists (per the header) and later
 * calls continue it. */
static void test_server_first_call_incomplete(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf ch = {0}, resp = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &ch, 0);
    REQUIRE_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    REQUIRE(ch.len > 9);
    /* 3 bytes: header incomplete */
    r = h_call(&p, 1, ch.p, 3, 0, &resp, 0);
    CHECK_STATUS(r.st, SEC_E_INCOMPLETE_MESSAGE);
    CHECK_EQ(r.in1_type, SECBUFFER_MISSING);
    CHECK_EQ(r.in1_cb, 2);
    CHECK(p.have_sctx);
    CHECK(r.out_untouched);
    CHECK_EQ(resp.len, 0);
    /* header + 4 body bytes */
    r = h_call(&p, 1, ch.p, 9, 0, &resp, 0);
    CHECK_STATUS(r.st, SEC_E_INCOMPLETE_MESSAGE);
    CHECK_EQ(r.in1_type, SECBUFFER_MISSING);
    CHECK_EQ(r.in1_cb, h_record_total(ch.p, ch.len) - 9);
    /* the rest */
    r = h_call(&p, 1, ch.p, ch.len, 0, &resp, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    CHECK(resp.len > 0);
    hbuf_free(&ch);
    hbuf_free(&resp);
    h_pair_free(&p);
}

/* Server's final flight and its first application record arrive in one read. */
static void test_coalesced_final_flight_and_app_data(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf to_s = {0}, to_c = {0}, app = {0}, plain = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &to_s, 0); /* ClientHello */
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 0); /* ServerHello..Done */
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    hbuf_drop_front(&to_s, to_s.len);
    r = h_call(&p, 0, to_c.p, to_c.len, 0, &to_s, 0); /* CKE, CCS, Finished */
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    hbuf_drop_front(&to_c, to_c.len);
    r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 0); /* CCS, Finished */
    REQUIRE_STATUS(r.st, SEC_E_OK);
    size_t flight = to_c.len;
    CHECK(flight > 0);

    const uint8_t msg[] = "HTTP/1.1 200 OK\r\n\r\nearly data";
    REQUIRE_STATUS(h_encrypt(&p.sctx, msg, sizeof msg - 1, &app), SEC_E_OK);
    hbuf_put(&to_c, app.p, app.len);

    r = h_call(&p, 0, to_c.p, to_c.len, 0, NULL, 0);
    CHECK_STATUS(r.st, SEC_E_OK);
    CHECK_EQ(r.in1_type, SECBUFFER_EXTRA);
    CHECK_EQ(r.in1_cb, app.len);
    CHECK_EQ(r.out_cb, 0);
    if (r.st == SEC_E_OK && r.in1_type == SECBUFFER_EXTRA && r.in1_cb <= to_c.len) {
        /* the unconsumed bytes are the last cbBuffer bytes of the input */
        const uint8_t *extra = to_c.p + to_c.len - r.in1_cb;
        int n = 0;
        CHECK_STATUS(h_decrypt_all(&p.cctx, extra, r.in1_cb, &plain, &n), SEC_E_OK);
        CHECK(plain.len == sizeof msg - 1 && memcmp(plain.p, msg, plain.len) == 0);
    }
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    hbuf_free(&app);
    hbuf_free(&plain);
    h_pair_free(&p);
}

/* The server's flight arrives in two reads split in the middle: the first read either makes
 * no progress (INCOMPLETE with the exact MISSING count) or consumes whole records only
 * (CONTINUE with the rest reported as EXTRA); the second read finishes the flight. */
static void test_server_flight_split_in_two_reads(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf to_s = {0}, to_c = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &to_s, 0);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 0);
    REQUIRE_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    hbuf_drop_front(&to_s, to_s.len);
    size_t cut = to_c.len / 2 + 1;
    r = h_call(&p, 0, to_c.p, cut, 0, &to_s, 0);
    if (r.st == SEC_E_INCOMPLETE_MESSAGE) {
        CHECK_EQ(r.in1_type, SECBUFFER_MISSING);
        CHECK_EQ(r.in1_cb, h_expected_missing(to_c.p, cut));
        CHECK(r.out_untouched);
        r = h_call(&p, 0, to_c.p, to_c.len, 0, &to_s, 0);
    } else {
        /* progress on the whole records inside the first half is allowed: the rest is EXTRA */
        CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
        size_t extra = r.in1_type == SECBUFFER_EXTRA ? r.in1_cb : 0;
        hbuf_drop_front(&to_c, cut - extra);
        r = h_call(&p, 0, to_c.p, to_c.len, 0, &to_s, 0);
    }
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    hbuf_drop_front(&to_c, to_c.len);
    r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 0);
    CHECK_STATUS(r.st, SEC_E_OK);
    r = h_call(&p, 0, to_c.p, to_c.len, 0, NULL, 0);
    CHECK_STATUS(r.st, SEC_E_OK);
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    h_pair_free(&p);
}

/* DecryptMessage over a growing buffer: every short call is SEC_E_INCOMPLETE_MESSAGE with the
 * exact count in the SECBUFFER_MISSING buffers (the DATA slot and the first EMPTY slot, as the
 * header documents), and nothing is consumed. */
static void test_decrypt_one_byte_at_a_time(void)
{
    h_pair p;
    if (!h_pair_connect(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    uint8_t msg[300];
    h_pattern(msg, sizeof msg, 3);
    hbuf wire = {0}, acc = {0}, plain = {0};
    REQUIRE_STATUS(h_encrypt(&p.sctx, msg, sizeof msg, &wire), SEC_E_OK);
    unsigned long incompletes = 0, records = 0;
    for (size_t i = 0; i < wire.len; i++) {
        hbuf_put(&acc, wire.p + i, 1);
        uint8_t *before = malloc(acc.len);
        memcpy(before, acc.p, acc.len);
        SecBuffer b[4] = {{(ULONG)acc.len, SECBUFFER_DATA, acc.p}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
        SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
        SECURITY_STATUS st = DecryptMessage(&p.cctx, &d, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            incompletes++;
            size_t want = h_expected_missing(acc.p, acc.len);
            int ok = b[0].BufferType == SECBUFFER_MISSING && b[0].cbBuffer == want && b[1].BufferType == SECBUFFER_MISSING &&
                     b[1].cbBuffer == want && memcmp(before, acc.p, acc.len) == 0;
            if (!ok) {
                CHECK_EQ(b[0].BufferType, SECBUFFER_MISSING);
                CHECK_EQ(b[0].cbBuffer, want);
                CHECK_EQ(b[1].BufferType, SECBUFFER_MISSING);
                CHECK_EQ(b[1].cbBuffer, want);
                CHECK(memcmp(before, acc.p, acc.len) == 0);
                fprintf(stderr, "    (%zu bytes buffered)\n", acc.len);
            } else {
                h_passed++;
            }
        } else {
            CHECK_STATUS(st, SEC_E_OK);
            if (st != SEC_E_OK) {
                free(before);
                break;
            }
            records++;
            CHECK(b[1].BufferType == SECBUFFER_DATA);
            if (b[1].cbBuffer)
                hbuf_put(&plain, b[1].pvBuffer, b[1].cbBuffer);
            CHECK(b[3].BufferType == SECBUFFER_EMPTY); /* exactly one whole record was buffered */
            hbuf_drop_front(&acc, acc.len);
        }
        free(before);
    }
    CHECK(incompletes >= wire.len - 3);
    CHECK(records >= 1);
    CHECK_EQ(acc.len, 0);
    CHECK(plain.len == sizeof msg && memcmp(plain.p, msg, sizeof msg) == 0);
    hbuf_free(&wire);
    hbuf_free(&acc);
    hbuf_free(&plain);
    h_pair_free(&p);
}

/* Two records in one buffer: the first decrypts with EXTRA = exactly the second record. */
static void test_two_records_one_buffer(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    /* one record per EncryptMessage (no 1/n-1 split) so the boundary is ours to choose */
    CHECK_STATUS(OpenSchannelSetRecordSplitting(&p.scred, FALSE), SEC_E_OK);
    if (!h_handshake(&p)) {
        h_pair_free(&p);
        return;
    }
    const uint8_t m1[] = "first record";
    const uint8_t m2[] = "the second record, a little longer than the first one";
    hbuf r1 = {0}, r2 = {0}, both = {0};
    REQUIRE_STATUS(h_encrypt(&p.sctx, m1, sizeof m1 - 1, &r1), SEC_E_OK);
    REQUIRE_STATUS(h_encrypt(&p.sctx, m2, sizeof m2 - 1, &r2), SEC_E_OK);
    CHECK_EQ(h_count_records(r1.p, r1.len, 23), 1);
    CHECK_EQ(h_count_records(r2.p, r2.len, 23), 1);
    hbuf_put(&both, r1.p, r1.len);
    hbuf_put(&both, r2.p, r2.len);

    SecBuffer b[4] = {{(ULONG)both.len, SECBUFFER_DATA, both.p}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    REQUIRE_STATUS(DecryptMessage(&p.cctx, &d, 0, NULL), SEC_E_OK);
    CHECK(b[0].BufferType == SECBUFFER_STREAM_HEADER && b[0].pvBuffer == both.p);
    CHECK(b[1].BufferType == SECBUFFER_DATA && b[1].cbBuffer == sizeof m1 - 1);
    CHECK(b[1].pvBuffer == both.p + 5 && memcmp(b[1].pvBuffer, m1, sizeof m1 - 1) == 0);
    CHECK(b[2].BufferType == SECBUFFER_STREAM_TRAILER);
    CHECK_EQ(b[3].BufferType, SECBUFFER_EXTRA);
    CHECK_EQ(b[3].cbBuffer, r2.len);
    CHECK(b[3].pvBuffer == both.p + r1.len);
    if (b[3].BufferType == SECBUFFER_EXTRA && b[3].cbBuffer == r2.len) {
        uint8_t *second = both.p + both.len - b[3].cbBuffer;
        SecBuffer c[4] = {{b[3].cbBuffer, SECBUFFER_DATA, second}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
        SecBufferDesc cd = {SECBUFFER_VERSION, 4, c};
        CHECK_STATUS(DecryptMessage(&p.cctx, &cd, 0, NULL), SEC_E_OK);
        CHECK(c[1].BufferType == SECBUFFER_DATA && c[1].cbBuffer == sizeof m2 - 1 && memcmp(c[1].pvBuffer, m2, sizeof m2 - 1) == 0);
        CHECK_EQ(c[3].BufferType, SECBUFFER_EMPTY);
    }
    hbuf_free(&r1);
    hbuf_free(&r2);
    hbuf_free(&both);
    h_pair_free(&p);
}

/* The documented default: a CBC write of n > 1 bytes at TLS 1.0 is split 1/n-1 into two
 * records in one EncryptMessage output; switched off per credential it is one record. */
static void test_record_splitting(void)
{
    uint8_t msg[100];
    h_pattern(msg, sizeof msg, 5);
    for (int split = 1; split >= 0; split--) {
        h_pair p;
        if (!h_pair_init(&p, 0)) {
            h_pair_free(&p);
            return;
        }
        if (!split)
            CHECK_STATUS(OpenSchannelSetRecordSplitting(&p.ccred, FALSE), SEC_E_OK);
        if (h_handshake(&p)) {
            hbuf wire = {0}, plain = {0};
            CHECK_STATUS(h_encrypt(&p.cctx, msg, sizeof msg, &wire), SEC_E_OK);
            CHECK_EQ(h_count_records(wire.p, wire.len, 23), split ? 2 : 1);
            int n = 0;
            CHECK_STATUS(h_decrypt_all(&p.sctx, wire.p, wire.len, &plain, &n), SEC_E_OK);
            CHECK_EQ(n, split ? 2 : 1);
            CHECK(plain.len == sizeof msg && memcmp(plain.p, msg, sizeof msg) == 0);
            hbuf_free(&wire);
            hbuf_free(&plain);
            /* a 1-byte write is never split */
            CHECK_STATUS(h_encrypt(&p.cctx, msg, 1, &wire), SEC_E_OK);
            CHECK_EQ(h_count_records(wire.p, wire.len, 23), 1);
            CHECK_STATUS(h_decrypt_all(&p.sctx, wire.p, wire.len, &plain, &n), SEC_E_OK);
            hbuf_free(&wire);
            hbuf_free(&plain);
        }
        h_pair_free(&p);
    }
}

TEST_MAIN(test_handshake_one_byte_at_a_time, test_server_first_call_incomplete, test_coalesced_final_flight_and_app_data,
          test_server_flight_split_in_two_reads, test_decrypt_one_byte_at_a_time, test_two_records_one_buffer, test_record_splitting)
