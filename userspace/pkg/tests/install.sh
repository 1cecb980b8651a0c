#!/bin/bash
# SPDX-License-Identifier: MIT
#
# pkg-install-test: `make install` into a scratch DESTDIR, then everything
# a user of the installed tree relies on, checked from that tree alone:
#
#   make -C userspace install DESTDIR=$dir/root PREFIX=/usr/local
#     -> layout, modes, unit paths, soname, the exported symbols against
#        the installed headers (only the public API, all at TLSK_1)
#     -> pkg-config from $dir/root: a program built and run against the
#        shared and the static library, no -I into the source tree
#     -> tlsk-httpd, tlsk-client/-server, tlskctl and the bench tools
#        rebuilt from copies of their sources against the installed API
#        (a source including a private header fails here), and the
#        rebuilt tlsk-httpd serving curl in local mode (-l tlskd.conf)
#     -> the installed tlskd accepts the installed example config
#
#   install.sh SRCDIR BUILD SAN     (the build writes this call)
set -u
src=$1 build=$2 san=${3:-}
bin=$src/$build/bin
# shellcheck source=../../tlskd/tests/lib.sh
. "$src/tlskd/tests/lib.sh"
dir=$(mktemp -d /tmp/pkg-install.XXXXXX)
root=$dir/root
prefix=/usr/local
httpd_pid=
cleanup() {
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

if ! command -v pkg-config >/dev/null || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP pkg-config or openssl missing"
	exit 0
fi
# A sanitizer build's objects need the runtime in whatever links them.
sanflags=
[ -n "$san" ] && sanflags="-fsanitize=address,undefined"

if make -s -C "$src" install DESTDIR="$root" PREFIX="$prefix" \
	BUILD="$build" SAN="$san" >"$dir/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=$prefix"
else
	not_ok "make install DESTDIR=... PREFIX=$prefix"
	diag "$dir/install.log"
fi

r=$root$prefix
missing=
for f in sbin/tlskd bin/tlskctl bin/tlsk-client bin/tlsk-server \
	bin/tlsk-httpd bin/tlsk-bench bin/tlsk-hscost bin/tlsk-hsload; do
	[ -x "$r/$f" ] || missing="$missing $f"
done
for f in lib/libtlsk.so.1.0.0 lib/libtlsk.so.1 lib/libtlsk.so lib/libtlsk.a \
	lib/pkgconfig/libtlsk.pc include/tlsk/service.h include/tlsk/engine.h \
	include/tlsk/uapi/linux/tlsk.h lib/systemd/system/tlskd.service \
	lib/systemd/system/tlskd.socket share/doc/tlsk/README.md \
	share/doc/tlsk/daemon.md share/man/man8/tlskd.8 \
	share/man/man5/tlskd.conf.5 share/man/man3/tlsk_handshake.3 \
	share/man/man7/tlsk.7; do
	[ -e "$r/$f" ] || missing="$missing $f"
done
[ -f "$root/etc/tlsk/tlskd.conf.example" ] ||
	missing="$missing /etc/tlsk/tlskd.conf.example"
check "programs, libraries, headers, units, config example, docs, man pages installed${missing:+ (missing:$missing)}" \
	test -z "$missing"

# Nothing executable or writable by others among the data files.
bad=$(find "$root" -type f ! -path "*/bin/*" ! -path "*/sbin/*" -perm /0133 \
	-printf '%P %m\n')
check "data files are 0644${bad:+ (not: $bad)}" test -z "$bad"

check "no unit enabled (no .wants symlinks)" \
	test -z "$(find "$root" -path '*.wants*')"
check "the units run $prefix/sbin/tlskd" \
	grep -q "^ExecStart=$prefix/sbin/tlskd -c /etc/tlsk/tlskd.conf" \
	"$r/lib/systemd/system/tlskd.service"

so=$r/lib/libtlsk.so.1.0.0
check "libtlsk.so.1.0.0 has soname libtlsk.so.1" \
	sh -c "readelf -d '$so' | grep -q 'SONAME.*\[libtlsk.so.1\]'"
check "libtlsk.so.1 -> libtlsk.so.1.0.0, libtlsk.so -> libtlsk.so.1" \
	test "$(readlink "$r/lib/libtlsk.so.1")" = libtlsk.so.1.0.0 -a \
	"$(readlink "$r/lib/libtlsk.so")" = libtlsk.so.1

# The functions the installed headers declare, and what the library
# exports: the same set, every one at version TLSK_1.
cat "$r"/include/tlsk/*.h | tr -s ' \t\n' ' ' |
	grep -oE '\b(tlsk|TLSK)_[a-z0-9_]+ ?\(' | tr -d ' (' | sort -u \
	>"$dir/declared.all"
# declared names that are function-pointer types or macros, not symbols
grep -vxE 'tlsk_conn_handshake_fn|tlsk_role' "$dir/declared.all" \
	>"$dir/declared"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDRBVW]$/ {print $3}' | sort \
	>"$dir/exported.v"
sed 's/@.*//' "$dir/exported.v" | grep -vx TLSK_1 | sort -u >"$dir/exported"
if diff "$dir/declared" "$dir/exported" >"$dir/symdiff"; then
	ok "libtlsk.so exports exactly the $(wc -l <"$dir/declared") functions of the public headers"
else
	not_ok "libtlsk.so exports exactly the functions of the public headers (< declared only, > exported only)"
	diag "$dir/symdiff"
fi
unversioned=$(grep -v '@@TLSK_1$' "$dir/exported.v" | grep -vx 'TLSK_1@@TLSK_1')
check "every export is versioned TLSK_1${unversioned:+ (not: $unversioned)}" \
	test -z "$unversioned"

export PKG_CONFIG_PATH=$r/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_LIBDIR=$r/lib/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig
check "pkg-config --modversion libtlsk is $(cat "$src/../VERSION")" \
	test "$(pkg-config --modversion libtlsk 2>/dev/null)" = "$(cat "$src/../VERSION")"
cflags=$(pkg-config --cflags libtlsk) libs=$(pkg-config --libs libtlsk)
case " $cflags $libs " in
*" -I$src"*|*" -L$src"*) not_ok "pkg-config points into the source tree" ;;
*) ok "pkg-config points into DESTDIR only: $cflags $libs" ;;
esac

