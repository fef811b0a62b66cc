/*
 * bench_setkey.c - setkey's parser and its apply rate, measured on the
 * setkey binary itself (what a user runs), with the baselines of the issue
 * measured in the same run.
 *
 *   parse:  "setkey -n -f FILE" of N add lines (ESP, aes-cbc with a
 *           128-bit key, hmac-sha1 with a 160-bit key), N = 100k and 1M.
 *           CPU time (user + system of the child, from wait4's rusage) per
 *           line against the reference's ~5 us per line, and the child's
 *           peak RSS (ru_maxrss) against the 8 MB target.  Median of REPS
 *           runs (fewer for 1M).
 *   apply:  "setkey -f FILE" of the 100k file against a private pfkeyd
 *           (started here on a socket in a temporary directory; the SAD is
 *           flushed before each run): SAs per second of wall time, against
 *           the one-way rate of a bare AF_UNIX SOCK_SEQPACKET socket pair
 *           (a sender pushing 100k 120-byte datagrams to a child process
 *           that only reads them), measured in between.  Then one apply of
 *           the 1M file, for its peak RSS (constant memory while applying).
 *   ceiling: what any PF_KEY peer could reach: pipelined requests and
 *           replies over a bare socket pair to a child that echoes them
 *           unread (each SA costs two datagrams, each paying the kernel's
 *           per-datagram cost on both sides), also measured in between.
 *
 *   bench_setkey [--setkey PATH] [--pfkeyd PATH] [--quick]
 *
 * The binaries default to ../tools/setkey/setkey and ../daemon/pfkeyd next
 * to this program (the build tree).  --quick: 100k only, 3 runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define REPS		5
#define REPS_1M		3
#define SEQ_MSGS	100000
#define SEQ_BYTES	120
#define REF_US		5.0	/* the reference: ~0.5 s CPU per 100k lines */
#define TARGET_X	5.0
#define TARGET_KB	(8 * 1024)
#define TARGET_RATIO	0.5

static char tmpdir[256];
static pid_t daemon_pid;

struct run {
	double	cpu_s;		/* user + system */
	double	wall_s;
	long	maxrss_kb;
	int	status;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_setkey: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = 0;
	}
	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_setkey: could not remove %s\n",
				tmpdir);
		tmpdir[0] = '\0';
	}
}

static void write_file(const char *path, unsigned long n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die(path);
	for (unsigned long i = 0; i < n; i++)
		fprintf(f, "add 10.%lu.%lu.%lu 10.255.0.2 esp 0x%lx "
			"-E aes-cbc 0x00112233445566778899aabbccddeeff "
			"-A hmac-sha1 0x00112233445566778899aabbccddeeff00112233 "
			";\n", i >> 16 & 255, i >> 8 & 255, i & 255,
			0x1000 + i);
	if (fclose(f) != 0)
		die(path);
}

/* Runs argv with stdout and stderr to /dev/null (stderr to errpath). */
static struct run run(char *const argv[], const char *errpath)
{
	struct run r = { 0 };
	struct rusage ru;
	double t0 = bench_now_ns();
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY);
		int err = errpath != NULL ?
			open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600) : out;

		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &r.status, 0, &ru) < 0)
		die("wait4");
	r.wall_s = (bench_now_ns() - t0) / 1e9;
	r.cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		  (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	r.maxrss_kb = ru.ru_maxrss;
	return r;
}

static bool ok(const struct run *r)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

struct parse_fig {
	double	cpu_s;		/* median */
	long	maxrss_kb;	/* the largest seen */
};

static struct parse_fig parse_only(const char *setkey, const char *file,
				   int reps)
{
	char *argv[] = { (char *)setkey, "-n", "-f", (char *)file, NULL };
	struct parse_fig f = { 0 };
	double cpu[REPS];

	for (int i = 0; i < reps; i++) {
		struct run r = run(argv, NULL);

		if (!ok(&r)) {
			fprintf(stderr, "bench_setkey: setkey -n -f %s failed "
				"(status %d)\n", file, r.status);
			exit(1);
		}
		cpu[i] = r.cpu_s;
		if (r.maxrss_kb > f.maxrss_kb)
			f.maxrss_kb = r.maxrss_kb;
	}
	f.cpu_s = bench_median(cpu, (size_t)reps);
	return f;
}

