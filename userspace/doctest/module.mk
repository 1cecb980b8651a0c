# SPDX-License-Identifier: MIT
#
# doctest/: the documentation run as written (docs/quickstart.md), so that
# a page that drifts from the code fails make check. run.sh says how.

HOST_TESTS += doc-quickstart-test
$(BUILD)/bin/doc-quickstart-test: doctest/run.sh $(BUILD)/bin/doctest-extract.py \
		$(BUILD)/bin/tlskd $(BUILD)/bin/tlsk-httpd $(BUILD)/bin/tlskctl
	@mkdir -p $(@D)
	cp $< $@
$(BUILD)/bin/doctest-extract.py: doctest/extract.py
	@mkdir -p $(@D)
	cp $< $@
