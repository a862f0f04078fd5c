/*
 * t_alpn.c: ALPN (RFC 7301) through the SSPI surface, client and server in-process.
 *
 * The lists go in as a SEC_APPLICATION_PROTOCOLS structure in a SECBUFFER_APPLICATION_PROTOCOLS
 * input buffer: the client's on its first InitializeSecurityContext call (curl's layout: that
 * buffer alone), the server's beside [TOKEN, EMPTY] on its first AcceptSecurityContext call.
 * The result is read with QueryContextAttributes(SECPKG_ATTR_APPLICATION_PROTOCOL) on both
 * sides: agreement, the server's preference order, no overlap (SEC_E_APPLICATION_PROTOCOL_MISMATCH
 * on the server, its no_application_protocol alert seen by the client), lists on one side
 * only, NPN lists ignored, malformed buffers refused with SEC_E_INVALID_TOKEN and no context.
 */
#include "harness.h"

/* ALPN is tested with the library's default protocols (TLS 1.2 down to 1.0), not the TLS 1.0
 * the older harness tests pin. */
__attribute__((constructor)) static void use_default_protocols(void)
{
    h_server_protocols = 0;
    h_client_protocols = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Building SEC_APPLICATION_PROTOCOLS                                                          */
/* ------------------------------------------------------------------------------------------ */

#define LISTS_AT offsetof(SEC_APPLICATION_PROTOCOLS, ProtocolLists)
#define NAMES_AT offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList)

typedef struct {
    uint8_t b[1024];
    size_t len; /* bytes written; ProtocolListsSize is kept = len - LISTS_AT */
} alpn_blob;

static void blob_init(alpn_blob *a)
{
    memset(a, 0, sizeof *a);
    a->len = LISTS_AT;
}

/* Appends one SEC_APPLICATION_PROTOCOL_LIST with `ext` and the names of `csv` ("h2,http/1.1"),
 * packed the way callers write it (fields at offsets 0, 4, 6 of the list). */
static void blob_add(alpn_blob *a, SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ext, const char *csv)
{
    uint8_t *list = a->b + a->len;
    uint8_t *wire = list + NAMES_AT;
    size_t w = 0;
    for (const char *p = csv; *p;) {
        const char *end = strchr(p, ',');
        size_t k = end ? (size_t)(end - p) : strlen(p);
        wire[w++] = (uint8_t)k;
        memcpy(wire + w, p, k);
        w += k;
        p = end ? end + 1 : p + k;
    }
    USHORT size = (USHORT)w;
    memcpy(list + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtoNegoExt), &ext, sizeof ext);
    memcpy(list + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize), &size, sizeof size);
    a->len += NAMES_AT + w;
    ULONG lists = (ULONG)(a->len - LISTS_AT);
    memcpy(a->b, &lists, sizeof lists);
}

/* One ALPN list. */
static alpn_blob alpn(const char *csv)
{
    alpn_blob a;
    blob_init(&a);
    blob_add(&a, SecApplicationProtocolNegotiationExt_ALPN, csv);
    return a;
}

/* ------------------------------------------------------------------------------------------ */
/* Calls with an ALPN buffer                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* The client's first call: input = [APPLICATION_PROTOCOLS] (or none when a == NULL). The
 * ClientHello is appended to `out`. */
