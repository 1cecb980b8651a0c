# SPDX-License-Identifier: MIT
# libtlsk: the sans-I/O handshake engine and its tests.

LIBTLSK_SRCS += \
	lib/codec.c \
	lib/suites.c \
	lib/keysched.c

LIB_TESTS := test_codec test_keysched

HOST_TESTS += $(LIB_TESTS)

$(eval $(call program,test_codec,lib/tests/test_codec.c))
$(eval $(call program,test_keysched,lib/tests/test_keysched.c))
