/* sysctls by their /proc/sys path (STYLE 1: one of the few files that touch
 * the kernel), for the daemons that forward through a TUN.
 *
 * Every function returns 0 (or the value read) or a negative errno. */
#ifndef DS46_OS_SYSCTL_H
#define DS46_OS_SYSCTL_H

/* Write val (e.g. "1") to path. */
int sysctl_write(const char *path, const char *val);
/* The integer in path, or -errno / -EIO. */
int sysctl_read_int(const char *path);
/* Set a boolean sysctl to 1 unless it already is; log what changed (info)
 * or why it could not (error, naming why it is needed). */
int sysctl_enable(const char *path, const char *why);
/* A TUN into which a tunnel engine writes IPv4 packets: rp_filter 0 (the
 * engine checks sources itself, against bindings, and a kernel drop would
 * be counted nowhere ds46 shows) and accept_local 1 (the engine's ICMPv4
 * errors, e.g. fragmentation needed for a packet too big for the tunnel,
 * RFC 2003 4 / RFC 1191, come from this host's own address: without it
 * the kernel drops them as martians and senders never learn the tunnel's
 * MTU).  Failures are logged (warning) and returned. */
int sysctl_tun4(const char *tun);

#endif
