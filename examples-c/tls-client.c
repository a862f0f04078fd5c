/*
 * tls-client: a TLS client written the way a Windows program drives Schannel
 * (InitializeSecurityContext loop, EncryptMessage / DecryptMessage with stream
 * buffers, close_notify through ApplyControlToken), built against
 * libopenschannel.
 *
 *   tls-client --host H --port P [--cafile F] [--insecure] [--servername NAME]
 *              [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...
 *              [--cipher IANA_NAME]... [--send TEXT] [--reconnect N]
 *              [--renegotiate-after N] [--no-record-split]
 *              [--refuse-renegotiation | --allow-insecure-renegotiation]
 *              [--alpn LIST] [--fallback-scsv]
 *              [--cert F --key F | --pfx F [--pfx-password P]]
 *              [--crl PATH]... [--revocation end|chain|chain-exclude-root]
 *              [--ignore-no-revocation-check] [--ignore-revocation-offline]
 *
 * Output (stdout, one flushed line each): "protocol: TLSv1.0", "cipher:
 * TLS_RSA_WITH_AES_128_CBC_SHA", then whatever the server sends back, raw.
 * On failure: "error: SEC_E_NAME (0x%08x)" and, when the failing call produced
 * a plaintext alert record for the peer, "alert: N". Exit status: 0 success,
 * 1 failure, 2 bad command line.
 *
 * --send TEXT sends TEXT followed by a newline (line-oriented peers such as
 * `openssl s_server -rev` only answer complete lines).
 *
 * --reconnect N: after the first connection, N more to the same server with
 * the same credential and target name, so the provider offers the cached
 * session; every connection prints "reused: yes|no" after its cipher line.
 * A renegotiation (either side) prints "renegotiated" when its handshake
 * completes, or "renegotiation declined" when our policy refused the server's
 * request.
 *
 * --alpn LIST (comma-separated, e.g. h2,http/1.1) offers those protocols
 * through a SECBUFFER_APPLICATION_PROTOCOLS buffer on the first
 * InitializeSecurityContext call and prints "alpn: <protocol>" or
 * "alpn: none" (SECPKG_ATTR_APPLICATION_PROTOCOL) after the cipher line.
 * --fallback-scsv: OpenSchannelSetFallbackScsv(&cred, TRUE), the ClientHello
 * carries TLS_FALLBACK_SCSV (a server supporting more than we offer answers
 * inappropriate_fallback: "error: SEC_E_DOWNGRADE_DETECTED (0x80090350)").
 *
 * Client authentication: --cert F --key F (PEM/DER, OpenSchannelLoadCertificateFiles) or
 * --pfx F [--pfx-password P] (PFXImportCertStore, then the first certificate that has a
 * private key, as Windows programs look one up) goes into SCHANNEL_CRED.paCred and answers a
 * server's CertificateRequest. Without one, a server that asks makes
 * InitializeSecurityContext return SEC_I_INCOMPLETE_CREDENTIALS; we call it again with the
 * same input, which goes on without a certificate, and print "client-auth: none" after the
 * cipher (and reused / alpn) lines.
 *
 * Revocation: --revocation end|chain|chain-exclude-root sets
 * SCH_CRED_REVOCATION_CHECK_END_CERT / _CHAIN / _CHAIN_EXCLUDE_ROOT, checked against the CRLs
 * of --crl PATH (a file or a directory; repeatable; OpenSchannelAddCrlFile).
 * --ignore-no-revocation-check and --ignore-revocation-offline set
 * SCH_CRED_IGNORE_NO_REVOCATION_CHECK / SCH_CRED_IGNORE_REVOCATION_OFFLINE. A revoked
 * certificate fails with "error: CRYPT_E_REVOKED (0x80092010)" and "alert: 44".
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
    const char *reconnect_text;
    const char *renegotiate_text;
    const char *cert;         /* --cert / --key: client certificate files */
    const char *key;
    const char *pfx;          /* --pfx: PKCS#12 file with the client certificate */
    const char *pfx_password; /* --pfx-password (UTF-8) */
    long reconnect;         /* -1: not given */
    long renegotiate_after; /* -1: not given */
    int insecure;
    int fallback_scsv;
    struct tls_options tls;
};

