/*
 * t_buffers.c: output token memory. Caller-supplied output buffers (no *_REQ_ALLOCATE_MEMORY):
 * large enough works, zero-size or too small is SEC_E_INSUFFICIENT_MEMORY. Provider-allocated
 * tokens are released with FreeContextBuffer, which refuses pointers it did not hand out.
 */
#include "harness.h"

#define ISC_NOALLOC (H_ISC_REQ & ~(ULONG)ISC_REQ_ALLOCATE_MEMORY)
#define ASC_NOALLOC (H_ASC_REQ & ~(ULONG)ASC_REQ_ALLOCATE_MEMORY)

/* ISC first call with a caller buffer of `cap` bytes (pointer `mem`, may be NULL). */
static SECURITY_STATUS isc_first(CredHandle *cred, CtxtHandle *ctx, void *mem, ULONG cap, SecBuffer *out, ULONG *attr)
{
    out->cbBuffer = cap;
    out->BufferType = SECBUFFER_TOKEN;
    out->pvBuffer = mem;
    SecBufferDesc od = {SECBUFFER_VERSION, 1, out};
    return InitializeSecurityContextA(cred, NULL, H_TARGET, ISC_NOALLOC, 0, 0, NULL, 0, ctx, &od, attr, NULL);
}

static void test_caller_buffers_full_handshake(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    p.creq = ISC_NOALLOC;
    p.sreq = ASC_NOALLOC;

    /* explicit first call: the token is written into our memory and the pointer is kept */
    static uint8_t mem[16384];
    memset(mem, 0xEE, sizeof mem);
    SecBuffer out;
    ULONG attr = 0;
    p.cctx = H_SENTINEL;
    SECURITY_STATUS st = isc_first(&p.ccred, &p.cctx, mem, sizeof mem, &out, &attr);
    REQUIRE_STATUS(st, SEC_I_CONTINUE_NEEDED);
    p.have_cctx = !h_is_sentinel(&p.cctx);
    CHECK(p.have_cctx);
    CHECK(out.pvBuffer == mem);
    CHECK_EQ(out.BufferType, SECBUFFER_TOKEN);
    CHECK(out.cbBuffer > 5 && out.cbBuffer < sizeof mem);
    CHECK_EQ(mem[0], 0x16);
    CHECK_EQ(h_count_records(mem, out.cbBuffer, 22), 1);
    CHECK_EQ(attr & ISC_RET_ALLOCATED_MEMORY, 0);

    /* the rest of the handshake, still with caller buffers on both sides */
    hbuf to_s = {0}, to_c = {0};
    hbuf_put(&to_s, mem, out.cbBuffer);
    h_step r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 16384);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ(r.attr & ASC_RET_ALLOCATED_MEMORY, 0);
    hbuf_drop_front(&to_s, to_s.len);
    r = h_call(&p, 0, to_c.p, to_c.len, 0, &to_s, 16384);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    hbuf_drop_front(&to_c, to_c.len);
    r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 16384);
    CHECK_STATUS(r.st, SEC_E_OK);
    CHECK_EQ(r.attr & ASC_RET_ALLOCATED_MEMORY, 0);
    r = h_call(&p, 0, to_c.p, to_c.len, 0, NULL, 16384);
    CHECK_STATUS(r.st, SEC_E_OK);
    CHECK_EQ(r.attr & ISC_RET_ALLOCATED_MEMORY, 0);
    CHECK_EQ(r.out_cb, 0); /* nothing to send after the server's Finished */
    if (r.st == SEC_E_OK) {
        const uint8_t msg[] = "caller buffers";
        h_roundtrip(&p.cctx, &p.sctx, msg, sizeof msg - 1, "client->server");
        h_roundtrip(&p.sctx, &p.cctx, msg, sizeof msg - 1, "server->client");
    }
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    h_pair_free(&p);
}

