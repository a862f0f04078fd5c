/*
 * common.c: code shared by tls-client.c and tls-server.c; see common.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

volatile sig_atomic_t stop_requested;

/* recv_more() results other than a byte count. */
enum {
    RECV_EOF = 0,
    RECV_ERROR = -1,
    RECV_TIMEOUT = -2,
    RECV_FULL = -3,
    RECV_STOPPED = -4,
};

void print_status_error(SECURITY_STATUS status)
{
    const char *name = OpenSchannelStatusName(status);
    printf("error: %s (0x%08x)\n", name ? name : "UNKNOWN", (unsigned)status);
    fflush(stdout);
}

void print_error(const char *what)
{
    printf("error: %s\n", what);
    fflush(stdout);
}

PCCERT_CONTEXT load_certificate(const char *cert, const char *key, const char *chain)
{
    PCCERT_CONTEXT ctx = OpenSchannelLoadCertificateFiles(cert, key, chain);
    if (!ctx) {
        printf("error: cannot load certificate %s with key %s\n", cert, key);
        fflush(stdout);
    }
    return ctx;
}

static int send_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads more bytes into c->in. Returns >0 bytes read, or one of RECV_*. */
static ssize_t recv_more(struct tls_conn *c, int timeout_ms)
{
    if (c->used >= IO_BUFFER_SIZE)
        return RECV_FULL;
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    for (;;) {
        if (stop_requested)
            return RECV_STOPPED;
        int r = poll(&pfd, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return RECV_ERROR;
        if (r == 0)
            return RECV_TIMEOUT;
        break;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->used, IO_BUFFER_SIZE - c->used, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            c->used += (size_t)n;
        return n;
    }
}

static const char *handshake_recv_error(ssize_t n)
{
    switch (n) {
    case RECV_EOF:
        return "connection closed by peer during handshake";
    case RECV_TIMEOUT:
        return "timeout during handshake";
    case RECV_FULL:
        return "handshake message too large";
    case RECV_STOPPED:
        return "interrupted";
    default:
        return "recv failed";
    }
}

/* A token that is a plaintext alert record (15 03 xx 00 02 level desc) is what
 * a failing handshake call hands us to send; report its description. */
static void report_alert(const SecBuffer *tok)
{
    const unsigned char *b = tok->pvBuffer;
    if (b && tok->cbBuffer >= 7 && b[0] == 0x15 && b[1] == 0x03 && b[3] == 0x00 && b[4] == 0x02) {
        printf("alert: %u\n", (unsigned)b[6]);
        fflush(stdout);
    }
}

int flush_token(struct tls_conn *c, SecBuffer *tok)
{
    int rc = 0;
    if (tok->pvBuffer && tok->cbBuffer > 0)
        rc = send_all(c->fd, tok->pvBuffer, tok->cbBuffer);
    if (tok->pvBuffer)
        FreeContextBuffer(tok->pvBuffer);
    tok->pvBuffer = NULL;
    tok->cbBuffer = 0;
    return rc;
}

/* Keeps the unconsumed tail that Schannel reported in `extra` (an EXTRA
 * buffer counts bytes at the END of the input) and drops the rest. */
static void keep_extra(struct tls_conn *c, const SecBuffer *extra)
{
    if (extra && (extra->BufferType & ~SECBUFFER_ATTRMASK) == SECBUFFER_EXTRA && extra->cbBuffer > 0 &&
        extra->cbBuffer <= c->used) {
        memmove(c->in, c->in + (c->used - extra->cbBuffer), extra->cbBuffer);
        c->used = extra->cbBuffer;
    } else {
        c->used = 0;
    }
}

static int handle_is_set(const CtxtHandle *h)
{
    return h->dwLower != 0 || h->dwUpper != 0;
}

/* Whether a token starts with an alert record (content type 21). */
static int token_is_alert(const SecBuffer *tok)
{
    const unsigned char *b = tok->pvBuffer;
    return b && tok->cbBuffer >= 5 && b[0] == 0x15;
}

SECURITY_STATUS handshake_loop(struct tls_conn *c, int need_read, sspi_step_fn step, int retry_without_cert)
{
    int continued = 0; /* a call returned SEC_I_CONTINUE_NEEDED */
    c->declined = 0;
    for (;;) {
        if (need_read) {
            ssize_t n = recv_more(c, HANDSHAKE_TIMEOUT_MS);
            if (n <= 0) {
                print_error(handshake_recv_error(n));
                return SEC_E_INTERNAL_ERROR;
            }
        }

        SecBuffer in_bufs[3] = {
            {(ULONG)c->used, SECBUFFER_TOKEN, c->in},
            {0, SECBUFFER_EMPTY, NULL},
            {c->alpn_len, SECBUFFER_APPLICATION_PROTOCOLS, (void *)c->alpn},
        };
        /* The ALPN buffer goes third, after [TOKEN, EMPTY], while the
         * server's first handshake runs. */
        SecBufferDesc in_desc = {SECBUFFER_VERSION, (c->alpn && c->alpn_in_loop) ? 3 : 2, in_bufs};
        SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};

        SECURITY_STATUS st = step(c, &in_desc, &out_desc);

        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            /* Keep everything and read more. Whether an incomplete first
             * AcceptSecurityContext already creates the context differs
             * between providers (Windows' SDK sample reuses it; the ISC rule
             * is that none is written): use it only if written. */
            if (!c->have_ctx && handle_is_set(&c->ctx))
                c->have_ctx = 1;
            if (out_buf.pvBuffer)
                FreeContextBuffer(out_buf.pvBuffer);
            need_read = 1;
            continue;
        }
        if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
            c->have_ctx = 1;
            /* On an established context, SEC_E_OK without any
             * SEC_I_CONTINUE_NEEDED and an alert as the token: we declined
             * the peer's renegotiation request (no_renegotiation warning). */
            if (st == SEC_E_OK && !continued && token_is_alert(&out_buf))
                c->declined = 1;
            if (st == SEC_I_CONTINUE_NEEDED)
                continued = 1;
            if (flush_token(c, &out_buf) != 0) {
                print_error("send failed");
                return SEC_E_INTERNAL_ERROR;
            }
            keep_extra(c, &in_bufs[1]);
            if (st == SEC_E_OK)
                return SEC_E_OK;
            need_read = (c->used == 0);
            continue;
        }
        if (st == SEC_I_NO_RENEGOTIATION) {
            /* The peer declined the renegotiation we asked for (Windows'
             * status for a no_renegotiation answer); the connection goes on
             * with the keys it has. */
            c->declined = 2;
            if (flush_token(c, &out_buf) != 0) {
                print_error("send failed");
                return SEC_E_INTERNAL_ERROR;
            }
            keep_extra(c, &in_bufs[1]);
            return SEC_E_OK;
        }
        if (st == SEC_I_INCOMPLETE_CREDENTIALS && retry_without_cert) {
            /* The server asked for a certificate and the credential has
             * none: the same input again continues without one (a program
             * could pass a new credential with a certificate instead). */
            retry_without_cert = 0;
            c->continued_without_cert = 1;
            flush_token(c, &out_buf);
            need_read = 0;
            continue;
        }
        /* Failure: the alert for the peer, if any, is in the output token. */
        if (!c->have_ctx && handle_is_set(&c->ctx))
            c->have_ctx = 1;
        print_status_error(st);
        report_alert(&out_buf);
        flush_token(c, &out_buf);
        return st;
    }
}

