/*
 * compat_client.c: a Schannel client written the way the Windows SDK "WebClient" sample and
 * well-known Schannel clients (curl's schannel.c, many in-house ports) are written: the SSPI
 * function table from InitSecurityInterface(), UNICODE W calls, a handshake loop that carries
 * SECBUFFER_EXTRA over, SEC_I_INCOMPLETE_CREDENTIALS answered from the "MY" store (or
 * anonymously), SEC_I_RENEGOTIATE re-entering the handshake loop, server validation with
 * CertGetCertificateChain + CertVerifyCertificateChainPolicy, and SCHANNEL_SHUTDOWN.
 *
 * It is compiled unchanged from Windows-style source; the only Linux-specific include is
 * winsock_shim.h (Winsock names over POSIX sockets). Build: `make -C c-tests/compat programs`.
 *
 * usage: compat-client HOST PORT SERVERNAME [--send TEXT] [--until LINE]
 *   prints "handshake: ok", "verified: SERVERNAME", "protocol: 0x..", every received line as
 *   "recv: ...", "renegotiated" on each SEC_I_RENEGOTIATE, "incomplete credentials: ..." when
 *   the server asks for a certificate, and "shutdown: ok" after sending close_notify.
 */
#define SECURITY_WIN32
#include "winsock_shim.h"

#include <stdio.h>
#include <stdlib.h>

#include <wincrypt.h>
#include <schannel.h>
#include <security.h>
#include <sspi.h>

#define IO_BUFFER_SIZE 0x10000

static PSecurityFunctionTable g_pSSPI;
static SEC_WCHAR g_wszServerName[256];

static void Fail(const char *what, SECURITY_STATUS Status) {
    fprintf(stderr, "error: %s: 0x%08x (%s)\n", what, (unsigned)Status, OpenSchannelStatusName(Status));
}

static BOOL LoadSecurityLibrary(void) {
    g_pSSPI = InitSecurityInterface();
    return g_pSSPI != NULL;
}

static SECURITY_STATUS CreateCredentials(PCCERT_CONTEXT pCertContext, PCredHandle phCreds) {
    SCHANNEL_CRED SchannelCred;
    TimeStamp tsExpiry;

    memset(&SchannelCred, 0, sizeof(SchannelCred));
    SchannelCred.dwVersion = SCHANNEL_CRED_VERSION;
    if (pCertContext) {
        SchannelCred.cCreds = 1;
        SchannelCred.paCred = &pCertContext;
    }
    SchannelCred.grbitEnabledProtocols = 0; /* the provider's defaults */
    SchannelCred.dwFlags = SCH_CRED_NO_DEFAULT_CREDS | SCH_CRED_MANUAL_CRED_VALIDATION;

    return g_pSSPI->AcquireCredentialsHandle(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL,
                                             &SchannelCred, NULL, NULL, phCreds, &tsExpiry);
}

static BOOL SendAll(SOCKET Socket, const void *pv, DWORD cb) {
    const char *p = (const char *)pv;
    while (cb > 0) {
        ssize_t n = send(Socket, p, cb, 0);
        if (n == SOCKET_ERROR || n == 0) {
            fprintf(stderr, "error: send: %d\n", WSAGetLastError());
            return FALSE;
        }
        p += n;
        cb -= (DWORD)n;
    }
    return TRUE;
}

/* SEC_I_INCOMPLETE_CREDENTIALS: the SDK sample looks in the "MY" store for a certificate with a
 * private key (it matches the issuer list; a port without CertFindChainInStore takes the first
 * one with a key). Without one it carries on anonymously with the same credential. */
