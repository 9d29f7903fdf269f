/* SQLite backend of the lease store.
 *
 * WAL journal: one writer process, readers in other processes see each
 * committed transaction atomically and never block the writer.  Every
 * statement is prepared once at open (st[]); a call binds, steps and resets,
 * so a reader never keeps an old snapshot pinned after a call returns.
 *
 * seq: the writer keeps the highest handed-out change number in memory
 * (recomputed at open from the tables), so a put costs no extra row write.
 * Deletions leave a tombstone with their seq; store_tombstones_prune()
 * drops old ones and records the horizon below which changes are lost, so a
 * follower that fell behind it gets -ESTALE instead of silently missing
 * deletions.  Mobile IPv4 bindings and visitors draw their seq from the
 * same counter (they have no change feed, so they leave no tombstones).
 *
 * Schema: PRAGMA user_version.  Version n is schema_step[0 .. n-1] applied
 * in order; the writer brings an older store up to date in one transaction
 * at open, a reader takes it as it is (and sees no bindings in a version 1
 * or 2 store, no visitors below version 4), and both refuse a newer one
 * with -EPROTO.
 */
#include "store/store_backend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"

#define STORE_SQLITE_SCHEMA_VERSION 4
#define STORE_SQLITE_BUSY_MS 5000

static const char schema_v1[] =
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  val BLOB NOT NULL"
	") WITHOUT ROWID;"
	/* internal counters, kept out of the caller's meta namespace */
	"CREATE TABLE store_state ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  val INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE leases ("
	"  addr BLOB PRIMARY KEY NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  duid BLOB NOT NULL,"
	"  iaid INTEGER NOT NULL,"
	"  client_addr BLOB NOT NULL,"
	"  has_relay INTEGER NOT NULL,"
	"  relay_addr BLOB,"
	"  relay_link BLOB,"
	"  has_tep INTEGER NOT NULL,"
	"  tep BLOB,"
	"  preferred INTEGER NOT NULL,"
	"  valid INTEGER NOT NULL,"
	"  cltt INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  reconf_key BLOB,"
	"  replay INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  pool TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX leases_seq ON leases (seq);"
	"CREATE TABLE tombstones ("
	"  addr BLOB PRIMARY KEY NOT NULL,"
	"  seq INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX tombstones_seq ON tombstones (seq);";

/* Mobile IPv4 home agent bindings (store.h struct mip_binding).  IPv4
 * addresses are kept in host order so that rows sort as addresses;
 * prefixes holds n_prefix * MIP_PREFIX_REC octets (16 prefix, 1 plen). */
static const char schema_v2[] =
	"CREATE TABLE mip_binding ("
	"  home_addr INTEGER NOT NULL,"
	"  coa INTEGER NOT NULL,"
	"  home_agent INTEGER NOT NULL,"
	"  src_addr INTEGER NOT NULL,"
	"  src_port INTEGER NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  encap INTEGER NOT NULL,"
	"  v6_mode INTEGER NOT NULL,"
	"  prefixes BLOB NOT NULL,"
	"  nai TEXT NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  registered INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY (home_addr, coa)"
	") WITHOUT ROWID;"
	"CREATE INDEX mip_binding_seq ON mip_binding (seq);";

/* RFC 3519 NAT traversal (issue 5): a binding tunnelled in UDP to
 * src_addr:src_port, and the keepalive interval its reply gave. */
static const char schema_v3[] =
	"ALTER TABLE mip_binding ADD COLUMN udp_tunnel INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE mip_binding ADD COLUMN udp_keepalive INTEGER NOT NULL DEFAULT 0;";

/* Mobile IPv4 foreign agent visitor list (issue 5, store.h struct
 * mip_visitor).  Addresses in host order and prefixes as in mip_binding;
 * lladdr and nai are the bytes themselves (the NAI may hold any octet). */
static const char schema_v4[] =
	"CREATE TABLE mip_visitor ("
	"  home_addr INTEGER PRIMARY KEY NOT NULL,"
	"  home_agent INTEGER NOT NULL,"
	"  coa INTEGER NOT NULL,"
	"  src_addr INTEGER NOT NULL,"
	"  dst_addr INTEGER NOT NULL,"
	"  agent_addr INTEGER NOT NULL,"
	"  src_port INTEGER NOT NULL,"
	"  ifname TEXT NOT NULL,"
	"  lladdr BLOB NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  tunnel_mode INTEGER NOT NULL,"
	"  encap_delivery INTEGER NOT NULL,"
	"  v6 INTEGER NOT NULL,"
	"  lifetime INTEGER NOT NULL,"
	"  prefixes BLOB NOT NULL,"
	"  nai BLOB NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  registered INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX mip_visitor_seq ON mip_visitor (seq);";

/* schema_step[n] takes a store from version n to n + 1. */
static const char *const schema_step[STORE_SQLITE_SCHEMA_VERSION] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
};

#define MIP_PREFIX_REC 17

/* Column order shared by every statement that reads or writes a lease. */
enum {
	COL_ADDR, COL_KIND, COL_STATE, COL_DUID, COL_IAID, COL_CLIENT_ADDR,
	COL_HAS_RELAY, COL_RELAY_ADDR, COL_RELAY_LINK, COL_HAS_TEP, COL_TEP,
	COL_PREFERRED, COL_VALID, COL_CLTT, COL_EXPIRES, COL_RECONF_KEY,
	COL_REPLAY, COL_SEQ, COL_POOL,
	COL_DELETED,                 /* store_lease_changes only */
};
#define LEASE_COLS                                                             \
	"addr, kind, state, duid, iaid, client_addr, has_relay, relay_addr, "  \
	"relay_link, has_tep, tep, preferred, valid, cltt, expires, "          \
	"reconf_key, replay, seq, pool"

enum stmt_id {
	ST_BEGIN,                    /* writer */
	ST_BEGIN_READ,               /* reader snapshot */
	ST_COMMIT,
	ST_ROLLBACK,
	ST_PUT,
	ST_TOMB_CLEAR,
	ST_DEL,
	ST_TOMB_ADD,
	ST_GET,
	ST_ALL,
	ST_COUNT,
	ST_CHANGES,
	ST_HORIZON_GET,
	ST_HORIZON_SET,
	ST_PRUNE,
	ST_META_GET,
	ST_META_SET,
	ST_MIP_PUT,                  /* from here on: schema version 3 */
	ST_MIP_DEL,
	ST_MIP_DEL_ALL,
	ST_MIP_ALL,
	ST_MIP_COUNT,
	ST_FA_PUT,                   /* from here on: schema version 4 */
	ST_FA_DEL,
	ST_FA_ALL,
	ST_FA_COUNT,
	ST__MAX,
	ST_MIP_FIRST = ST_MIP_PUT,
	ST_FA_FIRST = ST_FA_PUT,
};

/* Column order shared by the statements that read or write a binding. */
enum {
	MCOL_HOME_ADDR, MCOL_COA, MCOL_HOME_AGENT, MCOL_SRC_ADDR, MCOL_SRC_PORT,
	MCOL_FLAGS, MCOL_ENCAP, MCOL_V6_MODE, MCOL_PREFIXES, MCOL_NAI, MCOL_ID,
	MCOL_REGISTERED, MCOL_EXPIRES, MCOL_SEQ, MCOL_UDP_TUNNEL, MCOL_UDP_KEEPALIVE,
};
#define MIP_COLS                                                               \
	"home_addr, coa, home_agent, src_addr, src_port, flags, encap, "       \
	"v6_mode, prefixes, nai, id, registered, expires, seq, udp_tunnel, "   \
	"udp_keepalive"

