#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the npm packages that read vmprofctl's exports in the tests
# (package.json, versions pinned exactly by package-lock.json) into DIR,
# never into the checkout, and copy the reader scripts beside them: Node
# resolves an ES module's imports from the module's own directory.
# npm ci runs again only when the lock file changed; --offline first, so
# a machine with the packages in its npm cache needs no registry.
# Usage: install.sh DIR   (the tests pass $(OUTPUT)/consumers)
# Exits 0 with DIR ready; 1 with one line on stderr saying what failed.
set -u
dir=${1:?usage: install.sh DIR}
src=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "node and npm are needed (scripts/install-deps.sh installs them)" >&2
	exit 1
fi
mkdir -p "$dir" || exit 1
cp "$src"/*.mjs "$dir"/ || exit 1
if [ -d "$dir/node_modules" ] && cmp -s "$src/package-lock.json" "$dir/package-lock.json"; then
	exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dir"/ || exit 1
cd "$dir" || exit 1
if ! npm ci --offline --no-audit --no-fund >npm.log 2>&1 &&
   ! npm ci --no-audit --no-fund >npm.log 2>&1; then
	echo "npm ci failed in $dir (see $dir/npm.log): $(tail -n 3 npm.log | tr '\n' ' ')" >&2
	rm -f package-lock.json	# try again next time
	exit 1
fi
