/*
 * test_transport.c - lib/transport.c: socket path resolution, connecting,
 * send/recv edge cases, request/reply matching, autostart.
 *
 * Servers are real SOCK_SEQPACKET listeners in a mkdtemp() directory,
 * served by a forked child running a small script.  The daemon that
 * autostart launches is this very program: run as "test_transport --socket
 * PATH" it becomes a fake pfkeyd (see fake_pfkeyd()) whose behaviour the
 * test picks with $FAKE_PFKEYD_MODE.  The test process is a child
 * subreaper, so every daemon it causes comes back to it to be reaped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pfkey/pfkeyv2.h"
#include "pfkey/transport.h"

#define OTHER_PID	4242u

/* ------------------------------------------------------------- helpers */

struct fx {
	char	dir[64];		/* the test's private temp dir */
	char	sock[PK_SOCKET_PATH_MAX];
	char	pids[128];		/* fake daemons append their pid */
	pid_t	server;			/* forked scripted server, or 0 */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes a header-only PF_KEY message of bytes bytes (a multiple of 8). */
static void mkmsg(void *buf, size_t bytes, uint8_t type, uint32_t seq,
		  uint32_t pid, uint8_t err)
{
	struct sadb_msg h;

	memset(buf, 0, bytes);
	memset(&h, 0, sizeof(h));
	h.sadb_msg_version = PF_KEY_V2;
	h.sadb_msg_type = type;
	h.sadb_msg_errno = err;
	h.sadb_msg_satype = SADB_SATYPE_ESP;
	h.sadb_msg_len = (uint16_t)(bytes / 8);
	h.sadb_msg_seq = seq;
	h.sadb_msg_pid = pid;
	memcpy(buf, &h, sizeof(h));
}

static struct sadb_msg hdr_of(const void *buf)
{
	struct sadb_msg h;

	memcpy(&h, buf, sizeof(h));
	return h;
}

static void widen(int fd)
{
	int want = (int)SADB_MSG_MAX_BYTES + 4096;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want));
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A socket file nobody listens on: what a crashed daemon leaves. */
static void make_stale_socket(const char *path)
{
	int fd = listen_at(path);

	assert_true(fd >= 0);
	close(fd);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

static void self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	assert_true(n > 0);
	buf[n] = '\0';
}

static int count_lines(const char *file)
{
	FILE *f = fopen(file, "r");
	int c, n = 0;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char exe[PATH_MAX];

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/pktr-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->sock, sizeof(fx->sock), "%s/pfkey.sock", fx->dir);
	snprintf(fx->pids, sizeof(fx->pids), "%s/daemon.pids", fx->dir);
	unsetenv("PFKEY_SOCKET");
	unsetenv("PFKEY_NO_AUTOSTART");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("FAKE_PFKEYD_MODE");
	self_exe(exe, sizeof(exe));
	setenv("PFKEYD", exe, 1);
	setenv("FAKE_PFKEYD_PIDFILE", fx->pids, 1);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	FILE *f = fopen(fx->pids, "r");
	int64_t until;
	long pid;
	int st;

	/* Each fake daemon leads its own session: kill the whole group. */
	if (f != NULL) {
		while (fscanf(f, "%ld", &pid) == 1)
			if (pid > 1)
				kill(-(pid_t)pid, SIGKILL);
		fclose(f);
	}
	if (fx->server > 0) {
		kill(fx->server, SIGKILL);
		waitpid(fx->server, &st, 0);
	}
	until = now_ms() + 3000;
	while (now_ms() < until) {
		pid_t w = waitpid(-1, &st, WNOHANG);

		if (w < 0 && errno == ECHILD)
			break;
		if (w == 0)
			usleep(5000);
	}
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* -------------------------------------------------- scripted servers */

typedef void script_fn(int cfd);

