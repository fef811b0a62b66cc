/*
 * server.h - pfkeyd's event loop: clients, delivery, flow control, timers.
 *
 * One thread, one epoll set: the listening socket, a signalfd (SIGTERM,
 * SIGINT, SIGHUP), a timerfd on CLOCK_REALTIME armed for the engine's next
 * deadline, and every client socket.
 *
 * Each client has an output queue (queue.h).  The engine's deliver
 * callback only appends to queues; sending happens once per loop turn, and
 * never blocks (MSG_DONTWAIT): on EAGAIN the rest waits for EPOLLOUT.
 * Three limits per client, in queued bytes (outq_bytes):
 *
 *   SERVER_QUEUE_LOW    64 KiB  dumps are pulled from the engine only while
 *                               the queue is below it; a paused client's
 *                               requests are read again once below it
 *   SERVER_QUEUE_HIGH  256 KiB  above it after a request, the client's
 *                               requests are no longer read (EPOLLIN off):
 *                               a client that writes without reading is
 *                               slowed by its own socket buffer, and never
 *                               loses a reply
 *   SERVER_QUEUE_LIMIT   4 MiB  a message that would take the queue past it
 *                               (broadcasts, expires, other clients' doings)
 *                               disconnects the client instead: it sees EOF,
 *                               never a silent gap
 *
 * So a slow reader costs the daemon at most SERVER_QUEUE_LIMIT plus one
 * message, a dump of any size streams at the reader's pace, and nobody
 * waits for anybody.
 */
#ifndef PFKEYD_SERVER_H
#define PFKEYD_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "auth.h"

#define SERVER_QUEUE_LOW	(64u * 1024)
#define SERVER_QUEUE_HIGH	(256u * 1024)
#define SERVER_QUEUE_LIMIT	(4u * 1024 * 1024)

/* Work done for one client before the loop turns to the others. */
#define SERVER_READ_BUDGET	64	/* datagrams read per wakeup */
#define SERVER_SEND_BUDGET	1024	/* messages sent per wakeup */

struct server_config {
	int		listen_fd;
	struct auth	auth;
	unsigned long long seed;	/* engine hash and SPI key; 0: random */
};

struct server;

/* Blocks SIGTERM, SIGINT and SIGHUP (into a signalfd) and ignores SIGPIPE. */
int server_new(const struct server_config *cfg, struct server **out);
/* Runs until SIGTERM or SIGINT; 0, or -errno on a fatal error. */
int server_run(struct server *s);
/* Disconnects every client and frees the engine (keys zeroed). */
void server_free(struct server *s);

#endif /* PFKEYD_SERVER_H */
