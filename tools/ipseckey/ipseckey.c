/*
 * ipseckey - the Solaris/illumos command language for the PF_KEY security
 * association database, over pfkeyd.
 *
 *   ipseckey [-nvp]                         interactive
 *   ipseckey [-nvp] [--boot] -f FILE        run a file
 *   ipseckey [-nvp] -c FILE                 check a file, send nothing
 *   ipseckey [-nvp] -s FILE                 save all SAs ('-': stdout)
 *   ipseckey [-nvp] CMD [SA_TYPE] [EXT value]...
 *
 * Only main() exits; everything else returns 0 or -1 after reporting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "pfkey/diag.h"
#include "pfkey/print.h"
#include "pfkey/print_ipseckey.h"
#include "pfkey/transport.h"
#include "ik.h"

#define REQUEST_TIMEOUT_MS	30000

static unsigned print_flags(const struct ik_ctx *c)
{
	return ((c->opts & IK_O_NUMERIC) ? PK_IPSECKEY_NUMERIC : 0) |
	       ((c->opts & IK_O_VERBOSE) ? PK_IPSECKEY_VERBOSE : 0) |
	       ((c->opts & IK_O_PARANOID) ? PK_IPSECKEY_PARANOID : 0);
}

/* Prints one message as get/dump/monitor do; tolerates malformed ones. */
static void print_message(struct ik_ctx *c, FILE *f, const void *msg,
			  size_t len)
{
	struct pk_msg m;
	struct pk_diag d;

	pk_diag_clear(&d);
	if (pk_msg_parse(&m, msg, len, &d) == 0)
		pk_ipseckey_print_msg(f, &m, print_flags(c), time(NULL));
	else {
		fprintf(f, "Malformed PF_KEY message (%s):\n", d.detail);
		pk_print_msg(f, NULL, msg, len,
			     (c->opts & IK_O_PARANOID) ? PK_PRINT_HIDE_KEYS : 0);
	}
}

static int connect_daemon(struct ik_ctx *c)
{
	struct pk_diag d;
	struct pk_connect_opts o = { .diag = &d };
	int rc;

	if (c->conn != NULL)
		return 0;
	pk_diag_clear(&d);
	rc = pk_connect(&c->conn, &o);
	if (rc != 0) {
		fprintf(c->err, "ipseckey: cannot reach pfkeyd: %s%s%s\n",
			strerror(-rc), d.detail[0] ? ": " : "", d.detail);
		c->conn = NULL;
		return -1;
	}
	return 0;
}

/* A reply's verdict, reported as the reference does. */
static int check_reply(struct ik_ctx *c, const struct ik_req *r,
		       const struct sockaddr_storage *dst)
{
	const struct sadb_msg *h = (const struct sadb_msg *)c->rbuf;
	char addr[INET6_ADDRSTRLEN] = "<none>";
	const char *type = ik_satype_name(h->sadb_msg_satype);
	unsigned diag = h->sadb_msg_reserved;
	char tbuf[16];

	if (h->sadb_msg_errno == 0)
		return 0;
	if (type == NULL) {
		snprintf(tbuf, sizeof(tbuf), "%u", h->sadb_msg_satype);
		type = tbuf;
	}
	if (dst != NULL)
		ik_addr_text(dst, addr, sizeof(addr));
	if (h->sadb_msg_errno == EEXIST)
		ik_diag(c, NULL, 0, "Association (type = %s) with spi 0x%x and "
			"addr\n%s already exists.", type, r->spi, addr);
	else if (h->sadb_msg_errno == ESRCH && diag != 0 &&
		 diag != SADB_X_DIAGNOSTIC_SA_NOTFOUND) {
		const char *t = pk_diag_text(diag);

		ik_diag(c, NULL, 0, "PF_KEY Diagnostic code %u: %s.", diag,
			t != NULL ? t : "Unknown diagnostic");
	} else if (h->sadb_msg_errno == ESRCH)
		ik_diag(c, NULL, 0, "Association (type = %s) with spi 0x%x and "
			"addr\n%s does not exist.", type, r->spi, addr);
	else if (h->sadb_msg_errno == EINVAL || diag != 0) {
		const char *t = pk_diag_text(diag);

		ik_diag(c, NULL, 0, "PF_KEY Diagnostic code %u: %s.", diag,
			t != NULL ? t : "Unknown diagnostic");
		if (h->sadb_msg_errno != EINVAL)
			ik_diag(c, NULL, 0, "Error %s from PF_KEY.",
				strerror(h->sadb_msg_errno));
	} else
		ik_diag(c, NULL, 0, "Error %s from PF_KEY.",
			strerror(h->sadb_msg_errno));
	return -1;
}

