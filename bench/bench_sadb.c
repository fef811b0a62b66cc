/*
 * bench_sadb.c - SADB cost per operation at 1k, 100k and 1M SAs, and bytes
 * per SA.  Deterministic inputs (fixed seeds); requests are built, parsed
 * and checked before the clock starts, so the figures are the store's own
 * cost.  Ratios are measured in the same run; each timed figure is the
 * median of REPS repetitions.
 *
 *   get:    ns per sadb_find() of an existing SA
 *   miss:   ns per sadb_find() of an absent SA (SPI of an existing one ^ 1)
 *   delete: ns per sadb_delete() (in cycles of min(N/10, 10000) victims,
 *           100 for the hot subset, each followed by ...)
 *   add:    ns per sadb_add() putting them back, so the store stays
 *           between 0.9 N and N
 *   bytes:  everything the store holds per SA (slots, buckets, page table,
 *           timer heap, key blob headers and allocator overhead: 16 bytes
 *           per malloc'd blob) besides the raw key bytes (36: hmac-sha1 +
 *           aes-128)
 *
 * Two access patterns:
 *   uniform  the SA of each operation drawn from the whole store: at 1M
 *            (about 250 MB) nearly every operation misses every cache and
 *            the TLB, which at 1k (250 kB, L2) never happens.
 *   hot      drawn from a fixed subset of 1000 SAs in a store of N: the
 *            working set is the same at every N, so what grows is only the
 *            store's own cost (its chains, its heap, its metadata).  The
 *            hot repetitions run after the uniform ones, behind one
 *            untimed delete and add of every hot SA: a uniform phase in
 *            between would evict the subset, and its first touch would
 *            then be a cost of the bench, not of the store.
 *
 * With --callgrind the bench also runs itself once per size under
 * valgrind's callgrind (instrumenting only the operations) and prints
 * instructions per operation (deterministic: the algorithmic cost) and
 * simulated D1 and last-level cache misses per operation (where the wall
 * time at 1M goes).  --sizes N[,N...] restricts the sizes (for profiling).
 *
 * Every SA has soft and hard lifetimes, as SAs set up by IKE do, so the
 * timer heap is exercised and counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "pfkey/msg.h"
#include "sadb.h"

#define MSG_BYTES	256
#define KEY_BYTES	36
#define REPS		7
#define GETS		200000	/* per repetition */
#define CYCLE_MAX	10000	/* uniform: min(N / 10, this) per cycle */
#define HOT_CYCLE	100	/* hot: deletes, then adds, per cycle */
#define CYCLE_OPS	20000	/* deletes (and adds) per repetition */
#define HOT		1000	/* SAs of the hot subset */
#define CG_GETS		20000	/* operations counted under callgrind */
#define CG_OPS		10000

static const uint8_t akey[20] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				  0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,
				  0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4 };
static const uint8_t ekey[16] = { 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6,
				  0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed,
				  0xee, 0xef };

enum phase { P_GET, P_MISS, P_GET_HOT, P_DEL, P_ADD, P_DEL_HOT, P_ADD_HOT,
	     NPHASES };

static const char *const phase_name[NPHASES] = {
	"get, uniform", "get (miss), uniform", "get, hot 1k subset",
	"delete, uniform", "add, uniform", "delete, hot 1k subset",
	"add, hot 1k subset",
};

struct msgs {
	uint8_t		*mem;		/* n * MSG_BYTES */
	struct pk_msg	*m;
	size_t		n;
};

static uint64_t rng = 0x5eed5eed5eed5eedULL;

static uint64_t rnd(void)
{
	return bench_rnd(&rng);
}

/* SA i: 10.255.0.1 -> 10.(i >> 16).(i >> 8).i, an SPI scattered from i. */
static uint32_t spi_of(uint32_t i)
{
	return 0x1000 + ((i * 2654435761U) & 0x0fffffff) % 0x0ffff000;
}

static void dst_of(uint32_t i, struct sockaddr_in *s)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(0x0a000000U | (i & 0xffffff));
}

static struct sadb_addr addr_of(uint32_t i)
{
	struct sadb_addr a;
	uint32_t v = htonl(0x0a000000U | (i & 0xffffff));

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	memcpy(a.addr, &v, 4);
	return a;
}

