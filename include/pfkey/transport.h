/*
 * transport.h - the client side of the pfkeyd socket.
 *
 * Every tool (ipseckey, setkey, an IKE daemon) talks to pfkeyd through this:
 *
 *   AF_UNIX SOCK_SEQPACKET, one PF_KEY v2 message per datagram, at most
 *   SADB_MSG_MAX_BYTES bytes.  Message boundaries are the kernel's, so a
 *   reader never reassembles anything and a short read is a truncation.
 *
 *     client                               pfkeyd
 *       | -- [sadb_msg seq=7 pid=P ...] ---> |
 *       | <-- [SADB_EXPIRE seq=0 pid=0] ---- |   broadcast, not ours
 *       | <-- [same type seq=7 pid=P ...] -- |   the reply
 *
 * Where the socket is (pk_socket_path()):
 *   1. $PFKEY_SOCKET, when set and not empty;
 *   2. for root (geteuid() == 0): /run/pfkeyd/pfkey.sock;
 *   3. $XDG_RUNTIME_DIR/pfkeyd/pfkey.sock, when $XDG_RUNTIME_DIR is an
 *      absolute path to a directory owned by the user;
 *   4. /tmp/pfkeyd-<uid>/pfkey.sock.
 * The daemon uses the same function for its default, so both sides agree.
 *
 * Autostart (pk_connect()): when nothing answers at the path (connect()
 * fails with ENOENT or ECONNREFUSED), and neither $PFKEY_NO_AUTOSTART=1 nor
 * PK_CONNECT_NO_AUTOSTART forbids it, the client starts a private pfkeyd:
 *   - the executable: opts->pfkeyd; else $PFKEYD; else "pfkeyd" beside the
 *     running program (dirname of /proc/self/exe), then ../daemon/pfkeyd
 *     and ../../daemon/pfkeyd from there (the build tree: tools live in
 *     build/tools/ or build/tools/<tool>/, the daemon in build/daemon/);
 *     else the first executable pfkeyd in $PATH;
 *   - the socket's directory is created with mode 0700 when missing (one
 *     level only).  An existing directory must be a real directory owned by
 *     the user and writable by nobody else, or the client refuses with
 *     -EPERM: another user who can write there could put a socket of his own
 *     in our daemon's place and read our keys.  The default directories
 *     (/run/pfkeyd, $XDG_RUNTIME_DIR/pfkeyd, /tmp/pfkeyd-<uid>) are checked
 *     this way before every connect, not only before an autostart;
 *   - it runs "PFKEYD --socket PATH" with fork() and execve(): the
 *     caller's environment, stdin and stdout on /dev/null, stderr kept (the
 *     daemon's complaints reach the user), every other descriptor closed on
 *     exec, signal mask emptied;
 *   - it waits for that process to exit (up to autostart_timeout_ms), then
 *     connects, retrying for a short while.  A non-zero exit is not fatal by
 *     itself: when two clients autostart at once, the second daemon cannot
 *     bind, exits non-zero, and its client connects to the first one.  Only
 *     when nobody answers after that does pk_connect() fail, with
 *     -ECONNREFUSED and the exit status in opts->diag.
 *
 * The daemon's side of the contract (daemon/pfkeyd must):
 *   - accept "--socket PATH" and listen on exactly PATH;
 *   - if PATH exists: connect to it; if something answers, print "already
 *     running" on stderr and exit non-zero; if ECONNREFUSED (a stale socket
 *     of a dead daemon), unlink it and bind.  (Two daemons racing through
 *     this can both unlink; a lock, e.g. flock() on PATH.lock held for the
 *     daemon's life, closes that window.);
 *   - daemonize only after listen() succeeded: fork (and setsid, and fork
 *     again if it likes), the original process exits 0.  Exit 0 from the
 *     process the client started means "listening now";
 *   - if it cannot bind or listen, or fails in any way before that, print
 *     one line on stderr saying why and exit non-zero;
 *   - never stay in the foreground unless given --foreground: the client
 *     waits for the process it started and gives up after
 *     autostart_timeout_ms (it then kills it);
 *   - never send an empty datagram: a zero-length read is the end of the
 *     connection.
 *
 * Requests, replies, pipelining:
 *   Replies carry the request's type, seq and pid; pk_request() sends one
 *   request and waits for the message that matches all three, handing every
 *   other message (broadcasts, replies to other sockets that the daemon
 *   broadcasts, answers to requests still in flight) to the unsolicited
 *   callback, or dropping it.  To keep several requests in flight (setkey -f
 *   does), number each with pk_conn_next_seq(), pk_send() them all, then
 *   pk_recv() and match replies by seq yourself; the socket is an ordinary
 *   descriptor (pk_conn_fd()) for poll() loops.  A DUMP answers with many
 *   messages, the last with seq 0, so dumps are read with pk_recv(), not
 *   pk_request().
 *
 *   Matching is by (type, seq, pid) only, as with a kernel's PF_KEY: two
 *   connections of one process share a pid, so when the daemon broadcasts
 *   one connection's reply (an ADD, a DELETE) to all sockets, the other
 *   connection would take it for its own reply to a request of the same
 *   type and seq.  A process with several connections should keep their
 *   seq ranges apart (or keep one connection).
 *
 * Size: Linux refuses an AF_UNIX datagram above the socket's send buffer
 *   less 32 bytes.  pk_connect() asks for a buffer that holds
 *   SADB_MSG_MAX_BYTES (SO_SNDBUF, or SO_SNDBUFFORCE with privilege); where
 *   net.core.wmem_max is below about 257 KiB an unprivileged client can
 *   send somewhat less (2 * wmem_max - 32 bytes) and pk_send() says
 *   -EMSGSIZE above that.  The daemon must widen its sockets the same way.
 *
 * Errors are 0 or -errno.  pk_connect() explains a failure in opts->diag;
 * the other calls leave a sentence for pk_conn_error().  Nothing here prints
 * except through opts->log.  A struct pk_conn is not safe to use from two
 * threads at once; distinct connections are independent.
 */
