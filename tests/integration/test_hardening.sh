#!/usr/bin/env bash
# test_hardening.sh - smaller items of issue 16: a bundle carrying a
# low-order X25519 key (or an invalid Ed25519 key) is refused at
# `peer add` and nothing is stored, so no node ends up refusing to start;
# the daemon runs with core dumps off (RLIMIT_CORE 0, not dumpable)
# unless a test keeps them; the wire capture file is the node's alone
# (0600), also when it existed with a wider mode.
. "$(dirname "$0")/lib.sh"

check "the director is set up" node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "guards is set up" node_init_member guards "$dkey"

# --- core dumps off (this test sees the daemon as it runs for real)
umask 022
printf 'old bytes\n' >"$WN_T/dir.wire"
chmod 644 "$WN_T/dir.wire"
WIJKNET_TEST_KEEP_CORES= WN_CAPTURE=1 check "the director starts without the tests' core hook" node_start dir
check "  its core file size limit is 0" \
	test "$(awk '/^Max core file size/ {print $5 ":" $6}' "/proc/${WN_PID[dir]}/limits")" = "0:0"
# (as root, /proc cannot show another process's dumpable flag: the daemon
# says what prctl(PR_GET_DUMPABLE) answered once it set it)
check "  and it is not dumpable (no core, no ptrace by its user)" \
	grep -q 'core dumps off: core size 0, not dumpable (0)' "$WN_T/dir.log"
check "guards starts with the tests' hook (cores kept)" node_start guards
# (a sanitizer build turns cores off itself, before main: then the hook
# finds a core size limit of 0 and keeps nothing)
if [ "${BUILD%-san}" = "$BUILD" ]; then
	check "  it warns that core dumps stay on" \
		grep -q 'level=warn msg="WIJKNET_TEST_KEEP_CORES=1 (a test build): core dumps stay on' "$WN_T/guards.log"
	check "  and they are on" grep -q 'level=warn msg="core dumps ON (dumpable 1)' "$WN_T/guards.log"
else
	check "  (sanitizer build) core dumps are off all the same" \
		grep -q 'core dumps off: core size 0, not dumpable (0)' "$WN_T/guards.log"
fi

# --- the daemon as installed ignores the hook: only the tests' build has it
release="$TOP/$BUILD/wijknetd"
check "the installed daemon does not even hold the hook's name" \
	test "$(strings "$release" | grep -c WIJKNET_TEST_KEEP_CORES)" = 0
check "  (the tests' daemon does)" test "$(strings "$WIJKNETD" | grep -c WIJKNET_TEST_KEEP_CORES)" -ge 1
check "the director stops" node_stop dir
WIJKNETD=$release WIJKNET_TEST_KEEP_CORES=1 WN_CAPTURE=1 check "the installed daemon starts with WIJKNET_TEST_KEEP_CORES=1" node_start dir
check "  its core file size limit is 0 all the same" \
	test "$(awk '/^Max core file size/ {print $5 ":" $6}' "/proc/${WN_PID[dir]}/limits")" = "0:0"
check "  and it says core dumps are off, not dumpable" \
	sh -c "tail -c +$((${WN_LOGAT[dir]} + 1)) '$WN_T/dir.log' | grep -q 'core dumps off: core size 0, not dumpable (0)'"
check "  with no word of the hook" \
	sh -c "! tail -c +$((${WN_LOGAT[dir]} + 1)) '$WN_T/dir.log' | grep -q 'KEEP_CORES'"
# every subcommand, not only run: init waits here for its passphrase (a
# FIFO, which it then refuses as no regular file) after main() turned
# core dumps off
mkfifo -m 600 "$WN_T/init.pass"
( ulimit -S -c unlimited; exec "$release" init --data "$WN_T/late" --org-id late --org-name Late \
	--role police --listen tcp://127.0.0.1:9 --user admin --passphrase-file "$WN_T/init.pass" \
	--kdf interactive --director-key "$dkey" ) >"$WN_T/init.out" 2>&1 &
