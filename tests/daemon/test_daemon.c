/*
 * test_daemon.c - pfkeyd through its real socket.
 *
 *   test_daemon PFKEYD
 *
 * Starts the pfkeyd executable given as argv[1] with --foreground --socket
 * in a fresh mkdtemp() directory and talks to it over raw SOCK_SEQPACKET
 * sockets (so that malformed datagrams and stalled readers can be made at
 * will), plus the libpfkey transport for the client library's view.
 * Prints TAP.  Every wait is bounded, so a hung daemon fails a test rather
 * than the run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "pfkey/msg.h"
#include "pfkey/pfkeyv2.h"
#include "pfkey/transport.h"

#define MAXMSG		SADB_MSG_MAX_BYTES
#define TIMEOUT_MS	5000
#define QUEUE_LIMIT	(4u * 1024 * 1024)	/* server.h SERVER_QUEUE_LIMIT */

static const char *pfkeyd;
static char tmpdir[64];
static char sockpath[128];
static char logpath[128];
static pid_t daemon_pid;
static unsigned ntests;
static unsigned nfailed;
static void close_test_fds(void);
static uint8_t rbuf[MAXMSG] __attribute__((aligned(8)));

/* ------------------------------------------------------------------ TAP */

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);				\
			printf("\n");					\
			return false;					\
		}							\
	} while (0)

static void run(const char *name, bool (*fn)(void))
{
	bool ok;

	fflush(stdout);
	ok = fn();
	close_test_fds();
	ntests++;
	if (!ok)
		nfailed++;
	printf("%sok %u - %s\n", ok ? "" : "not ", ntests, name);
	fflush(stdout);
}

static void skip(const char *name, const char *why)
{
	ntests++;
	printf("ok %u - %s # SKIP %s\n", ntests, name, why);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --------------------------------------------------------------- daemon */

/* Starts pfkeyd --foreground on path, stderr to log; returns its pid. */
static pid_t spawn(const char *path, const char *log, const char *extra)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		if (extra != NULL)
			execl(pfkeyd, pfkeyd, "--foreground", "--socket", path,
			      extra, (char *)NULL);
		else
			execl(pfkeyd, pfkeyd, "--foreground", "--socket", path,
			      (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int try_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd;

	if (len >= sizeof(sun.sun_path))
		return -1;	/* the test's paths are all shorter */
	memcpy(sun.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Connects, retrying while the daemon starts; -1 after timeout_ms. */
static int connect_wait(const char *path, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		int fd = try_connect(path);

		if (fd >= 0 || now_ms() > end)
			return fd;
		usleep(10000);
	}
}

/* Client sockets of the running test, closed after it whatever happened. */
static int open_fds[256];
static unsigned nopen;

static int cli(void)
{
	int fd = connect_wait(sockpath, TIMEOUT_MS);

	if (fd >= 0 && nopen < sizeof(open_fds) / sizeof(open_fds[0]))
		open_fds[nopen++] = fd;
	return fd;
}

static void close_test_fds(void)
{
	/* A test's own close() may have let the number be reused: harmless. */
	for (unsigned i = 0; i < nopen; i++)
		close(open_fds[i]);
	nopen = 0;
}

static bool daemon_alive(void)
{
	return daemon_pid > 0 && waitpid(daemon_pid, NULL, WNOHANG) == 0;
}

/* Whether the log file contains text. */
static bool log_has(const char *path, const char *text)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

/* Waits up to timeout_ms for text to appear in the log. */
static bool log_wait(const char *path, const char *text, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	while (!log_has(path, text)) {
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
	return true;
}

/* Resident memory of a process in KiB, 0 if unknown. */
static unsigned long rss_kib(pid_t pid)
{
	char path[64], line[256];
	unsigned long kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %lu", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* ------------------------------------------------------------- messages */

static const uint8_t akey[20] = {
	0x5a, 0x17, 0x3c, 0x91, 0x4e, 0xd2, 0x08, 0x66, 0xb3, 0x7f,
	0x21, 0xc4, 0x9d, 0x50, 0xe8, 0x13, 0x7a, 0xa6, 0x3f, 0x84,
};
static const uint8_t ekey[16] = {
	0xc3, 0x5e, 0x92, 0x0b, 0x77, 0xe1, 0x4a, 0xd8,
	0x26, 0xbf, 0x61, 0x09, 0xfa, 0x35, 0x8c, 0x70,
};

struct msgbuf {
	uint8_t		mem[2048] __attribute__((aligned(8)));
	struct pk_buf	b;
};

static const struct sockaddr *sin4(struct sockaddr_in *s, const char *a)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	inet_pton(AF_INET, a, &s->sin_addr);
	return (const struct sockaddr *)s;
}

static struct pk_buf *begin(struct msgbuf *m, uint8_t type, uint8_t satype,
			    uint32_t seq)
{
	pk_buf_init(&m->b, m->mem, sizeof(m->mem));
	pk_msg_begin(&m->b, type, satype, seq, (uint32_t)getpid());
	return &m->b;
}

static void addrs(struct pk_buf *b, bool with_src)
{
	struct sockaddr_in s;

	if (with_src)
		pk_add_address(b, SADB_EXT_ADDRESS_SRC, sin4(&s, "10.0.0.1"), 0,
			       32);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, sin4(&s, "10.0.0.2"), 0, 32);
}

/*
 * ADD of an ESP aes-cbc-128/hmac-sha1 or AH hmac-sha1 SA; soft and hard
 * add-time lifetimes when hard is not 0.
 */
static size_t build_add(struct msgbuf *m, uint8_t satype, uint32_t spi,
			uint32_t seq, uint64_t soft, uint64_t hard)
{
	struct pk_buf *b = begin(m, SADB_ADD, satype, seq);
	bool esp = satype == SADB_SATYPE_ESP;

	pk_add_sa(b, spi, 32, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  esp ? SADB_X_EALG_AESCBC : SADB_EALG_NONE, 0);
	if (hard != 0) {
		pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, 0, hard, 0);
		pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, 0, soft, 0);
		/*
		 * No idle expiry: by default an unused SA goes idle (state
		 * 5, Solaris) at half its hard add time, which would race
		 * the soft expiry this test watches.
		 */
		pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0, 0, 0);
	}
	addrs(b, true);
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey, 160, 0);
	if (esp)
		pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey, 128, 0);
	return b->len;
}

/* GET or DELETE of (satype, 10.0.0.2, spi). */
static size_t build_name(struct msgbuf *m, uint8_t type, uint8_t satype,
			 uint32_t spi, uint32_t seq)
{
	struct pk_buf *b = begin(m, type, satype, seq);

	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	addrs(b, true);
	return b->len;
}

static size_t build_hdr(struct msgbuf *m, uint8_t type, uint8_t satype,
			uint32_t seq)
{
	return begin(m, type, satype, seq)->len;
}

/* ---------------------------------------------------------------- I/O */

