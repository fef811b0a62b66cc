/*
 * transport.c - the client side of the pfkeyd socket: where it is, how to
 * reach it (starting a private daemon when none answers), and one PF_KEY
 * message per SOCK_SEQPACKET datagram in each direction.
 *
 * The contract with the daemon and the rules for the socket's directory
 * are written down in include/pfkey/transport.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pfkey/pfkeyv2.h"
#include "pfkey/transport.h"

_Static_assert(PK_SOCKET_PATH_MAX == sizeof(((struct sockaddr_un *)0)->sun_path),
	       "PK_SOCKET_PATH_MAX must be the size of sun_path");

/* After the launcher exits: how often and how long to try connecting. */
#define CONNECT_RETRIES		25
#define CONNECT_RETRY_MS	20

struct pk_conn {
	int			fd;
	uint32_t		seq;		/* the next one to hand out */
	uint32_t		pid;
	pk_unsolicited_fn	*unsolicited;
	void			*unsolicited_arg;
	char			path[PK_SOCKET_PATH_MAX];
	char			error[160];
};

/* ------------------------------------------------------------- helpers */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Milliseconds left before deadline (-1: none) for poll(). */
static int ms_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Records why pk_connect() failed in opts->diag and returns -err. */
__attribute__((format(printf, 3, 4)))
static int connect_fail(const struct pk_connect_opts *o, int err,
			const char *fmt, ...)
{
	char text[sizeof(((struct pk_diag *)0)->detail)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return pk_diag_set(o->diag, err, 0, 0, 0, NULL, "%s", text);
}

__attribute__((format(printf, 2, 3)))
static void say(const struct pk_connect_opts *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (o->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->log(o->log_arg, line);
}

/* Records why an operation on conn failed and returns -err. */
__attribute__((format(printf, 3, 4)))
static int conn_fail(struct pk_conn *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return -err;
}

/* ---------------------------------------------------------- socket path */

static int put_path(char *buf, size_t len, const char *head, const char *tail)
{
	int n;

	if (buf == NULL || len == 0)
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%s%s", head, tail);
	if (n < 0 || (size_t)n >= len || (size_t)n >= PK_SOCKET_PATH_MAX) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

/* *is_default: the path is one of ours, not the user's $PFKEY_SOCKET. */
static int resolve_path(char *buf, size_t len, uid_t uid, bool *is_default)
{
	const char *env = getenv("PFKEY_SOCKET");
	const char *xdg;
	struct stat st;
	char tmp[64];

	*is_default = false;
	if (env != NULL && env[0] != '\0')
		return put_path(buf, len, env, "");
	*is_default = true;
	if (uid == 0)
		return put_path(buf, len, "/run/pfkeyd/pfkey.sock", "");
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg != NULL && xdg[0] == '/' && stat(xdg, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_uid == uid)
		return put_path(buf, len, xdg, "/pfkeyd/pfkey.sock");
	snprintf(tmp, sizeof(tmp), "/tmp/pfkeyd-%lu/pfkey.sock",
		 (unsigned long)uid);
	return put_path(buf, len, tmp, "");
}

int pk_socket_path_uid(char *buf, size_t len, uid_t uid)
{
	bool is_default;

	return resolve_path(buf, len, uid, &is_default);
}

int pk_socket_path(char *buf, size_t len)
{
	return pk_socket_path_uid(buf, len, geteuid());
}

/* The directory part of a socket path: "." or "/" at the least. */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/*
 * A directory that holds our socket must be ours alone: anyone else who can
 * write into it can replace the socket with one of his own.  -ENOENT when
 * it does not exist.
 */
static int check_dir(const struct pk_connect_opts *o, const char *dir,
		     uid_t uid)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return connect_fail(o, errno, "cannot examine %s: %s", dir,
				    strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return connect_fail(o, EPERM, "%s is not a directory", dir);
	if (st.st_uid != uid)
		return connect_fail(o, EPERM,
				    "refusing %s: owned by uid %lu, not %lu",
				    dir, (unsigned long)st.st_uid,
				    (unsigned long)uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return connect_fail(o, EPERM,
				    "refusing %s: writable by group or others "
				    "(mode %04o)", dir,
				    (unsigned)(st.st_mode & 07777));
	return 0;
}

static int ensure_dir(const struct pk_connect_opts *o, const char *dir,
		      uid_t uid)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return connect_fail(o, errno, "cannot create %s: %s", dir,
				    strerror(errno));
	return check_dir(o, dir, uid);
}

/* ------------------------------------------------------------ connecting */

static void widen_sndbuf(int fd)
{
	/* AF_UNIX refuses a datagram above sk_sndbuf - 32 with EMSGSIZE. */
	int want = (int)SADB_MSG_MAX_BYTES + 4096, have = 0;
	socklen_t sl = sizeof(have);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &sl) != 0 ||
	    have < want)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want,
				 sizeof(want));
}