#ifndef PFKEY_TRANSPORT_H
#define PFKEY_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pfkey/diag.h"

/* sizeof(sockaddr_un.sun_path): the longest path plus its NUL. */
#define PK_SOCKET_PATH_MAX	108

/* Autostart: how long the started pfkeyd may take to say it listens. */
#define PK_AUTOSTART_TIMEOUT_MS	5000

/*
 * Writes the socket path (see the top of this file) into buf.  Returns 0, or
 * -ENAMETOOLONG when it does not fit in buf or in a sockaddr_un.
 */
int pk_socket_path(char *buf, size_t len);

/*
 * The same for a user of a given uid instead of geteuid(); $PFKEY_SOCKET
 * and $XDG_RUNTIME_DIR are still read from the environment.
 */
int pk_socket_path_uid(char *buf, size_t len, uid_t uid);

struct pk_conn;

/* pk_connect_opts.flags */
#define PK_CONNECT_NO_AUTOSTART	0x1u	/* as $PFKEY_NO_AUTOSTART=1 */

/* Receives one line of progress ("starting pfkeyd ..."), no newline. */
typedef void pk_log_fn(void *arg, const char *msg);

struct pk_connect_opts {
	const char	*socket_path;	/* NULL: pk_socket_path() */
	const char	*pfkeyd;	/* NULL: $PFKEYD, beside us, $PATH */
	unsigned	flags;		/* PK_CONNECT_* */
	int		autostart_timeout_ms;	/* <= 0: PK_AUTOSTART_TIMEOUT_MS */
	pk_log_fn	*log;		/* may be NULL */
	void		*log_arg;
	struct pk_diag	*diag;		/* filled on failure; may be NULL */
};

/*
 * Connects to pfkeyd, starting one if allowed (see above).  opts may be
 * NULL.  On success *out is a new connection for pk_close().  Errors:
 *   -ENOENT        no socket at the path and autostart off, or no pfkeyd
 *                  executable found;
 *   -ECONNREFUSED  a stale socket and autostart off, or the started daemon
 *                  failed (its exit status in diag, its reason on stderr);
 *   -EPERM         the socket's directory is not the user's alone;
 *   -ETIMEDOUT     the started daemon did not exit within the timeout;
 *   -ENAMETOOLONG, -ENOMEM, and connect()'s other errors (-EACCES).
 */
int pk_connect(struct pk_conn **out, const struct pk_connect_opts *opts);

/* Closes the socket and frees conn (which may be NULL). */
void pk_close(struct pk_conn *conn);

/* The socket, for poll(); the caller must not close it or read from it. */
int pk_conn_fd(const struct pk_conn *conn);

/* The socket path this connection reached. */
const char *pk_conn_path(const struct pk_conn *conn);

/* The next sequence number: 1, 2, 3, ..., never 0 (it skips 0 on wrap). */
uint32_t pk_conn_next_seq(struct pk_conn *conn);

/* The pid for sadb_msg_pid: getpid() of the process that connected. */
uint32_t pk_conn_pid(const struct pk_conn *conn);

/* A sentence about the last failure on conn, or "" when there was none. */
const char *pk_conn_error(const struct pk_conn *conn);

