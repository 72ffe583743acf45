// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32C for data file chunks.  Use the SSE4.2 crc32 instruction when the
 * CPU has it (the 10M-sample report checksums ~1 GB), else slice-by-8.
 * The instruction takes 3 cycles but can start one a cycle, so a long
 * buffer is checksummed as three interleaved streams, joined at the end
 * of each block: 3 times the speed of one stream, a tenth of a 1M-sample
 * report before.
 */
#include <string.h>

#include "crc32c.h"

#define CRC32C_POLY 0x82f63b78U

static uint32_t table[8][256];
static int mode;	/* 0 unknown, 1 software, 2 hardware */

/* Bytes of each of the three streams of a block. */
#define CRC_STREAM 8192
/*
 * A crc state (not inverted) -> the state after CRC_STREAM more zero
 * bytes, a byte of the state at a time: it moves a stream's crc past the
 * streams after it.  Linear over GF(2), so the image of each of the 32
 * bits, XORed together, gives any state's.
 */
static uint32_t stream_shift[4][256];

#if defined(__x86_64__)
static void crc32c_shift_init(void);
#endif

static void crc32c_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			table[k][i] = (table[k - 1][i] >> 8) ^
				      table[0][table[k - 1][i] & 0xff];
#if defined(__x86_64__)
	__builtin_cpu_init();
	mode = __builtin_cpu_supports("sse4.2") ? 2 : 1;
	if (mode == 2)
		crc32c_shift_init();
#else
	mode = 1;
#endif
}

static uint32_t crc32c_sw(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t v;

	while (len >= 8) {
		memcpy(&v, p, 8);
		v ^= crc;
		crc = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^
		      table[5][(v >> 16) & 0xff] ^ table[4][(v >> 24) & 0xff] ^
		      table[3][(v >> 32) & 0xff] ^ table[2][(v >> 40) & 0xff] ^
		      table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__)
static uint32_t stream_skip(uint32_t c)
{
	return stream_shift[0][c & 0xff] ^ stream_shift[1][(c >> 8) & 0xff] ^
	       stream_shift[2][(c >> 16) & 0xff] ^ stream_shift[3][c >> 24];
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = crc, c1, c2, v0, v1, v2;
	const unsigned char *end;

	while (len >= 3 * CRC_STREAM && stream_shift[0][1]) {
		c1 = c2 = 0;
		for (end = p + CRC_STREAM; p < end; p += 8) {
			memcpy(&v0, p, 8);
			memcpy(&v1, p + CRC_STREAM, 8);
			memcpy(&v2, p + 2 * CRC_STREAM, 8);
			c = __builtin_ia32_crc32di(c, v0);
			c1 = __builtin_ia32_crc32di(c1, v1);
			c2 = __builtin_ia32_crc32di(c2, v2);
		}
		c = stream_skip(stream_skip((uint32_t)c) ^ (uint32_t)c1) ^
		    (uint32_t)c2;
		p += 2 * CRC_STREAM;
		len -= 3 * CRC_STREAM;
	}
	while (len >= 8) {
		memcpy(&v0, p, 8);
		c = __builtin_ia32_crc32di(c, v0);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}

static void crc32c_shift_init(void)
{
	static const unsigned char zeros[CRC_STREAM];
	uint32_t bit[32], x;
	int i, j, k;

	/* stream_shift[0][1] is still 0: crc32c_hw() runs one stream. */
	for (i = 0; i < 32; i++)
		bit[i] = crc32c_hw(1U << i, zeros, sizeof(zeros));
	for (j = 0; j < 4; j++) {
		for (i = 0; i < 256; i++) {
			x = 0;
			for (k = 0; k < 8; k++)
				if (i & 1 << k)
					x ^= bit[8 * j + k];
			stream_shift[j][i] = x;
		}
	}
}
#endif

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	if (!mode)
		crc32c_init();
	crc = ~crc;
#if defined(__x86_64__)
	if (mode == 2)
		return ~crc32c_hw(crc, buf, len);
#endif
	return ~crc32c_sw(crc, buf, len);
}
