/*
 * engine.c - PF_KEY v2 requests applied to the SADB and the SPD, and the
 * replies and broadcasts they cause (the table is in engine.h).
 *
 * Every request goes through the same steps: a raw copy to promiscuous
 * clients, pk_msg_parse() and pk_msg_check() (the one validator), then the
 * handler of its type, which either emits its reply or returns -errno with
 * a diagnostic that becomes a header-only error reply to the sender.
 *
 * Dumps are pulled by the daemon as the requester reads (engine_dump_pull)
 * with one record of lookahead, so that the last record can carry seq 0
 * even when SAs come and go during the dump.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "pfkey/alg.h"
#include "pfkey/msg.h"
#include "spd.h"

#define D(x) SADB_X_DIAGNOSTIC_##x

struct dump {
	uint8_t			type;		/* SADB_DUMP, SADB_X_SPDDUMP */
	uint8_t			satype;
	bool			ended;
	uint32_t		pid;
	uint32_t		sent;		/* records handed out */
	uint8_t			*held;		/* next record, encoded */
	size_t			held_len;
	struct sadb_cursor	sc;
	struct spd_cursor	pc;
};

struct client {
	uint32_t	id;		/* 0: free slot */
	uint32_t	registered;	/* bit per SA type */
	bool		promisc;
	struct dump	*dump;
};

struct engine {
	struct engine_ops	ops;
	void			*arg;
	struct sadb		*sadb;
	struct spd		*spd;
	/* Clients: open addressing on the id, linear probing. */
	struct client		*clients;
	size_t			nclients, cap;
	size_t			npromisc;	/* clients with promisc set */
	/* One message being built; big enough for any. */
	uint8_t			*scratch;
};

/* ---------------------------------------------------------------- clients */

static size_t client_slot(uint32_t id, size_t cap)
{
	/* Fibonacci hashing: ids are small consecutive numbers. */
	return (size_t)((id * 2654435769u) & (cap - 1));
}

static struct client *client_find(const struct engine *e, uint32_t id)
{
	if (id == 0 || e->cap == 0)
		return NULL;
	for (size_t i = client_slot(id, e->cap);; i = (i + 1) & (e->cap - 1)) {
		if (e->clients[i].id == id)
			return &e->clients[i];
		if (e->clients[i].id == 0)
			return NULL;
	}
}

static int clients_grow(struct engine *e)
{
	size_t ncap = e->cap == 0 ? 16 : e->cap * 2;
	struct client *n = calloc(ncap, sizeof(*n));

	if (n == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < e->cap; i++) {
		size_t j;

		if (e->clients[i].id == 0)
			continue;
		for (j = client_slot(e->clients[i].id, ncap); n[j].id != 0;
		     j = (j + 1) & (ncap - 1))
			;
		n[j] = e->clients[i];
	}
	free(e->clients);
	e->clients = n;
	e->cap = ncap;
	return 0;
}

int engine_client_open(struct engine *e, uint32_t id)
{
	size_t i;

	if (id == 0)
		return -EINVAL;
	if (client_find(e, id) != NULL)
		return -EEXIST;
	/* Keep the load at or below a half so probes stay short. */
	if ((e->nclients + 1) * 2 > e->cap) {
		int rc = clients_grow(e);

		if (rc != 0)
			return rc;
	}
	for (i = client_slot(id, e->cap); e->clients[i].id != 0;
	     i = (i + 1) & (e->cap - 1))
		;
	memset(&e->clients[i], 0, sizeof(e->clients[i]));
	e->clients[i].id = id;
	e->nclients++;
	return 0;
}

static void dump_end(struct engine *e, struct client *c)
{
	struct dump *dp = c->dump;

	if (dp == NULL)
		return;
	if (dp->type == SADB_DUMP)
		sadb_cursor_close(e->sadb, &dp->sc);
	else
		spd_cursor_close(e->spd, &dp->pc);
	if (dp->held != NULL) {
		explicit_bzero(dp->held, dp->held_len);	/* it may hold keys */
		free(dp->held);
	}
	free(dp);
	c->dump = NULL;
}