static void verbose_sent(struct ik_ctx *c, const struct pk_buf *b)
{
	if (c->opts & IK_O_VERBOSE) {
		print_message(c, c->out, b->base, b->len);
		fputc('\n', c->out);
	}
}

/* Sends b and waits for its reply in c->rbuf. */
static int transact(struct ik_ctx *c, const struct pk_buf *b, size_t *rlen)
{
	int rc;

	if (connect_daemon(c) != 0)
		return -1;
	verbose_sent(c, b);
	rc = pk_request(c->conn, b->base, b->len, c->rbuf, SADB_MSG_MAX_BYTES,
			rlen, REQUEST_TIMEOUT_MS);
	if (rc != 0) {
		ik_diag(c, NULL, 0, "PF_KEY request failed: %s.", strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * The SAs a save has written, to tell the first of a pair from the second:
 * an open-addressing hash set of (SA type, SPI, destination address), so
 * that a save of n SAs costs O(n), not O(n^2).
 */
struct saved_sa {
	bool		used;
	uint8_t		satype;
	uint32_t	spi;		/* network order, as in sadb_sa */
	struct sockaddr_storage dst;	/* port 0 */
};

struct saved {
	struct saved_sa	*v;
	size_t		n, cap;		/* cap: 0 or a power of two */
};

/* FNV-1a over the parts of the key that make an SA distinct. */
static size_t saved_hash(uint8_t satype, uint32_t spi,
			 const struct sockaddr_storage *dst)
{
	const uint8_t *a = (const uint8_t *)dst;
	size_t alen = pk_sockaddr_len(dst->ss_family);
	uint64_t h = 0xcbf29ce484222325ull;

	h = (h ^ satype) * 0x100000001b3ull;
	for (int i = 0; i < 4; i++)
		h = (h ^ ((spi >> (8 * i)) & 0xff)) * 0x100000001b3ull;
	for (size_t i = 0; i < alen; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 32));
}

static bool saved_eq(const struct saved_sa *e, uint8_t satype, uint32_t spi,
		     const struct sockaddr_storage *dst)
{
	size_t alen = pk_sockaddr_len(dst->ss_family);

	return e->satype == satype && e->spi == spi && alen != 0 &&
	       memcmp(&e->dst, dst, alen) == 0;
}

static bool saved_has(const struct saved *s, uint8_t satype, uint32_t spi,
		      const struct sockaddr_storage *dst)
{
	if (s->cap == 0)
		return false;
	for (size_t i = saved_hash(satype, spi, dst) & (s->cap - 1);
	     s->v[i].used; i = (i + 1) & (s->cap - 1))
		if (saved_eq(&s->v[i], satype, spi, dst))
			return true;
	return false;
}

static void saved_put_slot(struct saved_sa *v, size_t cap,
			   const struct saved_sa *e)
{
	size_t i = saved_hash(e->satype, e->spi, &e->dst) & (cap - 1);

	while (v[i].used)
		i = (i + 1) & (cap - 1);
	v[i] = *e;
}

/* Adds an SA; the table stays at most half full.  -1: out of memory. */
static int saved_add(struct saved *s, uint8_t satype, uint32_t spi,
		     const struct sockaddr_storage *dst)
{
	struct saved_sa e = { .used = true, .satype = satype, .spi = spi,
			      .dst = *dst };

	if (pk_sockaddr_len(dst->ss_family) == 0)
		return 0;
	if (2 * (s->n + 1) > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		struct saved_sa *v = calloc(ncap, sizeof(*v));

		if (v == NULL)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].used)
				saved_put_slot(v, ncap, &s->v[i]);
		free(s->v);
		s->v = v;
		s->cap = ncap;
	}
	saved_put_slot(s->v, s->cap, &e);
	s->n++;
	return 0;
}

