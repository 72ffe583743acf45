// SPDX-License-Identifier: GPL-2.0
/*
 * The agent parses ELF files that any guest user can craft and map: check
 * the bounds with crafted files, counting what comes out rather than
 * timing it.  A file with 50,000 PT_LOAD headers (each symbol scanned them
 * all: 25 s) gets no symbols; 20,000 symbols sharing one 1000-byte name
 * give at most AGENT_MAX_SYM_BYTES of stream, not 20 MB; a FIFO at the
 * mapped path is not opened for reading (the open blocked for ever); a
 * plain file still gives its symbols at the right file offsets.
 *
 * The reader runs in a confined child (agent/elf_child.c): a file whose
 * reader calls a syscall outside its seccomp filter, or crashes, costs
 * the agent that file, counted, and the next file is read as before.
 * This build's reader breaks on request, by the file's name
 * (AGENT_TEST_ELF_HOOK); in the agent that took the agent down with it.
 *
 * Links agent/elf.c with a stub out_send() that counts the bytes.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../agent/agent.h"
#include "../../proto/tests/tap.h"

int agent_verbose;
static size_t sent;

void agent_log(const char *fmt, ...)
{
	(void)fmt;
}

int out_send(struct vp_buf *b)
{
	sent += b->len;
	vp_buf_reset(b);
	return 0;
}

/*
 * An ELF64 file: @nload PT_LOAD headers (the first maps file offset 0x1000
 * at 0x401000), @nsym FUNC symbols at @base + 16 i, all named @name.
 */
static int write_elf(const char *path, size_t nload, size_t nsym,
		     const char *name, uint64_t base)
{
	size_t namelen = strlen(name) + 1, i;
	size_t phoff = sizeof(Elf64_Ehdr);
	size_t symoff = phoff + nload * sizeof(Elf64_Phdr);
	size_t stroff = symoff + (nsym + 1) * sizeof(Elf64_Sym);
	size_t shoff = (stroff + 1 + namelen + 7) & ~(size_t)7;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_phoff = phoff, .e_shoff = shoff,
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (Elf64_Half)(nload < PN_XNUM ? nload : PN_XNUM),
		.e_shentsize = sizeof(Elf64_Shdr), .e_shnum = 3,
	};
	Elf64_Shdr sh[3] = {
		{ .sh_info = nload < PN_XNUM ? 0 : (Elf64_Word)nload },
		{ .sh_type = SHT_SYMTAB, .sh_offset = symoff,
		  .sh_size = (nsym + 1) * sizeof(Elf64_Sym),
		  .sh_link = 2, .sh_entsize = sizeof(Elf64_Sym) },
		{ .sh_type = SHT_STRTAB, .sh_offset = stroff,
		  .sh_size = 1 + namelen },
	};
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	fwrite(&eh, sizeof(eh), 1, f);
	for (i = 0; i < nload; i++) {
		Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
				  .p_offset = 0x1000 + i * 0x100000,
				  .p_vaddr = 0x401000 + i * 0x100000,
				  .p_filesz = 0x100000, .p_memsz = 0x100000 };

		fwrite(&ph, sizeof(ph), 1, f);
	}
	{
		Elf64_Sym s = { 0 };

		fwrite(&s, sizeof(s), 1, f);	/* symbol 0 */
		for (i = 0; i < nsym; i++) {
			s.st_name = 1;
			s.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
			s.st_shndx = 1;
			s.st_value = base + 16 * i;
			s.st_size = 16;
			fwrite(&s, sizeof(s), 1, f);
		}
	}
	fputc(0, f);
	fwrite(name, 1, namelen, f);
	while ((size_t)ftell(f) < shoff)
		fputc(0, f);
	fwrite(sh, sizeof(sh), 1, f);
	return fclose(f);
}

/* Symbols sent for @path, by parsing what was encoded. */
static uint32_t send_count(const char *path, uint64_t *first_off)
{
	static const uint8_t id[] = { 1, 2, 3, 4 };
	struct vp_parser *p = vp_parser_new(NULL, NULL, NULL);
	struct vp_buf b;
	struct vp_map m = { 0x401000, 0x501000, 0x1000, VP_PROT_R | VP_PROT_X,
			    4, { 1, 2, 3, 4 }, "/x" };
	struct vp_cr3_entry e = { 0x1000, 1, 7, 7, 1, VP_EV_SNAPSHOT, "x" };
	struct vp_hello h = { .page_size = 4096 };
	const struct vp_sym *s;
	uint64_t off = 0;
	uint32_t n = 0;

	vp_buf_init(&b);
	sent = 0;
	vp_enc_hello(&b, &h);
	vp_enc_cr3(&b, VP_MSG_CR3_MAP_FULL, &e, 1);
	vp_msg_begin(&b, VP_MSG_PROC_MAPS);
	vp_put_u32(&b, 7);
	vp_put_u32(&b, 1);
	vp_put_map(&b, &m);
	vp_msg_end(&b);
	vp_parser_feed(p, b.data, b.len);
	vp_buf_reset(&b);
	elf_send_symbols(&b, path, id, sizeof(id));
	sent += b.len;
	vp_parser_feed(p, b.data, b.len);
	s = vp_lookup_user(p, 7, 0x401000, NULL, &off);
	if (s && first_off)
		*first_off = s->offset;
	if (s)
		n = 1;
	vp_parser_free(p);
	vp_buf_free(&b);
	return n;
}