static int build(struct msgs *ms, size_t k, uint8_t type, uint32_t i)
{
	struct sockaddr_in src, dst;
	struct pk_buf b;
	struct pk_diag d;
	uint8_t *mem = ms->mem + k * MSG_BYTES;

	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x0aff0001U);
	dst_of(i, &dst);
	pk_buf_init(&b, mem, MSG_BYTES);
	pk_msg_begin(&b, type, SADB_SATYPE_ESP, i, 1);
	if (type == SADB_ADD) {
		pk_add_sa(&b, spi_of(i), 32, SADB_SASTATE_MATURE,
			  SADB_AALG_SHA1HMAC, SADB_X_EALG_AESCBC, 0);
		pk_add_lifetime(&b, SADB_EXT_LIFETIME_HARD, 0, 0,
				3600 + i % 600, 0);
		pk_add_lifetime(&b, SADB_EXT_LIFETIME_SOFT, 0, 0,
				3000 + i % 600, 0);
		pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
			       (struct sockaddr *)&src, 0, 32);
	} else {
		pk_add_sa(&b, spi_of(i), 0, SADB_SASTATE_MATURE, 0, 0, 0);
	}
	pk_add_address(&b, SADB_EXT_ADDRESS_DST, (struct sockaddr *)&dst, 0,
		       32);
	if (type == SADB_ADD) {
		pk_add_key(&b, SADB_EXT_KEY_AUTH, akey, 160, 0);
		pk_add_key(&b, SADB_EXT_KEY_ENCRYPT, ekey, 128, 0);
	}
	if (pk_buf_error(&b) != 0 ||
	    pk_msg_parse(&ms->m[k], mem, b.len, &d) != 0 ||
	    pk_msg_check(&ms->m[k], &d) != 0) {
		fprintf(stderr, "bench_sadb: cannot build request %u: %s\n",
			i, d.detail);
		return -1;
	}
	return 0;
}

static int msgs_new(struct msgs *ms, size_t n)
{
	ms->n = n;
	ms->mem = aligned_alloc(8, n * MSG_BYTES);
	ms->m = calloc(n, sizeof(*ms->m));
	return ms->mem != NULL && ms->m != NULL ? 0 : -ENOMEM;
}

static void msgs_free(struct msgs *ms)
{
	free(ms->mem);
	free(ms->m);
}

/* One store under test and its request buffers. */
struct store {
	struct sadb	*db;
	uint32_t	n;
	uint32_t	hot[HOT];	/* the fixed subset */
	uint32_t	cycle;		/* uniform victims per cycle */
	struct msgs	add, del;
	bool		cg;		/* counting under callgrind */
};

static const uint64_t NOW = 1700000000;

static int store_new(struct store *s, uint32_t n, bool cg)
{
	struct pk_diag d;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->cg = cg;
	s->cycle = n / 10 < CYCLE_MAX ? n / 10 : CYCLE_MAX;
	if (s->cycle < HOT_CYCLE)
		s->cycle = HOT_CYCLE;
	if (sadb_new(42, &s->db, &d) != 0 ||
	    msgs_new(&s->add, s->cycle) != 0 ||
	    msgs_new(&s->del, s->cycle) != 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (build(&s->add, 0, SADB_ADD, i) != 0 ||
		    sadb_add(s->db, &s->add.m[0], NOW, NULL, &d) != 0) {
			fprintf(stderr, "bench_sadb: add %u: %s\n", i, d.detail);
			return -1;
		}
	}
	/* Distinct (7919 is prime to every size used), spread over the store
	 * in insertion order and so over its memory. */
	for (uint32_t j = 0; j < HOT; j++)
		s->hot[j] = (uint32_t)(((uint64_t)j * 7919 + 17) % n);
	return 0;
}

static void store_free(struct store *s)
{
	msgs_free(&s->add);
	msgs_free(&s->del);
	sadb_free(s->db);
}

static uint32_t pick(const struct store *s, bool hot)
{
	return hot ? s->hot[rnd() % HOT] : (uint32_t)(rnd() % s->n);
}

/* ns per lookup over ops lookups; -1 when a lookup is wrong. */
static double do_gets(struct store *s, size_t ops, bool hot, bool miss)
{
	size_t found = 0;
	double t0;

	if (s->cg)
		CALLGRIND_TOGGLE_COLLECT;
	t0 = bench_now_ns();
	for (size_t k = 0; k < ops; k++) {
		uint32_t i = pick(s, hot);
		struct sadb_addr a = addr_of(i);

		found += sadb_find(s->db, SADB_SATYPE_ESP, &a,
				   spi_of(i) ^ (miss ? 1 : 0)) != NULL;
	}
	t0 = bench_now_ns() - t0;
	if (s->cg)
		CALLGRIND_TOGGLE_COLLECT;
	if (found != (miss ? 0 : ops)) {
		fprintf(stderr, "bench_sadb: %zu of %zu found\n", found, ops);
		return -1;
	}
	return t0 / (double)ops;
}

