/*
 * fuzz_parse.c - libFuzzer harness for the validating walker.
 *
 * Each input is one candidate PF_KEY message.  It goes through
 * pk_msg_parse() and, when accepted, pk_msg_check(), every accessor, and a
 * re-encoding with pk_ext_copy() that must parse again.  The invariants are
 * those of tests/test_mutate.c; a violation aborts, which libFuzzer
 * reports as a crash with the input saved.
 *
 *   parse:  0, -EINVAL or -EMSGSIZE; a refusal fills the diagnostic
 *           (errno, a code with a text, field, detail, offset <= len) and
 *           leaves no extension table
 *   table:  every extension inside the message, of its own type, at least
 *           its minimum length, and all of them together the whole body
 *   access: sockaddrs, key bytes, algorithm lists and policy requests stay
 *           inside their extension
 *   check:  0, -EINVAL or -EOPNOTSUPP, with the rule respected or a full
 *           diagnostic
 *
 * libFuzzer hands over a heap copy of exactly size bytes, so AddressSanitizer
 * catches a read one byte past the message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_parse: %s:%d: invariant violated: %s\n", \
			__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static void require_diag(const struct pk_diag *d, int rc, size_t len)
{
	REQUIRE(d->err == -rc);
	REQUIRE(d->code != 0);
	REQUIRE(pk_diag_text(d->code) != NULL);
	REQUIRE(d->field != NULL);
	REQUIRE(memchr(d->detail, '\0', sizeof(d->detail)) != NULL);
	REQUIRE(d->detail[0] != '\0');
	REQUIRE(d->offset <= len);
}

static void check_ext_body(const struct sadb_ext *e, size_t bytes,
			   unsigned kind)
{
	switch (kind) {
	case PK_EK_ADDRESS: {
		const struct sadb_address *a = (const void *)e;
		struct sockaddr_storage ss;
		size_t salen = pk_address_sockaddr(a, &ss);

		REQUIRE(salen != 0);
		REQUIRE(salen == pk_sockaddr_len(ss.ss_family));
		REQUIRE(sizeof(*a) + salen <= bytes);
		REQUIRE(a->sadb_address_prefixlen <=
			pk_family_maxprefix(ss.ss_family));
		break;
	}
	case PK_EK_KEY: {
		const struct sadb_key *k = (const void *)e;
		size_t n = ((size_t)k->sadb_key_bits + 7) / 8;
		const uint8_t *p = pk_key_data(k);
		volatile uint8_t sink = 0;

		REQUIRE(sizeof(*k) + n <= bytes);
		for (size_t i = 0; i < n; i++)
			sink ^= p[i];
		(void)sink;
		break;
	}
	case PK_EK_SUPPORTED: {
		const struct sadb_supported *s = (const void *)e;
		size_t n = pk_supported_count(s);

		REQUIRE(sizeof(*s) + n * sizeof(struct sadb_alg) <= bytes);
		for (size_t i = 0; i < n; i++) {
			struct sadb_alg a = pk_supported_alg(s, i);

			REQUIRE(a.sadb_alg_minbits <= a.sadb_alg_maxbits);
		}
		break;
	}
	case PK_EK_POLICY: {
		const struct sadb_x_policy *p = (const void *)e;
		const struct sadb_x_ipsecrequest *r = NULL;
		size_t rounds = 0;

		while ((r = pk_policy_next_request(p, r)) != NULL) {
			size_t at = (size_t)((const uint8_t *)r -
					     (const uint8_t *)p);
			size_t rlen = r->sadb_x_ipsecrequest_len;
			struct sockaddr_storage src, dst;

			REQUIRE(++rounds <= bytes / sizeof(*r));
			REQUIRE(at >= sizeof(*p));
			REQUIRE(at + sizeof(*r) <= bytes);
			REQUIRE(rlen >= sizeof(*r));
			REQUIRE(at + rlen <= bytes);
			if (pk_request_endpoints(r, &src, &dst) == 1) {
				size_t salen = pk_sockaddr_len(src.ss_family);

				REQUIRE(salen != 0);
				REQUIRE(src.ss_family == dst.ss_family);
				REQUIRE(sizeof(*r) + 2 * salen <= rlen);
			} else {
				REQUIRE(rlen == sizeof(*r));
			}
		}
		break;
	}
	case PK_EK_IDENT: {
		const struct sadb_ident *i = (const void *)e;
		size_t slen = bytes - sizeof(*i);

		if (slen > 0 && i->sadb_ident_type != SADB_X_IDENTTYPE_DN &&
		    i->sadb_ident_type != SADB_X_IDENTTYPE_GN)
			REQUIRE(memchr(i + 1, '\0', slen) != NULL);
		break;
	}
	default:
		break;
	}
}

static void check_accepted(const uint8_t *buf, size_t len,
			   const struct pk_msg *m)
{
	const struct pk_msg_rule *rule;
	struct pk_diag d;
	size_t sum = 0;
	int rc;

	REQUIRE(m->hdr == (const void *)buf);
	REQUIRE(m->len == len);
	REQUIRE(len >= sizeof(struct sadb_msg) && len % SADB_ALIGN == 0);
	REQUIRE(SADB_BYTES(m->hdr->sadb_msg_len) == len);
	REQUIRE(m->hdr->sadb_msg_version == PF_KEY_V2);
	REQUIRE((m->present & ~(PK_EXT_BIT(SADB_PFKEY_EXT_MAX + 1) - 1)) == 0);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++) {
		const struct sadb_ext *e = m->ext[t];
		const struct pk_ext_info *info;
		size_t off, bytes;

		REQUIRE(((m->present >> t) & 1) == (e != NULL));
		if (e == NULL)
			continue;
		info = pk_ext_info(t);
		REQUIRE(info != NULL);
		REQUIRE((const uint8_t *)e >= buf + sizeof(struct sadb_msg));
		REQUIRE((const uint8_t *)e + sizeof(*e) <= buf + len);
		off = (size_t)((const uint8_t *)e - buf);
		bytes = SADB_BYTES(e->sadb_ext_len);
		REQUIRE(off % SADB_ALIGN == 0);
		REQUIRE(e->sadb_ext_type == t);
		REQUIRE(bytes >= info->min_len);
		REQUIRE(bytes <= len - off);
		sum += bytes;
		check_ext_body(e, bytes, info->kind);
	}
	REQUIRE(sum == len - sizeof(struct sadb_msg));

	rule = pk_msg_rule(m->hdr->sadb_msg_type);
	REQUIRE(rule != NULL);
	rc = pk_msg_check(m, &d);
	REQUIRE(rc == 0 || rc == -EINVAL || rc == -EOPNOTSUPP);
	if (rc == 0) {
		REQUIRE(rule->request);
		REQUIRE((m->present & ~rule->allowed) == 0);
		REQUIRE((rule->required & ~m->present) == 0);
	} else {
		require_diag(&d, rc, len);
		REQUIRE(rc != -EOPNOTSUPP || !rule->request);
	}
}

/* The extensions copied in type order make a message that parses again. */
static void check_reencode(size_t len, const struct pk_msg *m)
{
	uint8_t *out = malloc(len);
	struct pk_msg m2;
	struct pk_buf b;

	REQUIRE(out != NULL);
	pk_buf_init(&b, out, len);
	REQUIRE(pk_msg_begin(&b, m->hdr->sadb_msg_type, m->hdr->sadb_msg_satype,
			     m->hdr->sadb_msg_seq, m->hdr->sadb_msg_pid) == 0);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
		if (m->ext[t] != NULL)
			REQUIRE(pk_ext_copy(&b, m->ext[t]) == 0);
	REQUIRE(b.len == len);
	REQUIRE(pk_msg_parse(&m2, out, b.len, NULL) == 0);
	REQUIRE(m2.present == m->present);
	for (unsigned t = 0; t <= SADB_PFKEY_EXT_MAX; t++)
		if (m->ext[t] != NULL)
			REQUIRE(memcmp(m2.ext[t], m->ext[t],
				       SADB_BYTES(m->ext[t]->sadb_ext_len)) == 0);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_msg m;
	struct pk_diag d;
	int rc = pk_msg_parse(&m, data, size, &d);

	REQUIRE(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE);
	if (rc != 0) {
		require_diag(&d, rc, size);
		REQUIRE(m.hdr == NULL && m.present == 0);
		return 0;
	}
	REQUIRE(d.err == 0);
	check_accepted(data, size, &m);
	check_reencode(size, &m);
	return 0;
}
