/*
 * print.c - the generic PF_KEY message decoder for debugging (setkey -v,
 * -x, -H).
 *
 * It prints any message, valid or not, in the KAME "sadb_msg{ ... }" style:
 * the header, then for each extension a "sadb_ext{ len= type= }" line and
 * its typed body.  Nothing here trusts a length.  Every read is checked
 * against the bytes the caller gave and goes through memcpy() into a local
 * structure, so an unaligned, truncated or hostile buffer is printed up to
 * the point where it stops making sense, followed by a line that says what
 * is wrong there.  The walk does not depend on pk_msg_parse(): it uses only
 * the guarded step pk_ext_next().
 *
 *   sadb_msg{ version=2 type=5 errno=0 satype=3      <- header, 16 bytes
 *     len=34 reserved=0 seq=102 pid=168
 *   sadb_ext{ len=2 type=1 }                         <- one per extension
 *   sadb_sa{ spi=4096 replay=32 state=1              <- its typed body
 *     auth=3 encrypt=12 flags=0x00000000 }
 *   ...
 *   }                                                <- end of the message
 *
 * Key material never appears when PK_PRINT_HIDE_KEYS is set: key bytes are
 * printed as "XX", and in the hex rows of PK_PRINT_HEX every byte after a
 * key extension's header is masked, as is everything after the point where
 * the walk loses the structure (a truncated key extension could hide there).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pfkey/msg.h"
#include "pfkey/print.h"

#define HEX_ROW		16	/* bytes per hex row */
#define KEY_ROW		16	/* key bytes per line of "key=" */

/* One printing job: where to, how, and whether something was wrong. */
struct pr {
	FILE		*f;
	const char	*prefix;
	unsigned	flags;
	const uint8_t	*msg;	/* start of the message, for offsets */
	int		err;	/* -EINVAL once something did not make sense */
};

/* ------------------------------------------------------------- output */

static void begin_line(const struct pr *p)
{
	fputs(p->prefix, p->f);
}

