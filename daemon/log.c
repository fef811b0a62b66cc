/*
 * log.c - standard error or syslog.
 *
 * The daemon is one process with one log, so its target is process state
 * here rather than a handle threaded through every call (lib/ and engine/
 * keep the no-globals rule; they never log).
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static bool use_syslog;
static bool verbose;

void log_to_syslog(void)
{
	openlog("pfkeyd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = true;
}

void log_set_verbose(bool on)
{
	verbose = on;
}

bool log_verbose(void)
{
	return verbose;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		/* One line per call, whole, so that lines do not interleave. */
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "pfkeyd: %s\n", line);
	}
	va_end(ap);
}
