/*
 * print_ipseckey.c - ipseckey's output formats (reference/
 * ipseckey-behavior.md sections 4 and 5): the listing that get, dump and
 * monitor print, and the save format that ipseckey -f reads back.
 *
 * The listing, one line per fact, each line tagged by the part of the
 * message it comes from:
 *
 *   Base message (version 2) type GET, SA type ESP.     <- header
 *   Message length 176 bytes, seq=7, pid=42.
 *   SA: SADB_ASSOC spi=0x1234, replay window size=0, state=MATURE
 *   SRC: Source address (proto=0)                       <- extensions in
 *   SRC: AF_INET: port 0, 192.168.1.1.                     message order
 *   ...
 *    LT: Lifetime information                           <- lifetimes last
 *   CLT: Current lifetime information:
 *
 * The save format is one "add" command continued over several lines by a
 * trailing backslash, between "# begin assoc" and "# end assoc":
 *
 *   # begin assoc
 *   add esp  \
 *       spi 0x1234 encr_alg aes-cbc auth_alg hmac-sha1 replay 0  \
 *       src 192.168.1.1 \
 *       dst 192.168.1.2 \
 *   	authkey 0123456789abcdef0123456789abcdef01234567/160 \
 *   	encrkey 00112233445566778899aabbccddeeff/128 \
 *                                                       <- ends the command
 *   # end assoc
 *
 * Both printers take a message validated by pk_msg_parse() and read its
 * extensions through the table it filled.  The listing also walks the
 * extensions in order with the guarded pk_ext_next(), to keep their order;
 * an extension the table does not hold (a caller that built the pk_msg
 * itself) is named as unknown and never decoded.
 *
 * With PK_IPSECKEY_PARANOID no key digit is printed: every hex digit of a
 * key becomes an X, in the listing and in the save format alike.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pfkey/alg.h"
#include "pfkey/diag.h"
#include "pfkey/msg.h"
#include "pfkey/pfkeyv2.h"
#include "pfkey/print_ipseckey.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef IPPROTO_COMP
#define IPPROTO_COMP	108
#endif

/* ------------------------------------------------------- vocabularies */

/* Message types as the base message line names them. */
static const char *const msg_type_names[] = {
	[SADB_RESERVED]		= "RESERVED",
	[SADB_GETSPI]		= "GETSPI",
	[SADB_UPDATE]		= "UPDATE",
	[SADB_ADD]		= "ADD",
	[SADB_DELETE]		= "DELETE",
	[SADB_GET]		= "GET",
	[SADB_ACQUIRE]		= "ACQUIRE",
	[SADB_REGISTER]		= "REGISTER",
	[SADB_EXPIRE]		= "EXPIRE",
	[SADB_FLUSH]		= "FLUSH",
	[SADB_DUMP]		= "DUMP",
	[SADB_X_PROMISC]	= "X_PROMISC",
	[SADB_X_PCHANGE]	= "X_PCHANGE",
	[SADB_X_SPDUPDATE]	= "X_SPDUPDATE",
	[SADB_X_SPDADD]		= "X_SPDADD",
	[SADB_X_SPDDELETE]	= "X_SPDDELETE",
	[SADB_X_SPDGET]		= "X_SPDGET",
	[SADB_X_SPDACQUIRE]	= "X_SPDACQUIRE",
	[SADB_X_SPDDUMP]	= "X_SPDDUMP",
	[SADB_X_SPDFLUSH]	= "X_SPDFLUSH",
	[SADB_X_SPDSETIDX]	= "X_SPDSETIDX",
	[SADB_X_SPDEXPIRE]	= "X_SPDEXPIRE",
	[SADB_X_SPDDELETE2]	= "X_SPDDELETE2",
	[SADB_X_NAT_T_NEW_MAPPING] = "X_NAT_T_NEW_MAPPING",
	[SADB_X_MIGRATE]	= "X_MIGRATE",
	[SADB_X_UPDATEPAIR]	= "UPDATE PAIR",
	[SADB_X_DELPAIR]	= "DELETE PAIR",
	[SADB_X_INVERSE_ACQUIRE] = "X_INVERSE_ACQUIRE",
	[SADB_X_DELPAIR_STATE]	= "X_DELPAIR_STATE",
};

static const char *const satype_names[] = {
	[SADB_SATYPE_UNSPEC]	= "<unspecified/all>",
	[SADB_SATYPE_AH]	= "AH",
	[SADB_SATYPE_ESP]	= "ESP",
	[SADB_SATYPE_RSVP]	= "RSVP",
	[SADB_SATYPE_OSPFV2]	= "OSPFV2",
	[SADB_SATYPE_RIPV2]	= "RIPV2",
	[SADB_SATYPE_MIP]	= "MIP",
	[SADB_X_SATYPE_IPCOMP]	= "IPCOMP",
	[SADB_X_SATYPE_TCPSIGNATURE] = "TCPSIGNATURE",
};

static const char *const state_names[] = {
	[SADB_SASTATE_LARVAL]		= "LARVAL",
	[SADB_SASTATE_MATURE]		= "MATURE",
	[SADB_SASTATE_DYING]		= "DYING",
	[SADB_SASTATE_DEAD]		= "DEAD",
	[SADB_X_SASTATE_ACTIVE_ELSEWHERE] = "ACTIVE_ELSEWHERE",
	[SADB_X_SASTATE_IDLE]		= "IDLE",
};

/*
 * SA flags, by meaning: first the Solaris names in the order the
 * reference documents, then the flags only KAME or Linux have, in bit
 * order.  Our bit positions differ from Solaris'; the names do not.
 * SADB_X_EXT_IV4B shares its bit with SADB_X_EXT_DERIV and is not listed.
 */