/* One whole line: prefix, text, newline. */
static void vline(const struct pr *p, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vline(const struct pr *p, const char *fmt, va_list ap)
{
	begin_line(p);
	vfprintf(p->f, fmt, ap);
	fputc('\n', p->f);
}

static void line(const struct pr *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line(const struct pr *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(p, fmt, ap);
	va_end(ap);
}

/* A line saying what does not make sense; the message is then invalid. */
static void problem(struct pr *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct pr *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(p, fmt, ap);
	va_end(ap);
	p->err = -EINVAL;
}

/* ------------------------------------------------------- key masking */

/*
 * Walks the extensions alongside the hex rows (whose offsets only grow)
 * and says which bytes are key material.  It walks all the bytes given,
 * not only sadb_msg_len, so a key in trailing bytes is found too.
 */
struct mask {
	const uint8_t	*msg;
	size_t		len;
	size_t		next;		/* offset of the next extension */
	size_t		start, end;	/* current extension */
	bool		key;		/* it is a key extension */
	bool		done;		/* no further extension */
	size_t		tail;		/* everything from here is masked */
};

static void mask_init(struct mask *m, const uint8_t *msg, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->msg = msg;
	m->len = len;
	m->next = sizeof(struct sadb_msg);
	m->tail = SIZE_MAX;
	m->done = len < sizeof(struct sadb_msg);
}

static bool is_key_type(unsigned type)
{
	const struct pk_ext_info *info = pk_ext_info(type);

	return info != NULL && info->kind == PK_EK_KEY;
}

static bool masked(struct mask *m, size_t off)
{
	while (!m->done && off >= m->end) {
		const struct sadb_ext *ext;
		size_t n, at = m->next;
		int rc = pk_ext_next(m->msg, m->len, &m->next, &ext, &n);
		struct sadb_ext h;

		if (rc == 1) {
			memcpy(&h, ext, sizeof(h));
			m->start = at;
			m->end = at + n;
			m->key = is_key_type(h.sadb_ext_type);
			continue;
		}
		m->done = true;
		/* Structure lost: keep the broken header, hide the rest. */
		if (rc < 0 && m->len - at > sizeof(struct sadb_ext))
			m->tail = at + sizeof(struct sadb_ext);
	}
	if (off >= m->tail)
		return true;
	return m->key && off >= m->start + sizeof(struct sadb_key) &&
	       off < m->end;
}

/*
 * Hex rows as setkey -H prints them: "%08x: " and 16 bytes in pairs,
 * "0203 0003 2200 ...".  label is the offset shown for data[0]; indent
 * comes after the prefix.
 */
static void hex_rows(FILE *f, const char *prefix, const char *indent,
		     const uint8_t *data, size_t len, size_t label,
		     struct mask *m)
{
	for (size_t row = 0; row < len; row += HEX_ROW) {
		size_t end = len - row < HEX_ROW ? len : row + HEX_ROW;

		fprintf(f, "%s%s%08zx:", prefix, indent, label + row);
		for (size_t i = row; i < end; i++) {
			if ((i - row) % 2 == 0)
				fputc(' ', f);
			if (m != NULL && masked(m, i))
				fputs("XX", f);
			else
				fprintf(f, "%02x", data[i]);
		}
		fputc('\n', f);
	}
}

/* Hex rows of part of an extension, labelled with message offsets. */
static void ext_hex(const struct pr *p, const uint8_t *data, size_t len)
{
	hex_rows(p->f, p->prefix, "  ", data, len, (size_t)(data - p->msg),
		 NULL);
}

/*
 * Bytes as a C-like string: printable ASCII as is, '"' and '\\' escaped,
 * everything else as \xHH; stops at the first NUL or after len bytes.
 */
static void put_string(FILE *f, const uint8_t *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len && s[i] != '\0'; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			fputc(s[i], f);
		else
			fprintf(f, "\\x%02x", s[i]);
	}
	fputc('"', f);
}

/* ---------------------------------------------------------- sockaddrs */

/*
 * Prints the sockaddr at d (avail bytes) as
 *   sockaddr{ len=16 family=2 port=0
 *     10.0.0.1 }
 * Returns the bytes it occupies, 0 when that is unknown (short data, an
 * unknown family: its bytes are then shown as hex rows).
 */
static size_t print_sockaddr(struct pr *p, const uint8_t *d, size_t avail)
{
	char buf[INET6_ADDRSTRLEN];
	uint16_t family;

	if (avail < sizeof(family)) {
		problem(p, "sockaddr{ short: %zu bytes, 2 needed }", avail);
		return 0;
	}
	memcpy(&family, d, sizeof(family));
	switch (family) {
	case AF_INET: {
		struct sockaddr_in sin;

		if (avail < sizeof(sin))
			break;
		memcpy(&sin, d, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof(buf));
		line(p, "sockaddr{ len=%zu family=%u port=%u", sizeof(sin),
		     family, ntohs(sin.sin_port));
		line(p, "  %s }", buf);
		return sizeof(sin);
	}
	case AF_INET6: {
		struct sockaddr_in6 sin6;

		if (avail < sizeof(sin6))
			break;
		memcpy(&sin6, d, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof(buf));
		line(p, "sockaddr{ len=%zu family=%u port=%u", sizeof(sin6),
		     family, ntohs(sin6.sin6_port));
		if (sin6.sin6_scope_id != 0)
			line(p, "  %s%%%" PRIu32 " }", buf,
			     (uint32_t)sin6.sin6_scope_id);
		else
			line(p, "  %s }", buf);
		return sizeof(sin6);
	}
	default:
		line(p, "sockaddr{ len=%zu family=%u }", avail, family);
		ext_hex(p, d, avail);
		return 0;
	}
	problem(p, "sockaddr{ family=%u short: %zu bytes, %zu needed }",
		family, avail,
		family == AF_INET ? sizeof(struct sockaddr_in)
				  : sizeof(struct sockaddr_in6));
	return 0;
}

/* ------------------------------------------------- extension bodies */

/*
 * Each body printer gets the whole extension: e (n bytes, n >= 8 and a
 * multiple of 8 when it came from pk_ext_next(), but never trusted).
 */

/* Says so and returns false when the extension is shorter than need. */
static bool fits(struct pr *p, const char *what, size_t n, size_t need)
{
	if (n >= need)
		return true;
	problem(p, "%s{ short: %zu bytes, %zu needed }", what, n, need);
	return false;
}

static void print_sa(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_sa sa;

	if (!fits(p, "sadb_sa", n, sizeof(sa)))
		return;
	memcpy(&sa, e, sizeof(sa));
	line(p, "sadb_sa{ spi=%" PRIu32 " replay=%u state=%u",
	     ntohl(sa.sadb_sa_spi), sa.sadb_sa_replay, sa.sadb_sa_state);
	line(p, "  auth=%u encrypt=%u flags=0x%08" PRIx32 " }",
	     sa.sadb_sa_auth, sa.sadb_sa_encrypt, sa.sadb_sa_flags);
}

static void print_lifetime(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_lifetime lt;

	if (!fits(p, "sadb_lifetime", n, sizeof(lt)))
		return;
	memcpy(&lt, e, sizeof(lt));
	line(p, "sadb_lifetime{ alloc=%" PRIu32 ", bytes=%" PRIu64,
	     lt.sadb_lifetime_allocations, lt.sadb_lifetime_bytes);
	line(p, "  addtime=%" PRIu64 ", usetime=%" PRIu64 " }",
	     lt.sadb_lifetime_addtime, lt.sadb_lifetime_usetime);
}

static void print_address(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_address a;
	uint8_t r[2];

	if (!fits(p, "sadb_address", n, sizeof(a)))
		return;
	memcpy(&a, e, sizeof(a));
	memcpy(r, &a.sadb_address_reserved, sizeof(r));
	line(p, "sadb_address{ proto=%u prefixlen=%u reserved=0x%02x%02x }",
	     a.sadb_address_proto, a.sadb_address_prefixlen, r[0], r[1]);
	print_sockaddr(p, e + sizeof(a), n - sizeof(a));
}

/*
 *   key= aaaaaaaa aaaaaaaa aaaaaaaa aaaaaaaa
 *        aaaaaaaa }
 * Only the (bits + 7) / 8 bytes of the key are printed, never the padding
 * after them; hidden, each byte is "XX".
 */
static void print_key(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_key k;
	size_t want, have, i;
	bool hide = p->flags & PK_PRINT_HIDE_KEYS;

	if (!fits(p, "sadb_key", n, sizeof(k)))
		return;
	memcpy(&k, e, sizeof(k));
	line(p, "sadb_key{ bits=%u reserved=%u", k.sadb_key_bits,
	     k.sadb_key_reserved);
	want = ((size_t)k.sadb_key_bits + 7) / 8;
	have = n - sizeof(k);
	if (have > want)
		have = want;
	begin_line(p);
	fputs("  key=", p->f);
	for (i = 0; i < have; i++) {
		if (i > 0 && i % KEY_ROW == 0) {
			fputc('\n', p->f);
			begin_line(p);
			fputs("      ", p->f);
		}
		if (i % 4 == 0)
			fputc(' ', p->f);
		if (hide)
			fputs("XX", p->f);
		else
			fprintf(p->f, "%02x", e[sizeof(k) + i]);
	}
	fputs(" }\n", p->f);
	if (have < want)
		problem(p, "sadb_key bits=%u need %zu bytes, %zu present",
			k.sadb_key_bits, want, have);
}

static void print_ident(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_ident id;

	if (!fits(p, "sadb_ident", n, sizeof(id)))
		return;
	memcpy(&id, e, sizeof(id));
	if (n == sizeof(id)) {
		line(p, "sadb_ident{ type=%u id=%" PRIu64 " }",
		     id.sadb_ident_type, id.sadb_ident_id);
		return;
	}
	line(p, "sadb_ident{ type=%u id=%" PRIu64, id.sadb_ident_type,
	     id.sadb_ident_id);
	begin_line(p);
	fputs("  str=", p->f);
	put_string(p->f, e + sizeof(id), n - sizeof(id));
	fputs(" }\n", p->f);
}

static void print_bitmap(struct pr *p, const char *name, const uint8_t *d,
			 size_t words)
{
	for (size_t i = 0; i < words; i++) {
		uint64_t w;

		memcpy(&w, d + i * sizeof(w), sizeof(w));
		line(p, "  %s[%zu]=0x%016" PRIx64, name, i, w);
	}
}

static void print_sens(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_sens s;
	size_t have, sw, iw;

	if (!fits(p, "sadb_sens", n, sizeof(s)))
		return;
	memcpy(&s, e, sizeof(s));
	line(p, "sadb_sens{ dpd=%" PRIu32 " sens_level=%u sens_len=%u"
	     " integ_level=%u integ_len=%u }", s.sadb_sens_dpd,
	     s.sadb_sens_sens_level, s.sadb_sens_sens_len,
	     s.sadb_sens_integ_level, s.sadb_sens_integ_len);
	have = (n - sizeof(s)) / sizeof(uint64_t);
	sw = s.sadb_sens_sens_len < have ? s.sadb_sens_sens_len : have;
	print_bitmap(p, "sens", e + sizeof(s), sw);
	iw = s.sadb_sens_integ_len < have - sw ? s.sadb_sens_integ_len
					       : have - sw;
	print_bitmap(p, "integ", e + sizeof(s) + sw * sizeof(uint64_t), iw);
	if (sw + iw < (size_t)s.sadb_sens_sens_len + s.sadb_sens_integ_len)
		problem(p, "sadb_sens bitmaps need %zu words, %zu present",
			(size_t)s.sadb_sens_sens_len + s.sadb_sens_integ_len,
			have);
}

static void print_comb(struct pr *p, const uint8_t *d)
{
	struct sadb_comb c;

	memcpy(&c, d, sizeof(c));
	line(p, "sadb_comb{ auth=%u encrypt=%u flags=0x%04x"
	     " reserved=0x%08" PRIx32, c.sadb_comb_auth,
	     c.sadb_comb_encrypt, c.sadb_comb_flags, c.sadb_comb_reserved);
	line(p, "  auth_minbits=%u auth_maxbits=%u"
	     " encrypt_minbits=%u encrypt_maxbits=%u",
	     c.sadb_comb_auth_minbits, c.sadb_comb_auth_maxbits,
	     c.sadb_comb_encrypt_minbits, c.sadb_comb_encrypt_maxbits);
	line(p, "  soft_alloc=%" PRIu32 " hard_alloc=%" PRIu32
	     " soft_bytes=%" PRIu64 " hard_bytes=%" PRIu64,
	     c.sadb_comb_soft_allocations, c.sadb_comb_hard_allocations,
	     c.sadb_comb_soft_bytes, c.sadb_comb_hard_bytes);
	line(p, "  soft_addtime=%" PRIu64 " hard_addtime=%" PRIu64
	     " soft_usetime=%" PRIu64 " hard_usetime=%" PRIu64 " }",
	     c.sadb_comb_soft_addtime, c.sadb_comb_hard_addtime,
	     c.sadb_comb_soft_usetime, c.sadb_comb_hard_usetime);
}

static void print_prop(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_prop pr;
	size_t o;

	if (!fits(p, "sadb_prop", n, sizeof(pr)))
		return;
	memcpy(&pr, e, sizeof(pr));
	line(p, "sadb_prop{ replay=%u }", pr.sadb_prop_replay);
	for (o = sizeof(pr); n - o >= sizeof(struct sadb_comb);
	     o += sizeof(struct sadb_comb))
		print_comb(p, e + o);
	if (o < n)
		problem(p, "%zu bytes after the last sadb_comb", n - o);
}

static void print_supported(struct pr *p, const uint8_t *e, size_t n)
{
	size_t o;

	if (!fits(p, "sadb_sup", n, sizeof(struct sadb_supported)))
		return;
	line(p, "sadb_sup{");
	for (o = sizeof(struct sadb_supported);
	     n - o >= sizeof(struct sadb_alg); o += sizeof(struct sadb_alg)) {
		struct sadb_alg a;

		memcpy(&a, e + o, sizeof(a));
		line(p, "  { id=%d ivlen=%d min=%d max=%d }", a.sadb_alg_id,
		     a.sadb_alg_ivlen, a.sadb_alg_minbits, a.sadb_alg_maxbits);
	}
	line(p, "}");
	if (o < n)
		problem(p, "%zu bytes after the last sadb_alg", n - o);
}

static void print_spirange(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_spirange r;

	if (!fits(p, "sadb_spirange", n, sizeof(r)))
		return;
	memcpy(&r, e, sizeof(r));
	line(p, "sadb_spirange{ min=0x%08" PRIx32 " max=0x%08" PRIx32 " }",
	     r.sadb_spirange_min, r.sadb_spirange_max);
}

static void print_kmprivate(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_kmprivate k;

	if (!fits(p, "sadb_x_kmprivate", n, sizeof(k)))
		return;
	memcpy(&k, e, sizeof(k));
	line(p, "sadb_x_kmprivate{ reserved=%" PRIu32 " }",
	     k.sadb_x_kmprivate_reserved);
	ext_hex(p, e + sizeof(k), n - sizeof(k));
}

/*
 * The requests after a policy header, each padded to 8 bytes; a tunnel
 * request carries its two endpoints after the request header.
 */
static void print_requests(struct pr *p, const uint8_t *e, size_t n)
{
	size_t o = sizeof(struct sadb_x_policy);

	while (o < n) {
		struct sadb_x_ipsecrequest rq;
		size_t rlen, step, used, s;

		if (n - o < sizeof(rq)) {
			problem(p, "sadb_x_ipsecrequest{ short: %zu bytes at"
				" offset %zu, %zu needed }", n - o,
				(size_t)(e + o - p->msg), sizeof(rq));
			return;
		}
		memcpy(&rq, e + o, sizeof(rq));
		line(p, "sadb_x_ipsecrequest{ len=%u proto=%u mode=%u"
		     " level=%u reqid=%" PRIu32 " }",
		     rq.sadb_x_ipsecrequest_len, rq.sadb_x_ipsecrequest_proto,
		     rq.sadb_x_ipsecrequest_mode,
		     rq.sadb_x_ipsecrequest_level,
		     rq.sadb_x_ipsecrequest_reqid);
		rlen = rq.sadb_x_ipsecrequest_len;
		if (rlen < sizeof(rq) || rlen > n - o) {
			problem(p, "sadb_x_ipsecrequest len=%zu at offset %zu:"
				" must be %zu to %zu", rlen,
				(size_t)(e + o - p->msg), sizeof(rq), n - o);
			return;
		}
		used = sizeof(rq);
		s = used < rlen ? print_sockaddr(p, e + o + used, rlen - used)
				: 0;
		used += s;
		if (s != 0 && used < rlen)
			print_sockaddr(p, e + o + used, rlen - used);
		step = (rlen + SADB_ALIGN - 1) / SADB_ALIGN * SADB_ALIGN;
		o += step < n - o ? step : n - o;
	}
}

static void print_policy(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_policy pol;

	if (!fits(p, "sadb_x_policy", n, sizeof(pol)))
		return;
	memcpy(&pol, e, sizeof(pol));
	line(p, "sadb_x_policy{ type=%u dir=%u id=%" PRIx32
	     " priority=%" PRIu32 " }", pol.sadb_x_policy_type,
	     pol.sadb_x_policy_dir, pol.sadb_x_policy_id,
	     pol.sadb_x_policy_priority);
	print_requests(p, e, n);
}

static void print_sa2(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_sa2 s;

	if (!fits(p, "sadb_x_sa2", n, sizeof(s)))
		return;
	memcpy(&s, e, sizeof(s));
	line(p, "sadb_x_sa2{ mode=%u reqid=%" PRIu32 " seq=%" PRIu32 " }",
	     s.sadb_x_sa2_mode, s.sadb_x_sa2_reqid, s.sadb_x_sa2_sequence);
}

static void print_nat_t_type(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_nat_t_type t;

	if (!fits(p, "sadb_x_nat_t_type", n, sizeof(t)))
		return;
	memcpy(&t, e, sizeof(t));
	line(p, "sadb_x_nat_t_type{ type=%u }", t.sadb_x_nat_t_type_type);
}

static void print_nat_t_port(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_nat_t_port t;

	if (!fits(p, "sadb_x_nat_t_port", n, sizeof(t)))
		return;
	memcpy(&t, e, sizeof(t));
	line(p, "sadb_x_nat_t_port{ port=%u }",
	     ntohs(t.sadb_x_nat_t_port_port));
}

static void print_sec_ctx(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_sec_ctx c;
	size_t have;

	if (!fits(p, "sadb_x_sec_ctx", n, sizeof(c)))
		return;
	memcpy(&c, e, sizeof(c));
	line(p, "sadb_x_sec_ctx{ alg=%u doi=%u len=%u", c.sadb_x_ctx_alg,
	     c.sadb_x_ctx_doi, c.sadb_x_ctx_len);
	have = n - sizeof(c);
	if (have > c.sadb_x_ctx_len)
		have = c.sadb_x_ctx_len;
	begin_line(p);
	fputs("  ctx=", p->f);
	put_string(p->f, e + sizeof(c), have);
	fputs(" }\n", p->f);
	if (have < c.sadb_x_ctx_len)
		problem(p, "sadb_x_sec_ctx len=%u: %zu bytes present",
			c.sadb_x_ctx_len, have);
}

static void print_kmaddress(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_kmaddress k;
	size_t s;

	if (!fits(p, "sadb_x_kmaddress", n, sizeof(k)))
		return;
	memcpy(&k, e, sizeof(k));
	line(p, "sadb_x_kmaddress{ reserved=%" PRIu32 " }",
	     k.sadb_x_kmaddress_reserved);
	s = print_sockaddr(p, e + sizeof(k), n - sizeof(k));
	if (s != 0)
		print_sockaddr(p, e + sizeof(k) + s, n - sizeof(k) - s);
}

/* A filter address: inet_ntop for a known family, else 16 bytes of hex. */
static void filter_addr(char *buf, size_t size, uint16_t family,
			const uint8_t a[16])
{
	if ((family == AF_INET || family == AF_INET6) &&
	    inet_ntop(family, a, buf, (socklen_t)size) != NULL)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < 16 && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, size - 2 * i, "%02x", a[i]);
}

