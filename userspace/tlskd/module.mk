# SPDX-License-Identifier: MIT
#
# tlskd/: the handshake daemon, its config parser, their tests and the
# libFuzzer harnesses (tlskd/fuzz/; `make fuzz`, whose rules are in
# fuzz/module.mk, builds FUZZERS with clang; each also runs in `make check`
# as NAME-smoke through tlskd/fuzz/replay.c, over its seeds and
# deterministic mutations of them).

TLSKD_CORE := tlskd/conf.c tlskd/load.c tlskd/sessstore.c tlskd/fleet.c
# hiredis (libhiredis-dev): the session store in Redis (redis.c).
HIREDIS_LIBS := $(shell $(PKG_CONFIG) --libs hiredis 2>/dev/null || echo -lhiredis)

PROGRAMS += tlskd
# events.c listens to tlsk.ko's netlink events with libnl-genl-3.
$(BUILD)/obj/tlskd/events.o: CPPFLAGS += $(NL_CFLAGS)
$(eval $(call program,tlskd,tlskd/main.c tlskd/loop.c tlskd/handshake.c \
	tlskd/proxy.c tlskd/tickets.c tlskd/clientcache.c tlskd/log.c \
	tlskd/events.c tlskd/closer.c tlskd/quota.c tlskd/stall.c tlskd/privs.c tlskd/systemd.c \
	tlskd/redis.c tlskd/redisreply.c tlskd/tkredis.c tlskd/startcheck.c $(TLSKD_CORE),$(NL_LIBS) \
	$(HIREDIS_LIBS) -pthread))

# The event parser against hand-built and mutated events (no kernel).
HOST_TESTS += tlskd-events-test
$(BUILD)/obj/tlskd/tests/events_test.o: CPPFLAGS += $(NL_CFLAGS)
$(eval $(call program,tlskd-events-test,tlskd/tests/events_test.c \
	tlskd/events.c tlskd/log.c,$(NL_LIBS)))

# The log rate limiter (lines remote peers can trigger).
HOST_TESTS += tlskd-ratelimit-test
$(eval $(call program,tlskd-ratelimit-test,tlskd/tests/ratelimit_test.c \
	tlskd/log.c))

# The fleet key, sealed sessions, store addresses, Redis replies.
HOST_TESTS += tlskd-fleet-unit-test
$(eval $(call program,tlskd-fleet-unit-test,tlskd/tests/fleet_test.c \
	tlskd/fleet.c tlskd/redisreply.c,$(HIREDIS_LIBS)))

HOST_TESTS += tlskd-conf-test
$(eval $(call program,tlskd-conf-test,tlskd/tests/conf_test.c $(TLSKD_CORE) \
	tlskd/privs.c tlskd/log.c))

# Fuzz harnesses: NAME_SRCS lists what a fuzzer links besides libtlsk.
FUZZERS += fuzz-tlskd-proto fuzz-tlskd-conf fuzz-tlskd-redis
fuzz-tlskd-proto_SRCS := tlskd/fuzz/fuzz_proto.c
fuzz-tlskd-conf_SRCS := tlskd/fuzz/fuzz_conf.c $(TLSKD_CORE)
fuzz-tlskd-redis_SRCS := tlskd/fuzz/fuzz_redis.c tlskd/fleet.c \
	tlskd/redisreply.c
fuzz-tlskd-redis_LIBS := $(HIREDIS_LIBS)

HOST_TESTS += fuzz-tlskd-proto-smoke fuzz-tlskd-conf-smoke \
	fuzz-tlskd-redis-smoke
$(eval $(call program,fuzz-tlskd-redis-smoke,\
	tlskd/fuzz/replay.c $(fuzz-tlskd-redis_SRCS),$(HIREDIS_LIBS)))
$(eval $(call program,fuzz-tlskd-proto-smoke,\
	tlskd/fuzz/replay.c $(fuzz-tlskd-proto_SRCS)))
$(eval $(call program,fuzz-tlskd-conf-smoke,\
	tlskd/fuzz/replay.c $(fuzz-tlskd-conf_SRCS)))

# The end-to-end test's service (not a test by itself).
TLSKD_TEST_TOOLS := tlskd-test-service tlskd-test-keyupdate
$(eval $(call program,tlskd-test-service,tlskd/tests/service.c))
all: $(BUILD)/bin/tlskd-test-service
# Its libssl client that sends KeyUpdate after the hand-off.
$(eval $(call program,tlskd-test-keyupdate,tlskd/tests/keyupdate_peer.c,-lssl))
all: $(BUILD)/bin/tlskd-test-keyupdate

# A caller passing a file on a FUSE mount that never answers a flush
# (limits.sh).
$(eval $(call program,tlskd-test-fusefd,tlskd/tests/fusefd.c))
all: $(BUILD)/bin/tlskd-test-fusefd

# A caller that keeps its socket's lock while tlskd uses it (limits.sh).
$(eval $(call program,tlskd-test-stall,tlskd/tests/stall.c,-lssl -pthread))
all: $(BUILD)/bin/tlskd-test-stall

