// SPDX-License-Identifier: GPL-2.0
/*
 * oom_ops_test.c with a sleepable handler, as its own file so that every
 * progs/NAME.c is one skeleton NAME (test_progs' Makefile builds them so,
 * and meson's table too).
 */
#define KT_SLEEPABLE
#include "oom_ops_test.c"