static void print_filter(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_filter fl;
	uint8_t sa[16], da[16];
	char src[INET6_ADDRSTRLEN + 1], dst[INET6_ADDRSTRLEN + 1];

	if (!fits(p, "sadb_x_filter", n, sizeof(fl)))
		return;
	memcpy(&fl, e, sizeof(fl));
	memcpy(sa, e + offsetof(struct sadb_x_filter, sadb_x_filter_saddr),
	       sizeof(sa));
	memcpy(da, e + offsetof(struct sadb_x_filter, sadb_x_filter_daddr),
	       sizeof(da));
	filter_addr(src, sizeof(src), fl.sadb_x_filter_family, sa);
	filter_addr(dst, sizeof(dst), fl.sadb_x_filter_family, da);
	line(p, "sadb_x_filter{ family=%u splen=%u dplen=%u",
	     fl.sadb_x_filter_family, fl.sadb_x_filter_splen,
	     fl.sadb_x_filter_dplen);
	line(p, "  src=%s dst=%s }", src, dst);
}

static void print_pair(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_pair pa;

	if (!fits(p, "sadb_x_pair", n, sizeof(pa)))
		return;
	memcpy(&pa, e, sizeof(pa));
	line(p, "sadb_x_pair{ spi=%" PRIu32 " }", ntohl(pa.sadb_x_pair_spi));
}

