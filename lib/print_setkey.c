/*
 * print_setkey.c - setkey's dump formats: one SAD entry as "setkey -D"
 * prints it, one SPD entry as "setkey -DP" prints it.
 *
 * Scripts parse this text, so it follows the KAME/ipsec-tools layout
 * (../shared/reference/setkey-behavior.md) to the byte, trailing spaces
 * included, with the reference's bugs fixed (the IPComp line ends with a
 * newline; SPI and replay print their whole value).  An SAD entry:
 *
 *   192.0.2.1 192.0.2.2 <SP>                     <- "src dst ", -p: addr[port]
 *   \tesp mode=tunnel spi=4097(0x00001001) reqid=16385(0x00004001)
 *   \tNAT OA=198.51.100.7                         <- only with NAT_T_OA
 *   \tE: 3des-cbc  31323334 35363738 ...          <- ESP only
 *   \tA: hmac-sha256  00010203 04050607 ...
 *   \tC: deflate <SP>                             <- IPComp only
 *   \tseq=0x00000000 replay=32 flags=0x00000000 state=mature <SP>
 *   \tcreated: <date>\tcurrent: <date>            <- these six lines only
 *   \tdiff: 0(s)\thard: 3600(s)\tsoft: 2880(s)       with LIFETIME_CURRENT
 *   \tlast: <date>\thard: 0(s)\tsoft: 0(s)
 *   \tcurrent: 0(bytes)\thard: 1000000(bytes)\tsoft: 800000(bytes)
 *   \tallocated: 0\thard: 0\tsoft: 0
 *   \tsadb_seq=0 pid=23680 refcnt=0
 *
 * An SPD entry:
 *
 *   10.0.0.0/24[any] 10.0.1.0/24[80] tcp
 *   \tout prio high + 5 ipsec
 *   \tesp/tunnel/192.0.2.1-192.0.2.2/require     <- one line per request
 *   \tcreated: <date>  lastused: <date>           <- with LIFETIME_CURRENT
 *   \tlifetime: 0(s) validtime: 0(s)              <- with LIFETIME_HARD
 *   \tspid=1 seq=0 pid=23705
 *   \trefcnt=0
 *
 * Where the reference text is silent the KAME printer's layout is followed;
 * the decisions are spelled out beside the code that makes them.  The
 * words printed for states, modes, directions, policy types and levels are
 * the setkey vocabulary; the algorithm names come from the one table
 * (pk_alg_name()).  Numbers this vocabulary has no word for print as
 * decimal numbers, never as nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pfkey/alg.h"
#include "pfkey/msg.h"
#include "pfkey/print_setkey.h"

#define DATE_LEN	20	/* "Nov 23 16:05:14 2026": ctime() less the weekday */
#define KEY_LINE_BYTES	32	/* key bytes per line of a key dump */
#define KEY_GROUP_BYTES	4	/* key bytes between spaces */

/* ---------------------------------------------------------- vocabulary */

/* Prints the word for v, or v in decimal; then suffix. */
static void print_word(FILE *f, const char *w, unsigned v, const char *suffix)
{
	if (w != NULL)
		fprintf(f, "%s%s", w, suffix);
	else
		fprintf(f, "%u%s", v, suffix);
}

/*
 * An algorithm as KAME prints it: the name and one space ("hmac-sha1 "),
 * the id in decimal when the table has no name for it, "none" for id 0
 * (only reached when a key travels without an algorithm).
 */
static void print_alg(FILE *f, enum pk_alg_class cls, unsigned id)
{
	const char *name = pk_alg_name(cls, id);

	if (name == NULL && id == 0)
		name = "none";
	print_word(f, name, id, " ");
}

/* ------------------------------------------------------------- helpers */

static const char *const month_words[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/*
 * A date as ctime() prints it without the weekday and the newline,
 * "Nov  3 06:05:14 2026", in local time: 20 characters for years
 * 1000-9999.  Month names are spelled here rather than by strftime(%b)
 * so that the locale cannot change text scripts parse.  0 means "never"
 * and prints as 20 spaces, keeping the columns.  A time localtime() cannot
 * represent prints as its number of seconds, rather than as nothing.
 */
static void print_date(FILE *f, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0) {
		fprintf(f, "%*s", DATE_LEN, "");
		return;
	}
	if (t > (uint64_t)INT64_MAX || (uint64_t)tt != t ||
	    localtime_r(&tt, &tm) == NULL || tm.tm_mon < 0 || tm.tm_mon > 11) {
		fprintf(f, "%" PRIu64, t);
		return;
	}
	fprintf(f, "%s %2d %02d:%02d:%02d %lld", month_words[tm.tm_mon],
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(long long)tm.tm_year + 1900);
}

