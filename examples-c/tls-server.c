/*
 * tls-server: a TLS server written the way a Windows program drives Schannel
 * (AcceptSecurityContext loop, EncryptMessage / DecryptMessage with stream
 * buffers, close_notify through ApplyControlToken), built against
 * libopenschannel.
 *
 *   tls-server --port P --cert F --key F [--chain F]
 *              [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...
 *              [--cipher IANA_NAME]... [--echo] [--once]
 *
 * Listens on 127.0.0.1:P (P = 0 picks a free port) and prints
 * "listening: <port>" once ready. For each connection it prints
 * "protocol: ..." and "cipher: ..." after the handshake, then answers every
 * decrypted chunk: with --echo by sending it back, otherwise with
 * "hello from openschannel\n". A failed handshake prints
 * "error: SEC_E_NAME (0x%08x)" (and "alert: N" for the alert it sends) and the
 * server goes on with the next connection. --once: serve one connection and
 * exit 0 if it succeeded, 1 otherwise. SIGTERM / SIGINT stop the server.
 */
#define _POSIX_C_SOURCE 200809L

#include "openschannel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define IO_BUFFER_SIZE (1u << 17)  /* room for a whole handshake flight */
#define HANDSHAKE_TIMEOUT_MS 10000 /* per read while handshaking */
#define IDLE_TIMEOUT_MS 60000      /* drop a connection that stays silent */
#define MAX_CIPHERS 64

#define ASC_FLAGS                                                                     \
    (ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY |      \
     ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM)

static const char HELLO[] = "hello from openschannel\n";

static volatile sig_atomic_t stop_requested;

struct options {
    const char *port;
    const char *cert;
    const char *key;
    const char *chain;
    DWORD protocols;
    uint16_t ciphers[MAX_CIPHERS];
    uint32_t n_ciphers;
    int echo;
    int once;
};

/* One TLS connection: socket, SSPI context, and the receive buffer whose first
 * `used` bytes are received but not yet consumed by Schannel. */
struct conn {
    int fd;
    CredHandle *cred;
    CtxtHandle ctx;
    int have_ctx;
    unsigned char *in;
    size_t used;
    SecPkgContext_StreamSizes sizes;
    unsigned char *out;
};

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: tls-server --port P --cert F --key F [--chain F]\n"
            "                  [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...\n"
            "                  [--cipher IANA_NAME]... [--echo] [--once]\n");
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
 * -2 on timeout, -3 when the buffer is full, -4 when a signal asked us to stop. */
