/*
 * apply.c - the conversation with pfkeyd (see apply.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "pfkey/msg.h"
#include "pfkey/print.h"
#include "pfkey/print_setkey.h"

#define SK_TIMEOUT_MS	30000

int sk_apply_open(struct sk_apply *a, bool autostart)
{
	struct pk_connect_opts o;
	struct pk_diag d;
	int rc;

	memset(&o, 0, sizeof(o));
	pk_diag_clear(&d);
	o.flags = autostart ? 0 : PK_CONNECT_NO_AUTOSTART;
	o.diag = &d;
	a->rbuf = malloc(SADB_MSG_MAX_BYTES);
	a->sbuf = malloc(SADB_MSG_MAX_BYTES);
	a->sarena = malloc(SK_SEND_ARENA);
	a->rslots = malloc((size_t)SK_RECV_BATCH * SK_RECV_SLOT);
	if (a->rbuf == NULL || a->sbuf == NULL || a->sarena == NULL ||
	    a->rslots == NULL) {
		fprintf(stderr, "setkey: out of memory\n");
		return -ENOMEM;
	}
	a->window = a->verbose ? SK_WINDOW_VERBOSE : SK_WINDOW;
	for (unsigned i = 0; i < SK_RECV_BATCH; i++) {
		a->riov[i].iov_base = a->rslots + (size_t)i * SK_RECV_SLOT;
		a->riov[i].iov_len = SK_RECV_SLOT;
	}
	rc = pk_connect(&a->conn, &o);
	if (rc != 0) {
		fprintf(stderr, "setkey: cannot reach pfkeyd: %s%s%s\n",
			strerror(-rc), d.detail[0] ? ": " : "", d.detail);
		return rc;
	}
	a->pid = pk_conn_pid(a->conn);
	return 0;
}

static void wipe(uint8_t **p, size_t len)
{
	if (*p != NULL) {
		explicit_bzero(*p, len);
		free(*p);
	}
	*p = NULL;
}

void sk_apply_close(struct sk_apply *a)
{
	pk_close(a->conn);
	a->conn = NULL;
	wipe(&a->rbuf, SADB_MSG_MAX_BYTES);
	wipe(&a->sbuf, SADB_MSG_MAX_BYTES);
	wipe(&a->sarena, SK_SEND_ARENA);
	wipe(&a->rslots, (size_t)SK_RECV_BATCH * SK_RECV_SLOT);
	a->sused = 0;
	a->npend = 0;
}

static void show(struct sk_apply *a, const void *msg, size_t len)
{
	if (a->verbose)
		pk_print_msg(stdout, NULL, msg, len,
			     a->hide_keys ? PK_PRINT_HIDE_KEYS : 0);
}

static void refusal(struct sk_apply *a, unsigned long line,
		    const struct sadb_msg *h)
{
	const char *t = pk_diag_text(h->sadb_msg_reserved);

	a->failures++;
	if (h->sadb_msg_reserved != 0 && t != NULL)
		fprintf(stderr, "setkey: %s:%lu: %s: %s\n", a->fname, line,
			strerror(h->sadb_msg_errno), t);
	else
		fprintf(stderr, "setkey: %s:%lu: %s\n", a->fname, line,
			strerror(h->sadb_msg_errno));
}

static int recv_one(struct sk_apply *a, size_t *len)
{
	int rc = pk_recv(a->conn, a->rbuf, SADB_MSG_MAX_BYTES, len,
			 SK_TIMEOUT_MS);

	if (rc != 0) {
		fprintf(stderr, "setkey: reading from pfkeyd: %s\n",
			strerror(-rc));
		return rc;
	}
	return 0;
}

/* Matches one received message against the requests in flight. */
static void settle(struct sk_apply *a, const uint8_t *msg, size_t len,
		   size_t got)
{
	struct sadb_msg h;
	unsigned mask = SK_WINDOW - 1;

	if (len < sizeof(h) || got < sizeof(h))
		return;
	if (got >= len)
		show(a, msg, len);	/* -v reads whole messages */
	memcpy(&h, msg, sizeof(h));
	if (h.sadb_msg_pid != a->pid)
		return;
	for (unsigned i = 0; i < a->count - a->npend; i++) {
		struct sk_inflight *f = &a->ring[(a->head + i) & mask];

		if (f->done || f->seq != h.sadb_msg_seq ||
		    f->type != h.sadb_msg_type)
			continue;
		f->done = true;
		if (h.sadb_msg_errno != 0)
			refusal(a, f->line, &h);
		break;
	}
	while (a->count > a->npend && a->ring[a->head].done) {
		a->head = (a->head + 1) & mask;
		a->count--;
	}
}

