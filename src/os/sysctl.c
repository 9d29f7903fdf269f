/* sysctls by their /proc/sys path (os/sysctl.h). */
#include "os/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

int sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		r = -errno;
	close(fd);
	return r;
}

int sysctl_read_int(const char *path)
{
	char buf[16] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -EIO;
}

int sysctl_enable(const char *path, const char *why)
{
	int r;

	if (sysctl_read_int(path) == 1)
		return 0;
	r = sysctl_write(path, "1");
	if (r < 0) {
		log_err("%s: %s (needed for %s)", path, strerror(-r), why);
		return r;
	}
	log_info("%s set to 1 (%s)", path, why);
	return 0;
}

int sysctl_tun4(const char *tun)
{
	static const char *const set[][2] = { { "rp_filter", "0" }, { "accept_local", "1" } };
	char path[128];
	int ret = 0;

	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", tun, set[i][0]);
		int r = sysctl_write(path, set[i][1]);
		if (r < 0) {
			log_warn("%s: %s", path, strerror(-r));
			ret = ret ? ret : r;
		}
	}
	return ret;
}
