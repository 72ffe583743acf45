// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the agent's ELF reader: the jobs the confined
 * reader runs (agent/elf.c: the build-id, then the symbols), here in
 * process and under ASan/UBSan, on a file that is the input.  The reader
 * process and its filter bound what a bug costs; this finds the bugs.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../agent/agent.h"

int agent_verbose;

void agent_log(const char *fmt, ...)
{
	(void)fmt;
}

int out_send(struct vp_buf *b)
{
	vp_buf_reset(b);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_out o;
	static int fd = -1;

	if (fd < 0) {
		if (elf_init())
			return 0;
		fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
		o.fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || o.fd < 0)
			return 0;
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	o.len = 0;
	elf_job_build_id(fd, &o);
	o.len = 0;
	elf_job_symbols(fd, &o);
	return 0;
}
