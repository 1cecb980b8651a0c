# SPDX-License-Identifier: MIT
#
# tlskd/: the handshake daemon, its config parser, their tests and the
# libFuzzer harnesses (tlskd/fuzz/; `make fuzz`, whose rules are in
# fuzz/module.mk, builds FUZZERS with clang; each also runs in `make check`
# as NAME-smoke through tlskd/fuzz/replay.c, over its seeds and
# deterministic mutations of them).

TLSKD_CORE := tlskd/conf.c tlskd/load.c tlskd/sessstore.c

PROGRAMS += tlskd
$(eval $(call program,tlskd,tlskd/main.c tlskd/loop.c tlskd/handshake.c \
	tlskd/proxy.c tlskd/tickets.c tlskd/clientcache.c tlskd/log.c \
	$(TLSKD_CORE)))

HOST_TESTS += tlskd-conf-test
$(eval $(call program,tlskd-conf-test,tlskd/tests/conf_test.c $(TLSKD_CORE)))

# Fuzz harnesses: NAME_SRCS lists what a fuzzer links besides libtlsk.
FUZZERS += fuzz-tlskd-proto fuzz-tlskd-conf
fuzz-tlskd-proto_SRCS := tlskd/fuzz/fuzz_proto.c
fuzz-tlskd-conf_SRCS := tlskd/fuzz/fuzz_conf.c $(TLSKD_CORE)

HOST_TESTS += fuzz-tlskd-proto-smoke fuzz-tlskd-conf-smoke
$(eval $(call program,fuzz-tlskd-proto-smoke,\
	tlskd/fuzz/replay.c $(fuzz-tlskd-proto_SRCS)))
$(eval $(call program,fuzz-tlskd-conf-smoke,\
	tlskd/fuzz/replay.c $(fuzz-tlskd-conf_SRCS)))

# The end-to-end test's service (not a test by itself).
TLSKD_TEST_TOOLS := tlskd-test-service
$(eval $(call program,tlskd-test-service,tlskd/tests/service.c))
all: $(BUILD)/bin/tlskd-test-service

# The end-to-end script, next to the binaries it drives.
HOST_TESTS += tlskd-e2e-test
$(BUILD)/bin/tlskd-e2e-test: tlskd/tests/e2e.sh $(BUILD)/bin/tlskd \
		$(BUILD)/bin/tlskd-test-service $(BUILD)/bin/tlskd-test-lib.sh \
		$(BUILD)/bin/tlskctl
	@mkdir -p $(@D)
	cp $< $@
$(BUILD)/bin/tlskd-test-lib.sh: tlskd/tests/lib.sh
	@mkdir -p $(@D)
	cp $< $@