/*
 * Reads what has arrived (waiting up to timeout_ms for the first) and
 * settles it.  With timeout_ms 0, nothing there is not an error.
 */
static int pump(struct sk_apply *a, int timeout_ms)
{
	struct iovec one = { a->rbuf, SADB_MSG_MAX_BYTES };
	const struct iovec *iov = a->verbose ? &one : a->riov;
	int n = pk_recv_many(a->conn, iov, a->rlens,
			     a->verbose ? 1 : SK_RECV_BATCH, timeout_ms);

	if (n == -ETIMEDOUT && timeout_ms == 0)
		return 0;
	if (n < 0) {
		fprintf(stderr, "setkey: reading from pfkeyd: %s\n",
			strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		size_t got = a->rlens[i] < iov[i].iov_len ? a->rlens[i] :
			     iov[i].iov_len;

		settle(a, iov[i].iov_base, a->rlens[i], got);
	}
	return 0;
}

/* The line of the first request gathered and not sent. */
static unsigned long first_unsent_line(const struct sk_apply *a)
{
	return a->ring[(a->head + a->count - a->npend) &
		       (SK_WINDOW - 1)].line;
}

/* Sends every gathered request, reading replies while the socket is full. */
static int flush_sends(struct sk_apply *a)
{
	unsigned off = 0;
	int rc = 0;

	while (off < a->npend) {
		int n = pk_send_many(a->conn, a->siov + off, a->npend - off);

		if (n < 0) {
			fprintf(stderr, "setkey: %s:%lu: sending to pfkeyd: "
				"%s\n", a->fname, first_unsent_line(a),
				strerror(-n));
			a->failures++;
			rc = n;
			break;
		}
		off += (unsigned)n;
		a->npend -= (unsigned)n;	/* now in flight */
		memmove(a->siov, a->siov + off, a->npend * sizeof(a->siov[0]));
		off = 0;
		if (a->npend == 0)
			break;
		/* The daemon's side is full: take its replies, then wait. */
		rc = pump(a, 0);
		if (rc == 0) {
			int w = pk_wait(a->conn, PK_WAIT_READ | PK_WAIT_WRITE,
					SK_TIMEOUT_MS);

			if (w < 0) {
				fprintf(stderr, "setkey: waiting for pfkeyd: "
					"%s\n", strerror(-w));
				rc = w;
			}
		}
		if (rc != 0) {
			a->failures++;
			break;
		}
	}
	explicit_bzero(a->sarena, a->sused);	/* requests carry keys */
	a->sused = 0;
	if (rc != 0) {
		/* the unsent ones never will be */
		a->count -= a->npend;
		a->npend = 0;
	}
	return rc;
}

int sk_apply_drain(struct sk_apply *a)
{
	int rc = flush_sends(a);

	while (rc == 0 && a->count > 0)
		rc = pump(a, SK_TIMEOUT_MS);
	if (rc != 0) {
		a->failures += a->count;
		a->count = 0;
	}
	return rc;
}

static int send_tracked(struct sk_apply *a, void *msg, size_t len,
			unsigned long line)
{
	struct sadb_msg *h = msg;
	struct sk_inflight *f;
	int rc;

	while (a->count >= a->window) {
		rc = flush_sends(a);
		if (rc == 0 && a->count >= a->window)
			rc = pump(a, SK_TIMEOUT_MS);
		if (rc != 0)
			return rc;
	}
	if (a->npend == SK_SEND_BATCH || len > SK_SEND_ARENA - a->sused) {
		rc = flush_sends(a);
		if (rc != 0)
			return rc;
	}
	h->sadb_msg_seq = pk_conn_next_seq(a->conn);
	h->sadb_msg_pid = a->pid;
	show(a, msg, len);
	f = &a->ring[(a->head + a->count) & (SK_WINDOW - 1)];
	f->seq = h->sadb_msg_seq;
	f->type = h->sadb_msg_type;
	f->line = line;
	f->done = false;
	if (len > SK_SEND_ARENA || len == 0) {
		/* too big to gather (nothing is gathered now): directly */
		rc = pk_send(a->conn, msg, len);
		if (rc != 0) {
			fprintf(stderr, "setkey: %s:%lu: sending to pfkeyd: "
				"%s\n", a->fname, line, strerror(-rc));
			a->failures++;
			return rc;
		}
		a->count++;
		return 0;
	}
	memcpy(a->sarena + a->sused, msg, len);
	a->siov[a->npend].iov_base = a->sarena + a->sused;
	a->siov[a->npend].iov_len = len;
	a->sused += len;
	a->npend++;
	a->count++;
	if (a->verbose)
		return flush_sends(a);	/* as -v always showed it */
	return 0;
}

int sk_apply_send(struct sk_apply *a, enum sk_cmd_type cmd, uint8_t satype,
		  unsigned long line, void *msg, size_t len)
{
	if (cmd == SK_GET)
		return sk_apply_get(a, line, msg, len);
	if (cmd == SK_DUMP || cmd == SK_SPDDUMP)
		return sk_apply_dump(a, cmd == SK_SPDDUMP, satype, line);
	return send_tracked(a, msg, len, line);
}

int sk_apply_emit(void *arg, const struct sk_cmd *c, void *msg, size_t len)
{
	return sk_apply_send(arg, c->type, c->satype, c->line, msg, len);
}

/* Sends msg and waits for its reply in a->rbuf; returns its length. */
static int exchange(struct sk_apply *a, void *msg, size_t len,
		    unsigned long line, size_t *rlen)
{
	struct sadb_msg *h = msg;
	int rc;

	rc = sk_apply_drain(a);
	if (rc != 0)
		return rc;
	h->sadb_msg_seq = pk_conn_next_seq(a->conn);
	h->sadb_msg_pid = a->pid;
	show(a, msg, len);
	rc = pk_send(a->conn, msg, len);
	if (rc != 0) {
		fprintf(stderr, "setkey: %s:%lu: sending to pfkeyd: %s\n",
			a->fname, line, strerror(-rc));
		a->failures++;
		return rc;
	}
	for (;;) {
		const struct sadb_msg *r = (const struct sadb_msg *)a->rbuf;

		rc = recv_one(a, rlen);
		if (rc != 0)
			return rc;
		if (*rlen < sizeof(*r))
			continue;
		show(a, a->rbuf, *rlen);
		if (r->sadb_msg_pid == a->pid &&
		    r->sadb_msg_seq == h->sadb_msg_seq &&
		    r->sadb_msg_type == h->sadb_msg_type)
			return 0;
	}
}

int sk_apply_get(struct sk_apply *a, unsigned long line, void *msg,
		 size_t len)
{
	const struct sadb_msg *r = (const struct sadb_msg *)a->rbuf;
	struct pk_msg m;
	struct pk_diag d;
	size_t rlen;
	int rc;

	rc = exchange(a, msg, len, line, &rlen);
	if (rc != 0)
		return rc;
	if (r->sadb_msg_errno != 0) {
		refusal(a, line, r);
		return 0;
	}
	if (pk_msg_parse(&m, a->rbuf, rlen, &d) != 0) {
		fprintf(stderr, "setkey: %s:%lu: bad reply: %s\n", a->fname,
			line, d.detail);
		a->failures++;
		return 0;
	}
	pk_setkey_print_sa(stdout, &m, a->print_flags, time(NULL));
	return 0;
}

static bool dead(const struct pk_msg *m)
{
	const struct sadb_sa *sa = PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);

	return sa != NULL && sa->sadb_sa_state == SADB_SASTATE_DEAD;
}