/* Column order shared by the statements that read or write a visitor. */
enum {
	VCOL_HOME_ADDR, VCOL_HOME_AGENT, VCOL_COA, VCOL_SRC_ADDR, VCOL_DST_ADDR,
	VCOL_AGENT_ADDR, VCOL_SRC_PORT, VCOL_IFNAME, VCOL_LLADDR, VCOL_FLAGS,
	VCOL_TUNNEL_MODE, VCOL_ENCAP_DELIVERY, VCOL_V6, VCOL_LIFETIME,
	VCOL_PREFIXES, VCOL_NAI, VCOL_ID, VCOL_REGISTERED, VCOL_EXPIRES, VCOL_SEQ,
};
#define FA_COLS                                                                \
	"home_addr, home_agent, coa, src_addr, dst_addr, agent_addr, "         \
	"src_port, ifname, lladdr, flags, tunnel_mode, encap_delivery, v6, "   \
	"lifetime, prefixes, nai, id, registered, expires, seq"

static const char *const stmt_sql[ST__MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_PUT] = "INSERT OR REPLACE INTO leases (" LEASE_COLS ") VALUES "
		   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
		   "?14, ?15, ?16, ?17, ?18, ?19)",
	[ST_TOMB_CLEAR] = "DELETE FROM tombstones WHERE addr = ?1",
	[ST_DEL] = "DELETE FROM leases WHERE addr = ?1",
	[ST_TOMB_ADD] = "INSERT OR REPLACE INTO tombstones (addr, seq) VALUES (?1, ?2)",
	[ST_GET] = "SELECT " LEASE_COLS " FROM leases WHERE addr = ?1",
	[ST_ALL] = "SELECT " LEASE_COLS " FROM leases",
	[ST_COUNT] = "SELECT count(*) FROM leases",
	[ST_CHANGES] = ("SELECT " LEASE_COLS ", 0 FROM leases WHERE seq > ?1 "
			"UNION ALL "
			"SELECT addr, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
			"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
			"seq, NULL, 1 FROM tombstones WHERE seq > ?1 "
			"ORDER BY seq"),
	[ST_HORIZON_GET] = "SELECT val FROM store_state WHERE key = 'tombstone_horizon'",
	[ST_HORIZON_SET] = ("INSERT OR REPLACE INTO store_state (key, val) "
			    "VALUES ('tombstone_horizon', ?1)"),
	[ST_PRUNE] = "DELETE FROM tombstones WHERE seq < ?1",
	[ST_META_GET] = "SELECT val FROM meta WHERE key = ?1",
	[ST_META_SET] = "INSERT OR REPLACE INTO meta (key, val) VALUES (?1, ?2)",
	[ST_MIP_PUT] = "INSERT OR REPLACE INTO mip_binding (" MIP_COLS ") VALUES "
		       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[ST_MIP_DEL] = "DELETE FROM mip_binding WHERE home_addr = ?1 AND coa = ?2",
	[ST_MIP_DEL_ALL] = "DELETE FROM mip_binding WHERE home_addr = ?1",
	[ST_MIP_ALL] = "SELECT " MIP_COLS " FROM mip_binding ORDER BY home_addr, coa",
	[ST_MIP_COUNT] = "SELECT count(*) FROM mip_binding",
	[ST_FA_PUT] = "INSERT OR REPLACE INTO mip_visitor (" FA_COLS ") VALUES "
		      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
		      "?14, ?15, ?16, ?17, ?18, ?19, ?20)",
	[ST_FA_DEL] = "DELETE FROM mip_visitor WHERE home_addr = ?1",
	[ST_FA_ALL] = "SELECT " FA_COLS " FROM mip_visitor ORDER BY home_addr",
	[ST_FA_COUNT] = "SELECT count(*) FROM mip_visitor",
};

struct store_sqlite {
	struct store pub;            /* first: store_backend.h */
	sqlite3 *db;
	sqlite3_stmt *st[ST__MAX];
	uint64_t seq;                /* highest seq handed out (the writer's) */
	int wal_fd;                  /* deferred_sync: the WAL, for store_sync */
	int lock_fd;                 /* writer: flock on <path>.lock */
	bool in_tx;                  /* between store_begin and commit/rollback */
	bool has_mip;                /* schema >= 3: the ST_MIP_* are prepared */
	bool has_fa;                 /* schema >= 4: the ST_FA_* are prepared */
	char *path;
};

static struct store_sqlite *to_ss(struct store *s)
{
	return (struct store_sqlite *)s;
}