static void script_echo(int cfd)
{
	uint8_t *buf = malloc(SADB_MSG_MAX_BYTES);
	ssize_t n;

	if (buf == NULL)
		return;
	widen(cfd);
	while ((n = recv(cfd, buf, SADB_MSG_MAX_BYTES, 0)) > 0)
		if (send(cfd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	free(buf);
}

/* Before each reply: three messages that look like it but are not. */
static void script_broadcasts(int cfd)
{
	uint8_t req[512], m[64];
	struct sadb_msg q;
	ssize_t n;

	while ((n = recv(cfd, req, sizeof(req), 0)) >= (ssize_t)sizeof(q)) {
		q = hdr_of(req);
		mkmsg(m, 24, q.sadb_msg_type, q.sadb_msg_seq, OTHER_PID, 0);
		send(cfd, m, 24, MSG_NOSIGNAL);
		mkmsg(m, 32, SADB_EXPIRE, q.sadb_msg_seq, q.sadb_msg_pid, 0);
		send(cfd, m, 32, MSG_NOSIGNAL);
		mkmsg(m, 40, q.sadb_msg_type, q.sadb_msg_seq + 100,
		      q.sadb_msg_pid, 0);
		send(cfd, m, 40, MSG_NOSIGNAL);
		mkmsg(m, 48, q.sadb_msg_type, q.sadb_msg_seq, q.sadb_msg_pid,
		      EEXIST);
		m[6] = 42;	/* sadb_msg_reserved: a diagnostic */
		m[7] = 0;
		send(cfd, m, 48, MSG_NOSIGNAL);
	}
}

static void script_silent(int cfd)
{
	uint8_t buf[512];

	while (recv(cfd, buf, sizeof(buf), 0) > 0)
		;
}

/* One request: a 1000-byte reply, then a 16-byte one; then echo. */
static void script_big(int cfd)
{
	uint8_t req[512], m[1000];
	struct sadb_msg q;

	if (recv(cfd, req, sizeof(req), 0) < (ssize_t)sizeof(q))
		return;
	q = hdr_of(req);
	mkmsg(m, sizeof(m), q.sadb_msg_type, q.sadb_msg_seq, q.sadb_msg_pid, 0);
	m[999] = 0x5a;
	send(cfd, m, sizeof(m), MSG_NOSIGNAL);
	mkmsg(m, 16, SADB_X_PROMISC, 0, 0, 0);
	send(cfd, m, 16, MSG_NOSIGNAL);
	script_echo(cfd);
}

/* A big stranger (dropped), a small one, then a big matching reply. */
static void script_trunc_request(int cfd)
{
	uint8_t req[512], m[1000];
	struct sadb_msg q;

	if (recv(cfd, req, sizeof(req), 0) < (ssize_t)sizeof(q))
		return;
	q = hdr_of(req);
	mkmsg(m, sizeof(m), q.sadb_msg_type, q.sadb_msg_seq, OTHER_PID, 0);
	send(cfd, m, sizeof(m), MSG_NOSIGNAL);
	mkmsg(m, 16, SADB_EXPIRE, 0, 0, 0);
	send(cfd, m, 16, MSG_NOSIGNAL);
	mkmsg(m, sizeof(m), q.sadb_msg_type, q.sadb_msg_seq, q.sadb_msg_pid, 0);
	send(cfd, m, sizeof(m), MSG_NOSIGNAL);
	script_silent(cfd);
}

static void script_close(int cfd)
{
	(void)cfd;
}

/* Listens at fx->sock and serves one client with script in a child. */
static void serve(struct fx *fx, script_fn *script)
{
	int lfd = listen_at(fx->sock);
	pid_t pid;

	assert_true(lfd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int cfd;

		alarm(20);
		cfd = accept(lfd, NULL, NULL);
		if (cfd >= 0)
			script(cfd);
		_exit(0);
	}
	close(lfd);
	fx->server = pid;
	setenv("PFKEY_SOCKET", fx->sock, 1);
}

static void server_done(struct fx *fx)
{
	int st;

	assert_int_equal(waitpid(fx->server, &st, 0), fx->server);
	fx->server = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ------------------------------------------------------ the fake pfkeyd */

static int fake_bind(const char *path)
{
	struct sockaddr_un sa;
	int fd, probe;

	fd = listen_at(path);
	if (fd >= 0 || errno != EADDRINUSE)
		return fd;
	/* The contract: a live daemon there means "already running". */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	probe = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	    errno != ECONNREFUSED) {
		close(probe);
		errno = EADDRINUSE;
		return -1;
	}
	close(probe);
	unlink(path);
	return listen_at(path);
}

static int fake_pfkeyd(const char *path)
{
	const char *mode = getenv("FAKE_PFKEYD_MODE");
	const char *pids = getenv("FAKE_PFKEYD_PIDFILE");
	char line[32];
	pid_t pid;
	int lfd, fd;

	if (mode == NULL)
		mode = "echo";
	if (strcmp(mode, "fail") == 0) {
		fprintf(stderr, "fake pfkeyd: %s: told to fail\n", path);
		return 1;
	}
	if (strcmp(mode, "hang") == 0) {
		sleep(20);
		return 0;
	}
	if (strcmp(mode, "noop") == 0)
		return 0;
	lfd = fake_bind(path);
	if (lfd < 0) {
		fprintf(stderr, "fake pfkeyd: %s: %s\n", path,
			errno == EADDRINUSE ? "already running" :
			strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		/* Record the daemon before saying "ready" by exiting 0. */
		if (pids != NULL) {
			fd = open(pids, O_WRONLY | O_CREAT | O_APPEND, 0600);
			snprintf(line, sizeof(line), "%ld\n", (long)pid);
			if (fd >= 0) {
				(void)!write(fd, line, strlen(line));
				close(fd);
			}
		}
		_exit(0);
	}
	setsid();
	signal(SIGCHLD, SIG_IGN);
	alarm(30);
	for (;;) {
		int cfd = accept(lfd, NULL, NULL);

		if (cfd < 0)
			continue;
		if (fork() == 0) {
			close(lfd);
			script_echo(cfd);
			_exit(0);
		}
		close(cfd);
	}
}

/* -------------------------------------------------------- socket path */

static void test_path_env(void **state)
{
	char buf[PK_SOCKET_PATH_MAX];

	(void)state;
	setenv("PFKEY_SOCKET", "/some/where/pf.sock", 1);
	assert_int_equal(pk_socket_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/some/where/pf.sock");
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "/some/where/pf.sock");
	setenv("PFKEY_SOCKET", "relative.sock", 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), 1000), 0);
	assert_string_equal(buf, "relative.sock");
}

static void test_path_root(void **state)
{
	char buf[PK_SOCKET_PATH_MAX];

	(void)state;
	setenv("PFKEY_SOCKET", "", 1);	/* empty: as if unset */
	setenv("XDG_RUNTIME_DIR", "/", 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "/run/pfkeyd/pfkey.sock");
	if (geteuid() == 0) {
		assert_int_equal(pk_socket_path(buf, sizeof(buf)), 0);
		assert_string_equal(buf, "/run/pfkeyd/pfkey.sock");
	}
}

/* A uid that owns fx->dir: ourselves, or (as root) a stranger we chown to. */
static uid_t dir_owner(struct fx *fx)
{
	if (geteuid() != 0)
		return geteuid();
	assert_int_equal(chown(fx->dir, 4242, (gid_t)-1), 0);
	return 4242;
}

static void test_path_xdg(void **state)
{
	struct fx *fx = *state;
	char buf[PK_SOCKET_PATH_MAX], want[PK_SOCKET_PATH_MAX];
	uid_t uid = dir_owner(fx);

	setenv("XDG_RUNTIME_DIR", fx->dir, 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid), 0);
	snprintf(want, sizeof(want), "%s/pfkeyd/pfkey.sock", fx->dir);
	assert_string_equal(buf, want);
	if (geteuid() != 0) {
		assert_int_equal(pk_socket_path(buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
	}
}

static void test_path_tmp_fallback(void **state)
{
	struct fx *fx = *state;
	char buf[PK_SOCKET_PATH_MAX], want[PK_SOCKET_PATH_MAX], file[128];
	uid_t uid = dir_owner(fx);
	int fd;

	snprintf(want, sizeof(want), "/tmp/pfkeyd-%lu/pfkey.sock",
		 (unsigned long)(uid + 1));
	/* Unset. */
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid + 1), 0);
	assert_string_equal(buf, want);
	/* Set, but owned by someone else. */
	setenv("XDG_RUNTIME_DIR", fx->dir, 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid + 1), 0);
	assert_string_equal(buf, want);
	/* Not a directory. */
	snprintf(file, sizeof(file), "%s/file", fx->dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chown(file, uid, (gid_t)-1) == 0 || geteuid() != 0, 1);
	setenv("XDG_RUNTIME_DIR", file, 1);
	snprintf(want, sizeof(want), "/tmp/pfkeyd-%lu/pfkey.sock",
		 (unsigned long)uid);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid), 0);
	assert_string_equal(buf, want);
	/* Missing, relative, empty. */
	setenv("XDG_RUNTIME_DIR", "/nonexistent/xdg", 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid), 0);
	assert_string_equal(buf, want);
	setenv("XDG_RUNTIME_DIR", "tmp", 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid), 0);
	assert_string_equal(buf, want);
	setenv("XDG_RUNTIME_DIR", "", 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid), 0);
	assert_string_equal(buf, want);
}

