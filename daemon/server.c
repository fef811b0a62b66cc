/*
 * server.c - the event loop.
 *
 * A loop turn: wait; handle the events (accept, read requests and hand
 * them to the engine, send what EPOLLOUT allows, signals, the timer); then
 * flush every client whose queue changed, close the clients marked for
 * closing, and re-arm the timer for the engine's next deadline.
 *
 * The engine calls deliver() from inside engine_handle(), engine_tick()
 * and engine_dump_pull().  deliver() therefore only appends to queues and
 * marks clients: it never sends and never closes, so no client goes away
 * while the engine is running (closing calls engine_client_close()).
 *
 * A client's life, in flags:
 *   paused   its queue went above SERVER_QUEUE_HIGH: requests are not read
 *            until it drains below SERVER_QUEUE_LOW
 *   eof      it sent EOF: nothing more to read; it is closed once its queue
 *            and dump are drained (a client may shutdown(SHUT_WR) and then
 *            read its replies)
 *   gone     sending failed (EPIPE, ECONNRESET): output is dropped, but its
 *            remaining requests are still read and applied, as a kernel
 *            applies a message sent just before close()
 *   doomed   to be closed at the end of the turn (overrun, error, eof done)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "local.h"
#include "log.h"
#include "pfkey/msg.h"
#include "queue.h"
#include "server.h"

/* epoll tags of the daemon's own descriptors; clients use their id. */
#define TAG_LISTEN	(UINT64_C(1) << 32)
#define TAG_SIGNAL	(TAG_LISTEN + 1)
#define TAG_TIMER	(TAG_LISTEN + 2)

/* Room for the largest PF_KEY message and then some: see read_client(). */
#define RBUF_BYTES	(SADB_MSG_MAX_BYTES + SADB_ALIGN)

/*
 * Requests are read with one recvmmsg() of up to RECV_BATCH per wakeup,
 * each into its own RBUF_BYTES slot: the slots are one anonymous mapping,
 * of which only the pages that messages touch become memory.  Slots that
 * held a large message are handed back to the kernel (after zeroing) so
 * that they do not stay resident.  Replies are sent SEND_BATCH at a time
 * with sendmmsg().
 */
#define RECV_BATCH	SERVER_READ_BUDGET
#define SLOT_BYTES	((RBUF_BYTES + 4095) & ~(size_t)4095)
#define RECV_BYTES	((size_t)RECV_BATCH * SLOT_BYTES)
#define SLOT_KEEP	(16 * 1024)	/* above this, MADV_DONTNEED after use */
#define SEND_BATCH	64

/* The send buffer asked for each client socket (the kernel may cap it). */
#define CLIENT_SNDBUF	(1024 * 1024)

struct client {
	uint32_t	id;
	int		fd;
	pid_t		pid;
	uid_t		uid;
	struct outq	q;
	uint32_t	events;		/* epoll interest now registered */
	bool		paused, eof, gone, doomed;
	bool		blocked;	/* last send hit EAGAIN */
	bool		dirty;		/* on the flush list */
	struct client	*next_dirty;
};

/* The request being handled, for --verbose: its reply's errno. */
struct current {
	bool		active;
	uint32_t	client;
	uint8_t		type;
	uint32_t	seq, pid;
	bool		replied;
	uint8_t		err;
	uint16_t	diag;
};

struct server {
	struct engine	*e;
	struct auth	auth;
	int		lfd, epfd, sigfd, tfd;
	int		spare_fd;	/* given up to accept and refuse on EMFILE */
	struct client	**clients;	/* sorted by id */
	size_t		nclients, capclients;
	uint32_t	next_id;
	struct client	*dirty;
	bool		any_doomed;
	bool		stop;
	uint64_t	armed;		/* deadline the timer is set for */
	bool		armed_valid;	/* false: set the timer whatever armed says */
	uint8_t		*rbuf;		/* the request being handled */
	uint8_t		*rslots;	/* RECV_BATCH slots: see RECV_BATCH */
	uint8_t		*pbuf;		/* one pulled dump record */
	struct outpool	pool;		/* small queued messages */
	struct current	cur;
	struct local_addrs local;	/* for SA directions */
};