/* Log the failure once, with SQLite's message, and map it to an errno. */
static int sq_err(struct store_sqlite *ss, int rc, const char *what)
{
	log_err("store %s: %s: %s", ss->path, what,
		ss->db ? sqlite3_errmsg(ss->db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN: {
		int e = ss->db ? sqlite3_system_errno(ss->db) : 0;
		return e > 0 ? -e : -EIO;
	}
	default:
		return -EIO;
	}
}

static void stmt_reset(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns no rows, then reset it. */
static int stmt_run(struct store_sqlite *ss, enum stmt_id id)
{
	sqlite3_stmt *st = ss->st[id];
	int rc = sqlite3_step(st);
	int r = rc == SQLITE_DONE ? 0 : sq_err(ss, rc, stmt_sql[id]);
	stmt_reset(st);
	return r;
}

static int bind_addr(sqlite3_stmt *st, int i, const struct in6_addr *a)
{
	return sqlite3_bind_blob(st, i, a, sizeof(*a), SQLITE_STATIC);
}

static int bind_opt_addr(sqlite3_stmt *st, int i, bool has, const struct in6_addr *a)
{
	return has ? bind_addr(st, i, a) : sqlite3_bind_null(st, i);
}

static int lease_bind(sqlite3_stmt *st, const struct lease *l, uint64_t seq)
{
	int rc = 0;

	/* parameters are 1-based, columns 0-based */
	rc |= bind_addr(st, COL_ADDR + 1, &l->addr);
	rc |= sqlite3_bind_int(st, COL_KIND + 1, l->kind);
	rc |= sqlite3_bind_int(st, COL_STATE + 1, l->state);
	rc |= sqlite3_bind_blob(st, COL_DUID + 1, l->duid.data, l->duid.len,
				SQLITE_STATIC);
	rc |= sqlite3_bind_int64(st, COL_IAID + 1, l->iaid);
	rc |= bind_addr(st, COL_CLIENT_ADDR + 1, &l->client_addr);
	rc |= sqlite3_bind_int(st, COL_HAS_RELAY + 1, l->has_relay);
	rc |= bind_opt_addr(st, COL_RELAY_ADDR + 1, l->has_relay, &l->relay_addr);
	rc |= bind_opt_addr(st, COL_RELAY_LINK + 1, l->has_relay, &l->relay_link);
	rc |= sqlite3_bind_int(st, COL_HAS_TEP + 1, l->has_tep);
	rc |= bind_opt_addr(st, COL_TEP + 1, l->has_tep, &l->tep);
	rc |= sqlite3_bind_int64(st, COL_PREFERRED + 1, l->preferred);
	rc |= sqlite3_bind_int64(st, COL_VALID + 1, l->valid);
	rc |= sqlite3_bind_int64(st, COL_CLTT + 1, l->cltt);
	rc |= sqlite3_bind_int64(st, COL_EXPIRES + 1, l->expires);
	if (l->has_reconf_key)
		rc |= sqlite3_bind_blob(st, COL_RECONF_KEY + 1, l->reconf_key,
					sizeof(l->reconf_key), SQLITE_STATIC);
	else
		rc |= sqlite3_bind_null(st, COL_RECONF_KEY + 1);
	/* u64 stored as the same 64 bits in SQLite's signed integer */
	rc |= sqlite3_bind_int64(st, COL_REPLAY + 1, (sqlite3_int64)l->replay);
	rc |= sqlite3_bind_int64(st, COL_SEQ + 1, (sqlite3_int64)seq);
	rc |= sqlite3_bind_text(st, COL_POOL + 1, l->pool,
				(int)strnlen(l->pool, sizeof(l->pool)), SQLITE_STATIC);
	return rc;
}

/* Copy a blob column of exactly len bytes; false if NULL or another size. */
static bool col_fixed(sqlite3_stmt *st, int i, void *dst, size_t len)
{
	const void *p = sqlite3_column_blob(st, i);
	if (!p || (size_t)sqlite3_column_bytes(st, i) != len)
		return false;
	memcpy(dst, p, len);
	return true;
}

/* Fill *l from the current row; false if the row is malformed. */
static bool lease_read(sqlite3_stmt *st, struct lease *l)
{
	const void *p;
	int n;

	memset(l, 0, sizeof(*l));
	if (!col_fixed(st, COL_ADDR, &l->addr, sizeof(l->addr)))
		return false;
	l->seq = (uint64_t)sqlite3_column_int64(st, COL_SEQ);
	l->kind = (uint8_t)sqlite3_column_int(st, COL_KIND);
	l->state = (uint8_t)sqlite3_column_int(st, COL_STATE);
	p = sqlite3_column_blob(st, COL_DUID);
	n = sqlite3_column_bytes(st, COL_DUID);
	if (n > DHCP6_DUID_MAX)
		return false;
	if (n > 0)
		memcpy(l->duid.data, p, (size_t)n);
	l->duid.len = (uint8_t)n;
	l->iaid = (uint32_t)sqlite3_column_int64(st, COL_IAID);
	if (!col_fixed(st, COL_CLIENT_ADDR, &l->client_addr, sizeof(l->client_addr)))
		return false;
	l->has_relay = sqlite3_column_int(st, COL_HAS_RELAY) != 0;
	if (l->has_relay &&
	    (!col_fixed(st, COL_RELAY_ADDR, &l->relay_addr, sizeof(l->relay_addr)) ||
	     !col_fixed(st, COL_RELAY_LINK, &l->relay_link, sizeof(l->relay_link))))
		return false;
	l->has_tep = sqlite3_column_int(st, COL_HAS_TEP) != 0;
	if (l->has_tep && !col_fixed(st, COL_TEP, &l->tep, sizeof(l->tep)))
		return false;
	l->preferred = (uint32_t)sqlite3_column_int64(st, COL_PREFERRED);
	l->valid = (uint32_t)sqlite3_column_int64(st, COL_VALID);
	l->cltt = sqlite3_column_int64(st, COL_CLTT);
	l->expires = sqlite3_column_int64(st, COL_EXPIRES);
	if (sqlite3_column_type(st, COL_RECONF_KEY) != SQLITE_NULL) {
		if (!col_fixed(st, COL_RECONF_KEY, l->reconf_key, sizeof(l->reconf_key)))
			return false;
		l->has_reconf_key = true;
	}
	l->replay = (uint64_t)sqlite3_column_int64(st, COL_REPLAY);
	p = sqlite3_column_text(st, COL_POOL);
	n = sqlite3_column_bytes(st, COL_POOL);
	if (!p || (size_t)n >= sizeof(l->pool))
		return false;
	memcpy(l->pool, p, (size_t)n);
	return true;
}

static int corrupt(struct store_sqlite *ss, const char *what)
{
	log_err("store %s: %s: malformed lease row", ss->path, what);
	return -EIO;
}

/* SQLite rolls a transaction back by itself on some errors (I/O, disk
 * full, out of memory).  Later writes of the caller's transaction must then
 * fail instead of being autocommitted one by one. */
static int tx_check(struct store_sqlite *ss)
{
	if (ss->in_tx && sqlite3_get_autocommit(ss->db)) {
		log_err("store %s: transaction was aborted by an earlier error", ss->path);
		return -EIO;
	}
	return 0;
}

/* put and del are two statements: outside a caller's transaction they get
 * their own, so they stay atomic in autocommit use. */
static int implicit_begin(struct store_sqlite *ss, bool *implicit)
{
	int r = tx_check(ss);
	if (r < 0)
		return r;
	*implicit = !ss->in_tx;
	return *implicit ? stmt_run(ss, ST_BEGIN) : 0;
}

static int implicit_end(struct store_sqlite *ss, bool implicit, int r)
{
	if (!implicit)
		return r;
	if (r < 0) {
		stmt_run(ss, ST_ROLLBACK);
		return r;
	}
	r = stmt_run(ss, ST_COMMIT);
	if (r < 0 && !sqlite3_get_autocommit(ss->db))
		stmt_run(ss, ST_ROLLBACK);
	return r;
}

static int sqlite_begin(struct store *s)
{
	struct store_sqlite *ss = to_ss(s);
	int r;

	if (ss->in_tx)
		return -EALREADY;
	r = stmt_run(ss, s->readonly ? ST_BEGIN_READ : ST_BEGIN);
	if (r == 0)
		ss->in_tx = true;
	return r;
}

static int sqlite_commit(struct store *s)
{
	struct store_sqlite *ss = to_ss(s);
	int r;

	if (!ss->in_tx)
		return -EINVAL;
	r = tx_check(ss);
	if (r == 0)
		r = stmt_run(ss, ST_COMMIT);
	/* a failed COMMIT may leave the transaction open: rollback ends it */
	if (r == 0 || sqlite3_get_autocommit(ss->db))
		ss->in_tx = false;
	return r;
}

static int sqlite_rollback(struct store *s)
{
	struct store_sqlite *ss = to_ss(s);

	ss->in_tx = false;
	if (sqlite3_get_autocommit(ss->db))
		return 0;            /* none open, or SQLite ended it already */
	return stmt_run(ss, ST_ROLLBACK);
}

static int sqlite_lease_put(struct store *s, struct lease *l)
{
	struct store_sqlite *ss = to_ss(s);
	uint64_t seq = ++ss->seq;    /* never reused, even if rolled back */
	bool implicit;
	int rc, r;

	r = implicit_begin(ss, &implicit);
	if (r < 0)
		return r;
	rc = lease_bind(ss->st[ST_PUT], l, seq);
	if (rc != SQLITE_OK) {
		r = sq_err(ss, rc, "bind lease");
		stmt_reset(ss->st[ST_PUT]);
	} else {
		r = stmt_run(ss, ST_PUT);
	}
	/* A record the store handed out before (seq != 0) has no tombstone:
	 * only a put after a delete needs one cleared.  (A stale tombstone
	 * would be harmless anyway: the put's seq is newer.) */
	if (r == 0 && l->seq == 0) {
		rc = bind_addr(ss->st[ST_TOMB_CLEAR], 1, &l->addr);
		r = rc == SQLITE_OK ? stmt_run(ss, ST_TOMB_CLEAR)
				    : sq_err(ss, rc, "bind tombstone");
	}
	r = implicit_end(ss, implicit, r);
	if (r == 0)
		l->seq = seq;
	return r;
}

static int sqlite_lease_del(struct store *s, const struct in6_addr *addr)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st;
	bool implicit;
	int r;

	r = implicit_begin(ss, &implicit);
	if (r < 0)
		return r;
	bind_addr(ss->st[ST_DEL], 1, addr);
	r = stmt_run(ss, ST_DEL);
	if (r == 0 && sqlite3_changes(ss->db) > 0) {
		st = ss->st[ST_TOMB_ADD];
		bind_addr(st, 1, addr);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)++ss->seq);
		r = stmt_run(ss, ST_TOMB_ADD);
	}
	return implicit_end(ss, implicit, r);
}