static void usage(void)
{
    fprintf(stderr,
            "usage: tls-client --host H --port P [--cafile F] [--insecure] [--servername NAME]\n"
            "                  [--protocol ssl2|ssl3|tls1.0|tls1.1|tls1.2|tls1.3]...\n"
            "                  [--min-strength BITS] [--max-strength BITS]\n"
            "                  [--cipher IANA_NAME]... [--send TEXT] [--reconnect N]\n"
            "                  [--renegotiate-after N] [--no-record-split]\n"
            "                  [--refuse-renegotiation | --allow-insecure-renegotiation]\n"
            "                  [--alpn LIST] [--fallback-scsv]\n"
            "                  [--cert F --key F | --pfx F [--pfx-password P]]\n"
            "                  [--crl PATH]... [--revocation end|chain|chain-exclude-root]\n"
            "                  [--ignore-no-revocation-check] [--ignore-revocation-offline]\n");
}

/* One InitializeSecurityContext call on the existing context: a handshake
 * round (input = the bytes received, pszTargetName = the server name), or,
 * without input, the call after ApplyControlToken that yields close_notify
 * or, after SCHANNEL_RENEGOTIATE, a new ClientHello (no target name there). */
static SECURITY_STATUS isc_step(struct tls_conn *c, SecBufferDesc *in, SecBufferDesc *out)
{
    ULONG attrs = 0;
    TimeStamp expiry;
    return InitializeSecurityContextA(c->cred, &c->ctx, in ? c->target : NULL, ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
                                      in, 0, NULL, out, &attrs, &expiry);
}

/*
 * The first InitializeSecurityContext loop of a connection: with no context
 * yet, the first call produces the ClientHello; its input, when --alpn is
 * given, is one SECBUFFER_APPLICATION_PROTOCOLS buffer (as curl passes it). Returns SEC_E_OK or the
 * failing status (already printed). On success c->in keeps any bytes that
 * followed the handshake (application data). Renegotiations run the same
 * loop through renegotiate() in common.c.
 */