/* Returns a connected socket, or -errno of socket() or connect(). */
static int try_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, err;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);	/* fits: checked */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno == EINTR)
			continue;
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static bool is_exec_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

static bool fits(size_t len, int n)
{
	return n > 0 && (size_t)n < len;
}

/* Finds the pfkeyd to start; see transport.h for the order. */
static int find_pfkeyd(const struct pk_connect_opts *o, char *out,
		       size_t len)
{
	static const char *const beside[] = {
		"pfkeyd", "../daemon/pfkeyd", "../../daemon/pfkeyd",
	};
	const char *env = getenv("PFKEYD"), *p, *end;
	char self[PATH_MAX];
	ssize_t n;
	size_t i;

	if (o->pfkeyd != NULL && o->pfkeyd[0] != '\0')
		env = o->pfkeyd;
	if (env != NULL && env[0] != '\0') {
		if (!fits(len, snprintf(out, len, "%s", env)))
			return connect_fail(o, ENAMETOOLONG,
					    "pfkeyd path too long");
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			for (i = 0; i < sizeof(beside) / sizeof(beside[0]); i++)
				if (fits(len, snprintf(out, len, "%s/%s",
							   self, beside[i])) &&
				    is_exec_file(out))
					return 0;
		}
	}
	p = getenv("PATH");
	if (p == NULL)
		p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;	/* an empty entry would mean "." */
		if (fits(len, snprintf(out, len, "%.*s/pfkeyd",
					   (int)(end - p), p)) &&
		    is_exec_file(out))
			return 0;
	}
	return connect_fail(o, ENOENT, "no pfkeyd to start: set PFKEYD or "
			    "PATH, or start pfkeyd yourself");
}

/* Moves fd to 3 or above, so that dup2() onto 0 and 1 cannot hit it. */
static int fd_high(int fd)
{
	int high;

	if (fd < 0 || fd > 2)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return high;
}

/*
 * Runs "exe --socket path" and waits for it to exit.  Returns 0 with
 * *status its wait status, or -1 when someone else reaped it (a SIGCHLD
 * set to SIG_IGN); -errno when it could not run or did not exit in time.
 */
