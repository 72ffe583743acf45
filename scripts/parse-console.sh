#!/usr/bin/env bash
# Turn a test-bed serial console log into TAP ending "N passed, N failed".
# Usage: parse-console.sh CONSOLE_LOG [QEMU_EXIT_CODE]
# Exits 1 if a test failed, the run did not reach KVMPROF-DONE, no test ran
# (a filter that matched nothing), the kernel printed an oops, WARN, BUG,
# KASAN, lockdep or RCU report (stalls too), or
# the console lacks the KERN_WARNING line /init writes
# (KVMPROF-WARN-VISIBLE): with "quiet" (console loglevel 4) WARN() and
# lockdep reports never reach it.
# A failed test's output is on the console only; so that a CI log says why,
# each failed test is followed by its own failed checks ("# not ok" lines,
# "# Bail out!"), each after the last comment ("# # ") before it, at most
# 20 lines.
set -euo pipefail
log=$1
qemu_rc=${2:-0}

tr -d '\r' <"$log" | awk -v qemu_rc="$qemu_rc" '
	/^# running / { nwhy = 0; note = ""; shown = ""; next }
	/^# # / { note = $0 }
	/^# (not ok |Bail out!)/ {
		if (note != "" && note != shown && nwhy < 20)
			why[++nwhy] = shown = note
		if (nwhy < 20)
			why[++nwhy] = $0
	}
	/^ok [0-9]+ / { pass++; print; next }
	/^not ok [0-9]+ / {
		fail++
		print
		for (i = 1; i <= nwhy; i++)
			print "#   " substr(why[i], 3)
		nwhy = 0
		next
	}
	/KVMPROF-DONE/ { done = 1 }
	/KVMPROF-WARN-VISIBLE/ { warn_visible = 1; next }
	/Oops|WARNING:|BUG:|KASAN|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|detected stalls|Kernel panic|Call Trace:/ {
		bad++
		if (bad <= 40)
			print "# console: " $0
	}
	END {
		if (!done) {
			fail++
			printf "not ok %d test bed finished # QEMU exit %d, no KVMPROF-DONE\n", pass + fail, qemu_rc
		}
		if (done && pass + fail == 0) {
			fail++
			printf "not ok %d some test ran # none did: does the filter (VMTEST_ONLY, VMX_ONLY) match a test?\n", pass + fail
		}
		if (!warn_visible) {
			fail++
			printf "not ok %d kernel warnings reach the console # no KVMPROF-WARN-VISIBLE: console loglevel below 5?\n", pass + fail
		}
		if (bad) {
			fail++
			printf "not ok %d console free of kernel reports # %d lines\n", pass + fail, bad
		}
		printf "%d passed, %d failed\n", pass, fail
		exit fail ? 1 : 0
	}'