void engine_client_close(struct engine *e, uint32_t id)
{
	struct client *c = client_find(e, id);
	size_t i, j;

	if (c == NULL)
		return;
	dump_end(e, c);
	if (c->promisc)
		e->npromisc--;
	/* Backward-shift deletion keeps every probe chain unbroken. */
	i = (size_t)(c - e->clients);
	e->clients[i].id = 0;
	for (j = (i + 1) & (e->cap - 1); e->clients[j].id != 0;
	     j = (j + 1) & (e->cap - 1)) {
		size_t home = client_slot(e->clients[j].id, e->cap);

		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			e->clients[i] = e->clients[j];
			e->clients[j].id = 0;
			i = j;
		}
	}
	e->nclients--;
}

bool engine_client_promisc(const struct engine *e, uint32_t id)
{
	const struct client *c = client_find(e, id);

	return c != NULL && c->promisc;
}

bool engine_any_promisc(const struct engine *e)
{
	return e->npromisc > 0;
}

bool engine_client_registered(const struct engine *e, uint32_t id,
			      uint8_t satype)
{
	const struct client *c = client_find(e, id);

	return c != NULL && satype < 32 && (c->registered & (1u << satype));
}

/* ------------------------------------------------------------- lifecycle */

int engine_new(const struct engine_config *cfg, const struct engine_ops *ops,
	       void *arg, struct engine **out, struct pk_diag *d)
{
	struct engine *e = calloc(1, sizeof(*e));
	int rc;

	*out = NULL;
	if (e == NULL)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	e->ops = *ops;
	e->arg = arg;
	e->scratch = malloc(SADB_MSG_MAX_BYTES);
	if (e->scratch == NULL) {
		free(e);
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	}
	rc = sadb_new(cfg->seed, &e->sadb, d);
	if (rc == 0)
		rc = spd_new(cfg->seed ^ 0x5350445350445350ULL, &e->spd, d);
	if (rc != 0) {
		engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->cap; i++)
		if (e->clients[i].id != 0)
			dump_end(e, &e->clients[i]);
	free(e->clients);
	if (e->spd != NULL)
		spd_free(e->spd);
	if (e->sadb != NULL)
		sadb_free(e->sadb);
	explicit_bzero(e->scratch, SADB_MSG_MAX_BYTES);
	free(e->scratch);
	free(e);
}

struct sadb *engine_sadb(struct engine *e) { return e->sadb; }
struct spd *engine_spd(struct engine *e) { return e->spd; }

/* ---------------------------------------------------------------- replies */

/* Starts a reply to hdr (type, satype, seq and pid echoed) in e->scratch. */
static void reply_begin(struct engine *e, struct pk_buf *b,
			const struct sadb_msg *hdr)
{
	pk_buf_init(b, e->scratch, SADB_MSG_MAX_BYTES);
	pk_msg_begin(b, hdr->sadb_msg_type, hdr->sadb_msg_satype,
		     hdr->sadb_msg_seq, hdr->sadb_msg_pid);
}

/* Delivers what b holds, then wipes it: replies may carry keys. */
static int emit(struct engine *e, struct pk_buf *b, enum engine_dest dest,
		uint32_t client, uint8_t satype)
{
	int rc = pk_buf_error(b);

	if (rc == 0)
		e->ops.deliver(e->arg, dest, client, satype, b->base, b->len);
	explicit_bzero(b->base, b->len);
	return rc;
}

/*
 * The header-only error reply: the request's header as far as it could be
 * read, errno, and the diagnostic in sadb_msg_reserved.
 */
static void reply_error(struct engine *e, uint32_t client, const void *msg,
			size_t len, int err, uint16_t code)
{
	struct sadb_msg h;
	struct pk_buf b;

	memset(&h, 0, sizeof(h));
	memcpy(&h, msg, len < sizeof(h) ? len : sizeof(h));
	reply_begin(e, &b, &h);
	pk_buf_msg(&b)->sadb_msg_errno = (uint8_t)(err > 255 ? EINVAL : err);
	pk_buf_msg(&b)->sadb_msg_reserved = code;
	emit(e, &b, ENGINE_TO_SENDER, client, 0);
}

