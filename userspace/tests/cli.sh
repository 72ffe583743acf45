#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CLI contract of vmprofctl (style.md): --help to stdout and exit 0, usage
# errors exit 2, runtime failures exit 1 with one actionable line.
# Usage: cli.sh path/to/vmprofctl   (vmprof-synth must sit beside it)

VMPROFCTL=${1:?usage: cli.sh path/to/vmprofctl}
SYNTH=$(dirname "$VMPROFCTL")/vmprof-synth
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

# expect CODE PATTERN DESCRIPTION -- command...; PATTERN is grepped in stdout+stderr
expect() {
	code=$1 pattern=$2 desc=$3
	shift 4
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	r=0
	[ "$rc" -eq "$code" ] || r=1
	if [ -n "$pattern" ] && ! cat "$TMP/out" "$TMP/err" | grep -q -- "$pattern"; then
		r=1
	fi
	ok $r "$desc (exit $code)"
	if [ $r -ne 0 ]; then
		echo "#   exit $rc; stderr: $(head -c 300 "$TMP/err")"
	fi
}

expect 0 EXAMPLES "vmprofctl --help" -- "$VMPROFCTL" --help
for cmd in list record start stop status report top; do
	expect 0 EXAMPLES "$cmd --help" -- "$VMPROFCTL" $cmd --help
	"$VMPROFCTL" $cmd --help 2>/dev/null | grep -q "Usage: vmprofctl $cmd"
	ok $? "$cmd --help goes to stdout"
done
expect 2 "unknown command" "unknown command" -- "$VMPROFCTL" frobnicate
expect 2 "" "no command" -- "$VMPROFCTL"
expect 2 "see 'vmprofctl report --help'" "report: unknown option" -- "$VMPROFCTL" report --bogus
expect 2 "bad value 'nope' for --view;" "report: bad view names the option" -- \
	"$VMPROFCTL" report --view nope
expect 2 "bad value 'x' for -f;" "report: bad -f names the option" -- \
	"$VMPROFCTL" report -f x
expect 2 "option '-i' needs an argument" "report: missing argument named as such" -- \
	"$VMPROFCTL" report -i
expect 2 "unknown option '--bogus'" "report: unknown option named as such" -- \
	"$VMPROFCTL" report --bogus
expect 2 "folded works with" "report: folded needs unified or host" -- \
	"$VMPROFCTL" report --view steal --format folded
expect 2 "--format html is the whole page" "report: html takes no --view" -- \
	"$VMPROFCTL" report --view steal --format html
expect 2 "--format html is the whole page" "report: html takes no --top" -- \
	"$VMPROFCTL" report --top 5 -f html
expect 2 "before --time-to" "report: empty time range" -- \
	"$VMPROFCTL" report --time-from 5 --time-to 2
expect 1 "cannot open $TMP/missing.data" "report: missing input file" -- \
	"$VMPROFCTL" report -i "$TMP/missing.data"
expect 2 "--vm or -p is required" "record: --vm missing" -- "$VMPROFCTL" record -d 1
expect 1 "no such VM" "record -p 999999: as --vm pid:999999" -- \
	"$VMPROFCTL" record -p 999999 --duration 1 -o "$TMP/x.data"
expect 2 "bad value 'x' for -p;" "record -p x: usage error" -- "$VMPROFCTL" record -p x
expect 2 "bad value '3' for --buffer-pages;" "record: buffer pages not a power of two" -- \
	"$VMPROFCTL" record --vm pid:1 --buffer-pages 3
expect 2 "bad value 'foo' for --event;" "record: bad event" -- "$VMPROFCTL" record --vm pid:1 --event foo
expect 2 "bad value '0' for -F;" "record: bad -F names the option" -- "$VMPROFCTL" record --vm x -F 0
expect 2 "bad value '0' for --freq;" "record: bad --freq=0 names the option" -- \
	"$VMPROFCTL" record --vm x --freq=0
expect 1 "no such VM" "record: --vm pid:999999" -- \
	"$VMPROFCTL" record --vm pid:999999 --duration 1 -o "$TMP/x.data"
expect 1 "no such VM" "record: --vm pid of a process without a VM" -- \
	"$VMPROFCTL" record --vm pid:$$ --duration 1 -o "$TMP/x.data"
