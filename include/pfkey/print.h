/*
 * print.h - the generic PF_KEY message decoder for debugging.
 *
 * Prints any message, valid or not, in the "sadb_msg{ ... }" style of
 * setkey -v, one extension after another.  It trusts no length: a
 * truncated or malformed message is printed up to the point where it stops
 * making sense, followed by a line saying what is wrong there.
 */
#ifndef PFKEY_PRINT_H
#define PFKEY_PRINT_H

#include <stddef.h>
#include <stdio.h>

#define PK_PRINT_HIDE_KEYS	0x1	/* print key bytes as "XX" (-p) */
#define PK_PRINT_HEX		0x2	/* hex rows of the whole message (-H) */

/*
 * Prints len bytes at msg to f, each line starting with prefix (may be
 * NULL).  Returns 0 when the message was well formed as far as the printer
 * checks, -EINVAL when it had to stop early; the output is complete either
 * way.
 */
int pk_print_msg(FILE *f, const char *prefix, const void *msg, size_t len,
		 unsigned flags);

/* Hex rows "%08x: xxxx xxxx ..." of len bytes, 16 a row. */
void pk_print_hex(FILE *f, const char *prefix, const void *data, size_t len);

#endif /* PFKEY_PRINT_H */
