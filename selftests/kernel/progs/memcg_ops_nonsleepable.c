// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_ops_sleepable.c without the sleepable flag, as its own file so that
 * every progs/NAME.c is one skeleton NAME (test_progs' Makefile builds them
 * so, and meson's table too).
 */
#define KT_NOT_SLEEPABLE
#include "memcg_ops_sleepable.c"
