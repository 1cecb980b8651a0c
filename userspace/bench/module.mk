# SPDX-License-Identifier: MIT
#
# bench/: tlsk-bench, record-layer throughput of plain TCP, tlsk, in-tree
# kTLS and OpenSSL measured side by side (docs/performance.md). It is the
# only program that links libssl outside the tests: OpenSSL is one of the
# stacks it measures. Run it through scripts/bench.

PROGRAMS += tlsk-bench

$(eval $(call program,tlsk-bench,\
	bench/main.c bench/cell.c bench/aead.c,-lssl -lpthread -lm))
