/*
 * tls-server: a TLS server written the way a Windows program drives Schannel
 * (AcceptSecurityContext loop, EncryptMessage / DecryptMessage with stream
 * buffers, close_notify through ApplyControlToken), built against
 * libopenschannel.
 *
 *   tls-server --port P --cert F --key F [--chain F] [--cert2 F --key2 F]
 *              [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...
 *              [--cipher IANA_NAME]... [--echo] [--once]
 *              [--renegotiate-after N] [--no-record-split]
 *              [--refuse-renegotiation | --allow-insecure-renegotiation]
 *              [--alpn LIST] [--verify-client CAFILE]
 *              [--crl PATH]... [--revocation end|chain|chain-exclude-root]
 *              [--ignore-no-revocation-check] [--ignore-revocation-offline]
 *
 * Listens on 127.0.0.1:P (P = 0 picks a free port) and prints
 * "listening: <port>" once ready. For each connection it prints
 * "protocol: ...", "cipher: ..." and "reused: yes|no" after the handshake,
 * then with --echo sends every decrypted chunk back; otherwise it reads
 * HTTP/1.0-style requests (up to the blank line that ends the headers, plus a
 * Content-Length body if announced) and answers each complete one with a
 * short "HTTP/1.0 200 OK" response in one EncryptMessage call, on the same
 * connection until the client closes. A failed handshake prints
 * "error: SEC_E_NAME (0x%08x)" (and "alert: N" for the alert it sends) and the
 * server goes on with the next connection. --once: serve one connection and
 * exit 0 if it succeeded, 1 otherwise. SIGTERM / SIGINT stop the server.
 *
 * --renegotiate-after N: after N application records on a connection
 * (DecryptMessage calls that returned data; 0 = right after the handshake)
 * the server starts a renegotiation (ApplyControlToken(SCHANNEL_RENEGOTIATE),
 * then AcceptSecurityContext, which yields a HelloRequest). Every completed
 * renegotiation prints "renegotiated"; one our policy refuses prints
 * "renegotiation declined".
 *
 * --alpn LIST (comma-separated, in our order of preference) passes a
 * SECBUFFER_APPLICATION_PROTOCOLS buffer beside the TOKEN to the
 * AcceptSecurityContext calls of each connection's first handshake and
 * prints "alpn: <protocol>" or "alpn: none" after the "reused:" line. A
 * client offering none of them gets a no_application_protocol alert
 * ("error: SEC_E_APPLICATION_PROTOCOL_MISMATCH (0x80090367)", "alert: 120").
 *
 * --cert / --key take an RSA, ECDSA (P-256, P-384) or DSA certificate and key
 * (PEM or DER; keys PKCS#1, SEC1, "DSA PRIVATE KEY" or PKCS#8).
 * --cert2 / --key2 add a second certificate and key to the same credential
 * (OpenSchannelAddServerCertificate), e.g. a DSA one beside an RSA one: the
 * server picks the certificate whose key type the negotiated suite needs.
 *
 * --verify-client CAFILE: client authentication. SCHANNEL_CRED.hRootStore =
 * the CAs of CAFILE (named in the CertificateRequest, and the anchors the
 * client's chain must reach, with the clientAuth purpose), ASC_REQ_MUTUAL_AUTH
 * on every AcceptSecurityContext call and
 * OpenSchannelRequireClientCertificate(&cred, TRUE): a client without a
 * certificate fails the handshake (handshake_failure). After the handshake it
 * prints "client: <subject DN>" (SECPKG_ATTR_REMOTE_CERT_CONTEXT,
 * CertGetNameStringA with CERT_NAME_RDN_TYPE / CERT_X500_NAME_STR) after the
 * "reused:" (and "alpn:") line. --crl / --revocation / --ignore-* apply the
 * revocation checks to the client's chain, as for tls-client.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define IDLE_TIMEOUT_MS 60000 /* drop a connection that stays silent */

#define ASC_FLAGS                                                                     \
    (ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY |      \
     ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM)

static const char HELLO[] = "hello from openschannel\n";

/* Largest request (headers + body) the HTTP mode accepts. */
#define MAX_REQUEST 16384

struct options {
    const char *port;
    const char *cert;
    const char *key;
    const char *chain;
    const char *cert2; /* --cert2 / --key2: a second certificate (other key type) */
    const char *key2;
    const char *renegotiate_text;
    const char *verify_client; /* --verify-client CAFILE */
    long renegotiate_after;    /* -1: not given */
    struct tls_options tls;
    int echo;
    int once;
};

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: tls-server --port P --cert F --key F [--chain F] [--cert2 F --key2 F]\n"
            "                  [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...\n"
            "                  [--min-strength BITS] [--max-strength BITS]\n"
            "                  [--cipher IANA_NAME]... [--echo] [--once]\n"
            "                  [--renegotiate-after N] [--no-record-split]\n"
            "                  [--refuse-renegotiation | --allow-insecure-renegotiation]\n"
            "                  [--alpn LIST] [--verify-client CAFILE]\n"
            "                  [--crl PATH]... [--revocation end|chain|chain-exclude-root]\n"
            "                  [--ignore-no-revocation-check] [--ignore-revocation-offline]\n");
}

