/*
 * local.h - which addresses are this host's, for the SADB's choice of an
 * SA's direction when the request names none (Solaris semantics: a local
 * destination makes an inbound SA, a local source an outbound one).
 */
#ifndef PFKEYD_LOCAL_H
#define PFKEYD_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sadb.h"

struct local_addrs {
	time_t		read_at;	/* when the list was read, 0 = never */
	size_t		n;
	struct {
		uint8_t	family;
		uint8_t	addr[16];
	}		*v;
};

/*
 * A sadb_is_local_fn over the host's interface addresses (getifaddrs),
 * read again when the list is more than a second old, so interfaces that
 * come and go are seen without a syscall per request.
 */
bool local_is_local(void *arg, const struct sadb_addr *a);
void local_addrs_free(struct local_addrs *l);

#endif /* PFKEYD_LOCAL_H */
