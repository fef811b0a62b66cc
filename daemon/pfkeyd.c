/*
 * pfkeyd - the PF_KEY v2 key engine daemon.
 *
 *   pfkeyd [--socket PATH] [--foreground] [--group NAME] [--verbose]
 *
 * Start-up, in order, so that every failure is reported on standard error
 * by the process that was started and shows in its exit status:
 *
 *   1. options, the group, the socket path
 *   2. the socket (listener.c): directory, lock, stale socket, bind,
 *      permissions
 *   3. without --foreground: fork; the child calls setsid() and forks
 *      again; the grandchild is the daemon.  The original process waits
 *      on a pipe and exits with the daemon's start-up status, so a caller
 *      (the client transport's autostart, systemd's Type=forking) that sees
 *      exit status 0 knows the socket is listening and served.
 *   4. listen(), in the daemon itself so that SO_PEERCRED shows clients
 *      the daemon's pid, not the exited parent's; then the server
 *      (server.c): engine, epoll, signalfd, timerfd; "ready" is written on
 *      the pipe; standard streams go to /dev/null and the log to syslog
 *   5. the loop, until SIGTERM or SIGINT; then the socket is unlinked and
 *      the engine freed (keys zeroed)
 *
 * Exit status: 0 after a clean stop, 1 when the daemon cannot start or
 * fails, 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "server.h"

#ifndef PFKEYD_VERSION
#define PFKEYD_VERSION "0.1.0"
#endif

static const char usage_text[] =
	"usage: pfkeyd [--socket PATH] [--foreground] [--group NAME] "
	"[--verbose]\n"
	"       pfkeyd --help | --version\n"
	"\n"
	"  -s, --socket PATH  listen on PATH (default: $PFKEY_SOCKET, else\n"
	"                     /run/pfkeyd/pfkey.sock for root, else\n"
	"                     $XDG_RUNTIME_DIR/pfkeyd/pfkey.sock, else\n"
	"                     /tmp/pfkeyd-UID/pfkey.sock)\n"
	"  -f, --foreground   do not daemonize; log to standard error\n"
	"  -g, --group NAME   also let members of group NAME connect (socket\n"
	"                     0660, directory 0750, both owned by the group)\n"
	"  -v, --verbose      log every request's type, SA type, seq, pid and\n"
	"                     reply errno (never key material)\n"
	"  -h, --help         print this help\n"
	"  -V, --version      print the version\n";

struct options {
	const char	*socket;
	const char	*group;
	bool		foreground;
	bool		verbose;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "socket",	required_argument,	NULL, 's' },
		{ "foreground",	no_argument,		NULL, 'f' },
		{ "group",	required_argument,	NULL, 'g' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "s:fg:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (optarg[0] == '\0') {
				fprintf(stderr, "pfkeyd: --socket: empty path\n");
				return 2;
			}
			o->socket = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'g':
			o->group = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("pfkeyd %s\n", PFKEYD_VERSION);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pfkeyd: unexpected argument '%s'\n", argv[optind]);
		fputs(usage_text, stderr);
		return 2;
	}
	return -1;		/* carry on */
}

/* The gid of a group name or number. */
static int resolve_group(const char *name, gid_t *gid)
{
	struct group *gr;
	char *end;
	unsigned long n;

	errno = 0;
	gr = getgrnam(name);
	if (gr != NULL) {
		*gid = gr->gr_gid;
		return 0;
	}
	n = strtoul(name, &end, 10);
	if (name[0] != '\0' && *end == '\0' && n < (gid_t)-1) {
		*gid = (gid_t)n;
		return 0;
	}
	fprintf(stderr, "pfkeyd: --group %s: no such group\n", name);
	return -1;
}

/*
 * Forks twice and returns in the daemon with *ready_fd to report on; the
 * original process waits for the report and exits with it.
 */
static int daemonize(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char status;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "pfkeyd: pipe: %s\n", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "pfkeyd: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		/* The original process: exit with the daemon's status. */
		close(p[1]);
		do
			n = read(p[0], &status, 1);
		while (n < 0 && errno == EINTR);
		waitpid(pid, NULL, 0);
		if (n == 1 && status == 0)
			_exit(0);
		if (n != 1)
			fprintf(stderr, "pfkeyd: the daemon died while starting\n");
		_exit(1);
	}
	close(p[0]);
	if (setsid() < 0) {
		fprintf(stderr, "pfkeyd: setsid: %s\n", strerror(errno));
		_exit(1);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "pfkeyd: fork: %s\n", strerror(errno));
		_exit(1);
	}
	if (pid > 0)
		_exit(0);	/* the session leader goes: no controlling tty */
	if (chdir("/") < 0)
		fprintf(stderr, "pfkeyd: chdir /: %s\n", strerror(errno));
	*ready_fd = p[1];
	return 0;
}

/* Tells the waiting parent how start-up went, then detaches the streams. */
static void report_ready(int ready_fd, bool ok)
{
	char status = ok ? 0 : 1;
	int null;

	if (ready_fd < 0)
		return;
	if (ok) {
		log_to_syslog();
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
	}
	while (write(ready_fd, &status, 1) < 0 && errno == EINTR)
		;
	close(ready_fd);
}

int main(int argc, char **argv)
{
	char path[LISTENER_PATH_MAX], err[512];
	struct server_config cfg;
	struct listener l;
	struct options o;
	struct server *s;
	bool is_private = false;
	int ready_fd = -1;
	gid_t gid;
	int r;

	r = parse_options(argc, argv, &o);
	if (r >= 0)
		return r;
	log_set_verbose(o.verbose);

	memset(&cfg, 0, sizeof(cfg));
	cfg.auth.self = geteuid();
	if (o.group != NULL) {
		if (resolve_group(o.group, &gid) < 0)
			return 1;
		cfg.auth.have_group = true;
		cfg.auth.group = gid;
	}
	if (o.socket != NULL) {
		snprintf(path, sizeof(path), "%s", o.socket);
		if (strlen(o.socket) >= sizeof(path)) {
			fprintf(stderr, "pfkeyd: %s: socket path too long (at "
				"most %zu bytes)\n", o.socket, sizeof(path) - 1);
			return 1;
		}
	} else if (listener_default_path(path, sizeof(path), &is_private, err,
					 sizeof(err)) < 0) {
		fprintf(stderr, "pfkeyd: %s\n", err);
		return 1;
	}

	if (listener_open(&l, path, is_private,
			  cfg.auth.have_group ? &cfg.auth.group : NULL, err,
			  sizeof(err)) < 0) {
		fprintf(stderr, "pfkeyd: %s\n", err);
		return 1;
	}
	if (!o.foreground && daemonize(&ready_fd) < 0) {
		listener_close(&l);
		return 1;
	}

	if (listener_listen(&l, err, sizeof(err)) < 0) {
		fprintf(stderr, "pfkeyd: %s\n", err);
		listener_close(&l);
		report_ready(ready_fd, false);
		return 1;
	}
	cfg.listen_fd = l.fd;
	if (server_new(&cfg, &s) < 0) {
		listener_close(&l);
		report_ready(ready_fd, false);
		return 1;
	}
	report_ready(ready_fd, true);
	log_msg(LOG_INFO, "listening on %s%s%s", l.path,
		o.group ? ", group " : "", o.group ? o.group : "");

	r = server_run(s);
	listener_close(&l);
	server_free(s);
	log_msg(LOG_INFO, "stopped");
	return r < 0 ? 1 : 0;
}