static bool xsend(int fd, const void *msg, size_t len)
{
	return send(fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/*
 * One datagram: its length, 0 at EOF, -1 on timeout or error (-2 for
 * ECONNRESET, which a closed connection may also give).
 */
static ssize_t xrecv(int fd, void *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	n = recv(fd, buf, cap, MSG_DONTWAIT);
	if (n < 0 && errno == ECONNRESET)
		return -2;
	return n;
}

static struct sadb_msg hdr_of(const void *msg)
{
	struct sadb_msg h;

	memcpy(&h, msg, sizeof(h));
	return h;
}

/*
 * Receives until the reply (type, seq, our pid) arrives; other messages are
 * skipped.  Its length, or -1.
 */
static ssize_t recv_reply(int fd, uint8_t type, uint32_t seq, void *buf,
			  size_t cap, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		int left = (int)(end - now_ms());
		ssize_t n;
		struct sadb_msg h;

		if (left <= 0)
			return -1;
		n = xrecv(fd, buf, cap, left);
		if (n <= 0)
			return -1;
		if ((size_t)n < sizeof(h))
			continue;
		h = hdr_of(buf);
		if (h.sadb_msg_type == type && h.sadb_msg_seq == seq &&
		    h.sadb_msg_pid == (uint32_t)getpid())
			return n;
	}
}

/* Sends the request and waits for its reply; the reply's errno or -1. */
static int request(int fd, const void *msg, size_t len, void *reply,
		   size_t cap, ssize_t *rlen)
{
	struct sadb_msg h = hdr_of(msg);
	ssize_t n;

	if (!xsend(fd, msg, len))
		return -1;
	n = recv_reply(fd, h.sadb_msg_type, h.sadb_msg_seq, reply, cap,
		       TIMEOUT_MS);
	if (rlen != NULL)
		*rlen = n;
	if (n < (ssize_t)sizeof(h))
		return -1;
	return hdr_of(reply).sadb_msg_errno;
}

static int req_errno(int fd, const void *msg, size_t len)
{
	static uint8_t reply[MAXMSG] __attribute__((aligned(8)));

	return request(fd, msg, len, reply, sizeof(reply), NULL);
}

/* Parses a reply; false when it does not validate. */
static bool parse(struct pk_msg *pm, const void *msg, size_t len)
{
	struct pk_diag d;

	return pk_msg_parse(pm, msg, len, &d) == 0;
}

static uint32_t sa_spi(const struct pk_msg *pm)
{
	const struct sadb_sa *sa = PK_MSG_EXT(pm, SADB_EXT_SA, sadb_sa);

	return sa != NULL ? ntohl(sa->sadb_sa_spi) : 0;
}

static int sa_state(const struct pk_msg *pm)
{
	const struct sadb_sa *sa = PK_MSG_EXT(pm, SADB_EXT_SA, sadb_sa);

	return sa != NULL ? sa->sadb_sa_state : -1;
}

/* Nothing arrives on fd within ms (messages of type skip are ignored). */
static bool quiet(int fd, int ms)
{
	return xrecv(fd, rbuf, sizeof(rbuf), ms) == -1;
}

/* Reads and drops whatever is queued for fd. */
static void drain(int fd)
{
	while (xrecv(fd, rbuf, sizeof(rbuf), 50) > 0)
		;
}

static bool flush_all(int fd)
{
	struct msgbuf m;

	return req_errno(fd, m.mem, build_hdr(&m, SADB_FLUSH, 0, 999)) == 0;
}

/* Adds n SAs of satype, spis base.., pipelined in windows of 256. */
static bool add_many(int fd, uint8_t satype, uint32_t base, unsigned n)
{
	struct msgbuf m;

	for (unsigned i = 0; i < n; i += 256) {
		unsigned w = n - i < 256 ? n - i : 256;

		for (unsigned k = 0; k < w; k++) {
			size_t len = build_add(&m, satype, base + i + k,
					       base + i + k, 0, 0);

			if (!xsend(fd, m.mem, len))
				return false;
		}
		for (unsigned k = 0; k < w; k++) {
			ssize_t r = recv_reply(fd, SADB_ADD, base + i + k, rbuf,
					       sizeof(rbuf), TIMEOUT_MS);

			if (r < 16 || hdr_of(rbuf).sadb_msg_errno != 0)
				return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- tests */

static bool t_socket_mode(void)
{
	struct stat st;

	CHECK(stat(sockpath, &st) == 0, "%s", strerror(errno));
	CHECK(S_ISSOCK(st.st_mode), "mode %o", (unsigned)st.st_mode);
	CHECK((st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
	return true;
}

static bool t_round_trip(void)
{
	int fd = cli();
	struct msgbuf m;
	struct pk_msg pm;
	struct sadb_msg h;
	ssize_t n;
	unsigned got = 0, last_seq = 1;
	uint32_t seen = 0;

	CHECK(fd >= 0, "connect");
	CHECK(flush_all(fd), "flush");

	/* ADD: echoes seq and pid, carries the SA, never the keys. */
	CHECK(request(fd, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x1001, 11, 0, 0),
		      rbuf, sizeof(rbuf), &n) == 0, "ADD errno");
	h = hdr_of(rbuf);
	CHECK(h.sadb_msg_seq == 11 && h.sadb_msg_pid == (uint32_t)getpid(),
	      "seq %u pid %u", h.sadb_msg_seq, h.sadb_msg_pid);
	CHECK(parse(&pm, rbuf, (size_t)n), "ADD reply does not parse");
	CHECK(sa_spi(&pm) == 0x1001, "spi %x", sa_spi(&pm));
	CHECK(!pk_msg_has(&pm, SADB_EXT_KEY_AUTH) &&
	      !pk_msg_has(&pm, SADB_EXT_KEY_ENCRYPT), "keys in ADD reply");

	/* GET: the keys come back to the sender. */
	CHECK(request(fd, m.mem, build_name(&m, SADB_GET, SADB_SATYPE_ESP,
					     0x1001, 12),
		      rbuf, sizeof(rbuf), &n) == 0, "GET errno");
	CHECK(parse(&pm, rbuf, (size_t)n), "GET reply does not parse");
	CHECK(sa_spi(&pm) == 0x1001 && sa_state(&pm) == SADB_SASTATE_MATURE,
	      "spi %x state %d", sa_spi(&pm), sa_state(&pm));
	CHECK(pk_msg_has(&pm, SADB_EXT_KEY_AUTH) &&
	      pk_msg_has(&pm, SADB_EXT_KEY_ENCRYPT), "no keys in GET reply");
	CHECK(pk_msg_has(&pm, SADB_EXT_LIFETIME_CURRENT), "no current lifetime");
	{
		const struct sadb_lifetime *cur = PK_MSG_EXT(&pm,
			SADB_EXT_LIFETIME_CURRENT, sadb_lifetime);
		uint64_t t = (uint64_t)time(NULL);

		/* Wall-clock add time, like Linux. */
		CHECK(cur->sadb_lifetime_addtime + 5 >= t &&
		      cur->sadb_lifetime_addtime <= t + 1,
		      "addtime %" PRIu64 " now %" PRIu64,
		      (uint64_t)cur->sadb_lifetime_addtime, t);
	}

	/* DUMP: one message per SA, the last one with seq 0. */
	CHECK(request(fd, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x1002, 13, 0, 0),
		      rbuf, sizeof(rbuf), NULL) == 0, "ADD 2");
	CHECK(request(fd, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x1003, 14, 0, 0),
		      rbuf, sizeof(rbuf), NULL) == 0, "ADD 3");
	CHECK(xsend(fd, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 15)),
	      "send DUMP");
	while (last_seq != 0) {
		n = xrecv(fd, rbuf, sizeof(rbuf), TIMEOUT_MS);
		CHECK(n >= 16, "dump record %u missing", got);
		h = hdr_of(rbuf);
		if (h.sadb_msg_type != SADB_DUMP)
			continue;
		CHECK(h.sadb_msg_errno == 0, "dump errno %u", h.sadb_msg_errno);
		CHECK(parse(&pm, rbuf, (size_t)n), "dump record does not parse");
		seen |= 1u << (sa_spi(&pm) - 0x1001);
		last_seq = h.sadb_msg_seq;
		got++;
	}
	CHECK(got == 3 && seen == 7, "got %u records, mask %x", got, seen);

	/* DELETE echoes the SA; then GET finds nothing. */
	CHECK(request(fd, m.mem, build_name(&m, SADB_DELETE, SADB_SATYPE_ESP,
					     0x1001, 16),
		      rbuf, sizeof(rbuf), &n) == 0, "DELETE errno");
	CHECK(parse(&pm, rbuf, (size_t)n) && sa_spi(&pm) == 0x1001,
	      "DELETE reply");
	CHECK(req_errno(fd, m.mem, build_name(&m, SADB_GET, SADB_SATYPE_ESP,
					       0x1001, 17)) == ESRCH,
	      "GET after DELETE");
	close(fd);
	return true;
}

static bool t_errors(void)
{
	int fd = cli();
	struct msgbuf m;
	ssize_t n;

	CHECK(fd >= 0, "connect");
	CHECK(flush_all(fd), "flush");
	CHECK(req_errno(fd, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x2001, 1, 0, 0))
	      == 0, "first ADD");
	CHECK(request(fd, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x2001, 2, 0, 0),
		      rbuf, sizeof(rbuf), &n) == EEXIST, "duplicate ADD");
	CHECK(n == 16, "error reply of %zd bytes", n);
	CHECK(hdr_of(rbuf).sadb_msg_seq == 2, "seq");
	CHECK(req_errno(fd, m.mem, build_name(&m, SADB_GET, SADB_SATYPE_ESP,
					       0x2002, 3)) == ESRCH, "GET missing");
	CHECK(req_errno(fd, m.mem, build_name(&m, SADB_DELETE, SADB_SATYPE_ESP,
					       0x2002, 4)) == ESRCH,
	      "DELETE missing");
	CHECK(req_errno(fd, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_AH, 5))
	      == ENOENT, "DUMP of no SAs");
	close(fd);
	return true;
}