/* Numeric host of a sockaddr (IPv6 zones as getnameinfo() gives them). */
static void format_host(const struct sockaddr_storage *ss, char *buf,
			size_t len)
{
	size_t salen = pk_sockaddr_len(ss->ss_family);

	if (salen == 0 ||
	    getnameinfo((const struct sockaddr *)ss, (socklen_t)salen, buf,
			(socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, len, "?");
}

/* Port of a sockaddr, host byte order. */
static unsigned sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static unsigned family_bits(int family)
{
	return pk_family_maxprefix(family);
}

/*
 * Key bytes as KAME's hexdump prints them: a space before every group of
 * 4 bytes, so the line reads "E: name  0011..." with two spaces after the
 * name.  The wrapping rule (inferred from the reference: "wraps after 32
 * bytes onto a line that starts with a space"): before byte i, for every
 * i > 0 that is a multiple of 32, a newline; the group space that follows
 * starts the continuation line, which has no TAB.  So a key of exactly 32
 * bytes is one line and a 36-byte key ends with a line " 20212223".  The
 * newline after the last byte is the caller's.  All (bits + 7) / 8 bytes
 * are printed (KAME dropped a partial last byte).
 */
static void print_key_hex(FILE *f, const struct sadb_key *k)
{
	const uint8_t *p = pk_key_data(k);
	size_t n = ((size_t)k->sadb_key_bits + 7) / 8;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i != 0 && i % KEY_LINE_BYTES == 0)
			fputc('\n', f);
		if (i % KEY_GROUP_BYTES == 0)
			fputc(' ', f);
		fprintf(f, "%02x", p[i]);
	}
}

/*
 * Linux security context: the ipsec-tools lines.  The context is printed
 * as text up to ctx_len bytes, a terminating NUL dropped, any other
 * unprintable byte as \xHH so the entry stays one line each.
 */
static void print_sec_ctx(FILE *f, const struct pk_msg *m)
{
	const struct sadb_x_sec_ctx *c =
		PK_MSG_EXT(m, SADB_X_EXT_SEC_CTX, sadb_x_sec_ctx);
	const uint8_t *s;
	size_t n, i;

	if (c == NULL)
		return;
	s = (const uint8_t *)(c + 1);
	n = c->sadb_x_ctx_len;
	if (n > 0 && s[n - 1] == '\0')
		n--;
	fprintf(f, "\tsecurity context doi: %u\n", c->sadb_x_ctx_doi);
	fprintf(f, "\tsecurity context algorithm: %u\n", c->sadb_x_ctx_alg);
	fprintf(f, "\tsecurity context length: %u\n", c->sadb_x_ctx_len);
	fputs("\tsecurity context: ", f);
	for (i = 0; i < n; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			fputc(s[i], f);
		else
			fprintf(f, "\\x%02x", s[i]);
	}
	fputc('\n', f);
}

/* -EIO when the stream has failed (a full disk, a closed pipe). */
static int finish(FILE *f)
{
	return ferror(f) ? -EIO : 0;
}

/* ------------------------------------------------------------------ SAD */

static uint64_t lft_field(const struct sadb_lifetime *l, int which)
{
	if (l == NULL)
		return 0;
	switch (which) {
	case 0: return l->sadb_lifetime_addtime;
	case 1: return l->sadb_lifetime_usetime;
	case 2: return l->sadb_lifetime_bytes;
	default: return l->sadb_lifetime_allocations;
	}
}

/*
 * One address of the header line.  Ports show with -p and on NAT-T SAs;
 * a NAT-T SA's port is its NAT_T_SPORT/DPORT extension (Linux keeps the
 * sockaddr port 0 there), any other SA's the sockaddr's.  A port of 0
 * prints as "[0]": the SAD has no "any" port.
 */
static void print_sa_addr(FILE *f, const struct pk_msg *m, uint16_t addr_t,
			  uint16_t port_t, bool ports)
{
	const struct sadb_address *a = PK_MSG_EXT(m, addr_t, sadb_address);
	const struct sadb_x_nat_t_port *np =
		PK_MSG_EXT(m, port_t, sadb_x_nat_t_port);
	struct sockaddr_storage ss;
	char host[NI_MAXHOST];
	unsigned port;

	pk_address_sockaddr(a, &ss);
	format_host(&ss, host, sizeof(host));
	fputs(host, f);
	if (ports) {
		port = np != NULL ? ntohs(np->sadb_x_nat_t_port_port)
				  : sockaddr_port(&ss);
		fprintf(f, "[%u]", port);
	}
	fputc(' ', f);
}