static void addr_noport(const struct sadb_address *a,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	pk_address_sockaddr(a, ss);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = 0;
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
}

/*
 * One SA in the save format.  "add ... pair-spi P" fails while P does not
 * exist yet, so the pair is named only by the second SA of a pair that
 * the save writes: loading the file then adds the first and pairs both
 * when adding the second.
 */
static void save_one(struct ik_ctx *c, FILE *f, const struct pk_msg *m,
		     struct saved *s)
{
	const struct sadb_sa *sa = PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);
	const struct sadb_x_pair *pair = PK_MSG_EXT(m, SADB_X_EXT_PAIR,
						    sadb_x_pair);
	const struct sadb_address *src = PK_MSG_EXT(m, SADB_EXT_ADDRESS_SRC,
						    sadb_address);
	const struct sadb_address *dst = PK_MSG_EXT(m, SADB_EXT_ADDRESS_DST,
						    sadb_address);
	uint8_t satype = m->hdr->sadb_msg_satype;
	struct pk_msg copy = *m;
	struct sockaddr_storage ss;

	if (pair != NULL && src != NULL) {
		addr_noport(src, &ss);
		if (!saved_has(s, satype, pair->sadb_x_pair_spi, &ss)) {
			copy.ext[SADB_X_EXT_PAIR] = NULL;
			copy.present &= ~PK_EXT_BIT(SADB_X_EXT_PAIR);
		}
	}
	pk_ipseckey_print_save(f, &copy, print_flags(c));
	if (dst != NULL) {
		addr_noport(dst, &ss);
		if (saved_add(s, satype, sa->sadb_sa_spi, &ss) != 0)
			ik_diag(c, NULL, 0, "Out of memory: pairs after this SA "
				"may be saved unpaired.");
	}
}

/*
 * DUMP of satype: each SA to f, as a listing (save false) or in the save
 * format.  Our DUMP stream: records until one with seq 0; ENOENT = empty.
 */
static int dump_to(struct ik_ctx *c, unsigned satype, FILE *f, bool save)
{
	struct pk_buf b;
	struct saved saved = { 0 };
	uint32_t seq, pid;
	int rc;

	if (connect_daemon(c) != 0)
		return -1;
	seq = pk_conn_next_seq(c->conn);
	pid = pk_conn_pid(c->conn);
	pk_buf_init(&b, c->buf, SADB_MSG_MAX_BYTES);
	pk_msg_begin(&b, SADB_DUMP, (uint8_t)satype, seq, pid);
	verbose_sent(c, &b);
	rc = pk_send(c->conn, b.base, b.len);
	if (rc != 0) {
		ik_diag(c, NULL, 0, "PF_KEY request failed: %s.", strerror(-rc));
		return -1;
	}
	for (;;) {
		const struct sadb_msg *h = (const struct sadb_msg *)c->rbuf;
		struct pk_msg m;
		struct pk_diag d;
		size_t len;
		bool last;

		rc = pk_recv(c->conn, c->rbuf, SADB_MSG_MAX_BYTES, &len,
			     REQUEST_TIMEOUT_MS);
		if (rc != 0) {
			ik_diag(c, NULL, 0, "PF_KEY dump failed: %s.",
				strerror(-rc));
			rc = -1;
			break;
		}
		if (len < sizeof(*h) || h->sadb_msg_type != SADB_DUMP ||
		    h->sadb_msg_pid != pid)
			continue;	/* somebody else's traffic */
		if (h->sadb_msg_errno == ENOENT)
			break;
		if (h->sadb_msg_errno != 0) {
			rc = check_reply(c, &(struct ik_req){ 0 }, NULL);
			explicit_bzero(c->rbuf, len);
			rc = -1;
			break;
		}
		pk_diag_clear(&d);
		if (save) {
			if (pk_msg_parse(&m, c->rbuf, len, &d) == 0 &&
			    m.ext[SADB_EXT_SA] != NULL)
				save_one(c, f, &m, &saved);
		} else {
			print_message(c, f, c->rbuf, len);
			fputc('\n', f);
		}
		last = h->sadb_msg_seq == 0;
		explicit_bzero(c->rbuf, len);
		if (last)
			break;
	}
	free(saved.v);
	return rc;
}

