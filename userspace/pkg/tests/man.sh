#!/bin/bash
# SPDX-License-Identifier: MIT
#
# man-pages-test: every page of man/ renders with man -l and groff -ww
# (man --warnings=w) without a single warning, from a tree laid out as
# installed (so .so links resolve); the pages the project promises exist;
# every function of the service API (tlsk/service.h, the wire protocol's
# tlsk_msg_* aside) has a page.
#
#   man.sh SRCDIR     (SRCDIR: userspace/; the pages are in ../man)
set -u
src=$1
pages=$src/../man
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }

if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	echo "1..0 # SKIP man (man-db) or groff missing"
	exit 0
fi
dir=$(mktemp -d /tmp/man-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT

for p in "$pages"/*.[1-8]; do
	s=${p##*.}
	mkdir -p "$dir/man$s"
	cp "$p" "$dir/man$s/"
done

for p in "$dir"/man*/*; do
	rel=${p#"$dir"/}
	out=$(cd "$dir" && LC_ALL=C.UTF-8 MANWIDTH=80 \
		man --warnings=w -E UTF-8 -l "$rel" 2>&1 >"$dir/out.txt")
	if [ -z "$out" ] && [ -s "$dir/out.txt" ]; then
		ok "man -l $rel renders without warnings"
	else
		not_ok "man -l $rel renders without warnings"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done

missing=
for want in man8/tlskd.8 man5/tlskd.conf.5 man8/tlskctl.8 \
	man1/tlsk-httpd.1 man1/tlsk-client.1 man1/tlsk-server.1 man7/tlsk.7 \
	man3/tlsk_handshake.3; do
	[ -f "$dir/$want" ] || missing="$missing $want"
done
# declarations start a line: a type, then the name
for f in $(grep -oE '^[a-z][a-z_ ]*[ *]tlsk_[a-z0-9_]+\(' \
	"$src/include/tlsk/service.h" | grep -oE 'tlsk_[a-z0-9_]+' |
	grep -v '^tlsk_msg_' | sort -u); do
	[ -f "$dir/man3/$f.3" ] || missing="$missing man3/$f.3"
done
if [ -z "$missing" ]; then
	ok "the promised pages and one for every service API function exist"
else
	not_ok "pages missing:$missing"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
