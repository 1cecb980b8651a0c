#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Docs as tests: runs docs/quickstart.md as written, on this host.
#
#   doc-quickstart-test [DOC [SECTION]]
#
# doctest-extract.py takes the page's ```sh blocks (the steps), the
# ```output block after each (lines the step must print, waited for up to
# 20 s, so a daemon started with & has time to say them) and the ```c
# blocks of files it names (which must match those files). The only
# changes to the steps: /etc/tlsk, /run/tlsk and /usr/local become the
# same paths under a scratch directory, `make install` gets DESTDIR=, and
# the environment points there (PATH, LD_LIBRARY_PATH, PKG_CONFIG_PATH
# with PKG_CONFIG_SYSROOT_DIR, TLSK_SOCKET: the built-in socket path is
# /run/tlsk's). `sudo` is the root shell itself (this test runs as root).
# The steps run in order in one bash (set -e: the first failing command
# ends the run), from the top of the checkout, in their own session,
# which is killed at the end; users and groups the steps create are
# removed. The kernel is not involved: on a host without tlsk.ko the
# quickstart runs on tlskd's relay, as the page says; loading tlsk.ko is
# covered by the VM tests (make check's vm stage, make demo).
#
# DOCTEST_GIVEN=deploy (doc-deploy-test: docs/daemon.md's "Deployment
# with systemd"): the steps start in a directory holding what the page
# says is there (web.crt, web.key, a tlskd.conf naming them under
# /etc/tlsk), `make` is pointed at the checkout (-C), and systemctl and
# journalctl stand for systemd, which does not run here: they start the
# installed tlskd.service as it says (User=, Group=, SupplementaryGroups=,
# RuntimeDirectory=, ExecStartPre=, ExecStart=, ExecReload=, through
# setpriv) and show its log.
#
# Prints TAP: one line per ```c block and per step.
set -u
bin=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bin/../../../.." && pwd)
doc=${1:-$top/docs/quickstart.md}
sect=${2:-}

