/*
 * parse.c - setkey's recursive-descent parser (see parse.h).
 *
 * One function per grammar rule, each consuming the tokens it knows and
 * returning 0, or -1 after reporting exactly one error.  The command loop
 * then skips to the next ';' so that every error of a file is reported.
 *
 * Error format (documented in doc/setkey.8):
 *   setkey: FILE:LINE:COL: WHAT at `TOKEN', expected EXPECTED
 *   setkey: FILE:LINE:COL: SENTENCE            (semantic errors)
 * A token that may be key material (a quoted string, a long 0x word) is
 * never echoed: it is described instead.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "pfkey/msg.h"

/* ------------------------------------------------------------ vocabulary */

struct kw {
	const char	*name;
	int		value;
};

static int kw_find(const struct kw *t, const char *s)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, s) == 0)
			return t->value;
	return -1;
}

static const struct kw commands[] = {
	{ "add", SK_ADD }, { "update", SK_UPDATE }, { "getspi", SK_GETSPI },
	{ "get", SK_GET }, { "delete", SK_DELETE },
	{ "deleteall", SK_DELETEALL }, { "flush", SK_FLUSH },
	{ "dump", SK_DUMP }, { "spdadd", SK_SPDADD },
	{ "spdupdate", SK_SPDUPDATE }, { "spddelete", SK_SPDDELETE },
	{ "spdflush", SK_SPDFLUSH }, { "spddump", SK_SPDDUMP },
	{ "exit", SK_EXIT }, { "quit", SK_EXIT }, { NULL, 0 },
};
#define COMMANDS_EXPECTED "a command (add, update, getspi, get, delete, " \
	"deleteall, flush, dump, spdadd, spdupdate, spddelete, spdflush, " \
	"spddump, exit, quit)"

static const struct kw protos[] = {
	{ "esp", SK_P_ESP }, { "esp-old", SK_P_ESP_OLD }, { "ah", SK_P_AH },
	{ "ah-old", SK_P_AH_OLD }, { "ipcomp", SK_P_IPCOMP },
	{ "esp-udp", SK_P_ESP_UDP }, { "tcp", SK_P_TCP }, { NULL, 0 },
};
#define PROTOS_EXPECTED "esp, esp-old, ah, ah-old, ipcomp, esp-udp or tcp"

static uint8_t proto_satype(enum sk_proto p)
{
	switch (p) {
	case SK_P_ESP: case SK_P_ESP_OLD: case SK_P_ESP_UDP:
		return SADB_SATYPE_ESP;
	case SK_P_AH: case SK_P_AH_OLD:
		return SADB_SATYPE_AH;
	case SK_P_IPCOMP:
		return SADB_X_SATYPE_IPCOMP;
	case SK_P_TCP:
		return SADB_X_SATYPE_TCPSIGNATURE;
	default:
		return SADB_SATYPE_UNSPEC;
	}
}

static const struct kw modes[] = {
	{ "transport", IPSEC_MODE_TRANSPORT }, { "tunnel", IPSEC_MODE_TUNNEL },
	{ "any", IPSEC_MODE_ANY }, { NULL, 0 },
};

static const struct kw dirs[] = {
	{ "in", IPSEC_DIR_INBOUND }, { "out", IPSEC_DIR_OUTBOUND },
	{ "fwd", IPSEC_DIR_FWD }, { NULL, 0 },
};

static const struct kw ptypes[] = {
	{ "discard", IPSEC_POLICY_DISCARD }, { "none", IPSEC_POLICY_NONE },
	{ "ipsec", IPSEC_POLICY_IPSEC }, { "entrust", IPSEC_POLICY_ENTRUST },
	{ "bypass", IPSEC_POLICY_BYPASS }, { NULL, 0 },
};
#define PTYPES_EXPECTED "discard, none, ipsec, entrust or bypass"

static const struct kw levels[] = {
	{ "default", IPSEC_LEVEL_DEFAULT }, { "use", IPSEC_LEVEL_USE },
	{ "require", IPSEC_LEVEL_REQUIRE }, { "unique", IPSEC_LEVEL_UNIQUE },
	{ NULL, 0 },
};

static const struct kw reqprotos[] = {
	{ "esp", IPPROTO_ESP }, { "ah", IPPROTO_AH },
	{ "ipcomp", IPPROTO_COMP }, { NULL, 0 },
};

/* ---------------------------------------------------------------- errors */

