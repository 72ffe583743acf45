#!/usr/bin/env bash
# Configure $KOBJ: tinyconfig, then kernel-config/testbed.config (and
# kernel-config/$KCONFIG.config for another KCONFIG) merged with
# merge_config.sh, then olddefconfig.  Fails if a requested symbol did
# not survive olddefconfig (a later fragment overrides an earlier one).
. "$(dirname "$0")/lib.sh"

fragments=("$TOP/kernel-config/testbed.config")
if [ "$KCONFIG" != testbed ]; then
	[ -f "$TOP/kernel-config/$KCONFIG.config" ] ||
		die "no kernel-config/$KCONFIG.config (KCONFIG=testbed or debug)"
	fragments+=("$TOP/kernel-config/$KCONFIG.config")
fi

want=$(cat "${fragments[@]}" | sha256sum | cut -d' ' -f1)
if [ -f "$KOBJ/.config" ] && [ "$(cat "$KOBJ/.config.fragments" 2>/dev/null)" = "$want" ]; then
	exit 0
fi

mkdir -p "$KOBJ"
kmake -s tinyconfig >/dev/null
(cd "$KSRC" && KCONFIG_CONFIG="$KOBJ/.config" \
	scripts/kconfig/merge_config.sh -m -O "$KOBJ" "$KOBJ/.config" "${fragments[@]}" >/dev/null)
kmake -s olddefconfig >/dev/null

bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n)
		sym=${line%%=*}
		if grep -q "^$sym=" "$KOBJ/.config"; then
			echo "config: $sym should be off" >&2; bad=1
		fi ;;
	CONFIG_*=*)
		if ! grep -qxF "$line" "$KOBJ/.config"; then
			echo "config: $line did not survive olddefconfig" >&2; bad=1
		fi ;;
	esac
done < <(cat "${fragments[@]}" | grep '^CONFIG_' |
	awk -F= '{ last[$1] = $0; order[$1] = NR } END { for (s in last) print order[s], last[s] }' |
	sort -n | cut -d' ' -f2-)
[ "$bad" = 0 ] || die "kernel config fragments do not apply cleanly"
echo "$want" >"$KOBJ/.config.fragments"
