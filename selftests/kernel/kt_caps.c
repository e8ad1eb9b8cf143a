// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kt_caps.h"

int kt_become_user(uint64_t caps)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	/* Keep the permitted set across the change of uid, then narrow it. */
	if (prctl(PR_SET_KEEPCAPS, 1) ||
	    setresgid(KT_USER_ID, KT_USER_ID, KT_USER_ID) ||
	    setgroups(0, NULL) ||
	    setresuid(KT_USER_ID, KT_USER_ID, KT_USER_ID))
		return -errno;
	data[0].effective = data[0].permitted = (uint32_t)caps;
	data[1].effective = data[1].permitted = (uint32_t)(caps >> 32);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}
