/*
 * parse.c - one command's tokens to a struct ik_req, and a request to the
 * PF_KEY messages it stands for.  Every error names the token at fault
 * (through ik_diag(), which adds file, line and column); parsing goes on
 * after an error so that one pass reports everything wrong in a command.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfkey/diag.h"
#include "ik.h"

/* ---------------------------------------------------------- diagnostics */

void ik_diag(struct ik_ctx *c, const struct ik_tok *tok, unsigned flags,
	     const char *fmt, ...)
{
	const struct ik_line *l = c->line;
	char msg[1024];
	unsigned line = l != NULL ? l->first_line : 0, col = 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (flags & IK_D_WARN)
		c->warnings++;
	else
		c->errors++;
	if (tok != NULL) {
		line = tok->line;
		col = tok->col;
	} else if (l != NULL && l->ntok > 0) {
		line = l->tok[0].line;
		col = l->tok[0].col;
	}
	if ((c->mode == IK_M_FILE || c->mode == IK_M_CHECK) &&
	    !c->header_done && l != NULL) {
		fprintf(c->err, "Config file entry near line %u caused error(s) "
			"or warnings:\n\n", l->first_line);
		if (!c->boot)
			fprintf(c->err, "%s\n\n", l->text != NULL ? l->text : "");
		c->header_done = true;
	}
	if (c->mode == IK_M_ARGV && l != NULL && tok != NULL &&
	    tok >= l->tok && tok < l->tok + l->ntok)
		fprintf(c->err, "ipseckey: argument %zu: ",
			(size_t)(tok - l->tok) + 1);
	else if (c->mode == IK_M_ARGV)
		fputs("ipseckey: ", c->err);
	else if (l != NULL)
		fprintf(c->err, "%s:%u:%u: ", c->fname, line, col);
	if (c->boot && (flags & IK_D_USER)) {
		/* The text may quote a key: say where, never what. */
		fprintf(c->err, "%sinvalid value for %s (details hidden in "
			"boot-time mode).\n", (flags & IK_D_WARN) ? "WARNING: " : "",
			c->kw != NULL ? c->kw->name : "command");
		return;
	}
	if (tok != NULL && !c->boot && strstr(msg, tok->s) == NULL &&
	    tok->s[0] != '\0')
		fprintf(c->err, "%s (at \"%s\")\n", msg, tok->s);
	else
		fprintf(c->err, "%s\n", msg);
}

/* ------------------------------------------------------------- parsing */

struct pstate {
	struct ik_ctx		*c;
	const struct ik_line	*l;
	size_t			i;	/* next token */
	struct ik_req		*r;
};

static const struct ik_tok *peek(struct pstate *p)
{
	return p->i < p->l->ntok ? &p->l->tok[p->i] : NULL;
}

static const struct ik_tok *next(struct pstate *p)
{
	return p->i < p->l->ntok ? &p->l->tok[p->i++] : NULL;
}

static const struct ik_tok *last(struct pstate *p)
{
	return p->i > 0 ? &p->l->tok[p->i - 1] : NULL;
}

