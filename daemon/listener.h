/*
 * listener.h - the daemon's listening socket: default path, directory,
 * lock, stale-socket detection, permissions.
 *
 *   DIR/            created 0700 (0750 and group-owned with --group) when
 *                   missing; an existing directory is left as it is
 *   DIR/NAME        the AF_UNIX SOCK_SEQPACKET socket, 0600 (0660 and
 *                   group-owned with --group)
 *   DIR/NAME.lock   flock()ed for the daemon's lifetime, so that two
 *                   daemons started at once (two clients autostarting)
 *                   cannot both decide a socket is stale and bind in turn
 *
 * Functions return 0 or -errno and write a one-line reason (without the
 * "pfkeyd: " prefix) into err.
 */
#ifndef PFKEYD_LISTENER_H
#define PFKEYD_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

#define LISTENER_PATH_MAX	sizeof(((struct sockaddr_un *)0)->sun_path)

struct listener {
	int	fd;		/* listening, non-blocking */
	int	lock_fd;
	char	path[LISTENER_PATH_MAX];	/* absolute */
	dev_t	dev;		/* of the socket file bound, to unlink only it */
	ino_t	ino;
};

/*
 * The socket path used without --socket: pk_socket_path() of the client
 * transport ($PFKEY_SOCKET when set, else /run/pfkeyd/pfkey.sock for root,
 * else $XDG_RUNTIME_DIR/pfkeyd/pfkey.sock, else /tmp/pfkeyd-UID/pfkey.sock).
 * *is_private is set for the default directories (not $PFKEY_SOCKET's),
 * which, like the clients, listener_open() insists are the user's alone.
 */
int listener_default_path(char *buf, size_t cap, bool *is_private,
			  char *err, size_t errlen);

/*
 * Prepares the directory, takes the lock, clears a stale socket and binds.
 * group: NULL, or the --group gid.  EADDRINUSE when another pfkeyd answers
 * on path.
 */
int listener_open(struct listener *l, const char *path, bool is_private,
		  const gid_t *group, char *err, size_t errlen);

/*
 * listen().  Called by the process that will serve: the kernel records the
 * listener's credentials (SO_PEERCRED as clients see it, pid included) at
 * listen() time.  The lock keeps the path ours between bind and listen.
 */
int listener_listen(struct listener *l, char *err, size_t errlen);

/* Closes the socket, unlinks it if it is still the one bound, unlocks. */
void listener_close(struct listener *l);

#endif /* PFKEYD_LISTENER_H */