/* ASC_FLAGS, plus ASC_REQ_MUTUAL_AUTH with --verify-client. */
static ULONG asc_req = ASC_FLAGS;

/* One AcceptSecurityContext call. First call: no context in, new context
 * out; later (and for close_notify, without input): the reverse. */
static SECURITY_STATUS asc_step(struct tls_conn *c, SecBufferDesc *in, SecBufferDesc *out)
{
    ULONG attrs = 0;
    TimeStamp expiry;
    return AcceptSecurityContext(c->cred, c->have_ctx ? &c->ctx : NULL, in, asc_req, SECURITY_NATIVE_DREP,
                                 c->have_ctx ? NULL : &c->ctx, out, &attrs, &expiry);
}

/*
 * The first AcceptSecurityContext loop of a connection. Returns SEC_E_OK or
 * the failing status (already printed). On success c->in keeps any bytes that
 * followed the handshake (application data). Renegotiations run the same
 * loop (c->step = asc_step) through renegotiate() in common.c, starting from
 * the EXTRA bytes of SEC_I_RENEGOTIATE.
 */
static SECURITY_STATUS server_handshake(struct tls_conn *c)
{
    /* --alpn: the list goes with the input of this loop's calls only. */
    c->alpn_in_loop = 1;
    SECURITY_STATUS st = handshake_loop(c, c->used == 0, asc_step, 0);
    c->alpn_in_loop = 0;
    return st;
}

/* --echo: each decrypted chunk is sent back. */
static int echo_data(struct tls_conn *c, const unsigned char *data, size_t len)
{
    return send_encrypted(c, data, len);
}

/* HTTP mode: the bytes of the request being read. */
struct http_state {
    unsigned char buf[MAX_REQUEST];
    size_t used;
};

/* Offset just past the "\r\n\r\n" that ends the headers in b[0..n), or 0. */
static size_t end_of_headers(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
            return i + 4;
    return 0;
}

/* The Content-Length header's value in the headers b[0..n), 0 if absent. */
static size_t content_length(const unsigned char *b, size_t n)
{
    static const char name[] = "content-length:";
    size_t line = 0;
    while (line < n) {
        size_t eol = line;
        while (eol < n && b[eol] != '\n')
            eol++;
        size_t k = 0;
        while (k < sizeof name - 1 && line + k < eol && (b[line + k] | 0x20) == (unsigned char)name[k])
            k++;
        if (k == sizeof name - 1) {
            size_t i = line + k, v = 0;
            while (i < eol && (b[i] == ' ' || b[i] == '\t'))
                i++;
            while (i < eol && b[i] >= '0' && b[i] <= '9' && v <= MAX_REQUEST)
                v = v * 10 + (size_t)(b[i++] - '0');
            return v;
        }
        line = eol + 1;
    }
    return 0;
}

/* The answer to every complete request: status line, headers, body, all in
 * one EncryptMessage call (one record, or two with 1/n-1 splitting). The
 * connection stays open for more requests until the client closes it. */
static int send_http_response(struct tls_conn *c)
{
    char resp[256];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.0 200 OK\r\n"
                     "Server: openschannel tls-server\r\n"
                     "Content-Type: text/plain\r\n"
                     "Content-Length: %u\r\n"
                     "Connection: keep-alive\r\n"
                     "\r\n"
                     "%s",
                     (unsigned)(sizeof HELLO - 1), HELLO);
    return send_encrypted(c, resp, (size_t)n);
}

/* Collects request bytes across records and answers each complete request;
 * an incomplete one waits for more (and is never answered if the client
 * stops). */
static int answer_http(struct tls_conn *c, const unsigned char *data, size_t len)
{
    struct http_state *h = c->app;
    if (len > MAX_REQUEST - h->used) {
        print_error("request too large");
        return -1;
    }
    memcpy(h->buf + h->used, data, len);
    h->used += len;
    for (;;) {
        size_t head = end_of_headers(h->buf, h->used);
        if (head == 0)
            return 0;
        size_t body = content_length(h->buf, head);
        if (body > MAX_REQUEST - head) {
            print_error("request too large");
            return -1;
        }
        if (h->used < head + body)
            return 0;
        if (send_http_response(c) != 0)
            return -1;
        memmove(h->buf, h->buf + head + body, h->used - head - body);
        h->used -= head + body;
    }
}

/* --verify-client: "client: <subject DN>" from the client's certificate
 * (SECPKG_ATTR_REMOTE_CERT_CONTEXT), or "client: none" when it sent none.
 * Returns 0, or -1 (printed). */
