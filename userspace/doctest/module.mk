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

# docs/daemon.md's "Deployment with systemd", with the files it assumes
# and a stand-in for systemctl (run.sh says what it does).
HOST_TESTS += doc-deploy-test
$(BUILD)/bin/doc-deploy-test: $(BUILD)/bin/doc-quickstart-test
	@mkdir -p $(@D)
	printf '%s\n' '#!/bin/sh' '# SPDX-License-Identifier: MIT' \
		'bin=$$(dirname "$$0")' \
		'DOCTEST_GIVEN=deploy exec "$$bin/doc-quickstart-test" "$$bin/../../../../docs/daemon.md" "Deployment with systemd"' >$@
	chmod +x $@
