# shellcheck shell=bash
# A pristine Debian 12 root to run the project's own steps in, as a
# newcomer's machine would: "debootstrap --variant=minbase bookworm",
# nothing else.  Sourced by check-deps.sh and check-fresh.sh after lib.sh.
#
# The debootstrap result is kept as a tarball in $BUILD_DIR/pristine,
# keyed by what was asked of debootstrap, and unpacked fresh for every
# run.  Downloaded .deb files are kept across runs (the root's apt
# archive is a bind mount of $BUILD_DIR/pristine/apt-archives): a warm
# run installs the same packages without fetching them again, and apt
# still resolves, unpacks and configures each of them.

PRISTINE_SUITE=bookworm
PRISTINE_MIRROR=${PRISTINE_MIRROR:-http://deb.debian.org/debian}
PRISTINE_DIR=$BUILD_DIR/pristine

pristine_tarball() {
	local key tar tmp
	key=$(printf '%s\n' "$PRISTINE_SUITE" minbase "$PRISTINE_MIRROR" |
		sha256sum | cut -c1-12)
	tar=$PRISTINE_DIR/$PRISTINE_SUITE-minbase-$key.tar
	if [ ! -f "$tar" ]; then
		command -v debootstrap >/dev/null ||
			die "debootstrap is not installed: run make deps"
		tmp=$PRISTINE_DIR/debootstrap.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp"
		log "debootstrap --variant=minbase $PRISTINE_SUITE (once; kept in $tar)"
		debootstrap --variant=minbase "$PRISTINE_SUITE" "$tmp" \
			"$PRISTINE_MIRROR" >"$PRISTINE_DIR/debootstrap.log" 2>&1 ||
			die "debootstrap failed: $PRISTINE_DIR/debootstrap.log"
		tar -C "$tmp" -cf "$tar.tmp" .
		mv "$tar.tmp" "$tar"
		rm -rf "$tmp"
	fi
	echo "$tar"
}

# pristine_unpack DIR: a fresh root in DIR, with /proc, /sys, /dev and
# the apt archive mounted.  pristine_remove DIR undoes it.
pristine_unpack() {
	local root=$1 tar
	tar=$(pristine_tarball)
	pristine_remove "$root"
	mkdir -p "$root" "$PRISTINE_DIR/apt-archives/partial"
	tar -C "$root" -xf "$tar"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# The host's network as the root meets it: the certificate authorities
	# the host added locally (an HTTPS proxy's, where there is one) join
	# the root's store when apt installs ca-certificates, so that npm
	# reaches its registry from the root as it does from the host.
	if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
		mkdir -p "$root/usr/local/share/ca-certificates"
		cp /usr/local/share/ca-certificates/*.crt \
			"$root/usr/local/share/ca-certificates/"
	fi
	# A throwaway root: dpkg need not fsync every file it unpacks (as
	# container images configure it), which halves the install step.
	echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/kvmprof-unsafe-io"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --make-rslave "$root/sys"
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	mount --bind "$PRISTINE_DIR/apt-archives" "$root/var/cache/apt/archives"
}

pristine_remove() {
	local root=$1 m
	[ -d "$root" ] || return 0
	# Innermost first; a nested root (make check run inside this one)
	# has mounts of its own below ours.
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v r="$root/" 'index($2 "/", r) == 1 { print $2 }' /proc/mounts |
		sort -r)
	rm -rf --one-file-system "$root"
}

# pristine_run DIR COMMAND: run COMMAND (a bash string) as root in DIR
# with the environment a fresh login has, plus CI when it is set.
pristine_run() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
		LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${CI:+CI=$CI} /bin/bash -c "$*"
}
