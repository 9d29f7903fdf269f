/* IPv4 fragmentation of outgoing tunnel packets (RFC 791 2.3 and 3.2), for
 * the IPv4-outer tunnels of the Mobile IPv4 roles: the engine builds a
 * whole IPv4 packet for an IPPROTO_RAW socket (IP_HDRINCL), and the kernel
 * does not fragment those (it refuses anything above the device MTU with
 * EMSGSIZE), so a packet larger than the verdict's frag_mtu is cut here.
 *
 * Pure: no syscalls, no allocation, the packet is not modified.  Each
 * fragment is an iovec pair: its own header (struct ip4_frag.hdr: the
 * original header with total length, MF bit, fragment offset in 8-octet
 * units and checksum rewritten; options without the copied flag become
 * NOPs after the first fragment) and a slice of the original payload
 * (f.data, pointing into the packet).  Every fragment but the last carries
 * a multiple of 8 payload octets; the last keeps the original MF bit, so an
 * already-fragmented packet is fragmented further correctly.  All
 * fragments keep the original identification, TOS, TTL, protocol and
 * addresses.  The cutting itself is ip4_fragment_next() (wire/ip.h); this
 * file validates the packet, counts the fragments and walks them. */
#ifndef DS46_WIRE_FRAG4_H
#define DS46_WIRE_FRAG4_H

#include <stddef.h>
#include <stdint.h>

#include "wire/ip.h"

/* Walk over the fragments of one packet. */
struct frag4 {
	struct ip4_view v;           /* the parsed original */
	uint16_t mtu;
	unsigned count;              /* fragments frag4_next() gives in all */
	unsigned done;               /* given so far */
	size_t cursor;               /* ip4_fragment_next's */
};

/* How many fragments a packet of hdr_len + payload_len octets makes at
 * mtu: 1 when it fits, else ceil(payload_len / ((mtu - hdr_len) & ~7)).
 * 0 when mtu < hdr_len + 8 and the packet does not fit. */
unsigned frag4_count(size_t hdr_len, size_t payload_len, uint16_t mtu);

/* Validate pkt[0 .. len) (ip4_parse: version, IHL, total length <= len,
 * checksum; octets past the total length are ignored) and prepare the walk
 * at mtu.  Returns the number of fragments (1 when the packet fits, which
 * is then given unchanged apart from the checksum being recomputed), or:
 *   -EBADMSG  the header does not parse (*why says why) or has malformed
 *             options (IP_DROP_BAD_OPTIONS, found by frag4_next), or an
 *             offset past 65528 would result (IP_DROP_BAD_LENGTH);
 *   -EMSGSIZE it does not fit and DF is set (IP_DROP_DF_SET);
 *   -EINVAL   it does not fit and mtu < IP4_MIN_MTU (68) or mtu < header
 *             length + 8 (no room for any payload).
 * why may be NULL. */
int frag4_init(struct frag4 *fr, const uint8_t *pkt, size_t len, uint16_t mtu,
	       enum ip_drop *why);

/* The next fragment into *f: 1, or 0 after the last one, or -EBADMSG as
 * above.  f->hdr[0 .. f->hdr_len) then f->data[0 .. f->data_len) is the
 * fragment; f->offset is its payload offset in octets, f->mf its MF bit. */
int frag4_next(struct frag4 *fr, struct ip4_frag *f, enum ip_drop *why);

#endif
