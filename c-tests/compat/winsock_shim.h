/*
 * winsock_shim.h: the few Winsock names a Windows Schannel program uses, mapped onto POSIX
 * sockets. This is the only non-Windows header the compat programs include; docs/porting.md
 * shows the same mapping for ported programs. It is deliberately small and not part of the
 * installed headers: real ports usually replace these calls outright.
 */
#ifndef WINSOCK_SHIM_H
#define WINSOCK_SHIM_H

/* getaddrinfo and friends under -std=c11 (Windows gets them from ws2tcpip.h). */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

typedef int SOCKET;
#define INVALID_SOCKET (-1)
#define SOCKET_ERROR (-1)
#define SD_SEND SHUT_WR
#define closesocket(s) close(s)
#define WSAGetLastError() (errno)
#define MAKEWORD(a, b) ((unsigned short)(((unsigned char)(a)) | ((unsigned short)((unsigned char)(b))) << 8))

typedef struct WSAData {
    unsigned short wVersion; /* WORD */
    unsigned short wHighVersion;
} WSADATA;

static inline int WSAStartup(unsigned short version, WSADATA *data) {
    data->wVersion = version;
    data->wHighVersion = version;
    return 0;
}
static inline int WSACleanup(void) { return 0; }

#endif /* WINSOCK_SHIM_H */