/* The reply's SA flags of an ADD from src to dst without direction flags. */
static int added_flags(int fd, const char *src, const char *dst, uint32_t spi)
{
	struct sockaddr_in a;
	struct pk_msg pm;
	struct msgbuf m;
	struct pk_buf *b = begin(&m, SADB_ADD, SADB_SATYPE_ESP, spi);
	ssize_t n;

	pk_add_sa(b, spi, 0, SADB_SASTATE_MATURE, SADB_AALG_SHA1HMAC,
		  SADB_X_EALG_AESCBC, 0);
	pk_add_address(b, SADB_EXT_ADDRESS_SRC, sin4(&a, src), 0, 32);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, sin4(&a, dst), 0, 32);
	pk_add_key(b, SADB_EXT_KEY_AUTH, akey, 160, 0);
	pk_add_key(b, SADB_EXT_KEY_ENCRYPT, ekey, 128, 0);
	if (request(fd, m.mem, b->len, rbuf, sizeof(rbuf), &n) != 0 ||
	    !parse(&pm, rbuf, (size_t)n) || pm.ext[SADB_EXT_SA] == NULL)
		return -1;
	return (int)(PK_MSG_EXT(&pm, SADB_EXT_SA, sadb_sa)->sadb_sa_flags &
		     SADB_X_SAFLAGS_DIRECTION);
}

/* Without direction flags, the host's own addresses decide (Solaris). */
static bool t_direction(void)
{
	int fd = cli();
	int f;

	CHECK(fd >= 0, "connect");
	CHECK(flush_all(fd), "flush");
	f = added_flags(fd, "192.0.2.9", "127.0.0.1", 0x3001);
	CHECK(f == (int)SADB_X_SAFLAGS_INBOUND, "to loopback: flags 0x%x", f);
	f = added_flags(fd, "127.0.0.1", "192.0.2.9", 0x3002);
	CHECK(f == (int)SADB_X_SAFLAGS_OUTBOUND, "from loopback: flags 0x%x", f);
	f = added_flags(fd, "192.0.2.8", "192.0.2.9", 0x3003);
	CHECK(f == 0, "neither local: flags 0x%x", f);
	CHECK(flush_all(fd), "flush");
	close(fd);
	return true;
}

static bool t_broadcast(void)
{
	int a = cli(), b = cli();
	struct msgbuf m;
	struct sadb_msg h;
	ssize_t n;

	CHECK(a >= 0 && b >= 0, "connect");
	CHECK(flush_all(a), "flush");
	drain(b);
	CHECK(req_errno(a, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x3001, 21, 0, 0))
	      == 0, "ADD");
	n = xrecv(b, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n >= 16, "no broadcast");
	h = hdr_of(rbuf);
	CHECK(h.sadb_msg_type == SADB_ADD && h.sadb_msg_seq == 21 &&
	      h.sadb_msg_pid == (uint32_t)getpid() && h.sadb_msg_errno == 0,
	      "type %u seq %u", h.sadb_msg_type, h.sadb_msg_seq);
	/* A GET's reply is the sender's alone. */
	CHECK(req_errno(a, m.mem, build_name(&m, SADB_GET, SADB_SATYPE_ESP,
					      0x3001, 22)) == 0, "GET");
	CHECK(quiet(b, 300), "GET reply reached another socket");
	/* An error goes to the sender only, too. */
	CHECK(req_errno(a, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x3001, 23, 0, 0))
	      == EEXIST, "dup");
	CHECK(quiet(b, 200), "error reply reached another socket");
	close(a);
	close(b);
	return true;
}

static bool t_register_expire(void)
{
	int a = cli(), reg = cli(), other = cli();
	struct msgbuf m;
	struct pk_msg pm;
	struct sadb_msg h;
	bool soft = false, hard = false;
	uint64_t end;
	ssize_t n;

	CHECK(a >= 0 && reg >= 0 && other >= 0, "connect");
	CHECK(flush_all(a), "flush");
	CHECK(request(reg, m.mem, build_hdr(&m, SADB_REGISTER, SADB_SATYPE_ESP, 31),
		      rbuf, sizeof(rbuf), &n) == 0, "REGISTER");
	CHECK(parse(&pm, rbuf, (size_t)n) &&
	      pk_msg_has(&pm, SADB_EXT_SUPPORTED_ENCRYPT), "REGISTER reply");
	drain(other);
	CHECK(req_errno(a, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x4001, 32, 1, 2))
	      == 0, "ADD with lifetimes");

	end = now_ms() + 5000;
	while (!(soft && hard) && now_ms() < end) {
		n = xrecv(reg, rbuf, sizeof(rbuf), (int)(end - now_ms()));
		if (n < 16)
			break;
		h = hdr_of(rbuf);
		if (h.sadb_msg_type != SADB_EXPIRE)
			continue;
		CHECK(h.sadb_msg_seq == 0 && h.sadb_msg_pid == 0,
		      "EXPIRE seq %u pid %u", h.sadb_msg_seq, h.sadb_msg_pid);
		CHECK(parse(&pm, rbuf, (size_t)n), "EXPIRE does not parse");
		CHECK(sa_spi(&pm) == 0x4001, "spi");
		CHECK(!pk_msg_has(&pm, SADB_EXT_KEY_AUTH), "keys in EXPIRE");
		if (!soft) {
			CHECK(sa_state(&pm) == SADB_SASTATE_DYING &&
			      pk_msg_has(&pm, SADB_EXT_LIFETIME_SOFT),
			      "soft EXPIRE state %d", sa_state(&pm));
			soft = true;
			/* Dying, not gone. */
			CHECK(request(a, m.mem, build_name(&m, SADB_GET,
				SADB_SATYPE_ESP, 0x4001, 33), rbuf,
				sizeof(rbuf), &n) == 0, "GET after soft");
			CHECK(parse(&pm, rbuf, (size_t)n) &&
			      sa_state(&pm) == SADB_SASTATE_DYING,
			      "GET after soft EXPIRE: state %d", sa_state(&pm));
		} else {
			CHECK(sa_state(&pm) == SADB_SASTATE_DEAD &&
			      pk_msg_has(&pm, SADB_EXT_LIFETIME_HARD),
			      "hard EXPIRE state %d", sa_state(&pm));
			hard = true;
		}
	}
	CHECK(soft && hard, "soft %d hard %d", soft, hard);
	CHECK(req_errno(a, m.mem, build_name(&m, SADB_GET, SADB_SATYPE_ESP,
					      0x4001, 34)) == ESRCH,
	      "SA still there after hard expiry");
	/* The unregistered socket saw the ADD, never an EXPIRE. */
	while ((n = xrecv(other, rbuf, sizeof(rbuf), 100)) >= 16)
		CHECK(hdr_of(rbuf).sadb_msg_type != SADB_EXPIRE,
		      "EXPIRE reached an unregistered socket");
	close(a);
	close(reg);
	close(other);
	return true;
}

