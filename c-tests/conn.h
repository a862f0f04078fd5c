/*
 * conn.h: a thread-safe in-memory client/server pair for the multi-threaded tests (t_concurrency.c,
 * soak.c). The harness's CHECK counters are not thread-safe, so these helpers record the first
 * failure in a `struct failure` instead; the main thread checks it after pthread_join.
 */
#ifndef OPENSCHANNEL_CONN_H
#define OPENSCHANNEL_CONN_H

#include "harness.h"

/* ------------------------------------------------------------------------------------------ */
/* Thread-safe in-memory connection (no harness counters)                                      */
/* ------------------------------------------------------------------------------------------ */

struct conn {
    CredHandle *ccred, *scred;
    CtxtHandle cctx, sctx;
    int have_cctx, have_sctx;
};

/* What went wrong first in a thread, for the report. */
struct failure {
    char what[160];
    int set;
};

static inline void fail(struct failure *f, const char *what, SECURITY_STATUS st)
{
    if (f->set)
        return;
    f->set = 1;
    snprintf(f->what, sizeof f->what, "%s: %s (0x%08x)", what, OpenSchannelStatusName(st) ? OpenSchannelStatusName(st) : "?",
             (unsigned)st);
}

/* One ISC (client) or ASC (server) call with input [TOKEN, EMPTY] (in == NULL: no input) and
 * output [TOKEN] (ALLOCATE_MEMORY), appended to `out`. *extra gets the EXTRA count. */
static inline SECURITY_STATUS step(struct conn *c, int server, const hbuf *in, hbuf *out, ULONG *extra)
{
    SecBuffer ib[2] = {{in ? (ULONG)in->len : 0, SECBUFFER_TOKEN, in ? in->p : NULL}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr = 0;
    SECURITY_STATUS st;
    if (server) {
        st = AcceptSecurityContext(c->scred, c->have_sctx ? &c->sctx : NULL, &id, H_ASC_REQ, 0, &c->sctx, &od, &attr, NULL);
        if (!c->have_sctx && (c->sctx.dwLower || c->sctx.dwUpper))
            c->have_sctx = 1;
    } else {
        st = InitializeSecurityContextA(c->ccred, c->have_cctx ? &c->cctx : NULL, H_TARGET, H_ISC_REQ, 0, 0, in ? &id : NULL, 0,
                                        &c->cctx, &od, &attr, NULL);
        if (!c->have_cctx && (c->cctx.dwLower || c->cctx.dwUpper))
            c->have_cctx = 1;
    }
    *extra = ib[1].BufferType == SECBUFFER_EXTRA ? ib[1].cbBuffer : 0;
    if (ob.pvBuffer) {
        hbuf_put(out, ob.pvBuffer, ob.cbBuffer);
        FreeContextBuffer(ob.pvBuffer);
    }
    return st;
}

static inline void conn_close(struct conn *c)
{
    if (c->have_cctx)
        DeleteSecurityContext(&c->cctx);
    if (c->have_sctx)
        DeleteSecurityContext(&c->sctx);
    c->have_cctx = c->have_sctx = 0;
    memset(&c->cctx, 0, sizeof c->cctx);
    memset(&c->sctx, 0, sizeof c->sctx);
}

/* The client's first call, then ISC/ASC ping-pong until both sides return SEC_E_OK. With
 * `control` (e.g. SCHANNEL_RENEGOTIATE) the client's context first gets that control token: the
 * same loop then runs a renegotiation on an established pair. Returns 1 when both completed. */
static inline int handshake_from(struct conn *c, struct failure *f, const DWORD *control)
{
    hbuf to_s = {0}, to_c = {0};
    ULONG extra = 0;
    int cdone = 0, sdone = 0;
    SECURITY_STATUS st;
    if (control) {
        DWORD v = *control;
        SecBuffer b = {sizeof v, SECBUFFER_TOKEN, &v};
        SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
        st = ApplyControlToken(&c->cctx, &d);
        if (st != SEC_E_OK) {
            fail(f, "ApplyControlToken", st);
            goto out;
        }
    }
    st = step(c, 0, NULL, &to_s, &extra);
    if (st != SEC_I_CONTINUE_NEEDED) {
        fail(f, "first InitializeSecurityContextA", st);
        goto out;
    }
    for (int round = 0; round < 8 && !(cdone && sdone); round++) {
        int server = !sdone && to_s.len > 0;
        if (!server && (cdone || to_c.len == 0))
            break;
        hbuf *in = server ? &to_s : &to_c;
        st = step(c, server, in, server ? &to_c : &to_s, &extra);
        if ((st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) || extra != 0) {
            fail(f, server ? "AcceptSecurityContext" : "InitializeSecurityContextA", st);
            goto out;
        }
        hbuf_drop_front(in, in->len);
        if (st == SEC_E_OK)
            *(server ? &sdone : &cdone) = 1;
    }
    if (!(cdone && sdone) || to_s.len || to_c.len)
        fail(f, "handshake did not complete", SEC_E_INTERNAL_ERROR);
out:
    hbuf_free(&to_s);
    hbuf_free(&to_c);
    return cdone && sdone && !f->set;
}

/* A whole handshake, every token fed at once. Returns 1 when both sides reached SEC_E_OK. */
static inline int handshake(struct conn *c, struct failure *f)
{
    return handshake_from(c, f, NULL);
}

/* SECPKG_ATTR_SESSION_INFO dwFlags (SSL_SESSION_RECONNECT when resumed), or -1. */
static inline long session_flags(CtxtHandle *ctx)
{
    SecPkgContext_SessionInfo si;
    memset(&si, 0, sizeof si);
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_SESSION_INFO, &si) != SEC_E_OK)
        return -1;
    return (long)si.dwFlags;
}