# One skipped test, not "1..0": scripts/run-tap counts a program that ran
# no test at all as failed.
skip_all() { echo "ok 1 $(basename "$0") # SKIP $*"; echo "1..1"; exit 0; }
case "$bin" in
*/build/san/*) skip_all "runs once, in the plain build" ;;
esac
[ "$(id -u)" -eq 0 ] || skip_all "the steps use sudo; run as root"
for t in useradd groupadd usermod userdel groupdel sg setsid openssl curl \
	 pkg-config ss python3 cc; do
	command -v "$t" >/dev/null || skip_all "$t missing"
done
ss -ltn | grep -Eq ':(8443|8444) ' && skip_all "port 8443 or 8444 busy"
# The steps create them; existing ones would make useradd fail as a
# reader's would not.
getent passwd tlskd >/dev/null && skip_all "user tlskd exists"
getent group tlsk >/dev/null && skip_all "group tlsk exists"

S=$(mktemp -d /tmp/doc-test.XXXXXX)
chmod 755 "$S"
steps=$S/steps
mkdir "$steps"
# What every system has: the parents of the paths the steps use.
mkdir -p "$S/run" "$S/etc" "$S/usr/local"
run_pid=
cleanup() {
	if [ -n "$run_pid" ]; then
		kill -TERM -- "-$run_pid" 2>/dev/null
		sleep 0.5
		kill -KILL -- "-$run_pid" 2>/dev/null
	fi
	# what the steps created: tlskd's processes are gone with the session
	getent passwd tlskd >/dev/null && userdel tlskd 2>/dev/null
	getent group tlskd >/dev/null && groupdel tlskd 2>/dev/null
	getent group tlsk >/dev/null && groupdel tlsk 2>/dev/null
	rm -rf "$S"
}
trap cleanup EXIT

given=${DOCTEST_GIVEN:-}
if [ "$given" = deploy ]; then
	command -v setpriv >/dev/null || skip_all "setpriv missing"
	getent passwd www-data >/dev/null || skip_all "user www-data missing"
	mkdir "$S/work"
	(
		cd "$S/work" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -subj /CN=localhost -keyout web.key -out web.crt \
			-days 2 2>/dev/null
		printf '%s\n' "socket = $S/run/tlsk/tlskd.sock" "socket-group = tlsk" \
			"[profile web]" \
			"cert = $S/etc/tlsk/web.crt $S/etc/tlsk/web.key" \
			"role = server" "allow-gid = tlsk" >tlskd.conf
	)
fi

nsteps=$(python3 "$bin/doctest-extract.py" "$doc" "$steps" "$S" ${sect:+"$sect"}) ||
	{ echo "not ok 1 $doc: cannot extract its steps"; exit 1; }

n=0 failed=0
while read -r st file; do
	n=$((n + 1))
	if [ "$st" = ok ]; then
		echo "ok $n the page's $file is the file"
	else
		failed=$((failed + 1))
		echo "not ok $n the page's $file differs from the file"
	fi
done <"$steps/cfiles"

# One shell runs every step; expect() waits for a step's output lines.
cat >"$S/run.sh" <<EOF
set -e
cd "$top"
export PATH="$S/usr/local/sbin:$S/usr/local/bin:\$PATH"
export LD_LIBRARY_PATH="$S/usr/local/lib"
export PKG_CONFIG_PATH="$S/usr/local/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$S"
export TLSK_SOCKET="$S/run/tlsk/tlskd.sock"
export USER=\$(id -un)
sudo() { "\$@"; }
EOF
if [ "$given" = deploy ]; then
	cat >>"$S/run.sh" <<EOF
cd "$S/work"
make() { command make -C "$top" "\$@"; }
scratch() {
	sed -e "s|/etc/tlsk|$S/etc/tlsk|g" -e "s|/run/tlsk|$S/run/tlsk|g" \
	    -e "s|/usr/local|$S/usr/local|g"
}
unit_key() {
	sed -n "s/^\$1=//p" "$S/usr/local/lib/systemd/system/tlskd.service" |
		scratch
}
as_unit() {
	\${exec:-} setpriv --reuid="\$(unit_key User)" \
		--regid="\$(unit_key Group)" \
		--groups="\$(unit_key SupplementaryGroups)" "\$@"
}
systemctl() {
	case "\$*" in
	daemon-reload) ;;
	"enable --now tlskd")
		install -d -o "\$(unit_key User)" -g "\$(unit_key Group)" \
			-m "\$(unit_key RuntimeDirectoryMode)" \
			"$S/run/\$(unit_key RuntimeDirectory)"
		as_unit \$(unit_key ExecStartPre) >>"$S/journal" 2>&1 || return 1
		# exec: \$! is then tlskd's pid, \$MAINPID
		(exec=exec as_unit \$(unit_key ExecStart)) >>"$S/journal" 2>&1 &
		echo \$! >"$S/mainpid"
		# Type=notify: systemctl returns once the daemon is ready.
		for _ in \$(seq 200); do
			[ -S "$S/run/tlsk/tlskd.sock" ] && break
			sleep 0.1
		done ;;
	"reload tlskd")
		as_unit \$(unit_key ExecReload | head -n 1) >>"$S/journal" 2>&1 &&
		kill -HUP "\$(cat "$S/mainpid")" ;;
	*) echo "systemctl stand-in: \$* not known" >&2; return 1 ;;
	esac
}
journalctl() { sleep 1; cat "$S/journal"; }
EOF
fi
cat >>"$S/run.sh" <<EOF
expect() {
	local line
	[ -f "$steps/\$1.expect" ] || return 0
	while IFS= read -r line; do
		[ -z "\$line" ] && continue
		for _ in \$(seq 200); do
			grep -qF -- "\$line" "$steps/\$1.out" && continue 2
			sleep 0.1
		done
		echo "missing: \$line" >"$steps/\$1.missing"
		return 1
	done <"$steps/\$1.expect"
}
EOF
for i in $(seq "$nsteps"); do
	cat >>"$S/run.sh" <<EOF
{ . "$steps/$i.sh"; } >"$steps/$i.out" 2>&1 </dev/null
expect $i
echo done >"$steps/$i.done"
EOF
done
echo 'echo finished >"'"$steps"'/finished"; wait' >>"$S/run.sh"

setsid bash "$S/run.sh" >"$S/run.out" 2>&1 &
run_pid=$!
# The steps are done when the last one is, or one failed; the jobs they
# started keep the session alive until cleanup.
for _ in $(seq 6000); do
	[ -f "$steps/finished" ] && break
	kill -0 "$run_pid" 2>/dev/null || break
	sleep 0.1
done

for i in $(seq "$nsteps"); do
	n=$((n + 1))
	what=$(grep -m1 -v '^\s*\(#.*\)\?$' "$steps/$i.sh" | cut -c1-60)
	if [ -f "$steps/$i.done" ]; then
		echo "ok $n step $i: $what"
		continue
	fi
	failed=$((failed + 1))
	echo "not ok $n step $i: $what"
	if [ -f "$steps/$i.out" ]; then
		[ -f "$steps/$i.missing" ] && sed 's/^/# /' "$steps/$i.missing"
		tail -n 20 "$steps/$i.out" | sed 's/^/#   /'
		sed 's/^/# > /' "$steps/$i.sh" | head -n 30
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
