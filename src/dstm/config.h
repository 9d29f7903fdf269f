/* DSTM server configuration: libconfig syntax (see examples/dstmd.conf and
 * docs/dstmd.conf.5.md).  Every semantic error is reported as "file:line:
 * message" using the line libconfig recorded for the offending setting. */
#ifndef DS46_DSTM_CONFIG_H
#define DS46_DSTM_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/dhcp6.h"

#define CFG_NAME_MAX 32
#define CFG_MAX_IFACES 16
#define CFG_MAX_LINKS 256
#define CFG_MAX_PREFIXES 8
#define CFG_MAX_POOLS 16
#define CFG_MAX_RANGES 16
#define CFG_MAX_EXCLUDES 64

/* RFC 8415 21.4/21.6 timers, seconds.  A pool inherits its link's unless it
 * sets its own. */
struct cfg_times {
	uint32_t t1, t2, preferred, valid;
};

struct cfg_range4 {
	uint32_t first, last;        /* host order, inclusive */
};

struct cfg_pool4 {
	char name[CFG_NAME_MAX];
	uint8_t n_ranges;
	struct cfg_range4 ranges[CFG_MAX_RANGES];   /* "a-b" or "a.b.c.d/len" */
	uint8_t n_excludes;
	struct cfg_range4 excludes[CFG_MAX_EXCLUDES]; /* single addresses or ranges */
	bool has_tep;                /* overrides the link's TEP */
	struct in6_addr tep;
	struct cfg_times times;
	int line;
};

struct cfg_pool6 {
	char name[CFG_NAME_MAX];
	struct in6_addr first, last; /* "a-b" or "prefix/len" (len >= 64) */
	struct cfg_times times;
	int line;
};

struct cfg_link {
	char name[CFG_NAME_MAX];
	char interface[IF_NAMESIZE]; /* "" = reached only through relays */
	uint8_t n_prefixes;
	struct in6_addr prefix[CFG_MAX_PREFIXES];
	uint8_t plen[CFG_MAX_PREFIXES];
	bool has_tep;                /* dstm-04 6.2: TEP for this IPv6 prefix */
	struct in6_addr tep;
	uint32_t t1, t2, preferred, valid;  /* seconds; RFC 8415 21.4 rules */
	uint8_t n_pools4, n_pools6;
	struct cfg_pool4 pools4[CFG_MAX_POOLS];
	struct cfg_pool6 pools6[CFG_MAX_POOLS];
	int line;
};

struct cfg_server {
	uint8_t n_interfaces;
	char interfaces[CFG_MAX_IFACES][IF_NAMESIZE];
	char store[256];             /* SQLite path */
	bool store_sync_full;        /* store-sync = "full" | "normal" */
	char control_socket[108];
	uint16_t ipv4_option_code;   /* default DSTM_OPT_IPV4_GLOBAL_ADDR_DEFAULT */
	uint8_t preference;          /* RFC 8415 21.8; 255 = answer at once */
	bool rapid_commit;           /* honour Rapid Commit (RFC 8415 18.3.1) */
	bool reconfigure;            /* offer reconfigure keys (RFC 8415 18.3.x) */
	struct dhcp6_duid duid;      /* len 0: generate DUID-LLT once, persist */
	uint32_t decline_time;       /* quarantine after Decline, seconds */
	uint32_t reclaim_interval;   /* seconds between expiry sweeps */
	uint16_t port;               /* UDP port, 547 (tests may change it) */
	int log_level;               /* syslog level */
};

struct cfg {
	char file[256];
	struct cfg_server server;
	uint16_t n_links;
	struct cfg_link *links;      /* n_links entries */
};

/* Load and validate.  On error returns -EINVAL and writes "file:line: msg"
 * into err (a file that cannot be opened: -errno and "file: strerror").
 * *out is heap-allocated; free with cfg_free. */
int cfg_load(const char *path, struct cfg **out, char *err, size_t errlen);
/* Same, from a string (tests, fuzzing); name is used in messages. */
int cfg_load_string(const char *text, const char *name, struct cfg **out, char *err,
		    size_t errlen);
void cfg_free(struct cfg *c);
/* Normalised configuration in the same syntax (for -nv); cfg_print output
 * parsed again yields an identical printout. */
void cfg_print(FILE *f, const struct cfg *c);

/* The link a message belongs to: for relayed messages the link-address (if
 * not unspecified) matched against each link's prefixes; for direct messages
 * the receiving interface name, else the client's source address. */
const struct cfg_link *cfg_link_by_addr(const struct cfg *c, const struct in6_addr *a);
const struct cfg_link *cfg_link_by_ifname(const struct cfg *c, const char *ifname);

#endif