static const struct flag_name {
	uint32_t	bit;
	const char	*name;
} flag_names[] = {
	{ SADB_SAFLAGS_PFS,		"PFS" },
	{ SADB_SAFLAGS_NOREPLAY,	"NOREPLAY" },
	{ SADB_X_SAFLAGS_USED,		"X_USED" },
	{ SADB_X_SAFLAGS_PAIRED,	"X_PAIRED" },
	{ SADB_X_SAFLAGS_OUTBOUND,	"X_OUTBOUND" },
	{ SADB_X_SAFLAGS_INBOUND,	"X_INBOUND" },
	{ SADB_X_SAFLAGS_UNIQUE,	"X_UNIQUE" },
	{ SADB_X_SAFLAGS_AALG1,		"X_AALG1" },
	{ SADB_X_SAFLAGS_AALG2,		"X_AALG2" },
	{ SADB_X_SAFLAGS_EALG1,		"X_EALG1" },
	{ SADB_X_SAFLAGS_EALG2,		"X_EALG2" },
	{ SADB_X_SAFLAGS_NATT_LOC,	"X_NATT_LOC" },
	{ SADB_X_SAFLAGS_NATT_REM,	"X_NATT_REM" },
	{ SADB_X_SAFLAGS_TUNNEL,	"X_TUNNEL" },
	{ SADB_X_SAFLAGS_NATTED,	"X_NATTED" },
	{ SADB_X_EXT_OLD,		"X_EXT_OLD" },
	{ SADB_X_EXT_DERIV,		"X_EXT_DERIV" },
	{ SADB_X_EXT_CYCSEQ,		"X_EXT_CYCSEQ" },
	{ SADB_X_EXT_RAWCPI,		"X_EXT_RAWCPI" },
	{ SADB_X_EXT_PRAND,		"X_EXT_PRAND" },
	{ SADB_X_EXT_PZERO,		"X_EXT_PZERO" },
	{ SADB_X_SAFLAGS_KRES2,		"X_KRES2" },
	{ SADB_X_SAFLAGS_KRES1,		"X_KRES1" },
	{ SADB_X_SAFLAGS_KM4,		"X_KM4" },
	{ SADB_X_SAFLAGS_KM3,		"X_KM3" },
	{ SADB_X_SAFLAGS_KM2,		"X_KM2" },
	{ SADB_X_SAFLAGS_KM1,		"X_KM1" },
	{ SADB_SAFLAGS_NOPMTUDISC,	"NOPMTUDISC" },
	{ SADB_SAFLAGS_DECAP_DSCP,	"DECAP_DSCP" },
	{ SADB_SAFLAGS_NOECN,		"NOECN" },
};

/* Identity types: the srcidtype/dstidtype keywords where there is one. */
static const char *const ident_keywords[] = {
	[SADB_IDENTTYPE_PREFIX]		= "prefix",
	[SADB_IDENTTYPE_FQDN]		= "fqdn",
	[SADB_IDENTTYPE_USERFQDN]	= "user_fqdn",
	[SADB_X_IDENTTYPE_DN]		= "der_dn",
	[SADB_X_IDENTTYPE_GN]		= "der_gn",
	[SADB_X_IDENTTYPE_KEY_ID]	= "key_id",
	[SADB_X_IDENTTYPE_ADDR_RANGE]	= "addr_range",
};

/* Address extensions: line prefix, label, save keyword, port keyword. */
static const struct addr_kind {
	uint16_t	type;
	const char	*prefix;
	const char	*label;
	bool		inner;		/* always shown with its /prefix */
} addr_kinds[] = {
	{ SADB_EXT_ADDRESS_SRC,		"SRC: ", "Source address", false },
	{ SADB_EXT_ADDRESS_DST,		"DST: ", "Destination address", false },
	{ SADB_X_EXT_ADDRESS_INNER_SRC,	"INS: ", "Inner source address", true },
	{ SADB_X_EXT_ADDRESS_INNER_DST,	"IND: ", "Inner destination address",
	  true },
	{ SADB_X_EXT_ADDRESS_NATT_LOC,	"NLC: ", "NAT-T local address", false },
	{ SADB_X_EXT_ADDRESS_NATT_REM,	"NRM: ", "NAT-T remote address", false },
	{ SADB_X_EXT_NAT_T_OA,		"NOA: ", "NAT-T original address",
	  false },
};

/* Names from a table indexed by value, NULL outside it or in a hole. */
#define TABLE_NAME(t, v) \
	((size_t)(v) < ARRAY_LEN(t) ? (t)[(v)] : NULL)

/* ------------------------------------------------------- small helpers */

static bool paranoid(unsigned flags)
{
	return (flags & PK_IPSECKEY_PARANOID) != 0;
}

int pk_ipseckey_format_time(char *buf, size_t size, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (size == 0)
		return -EINVAL;
	if ((uint64_t)tt != t || (int64_t)t < 0 ||
	    localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%a %b %e %H:%M:%S %Y", &tm) == 0) {
		snprintf(buf, size, "<invalid time %" PRIu64 ">", t);
		return -ERANGE;
	}
	return 0;
}

/*
 * "(8.00 hours) ": seconds of a lifetime in the largest unit they reach.
 * Under a minute there is no suffix (the number says it all).
 */
static const char *human_secs(char *buf, size_t size, uint64_t s)
{
	static const struct {
		uint64_t	secs;
		const char	*unit;
	} units[] = {
		{ 86400, "days" }, { 3600, "hours" }, { 60, "minutes" },
	};

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(units); i++)
		if (s >= units[i].secs) {
			snprintf(buf, size, "(%.2f %s) ",
				 (double)s / (double)units[i].secs,
				 units[i].unit);
			break;
		}
	return buf;
}

/* "(1.50 MB) ": bytes in binary units from 1 KB (1024) up. */
static const char *human_bytes(char *buf, size_t size, uint64_t b)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB", "PB",
					     "EB" };
	double v = (double)b;
	size_t u = 0;

	buf[0] = '\0';
	if (b < 1024)
		return buf;
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < ARRAY_LEN(units)) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, size, "(%.2f %s) ", v, units[u]);
	return buf;
}

/*
 * nbits bits of data starting at bit `from` (counted from the most
 * significant bit of data[0]) as ceil(nbits / 4) hex digits, the bits
 * beyond nbits in the last digit as zero; every digit an X when hidden.
 */
static void put_bits(FILE *f, const uint8_t *data, unsigned from,
		     unsigned nbits, bool hidden)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned at = 0; at < nbits; at += 4) {
		unsigned nib = 0;

		for (unsigned i = 0; i < 4; i++) {
			unsigned bit = from + at + i;

			nib <<= 1;
			if (at + i < nbits &&
			    (data[bit / 8] & (0x80u >> (bit % 8))) != 0)
				nib |= 1;
		}
		fputc(hidden ? 'X' : hex[nib], f);
	}
}

/* Bytes as text: printable ASCII kept, the rest as \xHH; stops at NUL. */
static void put_text(FILE *f, const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len && s[i] != '\0'; i++) {
		if (s[i] == '\\')
			fputs("\\\\", f);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			fputc(s[i], f);
		else
			fprintf(f, "\\x%02x", s[i]);
	}
}

static void put_hex(FILE *f, const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", s[i]);
}

/* Text form of a sockaddr's address; its port in host order. */
static void sa_text(const struct sockaddr_storage *ss, char *buf,
		    size_t size, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)size);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)size);
		*port = ntohs(s4->sin_port);
	}
}