static int do_dump(struct ik_ctx *c, const struct ik_req *r)
{
	if (dump_to(c, r->satype, c->out, false) != 0)
		return -1;
	fprintf(c->out, "Dump succeeded for SA type %u.\n", r->satype);
	return 0;
}

/* Opens a save file: created 0400; an existing one others read: warned. */
static FILE *open_save(struct ik_ctx *c, const char *name)
{
	struct stat st;
	int fd;
	FILE *f;

	if (name == NULL || strcmp(name, "-") == 0)
		return c->out;
	if (stat(name, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		fprintf(c->err, "WARNING: save file %s can be read by other "
			"users: they may read the keying material.\n", name);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0400);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		ik_diag(c, NULL, 0, "Cannot open save file %s: %s.", name,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return f;
}

static int do_save(struct ik_ctx *c, unsigned satype, const char *name)
{
	FILE *f = open_save(c, name);
	int rc;

	if (f == NULL)
		return -1;
	fputs("# This key file was generated by the ipseckey command's "
	      "'save' feature.\n\n", f);
	rc = dump_to(c, satype, f, true);
	if (f != c->out) {
		if (fclose(f) != 0 && rc == 0) {
			ik_diag(c, NULL, 0, "Cannot write save file %s: %s.",
				name, strerror(errno));
			rc = -1;
		}
	} else
		fflush(f);
	return rc;
}

static int do_monitor(struct ik_ctx *c, bool active)
{
	struct pk_buf b;
	size_t len;

	if (connect_daemon(c) != 0)
		return -1;
	if (active) {
		pk_buf_init(&b, c->buf, SADB_MSG_MAX_BYTES);
		pk_msg_begin(&b, SADB_X_PROMISC, 1, pk_conn_next_seq(c->conn),
			     pk_conn_pid(c->conn));
		if (pk_send(c->conn, b.base, b.len) != 0) {
			ik_diag(c, NULL, 0, "Cannot enable promiscuous mode.");
			return -1;
		}
		fputs("Actively monitoring the PF_KEY socket.\n", c->out);
	} else
		fputs("Passively monitoring the PF_KEY socket.\n", c->out);
	fflush(c->out);
	for (;;) {
		time_t now;
		char ts[64];
		int rc = pk_recv(c->conn, c->rbuf, SADB_MSG_MAX_BYTES, &len, -1);

		if (rc == -ECONNRESET) {
			fputs("pfkeyd closed the connection.\n", c->err);
			return -1;
		}
		if (rc != 0 && rc != -EMSGSIZE)
			continue;
		now = time(NULL);
		strftime(ts, sizeof(ts), "%a %b %e %H:%M:%S %Y",
			 localtime(&now));
		fprintf(c->out, "Read %zu bytes.\nTimestamp: %s\n", len, ts);
		if (len >= sizeof(struct sadb_msg))
			print_message(c, c->out, c->rbuf, len);
		fputc('\n', c->out);
		fflush(c->out);
		explicit_bzero(c->rbuf, len < SADB_MSG_MAX_BYTES ? len :
			       SADB_MSG_MAX_BYTES);
	}
}

/* Runs a parsed request.  0 on success. */
static int exec_req(struct ik_ctx *c, struct ik_req *r)
{
	const struct ik_cmd *cmd = r->cmd;
	bool in_file = c->mode == IK_M_FILE || c->mode == IK_M_CHECK;
	size_t n = ik_ndst(r), built = 0;
	int failed = 0;

	if (in_file && !(cmd->flags & IK_CF_FILE)) {
		ik_diag(c, NULL, 0, "%s not appropriate in config file.",
			cmd->what);
		return -1;
	}
	switch (cmd->id) {
	case IK_C_HELP:
		if (in_file)
			ik_diag(c, NULL, IK_D_WARN,
				"Help not appropriate in config file.");
		else
			ik_help(c->out, r->help_topic);
		return 0;
	case IK_C_QUIT:
		c->quit = true;
		return 0;
	case IK_C_MONITOR: case IK_C_PMONITOR:
		return do_monitor(c, cmd->id == IK_C_MONITOR);
	case IK_C_DUMP:
		return do_dump(c, r);
	case IK_C_SAVE:
		return do_save(c, r->satype, r->save_file);
	default:
		break;
	}
	for (size_t i = 0; i < n; i++) {
		struct pk_buf b;
		size_t rlen;
		uint32_t seq = 1, pid = (uint32_t)getpid();
		int rc;

		if (c->mode != IK_M_CHECK) {
			if (connect_daemon(c) != 0)
				return -1;
			seq = pk_conn_next_seq(c->conn);
			pid = pk_conn_pid(c->conn);
		}
		pk_buf_init(&b, c->buf, SADB_MSG_MAX_BYTES);
		rc = ik_build(c, r, i, &b, seq, pid);
		if (rc == 1)
			continue;
		built++;
		if (rc < 0) {
			failed = 1;
			continue;
		}
		if (c->mode == IK_M_CHECK) {
			verbose_sent(c, &b);
			explicit_bzero(b.base, b.len);
			continue;
		}
		rc = transact(c, &b, &rlen);
		explicit_bzero(b.base, b.len);
		if (rc != 0) {
			failed = 1;
			continue;
		}
		if (check_reply(c, r, r->addr[IK_AS_DST].set ?
				&r->addr[IK_AS_DST].a[i] : NULL) != 0)
			failed = 1;
		else if (cmd->id == IK_C_GET) {
			print_message(c, c->out, c->rbuf, rlen);
			fputc('\n', c->out);
		}
		explicit_bzero(c->rbuf, rlen);
	}
	if (built == 0) {
		ik_diag(c, r->addr[IK_AS_SRC].tok, IK_D_USER,
			"No address of source %s has the family of a "
			"destination address.", r->addr[IK_AS_SRC].tok->s);
		return -1;
	}
	return failed ? -1 : 0;
}

static void begin_command(struct ik_ctx *c, const struct ik_line *l)
{
	c->line = l;
	c->header_done = false;
	c->errors = c->warnings = 0;
	c->warned_multi = 0;
	c->kw = NULL;
}

struct tally {
	unsigned total, valid;
};

/* Reads and runs commands until EOF or quit. */
static void run_stream(struct ik_ctx *c, struct ik_reader *rd,
		       struct tally *t)
{
	struct ik_line l;

	ik_line_init(&l);
	while (!c->quit) {
		const char *why = NULL;
		unsigned wl = 0, wc = 0;
		struct ik_req r;
		int rc = ik_read_command(rd, &l, &why, &wl, &wc);

		if (rc == 0)
			break;
		begin_command(c, &l);
		t->total++;
		if (rc < 0) {
			struct ik_tok at = { .s = "", .line = wl, .col = wc };

			ik_diag(c, &at, 0, "%s", why);
			continue;
		}
		if (ik_parse(c, &l, &r) == 0 && exec_req(c, &r) == 0)
			t->valid++;
		else if (c->mode == IK_M_INTERACTIVE && r.cmd == NULL)
			fputs("Type help or ? for usage info\n", c->err);
		ik_req_free(&r);
		fflush(c->out);
	}
	ik_line_free(&l);
	c->line = NULL;
}

/*
 * The checks a config file passes: a regular file; owned by root and
 * closed to group and others, else a warning (fatal at boot).
 */
static int check_file(struct ik_ctx *c, const char *name, FILE **out)
{
	struct stat st;
	FILE *f = fopen(name, "re");

	if (f == NULL) {
		fprintf(c->err, "ipseckey: cannot open %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(c->err, "ipseckey: %s is not a regular file.\n", name);
		fclose(f);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IRWXG | S_IRWXO))) {
		fprintf(c->err, "Config file %s has insecure permissions, will "
			"be rejected in permanent config.\n", name);
		if (c->boot) {
			fclose(f);
			return -1;
		}
	}
	*out = f;
	return 0;
}

static int boot_flush(struct ik_ctx *c)
{
	struct pk_buf b;
	size_t rlen;
	struct ik_req r = { 0 };
	int rc;

	fputs("Flushing existing SA's before adding new SA's\n", c->out);
	fflush(c->out);
	if (connect_daemon(c) != 0)
		return -1;
	pk_buf_init(&b, c->buf, SADB_MSG_MAX_BYTES);
	pk_msg_begin(&b, SADB_FLUSH, SADB_SATYPE_UNSPEC,
		     pk_conn_next_seq(c->conn), pk_conn_pid(c->conn));
	if (transact(c, &b, &rlen) != 0)
		return -1;
	rc = check_reply(c, &r, NULL);
	return rc;
}

static int run_file(struct ik_ctx *c, const char *name)
{
	struct ik_reader rd = { 0 };
	struct tally t = { 0 };
	FILE *f;
	unsigned bad;

	if (check_file(c, name, &f) != 0) {
		fputs("ipseckey: Fatal error - exiting.\n", c->err);
		return 1;
	}
	if (c->boot && c->mode == IK_M_FILE && boot_flush(c) != 0) {
		fclose(f);
		fputs("ipseckey: Fatal error - exiting.\n", c->err);
		return 1;
	}
	rd.f = f;
	rd.name = name;
	c->fname = name;
	run_stream(c, &rd, &t);
	fclose(f);
	bad = t.total - t.valid;
	if (bad == 0) {
		if (c->boot)
			fprintf(c->out, "%u actions successfully processed.\n",
				t.valid);
		return 0;
	}
	if (c->boot)
		fprintf(c->err, "The configuration file contained %u errors.\n",
			bad);
	fprintf(c->err, "%u of %u commands %s.\n", t.valid, t.total,
		c->mode == IK_M_CHECK ? "are valid" : "succeeded");
	if (c->boot)
		fprintf(c->err, "Manually check the configuration with "
			"\"ipseckey -c %s\".\n", name);
	if (t.valid == 0)
		fputs("Configuration file did not contain any valid SAs\n",
		      c->err);
	fputs("ipseckey: Fatal error - exiting.\n", c->err);
	return 1;
}

static int run_argv(struct ik_ctx *c, int argc, char **argv)
{
	const struct ik_cmd *cmd = ik_cmd_find(argv[0]);
	struct ik_line l;
	struct ik_req r;
	int rc = 1;

	if (cmd != NULL && !(cmd->flags & IK_CF_SHELL)) {
		fputs("ipseckey: can't do ADD or UPDATE from the command line.\n",
		      c->err);
		return 1;
	}
	ik_line_init(&l);
	if (ik_line_from_argv(&l, argc, argv) != 0) {
		fputs("ipseckey: command too long.\n", c->err);
		return 1;
	}
	begin_command(c, &l);
	if (ik_parse(c, &l, &r) == 0 && exec_req(c, &r) == 0)
		rc = 0;
	else if (r.cmd == NULL)
		ik_usage(c->err);
	ik_req_free(&r);
	ik_line_free(&l);
	return rc;
}

/* Completion for the interactive prompt: commands first, then keywords. */
static char *complete_gen(const char *text, int state)
{
	static size_t ci, ki;
	size_t nc, nk, len = strlen(text);
	const struct ik_cmd *cmds = ik_cmd_table(&nc);
	const struct ik_kw *kws = ik_kw_table(&nk);

	if (state == 0)
		ci = ki = 0;
	while (ci < nc) {
		const char *n = cmds[ci++].name;

		if (strncmp(n, text, len) == 0 && rl_point == (int)len &&
		    strchr(rl_line_buffer, ' ') == NULL)
			return strdup(n);
	}
	while (ki < nk) {
		const char *n = kws[ki++].name;

		if (strncmp(n, text, len) == 0)
			return strdup(n);
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1;
	return rl_completion_matches(text, complete_gen);
}

static int run_interactive(struct ik_ctx *c)
{
	struct ik_reader rd = { 0 };
	struct tally t = { 0 };

	rd.f = stdin;
	rd.name = "(stdin)";
	rd.prompt = true;
	rd.edit = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (rd.edit) {
		rl_readline_name = "ipseckey";
		rl_attempted_completion_function = complete;
		using_history();
	}
	c->fname = rd.name;
	run_stream(c, &rd, &t);
	if (!rd.edit && !c->quit)
		fputc('\n', c->out);
	return 0;
}

static void usage_exit(FILE *f, int rc)
{
	ik_usage(f);
	exit(rc);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "boot", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ik_ctx c = { 0 };
	const char *ffile = NULL, *cfile = NULL, *sfile = NULL;
	int opt, rc;

	c.out = stdout;
	c.err = stderr;
	c.mode = IK_M_INTERACTIVE;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:nvpf:c:s:h", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'n': c.opts |= IK_O_NUMERIC; break;
		case 'v': c.opts |= IK_O_VERBOSE; break;
		case 'p': c.opts |= IK_O_PARANOID; break;
		case 'f': ffile = optarg; break;
		case 'c': cfile = optarg; break;
		case 's': sfile = optarg; break;
		case 'B': c.boot = true; break;
		case 'h': usage_exit(stdout, 0); break;
		case ':':
			fprintf(stderr, "ipseckey: option -%c needs a file name.\n",
				optopt);
			usage_exit(stderr, 1);
			break;
		default:
			if (optopt != 0)
				fprintf(stderr, "ipseckey: unknown option -%c.\n",
					optopt);
			else
				fprintf(stderr, "ipseckey: unknown option %s.\n",
					argv[optind - 1]);
			usage_exit(stderr, 1);
		}
	}
	if ((ffile != NULL) + (cfile != NULL) + (sfile != NULL) > 1 ||
	    ((ffile || cfile || sfile) && optind < argc) ||
	    (c.boot && ffile == NULL && cfile == NULL))
		usage_exit(stderr, 1);
	c.buf = malloc(SADB_MSG_MAX_BYTES);
	c.rbuf = malloc(SADB_MSG_MAX_BYTES);
	if (c.buf == NULL || c.rbuf == NULL) {
		fputs("ipseckey: out of memory\n", stderr);
		return 1;
	}
	if (sfile != NULL) {
		struct ik_line l = { .first_line = 1 };

		c.mode = IK_M_ARGV;
		c.line = &l;
		rc = do_save(&c, SADB_SATYPE_UNSPEC, sfile) == 0 ? 0 : 1;
	} else if (ffile != NULL || cfile != NULL) {
		c.mode = ffile != NULL ? IK_M_FILE : IK_M_CHECK;
		rc = run_file(&c, ffile != NULL ? ffile : cfile);
	} else if (optind < argc) {
		c.mode = IK_M_ARGV;
		c.fname = "(command line)";
		rc = run_argv(&c, argc - optind, argv + optind);
	} else {
		rc = run_interactive(&c);
	}
	fflush(stdout);
	pk_close(c.conn);
	explicit_bzero(c.buf, SADB_MSG_MAX_BYTES);
	explicit_bzero(c.rbuf, SADB_MSG_MAX_BYTES);
	free(c.buf);
	free(c.rbuf);
	return rc;
}