static int strict_num(const char *s, unsigned long long *v)
{
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* The value token of a keyword, or NULL after reporting its absence. */
static const struct ik_tok *value(struct pstate *p, const char *expect)
{
	const struct ik_tok *t = next(p);

	if (t == NULL)
		ik_diag(p->c, last(p), 0,
			"Unexpected end of command line, was expecting %s.",
			expect);
	return t;
}

static int num(struct pstate *p, unsigned long long max,
	       unsigned long long *v)
{
	const struct ik_tok *t = value(p, "a number");

	if (t == NULL)
		return -1;
	if (strict_num(t->s, v) != 0) {
		if (errno == ERANGE)
			ik_diag(p->c, t, IK_D_USER,
				"Number \"%s\" is too large (at most %llu).",
				t->s, max);
		else
			ik_diag(p->c, t, IK_D_USER,
				"Expecting a number, not \"%s\"!", t->s);
		return -1;
	}
	if (*v > max) {
		ik_diag(p->c, t, IK_D_USER,
			"Number \"%s\" is too large (at most %llu).", t->s, max);
		return -1;
	}
	return 0;
}

static const char *slot_name(unsigned slot)
{
	static const char *const n[IK_AS_MAX] = {
		"src", "dst", "isrc", "idst", "nat_loc", "nat_rem",
	};
	return n[slot];
}

static void addr_clear(struct ik_addr *a)
{
	free(a->a);
	memset(a, 0, sizeof(*a));
	a->prefix = -1;
}

static int parse_addr(struct pstate *p, const struct ik_kw *kw, unsigned slot)
{
	struct ik_addr *a = &p->r->addr[slot];
	const struct ik_tok *t = value(p, "an address");
	struct addrinfo hints, *res = NULL;
	char host[NI_MAXHOST];
	const char *slash;
	int rc;

	if (t == NULL)
		return -1;
	addr_clear(a);
	a->set = true;
	a->tok = t;
	a->kw = kw;
	snprintf(host, sizeof(host), "%s", t->s);
	slash = kw->arg == IK_A_PREFIX ? strrchr(t->s, '/') : NULL;
	if (slash != NULL) {
		unsigned long long v;
		const char *q = slash + 1;

		host[slash - t->s] = '\0';
		for (const char *d = q; *d != '\0'; d++)
			if (!isdigit((unsigned char)*d))
				q = "";
		if (*q == '\0' || strict_num(q, &v) != 0 || v > 128) {
			ik_diag(p->c, t, IK_D_USER,
				"Invalid prefix length in \"%s\".", t->s);
			return -1;
		}
		a->prefix = (int)v;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = kw->v6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if (p->c->opts & IK_O_NUMERIC)
		hints.ai_flags = AI_NUMERICHOST;
	rc = host[0] != '\0' ? getaddrinfo(host, NULL, &hints, &res) : EAI_NONAME;
	for (struct addrinfo *ai = res; rc == 0 && ai != NULL; ai = ai->ai_next) {
		struct sockaddr_storage ss;
		bool dup = false;
		void *n;

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		for (size_t j = 0; j < a->n; j++)
			dup = dup || pk_sockaddr_same_host(&a->a[j], &ss);
		if (dup)
			continue;
		n = realloc(a->a, (a->n + 1) * sizeof(*a->a));
		if (n == NULL)
			break;
		a->a = n;
		a->a[a->n++] = ss;
	}
	if (res != NULL)
		freeaddrinfo(res);
	if (a->n == 0) {
		ik_diag(p->c, t, IK_D_USER, "Unknown %s address \"%s\"%s",
			slot_name(slot), host,
			(p->c->opts & IK_O_NUMERIC) ?
			" (-n: names are not looked up)." : ".");
		return -1;
	}
	if (a->prefix >= 0) {
		for (size_t j = 0; j < a->n; j++)
			if ((unsigned)a->prefix >
			    pk_family_maxprefix(a->a[j].ss_family)) {
				ik_diag(p->c, t, IK_D_USER,
					"Invalid prefix length in \"%s\".",
					t->s);
				return -1;
			}
	}
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/*
 * HEX[/BITS]: bits are counted from the most significant end; an odd last
 * digit is the high nibble of the last byte ("123" is 0x12 0x30, 12 bits).
 */
static int parse_key(struct pstate *p, const struct ik_tok *t,
		     struct ik_key *k)
{
	const char *s = t->s, *slash;
	size_t nd;
	unsigned long long bits;

	explicit_bzero(k, sizeof(*k));
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	slash = strchr(s, '/');
	nd = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (nd == 0) {
		ik_diag(p->c, t, IK_D_USER, "string '%s' not a hex value.", t->s);
		return -1;
	}
	for (size_t i = 0; i < nd; i++)
		if (hexval((unsigned char)s[i]) < 0) {
			ik_diag(p->c, t, IK_D_USER, "string '%s' not a hex value.",
				t->s);
			return -1;
		}
	if (nd > 2 * IK_KEY_MAX) {
		ik_diag(p->c, t, 0, "Key too long: %zu bits, at most %d.",
			nd * 4, IK_KEY_MAX * 8);
		return -1;
	}
	bits = nd * 4;
	if (slash != NULL) {
		const char *b = slash + 1;
		bool digits = *b != '\0';

		for (const char *d = b; *d != '\0'; d++)
			digits = digits && isdigit((unsigned char)*d);
		if (!digits || strict_num(b, &bits) != 0 || bits == 0 ||
		    bits > 65535) {
			ik_diag(p->c, t, IK_D_USER, "\"%s\" is not a bit specifier.",
				b);
			return -1;
		}
		if (bits > nd * 4) {
			ik_diag(p->c, t, IK_D_USER, "bit length %llu is too big for %s.",
				bits, t->s);
			return -1;
		}
	}
	for (size_t i = 0; i < nd; i++) {
		unsigned v = (unsigned)hexval((unsigned char)s[i]);

		k->data[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
	}
	/* Bits beyond the count: warn when they are not zero, then drop them. */
	{
		bool lost = false;
		size_t total = (nd + 1) / 2 * 8;

		for (size_t b = bits; b < total; b++) {
			uint8_t mask = (uint8_t)(0x80u >> (b % 8));

			if (k->data[b / 8] & mask) {
				lost = true;
				k->data[b / 8] &= (uint8_t)~mask;
			}
		}
		if (lost)
			ik_diag(p->c, t, IK_D_USER | IK_D_WARN,
				"WARNING: Lower bits will be truncated for:\n\t%.*s/%llu.",
				(int)nd, s, bits);
	}
	k->bits = (uint16_t)bits;
	k->tok = t;
	k->set = true;
	return 0;
}

/* Which keyword ids a command accepts. */
static bool kw_allowed(const struct ik_cmd *cmd, const struct ik_kw *kw)
{
	if (!(cmd->flags & IK_CF_EXTS))
		return false;
	switch (cmd->id) {
	case IK_C_DELETE: case IK_C_DELETE_PAIR: case IK_C_GET:
		return kw->lookup;
	case IK_C_UPDATE_PAIR:
		return kw->id != IK_K_PAIR_SPI;
	default:
		return true;
	}
}

/* Value tokens after a keyword. */
static size_t kw_arity(const struct ik_kw *kw)
{
	return kw->arg == IK_A_NONE ? 0 : kw->arg == IK_A_ID ? 2 : 1;
}

static void alg_warn(struct pstate *p, const struct ik_tok *t,
		     const struct pk_alg *a)
{
	if (a != NULL && (a->flags & (PK_ALGF_COUNTER | PK_ALGF_COMBINED)))
		ik_diag(p->c, t, IK_D_WARN,
			"Using manual keying with a Counter mode algorithm such "
			"as \"%s\" may be insecure!", a->name);
}

static int parse_alg(struct pstate *p, enum pk_alg_class cls, unsigned *out)
{
	const struct ik_tok *t = value(p, "an algorithm");
	const struct pk_alg *a;
	unsigned long long v;

	if (t == NULL)
		return -1;
	a = pk_alg_by_name(cls, PK_DIALECT_IPSECKEY, t->s);
	if (a == NULL && strict_num(t->s, &v) == 0 && v <= 255) {
		*out = (unsigned)v;
		alg_warn(p, t, pk_alg_by_id(cls, *out));
		return 0;
	}
	if (a == NULL) {
		ik_diag(p->c, t, IK_D_USER, cls == PK_ALG_AUTH ?
			"Unknown authentication algorithm type \"%s\"" :
			"Unknown encryption algorithm type \"%s\"", t->s);
		return -1;
	}
	*out = a->id;
	alg_warn(p, t, a);
	return 0;
}

static int parse_life(struct pstate *p, const struct ik_kw *kw)
{
	struct ik_req *r = p->r;
	struct ik_lifetime *lt;
	unsigned long long v;
	bool alloc = false;

	switch (kw->id) {
	case IK_K_SOFT_ALLOC: alloc = true; /* fall through */
	case IK_K_SOFT_BYTES: case IK_K_SOFT_ADDTIME: case IK_K_SOFT_USETIME:
		lt = &r->lt_soft;
		break;
	case IK_K_HARD_ALLOC: alloc = true; /* fall through */
	case IK_K_HARD_BYTES: case IK_K_HARD_ADDTIME: case IK_K_HARD_USETIME:
		lt = &r->lt_hard;
		break;
	default:
		lt = &r->lt_idle;
		break;
	}
	if (num(p, alloc ? UINT32_MAX : UINT64_MAX, &v) != 0)
		return -1;
	lt->set = true;
	switch (kw->id) {
	case IK_K_SOFT_ALLOC: case IK_K_HARD_ALLOC:
		lt->alloc = (uint32_t)v; break;
	case IK_K_SOFT_BYTES: case IK_K_HARD_BYTES:
		lt->bytes = v; break;
	case IK_K_SOFT_ADDTIME: case IK_K_HARD_ADDTIME: case IK_K_IDLE_ADDTIME:
		lt->addtime = v; break;
	default:
		lt->usetime = v; break;
	}
	return 0;
}

static int parse_port(struct pstate *p, uint16_t *port)
{
	unsigned long long v;

	if (num(p, 65535, &v) != 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_ident(struct pstate *p, struct ik_ident *id)
{
	const struct ik_tok *t = value(p, "an identity type");
	unsigned type;

	if (t == NULL)
		return -1;
	if (ik_idtype_parse(t->s, &type) != 0) {
		ik_diag(p->c, t, IK_D_USER, "Unknown identity type \"%s\".", t->s);
		next(p);
		return -1;
	}
	t = value(p, "an identity value");
	if (t == NULL)
		return -1;
	id->set = true;
	id->type = (uint16_t)type;
	id->value = t->s;
	return 0;
}

static int parse_kw(struct pstate *p, const struct ik_kw *kw,
		    const struct ik_tok *kt)
{
	struct ik_req *r = p->r;
	unsigned long long v;
	const struct ik_tok *t;

	switch (kw->id) {
	case IK_K_SPI: case IK_K_PAIR_SPI:
		if (num(p, UINT32_MAX, &v) != 0)
			return -1;
		if (v == 0) {
			ik_diag(p->c, last(p), IK_D_USER,
				"Invalid SPI value \"%s\" .", last(p)->s);
			return -1;
		}
		if (kw->id == IK_K_SPI)
			r->spi = (uint32_t)v;
		else
			r->pair_spi = (uint32_t)v;
		return 0;
	case IK_K_INBOUND:
		r->flags |= SADB_X_SAFLAGS_INBOUND;
		return 0;
	case IK_K_OUTBOUND:
		r->flags |= SADB_X_SAFLAGS_OUTBOUND;
		return 0;
	case IK_K_REPLAY:
		if (num(p, 255, &v) != 0)
			return -1;
		r->replay = (unsigned)v;
		if (v != 0)
			ik_diag(p->c, kt, IK_D_WARN,
				"WARNING:  Replay with manual keying considered "
				"harmful.");
		return 0;
	case IK_K_REPLAY_VALUE:
		if (num(p, UINT64_MAX, &v) != 0)
			return -1;
		r->replay_value = v;
		return 0;
	case IK_K_STATE:
		t = value(p, "a state");
		if (t == NULL)
			return -1;
		if (ik_state_parse(t->s, &r->state) != 0) {
			ik_diag(p->c, t, IK_D_USER, "Unknown SA state \"%s\".", t->s);
			return -1;
		}
		if (r->state == SADB_SASTATE_LARVAL) {
			/*
			 * Both man pages list "larval" among the states, so it
			 * is accepted; PF_KEY cannot add or update into LARVAL,
			 * so the state is ignored (the default, mature, stays)
			 * and the command goes on, as the reference's
			 * "WARNING:" says.
			 */
			ik_diag(p->c, t, IK_D_WARN,
				"WARNING: Cannot set LARVAL SA state.");
			r->state = SADB_SASTATE_MATURE;
		}
		return 0;
	case IK_K_AUTH_ALG:
		return parse_alg(p, PK_ALG_AUTH, &r->aalg);
	case IK_K_ENCR_ALG:
		if (r->satype == SADB_SATYPE_AH) {
			ik_diag(p->c, kt, 0,
				"Cannot specify encryption with SA type ah.");
			next(p);
			return -1;
		}
		return parse_alg(p, PK_ALG_ENCR, &r->ealg);
	case IK_K_SOFT_ALLOC: case IK_K_HARD_ALLOC: case IK_K_SOFT_BYTES:
	case IK_K_HARD_BYTES: case IK_K_SOFT_ADDTIME: case IK_K_HARD_ADDTIME:
	case IK_K_SOFT_USETIME: case IK_K_HARD_USETIME: case IK_K_IDLE_ADDTIME:
	case IK_K_IDLE_USETIME:
		return parse_life(p, kw);
	case IK_K_SRC: return parse_addr(p, kw, IK_AS_SRC);
	case IK_K_DST: return parse_addr(p, kw, IK_AS_DST);
	case IK_K_ISRC: return parse_addr(p, kw, IK_AS_ISRC);
	case IK_K_IDST: return parse_addr(p, kw, IK_AS_IDST);
	case IK_K_NAT_LOC: return parse_addr(p, kw, IK_AS_NLOC);
	case IK_K_NAT_REM: return parse_addr(p, kw, IK_AS_NREM);
	case IK_K_SPORT: return parse_port(p, &r->sport);
	case IK_K_DPORT: return parse_port(p, &r->dport);
	case IK_K_ISPORT: return parse_port(p, &r->isport);
	case IK_K_IDPORT: return parse_port(p, &r->idport);
	case IK_K_NAT_LPORT: return parse_port(p, &r->nat_lport);
	case IK_K_NAT_RPORT: return parse_port(p, &r->nat_rport);
	case IK_K_PROTO: case IK_K_IPROTO:
		if (num(p, 255, &v) != 0)
			return -1;
		if (kw->id == IK_K_PROTO)
			r->proto = (unsigned)v;
		else
			r->iproto = (unsigned)v;
		return 0;
	case IK_K_ENCAP:
		t = value(p, "an encapsulation (udp)");
		if (t == NULL)
			return -1;
		if (strcasecmp(t->s, "udp") != 0) {
			ik_diag(p->c, t, IK_D_USER,
				"Unknown encapsulation \"%s\": the only one is udp.",
				t->s);
			return -1;
		}
		return 0;
	case IK_K_AUTHKEY: case IK_K_ENCRKEY: {
		struct ik_key *k = kw->id == IK_K_AUTHKEY ? &r->akey : &r->ekey;

		t = value(p, "a key");
		if (t == NULL)
			return -1;
		if (parse_key(p, t, k) != 0) {
			ik_diag(p->c, t, 0, kw->id == IK_K_AUTHKEY ?
				"Invalid authentication key." :
				"Invalid encryption key.");
			return -1;
		}
		return 0;
	}
	case IK_K_RESERVED_BITS:
		if (r->seen[IK_K_ENCRKEY]) {
			ik_diag(p->c, kt, 0,
				"Reserved bits need to be specified before key.");
			next(p);
			return -1;
		}
		if (num(p, 65535, &v) != 0)
			return -1;
		r->reserved_bits = (unsigned)v;
		return 0;
	case IK_K_SRCIDTYPE:
		return parse_ident(p, &r->sid);
	case IK_K_DSTIDTYPE:
		return parse_ident(p, &r->did);
	case IK_K_LABEL: case IK_K_OUTER_LABEL: case IK_K_IMPLICIT_LABEL:
		next(p);
		ik_diag(p->c, kt, 0,
			"Extension %s is not supported: this system has no labels.",
			kw->name);
		return -1;
	}
	return -1;
}

/* SA type after the command; returns 0 or -1 (reported). */
static int parse_satype(struct pstate *p)
{
	const struct ik_cmd *cmd = p->r->cmd;
	const struct ik_tok *t = peek(p);
	unsigned st;
	int rule = cmd->satype_rule;

	if (t != NULL && ik_satype_parse(t->s, &st) == 0) {
		next(p);
		p->r->satype = st;
		p->r->satype_given = true;
		if (st == SADB_SATYPE_UNSPEC && rule == IK_ST_SPECIFIC) {
			ik_diag(p->c, t, 0, "Must specify a specific SA type.");
			return -1;
		}
		if (st == SADB_SATYPE_UNSPEC && rule == IK_ST_SINGLE) {
			ik_diag(p->c, t, 0, "Must specify a single SA type.");
			return -1;
		}
		return 0;
	}
	if (t != NULL && ik_kw_find(t->s) == NULL) {
		/* Not a keyword either: a misspelt type, never "all". */
		next(p);
		ik_diag(p->c, t, IK_D_USER, "Unknown SA type \"%s\".", t->s);
		return -1;
	}
	switch (rule) {
	case IK_ST_SPECIFIC:
		ik_diag(p->c, t, 0, "Must specify a specific SA type.");
		return -1;
	case IK_ST_SINGLE:
		ik_diag(p->c, t, 0, "Must specify a single SA type.");
		return -1;
	case IK_ST_SAVE:
		ik_diag(p->c, t, 0, "Must specify a specific SA type for save.");
		return -1;
	default:
		return 0;
	}
}

static void final_checks(struct pstate *p)
{
	struct ik_req *r = p->r;
	const struct ik_cmd *cmd = r->cmd;
	bool inner = r->addr[IK_AS_ISRC].set || r->addr[IK_AS_IDST].set;
	struct pk_diag d;

	switch (cmd->id) {
	case IK_C_ADD: case IK_C_UPDATE: case IK_C_UPDATE_PAIR:
		if (!r->seen[IK_K_SPI])
			ik_diag(p->c, NULL, 0, "The SPI value is missing for the "
				"association you wish to %s.", cmd->name);
		if (!r->addr[IK_AS_DST].set)
			ik_diag(p->c, NULL, 0, "Need destination address for %s.",
				cmd->name);
		break;
	case IK_C_DELETE: case IK_C_DELETE_PAIR: case IK_C_GET:
		if (!r->seen[IK_K_SPI])
			ik_diag(p->c, NULL, 0, "Need SA parameters for %s.",
				cmd->name);
		if (!r->addr[IK_AS_DST].set)
			ik_diag(p->c, NULL, 0, "Need destination address for %s.",
				cmd->name);
		return;
	default:
		return;
	}
	if (cmd->id == IK_C_ADD) {
		if (!r->seen[IK_K_AUTH_ALG] && !r->seen[IK_K_ENCR_ALG])
			ik_diag(p->c, NULL, 0,
				"Select at least one algorithm for this add.");
		if (!r->seen[IK_K_AUTHKEY] && !r->seen[IK_K_ENCRKEY] &&
		    !(r->seen[IK_K_ENCR_ALG] && r->ealg == SADB_EALG_NULL &&
		      !r->seen[IK_K_AUTH_ALG]))
			ik_diag(p->c, NULL, 0,
				"Must have at least one key for an add.");
	}
	if (r->ekey.set && r->seen[IK_K_ENCR_ALG] && r->ealg == SADB_EALG_NULL)
		ik_diag(p->c, NULL, 0,
			"Cannot specify a key with NULL encryption algorithm.");
	if (r->ekey.set && r->reserved_bits > r->ekey.bits)
		ik_diag(p->c, NULL, 0, "Reserved bits (%u) exceed the %u bits of "
			"the encryption key.", r->reserved_bits, r->ekey.bits);
	if (r->akey.set && r->seen[IK_K_AUTH_ALG]) {
		const struct pk_alg *a = pk_alg_by_id(PK_ALG_AUTH, r->aalg);

		pk_diag_clear(&d);
		if (a != NULL && pk_alg_check_key(a, r->akey.data, r->akey.bits,
						  &d) != 0) {
			ik_diag(p->c, r->akey.tok, 0, "%s.", d.detail);
			ik_diag(p->c, r->akey.tok, 0, "Invalid authentication key.");
		}
	}
	if (r->ekey.set && r->seen[IK_K_ENCR_ALG] && r->ealg != SADB_EALG_NULL) {
		const struct pk_alg *a = pk_alg_by_id(PK_ALG_ENCR, r->ealg);

		pk_diag_clear(&d);
		if (a != NULL && pk_alg_check_key(a, r->ekey.data, r->ekey.bits,
						  &d) != 0) {
			ik_diag(p->c, r->ekey.tok, 0, "%s.", d.detail);
			ik_diag(p->c, r->ekey.tok, 0, "Invalid encryption key.");
		}
	}
	if (inner && r->seen[IK_K_PROTO] &&
	    r->proto != 0 &&
	    r->proto != IPPROTO_IPIP && r->proto != IPPROTO_IPV6)
		ik_diag(p->c, NULL, 0,
			"WARNING: Protocol type %u not for use with Tunnel-Mode SA.",
			r->proto);
	if (!r->seen[IK_K_ENCAP]) {
		if (r->seen[IK_K_NAT_LPORT] || r->seen[IK_K_NAT_RPORT])
			ik_diag(p->c, NULL, 0,
				"Must specify 'encap udp' with any NAT-T port.");
		if (r->addr[IK_AS_NLOC].set || r->addr[IK_AS_NREM].set)
			ik_diag(p->c, NULL, 0,
				"Must specify 'encap udp' with any NAT-T address.");
	}
}

void ik_req_free(struct ik_req *r)
{
	for (int i = 0; i < IK_AS_MAX; i++)
		free(r->addr[i].a);
	explicit_bzero(r, sizeof(*r));
}

int ik_parse(struct ik_ctx *c, const struct ik_line *l, struct ik_req *r)
{
	struct pstate p = { .c = c, .l = l, .i = 0, .r = r };
	const struct ik_tok *t;
	unsigned before = c->errors;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < IK_AS_MAX; i++)
		r->addr[i].prefix = -1;
	r->state = SADB_SASTATE_MATURE;
	c->kw = NULL;
	t = next(&p);
	if (t == NULL)
		return -1;
	r->cmd = ik_cmd_find(t->s);
	if (r->cmd == NULL) {
		ik_diag(c, t, IK_D_USER, "Unknown command (%s).", t->s);
		return -1;
	}
	if (r->cmd->id == IK_C_HELP) {
		t = next(&p);
		r->help_topic = t != NULL ? t->s : NULL;
		return 0;
	}
	if (r->cmd->satype_rule != IK_ST_NONE)
		parse_satype(&p);
	if (r->cmd->id == IK_C_SAVE) {
		t = next(&p);
		r->save_file = t != NULL ? t->s : NULL;
	}
	while ((t = next(&p)) != NULL) {
		const struct ik_kw *kw = ik_kw_find(t->s);

		if (kw == NULL) {
			const struct ik_tok *n = peek(&p);

			c->kw = NULL;
			if (r->cmd->flags & IK_CF_EXTS)
				ik_diag(c, t, IK_D_USER,
					"Unknown extension field \"%s\".", t->s);
			else
				ik_diag(c, t, IK_D_USER,
					"Unexpected \"%s\" after %s.", t->s,
					r->cmd->name);
			/* Its value, probably: skip it to report less noise. */
			if (n != NULL && ik_kw_find(n->s) == NULL)
				next(&p);
			continue;
		}
		c->kw = kw;
		if (!kw_allowed(r->cmd, kw)) {
			ik_diag(c, t, 0, "Don't use extension %s for '%s' command.",
				kw->name, r->cmd->name);
			for (size_t k = kw_arity(kw); k > 0 && next(&p) != NULL; k--)
				;
			continue;
		}
		if (r->seen[kw->id])
			ik_diag(c, t, 0, "Can only specify single %s.", kw->what);
		/* Mark first: reserved_bits after encrkey looks at it. */
		parse_kw(&p, kw, t);
		r->seen[kw->id] = true;
	}
	c->kw = NULL;
	final_checks(&p);
	return c->errors > before ? -1 : 0;
}

/* ------------------------------------------------------------ building */

size_t ik_ndst(const struct ik_req *r)
{
	return r->addr[IK_AS_DST].set ? r->addr[IK_AS_DST].n : 1;
}

const char *ik_addr_text(const struct sockaddr_storage *ss, char *buf,
			 size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
		(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
		(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static void unspec(struct sockaddr_storage *ss, int family)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
}

/* The first address of a slot of the given family, or of any family. */
static const struct sockaddr_storage *first_of(const struct ik_addr *a,
					       int family)
{
	for (size_t i = 0; i < a->n; i++)
		if (family == AF_UNSPEC || a->a[i].ss_family == family)
			return &a->a[i];
	return NULL;
}

static int add_addr(struct pk_buf *b, uint16_t type,
		    const struct sockaddr_storage *ss, unsigned proto,
		    unsigned prefix)
{
	return pk_add_address(b, type, (const struct sockaddr *)ss,
			      (uint8_t)proto, (uint8_t)prefix);
}

int ik_build(struct ik_ctx *c, const struct ik_req *r, size_t i,
	     struct pk_buf *b, uint32_t seq, uint32_t pid)
{
	const struct ik_cmd *cmd = r->cmd;
	const struct ik_addr *da = &r->addr[IK_AS_DST], *sa = &r->addr[IK_AS_SRC];
	struct sockaddr_storage dst, src;
	int family = AF_INET;
	bool full = cmd->id == IK_C_ADD || cmd->id == IK_C_UPDATE ||
		    cmd->id == IK_C_UPDATE_PAIR;
	bool isrc = r->addr[IK_AS_ISRC].set;
	bool inner = isrc || r->addr[IK_AS_IDST].set;
	unsigned proto = r->proto;
	struct pk_msg m;
	struct pk_diag d;
	int rc;

	pk_msg_begin(b, cmd->msgtype, (uint8_t)r->satype, seq, pid);
	if (cmd->id == IK_C_MONITOR)
		pk_buf_msg(b)->sadb_msg_satype = 1;
	if (!da->set)
		return pk_buf_error(b) != 0 ? -1 : 0;

	dst = da->a[i];
	family = dst.ss_family;
	set_port(&dst, r->dport);
	if (sa->set) {
		size_t n = 0;
		const struct sockaddr_storage *one = NULL;

		for (size_t j = 0; j < sa->n; j++)
			if (sa->a[j].ss_family == family) {
				n++;
				one = &sa->a[j];
			}
		if (n == 0) {
			char buf[INET6_ADDRSTRLEN];

			if (ik_ndst(r) > 1)
				return 1;
			ik_diag(c, sa->tok, IK_D_USER, "Source %s has no address of "
				"the family of destination %s.", sa->tok->s,
				ik_addr_text(&dst, buf, sizeof(buf)));
			return -1;
		}
		if (n == 1)
			src = *one;
		else {
			unsigned bit = family == AF_INET ? 1 : 2;

			if (!(c->warned_multi & bit))
				ik_diag(c, sa->tok, IK_D_USER | IK_D_WARN,
					"Multiple IPv%d source addresses for %s, "
					"using unspecified source instead.",
					family == AF_INET ? 4 : 6, sa->tok->s);
			c->warned_multi |= bit;
			unspec(&src, family);
		}
	} else
		unspec(&src, family);
	set_port(&src, r->sport);

	if (inner) {
		const struct sockaddr_storage *x = first_of(&r->addr[IK_AS_ISRC],
							    AF_UNSPEC);
		if (x == NULL)
			x = first_of(&r->addr[IK_AS_IDST], AF_UNSPEC);
		if (proto == 0)
			proto = x->ss_family == AF_INET6 ? IPPROTO_IPV6 :
				IPPROTO_IPIP;
	}

	if (full) {
		uint32_t flags = r->flags;

		if (cmd->id == IK_C_ADD && inner)
			flags |= SADB_X_SAFLAGS_TUNNEL;
		if (r->addr[IK_AS_NLOC].set)
			flags |= SADB_X_SAFLAGS_NATT_LOC;
		if (r->addr[IK_AS_NREM].set)
			flags |= SADB_X_SAFLAGS_NATT_REM;
		pk_add_sa(b, r->spi, (uint8_t)r->replay,
			  (uint8_t)r->state, (uint8_t)r->aalg, (uint8_t)r->ealg,
			  flags);
		if (r->lt_hard.set)
			pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, r->lt_hard.alloc,
					r->lt_hard.bytes, r->lt_hard.addtime,
					r->lt_hard.usetime);
		if (r->lt_soft.set)
			pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, r->lt_soft.alloc,
					r->lt_soft.bytes, r->lt_soft.addtime,
					r->lt_soft.usetime);
		if (r->lt_idle.set)
			pk_add_lifetime(b, SADB_X_EXT_LIFETIME_IDLE, 0, 0,
					r->lt_idle.addtime, r->lt_idle.usetime);
	} else
		pk_add_sa(b, r->spi, 0, SADB_SASTATE_MATURE, 0, 0,
			  r->flags & SADB_X_SAFLAGS_DIRECTION);
	add_addr(b, SADB_EXT_ADDRESS_SRC, &src, proto, 0);
	add_addr(b, SADB_EXT_ADDRESS_DST, &dst, proto, 0);
	if (full) {
		static const struct { unsigned slot; uint16_t type; } in[] = {
			{ IK_AS_ISRC, SADB_X_EXT_ADDRESS_INNER_SRC },
			{ IK_AS_IDST, SADB_X_EXT_ADDRESS_INNER_DST },
		};
		for (size_t k = 0; k < 2; k++) {
			const struct ik_addr *a = &r->addr[in[k].slot];
			struct sockaddr_storage x;

			if (!a->set || (k == 0 && !isrc))
				continue;
			x = a->a[0];
			set_port(&x, in[k].slot == IK_AS_ISRC ? r->isport :
				 r->idport);
			add_addr(b, in[k].type, &x, r->iproto,
				 a->prefix >= 0 ? (unsigned)a->prefix :
				 pk_family_maxprefix(x.ss_family));
		}
		if (r->addr[IK_AS_NLOC].set || r->seen[IK_K_NAT_LPORT]) {
			struct sockaddr_storage x;

			if (r->addr[IK_AS_NLOC].set)
				x = r->addr[IK_AS_NLOC].a[0];
			else
				unspec(&x, family);
			set_port(&x, r->nat_lport);
			add_addr(b, SADB_X_EXT_ADDRESS_NATT_LOC, &x, 0, 0);
		}
		if (r->addr[IK_AS_NREM].set || r->seen[IK_K_NAT_RPORT]) {
			struct sockaddr_storage x;

			if (r->addr[IK_AS_NREM].set)
				x = r->addr[IK_AS_NREM].a[0];
			else
				unspec(&x, family);
			set_port(&x, r->nat_rport);
			add_addr(b, SADB_X_EXT_ADDRESS_NATT_REM, &x, 0, 0);
		}
		if (r->akey.set)
			pk_add_key(b, SADB_EXT_KEY_AUTH, r->akey.data, r->akey.bits, 0);
		if (r->ekey.set)
			pk_add_key(b, SADB_EXT_KEY_ENCRYPT, r->ekey.data,
				   r->ekey.bits, (uint16_t)r->reserved_bits);
		if (r->sid.set)
			pk_add_ident(b, SADB_EXT_IDENTITY_SRC, r->sid.type, 0,
				     r->sid.value);
		if (r->did.set)
			pk_add_ident(b, SADB_EXT_IDENTITY_DST, r->did.type, 0,
				     r->did.value);
		if (r->seen[IK_K_PAIR_SPI])
			pk_add_pair(b, r->pair_spi);
		if (r->seen[IK_K_REPLAY_VALUE])
			pk_add_replay_value(b, r->replay_value <= UINT32_MAX ?
					    (uint32_t)r->replay_value : 0,
					    r->replay_value > UINT32_MAX ?
					    r->replay_value : 0);
		if (r->seen[IK_K_ENCAP])
			pk_add_nat_t_type(b, PK_UDP_ENCAP_ESPINUDP);
	}
	if (pk_buf_error(b) != 0) {
		ik_diag(c, NULL, 0, "Cannot build the PF_KEY message: %s.",
			strerror(-pk_buf_error(b)));
		return -1;
	}
	/* The rules pfkeyd applies, checked here too so that -c finds them. */
	pk_diag_clear(&d);
	rc = pk_msg_parse(&m, b->base, b->len, &d);
	if (rc == 0)
		rc = pk_msg_check(&m, &d);
	if (rc != 0) {
		const char *txt = pk_diag_text(d.code);

		ik_diag(c, NULL, 0, "PF_KEY Diagnostic code %u: %s.%s%s%s",
			d.code, txt != NULL ? txt : "Unknown diagnostic",
			d.detail[0] ? " (" : "", d.detail, d.detail[0] ? ")" : "");
		return -1;
	}
	return 0;
}
