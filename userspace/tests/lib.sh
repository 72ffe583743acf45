# SPDX-License-Identifier: GPL-2.0
# Sourced by the shell tests (cli.sh, perfetto.sh, pprof-format.sh, html.sh,
# top.sh, progress.sh; scripts/check-e2e-html.sh): TAP, the npm packages
# and Chromium that read the exports.
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

# chromium_ready: CHROMIUM set to Debian's chromium, or the test skipped
# saying why.
chromium_ready() {
	CHROMIUM=$(command -v chromium || command -v chromium-browser)
	if [ -z "$CHROMIUM" ]; then
		echo "1..0 # SKIP chromium is not installed (scripts/install-deps.sh installs it)"
		echo "0 passed, 0 failed"
		exit 0
	fi
}

# chrome FILE[#FRAGMENT] ARGS...: headless Chromium on a local file, with
# time for the page's script (virtual time: no wall-clock wait); its
# messages go to $TMP/chrome.err.  --no-sandbox: the tests run as root,
# where Chromium's sandbox refuses to start.
chrome() {
	url=file://$1
	shift
	HOME=$TMP "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --virtual-time-budget=10000 "$@" "$url" \
		2>>"$TMP/chrome.err"
}

# attr TAG_LINES NAME: the values of attribute NAME, one a line
attr() {
	sed -n "s/.* $2=\"\\([^\"]*\\)\".*/\\1/p" "$1"
}

# vcpu_shares DOM VCPU: "KEY<TAB>PCT" of the page's breakdown table of VCPU
vcpu_shares() {
	sed 's/<table /\n<table /g' "$1" |
		grep "^<table class=\"shares\" data-vcpu=\"$2\">" |
		grep -o '<tr data-key="[^"]*" data-pct="[^"]*"' |
		awk -F'"' '{ printf "%s\t%s\n", $2, $4 }'
}
