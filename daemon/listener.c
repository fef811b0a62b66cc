/*
 * listener.c - the listening socket and its directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listener.h"
#include "pfkey/transport.h"

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -e;
}

int listener_default_path(char *buf, size_t cap, bool *is_private,
			  char *err, size_t errlen)
{
	const char *env = getenv("PFKEY_SOCKET");
	int r;

	/* The clients' own rule, so that both sides agree. */
	r = pk_socket_path(buf, cap);
	if (r < 0)
		return fail(err, errlen, -r, "default socket path: %s",
			    strerror(-r));
	*is_private = env == NULL || env[0] == '\0';
	return 0;
}

/* path made absolute into out (cap bytes). */
static int absolute(char *out, size_t cap, const char *path, char *err,
		    size_t errlen)
{
	char cwd[4096];
	int n;

	if (path[0] == '/') {
		n = snprintf(out, cap, "%s", path);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return fail(err, errlen, errno, "%s: getcwd: %s", path,
				    strerror(errno));
		n = snprintf(out, cap, "%s/%s", cwd, path);
	}
	if (n < 0 || (size_t)n >= cap)
		return fail(err, errlen, ENAMETOOLONG,
			    "%s: socket path too long (at most %zu bytes)",
			    path, cap - 1);
	return 0;
}

/* Creates the socket's directory if missing; checks a private one. */
static int prepare_dir(const char *path, bool is_private, const gid_t *group,
		       char *err, size_t errlen)
{
	char dir[LISTENER_PATH_MAX];
	mode_t mode = group ? 0750 : 0700;
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		return 0;		/* a socket in / */
	*slash = '\0';
	if (mkdir(dir, mode) == 0) {
		/* mkdir's mode passed through the umask: set it exactly. */
		if (group != NULL && chown(dir, (uid_t)-1, *group) < 0)
			return fail(err, errlen, errno, "%s: chown to group %u: %s",
				    dir, (unsigned)*group, strerror(errno));
		if (chmod(dir, mode) < 0)
			return fail(err, errlen, errno, "%s: chmod: %s", dir,
				    strerror(errno));
		return 0;
	}
	if (errno != EEXIST)
		return fail(err, errlen, errno, "%s: cannot create directory: %s",
			    dir, strerror(errno));
	if (stat(dir, &st) < 0)
		return fail(err, errlen, errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, errlen, ENOTDIR, "%s: not a directory", dir);
	/*
	 * A per-user directory in a shared place (/tmp) could have been made
	 * by someone else to catch our clients' keys: insist that it is ours
	 * and that nobody else can write into it.
	 */
	if (is_private && (st.st_uid != geteuid() || (st.st_mode & 022)))
		return fail(err, errlen, EPERM,
			    "%s: not owned by uid %u or writable by others; "
			    "refusing to use it", dir, (unsigned)geteuid());
	return 0;
}

/*
 * Whether something answers on the socket at path: 1 yes, 0 stale
 * (ECONNREFUSED: nobody listens), -errno when it cannot be told.
 */
static int probe(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (r == 0 || errno == EAGAIN || errno == EINPROGRESS)
		r = 1;			/* EAGAIN: listening, backlog full */
	else if (errno == ECONNREFUSED)
		r = 0;
	else
		r = -errno;
	close(fd);
	return r;
}

static int take_lock(struct listener *l, char *err, size_t errlen)
{
	char lock[LISTENER_PATH_MAX + 8];

	snprintf(lock, sizeof(lock), "%s.lock", l->path);
	l->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			  0600);
	if (l->lock_fd < 0)
		return fail(err, errlen, errno, "%s: %s", lock, strerror(errno));
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK) {
		if (probe(l->path) == 1)
			return fail(err, errlen, EADDRINUSE,
				    "%s: another pfkeyd is already listening",
				    l->path);
		return fail(err, errlen, EADDRINUSE,
			    "%s: another pfkeyd holds %s (starting up?)",
			    l->path, lock);
	}
	return fail(err, errlen, errno, "%s: flock: %s", lock, strerror(errno));
}

/* Removes a stale socket at path; refuses a live one or a non-socket. */
static int clear_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return fail(err, errlen, errno, "%s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return fail(err, errlen, EEXIST,
			    "%s: exists and is not a socket", path);
	r = probe(path);
	if (r == 1)
		return fail(err, errlen, EADDRINUSE,
			    "%s: another pfkeyd is already listening", path);
	if (r < 0)
		return fail(err, errlen, -r, "%s: cannot tell whether it is in "
			    "use: %s", path, strerror(-r));
	if (unlink(path) < 0 && errno != ENOENT)
		return fail(err, errlen, errno, "%s: cannot remove stale socket: "
			    "%s", path, strerror(errno));
	return 0;
}

int listener_open(struct listener *l, const char *path, bool is_private,
		  const gid_t *group, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t mode = group ? 0660 : 0600;
	struct stat st;
	mode_t old;
	int r;

	l->fd = -1;
	l->lock_fd = -1;
	r = absolute(l->path, sizeof(l->path), path, err, errlen);
	if (r < 0)
		return r;
	r = prepare_dir(l->path, is_private, group, err, errlen);
	if (r < 0)
		return r;
	r = take_lock(l, err, errlen);
	if (r < 0)
		goto fail;
	r = clear_stale(l->path, err, errlen);
	if (r < 0)
		goto fail;

	l->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (l->fd < 0) {
		r = fail(err, errlen, errno, "socket: %s", strerror(errno));
		goto fail;
	}
	memcpy(sun.sun_path, l->path, strlen(l->path) + 1);
	/* The umask makes the file private from its first instant. */
	old = umask(0777 & ~mode);
	r = bind(l->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0) {
		r = fail(err, errlen, errno, "%s: bind: %s", l->path,
			 strerror(errno));
		goto fail;
	}
	if (stat(l->path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	if (group != NULL && chown(l->path, (uid_t)-1, *group) < 0) {
		r = fail(err, errlen, errno, "%s: chown to group %u: %s",
			 l->path, (unsigned)*group, strerror(errno));
		goto fail_bound;
	}
	if (chmod(l->path, mode) < 0) {
		r = fail(err, errlen, errno, "%s: chmod: %s", l->path,
			 strerror(errno));
		goto fail_bound;
	}
	return 0;

fail_bound:
	unlink(l->path);
fail:
	if (l->fd >= 0)
		close(l->fd);
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	l->fd = l->lock_fd = -1;
	return r;
}

int listener_listen(struct listener *l, char *err, size_t errlen)
{
	if (listen(l->fd, SOMAXCONN) < 0)
		return fail(err, errlen, errno, "%s: listen: %s", l->path,
			    strerror(errno));
	return 0;
}

void listener_close(struct listener *l)
{
	struct stat st;

	if (l->fd >= 0) {
		/* Only our own socket: never one that replaced it. */
		if (stat(l->path, &st) == 0 && st.st_dev == l->dev &&
		    st.st_ino == l->ino)
			unlink(l->path);
		close(l->fd);
		l->fd = -1;
	}
	if (l->lock_fd >= 0) {
		close(l->lock_fd);	/* releases the flock */
		l->lock_fd = -1;
	}
}