/* EncryptMessage on `from` (one call; may be two records with 1/n-1 splitting), then
 * DecryptMessage on `to` across EXTRA until every byte is used. 1 when the text came back. */
static inline int roundtrip(CtxtHandle *from, CtxtHandle *to, const char *text, struct failure *f)
{
    SecPkgContext_StreamSizes sz;
    SECURITY_STATUS st = QueryContextAttributesA(from, SECPKG_ATTR_STREAM_SIZES, &sz);
    if (st != SEC_E_OK) {
        fail(f, "STREAM_SIZES", st);
        return 0;
    }
    size_t len = strlen(text);
    uint8_t *buf = malloc(sz.cbHeader + len + sz.cbTrailer);
    if (!buf) {
        fail(f, "malloc", SEC_E_INSUFFICIENT_MEMORY);
        return 0;
    }
    memcpy(buf + sz.cbHeader, text, len);
    SecBuffer eb[4] = {{sz.cbHeader, SECBUFFER_STREAM_HEADER, buf},
                       {(ULONG)len, SECBUFFER_DATA, buf + sz.cbHeader},
                       {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, buf + sz.cbHeader + len},
                       {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 4, eb};
    st = EncryptMessage(from, 0, &ed, 0);
    int ok = 0;
    if (st != SEC_E_OK) {
        fail(f, "EncryptMessage", st);
        goto out;
    }
    size_t left = (size_t)eb[0].cbBuffer + eb[1].cbBuffer + eb[2].cbBuffer;
    uint8_t *cur = buf;
    hbuf plain = {0};
    while (left > 0) {
        SecBuffer db[4] = {{(ULONG)left, SECBUFFER_DATA, cur}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}, {0, SECBUFFER_EMPTY, NULL}};
        SecBufferDesc dd = {SECBUFFER_VERSION, 4, db};
        st = DecryptMessage(to, &dd, 0, NULL);
        if (st != SEC_E_OK) {
            fail(f, "DecryptMessage", st);
            break;
        }
        size_t next = 0;
        for (int i = 0; i < 4; i++) {
            if (db[i].BufferType == SECBUFFER_DATA && db[i].cbBuffer)
                hbuf_put(&plain, db[i].pvBuffer, db[i].cbBuffer);
            if (db[i].BufferType == SECBUFFER_EXTRA)
                next = db[i].cbBuffer;
        }
        cur += left - next;
        left = next;
    }
    ok = !f->set && plain.len == len && memcmp(plain.p, text, len) == 0;
    if (!ok)
        fail(f, "plaintext did not round-trip", SEC_E_INTERNAL_ERROR);
    hbuf_free(&plain);
out:
    free(buf);
    return ok;
}

/* The client sees the server's certificate (a new CERT_CONTEXT each time, freed here). */
static inline int remote_cert(CtxtHandle *ctx, struct failure *f)
{
    PCCERT_CONTEXT cert = NULL;
    SECURITY_STATUS st = QueryContextAttributesA(ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&cert);
    if (st != SEC_E_OK || !cert || cert->cbCertEncoded == 0) {
        fail(f, "REMOTE_CERT_CONTEXT", st);
        return 0;
    }
    return CertFreeCertificateContext(cert) ? 1 : (fail(f, "CertFreeCertificateContext", SEC_E_INTERNAL_ERROR), 0);
}

#endif
