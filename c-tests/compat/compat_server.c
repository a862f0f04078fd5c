/*
 * compat_server.c: a Schannel server written the way Windows SDK samples and well-known
 * Schannel servers are: the certificate comes from a certificate store (PFXImportCertStore of a
 * PKCS#12 file, a file store opened with CertOpenStore, or the "MY" system store) found with
 * CertFindCertificateInStore, AcceptSecurityContext with SECBUFFER_EXTRA carry-over,
 * DecryptMessage / EncryptMessage, and SCHANNEL_SHUTDOWN when the client closes.
 *
 * Compiled unchanged from Windows-style source; the only Linux-specific include is
 * winsock_shim.h. Build: `make -C c-tests/compat programs`.
 *
 * usage: compat-server PORT (--pfx FILE --password PW | --file-store FILE | --system-store NAME)
 *                      [--subject NAME] [--connections N]
 *   Listens on 127.0.0.1:PORT (0 = any free port) and prints "listening: N"; for each client,
 *   "handshake: ok", "protocol: 0x.. cipher: 0x..", every line received as "recv: ..." (and
 *   echoes it back upper-cased), "close_notify received" and "shutdown: ok".
 */
#define SECURITY_WIN32
#include "winsock_shim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <wincrypt.h>
#include <schannel.h>
#include <security.h>
#include <sspi.h>

#define IO_BUFFER_SIZE 0x10000

static void Fail(const char *what, SECURITY_STATUS Status) {
    fprintf(stderr, "error: %s: 0x%08x (%s)\n", what, (unsigned)Status, OpenSchannelStatusName(Status));
}

/* ASCII argv → UTF-16 (what MultiByteToWideChar(CP_ACP, ...) does for ASCII). */
static void ToWide(const char *s, WCHAR *w, size_t n) {
    size_t i;
    for (i = 0; s[i] && i + 1 < n; i++)
        w[i] = (WCHAR)(unsigned char)s[i];
    w[i] = 0;
}

static BOOL ReadWholeFile(const char *path, CRYPT_DATA_BLOB *blob) {
    FILE *f = fopen(path, "rb");
    long n;
    if (!f)
        return FALSE;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    blob->pbData = (BYTE *)malloc(n > 0 ? (size_t)n : 1);
    blob->cbData = (DWORD)fread(blob->pbData, 1, (size_t)n, f) ;
    fclose(f);
    return blob->cbData == (DWORD)n;
}

/* Opens the store named on the command line and finds the server certificate by subject. */
static PCCERT_CONTEXT FindServerCertificate(int argc, char **argv, HCERTSTORE *phStore) {
    HCERTSTORE hStore = NULL;
    PCCERT_CONTEXT pCert;
    WCHAR wszSubject[256], wszPassword[256], wszPath[1024];
    const char *subject = "localhost", *password = "";
    const char *pfx = NULL, *file = NULL, *system = NULL;
    int i;

    for (i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--pfx") == 0)
            pfx = argv[i + 1];
        else if (strcmp(argv[i], "--password") == 0)
            password = argv[i + 1];
        else if (strcmp(argv[i], "--file-store") == 0)
            file = argv[i + 1];
        else if (strcmp(argv[i], "--system-store") == 0)
            system = argv[i + 1];
        else if (strcmp(argv[i], "--subject") == 0)
            subject = argv[i + 1];
    }
    ToWide(subject, wszSubject, 256);

    if (pfx) {
        CRYPT_DATA_BLOB PfxBlob;
        if (!ReadWholeFile(pfx, &PfxBlob)) {
            fprintf(stderr, "error: cannot read %s\n", pfx);
            return NULL;
        }
        if (!PFXIsPFXBlob(&PfxBlob)) {
            fprintf(stderr, "error: %s is not a PFX blob\n", pfx);
            return NULL;
        }
        ToWide(password, wszPassword, 256);
        hStore = PFXImportCertStore(&PfxBlob, wszPassword, CRYPT_EXPORTABLE | CRYPT_USER_KEYSET);
        free(PfxBlob.pbData);
    } else if (file) {
        ToWide(file, wszPath, 1024);
        hStore = CertOpenStore(CERT_STORE_PROV_FILENAME, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                               CERT_STORE_OPEN_EXISTING_FLAG | CERT_STORE_READONLY_FLAG, wszPath);
    } else if (system) {
        ToWide(system, wszPath, 1024);
        hStore = CertOpenStore(CERT_STORE_PROV_SYSTEM, X509_ASN_ENCODING, 0,
                               CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_READONLY_FLAG, wszPath);
    }
    if (hStore == NULL) {
        fprintf(stderr, "error: cannot open the certificate store: 0x%08x\n", (unsigned)GetLastError());
        return NULL;
    }
    pCert = CertFindCertificateInStore(hStore, X509_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR, wszSubject, NULL);
    if (pCert == NULL) {
        fprintf(stderr, "error: no certificate for \"%s\" in the store: 0x%08x\n", subject,
                (unsigned)GetLastError());
        CertCloseStore(hStore, 0);
        return NULL;
    }
    *phStore = hStore;
    return pCert;
}