static ssize_t recv_more(struct conn *c, int timeout_ms)
{
    if (c->used >= IO_BUFFER_SIZE)
        return -3;
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    for (;;) {
        if (stop_requested)
            return -4;
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

static const char *recv_error_text(ssize_t n)
{
    switch (n) {
    case 0:
        return "connection closed by peer during handshake";
    case -2:
        return "timeout during handshake";
    case -3:
        return "handshake message too large";
    case -4:
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

static int handle_is_set(const CtxtHandle *h)
{
    return h->dwLower != 0 || h->dwUpper != 0;
}

/*
 * The AcceptSecurityContext loop. On entry c->in holds c->used bytes already
 * received (non-zero when a renegotiation starts from an EXTRA buffer).
 * Returns SEC_E_OK or the failing status (already printed). On success c->in
 * keeps any bytes that followed the handshake (application data).
 */
static SECURITY_STATUS server_handshake(struct conn *c)
{
    int need_read = (c->used == 0);
    ULONG attrs = 0;
    TimeStamp expiry;

    for (;;) {
        if (need_read) {
            ssize_t n = recv_more(c, HANDSHAKE_TIMEOUT_MS);
            if (n <= 0) {
                print_error(recv_error_text(n));
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

        /* First call: no context in, new context out; later: the reverse. */
        SECURITY_STATUS st =
            AcceptSecurityContext(c->cred, c->have_ctx ? &c->ctx : NULL, &in_desc, ASC_FLAGS, SECURITY_NATIVE_DREP,
                                  c->have_ctx ? NULL : &c->ctx, &out_desc, &attrs, &expiry);

        if (st == SEC_E_INCOMPLETE_MESSAGE) {
            /* Whether an incomplete first call already creates the context
             * differs between providers (Windows' SDK sample reuses it; the
             * ISC rule is that none is written): use it only if written. */
            if (!c->have_ctx && handle_is_set(&c->ctx))
                c->have_ctx = 1;
            if (out_buf.pvBuffer)
                FreeContextBuffer(out_buf.pvBuffer);
            need_read = 1;
            continue;
        }
        if (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED) {
            c->have_ctx = 1;
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

static int setup_stream(struct conn *c)
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

/* Answers each decrypted chunk until the client closes (close_notify or EOF).
 * Returns 0, or -1 on a failure (printed). */
static int request_loop(struct conn *c, int echo)
{
    int need_read = (c->used == 0);
    for (;;) {
        if (need_read) {
            ssize_t n = recv_more(c, IDLE_TIMEOUT_MS);
            if (n == 0)
                return 0; /* EOF without close_notify */
            if (n < 0) {
                print_error(n == -2   ? "idle timeout"
                            : n == -3 ? "record too large"
                            : n == -4 ? "interrupted"
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
        /* Answer before keep_extra() moves bytes over the plaintext. Empty
         * records (OpenSSL's CBC countermeasure) get no answer. */
        if (data && data->pvBuffer && data->cbBuffer > 0) {
            int rc = echo ? send_encrypted(c, data->pvBuffer, data->cbBuffer)
                          : send_encrypted(c, HELLO, sizeof HELLO - 1);
            if (rc != 0)
                return -1;
        }
        keep_extra(c, find_buffer(&desc, SECBUFFER_EXTRA));
        if (st == SEC_I_RENEGOTIATE) {
            /* The client sent a new ClientHello; its bytes are now at the
             * front of c->in. Run the ASC loop again on the same context. */
            if (server_handshake(c) != SEC_E_OK || setup_stream(c) != 0)
                return -1;
        }
        need_read = (c->used == 0);
    }
}

/* close_notify: ApplyControlToken(SCHANNEL_SHUTDOWN), then ASC yields the
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
    st = AcceptSecurityContext(c->cred, &c->ctx, NULL, ASC_FLAGS, SECURITY_NATIVE_DREP, NULL, &out_desc, &attrs,
                               &expiry);
    if (st != SEC_E_OK)
        print_status_error(st);
    flush_token(c, &out_buf);
}

/* Serves one accepted connection; returns 0 when it went well. */
static int serve_connection(CredHandle *cred, int fd, unsigned char *in, int echo)
{
    struct conn c;
    int ok = 0;

    memset(&c, 0, sizeof c);
    c.fd = fd;
    c.cred = cred;
    c.in = in;

    if (server_handshake(&c) != SEC_E_OK)
        goto out;
    if (report_connection(&c) != 0 || setup_stream(&c) != 0)
        goto out;
    if (request_loop(&c, echo) != 0)
        goto out;
    send_close_notify(&c);
    ok = 1;
out:
    if (c.have_ctx)
        DeleteSecurityContext(&c.ctx);
    free(c.out);
    shutdown(fd, SHUT_RDWR);
    close(fd);
    return ok ? 0 : -1;
}

static int listen_loopback(const char *port_text, unsigned *port_out)
{
    char *end;
    unsigned long port = strtoul(port_text, &end, 10);
    if (*port_text == '\0' || *end != '\0' || port > 65535) {
        fprintf(stderr, "tls-server: bad port %s\n", port_text);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("tls-server: socket");
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
        printf("error: cannot listen on 127.0.0.1:%lu: %s\n", port, strerror(errno));
        fflush(stdout);
        close(fd);
        return -1;
    }
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("tls-server: getsockname");
        close(fd);
        return -1;
    }
    *port_out = ntohs(sa.sin_port);
    return fd;
}

static int parse_protocol(const char *name, DWORD *bits)
{
    static const struct {
        const char *name;
        DWORD bit;
    } table[] = {
        {"ssl2", SP_PROT_SSL2_SERVER},     {"ssl3", SP_PROT_SSL3_SERVER},
        {"tls1.0", SP_PROT_TLS1_0_SERVER}, {"tls1.1", SP_PROT_TLS1_1_SERVER},
        {"tls1.2", SP_PROT_TLS1_2_SERVER}, {"tls1.3", SP_PROT_TLS1_3_SERVER},
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
        if (strcmp(a, "--echo") == 0) {
            o->echo = 1;
            continue;
        }
        if (strcmp(a, "--once") == 0) {
            o->once = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            exit(0);
        }
        if (!v) {
            fprintf(stderr, "tls-server: %s needs a value or is unknown\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--port") == 0) {
            o->port = v;
        } else if (strcmp(a, "--cert") == 0) {
            o->cert = v;
        } else if (strcmp(a, "--key") == 0) {
            o->key = v;
        } else if (strcmp(a, "--chain") == 0) {
            o->chain = v;
        } else if (strcmp(a, "--protocol") == 0) {
            if (parse_protocol(v, &o->protocols) != 0) {
                fprintf(stderr, "tls-server: unknown protocol %s\n", v);
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
                fprintf(stderr, "tls-server: too many --cipher options\n");
                return -1;
            }
            o->ciphers[o->n_ciphers++] = id;
        } else {
            fprintf(stderr, "tls-server: unknown option %s\n", a);
            return -1;
        }
    }
    if (!o->port || !o->cert || !o->key) {
        fprintf(stderr, "tls-server: --port, --cert and --key are required\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt;
    int status = 1;

    if (parse_args(argc, argv, &opt) != 0) {
        usage();
        return 2;
    }

    /* No SA_RESTART: a signal interrupts accept()/poll() so we can stop. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned char *in = malloc(IO_BUFFER_SIZE);
    if (!in) {
        print_error("out of memory");
        return 1;
    }

    PCCERT_CONTEXT cert = OpenSchannelLoadCertificateFiles(opt.cert, opt.key, opt.chain);
    if (!cert) {
        printf("error: cannot load certificate %s with key %s\n", opt.cert, opt.key);
        fflush(stdout);
        free(in);
        return 1;
    }

    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = &cert;
    sc.grbitEnabledProtocols = opt.protocols;

    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS st =
        AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_INBOUND, NULL, &sc, NULL, NULL, &cred, &expiry);
    if (st != SEC_E_OK) {
        print_status_error(st);
        goto out_cert;
    }
    if (opt.n_ciphers > 0) {
        st = OpenSchannelSetCipherSuites(&cred, opt.ciphers, opt.n_ciphers);
        if (st != SEC_E_OK) {
            print_status_error(st);
            goto out_cred;
        }
    }

    unsigned port;
    int lfd = listen_loopback(opt.port, &port);
    if (lfd < 0)
        goto out_cred;
    printf("listening: %u\n", port);
    fflush(stdout);

    status = 0;
    while (!stop_requested) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("tls-server: accept");
            status = 1;
            break;
        }
        int rc = serve_connection(&cred, fd, in, opt.echo);
        if (opt.once) {
            status = rc == 0 ? 0 : 1;
            break;
        }
    }
    close(lfd);

out_cred:
    FreeCredentialsHandle(&cred);
out_cert:
    CertFreeCertificateContext(cert);
    free(in);
    return status;
}