static const char *protocol_name(DWORD proto)
{
    if (proto & (SP_PROT_TLS1_3_CLIENT | SP_PROT_TLS1_3_SERVER))
        return "TLSv1.3";
    if (proto & (SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_2_SERVER))
        return "TLSv1.2";
    if (proto & (SP_PROT_TLS1_1_CLIENT | SP_PROT_TLS1_1_SERVER))
        return "TLSv1.1";
    if (proto & (SP_PROT_TLS1_0_CLIENT | SP_PROT_TLS1_0_SERVER))
        return "TLSv1.0";
    if (proto & (SP_PROT_SSL3_CLIENT | SP_PROT_SSL3_SERVER))
        return "SSLv3";
    if (proto & (SP_PROT_SSL2_CLIENT | SP_PROT_SSL2_SERVER))
        return "SSLv2";
    return "unknown";
}

/* szCipherSuite is UTF-16; suite names are ASCII. */
static void wide_to_ascii(const WCHAR *w, size_t max, char *out, size_t out_len)
{
    size_t i;
    for (i = 0; i < max && i + 1 < out_len && w[i] != 0; i++)
        out[i] = (w[i] < 0x80) ? (char)w[i] : '?';
    out[i] = '\0';
}

int report_connection(struct tls_conn *c)
{
    SecPkgContext_ConnectionInfo ci;
    SecPkgContext_CipherInfo cip;
    char suite[65];

    memset(&ci, 0, sizeof ci);
    SECURITY_STATUS st = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_CONNECTION_INFO, &ci);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    printf("protocol: %s\n", protocol_name(ci.dwProtocol));
    fflush(stdout);

    memset(&cip, 0, sizeof cip);
    st = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_CIPHER_INFO, &cip);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    wide_to_ascii(cip.szCipherSuite, sizeof cip.szCipherSuite / sizeof cip.szCipherSuite[0], suite,
                  sizeof suite);
    printf("cipher: %s\n", suite);
    fflush(stdout);
    return 0;
}