static SECURITY_STATUS CreateCredentials(PCCERT_CONTEXT pCertContext, PCredHandle phCreds) {
    SCHANNEL_CRED SchannelCred;
    TimeStamp tsExpiry;

    memset(&SchannelCred, 0, sizeof(SchannelCred));
    SchannelCred.dwVersion = SCHANNEL_CRED_VERSION;
    SchannelCred.cCreds = 1;
    SchannelCred.paCred = &pCertContext;
    SchannelCred.grbitEnabledProtocols = SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_1_SERVER | SP_PROT_TLS1_0_SERVER;
    return AcquireCredentialsHandle(NULL, (LPWSTR)UNISP_NAME, SECPKG_CRED_INBOUND, NULL, &SchannelCred, NULL,
                                    NULL, phCreds, &tsExpiry);
}

static BOOL SendAll(SOCKET Socket, const void *pv, DWORD cb) {
    const char *p = (const char *)pv;
    while (cb > 0) {
        ssize_t n = send(Socket, p, cb, 0);
        if (n == SOCKET_ERROR || n == 0)
            return FALSE;
        p += n;
        cb -= (DWORD)n;
    }
    return TRUE;
}

static SECURITY_STATUS ServerHandshake(SOCKET Socket, PCredHandle phCreds, CtxtHandle *phContext, char *IoBuffer,
                                       DWORD *pcbIoBuffer) {
    SecBufferDesc InBuffer, OutBuffer;
    SecBuffer InBuffers[2], OutBuffers[1];
    DWORD dwSSPIFlags, dwSSPIOutFlags = 0;
    TimeStamp tsExpiry;
    SECURITY_STATUS scRet = SEC_E_INCOMPLETE_MESSAGE;
    DWORD cbIoBuffer = 0;
    BOOL fInitContext = TRUE;

    dwSSPIFlags = ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY |
                  ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM;

    while (scRet == SEC_I_CONTINUE_NEEDED || scRet == SEC_E_INCOMPLETE_MESSAGE ||
           scRet == SEC_I_INCOMPLETE_CREDENTIALS) {
        if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
            ssize_t n = recv(Socket, IoBuffer + cbIoBuffer, IO_BUFFER_SIZE - cbIoBuffer, 0);
            if (n == SOCKET_ERROR || n == 0) {
                fprintf(stderr, "error: client went away during the handshake\n");
                return SEC_E_INTERNAL_ERROR;
            }
            cbIoBuffer += (DWORD)n;
        }

        InBuffers[0].pvBuffer = IoBuffer;
        InBuffers[0].cbBuffer = cbIoBuffer;
        InBuffers[0].BufferType = SECBUFFER_TOKEN;
        InBuffers[1].pvBuffer = NULL;
        InBuffers[1].cbBuffer = 0;
        InBuffers[1].BufferType = SECBUFFER_EMPTY;
        InBuffer.cBuffers = 2;
        InBuffer.pBuffers = InBuffers;
        InBuffer.ulVersion = SECBUFFER_VERSION;
        OutBuffers[0].pvBuffer = NULL;
        OutBuffers[0].BufferType = SECBUFFER_TOKEN;
        OutBuffers[0].cbBuffer = 0;
        OutBuffer.cBuffers = 1;
        OutBuffer.pBuffers = OutBuffers;
        OutBuffer.ulVersion = SECBUFFER_VERSION;

        scRet = AcceptSecurityContext(phCreds, fInitContext ? NULL : phContext, &InBuffer, dwSSPIFlags,
                                      SECURITY_NATIVE_DREP, fInitContext ? phContext : NULL, &OutBuffer,
                                      &dwSSPIOutFlags, &tsExpiry);
        fInitContext = FALSE;

        if (scRet == SEC_E_OK || scRet == SEC_I_CONTINUE_NEEDED ||
            (FAILED(scRet) && (dwSSPIOutFlags & ASC_RET_EXTENDED_ERROR))) {
            if (OutBuffers[0].cbBuffer != 0 && OutBuffers[0].pvBuffer != NULL) {
                BOOL ok = SendAll(Socket, OutBuffers[0].pvBuffer, OutBuffers[0].cbBuffer);
                FreeContextBuffer(OutBuffers[0].pvBuffer);
                OutBuffers[0].pvBuffer = NULL;
                if (!ok)
                    return SEC_E_INTERNAL_ERROR;
            }
        }
        if (OutBuffers[0].pvBuffer != NULL)
            FreeContextBuffer(OutBuffers[0].pvBuffer);

        if (scRet == SEC_E_INCOMPLETE_MESSAGE)
            continue;
        if (FAILED(scRet)) {
            Fail("AcceptSecurityContext", scRet);
            return scRet;
        }
        if (InBuffers[1].BufferType == SECBUFFER_EXTRA) {
            memmove(IoBuffer, IoBuffer + (cbIoBuffer - InBuffers[1].cbBuffer), InBuffers[1].cbBuffer);
            cbIoBuffer = InBuffers[1].cbBuffer;
        } else {
            cbIoBuffer = 0;
        }
    }
    *pcbIoBuffer = cbIoBuffer;
    return scRet;
}

