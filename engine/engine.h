/*
 * engine.h - the key engine: PF_KEY v2 requests in, replies and broadcasts
 * out, over the SADB (sadb.h) and the SPD (spd.h).
 *
 * Pure logic, like the databases under it: no sockets, no clock (the
 * caller passes the time in seconds), no printing, no globals.  The daemon
 * gives each of its sockets a client id, hands every datagram it reads to
 * engine_handle(), and delivers what the engine emits through the deliver
 * callback.  Destinations follow RFC 2367 section 3 and what a Linux 6.1
 * af_key does (../shared/reference/linux-af_key/README.md):
 *
 *   request                      reply goes to
 *   ---------------------------  -------------------------------------------
 *   any, refused                 the sender (header only, errno, diagnostic)
 *   ADD UPDATE DELETE FLUSH      every socket (never with keys: RFC 2367)
 *   X_UPDATEPAIR X_DELPAIR       every socket
 *   X_PROMISC                    every socket
 *   SPDADD SPDUPDATE SPDDELETE   every socket
 *   SPDDELETE2 SPDFLUSH
 *   GET GETSPI SPDGET            the sender
 *   DUMP SPDDUMP                 the sender, streamed (engine_dump_pull)
 *   REGISTER                     the sender and sockets already registered
 *                                for the type
 *   (engine) EXPIRE, ACQUIRE     sockets registered for the SA type
 *   (engine) SPDEXPIRE           every socket
 *
 * Promiscuous sockets (X_PROMISC on) also get a copy of every request
 * before its reply, and of every message above except dump records (a dump
 * is paced by its requester's reading; copying it would make one slow
 * monitor hold the daemon's memory hostage).
 */
#ifndef PFKEY_ENGINE_ENGINE_H
#define PFKEY_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfkey/diag.h"
#include "sadb.h"

/* Where an emitted message goes; see the table above. */
enum engine_dest {
	ENGINE_TO_SENDER = 1,	/* the client named in the call only */
	ENGINE_TO_ALL,		/* every client (the sender included) */
	ENGINE_TO_REGISTERED,	/* clients registered for satype, plus the
				   client named in the call if not 0 */
	ENGINE_TO_PROMISC,	/* promiscuous clients only */
};

/*
 * The daemon's side.  deliver() queues one message for the clients of
 * dest; client is the requester (0 for the engine's own messages), satype
 * the type for ENGINE_TO_REGISTERED.  Promiscuous clients get their copy
 * from the daemon's expansion of every dest except dump records, which are
 * pulled (engine_dump_pull), never delivered.  The message is only valid
 * during the call.
 */
struct engine_ops {
	void	(*deliver)(void *arg, enum engine_dest dest, uint32_t client,
			   uint8_t satype, const void *msg, size_t len);
};

struct engine_config {
	uint64_t	seed;		/* keys the hashes and SPI choice */
};

struct engine;

int engine_new(const struct engine_config *cfg, const struct engine_ops *ops,
	       void *arg, struct engine **out, struct pk_diag *d);
/* Frees everything (keys zeroed). */
void engine_free(struct engine *e);

/* ---------------------------------------------------------------- clients */

/*
 * A client (a socket) appears and goes.  Ids are the daemon's, never 0.
 * Closing drops its registrations, promiscuous mode and dump.
 */
int engine_client_open(struct engine *e, uint32_t client);
void engine_client_close(struct engine *e, uint32_t client);
bool engine_client_promisc(const struct engine *e, uint32_t client);
/* Whether any client is promiscuous (ENGINE_TO_PROMISC goes nowhere). */
bool engine_any_promisc(const struct engine *e);
bool engine_client_registered(const struct engine *e, uint32_t client,
			      uint8_t satype);

/* --------------------------------------------------------------- requests */

/*
 * One datagram from a client.  Validates it (pk_msg_parse, pk_msg_check),
 * applies it and emits the replies.  Never fails: a refused request is
 * answered with an error reply to the sender.  A DUMP or SPDDUMP starts a
 * stream the daemon drains with engine_dump_pull(); a second dump request
 * while one runs is refused with EBUSY.
 */
void engine_handle(struct engine *e, uint32_t client, const void *msg,
		   size_t len, uint64_t now);

/*
 * The next message of the client's dump into buf (cap >= SADB_MSG_MAX_BYTES
 * is always enough).  Returns 1 with *len set while the dump has messages,
 * 0 when there is no dump (the last message has seq 0), -errno on failure
 * (the dump is then over and an error reply was written instead).
 */
int engine_dump_pull(struct engine *e, uint32_t client, void *buf,
		     size_t cap, size_t *len);
bool engine_dump_active(const struct engine *e, uint32_t client);

/* ----------------------------------------------------------------- timers */

/* When engine_tick() next has work, in seconds; UINT64_MAX for never. */
uint64_t engine_next_deadline(const struct engine *e);
/* Expires what is due at now: SADB_EXPIRE (soft, hard), SPDEXPIRE. */
void engine_tick(struct engine *e, uint64_t now);

/* --------------------------------------------------------- datapath hooks */

/*
 * Charges traffic to the SA (satype, dst, spi): bytes and packets, first
 * and last use.  Crossing a byte or allocation limit expires at the next
 * engine_tick().  ESRCH when there is no such SA.
 */
int engine_charge(struct engine *e, uint8_t satype,
		  const struct sadb_addr *dst, uint32_t spi, uint64_t bytes,
		  uint64_t now);

/*
 * Traffic from src to dst needs an SA of satype that does not exist (the
 * policy's request says so): creates a larval SA and sends SADB_ACQUIRE to
 * the sockets registered for satype, with a seq the key manager answers
 * with SADB_UPDATE (or SADB_ACQUIRE with errno set to give up).  EEXIST
 * when an acquire for the same pair and type is already pending; ENOENT
 * when no socket is registered for satype.
 */
int engine_acquire(struct engine *e, uint8_t satype,
		   const struct sadb_addr *src, const struct sadb_addr *dst,
		   uint8_t mode, uint32_t reqid, uint32_t policy_id,
		   uint64_t now, uint32_t *seq);

/* The databases, for the datapath and for tests. */
struct sadb *engine_sadb(struct engine *e);
struct spd *engine_spd(struct engine *e);

#endif /* PFKEY_ENGINE_ENGINE_H */
