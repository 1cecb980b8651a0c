# SPDX-License-Identifier: MIT
#
# service/: the libtlsk service API (tlsk/service.h): the tlskd wire
# protocol, SCM_RIGHTS fd passing, tlsk_handshake() and its non-blocking
# form, and tlsk_handshake_local().

LIBTLSK_SRCS += service/proto.c service/fdpass.c service/client.c \
	service/result.c service/kernel.c service/local.c service/close.c

# tlsk_config_load_profile(): a tlskd.conf profile for the in-process
# mode, through tlskd's own parser and loader (libtlsk exports neither).
LIBTLSK_SRCS += service/profile.c tlskd/conf.c tlskd/load.c tlskd/sessstore.c \
	tlskd/fleet.c

HOST_TESTS += service-proto-test
$(eval $(call program,service-proto-test,service/tests/proto_test.c))

# docs/quickstart.md's examples, built so that they stay correct, and run
# against each other through tlskd by service-examples-test.
SERVICE_EXAMPLES := tlsk-hello-server tlsk-hello-client
$(eval $(call program,tlsk-hello-server,service/examples/hello_server.c))
$(eval $(call program,tlsk-hello-client,service/examples/hello_client.c))
HOST_TESTS += service-examples-test
$(BUILD)/bin/service-examples-test: service/tests/examples_test.sh \
		$(addprefix $(BUILD)/bin/,$(SERVICE_EXAMPLES) tlskd \
		tlskd-test-lib.sh)
	@mkdir -p $(@D)
	cp $< $@

HOST_TESTS += service-client-test
$(eval $(call program,service-client-test,service/tests/client_test.c))

# tlsk_config_load_profile() against configs written at test time.
HOST_TESTS += service-profile-test
$(eval $(call program,service-profile-test,service/tests/profile_test.c \
	lib/tests/testpki.c))
