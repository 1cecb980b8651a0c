# SPDX-License-Identifier: MIT
#
# tlskctl/: the command-line tool (daemon status over tlskd's socket,
# kernel counters, and with the control plane, the socket dump via libnl).

PROGRAMS += tlskctl
$(BUILD)/obj/tlskctl/%.o: CPPFLAGS += $(NL_CFLAGS)
$(eval $(call program,tlskctl,tlskctl/tlskctl.c,$(NL_LIBS)))

HOST_TESTS += tlskctl-test
$(BUILD)/bin/tlskctl-test: tlskctl/tests/tlskctl_test.sh $(BUILD)/bin/tlskctl \
		$(BUILD)/bin/tlskd-test-lib.sh
	@mkdir -p $(@D)
	cp $< $@