ipid=$!
limit0() { test "$(awk '/^Max core file size/ {print $5 ":" $6}' "/proc/$ipid/limits")" = "0:0"; }
check "wijknetd init runs with a core file size limit of 0 (set in main)" wait_for 60 limit0
# init may refuse the FIFO and close it before this write: the write then
# fails (EPIPE) in a subshell that ignores SIGPIPE, instead of the signal
# ending this script (seen on a busy machine: exit 141)
( trap '' PIPE; printf 'pass-late-%s\n' "$RANDOM$RANDOM" >"$WN_T/init.pass" ) 2>/dev/null
wait "$ipid"

# --- low-order keys at enrolment
dfp=$(bundle dir)
check "guards enrols the director" wn guards peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
gfp=$(bundle guards)
wn dir --json peer list >"$WN_T/peers.before"
# edited bundles carry the fingerprint of their own keys (what a partner
# who made such a bundle would send): BLAKE2b-120 keyed "wijknet-fp" over
# sign_key || kx_key, in base32 groups of four
fp_of() {
	/usr/bin/python3 -c 'import hashlib, base64, sys
h = hashlib.blake2b(bytes.fromhex(sys.argv[1]) + bytes.fromhex(sys.argv[2]),
    digest_size=15, key=b"wijknet-fp").digest()
s = base64.b32encode(h).decode()
print("-".join(s[i:i + 4] for i in range(0, 24, 4)))' "$1" "$2"
}
bkey() { sed -n "s/^$2 = //p" "$1"; }
edited() { # edited KEY VALUE: guards' bundle with KEY = VALUE, self-consistent
	sed "s/^$1 = .*/$1 = $2/" "$WN_T/guards.bundle" >"$WN_T/bad.bundle"
	local fp; fp=$(fp_of "$(bkey "$WN_T/bad.bundle" sign_key)" "$(bkey "$WN_T/bad.bundle" kx_key)")
	sed -i "s/^fingerprint = .*/fingerprint = $fp/" "$WN_T/bad.bundle"
	echo "$fp"
}
check "the fingerprint is computed here as the node does" \
	test "$(fp_of "$(bkey "$WN_T/guards.bundle" sign_key)" "$(bkey "$WN_T/guards.bundle" kx_key)")" = "$gfp"
for bad in 0000000000000000000000000000000000000000000000000000000000000000 \
	   0100000000000000000000000000000000000000000000000000000000000000 \
	   e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800 \
	   ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f; do
	bfp=$(edited kx_key "$bad")
	check_exit "a bundle with the low-order kx_key ${bad:0:8}.. is refused at peer add" 1 \
		wn dir peer add "$WN_T/bad.bundle" --fingerprint "$bfp"
	check_out "  saying why, plainly" "low-order X25519 key .*ask the partner for a new bundle"
done
bfp=$(edited sign_key 0100000000000000000000000000000000000000000000000000000000000000)
check_exit "a bundle with a small-order sign_key is refused too" 1 \
	wn dir peer add "$WN_T/bad.bundle" --fingerprint "$bfp"
check_out "  saying why" "sign_key is not a valid Ed25519 key"
wn dir --json peer list >"$WN_T/peers.after"
check "nothing was stored: the director's peer list is as before" cmp -s "$WN_T/peers.before" "$WN_T/peers.after"
check "the director restarts (no peer it cannot use)" node_stop dir
WIJKNET_TEST_KEEP_CORES= WN_CAPTURE=1 check "  and starts" node_start dir
check "the real bundle is enrolled" wn dir peer add "$WN_T/guards.bundle" --fingerprint "$gfp"
check "  and guards gets the charter" wait_for 60 field_is dir guards queued 0

# --- the wire capture is private
check "the director captured the wire" test -s "$WN_T/dir.wire"
check "  into a file of mode 0600 (it existed as 0644)" test "$(stat -c %a "$WN_T/dir.wire")" = 600
rm -f "$WN_T/dir.wire"
check "the director restarts" node_stop dir
WIJKNET_TEST_KEEP_CORES= WN_CAPTURE=1 check "  and starts" node_start dir
check "guards sends it a message" wn guards peer send dir --count 1
check "  it is captured" wait_for 60 test -s "$WN_T/dir.wire"
check "  into a new file of mode 0600" test "$(stat -c %a "$WN_T/dir.wire")" = 600
wn_done
