# SPDX-License-Identifier: MIT
# libtlsk: the sans-I/O handshake engine and its tests.

LIBTLSK_SRCS += \
	lib/codec.c \
	lib/algs.c \
	lib/suites.c \
	lib/keysched.c \
	lib/hsrecord.c \
	lib/kex.c \
	lib/sig.c \
	lib/cert.c \
	lib/config.c \
	lib/ext.c \
	lib/tables.c \
	lib/engine.c \
	lib/tls13_common.c \
	lib/tls13_client.c \
	lib/tls13_server.c \
	lib/ticket.c \
	lib/peer.c

LIB_TESTS := test_codec test_keysched test_tables

HOST_TESTS += $(LIB_TESTS)

$(eval $(call program,test_codec,lib/tests/test_codec.c))
$(eval $(call program,test_keysched,lib/tests/test_keysched.c))
$(eval $(call program,test_tables,lib/tests/test_tables.c))
# The process-wide algorithm cache (lib/algs.c), its threads included.
HOST_TESTS += test_algs
$(eval $(call program,test_algs,lib/tests/test_algs.c,-lpthread))

LIB_TEST_HELPERS := lib/tests/harness.c lib/tests/testpki.c
# Hand-built ClientHellos (lib/tests/chello.c, also the server fuzz seeds)
HOST_TESTS += test_chello
$(eval $(call program,test_chello,lib/tests/test_chello.c \
	lib/tests/chello.c $(LIB_TEST_HELPERS)))
HOST_TESTS += test_engine
$(eval $(call program,test_engine,lib/tests/test_engine.c $(LIB_TEST_HELPERS)))

HOST_TESTS += test_interop
$(eval $(call program,test_interop,lib/tests/test_interop.c $(LIB_TEST_HELPERS),-lssl))

HOST_TESTS += test_errors
$(eval $(call program,test_errors,lib/tests/test_errors.c $(LIB_TEST_HELPERS)))

# Resumption bound to the issuing config (session context, client auth).
HOST_TESTS += test_resume
$(eval $(call program,test_resume,lib/tests/test_resume.c $(LIB_TEST_HELPERS)))

# Every signature scheme in each role against libssl, and the refusals.
HOST_TESTS += test_sigalgs
$(eval $(call program,test_sigalgs,lib/tests/test_sigalgs.c $(LIB_TEST_HELPERS),-lssl))
