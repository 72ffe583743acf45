# SPDX-License-Identifier: GPL-2.0
# Sourced by the shell tests (cli.sh, perfetto.sh, pprof-format.sh, top.sh,
# progress.sh): TAP, and the npm packages that read the exports.
#   ok RC DESCRIPTION     one check: "ok N - ..." when RC is 0
#   done_tests            the plan and "N passed, N failed"; exits 0 only
#                         if none failed
#   consumers_ready WHAT  node present, the pinned packages installed into
#                         $CONSUMERS (check 1, saying WHAT it installed);
#                         stops the test when that fails
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

done_tests() {
	echo "1..$n"
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

consumers_ready() {
	if ! command -v node >/dev/null; then
		echo "1..0 # SKIP node is not installed (scripts/install-deps.sh installs nodejs and npm)"
		echo "0 passed, 0 failed"
		exit 0
	fi
	sh "$HERE/consumers/install.sh" "$CONSUMERS" 2>"$TMP/err"
	ok $? "npm ci installs the pinned $1 into the build directory $(cat "$TMP/err")"
	[ "$failed" -eq 0 ] || done_tests
}
