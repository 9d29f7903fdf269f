/* Public store API: argument checks shared by every backend, then dispatch
 * through the backend's ops table (store_backend.h). */
#include "store/store.h"

#include <errno.h>
#include <string.h>

#include "store/store_backend.h"

int store_open(const struct store_opts *o, struct store **out)
{
	if (!o || !out || !o->path || !o->path[0])
		return -EINVAL;
	*out = NULL;
	return store_sqlite_ops.open(o, out);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

int store_begin(struct store *s)
{
	return s->ops->begin(s);
}

int store_commit(struct store *s)
{
	return s->ops->commit(s);
}

int store_rollback(struct store *s)
{
	return s->ops->rollback(s);
}

int store_lease_put(struct store *s, struct lease *l)
{
	if (!l)
		return -EINVAL;
	if (s->readonly)
		return -EROFS;
	if (l->duid.len > DHCP6_DUID_MAX)
		return -EINVAL;
	if (strnlen(l->pool, sizeof(l->pool)) == sizeof(l->pool))
		return -EINVAL;              /* not NUL-terminated */
	return s->ops->lease_put(s, l);
}

int store_lease_del(struct store *s, const struct in6_addr *addr)
{
	if (!addr)
		return -EINVAL;
	if (s->readonly)
		return -EROFS;
	return s->ops->lease_del(s, addr);
}

int store_lease_get(struct store *s, const struct in6_addr *addr, struct lease *l)
{
	if (!addr || !l)
		return -EINVAL;
	return s->ops->lease_get(s, addr, l);
}

int store_lease_foreach(struct store *s, store_lease_cb cb, void *arg)
{
	if (!cb)
		return -EINVAL;
	return s->ops->lease_foreach(s, cb, arg);
}

int store_lease_count(struct store *s, uint64_t *n)
{
	if (!n)
		return -EINVAL;
	return s->ops->lease_count(s, n);
}

int store_lease_changes(struct store *s, uint64_t since, uint64_t *last,
			store_change_cb cb, void *arg)
{
	if (!last || !cb)
		return -EINVAL;
	return s->ops->lease_changes(s, since, last, cb, arg);
}

int store_tombstones_prune(struct store *s, uint64_t below_seq)
{
	if (s->readonly)
		return -EROFS;
	return s->ops->tombstones_prune(s, below_seq);
}

int store_sync(struct store *s)
{
	return s->ops->sync ? s->ops->sync(s) : 0;
}

int store_meta_get(struct store *s, const char *key, void *val, size_t cap, size_t *len)
{
	if (!key || (!val && cap))
		return -EINVAL;
	return s->ops->meta_get(s, key, val, cap, len);
}

int store_meta_set(struct store *s, const char *key, const void *val, size_t len)
{
	if (!key || (!val && len))
		return -EINVAL;
	if (s->readonly)
		return -EROFS;
	return s->ops->meta_set(s, key, val, len);
}

/* The backend stores and reloads exactly what passes here, so a binding
 * that is accepted is never skipped as malformed when it is read back. */
int store_mip_binding_put(struct store *s, struct mip_binding *b)
{
	if (!b)
		return -EINVAL;
	if (s->readonly)
		return -EROFS;
	if (b->coa == 0)
		return -EINVAL;              /* coa 0 means "all" to _del */
	if (b->v6_mode > MIP_V6_TO_COA || b->n_prefix > MIP4_MAX_PREFIXES)
		return -EINVAL;
	for (unsigned i = 0; i < b->n_prefix; i++)
		if (b->prefix[i].plen > 128 &&
		    b->prefix[i].plen != MIP4_V6_PLEN_LINK_LOCAL)
			return -EINVAL;
	if (strnlen(b->nai, sizeof(b->nai)) == sizeof(b->nai))
		return -EINVAL;              /* not NUL-terminated */
	if (b->udp_tunnel && (b->src_addr == 0 || b->src_port == 0))
		return -EINVAL;              /* no tunnel endpoint */
	return s->ops->mip_binding_put(s, b);
}

int store_mip_binding_del(struct store *s, uint32_t home_addr, uint32_t coa)
{
	if (s->readonly)
		return -EROFS;
	return s->ops->mip_binding_del(s, home_addr, coa);
}

int store_mip_binding_foreach(struct store *s, store_mip_binding_cb cb, void *arg)
{
	if (!cb)
		return -EINVAL;
	return s->ops->mip_binding_foreach(s, cb, arg);
}

int store_mip_binding_count(struct store *s, uint64_t *n)
{
	if (!n)
		return -EINVAL;
	return s->ops->mip_binding_count(s, n);
}

/* As for bindings: what passes here is never skipped when read back. */
int store_mip_visitor_put(struct store *s, struct mip_visitor *v)
{
	if (!v)
		return -EINVAL;
	if (s->readonly)
		return -EROFS;
	if (v->home_addr == 0)
		return -EINVAL;
	/* nai_len is a uint8_t: it cannot exceed MIP4_NAI_MAX (255) */
	_Static_assert(MIP4_NAI_MAX >= UINT8_MAX, "check nai_len against MIP4_NAI_MAX");
	if (v->lladdr_len > MIP_VISITOR_LLADDR_MAX || v->n_prefix > MIP4_MAX_PREFIXES ||
	    v->v6 > 2)
		return -EINVAL;              /* v6: fa_reg.h enum fa_v6 is 0-2 */
	for (unsigned i = 0; i < v->n_prefix; i++)
		if (v->prefix[i].plen > 128 &&
		    v->prefix[i].plen != MIP4_V6_PLEN_LINK_LOCAL)
			return -EINVAL;
	if (v->ifname[0] == '\0' ||
	    strnlen(v->ifname, sizeof(v->ifname)) == sizeof(v->ifname))
		return -EINVAL;              /* empty or not NUL-terminated */
	return s->ops->mip_visitor_put(s, v);
}

int store_mip_visitor_del(struct store *s, uint32_t home_addr)
{
	if (s->readonly)
		return -EROFS;
	return s->ops->mip_visitor_del(s, home_addr);
}

int store_mip_visitor_foreach(struct store *s, store_mip_visitor_cb cb, void *arg)
{
	if (!cb)
		return -EINVAL;
	return s->ops->mip_visitor_foreach(s, cb, arg);
}

int store_mip_visitor_count(struct store *s, uint64_t *n)
{
	if (!n)
		return -EINVAL;
	return s->ops->mip_visitor_count(s, n);
}
