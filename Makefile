# Top-level build: kernel series, test bed, userspace, guest agent.
# See README.md.  Generated files live in BUILD_DIR, outside the checkout.

BUILD_DIR ?= $(HOME)/.cache/kvmprof
KCONFIG ?= testbed
export BUILD_DIR KCONFIG

COMPONENTS := proto userspace guest-agent e2e

.PHONY: all deps kernel selftests vmtest check check-native check-debug \
	check-e2e check-series check-deps check-fresh check-vmx demo \
	reproducible clean help $(COMPONENTS)

all: kernel $(COMPONENTS)

help:
	@echo "make deps          install build and test dependencies (apt, root)"
	@echo "make demo          build, boot, profile a guest, print the report"
	@echo "make check         every test: native tests, test bed, end-to-end scenarios"
	@echo "make check-native  native tests only (no kernel build)"
	@echo "make check-debug   the test bed on the debug kernel (KASAN, lockdep)"
	@echo "make check-e2e     only the end-to-end scenarios (L2 Linux guests, libvirt)"
	@echo "make check-series  build every patch (modules and built-in), checkpatch"
	@echo "make check-deps    the dependency step and every step needing a package, in a pristine Debian 12 root"
	@echo "make check-fresh   the README's commands from a clean clone in a pristine root (about an hour)"
	@echo "make check-vmx     the selftests on emulated Intel VMX (bochs), 2 CPUs"
	@echo "make kernel        build the patched kernel (KCONFIG=testbed|debug)"
	@echo "make vmtest        boot the kernel under QEMU and run the tests"
	@echo "make reproducible  build twice in two directories, compare bzImage"
	@echo "variables: BUILD_DIR=$(BUILD_DIR) KCONFIG=$(KCONFIG) VMTEST_ONLY=regex"

deps:
	scripts/install-deps.sh

kernel: deps
	scripts/kernel-build.sh

selftests: kernel
	scripts/build-selftests.sh

vmtest: selftests
	scripts/vmtest.sh

$(COMPONENTS): deps
	@if [ -f $@/Makefile ]; then $(MAKE) -C $@; fi

check-native: deps
	@set -e; for c in $(COMPONENTS); do \
		if [ -f $$c/Makefile ]; then $(MAKE) -C $$c check; fi; \
	done
	tests/run.sh

check:
	scripts/check-all.sh

check-debug:
	$(MAKE) vmtest KCONFIG=debug

# The end-to-end scenarios (L2 Linux guests under the patched KVM), also
# run by check; see e2e/README.md.
check-e2e: selftests
	scripts/check-e2e.sh

check-series: deps
	scripts/check-series.sh

check-deps: deps
	scripts/check-deps.sh

check-fresh: deps
	scripts/check-fresh.sh

check-vmx: selftests
	scripts/vmx-test.sh

demo: deps
	scripts/demo.sh

reproducible: deps
	scripts/check-reproducible

clean:
	@for c in $(COMPONENTS); do \
		if [ -f $$c/Makefile ]; then $(MAKE) -C $$c clean; fi; \
	done