static bool sa_unspecified(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
	}
	return ((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr
	       == INADDR_ANY;
}

/* The class of sadb_sa_encrypt for a message's SA type. */
static enum pk_alg_class encr_class(const struct pk_msg *m)
{
	return m->hdr->sadb_msg_satype == SADB_X_SATYPE_IPCOMP ? PK_ALG_COMP
							      : PK_ALG_ENCR;
}

/* ------------------------------------------------------------ listing */

static void print_sa(FILE *f, const struct pk_msg *m,
		     const struct sadb_sa *sa)
{
	const char *state = TABLE_NAME(state_names, sa->sadb_sa_state);
	const char *name;
	uint32_t rest = sa->sadb_sa_flags;

	fprintf(f, "SA: SADB_ASSOC spi=0x%" PRIx32 ", replay window size=%u, "
		"state=", ntohl(sa->sadb_sa_spi), sa->sadb_sa_replay);
	if (state != NULL)
		fprintf(f, "%s\n", state);
	else
		fprintf(f, "<unknown %u>\n", sa->sadb_sa_state);
	if (sa->sadb_sa_auth != SADB_AALG_NONE) {
		name = pk_alg_name(PK_ALG_AUTH, sa->sadb_sa_auth);
		fputs("SA: Authentication algorithm = ", f);
		if (name != NULL)
			fprintf(f, "%s\n", name);
		else
			fprintf(f, "%u\n", sa->sadb_sa_auth);
	}
	if (sa->sadb_sa_encrypt != SADB_EALG_NONE) {
		enum pk_alg_class cls = encr_class(m);

		name = pk_alg_name(cls, sa->sadb_sa_encrypt);
		fprintf(f, "SA: %s algorithm = ",
			cls == PK_ALG_COMP ? "Compression" : "Encryption");
		if (name != NULL)
			fprintf(f, "%s\n", name);
		else
			fprintf(f, "%u\n", sa->sadb_sa_encrypt);
	}
	fprintf(f, "SA: flags=0x%" PRIx32 " < ", sa->sadb_sa_flags);
	for (size_t i = 0; i < ARRAY_LEN(flag_names); i++)
		if ((sa->sadb_sa_flags & flag_names[i].bit) != 0) {
			fprintf(f, "%s ", flag_names[i].name);
			rest &= ~flag_names[i].bit;
		}
	for (unsigned b = 0; b < 32; b++)
		if ((rest & (UINT32_C(1) << b)) != 0)
			fprintf(f, "0x%" PRIx32 " ", UINT32_C(1) << b);
	fputs(">\n", f);
}

static const struct addr_kind *addr_kind(unsigned type)
{
	for (size_t i = 0; i < ARRAY_LEN(addr_kinds); i++)
		if (addr_kinds[i].type == type)
			return &addr_kinds[i];
	return NULL;
}

/* KAME policy messages: their addresses are selectors with prefixes. */
static bool spd_message(const struct pk_msg *m)
{
	unsigned t = m->hdr->sadb_msg_type;

	return t >= SADB_X_PCHANGE && t <= SADB_X_SPDDELETE2;
}

/*
 * The inner source a Linux-style SADB writes for every SA that has no
 * selector (pfkeyd does too): the any-address, prefix 0, no inner
 * destination.  It names no tunnel, so ipseckey neither lists nor saves it.
 */
static bool no_selector(const struct pk_msg *m, const struct sadb_address *a)
{
	static const uint8_t zero[16];
	struct sockaddr_storage ss;
	const uint8_t *addr;
	size_t len;

	if (a->sadb_address_exttype != SADB_X_EXT_ADDRESS_INNER_SRC ||
	    a->sadb_address_prefixlen != 0 ||
	    m->ext[SADB_X_EXT_ADDRESS_INNER_DST] != NULL)
		return false;
	pk_address_sockaddr(a, &ss);
	if (ss.ss_family == AF_INET) {
		addr = (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr;
		len = 4;
	} else {
		addr = (const uint8_t *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
		len = 16;
	}
	return memcmp(addr, zero, len) == 0;
}

/* An address extension of m, the no-selector inner source left out. */
static const struct sadb_address *addr_ext(const struct pk_msg *m,
					   unsigned type)
{
	const struct sadb_address *a = PK_MSG_EXT(m, type, sadb_address);

	return a != NULL && !no_selector(m, a) ? a : NULL;
}

/*
 * The address line ends with "/prefix" for inner addresses and for the
 * selectors of policy messages always, for other addresses only when the
 * prefix is not the whole address (0 and the family's maximum both mean
 * "this host" in an SA).
 */
static void print_address(FILE *f, const struct pk_msg *m, unsigned flags,
			  const struct sadb_address *a)
{
	static const struct addr_kind other = { 0, "ADR: ", "Address", false };
	const struct addr_kind *k = addr_kind(a->sadb_address_exttype);
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN], host[NI_MAXHOST];
	size_t salen = pk_address_sockaddr(a, &ss);
	unsigned port, maxpfx = pk_family_maxprefix(ss.ss_family);
	unsigned proto = a->sadb_address_proto;

	if (k == NULL)
		k = &other;
	fprintf(f, "%s%s (proto=%u", k->prefix, k->label, proto);
	if ((flags & PK_IPSECKEY_NUMERIC) == 0 && proto != 0 &&
	    proto != IPSEC_ULPROTO_ANY) {
		struct protoent pe, *res = NULL;
		char pbuf[1024];

		if (getprotobynumber_r((int)proto, &pe, pbuf, sizeof(pbuf),
				       &res) == 0 && res != NULL)
			fprintf(f, "/%s", res->p_name);
	}
	fprintf(f, ")\n");
	sa_text(&ss, text, sizeof(text), &port);
	fprintf(f, "%s%s: port %u, %s", k->prefix,
		ss.ss_family == AF_INET6 ? "AF_INET6" : "AF_INET", port, text);
	if (k->inner || spd_message(m) ||
	    (a->sadb_address_prefixlen != 0 &&
	     a->sadb_address_prefixlen < maxpfx))
		fprintf(f, "/%u", a->sadb_address_prefixlen);
	if ((flags & PK_IPSECKEY_NUMERIC) == 0 && !sa_unspecified(&ss) &&
	    getnameinfo((const struct sockaddr *)&ss, (socklen_t)salen, host,
			sizeof(host), NULL, 0, NI_NAMEREQD) == 0)
		fprintf(f, " (%s)", host);
	fputs(".\n", f);
}

/* Salt bits of the algorithm a key belongs to; 0 when none or unknown. */
static unsigned key_salt_bits(const struct pk_msg *m,
			      const struct sadb_key *k)
{
	const struct sadb_sa *sa = PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);
	const struct pk_alg *a;

	if (sa == NULL)
		return 0;
	if (k->sadb_key_exttype == SADB_EXT_KEY_AUTH)
		a = pk_alg_by_id(PK_ALG_AUTH, sa->sadb_sa_auth);
	else
		a = pk_alg_by_id(encr_class(m), sa->sadb_sa_encrypt);
	if (a == NULL || a->salt_bits == 0 || a->salt_bits >= k->sadb_key_bits)
		return 0;
	return a->salt_bits;
}

static void print_key(FILE *f, const struct pk_msg *m, unsigned flags,
		      const struct sadb_key *k)
{
	bool auth = k->sadb_key_exttype == SADB_EXT_KEY_AUTH;
	const char *pfx = auth ? "AKY: " : "EKY: ";
	unsigned bits = k->sadb_key_bits, salt = key_salt_bits(m, k);

	fprintf(f, "%s%s key.\n%s", pfx, auth ? "Authentication" : "Encryption",
		pfx);
	put_bits(f, pk_key_data(k), 0, bits - salt, paranoid(flags));
	if (salt != 0) {
		fputc('[', f);
		put_bits(f, pk_key_data(k), bits - salt, salt, paranoid(flags));
		fprintf(f, "]/%u+%u\n", bits - salt, salt);
	} else {
		fprintf(f, "/%u\n", bits);
	}
	if (k->sadb_key_reserved != 0)
		fprintf(f, "%sReserved bits = %u.\n", pfx, k->sadb_key_reserved);
}

static void print_ident(FILE *f, const struct sadb_ident *id)
{
	bool src = id->sadb_ident_exttype == SADB_EXT_IDENTITY_SRC;
	const char *pfx = src ? "SID: " : "DID: ";
	const char *type = TABLE_NAME(ident_keywords, id->sadb_ident_type);
	const uint8_t *s = (const uint8_t *)(id + 1);
	size_t len = SADB_BYTES(id->sadb_ident_len) - sizeof(*id);

	fprintf(f, "%s%s identity, uid=%" PRIu64 ", type ", pfx,
		src ? "Source" : "Destination", id->sadb_ident_id);
	if (type != NULL)
		fprintf(f, "%s\n", type);
	else
		fprintf(f, "%u\n", id->sadb_ident_type);
	fputs(pfx, f);
	if (id->sadb_ident_type == SADB_X_IDENTTYPE_DN ||
	    id->sadb_ident_type == SADB_X_IDENTTYPE_GN) {
		/* Binary DER, zero padding stripped. */
		while (len > 0 && s[len - 1] == 0)
			len--;
		fputs("0x", f);
		put_hex(f, s, len);
	} else {
		put_text(f, s, len);
	}
	fputc('\n', f);
}

static void print_sens(FILE *f, const struct sadb_sens *s)
{
	bool outer = s->sadb_sens_exttype == SADB_X_EXT_OUTER_SENS;
	const char *pfx = outer ? "OSN: " : "SNS: ";
	const uint8_t *bm = (const uint8_t *)(s + 1);

	fprintf(f, "%s%s, DOI %" PRIu32 ", level %u, %u bitmap words; "
		"integrity level %u, %u bitmap words\n", pfx,
		outer ? "Outer sensitivity" : "Sensitivity", s->sadb_sens_dpd,
		s->sadb_sens_sens_level, s->sadb_sens_sens_len,
		s->sadb_sens_integ_level, s->sadb_sens_integ_len);
	if (s->sadb_sens_sens_len != 0) {
		fprintf(f, "%sSensitivity bitmap 0x", pfx);
		put_hex(f, bm, (size_t)s->sadb_sens_sens_len * 8);
		fputc('\n', f);
	}
	if (s->sadb_sens_integ_len != 0) {
		fprintf(f, "%sIntegrity bitmap 0x", pfx);
		put_hex(f, bm + (size_t)s->sadb_sens_sens_len * 8,
			(size_t)s->sadb_sens_integ_len * 8);
		fputc('\n', f);
	}
}

/* "hmac-sha1", or the number when the table does not know the id. */
static void put_alg(FILE *f, enum pk_alg_class cls, unsigned id)
{
	const char *name = pk_alg_name(cls, id);

	if (name != NULL)
		fputs(name, f);
	else
		fprintf(f, "%u", id);
}

static void print_prop(FILE *f, const struct pk_msg *m,
		       const struct sadb_prop *p)
{
	size_t n = (SADB_BYTES(p->sadb_prop_len) - sizeof(*p)) /
		   sizeof(struct sadb_comb);

	fprintf(f, "PRP: Proposal, replay window size=%u, %zu combination%s.\n",
		p->sadb_prop_replay, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		struct sadb_comb c;

		memcpy(&c, (const uint8_t *)(p + 1) + i * sizeof(c),
		       sizeof(c));
		fprintf(f, "PRP:   Combination #%zu: auth=", i + 1);
		put_alg(f, PK_ALG_AUTH, c.sadb_comb_auth);
		fprintf(f, " (%u-%u bits), encr=", c.sadb_comb_auth_minbits,
			c.sadb_comb_auth_maxbits);
		put_alg(f, encr_class(m), c.sadb_comb_encrypt);
		fprintf(f, " (%u-%u bits), flags=0x%x\n",
			c.sadb_comb_encrypt_minbits,
			c.sadb_comb_encrypt_maxbits, c.sadb_comb_flags);
		fprintf(f, "PRP:     soft: %" PRIu32 " allocations, %" PRIu64
			" bytes, %" PRIu64 " seconds post-add, %" PRIu64
			" seconds post-use\n", c.sadb_comb_soft_allocations,
			c.sadb_comb_soft_bytes, c.sadb_comb_soft_addtime,
			c.sadb_comb_soft_usetime);
		fprintf(f, "PRP:     hard: %" PRIu32 " allocations, %" PRIu64
			" bytes, %" PRIu64 " seconds post-add, %" PRIu64
			" seconds post-use\n", c.sadb_comb_hard_allocations,
			c.sadb_comb_hard_bytes, c.sadb_comb_hard_addtime,
			c.sadb_comb_hard_usetime);
	}
}

static void print_supported(FILE *f, const struct pk_msg *m,
			    const struct sadb_supported *s)
{
	bool auth = s->sadb_supported_exttype == SADB_EXT_SUPPORTED_AUTH;
	enum pk_alg_class cls = auth ? PK_ALG_AUTH : encr_class(m);
	size_t n = pk_supported_count(s);

	fprintf(f, "SUP: Supported %s algorithms:\n",
		auth ? "authentication" :
		cls == PK_ALG_COMP ? "compression" : "encryption");
	for (size_t i = 0; i < n; i++) {
		struct sadb_alg a = pk_supported_alg(s, i);

		fputs("SUP:   ", f);
		put_alg(f, cls, a.sadb_alg_id);
		fprintf(f, " (id=%u) minbits=%u, maxbits=%u, ivlen=%u\n",
			a.sadb_alg_id, a.sadb_alg_minbits, a.sadb_alg_maxbits,
			a.sadb_alg_ivlen);
	}
}

static void put_name_or_num(FILE *f, const char *name, unsigned v)
{
	if (name != NULL)
		fputs(name, f);
	else
		fprintf(f, "%u", v);
}

static void print_policy(FILE *f, const struct sadb_x_policy *p)
{
	const struct sadb_x_ipsecrequest *r = NULL;

	fputs("POL: Policy type=", f);
	put_name_or_num(f, pk_word(PK_WORD_POLICY, p->sadb_x_policy_type),
			p->sadb_x_policy_type);
	fputs(", dir=", f);
	put_name_or_num(f, pk_word(PK_WORD_DIR, p->sadb_x_policy_dir),
			p->sadb_x_policy_dir);
	fprintf(f, ", id=%" PRIu32 ", priority=0x%" PRIx32 "\n",
		p->sadb_x_policy_id, p->sadb_x_policy_priority);
	while ((r = pk_policy_next_request(p, r)) != NULL) {
		struct sockaddr_storage ts, td;
		unsigned proto = r->sadb_x_ipsecrequest_proto;

		fputs("POL:   ", f);
		put_name_or_num(f, proto == IPPROTO_ESP ? "esp" :
				   proto == IPPROTO_AH ? "ah" :
				   proto == IPPROTO_COMP ? "ipcomp" : NULL,
				proto);
		fputc('/', f);
		put_name_or_num(f, pk_word(PK_WORD_MODE, r->sadb_x_ipsecrequest_mode),
				r->sadb_x_ipsecrequest_mode);
		fputc('/', f);
		if (pk_request_endpoints(r, &ts, &td) == 1) {
			char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
			unsigned pa, pb;

			sa_text(&ts, a, sizeof(a), &pa);
			sa_text(&td, b, sizeof(b), &pb);
			fprintf(f, "%s-%s", a, b);
		}
		fputc('/', f);
		put_name_or_num(f, pk_word(PK_WORD_LEVEL, r->sadb_x_ipsecrequest_level),
				r->sadb_x_ipsecrequest_level);
		fprintf(f, " reqid=%" PRIu32 "\n",
			r->sadb_x_ipsecrequest_reqid);
	}
}

static void print_sa2(FILE *f, const struct sadb_x_sa2 *s)
{
	fputs("SA2: mode=", f);
	put_name_or_num(f, pk_word(PK_WORD_MODE, s->sadb_x_sa2_mode),
			s->sadb_x_sa2_mode);
	fprintf(f, " reqid=%" PRIu32, s->sadb_x_sa2_reqid);
	if (s->sadb_x_sa2_sequence != 0)
		fprintf(f, " sequence=%" PRIu32, s->sadb_x_sa2_sequence);
	fputc('\n', f);
}

static void print_kmaddress(FILE *f, const struct sadb_x_kmaddress *k)
{
	struct sockaddr_storage l, r;
	const uint8_t *p = (const uint8_t *)(k + 1);
	uint16_t fam;
	size_t salen;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	unsigned pa, pb;

	memcpy(&fam, p, sizeof(fam));
	salen = pk_sockaddr_len(fam);
	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	memcpy(&l, p, salen);
	memcpy(&r, p + salen, salen);
	sa_text(&l, a, sizeof(a), &pa);
	sa_text(&r, b, sizeof(b), &pb);
	fprintf(f, "KMA: Key management addresses local %s, remote %s\n", a, b);
}

static void print_filter(FILE *f, const struct sadb_x_filter *x)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int fam = x->sadb_x_filter_family;
	uint32_t sa[4], da[4];

	memcpy(sa, x->sadb_x_filter_saddr, sizeof(sa));
	memcpy(da, x->sadb_x_filter_daddr, sizeof(da));
	inet_ntop(fam, sa, a, sizeof(a));
	inet_ntop(fam, da, b, sizeof(b));
	fprintf(f, "FLT: Dump filter source %s/%u, destination %s/%u\n", a,
		x->sadb_x_filter_splen, b, x->sadb_x_filter_dplen);
}