static bool t_promisc(void)
{
	int a = cli(), mon = cli();
	struct msgbuf m;
	struct sadb_msg h;
	ssize_t n;
	size_t len;

	CHECK(a >= 0 && mon >= 0, "connect");
	CHECK(req_errno(mon, m.mem, build_hdr(&m, SADB_X_PROMISC, 1, 41)) == 0,
	      "X_PROMISC on");
	drain(mon);
	/* A GET: the raw request, then its (sender-only) reply. */
	CHECK(req_errno(a, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x5001, 42, 0, 0))
	      == 0, "ADD");
	drain(mon);
	len = build_name(&m, SADB_GET, SADB_SATYPE_ESP, 0x5001, 43);
	CHECK(req_errno(a, m.mem, len) == 0, "GET");
	n = xrecv(mon, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n == (ssize_t)len && memcmp(rbuf, m.mem, len) == 0,
	      "first copy is not the raw request (%zd bytes)", n);
	n = xrecv(mon, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n > (ssize_t)len, "no reply copy");
	h = hdr_of(rbuf);
	CHECK(h.sadb_msg_type == SADB_GET && h.sadb_msg_seq == 43 &&
	      h.sadb_msg_errno == 0, "reply copy");
	/* An ADD's broadcast reaches the monitor once, not twice. */
	len = build_add(&m, SADB_SATYPE_ESP, 0x5002, 44, 0, 0);
	CHECK(req_errno(a, m.mem, len) == 0, "ADD 2");
	n = xrecv(mon, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n == (ssize_t)len, "raw ADD");
	n = xrecv(mon, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n >= 16 && hdr_of(rbuf).sadb_msg_type == SADB_ADD &&
	      hdr_of(rbuf).sadb_msg_seq == 44, "ADD reply");
	CHECK(quiet(mon, 200), "a second copy");
	/* Refused requests too: raw, then the error. */
	len = build_add(&m, SADB_SATYPE_ESP, 0x5002, 45, 0, 0);
	CHECK(req_errno(a, m.mem, len) == EEXIST, "dup");
	n = xrecv(mon, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n == (ssize_t)len, "raw dup");
	n = xrecv(mon, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n == 16 && hdr_of(rbuf).sadb_msg_errno == EEXIST, "error copy");
	close(a);
	close(mon);
	return true;
}

/* ---- 32 concurrent clients */

#define NCLIENTS	32
#define PER_CLIENT	48

static uint32_t conc_spi(unsigned client, unsigned k)
{
	return 0x100000u + client * 0x100u + k;
}

static bool conc_deleted(unsigned k)
{
	return k % 3 == 0;
}

static int conc_child(unsigned id)
{
	int fd = cli();
	struct msgbuf m;
	uint32_t seq = 1;

	if (fd < 0)
		return 1;
	for (unsigned k = 0; k < PER_CLIENT; k++) {
		if (req_errno(fd, m.mem, build_add(&m, SADB_SATYPE_ESP,
				conc_spi(id, k), seq++, 0, 0)) != 0)
			return 2;
		/* Mixed: a GET now and then, deletes of every third. */
		if (k % 4 == 1 &&
		    req_errno(fd, m.mem, build_name(&m, SADB_GET,
				SADB_SATYPE_ESP, conc_spi(id, k), seq++)) != 0)
			return 3;
		if (k >= 3 && conc_deleted(k - 3) &&
		    req_errno(fd, m.mem, build_name(&m, SADB_DELETE,
				SADB_SATYPE_ESP, conc_spi(id, k - 3), seq++)) != 0)
			return 4;
	}
	for (unsigned k = PER_CLIENT - 3; k < PER_CLIENT; k++)
		if (conc_deleted(k) &&
		    req_errno(fd, m.mem, build_name(&m, SADB_DELETE,
				SADB_SATYPE_ESP, conc_spi(id, k), seq++)) != 0)
			return 5;
	close(fd);
	return 0;
}

static bool t_concurrent(void)
{
	static bool seen[NCLIENTS][PER_CLIENT];
	pid_t pids[NCLIENTS];
	int fd = cli();
	struct msgbuf m;
	unsigned records = 0, expected = 0;
	bool last = false;

	CHECK(fd >= 0, "connect");
	CHECK(flush_all(fd), "flush");
	close(fd);
	for (unsigned i = 0; i < NCLIENTS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(conc_child(i));
		CHECK(pids[i] > 0, "fork");
	}
	for (unsigned i = 0; i < NCLIENTS; i++) {
		int st;

		CHECK(waitpid(pids[i], &st, 0) == pids[i], "waitpid");
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "client %u failed (status %d)", i, st);
	}
	fd = cli();
	CHECK(fd >= 0, "connect");
	memset(seen, 0, sizeof(seen));
	CHECK(xsend(fd, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 1)),
	      "DUMP");
	while (!last) {
		ssize_t n = xrecv(fd, rbuf, sizeof(rbuf), TIMEOUT_MS);
		struct pk_msg pm;
		uint32_t spi, c, k;

		CHECK(n >= 16, "dump cut after %u", records);
		if (hdr_of(rbuf).sadb_msg_type != SADB_DUMP)
			continue;
		CHECK(hdr_of(rbuf).sadb_msg_errno == 0, "dump errno %u",
		      hdr_of(rbuf).sadb_msg_errno);
		CHECK(parse(&pm, rbuf, (size_t)n), "record");
		spi = sa_spi(&pm) - 0x100000u;
		c = spi >> 8;
		k = spi & 0xff;
		CHECK(c < NCLIENTS && k < PER_CLIENT, "stray spi %x", sa_spi(&pm));
		CHECK(!seen[c][k], "spi %x twice", sa_spi(&pm));
		CHECK(!conc_deleted(k), "deleted spi %x present", sa_spi(&pm));
		seen[c][k] = true;
		records++;
		last = hdr_of(rbuf).sadb_msg_seq == 0;
	}
	for (unsigned k = 0; k < PER_CLIENT; k++)
		expected += !conc_deleted(k);
	expected *= NCLIENTS;
	CHECK(records == expected, "%u records, model says %u", records,
	      expected);
	close(fd);
	return true;
}

/* ---- a stalled 100k dump */

#define BIG	100000u