static SECURITY_STATUS EncryptSend(SOCKET Socket, CtxtHandle *phContext, const SecPkgContext_StreamSizes *pSizes,
                                   const char *data, DWORD cbData) {
    static BYTE Buffer[IO_BUFFER_SIZE + 2048];
    SecBufferDesc Message;
    SecBuffer Buffers[4];
    SECURITY_STATUS scRet;

    memcpy(Buffer + pSizes->cbHeader, data, cbData);
    Buffers[0].pvBuffer = Buffer;
    Buffers[0].cbBuffer = pSizes->cbHeader;
    Buffers[0].BufferType = SECBUFFER_STREAM_HEADER;
    Buffers[1].pvBuffer = Buffer + pSizes->cbHeader;
    Buffers[1].cbBuffer = cbData;
    Buffers[1].BufferType = SECBUFFER_DATA;
    Buffers[2].pvBuffer = Buffer + pSizes->cbHeader + cbData;
    Buffers[2].cbBuffer = pSizes->cbTrailer;
    Buffers[2].BufferType = SECBUFFER_STREAM_TRAILER;
    Buffers[3].pvBuffer = NULL;
    Buffers[3].cbBuffer = 0;
    Buffers[3].BufferType = SECBUFFER_EMPTY;
    Message.ulVersion = SECBUFFER_VERSION;
    Message.cBuffers = 4;
    Message.pBuffers = Buffers;
    scRet = EncryptMessage(phContext, 0, &Message, 0);
    if (FAILED(scRet)) {
        Fail("EncryptMessage", scRet);
        return scRet;
    }
    return SendAll(Socket, Buffer, Buffers[0].cbBuffer + Buffers[1].cbBuffer + Buffers[2].cbBuffer)
               ? SEC_E_OK
               : SEC_E_INTERNAL_ERROR;
}