static uint64_t now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec;
}

/* ---------------------------------------------------------------- clients */

static struct client *find_client(const struct server *s, uint32_t id)
{
	size_t lo = 0, hi = s->nclients;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t mid_id = s->clients[mid]->id;

		if (mid_id == id)
			return s->clients[mid];
		if (mid_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Inserts c keeping the array sorted (ids grow, so nearly always last). */
static int insert_client(struct server *s, struct client *c)
{
	size_t i;

	if (s->nclients == s->capclients) {
		size_t ncap = s->capclients ? s->capclients * 2 : 16;
		struct client **n = realloc(s->clients, ncap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		s->clients = n;
		s->capclients = ncap;
	}
	i = s->nclients;
	while (i > 0 && s->clients[i - 1]->id > c->id) {
		s->clients[i] = s->clients[i - 1];
		i--;
	}
	s->clients[i] = c;
	s->nclients++;
	return 0;
}

static void remove_client(struct server *s, struct client *c)
{
	for (size_t i = 0; i < s->nclients; i++) {
		if (s->clients[i] == c) {
			memmove(&s->clients[i], &s->clients[i + 1],
				(s->nclients - i - 1) * sizeof(*s->clients));
			s->nclients--;
			return;
		}
	}
}

static uint32_t new_id(struct server *s)
{
	/* Ids are never 0 and not reused while in use, even after a wrap. */
	do {
		if (++s->next_id == 0)
			s->next_id = 1;
	} while (find_client(s, s->next_id) != NULL);
	return s->next_id;
}

static void mark_dirty(struct server *s, struct client *c)
{
	if (!c->dirty) {
		c->dirty = true;
		c->next_dirty = s->dirty;
		s->dirty = c;
	}
}

static void doom(struct server *s, struct client *c)
{
	if (c->doomed)
		return;
	c->doomed = true;
	outq_clear(&c->q);
	s->any_doomed = true;
}

static void close_client(struct server *s, struct client *c)
{
	remove_client(s, c);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	engine_client_close(s->e, c->id);
	outq_clear(&c->q);
	log_msg(LOG_DEBUG, "client %" PRIu32 ": disconnected", c->id);
	free(c);
}

/* Registers the epoll interest the client's state calls for. */
static void set_interest(struct server *s, struct client *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (!c->paused && !c->eof)
		want |= EPOLLIN | EPOLLRDHUP;
	if (c->blocked)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.u64 = c->id;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		log_msg(LOG_ERR, "client %" PRIu32 ": epoll: %s", c->id,
			strerror(errno));
		doom(s, c);
		return;
	}
	c->events = want;
}

/* -------------------------------------------------------------- delivery */

/* Appends a message to c's queue, or disconnects c if it would overrun. */
static void enqueue(struct server *s, struct client *c, struct outmsg **m,
		    const void *msg, size_t len)
{
	if (c->doomed || c->gone)
		return;
	if (outq_bytes(&c->q) + outq_cost(len) > SERVER_QUEUE_LIMIT) {
		log_msg(LOG_WARNING, "client %" PRIu32 ": output queue over %u "
			"bytes, disconnected", c->id, SERVER_QUEUE_LIMIT);
		doom(s, c);
		return;
	}
	if (*m == NULL)
		*m = outmsg_new(&s->pool, msg, len);
	if (*m == NULL || outq_push(&c->q, *m) < 0) {
		log_msg(LOG_ERR, "client %" PRIu32 ": out of memory for its "
			"output queue, disconnected", c->id);
		doom(s, c);
		return;
	}
	mark_dirty(s, c);
}

/* For --verbose: notes the errno of the reply to the request in hand. */
static void note_reply(struct server *s, uint32_t to, const void *msg,
		       size_t len)
{
	struct sadb_msg h;

	if (!s->cur.active || s->cur.replied || len < sizeof(h))
		return;
	memcpy(&h, msg, sizeof(h));
	if (to != s->cur.client || h.sadb_msg_type != s->cur.type ||
	    h.sadb_msg_seq != s->cur.seq || h.sadb_msg_pid != s->cur.pid)
		return;
	s->cur.replied = true;
	s->cur.err = h.sadb_msg_errno;
	s->cur.diag = h.sadb_x_msg_diagnostic;
}

/*
 * The engine's deliver callback.  Promiscuous clients get a copy of every
 * message delivered, once: a promiscuous client that is also a target
 * gets a single copy (Linux sends it two).
 */
static void deliver(void *arg, enum engine_dest dest, uint32_t client,
		    uint8_t satype, const void *msg, size_t len)
{
	struct server *s = arg;
	struct outmsg *m = NULL;
	bool any_promisc = engine_any_promisc(s->e);

	/* The raw copy of every request, when there is no one to see it. */
	if (dest == ENGINE_TO_PROMISC && !any_promisc)
		return;
	for (size_t i = 0; i < s->nclients; i++) {
		struct client *c = s->clients[i];
		bool want;

		if (c->doomed || c->gone)
			continue;
		switch (dest) {
		case ENGINE_TO_SENDER:
			want = c->id == client;
			break;
		case ENGINE_TO_ALL:
			want = true;
			break;
		case ENGINE_TO_REGISTERED:
			want = (client != 0 && c->id == client) ||
			       engine_client_registered(s->e, c->id, satype);
			break;
		case ENGINE_TO_PROMISC:
		default:
			want = false;
			break;
		}
		if (want && log_verbose())
			note_reply(s, c->id, msg, len);
		if (!want && any_promisc)
			want = engine_client_promisc(s->e, c->id);
		if (want)
			enqueue(s, c, &m, msg, len);
	}
	outmsg_put(m);
}

/*
 * Pulls dump records while the queue is below SERVER_QUEUE_LOW: a dump
 * is produced only as fast as the client reads it.
 */
static void refill(struct server *s, struct client *c)
{
	while (!c->doomed && !c->gone &&
	       outq_bytes(&c->q) < SERVER_QUEUE_LOW &&
	       engine_dump_active(s->e, c->id)) {
		struct outmsg *m = NULL;
		size_t len = 0;
		int r;

		r = engine_dump_pull(s->e, c->id, s->pbuf, RBUF_BYTES, &len);
		if (r == 0 || (r > 0 && len == 0))
			break;
		if (len > 0 && len <= RBUF_BYTES)
			enqueue(s, c, &m, s->pbuf, len);
		explicit_bzero(s->pbuf, len <= RBUF_BYTES ? len : 0);
		outmsg_put(m);
		if (r < 0)
			break;
	}
}

/*
 * Sends what the socket takes, up to SERVER_SEND_BUDGET messages, pulling
 * dump records as the queue drains; then registers the interest that
 * follows.
 */
static void flush_client(struct server *s, struct client *c)
{
	struct mmsghdr mh[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	unsigned sent = 0;

	c->blocked = false;
	while (!c->doomed && !c->gone) {
		struct outmsg *m;
		size_t k;
		int n;

		if (outq_bytes(&c->q) < SERVER_QUEUE_LOW) {
			c->paused = false;
			refill(s, c);
		}
		k = outq_count(&c->q);
		if (k == 0)
			break;
		if (sent == SERVER_SEND_BUDGET) {
			c->blocked = true;	/* more next turn, via EPOLLOUT */
			break;
		}
		if (k > SEND_BATCH)
			k = SEND_BATCH;
		if (k > SERVER_SEND_BUDGET - sent)
			k = SERVER_SEND_BUDGET - sent;
		for (size_t i = 0; i < k; i++) {
			m = outq_at(&c->q, i);
			iov[i].iov_base = m->data;
			iov[i].iov_len = m->len;
			memset(&mh[i], 0, sizeof(mh[i]));
			mh[i].msg_hdr.msg_iov = &iov[i];
			mh[i].msg_hdr.msg_iovlen = 1;
		}
		n = sendmmsg(c->fd, mh, (unsigned)k,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			/* a shorter count: the next call says why */
			for (int i = 0; i < n; i++)
				outq_pop(&c->q);
			sent += (unsigned)n;
			continue;
		}
		if (n == 0 || errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->blocked = true;
			break;
		}
		if (errno == EPIPE || errno == ECONNRESET) {
			/* Its remaining requests are still read and applied. */
			c->gone = true;
			c->paused = false;
			outq_clear(&c->q);
			break;
		}
		/* EMSGSIZE: a message larger than the socket can carry. */
		m = outq_peek(&c->q);
		log_msg(LOG_WARNING, "client %" PRIu32 ": cannot send a %" PRIu32
			"-byte message: %s; disconnected", c->id, m->len,
			strerror(errno));
		doom(s, c);
		return;
	}
	if (c->eof && (c->gone || (outq_peek(&c->q) == NULL &&
				   !engine_dump_active(s->e, c->id)))) {
		doom(s, c);
		return;
	}
	if (!c->doomed)
		set_interest(s, c);
}

static void flush_dirty(struct server *s)
{
	while (s->dirty != NULL) {
		struct client *c = s->dirty;

		s->dirty = c->next_dirty;
		c->dirty = false;
		c->next_dirty = NULL;
		if (!c->doomed)
			flush_client(s, c);
	}
}

static void reap_doomed(struct server *s)
{
	size_t i = 0;

	if (!s->any_doomed)
		return;
	s->any_doomed = false;
	/* Off the dirty list first: it must not point at freed clients. */
	for (struct client **p = &s->dirty; *p != NULL;) {
		if ((*p)->doomed)
			*p = (*p)->next_dirty;
		else
			p = &(*p)->next_dirty;
	}
	while (i < s->nclients) {
		struct client *c = s->clients[i];

		if (c->doomed)
			close_client(s, c);	/* shifts the array down */
		else
			i++;
	}
}

/* --------------------------------------------------------------- requests */

static void log_request(struct server *s, struct client *c, size_t len,
			size_t real)
{
	const char *type = pk_msg_type_name(s->cur.type);
	const char *sat;
	struct sadb_msg h;

	if (len < sizeof(h)) {
		log_msg(LOG_DEBUG, "client %" PRIu32 ": %zu-byte datagram -> "
			"errno %u", c->id, real, s->cur.err);
		return;
	}
	memcpy(&h, s->rbuf, sizeof(h));
	sat = pk_satype_name(h.sadb_msg_satype);
	if (!s->cur.replied && engine_dump_active(s->e, c->id)) {
		log_msg(LOG_DEBUG, "client %" PRIu32 ": %s satype %s seq %" PRIu32
			" pid %" PRIu32 " -> streaming", c->id,
			type ? type : "?", sat ? sat : "?", h.sadb_msg_seq,
			h.sadb_msg_pid);
		return;
	}
	if (s->cur.err == 0) {
		log_msg(LOG_DEBUG, "client %" PRIu32 ": %s satype %s seq %" PRIu32
			" pid %" PRIu32 " len %zu -> errno 0", c->id,
			type ? type : "?", sat ? sat : "?", h.sadb_msg_seq,
			h.sadb_msg_pid, real);
	} else {
		const char *dt = pk_diag_text(s->cur.diag);

		log_msg(LOG_DEBUG, "client %" PRIu32 ": %s satype %s seq %" PRIu32
			" pid %" PRIu32 " len %zu -> errno %u (%s), diagnostic "
			"%u (%s)", c->id, type ? type : "?", sat ? sat : "?",
			h.sadb_msg_seq, h.sadb_msg_pid, real, s->cur.err,
			strerror(s->cur.err), s->cur.diag, dt ? dt : "?");
	}
}

static void handle_request(struct server *s, struct client *c, size_t len,
			   size_t real, uint64_t now)
{
	struct sadb_msg h;

	if (log_verbose()) {
		memset(&s->cur, 0, sizeof(s->cur));
		s->cur.active = true;
		s->cur.client = c->id;
		if (len >= sizeof(h)) {
			memcpy(&h, s->rbuf, sizeof(h));
			s->cur.type = h.sadb_msg_type;
			s->cur.seq = h.sadb_msg_seq;
			s->cur.pid = h.sadb_msg_pid;
		}
	}
	engine_handle(s->e, c->id, s->rbuf, len, now);
	if (log_verbose()) {
		log_request(s, c, len, real);
		s->cur.active = false;
	}
	mark_dirty(s, c);
}

/* True when the peer has shut down its side (a 0 from recv is then EOF). */
static bool peer_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP));
}