static bool t_stalled_dump(void)
{
	static uint8_t seen[BIG];
	int loader = cli(), slow, w;
	struct msgbuf m;
	unsigned got = 0, dups = 0, others = 0;
	unsigned long rss_before, rss_stalled;
	uint64_t worst = 0;
	bool last = false;

	CHECK(loader >= 0, "connect");
	CHECK(flush_all(loader), "flush");
	/* Alone while loading: 100k ADD broadcasts would overrun anyone else. */
	CHECK(add_many(loader, SADB_SATYPE_ESP, 0x10000000u, BIG), "load");
	close(loader);
	slow = cli();
	w = cli();
	CHECK(slow >= 0 && w >= 0, "connect");
	memset(seen, 0, sizeof(seen));

	CHECK(xsend(slow, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 7)),
	      "DUMP");
	/* Read a little, then stop. */
	while (got < 1000) {
		ssize_t n = xrecv(slow, rbuf, sizeof(rbuf), TIMEOUT_MS);
		struct pk_msg pm;

		CHECK(n >= 16, "dump start");
		CHECK(parse(&pm, rbuf, (size_t)n), "record");
		CHECK(sa_spi(&pm) - 0x10000000u < BIG, "stray spi");
		seen[sa_spi(&pm) - 0x10000000u]++;
		got++;
	}
	rss_before = rss_kib(daemon_pid);
	/* Meanwhile another client works: each request answered promptly. */
	for (uint32_t i = 0; i < 300; i++) {
		uint64_t t0 = now_ms();
		size_t len = i % 2 ? build_name(&m, SADB_GET, SADB_SATYPE_AH,
						0x7000 + i - 1, 100 + i)
				   : build_add(&m, SADB_SATYPE_AH, 0x7000 + i,
					       100 + i, 0, 0);

		CHECK(req_errno(w, m.mem, len) == 0, "request %u", i);
		if (now_ms() - t0 > worst)
			worst = now_ms() - t0;
	}
	CHECK(worst < 1000, "slowest answer %" PRIu64 " ms", worst);
	usleep(300000);
	rss_stalled = rss_kib(daemon_pid);
	/* The dump waits for its reader: the daemon did not buffer it. */
	CHECK(rss_before == 0 || rss_stalled < rss_before + 16 * 1024,
	      "rss %lu KiB -> %lu KiB while stalled", rss_before, rss_stalled);
	/* Resume: every SA exactly once. */
	while (!last) {
		ssize_t n = xrecv(slow, rbuf, sizeof(rbuf), TIMEOUT_MS);
		struct pk_msg pm;
		uint32_t spi;

		CHECK(n >= 16, "dump cut after %u", got);
		if (hdr_of(rbuf).sadb_msg_type != SADB_DUMP) {
			others++;	/* the AH ADD broadcasts */
			continue;
		}
		CHECK(parse(&pm, rbuf, (size_t)n), "record");
		spi = sa_spi(&pm) - 0x10000000u;
		CHECK(spi < BIG, "stray spi %x", sa_spi(&pm));
		if (seen[spi]++)
			dups++;
		got++;
		last = hdr_of(rbuf).sadb_msg_seq == 0;
	}
	CHECK(got == BIG && dups == 0, "%u records, %u duplicates", got, dups);
	CHECK(others == 150, "%u broadcasts seen by the dumper", others);
	printf("# 100k dump: slowest other request %" PRIu64 " ms, rss %lu -> "
	       "%lu KiB\n", worst, rss_before, rss_stalled);
	flush_all(w);
	close(slow);
	close(w);
	return true;
}

/* ---- flow control */

/* A dump of a million SAs arrives complete, each SA once, the last seq 0. */
static bool t_million_dump(void)
{
	enum { MILLION = 1000000 };
	static uint8_t seen[MILLION];
	int fd = cli();
	struct msgbuf m;
	unsigned got = 0, dups = 0;
	uint64_t t0, t1, t2;
	bool last = false;

	CHECK(fd >= 0, "connect");
	CHECK(flush_all(fd), "flush");
	memset(seen, 0, sizeof(seen));
	t0 = now_ms();
	CHECK(add_many(fd, SADB_SATYPE_ESP, 0x20000000u, MILLION), "load");
	t1 = now_ms();
	CHECK(xsend(fd, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 8)),
	      "DUMP");
	while (!last) {
		ssize_t n = xrecv(fd, rbuf, sizeof(rbuf), TIMEOUT_MS);
		struct pk_msg pm;
		uint32_t spi;

		CHECK(n >= 16, "dump cut after %u records", got);
		CHECK(hdr_of(rbuf).sadb_msg_type == SADB_DUMP &&
		      hdr_of(rbuf).sadb_msg_errno == 0, "record %u", got);
		CHECK(parse(&pm, rbuf, (size_t)n), "record %u parses", got);
		spi = sa_spi(&pm) - 0x20000000u;
		CHECK(spi < MILLION, "stray spi %x", sa_spi(&pm));
		if (seen[spi]++)
			dups++;
		got++;
		last = hdr_of(rbuf).sadb_msg_seq == 0;
	}
	t2 = now_ms();
	CHECK(got == MILLION && dups == 0, "%u records, %u duplicates", got,
	      dups);
	printf("# 1M SAs: loaded in %" PRIu64 " ms, dumped in %" PRIu64 " ms\n",
	       t1 - t0, t2 - t1);
	CHECK(flush_all(fd), "flush");
	close(fd);
	return true;
}

static bool t_flood_backpressure(void)
{
	int fd = cli();
	struct msgbuf m;
	unsigned sent = 0, got = 0;
	size_t len;

	CHECK(fd >= 0, "connect");
	/*
	 * Write without reading until the daemon stops taking requests: our
	 * socket stays full for half a second because the daemon has stopped
	 * reading it, its queue of our replies being above its high mark.
	 */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		len = build_name(&m, SADB_GET, SADB_SATYPE_ESP, 0xdead, sent + 1);
		if (send(fd, m.mem, len, MSG_DONTWAIT | MSG_NOSIGNAL) == 0 + (ssize_t)len) {
			sent++;
			CHECK(sent < 1000000, "the daemon never pushed back");
			continue;
		}
		CHECK(errno == EAGAIN, "send: %s", strerror(errno));
		if (poll(&p, 1, 500) == 0)
			break;
	}
	/* It read a high watermark's worth (256 KiB / 80 bytes a reply). */
	CHECK(sent > 3000, "only %u requests taken", sent);
	/* Every one of them is answered, in order, none lost. */
	while (got < sent) {
		ssize_t n = xrecv(fd, rbuf, sizeof(rbuf), TIMEOUT_MS);

		CHECK(n == 16, "reply %u of %u: %zd", got, sent, n);
		CHECK(hdr_of(rbuf).sadb_msg_seq == got + 1 &&
		      hdr_of(rbuf).sadb_msg_errno == ESRCH, "reply %u", got);
		got++;
	}
	printf("# flood: %u requests in flight before backpressure\n", sent);
	close(fd);
	return true;
}

