/*
 * common.h: the parts tls-client.c and tls-server.c share. Socket I/O, the
 * SSPI handshake and record loops (the role-specific InitializeSecurityContext
 * / AcceptSecurityContext call is passed in), EncryptMessage, close_notify,
 * the status / protocol / cipher output lines, and command-line parsing of the
 * options both programs accept. Plain C11 + POSIX + openschannel.h.
 */
#ifndef OPENSCHANNEL_EXAMPLES_COMMON_H
#define OPENSCHANNEL_EXAMPLES_COMMON_H

#include "openschannel.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define IO_BUFFER_SIZE (1u << 17)  /* room for a whole handshake flight */
#define HANDSHAKE_TIMEOUT_MS 10000 /* per read while handshaking */
#define MAX_CIPHERS 64
#define MAX_CRLS 16

/* Set from a signal handler (tls-server) to make pending reads give up. */
extern volatile sig_atomic_t stop_requested;

struct tls_conn;

/* One InitializeSecurityContext / AcceptSecurityContext call on c (`in` may
 * be NULL, `out` is one TOKEN buffer for ALLOCATE_MEMORY). */
typedef SECURITY_STATUS (*sspi_step_fn)(struct tls_conn *c, SecBufferDesc *in, SecBufferDesc *out);

/* One TLS connection: socket, SSPI handles, and the receive buffer whose first
 * `used` bytes are received but not yet consumed by Schannel. */
struct tls_conn {
    int fd;
    CredHandle *cred;
    CtxtHandle ctx;
    int have_ctx;
    char *target;       /* pszTargetName for InitializeSecurityContext (client) */
    unsigned char *in;  /* IO_BUFFER_SIZE bytes */
    size_t used;
    SecPkgContext_StreamSizes sizes;
    unsigned char *out; /* one record: header | data | trailer (setup_stream) */

    /* The role's ISC/ASC call on an established context (renegotiation). */
    sspi_step_fn step;
    int is_client;          /* a client retries without a certificate when asked for one */
    /* Renegotiation we start ourselves: after this many application records
     * (DecryptMessage calls that returned data); -1 = never, 0 = right after
     * the handshake (the program calls start_renegotiation itself). */
    long renegotiate_after;
    int renegotiation_started;
    unsigned long data_records; /* DecryptMessage calls that returned data */
    /* Set by handshake_loop: 1 when SEC_E_OK came without any
     * SEC_I_CONTINUE_NEEDED and its token is an alert record, i.e. our side
     * answered a peer's renegotiation request with a no_renegotiation
     * warning; 2 when the call returned SEC_I_NO_RENEGOTIATION (the peer
     * declined ours; handshake_loop then returns SEC_E_OK). */
    int declined;
    void *app; /* the program's per-connection state (data_fn callbacks) */
    /* --alpn: a SEC_APPLICATION_PROTOCOLS blob (build_alpn_buffer) passed as a
     * SECBUFFER_APPLICATION_PROTOCOLS input buffer beside the TOKEN while
     * alpn_in_loop is set (the server's first handshake); the client passes it
     * to its first InitializeSecurityContext call itself. */
    const unsigned char *alpn;
    ULONG alpn_len;
    int alpn_in_loop;
    /* Set by handshake_loop when the client got SEC_I_INCOMPLETE_CREDENTIALS
     * (the server asked for a certificate the credential does not have) and
     * went on without one. */
    int continued_without_cert;
};

/* "error: SEC_E_NAME (0x%08x)" / "error: <what>" on stdout, flushed. */
void print_status_error(SECURITY_STATUS status);
void print_error(const char *what);

/* OpenSchannelLoadCertificateFiles(cert, key, chain); on failure prints
 * "error: cannot load certificate CERT with key KEY" and returns NULL. */
PCCERT_CONTEXT load_certificate(const char *cert, const char *key, const char *chain);

/* Sends and frees an output token produced with ALLOCATE_MEMORY. Returns 0,
 * or -1 when sending failed (the token is freed either way). */
int flush_token(struct tls_conn *c, SecBuffer *tok);

