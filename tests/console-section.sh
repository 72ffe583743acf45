#!/usr/bin/env bash
# scripts/console-section.sh (the demo's report extraction) prints a
# section of a large console log and exits 0, whatever follows the
# section; a missing section exits 1.  The large log is the case that
# failed the demo with exit 141 (SIGPIPE under pipefail).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/suite.sh"
section=$top/scripts/console-section.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# A console as /init writes it: CRLF line ends, "# " before test output,
# the steal section first, then 4 MiB of kernel and test chatter.
{
	printf 'Linux version 6.12.117\r\n'
	printf '# E2E-REPORT-BEGIN steal\r\n'
	printf '# vcpu0 [steal] (outside: hostburn) 47.60%%\r\n'
	printf '# E2E-REPORT-END steal\r\n'
	yes '# some test chatter after the report, long enough to fill pipes' |
		head -c 4194304 || true
	printf '\r\n# E2E-REPORT-BEGIN unified\r\n#   42.0%% cpuburn3\r\n# E2E-REPORT-END unified\r\n'
} >"$tmp/console.log"

out=$("$section" steal "$tmp/console.log")
rc=$?
tap_check "$rc" "a section followed by 4 MiB of console: exit 0 (was 141)"
[ "$out" = "vcpu0 [steal] (outside: hostburn) 47.60%" ]
tap_check $? "... printing the section's one line, without CR or '# '"

out=$("$section" unified "$tmp/console.log")
tap_check $? "the section at the end of the log: exit 0"
[ "$out" = "  42.0% cpuburn3" ]
tap_check $? "... keeping the line's own indentation"

"$section" exits "$tmp/console.log" >/dev/null
tap_check "$([ $? = 1 ] && echo 0)" "a section that is not there: exit 1"

"$section" steal 2>/dev/null
tap_check "$([ $? = 2 ] && echo 0)" "a missing argument: exit 2"

tap_done