/* One extension of the listing (lifetimes excepted). */
static void print_ext(FILE *f, const struct pk_msg *m, unsigned flags,
		      const struct sadb_ext *ext, size_t bytes)
{
	const struct pk_ext_info *info = pk_ext_info(ext->sadb_ext_type);

	switch (info->kind) {
	case PK_EK_SA:
		print_sa(f, m, (const void *)ext);
		break;
	case PK_EK_ADDRESS:
		if (!no_selector(m, (const void *)ext))
			print_address(f, m, flags, (const void *)ext);
		break;
	case PK_EK_KEY:
		print_key(f, m, flags, (const void *)ext);
		break;
	case PK_EK_IDENT:
		print_ident(f, (const void *)ext);
		break;
	case PK_EK_SENS:
		print_sens(f, (const void *)ext);
		break;
	case PK_EK_PROP:
		print_prop(f, m, (const void *)ext);
		break;
	case PK_EK_SUPPORTED:
		print_supported(f, m, (const void *)ext);
		break;
	case PK_EK_SPIRANGE: {
		const struct sadb_spirange *r = (const void *)ext;

		fprintf(f, "RNG: SPI range, min=0x%" PRIx32 ", max=0x%" PRIx32
			"\n", r->sadb_spirange_min, r->sadb_spirange_max);
		break;
	}
	case PK_EK_KMPRIVATE:
		fprintf(f, "KMP: Key management private data, %zu bytes\n",
			bytes - sizeof(struct sadb_x_kmprivate));
		break;
	case PK_EK_POLICY:
		print_policy(f, (const void *)ext);
		break;
	case PK_EK_SA2:
		print_sa2(f, (const void *)ext);
		break;
	case PK_EK_NAT_T_TYPE: {
		const struct sadb_x_nat_t_type *t = (const void *)ext;
		unsigned v = t->sadb_x_nat_t_type_type;

		fprintf(f, "NTT: NAT-T encapsulation type %u (%s)\n", v,
			v == PK_UDP_ENCAP_ESPINUDP ? "esp-in-udp" :
			v == PK_UDP_ENCAP_ESPINUDP_NON_IKE ?
			"esp-in-udp-non-ike" : "unknown");
		break;
	}
	case PK_EK_NAT_T_PORT: {
		const struct sadb_x_nat_t_port *p = (const void *)ext;

		fprintf(f, "NTP: NAT-T %s port %u\n",
			p->sadb_x_nat_t_port_exttype == SADB_X_EXT_NAT_T_SPORT ?
			"source" : "destination",
			ntohs(p->sadb_x_nat_t_port_port));
		break;
	}
	case PK_EK_SEC_CTX: {
		const struct sadb_x_sec_ctx *c = (const void *)ext;

		fprintf(f, "SCX: Security context alg=%u, doi=%u, \"",
			c->sadb_x_ctx_alg, c->sadb_x_ctx_doi);
		put_text(f, (const uint8_t *)(c + 1), c->sadb_x_ctx_len);
		fputs("\"\n", f);
		break;
	}
	case PK_EK_KMADDRESS:
		print_kmaddress(f, (const void *)ext);
		break;
	case PK_EK_FILTER:
		print_filter(f, (const void *)ext);
		break;
	case PK_EK_PAIR: {
		const struct sadb_x_pair *p = (const void *)ext;

		fprintf(f, "OTH: Paired with spi=0x%" PRIx32 "\n",
			ntohl(p->sadb_x_pair_spi));
		break;
	}
	case PK_EK_REPLAY: {
		const struct sadb_x_replay_ctr *r = (const void *)ext;

		if (r->sadb_x_rc_replay64 != 0)
			fprintf(f, "RPL: Replay Value %" PRIu64 "\n",
				r->sadb_x_rc_replay64);
		else
			fprintf(f, "RPL: Replay Value %" PRIu32 "\n",
				r->sadb_x_rc_replay32);
		break;
	}
	case PK_EK_KMC: {
		const struct sadb_x_kmc *k = (const void *)ext;

		fprintf(f, "KMC: Key management protocol %" PRIu32
			", cookie 0x%" PRIx64 "\n", k->sadb_x_kmc_proto,
			k->sadb_x_kmc_cookie);
		break;
	}
	default:
		/* PK_EK_LIFETIME is collected by the caller. */
		break;
	}
}