/*
 * The handshake loop: input [TOKEN = c->in, EMPTY], output [TOKEN], `step`
 * per round; reads first when need_read. Output tokens are sent; an EXTRA
 * buffer is moved to the front of c->in and fed back without reading. Sets
 * c->have_ctx once the call has produced a context. retry_without_cert: on
 * SEC_I_INCOMPLETE_CREDENTIALS (the server asked for a client certificate and
 * we have none) call once more with the same input, which proceeds without
 * one. Returns SEC_E_OK or the failing status (already printed, with
 * "alert: N" for an alert token, which is sent). On success c->in keeps any
 * bytes that followed the handshake (application data). Sets c->declined (see
 * struct tls_conn).
 */
SECURITY_STATUS handshake_loop(struct tls_conn *c, int need_read, sspi_step_fn step, int retry_without_cert);

/* Prints "protocol: ..." and "cipher: ..."; returns 0, or -1 (printed). */
int report_connection(struct tls_conn *c);

/* Prints "reused: yes" when the handshake resumed a cached session
 * (SECPKG_ATTR_SESSION_INFO dwFlags & SSL_SESSION_RECONNECT), else
 * "reused: no"; returns 0, or -1 (printed). */
int report_reused(struct tls_conn *c);

/* Prints "alpn: <protocol>" (SECPKG_ATTR_APPLICATION_PROTOCOL, status
 * Success) or "alpn: none"; returns 0, or -1 (printed). */
int report_alpn(struct tls_conn *c);

/* Queries SECPKG_ATTR_STREAM_SIZES and (re)allocates c->out; 0 or -1 (printed). */
int setup_stream(struct tls_conn *c);

/* EncryptMessage in records of at most cbMaximumMessage bytes, each sent as
 * header | data | trailer. Returns 0, or -1 (printed). */
int send_encrypted(struct tls_conn *c, const void *data, size_t len);

/*
 * The DecryptMessage loop: [DATA, EMPTY, EMPTY, EMPTY] over c->in until the
 * peer closes (close_notify or EOF). Non-empty plaintext goes to on_data
 * (before the EXTRA bytes are moved over it). SEC_I_RENEGOTIATE: the new
 * handshake's bytes (the EXTRA buffer) are moved to the front of c->in and
 * renegotiate() runs the handshake loop on them; decrypting then goes on with
 * what is left, and first without reading, because application data that
 * arrived during the handshake is returned by the next DecryptMessage from the
 * context's memory. After c->renegotiate_after data records, starts a
 * renegotiation (start_renegotiation). Reads wait timeout_ms; when that
 * passes, timeout_error == NULL ends the loop normally, otherwise it is
 * printed as a failure. Returns 0, or -1 on a failure (printed, or the
 * callback's).
 */
typedef int (*data_fn)(struct tls_conn *c, const unsigned char *data, size_t len);
int decrypt_loop(struct tls_conn *c, int timeout_ms, const char *timeout_error, data_fn on_data);

/*
 * The peer started a new handshake and its first bytes are at the front of
 * c->in (or we started one and sent our hello): runs the handshake loop with
 * c->step to SEC_E_OK and prints "renegotiated", or "renegotiation declined"
 * when our policy answered with a no_renegotiation warning, or "renegotiation
 * declined by peer" for SEC_I_NO_RENEGOTIATION (either way the connection
 * goes on with the old keys). Refreshes the stream sizes. Returns 0, or -1
 * (printed).
 */
int renegotiate(struct tls_conn *c);

/*
 * Starts a renegotiation from our side: ApplyControlToken with a TOKEN
 * holding the DWORD SCHANNEL_RENEGOTIATE, then c->step with no input. A
 * client gets SEC_I_CONTINUE_NEEDED and a ClientHello, sends it and runs
 * renegotiate(); a server gets SEC_E_OK and a HelloRequest, sends it and goes
 * back to DecryptMessage (the client's hello comes as SEC_I_RENEGOTIATE). If
 * our policy forbids renegotiating with this peer it prints
 * "renegotiation declined: SEC_E_NAME (0x...)" and the connection goes on.
 * Returns 0, or -1 (printed).
 */
int start_renegotiation(struct tls_conn *c);

/* close_notify: ApplyControlToken(SCHANNEL_SHUTDOWN), then `step` (no input)
 * yields the record to send. Send errors are ignored: the peer may already be
 * gone. */