static SECURITY_STATUS client_handshake(struct tls_conn *c)
{
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    SecBuffer alpn_buf = {c->alpn_len, SECBUFFER_APPLICATION_PROTOCOLS, (void *)c->alpn};
    SecBufferDesc alpn_desc = {SECBUFFER_VERSION, 1, &alpn_buf};
    ULONG attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS st = InitializeSecurityContextA(c->cred, NULL, c->target, ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
                                                    c->alpn ? &alpn_desc : NULL, 0, &c->ctx, &out_desc, &attrs,
                                                    &expiry);
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

/* A whole file in memory (PKCS#12 blobs are small); NULL on failure. */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *bigger = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* UTF-8 -> NUL-terminated UTF-16, as PFXImportCertStore takes its password;
 * NULL for malformed UTF-8 or no memory. */
static WCHAR *utf8_to_utf16(const char *s)
{
    size_t n = strlen(s);
    WCHAR *w = malloc((n + 1) * sizeof *w * 2);
    size_t k = 0;
    int bad = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (w && *p && !bad) {
        unsigned long cp;
        int more;
        if (*p < 0x80) {
            cp = *p;
            more = 0;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F;
            more = 1;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F;
            more = 2;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07;
            more = 3;
        } else {
            bad = 1;
            break;
        }
        p++;
        for (; more > 0 && (*p & 0xC0) == 0x80; more--)
            cp = (cp << 6) | (*p++ & 0x3F);
        if (more > 0 || cp > 0x10FFFF) {
            bad = 1;
            break;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w[k++] = (WCHAR)(0xD800 + (cp >> 10));
            w[k++] = (WCHAR)(0xDC00 + (cp & 0x3FF));
        } else {
            w[k++] = (WCHAR)cp;
        }
    }
    if (w && bad) {
        free(w);
        return NULL;
    }
    if (w)
        w[k] = 0;
    return w;
}

/*
 * --pfx: PFXImportCertStore on the file's bytes, then the first certificate
 * that has a private key (CERT_KEY_PROV_INFO_PROP_ID present), found with
 * CertFindCertificateInStore(CERT_FIND_ANY) as Windows programs do. Returns a
 * context the caller frees (the store stays open in *store until then), or
 * NULL (printed).
 */
static PCCERT_CONTEXT load_pfx(const char *path, const char *password, HCERTSTORE *store)
{
    size_t len = 0;
    unsigned char *bytes = read_file(path, &len);
    if (!bytes) {
        printf("error: cannot read PKCS#12 file %s\n", path);
        fflush(stdout);
        return NULL;
    }
    WCHAR *wpass = password ? utf8_to_utf16(password) : NULL;
    if (password && !wpass) {
        free(bytes);
        printf("error: --pfx-password is not valid UTF-8\n");
        fflush(stdout);
        return NULL;
    }
    CRYPT_DATA_BLOB blob = {(DWORD)len, bytes};
    *store = PFXImportCertStore(&blob, wpass, 0);
    DWORD err = GetLastError();
    free(wpass);
    free(bytes);
    if (!*store) {
        printf("error: cannot import PKCS#12 file %s (0x%08x)\n", path, (unsigned)err);
        fflush(stdout);
        return NULL;
    }
    PCCERT_CONTEXT cert = NULL;
    while ((cert = CertFindCertificateInStore(*store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_ANY,
                                              NULL, cert)) != NULL) {
        DWORD size = 0;
        if (CertGetCertificateContextProperty(cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &size))
            return cert;
    }
    printf("error: no certificate with a private key in %s\n", path);
    fflush(stdout);
    CertCloseStore(*store, 0);
    *store = NULL;
    return NULL;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    const struct option_def defs[] = {
        {"--insecure", &o->insecure, NULL},     {"--fallback-scsv", &o->fallback_scsv, NULL},
        {"--host", NULL, &o->host},
        {"--port", NULL, &o->port},             {"--cafile", NULL, &o->cafile},
        {"--servername", NULL, &o->servername}, {"--send", NULL, &o->send_text},
        {"--reconnect", NULL, &o->reconnect_text}, {"--renegotiate-after", NULL, &o->renegotiate_text},
        {"--cert", NULL, &o->cert},             {"--key", NULL, &o->key},
        {"--pfx", NULL, &o->pfx},               {"--pfx-password", NULL, &o->pfx_password},
    };
    if (parse_argv("tls-client", 0, usage, defs, sizeof defs / sizeof defs[0], argc, argv, &o->tls) != 0)
        return -1;
    if (!o->host || !o->port) {
        fprintf(stderr, "tls-client: --host and --port are required\n");
        return -1;
    }
    if (!o->cert != !o->key) {
        fprintf(stderr, "tls-client: --cert and --key go together\n");
        return -1;
    }
    if (o->pfx && o->cert) {
        fprintf(stderr, "tls-client: --pfx and --cert exclude each other\n");
        return -1;
    }
    if (o->pfx_password && !o->pfx) {
        fprintf(stderr, "tls-client: --pfx-password needs --pfx\n");
        return -1;
    }
    o->reconnect = o->reconnect_text ? parse_count(o->reconnect_text) : -1;
    o->renegotiate_after = o->renegotiate_text ? parse_count(o->renegotiate_text) : -1;
    if ((o->reconnect_text && o->reconnect < 0) || (o->renegotiate_text && o->renegotiate_after < 0)) {
        fprintf(stderr, "tls-client: --reconnect and --renegotiate-after take a count\n");
        return -1;
    }
    return 0;
}

/*
 * One connection on the credential in c->cred: connect, handshake, report,
 * optional renegotiation, --send, print what comes back, close_notify.
 * Returns 0 when it went well; leaves c ready for the next connection.
 */
static int run_connection(const struct options *opt, struct tls_conn *c)
{
    int ok = 0;
    c->fd = tcp_connect(opt->host, opt->port);
    if (c->fd < 0)
        return -1;

    if (client_handshake(c) != SEC_E_OK)
        goto out;
    if (report_connection(c) != 0 || (opt->reconnect >= 0 && report_reused(c) != 0) ||
        (opt->tls.alpn && report_alpn(c) != 0) || setup_stream(c) != 0)
        goto out;
    if (c->continued_without_cert) {
        printf("client-auth: none\n");
        fflush(stdout);
    }
    if (opt->renegotiate_after == 0 && start_renegotiation(c) != 0)
        goto out;

    if (opt->send_text) {
        size_t n = strlen(opt->send_text);
        char *line = malloc(n + 1);
        if (!line) {
            print_error("out of memory");
            goto out;
        }
        memcpy(line, opt->send_text, n);
        line[n] = '\n';
        int rc = send_encrypted(c, line, n + 1);
        free(line);
        if (rc != 0)
            goto out;
    }

    /* Print what the server sends until it closes (close_notify or EOF) or
     * stays silent for SILENCE_TIMEOUT_MS. */
    if (decrypt_loop(c, SILENCE_TIMEOUT_MS, NULL, print_data) != 0)
        goto out;

    send_close_notify(c, isc_step);
    ok = 1;

out:
    if (c->have_ctx)
        DeleteSecurityContext(&c->ctx);
    memset(&c->ctx, 0, sizeof c->ctx);
    c->have_ctx = 0;
    close(c->fd);
    c->fd = -1;
    c->used = 0;
    c->renegotiation_started = 0;
    c->data_records = 0;
    c->continued_without_cert = 0;
    free(c->out);
    c->out = NULL;
    return ok ? 0 : -1;
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
    c.step = isc_step;
    c.is_client = 1;
    c.renegotiate_after = opt.renegotiate_after;
    c.alpn = opt.tls.alpn;
    c.alpn_len = opt.tls.alpn_len;
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

    /* The client certificate, if any: the credential keeps what it needs,
     * so the context (and PFX store) are released after acquiring it. */
    PCCERT_CONTEXT client_cert = NULL;
    HCERTSTORE pfx_store = NULL;
    if (opt.cert) {
        client_cert = load_certificate(opt.cert, opt.key, NULL);
        if (!client_cert)
            goto out_store;
    } else if (opt.pfx) {
        client_cert = load_pfx(opt.pfx, opt.pfx_password, &pfx_store);
        if (!client_cert)
            goto out_store;
    }

    SCHANNEL_CRED sc;
    memset(&sc, 0, sizeof sc);
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.hRootStore = roots;
    if (client_cert) {
        sc.cCreds = 1;
        sc.paCred = &client_cert;
    }
    sc.grbitEnabledProtocols = opt.tls.protocols;
    sc.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | (opt.insecure ? SCH_CRED_MANUAL_CRED_VALIDATION : 0);

    if (acquire_credentials(SECPKG_CRED_OUTBOUND, &sc, &opt.tls, &cred) != 0)
        goto out_store;
    if (opt.fallback_scsv) {
        SECURITY_STATUS st = OpenSchannelSetFallbackScsv(&cred, TRUE);
        if (st != SEC_E_OK) {
            print_status_error(st);
            FreeCredentialsHandle(&cred);
            goto out_store;
        }
    }

    /* The first connection, then --reconnect N more on the same credential:
     * the provider offers the session it cached for this target name. */
    ok = 1;
    for (long i = 0; ok && i <= (opt.reconnect > 0 ? opt.reconnect : 0); i++)
        ok = run_connection(&opt, &c) == 0;

    FreeCredentialsHandle(&cred);
out_store:
    if (client_cert)
        CertFreeCertificateContext(client_cert);
    if (pfx_store)
        CertCloseStore(pfx_store, 0);
    if (roots)
        CertCloseStore(roots, 0);
    free(c.in);
    free(opt.tls.alpn);
    return ok ? 0 : 1;
}
