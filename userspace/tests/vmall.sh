#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# record --vm all, read back through the command line: test_vmall
# --record makes the directory of three fake VMs (alpha loses 60 ms to
# beta's vCPU, beta 30 ms to alpha's and 10 ms to a host task; beta exits
# mid-way, gamma starts late), then report -i DIR: its vms view in JSON
# (jq) and CSV (sqlite3), the text grid, --sort and --table, each file
# still an ordinary single-VM recording, and the usage errors of what
# cannot apply to a directory or to --vm all.
# Usage: vmall.sh path/to/vmprofctl   (test_vmall must sit beside it)

VMPROFCTL=${1:?usage: vmall.sh path/to/vmprofctl}
REC=$(dirname "$VMPROFCTL")/test_vmall
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "$0")/lib.sh"

if ! command -v jq >/dev/null || ! command -v sqlite3 >/dev/null; then
	ok 1 "jq and sqlite3 are installed (scripts/install-deps.sh)"
	done_tests
fi

D=$TMP/host.vms
"$REC" --record "$D" 2>"$TMP/err"
ok $? "record three fake VMs with --vm all $(head -c 200 "$TMP/err")"
[ -f "$D/alpha.data" ] && [ -f "$D/beta.data" ] && [ -f "$D/gamma.data" ] &&
	[ -f "$D/index" ]
ok $? "the directory holds a file per VM and the index"
[ "$(head -1 "$D/index")" = "vmprofctl-vms 1" ] &&
	[ "$(awk -F'\t' '!/^#/ && NR > 1 { print $1 ":" $4 ":" $5 }' "$D/index" | tr '\n' ' ')" = \
	  "alpha.data:stopped:alpha beta.data:exited:beta gamma.data:stopped:gamma " ]
ok $? "the index: file, state and name of each ($(tr '\t\n' ', ' <"$D/index"))"

"$VMPROFCTL" report -i "$D" -j >"$TMP/r.json" 2>"$TMP/err"
ok $? "report -i DIR -j $(head -c 200 "$TMP/err")"
[ "$(jq -r .view "$TMP/r.json")" = vms ] && [ "$(jq .header.vms "$TMP/r.json")" = 3 ]
ok $? "a directory is reported by the vms view, of its 3 VMs"
got=$(jq -r '.tables[] | select(.name == "vms") | .rows[] | select(.kind == "vm") | "\(.name)=\(.samples)"' "$TMP/r.json" | tr '\n' ' ')
[ "$got" = "alpha=100 beta=50 gamma=20 " ]
ok $? "vms rows: each VM as one row of its guest samples ($got)"
got=$(jq -r '.tables[] | select(.name == "vms") | .rows[] | select(.kind == "host") | .samples' "$TMP/r.json")
[ "$got" = 15 ]
ok $? "vms rows: the host function of both VMs' exits, merged ($got)"
cells=$(jq -r '.tables[] | select(.name == "steal_matrix") | .rows[] | "\(.victim)>\(.culprit):\(.class):\(.time_ms):\(.recorded)"' "$TMP/r.json" | tr '\n' ' ')
[ "$cells" = "alpha>beta:vm:60:yes beta>alpha:vm:30:yes beta>task:task:10:no " ]
ok $? "steal matrix cells: alpha lost 60 ms to beta, beta 30 ms to alpha and 10 ms to a host task ($cells)"
pct=$(jq -r '.tables[] | select(.name == "steal_matrix") | .rows[] | select(.victim == "alpha") | .wall_pct' "$TMP/r.json")
awk -v p="$pct" 'BEGIN { exit !(p > 0 && p < 100) }'
ok $? "steal matrix: %Wall of the victim's wall ($pct)"

"$VMPROFCTL" report -i "$D" -f csv >"$TMP/v.csv" 2>/dev/null
n=$(sqlite3 :memory: ".import --csv $TMP/v.csv t" "select count(*) from t where kind = 'vm'" 2>&1)
[ "$n" = 3 ]
ok $? "csv: the vms table by default, sqlite3 reads its 3 VM rows ($n)"
"$VMPROFCTL" report -i "$D" -f csv --table steal_matrix >"$TMP/m.csv" 2>/dev/null
got=$(sqlite3 :memory: ".import --csv $TMP/m.csv t" "select culprit, time_ms from t where victim = 'alpha'" 2>&1)
[ "$got" = "beta|60.000" ]
ok $? "csv --table steal_matrix: sqlite3 finds alpha's culprit ($got)"