/* One-way messages per second over a bare SOCK_SEQPACKET pair. */
static double seqpacket_rate(void)
{
	char msg[SEQ_BYTES];
	int sv[2], done[2];
	double t0, t1;
	pid_t pid;
	char c;

	memset(msg, 0x5a, sizeof(msg));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0 || pipe(done) != 0)
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char buf[4096];

		close(sv[0]);
		for (int i = 0; i < SEQ_MSGS; i++)
			if (recv(sv[1], buf, sizeof(buf), 0) <= 0)
				_exit(1);
		_exit(write(done[1], "x", 1) == 1 ? 0 : 1);
	}
	close(sv[1]);
	t0 = bench_now_ns();
	for (int i = 0; i < SEQ_MSGS; i++)
		if (send(sv[0], msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
			die("send");
	if (read(done[0], &c, 1) != 1)
		die("receiver");
	t1 = bench_now_ns();
	waitpid(pid, NULL, 0);
	close(sv[0]);
	close(done[0]);
	close(done[1]);
	return SEQ_MSGS / ((t1 - t0) / 1e9);
}

/*
 * The ceiling for any PF_KEY peer: requests and replies of REQ_BYTES over a
 * bare SOCK_SEQPACKET pair, pipelined as setkey does (sendmmsg/recvmmsg of
 * PIPE_BATCH, at most PIPE_WINDOW in flight), to a child that echoes each
 * one back without looking at it.  Pairs per second.
 */
#define REQ_BYTES	176	/* an ADD of the file: ESP, aes-cbc, hmac-sha1 */
#define PIPE_BATCH	64
#define PIPE_WINDOW	256

static int move_many(int fd, bool out, char (*bufs)[REQ_BYTES], unsigned n,
		     int flags)
{
	struct mmsghdr mv[PIPE_BATCH];
	struct iovec iov[PIPE_BATCH];

	memset(mv, 0, sizeof(mv));
	for (unsigned i = 0; i < n; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = REQ_BYTES;
		mv[i].msg_hdr.msg_iov = &iov[i];
		mv[i].msg_hdr.msg_iovlen = 1;
	}
	return out ? sendmmsg(fd, mv, n, flags) : recvmmsg(fd, mv, n, flags,
							    NULL);
}

static double pipelined_rate(void)
{
	static char bufs[PIPE_BATCH][REQ_BYTES];
	unsigned sent = 0, got = 0;
	int sv[2];
	double t0;
	pid_t pid;

	memset(bufs, 0x5a, sizeof(bufs));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		for (;;) {
			int n = move_many(sv[1], false, bufs, PIPE_BATCH,
					  MSG_WAITFORONE);

			if (n <= 0)
				_exit(n == 0 ? 0 : 1);
			for (int k = 0; k < n; ) {
				int m = move_many(sv[1], true, bufs + k,
						  (unsigned)(n - k), 0);

				if (m <= 0)
					_exit(1);
				k += m;
			}
		}
	}
	close(sv[1]);
	t0 = bench_now_ns();
	while (got < SEQ_MSGS) {
		unsigned room = PIPE_WINDOW - (sent - got), n;
		int m;

		n = SEQ_MSGS - sent < room ? SEQ_MSGS - sent : room;
		if (n > PIPE_BATCH)
			n = PIPE_BATCH;
		if (n > 0) {
			m = move_many(sv[0], true, bufs, n, MSG_DONTWAIT);
			if (m < 0 && errno != EAGAIN)
				die("sendmmsg");
			if (m > 0)
				sent += (unsigned)m;
		}
		m = move_many(sv[0], false, bufs, PIPE_BATCH,
			      sent - got >= PIPE_WINDOW || sent == SEQ_MSGS ?
			      MSG_WAITFORONE : MSG_DONTWAIT);
		if (m < 0 && errno != EAGAIN)
			die("recvmmsg");
		if (m > 0)
			got += (unsigned)m;
	}
	t0 = bench_now_ns() - t0;
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return SEQ_MSGS / (t0 / 1e9);
}

static void start_daemon(const char *pfkeyd, const char *sock)
{
	char log[PATH_MAX];

	snprintf(log, sizeof(log), "%s/pfkeyd.log", tmpdir);
	daemon_pid = bench_start_pfkeyd(pfkeyd, sock, log);
}

static void flush_sad(const char *setkey)
{
	char *argv[] = { (char *)setkey, "-F", NULL };
	struct run r = run(argv, NULL);

	if (!ok(&r)) {
		fprintf(stderr, "bench_setkey: setkey -F failed\n");
		exit(1);
	}
}

static struct run apply(const char *setkey, const char *file)
{
	char *argv[] = { (char *)setkey, "-f", (char *)file, NULL };
	char err[PATH_MAX];
	struct run r;

	snprintf(err, sizeof(err), "%s/apply.err", tmpdir);
	flush_sad(setkey);
	r = run(argv, err);
	if (!ok(&r)) {
		fprintf(stderr, "bench_setkey: setkey -f %s failed (status "
			"%d, see %s)\n", file, r.status, err);
		exit(1);
	}
	return r;
}