static int launch(const struct pk_connect_opts *o, const char *exe,
		  const char *path, int *status)
{
	char *argv[] = { (char *)exe, (char *)"--socket", (char *)path, NULL };
	int64_t deadline;
	long maxfd = sysconf(_SC_OPEN_MAX);
	int nullfd, pfd[2], e = 0, err, st, step = 1;
	ssize_t n;
	pid_t pid, w;

	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	nullfd = fd_high(open("/dev/null", O_RDWR | O_CLOEXEC));
	if (nullfd < 0)
		return connect_fail(o, errno, "cannot open /dev/null: %s",
				    strerror(errno));
	/* The child writes its execve() errno here; EOF means it ran. */
	if (pipe2(pfd, O_CLOEXEC) != 0 ||
	    (pfd[0] = fd_high(pfd[0])) < 0 || (pfd[1] = fd_high(pfd[1])) < 0) {
		err = errno;
		close(nullfd);
		return connect_fail(o, err, "pipe: %s", strerror(err));
	}
	pid = fork();
	if (pid == 0) {
		/* Only async-signal-safe calls from here to execve(). */
		struct sigaction sa;
		sigset_t none;
		long fd;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
		if (dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0) {
			e = errno;
			(void)!write(pfd[1], &e, sizeof(e));
			_exit(127);
		}
		if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
			for (fd = 3; fd < maxfd; fd++)
				fcntl((int)fd, F_SETFD, FD_CLOEXEC);
		execve(exe, argv, environ);
		e = errno;
		(void)!write(pfd[1], &e, sizeof(e));
		_exit(127);
	}
	err = errno;
	close(nullfd);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return connect_fail(o, err, "cannot fork: %s", strerror(err));
	}
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return connect_fail(o, e, "cannot run %s: %s", exe,
				    strerror(e));
	}

	deadline = deadline_of(o->autostart_timeout_ms > 0 ?
			       o->autostart_timeout_ms :
			       PK_AUTOSTART_TIMEOUT_MS);
	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			*status = st;
			return 0;
		}
		if (w < 0 && errno == ECHILD) {
			*status = -1;
			return 0;
		}
		if (w < 0 && errno != EINTR)
			return connect_fail(o, errno, "waitpid: %s",
					    strerror(errno));
		if (ms_left(deadline) == 0)
			break;
		sleep_ms(step);
		if (step < 16)
			step *= 2;
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return connect_fail(o, ETIMEDOUT, "%s did not daemonize within %d ms",
			    exe, o->autostart_timeout_ms > 0 ?
			    o->autostart_timeout_ms : PK_AUTOSTART_TIMEOUT_MS);
}

static bool autostart_allowed(const struct pk_connect_opts *o)
{
	const char *env = getenv("PFKEY_NO_AUTOSTART");

	if (o->flags & PK_CONNECT_NO_AUTOSTART)
		return false;
	return env == NULL || strcmp(env, "1") != 0;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "exited (status unknown)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d",
			 WTERMSIG(status));
	else
		snprintf(buf, len, "ended (wait status %#x)", (unsigned)status);
}

/* Starts a daemon at path and connects to it (or to a rival's). */
static int autostart(const struct pk_connect_opts *o, const char *path,
		     const char *dir, uid_t uid)
{
	char exe[PATH_MAX], how[64];
	int r, status, i;

	r = ensure_dir(o, dir, uid);
	if (r < 0)
		return r;
	r = find_pfkeyd(o, exe, sizeof(exe));
	if (r < 0)
		return r;
	say(o, "starting %s --socket %s", exe, path);
	r = launch(o, exe, path, &status);
	if (r < 0)
		return r;
	for (i = 0; i < CONNECT_RETRIES; i++) {
		r = try_connect(path);
		if (r >= 0)
			return r;
		if (r != -ENOENT && r != -ECONNREFUSED)
			return connect_fail(o, -r, "cannot connect to %s: %s",
					    path, strerror(-r));
		sleep_ms(CONNECT_RETRY_MS);
	}
	describe_status(status, how, sizeof(how));
	if (status == 0)
		return connect_fail(o, ECONNREFUSED,
				    "pfkeyd exited 0 but nothing answers at %s",
				    path);
	return connect_fail(o, ECONNREFUSED, "pfkeyd %s; nothing answers at %s",
			    how, path);
}