/*
 * Reads up to SERVER_READ_BUDGET requests, with one recvmmsg(): epoll is
 * level-triggered, so whatever is left (a full batch) brings the client
 * back next turn, after the others have had theirs.  The requests of a
 * batch arrived together and are applied at one time, the clock's reading
 * when they were read (lifetimes count seconds).
 *
 * Sizes: the buffer holds SADB_MSG_MAX_BYTES + 8 bytes and recv() is told
 * MSG_TRUNC, so it returns the datagram's real length.  A datagram longer
 * than the buffer is handed to the engine cut to the buffer's size: that is
 * longer than any sadb_msg_len can say, so the engine refuses it with
 * EMSGSIZE and an error reply, like every other length mismatch.
 *
 * A 0-byte datagram and EOF both read as 0 on a SEQPACKET socket; poll()
 * tells them apart (POLLRDHUP once the peer has shut down), and the
 * datagram gets the engine's error reply.
 */
static void read_client(struct server *s, struct client *c)
{
	struct mmsghdr mh[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	uint64_t now;
	int n;

	if (c->doomed || c->paused || c->eof)
		goto out;
	for (unsigned i = 0; i < RECV_BATCH; i++) {
		iov[i].iov_base = s->rslots + (size_t)i * SLOT_BYTES;
		iov[i].iov_len = RBUF_BYTES;
		memset(&mh[i], 0, sizeof(mh[i]));
		mh[i].msg_hdr.msg_iov = &iov[i];
		mh[i].msg_hdr.msg_iovlen = 1;
	}
	do
		n = recvmmsg(c->fd, mh, RECV_BATCH, MSG_DONTWAIT | MSG_TRUNC,
			     NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->eof = c->gone = true;
			mark_dirty(s, c);
		}
		goto out;
	}
	now = now_seconds();
	for (int i = 0; i < n; i++) {
		size_t real = mh[i].msg_len;
		size_t len = real < RBUF_BYTES ? real : RBUF_BYTES;

		if (c->doomed || c->eof) {
			/* as if never read: not applied */
			explicit_bzero(iov[i].iov_base, len);
			continue;
		}
		if (real == 0 && peer_closed(c->fd)) {
			c->eof = true;	/* the rest are EOF too */
			mark_dirty(s, c);
			continue;
		}
		s->rbuf = iov[i].iov_base;
		handle_request(s, c, len, real, now);
		explicit_bzero(s->rbuf, len);	/* requests carry keys */
		if (len > SLOT_KEEP)
			madvise(s->rbuf, SLOT_BYTES, MADV_DONTNEED);
		/* already read: handled even when this pauses it */
		if (outq_bytes(&c->q) >= SERVER_QUEUE_HIGH)
			c->paused = true;
	}
out:
	s->rbuf = s->rslots;
	if (c->paused || c->eof)
		mark_dirty(s, c);	/* set_interest() drops EPOLLIN */
}