int report_reused(struct tls_conn *c)
{
    SecPkgContext_SessionInfo si;
    memset(&si, 0, sizeof si);
    SECURITY_STATUS st = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_SESSION_INFO, &si);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    printf("reused: %s\n", (si.dwFlags & SSL_SESSION_RECONNECT) ? "yes" : "no");
    fflush(stdout);
    return 0;
}

int report_alpn(struct tls_conn *c)
{
    SecPkgContext_ApplicationProtocol ap;
    memset(&ap, 0, sizeof ap);
    SECURITY_STATUS st = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_APPLICATION_PROTOCOL, &ap);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    if (ap.ProtoNegoStatus == SecApplicationProtocolNegotiationStatus_Success &&
        ap.ProtoNegoExt == SecApplicationProtocolNegotiationExt_ALPN)
        printf("alpn: %.*s\n", (int)ap.ProtocolIdSize, (const char *)ap.ProtocolId);
    else
        printf("alpn: none\n");
    fflush(stdout);
    return 0;
}

unsigned char *build_alpn_buffer(const char *list, ULONG *len)
{
    const size_t lists_at = offsetof(SEC_APPLICATION_PROTOCOLS, ProtocolLists);
    const size_t names_at = offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList);
    size_t n = strlen(list);
    /* Each name takes its bytes plus one length byte, and there is one
     * name more than there are commas: at most n + 1 bytes of wire form. */
    if (n == 0 || n + 1 > 0xFFFF)
        return NULL;
    unsigned char *buf = calloc(1, lists_at + names_at + n + 1);
    if (!buf)
        return NULL;
    unsigned char *wire = buf + lists_at + names_at;
    size_t w = 0;
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t k = end ? (size_t)(end - p) : strlen(p);
        if (k == 0 || k > 255) {
            free(buf);
            return NULL;
        }
        wire[w++] = (unsigned char)k;
        memcpy(wire + w, p, k);
        w += k;
        if (!end)
            break;
        p = end + 1;
    }
    /* The fields are written as packed bytes at their offsets, as Windows
     * callers do. */
    ULONG lists_size = (ULONG)(names_at + w);
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ext = SecApplicationProtocolNegotiationExt_ALPN;
    USHORT list_size = (USHORT)w;
    memcpy(buf, &lists_size, sizeof lists_size);
    memcpy(buf + lists_at + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtoNegoExt), &ext, sizeof ext);
    memcpy(buf + lists_at + offsetof(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize), &list_size, sizeof list_size);
    *len = (ULONG)(lists_at + lists_size);
    return buf;
}

int setup_stream(struct tls_conn *c)
{
    SECURITY_STATUS st = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_STREAM_SIZES, &c->sizes);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    free(c->out);
    c->out = malloc((size_t)c->sizes.cbHeader + c->sizes.cbMaximumMessage + c->sizes.cbTrailer);
    if (!c->out) {
        print_error("out of memory");
        return -1;
    }
    return 0;
}

int send_encrypted(struct tls_conn *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        size_t n = len < c->sizes.cbMaximumMessage ? len : c->sizes.cbMaximumMessage;
        unsigned char *hdr = c->out;
        unsigned char *body = hdr + c->sizes.cbHeader;
        memcpy(body, p, n);
        SecBuffer bufs[4] = {
            {c->sizes.cbHeader, SECBUFFER_STREAM_HEADER, hdr},
            {(ULONG)n, SECBUFFER_DATA, body},
            {c->sizes.cbTrailer, SECBUFFER_STREAM_TRAILER, body + n},
            {0, SECBUFFER_EMPTY, NULL},
        };
        SecBufferDesc desc = {SECBUFFER_VERSION, 4, bufs};
        SECURITY_STATUS st = EncryptMessage(&c->ctx, 0, &desc, 0);
        if (st != SEC_E_OK) {
            print_status_error(st);
            return -1;
        }
        if (send_all(c->fd, hdr, (size_t)bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer) != 0) {
            print_error("send failed");
            return -1;
        }
        p += n;
        len -= n;
    }
    return 0;
}