static bool t_overrun(void)
{
	int a = cli(), stuck = cli();
	struct msgbuf m;
	uint64_t worst = 0, end = now_ms() + 20000;
	unsigned rounds = 0, got = 0;
	bool eof = false;
	ssize_t n;

	CHECK(a >= 0 && stuck >= 0, "connect");
	CHECK(flush_all(a), "flush");
	/*
	 * stuck never reads; a's ADD/DELETE broadcasts pile up for it until
	 * the daemon hangs up on it (POLLRDHUP shows, its data still unread).
	 */
	for (;;) {
		struct pollfd p = { .fd = stuck, .events = POLLRDHUP };

		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP)))
			break;
		uint64_t t0 = now_ms();
		uint32_t spi = 0x9000;

		CHECK(now_ms() < end, "no overrun after %u rounds", rounds);
		for (unsigned k = 0; k < 64; k++)
			CHECK(xsend(a, m.mem, build_add(&m, SADB_SATYPE_ESP,
				spi + k, 2 * k + 1, 0, 0)), "send");
		for (unsigned k = 0; k < 64; k++)
			CHECK(recv_reply(a, SADB_ADD, 2 * k + 1, rbuf,
					 sizeof(rbuf), TIMEOUT_MS) > 16 &&
			      hdr_of(rbuf).sadb_msg_errno == 0, "ADD reply");
		for (unsigned k = 0; k < 64; k++)
			CHECK(xsend(a, m.mem, build_name(&m, SADB_DELETE,
				SADB_SATYPE_ESP, spi + k, 2 * k + 2)), "send");
		for (unsigned k = 0; k < 64; k++)
			CHECK(recv_reply(a, SADB_DELETE, 2 * k + 2, rbuf,
					 sizeof(rbuf), TIMEOUT_MS) > 16 &&
			      hdr_of(rbuf).sadb_msg_errno == 0, "DELETE reply");
		if (now_ms() - t0 > worst)
			worst = now_ms() - t0;
		rounds++;
	}
	CHECK(worst < 2000, "a round of 128 requests took %" PRIu64 " ms", worst);
	CHECK(log_wait(logpath, "output queue over 4194304 bytes, disconnected",
		       TIMEOUT_MS), "overrun not logged");
	/* The stuck client gets what was in its socket, then EOF: no gap. */
	while ((n = xrecv(stuck, rbuf, sizeof(rbuf), TIMEOUT_MS)) > 0)
		got++;
	eof = n == 0 || n == -2;
	CHECK(eof, "no EOF after %u messages (%zd)", got, n);
	CHECK(got > 0, "nothing before EOF");
	/* The other client carries on. */
	CHECK(flush_all(a), "flush after overrun");
	printf("# overrun after %u rounds; stuck client read %u messages, "
	       "then EOF\n", rounds, got);
	close(a);
	close(stuck);
	return true;
}

static bool t_half_close(void)
{
	int a = cli();
	struct msgbuf m;
	unsigned got = 0;
	ssize_t n;

	CHECK(a >= 0, "connect");
	CHECK(flush_all(a), "flush");
	CHECK(add_many(a, SADB_SATYPE_AH, 0x6000, 500), "load");
	CHECK(xsend(a, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_AH, 3)),
	      "DUMP");
	CHECK(shutdown(a, SHUT_WR) == 0, "shutdown");
	while ((n = xrecv(a, rbuf, sizeof(rbuf), TIMEOUT_MS)) > 0)
		if (hdr_of(rbuf).sadb_msg_type == SADB_DUMP)
			got++;
	CHECK(n == 0, "no EOF (%zd)", n);
	CHECK(got == 500, "%u records after shutdown(SHUT_WR)", got);
	close(a);
	a = cli();
	CHECK(a >= 0 && flush_all(a), "flush");
	close(a);
	return true;
}

/* Fire and forget: a request sent just before close() is still applied. */
static bool t_send_and_close(void)
{
	int a = cli(), b;
	struct msgbuf m;

	CHECK(a >= 0, "connect");
	CHECK(flush_all(a), "flush");
	close(a);
	a = cli();
	CHECK(a >= 0 && xsend(a, m.mem, build_add(&m, SADB_SATYPE_ESP, 0xabc,
						  1, 0, 0)), "send");
	close(a);
	b = cli();
	CHECK(b >= 0, "connect");
	{
		uint64_t end = now_ms() + TIMEOUT_MS;
		int e;

		while ((e = req_errno(b, m.mem, build_name(&m, SADB_GET,
				SADB_SATYPE_ESP, 0xabc, 2))) == ESRCH &&
		       now_ms() < end)
			usleep(10000);
		CHECK(e == 0, "GET: %d", e);
	}
	close(b);
	return true;
}

/* ---- malformed input */

static bool expect_error(int fd, const void *msg, size_t len, uint32_t seq,
			 int want, const char *what)
{
	ssize_t n;
	struct sadb_msg h;

	CHECK(xsend(fd, msg, len), "%s: send: %s", what, strerror(errno));
	n = xrecv(fd, rbuf, sizeof(rbuf), TIMEOUT_MS);
	CHECK(n == 16, "%s: reply of %zd bytes", what, n);
	h = hdr_of(rbuf);
	CHECK(h.sadb_msg_errno != 0, "%s: errno 0", what);
	CHECK(want == 0 || h.sadb_msg_errno == want, "%s: errno %u, want %d",
	      what, h.sadb_msg_errno, want);
	CHECK(len < 16 || h.sadb_msg_seq == seq, "%s: seq %u", what,
	      h.sadb_msg_seq);
	return true;
}

static bool t_malformed(void)
{
	static uint8_t big[200000] __attribute__((aligned(8)));
	int fd = cli();
	struct msgbuf m;
	struct sadb_msg h;
	size_t len;
	uint32_t x = 12345;

	CHECK(fd >= 0, "connect");
	/* Truncated: the header says more than was sent. */
	len = build_add(&m, SADB_SATYPE_ESP, 0x8001, 51, 0, 0);
	if (!expect_error(fd, m.mem, 40, 51, EMSGSIZE, "truncated"))
		return false;
	/* Trailing bytes: the header says less. */
	pk_buf_msg(&m.b)->sadb_msg_len = 4;
	if (!expect_error(fd, m.mem, len, 51, EMSGSIZE, "short msg_len"))
		return false;
	/* A huge length in the header. */
	len = build_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 52);
	pk_buf_msg(&m.b)->sadb_msg_len = 0xffff;
	if (!expect_error(fd, m.mem, len, 52, EMSGSIZE, "huge msg_len"))
		return false;
	/* An extension longer than the message, one of length 0. */
	len = build_name(&m, SADB_GET, SADB_SATYPE_ESP, 0x8001, 53);
	((struct sadb_ext *)(m.mem + 16))->sadb_ext_len = 0xffff;
	if (!expect_error(fd, m.mem, len, 53, EINVAL, "huge ext_len"))
		return false;
	len = build_name(&m, SADB_GET, SADB_SATYPE_ESP, 0x8001, 54);
	((struct sadb_ext *)(m.mem + 16))->sadb_ext_len = 0;
	if (!expect_error(fd, m.mem, len, 54, EINVAL, "zero ext_len"))
		return false;
	/* A duplicate extension. */
	len = build_name(&m, SADB_GET, SADB_SATYPE_ESP, 0x8001, 55);
	pk_add_sa(&m.b, 0x8001, 0, SADB_SASTATE_MATURE, 0, 0, 0);
	if (!expect_error(fd, m.mem, m.b.len, 55, EINVAL, "duplicate SA"))
		return false;
	/* Bad version, unknown type. */
	len = build_hdr(&m, SADB_GET, SADB_SATYPE_ESP, 56);
	pk_buf_msg(&m.b)->sadb_msg_version = 1;
	if (!expect_error(fd, m.mem, len, 56, EINVAL, "version 1"))
		return false;
	len = build_hdr(&m, 200, SADB_SATYPE_ESP, 57);
	if (!expect_error(fd, m.mem, len, 57, EINVAL, "type 200"))
		return false;
	/* Garbage of every size up to 300 bytes. */
	for (size_t n = 1; n <= 300; n += 7) {
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			m.mem[i] = (uint8_t)(x >> 16);
		}
		if (n >= 16) {
			/* Sometimes a plausible header in front. */
			if (n % 2) {
				h = hdr_of(m.mem);
				h.sadb_msg_version = PF_KEY_V2;
				h.sadb_msg_len = (uint16_t)(n / 8);
				memcpy(m.mem, &h, sizeof(h));
			}
			h = hdr_of(m.mem);
		}
		if (!expect_error(fd, m.mem, n, n >= 16 ? h.sadb_msg_seq : 0, 0,
				  "garbage"))
			return false;
	}
	/* Shorter than a header, and empty. */
	if (!expect_error(fd, m.mem, 5, 0, 0, "5 bytes"))
		return false;
	if (!expect_error(fd, m.mem, 0, 0, 0, "0 bytes"))
		return false;
	/* A datagram far longer than its header says. */
	len = build_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 58);
	memcpy(big, m.mem, len);
	if (!expect_error(fd, big, 150000, 58, EMSGSIZE, "150000 bytes"))
		return false;
	CHECK(daemon_alive(), "the daemon died");
	CHECK(flush_all(fd), "the daemon stopped answering");
	close(fd);
	return true;
}