/* A reply carrying one SA. */
static int reply_sa(struct engine *e, const struct pk_msg *m,
		    const struct sadb_sa_rec *r, unsigned wflags,
		    enum engine_dest dest, uint32_t client)
{
	struct pk_buf b;

	reply_begin(e, &b, m->hdr);
	sadb_write_sa(r, &b, wflags);
	return emit(e, &b, dest, client, m->hdr->sadb_msg_satype);
}

/* ------------------------------------------------------------ SA requests */

typedef int (*handler_fn)(struct engine *e, struct client *c,
			  const struct pk_msg *m, uint64_t now,
			  struct pk_diag *d);

static int do_getspi(struct engine *e, struct client *c,
		     const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	const struct sadb_sa_rec *r;
	int rc = sadb_getspi(e->sadb, m, now, &r, d);

	if (rc != 0)
		return rc;
	return reply_sa(e, m, r, SADB_W_NOKEYS, ENGINE_TO_SENDER, c->id);
}

/* RFC 2367: ADD and UPDATE replies go to every socket, without keys. */
static int do_add(struct engine *e, struct client *c,
		  const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	const struct sadb_sa_rec *r;
	int rc = sadb_add(e->sadb, m, now, &r, d);

	if (rc != 0)
		return rc;
	return reply_sa(e, m, r, SADB_W_NOKEYS, ENGINE_TO_ALL, c->id);
}

static int do_update(struct engine *e, struct client *c,
		     const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	const struct sadb_sa_rec *r;
	int rc = sadb_update(e->sadb, m, now, &r, d);

	if (rc != 0)
		return rc;
	return reply_sa(e, m, r, SADB_W_NOKEYS, ENGINE_TO_ALL, c->id);
}

static int do_delete(struct engine *e, struct client *c,
		     const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	struct sadb_sa_rec gone;
	int rc;

	(void)now;
	rc = sadb_delete(e->sadb, m, &gone, d);
	if (rc != 0)
		return rc;
	rc = reply_sa(e, m, &gone, SADB_W_NOKEYS, ENGINE_TO_ALL, c->id);
	sadb_rec_release(e->sadb, &gone);
	return rc;
}

/* GET answers the asker alone, keys included (RFC 2367 3.1.5). */
static int do_get(struct engine *e, struct client *c,
		  const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	const struct sadb_sa_rec *r;
	int rc;

	(void)now;
	rc = sadb_get(e->sadb, m, &r, d);
	if (rc != 0)
		return rc;
	return reply_sa(e, m, r, 0, ENGINE_TO_SENDER, c->id);
}

/*
 * A key manager answers an ACQUIRE it cannot serve with an ACQUIRE whose
 * errno is set: the larval SA of that seq is dropped, nothing is replied.
 * An ACQUIRE without errno has no meaning from user space.
 */
static int do_acquire(struct engine *e, struct client *c,
		      const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	const struct sadb_sa_rec *r;

	(void)c;
	(void)now;
	if (m->hdr->sadb_msg_errno == 0)
		return pk_diag_set(d, EINVAL, D(UNKNOWN_MSG), 0,
				   offsetof(struct sadb_msg, sadb_msg_errno),
				   "sadb_msg_errno",
				   "SADB_ACQUIRE from a key manager must carry "
				   "the errno of its failure");
	r = sadb_find_seq(e->sadb, m->hdr->sadb_msg_satype,
			  m->hdr->sadb_msg_seq);
	if (r == NULL)
		return pk_diag_set(d, ESRCH, D(SA_NOTFOUND), 0,
				   offsetof(struct sadb_msg, sadb_msg_seq),
				   "sadb_msg_seq",
				   "no pending acquire with seq %u",
				   m->hdr->sadb_msg_seq);
	return sadb_remove(e->sadb, r);
}