expect 1 "no such VM" "record: unknown VM name" -- \
	"$VMPROFCTL" record --vm no-such-guest-xyz --duration 1 -o "$TMP/x.data"
expect 1 "no such VM" "start: unknown VM" -- "$VMPROFCTL" start --vm pid:999999
expect 0 "no collectors running" "status with no collectors" -- \
	env XDG_RUNTIME_DIR="$TMP" "$VMPROFCTL" status
XDG_RUNTIME_DIR="$TMP" "$VMPROFCTL" status -j | jq -e 'length == 0' >/dev/null
ok $? "status -j with no collectors: an empty JSON array"
expect 2 "unknown option '--json'" "stop --json: usage error" -- "$VMPROFCTL" stop --json
expect 1 "no collector is running" "stop: no collector for that VM" -- \
	env XDG_RUNTIME_DIR="$TMP" "$VMPROFCTL" stop --vm pid:999999
expect 0 "PID" "list" -- "$VMPROFCTL" list
expect 2 "unknown option" "list: unknown option" -- "$VMPROFCTL" list --bogus

"$SYNTH" -o "$TMP/s.data" -n 20000 -v 4 >/dev/null 2>&1
ok $? "generate a synthetic data file"
expect 0 "OS:USER:steal:halt:host" "report unified" -- "$VMPROFCTL" report -i "$TMP/s.data"
expect 0 "(on vcpu1)" "report steal" -- "$VMPROFCTL" report -i "$TMP/s.data" --view steal
expect 0 "IO_INSTRUCTION" "report exits" -- "$VMPROFCTL" report -i "$TMP/s.data" --view exits
expect 0 "\[benchvm\]" "report host" -- "$VMPROFCTL" report -i "$TMP/s.data" --view host
expect 0 "legend" "report timeline" -- "$VMPROFCTL" report -i "$TMP/s.data" --view timeline --width 40
expect 0 '^{"view":"unified"' "report json" -- "$VMPROFCTL" report -i "$TMP/s.data" -j
# The global -j before a command is that command's own -j (F13).
"$VMPROFCTL" -j report -i "$TMP/s.data" >"$TMP/gj" 2>&1 &&
	"$VMPROFCTL" report -i "$TMP/s.data" -j >"$TMP/lj" 2>&1 &&
	cmp -s "$TMP/gj" "$TMP/lj" && jq -e '.view == "unified"' "$TMP/gj" >/dev/null
ok $? "vmprofctl -j report: the same JSON as report -j"
XDG_RUNTIME_DIR="$TMP" "$VMPROFCTL" --json status | jq -e 'length == 0' >/dev/null
ok $? "vmprofctl --json status: a JSON array"
expect 2 "'top' has no JSON output" "vmprofctl -j top: usage error" -- "$VMPROFCTL" -j top
expect 2 "needs a command" "vmprofctl -j alone: usage error" -- "$VMPROFCTL" -j
expect 2 "unknown command 'nope'" "vmprofctl -j nope: usage error" -- "$VMPROFCTL" -j nope
expect 0 "^table,samples,ratio,function,module" "report csv" -- \
	"$VMPROFCTL" report -i "$TMP/s.data" --format csv
expect 0 "^benchvm;vcpu0;\[kvm_intel\];vmx_handle_exit [0-9]" "report folded" -- \
	"$VMPROFCTL" report -i "$TMP/s.data" --format folded
rows=$("$VMPROFCTL" report -i "$TMP/s.data" --top 3 | grep -cE '^ +[0-9]+ \| ')
[ "$rows" -eq 12 ]
ok $? "report --top 3 keeps 3 rows in each of 4 vCPU tables ($rows)"
expect 2 "bad value '0' for --top;" "report --top 0 is a usage error" -- "$VMPROFCTL" report --top 0
expect 0 "vcpu2" "report --vcpu 2" -- "$VMPROFCTL" report -i "$TMP/s.data" --vcpu 2
expect 0 "OS:USER:steal:halt:host" "report --stdio (perf habit) is accepted" -- \
	"$VMPROFCTL" report -i "$TMP/s.data" --stdio
"$VMPROFCTL" report -i "$TMP/s.data" --vcpu 2 | grep -q "^vcpu1 "
ok $((1 - $?)) "report --vcpu 2 hides vcpu1"
expect 0 "warning: the filters matched none of the" "report: a filter that matches nothing says so" -- \
	"$VMPROFCTL" report -i "$TMP/s.data" --vcpu 9