static void GetNewClientCredentials(PCredHandle phCreds, PCtxtHandle phContext) {
    SecPkgContext_IssuerListInfoEx IssuerListInfo;
    HCERTSTORE hMyCertStore;
    PCCERT_CONTEXT pCertContext = NULL;
    CredHandle hCreds;
    DWORD cbData = 0;
    SECURITY_STATUS Status;

    Status = g_pSSPI->QueryContextAttributes(phContext, SECPKG_ATTR_ISSUER_LIST_EX, (PVOID)&IssuerListInfo);
    if (Status != SEC_E_OK) {
        Fail("QueryContextAttributes(ISSUER_LIST_EX)", Status);
        return;
    }
    printf("incomplete credentials: server named %u issuers\n", (unsigned)IssuerListInfo.cIssuers);

    hMyCertStore = CertOpenSystemStore(0, L"MY");
    if (hMyCertStore) {
        while ((pCertContext = CertEnumCertificatesInStore(hMyCertStore, pCertContext)) != NULL) {
            if (CertGetCertificateContextProperty(pCertContext, CERT_KEY_PROV_INFO_PROP_ID, NULL, &cbData))
                break;
        }
    }
    if (pCertContext == NULL) {
        printf("incomplete credentials: continuing without a certificate\n");
    } else {
        Status = CreateCredentials(pCertContext, &hCreds);
        if (Status == SEC_E_OK) {
            printf("incomplete credentials: using a certificate from MY\n");
            g_pSSPI->FreeCredentialsHandle(phCreds);
            *phCreds = hCreds;
        }
        CertFreeCertificateContext(pCertContext);
    }
    if (hMyCertStore)
        CertCloseStore(hMyCertStore, 0);
}

