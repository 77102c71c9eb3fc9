/*
 * LD_PRELOAD shim for pcscd in the test harness: sets TCP_NODELAY on every TCP socket that the
 * process accepts or connects. Why: Debian bookworm's vpcd (vsmartcard 3.3) writes a message's 2-byte
 * length and its payload with two send() calls; with Nagle on, the payload waits for the ACK of the
 * length, which the peer delays (delayed ACK, 40 ms on Linux) — ≈ 44 ms per APDU instead of ≈ 0.2 ms.
 * Fixed upstream later (vsmartcard sets TCP_NODELAY itself). Test equipment only.
 *
 * Build: gcc -shared -fPIC -O2 -o libtcpnodelay.so tcp-nodelay-shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
	int proto = 0;
	socklen_t len = sizeof proto;
	if (fd < 0) return;
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) != 0 || proto != IPPROTO_TCP) return;
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int accept(int fd, struct sockaddr *addr, socklen_t *addrlen) {
	static int (*real)(int, struct sockaddr *, socklen_t *);
	if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
	int r = real(fd, addr, addrlen);
	nodelay(r);
	return r;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags) {
	static int (*real)(int, struct sockaddr *, socklen_t *, int);
	if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
	int r = real(fd, addr, addrlen, flags);
	nodelay(r);
	return r;
}

int connect(int fd, const struct sockaddr *addr, socklen_t addrlen) {
	static int (*real)(int, const struct sockaddr *, socklen_t);
	if (!real) real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	int r = real(fd, addr, addrlen);
	nodelay(fd);
	return r;
}
