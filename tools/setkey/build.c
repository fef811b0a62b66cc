/*
 * build.c - setkey commands to PF_KEY messages (see build.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "build.h"
#include "pfkey/msg.h"

static const uint8_t msg_type[] = {
	[SK_ADD] = SADB_ADD, [SK_UPDATE] = SADB_UPDATE,
	[SK_GETSPI] = SADB_GETSPI, [SK_GET] = SADB_GET,
	[SK_DELETE] = SADB_DELETE, [SK_DELETEALL] = SADB_DELETE,
	[SK_FLUSH] = SADB_FLUSH, [SK_DUMP] = SADB_DUMP,
	[SK_SPDADD] = SADB_X_SPDADD, [SK_SPDUPDATE] = SADB_X_SPDUPDATE,
	[SK_SPDDELETE] = SADB_X_SPDDELETE, [SK_SPDFLUSH] = SADB_X_SPDFLUSH,
	[SK_SPDDUMP] = SADB_X_SPDDUMP,
};

static uint16_t sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

static void put_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static void sad_body(struct pk_buf *b, const struct sk_cmd *c,
		     const struct sockaddr *src, const struct sockaddr *dst)
{
	uint8_t encr = 0, auth = 0;
	unsigned plen = pk_family_maxprefix(src->sa_family);

	if (c->ealg != NULL)
		encr = c->ealg->id;
	if (c->calg != NULL)
		encr = c->calg->id;
	if (c->aalg != NULL)
		auth = c->aalg->id;
	switch (c->type) {
	case SK_ADD: case SK_UPDATE:
		pk_add_sa(b, c->spi, c->replay, SADB_SASTATE_MATURE, auth,
			  encr, c->flags);
		pk_add_sa2(b, c->mode, c->reqid, 0);
		if (c->have_lh || c->have_bh)
			pk_add_lifetime(b, SADB_EXT_LIFETIME_HARD, 0, c->bh,
					c->lh, 0);
		if (c->have_ls || c->have_bs)
			pk_add_lifetime(b, SADB_EXT_LIFETIME_SOFT, 0, c->bs,
					c->ls, 0);
		break;
	case SK_GETSPI:
		pk_add_sa2(b, c->mode, c->reqid, 0);
		break;
	case SK_GET: case SK_DELETE:
		pk_add_sa(b, c->spi, 0, 0, 0, 0, 0);
		break;
	default:
		break;
	}
	pk_add_address(b, SADB_EXT_ADDRESS_SRC, src, IPSEC_ULPROTO_ANY,
		       (uint8_t)plen);
	pk_add_address(b, SADB_EXT_ADDRESS_DST, dst, IPSEC_ULPROTO_ANY,
		       (uint8_t)plen);
	if (c->type == SK_GETSPI)
		pk_add_spirange(b, c->spi, c->spi);
	if (c->type != SK_ADD && c->type != SK_UPDATE)
		return;
	if (c->aalg != NULL && c->akey_bits > 0)
		pk_add_key(b, SADB_EXT_KEY_AUTH, c->akey,
			   (uint16_t)c->akey_bits, 0);
	if (c->ealg != NULL && c->ekey_bits > 0)
		pk_add_key(b, SADB_EXT_KEY_ENCRYPT, c->ekey,
			   (uint16_t)c->ekey_bits, 0);
	if (c->proto == SK_P_ESP_UDP) {
		pk_add_nat_t_type(b, PK_UDP_ENCAP_ESPINUDP);
		pk_add_nat_t_port(b, SADB_X_EXT_NAT_T_SPORT, sa_port(src));
		pk_add_nat_t_port(b, SADB_X_EXT_NAT_T_DPORT, sa_port(dst));
		if (c->natoa != NULL)
			pk_add_address(b, SADB_X_EXT_NAT_T_OA,
				       c->natoa->ai_addr, IPSEC_ULPROTO_ANY,
				       (uint8_t)pk_family_maxprefix(
					       c->natoa->ai_family));
	}
	if (c->have_ctx)
		pk_add_sec_ctx(b, c->ctx_alg, c->ctx_doi, c->ctx, c->ctx_len);
}

static void spd_body(struct pk_buf *b, const struct sk_cmd *c,
		     const struct sockaddr *src, const struct sockaddr *dst,
		     uint8_t dir)
{
	struct sockaddr_storage s, d;
	unsigned max = pk_family_maxprefix(src->sa_family);

	memcpy(&s, src, pk_sockaddr_len(src->sa_family));
	memcpy(&d, dst, pk_sockaddr_len(dst->sa_family));
	if (c->icmp_type >= 0) {
		/* KAME: ICMPv6 type and code travel in the port fields */
		put_port(&s, (uint16_t)c->icmp_type);
		put_port(&d, (uint16_t)c->icmp_code);
	} else if (c->have_grekey) {
		put_port(&s, (uint16_t)(c->grekey >> 16));
		put_port(&d, (uint16_t)(c->grekey & 0xffff));
	}
	pk_add_address(b, SADB_EXT_ADDRESS_SRC, (struct sockaddr *)&s,
		       c->ulproto, (uint8_t)(c->src.prefix < 0 ? max :
					     (unsigned)c->src.prefix));
	pk_add_address(b, SADB_EXT_ADDRESS_DST, (struct sockaddr *)&d,
		       c->ulproto, (uint8_t)(c->dst.prefix < 0 ? max :
					     (unsigned)c->dst.prefix));
	pk_add_policy(b, c->ptype, dir, 0, c->priority);
	for (size_t i = 0; i < c->nreq; i++) {
		const struct sk_request *r = &c->req[i];

		pk_add_policy_request(b, r->proto, r->mode, r->level,
				      r->reqid,
				      r->tunnel ? (const struct sockaddr *)
				      &r->tsrc : NULL,
				      r->tunnel ? (const struct sockaddr *)
				      &r->tdst : NULL);
	}
	if (c->have_ctx)
		pk_add_sec_ctx(b, c->ctx_alg, c->ctx_doi, c->ctx, c->ctx_len);
}

