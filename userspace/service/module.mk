# SPDX-License-Identifier: MIT
#
# service/: the libtlsk service API (tlsk/service.h): the tlskd wire
# protocol, SCM_RIGHTS fd passing, tlsk_handshake() and its non-blocking
# form, and tlsk_handshake_local().

LIBTLSK_SRCS += service/proto.c service/fdpass.c service/client.c \
	service/result.c service/kernel.c service/local.c

HOST_TESTS += service-proto-test
$(eval $(call program,service-proto-test,service/tests/proto_test.c))
