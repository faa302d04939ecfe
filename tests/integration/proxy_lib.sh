# proxy_lib.sh - the director and guards with an on-path attacker between
# them (mitm_proxy.py); source it after lib.sh.
# proxied_pair [MODE]: sets up and starts dir and guards, starts the proxy
# in MODE (see mitm_proxy.py) in front of guards' listener, and enrols each
# in the other, the director dialling the proxy ($PROXY is its pid; it is
# stopped at the end). Every step is a check.
proxied_pair() {
	local dkey gport pport dfp gfp
	check "the director is set up" node_init dir municipality
	dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
	check "guards is set up" node_init_member guards "$dkey"
	check "the director starts" node_start dir
	check "guards starts" node_start guards
	gport=$(sed -n 's|^listen = tcp://127.0.0.1:\([0-9]*\)$|\1|p' "$WN_T/guards/wijknet.conf")
	/usr/bin/python3 "$TOP/tests/integration/mitm_proxy.py" "$WN_T/proxy.port" "$gport" \
		"$WN_T/proxy.log" "$@" &
	PROXY=$!
	trap 'rc=$?; kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; (exit $rc); wn_cleanup' EXIT
	check "the attacker's proxy listens" wait_for 60 test -s "$WN_T/proxy.port"
	pport=$(cat "$WN_T/proxy.port")
	dfp=$(bundle dir)
	check "guards enrols the director" wn guards peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
	gfp=$(bundle guards)
	# the fingerprint covers the keys, not the endpoint: the director
	# dials the proxy, which forwards to guards
	sed -i "s|^endpoint = .*|endpoint = tcp://127.0.0.1:$pport|" "$WN_T/guards.bundle"
	check "the director enrols guards at the proxy's address" \
		wn dir peer add "$WN_T/guards.bundle" --fingerprint "$gfp"
	check "guards gets the charter (through the proxy)" wait_for 60 field_is dir guards queued 0
}