static void Shutdown(SOCKET Socket, PCredHandle phCreds, CtxtHandle *phContext) {
    DWORD dwType = SCHANNEL_SHUTDOWN;
    SecBufferDesc OutBuffer;
    SecBuffer OutBuffers[1];
    DWORD dwSSPIOutFlags = 0;
    TimeStamp tsExpiry;
    SECURITY_STATUS Status;

    OutBuffers[0].pvBuffer = &dwType;
    OutBuffers[0].BufferType = SECBUFFER_TOKEN;
    OutBuffers[0].cbBuffer = sizeof(dwType);
    OutBuffer.cBuffers = 1;
    OutBuffer.pBuffers = OutBuffers;
    OutBuffer.ulVersion = SECBUFFER_VERSION;
    Status = ApplyControlToken(phContext, &OutBuffer);
    if (FAILED(Status)) {
        Fail("ApplyControlToken", Status);
        return;
    }
    OutBuffers[0].pvBuffer = NULL;
    OutBuffers[0].BufferType = SECBUFFER_TOKEN;
    OutBuffers[0].cbBuffer = 0;
    Status = AcceptSecurityContext(phCreds, phContext, NULL,
                                   ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_CONFIDENTIALITY |
                                       ASC_REQ_EXTENDED_ERROR | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_STREAM,
                                   SECURITY_NATIVE_DREP, NULL, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
    if (FAILED(Status)) {
        Fail("AcceptSecurityContext (shutdown)", Status);
        return;
    }
    if (OutBuffers[0].pvBuffer && OutBuffers[0].cbBuffer) {
        SendAll(Socket, OutBuffers[0].pvBuffer, OutBuffers[0].cbBuffer);
        FreeContextBuffer(OutBuffers[0].pvBuffer);
    }
    printf("shutdown: ok\n");
}

/* One client: handshake, echo each line upper-cased, close on close_notify. */
static int ServeClient(SOCKET Client, PCredHandle phCreds) {
    static char IoBuffer[IO_BUFFER_SIZE];
    static char Line[4096];
    size_t cbLine = 0;
    CtxtHandle hContext;
    SecPkgContext_StreamSizes Sizes;
    SecPkgContext_ConnectionInfo ConnInfo;
    SecBufferDesc Message;
    SecBuffer Buffers[4];
    SECURITY_STATUS scRet;
    DWORD cbIoBuffer = 0, i;
    int rc = 1;

    SecInvalidateHandle(&hContext);
    scRet = ServerHandshake(Client, phCreds, &hContext, IoBuffer, &cbIoBuffer);
    if (scRet != SEC_E_OK)
        goto done;
    printf("handshake: ok\n");
    if (QueryContextAttributes(&hContext, SECPKG_ATTR_CONNECTION_INFO, &ConnInfo) == SEC_E_OK)
        printf("protocol: 0x%x cipher: 0x%x\n", (unsigned)ConnInfo.dwProtocol, (unsigned)ConnInfo.aiCipher);
    scRet = QueryContextAttributes(&hContext, SECPKG_ATTR_STREAM_SIZES, &Sizes);
    if (scRet != SEC_E_OK) {
        Fail("QueryContextAttributes(STREAM_SIZES)", scRet);
        goto done;
    }
    fflush(stdout);

    scRet = SEC_E_OK;
    for (;;) {
        if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
            ssize_t n = recv(Client, IoBuffer + cbIoBuffer, IO_BUFFER_SIZE - cbIoBuffer, 0);
            if (n == SOCKET_ERROR || n == 0) {
                printf("peer closed the connection\n");
                break;
            }
            cbIoBuffer += (DWORD)n;
        }
        Buffers[0].pvBuffer = IoBuffer;
        Buffers[0].cbBuffer = cbIoBuffer;
        Buffers[0].BufferType = SECBUFFER_DATA;
        Buffers[1].BufferType = SECBUFFER_EMPTY;
        Buffers[2].BufferType = SECBUFFER_EMPTY;
        Buffers[3].BufferType = SECBUFFER_EMPTY;
        Message.ulVersion = SECBUFFER_VERSION;
        Message.cBuffers = 4;
        Message.pBuffers = Buffers;
        scRet = DecryptMessage(&hContext, &Message, 0, NULL);
        if (scRet == SEC_E_INCOMPLETE_MESSAGE)
            continue;
        if (scRet == SEC_I_CONTEXT_EXPIRED) {
            printf("close_notify received\n");
            Shutdown(Client, phCreds, &hContext);
            rc = 0;
            break;
        }
        if (scRet != SEC_E_OK) {
            Fail("DecryptMessage", scRet);
            break;
        }
        for (i = 1; i < 4; i++) {
            if (Buffers[i].BufferType == SECBUFFER_DATA) {
                const char *p = (const char *)Buffers[i].pvBuffer;
                DWORD j;
                for (j = 0; j < Buffers[i].cbBuffer; j++) {
                    if (p[j] == '\n' || cbLine == sizeof(Line) - 2) {
                        Line[cbLine] = 0;
                        printf("recv: %s\n", Line);
                        fflush(stdout);
                        for (size_t k = 0; k < cbLine; k++)
                            Line[k] = (char)toupper((unsigned char)Line[k]);
                        Line[cbLine++] = '\n';
                        if (EncryptSend(Client, &hContext, &Sizes, Line, (DWORD)cbLine) != SEC_E_OK)
                            goto done;
                        cbLine = 0;
                    } else if (p[j] != '\r') {
                        Line[cbLine++] = p[j];
                    }
                }
            }
        }
        cbIoBuffer = 0;
        for (i = 1; i < 4; i++) {
            if (Buffers[i].BufferType == SECBUFFER_EXTRA) {
                memmove(IoBuffer, Buffers[i].pvBuffer, Buffers[i].cbBuffer);
                cbIoBuffer = Buffers[i].cbBuffer;
            }
        }
    }
done:
    if (SecIsValidHandle(&hContext))
        DeleteSecurityContext(&hContext);
    fflush(stdout);
    return rc;
}