/*
 * Streams a dump.  each() sees every record; NULL prints it.  Returns 0,
 * -ENOENT for an empty database, or a transport error.
 */
static int dump_stream(struct sk_apply *a, bool spd, uint8_t satype,
		       unsigned long line,
		       void (*each)(struct sk_apply *, const struct pk_msg *,
				    void *), void *arg)
{
	uint8_t type = spd ? SADB_X_SPDDUMP : SADB_DUMP;
	uint8_t req[sizeof(struct sadb_msg)];
	struct pk_buf b;
	uint32_t seq;
	size_t len;
	int rc;

	rc = sk_apply_drain(a);
	if (rc != 0)
		return rc;
	pk_buf_init(&b, req, sizeof(req));
	seq = pk_conn_next_seq(a->conn);
	pk_msg_begin(&b, type, satype, seq, a->pid);
	show(a, req, b.len);
	rc = pk_send(a->conn, req, b.len);
	if (rc != 0) {
		fprintf(stderr, "setkey: sending to pfkeyd: %s\n",
			strerror(-rc));
		a->failures++;
		return rc;
	}
	for (;;) {
		const struct sadb_msg *h = (const struct sadb_msg *)a->rbuf;
		struct pk_msg m;
		struct pk_diag d;

		rc = recv_one(a, &len);
		if (rc != 0) {
			a->failures++;
			return rc;
		}
		if (len < sizeof(*h) || h->sadb_msg_pid != a->pid ||
		    h->sadb_msg_type != type) {
			show(a, a->rbuf, len);
			continue;
		}
		show(a, a->rbuf, len);
		if (h->sadb_msg_errno == ENOENT)
			return -ENOENT;
		if (h->sadb_msg_errno != 0) {
			refusal(a, line, h);
			return 0;
		}
		if (pk_msg_parse(&m, a->rbuf, len, &d) != 0) {
			fprintf(stderr, "setkey: bad dump record: %s\n",
				d.detail);
			a->failures++;
		} else if (each != NULL) {
			each(a, &m, arg);
		} else {
			if (spd)
				pk_setkey_print_policy(stdout, &m,
						       a->print_flags,
						       time(NULL));
			else if (a->all || !dead(&m))
				pk_setkey_print_sa(stdout, &m, a->print_flags,
						   time(NULL));
		}
		if (h->sadb_msg_seq == 0)
			return 0;
	}
}