/*
 * The protocol word: the SA type's name, "esp-udp" for a NAT-T ESP SA,
 * "esp-old"/"ah-old" for the KAME old transforms (SADB_X_EXT_OLD), the
 * number for a type with no name.
 */
static void print_sa_proto(FILE *f, const struct pk_msg *m,
			   const struct sadb_sa *sa)
{
	unsigned satype = m->hdr->sadb_msg_satype;
	bool old = (sa->sadb_sa_flags & SADB_X_EXT_OLD) != 0;

	if (satype == SADB_SATYPE_ESP && pk_msg_has(m, SADB_X_EXT_NAT_T_TYPE))
		fputs("esp-udp ", f);
	else if (satype == SADB_SATYPE_ESP && old)
		fputs("esp-old ", f);
	else if (satype == SADB_SATYPE_AH && old)
		fputs("ah-old ", f);
	else
		print_word(f, pk_satype_name(satype), satype, " ");
}

/*
 * The key lines.  E: on ESP SAs, A: on all but IPComp, C: on IPComp; each
 * printed when its key is present or its algorithm is set, so that
 * keyless ESP null prints "\tE: null " as KAME does for a zero-bit key
 * (its printer went by the key extension alone).  The C: line ends with a
 * newline (the reference forgot it and ran into the seq= line).
 */
static void print_sa_keys(FILE *f, const struct pk_msg *m,
			  const struct sadb_sa *sa)
{
	unsigned satype = m->hdr->sadb_msg_satype;
	const struct sadb_key *ek = PK_MSG_EXT(m, SADB_EXT_KEY_ENCRYPT,
					       sadb_key);
	const struct sadb_key *ak = PK_MSG_EXT(m, SADB_EXT_KEY_AUTH, sadb_key);

	if (satype == SADB_X_SATYPE_IPCOMP) {
		fputs("\tC: ", f);
		print_alg(f, PK_ALG_COMP, sa->sadb_sa_encrypt);
		fputc('\n', f);
		return;
	}
	if (satype == SADB_SATYPE_ESP &&
	    (ek != NULL || sa->sadb_sa_encrypt != SADB_EALG_NONE)) {
		fputs("\tE: ", f);
		print_alg(f, PK_ALG_ENCR, sa->sadb_sa_encrypt);
		if (ek != NULL)
			print_key_hex(f, ek);
		fputc('\n', f);
	}
	if (ak != NULL || sa->sadb_sa_auth != SADB_AALG_NONE) {
		fputs("\tA: ", f);
		print_alg(f, PK_ALG_AUTH, sa->sadb_sa_auth);
		if (ak != NULL)
			print_key_hex(f, ak);
		fputc('\n', f);
	}
}

/*
 * The lifetime block, printed only when the SA carries LIFETIME_CURRENT
 * (as KAME): without it there is nothing to say when it was created.
 * Absent hard or soft lifetimes print as 0.  diff is now - created, 0
 * when created is 0 or in the future (a clock stepped back), never a
 * wrapped-around huge number.
 */
static void print_sa_lifetimes(FILE *f, const struct pk_msg *m, time_t now)
{
	const struct sadb_lifetime *c = PK_MSG_EXT(m, SADB_EXT_LIFETIME_CURRENT,
						   sadb_lifetime);
	const struct sadb_lifetime *h = PK_MSG_EXT(m, SADB_EXT_LIFETIME_HARD,
						   sadb_lifetime);
	const struct sadb_lifetime *s = PK_MSG_EXT(m, SADB_EXT_LIFETIME_SOFT,
						   sadb_lifetime);
	uint64_t created, diff = 0;
	uint64_t unow = now > 0 ? (uint64_t)now : 0;

	if (c == NULL)
		return;
	created = c->sadb_lifetime_addtime;
	if (created != 0 && unow > created)
		diff = unow - created;

	fputs("\tcreated: ", f);
	print_date(f, created);
	fputs("\tcurrent: ", f);
	print_date(f, unow);
	fputc('\n', f);
	fprintf(f, "\tdiff: %" PRIu64 "(s)\thard: %" PRIu64 "(s)\tsoft: %"
		PRIu64 "(s)\n", diff, lft_field(h, 0), lft_field(s, 0));
	fputs("\tlast: ", f);
	print_date(f, c->sadb_lifetime_usetime);
	fprintf(f, "\thard: %" PRIu64 "(s)\tsoft: %" PRIu64 "(s)\n",
		lft_field(h, 1), lft_field(s, 1));
	fprintf(f, "\tcurrent: %" PRIu64 "(bytes)\thard: %" PRIu64
		"(bytes)\tsoft: %" PRIu64 "(bytes)\n",
		lft_field(c, 2), lft_field(h, 2), lft_field(s, 2));
	fprintf(f, "\tallocated: %" PRIu64 "\thard: %" PRIu64 "\tsoft: %"
		PRIu64 "\n", lft_field(c, 3), lft_field(h, 3), lft_field(s, 3));
}