static void print_replay(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_replay_ctr r;

	if (!fits(p, "sadb_x_replay_ctr", n, sizeof(r)))
		return;
	memcpy(&r, e, sizeof(r));
	line(p, "sadb_x_replay_ctr{ replay32=%" PRIu32 " replay64=%" PRIu64
	     " }", r.sadb_x_rc_replay32, r.sadb_x_rc_replay64);
}

static void print_kmc(struct pr *p, const uint8_t *e, size_t n)
{
	struct sadb_x_kmc k;

	if (!fits(p, "sadb_x_kmc", n, sizeof(k)))
		return;
	memcpy(&k, e, sizeof(k));
	line(p, "sadb_x_kmc{ proto=%" PRIu32 " cookie=0x%016" PRIx64 " }",
	     k.sadb_x_kmc_proto, k.sadb_x_kmc_cookie);
}

/* One body printer per kind of extension (enum pk_ext_kind). */
static void (*const body[])(struct pr *, const uint8_t *, size_t) = {
	[PK_EK_SA]		= print_sa,
	[PK_EK_LIFETIME]	= print_lifetime,
	[PK_EK_ADDRESS]		= print_address,
	[PK_EK_KEY]		= print_key,
	[PK_EK_IDENT]		= print_ident,
	[PK_EK_SENS]		= print_sens,
	[PK_EK_PROP]		= print_prop,
	[PK_EK_SUPPORTED]	= print_supported,
	[PK_EK_SPIRANGE]	= print_spirange,
	[PK_EK_KMPRIVATE]	= print_kmprivate,
	[PK_EK_POLICY]		= print_policy,
	[PK_EK_SA2]		= print_sa2,
	[PK_EK_NAT_T_TYPE]	= print_nat_t_type,
	[PK_EK_NAT_T_PORT]	= print_nat_t_port,
	[PK_EK_SEC_CTX]		= print_sec_ctx,
	[PK_EK_KMADDRESS]	= print_kmaddress,
	[PK_EK_FILTER]		= print_filter,
	[PK_EK_PAIR]		= print_pair,
	[PK_EK_REPLAY]		= print_replay,
	[PK_EK_KMC]		= print_kmc,
};

