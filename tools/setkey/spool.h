/*
 * spool.h - what pass 1 built, kept for pass 2.
 *
 * Nothing is sent until the whole input has been parsed and validated, so
 * setkey reads its input twice.  Rather than parse it all a second time,
 * pass 1 keeps what pass 2 needs: one record per message built (with the
 * command type, SA type and line it came from) and one per deleteall
 * (with its address lists), in chunks of SK_SPOOL_CHUNK bytes and at most
 * SK_SPOOL_MAX in all.
 *
 * When a command does not fit, the spool is closed at that command: it
 * keeps the records of the commands before it, and remembers where the
 * command starts (byte offset, line, column).  Pass 2 replays the records,
 * then parses the input again from there.  So memory stays bounded for an
 * input of any size, and an input of up to about 150k SAs is parsed once.
 *
 * The records hold keys: chunks are kept out of core dumps and are zeroed
 * when freed.
 */
#ifndef SETKEY_SPOOL_H
#define SETKEY_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "parse.h"

#define SK_SPOOL_CHUNK	(1024 * 1024)
#define SK_SPOOL_MAX	(32 * 1024 * 1024)

enum sk_rec_kind {
	SK_REC_MSG = 1,		/* a built message */
	SK_REC_DELETEALL,	/* a deleteall: its address lists */
};

/* One record as pass 2 sees it. */
struct sk_rec {
	enum sk_rec_kind		kind;
	enum sk_cmd_type		cmd;
	uint8_t				satype;
	unsigned long			line;
	/* SK_REC_MSG */
	void				*msg;
	size_t				len;
	/* SK_REC_DELETEALL */
	const struct sockaddr_storage	*src, *dst;
	size_t				nsrc, ndst;
};

struct sk_spool_chunk;

struct sk_spool {
	struct sk_spool_chunk	*head, *tail;
	size_t			total;		/* bytes mapped */
	size_t			max;		/* SK_SPOOL_MAX */
	/* where the current command's records start, to take them back */
	struct sk_spool_chunk	*mark_chunk;
	size_t			mark_used;
	bool			closed;
	/* closed: where pass 2 parses again */
	uint64_t		resume_off;
	unsigned long		resume_line, resume_col;
};

void sk_spool_init(struct sk_spool *s, size_t max);
/* Zeroes and unmaps every chunk. */
void sk_spool_free(struct sk_spool *s);

/* A new command starts: its records can be taken back by sk_spool_close. */
void sk_spool_begin(struct sk_spool *s);

/*
 * Keep one message of command c, or c's deleteall.  -ENOSPC when it does
 * not fit (the caller closes the spool at c); -ENOMEM.
 */
int sk_spool_msg(struct sk_spool *s, const struct sk_cmd *c, const void *msg,
		 size_t len);
int sk_spool_deleteall(struct sk_spool *s, const struct sk_cmd *c);

/* Takes back c's records; pass 2 parses again from c. */
void sk_spool_close(struct sk_spool *s, const struct sk_cmd *c);

/*
 * Walks the records in order, from a zeroed *pos; false after the last.
 * A record's pointers stay valid until sk_spool_free().
 */
struct sk_spool_pos {
	struct sk_spool_chunk	*chunk;
	size_t			off;
	bool			started;
};
bool sk_spool_next(struct sk_spool *s, struct sk_spool_pos *pos,
		   struct sk_rec *r);

/* A host's addresses, for deleteall: how many, and a copy of them. */
size_t sk_host_count(const struct sk_host *h);
void sk_host_copy(const struct sk_host *h, struct sockaddr_storage *out);

#endif /* SETKEY_SPOOL_H */
