/* SPDX-License-Identifier: GPL-2.0 */
/* Test groups in their own files, run by test_parse.c's main(). */
#ifndef VMPROF_TESTS_H
#define VMPROF_TESTS_H

/* CR3 owners by host time, vfork, exec, the cost of a FULL. */
void test_time(void);
/* Which incarnations fall back to their parent's mappings. */
void test_parent_maps(void);
/* A build-id's symbols sent again are not kept again. */
void test_symdup(void);
/* A kernel rip far past the last symbol is not that symbol. */
void test_ktail(void);
/* The symbol sort, in place, on a table sent backwards. */
void test_ksort(void);
/* The budget is real malloc sizes, and can be shared by parsers. */
void test_budget(void);
/* Version 1 and 2 streams, a later version's types, the host's OFFER. */
void test_version(void);
void test_offer(void);
/* More processes than max_procs: dropped and counted, never a failure. */
void test_procs(void);

#endif