"$VMPROFCTL" report -i "$D" >"$TMP/r.txt" 2>&1
grep -q "^victim .* alpha .* beta .* gamma .* task" "$TMP/r.txt" &&
	grep -q "^alpha  *- .*[0-9]" "$TMP/r.txt"
ok $? "text: the matrix as a grid, a VM per row and column"
grep -q "alpha (pid [0-9]*, stopped) beta (pid [0-9]*, exited)" "$TMP/r.txt"
ok $? "text: the header names each VM and its state"

got=$("$VMPROFCTL" report -i "$D" -j --table steal_matrix --sort +time_ms |
	jq -r '.tables[0].rows[].time_ms' | tr '\n' ' ')
[ "$got" = "10 30 60 " ]
ok $? "--sort +time_ms orders the matrix rows ($got)"
got=$("$VMPROFCTL" report -i "$D" -j --table vms --sort name |
	jq -r '.tables[0].rows[] | select(.kind == "vm") | .name' | tr '\n' ' ')
[ "$got" = "alpha beta gamma " ]
ok $? "--sort name orders the vms rows ($got)"
"$VMPROFCTL" report -i "$D" --sort nosuch >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "victim" "$TMP/err"
ok $? "--sort with a key the vms view lacks: exit 2, its keys listed"

# each file is still one VM's recording: the unified view, as before
"$VMPROFCTL" report -i "$D/alpha.data" -j >"$TMP/a.json" 2>/dev/null
[ "$(jq -r .view "$TMP/a.json")" = unified ] &&
	[ "$(jq -r .header.vm "$TMP/a.json")" = alpha ] &&
	[ "$(jq .header.samples "$TMP/a.json")" = 110 ]
ok $? "report -i DIR/alpha.data: one VM's unified report, as a single recording's"
"$VMPROFCTL" report -i "$D/beta.data" --view steal -j 2>/dev/null |
	jq -e '[.tables[].rows[] | select(.class == "vm" and (.identity | test("^pid:[0-9]+ vcpu0$")))] | length == 1' >/dev/null
ok $? "beta.data's steal view names alpha's vCPU as the recorder did (pid:N vcpu0)"
"$VMPROFCTL" report -i "$D/alpha.data" --view vms -j 2>/dev/null |
	jq -e '[.tables[] | select(.name == "steal_matrix") | .rows[] | select(.victim == "alpha" and .culprit == "pid:'"$(awk -F'\t' '$1 == "beta.data" { print $2 }' "$D/index")"'")] | length == 1' >/dev/null
ok $? "--view vms on one file: its row of the matrix (beta unrecorded there: pid:N)"

for args in "--view steal" "--view host" "-f folded" "-f perfetto" "--vcpu 0" "--comm x"; do
	# shellcheck disable=SC2086
	"$VMPROFCTL" report -i "$D" $args >/dev/null 2>"$TMP/err"
	r=$?
	[ $r -eq 2 ] && grep -q "NAME.data\|works with --view" "$TMP/err"
	ok $? "report -i DIR $args: exit 2 naming one file ($r: $(head -c 160 "$TMP/err"))"
done
"$VMPROFCTL" record --vm all --agent-port 6000 >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "agent-port" "$TMP/err"
ok $? "record --vm all --agent-port: exit 2, says why"
"$VMPROFCTL" start --vm all --agent-port 6000 >/dev/null 2>"$TMP/err"
[ $? -eq 2 ]
ok $? "start --vm all --agent-port: exit 2"
"$VMPROFCTL" top --vm all --batch >/dev/null 2>"$TMP/err"
[ $? -eq 2 ]
ok $? "top --vm all: exit 2"
"$REC" --record "$D" 2>/dev/null && [ -f "$D.old/index" ] && [ -f "$D.old/beta.data" ] &&
	[ -f "$D/index" ] && [ -f "$D/beta.data" ]
ok $? "a second recording into the same -o keeps the first as DIR.old"
mkdir "$TMP/e" && cp "$D/alpha.data" "$TMP/e/"
"$VMPROFCTL" report -i "$TMP/e" >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "Is a directory without an index.*-i $TMP/e/NAME.data" "$TMP/err"
ok $? "report -i a directory without an index: exit 1, names one file's way"
printf 'vmprofctl-vms 1\n' >"$TMP/e/index"
"$VMPROFCTL" report -i "$TMP/e" >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "names no VM" "$TMP/err"
ok $? "report -i a directory whose index names no file: exit 1"
done_tests
