/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_EXIT_NAMES_H
#define VMPROF_EXIT_NAMES_H

#include "util.h"

/* Name of an exit reason for an ISA tag; NULL when unknown. */
const char *exit_reason_name(u8 isa, u64 reason);
/* Like exit_reason_name() but never NULL: "UNKNOWN_0x.." into buf. */
const char *exit_reason_str(u8 isa, u64 reason, char *buf, size_t len);
const char *exit_isa_name(u8 isa);

#endif