/* ---------------------------------------------------------------- accept */

/* Accepts and closes one connection when out of descriptors. */
static void shed_connection(struct server *s)
{
	int fd;

	if (s->spare_fd < 0)
		return;
	close(s->spare_fd);
	fd = accept(s->lfd, NULL, NULL);
	if (fd >= 0)
		close(fd);
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_one(struct server *s, int fd)
{
	struct epoll_event ev;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct client *c;
	int sndbuf = CLIENT_SNDBUF;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		log_msg(LOG_WARNING, "SO_PEERCRED: %s; connection refused",
			strerror(errno));
		close(fd);
		return;
	}
	if (!auth_allowed(&s->auth, cred.uid, cred.gid)) {
		log_msg(LOG_WARNING, "refused connection from uid %u pid %d",
			(unsigned)cred.uid, (int)cred.pid);
		close(fd);
		return;
	}
	/* Room for the largest message; root may go past wmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
		       sizeof(sndbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_msg(LOG_ERR, "out of memory; connection from uid %u pid %d "
			"closed", (unsigned)cred.uid, (int)cred.pid);
		close(fd);
		return;
	}
	c->fd = fd;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->id = new_id(s);
	outq_init(&c->q);
	if (insert_client(s, c) < 0) {
		log_msg(LOG_ERR, "out of memory; connection from uid %u pid %d "
			"closed", (unsigned)cred.uid, (int)cred.pid);
		close(fd);
		free(c);
		return;
	}
	if (engine_client_open(s->e, c->id) < 0) {
		log_msg(LOG_ERR, "engine: cannot open client; connection from "
			"uid %u pid %d closed", (unsigned)cred.uid,
			(int)cred.pid);
		remove_client(s, c);
		close(fd);
		free(c);
		return;
	}
	c->events = EPOLLIN | EPOLLRDHUP;
	ev.events = c->events;
	ev.data.u64 = c->id;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_msg(LOG_ERR, "epoll: %s; connection closed", strerror(errno));
		c->events = 0;
		doom(s, c);
		return;
	}
	log_msg(LOG_DEBUG, "client %" PRIu32 ": connected, uid %u pid %d",
		c->id, (unsigned)cred.uid, (int)cred.pid);
}

static void accept_clients(struct server *s)
{
	for (int i = 0; i < SERVER_READ_BUDGET; i++) {
		int fd = accept4(s->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			log_msg(LOG_WARNING, "accept: %s; connection dropped",
				strerror(errno));
			shed_connection(s);
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_msg(LOG_WARNING, "accept: %s", strerror(errno));
		break;
	}
}

/* ------------------------------------------------------ signals and timer */

static void read_signals(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_msg(LOG_INFO, "%s: shutting down",
				si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			s->stop = true;
			break;
		case SIGHUP:
			log_msg(LOG_INFO, "SIGHUP ignored: pfkeyd has no "
				"configuration to reload");
			break;
		default:
			break;
		}
	}
}

