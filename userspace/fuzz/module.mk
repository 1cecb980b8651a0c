# SPDX-License-Identifier: MIT
#
# libFuzzer harnesses: the build and run rules for every fragment's
# FUZZERS, and libtlsk's own harnesses (engine and message parsers).
#
# A fragment declares a harness NAME with
#	FUZZERS += NAME
#	NAME_SRCS := its sources besides libtlsk (one defines
#	             LLVMFuzzerTestOneInput)
#	NAME_LIBS := libraries it needs besides libcrypto (optional)
#
#   make fuzz         builds each with clang -fsanitize=fuzzer,address,
#                     undefined into build/fuzz/bin and runs it for
#                     FUZZ_SECONDS (default 5) on build/fuzz/corpus/NAME,
#                     seeded by build/<...>/bin/NAME-smoke DIR when that
#                     program exists
#   make check        runs libtlsk's harnesses briefly as plain programs
#                     (NAME-smoke: seeds + deterministic mutations)
#   build/fuzz/bin/NAME -max_total_time=600 build/fuzz/corpus/NAME
#                     for longer, by hand

FUZZ_COMMON := fuzz/common.c lib/tests/testpki.c lib/tests/chello.c

FUZZERS += fuzz-tlsk-server fuzz-tlsk-client fuzz-tlsk-messages
fuzz-tlsk-server_SRCS := fuzz/fuzz_server.c $(FUZZ_COMMON)
fuzz-tlsk-client_SRCS := fuzz/fuzz_client.c $(FUZZ_COMMON)
fuzz-tlsk-messages_SRCS := fuzz/fuzz_messages.c $(FUZZ_COMMON)

LIBTLSK_FUZZERS := fuzz-tlsk-server fuzz-tlsk-client fuzz-tlsk-messages
HOST_TESTS += $(addsuffix -smoke,$(LIBTLSK_FUZZERS))
$(foreach f,$(LIBTLSK_FUZZERS),$(eval \
	$(call program,$(f)-smoke,fuzz/smoke.c $($(f)_SRCS))))

FUZZ_SECONDS ?= 5
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer \
	      -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz_objs = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(sort $(1)))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link -c -o $@ $<
.PRECIOUS: $(FUZZ_DIR)/obj/%.o

# FUZZERS, NAME_SRCS and LIBTLSK_SRCS are complete only once every
# fragment is read: these prerequisites are expanded a second time.
.SECONDEXPANSION:
$(FUZZ_DIR)/bin/%: $$(call fuzz_objs,$$($$*_SRCS) $$(LIBTLSK_SRCS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $($*_LIBS) \
		$(CRYPTO_LIBS)

fuzz: $$(addprefix $(FUZZ_DIR)/bin/,$$(FUZZERS)) \
      $$(addprefix $(BUILD)/bin/,$$(addsuffix -smoke,$$(LIBTLSK_FUZZERS)))
	@set -e; for f in $(FUZZERS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$f; \
		if [ -x $(BUILD)/bin/$$f-smoke ]; then \
			$(BUILD)/bin/$$f-smoke $(FUZZ_DIR)/corpus/$$f; fi; \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		if ! $(FUZZ_DIR)/bin/$$f -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 $(FUZZ_DIR)/corpus/$$f \
			>$(FUZZ_DIR)/$$f.log 2>&1; then \
			tail -40 $(FUZZ_DIR)/$$f.log; exit 1; \
		fi; \
		grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/$$f.log; \
	done