static void test_path_too_long(void **state)
{
	struct fx *fx = *state;
	char buf[PK_SOCKET_PATH_MAX + 64], name[PK_SOCKET_PATH_MAX + 8];
	char longdir[PATH_MAX];
	uid_t uid;

	/* 107 bytes fit in sun_path with the NUL; 108 do not. */
	memset(name, 'a', sizeof(name));
	name[0] = '/';
	name[PK_SOCKET_PATH_MAX - 1] = '\0';
	setenv("PFKEY_SOCKET", name, 1);
	assert_int_equal(pk_socket_path(buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), PK_SOCKET_PATH_MAX - 1);
	name[PK_SOCKET_PATH_MAX - 1] = 'a';
	name[PK_SOCKET_PATH_MAX] = '\0';
	setenv("PFKEY_SOCKET", name, 1);
	assert_int_equal(pk_socket_path(buf, sizeof(buf)), -ENAMETOOLONG);
	/* The caller's buffer too small. */
	setenv("PFKEY_SOCKET", "/run/x.sock", 1);
	assert_int_equal(pk_socket_path(buf, 11), -ENAMETOOLONG);
	assert_int_equal(pk_socket_path(buf, 12), 0);
	assert_int_equal(pk_socket_path(NULL, 0), -ENAMETOOLONG);
	unsetenv("PFKEY_SOCKET");
	/* A real $XDG_RUNTIME_DIR too deep for "/pfkeyd/pfkey.sock". */
	snprintf(longdir, sizeof(longdir), "%s/%.*s", fx->dir,
		 95 - (int)strlen(fx->dir), "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		 "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	assert_int_equal(mkdir(longdir, 0700), 0);
	uid = geteuid();
	if (uid == 0) {
		assert_int_equal(chown(longdir, 4242, (gid_t)-1), 0);
		uid = 4242;
	}
	setenv("XDG_RUNTIME_DIR", longdir, 1);
	assert_int_equal(pk_socket_path_uid(buf, sizeof(buf), uid),
			 -ENAMETOOLONG);
}

/* ------------------------------------------------- connect, send, recv */

struct seen {
	int		n;
	uint8_t		type[8];
	uint32_t	seq[8];
	uint32_t	pid[8];
	size_t		len[8];
};

static void on_unsolicited(void *arg, const void *msg, size_t len)
{
	struct seen *s = arg;
	struct sadb_msg h = hdr_of(msg);

	if (s->n < 8) {
		s->type[s->n] = h.sadb_msg_type;
		s->seq[s->n] = h.sadb_msg_seq;
		s->pid[s->n] = h.sadb_msg_pid;
		s->len[s->n] = len;
	}
	s->n++;
}

static void test_connect_request_echo(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	uint8_t q[64], r[256];
	size_t n = 0;

	serve(fx, script_echo);
	assert_int_equal(pk_connect(&c, NULL), 0);
	assert_non_null(c);
	assert_string_equal(pk_conn_path(c), fx->sock);
	assert_true(pk_conn_fd(c) >= 0);
	assert_true(fcntl(pk_conn_fd(c), F_GETFD) & FD_CLOEXEC);
	assert_int_equal(pk_conn_pid(c), (uint32_t)getpid());
	assert_int_equal(pk_conn_next_seq(c), 1);
	assert_int_equal(pk_conn_next_seq(c), 2);
	assert_int_equal(pk_conn_next_seq(c), 3);
	mkmsg(q, 64, SADB_GET, pk_conn_next_seq(c), pk_conn_pid(c), 0);
	assert_int_equal(pk_request(c, q, 64, r, sizeof(r), &n, 2000), 0);
	assert_int_equal(n, 64);
	assert_memory_equal(q, r, 64);
	assert_int_equal(pk_reply_errno(r, n), 0);
	assert_string_equal(pk_conn_error(c), "");
	pk_close(c);
	server_done(fx);
	pk_close(NULL);
}

static void test_opts_socket_path_wins(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_diag d;
	struct pk_conn *c = NULL;

	serve(fx, script_echo);
	setenv("PFKEY_SOCKET", "/nonexistent/pfkey.sock", 1);
	o.socket_path = fx->sock;
	o.diag = &d;
	assert_int_equal(pk_connect(&c, &o), 0);
	assert_string_equal(pk_conn_path(c), fx->sock);
	pk_close(c);
	server_done(fx);
}

static void test_request_matching(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	struct seen s = { 0 };
	uint8_t q[32], r[256];
	uint32_t seq;
	size_t n = 0;

	serve(fx, script_broadcasts);
	assert_int_equal(pk_connect(&c, NULL), 0);
	pk_conn_set_unsolicited(c, on_unsolicited, &s);
	seq = pk_conn_next_seq(c);
	mkmsg(q, 32, SADB_ADD, seq, pk_conn_pid(c), 0);
	assert_int_equal(pk_request(c, q, 32, r, sizeof(r), &n, 2000), 0);
	assert_int_equal(n, 48);
	assert_int_equal(hdr_of(r).sadb_msg_type, SADB_ADD);
	assert_int_equal(hdr_of(r).sadb_msg_seq, seq);
	assert_int_equal(pk_reply_errno(r, n), -EEXIST);
	assert_int_equal(pk_reply_diagnostic(r, n), 42);
	/* Another pid, another type, another seq: none of them ours. */
	assert_int_equal(s.n, 3);
	assert_int_equal(s.pid[0], OTHER_PID);
	assert_int_equal(s.len[0], 24);
	assert_int_equal(s.type[1], SADB_EXPIRE);
	assert_int_equal(s.len[1], 32);
	assert_int_equal(s.seq[2], seq + 100);
	assert_int_equal(s.len[2], 40);
	/* Without a callback they are dropped and the reply still found. */
	pk_conn_set_unsolicited(c, NULL, NULL);
	mkmsg(q, 32, SADB_DELETE, pk_conn_next_seq(c), pk_conn_pid(c), 0);
	assert_int_equal(pk_request(c, q, 32, r, sizeof(r), &n, 2000), 0);
	assert_int_equal(hdr_of(r).sadb_msg_type, SADB_DELETE);
	assert_int_equal(n, 48);
	assert_int_equal(s.n, 3);
	pk_close(c);
	server_done(fx);
}

static void test_pipelining(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	uint8_t q[24], r[64];
	size_t n;
	uint32_t i;

	serve(fx, script_echo);
	assert_int_equal(pk_connect(&c, NULL), 0);
	for (i = 0; i < 3; i++) {
		mkmsg(q, 24, SADB_GET, pk_conn_next_seq(c), pk_conn_pid(c), 0);
		assert_int_equal(pk_send(c, q, 24), 0);
	}
	for (i = 1; i <= 3; i++) {
		assert_int_equal(pk_recv(c, r, sizeof(r), &n, 2000), 0);
		assert_int_equal(n, 24);
		assert_int_equal(hdr_of(r).sadb_msg_seq, i);
	}
	pk_close(c);
	server_done(fx);
}

static void test_recv_timeout(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	uint8_t q[16], r[64];
	size_t n = 99;
	int64_t t0;

	serve(fx, script_silent);
	assert_int_equal(pk_connect(&c, NULL), 0);
	t0 = now_ms();
	assert_int_equal(pk_recv(c, r, sizeof(r), &n, 150), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 145);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(n, 0);
	assert_true(strlen(pk_conn_error(c)) > 0);
	t0 = now_ms();
	assert_int_equal(pk_recv(c, r, sizeof(r), &n, 0), -ETIMEDOUT);
	assert_true(now_ms() - t0 < 100);
	mkmsg(q, 16, SADB_GET, pk_conn_next_seq(c), pk_conn_pid(c), 0);
	t0 = now_ms();
	assert_int_equal(pk_request(c, q, 16, r, sizeof(r), &n, 100),
			 -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 95);
	pk_close(c);
	server_done(fx);
}

static void test_recv_truncated(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	uint8_t q[16], r[1000], small[64];
	size_t n = 0;

	serve(fx, script_big);
	assert_int_equal(pk_connect(&c, NULL), 0);
	mkmsg(q, 16, SADB_DUMP, pk_conn_next_seq(c), pk_conn_pid(c), 0);
	assert_int_equal(pk_send(c, q, 16), 0);
	assert_int_equal(pk_recv(c, small, sizeof(small), &n, 2000), -EMSGSIZE);
	assert_int_equal(n, 1000);
	assert_int_equal(hdr_of(small).sadb_msg_len, 125);
	assert_int_equal(hdr_of(small).sadb_msg_type, SADB_DUMP);
	/* The datagram was consumed; the next one arrives whole. */
	assert_int_equal(pk_recv(c, r, sizeof(r), &n, 2000), 0);
	assert_int_equal(n, 16);
	assert_int_equal(hdr_of(r).sadb_msg_type, SADB_X_PROMISC);
	/* Exactly the right size is not a truncation. */
	mkmsg(r, 1000, SADB_GET, 9, 9, 0);
	assert_int_equal(pk_send(c, r, 1000), 0);
	memset(r, 0, sizeof(r));
	assert_int_equal(pk_recv(c, r, 1000, &n, 2000), 0);
	assert_int_equal(n, 1000);
	pk_close(c);
	server_done(fx);
}

static void test_request_truncated(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	struct seen s = { 0 };
	uint8_t q[16], r[256];
	size_t n = 0;

	serve(fx, script_trunc_request);
	assert_int_equal(pk_connect(&c, NULL), 0);
	pk_conn_set_unsolicited(c, on_unsolicited, &s);
	mkmsg(q, 16, SADB_GET, pk_conn_next_seq(c), pk_conn_pid(c), 0);
	assert_int_equal(pk_request(c, q, 16, r, sizeof(r), &n, 2000),
			 -EMSGSIZE);
	assert_int_equal(n, 1000);
	assert_int_equal(hdr_of(r).sadb_msg_pid, pk_conn_pid(c));
	assert_int_equal(s.n, 1);	/* the big stranger was dropped */
	assert_int_equal(s.type[0], SADB_EXPIRE);
	pk_close(c);
	server_done(fx);
}

static void test_eof(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	uint8_t q[16], r[64];
	size_t n;
	int e;

	serve(fx, script_close);
	assert_int_equal(pk_connect(&c, NULL), 0);
	server_done(fx);	/* the server has closed its end */
	assert_int_equal(pk_recv(c, r, sizeof(r), &n, 2000), -ECONNRESET);
	assert_non_null(strstr(pk_conn_error(c), "closed"));
	mkmsg(q, 16, SADB_GET, 1, 1, 0);
	e = pk_send(c, q, 16);
	assert_true(e == -EPIPE || e == -ECONNRESET);
	e = pk_request(c, q, 16, r, sizeof(r), &n, 1000);
	assert_true(e == -EPIPE || e == -ECONNRESET);
	pk_close(c);
}

static void test_sizes(void **state)
{
	struct fx *fx = *state;
	struct pk_conn *c = NULL;
	uint8_t *big = malloc(SADB_MSG_MAX_BYTES + 8);
	uint8_t *back = malloc(SADB_MSG_MAX_BYTES);
	socklen_t sl;
	size_t n = 0, m;
	int sndbuf = 0;

	assert_non_null(big);
	assert_non_null(back);
	serve(fx, script_echo);
	assert_int_equal(pk_connect(&c, NULL), 0);
	assert_int_equal(pk_send(c, big, 0), -EMSGSIZE);
	assert_int_equal(pk_send(c, NULL, 16), -EMSGSIZE);
	assert_int_equal(pk_send(c, big, SADB_MSG_MAX_BYTES + 8), -EMSGSIZE);
	assert_int_equal(pk_request(c, big, 8, back, 64, &n, 100), -EINVAL);
	assert_int_equal(pk_request(c, big, 16, back, 8, &n, 100), -EINVAL);
	/*
	 * The largest message PF_KEY can express goes through whole, where
	 * the kernel lets a socket buffer hold it (net.core.wmem_max).
	 */
	mkmsg(big, SADB_MSG_MAX_BYTES, SADB_ADD, pk_conn_next_seq(c),
	      pk_conn_pid(c), 0);
	big[SADB_MSG_MAX_BYTES - 1] = 0xa5;
	sl = sizeof(sndbuf);
	assert_int_equal(getsockopt(pk_conn_fd(c), SOL_SOCKET, SO_SNDBUF,
				    &sndbuf, &sl), 0);
	if ((size_t)sndbuf < SADB_MSG_MAX_BYTES + 32) {
		assert_int_equal(pk_send(c, big, SADB_MSG_MAX_BYTES),
				 -EMSGSIZE);
		n = 32768;
		mkmsg(big, n, SADB_ADD, pk_conn_next_seq(c), pk_conn_pid(c),
		      0);
	} else {
		n = SADB_MSG_MAX_BYTES;
	}
	m = n;
	assert_int_equal(pk_request(c, big, m, back, SADB_MSG_MAX_BYTES, &n,
				    5000), 0);
	assert_int_equal(n, m);
	assert_memory_equal(big, back, m);
	pk_close(c);
	server_done(fx);
	free(big);
	free(back);
}

static void test_reply_helpers(void **state)
{
	uint8_t m[16] = { 0 };

	(void)state;
	assert_int_equal(pk_reply_errno(m, 8), -EBADMSG);
	assert_int_equal(pk_reply_errno(NULL, 16), -EBADMSG);
	assert_int_equal(pk_reply_diagnostic(m, 8), 0);
	mkmsg(m, 16, SADB_ADD, 1, 1, ESRCH);
	assert_int_equal(pk_reply_errno(m, 16), -ESRCH);
	mkmsg(m, 16, SADB_ADD, 1, 1, 0);
	assert_int_equal(pk_reply_errno(m, 16), 0);
}

static void test_connect_refused_not_autostart(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_diag d;
	struct pk_conn *c = (struct pk_conn *)&o;
	char path[PK_SOCKET_PATH_MAX];

	/* A path through a plain file: ENOTDIR, not ENOENT, so no autostart. */
	snprintf(path, sizeof(path), "%s/file", fx->dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof(path), "%s/file/pfkey.sock", fx->dir);
	o.socket_path = path;
	o.diag = &d;
	assert_int_equal(pk_connect(&c, &o), -ENOTDIR);
	assert_null(c);
	assert_int_equal(d.err, ENOTDIR);
	assert_int_equal(count_lines(fx->pids), 0);
	assert_int_equal(pk_connect(NULL, &o), -EINVAL);
}

/* ------------------------------------------------------------- autostart */

struct logbuf {
	int	n;
	char	last[512];
};

static void on_log(void *arg, const char *msg)
{
	struct logbuf *l = arg;

	l->n++;
	snprintf(l->last, sizeof(l->last), "%s", msg);
}

static void echo_check(struct pk_conn *c)
{
	uint8_t q[24], r[64];
	size_t n = 0;

	mkmsg(q, 24, SADB_GET, pk_conn_next_seq(c), pk_conn_pid(c), 0);
	assert_int_equal(pk_request(c, q, 24, r, sizeof(r), &n, 2000), 0);
	assert_memory_equal(q, r, 24);
}

static void test_autostart(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct logbuf lb = { 0 };
	struct pk_diag d;
	struct pk_conn *c = NULL, *c2 = NULL;
	char sub[96], path[PK_SOCKET_PATH_MAX];
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/run", fx->dir);
	snprintf(path, sizeof(path), "%s/pfkey.sock", sub);
	setenv("PFKEY_SOCKET", path, 1);
	setenv("PFKEY_NO_AUTOSTART", "0", 1);	/* only "1" forbids */
	o.log = on_log;
	o.log_arg = &lb;
	o.diag = &d;
	assert_int_equal(pk_connect(&c, &o), 0);
	assert_int_equal(lb.n, 1);
	assert_non_null(strstr(lb.last, "--socket"));
	assert_non_null(strstr(lb.last, path));
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(count_lines(fx->pids), 1);
	echo_check(c);
	/* A second client finds the running daemon and starts nothing. */
	lb.n = 0;
	assert_int_equal(pk_connect(&c2, &o), 0);
	assert_int_equal(lb.n, 0);
	echo_check(c2);
	pk_close(c2);
	pk_close(c);
}

static void test_autostart_stale_socket(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_conn *c = NULL;
	struct pk_diag d;
	char exe[PATH_MAX];

	make_stale_socket(fx->sock);
	/* opts->pfkeyd wins over $PFKEYD. */
	self_exe(exe, sizeof(exe));
	setenv("PFKEYD", "/nonexistent/pfkeyd", 1);
	o.pfkeyd = exe;
	o.socket_path = fx->sock;
	o.diag = &d;
	assert_int_equal(pk_connect(&c, &o), 0);
	assert_int_equal(count_lines(fx->pids), 1);
	echo_check(c);
	pk_close(c);
}

static void test_autostart_disabled(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_conn *c = NULL;
	struct pk_diag d;
	char sub[96], path[PK_SOCKET_PATH_MAX];
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/run", fx->dir);
	snprintf(path, sizeof(path), "%s/pfkey.sock", sub);
	setenv("PFKEY_SOCKET", path, 1);
	setenv("PFKEY_NO_AUTOSTART", "1", 1);
	o.diag = &d;
	assert_int_equal(pk_connect(&c, &o), -ENOENT);
	assert_null(c);
	assert_int_equal(d.err, ENOENT);
	assert_non_null(strstr(d.detail, "autostart"));
	assert_int_equal(stat(sub, &st), -1);	/* nothing created */
	/* A stale socket: -ECONNREFUSED. */
	setenv("PFKEY_SOCKET", fx->sock, 1);
	make_stale_socket(fx->sock);
	assert_int_equal(pk_connect(&c, &o), -ECONNREFUSED);
	assert_int_equal(d.err, ECONNREFUSED);
	/* The flag does the same as the variable. */
	unsetenv("PFKEY_NO_AUTOSTART");
	o.flags = PK_CONNECT_NO_AUTOSTART;
	assert_int_equal(pk_connect(&c, &o), -ECONNREFUSED);
	setenv("PFKEY_SOCKET", path, 1);
	assert_int_equal(pk_connect(&c, &o), -ENOENT);
	assert_int_equal(count_lines(fx->pids), 0);
}

static void test_autostart_launcher_fails(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_conn *c = NULL;
	struct pk_diag d;

	setenv("PFKEY_SOCKET", fx->sock, 1);
	setenv("FAKE_PFKEYD_MODE", "fail", 1);
	o.diag = &d;
	assert_int_equal(pk_connect(&c, &o), -ECONNREFUSED);
	assert_null(c);
	assert_int_equal(d.err, ECONNREFUSED);
	assert_non_null(strstr(d.detail, "status 1"));
	/* Exit 0 without listening breaks the contract: refused too. */
	setenv("FAKE_PFKEYD_MODE", "noop", 1);
	assert_int_equal(pk_connect(&c, &o), -ECONNREFUSED);
	assert_non_null(strstr(d.detail, "nothing answers"));
}

static void test_autostart_timeout(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_conn *c = NULL;
	struct pk_diag d;
	int64_t t0;

	setenv("PFKEY_SOCKET", fx->sock, 1);
	setenv("FAKE_PFKEYD_MODE", "hang", 1);
	o.diag = &d;
	o.autostart_timeout_ms = 300;
	t0 = now_ms();
	assert_int_equal(pk_connect(&c, &o), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 290);
	assert_true(now_ms() - t0 < 3000);
	assert_non_null(strstr(d.detail, "300 ms"));
	/* The launcher was killed and reaped: no child is left. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_autostart_exec_fails(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_conn *c = NULL;
	struct pk_diag d;
	char exe[128];

	setenv("PFKEY_SOCKET", fx->sock, 1);
	snprintf(exe, sizeof(exe), "%s/no-such-pfkeyd", fx->dir);
	setenv("PFKEYD", exe, 1);
	o.diag = &d;
	assert_int_equal(pk_connect(&c, &o), -ENOENT);
	assert_non_null(strstr(d.detail, "cannot run"));
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void test_autostart_insecure_dir(void **state)
{
	struct fx *fx = *state;
	struct pk_connect_opts o = { 0 };
	struct pk_conn *c = NULL;
	struct pk_diag d;
	char sub[96], path[PK_SOCKET_PATH_MAX], link[96];

	o.diag = &d;
	/* Group-writable. */
	snprintf(sub, sizeof(sub), "%s/insecure", fx->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chmod(sub, 0770), 0);
	snprintf(path, sizeof(path), "%s/pfkey.sock", sub);
	setenv("PFKEY_SOCKET", path, 1);
	assert_int_equal(pk_connect(&c, &o), -EPERM);
	assert_null(c);
	assert_non_null(strstr(d.detail, "writable"));
	/* Other-writable. */
	assert_int_equal(chmod(sub, 0703), 0);
	assert_int_equal(pk_connect(&c, &o), -EPERM);
	/* A symlink to a good directory is not the directory. */
	assert_int_equal(chmod(sub, 0700), 0);
	snprintf(link, sizeof(link), "%s/link", fx->dir);
	assert_int_equal(symlink(sub, link), 0);
	snprintf(path, sizeof(path), "%s/pfkey.sock", link);
	setenv("PFKEY_SOCKET", path, 1);
	assert_int_equal(pk_connect(&c, &o), -EPERM);
	assert_non_null(strstr(d.detail, "not a directory"));
	/* Someone else's. */
	if (geteuid() == 0) {
		assert_int_equal(chown(sub, 4242, (gid_t)-1), 0);
		snprintf(path, sizeof(path), "%s/pfkey.sock", sub);
		setenv("PFKEY_SOCKET", path, 1);
		assert_int_equal(pk_connect(&c, &o), -EPERM);
		assert_non_null(strstr(d.detail, "owned by uid 4242"));
	}
	assert_int_equal(count_lines(fx->pids), 0);
}

static void test_autostart_race(void **state)
{
	struct fx *fx = *state;
	pid_t kids[4];
	int i, st;

	setenv("PFKEY_SOCKET", fx->sock, 1);
	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			struct pk_conn *c = NULL;
			uint8_t q[24], r[64];
			size_t n;

			alarm(20);
			if (pk_connect(&c, NULL) != 0)
				_exit(1);
			mkmsg(q, 24, SADB_GET, pk_conn_next_seq(c),
			      pk_conn_pid(c), 0);
			if (pk_request(c, q, 24, r, sizeof(r), &n, 2000) != 0 ||
			    memcmp(q, r, 24) != 0)
				_exit(2);
			pk_close(c);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_true(count_lines(fx->pids) >= 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_xdg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_tmp_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_request_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opts_socket_path_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelining, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused_not_autostart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_stale_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_launcher_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_exec_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_insecure_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_race, setup, teardown),
	};

	/* Run by autostart as "pfkeyd --socket PATH": be the fake daemon. */
	if (argc >= 3 && strcmp(argv[1], "--socket") == 0)
		return fake_pfkeyd(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