/* Which algorithm classes a REGISTER reply lists for an SA type. */
static void add_supported(struct pk_buf *b, uint8_t satype)
{
	struct sadb_alg algs[64];
	size_t n;

	switch (satype) {
	case SADB_SATYPE_ESP:
		n = pk_alg_supported(PK_ALG_AUTH, algs, 64);
		pk_add_supported(b, SADB_EXT_SUPPORTED_AUTH, algs, n);
		n = pk_alg_supported(PK_ALG_ENCR, algs, 64);
		pk_add_supported(b, SADB_EXT_SUPPORTED_ENCRYPT, algs, n);
		break;
	case SADB_SATYPE_AH:
		n = pk_alg_supported(PK_ALG_AUTH, algs, 64);
		pk_add_supported(b, SADB_EXT_SUPPORTED_AUTH, algs, n);
		break;
	case SADB_X_SATYPE_IPCOMP:
		n = pk_alg_supported(PK_ALG_COMP, algs, 64);
		pk_add_supported(b, SADB_EXT_SUPPORTED_ENCRYPT, algs, n);
		break;
	default:
		break;
	}
}

/* Only the SA types the SADB keeps can be registered for. */
static bool satype_served(uint8_t satype)
{
	return satype == SADB_SATYPE_AH || satype == SADB_SATYPE_ESP ||
	       satype == SADB_X_SATYPE_IPCOMP ||
	       satype == SADB_X_SATYPE_TCPSIGNATURE;
}

static int do_register(struct engine *e, struct client *c,
		       const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	uint8_t sat = m->hdr->sadb_msg_satype;
	struct pk_buf b;

	(void)now;
	if (sat == SADB_SATYPE_UNSPEC)
		return pk_diag_set(d, EINVAL, D(SATYPE_NEEDED), 0,
				   offsetof(struct sadb_msg, sadb_msg_satype),
				   "sadb_msg_satype",
				   "SADB_REGISTER needs a specific SA type");
	if (!satype_served(sat))
		return pk_diag_set(d, EINVAL, D(UNKNOWN_SATYPE), 0,
				   offsetof(struct sadb_msg, sadb_msg_satype),
				   "sadb_msg_satype",
				   "SA type %u (%s) is not kept by this engine",
				   sat, pk_satype_name(sat));
	if (c->registered & (1u << sat))
		return pk_diag_set(d, EEXIST, 0, 0,
				   offsetof(struct sadb_msg, sadb_msg_satype),
				   "sadb_msg_satype",
				   "already registered for %s",
				   pk_satype_name(sat));
	c->registered |= 1u << sat;
	reply_begin(e, &b, m->hdr);
	add_supported(&b, sat);
	return emit(e, &b, ENGINE_TO_REGISTERED, c->id, sat);
}

static int do_flush(struct engine *e, struct client *c,
		    const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	struct pk_buf b;
	int rc;

	(void)now;
	rc = sadb_flush(e->sadb, m->hdr->sadb_msg_satype, NULL, d);
	if (rc != 0)
		return rc;
	reply_begin(e, &b, m->hdr);
	return emit(e, &b, ENGINE_TO_ALL, c->id, m->hdr->sadb_msg_satype);
}

static int do_promisc(struct engine *e, struct client *c,
		      const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	bool on = m->hdr->sadb_msg_satype == 1;
	struct pk_buf b;

	(void)now;
	(void)d;
	if (on && !c->promisc)
		e->npromisc++;
	else if (!on && c->promisc)
		e->npromisc--;
	c->promisc = on;
	reply_begin(e, &b, m->hdr);
	return emit(e, &b, ENGINE_TO_ALL, c->id, 0);
}

static int do_update_pair(struct engine *e, struct client *c,
			  const struct pk_msg *m, uint64_t now,
			  struct pk_diag *d)
{
	const struct sadb_sa_rec *r1, *r2;
	int rc = sadb_update_pair(e->sadb, m, now, &r1, &r2, d);

	if (rc != 0)
		return rc;
	return reply_sa(e, m, r1, SADB_W_NOKEYS, ENGINE_TO_ALL, c->id);
}

static int do_delete_pair(struct engine *e, struct client *c,
			  const struct pk_msg *m, uint64_t now,
			  struct pk_diag *d)
{
	struct sadb_sa_rec g1, g2;
	int rc;

	(void)now;
	rc = sadb_delete_pair(e->sadb, m, &g1, &g2, d);
	if (rc != 0)
		return rc;
	rc = reply_sa(e, m, &g1, SADB_W_NOKEYS, ENGINE_TO_ALL, c->id);
	sadb_rec_release(e->sadb, &g1);
	sadb_rec_release(e->sadb, &g2);
	return rc;
}

