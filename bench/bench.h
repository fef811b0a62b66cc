/*
 * bench.h - helpers shared by the benchmarks: a deterministic generator, a
 * monotonic clock, medians, and the callgrind hooks.
 *
 * Wall time on a shared machine is noisy, so every timed figure is the
 * median of several repetitions.  Wall time also mixes two things: what
 * the code does (instructions, the same at every size when the algorithm
 * is flat) and where the data lives (L1 for 1k SAs, DRAM and page walks
 * for 1M).  The callgrind mode separates them: a bench re-runs itself under
 * valgrind --tool=callgrind, counts instructions and simulated cache misses
 * of each phase exactly (CALLGRIND_START/STOP_INSTRUMENTATION around the
 * timed loop only, so building the store is not counted), and reads the
 * counts back from callgrind's output files.
 */
#ifndef PFKEY_BENCH_H
#define PFKEY_BENCH_H

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif
#ifndef BENCH_HAVE_CALLGRIND
#define BENCH_HAVE_CALLGRIND 0
#define CALLGRIND_START_INSTRUMENTATION	do { } while (0)
#define CALLGRIND_STOP_INSTRUMENTATION	do { } while (0)
#define CALLGRIND_ZERO_STATS		do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(s)	do { (void)(s); } while (0)
#endif

/* xorshift64: fixed seed, so every run sees the same inputs. */
static inline uint64_t bench_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n-1] (v is sorted in place). */
static inline double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Events of one callgrind dump: instructions, data refs, misses. */
struct bench_cg {
	double	ir;		/* instructions executed */
	double	d1m;		/* D1 misses, reads + writes */
	double	llm;		/* last-level misses, reads + writes */
};

/*
 * Reads the "totals:" line of a callgrind output file written with
 * --cache-sim=yes (events Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw).
 */
static inline int bench_cg_read(const char *path, struct bench_cg *out)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		double e[9] = { 0 };

		if (strncmp(line, "totals:", 7) != 0)
			continue;
		if (sscanf(line + 7, "%lf %lf %lf %lf %lf %lf %lf %lf %lf",
			   &e[0], &e[1], &e[2], &e[3], &e[4], &e[5], &e[6],
			   &e[7], &e[8]) < 1)
			break;
		out->ir = e[0];
		out->d1m = e[4] + e[5];
		out->llm = e[7] + e[8];
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* The callgrind command line the benches use (cache model: this host's
 * 32 KiB L1d per core and 32 MiB L3, 64-byte lines). */
#define BENCH_CG_CMD "valgrind --tool=callgrind --instr-atstart=no " \
	"--cache-sim=yes --D1=32768,8,64 --LL=33554432,16,64 " \
	"--callgrind-out-file=%s/cg.%u"

/*
 * rel (e.g. "daemon/pfkeyd") in the build tree this program runs from:
 * <dir of /proc/self/exe>/../rel, or rel itself.
 */
static inline void bench_default_path(char *out, size_t len, const char *rel)
{
	char self[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		snprintf(out, len, "%s", rel);
		return;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(out, len, "%s/../%s", self, rel);
}

/*
 * Starts "pfkeyd --foreground --socket sock" with its stderr in log and
 * waits (2 s at most) for the socket; returns its pid, or exits.
 */
static inline pid_t bench_start_pfkeyd(const char *pfkeyd, const char *sock,
				       const char *log)
{
	struct stat st;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		execl(pfkeyd, pfkeyd, "--foreground", "--socket", sock,
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return pid;
		usleep(20000);
	}
	fprintf(stderr, "%s did not start (see %s)\n", pfkeyd, log);
	kill(pid, SIGTERM);
	exit(1);
}

#endif /* PFKEY_BENCH_H */