int pk_connect(struct pk_conn **out, const struct pk_connect_opts *opts)
{
	struct pk_connect_opts o;
	char path[PK_SOCKET_PATH_MAX], dir[PK_SOCKET_PATH_MAX];
	struct pk_conn *c;
	uid_t uid = geteuid();
	bool is_default = false;
	int r, fd;

	if (opts != NULL)
		o = *opts;
	else
		memset(&o, 0, sizeof(o));
	pk_diag_clear(o.diag);
	if (out == NULL)
		return connect_fail(&o, EINVAL, "no place for the connection");
	*out = NULL;
	if (o.socket_path != NULL && o.socket_path[0] != '\0')
		r = put_path(path, sizeof(path), o.socket_path, "");
	else
		r = resolve_path(path, sizeof(path), uid, &is_default);
	if (r < 0)
		return connect_fail(&o, -r, "socket path too long (at most %d "
				    "bytes)", PK_SOCKET_PATH_MAX - 1);
	dir_of(path, dir, sizeof(dir));
	if (is_default) {
		r = check_dir(&o, dir, uid);
		if (r < 0 && r != -ENOENT)
			return r;
	}

	fd = try_connect(path);
	if (fd < 0 && fd != -ENOENT && fd != -ECONNREFUSED)
		return connect_fail(&o, -fd, "cannot connect to %s: %s", path,
				    strerror(-fd));
	if (fd < 0 && !autostart_allowed(&o))
		return connect_fail(&o, -fd, "no pfkeyd at %s (%s) and "
				    "autostart is off", path, strerror(-fd));
	if (fd < 0) {
		fd = autostart(&o, path, dir, uid);
		if (fd < 0)
			return fd;
	}

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return connect_fail(&o, ENOMEM, "out of memory");
	}
	widen_sndbuf(fd);
	c->fd = fd;
	c->seq = 1;
	c->pid = (uint32_t)getpid();
	memcpy(c->path, path, sizeof(c->path));
	*out = c;
	return 0;
}

void pk_close(struct pk_conn *conn)
{
	if (conn == NULL)
		return;
	close(conn->fd);
	free(conn);
}

int pk_conn_fd(const struct pk_conn *conn)
{
	return conn->fd;
}

const char *pk_conn_path(const struct pk_conn *conn)
{
	return conn->path;
}

uint32_t pk_conn_next_seq(struct pk_conn *conn)
{
	uint32_t seq = conn->seq++;

	if (conn->seq == 0)	/* seq 0 ends a dump; never hand it out */
		conn->seq = 1;
	return seq;
}

uint32_t pk_conn_pid(const struct pk_conn *conn)
{
	return conn->pid;
}

const char *pk_conn_error(const struct pk_conn *conn)
{
	return conn->error;
}

void pk_conn_set_unsolicited(struct pk_conn *conn, pk_unsolicited_fn *fn,
			     void *arg)
{
	conn->unsolicited = fn;
	conn->unsolicited_arg = fn != NULL ? arg : NULL;
}

/* ------------------------------------------------------- send and receive */

int pk_send(struct pk_conn *conn, const void *msg, size_t len)
{
	ssize_t n;
	int err;

	conn->error[0] = '\0';
	if (msg == NULL || len == 0 || len > SADB_MSG_MAX_BYTES)
		return conn_fail(conn, EMSGSIZE, "cannot send a message of %zu "
				 "bytes (1 to %zu)", len,
				 (size_t)SADB_MSG_MAX_BYTES);
	do
		n = send(conn->fd, msg, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = errno;
		if (err == EPIPE || err == ECONNRESET)
			return conn_fail(conn, err, "pfkeyd closed the "
					 "connection");
		return conn_fail(conn, err, "send of %zu bytes: %s", len,
				 strerror(err));
	}
	if ((size_t)n != len)	/* SEQPACKET sends all or nothing */
		return conn_fail(conn, EIO, "sent %zd of %zu bytes", n, len);
	return 0;
}

/*
 * Waits until the socket is readable (PK_WAIT_READ, always asked) or, with
 * PK_WAIT_WRITE, writable, or the deadline passes: the PK_WAIT_* bits that
 * are ready, or -ETIMEDOUT / -errno with conn's error set.
 */
static int wait_until(struct pk_conn *conn, unsigned events, int64_t deadline)
{
	struct pollfd pfd;
	int r;

	for (;;) {
		pfd.fd = conn->fd;
		pfd.events = POLLIN | ((events & PK_WAIT_WRITE) ? POLLOUT : 0);
		pfd.revents = 0;
		r = poll(&pfd, 1, ms_left(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return conn_fail(conn, errno, "poll: %s",
					 strerror(errno));
		if (r == 0) {
			if (ms_left(deadline) > 0)
				continue;
			return conn_fail(conn, ETIMEDOUT,
					 "no message from pfkeyd in time");
		}
		if (pfd.revents & POLLNVAL)
			return conn_fail(conn, EBADF, "the socket is closed");
		return ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) ?
			PK_WAIT_READ : 0) |
		       ((pfd.revents & POLLOUT) ? PK_WAIT_WRITE : 0);
	}
}

