/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generated vmlinux.h, included with the one warning it triggers under
 * clang 14 ("declaration does not declare anything") silenced, so that the
 * project's own BPF code still builds with -Werror.
 */
#ifndef MEMCG_PRIO_BPF_VMLINUX_H
#define MEMCG_PRIO_BPF_VMLINUX_H

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-declarations"
#include "vmlinux.h"
#pragma clang diagnostic pop

#endif