/*
 * Sends len bytes as one datagram, retrying on EINTR.  Returns 0, or
 * -EMSGSIZE (len 0 or above SADB_MSG_MAX_BYTES, or above what the kernel
 * lets this socket send), -EPIPE when the daemon has gone, -EAGAIN when the
 * caller made the socket non-blocking and the daemon's queue is full.
 * Never raises SIGPIPE.
 */
int pk_send(struct pk_conn *conn, const void *msg, size_t len);

/*
 * Receives one datagram into buf.  timeout_ms < 0 waits for ever, 0 only
 * takes what is already there.  EINTR is retried against the same deadline.
 * Returns 0 with *len its size, or:
 *   -ETIMEDOUT   nothing arrived in time;
 *   -EMSGSIZE    the datagram was longer than cap: buf holds its first cap
 *                bytes, *len its real size, and the datagram is consumed;
 *   -ECONNRESET  the daemon closed the connection.
 * A buffer of SADB_MSG_MAX_BYTES never truncates.
 */
int pk_recv(struct pk_conn *conn, void *buf, size_t cap, size_t *len,
	    int timeout_ms);

/*
 * Called by pk_request() for each message that is not its reply, with the
 * message in the reply buffer (valid only during the call).  msg may be any
 * length >= sizeof(struct sadb_msg), not validated.  It may pk_send() on
 * conn but must not receive on it.
 */
typedef void pk_unsolicited_fn(void *arg, const void *msg, size_t len);

/* Sets (fn NULL: clears) the callback for messages pk_request() skips. */
void pk_conn_set_unsolicited(struct pk_conn *conn, pk_unsolicited_fn *fn,
			     void *arg);

/*
 * Sends the request msg (len >= sizeof(struct sadb_msg)) and receives until
 * a message of the same sadb_msg_type, sadb_msg_seq and sadb_msg_pid
 * arrives; the others go to the unsolicited callback (truncated ones, and
 * ones shorter than a header, are dropped).  timeout_ms bounds the whole
 * exchange.  Returns 0 with the reply in reply[0..*rlen) - whose
 * sadb_msg_errno may be set: see pk_reply_errno() - or -EINVAL (len or cap
 * below a header), pk_send()'s errors, pk_recv()'s errors (-EMSGSIZE when
 * the reply itself did not fit, *rlen its size).
 */
int pk_request(struct pk_conn *conn, const void *msg, size_t len,
	       void *reply, size_t cap, size_t *rlen, int timeout_ms);

/*
 * The verdict a reply carries: 0, or -sadb_msg_errno; -EBADMSG when len is
 * shorter than a header.
 */
int pk_reply_errno(const void *reply, size_t len);

/* The reply's SADB_X_DIAGNOSTIC_* (sadb_msg_reserved), 0 if too short. */
unsigned pk_reply_diagnostic(const void *reply, size_t len);

/*
 * Batched I/O, for pipelining clients (setkey -f).
 *
 * pk_send_many() sends msgs[0..n) as n datagrams, in order, with as few
 * sendmmsg() calls as it takes, never blocking.  Returns how many were
 * sent (0 to n: fewer than n when the socket's buffer is full, so that the
 * caller can read replies and pk_wait() before sending the rest), or an
 * error of pk_send() when the first unsent one cannot be sent at all.
 * Never raises SIGPIPE.
 */
int pk_send_many(struct pk_conn *conn, const struct iovec *msgs, unsigned n);

/*
 * Waits up to timeout_ms (< 0: for ever; 0: not at all) until at least one
 * datagram is there, then receives up to n with one recvmmsg(), without
 * waiting for more: datagram i into bufs[i], its real size in lens[i].
 * lens[i] > bufs[i].iov_len means it was truncated (the rest is gone).
 * Returns the number received (>= 1), or -ETIMEDOUT, -ECONNRESET (the
 * daemon closed the connection), or another -errno.
 */
int pk_recv_many(struct pk_conn *conn, const struct iovec *bufs, size_t *lens,
		 unsigned n, int timeout_ms);

/* pk_wait() events */
#define PK_WAIT_READ	0x1u
#define PK_WAIT_WRITE	0x2u

/*
 * Waits up to timeout_ms until the socket is readable or (when events has
 * PK_WAIT_WRITE) can take a datagram.  Returns the PK_WAIT_* that hold
 * (a hang-up reads as PK_WAIT_READ), or -ETIMEDOUT, or -errno.
 */
int pk_wait(struct pk_conn *conn, unsigned events, int timeout_ms);

#endif /* PFKEY_TRANSPORT_H */