int main(int argc, char **argv) {
    WSADATA WsaData;
    HCERTSTORE hStore = NULL;
    PCCERT_CONTEXT pCert;
    CredHandle hCreds;
    SECURITY_STATUS Status;
    SOCKET Listen, Client;
    struct sockaddr_in addr;
    socklen_t addrlen = sizeof(addr);
    int connections = 1, i, failures = 0, one = 1;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr,
                "usage: %s PORT (--pfx FILE --password PW | --file-store FILE | --system-store NAME) "
                "[--subject NAME] [--connections N]\n",
                argv[0]);
        return argc < 2 ? 2 : 0;
    }
    for (i = 2; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--connections") == 0)
            connections = atoi(argv[i + 1]);

    WSAStartup(MAKEWORD(2, 2), &WsaData);
    pCert = FindServerCertificate(argc, argv, &hStore);
    if (pCert == NULL)
        return 1;
    {
        char name[256];
        CertGetNameStringA(pCert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, name, sizeof(name));
        printf("certificate: %s\n", name);
    }
    Status = CreateCredentials(pCert, &hCreds);
    CertFreeCertificateContext(pCert);
    CertCloseStore(hStore, 0);
    if (Status != SEC_E_OK) {
        Fail("AcquireCredentialsHandle", Status);
        return 1;
    }

    Listen = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(Listen, SOL_SOCKET, SO_REUSEADDR, (const char *)&one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)atoi(argv[1]));
    if (bind(Listen, (struct sockaddr *)&addr, sizeof(addr)) == SOCKET_ERROR || listen(Listen, 8) == SOCKET_ERROR) {
        fprintf(stderr, "error: bind/listen: %d\n", WSAGetLastError());
        return 1;
    }
    getsockname(Listen, (struct sockaddr *)&addr, &addrlen);
    printf("listening: %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    for (i = 0; i < connections; i++) {
        Client = accept(Listen, NULL, NULL);
        if (Client == INVALID_SOCKET)
            break;
        failures += ServeClient(Client, &hCreds);
        closesocket(Client);
    }
    closesocket(Listen);
    FreeCredentialsHandle(&hCreds);
    WSACleanup();
    return failures ? 1 : 0;
}