static int recv_until(struct pk_conn *conn, void *buf, size_t cap,
		      size_t *len, int64_t deadline)
{
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;
	int r;

	conn->error[0] = '\0';
	*len = 0;
	for (;;) {
		r = wait_until(conn, PK_WAIT_READ, deadline);
		if (r < 0)
			return r;
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = cap;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/* MSG_TRUNC: the datagram's real size, even if longer. */
		n = recvmsg(conn->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == EWOULDBLOCK))
			continue;
		if (n < 0 && errno == ECONNRESET)
			return conn_fail(conn, ECONNRESET,
					 "pfkeyd closed the connection");
		if (n < 0)
			return conn_fail(conn, errno, "recv: %s",
					 strerror(errno));
		if (n == 0)	/* SEQPACKET: end of the connection */
			return conn_fail(conn, ECONNRESET,
					 "pfkeyd closed the connection");
		*len = (size_t)n;
		if ((size_t)n > cap || (mh.msg_flags & MSG_TRUNC))
			return conn_fail(conn, EMSGSIZE, "a message of %zd "
					 "bytes did not fit in %zu", n, cap);
		return 0;
	}
}

int pk_recv(struct pk_conn *conn, void *buf, size_t cap, size_t *len,
	    int timeout_ms)
{
	return recv_until(conn, buf, cap, len, deadline_of(timeout_ms));
}

static bool is_reply_to(const struct sadb_msg *q, const void *msg)
{
	struct sadb_msg h;

	memcpy(&h, msg, sizeof(h));
	return h.sadb_msg_type == q->sadb_msg_type &&
	       h.sadb_msg_seq == q->sadb_msg_seq &&
	       h.sadb_msg_pid == q->sadb_msg_pid;
}

int pk_request(struct pk_conn *conn, const void *msg, size_t len,
	       void *reply, size_t cap, size_t *rlen, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);
	struct sadb_msg q;
	size_t n;
	int r;

	conn->error[0] = '\0';
	if (msg == NULL || len < sizeof(q) || reply == NULL ||
	    cap < sizeof(q) || rlen == NULL)
		return conn_fail(conn, EINVAL, "a request and its reply "
				 "buffer need at least %zu bytes", sizeof(q));
	memcpy(&q, msg, sizeof(q));
	*rlen = 0;
	r = pk_send(conn, msg, len);
	if (r < 0)
		return r;
	for (;;) {
		r = recv_until(conn, reply, cap, &n, deadline);
		if (r == -EMSGSIZE) {
			if (is_reply_to(&q, reply)) {
				*rlen = n;
				return r;
			}
			continue;	/* someone else's, and cut short */
		}
		if (r < 0)
			return r;
		if (n < sizeof(q))
			continue;
		if (is_reply_to(&q, reply)) {
			*rlen = n;
			return 0;
		}
		if (conn->unsolicited != NULL)
			conn->unsolicited(conn->unsolicited_arg, reply, n);
	}
}

int pk_reply_errno(const void *reply, size_t len)
{
	struct sadb_msg h;

	if (reply == NULL || len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, reply, sizeof(h));
	return -(int)h.sadb_msg_errno;
}

unsigned pk_reply_diagnostic(const void *reply, size_t len)
{
	struct sadb_msg h;

	if (reply == NULL || len < sizeof(h))
		return 0;
	memcpy(&h, reply, sizeof(h));
	return h.sadb_msg_reserved;
}

/* ------------------------------------------------------------ batched I/O */

#define BATCH_MAX	64	/* datagrams per sendmmsg() / recvmmsg() */