/* ----------------------------------------------------------- SPD requests */

static int reply_policy(struct engine *e, const struct pk_msg *m,
			const struct spd_policy *p, enum engine_dest dest,
			uint32_t client)
{
	struct pk_buf b;

	reply_begin(e, &b, m->hdr);
	spd_write_policy(p, &b, 0);
	return emit(e, &b, dest, client, 0);
}

static int do_spdadd(struct engine *e, struct client *c,
		     const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	const struct spd_policy *p;
	int rc = spd_add(e->spd, m, now, &p, d);

	if (rc != 0)
		return rc;
	return reply_policy(e, m, p, ENGINE_TO_ALL, c->id);
}

static int do_spdupdate(struct engine *e, struct client *c,
			const struct pk_msg *m, uint64_t now,
			struct pk_diag *d)
{
	const struct spd_policy *p;
	int rc = spd_update(e->spd, m, now, &p, d);

	if (rc != 0)
		return rc;
	return reply_policy(e, m, p, ENGINE_TO_ALL, c->id);
}

static int do_spddelete(struct engine *e, struct client *c,
			const struct pk_msg *m, uint64_t now,
			struct pk_diag *d)
{
	struct spd_policy *p;
	int rc;

	(void)now;
	if (m->hdr->sadb_msg_type == SADB_X_SPDDELETE2)
		rc = spd_delete_id(e->spd, m, &p, d);
	else
		rc = spd_delete(e->spd, m, &p, d);
	if (rc != 0)
		return rc;
	rc = reply_policy(e, m, p, ENGINE_TO_ALL, c->id);
	spd_policy_free(e->spd, p);
	return rc;
}

static int do_spdget(struct engine *e, struct client *c,
		     const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	const struct spd_policy *p;
	int rc;

	(void)now;
	rc = spd_get_id(e->spd, m, &p, d);
	if (rc != 0)
		return rc;
	return reply_policy(e, m, p, ENGINE_TO_SENDER, c->id);
}

static int do_spdflush(struct engine *e, struct client *c,
		       const struct pk_msg *m, uint64_t now,
		       struct pk_diag *d)
{
	struct pk_buf b;
	int rc;

	(void)now;
	rc = spd_flush(e->spd, NULL, d);
	if (rc != 0)
		return rc;
	reply_begin(e, &b, m->hdr);
	return emit(e, &b, ENGINE_TO_ALL, c->id, 0);
}

/* ------------------------------------------------------------------ dumps */

static int do_dump(struct engine *e, struct client *c,
		   const struct pk_msg *m, uint64_t now, struct pk_diag *d)
{
	bool spd = m->hdr->sadb_msg_type == SADB_X_SPDDUMP;
	uint8_t sat = m->hdr->sadb_msg_satype;
	struct dump *dp;

	(void)now;
	if (c->dump != NULL)
		return pk_diag_set(d, EBUSY, 0, 0, 0, "sadb_msg_type",
				   "a dump is already streaming to this socket");
	if (spd ? spd_count(e->spd) == 0 : sadb_count(e->sadb, sat) == 0)
		return pk_diag_set(d, ENOENT, 0, 0, 0, NULL,
				   spd ? "no policies" : "no SAs of this type");
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return pk_diag_set(d, ENOMEM, 0, 0, 0, NULL, "out of memory");
	dp->type = m->hdr->sadb_msg_type;
	dp->satype = sat;
	dp->pid = m->hdr->sadb_msg_pid;
	if (spd)
		spd_cursor_open(e->spd, &dp->pc);
	else {
		sadb_cursor_open(e->sadb, &dp->sc, sat);
		if (m->ext[SADB_X_EXT_FILTER] != NULL)
			sadb_cursor_set_filter(&dp->sc,
				PK_MSG_EXT(m, SADB_X_EXT_FILTER, sadb_x_filter));
	}
	c->dump = dp;
	return 0;
}

/*
 * Encodes the dump's next record into e->scratch; 1 when there was one,
 * 0 at the end, -errno when it does not fit.
 */
static int dump_encode_next(struct engine *e, struct dump *dp,
			    struct pk_buf *b)
{
	struct sadb_msg h = {
		.sadb_msg_type = dp->type,
		.sadb_msg_pid = dp->pid,
	};