/* Arms the timer for the engine's next deadline (wall-clock seconds). */
static void arm_timer(struct server *s)
{
	uint64_t d = engine_next_deadline(s->e);
	struct itimerspec its;

	time_t t = (time_t)d;

	if (s->armed_valid && d == s->armed)
		return;
	memset(&its, 0, sizeof(its));
	/*
	 * Absolute CLOCK_REALTIME: a clock step moves the expiry with it.  A
	 * deadline in the past fires at once; 0 would disarm, so it is 1.
	 * Never (UINT64_MAX), or beyond time_t, leaves the timer disarmed.
	 */
	if (d != UINT64_MAX && t >= 0 && (uint64_t)t == d)
		its.it_value.tv_sec = t == 0 ? 1 : t;
	if (timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		log_msg(LOG_ERR, "timerfd: %s", strerror(errno));
		return;
	}
	s->armed = d;
	s->armed_valid = true;
}

static void timer_fired(struct server *s)
{
	uint64_t ticks;

	if (read(s->tfd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	s->armed_valid = false;	/* re-arm whatever the new deadline is */
	engine_tick(s->e, now_seconds());
}

/* ------------------------------------------------------------------ loop */

static void client_event(struct server *s, uint32_t id, uint32_t events)
{
	struct client *c = find_client(s, id);

	if (c == NULL || c->doomed)
		return;		/* closed earlier in this turn */
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
		flush_client(s, c);
	if (!c->doomed && (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR |
				     EPOLLHUP)))
		read_client(s, c);
	if (!c->doomed && c->eof)
		mark_dirty(s, c);
}

int server_run(struct server *s)
{
	struct epoll_event evs[64];

	while (!s->stop) {
		int n;

		flush_dirty(s);
		reap_doomed(s);
		arm_timer(s);
		n = epoll_wait(s->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])),
			       -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n && !s->stop; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_LISTEN)
				accept_clients(s);
			else if (tag == TAG_SIGNAL)
				read_signals(s);
			else if (tag == TAG_TIMER)
				timer_fired(s);
			else
				client_event(s, (uint32_t)tag, evs[i].events);
		}
	}
	return 0;
}