make_certs "$dir"
cc_user() {	# OUT SOURCES... : a user's build, warnings are errors
	local out=$1
	shift
	# shellcheck disable=SC2086
	cc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror $sanflags $cflags \
		-o "$out" "$@" >>"$dir/cc.log" 2>&1
}
# shellcheck disable=SC2086
if cc_user "$dir/consumer" "$src/pkg/tests/consumer.c" $libs &&
	LD_LIBRARY_PATH=$r/lib "$dir/consumer" "$dir/srv.crt" "$dir/srv.key" \
		"$dir/ca.crt" >"$dir/run.log" 2>&1; then
	ok "a program built with pkg-config against libtlsk.so runs a handshake ($(cat "$dir/run.log"))"
else
	not_ok "a program built with pkg-config against libtlsk.so runs a handshake"
	diag "$dir/cc.log" "$dir/run.log" 2>/dev/null
fi
check "... and it loads libtlsk.so.1 from DESTDIR" \
	sh -c "LD_LIBRARY_PATH='$r/lib' ldd '$dir/consumer' | grep -q '$r/lib/libtlsk.so.1'"
# shellcheck disable=SC2086
if cc_user "$dir/consumer-static" "$src/pkg/tests/consumer.c" \
	"$r/lib/libtlsk.a" $(pkg-config --static --libs-only-l libtlsk | sed 's/-ltlsk//') &&
	"$dir/consumer-static" "$dir/srv.crt" "$dir/srv.key" "$dir/ca.crt" \
		>/dev/null 2>>"$dir/run.log"; then
	ok "the same program linked with libtlsk.a runs"
