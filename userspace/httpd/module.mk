# SPDX-License-Identifier: MIT
#
# httpd/: tlsk-httpd, the example static-file HTTPS server, its HTTP
# parser's unit test and its end-to-end test with curl.

PROGRAMS += tlsk-httpd
# Built as users build theirs: public headers and libtlsk only
# (pkg-install-test rebuilds it against an installed tree).
$(eval $(call program,tlsk-httpd,httpd/main.c httpd/http.c))

HOST_TESTS += httpd-http-test
$(eval $(call program,httpd-http-test,httpd/tests/http_test.c httpd/http.c))

HOST_TESTS += httpd-e2e-test
$(BUILD)/bin/httpd-e2e-test: httpd/tests/e2e.sh $(BUILD)/bin/tlsk-httpd \
		$(BUILD)/bin/tlskd $(BUILD)/bin/tlskd-test-lib.sh
	@mkdir -p $(@D)
	cp $< $@