size=$(wc -c <"$TMP/s.data")
head -c $((size - 5000)) "$TMP/s.data" >"$TMP/t.data"
expect 0 "warning: .*truncated" "report on a truncated file warns and reports" -- \
	"$VMPROFCTL" report -i "$TMP/t.data"
head -c 4096 /dev/urandom >"$TMP/g.data"
expect 1 "not a vmprofctl data file" "report on garbage" -- "$VMPROFCTL" report -i "$TMP/g.data"
# F4: a data file from a pipe (-i -, /dev/stdin): every view, the same
# report as from the file; the timeline reads its input twice.
for view in unified timeline; do
	"$VMPROFCTL" report -i "$TMP/s.data" --view $view | sed 1d >"$TMP/file.txt"
	cat "$TMP/s.data" | "$VMPROFCTL" report -i - --view $view >"$TMP/pipe.txt" 2>"$TMP/err"
	r=$?
	sed 1d "$TMP/pipe.txt" | cmp -s - "$TMP/file.txt" && [ $r -eq 0 ] && [ ! -s "$TMP/err" ]
	ok $? "report -i - --view $view from a pipe: the file's report (exit $r)"
done
cat "$TMP/s.data" | "$VMPROFCTL" report -i /dev/stdin | sed 1d >"$TMP/pipe.txt"
"$VMPROFCTL" report -i "$TMP/s.data" | sed 1d | cmp -s - "$TMP/pipe.txt"
ok $? "report -i /dev/stdin from a pipe"
echo garbage | "$VMPROFCTL" report -i - >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "too short" "$TMP/err"
ok $? "report -i - with a short pipe: exit 1 and says why"
expect 1 "Is a directory" "report: a directory as input" -- "$VMPROFCTL" report -i "$TMP"
# F13: output that cannot be written is a failure (exit 1), as in report.
for args in "list" "--help" "report --help" "--version" "status"; do
	XDG_RUNTIME_DIR="$TMP" "$VMPROFCTL" $args >/dev/full 2>"$TMP/err"
	r=$?
	[ $r -eq 1 ] && grep -q "cannot write" "$TMP/err"
	ok $? "$args >/dev/full exits 1 and says so (exit $r)"
done
# F7: a CSV export is one rectangular table that sqlite3 imports as is:
# every view by default, and every table of each view with --table.
csv_imports() {	# FILE DESC: sqlite3 takes every line but the header as a row
	rows=$(($(wc -l <"$1") - 1))
	got=$(sqlite3 :memory: ".import --csv $1 t" "select count(*) from t" 2>"$TMP/sqlerr")
	[ -n "$got" ] && [ "$got" -eq "$rows" ] && [ "$rows" -gt 0 ] && [ ! -s "$TMP/sqlerr" ]
	ok $? "$2: sqlite3 imports $rows rows (got ${got:-none}) $(head -c 100 "$TMP/sqlerr")"
}
"$SYNTH" -o "$TMP/l.data" -n 20000 -v 4 -L 5 >/dev/null 2>&1
ok $? "generate a synthetic data file with lost records"
"$VMPROFCTL" report -i "$TMP/l.data" --view timeline >/dev/null 2>"$TMP/err"
nw=$(grep -c "records (buffer full)" "$TMP/err")
[ "$nw" -eq 1 ]
ok $? "report --view timeline: each warning once, not once per pass ($nw)"
if ! command -v sqlite3 >/dev/null; then
	ok 1 "sqlite3 is installed (scripts/install-deps.sh)"