else
	not_ok "the same program linked with libtlsk.a runs"
	diag "$dir/cc.log" "$dir/run.log"
fi

# The shipped programs, from copies of their sources: a relative include
# of anything outside the program's own directory has nothing to find.
mkdir -p "$dir/src" "$dir/out"
cp -r "$src/httpd" "$src/tools" "$src/tlskctl" "$src/bench" "$dir/src/"
nl=$(env -u PKG_CONFIG_SYSROOT_DIR -u PKG_CONFIG_PATH -u PKG_CONFIG_LIBDIR \
	pkg-config --cflags --libs libnl-genl-3.0 2>/dev/null)
: >"$dir/cc.log"
built=
for p in "tlsk-httpd httpd/main.c httpd/http.c" \
	"tlsk-client tools/client.c tools/common.c tools/options.c -lcrypto" \
	"tlsk-server tools/server.c tools/common.c tools/options.c -lcrypto" \
	"tlskctl tlskctl/tlskctl.c $nl" \
	"tlsk-bench bench/main.c bench/cell.c bench/aead.c -lssl -lcrypto -lpthread -lm" \
	"tlsk-hscost bench/hscost.c -lssl -lcrypto" \
	"tlsk-hsload bench/hsload.c -lssl -lcrypto"; do
	# shellcheck disable=SC2086
	set -- $p
	name=$1
	shift
	(cd "$dir/src" && cc_user "$dir/out/$name" "$@" $libs) ||
		built="$built $name"
done
if [ -z "$built" ]; then
	ok "tlsk-httpd, tlsk-client, tlsk-server, tlskctl, bench tools build against the installed API alone"
else
	not_ok "programs build against the installed API alone (failed:$built)"
	diag "$dir/cc.log"
fi

# The rebuilt tlsk-httpd in local mode: the profile comes from a
# tlskd.conf through libtlsk's public loader.
mkdir -p "$dir/www"
echo "installed tlsk" >"$dir/www/index.html"
cat >"$dir/tlskd.conf" <<CONF
[profile web]
cert = srv.crt srv.key
CONF
chmod 0600 "$dir/srv.key"
port=$((12000 + $$ % 8000))
LD_LIBRARY_PATH=$r/lib "$dir/out/tlsk-httpd" -l "$dir/tlskd.conf" -P web \
	-p "$port" -r "$dir/www" 2>"$dir/httpd.log" &
httpd_pid=$!
if command -v curl >/dev/null; then
	if wait_for curl -sf -o "$dir/got" --cacert "$dir/ca.crt" \
		"https://localhost:$port/" && grep -q "installed tlsk" "$dir/got"; then
		ok "the rebuilt tlsk-httpd -l serves curl over TLS"
	else
		not_ok "the rebuilt tlsk-httpd -l serves curl over TLS"
		diag "$dir/httpd.log"
	fi
else
	skip "the rebuilt tlsk-httpd -l serves curl over TLS" "no curl"
fi
kill "$httpd_pid" 2>/dev/null
wait "$httpd_pid" 2>/dev/null
httpd_pid=

# The example config, its paths pointed at real files, passes the
# installed tlskd's --check-config.
sed -e "s|/etc/tlsk/server.crt /etc/tlsk/server.key|$dir/srv.crt $dir/srv.key|" \
	-e "s|^socket-group = tlsk|socket-group = $(id -gn)|" \
	-e "s|^allow-uid = www-data|allow-uid = $(id -un)|" \
	"$root/etc/tlsk/tlskd.conf.example" >"$dir/example.conf"
if "$r/sbin/tlskd" --check-config "$dir/example.conf" >"$dir/check.log" 2>&1; then
	ok "the installed tlskd accepts tlskd.conf.example"
else
	not_ok "the installed tlskd accepts tlskd.conf.example"
	diag "$dir/check.log"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
