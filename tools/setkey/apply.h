/*
 * apply.h - sending setkey's messages to pfkeyd and reading the answers.
 *
 * Requests are pipelined: up to SK_WINDOW are in flight, each remembered
 * with its seq, type and source line; replies are matched by (type, seq,
 * pid) and refusals reported with their line.  Everything not ours (other
 * sockets' broadcasts) is skipped.  Commands whose answers are printed
 * (get, dump, spddump, deleteall) first wait for everything in flight.
 */
#ifndef SETKEY_APPLY_H
#define SETKEY_APPLY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "parse.h"
#include "pfkey/transport.h"

/*
 * Requests in flight: SK_WINDOW (a power of two) at most, SK_WINDOW_VERBOSE
 * with -v (so that what -v shows interleaves as it always did).  Requests
 * are gathered, SK_SEND_BATCH at most and SK_SEND_ARENA bytes in all, and
 * sent with one sendmmsg(); replies are read SK_RECV_BATCH at a time into
 * slots of SK_RECV_SLOT bytes (matching needs only the header; -v reads
 * one at a time into a buffer that holds any message).
 */
#define SK_WINDOW		256
#define SK_WINDOW_VERBOSE	64
#define SK_SEND_BATCH		64
#define SK_SEND_ARENA		(64 * 1024)
#define SK_RECV_BATCH		64
#define SK_RECV_SLOT		1024

struct sk_inflight {
	uint32_t	seq;
	uint8_t		type;
	bool		done;
	unsigned long	line;
};

struct sk_apply {
	struct pk_conn	*conn;
	uint32_t	pid;
	const char	*fname;		/* for messages */
	unsigned	verbose;	/* -v */
	unsigned	print_flags;	/* PK_SETKEY_* */
	bool		all;		/* -a: dead SAs too */
	bool		hide_keys;
	unsigned long	failures;
	struct sk_inflight ring[SK_WINDOW];
	unsigned	head, count;	/* count includes the unsent */
	unsigned	window;		/* SK_WINDOW or SK_WINDOW_VERBOSE */
	uint8_t		*rbuf;		/* SADB_MSG_MAX_BYTES */
	uint8_t		*sbuf;		/* for deleteall's deletes */
	/* requests gathered, not sent yet (the last npend of the ring) */
	uint8_t		*sarena;	/* SK_SEND_ARENA */
	size_t		sused;
	struct iovec	siov[SK_SEND_BATCH];
	unsigned	npend;
	/* replies: SK_RECV_BATCH slots of SK_RECV_SLOT bytes */
	uint8_t		*rslots;
	struct iovec	riov[SK_RECV_BATCH];
	size_t		rlens[SK_RECV_BATCH];
};

int sk_apply_open(struct sk_apply *a, bool autostart);
void sk_apply_close(struct sk_apply *a);

/*
 * Sends one built message of a command of type cmd from line (pass 1's
 * spool keeps these), or as an sk_emit_fn straight from the parser.
 */
int sk_apply_send(struct sk_apply *a, enum sk_cmd_type cmd, uint8_t satype,
		  unsigned long line, void *msg, size_t len);
int sk_apply_emit(void *arg, const struct sk_cmd *c, void *msg, size_t len);

/* Waits for every request in flight. */
int sk_apply_drain(struct sk_apply *a);

/* The command-level operations that print or converse. */
int sk_apply_dump(struct sk_apply *a, bool spd, uint8_t satype,
		  unsigned long line);
int sk_apply_get(struct sk_apply *a, unsigned long line, void *msg,
		 size_t len);
/* Deletes every SA of satype from one of src to one of dst. */
int sk_apply_deleteall(struct sk_apply *a, uint8_t satype, unsigned long line,
		       const struct sockaddr_storage *src, size_t nsrc,
		       const struct sockaddr_storage *dst, size_t ndst);
/* SADB_FLUSH or SADB_X_SPDFLUSH, waited for. */
int sk_apply_flush(struct sk_apply *a, bool spd);

/* -x: prints every message pfkeyd shows a promiscuous socket. */
int sk_apply_monitor(struct sk_apply *a, unsigned xcount, bool hex);
/* -l: dumps the SAD in short form every second. */
int sk_apply_loop(struct sk_apply *a);

#endif /* SETKEY_APPLY_H */