int sk_apply_dump(struct sk_apply *a, bool spd, uint8_t satype,
		  unsigned long line)
{
	int rc = dump_stream(a, spd, satype, line, NULL, NULL);

	if (rc == -ENOENT) {
		printf(spd ? "No SPD entries.\n" : "No SAD entries.\n");
		return 0;
	}
	fflush(stdout);
	return rc;
}

int sk_apply_flush(struct sk_apply *a, bool spd)
{
	uint8_t req[sizeof(struct sadb_msg)];
	struct pk_buf b;
	size_t rlen;
	int rc;

	pk_buf_init(&b, req, sizeof(req));
	pk_msg_begin(&b, spd ? SADB_X_SPDFLUSH : SADB_FLUSH,
		     SADB_SATYPE_UNSPEC, 0, 0);
	rc = exchange(a, req, b.len, 0, &rlen);
	if (rc != 0)
		return rc;
	if (((struct sadb_msg *)a->rbuf)->sadb_msg_errno != 0)
		refusal(a, 0, (struct sadb_msg *)a->rbuf);
	return 0;
}

/* ------------------------------------------------------------ deleteall */

struct victim {
	uint32_t		spi;	/* network order */
	struct sockaddr_storage	src, dst;
};

struct victims {
	uint8_t				satype;
	const struct sockaddr_storage	*src, *dst;
	size_t				nsrc, ndst;
	struct victim			*v;
	size_t				n, cap;
	bool				nomem;
};

