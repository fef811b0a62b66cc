/*
 * print_setkey.h - setkey's dump formats (../shared/reference/
 * setkey-behavior.md): "setkey -D" for SAD entries and "setkey -DP" for
 * SPD entries, the text scripts parse.
 */
#ifndef PFKEY_PRINT_SETKEY_H
#define PFKEY_PRINT_SETKEY_H

#include <stdio.h>
#include <time.h>

#include "pfkey/msg.h"

#define PK_SETKEY_PORTS		0x1	/* -p: addr[port] in the SAD header */
#define PK_SETKEY_KERNEL	0x2	/* -k: policies as the kernel keeps them */

/*
 * One SAD entry: a validated SADB_DUMP or SADB_GET reply carrying an SA.
 * now: the "current:" time (local time, as ctime without the weekday).
 * Returns 0, or -EINVAL when m carries no SA (nothing printed).
 */
int pk_setkey_print_sa(FILE *f, const struct pk_msg *m, unsigned flags,
		       time_t now);

/* One SPD entry: a validated SADB_X_SPDDUMP / SPDGET reply. */
int pk_setkey_print_policy(FILE *f, const struct pk_msg *m, unsigned flags,
			   time_t now);

#endif /* PFKEY_PRINT_SETKEY_H */