static int sqlite_lease_get(struct store *s, const struct in6_addr *addr, struct lease *l)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_GET];
	int rc, r;

	bind_addr(st, 1, addr);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = lease_read(st, l) ? 0 : corrupt(ss, "get");
	else if (rc == SQLITE_DONE)
		r = -ENOENT;
	else
		r = sq_err(ss, rc, "get lease");
	stmt_reset(st);
	return r;
}

static int sqlite_lease_foreach(struct store *s, store_lease_cb cb, void *arg)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_ALL];
	struct lease l;
	int rc, r = 0;

	if (sqlite3_stmt_busy(st))
		return -EBUSY;       /* nested foreach on the same handle */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!lease_read(st, &l)) {
			r = corrupt(ss, "foreach");
			break;
		}
		r = cb(&l, arg);
		if (r < 0)
			break;
		r = 0;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_err(ss, rc, "foreach lease");
	stmt_reset(st);
	return r;
}

static int sqlite_lease_count(struct store *s, uint64_t *n)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_COUNT];
	int rc = sqlite3_step(st), r = 0;

	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else
		r = sq_err(ss, rc, "count leases");
	stmt_reset(st);
	return r;
}

/* Horizon: tombstones below it were pruned (1 = nothing pruned yet). */
static int horizon_get(struct store_sqlite *ss, uint64_t *h)
{
	sqlite3_stmt *st = ss->st[ST_HORIZON_GET];
	int rc = sqlite3_step(st), r = 0;

	if (rc == SQLITE_ROW)
		*h = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*h = 1;
	else
		r = sq_err(ss, rc, "read tombstone horizon");
	stmt_reset(st);
	return r;
}

static int sqlite_lease_changes(struct store *s, uint64_t since, uint64_t *last,
				store_change_cb cb, void *arg)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_CHANGES];
	struct lease l;
	uint64_t horizon, seen = 0;
	bool implicit, deleted;
	int rc = SQLITE_DONE, r;

	if (sqlite3_stmt_busy(st))
		return -EBUSY;
	/* one snapshot for the horizon check and the changes */
	r = tx_check(ss);
	if (r < 0)
		return r;
	implicit = !ss->in_tx;
	if (implicit) {
		r = stmt_run(ss, ST_BEGIN_READ);
		if (r < 0)
			return r;
	}
	r = horizon_get(ss, &horizon);
	if (r < 0)
		goto out;
	/* since == 0 is a follower starting from nothing: a deletion it never
	 * heard of cannot matter to it. */
	if (since > 0 && since + 1 < horizon) {
		r = -ESTALE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		deleted = sqlite3_column_int(st, COL_DELETED) != 0;
		if (deleted) {
			memset(&l, 0, sizeof(l));
			if (!col_fixed(st, COL_ADDR, &l.addr, sizeof(l.addr))) {
				r = corrupt(ss, "changes");
				break;
			}
			l.seq = (uint64_t)sqlite3_column_int64(st, COL_SEQ);
		} else if (!lease_read(st, &l)) {
			r = corrupt(ss, "changes");
			break;
		}
		r = cb(&l, deleted, arg);
		if (r < 0)
			break;
		r = 0;
		*last = l.seq;
		seen = l.seq;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_err(ss, rc, "lease changes");
	/* A follower starting from nothing has every live lease now; the
	 * changes below the horizon are gone for good, so it may follow from
	 * horizon - 1 even when the newest changes were pruned deletions
	 * (otherwise its first follow-up would be -ESTALE for ever). */
	if (r == 0 && since == 0 && horizon - 1 > seen)
		*last = horizon - 1;
	stmt_reset(st);
out:
	if (implicit)
		stmt_run(ss, ST_COMMIT);     /* ends a read-only snapshot */
	return r;
}

static int sqlite_tombstones_prune(struct store *s, uint64_t below_seq)
{
	struct store_sqlite *ss = to_ss(s);
	uint64_t horizon, h;
	bool implicit;
	int n = 0, r;

	/* every tombstone has seq <= ss->seq */
	h = below_seq < ss->seq + 1 ? below_seq : ss->seq + 1;
	r = implicit_begin(ss, &implicit);
	if (r < 0)
		return r;
	r = horizon_get(ss, &horizon);
	if (r == 0 && h > horizon) {
		sqlite3_bind_int64(ss->st[ST_HORIZON_SET], 1, (sqlite3_int64)h);
		r = stmt_run(ss, ST_HORIZON_SET);
		if (r == 0) {
			sqlite3_bind_int64(ss->st[ST_PRUNE], 1, (sqlite3_int64)h);
			r = stmt_run(ss, ST_PRUNE);
		}
		if (r == 0)
			n = sqlite3_changes(ss->db);
	}
	r = implicit_end(ss, implicit, r);
	return r < 0 ? r : n;
}

static int sqlite_meta_get(struct store *s, const char *key, void *val, size_t cap,
			   size_t *len)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_META_GET];
	const void *p;
	size_t n;
	int rc, r = 0;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		n = (size_t)sqlite3_column_bytes(st, 0);
		if (len)
			*len = n;
		if (n > cap)
			r = -ENOBUFS;
		else if (n > 0)
			memcpy(val, p, n);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sq_err(ss, rc, "meta get");
	}
	stmt_reset(st);
	return r;
}

static int sqlite_meta_set(struct store *s, const char *key, const void *val, size_t len)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_META_SET];
	int r = tx_check(ss);

	if (r < 0)
		return r;
	if (len > INT_MAX)
		return -EINVAL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (len)
		sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(st, 2, 0);
	return stmt_run(ss, ST_META_SET);
}

/* ---- Mobile IPv4 bindings ---------------------------------------------- */

/* n prefixes as n * MIP_PREFIX_REC octets (16 prefix, 1 plen). */
static void mip_prefixes_pack(const struct mip_prefix *pf, unsigned n, uint8_t *out)
{
	for (unsigned i = 0; i < n; i++) {
		memcpy(&out[i * MIP_PREFIX_REC], &pf[i].prefix, 16);
		out[i * MIP_PREFIX_REC + 16] = pf[i].plen;
	}
}