static bool listed(const struct sockaddr_storage *list, size_t n,
		   const struct sockaddr_storage *s)
{
	for (size_t i = 0; i < n; i++)
		if (pk_sockaddr_same_host(s, &list[i]))
			return true;
	return false;
}

static void collect(struct sk_apply *a, const struct pk_msg *m, void *arg)
{
	struct victims *vs = arg;
	const struct sadb_sa *sa = PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);
	const struct sadb_address *s =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_SRC, sadb_address);
	const struct sadb_address *d =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_DST, sadb_address);
	struct victim v;

	(void)a;
	if (sa == NULL || s == NULL || d == NULL ||
	    m->hdr->sadb_msg_satype != vs->satype)
		return;
	memset(&v, 0, sizeof(v));
	pk_address_sockaddr(s, &v.src);
	pk_address_sockaddr(d, &v.dst);
	if (!listed(vs->src, vs->nsrc, &v.src) ||
	    !listed(vs->dst, vs->ndst, &v.dst))
		return;
	v.spi = sa->sadb_sa_spi;
	if (vs->n == vs->cap) {
		size_t ncap = vs->cap ? vs->cap * 2 : 16;
		struct victim *nv = realloc(vs->v, ncap * sizeof(*nv));

		if (nv == NULL) {
			vs->nomem = true;
			return;
		}
		vs->v = nv;
		vs->cap = ncap;
	}
	vs->v[vs->n++] = v;
}

int sk_apply_deleteall(struct sk_apply *a, uint8_t satype, unsigned long line,
		       const struct sockaddr_storage *src, size_t nsrc,
		       const struct sockaddr_storage *dst, size_t ndst)
{
	struct victims vs = {
		.satype = satype,
		.src = src, .nsrc = nsrc, .dst = dst, .ndst = ndst,
	};
	int rc;

	rc = dump_stream(a, false, satype, line, collect, &vs);
	if (rc == -ENOENT)
		rc = 0;
	if (vs.nomem) {
		fprintf(stderr, "setkey: %s:%lu: out of memory\n", a->fname,
			line);
		a->failures++;
	}
	for (size_t i = 0; rc == 0 && i < vs.n; i++) {
		struct pk_buf b;

		pk_buf_init(&b, a->sbuf, SADB_MSG_MAX_BYTES);
		pk_msg_begin(&b, SADB_DELETE, satype, 0, 0);
		pk_add_sa(&b, ntohl(vs.v[i].spi), 0, 0, 0, 0, 0);
		pk_add_address(&b, SADB_EXT_ADDRESS_SRC,
			       (struct sockaddr *)&vs.v[i].src,
			       IPSEC_ULPROTO_ANY,
			       (uint8_t)pk_family_maxprefix(
				       vs.v[i].src.ss_family));
		pk_add_address(&b, SADB_EXT_ADDRESS_DST,
			       (struct sockaddr *)&vs.v[i].dst,
			       IPSEC_ULPROTO_ANY,
			       (uint8_t)pk_family_maxprefix(
				       vs.v[i].dst.ss_family));
		if (pk_buf_error(&b) == 0)
			rc = send_tracked(a, a->sbuf, b.len, line);
	}
	free(vs.v);
	return rc;
}

/* -------------------------------------------------------------- monitor */