static int report_client(struct tls_conn *c)
{
    PCCERT_CONTEXT remote = NULL;
    SECURITY_STATUS st = QueryContextAttributesA(&c->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&remote);
    if (st == SEC_E_NO_CREDENTIALS) {
        printf("client: none\n");
        fflush(stdout);
        return 0;
    }
    if (st != SEC_E_OK) {
        print_status_error(st);
        return -1;
    }
    /* The subject as an X.500 string in certificate order ("O=..., CN=..."),
     * with the two-call size protocol. */
    DWORD str_type = CERT_X500_NAME_STR;
    DWORD n = CertGetNameStringA(remote, CERT_NAME_RDN_TYPE, 0, &str_type, NULL, 0);
    char *name = malloc(n ? n : 1);
    if (!name) {
        CertFreeCertificateContext(remote);
        print_error("out of memory");
        return -1;
    }
    name[0] = '\0';
    CertGetNameStringA(remote, CERT_NAME_RDN_TYPE, 0, &str_type, name, n);
    printf("client: %s\n", name);
    fflush(stdout);
    free(name);
    CertFreeCertificateContext(remote);
    return 0;
}

/* Serves one accepted connection; returns 0 when it went well. */
static int serve_connection(CredHandle *cred, int fd, unsigned char *in, const struct options *opt)
{
    struct tls_conn c;
    static struct http_state http; /* one connection at a time */
    int ok = 0;

    memset(&c, 0, sizeof c);
    c.fd = fd;
    c.cred = cred;
    c.in = in;
    c.step = asc_step;
    c.renegotiate_after = opt->renegotiate_after;
    http.used = 0;
    c.app = &http;
    c.alpn = opt->tls.alpn;
    c.alpn_len = opt->tls.alpn_len;

    if (server_handshake(&c) != SEC_E_OK)
        goto out;
    if (report_connection(&c) != 0 || report_reused(&c) != 0 || (opt->tls.alpn && report_alpn(&c) != 0) ||
        (opt->verify_client && report_client(&c) != 0) || setup_stream(&c) != 0)
        goto out;
    if (opt->renegotiate_after == 0 && start_renegotiation(&c) != 0)
        goto out;
    /* Until the client closes (close_notify or EOF). */
    if (decrypt_loop(&c, IDLE_TIMEOUT_MS, "idle timeout", opt->echo ? echo_data : answer_http) != 0)
        goto out;
    send_close_notify(&c, asc_step);
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

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    const struct option_def defs[] = {
        {"--echo", &o->echo, NULL}, {"--once", &o->once, NULL}, {"--port", NULL, &o->port},
        {"--cert", NULL, &o->cert}, {"--key", NULL, &o->key},   {"--chain", NULL, &o->chain},
        {"--renegotiate-after", NULL, &o->renegotiate_text}, {"--verify-client", NULL, &o->verify_client},
        {"--cert2", NULL, &o->cert2}, {"--key2", NULL, &o->key2},
    };
    if (parse_argv("tls-server", 1, usage, defs, sizeof defs / sizeof defs[0], argc, argv, &o->tls) != 0)
        return -1;
    if (!o->port || !o->cert || !o->key) {
        fprintf(stderr, "tls-server: --port, --cert and --key are required\n");
        return -1;
    }
    if (!o->cert2 != !o->key2) {
        fprintf(stderr, "tls-server: --cert2 and --key2 go together\n");
        return -1;
    }
    o->renegotiate_after = o->renegotiate_text ? parse_count(o->renegotiate_text) : -1;
    if (o->renegotiate_text && o->renegotiate_after < 0) {
        fprintf(stderr, "tls-server: --renegotiate-after takes a count\n");
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

    PCCERT_CONTEXT cert = load_certificate(opt.cert, opt.key, opt.chain);
    if (!cert) {
        free(in);
        return 1;
    }

    HCERTSTORE client_roots = NULL;
    PCCERT_CONTEXT cert2 = NULL;
    if (opt.cert2 && !(cert2 = load_certificate(opt.cert2, opt.key2, NULL)))
        goto out_cert;

    /* --verify-client: the CAs client certificates must chain to. */
    if (opt.verify_client) {
        client_roots = OpenSchannelOpenCaFile(opt.verify_client);
        if (!client_roots) {
            printf("error: cannot load CA file %s\n", opt.verify_client);
            fflush(stdout);
            goto out_cert;
        }
        asc_req |= ASC_REQ_MUTUAL_AUTH;
    }

    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.cCreds = 1;
    sc.paCred = &cert;
    sc.hRootStore = client_roots;
    sc.grbitEnabledProtocols = opt.tls.protocols;

    CredHandle cred;
    if (acquire_credentials(SECPKG_CRED_INBOUND, &sc, &opt.tls, &cred) != 0)
        goto out_cert;
    if (cert2) {
        SECURITY_STATUS st = OpenSchannelAddServerCertificate(&cred, cert2);
        if (st != SEC_E_OK) {
            print_status_error(st);
            goto out_cred;
        }
    }
    if (opt.verify_client) {
        SECURITY_STATUS st = OpenSchannelRequireClientCertificate(&cred, TRUE);
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
        int rc = serve_connection(&cred, fd, in, &opt);
        if (opt.once) {
            status = rc == 0 ? 0 : 1;
            break;
        }
    }
    close(lfd);

out_cred:
    FreeCredentialsHandle(&cred);
out_cert:
    if (client_roots)
        CertCloseStore(client_roots, 0);
    if (cert2)
        CertFreeCertificateContext(cert2);
    CertFreeCertificateContext(cert);
    free(in);
    free(opt.tls.alpn);
    return status;
}
