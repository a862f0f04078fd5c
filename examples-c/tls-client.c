/*
 * tls-client: a TLS client written the way a Windows program drives Schannel
 * (InitializeSecurityContext loop, EncryptMessage / DecryptMessage with stream
 * buffers, close_notify through ApplyControlToken), built against
 * libopenschannel.
 *
 *   tls-client --host H --port P [--cafile F] [--insecure] [--servername NAME]
 *              [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...
 *              [--cipher IANA_NAME]... [--send TEXT]
 *
 * Output (stdout, one flushed line each): "protocol: TLSv1.0", "cipher:
 * TLS_RSA_WITH_AES_128_CBC_SHA", then whatever the server sends back, raw.
 * On failure: "error: SEC_E_NAME (0x%08x)" and, when the failing call produced
 * a plaintext alert record for the peer, "alert: N". Exit status: 0 success,
 * 1 failure, 2 bad command line.
 *
 * --send TEXT sends TEXT followed by a newline (line-oriented peers such as
 * `openssl s_server -rev` only answer complete lines).
 */
#define _POSIX_C_SOURCE 200809L

#include "openschannel.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define IO_BUFFER_SIZE (1u << 17)  /* room for a whole handshake flight */
#define HANDSHAKE_TIMEOUT_MS 10000 /* per read while handshaking */
#define SILENCE_TIMEOUT_MS 2000    /* stop reading after this much quiet */
#define MAX_CIPHERS 64

#define ISC_FLAGS                                                                     \
    (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |      \
     ISC_REQ_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM)

struct options {
    const char *host;
    const char *port;
    const char *cafile;
    const char *servername;
    const char *send_text;
    int insecure;
    DWORD protocols;
    uint16_t ciphers[MAX_CIPHERS];
    uint32_t n_ciphers;
};

/* One TLS connection: socket, SSPI handles, and the receive buffer whose first
 * `used` bytes are received but not yet consumed by Schannel. */
struct conn {
    int fd;
    CredHandle cred;
    CtxtHandle ctx;
    int have_ctx;
    char target[256];
    unsigned char *in;
    size_t used;
    SecPkgContext_StreamSizes sizes;
    unsigned char *out;
};

static void usage(void)
{
    fprintf(stderr,
            "usage: tls-client --host H --port P [--cafile F] [--insecure] [--servername NAME]\n"
            "                  [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...\n"
            "                  [--cipher IANA_NAME]... [--send TEXT]\n");
}

static void print_status_error(SECURITY_STATUS status)
{
    const char *name = OpenSchannelStatusName(status);
    printf("error: %s (0x%08x)\n", name ? name : "UNKNOWN", (unsigned)status);
    fflush(stdout);
}

