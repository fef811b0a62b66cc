/*
 * bench_pfkeyd.c - pfkeyd through its socket, against the bare socket
 * measured in the same run.
 *
 *   round trips: one client, one request in flight: SADB_GET of an SA
 *           (with its keys in the reply) through a private pfkeyd, against
 *           a bare AF_UNIX SOCK_SEQPACKET ping-pong with a child that
 *           answers each request with a datagram of the reply's size.
 *           Round trips per second, median of REPS runs, interleaved.
 *           Target: pfkeyd >= 0.5x the bare ping-pong.
 *   dump:   N SAs (1M; 100k with --quick) loaded with pipelined ADDs, then
 *           SADB_DUMP read to its last record (seq 0), every record
 *           counted: SAs per second, median of DUMP_REPS dumps.  Target:
 *           >= 300k SAs per second, and all N received.
 *
 *   bench_pfkeyd [--pfkeyd PATH] [--quick]
 *
 * pfkeyd defaults to ../daemon/pfkeyd beside this program (the build tree).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "pfkey/msg.h"
#include "pfkey/transport.h"

#define REPS		5
#define TRIPS		50000	/* round trips per run */
#define DUMP_REPS	3
#define TARGET_RATIO	0.5
#define TARGET_DUMP	300000.0
#define WINDOW		256	/* ADDs in flight while loading */
#define BATCH		64
#define MSG_CAP		512

static const uint8_t akey[20] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				  0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,
				  0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4 };
static const uint8_t ekey[16] = { 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
				  0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee,
				  0xef, 0xf0 };

static char tmpdir[256];
static pid_t daemon_pid;

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_pfkeyd: %s: %s\n", what, strerror(err));
	exit(1);
}

static void cleanup(void)
{
	char path[PATH_MAX];

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = 0;
	}
	if (tmpdir[0] != '\0') {
		snprintf(path, sizeof(path), "%s/pfkeyd.log", tmpdir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/pfkey.sock", tmpdir);
		unlink(path);
		rmdir(tmpdir);
		tmpdir[0] = '\0';
	}
}

static void start_daemon(const char *pfkeyd, const char *sock)
{
	char log[PATH_MAX];

	snprintf(log, sizeof(log), "%s/pfkeyd.log", tmpdir);
	daemon_pid = bench_start_pfkeyd(pfkeyd, sock, log);
}

static void sin_of(struct sockaddr_in *s, uint32_t host)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(host);
}

/* SA i: ESP from 10.x.y.z to 10.255.0.2, SPI 0x1000 + i. */
static size_t build(uint8_t *mem, uint8_t type, uint32_t i, uint32_t seq,
		    uint32_t pid)
{
	struct sockaddr_in s, d;
	struct pk_buf b;

	sin_of(&s, 0x0a000000u | (i & 0xffffff));
	sin_of(&d, 0x0aff0002u);
	pk_buf_init(&b, mem, MSG_CAP);
	pk_msg_begin(&b, type, SADB_SATYPE_ESP, seq, pid);
	pk_add_sa(&b, 0x1000 + i, 0, SADB_SASTATE_MATURE,
		  type == SADB_ADD ? SADB_AALG_SHA1HMAC : 0,
		  type == SADB_ADD ? SADB_X_EALG_AESCBC : 0, 0);
	pk_add_address(&b, SADB_EXT_ADDRESS_SRC, (struct sockaddr *)&s,
		       IPSEC_ULPROTO_ANY, 32);
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, (struct sockaddr *)&d,
		       IPSEC_ULPROTO_ANY, 32);
	if (type == SADB_ADD) {
		pk_add_key(&b, SADB_EXT_KEY_AUTH, akey, 160, 0);
		pk_add_key(&b, SADB_EXT_KEY_ENCRYPT, ekey, 128, 0);
	}
	if (pk_buf_error(&b) != 0)
		die("building a request", -pk_buf_error(&b));
	return b.len;
}