/*
 * An SA without its SA, source or destination extension is not an SAD
 * entry: -EINVAL, nothing printed (KAME printed half a line and a
 * complaint).
 */
int pk_setkey_print_sa(FILE *f, const struct pk_msg *m, unsigned flags,
		       time_t now)
{
	const struct sadb_sa *sa = PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);
	const struct sadb_x_sa2 *sa2 = PK_MSG_EXT(m, SADB_X_EXT_SA2,
						  sadb_x_sa2);
	const struct sadb_address *oa = PK_MSG_EXT(m, SADB_X_EXT_NAT_T_OA,
						   sadb_address);
	bool ports = (flags & PK_SETKEY_PORTS) ||
		     pk_msg_has(m, SADB_X_EXT_NAT_T_TYPE);
	unsigned mode = sa2 != NULL ? sa2->sadb_x_sa2_mode : IPSEC_MODE_ANY;
	uint32_t reqid = sa2 != NULL ? sa2->sadb_x_sa2_reqid : 0;
	uint32_t seq = sa2 != NULL ? sa2->sadb_x_sa2_sequence : 0;
	uint32_t spi;

	if (sa == NULL || !pk_msg_has(m, SADB_EXT_ADDRESS_SRC) ||
	    !pk_msg_has(m, SADB_EXT_ADDRESS_DST))
		return -EINVAL;
	spi = ntohl(sa->sadb_sa_spi);

	print_sa_addr(f, m, SADB_EXT_ADDRESS_SRC, SADB_X_EXT_NAT_T_SPORT,
		      ports);
	print_sa_addr(f, m, SADB_EXT_ADDRESS_DST, SADB_X_EXT_NAT_T_DPORT,
		      ports);
	fputs("\n\t", f);
	print_sa_proto(f, m, sa);
	fputs("mode=", f);
	print_word(f, pk_word(PK_WORD_MODE, mode), mode, " ");
	fprintf(f, "spi=%" PRIu32 "(0x%08" PRIx32 ") reqid=%" PRIu32
		"(0x%08" PRIx32 ")\n", spi, spi, reqid, reqid);
	if (oa != NULL) {
		struct sockaddr_storage ss;
		char host[NI_MAXHOST];

		pk_address_sockaddr(oa, &ss);
		format_host(&ss, host, sizeof(host));
		fprintf(f, "\tNAT OA=%s\n", host);
	}
	print_sa_keys(f, m, sa);
	fprintf(f, "\tseq=0x%08" PRIx32 " replay=%u flags=0x%08" PRIx32
		" state=", seq, sa->sadb_sa_replay, sa->sadb_sa_flags);
	print_word(f, pk_word(PK_WORD_STATE, sa->sadb_sa_state),
		   sa->sadb_sa_state, " \n");
	print_sa_lifetimes(f, m, now);
	print_sec_ctx(f, m);
	/*
	 * KAME printed sadb_msg_reserved as the reference count; here that
	 * field carries diagnostics, and pfkeyd hands out no references.
	 */
	fprintf(f, "\tsadb_seq=%" PRIu32 " pid=%" PRIu32 " refcnt=0\n",
		m->hdr->sadb_msg_seq, m->hdr->sadb_msg_pid);
	return finish(f);
}

/* ------------------------------------------------------------------ SPD */

/*
 * Upper-layer protocol names.  /etc/protocols first (getprotobynumber),
 * but "any" for 255, "icmp6" for 58 and "ip4" for 4 as KAME prints them
 * (and setkey reads them back; /etc/protocols says "ipv6-icmp" and
 * "ipencap").  When the protocols database is missing, a few common
 * protocols still get their name; anything else prints as its number.
 */