static void test_isc_zero_size_output(void)
{
    CredHandle cred;
    REQUIRE_STATUS(h_client_cred(&cred, 0), SEC_E_OK);
    uint8_t mem[64];
    SecBuffer out;
    CtxtHandle ctx = H_SENTINEL;
    ULONG attr = 0;
    /* {TOKEN, 0, NULL} */
    CHECK_STATUS(isc_first(&cred, &ctx, NULL, 0, &out, &attr), SEC_E_INSUFFICIENT_MEMORY);
    CHECK(h_is_sentinel(&ctx)); /* no context handle on a failed first call */
    if (!h_is_sentinel(&ctx))
        DeleteSecurityContext(&ctx);
    /* {TOKEN, 0, non-NULL} */
    ctx = H_SENTINEL;
    CHECK_STATUS(isc_first(&cred, &ctx, mem, 0, &out, &attr), SEC_E_INSUFFICIENT_MEMORY);
    CHECK(h_is_sentinel(&ctx));
    if (!h_is_sentinel(&ctx))
        DeleteSecurityContext(&ctx);
    CHECK_STATUS(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_isc_too_small_output(void)
{
    CredHandle cred;
    REQUIRE_STATUS(h_client_cred(&cred, 0), SEC_E_OK);
    uint8_t mem[10];
    memset(mem, 0xEE, sizeof mem);
    SecBuffer out;
    CtxtHandle ctx = H_SENTINEL;
    ULONG attr = 0;
    CHECK_STATUS(isc_first(&cred, &ctx, mem, sizeof mem, &out, &attr), SEC_E_INSUFFICIENT_MEMORY);
    CHECK(h_is_sentinel(&ctx));
    if (!h_is_sentinel(&ctx))
        DeleteSecurityContext(&ctx);
    /* nothing truncated into the caller's memory */
    int untouched = 1;
    for (size_t i = 0; i < sizeof mem; i++)
        untouched &= mem[i] == 0xEE;
    CHECK(untouched);
    /* one byte less than the real ClientHello is still too small */
    static uint8_t big[16384];
    ctx = H_SENTINEL;
    REQUIRE_STATUS(isc_first(&cred, &ctx, big, sizeof big, &out, &attr), SEC_I_CONTINUE_NEEDED);
    ULONG need = out.cbBuffer;
    CHECK_STATUS(DeleteSecurityContext(&ctx), SEC_E_OK);
    ctx = H_SENTINEL;
    CHECK_STATUS(isc_first(&cred, &ctx, big, need - 1, &out, &attr), SEC_E_INSUFFICIENT_MEMORY);
    CHECK(h_is_sentinel(&ctx));
    if (!h_is_sentinel(&ctx))
        DeleteSecurityContext(&ctx);
    ctx = H_SENTINEL;
    CHECK_STATUS(isc_first(&cred, &ctx, big, need, &out, &attr), SEC_I_CONTINUE_NEEDED);
    CHECK_EQ(out.cbBuffer, need);
    if (!h_is_sentinel(&ctx))
        CHECK_STATUS(DeleteSecurityContext(&ctx), SEC_E_OK);
    CHECK_STATUS(FreeCredentialsHandle(&cred), SEC_E_OK);
}

/* Server side: zero-size and too-small output buffers; a later attempt with room works. */
static void test_asc_small_output(void)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf ch = {0}, resp = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &ch, 0);
    REQUIRE_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    p.sreq = ASC_NOALLOC;

    /* zero-size buffer */
    r = h_call(&p, 1, ch.p, ch.len, 0, &resp, 0);
    CHECK_STATUS(r.st, SEC_E_INSUFFICIENT_MEMORY);
    CHECK_EQ(resp.len, 0);
    if (p.have_sctx) {
        CHECK_STATUS(DeleteSecurityContext(&p.sctx), SEC_E_OK);
        p.have_sctx = 0;
    }
    /* 10 bytes: far smaller than ServerHello+Certificate+ServerHelloDone */
    r = h_call(&p, 1, ch.p, ch.len, 0, &resp, 10);
    CHECK_STATUS(r.st, SEC_E_INSUFFICIENT_MEMORY);
    CHECK_EQ(resp.len, 0);
    if (p.have_sctx) {
        CHECK_STATUS(DeleteSecurityContext(&p.sctx), SEC_E_OK);
        p.have_sctx = 0;
    }
    /* a fresh server context with room answers the same ClientHello */
    r = h_call(&p, 1, ch.p, ch.len, 0, &resp, 16384);
    CHECK_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    CHECK(resp.len > 0);
    CHECK_EQ(h_count_records(resp.p, resp.len, 22) >= 1, 1);
    hbuf_free(&ch);
    hbuf_free(&resp);
    h_pair_free(&p);
}

/* Client continuation call (ClientKeyExchange..Finished) into a caller buffer of `cap` bytes. */
static void isc_continuation_small(size_t cap)
{
    h_pair p;
    if (!h_pair_init(&p, 0)) {
        h_pair_free(&p);
        return;
    }
    hbuf to_s = {0}, to_c = {0};
    h_step r = h_call(&p, 0, NULL, 0, 1, &to_s, 0);
    REQUIRE_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    r = h_call(&p, 1, to_s.p, to_s.len, 0, &to_c, 0);
    REQUIRE_STATUS(r.st, SEC_I_CONTINUE_NEEDED);
    hbuf_drop_front(&to_s, to_s.len);
    p.creq = ISC_NOALLOC;
    r = h_call(&p, 0, to_c.p, to_c.len, 0, &to_s, cap);
    CHECK_STATUS(r.st, SEC_E_INSUFFICIENT_MEMORY);
    CHECK_EQ(to_s.len, 0);
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    h_pair_free(&p);
}

