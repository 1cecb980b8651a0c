# SPDX-License-Identifier: MIT
#
# TLS 1.2 in libtlsk: the building blocks (key derivation, suites,
# messages, RSA key transport, session caches), the handshake handlers
# (tls12_common.c, tls12_server.c, tls12_client.c) and their unit tests.
# The sources live in lib/ beside the TLS 1.3 engine; this fragment lists
# them (docs/tls12.md).
# Tests may link libssl as an independent implementation to check against.

LIBTLSK_SRCS += lib/tls12_suites.c lib/tls12_keys.c lib/rsa_kx.c \
	lib/tls12_msgs.c lib/sesscache.c lib/tls12_tables.c \
	lib/tls12_common.c lib/tls12_server.c lib/tls12_client.c

TLS12_TESTS := tls12-suites-test tls12-keys-test tls12-rsa-kx-test \
	tls12-msgs-test tls12-msgs-interop-test tls12-sesscache-test \
	tls12-tables-test
HOST_TESTS += $(TLS12_TESTS)

$(eval $(call program,tls12-suites-test,tls12/tests/suites_test.c,-lssl))
$(eval $(call program,tls12-keys-test,\
	tls12/tests/keys_test.c tls12/tests/ssl12.c,-lssl))
$(eval $(call program,tls12-rsa-kx-test,\
	tls12/tests/rsa_kx_test.c tls12/tests/ssl12.c,-lssl))
$(eval $(call program,tls12-msgs-test,tls12/tests/msgs_test.c))
$(eval $(call program,tls12-msgs-interop-test,\
	tls12/tests/msgs_interop_test.c tls12/tests/ssl12.c,-lssl))
$(eval $(call program,tls12-sesscache-test,tls12/tests/sesscache_test.c))
$(eval $(call program,tls12-tables-test,tls12/tests/tables_test.c))

# libFuzzer harness over the TLS 1.2 parsers (make fuzz), and its smoke
# run in make check (fuzz/module.mk has the rules).
FUZZERS += fuzz-tlsk-tls12-messages
fuzz-tlsk-tls12-messages_SRCS := tls12/fuzz_tls12_messages.c
HOST_TESTS += fuzz-tlsk-tls12-messages-smoke
$(eval $(call program,fuzz-tlsk-tls12-messages-smoke,\
	fuzz/smoke.c tls12/fuzz_tls12_messages.c))