static const struct {
	uint8_t		proto;
	const char	*name;
} proto_fallback[] = {
	{ IPPROTO_ICMP, "icmp" }, { IPPROTO_TCP, "tcp" },
	{ IPPROTO_UDP, "udp" }, { IPPROTO_GRE, "gre" },
	{ IPPROTO_ESP, "esp" }, { IPPROTO_AH, "ah" },
	{ IPPROTO_COMP, "ipcomp" }, { IPPROTO_SCTP, "sctp" },
};

static void print_upper(FILE *f, unsigned proto, unsigned sport,
			unsigned dport)
{
	struct protoent pe, *res = NULL;
	char buf[1024];
	size_t i;

	if (proto == IPSEC_ULPROTO_ANY) {
		fputs("any", f);
		return;
	}
	if (proto == IPPROTO_ICMPV6) {
		/* KAME keeps an ICMPv6 type and code in the port fields. */
		fputs("icmp6", f);
		if (sport != 0 || dport != 0)
			fprintf(f, " %u,%u", sport, dport);
		return;
	}
	if (proto == IPPROTO_IPIP) {
		fputs("ip4", f);
		return;
	}
	if (getprotobynumber_r((int)proto, &pe, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && res->p_name != NULL) {
		fputs(res->p_name, f);
		return;
	}
	for (i = 0; i < sizeof(proto_fallback) / sizeof(proto_fallback[0]);
	     i++)
		if (proto_fallback[i].proto == proto) {
			fputs(proto_fallback[i].name, f);
			return;
		}
	fprintf(f, "%u", proto);
}

/*
 * One range of the header: address, "/plen" unless it is the full length,
 * then "[port]" or "[any]" for port 0, except for ICMP, ICMPv6 and GRE,
 * whose "ports" are not ports.
 */
static void print_range(FILE *f, const struct sadb_address *a,
			const struct sockaddr_storage *ss)
{
	char host[NI_MAXHOST];
	unsigned port = sockaddr_port(ss);

	format_host(ss, host, sizeof(host));
	fputs(host, f);
	if (a->sadb_address_prefixlen != family_bits(ss->ss_family))
		fprintf(f, "/%u", a->sadb_address_prefixlen);
	switch (a->sadb_address_proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
	case IPPROTO_GRE:
		break;
	default:
		if (port == 0)
			fputs("[any]", f);
		else
			fprintf(f, "[%u]", port);
	}
}

/*
 * Priority text, as KAME: nothing for 0; otherwise the nearest base,
 * "prio high" below 0x60000000, "prio def" below 0xA0000000, "prio low"
 * above, then " + N" or " - N" with the sign as it is typed ("high + 5"
 * is 0x40000000 - 5: higher priority, smaller number), nothing when N is
 * 0.  Then a space before the policy type.
 */
static void print_priority(FILE *f, uint32_t prio)
{
	int64_t base, off;
	const char *name;

	if (prio == 0)
		return;
	if (prio < 0x60000000U) {
		base = PK_PRIORITY_HIGH;
		name = "high";
	} else if (prio < 0xA0000000U) {
		base = PK_PRIORITY_DEFAULT;
		name = "def";
	} else {
		base = PK_PRIORITY_LOW;
		name = "low";
	}
	off = base - (int64_t)prio;
	fprintf(f, "prio %s ", name);
	if (off > 0)
		fprintf(f, "+ %" PRId64 " ", off);
	else if (off < 0)
		fprintf(f, "- %" PRId64 " ", -off);
}

/*
 * A tunnel endpoint of a request: "addr", or "addr[port]" when the port
 * is set (NAT-T) or -p asks for ports.
 */
static void print_endpoint(FILE *f, const struct sockaddr_storage *ss,
			   bool ports)
{
	char host[NI_MAXHOST];
	unsigned port = sockaddr_port(ss);

	format_host(ss, host, sizeof(host));
	fputs(host, f);
	if (port != 0 || ports)
		fprintf(f, "[%u]", port);
}

static void print_request(FILE *f, const struct sadb_x_ipsecrequest *r,
			  bool ports)
{
	struct sockaddr_storage src, dst;
	const char *proto;
	uint32_t reqid = r->sadb_x_ipsecrequest_reqid;

	switch (r->sadb_x_ipsecrequest_proto) {
	case IPPROTO_ESP: proto = "esp"; break;
	case IPPROTO_AH: proto = "ah"; break;
	case IPPROTO_COMP: proto = "ipcomp"; break;
	default: proto = NULL;
	}
	fputc('\t', f);
	print_word(f, proto, r->sadb_x_ipsecrequest_proto, "/");
	print_word(f, pk_word(PK_WORD_MODE, r->sadb_x_ipsecrequest_mode),
		   r->sadb_x_ipsecrequest_mode, "/");
	if (pk_request_endpoints(r, &src, &dst)) {
		print_endpoint(f, &src, ports);
		fputc('-', f);
		print_endpoint(f, &dst, ports);
	}
	fputc('/', f);
	print_word(f, pk_word(PK_WORD_LEVEL, r->sadb_x_ipsecrequest_level),
		   r->sadb_x_ipsecrequest_level, "");
	/*
	 * A reqid follows any level that has one: ":N" for a manual reqid
	 * (<= 0x3fff, what "unique:N" sets), "#N" for one the kernel or an
	 * IKE daemon picked, which "unique:N" could not have written.
	 */
	if (reqid != 0)
		fprintf(f, "%c%" PRIu32,
			reqid <= IPSEC_MANUAL_REQID_MAX ? ':' : '#', reqid);
	fputc('\n', f);
}

/*
 * An SPD entry needs its policy and both ranges: -EINVAL, nothing
 * printed, otherwise.  The header's protocol is the source's (the
 * validator keeps the two equal).  PK_SETKEY_KERNEL changes nothing
 * here: which policies are shown (the "fwd" copies of RFC mode) is the
 * caller's choice; per-socket policies do not exist in pfkeyd, so
 * "(per-socket policy)" is never printed.
 */
int pk_setkey_print_policy(FILE *f, const struct pk_msg *m, unsigned flags,
			   time_t now)
{
	const struct sadb_x_policy *p = PK_MSG_EXT(m, SADB_X_EXT_POLICY,
						   sadb_x_policy);
	const struct sadb_address *sa = PK_MSG_EXT(m, SADB_EXT_ADDRESS_SRC,
						   sadb_address);
	const struct sadb_address *da = PK_MSG_EXT(m, SADB_EXT_ADDRESS_DST,
						   sadb_address);
	const struct sadb_lifetime *c = PK_MSG_EXT(m, SADB_EXT_LIFETIME_CURRENT,
						   sadb_lifetime);
	const struct sadb_lifetime *h = PK_MSG_EXT(m, SADB_EXT_LIFETIME_HARD,
						   sadb_lifetime);
	const struct sadb_x_ipsecrequest *r;
	struct sockaddr_storage sss, dss;
	bool ports = (flags & PK_SETKEY_PORTS) != 0;

	(void)now;	/* an SPD entry prints no "current:" */
	if (p == NULL || sa == NULL || da == NULL)
		return -EINVAL;
	pk_address_sockaddr(sa, &sss);
	pk_address_sockaddr(da, &dss);

	print_range(f, sa, &sss);
	fputc(' ', f);
	print_range(f, da, &dss);
	fputc(' ', f);
	print_upper(f, sa->sadb_address_proto, sockaddr_port(&sss),
		    sockaddr_port(&dss));
	fputc('\n', f);

	fputc('\t', f);
	print_word(f, pk_word(PK_WORD_DIR, p->sadb_x_policy_dir),
		   p->sadb_x_policy_dir, " ");
	print_priority(f, p->sadb_x_policy_priority);
	print_word(f, pk_word(PK_WORD_POLICY, p->sadb_x_policy_type),
		   p->sadb_x_policy_type, "\n");
	if (p->sadb_x_policy_type == IPSEC_POLICY_IPSEC)
		for (r = pk_policy_next_request(p, NULL); r != NULL;
		     r = pk_policy_next_request(p, r))
			print_request(f, r, ports);

	/* KAME: created/lastused from CURRENT, lifetime/validtime from HARD. */
	if (c != NULL) {
		fputs("\tcreated: ", f);
		print_date(f, c->sadb_lifetime_addtime);
		fputs("  lastused: ", f);
		print_date(f, c->sadb_lifetime_usetime);
		fputc('\n', f);
	}
	if (h != NULL)
		fprintf(f, "\tlifetime: %" PRIu64 "(s) validtime: %" PRIu64
			"(s)\n", h->sadb_lifetime_addtime,
			h->sadb_lifetime_usetime);
	print_sec_ctx(f, m);
	fprintf(f, "\tspid=%" PRIu32 " seq=%" PRIu32 " pid=%" PRIu32 "\n",
		p->sadb_x_policy_id, m->hdr->sadb_msg_seq,
		m->hdr->sadb_msg_pid);
	fputs("\trefcnt=0\n", f);
	return finish(f);
}