static void test_isc_continuation_too_small(void)
{
    isc_continuation_small(16);
}

static void test_isc_continuation_zero_size(void)
{
    isc_continuation_small(0);
}

static void test_allocated_tokens_and_free_context_buffer(void)
{
    CredHandle cred;
    REQUIRE_STATUS(h_client_cred(&cred, 0), SEC_E_OK);
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &out};
    CtxtHandle ctx;
    ULONG attr = 0;
    REQUIRE_STATUS(InitializeSecurityContextA(&cred, NULL, H_TARGET, H_ISC_REQ, 0, 0, NULL, 0, &ctx, &od, &attr, NULL),
                   SEC_I_CONTINUE_NEEDED);
    CHECK(attr & ISC_RET_ALLOCATED_MEMORY);
    CHECK(out.pvBuffer != NULL && out.cbBuffer > 0);
    CHECK_EQ(out.BufferType, SECBUFFER_TOKEN);
    if (out.pvBuffer) {
        /* a pointer into the middle of the block is not ours to free */
        CHECK(FreeContextBuffer((uint8_t *)out.pvBuffer + 1) != SEC_E_OK);
        CHECK_STATUS(FreeContextBuffer(out.pvBuffer), SEC_E_OK);
        /* a second free of the same block is refused, not a double free */
        CHECK(FreeContextBuffer(out.pvBuffer) != SEC_E_OK);
    }
    CHECK_STATUS(DeleteSecurityContext(&ctx), SEC_E_OK);
    CHECK_STATUS(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_free_context_buffer_null_and_foreign(void)
{
    CHECK_STATUS(FreeContextBuffer(NULL), SEC_E_OK);
    int on_stack = 42;
    CHECK(FreeContextBuffer(&on_stack) != SEC_E_OK);
    CHECK_EQ(on_stack, 42);
    char *heap = malloc(32);
    REQUIRE(heap != NULL);
    strcpy(heap, "not the provider's");
    CHECK(FreeContextBuffer(heap) != SEC_E_OK);
    CHECK(strcmp(heap, "not the provider's") == 0);
    free(heap); /* still ours: a double free here would show under valgrind */
    static const char rodata[] = "static";
    CHECK(FreeContextBuffer((void *)rodata) != SEC_E_OK);
}

/* EncryptMessage into three separate allocations (not one block): the record is still
 * header || data || trailer, and the peer decrypts it. With splitting on (the default) the
 * bytes span two records across the three buffers. */
static void test_encrypt_into_separate_buffers(void)
{
    h_pair p;
    REQUIRE(h_pair_connect(&p, 0));
    SecPkgContext_StreamSizes sz;
    REQUIRE(h_sizes(&p.cctx, &sz));
    const char msg[] = "separate header, data and trailer buffers";
    size_t len = sizeof msg - 1;
    uint8_t *hdr = malloc(sz.cbHeader), *data = malloc(len), *trl = malloc(sz.cbTrailer);
    memcpy(data, msg, len);
    SecBuffer b[4] = {{sz.cbHeader, SECBUFFER_STREAM_HEADER, hdr}, {(ULONG)len, SECBUFFER_DATA, data},
                      {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, trl}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    CHECK_STATUS(EncryptMessage(&p.cctx, 0, &d, 0), SEC_E_OK);
    CHECK_EQ(b[0].cbBuffer, 5);
    CHECK_EQ(b[1].cbBuffer, len);
    CHECK(b[2].cbBuffer <= sz.cbTrailer);
    hbuf wire = {0}, plain = {0};
    hbuf_put(&wire, hdr, b[0].cbBuffer);
    hbuf_put(&wire, data, b[1].cbBuffer);
    hbuf_put(&wire, trl, b[2].cbBuffer);
    int nrec = 0;
    CHECK_STATUS(h_decrypt_all(&p.sctx, wire.p, wire.len, &plain, &nrec), SEC_E_OK);
    CHECK_EQ(nrec, 2); /* 1/n-1 split: TLS 1.0 CBC by default */
    CHECK(plain.len == len && memcmp(plain.p, msg, len) == 0);
    hbuf_free(&wire);
    hbuf_free(&plain);
    free(hdr);
    free(data);
    free(trl);
    h_pair_free(&p);
}

TEST_MAIN(test_encrypt_into_separate_buffers, test_caller_buffers_full_handshake, test_isc_zero_size_output, test_isc_too_small_output, test_asc_small_output,
          test_isc_continuation_too_small, test_isc_continuation_zero_size,
          test_allocated_tokens_and_free_context_buffer, test_free_context_buffer_null_and_foreign)