	pk_buf_init(b, e->scratch, SADB_MSG_MAX_BYTES);
	if (dp->type == SADB_DUMP) {
		const struct sadb_sa_rec *r = sadb_cursor_next(e->sadb, &dp->sc);

		if (r == NULL)
			return 0;
		pk_msg_begin(b, h.sadb_msg_type, r->satype, 0, h.sadb_msg_pid);
		sadb_write_sa(r, b, 0);
	} else {
		const struct spd_policy *p = spd_cursor_next(e->spd, &dp->pc);

		if (p == NULL)
			return 0;
		pk_msg_begin(b, h.sadb_msg_type, 0, 0, h.sadb_msg_pid);
		spd_write_policy(p, b, 0);
	}
	return pk_buf_error(b) == 0 ? 1 : pk_buf_error(b);
}

/* Keeps a copy of the record just encoded as the held one. */
static int dump_hold(struct dump *dp, const struct pk_buf *b)
{
	dp->held = malloc(b->len);
	if (dp->held == NULL)
		return -ENOMEM;
	memcpy(dp->held, b->base, b->len);
	dp->held_len = b->len;
	explicit_bzero(b->base, b->len);
	return 0;
}

int engine_dump_pull(struct engine *e, uint32_t client, void *buf,
		     size_t cap, size_t *len)
{
	struct client *c = client_find(e, client);
	struct dump *dp = c != NULL ? c->dump : NULL;
	struct pk_buf b;
	int rc;

	if (dp == NULL)
		return 0;
	if (cap < SADB_MSG_MAX_BYTES)
		return -ENOBUFS;
	if (dp->held == NULL) {
		rc = dump_encode_next(e, dp, &b);
		if (rc <= 0) {
			/* Everything went between the request and now. */
			struct sadb_msg h = {
				.sadb_msg_type = dp->type,
				.sadb_msg_satype = dp->satype,
				.sadb_msg_pid = dp->pid,
			};

			dump_end(e, c);
			pk_buf_init(&b, buf, cap);
			pk_msg_begin(&b, h.sadb_msg_type, h.sadb_msg_satype, 0,
				     h.sadb_msg_pid);
			pk_buf_msg(&b)->sadb_msg_errno =
				(uint8_t)(rc == 0 ? ENOENT : -rc);
			*len = b.len;
			return 1;
		}
		rc = dump_hold(dp, &b);
		if (rc != 0)
			goto fail;
	}
	/* Hand out the held record; the next one decides its seq. */
	memcpy(buf, dp->held, dp->held_len);
	*len = dp->held_len;
	explicit_bzero(dp->held, dp->held_len);
	free(dp->held);
	dp->held = NULL;
	rc = dump_encode_next(e, dp, &b);
	if (rc < 0)
		goto fail;
	/* Linux numbers records 1, 2, ... and gives the last one seq 0. */
	((struct sadb_msg *)buf)->sadb_msg_seq = rc == 1 ? ++dp->sent : 0;
	if (rc == 1) {
		rc = dump_hold(dp, &b);
		if (rc != 0)
			goto fail;
	} else {
		dump_end(e, c);
	}
	return 1;
fail:
	dump_end(e, c);
	return rc;
}

bool engine_dump_active(const struct engine *e, uint32_t client)
{
	const struct client *c = client_find(e, client);

	return c != NULL && c->dump != NULL;
}

/* -------------------------------------------------------------- dispatch */

static int do_unsupported(struct engine *e, struct client *c,
			  const struct pk_msg *m, uint64_t now,
			  struct pk_diag *d)
{
	(void)e;
	(void)c;
	(void)now;
	return pk_diag_set(d, EOPNOTSUPP, D(UNKNOWN_MSG), 0,
			   offsetof(struct sadb_msg, sadb_msg_type),
			   "sadb_msg_type", "%s is not supported by pfkeyd",
			   pk_msg_type_name(m->hdr->sadb_msg_type));
}

