# SPDX-License-Identifier: MIT
#
# tools/: tlsk-client and tlsk-server, the counterparts of openssl
# s_client/s_server (same option spellings), and the host interop suite
# (../selftests/interop) that runs them against OpenSSL and GnuTLS.
#
#   make interop     run only the interop suite (TAP in $(RESULTS)/interop)
#
# `make check` runs the suite too: it is registered as the host test
# "interop", a wrapper script copied into $(BUILD)/bin.

TOOLS_COMMON := tools/common.c tools/options.c

PROGRAMS += tlsk-client tlsk-server
$(eval $(call program,tlsk-client,tools/client.c $(TOOLS_COMMON)))
$(eval $(call program,tlsk-server,tools/server.c $(TOOLS_COMMON)))

INTEROP_DIR := ../selftests/interop
HOST_TESTS += interop

$(BUILD)/bin/interop: $(INTEROP_DIR)/run $(wildcard $(INTEROP_DIR)/*.sh) \
		$(BUILD)/bin/tlsk-client $(BUILD)/bin/tlsk-server
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s/run %s\n' "$(abspath $(INTEROP_DIR))" \
		"$(abspath $(BUILD)/bin)" >$@
	chmod +x $@

.PHONY: interop
interop: $(BUILD)/bin/interop
	@../scripts/run-tap interop $(RESULTS)/interop/interop.tap $<
