# SPDX-License-Identifier: MIT
#
# tlsk top-level build.
#
#   make              kernel/tlsk.ko and all of userspace/
#   make module       kernel/tlsk.ko only (KVER=... to pick the kernel)
#   make userspace    libtlsk, tlskd, tlskctl and the tools
#   make check        install deps, build, run host and VM tests; the last
#                     line is "N passed, N failed[, N skipped]"
#   make check-debug  the kernel selftests, fault injection and conformance
#                     on a KASAN/lockdep/kmemleak kernel built once from
#                     linux-source-6.1 (not part of make check; slow)
#   make check-kernels  build, VM suite and conformance on every supported
#                     kernel (scripts/kernels: 6.1, 6.12, 7.x), one summary
#                     line per kernel (not part of make check; slow)
#   make demo         boot the VM and show tlsk at work
#   make bench        tlsk vs in-tree tls vs OpenSSL vs plain TCP, as ratios
#                     measured in one run, then the handshake bench
#                     (docs/performance.md)
#   make hsbench      handshakes only: tlskd and libtlsk vs OpenSSL (host,
#                     then the load part in the VM clocked by instructions)
#   make deps         install build and test dependencies (Debian, root)
#   make checkpatch   kernel style check of kernel/ and include/
#   make install      programs, libtlsk (shared and static), headers,
#                     libtlsk.pc, systemd units, example config, docs and
#                     man pages (userspace/pkg/module.mk has the layout),
#                     and tlsk.ko under /lib/modules/KVER/updates, then
#                     depmod; DESTDIR=... stages it (no depmod then),
#                     PREFIX=... (default /usr/local) places it
#   make install-userspace, make install-module   one half of it
#   make install-dkms the module's source and dkms.conf under
#                     $(DESTDIR)/usr/src/tlsk-VERSION
#   make dkms         install-dkms, then dkms add and dkms install for
#                     every kernel whose headers are installed (root)
#   make deb          the Debian packages (debian/, dpkg-buildpackage -b)
#                     into .cache/deb, checked with lintian
#   make check-packages  those packages installed into a fresh bookworm
#                     chroot (mmdebstrap) and run through the demo's
#                     handshake path; DKMS checked on the host's headers
#                     (slow; not part of make check; docs/packaging.md)
#   make clean
#
# KVER defaults to the running kernel when its headers are installed (a real
# host: `make && sudo insmod kernel/tlsk.ko`), otherwise to the ABI of
# Debian's linux-headers-amd64, which is also what the test VM boots; the
# build ends saying which (scripts/module-kernel), and not to insmod a
# module built for another kernel.
RUNNING := $(shell uname -r)
KVER ?= $(if $(wildcard /lib/modules/$(RUNNING)/build),$(RUNNING),$(shell scripts/kver 2>/dev/null))
KDIR ?= /lib/modules/$(KVER)/build
# Headers that need another release's toolchain (scripts/kernel-cache):
# KDIR is then a path inside the chroot KBUILD_CHROOT.
KBUILD_CHROOT ?=
KBUILD_WRAP := $(if $(KBUILD_CHROOT),$(CURDIR)/scripts/in-chroot $(KBUILD_CHROOT))

.PHONY: all module userspace check check-kernels check-debug demo bench hsbench deps checkpatch clean
.PHONY: install install-module install-userspace install-dkms dkms
.PHONY: deb check-packages
all: module userspace

module:
	@test -d "$(KBUILD_CHROOT)$(KDIR)" || { echo "no kernel headers at $(KBUILD_CHROOT)$(KDIR): run 'make deps'" >&2; exit 1; }
	$(KBUILD_WRAP) $(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules
	@scripts/module-kernel kernel/tlsk.ko

userspace:
	$(MAKE) -C userspace

check:
	@scripts/check

check-kernels:
	@scripts/check-kernels

check-debug:
	@scripts/check-debug

demo:
	@scripts/demo

bench:
	@scripts/bench
	@scripts/hsbench; st=$$?; scripts/hsbench --icount || st=1; exit $$st

hsbench:
	@scripts/hsbench; st=$$?; scripts/hsbench --icount || st=1; exit $$st

deps:
	@scripts/deps

checkpatch:
	@scripts/checkpatch

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests/kernel clean

# make install. PREFIX is passed down explicitly: a PREFIX from the
# environment is ignored, as with the GNU convention of command-line
# variables.
PREFIX ?= /usr/local
DESTDIR ?=
MODDIR ?= /lib/modules/$(KVER)/updates

install: install-module install-userspace

install-userspace:
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# depmod only for the live system: a staged tree (DESTDIR) is a package's
# or an image's, whose own installer runs depmod.
install-module: module
	install -d $(DESTDIR)$(MODDIR)
	install -m 0644 kernel/tlsk.ko $(DESTDIR)$(MODDIR)/
	$(if $(DESTDIR),,depmod -a $(KVER))

# DKMS: the module's source, as dkms.conf expects it under /usr/src.
TLSK_VERSION := $(shell cat VERSION)
DKMS_SRC := /usr/src/tlsk-$(TLSK_VERSION)
DKMS_KERNEL_SRCS = $(filter-out %.mod.c,$(wildcard kernel/*.c kernel/*.h))
install-dkms:
	install -d $(DESTDIR)$(DKMS_SRC)/kernel $(DESTDIR)$(DKMS_SRC)/include/uapi/linux
	install -m 0644 dkms.conf Kbuild $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 kernel/Kbuild $(DKMS_KERNEL_SRCS) $(DESTDIR)$(DKMS_SRC)/kernel/
	install -m 0644 include/uapi/linux/tlsk.h $(DESTDIR)$(DKMS_SRC)/include/uapi/linux/

# Every kernel with headers: dkms install without -k builds only for the
# running one. Kernels installed later get it from dkms's own kernel hook.
dkms: install-dkms
	dkms status tlsk/$(TLSK_VERSION) | grep -q . || dkms add tlsk/$(TLSK_VERSION)
	for k in $$(ls /lib/modules); do \
		[ -d /lib/modules/$$k/build ] || continue; \
		dkms install tlsk/$(TLSK_VERSION) -k $$k || exit 1; \
	done

deb:
	@scripts/deb

check-packages:
	@scripts/check-packages
