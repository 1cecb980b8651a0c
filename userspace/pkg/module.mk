# SPDX-License-Identifier: MIT
#
# pkg/: libtlsk as a shared library, its pkg-config file, and what
# `make install` puts where (the top-level Makefile adds tlsk.ko).
#
#   make install DESTDIR=/tmp/root PREFIX=/usr
#
#   $(SBINDIR)        tlskd
#   $(BINDIR)         tlskctl, tlsk-client, tlsk-server, tlsk-httpd, the
#                     bench tools (every PROGRAM but tlskd)
#   $(LIBDIR)         libtlsk.so.1 (soname; only the public API exported,
#                     pkg/libtlsk.map), libtlsk.so, libtlsk.a
#   $(PKGCONFIGDIR)   libtlsk.pc
#   $(INCLUDEDIR)/tlsk/           the public headers (include/tlsk)
#   $(INCLUDEDIR)/tlsk/uapi/linux/tlsk.h  the netlink ABI; libtlsk.pc puts
#                     $(INCLUDEDIR)/tlsk/uapi on the include path, so
#                     programs write #include <linux/tlsk.h> as in-tree
#   $(SYSTEMDUNITDIR) tlskd.service, tlskd.socket (ExecStart= pointed at
#                     $(SBINDIR)); nothing is enabled
#   $(SYSCONFDIR)/tlsk/tlskd.conf.example
#   $(MANDIR)         the man pages of ../man
#   $(DOCDIR)         README.md and docs/
#
# Nothing is built by install beyond what it installs: `make install`
# right after `make` only copies. pkg-install-test (make check) installs
# into a scratch DESTDIR and builds programs against that alone.

TLSK_VERSION := $(shell cat ../VERSION)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/tlsk
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
INSTALL ?= install

LIBTLSK_SONAME := libtlsk.so.1
LIBTLSK_REAL := $(LIBTLSK_SONAME).0.0
LIBTLSK_SO := $(BUILD)/$(LIBTLSK_REAL)
LIBTLSK_PC := $(BUILD)/libtlsk.pc

# Position-independent copies of libtlsk's objects for the shared library.
# LIBTLSK_SRCS is complete only once every fragment is read: deferred.
LIBTLSK_PIC_OBJS = $(patsubst %.c,$(BUILD)/pic/%.o,$(LIBTLSK_SRCS))

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

# A sanitizer build leaves the runtime's symbols to the executable.
SO_NO_UNDEFINED := $(if $(SAN),,-Wl,--no-undefined)

.SECONDEXPANSION:
$(LIBTLSK_SO): $$(LIBTLSK_PIC_OBJS) pkg/libtlsk.map
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(LIBTLSK_SONAME) \
		-Wl,--version-script=pkg/libtlsk.map $(SO_NO_UNDEFINED) \
		-o $@ $(LIBTLSK_PIC_OBJS) $(CRYPTO_LIBS)
	ln -sf $(LIBTLSK_REAL) $(BUILD)/$(LIBTLSK_SONAME)
	ln -sf $(LIBTLSK_SONAME) $(BUILD)/libtlsk.so

$(LIBTLSK_PC): pkg/libtlsk.pc.in ../VERSION
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(TLSK_VERSION)|' \
	    $< >$@

# The prefix is baked into libtlsk.pc and the units: rebuild them always.
.PHONY: $(LIBTLSK_PC) shared
shared: $(LIBTLSK_SO)
all: $(LIBTLSK_SO)

INSTALL_SBIN := tlskd
INSTALL_BIN = $(filter-out $(INSTALL_SBIN),$(PROGRAMS))
PUBLIC_HEADERS := $(wildcard include/tlsk/*.h)
MAN_PAGES := $(wildcard ../man/*.[1-8])
INSTALL_DOCS := ../README.md $(wildcard ../docs/*.md)

# What install copies, built: `make installable` then `make install`
# (debian/rules), or install alone.
.PHONY: installable
installable: $$(addprefix $(BUILD)/bin/,$$(PROGRAMS)) $(LIBTLSK_SO) \
	$(LIBTLSK) $(LIBTLSK_PC)

.PHONY: install install-bin install-lib install-data
install: install-bin install-lib install-data

install-bin: $$(addprefix $(BUILD)/bin/,$$(PROGRAMS))
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 0755 $(addprefix $(BUILD)/bin/,$(INSTALL_BIN)) \
		$(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0755 $(addprefix $(BUILD)/bin/,$(INSTALL_SBIN)) \
		$(DESTDIR)$(SBINDIR)/

install-lib: $(LIBTLSK_SO) $(LIBTLSK) $(LIBTLSK_PC)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/tlsk/uapi/linux
	$(INSTALL) -m 0644 $(LIBTLSK_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(LIBTLSK_REAL) $(DESTDIR)$(LIBDIR)/$(LIBTLSK_SONAME)
	ln -sf $(LIBTLSK_SONAME) $(DESTDIR)$(LIBDIR)/libtlsk.so
	$(INSTALL) -m 0644 $(LIBTLSK) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 0644 $(LIBTLSK_PC) $(DESTDIR)$(PKGCONFIGDIR)/
	$(INSTALL) -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/tlsk/
	$(INSTALL) -m 0644 ../include/uapi/linux/tlsk.h \
		$(DESTDIR)$(INCLUDEDIR)/tlsk/uapi/linux/

install-data:
	$(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/tlsk \
		$(DESTDIR)$(DOCDIR)
	for u in tlskd.service tlskd.socket; do \
		sed -e 's|/usr/sbin/tlskd|$(SBINDIR)/tlskd|g' \
		    -e 's|/usr/share/doc/tlsk/|$(DOCDIR)/|g' tlskd/$$u \
			>$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	$(INSTALL) -m 0644 pkg/tlskd.conf.example $(DESTDIR)$(SYSCONFDIR)/tlsk/
	$(INSTALL) -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && \
		$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done

# The install, checked from outside: layout, soname, exported symbols
# against the public headers, and programs built with only what was
# installed (pkg/tests/install.sh).
HOST_TESTS += pkg-install-test
$(BUILD)/bin/pkg-install-test: pkg/tests/install.sh $(LIBTLSK_SO) $(LIBTLSK) \
		$$(addprefix $(BUILD)/bin/,$$(PROGRAMS))
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s %s %s "%s"\n' "$(abspath pkg/tests/install.sh)" \
		"$(abspath .)" "$(BUILD)" "$(SAN)" >$@
	chmod +x $@

# The man pages (../man, plain roff): each renders under groff -ww without
# a warning; the promised ones and the service API's all exist.
HOST_TESTS += man-pages-test
$(BUILD)/bin/man-pages-test: pkg/tests/man.sh $(MAN_PAGES)
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s %s\n' "$(abspath pkg/tests/man.sh)" \
		"$(abspath .)" >$@
	chmod +x $@