void sk_report(struct sk_parser *p, unsigned long line, unsigned long col,
	       const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (p->err == NULL)
		return;
	fprintf(p->err, "setkey: %s:%lu:%lu: ", p->lx.name, line, col);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

static bool looks_like_hex_key(const char *s, size_t len)
{
	return len > 10 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* The current token as an error message shows it. */
static void tok_desc(const struct sk_lexer *lx, char *buf, size_t len)
{
	switch (lx->tok) {
	case SK_T_EOF:
		snprintf(buf, len, "end of file");
		break;
	case SK_T_SEMI:
		snprintf(buf, len, "`;'");
		break;
	case SK_T_STRING:
		snprintf(buf, len, "a quoted string");
		break;
	case SK_T_ERROR:
		snprintf(buf, len, "%s", lx->errmsg);
		break;
	case SK_T_WORD:
		if (looks_like_hex_key(lx->text, lx->len))
			snprintf(buf, len, "`0x...' (%zu hex digits)",
				 lx->len - 2);
		else if (lx->len > 64)
			snprintf(buf, len, "`%.60s...'", lx->text);
		else
			snprintf(buf, len, "`%s'", lx->text);
		break;
	}
}

/* "WHAT at `TOKEN', expected EXPECTED" at the current token. */
static int syn(struct sk_parser *p, const char *what, const char *expected)
{
	char t[128];

	if (p->lx.tok == SK_T_ERROR) {
		sk_report(p, p->lx.tline, p->lx.tcol, "%s", p->lx.errmsg);
		return -1;
	}
	tok_desc(&p->lx, t, sizeof(t));
	sk_report(p, p->lx.tline, p->lx.tcol, "%s at %s, expected %s", what,
		  t, expected);
	return -1;
}

/* A semantic error at the current token. */
static int sem(struct sk_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int sem(struct sk_parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sk_report(p, p->lx.tline, p->lx.tcol, "%s", msg);
	return -1;
}

/* A semantic error about a whole command, at its first word. */
static int semc(struct sk_parser *p, const struct sk_cmd *c,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int semc(struct sk_parser *p, const struct sk_cmd *c,
		const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sk_report(p, c->line, c->col, "%s", msg);
	return -1;
}

/* -------------------------------------------------------------- helpers */

static enum sk_tok next(struct sk_parser *p)
{
	return sk_lex_next(&p->lx);
}

static bool is_word(const struct sk_parser *p, const char *w)
{
	return p->lx.tok == SK_T_WORD && strcmp(p->lx.text, w) == 0;
}

static bool at_option(const struct sk_parser *p)
{
	return p->lx.tok == SK_T_WORD && p->lx.text[0] == '-' &&
	       p->lx.text[1] != '\0';
}

/*
 * Parses an unsigned number: decimal, or 0x hex when hex.  Returns 0, -1
 * when s is not a number, -2 when it does not fit in max.
 */
static int parse_uint(const char *s, bool hex, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	int d;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -2;
		v = v * base + (uint64_t)d;
	}
	if (v > max)
		return -2;
	*out = v;
	return 0;
}

/* The current word as a number in [0, max], then the next token. */
static int number(struct sk_parser *p, const char *what, bool hex,
		  uint64_t max, uint64_t *out)
{
	char exp[96];
	int rc;

	if (p->lx.tok != SK_T_WORD)
		return syn(p, "missing number", what);
	rc = parse_uint(p->lx.text, hex, max, out);
	if (rc == -1)
		return syn(p, "bad number", what);
	if (rc == -2) {
		snprintf(exp, sizeof(exp), "%s, at most %" PRIu64, what, max);
		return syn(p, "number out of range", exp);
	}
	next(p);
	return 0;
}

/* ------------------------------------------------------------ addresses */

/*
 * Address lists are setkey's own, one allocation per address, whether they
 * come from the numeric fast path or are copied from getaddrinfo(): one
 * function frees them all.  ai is the first member, so freeing it frees
 * the node.
 */
struct addr_node {
	struct addrinfo		ai;
	struct sockaddr_storage	ss;
};

static struct addrinfo *addr_node(const struct sockaddr *sa, socklen_t len)
{
	struct addr_node *n;

	if (len > sizeof(n->ss))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	memcpy(&n->ss, sa, len);
	n->ai.ai_family = sa->sa_family;
	n->ai.ai_socktype = SOCK_DGRAM;
	n->ai.ai_addrlen = len;
	n->ai.ai_addr = (struct sockaddr *)&n->ss;
	return &n->ai;
}

void sk_addrs_free(struct addrinfo *ai)
{
	while (ai != NULL) {
		struct addrinfo *next = ai->ai_next;

		free(ai);
		ai = next;
	}
}

/* getaddrinfo()'s list, copied into our own (and freed); -1 without memory */
static int adopt(struct addrinfo *res, struct addrinfo **out)
{
	struct addrinfo **tail = out;

	*out = NULL;
	for (const struct addrinfo *r = res; r != NULL; r = r->ai_next) {
		*tail = addr_node(r->ai_addr, r->ai_addrlen);
		if (*tail == NULL) {
			freeaddrinfo(res);
			sk_addrs_free(*out);
			*out = NULL;
			return -1;
		}
		tail = &(*tail)->ai_next;
	}
	freeaddrinfo(res);
	return 0;
}

/*
 * The common case without getaddrinfo(): an IPv4 dotted quad or an IPv6
 * address without a zone, of the family asked for.  Returns 1 for anything
 * else (octal or short IPv4 forms, zones, names, the other family), which
 * getaddrinfo() then handles as before.
 */
static int numeric_fast(const char *host, int family, struct addrinfo **out)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (family != AF_INET6 && strchr(host, ':') == NULL) {
		memset(&sin, 0, sizeof(sin));
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			return 1;
		sin.sin_family = AF_INET;
		*out = addr_node((struct sockaddr *)&sin, sizeof(sin));
	} else if (family != AF_INET && strchr(host, '%') == NULL) {
		memset(&sin6, 0, sizeof(sin6));
		if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1)
			return 1;
		sin6.sin6_family = AF_INET6;
		*out = addr_node((struct sockaddr *)&sin6, sizeof(sin6));
	} else {
		return 1;
	}
	return *out != NULL ? 0 : -1;
}

static int resolve(struct sk_parser *p, const char *host, int family,
		   bool numeric, struct addrinfo **out, const char *tok)
{
	struct addrinfo hints, *res;
	int rc;

	rc = numeric_fast(host, family, out);
	if (rc <= 0)
		return rc == 0 ? 0 : sem(p, "out of memory");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc == 0)
		return adopt(res, out) == 0 ? 0 : sem(p, "out of memory");
	*out = NULL;
	if (family != AF_UNSPEC) {
		/* a numeric address of the other family */
		hints.ai_family = AF_UNSPEC;
		if (getaddrinfo(host, NULL, &hints, out) == 0) {
			freeaddrinfo(*out);
			*out = NULL;
			return sem(p, "address `%s' is not %s", tok,
				   family == AF_INET ? "IPv4 (-4)" :
				   "IPv6 (-6)");
		}
		hints.ai_family = family;
	}
	if (numeric || !p->resolve)
		return syn(p, "bad address", numeric ?
			   "a numeric IPv4 or IPv6 address (-n forbids names)" :
			   "a numeric IPv4 or IPv6 address");
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		*out = NULL;
		return sem(p, "cannot resolve `%s': %s", tok,
			   gai_strerror(rc));
	}
	return adopt(res, out) == 0 ? 0 : sem(p, "out of memory");
}