/* The prefixes column of the current row: NULL, or why it is malformed. */
static const char *mip_prefixes_read(sqlite3_stmt *st, int col, struct mip_prefix *pf,
				     uint8_t *n_prefix)
{
	const uint8_t *p;
	int n;

	if (sqlite3_column_type(st, col) != SQLITE_BLOB)
		return "prefixes not a blob";
	p = sqlite3_column_blob(st, col);
	n = sqlite3_column_bytes(st, col);
	if (n % MIP_PREFIX_REC || n / MIP_PREFIX_REC > MIP4_MAX_PREFIXES)
		return "prefix blob length";
	*n_prefix = (uint8_t)(n / MIP_PREFIX_REC);
	for (unsigned i = 0; i < *n_prefix; i++, p += MIP_PREFIX_REC) {
		memcpy(&pf[i].prefix, p, sizeof(pf[i].prefix));
		pf[i].plen = p[16];
		if (p[16] > 128 && p[16] != MIP4_V6_PLEN_LINK_LOCAL)
			return "prefix length";
	}
	return NULL;
}

static int mip_bind(sqlite3_stmt *st, const struct mip_binding *b, const uint8_t *pfx,
		    uint64_t seq)
{
	int rc = 0;

	rc |= sqlite3_bind_int64(st, MCOL_HOME_ADDR + 1, ntohl(b->home_addr));
	rc |= sqlite3_bind_int64(st, MCOL_COA + 1, ntohl(b->coa));
	rc |= sqlite3_bind_int64(st, MCOL_HOME_AGENT + 1, ntohl(b->home_agent));
	rc |= sqlite3_bind_int64(st, MCOL_SRC_ADDR + 1, ntohl(b->src_addr));
	rc |= sqlite3_bind_int(st, MCOL_SRC_PORT + 1, b->src_port);
	rc |= sqlite3_bind_int(st, MCOL_FLAGS + 1, b->flags);
	rc |= sqlite3_bind_int(st, MCOL_ENCAP + 1, b->encap);
	rc |= sqlite3_bind_int(st, MCOL_V6_MODE + 1, b->v6_mode);
	if (b->n_prefix)
		rc |= sqlite3_bind_blob(st, MCOL_PREFIXES + 1, pfx,
					b->n_prefix * MIP_PREFIX_REC, SQLITE_STATIC);
	else
		rc |= sqlite3_bind_zeroblob(st, MCOL_PREFIXES + 1, 0);
	rc |= sqlite3_bind_text(st, MCOL_NAI + 1, b->nai,
				(int)strnlen(b->nai, sizeof(b->nai)), SQLITE_STATIC);
	rc |= sqlite3_bind_int64(st, MCOL_ID + 1, (sqlite3_int64)b->id);
	rc |= sqlite3_bind_int64(st, MCOL_REGISTERED + 1, b->registered);
	rc |= sqlite3_bind_int64(st, MCOL_EXPIRES + 1, b->expires);
	rc |= sqlite3_bind_int64(st, MCOL_SEQ + 1, (sqlite3_int64)seq);
	rc |= sqlite3_bind_int(st, MCOL_UDP_TUNNEL + 1, b->udp_tunnel);
	rc |= sqlite3_bind_int(st, MCOL_UDP_KEEPALIVE + 1, b->udp_keepalive);
	return rc;
}

/* An integer column in 0..max; false if another type or out of range. */
static bool col_uint(sqlite3_stmt *st, int i, uint64_t max, uint64_t *v)
{
	sqlite3_int64 x;

	if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
		return false;
	x = sqlite3_column_int64(st, i);
	if (x < 0 || (uint64_t)x > max)
		return false;
	*v = (uint64_t)x;
	return true;
}

/* Fill *b from the current row: NULL, or why the row is malformed.  Accepts
 * exactly what store_mip_binding_put() lets through. */
static const char *mip_read(sqlite3_stmt *st, struct mip_binding *b)
{
	const uint8_t *p;
	const char *why;
	uint64_t v[10];
	int n;

	memset(b, 0, sizeof(*b));
	if (!col_uint(st, MCOL_HOME_ADDR, UINT32_MAX, &v[0]) ||
	    !col_uint(st, MCOL_COA, UINT32_MAX, &v[1]) ||
	    !col_uint(st, MCOL_HOME_AGENT, UINT32_MAX, &v[2]) ||
	    !col_uint(st, MCOL_SRC_ADDR, UINT32_MAX, &v[3]) ||
	    !col_uint(st, MCOL_SRC_PORT, UINT16_MAX, &v[4]) ||
	    !col_uint(st, MCOL_FLAGS, UINT8_MAX, &v[5]) ||
	    !col_uint(st, MCOL_ENCAP, UINT8_MAX, &v[6]) ||
	    !col_uint(st, MCOL_V6_MODE, MIP_V6_TO_COA, &v[7]) ||
	    !col_uint(st, MCOL_UDP_TUNNEL, 1, &v[8]) ||
	    !col_uint(st, MCOL_UDP_KEEPALIVE, UINT16_MAX, &v[9]))
		return "integer out of range";
	if (v[8] && (v[3] == 0 || v[4] == 0))
		return "UDP tunnel without an endpoint";
	if (v[1] == 0)
		return "care-of address 0";
	b->home_addr = htonl((uint32_t)v[0]);
	b->coa = htonl((uint32_t)v[1]);
	b->home_agent = htonl((uint32_t)v[2]);
	b->src_addr = htonl((uint32_t)v[3]);
	b->src_port = (uint16_t)v[4];
	b->flags = (uint8_t)v[5];
	b->encap = (uint8_t)v[6];
	b->v6_mode = (uint8_t)v[7];
	b->udp_tunnel = v[8] != 0;
	b->udp_keepalive = (uint16_t)v[9];

	why = mip_prefixes_read(st, MCOL_PREFIXES, b->prefix, &b->n_prefix);
	if (why)
		return why;

	if (sqlite3_column_type(st, MCOL_NAI) != SQLITE_TEXT)
		return "nai not text";
	p = sqlite3_column_text(st, MCOL_NAI);
	n = sqlite3_column_bytes(st, MCOL_NAI);
	if (!p || n > MIP4_NAI_MAX || memchr(p, 0, (size_t)n))
		return "nai";
	memcpy(b->nai, p, (size_t)n);

	if (sqlite3_column_type(st, MCOL_ID) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, MCOL_REGISTERED) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, MCOL_EXPIRES) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, MCOL_SEQ) != SQLITE_INTEGER)
		return "integer column";
	b->id = (uint64_t)sqlite3_column_int64(st, MCOL_ID);
	b->registered = sqlite3_column_int64(st, MCOL_REGISTERED);
	b->expires = sqlite3_column_int64(st, MCOL_EXPIRES);
	b->seq = (uint64_t)sqlite3_column_int64(st, MCOL_SEQ);
	return NULL;
}

/* One statement each: atomic on its own outside a caller's transaction. */
static int sqlite_mip_binding_put(struct store *s, struct mip_binding *b)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_MIP_PUT];
	uint8_t pfx[MIP4_MAX_PREFIXES * MIP_PREFIX_REC];
	uint64_t seq;
	int rc, r;

	if (!ss->has_mip)
		return -EROFS;       /* only a reader can miss the table */
	r = tx_check(ss);
	if (r < 0)
		return r;
	mip_prefixes_pack(b->prefix, b->n_prefix, pfx);
	seq = ++ss->seq;             /* never reused, even if rolled back */
	rc = mip_bind(st, b, pfx, seq);
	if (rc != SQLITE_OK) {
		r = sq_err(ss, rc, "bind mip binding");
		stmt_reset(st);
		return r;
	}
	r = stmt_run(ss, ST_MIP_PUT);
	if (r == 0)
		b->seq = seq;
	return r;
}