/* Longer than any PF_KEY message: cut by recv, still answered. */
static bool t_oversized(void)
{
	size_t len = SADB_MSG_MAX_BYTES + 4096;
	int sndbuf = (int)(4 * len);
	uint8_t *big = calloc(1, len);
	struct msgbuf m;
	int fd = cli();
	bool ok;

	CHECK(fd >= 0 && big != NULL, "setup");
	memcpy(big, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 61));
	/* Only root may send a datagram this large (SO_SNDBUFFORCE). */
	CHECK(setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
			 sizeof(sndbuf)) == 0, "SO_SNDBUFFORCE: %s",
	      strerror(errno));
	ok = expect_error(fd, big, len, 61, EMSGSIZE, "oversized");
	free(big);
	close(fd);
	return ok && daemon_alive();
}

/* ---- permissions */

static bool t_refused_uid(void)
{
	pid_t pid;
	int st;
	char want[64];

	CHECK(chmod(tmpdir, 0755) == 0 && chmod(sockpath, 0666) == 0, "chmod");
	pid = fork();
	if (pid == 0) {
		int fd;
		struct msgbuf m;
		ssize_t n;

		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
		    setuid(65534) < 0)
			_exit(10);
		fd = try_connect(sockpath);
		if (fd < 0)
			_exit(11);	/* the test wants SO_PEERCRED, not modes */
		xsend(fd, m.mem, build_hdr(&m, SADB_DUMP, SADB_SATYPE_ESP, 1));
		n = xrecv(fd, rbuf, sizeof(rbuf), TIMEOUT_MS);
		_exit(n == 0 || n == -2 ? 0 : 12);
	}
	CHECK(pid > 0, "fork");
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	chmod(sockpath, 0600);
	chmod(tmpdir, 0700);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "child status %d (10 setuid, 11 connect, 12 answered)",
	      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	snprintf(want, sizeof(want), "refused connection from uid 65534 pid %d",
		 (int)pid);
	CHECK(log_wait(logpath, want, TIMEOUT_MS), "log lacks \"%s\"", want);
	CHECK(daemon_alive(), "daemon died");
	return true;
}

/* ---- the library's view */

static bool t_transport(void)
{
	struct pk_connect_opts o = {
		.socket_path = sockpath,
		.flags = PK_CONNECT_NO_AUTOSTART,
	};
	struct pk_conn *c = NULL;
	struct msgbuf m;
	size_t rlen, len;
	int r;

	r = pk_connect(&c, &o);
	CHECK(r == 0, "pk_connect: %s", strerror(-r));
	pk_buf_init(&m.b, m.mem, sizeof(m.mem));
	len = build_name(&m, SADB_GET, SADB_SATYPE_ESP, 0x77, 0);
	pk_buf_msg(&m.b)->sadb_msg_seq = pk_conn_next_seq(c);
	pk_buf_msg(&m.b)->sadb_msg_pid = pk_conn_pid(c);
	r = pk_request(c, m.mem, len, rbuf, sizeof(rbuf), &rlen, TIMEOUT_MS);
	CHECK(r == 0, "pk_request: %s", strerror(-r));
	CHECK(pk_reply_errno(rbuf, rlen) == -ESRCH, "errno %d",
	      pk_reply_errno(rbuf, rlen));
	pk_close(c);
	return true;
}

/* Waits for a (reparented) daemon to exit; its exit status or -1. */
static int reap(pid_t pid, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 || now_ms() > end)
			return -1;
		usleep(10000);
	}
}

/* The server's pid, from the socket's peer credentials. */
static pid_t peer_pid(int fd)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
		return -1;
	return cr.pid;
}