static const handler_fn handlers[SADB_PFKEY_MSG_MAX + 1] = {
	[SADB_GETSPI] = do_getspi,
	[SADB_UPDATE] = do_update,
	[SADB_ADD] = do_add,
	[SADB_DELETE] = do_delete,
	[SADB_GET] = do_get,
	[SADB_ACQUIRE] = do_acquire,
	[SADB_REGISTER] = do_register,
	[SADB_FLUSH] = do_flush,
	[SADB_DUMP] = do_dump,
	[SADB_X_PROMISC] = do_promisc,
	[SADB_X_SPDUPDATE] = do_spdupdate,
	[SADB_X_SPDADD] = do_spdadd,
	[SADB_X_SPDDELETE] = do_spddelete,
	[SADB_X_SPDGET] = do_spdget,
	[SADB_X_SPDDUMP] = do_dump,
	[SADB_X_SPDFLUSH] = do_spdflush,
	[SADB_X_SPDSETIDX] = do_spdadd,		/* KAME: same as SPDADD */
	[SADB_X_SPDDELETE2] = do_spddelete,
	[SADB_X_MIGRATE] = do_unsupported,
	[SADB_X_UPDATEPAIR] = do_update_pair,
	[SADB_X_DELPAIR] = do_delete_pair,
	[SADB_X_INVERSE_ACQUIRE] = do_unsupported,
	[SADB_X_DELPAIR_STATE] = do_unsupported,
};

void engine_handle(struct engine *e, uint32_t client, const void *msg,
		   size_t len, uint64_t now)
{
	struct client *c = client_find(e, client);
	struct pk_diag d;
	struct pk_msg m;
	handler_fn fn;
	int rc;

	if (c == NULL)
		return;
	/* Monitors see every request as it came, before its answer. */
	if (len > 0)
		e->ops.deliver(e->arg, ENGINE_TO_PROMISC, client, 0, msg, len);
	rc = pk_msg_parse(&m, msg, len, &d);
	if (rc == 0)
		rc = pk_msg_check(&m, &d);
	if (rc == 0) {
		fn = handlers[m.hdr->sadb_msg_type];
		rc = fn != NULL ? fn(e, c, &m, now, &d)
				: do_unsupported(e, c, &m, now, &d);
	}
	if (rc != 0)
		reply_error(e, client, msg, len, -rc, d.code);
}

/* ----------------------------------------------------------------- timers */

uint64_t engine_next_deadline(const struct engine *e)
{
	uint64_t a = sadb_next_deadline(e->sadb);
	uint64_t b = spd_next_deadline(e->spd);

	return a < b ? a : b;
}

struct expire_ctx {
	struct engine	*e;
};

/*
 * SADB_EXPIRE to the sockets registered for the type, seq 0 and pid 0,
 * never with keys; soft carries the soft lifetime, hard the hard one.
 */
static void sa_expired(void *arg, const struct sadb_sa_rec *r, int kind)
{
	struct expire_ctx *x = arg;
	struct pk_buf b;

	if (kind == SADB_EXPIRE_LARVAL)
		return;		/* an unanswered GETSPI: nobody to tell */
	/*
	 * An SA idle for its defaulted idle time only changes state: a
	 * program that knows Linux's extensions alone would read an EXPIRE
	 * without hard lifetime as a soft one and rekey.
	 */
	if (kind == SADB_EXPIRE_IDLE && !sadb_idle_given(r))
		return;
	pk_buf_init(&b, x->e->scratch, SADB_MSG_MAX_BYTES);
	pk_msg_begin(&b, SADB_EXPIRE, r->satype, 0, 0);
	sadb_write_expire(r, &b, kind);
	emit(x->e, &b, ENGINE_TO_REGISTERED, 0, r->satype);
}

/* SPDEXPIRE goes to every socket. */
static void policy_expired(void *arg, const struct spd_policy *p)
{
	struct expire_ctx *x = arg;
	struct pk_buf b;

	pk_buf_init(&b, x->e->scratch, SADB_MSG_MAX_BYTES);
	pk_msg_begin(&b, SADB_X_SPDEXPIRE, 0, 0, 0);
	spd_write_policy(p, &b, 0);
	emit(x->e, &b, ENGINE_TO_ALL, 0, 0);
}