/* 1 when this kernel filters syscalls (the test bed's does not). */
static int have_seccomp(void)
{
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "Seccomp:", 8);
	if (f)
		fclose(f);
	return found;
}

/* SIGKILL this program's children; how many there were. */
static int kill_children(void)
{
	char path[64];
	int n = 0, pid, status;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	f = fopen(path, "re");
	while (f && fscanf(f, "%d", &pid) == 1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

static void test_crash(const char *dir)
{
	uint8_t id[VP_BUILD_ID_MAX], len = 0;
	uint64_t failed = elf_child_failures();
	char path[256];
	int got;

	snprintf(path, sizeof(path), "%s/crash-syscall", dir);
	write_elf(path, 2, 3, "plain_func", 0x401000);
	if (have_seccomp()) {
		got = send_count(path, NULL);
		tap_ok(!got && !sent && elf_child_failures() == failed + 1,
		       "a reader that calls getppid(), outside its filter: killed, no symbols, counted");
		got = elf_build_id(path, id, &len);
		tap_ok(got == 1 && elf_child_failures() == failed + 2,
		       "the same for its build-id: none, counted, not read again by path");
		failed += 2;
	} else {
		printf("# no seccomp here: the reader's forbidden call succeeds\n");
		tap_ok(send_count(path, NULL) == 1,
		       "without seccomp the child still reads");
	}
	snprintf(path, sizeof(path), "%s/crash-segv", dir);
	write_elf(path, 2, 3, "plain_func", 0x401000);
	got = send_count(path, NULL);
	tap_ok(!got && !sent && elf_child_failures() == failed + 1,
	       "a reader that crashes (SIGSEGV): no symbols, counted, the agent goes on");
	snprintf(path, sizeof(path), "%s/after", dir);
	write_elf(path, 2, 3, "plain_func", 0x401000);
	tap_ok(send_count(path, NULL) == 1 && elf_child_failures() == failed + 1,
	       "the next file's symbols are read as before");

	/* The reader killed between two files (the OOM killer). */
	tap_ok(kill_children() == 1, "the reader is one process");
	tap_ok(send_count(path, NULL) == 1 && elf_child_failures() == failed + 1,
	       "a reader gone between files costs the next file nothing");
}

int main(void)
{
	char dir[] = "/tmp/vmprof-elftest-XXXXXX", path[256];
	uint64_t off = ~0ull;
	size_t plain;

	if (!mkdtemp(dir) || elf_init())
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A hang guard, not a time limit: every case takes milliseconds. */
	alarm(120);

	snprintf(path, sizeof(path), "%s/plain", dir);
	write_elf(path, 2, 3, "plain_func", 0x401000);
	tap_ok(send_count(path, &off) == 1 && off == 0x1000,
	       "a plain file: symbols at their file offsets");
	plain = sent;

	snprintf(path, sizeof(path), "%s/loads", dir);
	/* In the last segment: found after scanning all the others. */
	write_elf(path, 50000, 60000, "f", 0x401000 + 49999ull * 0x100000);
	send_count(path, NULL);
	tap_ok(sent == 0, "50,000 PT_LOAD headers: no symbols (no nphdr x nsym scan)");

	{
		char name[1001];

		memset(name, 'n', 1000);
		name[1000] = '\0';
		snprintf(path, sizeof(path), "%s/amp", dir);
		write_elf(path, 2, 20000, name, 0x401000);
	}
	send_count(path, NULL);
	printf("# 20,000 symbols with one 1000-byte name: %zu bytes sent\n", sent);
	tap_ok(sent > plain && sent <= AGENT_MAX_SYM_BYTES + (64u << 10),
	       "one long name shared by 20,000 symbols: output capped");

	snprintf(path, sizeof(path), "%s/fifo", dir);
	mkfifo(path, 0600);
	send_count(path, NULL);
	tap_ok(sent == 0, "a FIFO at the mapped path: not read, no hang");

	test_crash(dir);

	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		return 1;
	return tap_done();
}