static SecBuffer *find_buffer(SecBufferDesc *desc, ULONG type)
{
    for (ULONG i = 0; i < desc->cBuffers; i++)
        if ((desc->pBuffers[i].BufferType & ~SECBUFFER_ATTRMASK) == type)
            return &desc->pBuffers[i];
    return NULL;
}

static int inside_input(const struct tls_conn *c, const void *p)
{
    const unsigned char *b = p;
    return b >= c->in && b < c->in + IO_BUFFER_SIZE;
}

int renegotiate(struct tls_conn *c)
{
    /* The bytes at the front of c->in start the new handshake; read only
     * when there are none (we sent the hello ourselves). */
    if (handshake_loop(c, c->used == 0, c->step, c->is_client) != SEC_E_OK)
        return -1;
    printf("%s\n", c->declined == 2   ? "renegotiation declined by peer"
                   : c->declined ? "renegotiation declined"
                                 : "renegotiated");
    fflush(stdout);
    /* The new suite may need another trailer size. */
    return setup_stream(c);
}

int start_renegotiation(struct tls_conn *c)
{
    c->renegotiation_started = 1;
    DWORD type = SCHANNEL_RENEGOTIATE;
    SecBuffer ctl = {sizeof type, SECBUFFER_TOKEN, &type};
    SecBufferDesc ctl_desc = {SECBUFFER_VERSION, 1, &ctl};
    SECURITY_STATUS st = ApplyControlToken(&c->ctx, &ctl_desc);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    st = c->step(c, NULL, &out_desc);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        /* Our policy does not allow it with this peer (e.g. no RFC 5746):
         * nothing was sent and the connection goes on. */
        const char *name = OpenSchannelStatusName(st);
        printf("renegotiation declined: %s (0x%08x)\n", name ? name : "UNKNOWN", (unsigned)st);
        fflush(stdout);
        if (out_buf.pvBuffer)
            FreeContextBuffer(out_buf.pvBuffer);
        return 0;
    }
    if (flush_token(c, &out_buf) != 0) {
        print_error("send failed");
        return -1;
    }
    /* Server: the HelloRequest is out; the client's hello will arrive as
     * SEC_I_RENEGOTIATE in the DecryptMessage loop. */
    if (st == SEC_E_OK)
        return 0;
    /* Client: the ClientHello is out; go on with the handshake loop. */
    return renegotiate(c);
}

int decrypt_loop(struct tls_conn *c, int timeout_ms, const char *timeout_error, data_fn on_data)
{
    /* drain: call DecryptMessage before reading more, even with c->used == 0,
     * because the context may hold application data that arrived during a
     * renegotiation handshake. */
    int drain = 0;
    int need_read = (c->used == 0);
    for (;;) {
        if (need_read) {
            ssize_t n = recv_more(c, timeout_ms);
            if (n == RECV_EOF || (n == RECV_TIMEOUT && !timeout_error))
                return 0; /* the peer closed the TCP connection, or silence */
            if (n < 0) {
                print_error(n == RECV_TIMEOUT   ? timeout_error
                            : n == RECV_FULL    ? "record too large"
                            : n == RECV_STOPPED ? "interrupted"
                                                : "recv failed");
                return -1;
            }
        }
        SecBuffer bufs[4] = {
            {(ULONG)c->used, SECBUFFER_DATA, c->in},
            {0, SECBUFFER_EMPTY, NULL},
            {0, SECBUFFER_EMPTY, NULL},
            {0, SECBUFFER_EMPTY, NULL},
        };
        SecBufferDesc desc = {SECBUFFER_VERSION, 4, bufs};
        SECURITY_STATUS st = DecryptMessage(&c->ctx, &desc, 0, NULL);
        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            drain = 0;
            need_read = 1;
            continue;
        }
        if (st == SEC_I_CONTEXT_EXPIRED)
            return 0; /* close_notify */
        if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE) {
            print_status_error(st);
            return -1;
        }
        /* Plaintext is used before keep_extra() moves bytes over it. Empty
         * records (OpenSSL's CBC countermeasure) are skipped. */
        SecBuffer *data = find_buffer(&desc, SECBUFFER_DATA);
        if (data && data->pvBuffer && data->cbBuffer > 0) {
            c->data_records++;
            /* Queued data comes from the context's memory and leaves all of
             * our bytes as EXTRA; there may be more queued after it. */
            if (!inside_input(c, data->pvBuffer))
                drain = 1;
            if (on_data(c, data->pvBuffer, data->cbBuffer) != 0)
                return -1;
        }
        keep_extra(c, find_buffer(&desc, SECBUFFER_EXTRA));
        if (st == SEC_I_RENEGOTIATE) {
            /* The peer started a new handshake; its bytes are now at the
             * front of c->in and go through the handshake loop again, same
             * context. What follows it is decrypted afterwards. */
            if (renegotiate(c) != 0)
                return -1;
            drain = 1;
        } else if (c->renegotiate_after >= 0 && !c->renegotiation_started &&
                   c->data_records >= (unsigned long)c->renegotiate_after) {
            if (start_renegotiation(c) != 0)
                return -1;
            drain = 1;
        }
        need_read = (c->used == 0 && !drain);
    }
}

