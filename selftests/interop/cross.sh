# SPDX-License-Identifier: MIT
#
# tlsk-client -> tlsk-server with each end on its own record layer: one
# kernel ULP against the other (in the VM: run --ulp ...), and the kernel
# against the userspace record layer.

# cross_pair CLIENT_ULP SERVER_ULP: a page and 200 KB of echo between them.
cross_pair() {
	local cu=$1 su=$2
	[ -n "$CROSS_ACTIVE" ] ||
		skip "needs the kernel ULPs: in the VM, run --ulp tlsk|tls"
	touch "$C/mixed-ulps"	# check_ulp: two layers on purpose
	ULP=$su tlsk_server -echo || return 1
	head -c 150000 /dev/urandom | base64 -w 1000 >"$C/bulk"
	timeout 60 "$BIN/tlsk-client" -connect "127.0.0.1:$PORT" \
		-servername localhost -CAfile "$PKI/ca.pem" -wait 2000 \
		-ulp "$cu" <"$C/bulk" >"$C/out" 2>"$C/err"
	RC=$?
	expect_rc0
	expect_in "$C/err" "ulp=$cu\$"
	server_logged "ulp=$su\$" || fail "server not on ulp=$su"
	cmp -s "$C/bulk" "$C/out" || fail "echo differs"
}

# In the VM (run --ulp X) the pairs are X against the other kernel ULP
# and X against userspace, both ways round.
CROSS_ACTIVE=1 CROSS_ULP=$ULP
case $ULP in
tlsk) CROSS_OTHER=tls ;;
tls) CROSS_OTHER=tlsk ;;
*) CROSS_ACTIVE='' CROSS_ULP=tlsk CROSS_OTHER=tls ;; # listed; SKIP here
esac
for pair in "$CROSS_ULP:$CROSS_OTHER" "$CROSS_OTHER:$CROSS_ULP" \
	"$CROSS_ULP:user" "user:$CROSS_ULP"; do
	IFS=: read -r cu su <<<"$pair"
	case_add "cross tlsk-client($cu) tlsk-server($su)" cross_pair "$cu" "$su"
done