static int sqlite_mip_binding_del(struct store *s, uint32_t home_addr, uint32_t coa)
{
	struct store_sqlite *ss = to_ss(s);
	enum stmt_id id = coa ? ST_MIP_DEL : ST_MIP_DEL_ALL;
	int r;

	if (!ss->has_mip)
		return -EROFS;
	r = tx_check(ss);
	if (r < 0)
		return r;
	sqlite3_bind_int64(ss->st[id], 1, ntohl(home_addr));
	if (coa)
		sqlite3_bind_int64(ss->st[id], 2, ntohl(coa));
	return stmt_run(ss, id);
}

static int sqlite_mip_binding_foreach(struct store *s, store_mip_binding_cb cb, void *arg)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_MIP_ALL];
	struct mip_binding b;
	const char *why;
	char ha[INET_ADDRSTRLEN], coa[INET_ADDRSTRLEN];
	uint32_t a;
	int rc, r = 0;

	if (!ss->has_mip)
		return 0;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;       /* nested foreach on the same handle */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		why = mip_read(st, &b);
		if (why) {
			/* one bad row must not cost the home agent the others */
			a = htonl((uint32_t)sqlite3_column_int64(st, MCOL_HOME_ADDR));
			inet_ntop(AF_INET, &a, ha, sizeof(ha));
			a = htonl((uint32_t)sqlite3_column_int64(st, MCOL_COA));
			inet_ntop(AF_INET, &a, coa, sizeof(coa));
			log_rl(LOG_ERR, "store %s: mip binding %s -> %s: malformed row (%s), skipped",
			       ss->path, ha, coa, why);
			continue;
		}
		r = cb(&b, arg);
		if (r < 0)
			break;
		r = 0;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_err(ss, rc, "foreach mip binding");
	stmt_reset(st);
	return r;
}

static int sqlite_mip_binding_count(struct store *s, uint64_t *n)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_MIP_COUNT];
	int rc, r = 0;

	*n = 0;
	if (!ss->has_mip)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else
		r = sq_err(ss, rc, "count mip bindings");
	stmt_reset(st);
	return r;
}

/* ---- Mobile IPv4 foreign agent visitors ------------------------------- */

static int fa_bind(sqlite3_stmt *st, const struct mip_visitor *v, const uint8_t *pfx,
		   uint64_t seq)
{
	int rc = 0;

	rc |= sqlite3_bind_int64(st, VCOL_HOME_ADDR + 1, ntohl(v->home_addr));
	rc |= sqlite3_bind_int64(st, VCOL_HOME_AGENT + 1, ntohl(v->home_agent));
	rc |= sqlite3_bind_int64(st, VCOL_COA + 1, ntohl(v->coa));
	rc |= sqlite3_bind_int64(st, VCOL_SRC_ADDR + 1, ntohl(v->src_addr));
	rc |= sqlite3_bind_int64(st, VCOL_DST_ADDR + 1, ntohl(v->dst_addr));
	rc |= sqlite3_bind_int64(st, VCOL_AGENT_ADDR + 1, ntohl(v->agent_addr));
	rc |= sqlite3_bind_int(st, VCOL_SRC_PORT + 1, v->src_port);
	rc |= sqlite3_bind_text(st, VCOL_IFNAME + 1, v->ifname,
				(int)strnlen(v->ifname, sizeof(v->ifname)), SQLITE_STATIC);
	if (v->lladdr_len)
		rc |= sqlite3_bind_blob(st, VCOL_LLADDR + 1, v->lladdr, v->lladdr_len,
					SQLITE_STATIC);
	else
		rc |= sqlite3_bind_zeroblob(st, VCOL_LLADDR + 1, 0);
	rc |= sqlite3_bind_int(st, VCOL_FLAGS + 1, v->flags);
	rc |= sqlite3_bind_int(st, VCOL_TUNNEL_MODE + 1, v->tunnel_mode);
	rc |= sqlite3_bind_int(st, VCOL_ENCAP_DELIVERY + 1, v->encap_delivery);
	rc |= sqlite3_bind_int(st, VCOL_V6 + 1, v->v6);
	rc |= sqlite3_bind_int(st, VCOL_LIFETIME + 1, v->lifetime);
	if (v->n_prefix)
		rc |= sqlite3_bind_blob(st, VCOL_PREFIXES + 1, pfx,
					v->n_prefix * MIP_PREFIX_REC, SQLITE_STATIC);
	else
		rc |= sqlite3_bind_zeroblob(st, VCOL_PREFIXES + 1, 0);
	if (v->nai_len)
		rc |= sqlite3_bind_blob(st, VCOL_NAI + 1, v->nai, v->nai_len,
					SQLITE_STATIC);
	else
		rc |= sqlite3_bind_zeroblob(st, VCOL_NAI + 1, 0);
	rc |= sqlite3_bind_int64(st, VCOL_ID + 1, (sqlite3_int64)v->id);
	rc |= sqlite3_bind_int64(st, VCOL_REGISTERED + 1, v->registered);
	rc |= sqlite3_bind_int64(st, VCOL_EXPIRES + 1, v->expires);
	rc |= sqlite3_bind_int64(st, VCOL_SEQ + 1, (sqlite3_int64)seq);
	return rc;
}

/* A blob column of at most max octets into dst; false if another type or
 * longer. */
static bool col_blob_max(sqlite3_stmt *st, int i, void *dst, size_t max, uint8_t *len)
{
	const void *p;
	int n;

	if (sqlite3_column_type(st, i) != SQLITE_BLOB)
		return false;
	p = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	if (n < 0 || (size_t)n > max || n > UINT8_MAX)
		return false;
	if (n > 0)
		memcpy(dst, p, (size_t)n);
	*len = (uint8_t)n;
	return true;
}

/* Fill *v from the current row: NULL, or why the row is malformed.  Accepts
 * exactly what store_mip_visitor_put() lets through. */
