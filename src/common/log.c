#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/util.h"

static bool log_syslog;
static int log_level = LOG_INFO;
static const char *log_ident = "ds46";

void log_init(const char *ident, bool use_syslog, int max_level)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_level = max_level;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(int max_level)
{
	log_level = max_level;
}

__attribute__((format(printf, 2, 0)))
static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
		[LOG_ERR] = "error",   [LOG_WARNING] = "warn", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
	};
	if (prio > log_level)
		return;
	if (log_syslog) {
		vsyslog(prio, fmt, ap);
		return;
	}
	char buf[1024];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "%s[%s]: %s\n", log_ident, names[prio & 7], buf);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, fmt, ap);
	va_end(ap);
	abort();
}

bool ratelimit_pass(struct ratelimit *rl, uint32_t burst, uint32_t interval_ms,
		    uint32_t *suppressed)
{
	uint64_t now = now_ms_mono();
	if (rl->last_ms == 0) {
		rl->last_ms = now;
		rl->tokens = burst;
	}
	uint64_t refill = interval_ms ? (now - rl->last_ms) / interval_ms : burst;
	if (refill) {
		uint64_t t = rl->tokens + refill;
		rl->tokens = t > burst ? burst : (uint32_t)t;
		rl->last_ms = now;
	}
	if (rl->tokens == 0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
