/*
 * local.c - the host's own addresses, read with getifaddrs().
 */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "local.h"

static void reread(struct local_addrs *l, time_t now)
{
	struct ifaddrs *all, *i;
	size_t n = 0;

	l->read_at = now;
	if (getifaddrs(&all) != 0)
		return;		/* keep the last list we had */
	for (i = all; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && (i->ifa_addr->sa_family == AF_INET ||
					    i->ifa_addr->sa_family == AF_INET6))
			n++;
	free(l->v);
	l->v = calloc(n > 0 ? n : 1, sizeof(*l->v));
	l->n = 0;
	for (i = all; i != NULL && l->v != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *s = (const void *)i->ifa_addr;

			l->v[l->n].family = AF_INET;
			memcpy(l->v[l->n++].addr, &s->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *s = (const void *)i->ifa_addr;

			l->v[l->n].family = AF_INET6;
			memcpy(l->v[l->n++].addr, &s->sin6_addr, 16);
		}
	}
	freeifaddrs(all);
}

bool local_is_local(void *arg, const struct sadb_addr *a)
{
	struct local_addrs *l = arg;
	time_t now = time(NULL);

	if (l->read_at == 0 || now - l->read_at >= 1 || now < l->read_at)
		reread(l, now);
	/* Constant lengths, so that the compares are inlined. */
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].family != a->family)
			continue;
		if (a->family == AF_INET
		    ? memcmp(l->v[i].addr, a->addr, 4) == 0
		    : memcmp(l->v[i].addr, a->addr, 16) == 0)
			return true;
	}
	return false;
}

void local_addrs_free(struct local_addrs *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->read_at = 0;
}