/* "CLT: SA added at time: <time>" and, with -v, the raw value. */
static void print_time_line(FILE *f, unsigned flags, const char *pfx,
			    const char *what, uint64_t t)
{
	char buf[64];

	pk_ipseckey_format_time(buf, sizeof(buf), t);
	fprintf(f, "%s%s%s\n", pfx, what, buf);
	if (flags & PK_IPSECKEY_VERBOSE)
		fprintf(f, "%s(raw time value %" PRIu64 ")\n", pfx, t);
}

static void print_limits(FILE *f, const char *pfx, const char *title,
			 const struct sadb_lifetime *lt, bool counts)
{
	char h[48];

	fprintf(f, "%s%s lifetime information:\n", pfx, title);
	if (counts)
		fprintf(f, "%s%" PRIu64 " bytes %sof lifetime, %" PRIu32
			" allocations.\n", pfx, lt->sadb_lifetime_bytes,
			human_bytes(h, sizeof(h), lt->sadb_lifetime_bytes),
			lt->sadb_lifetime_allocations);
	fprintf(f, "%s%" PRIu64 " seconds %sof post-add lifetime.\n", pfx,
		lt->sadb_lifetime_addtime,
		human_secs(h, sizeof(h), lt->sadb_lifetime_addtime));
	fprintf(f, "%s%" PRIu64 " seconds %sof post-use lifetime.\n", pfx,
		lt->sadb_lifetime_usetime,
		human_secs(h, sizeof(h), lt->sadb_lifetime_usetime));
}

