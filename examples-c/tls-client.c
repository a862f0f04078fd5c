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

#include "common.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define SILENCE_TIMEOUT_MS 2000 /* stop reading after this much quiet */

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
    struct tls_options tls;
};

static void usage(void)
{
    fprintf(stderr,
            "usage: tls-client --host H --port P [--cafile F] [--insecure] [--servername NAME]\n"
            "                  [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...\n"
            "                  [--cipher IANA_NAME]... [--send TEXT]\n");
}

/* One InitializeSecurityContext call on the existing context: a handshake
 * round (input = the bytes received, pszTargetName = the server name), or,
 * without input, the call after ApplyControlToken that yields close_notify
 * (no target name there). */
static SECURITY_STATUS isc_step(struct tls_conn *c, SecBufferDesc *in, SecBufferDesc *out)
{
    ULONG attrs = 0;
    TimeStamp expiry;
    return InitializeSecurityContextA(c->cred, &c->ctx, in ? c->target : NULL, ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
                                      in, 0, NULL, out, &attrs, &expiry);
}

/*
 * The InitializeSecurityContext loop. On entry c->in holds c->used bytes
 * already received (non-zero when a renegotiation starts from an EXTRA
 * buffer). With no context yet, the first call produces the ClientHello.
 * Returns SEC_E_OK or the failing status (already printed). On success
 * c->in keeps any bytes that followed the handshake (application data).
 */
static SECURITY_STATUS client_handshake(struct tls_conn *c)
{
    if (c->have_ctx)
        return handshake_loop(c, c->used == 0, isc_step, 1);

    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    ULONG attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS st = InitializeSecurityContextA(c->cred, NULL, c->target, ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
                                                    NULL, 0, &c->ctx, &out_desc, &attrs, &expiry);
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
    return handshake_loop(c, 1, isc_step, 1);
}

/* Whatever the server sends goes to stdout, raw. */
static int print_data(struct tls_conn *c, const unsigned char *data, size_t len)
{
    (void)c;
    fwrite(data, 1, len, stdout);
    fflush(stdout);
    return 0;
}

/* The server started a new handshake: run the ISC loop again on the same
 * context. */
static int renegotiate(struct tls_conn *c)
{
    if (client_handshake(c) != SEC_E_OK)
        return -1;
    if (QueryContextAttributesA(&c->ctx, SECPKG_ATTR_STREAM_SIZES, &c->sizes) != SEC_E_OK)
        return -1;
    return 0;
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

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    const struct option_def defs[] = {
        {"--insecure", &o->insecure, NULL},     {"--host", NULL, &o->host},
        {"--port", NULL, &o->port},             {"--cafile", NULL, &o->cafile},
        {"--servername", NULL, &o->servername}, {"--send", NULL, &o->send_text},
    };
    if (parse_argv("tls-client", 0, usage, defs, sizeof defs / sizeof defs[0], argc, argv, &o->tls) != 0)
        return -1;
    if (!o->host || !o->port) {
        fprintf(stderr, "tls-client: --host and --port are required\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt;
    struct tls_conn c;
    CredHandle cred;
    char target[256];
    HCERTSTORE roots = NULL;
    int ok = 0;

    if (parse_args(argc, argv, &opt) != 0) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    memset(&c, 0, sizeof c);
    memset(&cred, 0, sizeof cred);
    c.fd = -1;
    c.cred = &cred;
    c.target = target;
    snprintf(target, sizeof target, "%s", opt.servername ? opt.servername : opt.host);
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
    sc.grbitEnabledProtocols = opt.tls.protocols;
    sc.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | (opt.insecure ? SCH_CRED_MANUAL_CRED_VALIDATION : 0);

    if (acquire_credentials(SECPKG_CRED_OUTBOUND, &sc, &opt.tls, &cred) != 0)
        goto out_store;

    c.fd = tcp_connect(opt.host, opt.port);
    if (c.fd < 0)
        goto out_cred;

    if (client_handshake(&c) != SEC_E_OK)
        goto out_ctx;
    if (report_connection(&c) != 0 || setup_stream(&c) != 0)
        goto out_ctx;

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

    /* Print what the server sends until it closes (close_notify or EOF) or
     * stays silent for SILENCE_TIMEOUT_MS. */
    if (decrypt_loop(&c, SILENCE_TIMEOUT_MS, NULL, print_data, renegotiate) != 0)
        goto out_ctx;

    send_close_notify(&c, isc_step);
    ok = 1;

out_ctx:
    if (c.have_ctx)
        DeleteSecurityContext(&c.ctx);
    if (c.fd >= 0)
        close(c.fd);
out_cred:
    FreeCredentialsHandle(&cred);
out_store:
    if (roots)
        CertCloseStore(roots, 0);
    free(c.out);
    free(c.in);
    return ok ? 0 : 1;
}
