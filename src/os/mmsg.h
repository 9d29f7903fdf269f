/* One recvmmsg/sendmmsg slot, the way every socket adapter of src/os fills
 * it: one buffer, a peer address, optional ancillary data.  Shared by
 * rawsock.c (IPv6 tunnel), rawsock4.c (IPv4 tunnels) and udp4.c
 * (registrations), whose batches differ only in their element types. */
#ifndef DS46_OS_MMSG_H
#define DS46_OS_MMSG_H

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

static inline void mmsg_slot(struct mmsghdr *m, struct iovec *iov, void *buf, size_t len,
			     void *name, socklen_t namelen, void *ctl, size_t ctllen)
{
	memset(m, 0, sizeof(*m));
	iov->iov_base = buf;
	iov->iov_len = len;
	m->msg_hdr.msg_name = name;
	m->msg_hdr.msg_namelen = namelen;
	m->msg_hdr.msg_iov = iov;
	m->msg_hdr.msg_iovlen = 1;
	m->msg_hdr.msg_control = ctl;
	m->msg_hdr.msg_controllen = ctllen;
}

#endif