int main(int argc, char **argv)
{
	char setkey[PATH_MAX], pfkeyd[PATH_MAX], sock[PATH_MAX];
	char f100k[PATH_MAX], f1m[PATH_MAX];
	double seq[REPS], sa_s[REPS], pipe_s[REPS], seq_rate, sa_rate, ratio;
	double pipe_rate;
	struct parse_fig p100k, p1m = { 0 };
	long apply_rss_100k = 0;
	struct run r1m = { 0 };
	bool quick = false;
	int reps;

	bench_default_path(setkey, sizeof(setkey), "tools/setkey/setkey");
	bench_default_path(pfkeyd, sizeof(pfkeyd), "daemon/pfkeyd");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--setkey") == 0 && i + 1 < argc)
			snprintf(setkey, sizeof(setkey), "%s", argv[++i]);
		else if (strcmp(argv[i], "--pfkeyd") == 0 && i + 1 < argc)
			snprintf(pfkeyd, sizeof(pfkeyd), "%s", argv[++i]);
		else if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else {
			fprintf(stderr, "usage: bench_setkey [--setkey PATH] "
				"[--pfkeyd PATH] [--quick]\n");
			return 2;
		}
	}
	reps = quick ? 3 : REPS;
	snprintf(tmpdir, sizeof(tmpdir), "%s/bench_setkey.XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp");
	atexit(cleanup);
	snprintf(f100k, sizeof(f100k), "%s/100k.conf", tmpdir);
	snprintf(f1m, sizeof(f1m), "%s/1m.conf", tmpdir);
	write_file(f100k, 100000);
	if (!quick)
		write_file(f1m, 1000000);

	/* parse only */
	p100k = parse_only(setkey, f100k, reps);
	if (!quick)
		p1m = parse_only(setkey, f1m, REPS_1M);
	{
		double us = p100k.cpu_s / 100000 * 1e6;
		double x = REF_US / us;

		printf("setkey -n: 100k lines %.3f s CPU, %.2f us/line, "
		       "%.1fx faster than the reference's %.0f us/line "
		       "(target >= %.0fx: %s)\n", p100k.cpu_s, us, x, REF_US,
		       TARGET_X, x >= TARGET_X ? "met" : "NOT met");
		if (!quick)
			printf("setkey -n: 1M lines %.3f s CPU, %.2f us/line\n",
			       p1m.cpu_s, p1m.cpu_s / 1000000 * 1e6);
		printf("setkey -n: peak RSS %.1f MB (100k)", p100k.maxrss_kb /
		       1024.0);
		if (!quick)
			printf(" %.1f MB (1M)", p1m.maxrss_kb / 1024.0);
		printf(" (target < %d MB: %s)\n", TARGET_KB / 1024,
		       p100k.maxrss_kb < TARGET_KB &&
		       p1m.maxrss_kb < TARGET_KB ? "met" : "NOT met");
	}

	/* apply, with the SEQPACKET baseline interleaved */
	snprintf(sock, sizeof(sock), "%s/pfkey.sock", tmpdir);
	setenv("PFKEY_SOCKET", sock, 1);
	setenv("PFKEY_NO_AUTOSTART", "1", 1);
	start_daemon(pfkeyd, sock);
	apply(setkey, f100k);		/* warm-up: the daemon's first pages */
	for (int i = 0; i < reps; i++) {
		struct run r;

		seq[i] = seqpacket_rate();
		pipe_s[i] = pipelined_rate();
		r = apply(setkey, f100k);
		sa_s[i] = 100000 / r.wall_s;
		if (r.maxrss_kb > apply_rss_100k)
			apply_rss_100k = r.maxrss_kb;
	}
	seq_rate = bench_median(seq, (size_t)reps);
	pipe_rate = bench_median(pipe_s, (size_t)reps);
	sa_rate = bench_median(sa_s, (size_t)reps);
	ratio = sa_rate / seq_rate;
	printf("setkey -f (apply through pfkeyd): %.0f SAs/s (median of %d "
	       "runs of 100k)\n", sa_rate, reps);
	printf("bare SOCK_SEQPACKET, one way, %d-byte datagrams: %.0f msgs/s "
	       "(median of %d runs of %d)\n", SEQ_BYTES, seq_rate, reps,
	       SEQ_MSGS);
	printf("apply / SEQPACKET ratio: %.2f (target >= %.1f: %s)\n", ratio,
	       TARGET_RATIO, ratio >= TARGET_RATIO ? "met" : "NOT met");
	printf("ceiling: bare SOCK_SEQPACKET request + reply, %d bytes, "
	       "pipelined (window %d, batches of %d), an echoing peer: %.0f "
	       "pairs/s, %.2f of the one-way rate; apply reaches %.2f of it\n",
	       REQ_BYTES, PIPE_WINDOW, PIPE_BATCH, pipe_rate,
	       pipe_rate / seq_rate, sa_rate / pipe_rate);
	if (!quick) {
		r1m = apply(setkey, f1m);
		printf("setkey -f: 1M lines applied in %.2f s (%.0f SAs/s); "
		       "peak RSS %.1f MB (100k) %.1f MB (1M)\n", r1m.wall_s,
		       1000000 / r1m.wall_s, apply_rss_100k / 1024.0,
		       r1m.maxrss_kb / 1024.0);
		flush_sad(setkey);
	} else {
		printf("setkey -f: peak RSS %.1f MB (100k)\n",
		       apply_rss_100k / 1024.0);
	}
	return 0;
}