int sk_apply_monitor(struct sk_apply *a, unsigned xcount, bool hex)
{
	uint8_t req[sizeof(struct sadb_msg)];
	struct pk_buf b;
	size_t len;
	int rc;

	pk_buf_init(&b, req, sizeof(req));
	pk_msg_begin(&b, SADB_X_PROMISC, 1, pk_conn_next_seq(a->conn), a->pid);
	rc = pk_send(a->conn, req, b.len);
	if (rc != 0) {
		fprintf(stderr, "setkey: sending to pfkeyd: %s\n",
			strerror(-rc));
		return rc;
	}
	for (;;) {
		const struct sadb_msg *h = (const struct sadb_msg *)a->rbuf;
		struct timeval tv;

		rc = pk_recv(a->conn, a->rbuf, SADB_MSG_MAX_BYTES, &len, -1);
		if (rc != 0) {
			fprintf(stderr, "setkey: reading from pfkeyd: %s\n",
				strerror(-rc));
			return rc;
		}
		if (len >= sizeof(*h) && h->sadb_msg_pid == a->pid &&
		    h->sadb_msg_type == SADB_X_PROMISC)
			continue;	/* the answer to our own switch */
		gettimeofday(&tv, NULL);
		if (xcount > 1) {
			printf("%u.%06u ", (unsigned)tv.tv_sec,
			       (unsigned)tv.tv_usec);
		} else {
			struct tm tm;

			localtime_r(&tv.tv_sec, &tm);
			printf("%02d:%02d:%02d.%06u ", tm.tm_hour, tm.tm_min,
			       tm.tm_sec, (unsigned)tv.tv_usec);
		}
		pk_print_msg(stdout, NULL, a->rbuf, len,
			     (hex ? PK_PRINT_HEX : 0) |
			     (a->hide_keys ? PK_PRINT_HIDE_KEYS : 0));
		fflush(stdout);
	}
}

/* ----------------------------------------------------------------- loop */

static void short_line(struct sk_apply *a, const struct pk_msg *m, void *arg)
{
	const struct sadb_sa *sa = PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);
	const struct sadb_lifetime *cur =
		PK_MSG_EXT(m, SADB_EXT_LIFETIME_CURRENT, sadb_lifetime);
	const struct sadb_lifetime *hard =
		PK_MSG_EXT(m, SADB_EXT_LIFETIME_HARD, sadb_lifetime);
	const struct sadb_address *s =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_SRC, sadb_address);
	const struct sadb_address *d =
		PK_MSG_EXT(m, SADB_EXT_ADDRESS_DST, sadb_address);
	static const char states[] = "LMDd";
	struct sockaddr_storage ss, ds;
	char sb[INET6_ADDRSTRLEN + 8] = "?", db[INET6_ADDRSTRLEN + 8] = "?";
	time_t now = *(time_t *)arg;
	uint64_t age = 0;
	char lt[48];
	const char *p;

	if (sa == NULL || (!a->all && sa->sadb_sa_state == SADB_SASTATE_DEAD))
		return;
	if (cur != NULL && (uint64_t)now > cur->sadb_lifetime_addtime)
		age = (uint64_t)now - cur->sadb_lifetime_addtime;
	if (s != NULL && pk_address_sockaddr(s, &ss) > 0)
		getnameinfo((struct sockaddr *)&ss, sizeof(ss), sb, sizeof(sb),
			    NULL, 0, NI_NUMERICHOST);
	if (d != NULL && pk_address_sockaddr(d, &ds) > 0)
		getnameinfo((struct sockaddr *)&ds, sizeof(ds), db, sizeof(db),
			    NULL, 0, NI_NUMERICHOST);
	p = pk_satype_name(m->hdr->sadb_msg_satype);
	snprintf(lt, sizeof(lt), "%" PRIu64 "/%" PRIu64, age,
		 hard != NULL ? (uint64_t)hard->sadb_lifetime_addtime : 0);
	/* the columns of the header: "%-4s %-3s %-1s %-8s %-7s %s -> %s" */
	printf("%4lu %-3.3s %c %08x %-7s %s -> %s\n",
	       (unsigned long)(now % 10000), p != NULL ? p : "?",
	       sa->sadb_sa_state <= 3 ? states[sa->sadb_sa_state] : '?',
	       ntohl(sa->sadb_sa_spi), lt, sb, db);
}

int sk_apply_loop(struct sk_apply *a)
{
	for (;;) {
		time_t now = time(NULL);
		int rc;

		printf("time p   s spi      ltime   src -> dst\n");
		rc = dump_stream(a, false, SADB_SATYPE_UNSPEC, 0, short_line,
				 &now);
		if (rc != 0 && rc != -ENOENT)
			return rc;
		fflush(stdout);
		sleep(1);
	}
}