/*
 * Cycles of distinct victims deleted, then added back; adds ns per
 * delete and per add to *del and *add.  Uniform victims: a run of a
 * stride prime to N from a random start; hot victims: a run of the hot
 * subset, from a random start, or (sweep) one run after the other, so
 * that HOT operations visit every hot SA once.
 */
static int do_cycles(struct store *s, size_t ops, bool hot, bool sweep,
		     double *del, double *add)
{
	uint32_t cyc = hot ? HOT_CYCLE : s->cycle;
	size_t cycles = (ops + cyc - 1) / cyc;
	struct pk_diag d;
	double t0, tdel = 0, tadd = 0;

	for (size_t c = 0; c < cycles; c++) {
		uint32_t start = sweep ? (uint32_t)(c * cyc % HOT) :
			(uint32_t)(rnd() % (hot ? HOT : s->n));

		for (uint32_t k = 0; k < cyc; k++) {
			uint32_t i = hot ? s->hot[(start + k) % HOT] :
				(uint32_t)((start + (uint64_t)k * 7919) % s->n);

			if (build(&s->del, k, SADB_DELETE, i) != 0 ||
			    build(&s->add, k, SADB_ADD, i) != 0)
				return -1;
		}
		if (s->cg)
			CALLGRIND_TOGGLE_COLLECT;
		t0 = bench_now_ns();
		for (uint32_t k = 0; k < cyc; k++) {
			struct sadb_sa_rec gone;

			if (sadb_delete(s->db, &s->del.m[k], &gone, &d) != 0) {
				fprintf(stderr, "bench_sadb: delete: %s\n",
					d.detail);
				return -1;
			}
			sadb_rec_release(s->db, &gone);
		}
		tdel += bench_now_ns() - t0;
		if (s->cg) {
			CALLGRIND_TOGGLE_COLLECT;
			CALLGRIND_DUMP_STATS_AT("delete");
			CALLGRIND_TOGGLE_COLLECT;
		}
		t0 = bench_now_ns();
		for (uint32_t k = 0; k < cyc; k++) {
			if (sadb_add(s->db, &s->add.m[k], NOW, NULL, &d) != 0) {
				fprintf(stderr, "bench_sadb: re-add: %s\n",
					d.detail);
				return -1;
			}
		}
		tadd += bench_now_ns() - t0;
		if (s->cg) {
			CALLGRIND_TOGGLE_COLLECT;
			CALLGRIND_DUMP_STATS_AT("add");
		}
	}
	if (sadb_count(s->db, 0) != s->n)
		return -1;
	*del = tdel / ((double)cycles * cyc);
	*add = tadd / ((double)cycles * cyc);
	return 0;
}

struct result {
	double	ns[NPHASES];
	double	bytes;
	struct bench_cg cg[NPHASES];	/* per operation */
};

static int run(uint32_t n, struct result *res)
{
	struct store s;
	struct sadb_mem mu;
	double v[NPHASES][REPS];

	if (store_new(&s, n, false) != 0)
		return -1;
	sadb_mem_usage(s.db, &mu);
	res->bytes = (double)(mu.slot_bytes + mu.bucket_bytes + mu.page_bytes +
			      mu.heap_bytes + mu.key_bytes -
			      (size_t)n * KEY_BYTES + mu.key_allocs * 16) / n;
	/* One untimed pass of each kind first: page faults, lazy growth. */
	if (do_gets(&s, GETS / 4, false, false) < 0 ||
	    do_cycles(&s, CYCLE_OPS / 4, false, false, &v[P_DEL][0],
		      &v[P_ADD][0]) != 0)
		return -1;
	for (int r = 0; r < REPS; r++) {
		if ((v[P_GET][r] = do_gets(&s, GETS, false, false)) < 0 ||
		    (v[P_MISS][r] = do_gets(&s, GETS, false, true)) < 0 ||
		    do_cycles(&s, CYCLE_OPS, false, false, &v[P_DEL][r],
			      &v[P_ADD][r]) != 0)
			return -1;
	}
	/* The hot subset's own warm-up (see the top of the file). */
	if (do_cycles(&s, HOT, true, true, &v[P_DEL_HOT][0],
		      &v[P_ADD_HOT][0]) != 0)
		return -1;
	for (int r = 0; r < REPS; r++) {
		if ((v[P_GET_HOT][r] = do_gets(&s, GETS, true, false)) < 0 ||
		    do_cycles(&s, CYCLE_OPS, true, false, &v[P_DEL_HOT][r],
			      &v[P_ADD_HOT][r]) != 0)
			return -1;
	}
	for (int p = 0; p < NPHASES; p++)
		res->ns[p] = bench_median(v[p], REPS);
	store_free(&s);
	return 0;
}