static void print_lifetimes(FILE *f, const struct pk_msg *m, unsigned flags,
			    time_t now)
{
	const struct sadb_lifetime *c, *s, *h, *i;

	c = PK_MSG_EXT(m, SADB_EXT_LIFETIME_CURRENT, sadb_lifetime);
	s = PK_MSG_EXT(m, SADB_EXT_LIFETIME_SOFT, sadb_lifetime);
	h = PK_MSG_EXT(m, SADB_EXT_LIFETIME_HARD, sadb_lifetime);
	i = PK_MSG_EXT(m, SADB_X_EXT_LIFETIME_IDLE, sadb_lifetime);
	if (c == NULL && s == NULL && h == NULL && i == NULL)
		return;
	fputs(" LT: Lifetime information\n", f);
	if (c != NULL) {
		fputs("CLT: Current lifetime information:\n", f);
		fprintf(f, "CLT: %" PRIu64 " bytes protected, %" PRIu32
			" allocations used.\n", c->sadb_lifetime_bytes,
			c->sadb_lifetime_allocations);
		print_time_line(f, flags, "CLT: ", "SA added at time: ",
				c->sadb_lifetime_addtime);
		if (c->sadb_lifetime_usetime != 0)
			print_time_line(f, flags, "CLT: ",
					"SA first used at time ",
					c->sadb_lifetime_usetime);
		print_time_line(f, flags, "CLT: ", "Time now is ",
				(uint64_t)now);
	}
	if (s != NULL)
		print_limits(f, "SLT: ", "Soft", s, true);
	if (h != NULL)
		print_limits(f, "HLT: ", "Hard", h, true);
	if (i != NULL)
		print_limits(f, "ILT: ", "Idle", i, false);
}

int pk_ipseckey_print_msg(FILE *f, const struct pk_msg *m, unsigned flags,
			  time_t now)
{
	const struct sadb_msg *h;
	const struct sadb_ext *ext;
	const char *name;
	size_t off = sizeof(*h), n;
	int rc;

	if (f == NULL || m == NULL || m->hdr == NULL ||
	    m->len < sizeof(*h))
		return -EINVAL;
	h = m->hdr;
	fprintf(f, "Base message (version %u) type ", h->sadb_msg_version);
	name = TABLE_NAME(msg_type_names, h->sadb_msg_type);
	if (name != NULL)
		fputs(name, f);
	else
		fprintf(f, "Unknown (%u)", h->sadb_msg_type);
	fputs(", SA type ", f);
	name = TABLE_NAME(satype_names, h->sadb_msg_satype);
	if (name != NULL)
		fputs(name, f);
	else
		fprintf(f, "<unknown %u>", h->sadb_msg_satype);
	fputs(".\n", f);
	if (h->sadb_msg_errno != 0) {
		char ebuf[128];
		const char *dt = pk_diag_text(h->sadb_x_msg_diagnostic);

		fprintf(f, "Error %s from PF_KEY.\n",
			strerror_r(h->sadb_msg_errno, ebuf, sizeof(ebuf)));
		fprintf(f, "  Diagnostic code %u:  %s.\n",
			h->sadb_x_msg_diagnostic,
			dt != NULL ? dt : "Unknown diagnostic code");
	}
	fprintf(f, "Message length %zu bytes, seq=%" PRIu32 ", pid=%" PRIu32
		".\n", SADB_BYTES(h->sadb_msg_len), h->sadb_msg_seq,
		h->sadb_msg_pid);

	while ((rc = pk_ext_next(h, m->len, &off, &ext, &n)) == 1) {
		unsigned t = ext->sadb_ext_type;

		if (t > SADB_PFKEY_EXT_MAX || m->ext[t] != ext) {
			fprintf(f, "UNK: Unknown extension type %u, %zu bytes\n",
				t, n);
			continue;
		}
		print_ext(f, m, flags, ext, n);
	}
	if (rc < 0)
		fprintf(f, "UNK: Truncated extension at offset %zu\n", off);
	print_lifetimes(f, m, flags, now);
	return ferror(f) ? -EIO : 0;
}