/* Pipelined ADDs of SAs [0, n): every reply read and checked. */
static void load(struct pk_conn *c, uint32_t n)
{
	static uint8_t out[BATCH][MSG_CAP], in[BATCH][MSG_CAP];
	struct iovec siov[BATCH], riov[BATCH];
	size_t lens[BATCH];
	uint32_t sent = 0, got = 0, pid = pk_conn_pid(c);

	for (int i = 0; i < BATCH; i++) {
		riov[i].iov_base = in[i];
		riov[i].iov_len = MSG_CAP;
	}
	while (got < n) {
		uint32_t room = WINDOW - (sent - got), k = 0;
		int r;

		while (k < BATCH && k < room && sent + k < n) {
			siov[k].iov_base = out[k];
			siov[k].iov_len = build(out[k], SADB_ADD, sent + k,
						pk_conn_next_seq(c), pid);
			k++;
		}
		if (k > 0) {
			r = pk_send_many(c, siov, k);
			if (r < 0)
				die("sending ADDs", -r);
			sent += (uint32_t)r;	/* the unsent are built again */
		}
		r = pk_recv_many(c, riov, lens, BATCH,
				 sent - got >= WINDOW || sent == n ||
				 k == 0 ? 30000 : 0);
		if (r == -ETIMEDOUT)
			continue;
		if (r < 0)
			die("reading ADD replies", -r);
		for (int j = 0; j < r; j++) {
			const struct sadb_msg *h = riov[j].iov_base;

			if (h->sadb_msg_type != SADB_ADD)
				continue;
			if (h->sadb_msg_errno != 0)
				die("an ADD was refused", h->sadb_msg_errno);
			got++;
		}
	}
}

static double pfkeyd_round_trips(struct pk_conn *c, size_t *qlen,
				 size_t *rlen)
{
	uint8_t req[MSG_CAP], rep[MSG_CAP];
	size_t len = build(req, SADB_GET, 7, 0, pk_conn_pid(c));
	double t0 = bench_now_ns();

	for (int i = 0; i < TRIPS; i++) {
		struct sadb_msg *h = (struct sadb_msg *)req;
		int rc;

		h->sadb_msg_seq = pk_conn_next_seq(c);
		rc = pk_request(c, req, len, rep, sizeof(rep), rlen, 30000);
		if (rc != 0)
			die("GET", -rc);
		if (pk_reply_errno(rep, *rlen) != 0)
			die("GET refused", -pk_reply_errno(rep, *rlen));
	}
	*qlen = len;
	return TRIPS / ((bench_now_ns() - t0) / 1e9);
}

/* The same exchange with a child that answers without looking. */
static double bare_round_trips(size_t qlen, size_t rlen)
{
	char req[MSG_CAP], rep[MSG_CAP];
	int sv[2];
	double t0, t1;
	pid_t pid;

	memset(req, 0x5a, sizeof(req));
	memset(rep, 0xa5, sizeof(rep));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		char buf[MSG_CAP];

		close(sv[0]);
		while (recv(sv[1], buf, sizeof(buf), 0) > 0)
			if (send(sv[1], rep, rlen, 0) != (ssize_t)rlen)
				_exit(1);
		_exit(0);
	}
	close(sv[1]);
	t0 = bench_now_ns();
	for (int i = 0; i < TRIPS; i++) {
		char buf[MSG_CAP];

		if (send(sv[0], req, qlen, 0) != (ssize_t)qlen ||
		    recv(sv[0], buf, sizeof(buf), 0) != (ssize_t)rlen)
			die("bare ping-pong", errno);
	}
	t1 = bench_now_ns();
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return TRIPS / ((t1 - t0) / 1e9);
}

/* One SADB_DUMP read to the end; returns the records, *secs its time. */
static uint32_t dump(struct pk_conn *c, double *secs)
{
	static uint8_t in[BATCH][MSG_CAP];
	struct iovec riov[BATCH];
	size_t lens[BATCH];
	uint8_t req[sizeof(struct sadb_msg)];
	struct pk_buf b;
	uint32_t seq = pk_conn_next_seq(c), count = 0;
	double t0 = bench_now_ns();
	int rc;

	for (int i = 0; i < BATCH; i++) {
		riov[i].iov_base = in[i];
		riov[i].iov_len = MSG_CAP;
	}
	pk_buf_init(&b, req, sizeof(req));
	pk_msg_begin(&b, SADB_DUMP, SADB_SATYPE_UNSPEC, seq, pk_conn_pid(c));
	rc = pk_send(c, req, b.len);
	if (rc != 0)
		die("sending DUMP", -rc);
	for (;;) {
		int r = pk_recv_many(c, riov, lens, BATCH, 30000);

		if (r < 0)
			die("reading the dump", -r);
		for (int j = 0; j < r; j++) {
			const struct sadb_msg *h = riov[j].iov_base;

			if (h->sadb_msg_type != SADB_DUMP)
				continue;
			if (h->sadb_msg_errno != 0)
				die("DUMP refused", h->sadb_msg_errno);
			count++;
			if (h->sadb_msg_seq == 0) {
				*secs = (bench_now_ns() - t0) / 1e9;
				return count;
			}
		}
	}
}