static void print_error(const char *what)
{
    printf("error: %s\n", what);
    fflush(stdout);
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

/* Reads more bytes into c->in. Returns >0 bytes read, 0 on EOF, -1 on error,
 * -2 on timeout, -3 when the buffer is full. */
static ssize_t recv_more(struct conn *c, int timeout_ms)
{
    if (c->used >= IO_BUFFER_SIZE)
        return -3;
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    for (;;) {
        int r = poll(&pfd, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return -2;
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

/* Sends and frees an output token produced with ALLOCATE_MEMORY. */
static int flush_token(struct conn *c, SecBuffer *tok)
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
static void keep_extra(struct conn *c, const SecBuffer *extra)
{
    if (extra && (extra->BufferType & ~SECBUFFER_ATTRMASK) == SECBUFFER_EXTRA && extra->cbBuffer > 0 &&
        extra->cbBuffer <= c->used) {
        memmove(c->in, c->in + (c->used - extra->cbBuffer), extra->cbBuffer);
        c->used = extra->cbBuffer;
    } else {
        c->used = 0;
    }
}

/*
 * The InitializeSecurityContext loop. On entry c->in holds c->used bytes
 * already received (non-zero when a renegotiation starts from an EXTRA
 * buffer). With no context yet, the first call produces the ClientHello.
 * Returns SEC_E_OK or the failing status (already printed). On success
 * c->in keeps any bytes that followed the handshake (application data).
 */
static SECURITY_STATUS client_handshake(struct conn *c)
{
    int need_read = 0;
    int retried_without_cert = 0;
    ULONG attrs = 0;
    TimeStamp expiry;

    if (!c->have_ctx) {
        SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
        SECURITY_STATUS st = InitializeSecurityContextA(&c->cred, NULL, c->target, ISC_FLAGS, 0,
                                                        SECURITY_NATIVE_DREP, NULL, 0, &c->ctx, &out_desc,
                                                        &attrs, &expiry);
        if (st != SEC_I_CONTINUE_NEEDED) {
            if (c->ctx.dwLower != 0 || c->ctx.dwUpper != 0)
                c->have_ctx = 1; /* so that main() deletes it */
            print_status_error(st);
            flush_token(c, &out_buf);
            return st;
        }
        c->have_ctx = 1;
        if (flush_token(c, &out_buf) != 0) {
            print_error("send failed");
            return SEC_E_INTERNAL_ERROR;
        }
        need_read = 1;
    } else if (c->used == 0) {
        need_read = 1;
    }

    for (;;) {
        if (need_read) {
            ssize_t n = recv_more(c, HANDSHAKE_TIMEOUT_MS);
            if (n == 0) {
                print_error("connection closed by peer during handshake");
                return SEC_E_INTERNAL_ERROR;
            }
            if (n == -2) {
                print_error("timeout during handshake");
                return SEC_E_INTERNAL_ERROR;
            }
            if (n < 0) {
                print_error(n == -3 ? "handshake message too large" : "recv failed");
                return SEC_E_INTERNAL_ERROR;
            }
        }

        SecBuffer in_bufs[2] = {
            {(ULONG)c->used, SECBUFFER_TOKEN, c->in},
            {0, SECBUFFER_EMPTY, NULL},
        };
        SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in_bufs};
        SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};

        SECURITY_STATUS st = InitializeSecurityContextA(&c->cred, &c->ctx, c->target, ISC_FLAGS, 0,
                                                        SECURITY_NATIVE_DREP, &in_desc, 0, NULL, &out_desc,
                                                        &attrs, &expiry);

        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            /* Output untouched; keep everything and read more. */
            if (out_buf.pvBuffer)
                FreeContextBuffer(out_buf.pvBuffer);
            need_read = 1;
            continue;
        }
        if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
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
        if (st == SEC_I_INCOMPLETE_CREDENTIALS && !retried_without_cert) {
            /* The server asked for a client certificate; we have none.
             * Calling again with the same input proceeds without one. */
            retried_without_cert = 1;
            flush_token(c, &out_buf);
            need_read = 0;
            continue;
        }
        /* Failure: the alert for the peer, if any, is in the output token. */
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

static int report_connection(struct conn *c)
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

/* EncryptMessage in records of at most cbMaximumMessage bytes, each built in
 * one contiguous buffer: header | data | trailer. */
static int send_encrypted(struct conn *c, const void *data, size_t len)
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

/* Prints what the server sends until it closes (close_notify or EOF) or stays
 * silent for SILENCE_TIMEOUT_MS. Returns 0, or -1 on a failure (printed). */
static int receive_loop(struct conn *c)
{
    int need_read = (c->used == 0);
    for (;;) {
        if (need_read) {
            ssize_t n = recv_more(c, SILENCE_TIMEOUT_MS);
            if (n == -2 || n == 0)
                return 0; /* silence, or the peer closed the TCP connection */
            if (n < 0) {
                print_error(n == -3 ? "record too large" : "recv failed");
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
            need_read = 1;
            continue;
        }
        if (st == SEC_I_CONTEXT_EXPIRED)
            return 0; /* close_notify */
        if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE) {
            print_status_error(st);
            return -1;
        }
        SecBuffer *data = find_buffer(&desc, SECBUFFER_DATA);
        if (data && data->pvBuffer && data->cbBuffer > 0) {
            fwrite(data->pvBuffer, 1, data->cbBuffer, stdout);
            fflush(stdout);
        }
        keep_extra(c, find_buffer(&desc, SECBUFFER_EXTRA));
        if (st == SEC_I_RENEGOTIATE) {
            /* The server started a new handshake; its bytes are now at the
             * front of c->in. Run the ISC loop again on the same context. */
            st = client_handshake(c);
            if (st != SEC_E_OK)
                return -1;
            if (QueryContextAttributesA(&c->ctx, SECPKG_ATTR_STREAM_SIZES, &c->sizes) != SEC_E_OK)
                return -1;
        }
        need_read = (c->used == 0);
    }
}

/* close_notify: ApplyControlToken(SCHANNEL_SHUTDOWN), then ISC yields the
 * record to send. Send errors are ignored: the peer may already be gone. */
static void send_close_notify(struct conn *c)
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
    ULONG attrs = 0;
    TimeStamp expiry;
    st = InitializeSecurityContextA(&c->cred, &c->ctx, NULL, ISC_FLAGS, 0, SECURITY_NATIVE_DREP, NULL, 0, NULL,
                                    &out_desc, &attrs, &expiry);
    if (st != SEC_E_OK)
        print_status_error(st);
    flush_token(c, &out_buf);
}

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        printf("error: cannot resolve %s: %s\n", host, gai_strerror(rc));
        fflush(stdout);
        return -1;
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        /* Bounds a connect() that never completes (Linux applies SO_SNDTIMEO). */
        struct timeval tv = {.tv_sec = HANDSHAKE_TIMEOUT_MS / 1000};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        printf("error: cannot connect to %s port %s: %s\n", host, port, strerror(errno));
        fflush(stdout);
    }
    return fd;
}