void engine_tick(struct engine *e, uint64_t now)
{
	struct expire_ctx x = { e };

	sadb_expire(e->sadb, now, sa_expired, &x);
	spd_expire(e->spd, now, policy_expired, &x);
}

/* --------------------------------------------------------- datapath hooks */

int engine_charge(struct engine *e, uint8_t satype,
		  const struct sadb_addr *dst, uint32_t spi, uint64_t bytes,
		  uint64_t now)
{
	const struct sadb_sa_rec *r = sadb_find(e->sadb, satype, dst, spi);

	if (r == NULL)
		return -ESRCH;
	return sadb_use(e->sadb, r, bytes, 0, now);
}

/* One combination of a proposal from two table rows (either may be NULL). */
static struct sadb_comb comb_of(const struct pk_alg *auth,
				const struct pk_alg *encr)
{
	struct sadb_comb c;

	memset(&c, 0, sizeof(c));
	if (auth != NULL) {
		c.sadb_comb_auth = auth->id;
		c.sadb_comb_auth_minbits = auth->min_bits;
		c.sadb_comb_auth_maxbits = auth->max_bits;
	}
	if (encr != NULL) {
		c.sadb_comb_encrypt = encr->id;
		c.sadb_comb_encrypt_minbits = encr->min_bits;
		c.sadb_comb_encrypt_maxbits = encr->max_bits;
	}
	return c;
}

static bool proposable(const struct pk_alg *a, enum pk_alg_class cls)
{
	return a->cls == cls && (a->flags & PK_ALGF_REGISTER) &&
	       !(a->flags & PK_ALGF_NOKEY);
}

/*
 * What an ACQUIRE offers the key manager: every keyed algorithm the engine
 * lists in REGISTER replies (ESP: each cipher with each MAC, AEAD ciphers
 * alone; AH: each MAC), strongest choice left to the key manager.
 */
static void add_proposal(struct pk_buf *b, uint8_t satype)
{
	struct sadb_comb combs[512];
	size_t n = 0, count;
	const struct pk_alg *t = pk_alg_table(&count);

	for (size_t i = 0; i < count && n < 512; i++) {
		if (satype == SADB_SATYPE_AH && proposable(&t[i], PK_ALG_AUTH)) {
			combs[n++] = comb_of(&t[i], NULL);
			continue;
		}
		if (satype != SADB_SATYPE_ESP || !proposable(&t[i], PK_ALG_ENCR))
			continue;
		if (t[i].flags & (PK_ALGF_COMBINED | PK_ALGF_AUTH_ONLY)) {
			combs[n++] = comb_of(NULL, &t[i]);
			continue;
		}
		for (size_t j = 0; j < count && n < 512; j++)
			if (proposable(&t[j], PK_ALG_AUTH))
				combs[n++] = comb_of(&t[j], &t[i]);
	}
	pk_add_prop(b, IPSEC_REPLAYWSIZE, combs, n);
}

int engine_acquire(struct engine *e, uint8_t satype,
		   const struct sadb_addr *src, const struct sadb_addr *dst,
		   uint8_t mode, uint32_t reqid, uint32_t policy_id,
		   uint64_t now, uint32_t *seq)
{
	const struct sadb_sa_rec *r;
	bool anyone = false;
	struct pk_buf b;
	int rc;

	for (size_t i = 0; i < e->cap && !anyone; i++)
		anyone = e->clients[i].id != 0 &&
			 (e->clients[i].registered & (1u << satype));
	if (!anyone)
		return -ENOENT;
	rc = sadb_acquire(e->sadb, satype, src, dst, mode, reqid, now, &r);
	if (rc != 0)
		return rc;
	pk_buf_init(&b, e->scratch, SADB_MSG_MAX_BYTES);
	pk_msg_begin(&b, SADB_ACQUIRE, satype, r->seq, 0);
	sadb_write_addr(&b, SADB_EXT_ADDRESS_SRC, &r->src);
	sadb_write_addr(&b, SADB_EXT_ADDRESS_DST, &r->dst);
	add_proposal(&b, satype);
	pk_add_policy(&b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, policy_id, 0);
	if (seq != NULL)
		*seq = r->seq;
	return emit(e, &b, ENGINE_TO_REGISTERED, 0, satype);
}