void send_close_notify(struct tls_conn *c, sspi_step_fn step);

/*
 * The SEC_APPLICATION_PROTOCOLS structure for a comma-separated ALPN list
 * ("h2,http/1.1"): ProtocolListsSize, then one SEC_APPLICATION_PROTOCOL_LIST
 * with ProtoNegoExt = SecApplicationProtocolNegotiationExt_ALPN and the names
 * in RFC 7301 wire form (one length byte each). Returns malloc'ed bytes and
 * their count in *len, or NULL for an empty name, a name over 255 bytes or a
 * list over 65,535 bytes.
 */
unsigned char *build_alpn_buffer(const char *list, ULONG *len);

/* Options accepted by both programs: --protocol, --cipher, --no-record-split,
 * --refuse-renegotiation, --allow-insecure-renegotiation, --alpn, --crl,
 * --revocation, --ignore-no-revocation-check, --ignore-revocation-offline. */
struct tls_options {
    DWORD protocols; /* grbitEnabledProtocols */
    uint16_t ciphers[MAX_CIPHERS];
    uint32_t n_ciphers;
    uint32_t ssl2_kinds[MAX_CIPHERS]; /* SSL 2.0 cipher kinds named with --cipher SSL_CK_... */
    uint32_t n_ssl2_kinds;
    int no_record_split;              /* OpenSchannelSetRecordSplitting(&cred, 0) */
    int refuse_renegotiation;         /* OPENSCHANNEL_RENEGOTIATION_REFUSE */
    int allow_insecure_renegotiation; /* OPENSCHANNEL_RENEGOTIATION_ALLOW_INSECURE */
    unsigned char *alpn;              /* --alpn LIST as SEC_APPLICATION_PROTOCOLS, or NULL */
    ULONG alpn_len;
    const char *crls[MAX_CRLS];       /* --crl PATH (repeatable): OpenSchannelAddCrlFile */
    unsigned n_crls;
    /* --revocation end|chain|chain-exclude-root: SCH_CRED_REVOCATION_CHECK_*;
     * --ignore-no-revocation-check, --ignore-revocation-offline: SCH_CRED_IGNORE_*.
     * OR-ed into SCHANNEL_CRED.dwFlags by acquire_credentials. */
    DWORD revocation_flags;
    DWORD min_strength, max_strength; /* dwMinimum/MaximumCipherStrength, 0 = defaults */
};

/* A program's own option: a flag (sets *flag to 1) or one taking a value
 * (stored in *value). */
struct option_def {
    const char *name;
    int *flag;
    const char **value;
};

/* A non-negative decimal count (--reconnect, --renegotiate-after); -1 if bad. */
long parse_count(const char *text);

/*
 * Parses argv: the options in defs, --help / -h (usage(), exit 0), and
 * --protocol / --cipher / --no-record-split / --refuse-renegotiation /
 * --allow-insecure-renegotiation / --alpn / --crl / --revocation /
 * --ignore-no-revocation-check / --ignore-revocation-offline into *tls (SP_PROT_*_SERVER bits when
 * `server`, else *_CLIENT). Messages name `prog`. An unknown cipher prints
 * "error: unknown cipher S" and exits 2. Returns 0, or -1 on a bad command
 * line (message on stderr; also for both renegotiation options at once,
 * a bad --alpn list, an unknown --revocation mode and too many --crl).
 */
int parse_argv(const char *prog, int server, void (*usage)(void), const struct option_def *defs, size_t n_defs,
               int argc, char **argv, struct tls_options *tls);

/* AcquireCredentialsHandle(UNISP_NAME) with sc (its dwFlags gain the
 * revocation flags), then the --cipher list if any,
 * OpenSchannelSetRecordSplitting(&cred, 0) for --no-record-split,
 * OpenSchannelSetRenegotiation for the renegotiation options and
 * OpenSchannelAddCrlFile for each --crl ("error: cannot load CRL PATH" when
 * it fails). Returns 0, or -1 (printed; no handle left to free). */
int acquire_credentials(ULONG use, SCHANNEL_CRED *sc, const struct tls_options *tls, CredHandle *cred);

#endif