static SECURITY_STATUS isc_first(h_pair *p, const alpn_blob *a, ULONG type_bits, hbuf *out)
{
    SecBuffer ib[1] = {{a ? (ULONG)a->len : 0, SECBUFFER_APPLICATION_PROTOCOLS | type_bits, a ? (void *)a->b : NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, ib};
    SecBuffer ob[1] = {{0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    ULONG attr = 0;
    p->cctx = H_SENTINEL;
    SECURITY_STATUS st = InitializeSecurityContextA(&p->ccred, NULL, H_TARGET, p->creq, 0, 0, a ? &id : NULL, 0, &p->cctx, &od,
                                                    &attr, NULL);
    if (!h_is_sentinel(&p->cctx))
        p->have_cctx = 1;
    if (ob[0].pvBuffer) {
        hbuf_put(out, ob[0].pvBuffer, ob[0].cbBuffer);
        CHECK_STATUS(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK);
    }
    return st;
}

/* One later call on either side with input [TOKEN, EMPTY] (+ [APPLICATION_PROTOCOLS] for a
 * server when a != NULL). The token produced is appended to `out`; after progress the consumed
 * input is dropped from `in` (EXTRA bytes stay), after a failure `in` is left alone. */
static SECURITY_STATUS step(h_pair *p, int server, hbuf *in, const alpn_blob *a, hbuf *out)
{
    SecBuffer ib[3] = {{(ULONG)in->len, SECBUFFER_TOKEN, in->p},
                       {0, SECBUFFER_EMPTY, NULL},
                       {a ? (ULONG)a->len : 0, SECBUFFER_APPLICATION_PROTOCOLS, a ? (void *)a->b : NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, a ? 3 : 2, ib};
    SecBuffer ob[1] = {{0, SECBUFFER_TOKEN, NULL}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, ob};
    ULONG attr = 0;
    SECURITY_STATUS st;
    if (server) {
        if (!p->have_sctx)
            p->sctx = H_SENTINEL;
        st = AcceptSecurityContext(&p->scred, p->have_sctx ? &p->sctx : NULL, &id, p->sreq, 0, &p->sctx, &od, &attr, NULL);
        if (!p->have_sctx && !h_is_sentinel(&p->sctx))
            p->have_sctx = 1;
    } else {
        st = InitializeSecurityContextA(&p->ccred, &p->cctx, H_TARGET, p->creq, 0, 0, &id, 0, NULL, &od, &attr, NULL);
    }
    if (ob[0].pvBuffer) {
        hbuf_put(out, ob[0].pvBuffer, ob[0].cbBuffer);
        CHECK_STATUS(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK);
    }
    if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
        size_t extra = ib[1].BufferType == SECBUFFER_EXTRA ? ib[1].cbBuffer : 0;
        hbuf_drop_front(in, in->len - extra);
    }
    return st;
}

/*
 * A whole handshake: client list `ca`, server list `sa` (NULL: no buffer). The server's list
 * goes with its first call only. Stops at the first failure; a failing server's token (its
 * alert) is still fed to the client. Final statuses in *cst / *sst.
 */
static void handshake(h_pair *p, const alpn_blob *ca, const alpn_blob *sa, SECURITY_STATUS *cst, SECURITY_STATUS *sst)
{
    hbuf to_s = {0}, to_c = {0};
    *sst = SEC_I_CONTINUE_NEEDED;
    *cst = isc_first(p, ca, 0, &to_s);
    int first_server_call = 1;
    for (int round = 0; round < 12 && *cst == SEC_I_CONTINUE_NEEDED; round++) {
        if (to_s.len && *sst == SEC_I_CONTINUE_NEEDED) {
            *sst = step(p, 1, &to_s, first_server_call ? sa : NULL, &to_c);
            first_server_call = 0;
        }
        if (to_c.len)
            *cst = step(p, 0, &to_c, NULL, &to_s);
        else if (*sst != SEC_I_CONTINUE_NEEDED)
            break;
    }
    if (*cst == SEC_E_OK && *sst == SEC_I_CONTINUE_NEEDED && to_s.len)
        *sst = step(p, 1, &to_s, NULL, &to_c);
    hbuf_free(&to_s);
    hbuf_free(&to_c);
}

/* SECPKG_ATTR_APPLICATION_PROTOCOL of ctx is `want` (NULL: status None, ext None). */
static void check_protocol(CtxtHandle *ctx, const char *want)
{
    SecPkgContext_ApplicationProtocol ap;
    memset(&ap, 0xA5, sizeof ap);
    REQUIRE_STATUS(QueryContextAttributesA(ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &ap), SEC_E_OK);
    if (!want) {
        CHECK_EQ(ap.ProtoNegoStatus, SecApplicationProtocolNegotiationStatus_None);
        CHECK_EQ(ap.ProtoNegoExt, SecApplicationProtocolNegotiationExt_None);
        CHECK_EQ(ap.ProtocolIdSize, 0);
        return;
    }
    CHECK_EQ(ap.ProtoNegoStatus, SecApplicationProtocolNegotiationStatus_Success);
    CHECK_EQ(ap.ProtoNegoExt, SecApplicationProtocolNegotiationExt_ALPN);
    CHECK_EQ(ap.ProtocolIdSize, strlen(want));
    CHECK(memcmp(ap.ProtocolId, want, strlen(want)) == 0);
}

/* Application data still flows after the ALPN handshake: EncryptMessage on `from`, then
 * DecryptMessage on `to` gives the same bytes back (only the plaintext is checked here;
 * t_loopback.c checks the record layout). */
static void roundtrip(CtxtHandle *from, CtxtHandle *to, const char *msg)
{
    SecPkgContext_StreamSizes sz;
    if (!h_sizes(from, &sz))
        return;
    size_t len = strlen(msg);
    uint8_t *buf = calloc(1, sz.cbHeader + len + sz.cbTrailer);
    REQUIRE(buf != NULL);
    memcpy(buf + sz.cbHeader, msg, len);
    SecBuffer b[4] = {{sz.cbHeader, SECBUFFER_STREAM_HEADER, buf},
                      {(ULONG)len, SECBUFFER_DATA, buf + sz.cbHeader},
                      {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, buf + sz.cbHeader + len},
                      {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    if (h_check_status(EncryptMessage(from, 0, &d, 0), SEC_E_OK, __FILE__, __LINE__, "EncryptMessage")) {
        ULONG total = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
        SecBuffer r[4] = {{total, SECBUFFER_DATA, buf}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
        SecBufferDesc rd = {SECBUFFER_VERSION, 4, r};
        CHECK_STATUS(DecryptMessage(to, &rd, 0, NULL), SEC_E_OK);
        const SecBuffer *data = NULL;
        for (int i = 0; i < 4; i++)
            if (r[i].BufferType == SECBUFFER_DATA)
                data = &r[i];
        CHECK(data && data->cbBuffer == len && memcmp(data->pvBuffer, msg, len) == 0);
    }
    free(buf);
}

/* Both sides agree on `want` (NULL: nothing negotiated, the handshake still succeeds). */
static void expect_negotiated(const alpn_blob *ca, const alpn_blob *sa, const char *want)
{
    h_pair p;
    SECURITY_STATUS cst, sst;
    if (!h_pair_init(&p, 0))
        goto out;
    handshake(&p, ca, sa, &cst, &sst);
    CHECK_STATUS(cst, SEC_E_OK);
    CHECK_STATUS(sst, SEC_E_OK);
    if (cst == SEC_E_OK && sst == SEC_E_OK) {
        check_protocol(&p.cctx, want);
        check_protocol(&p.sctx, want);
        roundtrip(&p.cctx, &p.sctx, "client to server after ALPN");
        roundtrip(&p.sctx, &p.cctx, "server to client after ALPN");
    }
out:
    h_pair_free(&p);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void test_match(void)
{
    alpn_blob c = alpn("h2,http/1.1"), s = alpn("h2,http/1.1");
    expect_negotiated(&c, &s, "h2");
}

/* The server's order decides (RFC 7301 §3.2: the server selects). */
static void test_server_preference(void)
{
    alpn_blob c = alpn("h2,http/1.1"), s = alpn("http/1.1,h2");
    expect_negotiated(&c, &s, "http/1.1");
    alpn_blob c2 = alpn("spdy/1,x-a,acme-tls/1"), s2 = alpn("zz,acme-tls/1");
    expect_negotiated(&c2, &s2, "acme-tls/1");
}

/* A 255-byte name fills ProtocolId exactly. */
static void test_longest_name(void)
{
    char name[256];
    memset(name, 'n', 255);
    name[255] = 0;
    alpn_blob c = alpn(name), s = alpn(name);
    expect_negotiated(&c, &s, name);
}

/* Only the client offers: the server ignores the extension, both report None. */
static void test_client_only(void)
{
    alpn_blob c = alpn("h2");
    expect_negotiated(&c, NULL, NULL);
}

/* Only the server has a list: nothing to choose from, no failure. */
static void test_server_only(void)
{
    alpn_blob s = alpn("h2");
    expect_negotiated(NULL, &s, NULL);
}

static void test_neither(void)
{
    expect_negotiated(NULL, NULL, NULL);
}

/* NPN lists are skipped; an ALPN list after one is used. NPN alone offers nothing. */
static void test_npn_lists_ignored(void)
{
    alpn_blob c;
    blob_init(&c);
    blob_add(&c, SecApplicationProtocolNegotiationExt_NPN, "spdy/3");
    blob_add(&c, SecApplicationProtocolNegotiationExt_ALPN, "h2");
    alpn_blob s;
    blob_init(&s);
    blob_add(&s, SecApplicationProtocolNegotiationExt_NPN, "h2");
    blob_add(&s, SecApplicationProtocolNegotiationExt_ALPN, "http/1.1,h2");
    expect_negotiated(&c, &s, "h2");

    alpn_blob npn_only;
    blob_init(&npn_only);
    blob_add(&npn_only, SecApplicationProtocolNegotiationExt_NPN, "h2");
    alpn_blob s2 = alpn("h2");
    expect_negotiated(&npn_only, &s2, NULL);
}

/* No overlap: the server fails with SEC_E_APPLICATION_PROTOCOL_MISMATCH and hands out a fatal
 * no_application_protocol (120) alert, which makes the client fail with the same status. */
static void test_no_overlap(void)
{
    h_pair p;
    hbuf to_s = {0}, to_c = {0}, none = {0};
    if (!h_pair_init(&p, 0))
        goto out;
    alpn_blob c = alpn("foo,bar"), s = alpn("h2,http/1.1");
    REQUIRE_STATUS(isc_first(&p, &c, 0, &to_s), SEC_I_CONTINUE_NEEDED);
    CHECK_STATUS(step(&p, 1, &to_s, &s, &to_c), SEC_E_APPLICATION_PROTOCOL_MISMATCH);
    /* The token is one plaintext alert record: 15 03 0x 00 02 02 78. */
    CHECK_EQ(to_c.len, 7);
    if (to_c.len == 7) {
        CHECK_EQ(to_c.p[0], 0x15);
        CHECK_EQ(to_c.p[1], 0x03);
        CHECK_EQ(to_c.p[5], 2);
        CHECK_EQ(to_c.p[6], 120);
    }
    CHECK_STATUS(step(&p, 0, &to_c, NULL, &none), SEC_E_APPLICATION_PROTOCOL_MISMATCH);
    CHECK_EQ(none.len, 0); /* no alert is answered with an alert */
    check_protocol(&p.cctx, NULL);
out:
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    hbuf_free(&none);
    h_pair_free(&p);
}

/* The server's list may come on a later call when the first one only had part of the
 * ClientHello (SEC_E_INCOMPLETE_MESSAGE creates the context but processes nothing). */
static void test_server_list_after_incomplete(void)
{
    h_pair p;
    hbuf hello = {0}, part = {0}, to_c = {0}, to_s = {0};
    if (!h_pair_init(&p, 0))
        goto out;
    alpn_blob c = alpn("h2"), s = alpn("h2");
    REQUIRE_STATUS(isc_first(&p, &c, 0, &hello), SEC_I_CONTINUE_NEEDED);
    REQUIRE(hello.len > 10);
    hbuf_put(&part, hello.p, 10);
    CHECK_STATUS(step(&p, 1, &part, NULL, &to_c), SEC_E_INCOMPLETE_MESSAGE);
    REQUIRE(p.have_sctx);
    CHECK_STATUS(step(&p, 1, &hello, &s, &to_c), SEC_I_CONTINUE_NEEDED);
    SECURITY_STATUS cst = step(&p, 0, &to_c, NULL, &to_s);
    CHECK_STATUS(cst, SEC_I_CONTINUE_NEEDED);
    CHECK_STATUS(step(&p, 1, &to_s, NULL, &to_c), SEC_E_OK);
    CHECK_STATUS(step(&p, 0, &to_c, NULL, &to_s), SEC_E_OK);
    check_protocol(&p.cctx, "h2");
    check_protocol(&p.sctx, "h2");
out:
    hbuf_free(&hello);
    hbuf_free(&part);
    hbuf_free(&to_c);
    hbuf_free(&to_s);
    h_pair_free(&p);
}

/* Before the handshake gets there, the attribute answers None (not an error). */
static void test_query_before_negotiation(void)
{
    h_pair p;
    hbuf to_s = {0};
    if (!h_pair_init(&p, 0))
        goto out;
    alpn_blob c = alpn("h2");
    REQUIRE_STATUS(isc_first(&p, &c, 0, &to_s), SEC_I_CONTINUE_NEEDED);
    check_protocol(&p.cctx, NULL);
    SecPkgContext_ApplicationProtocol ap;
    CHECK_STATUS(QueryContextAttributesW(&p.cctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &ap), SEC_E_OK);
    CHECK_STATUS(QueryContextAttributesA(&p.cctx, SECPKG_ATTR_APPLICATION_PROTOCOL, NULL), SEC_E_INTERNAL_ERROR);
out:
    hbuf_free(&to_s);
    h_pair_free(&p);
}

/* Attribute bits on the buffer type (SECBUFFER_READONLY) are masked off. */
static void test_readonly_buffer(void)
{
    h_pair p;
    hbuf to_s = {0};
    if (!h_pair_init(&p, 0))
        goto out;
    alpn_blob c = alpn("h2");
    CHECK_STATUS(isc_first(&p, &c, SECBUFFER_READONLY, &to_s), SEC_I_CONTINUE_NEEDED);
    /* The ClientHello carries the ALPN extension (type 16) with "h2". */
    int found = 0;
    for (size_t i = 0; i + 9 <= to_s.len; i++)
        if (memcmp(to_s.p + i, "\x00\x10\x00\x05\x00\x03\x02h2", 9) == 0)
            found = 1;
    CHECK(found);
out:
    hbuf_free(&to_s);
    h_pair_free(&p);
}

/* Malformed buffers: SEC_E_INVALID_TOKEN, no context, nothing sent; never a crash. */
struct malformed {
    const char *what;
    alpn_blob blob;
};

static int make_malformed(struct malformed *m, int max)
{
    int n = 0;
    alpn_blob good = alpn("h2,http/1.1");
    ULONG u;
    USHORT us;
#define ADD(w) (m[n].what = (w), m[n].blob = good, &m[n++].blob)
    alpn_blob *b;
    b = ADD("shorter than ProtocolListsSize");
    b->len = 3;
    b = ADD("ProtocolListsSize past cbBuffer");
    u = (ULONG)b->len;
    memcpy(b->b, &u, sizeof u);
    b = ADD("ProtocolListsSize 0xFFFFFFFF");
    u = 0xFFFFFFFFu;
    memcpy(b->b, &u, sizeof u);
    b = ADD("ProtocolListSize past the lists");
    us = 0xFFFF;
    memcpy(b->b + LISTS_AT + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize), &us, sizeof us);
    b = ADD("name length past its list");
    b->b[LISTS_AT + NAMES_AT] = 200;
    b = ADD("zero-length name");
    b->b[LISTS_AT + NAMES_AT + 3] = 0;
    b = ADD("list header cut short");
    b->len += 3;
    u = (ULONG)(b->len - LISTS_AT);
    memcpy(b->b, &u, sizeof u);
    b = ADD("unknown ProtoNegoExt");
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ext = 7;
    memcpy(b->b + LISTS_AT, &ext, sizeof ext);
    b = ADD("empty ALPN list");
    blob_init(b);
    blob_add(b, SecApplicationProtocolNegotiationExt_ALPN, "");
#undef ADD
    (void)max;
    return n;
}

static void test_malformed_client_buffer(void)
{
    h_pair p;
    struct malformed m[16];
    int n = make_malformed(m, 16);
    if (!h_pair_init(&p, 0))
        goto out;
    for (int i = 0; i < n; i++) {
        hbuf out = {0};
        SECURITY_STATUS st = isc_first(&p, &m[i].blob, 0, &out);
        if (st != SEC_E_INVALID_TOKEN)
            fprintf(stderr, "  client buffer: %s\n", m[i].what);
        CHECK_STATUS(st, SEC_E_INVALID_TOKEN);
        CHECK(h_is_sentinel(&p.cctx)); /* no context handle written */
        CHECK_EQ(out.len, 0);
        if (p.have_cctx) {
            DeleteSecurityContext(&p.cctx);
            p.have_cctx = 0;
        }
        hbuf_free(&out);
    }
    /* A NULL pvBuffer with a size is refused the same way. */
    SecBuffer ib = {8, SECBUFFER_APPLICATION_PROTOCOLS, NULL};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle ctx = H_SENTINEL;
    ULONG attr;
    CHECK_STATUS(InitializeSecurityContextA(&p.ccred, NULL, H_TARGET, p.creq, 0, 0, &id, 0, &ctx, &od, &attr, NULL),
                 SEC_E_INVALID_TOKEN);
    CHECK(h_is_sentinel(&ctx));
    /* The credential is unharmed. */
    alpn_blob c = alpn("h2"), s = alpn("h2");
    SECURITY_STATUS cst, sst;
    handshake(&p, &c, &s, &cst, &sst);
    CHECK_STATUS(cst, SEC_E_OK);
    CHECK_STATUS(sst, SEC_E_OK);
    check_protocol(&p.cctx, "h2");
out:
    h_pair_free(&p);
}

static void test_malformed_server_buffer(void)
{
    h_pair p;
    struct malformed m[16];
    int n = make_malformed(m, 16);
    hbuf hello = {0}, to_c = {0};
    if (!h_pair_init(&p, 0))
        goto out;
    alpn_blob c = alpn("h2");
    REQUIRE_STATUS(isc_first(&p, &c, 0, &hello), SEC_I_CONTINUE_NEEDED);
    for (int i = 0; i < n; i++) {
        size_t before = hello.len;
        SECURITY_STATUS st = step(&p, 1, &hello, &m[i].blob, &to_c);
        if (st != SEC_E_INVALID_TOKEN)
            fprintf(stderr, "  server buffer: %s\n", m[i].what);
        CHECK_STATUS(st, SEC_E_INVALID_TOKEN);
        CHECK(!p.have_sctx); /* no context created */
        CHECK_EQ(to_c.len, 0);
        CHECK_EQ(hello.len, before);
        if (p.have_sctx) {
            DeleteSecurityContext(&p.sctx);
            p.have_sctx = 0;
        }
    }
    /* The same ClientHello with a good list goes through. */
    alpn_blob s = alpn("h2");
    CHECK_STATUS(step(&p, 1, &hello, &s, &to_c), SEC_I_CONTINUE_NEEDED);
out:
    hbuf_free(&hello);
    hbuf_free(&to_c);
    h_pair_free(&p);
}

TEST_MAIN(test_match, test_server_preference, test_longest_name, test_client_only, test_server_only, test_neither,
          test_npn_lists_ignored, test_no_overlap, test_server_list_after_incomplete, test_query_before_negotiation,
          test_readonly_buffer, test_malformed_client_buffer, test_malformed_server_buffer)