static SECURITY_STATUS ClientHandshakeLoop(SOCKET Socket, PCredHandle phCreds, CtxtHandle *phContext,
                                           BOOL fDoInitialRead, SecBuffer *pExtraData, char *IoBuffer,
                                           DWORD *pcbIoBuffer) {
    SecBufferDesc InBuffer, OutBuffer;
    SecBuffer InBuffers[2], OutBuffers[1];
    DWORD dwSSPIFlags, dwSSPIOutFlags = 0;
    TimeStamp tsExpiry;
    SECURITY_STATUS scRet;
    DWORD cbIoBuffer = *pcbIoBuffer;
    BOOL fDoRead = fDoInitialRead;

    dwSSPIFlags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                  ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;

    scRet = SEC_I_CONTINUE_NEEDED;
    while (scRet == SEC_I_CONTINUE_NEEDED || scRet == SEC_E_INCOMPLETE_MESSAGE ||
           scRet == SEC_I_INCOMPLETE_CREDENTIALS) {
        if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
            if (fDoRead) {
                ssize_t cbData = recv(Socket, IoBuffer + cbIoBuffer, IO_BUFFER_SIZE - cbIoBuffer, 0);
                if (cbData == SOCKET_ERROR) {
                    fprintf(stderr, "error: recv: %d\n", WSAGetLastError());
                    scRet = SEC_E_INTERNAL_ERROR;
                    break;
                } else if (cbData == 0) {
                    fprintf(stderr, "error: server closed the connection during the handshake\n");
                    scRet = SEC_E_INTERNAL_ERROR;
                    break;
                }
                cbIoBuffer += (DWORD)cbData;
            } else {
                fDoRead = TRUE;
            }
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

        scRet = g_pSSPI->InitializeSecurityContext(phCreds, phContext, NULL, dwSSPIFlags, 0, SECURITY_NATIVE_DREP,
                                                   &InBuffer, 0, NULL, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);

        if (scRet == SEC_E_OK || scRet == SEC_I_CONTINUE_NEEDED ||
            (FAILED(scRet) && (dwSSPIOutFlags & ISC_RET_EXTENDED_ERROR))) {
            if (OutBuffers[0].cbBuffer != 0 && OutBuffers[0].pvBuffer != NULL) {
                if (!SendAll(Socket, OutBuffers[0].pvBuffer, OutBuffers[0].cbBuffer)) {
                    g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
                    return SEC_E_INTERNAL_ERROR;
                }
                g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
                OutBuffers[0].pvBuffer = NULL;
            }
        }
        if (OutBuffers[0].pvBuffer != NULL)
            g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);

        if (scRet == SEC_E_INCOMPLETE_MESSAGE)
            continue;

        if (scRet == SEC_E_OK) {
            /* Bytes after the last handshake message belong to the application. */
            if (InBuffers[1].BufferType == SECBUFFER_EXTRA) {
                memmove(IoBuffer, IoBuffer + (cbIoBuffer - InBuffers[1].cbBuffer), InBuffers[1].cbBuffer);
                pExtraData->pvBuffer = IoBuffer;
                pExtraData->cbBuffer = InBuffers[1].cbBuffer;
                cbIoBuffer = InBuffers[1].cbBuffer;
            } else {
                pExtraData->pvBuffer = NULL;
                pExtraData->cbBuffer = 0;
                cbIoBuffer = 0;
            }
            break;
        }

        if (FAILED(scRet)) {
            Fail("InitializeSecurityContext", scRet);
            break;
        }

        if (scRet == SEC_I_INCOMPLETE_CREDENTIALS) {
            /* Schannel consumed nothing: the same input goes in again. */
            GetNewClientCredentials(phCreds, phContext);
            fDoRead = FALSE;
            scRet = SEC_I_CONTINUE_NEEDED;
            continue;
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

static SECURITY_STATUS PerformClientHandshake(SOCKET Socket, PCredHandle phCreds, CtxtHandle *phContext,
                                              char *IoBuffer, DWORD *pcbIoBuffer, SecBuffer *pExtraData) {
    SecBufferDesc OutBuffer;
    SecBuffer OutBuffers[1];
    DWORD dwSSPIFlags, dwSSPIOutFlags = 0;
    TimeStamp tsExpiry;
    SECURITY_STATUS scRet;

    dwSSPIFlags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                  ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;

    OutBuffers[0].pvBuffer = NULL;
    OutBuffers[0].BufferType = SECBUFFER_TOKEN;
    OutBuffers[0].cbBuffer = 0;
    OutBuffer.cBuffers = 1;
    OutBuffer.pBuffers = OutBuffers;
    OutBuffer.ulVersion = SECBUFFER_VERSION;

    scRet = g_pSSPI->InitializeSecurityContext(phCreds, NULL, g_wszServerName, dwSSPIFlags, 0, SECURITY_NATIVE_DREP,
                                               NULL, 0, phContext, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
    if (scRet != SEC_I_CONTINUE_NEEDED) {
        Fail("InitializeSecurityContext (first call)", scRet);
        return scRet;
    }
    if (OutBuffers[0].cbBuffer != 0 && OutBuffers[0].pvBuffer != NULL) {
        BOOL ok = SendAll(Socket, OutBuffers[0].pvBuffer, OutBuffers[0].cbBuffer);
        g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
        if (!ok) {
            g_pSSPI->DeleteSecurityContext(phContext);
            return SEC_E_INTERNAL_ERROR;
        }
    }
    *pcbIoBuffer = 0;
    return ClientHandshakeLoop(Socket, phCreds, phContext, TRUE, pExtraData, IoBuffer, pcbIoBuffer);
}

/* The SDK sample's VerifyServerCertificate: chain + SSL policy with the server name. */
static DWORD VerifyServerCertificate(PCCERT_CONTEXT pServerCert, SEC_WCHAR *pwszServerName) {
    CERT_CHAIN_PARA ChainPara;
    PCCERT_CHAIN_CONTEXT pChainContext = NULL;
    SSL_EXTRA_CERT_CHAIN_POLICY_PARA polHttps;
    CERT_CHAIN_POLICY_PARA PolicyPara;
    CERT_CHAIN_POLICY_STATUS PolicyStatus;
    LPSTR rgszUsages[] = {(LPSTR)szOID_PKIX_KP_SERVER_AUTH};
    DWORD Status;

    memset(&ChainPara, 0, sizeof(ChainPara));
    ChainPara.cbSize = sizeof(ChainPara);
    ChainPara.RequestedUsage.dwType = USAGE_MATCH_TYPE_OR;
    ChainPara.RequestedUsage.Usage.cUsageIdentifier = 1;
    ChainPara.RequestedUsage.Usage.rgpszUsageIdentifier = rgszUsages;
    if (!CertGetCertificateChain(NULL, pServerCert, NULL, pServerCert->hCertStore, &ChainPara, 0, NULL,
                                 &pChainContext))
        return GetLastError();

    memset(&polHttps, 0, sizeof(polHttps));
    polHttps.cbSize = sizeof(polHttps);
    polHttps.dwAuthType = AUTHTYPE_SERVER;
    polHttps.fdwChecks = 0;
    polHttps.pwszServerName = pwszServerName;
    memset(&PolicyPara, 0, sizeof(PolicyPara));
    PolicyPara.cbSize = sizeof(PolicyPara);
    PolicyPara.pvExtraPolicyPara = &polHttps;
    memset(&PolicyStatus, 0, sizeof(PolicyStatus));
    PolicyStatus.cbSize = sizeof(PolicyStatus);
    if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, pChainContext, &PolicyPara, &PolicyStatus))
        Status = GetLastError();
    else
        Status = PolicyStatus.dwError;
    CertFreeCertificateChain(pChainContext);
    return Status;
}

static SECURITY_STATUS EncryptSend(SOCKET Socket, CtxtHandle *phContext, PBYTE pbIoBuffer,
                                   SecPkgContext_StreamSizes Sizes, const char *text) {
    SecBufferDesc Message;
    SecBuffer Buffers[4];
    PBYTE pbMessage = pbIoBuffer + Sizes.cbHeader;
    DWORD cbMessage = (DWORD)strlen(text);
    SECURITY_STATUS scRet;

    memcpy(pbMessage, text, cbMessage);
    Buffers[0].pvBuffer = pbIoBuffer;
    Buffers[0].cbBuffer = Sizes.cbHeader;
    Buffers[0].BufferType = SECBUFFER_STREAM_HEADER;
    Buffers[1].pvBuffer = pbMessage;
    Buffers[1].cbBuffer = cbMessage;
    Buffers[1].BufferType = SECBUFFER_DATA;
    Buffers[2].pvBuffer = pbMessage + cbMessage;
    Buffers[2].cbBuffer = Sizes.cbTrailer;
    Buffers[2].BufferType = SECBUFFER_STREAM_TRAILER;
    Buffers[3].pvBuffer = NULL;
    Buffers[3].cbBuffer = 0;
    Buffers[3].BufferType = SECBUFFER_EMPTY;
    Message.ulVersion = SECBUFFER_VERSION;
    Message.cBuffers = 4;
    Message.pBuffers = Buffers;

    scRet = g_pSSPI->EncryptMessage(phContext, 0, &Message, 0);
    if (FAILED(scRet)) {
        Fail("EncryptMessage", scRet);
        return scRet;
    }
    if (!SendAll(Socket, pbIoBuffer, Buffers[0].cbBuffer + Buffers[1].cbBuffer + Buffers[2].cbBuffer))
        return SEC_E_INTERNAL_ERROR;
    return SEC_E_OK;
}

/* Prints the decrypted stream line by line; returns TRUE once a line equals `until`. */
static BOOL ShowLines(const char *data, DWORD cb, const char *until) {
    static char line[4096];
    static size_t len;
    BOOL seen = FALSE;
    for (DWORD i = 0; i < cb; i++) {
        if (data[i] == '\n' || len == sizeof(line) - 1) {
            line[len] = 0;
            printf("recv: %s\n", line);
            fflush(stdout);
            if (until && strcmp(line, until) == 0)
                seen = TRUE;
            len = 0;
        } else if (data[i] != '\r') {
            line[len++] = data[i];
        }
    }
    return seen;
}

/* The SDK sample's ReadDecrypt: DecryptMessage over a growing buffer, EXTRA carried over,
 * SEC_I_RENEGOTIATE handed to the handshake loop, SEC_I_CONTEXT_EXPIRED ends the stream. */
static SECURITY_STATUS ReadDecrypt(SOCKET Socket, PCredHandle phCreds, CtxtHandle *phContext, char *IoBuffer,
                                   DWORD cbIoBuffer, const char *until) {
    SecBufferDesc Message;
    SecBuffer Buffers[4];
    SecBuffer *pDataBuffer, *pExtraBuffer;
    SecBuffer ExtraBuffer;
    SECURITY_STATUS scRet = SEC_E_OK;
    int i;

    for (;;) {
        if (cbIoBuffer == 0 || scRet == SEC_E_INCOMPLETE_MESSAGE) {
            ssize_t cbData = recv(Socket, IoBuffer + cbIoBuffer, IO_BUFFER_SIZE - cbIoBuffer, 0);
            if (cbData == SOCKET_ERROR) {
                fprintf(stderr, "error: recv: %d\n", WSAGetLastError());
                return SEC_E_INTERNAL_ERROR;
            } else if (cbData == 0) {
                if (cbIoBuffer) {
                    fprintf(stderr, "error: server closed the connection mid-record\n");
                    return SEC_E_INTERNAL_ERROR;
                }
                printf("peer closed the connection\n");
                return SEC_E_OK;
            }
            cbIoBuffer += (DWORD)cbData;
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

        scRet = g_pSSPI->DecryptMessage(phContext, &Message, 0, NULL);
        if (scRet == SEC_E_INCOMPLETE_MESSAGE)
            continue;
        if (scRet == SEC_I_CONTEXT_EXPIRED) {
            printf("close_notify received\n");
            return scRet;
        }
        if (scRet != SEC_E_OK && scRet != SEC_I_RENEGOTIATE) {
            Fail("DecryptMessage", scRet);
            return scRet;
        }

        pDataBuffer = NULL;
        pExtraBuffer = NULL;
        for (i = 1; i < 4; i++) {
            if (pDataBuffer == NULL && Buffers[i].BufferType == SECBUFFER_DATA)
                pDataBuffer = &Buffers[i];
            if (pExtraBuffer == NULL && Buffers[i].BufferType == SECBUFFER_EXTRA)
                pExtraBuffer = &Buffers[i];
        }
        if (pDataBuffer && pDataBuffer->cbBuffer &&
            ShowLines((const char *)pDataBuffer->pvBuffer, pDataBuffer->cbBuffer, until))
            return SEC_E_OK;

        if (pExtraBuffer) {
            memmove(IoBuffer, pExtraBuffer->pvBuffer, pExtraBuffer->cbBuffer);
            cbIoBuffer = pExtraBuffer->cbBuffer;
        } else {
            cbIoBuffer = 0;
        }

        if (scRet == SEC_I_RENEGOTIATE) {
            /* The EXTRA bytes are the peer's handshake message: no initial read. */
            scRet = ClientHandshakeLoop(Socket, phCreds, phContext, FALSE, &ExtraBuffer, IoBuffer, &cbIoBuffer);
            if (scRet != SEC_E_OK)
                return scRet;
            printf("renegotiated\n");
            fflush(stdout);
            if (ExtraBuffer.pvBuffer == NULL)
                cbIoBuffer = 0;
        }
    }
}

static SECURITY_STATUS DisconnectFromServer(SOCKET Socket, PCredHandle phCreds, CtxtHandle *phContext) {
    DWORD dwType = SCHANNEL_SHUTDOWN;
    SecBufferDesc OutBuffer;
    SecBuffer OutBuffers[1];
    DWORD dwSSPIFlags, dwSSPIOutFlags = 0;
    TimeStamp tsExpiry;
    SECURITY_STATUS Status;

    OutBuffers[0].pvBuffer = &dwType;
    OutBuffers[0].BufferType = SECBUFFER_TOKEN;
    OutBuffers[0].cbBuffer = sizeof(dwType);
    OutBuffer.cBuffers = 1;
    OutBuffer.pBuffers = OutBuffers;
    OutBuffer.ulVersion = SECBUFFER_VERSION;
    Status = g_pSSPI->ApplyControlToken(phContext, &OutBuffer);
    if (FAILED(Status)) {
        Fail("ApplyControlToken", Status);
        return Status;
    }

    dwSSPIFlags = ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |
                  ISC_RET_EXTENDED_ERROR | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM;
    OutBuffers[0].pvBuffer = NULL;
    OutBuffers[0].BufferType = SECBUFFER_TOKEN;
    OutBuffers[0].cbBuffer = 0;
    Status = g_pSSPI->InitializeSecurityContext(phCreds, phContext, NULL, dwSSPIFlags, 0, SECURITY_NATIVE_DREP, NULL,
                                                0, phContext, &OutBuffer, &dwSSPIOutFlags, &tsExpiry);
    if (FAILED(Status)) {
        Fail("InitializeSecurityContext (shutdown)", Status);
        return Status;
    }
    if (OutBuffers[0].pvBuffer != NULL && OutBuffers[0].cbBuffer != 0) {
        SendAll(Socket, OutBuffers[0].pvBuffer, OutBuffers[0].cbBuffer);
        g_pSSPI->FreeContextBuffer(OutBuffers[0].pvBuffer);
    }
    printf("shutdown: ok\n");
    g_pSSPI->DeleteSecurityContext(phContext);
    return SEC_E_OK;
}

static SOCKET ConnectToServer(const char *host, const char *port) {
    struct addrinfo hints, *res, *ai;
    SOCKET Socket = INVALID_SOCKET;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return INVALID_SOCKET;
    for (ai = res; ai; ai = ai->ai_next) {
        Socket = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (Socket == INVALID_SOCKET)
            continue;
        if (connect(Socket, ai->ai_addr, ai->ai_addrlen) != SOCKET_ERROR)
            break;
        closesocket(Socket);
        Socket = INVALID_SOCKET;
    }
    freeaddrinfo(res);
    return Socket;
}

int main(int argc, char **argv) {
    WSADATA WsaData;
    CredHandle hClientCreds;
    CtxtHandle hContext;
    SecBuffer ExtraData;
    SecPkgContext_StreamSizes Sizes;
    SecPkgContext_ConnectionInfo ConnectionInfo;
    PCCERT_CONTEXT pRemoteCertContext = NULL;
    SECURITY_STATUS Status;
    SOCKET Socket;
    static char IoBuffer[IO_BUFFER_SIZE];
    static BYTE SendBuffer[IO_BUFFER_SIZE + 1024];
    DWORD cbIoBuffer = 0;
    const char *send_text = NULL, *until = NULL;
    char line[4096];
    DWORD dwVerify;
    int i, rc = 1;

    if (argc < 4 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s HOST PORT SERVERNAME [--send TEXT] [--until LINE]\n", argv[0]);
        return argc < 4 ? 2 : 0;
    }
    for (i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--send") == 0)
            send_text = argv[i + 1];
        else if (strcmp(argv[i], "--until") == 0)
            until = argv[i + 1];
    }
    for (i = 0; argv[3][i] && i < 255; i++)
        g_wszServerName[i] = (SEC_WCHAR)(unsigned char)argv[3][i];
    g_wszServerName[i] = 0;

    if (WSAStartup(MAKEWORD(2, 2), &WsaData) != 0)
        return 1;
    if (!LoadSecurityLibrary()) {
        fprintf(stderr, "error: InitSecurityInterface failed\n");
        return 1;
    }
    Status = CreateCredentials(NULL, &hClientCreds);
    if (Status != SEC_E_OK) {
        Fail("AcquireCredentialsHandle", Status);
        return 1;
    }
    Socket = ConnectToServer(argv[1], argv[2]);
    if (Socket == INVALID_SOCKET) {
        fprintf(stderr, "error: cannot connect to %s:%s\n", argv[1], argv[2]);
        return 1;
    }
    SecInvalidateHandle(&hContext);
    Status = PerformClientHandshake(Socket, &hClientCreds, &hContext, IoBuffer, &cbIoBuffer, &ExtraData);
    if (Status != SEC_E_OK)
        goto cleanup;
    printf("handshake: ok\n");

    Status = g_pSSPI->QueryContextAttributes(&hContext, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (PVOID)&pRemoteCertContext);
    if (Status != SEC_E_OK) {
        Fail("QueryContextAttributes(REMOTE_CERT_CONTEXT)", Status);
        goto cleanup;
    }
    dwVerify = VerifyServerCertificate(pRemoteCertContext, g_wszServerName);
    CertFreeCertificateContext(pRemoteCertContext);
    if (dwVerify != 0) {
        fprintf(stderr, "error: server certificate rejected: 0x%08x\n", (unsigned)dwVerify);
        goto cleanup;
    }
    printf("verified: %s\n", argv[3]);

    Status = g_pSSPI->QueryContextAttributes(&hContext, SECPKG_ATTR_CONNECTION_INFO, (PVOID)&ConnectionInfo);
    if (Status == SEC_E_OK)
        printf("protocol: 0x%x cipher: 0x%x\n", (unsigned)ConnectionInfo.dwProtocol,
               (unsigned)ConnectionInfo.aiCipher);
    Status = g_pSSPI->QueryContextAttributes(&hContext, SECPKG_ATTR_STREAM_SIZES, (PVOID)&Sizes);
    if (Status != SEC_E_OK) {
        Fail("QueryContextAttributes(STREAM_SIZES)", Status);
        goto cleanup;
    }
    fflush(stdout);

    if (send_text) {
        snprintf(line, sizeof(line), "%s\n", send_text);
        if (EncryptSend(Socket, &hContext, SendBuffer, Sizes, line) != SEC_E_OK)
            goto cleanup;
    }
    Status = ReadDecrypt(Socket, &hClientCreds, &hContext, IoBuffer, cbIoBuffer, until);
    if (Status != SEC_E_OK && Status != SEC_I_CONTEXT_EXPIRED)
        goto cleanup;
    if (DisconnectFromServer(Socket, &hClientCreds, &hContext) == SEC_E_OK)
        rc = 0;
    SecInvalidateHandle(&hContext);

cleanup:
    if (SecIsValidHandle(&hContext))
        g_pSSPI->DeleteSecurityContext(&hContext);
    g_pSSPI->FreeCredentialsHandle(&hClientCreds);
    closesocket(Socket);
    WSACleanup();
    return rc;
}
