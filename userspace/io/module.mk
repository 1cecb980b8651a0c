# SPDX-License-Identifier: MIT
#
# io/: what runs around the handshake engine. The userspace record layer,
# the kernel hand-off (TCP_ULP "tlsk", else "tls", else userspace) and the
# socket driver; all part of libtlsk.a. Tests may link libssl as an
# independent implementation to check ours against; the library never does.

LIBTLSK_SRCS += io/aead.c io/record.c

IO_TESTS := io-record-test
HOST_TESTS += $(IO_TESTS)

$(eval $(call program,io-record-test,io/tests/record_test.c io/tests/ssl_peer.c,-lssl))