int pk_send_many(struct pk_conn *conn, const struct iovec *msgs, unsigned n)
{
	struct mmsghdr mh[BATCH_MAX];
	unsigned done = 0;
	int err;

	conn->error[0] = '\0';
	while (done < n) {
		unsigned k = n - done < BATCH_MAX ? n - done : BATCH_MAX;
		int r;

		for (unsigned i = 0; i < k; i++) {
			size_t len = msgs[done + i].iov_len;

			if (msgs[done + i].iov_base == NULL || len == 0 ||
			    len > SADB_MSG_MAX_BYTES) {
				if (i == 0 && done > 0)
					return (int)done;	/* it next call */
				if (i == 0)
					return conn_fail(conn, EMSGSIZE,
							 "cannot send a message "
							 "of %zu bytes (1 to "
							 "%zu)", len,
							 (size_t)SADB_MSG_MAX_BYTES);
				k = i;	/* the ones before it go first */
				break;
			}
			memset(&mh[i], 0, sizeof(mh[i]));
			mh[i].msg_hdr.msg_iov = (struct iovec *)&msgs[done + i];
			mh[i].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(conn->fd, mh, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			err = errno;
			if (err == EINTR)
				continue;
			if (err == EAGAIN || err == EWOULDBLOCK)
				return (int)done;
			if (done > 0)
				return (int)done;	/* the error again next call */
			if (err == EPIPE || err == ECONNRESET)
				return conn_fail(conn, err, "pfkeyd closed the "
						 "connection");
			return conn_fail(conn, err, "send of %zu bytes: %s",
					 msgs[0].iov_len, strerror(err));
		}
		for (int i = 0; i < r; i++)
			if (mh[i].msg_len != msgs[done + (unsigned)i].iov_len)
				return conn_fail(conn, EIO, "sent %u of %zu "
						 "bytes", mh[i].msg_len,
						 msgs[done + (unsigned)i].iov_len);
		done += (unsigned)r;
		if ((unsigned)r < k)
			return (int)done;	/* full, or an error next call */
	}
	return (int)done;
}

int pk_wait(struct pk_conn *conn, unsigned events, int timeout_ms)
{
	conn->error[0] = '\0';
	return wait_until(conn, events, deadline_of(timeout_ms));
}
int pk_recv_many(struct pk_conn *conn, const struct iovec *bufs, size_t *lens,
		 unsigned n, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);
	struct mmsghdr mh[BATCH_MAX];
	int r;

	conn->error[0] = '\0';
	if (n == 0)
		return 0;
	if (n > BATCH_MAX)
		n = BATCH_MAX;
	for (;;) {
		memset(mh, 0, n * sizeof(mh[0]));
		for (unsigned i = 0; i < n; i++) {
			mh[i].msg_hdr.msg_iov = (struct iovec *)&bufs[i];
			mh[i].msg_hdr.msg_iovlen = 1;
		}
		/* MSG_TRUNC: each datagram's real size, even if longer. */
		r = recvmmsg(conn->fd, mh, n, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (r > 0) {
			unsigned got = 0;

			for (int i = 0; i < r; i++) {
				if (mh[i].msg_len == 0)
					break;	/* SEQPACKET: the end */
				lens[i] = mh[i].msg_len;
				got++;
			}
			if (got == 0)
				return conn_fail(conn, ECONNRESET,
						 "pfkeyd closed the connection");
			return (int)got;
		}
		if (r == 0)
			return conn_fail(conn, ECONNRESET,
					 "pfkeyd closed the connection");
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return conn_fail(conn, ECONNRESET,
					 "pfkeyd closed the connection");
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return conn_fail(conn, errno, "recv: %s",
					 strerror(errno));
		if (timeout_ms == 0 || (deadline >= 0 && ms_left(deadline) == 0))
			return conn_fail(conn, ETIMEDOUT,
					 "no message from pfkeyd in time");
		r = pk_wait(conn, PK_WAIT_READ, (int)(deadline < 0 ? -1 :
						       ms_left(deadline)));
		if (r < 0)
			return r;
	}
}