/* --------------------------------------------------------------- save */

/*
 * A line of the command: text, then " \" so the command goes on.  The
 * first two lines end with a space before it, as the reference's do.
 */
#define CONT	" \\\n"

static void save_key(FILE *f, unsigned flags, const char *kw,
		     const struct sadb_key *k)
{
	if (k->sadb_key_exttype == SADB_EXT_KEY_ENCRYPT &&
	    k->sadb_key_reserved != 0)
		fprintf(f, "\treserved_bits %u" CONT, k->sadb_key_reserved);
	fprintf(f, "\t%s ", kw);
	put_bits(f, pk_key_data(k), 0, k->sadb_key_bits, paranoid(flags));
	fprintf(f, "/%u" CONT, k->sadb_key_bits);
}

/* One address line: "    src 10.0.0.1 sport 500" (+ "/24" for inner). */
static unsigned save_address(FILE *f, const struct pk_msg *m, unsigned type,
			     const char *kw, const char *port_kw, bool inner)
{
	const struct sadb_address *a = addr_ext(m, type);
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN];
	unsigned port;

	if (a == NULL)
		return 0;
	pk_address_sockaddr(a, &ss);
	sa_text(&ss, text, sizeof(text), &port);
	/*
	 * A NAT-T address extension that only carries a port (nat_lport or
	 * nat_rport without nat_loc / nat_rem): the port alone, since
	 * "nat_rem 0.0.0.0" would read back as a NAT-T address and set the
	 * X_NATT_REM flag the SA did not have.
	 */
	if ((type == SADB_X_EXT_ADDRESS_NATT_LOC ||
	     type == SADB_X_EXT_ADDRESS_NATT_REM) && sa_unspecified(&ss)) {
		if (port != 0)
			fprintf(f, "    %s %u" CONT, port_kw, port);
		return port;
	}
	fprintf(f, "    %s %s", kw, text);
	if (inner)
		fprintf(f, "/%u", a->sadb_address_prefixlen);
	if (port != 0 && port_kw != NULL)
		fprintf(f, " %s %u", port_kw, port);
	fputs(CONT, f);
	return port;
}

/* The upper-layer protocol of a pair of address extensions, 0 if none. */
static unsigned addr_proto(const struct pk_msg *m, unsigned t1, unsigned t2)
{
	const struct sadb_address *a = addr_ext(m, t1);
	const struct sadb_address *b = addr_ext(m, t2);

	if (a != NULL && a->sadb_address_proto != 0)
		return a->sadb_address_proto;
	if (b != NULL)
		return b->sadb_address_proto;
	return 0;
}

/* A name ipseckey reads back as the same algorithm, or NULL. */
static const char *readable_alg(enum pk_alg_class cls, unsigned id)
{
	const char *name = pk_alg_name(cls, id);
	const struct pk_alg *a;

	if (name == NULL)
		return NULL;
	a = pk_alg_by_name(cls, PK_DIALECT_IPSECKEY, name);
	return a != NULL && a->id == id ? name : NULL;
}

static void save_lifetime(FILE *f, const struct sadb_lifetime *lt,
			  const char *kind, bool counts)
{
	if (lt == NULL)
		return;
	if (counts && lt->sadb_lifetime_allocations != 0)
		fprintf(f, "\t%s_alloc %" PRIu32 CONT, kind,
			lt->sadb_lifetime_allocations);
	if (counts && lt->sadb_lifetime_bytes != 0)
		fprintf(f, "\t%s_bytes %" PRIu64 CONT, kind,
			lt->sadb_lifetime_bytes);
	if (lt->sadb_lifetime_addtime != 0)
		fprintf(f, "\t%s_addtime %" PRIu64 CONT, kind,
			lt->sadb_lifetime_addtime);
	if (lt->sadb_lifetime_usetime != 0)
		fprintf(f, "\t%s_usetime %" PRIu64 CONT, kind,
			lt->sadb_lifetime_usetime);
}

/*
 * An identity value as one token: as it is when it has no blank or
 * quote, else in double quotes.  Returns false when it cannot be written
 * as text (binary DER, or a quote inside).
 */
static bool save_ident(FILE *f, const struct sadb_ident *id, const char *kw)
{
	const char *s = (const char *)(id + 1);
	size_t room = SADB_BYTES(id->sadb_ident_len) - sizeof(*id);
	size_t len = room == 0 ? 0 : strnlen(s, room);
	const char *type = TABLE_NAME(ident_keywords, id->sadb_ident_type);
	bool quote = len == 0;

	if (len == room && room != 0)
		return false;		/* no NUL: binary */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c < 0x20 || c >= 0x7f)
			return false;
		if (c == ' ' || c == '\t' || c == '\\' || c == '#')
			quote = true;
	}
	/* key_id and addr_range have no keyword: their numbers are read. */
	if (id->sadb_ident_type >= SADB_X_IDENTTYPE_KEY_ID)
		fprintf(f, "    %s %u ", kw, id->sadb_ident_type);
	else
		fprintf(f, "    %s %s ", kw, type);
	fprintf(f, quote ? "\"%.*s\"" : "%.*s", (int)len, s);
	fputs(CONT, f);
	return true;
}

int pk_ipseckey_print_save_header(FILE *f)
{
	fputs("# This key file was generated by the ipseckey command's "
	      "'save' feature.\n\n", f);
	return ferror(f) ? -EIO : 0;
}

