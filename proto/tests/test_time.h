/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_TEST_TIME_H
#define VMPROF_TEST_TIME_H

/* CR3 owners by host time, vfork, exec, the cost of a FULL. */
void test_time(void);

#endif