void send_close_notify(struct tls_conn *c, sspi_step_fn step)
{
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer ctl = {sizeof type, SECBUFFER_TOKEN, &type};
    SecBufferDesc ctl_desc = {SECBUFFER_VERSION, 1, &ctl};
    SECURITY_STATUS st = ApplyControlToken(&c->ctx, &ctl_desc);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return;
    }
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    st = step(c, NULL, &out_desc);
    if (st != SEC_E_OK)
        print_status_error(st);
    flush_token(c, &out_buf);
}

static int parse_protocol(const char *name, int server, DWORD *bits)
{
    static const struct {
        const char *name;
        DWORD client_bit;
        DWORD server_bit;
    } table[] = {
        {"ssl2", SP_PROT_SSL2_CLIENT, SP_PROT_SSL2_SERVER},
        {"ssl3", SP_PROT_SSL3_CLIENT, SP_PROT_SSL3_SERVER},
        {"tls1.0", SP_PROT_TLS1_0_CLIENT, SP_PROT_TLS1_0_SERVER},
        {"tls1.1", SP_PROT_TLS1_1_CLIENT, SP_PROT_TLS1_1_SERVER},
        {"tls1.2", SP_PROT_TLS1_2_CLIENT, SP_PROT_TLS1_2_SERVER},
        {"tls1.3", SP_PROT_TLS1_3_CLIENT, SP_PROT_TLS1_3_SERVER},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(name, table[i].name) == 0) {
            *bits |= server ? table[i].server_bit : table[i].client_bit;
            return 0;
        }
    }
    return -1;
}