static void print_ext(struct pr *p, const uint8_t *e, size_t n)
{
	const struct pk_ext_info *info;
	struct sadb_ext h;

	memcpy(&h, e, sizeof(h));
	line(p, "sadb_ext{ len=%u type=%u }", h.sadb_ext_len, h.sadb_ext_type);
	info = pk_ext_info(h.sadb_ext_type);
	if (info != NULL && info->kind < sizeof(body) / sizeof(body[0]) &&
	    body[info->kind] != NULL)
		body[info->kind](p, e, n);
	else
		ext_hex(p, e, n);	/* a type this ABI does not know */
}

/* ------------------------------------------------------------ header */

/* What there is of a header shorter than 16 bytes, field by field. */
static void print_short_header(struct pr *p, const uint8_t *m, size_t len)
{
	struct sadb_msg h;

	memset(&h, 0, sizeof(h));
	if (len > 0)
		memcpy(&h, m, len);
	begin_line(p);
	fputs("sadb_msg{", p->f);
	if (len > offsetof(struct sadb_msg, sadb_msg_version))
		fprintf(p->f, " version=%u", h.sadb_msg_version);
	if (len > offsetof(struct sadb_msg, sadb_msg_type))
		fprintf(p->f, " type=%u", h.sadb_msg_type);
	if (len > offsetof(struct sadb_msg, sadb_msg_errno))
		fprintf(p->f, " errno=%u", h.sadb_msg_errno);
	if (len > offsetof(struct sadb_msg, sadb_msg_satype))
		fprintf(p->f, " satype=%u", h.sadb_msg_satype);
	fputc('\n', p->f);
	if (len >= offsetof(struct sadb_msg, sadb_msg_reserved)) {
		begin_line(p);
		fprintf(p->f, "  len=%u", h.sadb_msg_len);
		if (len >= offsetof(struct sadb_msg, sadb_msg_seq))
			fprintf(p->f, " reserved=%u", h.sadb_msg_reserved);
		if (len >= offsetof(struct sadb_msg, sadb_msg_pid))
			fprintf(p->f, " seq=%" PRIu32, h.sadb_msg_seq);
		fputc('\n', p->f);
	}
	problem(p, "short header: %zu bytes, %zu needed", len, sizeof(h));
}