/* ----------------------------------------------------------- life cycle */

static int add_fd(struct server *s, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Lets the daemon hold as many clients as the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int server_new(const struct server_config *cfg, struct server **out)
{
	static const struct engine_ops ops = { .deliver = deliver };
	struct engine_config ecfg = { .seed = cfg->seed };
	struct server *s;
	struct pk_diag d;
	sigset_t set;
	int r;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->lfd = cfg->listen_fd;
	s->auth = cfg->auth;
	outpool_init(&s->pool);
	s->epfd = s->sigfd = s->tfd = s->spare_fd = -1;

	s->rslots = mmap(NULL, RECV_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->rslots == MAP_FAILED)
		s->rslots = NULL;
	s->rbuf = s->rslots;
	s->pbuf = malloc(RBUF_BYTES);
	if (s->rslots == NULL || s->pbuf == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	while (ecfg.seed == 0 &&
	       getrandom(&ecfg.seed, sizeof(ecfg.seed), 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			log_msg(LOG_ERR, "getrandom: %s", strerror(errno));
			goto fail;
		}
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		goto fail_errno;
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->tfd < 0 || s->epfd < 0)
		goto fail_errno;
	if (add_fd(s, s->lfd, TAG_LISTEN) < 0 ||
	    add_fd(s, s->sigfd, TAG_SIGNAL) < 0 ||
	    add_fd(s, s->tfd, TAG_TIMER) < 0)
		goto fail_errno;
	raise_nofile();
	s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	pk_diag_clear(&d);
	r = engine_new(&ecfg, &ops, s, &s->e, &d);
	explicit_bzero(&ecfg, sizeof(ecfg));
	if (r < 0) {
		log_msg(LOG_ERR, "engine: %s%s%s", strerror(-r),
			d.detail[0] ? ": " : "", d.detail);
		goto fail;
	}
	sadb_set_local_addr_fn(engine_sadb(s->e), local_is_local, &s->local);
	*out = s;
	return 0;

fail_errno:
	r = -errno;
	log_msg(LOG_ERR, "%s", strerror(errno));
fail:
	server_free(s);
	return r;
}

void server_free(struct server *s)
{
	if (s == NULL)
		return;
	while (s->nclients > 0)
		close_client(s, s->clients[s->nclients - 1]);
	outpool_drain(&s->pool);	/* every queue is gone */
	free(s->clients);
	if (s->e != NULL)
		engine_free(s->e);
	local_addrs_free(&s->local);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->tfd >= 0)
		close(s->tfd);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	/* each request was zeroed after use; unmapping drops the pages */
	if (s->rslots != NULL)
		munmap(s->rslots, RECV_BYTES);
	if (s->pbuf != NULL) {
		explicit_bzero(s->pbuf, RBUF_BYTES);
		free(s->pbuf);
	}
	free(s);
}
