/*
 * auth.h - who may talk to pfkeyd.
 *
 * A connecting peer is identified by SO_PEERCRED (the credentials it had
 * when it called connect()).  Let in: root, the daemon's own uid, and, with
 * --group, members of that group: the peer's gid, or a supplementary group
 * of the peer's uid according to the group database (getgrouplist on its
 * passwd entry).  Everyone else is refused.
 */
#ifndef PFKEYD_AUTH_H
#define PFKEYD_AUTH_H

#include <stdbool.h>
#include <sys/types.h>

struct auth {
	uid_t	self;		/* the daemon's effective uid */
	bool	have_group;
	gid_t	group;
};

bool auth_allowed(const struct auth *a, uid_t uid, gid_t gid);

#endif /* PFKEYD_AUTH_H */
