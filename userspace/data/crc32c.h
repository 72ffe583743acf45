/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VMPROF_CRC32C_H
#define VMPROF_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C (Castagnoli), as in iSCSI/ext4/btrfs; crc32c(0, "123456789", 9) = 0xe3069283. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