/*
 * The --cg-child mode, run under callgrind (instrumentation off while the
 * store is built, then on, with collection toggled around the operations
 * only): one dump per measured batch, in a fixed order that cg_collect()
 * reads back: get, miss, get hot, then (delete, add) pairs per cycle,
 * uniform then hot.  Each measured phase follows a warm-up whose counts
 * are dropped: the simulated caches start empty, and a cold cache would
 * count misses the timed runs never pay.  The cycles' warm-up is one cycle
 * (uniform) or a sweep of the hot subset (hot), as in the timed runs.
 */
static size_t cg_cycles(const struct store *s, bool hot)
{
	uint32_t cyc = hot ? HOT_CYCLE : s->cycle;

	return (CG_OPS + cyc - 1) / cyc;
}

static size_t cg_warm_cycles(bool hot)
{
	return hot ? HOT / HOT_CYCLE : 1;
}

static int cg_child(uint32_t n)
{
	struct store s;
	double x, y;

	if (store_new(&s, n, true) != 0)
		return 1;
	CALLGRIND_START_INSTRUMENTATION;
	for (int p = P_GET; p <= P_GET_HOT; p++) {
		bool hot = p == P_GET_HOT, miss = p == P_MISS;

		if (do_gets(&s, CG_OPS, hot, miss) < 0)
			return 1;
		CALLGRIND_ZERO_STATS;
		if (do_gets(&s, CG_OPS, hot, miss) < 0)
			return 1;
		CALLGRIND_DUMP_STATS_AT(phase_name[p]);
	}
	for (int hot = 0; hot < 2; hot++) {
		uint32_t cyc = hot ? HOT_CYCLE : s.cycle;

		if (do_cycles(&s, cg_warm_cycles(hot) * cyc, hot, hot, &x,
			      &y) != 0)
			return 1;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_DUMP_STATS_AT("separator");
		if (do_cycles(&s, cg_cycles(&s, hot) * cyc, hot, false, &x,
			      &y) != 0)
			return 1;
	}
	store_free(&s);
	return 0;
}

/* Runs cg_child(n) under callgrind and sums its dumps per phase. */
static int cg_collect(uint32_t n, struct result *res)
{
	char dir[] = "/tmp/bench_sadb.XXXXXX", exe[4096], cmd[8192];
	char path[4200];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct store probe;
	unsigned k = 1;
	int rc = 0;

	if (len <= 0 || mkdtemp(dir) == NULL)
		return -1;
	exe[len] = 0;
	snprintf(cmd, sizeof(cmd), BENCH_CG_CMD " --collect-atstart=no "
		 "'%s' --cg-child %u >/dev/null 2>%s/log", dir, n, exe, n,
		 dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_sadb: callgrind run failed: see %s/log\n",
			dir);
		return -1;
	}
	/* the child's cycle length, without building a store */
	probe.cycle = n / 10 < CYCLE_MAX ? n / 10 : CYCLE_MAX;
	if (probe.cycle < HOT_CYCLE)
		probe.cycle = HOT_CYCLE;
	memset(res->cg, 0, sizeof(res->cg));
	for (int p = P_GET; p <= P_GET_HOT; p++, k++) {
		snprintf(path, sizeof(path), "%s/cg.%u.%u", dir, n, k);
		rc |= bench_cg_read(path, &res->cg[p]);
		res->cg[p].ir /= CG_OPS;
		res->cg[p].d1m /= CG_OPS;
		res->cg[p].llm /= CG_OPS;
	}
	for (int hot = 0; hot < 2; hot++) {
		int pd = hot ? P_DEL_HOT : P_DEL, pa = hot ? P_ADD_HOT : P_ADD;
		size_t cycles = cg_cycles(&probe, hot);
		double ops = (double)cycles * (hot ? HOT_CYCLE : probe.cycle);

		/* the warm-up cycles' two dumps each, then the separator */
		k += 2 * cg_warm_cycles(hot) + 1;
		for (size_t c = 0; c < cycles; c++) {
			for (int j = 0; j < 2; j++, k++) {
				struct bench_cg e = { 0, 0, 0 };
				int p = j ? pa : pd;

				snprintf(path, sizeof(path), "%s/cg.%u.%u",
					 dir, n, k);
				rc |= bench_cg_read(path, &e);
				res->cg[p].ir += e.ir / ops;
				res->cg[p].d1m += e.d1m / ops;
				res->cg[p].llm += e.llm / ops;
			}
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = -1;
	return rc;
}

static const char *size_label(uint32_t n, char *buf, size_t len)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, len, "%uM", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, len, "%uk", n / 1000);
	else
		snprintf(buf, len, "%u", n);
	return buf;
}