# A libssl server that floods NewSessionTicket records (limits.sh).
$(eval $(call program,tlskd-test-ticketflood,tlskd/tests/ticketflood_peer.c,-lssl))
all: $(BUILD)/bin/tlskd-test-ticketflood

# Peers and callers that try to stall tlskd, and the per-uid limits.
HOST_TESTS += tlskd-limits-test
$(BUILD)/bin/tlskd-limits-test: tlskd/tests/limits.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlskd-test-service $(BUILD)/bin/tlskd-test-ticketflood \
		$(BUILD)/bin/tlskd-test-fusefd $(BUILD)/bin/tlskd-test-stall \
		$(BUILD)/bin/tlskd-test-lib.sh
	@mkdir -p $(@D)
	cp $< $@

# tlsk.ko's events for tlskd to log (in the VM), and forged ones to drop.
$(BUILD)/obj/tlskd/tests/events_peer.o: CPPFLAGS += $(NL_CFLAGS)
$(eval $(call program,tlskd-test-events,tlskd/tests/events_peer.c,$(NL_LIBS)))
all: $(BUILD)/bin/tlskd-test-events

# Two tlskd sharing TLS 1.2 sessions through a redis-server the test
# starts on loopback (session-store), and Redis failing in every way.
HOST_TESTS += tlskd-fleet-test
$(BUILD)/bin/tlskd-fleet-test: tlskd/tests/fleet.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlsk-httpd $(BUILD)/bin/tlskd-test-lib.sh \
		$(BUILD)/bin/tlskctl $(BUILD)/bin/tlsk-hsload \
		$(BUILD)/bin/tlskd-test-proxy
	@mkdir -p $(@D)
	cp $< $@

# Two tlskd sharing rotating TLS 1.3 ticket keys through a redis-server
# the test starts (ticket-key-source = redis).
HOST_TESTS += tlskd-fleet-tickets-test
$(BUILD)/bin/tlskd-fleet-tickets-test: tlskd/tests/tickets_redis.sh \
		$(BUILD)/bin/tlskd $(BUILD)/bin/tlsk-httpd \
		$(BUILD)/bin/tlskd-test-lib.sh $(BUILD)/bin/tlskctl \
		$(BUILD)/bin/tlskd-test-proxy
	@mkdir -p $(@D)
	cp $< $@

# tlskd logging the kernel's events; on a host without tlsk.ko, the
# family's absence logged once.
HOST_TESTS += tlskd-events-e2e-test
$(BUILD)/bin/tlskd-events-e2e-test: tlskd/tests/events.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlskd-test-events $(BUILD)/bin/tlskd-test-lib.sh
	@mkdir -p $(@D)
	cp $< $@

# The relay as the service sees it: tlskd ending a stream, or dying under it.
HOST_TESTS += tlskd-relay-test
$(BUILD)/bin/tlskd-relay-test: tlskd/tests/relay.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlskd-test-service $(BUILD)/bin/tlskd-test-lib.sh
	@mkdir -p $(@D)
	cp $< $@

# The end-to-end script, next to the binaries it drives.
HOST_TESTS += tlskd-e2e-test
$(BUILD)/bin/tlskd-e2e-test: tlskd/tests/e2e.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlskd-test-service $(BUILD)/bin/tlskd-test-keyupdate \
		$(BUILD)/bin/tlskd-test-lib.sh \
		$(BUILD)/bin/tlskctl
	@mkdir -p $(@D)
	cp $< $@
# systemd's protocols (sd_notify, socket activation), the SIGTERM drain,
# rate-limited logs; as root, the documented install and the privilege drop.
HOST_TESTS += tlskd-systemd-test
$(BUILD)/bin/tlskd-systemd-test: tlskd/tests/systemd.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlskd-test-service $(BUILD)/bin/tlskd-test-lib.sh \
		$(BUILD)/bin/tlskd-test-unit.service \
		$(BUILD)/bin/tlskd-test-unit.socket
	@mkdir -p $(@D)
	cp $< $@
$(BUILD)/bin/tlskd-test-unit.%: tlskd/tlskd.%
	@mkdir -p $(@D)
	cp $< $@
$(BUILD)/bin/tlskd-test-lib.sh: tlskd/tests/lib.sh
	@mkdir -p $(@D)
	cp $< $@
$(BUILD)/bin/tlskd-test-proxy: tlskd/tests/proxy.py
	@mkdir -p $(@D)
	cp $< $@
# What a new user meets first (issue 19): --check-config catching what the
# start refuses, messages naming profiles, files, alerts and sockets,
# tlsk-httpd's profile, make module's kernel note.
HOST_TESTS += tlskd-firsthour-test
$(BUILD)/bin/tlskd-firsthour-test: tlskd/tests/firsthour.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlskd-test-service $(BUILD)/bin/tlskd-test-lib.sh \
		$(BUILD)/bin/tlsk-httpd
	@mkdir -p $(@D)
	cp $< $@
