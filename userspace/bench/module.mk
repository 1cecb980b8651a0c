# SPDX-License-Identifier: MIT
#
# bench/: tlsk-bench, record-layer throughput of plain TCP, tlsk, in-tree
# kTLS and OpenSSL measured side by side (docs/performance.md). It is the
# only program that links libssl outside the tests: OpenSSL is one of the
# stacks it measures. Run it through scripts/bench.

PROGRAMS += tlsk-bench

$(eval $(call program,tlsk-bench,\
	bench/main.c bench/cell.c bench/aead.c,-lssl -lpthread -lm))

# tlsk-hscost: server-side CPU of one handshake, libtlsk's engine against
# libssl, in one process (natively and under callgrind); tlsk-hsload: a
# libssl load client for handshakes/s against a listening server (tlskd
# behind tlsk-httpd, or openssl s_server). Run both through scripts/hsbench.
PROGRAMS += tlsk-hscost
$(eval $(call program,tlsk-hscost,bench/hscost.c,-lssl))
PROGRAMS += tlsk-hsload
$(eval $(call program,tlsk-hsload,bench/hsload.c,-lssl))

# `make check` runs the handshake bench's smoke variant: a few handshakes
# of each kind against each server, TAP, no timings.
HOST_TESTS += hsbench-smoke
$(BUILD)/bin/hsbench-smoke: ../scripts/hsbench $(BUILD)/bin/tlsk-hscost \
		$(BUILD)/bin/tlsk-hsload $(BUILD)/bin/tlskd $(BUILD)/bin/tlsk-httpd
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s --smoke --bin %s\n' \
		"$(abspath ../scripts/hsbench)" "$(abspath $(BUILD)/bin)" >$@
	chmod +x $@