static int parse_port(struct sk_parser *p, const char *s, int *port)
{
	uint64_t v;
	int rc;

	if (strcmp(s, "any") == 0 || strcmp(s, "*") == 0) {
		*port = 0;
		return 0;
	}
	rc = parse_uint(s, false, 65535, &v);
	if (rc == 0) {
		*port = (int)v;
		return 0;
	}
	if (rc == -2)
		return syn(p, "port out of range", "a port from 0 to 65535");
	if (isalpha((unsigned char)s[0])) {
		struct servent *se = getservbyname(s, NULL);

		if (se != NULL) {
			*port = ntohs((uint16_t)se->s_port);
			return 0;
		}
	}
	return syn(p, "bad port", "a port number, any or a service name");
}

static void set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
}

/*
 * host | host[port] | host/prefix | host/prefix[port].  range: prefixes
 * allowed.  The current token must be a word; consumed on success.
 */
static int host(struct sk_parser *p, struct sk_cmd *c, struct sk_host *h,
		bool range)
{
	char buf[1100], *br, *sl;
	const char *tok = p->lx.text;
	struct addrinfo *ai;
	uint64_t v;
	int rc;

	h->prefix = -1;
	h->port = -1;
	if (p->lx.tok != SK_T_WORD || at_option(p))
		return syn(p, "missing address", range ?
			   "an address or address/prefix[port]" :
			   "an address or address[port]");
	if (p->lx.len >= sizeof(buf))
		return syn(p, "address too long", "an address");
	memcpy(buf, p->lx.text, p->lx.len + 1);
	br = strchr(buf, '[');
	if (br != NULL) {
		size_t n = strlen(br);

		if (n < 3 || br[n - 1] != ']')
			return syn(p, "bad port", "address[port]");
		br[n - 1] = '\0';
		*br++ = '\0';
		if (parse_port(p, br, &h->port) != 0)
			return -1;
	}
	sl = strchr(buf, '/');
	if (sl != NULL) {
		*sl++ = '\0';
		if (!range)
			return syn(p, "prefix length not allowed here",
				   "an address or address[port]");
		rc = parse_uint(sl, false, 128, &v);
		if (rc != 0)
			return syn(p, "bad prefix length",
				   "address/prefixlen with prefixlen 0-32 "
				   "(IPv4) or 0-128 (IPv6)");
		h->prefix = (int)v;
	}
	if (buf[0] == '\0')
		return syn(p, "missing address", "an address");
	if (resolve(p, buf, c->family, c->numeric, &h->ai, tok) != 0)
		return -1;
	for (ai = h->ai; ai != NULL; ai = ai->ai_next) {
		if (h->prefix > (int)pk_family_maxprefix(ai->ai_family))
			return sem(p, "prefix length %d is too long for `%s' "
				   "(at most %u)", h->prefix, buf,
				   pk_family_maxprefix(ai->ai_family));
		set_port(ai->ai_addr, h->port < 0 ? 0 : h->port);
	}
	next(p);
	return 0;
}

/* ------------------------------------------------------------------ keys */

/* Hex digit values plus one; 0 for everything else. */
static const uint8_t hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int hexval(int ch)
{
	return (int)hex1[(unsigned char)ch] - 1;
}

/* A key: "string" or 0xHEX, into key[SK_MAX_KEY]; *bits set. */
static int key(struct sk_parser *p, const struct pk_alg *a, uint8_t *k,
	       unsigned *bits)
{
	size_t i, n;

	if (p->lx.tok == SK_T_STRING) {
		if (p->lx.len > SK_MAX_KEY)
			return sem(p, "%s: key of %zu bytes is too long",
				   a->name, p->lx.len);
		memcpy(k, p->lx.text, p->lx.len);
		*bits = (unsigned)p->lx.len * 8;
		explicit_bzero(p->lx.text, p->lx.len);
	} else if (p->lx.tok == SK_T_WORD && p->lx.text[0] == '0' &&
		   (p->lx.text[1] == 'x' || p->lx.text[1] == 'X')) {
		n = p->lx.len - 2;
		if (n == 0 || n % 2 != 0)
			return sem(p, "%s: hex key of %zu digits, expected an "
				   "even number of hex digits after 0x",
				   a->name, n);
		if (n / 2 > SK_MAX_KEY)
			return sem(p, "%s: key of %zu bytes is too long",
				   a->name, n / 2);
		for (i = 0; i < n / 2; i++) {
			int hi = hexval((unsigned char)p->lx.text[2 + 2 * i]);
			int lo = hexval((unsigned char)p->lx.text[3 + 2 * i]);

			if (hi < 0 || lo < 0) {
				explicit_bzero(k, i);
				explicit_bzero(p->lx.text, p->lx.len);
				return sem(p, "%s: key has a character that is "
					   "not a hex digit at position %zu",
					   a->name, 2 * i + (hi < 0 ? 1 : 2));
			}
			k[i] = (uint8_t)(hi * 16 + lo);
		}
		*bits = (unsigned)(n / 2) * 8;
		explicit_bzero(p->lx.text, p->lx.len);
	} else {
		return syn(p, "missing key",
			   "a key: \"quoted string\" or 0x followed by hex "
			   "digits");
	}
	next(p);
	return 0;
}