else
	for view in unified host steal exits timeline breakdown; do
		"$VMPROFCTL" report -i "$TMP/l.data" --view $view -f csv >"$TMP/$view.csv" 2>/dev/null
		csv_imports "$TMP/$view.csv" "csv --view $view, records lost"
	done
	for vt in unified:functions unified:lost host:functions steal:steal \
		  exits:exit_reasons exits:exit_handlers timeline:timeline timeline:legend \
		  breakdown:breakdown; do
		"$VMPROFCTL" report -i "$TMP/l.data" --view ${vt%:*} -f csv --table ${vt#*:} \
			>"$TMP/t.csv" 2>/dev/null
		csv_imports "$TMP/t.csv" "csv --view ${vt%:*} --table ${vt#*:}"
	done
fi
expect 2 "bad value 'nope' for --table" "report: unknown --table" -- "$VMPROFCTL" report --table nope
# F8: --format pprof is read by go tool pprof (Debian golang-go; it needs
# no network); its totals are the report's, also with --top.
csv_total() {	# the samples column of the unified CSV, summed
	"$VMPROFCTL" report -i "$TMP/s.data" -f csv "$@" 2>/dev/null |
		awk -F, 'NR > 1 { n += $2 } END { print n + 0 }'
}
pprof_top() {
	HOME="$TMP/gohome" GOFLAGS=-mod=mod GOPROXY=off GOPATH="$TMP/gohome/go" \
		go tool pprof -top "$@" 2>&1
}
expect 2 "pprof works with" "report: pprof needs unified or host" -- \
	"$VMPROFCTL" report --view steal --format pprof
if ! command -v go >/dev/null; then
	ok 1 "go is installed for go tool pprof (scripts/install-deps.sh)"
else
	mkdir -p "$TMP/gohome"
	want=$(csv_total)
	for top in "" "--top 3"; do
		"$VMPROFCTL" report -i "$TMP/s.data" -f pprof $top >"$TMP/p.pb.gz"
		pprof_top "$TMP/p.pb.gz" >"$TMP/pprof.txt"
		grep -q "of $want total" "$TMP/pprof.txt"
		ok $? "pprof ${top:-(all rows)}: go tool pprof -top reads it, $want samples as in the CSV"
	done
	vmx=$(grep -E 'vmx_handle_exit$' "$TMP/pprof.txt" | awk '{ print $1 }')
	"$VMPROFCTL" report -i "$TMP/s.data" -f csv 2>/dev/null |
		awk -F, -v want="$vmx" '$4 == "vmx_handle_exit" { n += $2 } END { exit n != want }'
	ok $? "pprof: vmx_handle_exit has the CSV's $vmx samples"
	pprof_top -sample_index=time -unit=ms "$TMP/p.pb.gz" | grep -q "Type: time"
	ok $? "pprof: the time/nanoseconds sample type"
	HOME="$TMP/gohome" go tool pprof -tags "$TMP/p.pb.gz" 2>&1 | grep -q "vcpu: Total $want\.0"
	ok $? "pprof: every sample has its vcpu label, vcpu0's too"
	# guest user code the agent named (vmprof-synth -g: app0..app7, two
	# processes a binary srv0..srv3) carries its process as labels
	"$SYNTH" -o "$TMP/g.data" -n 20000 -v 4 -g >/dev/null 2>&1
	"$VMPROFCTL" report -i "$TMP/g.data" -f pprof >"$TMP/g.pb.gz"
	user=$("$VMPROFCTL" report -i "$TMP/g.data" -f csv 2>/dev/null |
		awk -F, '$5 ~ /^srv[0-3]$/ { n += $2 } END { print n + 0 }')
	HOME="$TMP/gohome" go tool pprof -tags "$TMP/g.pb.gz" >"$TMP/tags.txt" 2>&1
	grep -q "guest_process: Total $user\.0" "$TMP/tags.txt" &&
		grep -q "guest_pid: Total $user\.0" "$TMP/tags.txt" &&
		[ "$(grep -cE ': app[0-7]$' "$TMP/tags.txt")" -eq 8 ] &&
		[ "$(grep -cE ': 100[0-7]$' "$TMP/tags.txt")" -eq 8 ]
	ok $? "pprof: go tool pprof -tags, guest_process and guest_pid of the $user guest user samples, 8 processes"
	"$VMPROFCTL" report -i "$TMP/s.data" --view host -f pprof >"$TMP/h.pb.gz"
	pprof_top "$TMP/h.pb.gz" | grep -q "\[benchvm\]"
	ok $? "pprof --view host: the VM is one function"
fi
# F6: a guest's kallsyms copy with a terminal escape, BEL and a byte that
# is not UTF-8: every format is valid UTF-8 with no control character, and
# jq reads the JSON.
printf 'ffffffff81000000 T evil\033]0;pwned\007name\377\n' >"$TMP/gk.txt"
for fmt in text json csv folded; do
	"$VMPROFCTL" report -i "$TMP/s.data" --guest-kallsyms "$TMP/gk.txt" \
		--vcpu 0 -f $fmt >"$TMP/evil.out" 2>/dev/null
	grep -q 'evil' "$TMP/evil.out" &&
		iconv -f UTF-8 -t UTF-8 "$TMP/evil.out" >/dev/null 2>&1 &&
		! tr -d '\n' <"$TMP/evil.out" | grep -q "$(printf '[\001-\037\177]')"
	ok $? "hostile guest symbol, $fmt: valid UTF-8, no control characters"
done
"$VMPROFCTL" report -i "$TMP/s.data" --guest-kallsyms "$TMP/gk.txt" -j |
	jq -e '[.tables[].rows[].function | select(startswith("evil"))] | length > 0' >/dev/null
ok $? "hostile guest symbol: jq reads the JSON and finds it"

# Every numeric default in --help is the man page's (F14: buffer-pages
# said 64 in the manual and 128 in --help and the code).
MAN=$(dirname "$0")/../vmprofctl.8
man_default() {
	# the paragraph after the option's .TP line, up to the next one
	sed 's/\\-/-/g' "$MAN" | awk -v opt="$1" '
		/^\.(TP|SH)/ { inpar = 0 }
		index($0, opt " ") || $0 ~ opt "\"?$" { inpar = 1 }
		inpar' | grep -oE 'default [0-9]+' | head -1 | cut -d' ' -f2
}
for cmd in record report top; do
	"$VMPROFCTL" $cmd --help | grep -oE -- '--[a-z-]+ .*\(default [0-9]+' |
		sed -E 's/^(--[a-z-]+) .*\(default ([0-9]+)$/\1 \2/' >"$TMP/defaults"
	while read -r opt def; do
		mdef=$(man_default "$opt")
		[ "$mdef" = "$def" ]
		ok $? "$cmd $opt: default $def in --help and the man page (man: ${mdef:-none})"
	done <"$TMP/defaults"
done

# The man page documents every table's row keys (EXPORT FORMATS).
for view in unified host steal exits timeline breakdown; do
	"$VMPROFCTL" report -i "$TMP/l.data" --view $view -j 2>/dev/null |
		jq -r '.tables[] | .name + " " + (.rows[0] // {} | keys_unsorted | join(","))'
done | sort -u >"$TMP/tables"
sed 's/\\-/-/g' "$MAN" | awk '/^\.SH EXPORT FORMATS/ { on = 1; next } /^\.SH/ { on = 0 } on' \
	>"$TMP/man-export"
while read -r name cols; do
	r=0
	grep -q "^\.B $name\$" "$TMP/man-export" || r=1
	for k in $(echo "$cols" | tr , ' '); do
		grep -qw -- "$k" "$TMP/man-export" || r=1
	done
	ok $r "man page EXPORT FORMATS documents table $name ($cols)"
done <"$TMP/tables"

# The views come from one table (views.c): --help lists them, and the man
# page has a paragraph for each under REPORT VIEWS and lists them under
# --view, in the same order.
"$VMPROFCTL" report --help | sed -n 's/^  -v, --view VIEW *//p' |
	sed 's/ (default)//; s/,//g' >"$TMP/views-help"
[ -s "$TMP/views-help" ]
ok $? "report --help lists the views"
awk '/^\.SH REPORT VIEWS/ { on = 1; next } /^\.SH/ { on = 0 }
	on && prev == ".TP" && /^\.B / { printf "%s%s", sep, $2; sep = " " }
	{ prev = $0 } END { print "" }' "$MAN" >"$TMP/views-man"
cmp -s "$TMP/views-help" "$TMP/views-man"
ok $? "man page REPORT VIEWS: one paragraph per view of --help ($(cat "$TMP/views-man"))"
sed 's/\\-/-/g' "$MAN" | awk 'on { print; exit } /^\.BI -v ", " --view " VIEW"/ { on = 1 }' |
	sed 's/^\.BR //; s/"[^"]*"//g; s/ \.$//; s/  */ /g' >"$TMP/views-opt"
cmp -s "$TMP/views-help" "$TMP/views-opt"
ok $? "man page --view lists the views of --help ($(cat "$TMP/views-opt"))"

done_tests
