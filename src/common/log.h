/* Logging: stderr or syslog, printf-checked, with a per-call-site rate limit
 * for anything triggered by network input (STYLE 5: drop, count, log a named
 * reason, rate-limited). */
#ifndef DS46_COMMON_LOG_H
#define DS46_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

void log_init(const char *ident, bool use_syslog, int max_level);
void log_set_level(int max_level);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Token bucket: `burst` messages, then one per `interval_ms`; the number of
 * suppressed messages is reported with the next one that passes. */
struct ratelimit {
	uint64_t last_ms;
	uint32_t tokens;
	uint32_t suppressed;
};
bool ratelimit_pass(struct ratelimit *rl, uint32_t burst, uint32_t interval_ms,
		    uint32_t *suppressed);

/* log_rl(LOG_WARNING, "dropped: %s", why): one static bucket per call site,
 * 10 messages then 1 per second. */
#define log_rl(prio, fmt, ...)                                                 \
	do {                                                                   \
		static struct ratelimit rl_;                                   \
		uint32_t sup_;                                                 \
		if (ratelimit_pass(&rl_, 10, 1000, &sup_)) {                   \
			if (sup_)                                              \
				log_msg(prio, fmt " (%u similar suppressed)",  \
					##__VA_ARGS__, sup_);                  \
			else                                                   \
				log_msg(prio, fmt, ##__VA_ARGS__);             \
		}                                                              \
	} while (0)

#endif