int pk_ipseckey_print_save(FILE *f, const struct pk_msg *m, unsigned flags)
{
	const struct sadb_sa *sa;
	const struct sadb_key *k;
	const struct sadb_ident *id;
	const struct sadb_x_pair *pair;
	const struct sadb_x_replay_ctr *rc;
	const struct sadb_x_nat_t_port *np;
	const char *name;
	unsigned satype, lport, rport, proto;
	bool natt;

	if (f == NULL || m == NULL || m->hdr == NULL)
		return -EINVAL;
	sa = PK_MSG_EXT(m, SADB_EXT_SA, sadb_sa);
	if (sa == NULL)
		return -EINVAL;
	satype = m->hdr->sadb_msg_satype;

	fputs("# begin assoc\n", f);
	if (satype == SADB_SATYPE_AH || satype == SADB_SATYPE_ESP)
		fprintf(f, "add %s ", pk_satype_name(satype));
	else
		fprintf(f, "add %u ", satype);
	fputs(CONT, f);

	/* The SA line. */
	fprintf(f, "    spi 0x%" PRIx32 " ", ntohl(sa->sadb_sa_spi));
	if (sa->sadb_sa_encrypt != SADB_EALG_NONE) {
		name = readable_alg(encr_class(m), sa->sadb_sa_encrypt);
		if (name != NULL)
			fprintf(f, "encr_alg %s ", name);
		else
			fprintf(f, "encr_alg %u ", sa->sadb_sa_encrypt);
	}
	if (sa->sadb_sa_auth != SADB_AALG_NONE) {
		name = readable_alg(PK_ALG_AUTH, sa->sadb_sa_auth);
		if (name != NULL)
			fprintf(f, "auth_alg %s ", name);
		else
			fprintf(f, "auth_alg %u ", sa->sadb_sa_auth);
	}
	fprintf(f, "replay %u ", sa->sadb_sa_replay);
	/* Idle and active-elsewhere are passing states: restored as mature. */
	if (sa->sadb_sa_state != SADB_SASTATE_MATURE &&
	    sa->sadb_sa_state <= SADB_SASTATE_DEAD) {
		name = pk_word(PK_WORD_STATE, sa->sadb_sa_state);
		if (name != NULL)
			fprintf(f, "state %s ", name);
		else
			fprintf(f, "state %u ", sa->sadb_sa_state);
	}
	if (sa->sadb_sa_flags & SADB_X_SAFLAGS_INBOUND)
		fputs("inbound ", f);
	if (sa->sadb_sa_flags & SADB_X_SAFLAGS_OUTBOUND)
		fputs("outbound ", f);
	natt = (sa->sadb_sa_flags & (SADB_X_SAFLAGS_NATT_LOC |
				     SADB_X_SAFLAGS_NATT_REM)) != 0 ||
	       (m->present & (PK_EXT_BIT(SADB_X_EXT_ADDRESS_NATT_LOC) |
			      PK_EXT_BIT(SADB_X_EXT_ADDRESS_NATT_REM) |
			      PK_EXT_BIT(SADB_X_EXT_NAT_T_TYPE) |
			      PK_EXT_BIT(SADB_X_EXT_NAT_T_SPORT) |
			      PK_EXT_BIT(SADB_X_EXT_NAT_T_DPORT))) != 0;
	if (natt)
		fputs("encap udp ", f);
	fputs(CONT, f);

	/* Addresses, ports and protocols. */
	save_address(f, m, SADB_EXT_ADDRESS_SRC, "src", "sport", false);
	save_address(f, m, SADB_EXT_ADDRESS_DST, "dst", "dport", false);
	proto = addr_proto(m, SADB_EXT_ADDRESS_SRC, SADB_EXT_ADDRESS_DST);
	if (proto != 0)
		fprintf(f, "    proto %u" CONT, proto);
	save_address(f, m, SADB_X_EXT_ADDRESS_INNER_SRC, "isrc", "isport",
		     true);
	save_address(f, m, SADB_X_EXT_ADDRESS_INNER_DST, "idst", "idport",
		     true);
	proto = addr_proto(m, SADB_X_EXT_ADDRESS_INNER_SRC,
			   SADB_X_EXT_ADDRESS_INNER_DST);
	if (proto != 0)
		fprintf(f, "    iproto %u" CONT, proto);
	lport = save_address(f, m, SADB_X_EXT_ADDRESS_NATT_LOC, "nat_loc",
			     "nat_lport", false);
	rport = save_address(f, m, SADB_X_EXT_ADDRESS_NATT_REM, "nat_rem",
			     "nat_rport", false);
	/*
	 * Linux-style NAT-T ports, when the NAT-T addresses did not carry
	 * them: the local port is the source's on an outbound SA and the
	 * destination's on an inbound one.
	 */
	if (lport == 0 && rport == 0) {
		bool in = (sa->sadb_sa_flags & SADB_X_SAFLAGS_INBOUND) != 0;
		unsigned sp = 0, dp = 0;

		np = PK_MSG_EXT(m, SADB_X_EXT_NAT_T_SPORT, sadb_x_nat_t_port);
		if (np != NULL)
			sp = ntohs(np->sadb_x_nat_t_port_port);
		np = PK_MSG_EXT(m, SADB_X_EXT_NAT_T_DPORT, sadb_x_nat_t_port);
		if (np != NULL)
			dp = ntohs(np->sadb_x_nat_t_port_port);
		lport = in ? dp : sp;
		rport = in ? sp : dp;
		if (lport != 0)
			fprintf(f, "    nat_lport %u" CONT, lport);
		if (rport != 0)
			fprintf(f, "    nat_rport %u" CONT, rport);
	}

	/* Identities. */
	id = PK_MSG_EXT(m, SADB_EXT_IDENTITY_SRC, sadb_ident);
	if (id != NULL)
		save_ident(f, id, "srcidtype");
	id = PK_MSG_EXT(m, SADB_EXT_IDENTITY_DST, sadb_ident);
	if (id != NULL)
		save_ident(f, id, "dstidtype");

	/* Pair and replay counter. */
	pair = PK_MSG_EXT(m, SADB_X_EXT_PAIR, sadb_x_pair);
	if (pair != NULL && (flags & PK_IPSECKEY_SAVE_NO_PAIR) == 0)
		fprintf(f, "    pair-spi 0x%" PRIx32 CONT,
			ntohl(pair->sadb_x_pair_spi));
	rc = PK_MSG_EXT(m, SADB_X_EXT_REPLAY_VALUE, sadb_x_replay_ctr);
	if (rc != NULL && (rc->sadb_x_rc_replay64 | rc->sadb_x_rc_replay32))
		fprintf(f, "    replay_value %" PRIu64 CONT,
			rc->sadb_x_rc_replay64 != 0 ? rc->sadb_x_rc_replay64
						    : rc->sadb_x_rc_replay32);

	/* Keys. */
	k = PK_MSG_EXT(m, SADB_EXT_KEY_AUTH, sadb_key);
	if (k != NULL)
		save_key(f, flags, "authkey", k);
	k = PK_MSG_EXT(m, SADB_EXT_KEY_ENCRYPT, sadb_key);
	if (k != NULL)
		save_key(f, flags, "encrkey", k);

	/* Lifetimes: only the non-zero limits. */
	save_lifetime(f, PK_MSG_EXT(m, SADB_EXT_LIFETIME_SOFT, sadb_lifetime),
		      "soft", true);
	save_lifetime(f, PK_MSG_EXT(m, SADB_EXT_LIFETIME_HARD, sadb_lifetime),
		      "hard", true);
	save_lifetime(f, PK_MSG_EXT(m, SADB_X_EXT_LIFETIME_IDLE,
				    sadb_lifetime), "idle", false);

	/* The empty line ends the continued command. */
	fputs("\n# end assoc\n\n", f);
	return ferror(f) ? -EIO : 0;
}
