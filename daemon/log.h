/*
 * log.h - pfkeyd's log: standard error in the foreground, syslog
 * (LOG_DAEMON) once daemonized.
 *
 * The log never carries key material: callers log message types, SA types,
 * sequence numbers, pids, errnos and diagnostics, never message bodies.
 */
#ifndef PFKEYD_LOG_H
#define PFKEYD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Sends further lines to syslog instead of standard error. */
void log_to_syslog(void);
/* --verbose: LOG_DEBUG lines are written too. */
void log_set_verbose(bool on);
bool log_verbose(void);

/* prio: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* PFKEYD_LOG_H */
