/*
 * auth.c - the peer check.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include "auth.h"

/* Whether the user uid belongs to group in the group database. */
static bool member_of(uid_t uid, gid_t group)
{
	struct passwd *pw = getpwuid(uid);
	gid_t small[64], *groups = small;
	int n = (int)(sizeof(small) / sizeof(small[0]));
	bool found = false;

	if (pw == NULL)
		return false;
	if (pw->pw_gid == group)
		return true;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
		/* n now holds the number needed. */
		groups = calloc((size_t)n, sizeof(*groups));
		if (groups == NULL)
			return false;
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
			n = 0;
	}
	for (int i = 0; i < n && !found; i++)
		found = groups[i] == group;
	if (groups != small)
		free(groups);
	return found;
}

bool auth_allowed(const struct auth *a, uid_t uid, gid_t gid)
{
	if (uid == 0 || uid == a->self)
		return true;
	if (!a->have_group)
		return false;
	return gid == a->group || member_of(uid, a->group);
}