static int finish(struct pk_buf *b, const struct sk_cmd *c, sk_emit_fn *emit,
		  void *arg, struct pk_diag *d)
{
	struct pk_msg m;
	int rc = pk_buf_error(b);

	if (rc != 0)
		return pk_diag_set(d, -rc, 0, 0, 0, NULL,
				   "cannot build the message: %s",
				   strerror(-rc));
	rc = pk_msg_parse(&m, b->base, b->len, d);
	if (rc == 0)
		rc = pk_msg_check(&m, d);
	if (rc != 0)
		return rc;
	return emit(arg, c, b->base, b->len);
}

int sk_build(const struct sk_cmd *c, const struct sk_build_opts *o,
	     void *mem, size_t cap, sk_emit_fn *emit, void *arg,
	     struct pk_diag *d)
{
	const struct addrinfo *s, *t;
	struct pk_buf b;
	unsigned pairs = 0;
	int rc = 0;

	pk_diag_clear(d);
	pk_buf_init(&b, mem, cap);
	switch (c->type) {
	case SK_FLUSH: case SK_DUMP:
		pk_msg_begin(&b, msg_type[c->type], c->satype, 0, 0);
		return finish(&b, c, emit, arg, d);
	case SK_SPDFLUSH: case SK_SPDDUMP:
		pk_msg_begin(&b, msg_type[c->type], SADB_SATYPE_UNSPEC, 0, 0);
		return finish(&b, c, emit, arg, d);
	case SK_EXIT: case SK_DELETEALL:
		return 0;
	default:
		break;
	}
	for (s = c->src.ai; s != NULL; s = s->ai_next) {
		for (t = c->dst.ai; t != NULL; t = t->ai_next) {
			if (s->ai_family != t->ai_family)
				continue;
			pairs++;
			if (c->type == SK_SPDADD || c->type == SK_SPDUPDATE ||
			    c->type == SK_SPDDELETE) {
				pk_msg_begin(&b, msg_type[c->type], 0, 0, 0);
				spd_body(&b, c, s->ai_addr, t->ai_addr, c->dir);
				rc = finish(&b, c, emit, arg, d);
				if (rc == 0 && o->rfc &&
				    c->dir == IPSEC_DIR_INBOUND) {
					pk_msg_begin(&b, msg_type[c->type], 0,
						     0, 0);
					spd_body(&b, c, s->ai_addr, t->ai_addr,
						 IPSEC_DIR_FWD);
					rc = finish(&b, c, emit, arg, d);
				}
			} else {
				pk_msg_begin(&b, msg_type[c->type], c->satype,
					     0, 0);
				sad_body(&b, c, s->ai_addr, t->ai_addr);
				rc = finish(&b, c, emit, arg, d);
			}
			explicit_bzero(mem, b.len);
			if (rc != 0)
				return rc;
		}
	}
	if (pairs == 0)
		return pk_diag_set(d, EAFNOSUPPORT, 0, 0, 0, NULL,
				   "source and destination have no address of "
				   "the same family");
	return 0;
}