/* An algorithm name of class cls and, unless it takes none, its key. */
static int algorithm(struct sk_parser *p, enum pk_alg_class cls,
		     const struct pk_alg **out, uint8_t *k, unsigned *bits)
{
	static const char *const cls_names[] = {
		[PK_ALG_AUTH] = "an authentication algorithm",
		[PK_ALG_ENCR] = "an encryption algorithm",
		[PK_ALG_COMP] = "a compression algorithm",
	};
	const struct pk_alg *a;
	struct pk_diag d;
	unsigned long line, col;

	if (p->lx.tok != SK_T_WORD || at_option(p))
		return syn(p, "missing algorithm", cls_names[cls]);
	a = pk_alg_by_name(cls, PK_DIALECT_SETKEY, p->lx.text);
	if (a == NULL)
		return syn(p, "unknown algorithm", cls_names[cls]);
	*out = a;
	next(p);
	/* a key for this slot before: nothing of it stays */
	if (k != NULL && *bits > 0)
		explicit_bzero(k, *bits / 8);
	*bits = 0;
	if (cls == PK_ALG_COMP)
		return 0;
	line = p->lx.tline;
	col = p->lx.tcol;
	if (a->flags & PK_ALGF_NOKEY) {
		/* null: a key is optional and must be empty */
		if (p->lx.tok == SK_T_STRING ||
		    (p->lx.tok == SK_T_WORD && p->lx.text[0] == '0' &&
		     p->lx.text[1] == 'x')) {
			if (key(p, a, k, bits) != 0)
				return -1;
		}
	} else if (key(p, a, k, bits) != 0) {
		return -1;
	}
	if (pk_alg_check_key(a, k, *bits, &d) != 0) {
		sk_report(p, line, col, "%s", d.detail);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ commands */

/* [-46n]... after the command word. */
static void cmd_flags(struct sk_parser *p, struct sk_cmd *c)
{
	while (p->lx.tok == SK_T_WORD && p->lx.text[0] == '-' &&
	       p->lx.text[1] != '\0' &&
	       strspn(p->lx.text + 1, "46n") == p->lx.len - 1) {
		for (const char *s = p->lx.text + 1; *s != '\0'; s++) {
			if (*s == '4')
				c->family = AF_INET;
			else if (*s == '6')
				c->family = AF_INET6;
			else
				c->numeric = true;
		}
		next(p);
	}
}

static int end(struct sk_parser *p, const char *expected)
{
	if (p->lx.tok != SK_T_SEMI)
		return syn(p, "unexpected token", expected);
	return 0;
}

static int sad_proto(struct sk_parser *p, struct sk_cmd *c, bool optional)
{
	int v;

	if (optional && p->lx.tok == SK_T_SEMI)
		return 0;
	if (p->lx.tok != SK_T_WORD)
		return syn(p, "missing protocol", PROTOS_EXPECTED);
	v = kw_find(protos, p->lx.text);
	if (v < 0)
		return syn(p, "unknown protocol", PROTOS_EXPECTED);
	c->proto = (enum sk_proto)v;
	c->satype = proto_satype(c->proto);
	if (v == SK_P_ESP_OLD || v == SK_P_AH_OLD)
		c->flags |= SADB_X_EXT_OLD;
	next(p);
	return 0;
}

static int check_spi(struct sk_parser *p, struct sk_cmd *c, bool rawcpi,
		     unsigned long line, unsigned long col)
{
	if (c->proto == SK_P_TCP) {
		if (c->spi != 0x1000) {
			sk_report(p, line, col, "spi %" PRIu32 " (0x%" PRIx32
				  ") for tcp, expected 0x1000 (TCP-MD5 SAs "
				  "use 0x1000)", c->spi, c->spi);
			return -1;
		}
		return 0;
	}
	if (c->proto == SK_P_IPCOMP) {
		if (rawcpi && (c->spi < 256 || c->spi > 0xffff)) {
			sk_report(p, line, col, "cpi %" PRIu32 " with -R, "
				  "expected 256 to 65535 (0x100-0xffff)",
				  c->spi);
			return -1;
		}
		if (c->spi == 0) {
			sk_report(p, line, col, "cpi 0, expected 1 to "
				  "4294967295");
			return -1;
		}
		return 0;
	}
	if (c->spi <= 255) {
		sk_report(p, line, col, "spi %" PRIu32 " is reserved (0-255), "
			  "expected 256 to 4294967295", c->spi);
		return -1;
	}
	return 0;
}

/* -m -r -u -f -lh -ls -bh -bs -ctx -o; returns 1 when none matched. */
static int sa_extension(struct sk_parser *p, struct sk_cmd *c)
{
	const char *o = p->lx.text;
	uint64_t v;
	int m;

	if (!at_option(p) || strchr("mrufblco", o[1]) == NULL)
		return 1;	/* not one of these (-E, -A, -C, ...) */
	if (strcmp(o, "-m") == 0) {
		next(p);
		if (p->lx.tok != SK_T_WORD ||
		    (m = kw_find(modes, p->lx.text)) < 0)
			return syn(p, "bad mode", "transport, tunnel or any");
		c->mode = (uint8_t)m;
		next(p);
	} else if (strcmp(o, "-r") == 0) {
		next(p);
		if (number(p, "a replay window size", false,
			   255, &v) != 0)
			return -1;
		c->replay = (uint8_t)v;
	} else if (strcmp(o, "-u") == 0) {
		next(p);
		if (number(p, "a reqid", true, UINT32_MAX, &v) != 0)
			return -1;
		c->reqid = (uint32_t)v;
	} else if (strcmp(o, "-f") == 0) {
		next(p);
		if (is_word(p, "zero-pad"))
			c->flags = (c->flags & ~SADB_X_EXT_PMASK) |
				   SADB_X_EXT_PZERO;
		else if (is_word(p, "random-pad"))
			c->flags = (c->flags & ~SADB_X_EXT_PMASK) |
				   SADB_X_EXT_PRAND;
		else if (is_word(p, "seq-pad"))
			c->flags = (c->flags & ~SADB_X_EXT_PMASK) |
				   SADB_X_EXT_PSEQ;
		else if (is_word(p, "nocyclic-seq"))
			c->flags &= ~SADB_X_EXT_CYCSEQ;
		else if (is_word(p, "cyclic-seq"))
			c->flags |= SADB_X_EXT_CYCSEQ;
		else
			return syn(p, "bad -f option", "zero-pad, random-pad, "
				   "seq-pad or nocyclic-seq");
		next(p);
	} else if (strcmp(o, "-lh") == 0 || strcmp(o, "-ls") == 0 ||
		   strcmp(o, "-bh") == 0 || strcmp(o, "-bs") == 0) {
		char which = o[1], hs = o[2];

		next(p);
		if (number(p, which == 'l' ? "a lifetime in seconds" :
			   "a lifetime in bytes", false, UINT64_MAX, &v) != 0)
			return -1;
		if (which == 'l' && hs == 'h') {
			c->have_lh = true;
			c->lh = v;
		} else if (which == 'l') {
			c->have_ls = true;
			c->ls = v;
		} else if (hs == 'h') {
			c->have_bh = true;
			c->bh = v;
		} else {
			c->have_bs = true;
			c->bs = v;
		}
	} else if (strcmp(o, "-ctx") == 0) {
		next(p);
		if (number(p, "a context DOI", false, 255,
			   &v) != 0)
			return -1;
		c->ctx_doi = (uint8_t)v;
		if (number(p, "a context algorithm", false, 255,
			   &v) != 0)
			return -1;
		c->ctx_alg = (uint8_t)v;
		if (p->lx.tok != SK_T_STRING)
			return syn(p, "missing context", "a \"quoted\" "
				   "security context string");
		if (p->lx.len > 4096)
			return sem(p, "security context of %zu bytes is too "
				   "long, expected at most 4096", p->lx.len);
		free(c->ctx);
		c->ctx = malloc(p->lx.len + 1);
		if (c->ctx == NULL)
			return sem(p, "out of memory");
		memcpy(c->ctx, p->lx.text, p->lx.len + 1);
		c->ctx_len = (uint16_t)p->lx.len;
		c->have_ctx = true;
		next(p);
	} else if (strcmp(o, "-o") == 0) {
		struct sk_host h = { NULL, -1, -1 };

		next(p);
		if (host(p, c, &h, false) != 0) {
			if (h.ai != NULL)
				sk_addrs_free(h.ai);
			return -1;
		}
		if (c->natoa != NULL)
			sk_addrs_free(c->natoa);
		c->natoa = h.ai;
	} else {
		return 1;
	}
	return 0;
}

/* add, update, getspi, get, delete, deleteall */
static int sad_command(struct sk_parser *p, struct sk_cmd *c)
{
	unsigned long sline = 0, scol = 0;
	bool rawcpi = false, takes_alg, takes_ext;
	uint64_t v;
	int rc;

	cmd_flags(p, c);
	if (host(p, c, &c->src, false) != 0 || host(p, c, &c->dst, false) != 0)
		return -1;
	if (sad_proto(p, c, false) != 0)
		return -1;
	if (c->proto == SK_P_ESP_UDP) {
		/* NAT-T: the ports are the encapsulation's, 0 means 4500 */
		if (c->src.port <= 0)
			c->src.port = 4500;
		if (c->dst.port <= 0)
			c->dst.port = 4500;
		for (struct addrinfo *ai = c->src.ai; ai; ai = ai->ai_next)
			set_port(ai->ai_addr, c->src.port);
		for (struct addrinfo *ai = c->dst.ai; ai; ai = ai->ai_next)
			set_port(ai->ai_addr, c->dst.port);
	}
	if (c->type != SK_DELETEALL) {
		sline = p->lx.tline;
		scol = p->lx.tcol;
		if (number(p, "an spi (decimal or 0x hex)", true,
			   UINT32_MAX, &v) != 0)
			return -1;
		c->spi = (uint32_t)v;
		c->have_spi = true;
	}
	takes_ext = c->type == SK_ADD || c->type == SK_UPDATE ||
		    c->type == SK_GETSPI;
	takes_alg = c->type == SK_ADD || c->type == SK_UPDATE;
	while (takes_ext && (rc = sa_extension(p, c)) != 1)
		if (rc != 0)
			return -1;
	if (c->natoa != NULL && c->proto != SK_P_ESP_UDP)
		return sem(p, "-o (NAT-T original address) needs esp-udp");
	if (takes_alg) {
		for (;;) {
			if (is_word(p, "-E")) {
				if (c->ealg != NULL || c->calg != NULL)
					return syn(p, "second algorithm",
						   "one -E, -A or -C");
				next(p);
				if (algorithm(p, PK_ALG_ENCR, &c->ealg,
					      c->ekey, &c->ekey_bits) != 0)
					return -1;
			} else if (is_word(p, "-A")) {
				if (c->aalg != NULL || c->calg != NULL)
					return syn(p, "second algorithm",
						   "one -E, -A or -C");
				next(p);
				if (algorithm(p, PK_ALG_AUTH, &c->aalg,
					      c->akey, &c->akey_bits) != 0)
					return -1;
			} else if (is_word(p, "-C")) {
				if (c->ealg != NULL || c->aalg != NULL ||
				    c->calg != NULL)
					return syn(p, "second algorithm",
						   "one -E, -A or -C");
				next(p);
				if (algorithm(p, PK_ALG_COMP, &c->calg, NULL,
					      &c->ekey_bits) != 0)
					return -1;
				if (is_word(p, "-R")) {
					rawcpi = true;
					c->flags |= SADB_X_EXT_RAWCPI;
					next(p);
				}
			} else {
				break;
			}
		}
		if (c->ealg == NULL && c->aalg == NULL && c->calg == NULL)
			return syn(p, c->proto == SK_P_IPCOMP ?
				   "missing algorithm" : "missing algorithm",
				   c->proto == SK_P_IPCOMP ? "-C calgo" :
				   c->proto == SK_P_AH || c->proto == SK_P_AH_OLD
				   || c->proto == SK_P_TCP ? "-A aalgo key" :
				   "-E ealgo key [-A aalgo key]");
	}
	if (end(p, takes_alg ? "`;' or an extension (-m -r -u -f -o -lh -ls "
		"-bh -bs -ctx) or algorithm (-E -A -C)" : takes_ext ?
		"`;' or an extension (-m -r -u -f -o -lh -ls -bh -bs -ctx)" :
		"`;'") != 0)
		return -1;
	if (c->have_spi && check_spi(p, c, rawcpi, sline, scol) != 0)
		return -1;
	if (!takes_alg)
		return 0;
	/* which algorithms each protocol takes */
	switch (c->proto) {
	case SK_P_ESP: case SK_P_ESP_UDP: case SK_P_ESP_OLD:
		if (c->calg != NULL)
			return semc(p, c, "%s takes -E [-A], not -C",
				   c->proto == SK_P_ESP_OLD ? "esp-old" :
				   "esp");
		if (c->ealg == NULL)
			return semc(p, c, "esp needs an encryption algorithm (-E)");
		if (c->proto == SK_P_ESP_OLD && c->aalg != NULL)
			return semc(p, c, "esp-old takes -E only");
		if ((c->ealg->flags & PK_ALGF_COMBINED) && c->aalg != NULL)
			return semc(p, c, "%s provides integrity itself: no -A",
				   c->ealg->name);
		if (c->ealg->id == SADB_EALG_NULL && c->aalg == NULL)
			return semc(p, c, "esp with -E null needs an "
				   "authentication algorithm (-A)");
		break;
	case SK_P_AH: case SK_P_AH_OLD:
		if (c->aalg == NULL || c->ealg != NULL || c->calg != NULL)
			return semc(p, c, "ah takes -A only");
		break;
	case SK_P_IPCOMP:
		if (c->calg == NULL)
			return semc(p, c, "ipcomp takes -C only");
		break;
	case SK_P_TCP:
		if (c->aalg == NULL || !(c->aalg->flags & PK_ALGF_TCP))
			return semc(p, c, "tcp takes -A tcp-md5 only");
		break;
	default:
		break;
	}
	if (c->aalg != NULL && (c->aalg->flags & PK_ALGF_TCP) &&
	    c->proto != SK_P_TCP)
		return semc(p, c, "tcp-md5 is for protocol tcp only");
	if (c->ealg != NULL && (c->ealg->flags & PK_ALGF_DERIV))
		c->flags |= SADB_X_EXT_DERIV;
	return 0;
}

/* upperspec: number, any, a protocol name, icmp6 [type,code], gre [key] */
static int upperspec(struct sk_parser *p, struct sk_cmd *c)
{
	const char *w = p->lx.text;
	uint64_t v;

	c->icmp_type = c->icmp_code = -1;
	if (p->lx.tok != SK_T_WORD || at_option(p))
		return syn(p, "missing upper-layer protocol",
			   "a protocol number, name, icmp6 or any");
	if (strcmp(w, "any") == 0) {
		c->ulproto = IPSEC_ULPROTO_ANY;
	} else if (strcmp(w, "icmp6") == 0) {
		c->ulproto = IPPROTO_ICMPV6;
	} else if (strcmp(w, "ip4") == 0) {
		c->ulproto = IPPROTO_IPIP;
	} else if (isdigit((unsigned char)w[0])) {
		int rc = parse_uint(w, false, 255, &v);

		if (rc != 0)
			return syn(p, rc == -2 ? "protocol number out of range"
				   : "bad protocol number",
				   "a protocol number from 0 to 255");
		c->ulproto = (uint8_t)v;
	} else {
		struct protoent *pe = getprotobyname(w);

		if (pe == NULL || pe->p_proto < 0 || pe->p_proto > 255)
			return syn(p, "unknown upper-layer protocol",
				   "a name from /etc/protocols, a number, "
				   "icmp6, ip4 or any");
		c->ulproto = (uint8_t)pe->p_proto;
	}
	next(p);
	if (c->ulproto == IPPROTO_ICMPV6 && p->lx.tok == SK_T_WORD &&
	    isdigit((unsigned char)p->lx.text[0])) {
		char *comma = strchr(p->lx.text, ',');
		uint64_t t, cd;

		if (comma == NULL)
			return syn(p, "bad icmp6 type,code", "type,code "
				   "(a code must be given; 0 is a wildcard)");
		*comma = '\0';
		if (parse_uint(p->lx.text, false, 255, &t) != 0 ||
		    parse_uint(comma + 1, false, 255, &cd) != 0) {
			*comma = ',';
			return syn(p, "bad icmp6 type,code",
				   "type,code, each from 0 to 255");
		}
		c->icmp_type = (int)t;
		c->icmp_code = (int)cd;
		next(p);
	} else if (c->ulproto == IPPROTO_GRE && p->lx.tok == SK_T_WORD &&
		   isdigit((unsigned char)p->lx.text[0])) {
		if (number(p, "a GRE key", true, UINT32_MAX, &v) != 0)
			return -1;
		c->have_grekey = true;
		c->grekey = (uint32_t)v;
	}
	return 0;
}

/* One endpoint of a tunnel request: "addr" or "addr[port]". */
static int endpoint(struct sk_parser *p, struct sk_cmd *c, const char *s,
		    int family, struct sockaddr_storage *out, bool quiet)
{
	char buf[300], *br;
	struct addrinfo hints, *res = NULL;
	int port = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	br = strchr(buf, '[');
	if (br != NULL) {
		size_t n = strlen(br);
		uint64_t v;

		if (n < 3 || br[n - 1] != ']')
			return -1;
		br[n - 1] = '\0';
		*br++ = '\0';
		if (parse_uint(br, false, 65535, &v) != 0)
			return -1;
		port = (int)v;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(buf, NULL, &hints, &res) != 0) {
		if (quiet || c->numeric || !p->resolve)
			return -1;
		hints.ai_flags = AI_ADDRCONFIG;
		if (getaddrinfo(buf, NULL, &hints, &res) != 0)
			return -1;
	}
	memcpy(out, res->ai_addr, res->ai_addrlen);
	set_port((struct sockaddr *)out, port);
	freeaddrinfo(res);
	return 0;
}

/* "src-dst": tries each '-', numeric splits first, then names. */
static int endpoints(struct sk_parser *p, struct sk_cmd *c, char *s,
		     struct sk_request *r)
{
	for (int pass = 0; pass < 2; pass++) {
		for (char *dash = strchr(s, '-'); dash != NULL;
		     dash = strchr(dash + 1, '-')) {
			*dash = '\0';
			if (endpoint(p, c, s, c->family, &r->tsrc,
				     pass == 0) == 0 &&
			    endpoint(p, c, dash + 1, r->tsrc.ss_family,
				     &r->tdst, pass == 0) == 0) {
				*dash = '-';
				r->tunnel = true;
				return 0;
			}
			*dash = '-';
		}
		if (c->numeric || !p->resolve)
			break;
	}
	return -1;
}

/* proto/mode/src-dst/level */
static int request(struct sk_parser *p, struct sk_cmd *c, struct sk_request *r)
{
	char buf[700], *part[5];
	size_t n = 0;
	char *s;
	int v;

	memset(r, 0, sizeof(*r));
	if (p->lx.len >= sizeof(buf))
		return syn(p, "request too long", "proto/mode/src-dst/level");
	memcpy(buf, p->lx.text, p->lx.len + 1);
	s = buf;
	part[n++] = s;
	while ((s = strchr(s, '/')) != NULL) {
		*s++ = '\0';
		if (n == 4)
			return syn(p, "bad request (too many /)",
				   "proto/mode/src-dst/level");
		part[n++] = s;
	}
	if (n < 2)
		return syn(p, "bad request", "proto/mode/src-dst/level");
	if ((v = kw_find(reqprotos, part[0])) < 0)
		return syn(p, "bad request protocol", "esp, ah or ipcomp in "
			   "proto/mode/src-dst/level");
	r->proto = (uint16_t)v;
	if (strcmp(part[1], "transport") == 0)
		r->mode = IPSEC_MODE_TRANSPORT;
	else if (strcmp(part[1], "tunnel") == 0)
		r->mode = IPSEC_MODE_TUNNEL;
	else
		return syn(p, "bad request mode", "transport or tunnel in "
			   "proto/mode/src-dst/level");
	if (n >= 3 && part[2][0] != '\0' && endpoints(p, c, part[2], r) != 0)
		return syn(p, "bad tunnel endpoints", "src-dst with two "
			   "addresses of one family, each with an optional "
			   "[port]");
	if (r->mode == IPSEC_MODE_TUNNEL && !r->tunnel)
		return syn(p, "tunnel mode without endpoints",
			   "proto/tunnel/src-dst/level");
	r->level = IPSEC_LEVEL_DEFAULT;
	if (n == 4 && part[3][0] != '\0') {
		char *colon = strchr(part[3], ':');

		if (colon != NULL)
			*colon = '\0';
		if ((v = kw_find(levels, part[3])) < 0)
			return syn(p, "bad request level", "default, use, "
				   "require, unique or unique:N");
		r->level = (uint8_t)v;
		if (colon != NULL) {
			uint64_t id;

			if (v != IPSEC_LEVEL_UNIQUE ||
			    parse_uint(colon + 1, false, 32767, &id) != 0 ||
			    id == 0)
				return syn(p, "bad request level",
					   "unique:N with N from 1 to 32767");
			r->reqid = (uint32_t)id;
		}
	}
	next(p);
	return 0;
}

/* priority: [prio|priority] (N | low|def|high [+|- N]) */
static int priority(struct sk_parser *p, struct sk_cmd *c)
{
	static const char want[] = "a priority: prio N, or [prio] low, def or "
		"high, optionally + N or - N";
	bool kw = false;
	uint32_t base;
	uint64_t v;
	int sign = 0;

	if (is_word(p, "prio") || is_word(p, "priority")) {
		kw = true;
		next(p);
	}
	if (is_word(p, "low"))
		base = PK_PRIORITY_LOW;
	else if (is_word(p, "def"))
		base = PK_PRIORITY_DEFAULT;
	else if (is_word(p, "high"))
		base = PK_PRIORITY_HIGH;
	else if (kw) {
		/* a signed offset: -2147483647 .. 2147483648 */
		const char *t = p->lx.text;
		bool neg = false;

		if (p->lx.tok != SK_T_WORD)
			return syn(p, "missing priority", want);
		if (*t == '-' || *t == '+')
			neg = *t++ == '-';
		if (parse_uint(t, false, neg ? 2147483647u : 2147483648u,
			       &v) != 0)
			return syn(p, "bad priority", "an offset from "
				   "-2147483647 to 2147483648, or low, def, "
				   "high");
		c->priority = neg ? PK_PRIORITY_DEFAULT + (uint32_t)v :
			      PK_PRIORITY_DEFAULT - (uint32_t)v;
		next(p);
		return 0;
	} else {
		return 0;	/* no priority given */
	}
	next(p);
	c->priority = base;
	if (is_word(p, "+") || is_word(p, "-")) {
		sign = p->lx.text[0] == '+' ? 1 : -1;
		next(p);
	} else if (p->lx.tok == SK_T_WORD &&
		   (p->lx.text[0] == '+' || p->lx.text[0] == '-') &&
		   isdigit((unsigned char)p->lx.text[1])) {
		sign = p->lx.text[0] == '+' ? 1 : -1;
		memmove(p->lx.text, p->lx.text + 1, p->lx.len--);
	}
	if (sign == 0)
		return 0;
	if (p->lx.tok != SK_T_WORD ||
	    parse_uint(p->lx.text, false, sign > 0 ? 0x40000000u : 0x3fffffffu,
		       &v) != 0)
		return syn(p, "bad priority offset", sign > 0 ?
			   "an offset from 0 to 1073741824" :
			   "an offset from 0 to 1073741823");
	c->priority = sign > 0 ? base - (uint32_t)v : base + (uint32_t)v;
	next(p);
	return 0;
}

/* -P dir [priority] type [request...] */
static int policy(struct sk_parser *p, struct sk_cmd *c, bool dir_only)
{
	int v;

	if (!is_word(p, "-P"))
		return syn(p, "missing policy", "-P in|out|fwd ...");
	next(p);
	if (p->lx.tok != SK_T_WORD || (v = kw_find(dirs, p->lx.text)) < 0)
		return syn(p, "bad policy direction", "in, out or fwd");
	c->dir = (uint8_t)v;
	next(p);
	c->priority = PK_PRIORITY_DEFAULT;
	c->ptype = IPSEC_POLICY_IPSEC;
	if (dir_only && p->lx.tok == SK_T_SEMI)
		return 0;
	if (priority(p, c) != 0)
		return -1;
	if (p->lx.tok != SK_T_WORD || (v = kw_find(ptypes, p->lx.text)) < 0)
		return syn(p, "bad policy", PTYPES_EXPECTED);
	c->ptype = (uint16_t)v;
	next(p);
	while (p->lx.tok == SK_T_WORD) {
		if (c->ptype != IPSEC_POLICY_IPSEC)
			return syn(p, "request after a policy other than "
				   "ipsec", "`;'");
		if (c->nreq == SK_MAX_REQUESTS)
			return sem(p, "more than %d requests in one policy",
				   SK_MAX_REQUESTS);
		if (request(p, c, &c->req[c->nreq]) != 0)
			return -1;
		c->nreq++;
	}
	return end(p, "`;' or a request proto/mode/src-dst/level");
}

static int spd_command(struct sk_parser *p, struct sk_cmd *c)
{
	int rc;

	if (c->type == SK_SPDADD && is_word(p, "tagged"))
		return syn(p, "spdadd tagged is not supported (PF tags exist "
			   "only in BSD pf)", "an address range");
	cmd_flags(p, c);
	if (host(p, c, &c->src, true) != 0 || host(p, c, &c->dst, true) != 0)
		return -1;
	if (upperspec(p, c) != 0)
		return -1;
	if (is_word(p, "-ctx")) {
		rc = sa_extension(p, c);
		if (rc != 0)
			return -1;
	}
	return policy(p, c, c->type == SK_SPDDELETE);
}

/* --------------------------------------------------------------- driver */

void sk_parser_init(struct sk_parser *p, FILE *in, const char *name,
		    FILE *err)
{
	memset(p, 0, sizeof(*p));
	sk_lex_init(&p->lx, in, name);
	p->err = err;
	p->resolve = true;
}

void sk_parser_free(struct sk_parser *p)
{
	sk_lex_free(&p->lx);
}

void sk_cmd_free(struct sk_cmd *c)
{
	if (c->src.ai != NULL)
		sk_addrs_free(c->src.ai);
	if (c->dst.ai != NULL)
		sk_addrs_free(c->dst.ai);
	if (c->natoa != NULL)
		sk_addrs_free(c->natoa);
	free(c->ctx);
	explicit_bzero(c->ekey, c->ekey_bits / 8);
	explicit_bzero(c->akey, c->akey_bits / 8);
	c->ekey_bits = c->akey_bits = 0;
	c->src.ai = c->dst.ai = c->natoa = NULL;
	c->ctx = NULL;
}

static void skip_to_semi(struct sk_parser *p)
{
	while (p->lx.tok != SK_T_SEMI && p->lx.tok != SK_T_EOF)
		next(p);
}

enum sk_parse_rc sk_parse_next(struct sk_parser *p, struct sk_cmd *c)
{
	int rc, t;

	memset(c, 0, offsetof(struct sk_cmd, ekey));
	c->src.prefix = c->dst.prefix = -1;
	c->src.port = c->dst.port = -1;
	c->family = p->family;
	for (;;) {
		if (next(p) == SK_T_EOF)
			return SK_PARSE_EOF;
		if (p->lx.tok != SK_T_SEMI)
			break;		/* empty commands are fine */
	}
	c->line = p->lx.tline;
	c->col = p->lx.tcol;
	c->off = p->lx.toff;
	if (p->lx.tok != SK_T_WORD || (t = kw_find(commands, p->lx.text)) < 0) {
		syn(p, "unknown command", COMMANDS_EXPECTED);
		goto fail;
	}
	c->type = (enum sk_cmd_type)t;
	next(p);
	switch (c->type) {
	case SK_ADD: case SK_UPDATE: case SK_GETSPI: case SK_GET:
	case SK_DELETE: case SK_DELETEALL:
		rc = sad_command(p, c);
		break;
	case SK_FLUSH: case SK_DUMP:
		rc = sad_proto(p, c, true);
		if (rc == 0)
			rc = end(p, "`;' or a protocol");
		break;
	case SK_SPDADD: case SK_SPDUPDATE: case SK_SPDDELETE:
		rc = spd_command(p, c);
		break;
	case SK_SPDFLUSH: case SK_SPDDUMP:
		rc = end(p, "`;'");
		break;
	case SK_EXIT:
		rc = 0;
		if (p->lx.tok != SK_T_SEMI && p->lx.tok != SK_T_EOF)
			rc = end(p, "`;'");
		break;
	default:
		rc = -1;
		break;
	}
	if (rc == 0)
		return SK_PARSE_CMD;
fail:
	skip_to_semi(p);
	sk_cmd_free(c);
	return SK_PARSE_ERROR;
}