/* The line for the step pk_ext_next() refused at offset at. */
static void print_bad_step(struct pr *p, const uint8_t *m, size_t walk,
			   size_t at)
{
	struct sadb_ext h;
	size_t left = walk - at;

	if (left < sizeof(h)) {
		problem(p, "truncated extension at offset %zu: %zu bytes left,"
			" a header needs %zu", at, left, sizeof(h));
		return;
	}
	memcpy(&h, m + at, sizeof(h));
	if (h.sadb_ext_len == 0)
		problem(p, "truncated extension at offset %zu: sadb_ext{ len=0"
			" type=%u } has length 0", at, h.sadb_ext_type);
	else
		problem(p, "truncated extension at offset %zu: sadb_ext{ len=%u"
			" type=%u } needs %zu bytes, %zu left", at,
			h.sadb_ext_len, h.sadb_ext_type,
			SADB_BYTES(h.sadb_ext_len), left);
}

/* ---------------------------------------------------------------- API */

void pk_print_hex(FILE *f, const char *prefix, const void *data, size_t len)
{
	if (f == NULL || (data == NULL && len > 0))
		return;
	hex_rows(f, prefix != NULL ? prefix : "", "", data, len, 0, NULL);
}

int pk_print_msg(FILE *f, const char *prefix, const void *msg, size_t len,
		 unsigned flags)
{
	struct pr p = {
		.f = f, .prefix = prefix != NULL ? prefix : "",
		.flags = flags, .msg = msg, .err = 0,
	};
	const uint8_t *m = msg;
	struct sadb_msg h;
	size_t declared, walk, off;

	if (f == NULL)
		return -EINVAL;
	if (m == NULL)
		len = 0;

	if (flags & PK_PRINT_HEX) {
		struct mask mk;

		mask_init(&mk, m, len);
		hex_rows(f, p.prefix, "", m, len, 0,
			 flags & PK_PRINT_HIDE_KEYS ? &mk : NULL);
	}

	if (len < sizeof(h)) {
		print_short_header(&p, m, len);
		line(&p, "}");
		return p.err;
	}
	memcpy(&h, m, sizeof(h));
	line(&p, "sadb_msg{ version=%u type=%u errno=%u satype=%u",
	     h.sadb_msg_version, h.sadb_msg_type, h.sadb_msg_errno,
	     h.sadb_msg_satype);
	line(&p, "  len=%u reserved=%u seq=%" PRIu32 " pid=%" PRIu32,
	     h.sadb_msg_len, h.sadb_msg_reserved, h.sadb_msg_seq,
	     h.sadb_msg_pid);

	/*
	 * Walk the shorter of the two lengths, except when sadb_msg_len
	 * cannot even cover the header (0 or 1: a sender that never set
	 * it); then the bytes given are all there is to go by.
	 */
	declared = SADB_BYTES(h.sadb_msg_len);
	walk = len;
	if (declared != len) {
		if (declared >= sizeof(h) && declared < len)
			walk = declared;
		problem(&p, "sadb_msg_len %u words (%zu bytes) disagrees with"
			" the %zu bytes given; decoding %zu", h.sadb_msg_len,
			declared, len, walk);
	}

	off = sizeof(h);
	for (;;) {
		const struct sadb_ext *ext;
		size_t n, at = off;
		int rc = pk_ext_next(m, walk, &off, &ext, &n);

		if (rc == 0)
			break;
		if (rc < 0 || off <= at) {
			print_bad_step(&p, m, walk, at);
			break;
		}
		print_ext(&p, (const uint8_t *)ext, n);
	}
	line(&p, "}");
	return p.err;
}
