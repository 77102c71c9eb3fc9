/*
 * Start pcscd on a private client socket, the way systemd's socket activation does: create and bind
 * a listening UNIX socket at SOCKET, put it on fd 3, set LISTEN_FDS=1 and LISTEN_PID=<own pid>, then
 * exec the program (pcscd keeps our pid). pcscd 1.9.9 ignores PCSCLITE_CSOCK_NAME for its own socket
 * (only the client library reads it), but accepts a socket passed this way ("Started by systemd").
 * Also asks the kernel to SIGTERM the program when its parent (the test process) dies. Test
 * equipment only.
 *
 * Usage: socket-activate SOCKET PROGRAM [ARGS...]
 * Build: gcc -O2 -o socket-activate socket-activate.c
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET PROGRAM [ARGS...]\n", argv[0]);
		return 2;
	}
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof a.sun_path) {
		fprintf(stderr, "socket-activate: socket path too long (max %zu): %s\n", sizeof a.sun_path - 1, argv[1]);
		return 2;
	}
	strcpy(a.sun_path, argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) { perror("socket-activate: socket"); return 1; }
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("socket-activate: bind"); return 1; }
	chmod(argv[1], 0666);
	if (listen(fd, 128) != 0) { perror("socket-activate: listen"); return 1; }
	if (fd != 3) {
		if (dup2(fd, 3) < 0) { perror("socket-activate: dup2"); return 1; }
		close(fd);
	}
	/* If the test process dies (even by SIGKILL), pcscd gets SIGTERM: no orphaned daemons in CI. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1) return 1; /* the parent is already gone */
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "1", 1);
	execvp(argv[2], argv + 2);
	perror("socket-activate: exec");
	return 127;
}