static const struct option_def *find_option(const struct option_def *defs, size_t n_defs, const char *name)
{
    for (size_t i = 0; i < n_defs; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

int parse_argv(const char *prog, int server, void (*usage)(void), const struct option_def *defs, size_t n_defs,
               int argc, char **argv, struct tls_options *tls)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        const struct option_def *def = find_option(defs, n_defs, a);
        if (def && def->flag) {
            *def->flag = 1;
            continue;
        }
        if (strcmp(a, "--no-record-split") == 0) {
            tls->no_record_split = 1;
            continue;
        }
        if (strcmp(a, "--refuse-renegotiation") == 0) {
            tls->refuse_renegotiation = 1;
            continue;
        }
        if (strcmp(a, "--allow-insecure-renegotiation") == 0) {
            tls->allow_insecure_renegotiation = 1;
            continue;
        }
        if (strcmp(a, "--ignore-no-revocation-check") == 0) {
            tls->revocation_flags |= SCH_CRED_IGNORE_NO_REVOCATION_CHECK;
            continue;
        }
        if (strcmp(a, "--ignore-revocation-offline") == 0) {
            tls->revocation_flags |= SCH_CRED_IGNORE_REVOCATION_OFFLINE;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            exit(0);
        }
        if (!v) {
            fprintf(stderr, "%s: %s needs a value or is unknown\n", prog, a);
            return -1;
        }
        i++;
        if (def) {
            *def->value = v;
        } else if (strcmp(a, "--protocol") == 0) {
            if (parse_protocol(v, server, &tls->protocols) != 0) {
                fprintf(stderr, "%s: unknown protocol %s\n", prog, v);
                return -1;
            }
        } else if (strcmp(a, "--min-strength") == 0 || strcmp(a, "--max-strength") == 0) {
            long bits = parse_count(v);
            if (bits < 0) {
                fprintf(stderr, "%s: %s takes a number of bits\n", prog, a);
                return -1;
            }
            if (strcmp(a, "--min-strength") == 0)
                tls->min_strength = (DWORD)bits;
            else
                tls->max_strength = (DWORD)bits;
        } else if (strcmp(a, "--alpn") == 0) {
            free(tls->alpn);
            tls->alpn = build_alpn_buffer(v, &tls->alpn_len);
            if (!tls->alpn) {
                fprintf(stderr, "%s: bad --alpn list %s (comma-separated names of 1..255 bytes)\n", prog, v);
                return -1;
            }
        } else if (strcmp(a, "--crl") == 0) {
            if (tls->n_crls == MAX_CRLS) {
                fprintf(stderr, "%s: too many --crl options\n", prog);
                return -1;
            }
            tls->crls[tls->n_crls++] = v;
        } else if (strcmp(a, "--revocation") == 0) {
            DWORD mode = strcmp(v, "end") == 0                  ? SCH_CRED_REVOCATION_CHECK_END_CERT
                         : strcmp(v, "chain") == 0              ? SCH_CRED_REVOCATION_CHECK_CHAIN
                         : strcmp(v, "chain-exclude-root") == 0 ? SCH_CRED_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT
                                                                : 0;
            if (mode == 0) {
                fprintf(stderr, "%s: --revocation takes end, chain or chain-exclude-root\n", prog);
                return -1;
            }
            tls->revocation_flags |= mode;
        } else if (strcmp(a, "--cipher") == 0) {
            /* An IANA suite name, or an SSL 2.0 cipher kind (SSL_CK_...). */
            uint16_t id = OpenSchannelCipherSuiteFromName(v);
            uint32_t kind = id ? 0 : OpenSchannelSsl2CipherKindFromName(v);
            if (id == 0 && kind == 0) {
                printf("error: unknown cipher %s\n", v);
                fflush(stdout);
                exit(2);
            }
            if (tls->n_ciphers == MAX_CIPHERS || tls->n_ssl2_kinds == MAX_CIPHERS) {
                fprintf(stderr, "%s: too many --cipher options\n", prog);
                return -1;
            }
            if (id)
                tls->ciphers[tls->n_ciphers++] = id;
            else
                tls->ssl2_kinds[tls->n_ssl2_kinds++] = kind;
        } else {
            fprintf(stderr, "%s: unknown option %s\n", prog, a);
            return -1;
        }
    }
    if (tls->refuse_renegotiation && tls->allow_insecure_renegotiation) {
        fprintf(stderr, "%s: --refuse-renegotiation and --allow-insecure-renegotiation exclude each other\n", prog);
        return -1;
    }
    return 0;
}

long parse_count(const char *text)
{
    char *end;
    if (!text || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || errno != 0 || v > 1000000)
        return -1;
    return v;
}

int acquire_credentials(ULONG use, SCHANNEL_CRED *sc, const struct tls_options *tls, CredHandle *cred)
{
    TimeStamp expiry;
    sc->dwFlags |= tls->revocation_flags;
    sc->dwMinimumCipherStrength = tls->min_strength;
    sc->dwMaximumCipherStrength = tls->max_strength;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, use, NULL, sc, NULL, NULL, cred, &expiry);
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    if (tls->n_ciphers > 0)
        st = OpenSchannelSetCipherSuites(cred, tls->ciphers, tls->n_ciphers);
    if (st == SEC_E_OK && tls->n_ssl2_kinds > 0)
        st = OpenSchannelSetSsl2CipherKinds(cred, tls->ssl2_kinds, tls->n_ssl2_kinds);
    if (st == SEC_E_OK && tls->no_record_split)
        st = OpenSchannelSetRecordSplitting(cred, 0);
    if (st == SEC_E_OK && tls->refuse_renegotiation)
        st = OpenSchannelSetRenegotiation(cred, OPENSCHANNEL_RENEGOTIATION_REFUSE);
    if (st == SEC_E_OK && tls->allow_insecure_renegotiation)
        st = OpenSchannelSetRenegotiation(cred, OPENSCHANNEL_RENEGOTIATION_ALLOW_INSECURE);
    if (st != SEC_E_OK) {
        print_status_error(st);
        FreeCredentialsHandle(cred);
        return -1;
    }
    /* CRLs for the revocation checks the flags ask for (a file of one or
     * more CRLs, or a directory of them). */
    for (unsigned i = 0; i < tls->n_crls; i++) {
        if (OpenSchannelAddCrlFile(cred, tls->crls[i]) != SEC_E_OK) {
            printf("error: cannot load CRL %s\n", tls->crls[i]);
            fflush(stdout);
            FreeCredentialsHandle(cred);
            return -1;
        }
    }
    return 0;
}