static const char *fa_read(sqlite3_stmt *st, struct mip_visitor *v)
{
	const uint8_t *p;
	const char *why;
	uint64_t x[12];
	int n;

	memset(v, 0, sizeof(*v));
	if (!col_uint(st, VCOL_HOME_ADDR, UINT32_MAX, &x[0]) ||
	    !col_uint(st, VCOL_HOME_AGENT, UINT32_MAX, &x[1]) ||
	    !col_uint(st, VCOL_COA, UINT32_MAX, &x[2]) ||
	    !col_uint(st, VCOL_SRC_ADDR, UINT32_MAX, &x[3]) ||
	    !col_uint(st, VCOL_DST_ADDR, UINT32_MAX, &x[4]) ||
	    !col_uint(st, VCOL_AGENT_ADDR, UINT32_MAX, &x[5]) ||
	    !col_uint(st, VCOL_SRC_PORT, UINT16_MAX, &x[6]) ||
	    !col_uint(st, VCOL_FLAGS, UINT8_MAX, &x[7]) ||
	    !col_uint(st, VCOL_TUNNEL_MODE, 1, &x[8]) ||
	    !col_uint(st, VCOL_ENCAP_DELIVERY, 1, &x[9]) ||
	    !col_uint(st, VCOL_V6, 2, &x[10]) ||
	    !col_uint(st, VCOL_LIFETIME, UINT16_MAX, &x[11]))
		return "integer out of range";
	if (x[0] == 0)
		return "home address 0";
	v->home_addr = htonl((uint32_t)x[0]);
	v->home_agent = htonl((uint32_t)x[1]);
	v->coa = htonl((uint32_t)x[2]);
	v->src_addr = htonl((uint32_t)x[3]);
	v->dst_addr = htonl((uint32_t)x[4]);
	v->agent_addr = htonl((uint32_t)x[5]);
	v->src_port = (uint16_t)x[6];
	v->flags = (uint8_t)x[7];
	v->tunnel_mode = x[8] != 0;
	v->encap_delivery = x[9] != 0;
	v->v6 = (uint8_t)x[10];
	v->lifetime = (uint16_t)x[11];

	if (sqlite3_column_type(st, VCOL_IFNAME) != SQLITE_TEXT)
		return "ifname not text";
	p = sqlite3_column_text(st, VCOL_IFNAME);
	n = sqlite3_column_bytes(st, VCOL_IFNAME);
	if (!p || n <= 0 || (size_t)n >= sizeof(v->ifname) || memchr(p, 0, (size_t)n))
		return "ifname";
	memcpy(v->ifname, p, (size_t)n);

	if (!col_blob_max(st, VCOL_LLADDR, v->lladdr, MIP_VISITOR_LLADDR_MAX,
			  &v->lladdr_len))
		return "lladdr";
	why = mip_prefixes_read(st, VCOL_PREFIXES, v->prefix, &v->n_prefix);
	if (why)
		return why;
	if (!col_blob_max(st, VCOL_NAI, v->nai, MIP4_NAI_MAX, &v->nai_len))
		return "nai";

	if (sqlite3_column_type(st, VCOL_ID) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, VCOL_REGISTERED) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, VCOL_EXPIRES) != SQLITE_INTEGER ||
	    sqlite3_column_type(st, VCOL_SEQ) != SQLITE_INTEGER)
		return "integer column";
	v->id = (uint64_t)sqlite3_column_int64(st, VCOL_ID);
	v->registered = sqlite3_column_int64(st, VCOL_REGISTERED);
	v->expires = sqlite3_column_int64(st, VCOL_EXPIRES);
	v->seq = (uint64_t)sqlite3_column_int64(st, VCOL_SEQ);
	return NULL;
}

/* One statement each: atomic on its own outside a caller's transaction. */
static int sqlite_mip_visitor_put(struct store *s, struct mip_visitor *v)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_FA_PUT];
	uint8_t pfx[MIP4_MAX_PREFIXES * MIP_PREFIX_REC];
	uint64_t seq;
	int rc, r;

	if (!ss->has_fa)
		return -EROFS;       /* only a reader can miss the table */
	r = tx_check(ss);
	if (r < 0)
		return r;
	mip_prefixes_pack(v->prefix, v->n_prefix, pfx);
	seq = ++ss->seq;             /* never reused, even if rolled back */
	rc = fa_bind(st, v, pfx, seq);
	if (rc != SQLITE_OK) {
		r = sq_err(ss, rc, "bind mip visitor");
		stmt_reset(st);
		return r;
	}
	r = stmt_run(ss, ST_FA_PUT);
	if (r == 0)
		v->seq = seq;
	return r;
}

static int sqlite_mip_visitor_del(struct store *s, uint32_t home_addr)
{
	struct store_sqlite *ss = to_ss(s);
	int r;

	if (!ss->has_fa)
		return -EROFS;
	r = tx_check(ss);
	if (r < 0)
		return r;
	sqlite3_bind_int64(ss->st[ST_FA_DEL], 1, ntohl(home_addr));
	return stmt_run(ss, ST_FA_DEL);
}

static int sqlite_mip_visitor_foreach(struct store *s, store_mip_visitor_cb cb, void *arg)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_FA_ALL];
	struct mip_visitor v;
	const char *why;
	char ha[INET_ADDRSTRLEN];
	uint32_t a;
	int rc, r = 0;

	if (!ss->has_fa)
		return 0;
	if (sqlite3_stmt_busy(st))
		return -EBUSY;       /* nested foreach on the same handle */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		why = fa_read(st, &v);
		if (why) {
			/* one bad row must not cost the foreign agent the others */
			a = htonl((uint32_t)sqlite3_column_int64(st, VCOL_HOME_ADDR));
			inet_ntop(AF_INET, &a, ha, sizeof(ha));
			log_rl(LOG_ERR, "store %s: mip visitor %s: malformed row (%s), skipped",
			       ss->path, ha, why);
			continue;
		}
		r = cb(&v, arg);
		if (r < 0)
			break;
		r = 0;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = sq_err(ss, rc, "foreach mip visitor");
	stmt_reset(st);
	return r;
}

static int sqlite_mip_visitor_count(struct store *s, uint64_t *n)
{
	struct store_sqlite *ss = to_ss(s);
	sqlite3_stmt *st = ss->st[ST_FA_COUNT];
	int rc, r = 0;

	*n = 0;
	if (!ss->has_fa)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else
		r = sq_err(ss, rc, "count mip visitors");
	stmt_reset(st);
	return r;
}

/* ---- open / close ------------------------------------------------------- */