static int parse_protocol(const char *name, DWORD *bits)
{
    static const struct {
        const char *name;
        DWORD bit;
    } table[] = {
        {"ssl2", SP_PROT_SSL2_CLIENT},     {"ssl3", SP_PROT_SSL3_CLIENT},
        {"tls1.0", SP_PROT_TLS1_0_CLIENT}, {"tls1.1", SP_PROT_TLS1_1_CLIENT},
        {"tls1.2", SP_PROT_TLS1_2_CLIENT}, {"tls1.3", SP_PROT_TLS1_3_CLIENT},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(name, table[i].name) == 0) {
            *bits |= table[i].bit;
            return 0;
        }
    }
    return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (strcmp(a, "--insecure") == 0) {
            o->insecure = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            exit(0);
        }
        if (!v) {
            fprintf(stderr, "tls-client: %s needs a value or is unknown\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--host") == 0) {
            o->host = v;
        } else if (strcmp(a, "--port") == 0) {
            o->port = v;
        } else if (strcmp(a, "--cafile") == 0) {
            o->cafile = v;
        } else if (strcmp(a, "--servername") == 0) {
            o->servername = v;
        } else if (strcmp(a, "--send") == 0) {
            o->send_text = v;
        } else if (strcmp(a, "--protocol") == 0) {
            if (parse_protocol(v, &o->protocols) != 0) {
                fprintf(stderr, "tls-client: unknown protocol %s\n", v);
                return -1;
            }
        } else if (strcmp(a, "--cipher") == 0) {
            uint16_t id = OpenSchannelCipherSuiteFromName(v);
            if (id == 0) {
                printf("error: unknown cipher %s\n", v);
                fflush(stdout);
                exit(2);
            }
            if (o->n_ciphers == MAX_CIPHERS) {
                fprintf(stderr, "tls-client: too many --cipher options\n");
                return -1;
            }
            o->ciphers[o->n_ciphers++] = id;
        } else {
            fprintf(stderr, "tls-client: unknown option %s\n", a);
            return -1;
        }
    }
    if (!o->host || !o->port) {
        fprintf(stderr, "tls-client: --host and --port are required\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt;
    struct conn c;
    HCERTSTORE roots = NULL;
    int ok = 0;

    if (parse_args(argc, argv, &opt) != 0) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    memset(&c, 0, sizeof c);
    c.fd = -1;
    snprintf(c.target, sizeof c.target, "%s", opt.servername ? opt.servername : opt.host);
    c.in = malloc(IO_BUFFER_SIZE);
    if (!c.in) {
        print_error("out of memory");
        return 1;
    }

    if (opt.cafile) {
        roots = OpenSchannelOpenCaFile(opt.cafile);
        if (!roots) {
            printf("error: cannot load CA file %s\n", opt.cafile);
            fflush(stdout);
            free(c.in);
            return 1;
        }
    }

    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.hRootStore = roots;
    sc.grbitEnabledProtocols = opt.protocols;
    sc.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | (opt.insecure ? SCH_CRED_MANUAL_CRED_VALIDATION : 0);

    TimeStamp expiry;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                                   &c.cred, &expiry);
    if (st != SEC_E_OK) {
        print_status_error(st);
        goto out_store;
    }
    if (opt.n_ciphers > 0) {
        st = OpenSchannelSetCipherSuites(&c.cred, opt.ciphers, opt.n_ciphers);
        if (st != SEC_E_OK) {
            print_status_error(st);
            goto out_cred;
        }
    }

    c.fd = tcp_connect(opt.host, opt.port);
    if (c.fd < 0)
        goto out_cred;

    if (client_handshake(&c) != SEC_E_OK)
        goto out_ctx;
    if (report_connection(&c) != 0)
        goto out_ctx;

    st = QueryContextAttributesA(&c.ctx, SECPKG_ATTR_STREAM_SIZES, &c.sizes);
    if (st != SEC_E_OK) {
        print_status_error(st);
        goto out_ctx;
    }
    c.out = malloc((size_t)c.sizes.cbHeader + c.sizes.cbMaximumMessage + c.sizes.cbTrailer);
    if (!c.out) {
        print_error("out of memory");
        goto out_ctx;
    }

    if (opt.send_text) {
        size_t n = strlen(opt.send_text);
        char *line = malloc(n + 1);
        if (!line) {
            print_error("out of memory");
            goto out_ctx;
        }
        memcpy(line, opt.send_text, n);
        line[n] = '\n';
        int rc = send_encrypted(&c, line, n + 1);
        free(line);
        if (rc != 0)
            goto out_ctx;
    }

    if (receive_loop(&c) != 0)
        goto out_ctx;

    send_close_notify(&c);
    ok = 1;

out_ctx:
    if (c.have_ctx)
        DeleteSecurityContext(&c.ctx);
    if (c.fd >= 0)
        close(c.fd);
out_cred:
    FreeCredentialsHandle(&c.cred);
out_store:
    if (roots)
        CertCloseStore(roots, 0);
    free(c.out);
    free(c.in);
    return ok ? 0 : 1;
}
