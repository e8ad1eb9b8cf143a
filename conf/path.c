// SPDX-License-Identifier: GPL-2.0-only
/* Path normalisation. */
#include <errno.h>
#include <string.h>

#include "schema.h"

int prio_path_normalise(const char *in, char *out, size_t outlen)
{
	size_t start = in[0] == '/' ? 1 : 0, o = start;

	if (outlen < start + 1)
		return -ENAMETOOLONG;
	if (start)
		out[0] = '/';
	for (const char *p = in; *p; ) {
		size_t n, sep;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		sep = o > start ? 1 : 0;
		if (o + sep + n + 1 > outlen)
			return -ENAMETOOLONG;
		if (sep)
			out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return 0;
}