/* Runs pfkeyd in daemon mode; its exit status, its stderr in err. */
static int run_daemon(const char *path, const char *group, char *err,
		      size_t cap)
{
	int p[2], st;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		if (group)
			execl(pfkeyd, pfkeyd, "--socket", path, "--group", group,
			      (char *)NULL);
		else
			execl(pfkeyd, pfkeyd, "--socket", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	/* The daemon keeps stderr until it is ready: read until then. */
	while (got + 1 < cap && (n = read(p[0], err + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static bool t_daemonize(void)
{
	char dir[128], path[160], err[512];
	struct stat st;
	pid_t pid;
	int fd, status;

	snprintf(dir, sizeof(dir), "%s/d", tmpdir);
	snprintf(path, sizeof(path), "%s/pfkey.sock", dir);
	status = run_daemon(path, NULL, err, sizeof(err));
	CHECK(status == 0, "exit %d: %s", status, err);
	/* Exit 0 means listening: no retry needed. */
	fd = try_connect(path);
	CHECK(fd >= 0, "not listening at exit: %s", strerror(errno));
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700,
	      "dir mode %o", st.st_mode & 0777);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	      "socket mode %o", st.st_mode & 0777);
	pid = peer_pid(fd);
	CHECK(pid > 0 && pid != getpid(), "peer pid");
	close(fd);

	/* A second one refuses. */
	status = run_daemon(path, NULL, err, sizeof(err));
	CHECK(status == 1, "second daemon exit %d", status);
	CHECK(strstr(err, "another pfkeyd is already listening") != NULL,
	      "stderr: %s", err);

	/* Killed hard, it leaves a stale socket, which the next one clears. */
	CHECK(kill(pid, SIGKILL) == 0, "kill");
	CHECK(reap(pid, TIMEOUT_MS) == 128 + SIGKILL, "not killed");
	CHECK(stat(path, &st) == 0, "stale socket vanished");
	status = run_daemon(path, NULL, err, sizeof(err));
	CHECK(status == 0, "over a stale socket: exit %d: %s", status, err);
	fd = try_connect(path);
	CHECK(fd >= 0, "not listening");
	pid = peer_pid(fd);
	close(fd);

	/* SIGTERM: exit 0, and the socket is gone. */
	CHECK(kill(pid, SIGTERM) == 0, "kill");
	status = reap(pid, TIMEOUT_MS);
	CHECK(status == 0, "exit status %d after SIGTERM", status);
	CHECK(stat(path, &st) < 0 && errno == ENOENT, "socket left behind");

	/* Not a socket in the way. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	status = run_daemon(path, NULL, err, sizeof(err));
	CHECK(status == 1 && strstr(err, "not a socket") != NULL,
	      "exit %d: %s", status, err);
	unlink(path);
	return true;
}

static bool t_group(void)
{
	char dir[128], path[160], err[512];
	struct group *gr = getgrgid(getegid());
	struct stat st;
	pid_t pid;
	int fd, status;

	CHECK(gr != NULL, "no group entry for gid %u", (unsigned)getegid());
	snprintf(dir, sizeof(dir), "%s/g", tmpdir);
	snprintf(path, sizeof(path), "%s/pfkey.sock", dir);
	status = run_daemon(path, gr->gr_name, err, sizeof(err));
	CHECK(status == 0, "exit %d: %s", status, err);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0750 &&
	      st.st_gid == getegid(), "dir mode %o gid %u", st.st_mode & 0777,
	      (unsigned)st.st_gid);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0660 &&
	      st.st_gid == getegid(), "socket mode %o", st.st_mode & 0777);
	fd = try_connect(path);
	CHECK(fd >= 0, "connect");
	pid = peer_pid(fd);
	close(fd);
	CHECK(kill(pid, SIGTERM) == 0, "kill");
	CHECK(reap(pid, TIMEOUT_MS) == 0, "exit after SIGTERM");
	status = run_daemon(path, "no-such-group-pfkeyd", err, sizeof(err));
	CHECK(status == 1 && strstr(err, "no such group"), "exit %d: %s",
	      status, err);
	return true;
}

/* libpfkey's autostart runs "pfkeyd --socket PATH" and connects. */
static bool t_autostart(void)
{
	char path[160];
	struct pk_connect_opts o = { .pfkeyd = pfkeyd };
	struct pk_conn *c = NULL;
	struct stat st;
	pid_t pid;
	int r;

	snprintf(path, sizeof(path), "%s/a/pfkey.sock", tmpdir);
	o.socket_path = path;
	unsetenv("PFKEY_NO_AUTOSTART");
	r = pk_connect(&c, &o);
	setenv("PFKEY_NO_AUTOSTART", "1", 1);
	CHECK(r == 0, "pk_connect: %s", strerror(-r));
	pid = peer_pid(pk_conn_fd(c));
	pk_close(c);
	CHECK(pid > 0, "peer pid");
	CHECK(kill(pid, SIGTERM) == 0, "the daemon's pid is not its peer pid");
	CHECK(reap(pid, TIMEOUT_MS) == 0, "exit after SIGTERM");
	CHECK(stat(path, &st) < 0, "socket left behind");
	return true;
}

/* --verbose logs requests and errnos, never key bytes. */
static bool t_verbose(void)
{
	char path[160], log[160], hex[8];
	struct msgbuf m;
	pid_t pid;
	int fd, st;
	FILE *f;
	char line[2048];
	bool leak = false;

	snprintf(path, sizeof(path), "%s/v.sock", tmpdir);
	snprintf(log, sizeof(log), "%s/v.log", tmpdir);
	pid = spawn(path, log, "--verbose");
	fd = connect_wait(path, TIMEOUT_MS);
	CHECK(fd >= 0, "connect");
	CHECK(req_errno(fd, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x42, 71, 0, 0))
	      == 0, "ADD");
	CHECK(req_errno(fd, m.mem, build_name(&m, SADB_GET, SADB_SATYPE_ESP,
					       0x42, 72)) == 0, "GET");
	CHECK(req_errno(fd, m.mem, build_add(&m, SADB_SATYPE_ESP, 0x42, 73, 0, 0))
	      == EEXIST, "dup");
	close(fd);
	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0, "exit");
	CHECK(log_has(log, "SADB_ADD satype esp seq 71"), "ADD not logged");
	CHECK(log_has(log, "seq 73") && log_has(log, "errno 17"),
	      "EEXIST not logged");
	f = fopen(log, "r");
	CHECK(f != NULL, "log");
	snprintf(hex, sizeof(hex), "%02x%02x", akey[0], akey[1]);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, hex) || memmem(line, strlen(line), akey, 4) ||
		    memmem(line, strlen(line), ekey, 4))
			leak = true;
	fclose(f);
	CHECK(!leak, "key material in the log");
	return true;
}

static bool t_sigterm(void)
{
	struct stat st;
	int status;

	CHECK(kill(daemon_pid, SIGTERM) == 0, "kill");
	CHECK(waitpid(daemon_pid, &status, 0) == daemon_pid, "waitpid");
	daemon_pid = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d",
	      status);
	CHECK(stat(sockpath, &st) < 0 && errno == ENOENT, "socket left behind");
	CHECK(log_has(logpath, "SIGTERM"), "not logged");
	return true;
}

/* Removes the temporary directory and what the tests left in it. */
static void cleanup(void)
{
	static const char *const names[] = {
		"pfkey.sock", "pfkey.sock.lock", "pfkeyd.log", "v.sock",
		"v.sock.lock", "v.log", "d/pfkey.sock", "d/pfkey.sock.lock",
		"g/pfkey.sock", "g/pfkey.sock.lock", "a/pfkey.sock.lock", "d",
		"g", "a",
	};
	char p[256];

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGKILL);
		waitpid(daemon_pid, NULL, 0);
	}
	if (getenv("PFKEYD_TEST_KEEP") != NULL) {
		printf("# kept %s\n", tmpdir);
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		if (unlink(p) < 0)
			rmdir(p);
	}
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	uint64_t t0 = now_ms();
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: test_daemon PFKEYD\n");
		return 2;
	}
	pfkeyd = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Daemonized pfkeyds become our children: their status can be had. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pfkeyd-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sockpath, sizeof(sockpath), "%s/pfkey.sock", tmpdir);
	snprintf(logpath, sizeof(logpath), "%s/pfkeyd.log", tmpdir);
	setenv("PFKEY_SOCKET", sockpath, 1);
	setenv("PFKEY_NO_AUTOSTART", "1", 1);

	daemon_pid = spawn(sockpath, logpath, NULL);
	fd = connect_wait(sockpath, TIMEOUT_MS);
	if (fd < 0) {
		printf("1..1\nnot ok 1 - pfkeyd starts\n");
		cleanup();
		return 1;
	}
	close(fd);

	run("socket file 0600", t_socket_mode);
	run("ADD GET DUMP DELETE round trip", t_round_trip);
	run("errors: EEXIST, ESRCH, ENOENT", t_errors);
	run("a dump of 1M SAs arrives complete", t_million_dump);
	run("direction from the host's addresses", t_direction);
	run("broadcasts: ADD to all, GET to the sender", t_broadcast);
	run("REGISTER, soft and hard EXPIRE in real time", t_register_expire);
	run("promiscuous: raw request before reply", t_promisc);
	run("32 concurrent clients against a model", t_concurrent);
	run("stalled 100k dump; others served; resumed exactly once",
	    t_stalled_dump);
	run("flood without reading: backpressure, no reply lost",
	    t_flood_backpressure);
	run("stuck reader over the queue limit: EOF, others served", t_overrun);
	run("shutdown(SHUT_WR) then read the whole dump", t_half_close);
	run("request sent just before close() is applied", t_send_and_close);
	run("malformed messages answered with errno", t_malformed);
	if (geteuid() == 0) {
		run("datagram longer than any message answered", t_oversized);
		run("peer of another uid refused and logged", t_refused_uid);
	} else {
		skip("datagram longer than any message answered", "not root");
		skip("peer of another uid refused and logged", "not root");
	}
	run("libpfkey transport round trip", t_transport);
	run("daemonize: exit 0 when listening, refusal, stale socket",
	    t_daemonize);
	run("--group: modes and ownership", t_group);
	run("libpfkey autostart of a private daemon", t_autostart);
	run("--verbose logs requests, never keys", t_verbose);
	run("SIGTERM exits 0 and removes the socket", t_sigterm);
	printf("1..%u\n", ntests);
	printf("# %u failed, %.1f s\n", nfailed, (double)(now_ms() - t0) / 1000);
	cleanup();
	return nfailed ? 1 : 0;
}