static void line(const char *what, const char *unit, int prec,
		 const uint32_t *sizes, int nsizes, const double *v,
		 double target)
{
	char a[16], b[16];

	printf("sadb %s:", what);
	for (int s = 0; s < nsizes; s++) {
		printf("%s%s ", s ? ", " : " ", size_label(sizes[s], a, sizeof(a)));
		printf("%.*f", prec, v[s]);
		printf("%s", unit);
	}
	/* A ratio to almost nothing (no cache misses at 1k) says nothing. */
	if (nsizes > 1 && v[0] >= 0.05)
		printf(", ratio %s/%s %.2f",
		       size_label(sizes[nsizes - 1], a, sizeof(a)),
		       size_label(sizes[0], b, sizeof(b)), v[nsizes - 1] / v[0]);
	if (target > 0)
		printf(" (target <= %.1f)", target);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint32_t sizes[8] = { 1000, 100000, 1000000 };
	int nsizes = 3;
	bool cg = false;
	static struct result r[8];
	double v[8];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cg-child") == 0 && i + 1 < argc)
			return cg_child((uint32_t)strtoul(argv[i + 1], NULL, 0));
		if (strcmp(argv[i], "--callgrind") == 0) {
			cg = true;
		} else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
			char *p = argv[++i];

			for (nsizes = 0; nsizes < 8 && *p != 0; nsizes++) {
				sizes[nsizes] = (uint32_t)strtoul(p, &p, 0);
				if (sizes[nsizes] < HOT)
					sizes[nsizes] = HOT;
				if (*p == ',')
					p++;
			}
		} else {
			fprintf(stderr, "usage: bench_sadb [--callgrind] "
				"[--sizes N,N,...]\n");
			return 2;
		}
	}
	if (cg && !BENCH_HAVE_CALLGRIND) {
		fprintf(stderr, "bench_sadb: built without valgrind/callgrind.h\n");
		return 1;
	}
	for (int s = 0; s < nsizes; s++) {
		if (run(sizes[s], &r[s]) != 0 ||
		    (cg && cg_collect(sizes[s], &r[s]) != 0)) {
			fprintf(stderr, "bench_sadb: run at %u failed\n",
				sizes[s]);
			return 1;
		}
	}
	printf("sadb: wall time, median of %d runs; uniform: SAs drawn from "
	       "the whole store, hot: from a fixed 1k subset of it\n", REPS);
	for (int p = 0; p < NPHASES; p++) {
		for (int s = 0; s < nsizes; s++)
			v[s] = r[s].ns[p];
		line(phase_name[p], " ns/op", 0, sizes, nsizes, v,
		     p == P_GET || p == P_DEL || p == P_ADD ? 1.2 : 0);
	}
	for (int s = 0; s < nsizes; s++)
		v[s] = r[s].bytes;
	line("bytes/SA (+ 36 key bytes, target <= 256)", "", 1, sizes,
	     nsizes, v, 0);
	if (!cg)
		return 0;
	printf("sadb: callgrind, per operation (instructions are exact; "
	       "misses from its model of a 32 KiB D1 and a 32 MiB LL)\n");
	for (int p = 0; p < NPHASES; p++) {
		char what[96];

		snprintf(what, sizeof(what), "%s instructions", phase_name[p]);
		for (int s = 0; s < nsizes; s++)
			v[s] = r[s].cg[p].ir;
		line(what, "", 0, sizes, nsizes, v, 0);
		snprintf(what, sizeof(what), "%s D1 misses", phase_name[p]);
		for (int s = 0; s < nsizes; s++)
			v[s] = r[s].cg[p].d1m;
		line(what, "", 1, sizes, nsizes, v, 0);
		snprintf(what, sizeof(what), "%s LL misses", phase_name[p]);
		for (int s = 0; s < nsizes; s++)
			v[s] = r[s].cg[p].llm;
		line(what, "", 2, sizes, nsizes, v, 0);
	}
	return 0;
}