int main(int argc, char **argv)
{
	char pfkeyd[PATH_MAX], sock[PATH_MAX];
	double ours[REPS], bare[REPS], rates[DUMP_REPS], o, r, d;
	struct pk_connect_opts opts = { 0 };
	struct pk_conn *c;
	uint32_t n = 1000000;
	size_t qlen = 0, rlen = 0;
	bool all = true;
	int rc;

	bench_default_path(pfkeyd, sizeof(pfkeyd), "daemon/pfkeyd");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pfkeyd") == 0 && i + 1 < argc) {
			snprintf(pfkeyd, sizeof(pfkeyd), "%s", argv[++i]);
		} else if (strcmp(argv[i], "--quick") == 0) {
			n = 100000;
		} else {
			fprintf(stderr, "usage: bench_pfkeyd [--pfkeyd PATH] "
				"[--quick]\n");
			return 2;
		}
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/bench_pfkeyd.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp", errno);
	atexit(cleanup);
	snprintf(sock, sizeof(sock), "%s/pfkey.sock", tmpdir);
	start_daemon(pfkeyd, sock);
	opts.socket_path = sock;
	opts.flags = PK_CONNECT_NO_AUTOSTART;
	rc = pk_connect(&c, &opts);
	if (rc != 0)
		die("connecting to pfkeyd", -rc);

	/* round trips, with one SA to GET */
	load(c, 8);
	pfkeyd_round_trips(c, &qlen, &rlen);	/* warm-up; the reply size */
	for (int i = 0; i < REPS; i++) {
		bare[i] = bare_round_trips(qlen, rlen);
		ours[i] = pfkeyd_round_trips(c, &qlen, &rlen);
	}
	o = bench_median(ours, REPS);
	r = bench_median(bare, REPS);
	printf("round trips, SADB_GET (%zu-byte request, %zu-byte reply): "
	       "pfkeyd %.0f/s, bare SOCK_SEQPACKET ping-pong %.0f/s, ratio "
	       "%.2f (target >= %.1f: %s)\n", qlen, rlen, o, r, o / r,
	       TARGET_RATIO, o / r >= TARGET_RATIO ? "met" : "NOT met");

	/* the dump */
	{
		uint8_t req[sizeof(struct sadb_msg)], rep[MSG_CAP];
		struct pk_buf b;
		size_t len;

		pk_buf_init(&b, req, sizeof(req));
		pk_msg_begin(&b, SADB_FLUSH, SADB_SATYPE_UNSPEC,
			     pk_conn_next_seq(c), pk_conn_pid(c));
		rc = pk_request(c, req, b.len, rep, sizeof(rep), &len, 30000);
		if (rc != 0)
			die("FLUSH", -rc);
	}
	d = bench_now_ns();
	load(c, n);
	d = (bench_now_ns() - d) / 1e9;
	printf("dump: %u SAs loaded with pipelined ADDs in %.2f s (%.0f/s)\n",
	       n, d, n / d);
	for (int i = 0; i < DUMP_REPS; i++) {
		double secs;
		uint32_t got = dump(c, &secs);

		if (got != n) {
			fprintf(stderr, "bench_pfkeyd: the dump had %u of %u "
				"SAs\n", got, n);
			all = false;
		}
		rates[i] = got / secs;
	}
	d = bench_median(rates, DUMP_REPS);
	printf("dump: %u SAs, every one received%s, %.0f SAs/s (median of "
	       "%d; target >= %.0fk/s: %s)\n", n, all ? "" : " NOT", d,
	       DUMP_REPS, TARGET_DUMP / 1000, d >= TARGET_DUMP && all ? "met" :
	       "NOT met");
	pk_close(c);
	return all ? 0 : 1;
}