static int exec_sql(struct store_sqlite *ss, const char *sql)
{
	int rc = sqlite3_exec(ss->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_err(ss, rc, sql);
}

/* One-shot query returning a single integer (open path only). */
static int query_int64(struct store_sqlite *ss, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(ss->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_err(ss, rc, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else
		r = sq_err(ss, rc, sql);
	sqlite3_finalize(st);
	return r;
}

static int set_journal_wal(struct store_sqlite *ss)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(ss->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_err(ss, rc, "journal_mode");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = sq_err(ss, rc, "journal_mode");
	} else {
		mode = sqlite3_column_text(st, 0);
		if (!mode || strcmp((const char *)mode, "wal") != 0) {
			log_err("store %s: cannot enable WAL journal (got %s)",
				ss->path, mode ? (const char *)mode : "?");
			r = -EIO;
		}
	}
	sqlite3_finalize(st);
	return r;
}

/* Create the schema, or bring an older one up to date, in one transaction:
 * a crash half-way leaves the old version. */
static int schema_upgrade(struct store_sqlite *ss)
{
	char sql[40];
	int64_t v;
	int r;

	r = exec_sql(ss, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	/* another writer may have changed it while we waited for the lock */
	r = query_int64(ss, "PRAGMA user_version", &v);
	if (r == 0 && (v < 0 || v > STORE_SQLITE_SCHEMA_VERSION))
		r = -EPROTO;
	for (int64_t i = v; r == 0 && i < STORE_SQLITE_SCHEMA_VERSION; i++)
		r = exec_sql(ss, schema_step[i]);
	if (r == 0 && v < STORE_SQLITE_SCHEMA_VERSION) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
			 STORE_SQLITE_SCHEMA_VERSION);
		r = exec_sql(ss, sql);
	}
	if (r < 0) {
		sqlite3_exec(ss->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	r = exec_sql(ss, "COMMIT");
	if (r == 0 && v > 0 && v < STORE_SQLITE_SCHEMA_VERSION)
		log_info("store %s: schema upgraded from version %lld to %d",
			 ss->path, (long long)v, STORE_SQLITE_SCHEMA_VERSION);
	return r;
}

static void sqlite_close(struct store *s)
{
	struct store_sqlite *ss = to_ss(s);

	if (ss->in_tx)
		log_warn("store %s: closed inside a transaction, rolled back", ss->path);
	for (int i = 0; i < ST__MAX; i++)
		sqlite3_finalize(ss->st[i]);
	sqlite3_close_v2(ss->db);
	if (ss->wal_fd >= 0)
		close(ss->wal_fd);
	if (ss->lock_fd >= 0)
		close(ss->lock_fd);     /* releases the flock */
	free(ss->path);
	free(ss);
}

static int sqlite_sync(struct store *s)
{
	struct store_sqlite *ss = to_ss(s);
	if (ss->wal_fd < 0)
		return 0;
	return fdatasync(ss->wal_fd) < 0 ? -errno : 0;
}

static int sqlite_open(const struct store_opts *o, struct store **out)
{
	struct store_sqlite *ss;
	int64_t v;
	int flags, rc, r;

	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return -ENOMEM;
	ss->pub.ops = &store_sqlite_ops;
	ss->pub.readonly = o->readonly;
	ss->wal_fd = -1;
	ss->lock_fd = -1;

	/* One writer per store: the change sequence lives in its memory. */
	if (!o->readonly) {
		char *lk;
		if (asprintf(&lk, "%s.lock", o->path) < 0) {
			free(ss->path);
			free(ss);
			return -ENOMEM;
		}
		ss->lock_fd = open(lk, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		r = ss->lock_fd < 0 ? -errno : flock(ss->lock_fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
		if (r == -EWOULDBLOCK)
			log_err("store %s: another process is writing it", o->path);
		else if (r < 0)
			log_err("store %s: %s", lk, strerror(-r));
		free(lk);
		if (r < 0) {
			if (ss->lock_fd >= 0)
				close(ss->lock_fd);
			free(ss->path);
			free(ss);
			return r == -EWOULDBLOCK ? -EBUSY : r;
		}
	}
	ss->path = strdup(o->path);
	if (!ss->path) {
		free(ss);
		return -ENOMEM;
	}

	/* NOMUTEX: a handle belongs to one thread at a time. */
	flags = SQLITE_OPEN_NOMUTEX |
		(o->readonly ? SQLITE_OPEN_READONLY
			     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	rc = sqlite3_open_v2(o->path, &ss->db, flags, NULL);
	if (rc != SQLITE_OK) {
		r = sq_err(ss, rc, "open");
		goto fail;
	}
	sqlite3_busy_timeout(ss->db, STORE_SQLITE_BUSY_MS);

	r = query_int64(ss, "PRAGMA user_version", &v);
	if (r < 0)
		goto fail;
	if (v > STORE_SQLITE_SCHEMA_VERSION || v < 0) {
		log_err("store %s: schema version %lld is not supported (newest %d)",
			o->path, (long long)v, STORE_SQLITE_SCHEMA_VERSION);
		r = -EPROTO;
		goto fail;
	}
	if (o->readonly) {
		if (v == 0) {
			log_err("store %s: no lease store there yet", o->path);
			r = -ENOENT;
			goto fail;
		}
	} else {
		r = set_journal_wal(ss);
		if (r < 0)
			goto fail;
		/* NORMAL in WAL mode: a commit writes its frames but does not
		 * fsync (kill -9 safe); SQLite still syncs the WAL before every
		 * checkpoint.  deferred_sync adds an fdatasync of the WAL by the
		 * caller, which makes it as durable as FULL. */
		r = exec_sql(ss, o->sync_full && !o->deferred_sync ? "PRAGMA synchronous = FULL"
								   : "PRAGMA synchronous = NORMAL");
		if (r < 0)
			goto fail;
		/* truncate the WAL after checkpoints that follow a burst */
		r = exec_sql(ss, "PRAGMA journal_size_limit = 67108864");
		if (r < 0)
			goto fail;
		if (v < STORE_SQLITE_SCHEMA_VERSION) {
			r = schema_upgrade(ss);
			if (r < 0)
				goto fail;
			v = STORE_SQLITE_SCHEMA_VERSION;
		}
	}
	/* A reader of a store its (older) writer has not upgraded (bindings
	 * came with version 2, their UDP tunnel columns with 3, visitors with
	 * 4) sees no bindings or visitors, until it reopens the store after an
	 * upgrade. */
	ss->has_mip = v >= 3;
	ss->has_fa = v >= 4;

	for (int i = 0; i < (ss->has_fa ? ST__MAX : ss->has_mip ? ST_FA_FIRST : ST_MIP_FIRST);
	     i++) {
		rc = sqlite3_prepare_v3(ss->db, stmt_sql[i], -1,
					SQLITE_PREPARE_PERSISTENT, &ss->st[i], NULL);
		if (rc != SQLITE_OK) {
			r = sq_err(ss, rc, stmt_sql[i]);
			goto fail;
		}
	}

	/* Deleted bindings and visitors leave no tombstone: their seqs may be
	 * handed out again, harmless as nothing follows their changes. */
	r = query_int64(ss, ss->has_fa
		? "SELECT max(coalesce((SELECT max(seq) FROM leases), 0),"
		  "           coalesce((SELECT max(seq) FROM tombstones), 0),"
		  "           coalesce((SELECT max(seq) FROM mip_binding), 0),"
		  "           coalesce((SELECT max(seq) FROM mip_visitor), 0),"
		  "           coalesce((SELECT val FROM store_state"
		  "                     WHERE key = 'tombstone_horizon'), 1) - 1)"
		: ss->has_mip
		? "SELECT max(coalesce((SELECT max(seq) FROM leases), 0),"
		  "           coalesce((SELECT max(seq) FROM tombstones), 0),"
		  "           coalesce((SELECT max(seq) FROM mip_binding), 0),"
		  "           coalesce((SELECT val FROM store_state"
		  "                     WHERE key = 'tombstone_horizon'), 1) - 1)"
		: "SELECT max(coalesce((SELECT max(seq) FROM leases), 0),"
		  "           coalesce((SELECT max(seq) FROM tombstones), 0),"
		  "           coalesce((SELECT val FROM store_state"
		  "                     WHERE key = 'tombstone_horizon'), 1) - 1)",
		&v);
	if (r < 0)
		goto fail;
	ss->seq = (uint64_t)v;

	if (o->deferred_sync && !o->readonly) {
		/* The WAL exists while a connection has the database open in
		 * WAL mode; it is truncated after checkpoints, never replaced. */
		char *wal;
		if (asprintf(&wal, "%s-wal", o->path) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		ss->wal_fd = open(wal, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		r = ss->wal_fd < 0 ? -errno : 0;
		if (r < 0)
			log_err("store %s: %s", wal, strerror(-r));
		free(wal);
		if (r < 0)
			goto fail;
	}

	*out = &ss->pub;
	return 0;
fail:
	sqlite_close(&ss->pub);
	return r;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.sync = sqlite_sync,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.lease_put = sqlite_lease_put,
	.lease_del = sqlite_lease_del,
	.lease_get = sqlite_lease_get,
	.lease_foreach = sqlite_lease_foreach,
	.lease_count = sqlite_lease_count,
	.lease_changes = sqlite_lease_changes,
	.tombstones_prune = sqlite_tombstones_prune,
	.meta_get = sqlite_meta_get,
	.meta_set = sqlite_meta_set,
	.mip_binding_put = sqlite_mip_binding_put,
	.mip_binding_del = sqlite_mip_binding_del,
	.mip_binding_foreach = sqlite_mip_binding_foreach,
	.mip_binding_count = sqlite_mip_binding_count,
	.mip_visitor_put = sqlite_mip_visitor_put,
	.mip_visitor_del = sqlite_mip_visitor_del,
	.mip_visitor_foreach = sqlite_mip_visitor_foreach,
	.mip_visitor_count = sqlite_mip_visitor_count,
};
