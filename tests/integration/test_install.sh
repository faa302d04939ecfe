#!/usr/bin/env bash
# test_install.sh - make install and make uninstall into a DESTDIR: every
# file is where it belongs with its mode; the systemd unit passes
# `systemd-analyze verify` without a single warning (its ExecStart pointed
# at the DESTDIR copy, its man pages found in the DESTDIR) and carries the
# hardening and the credential; each man page renders with `man -l`
# without warnings; wijknet.conf(5) and the example config name every key
# config/cfg.c reads; uninstall removes what install put and nothing else.
. "$(dirname "$0")/lib.sh"

D="$WN_T/destdir"
# the build is made already (make test): install only copies it
mk() { make -C "$TOP" --no-print-directory -s -o all BUILD="$BUILD" "$@"; }

check "make install DESTDIR=... succeeds" mk install DESTDIR="$D"

# --- every file, with its mode
while read -r mode path; do
	if [ ! -e "$D$path" ]; then
		not_ok "install puts $path"
	elif [ "$(stat -c %a "$D$path")" != "$mode" ]; then
		not_ok "install puts $path with mode $mode, not $(stat -c %a "$D$path")"
	else
		ok "install puts $path (mode $mode)"
	fi
done <<'EOF'
755 /usr/local/bin/wijknetd
755 /usr/local/bin/wijknet
644 /usr/local/share/man/man1/wijknet.1
644 /usr/local/share/man/man5/wijknet.conf.5
644 /usr/local/share/man/man8/wijknetd.8
644 /usr/local/share/doc/wijknet/wijknet.conf.example
644 /usr/local/lib/systemd/system/wijknetd.service
644 /usr/local/lib/sysusers.d/wijknet.conf
755 /etc/wijknet
EOF
check "the installed wijknet runs" "$D/usr/local/bin/wijknet" --help
check "the installed wijknetd runs" "$D/usr/local/bin/wijknetd" --help

# PREFIX and the folders are honoured
check "make install PREFIX=/opt/wn DESTDIR=..." mk install PREFIX=/opt/wn DESTDIR="$WN_T/opt"
if [ -x "$WN_T/opt/opt/wn/bin/wijknetd" ] &&
	grep -q '^ExecStart=/opt/wn/bin/wijknetd run ' "$WN_T/opt/opt/wn/lib/systemd/system/wijknetd.service"; then
	ok "PREFIX moves the programs and the unit's ExecStart"
else
	not_ok "PREFIX moves the programs and the unit's ExecStart"
fi

# --- the unit
U="$D/usr/local/lib/systemd/system/wijknetd.service"
unit_has() { # NAME LINE: the unit holds exactly this line
	if grep -qxF -- "$2" "$U"; then ok "$1"; else
		not_ok "$1: no line '$2' in the unit"; fi
}
unit_has "the unit runs the installed daemon" \
	"ExecStart=/usr/local/bin/wijknetd run --config /var/lib/wijknet/wijknet.conf"
unit_has "the unit runs as the user wijknet" "User=wijknet"
unit_has "the passphrase comes as a systemd credential" \
	"LoadCredential=wijknet-passphrase:/etc/wijknet/passphrase"
for line in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	ReadWritePaths=/var/lib/wijknet CapabilityBoundingSet= SystemCallFilter=@system-service \
	AmbientCapabilities= PrivateDevices=yes RestrictSUIDSGID=yes UMask=0077; do
	unit_has "the unit hardens: $line" "$line"
done
if grep -Eiq '^(Environment|EnvironmentFile|PassEnvironment|Exec[A-Za-z]*)=.*pass' "$U"; then
	not_ok "no passphrase in the unit's argv or environment"
else
	ok "no passphrase in the unit's argv or environment"
fi
# a config with source = credential and no name reads that very credential
if grep -q 'define CFG_DEFAULT_PASS_NAME "wijknet-passphrase"' "$TOP/config/cfg.h"; then
	ok "the unit's credential is the config's default name"
else
	not_ok "the unit's credential is the config's default name"
fi
# the sysusers.d file makes the unit's user
if grep -Eq '^u wijknet - ' "$D/usr/local/lib/sysusers.d/wijknet.conf"; then
	ok "sysusers.d makes the system user wijknet"
else
	not_ok "sysusers.d makes the system user wijknet"
fi

# systemd-sysusers, given the DESTDIR as its root, makes the user from it
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$WN_T/sysroot/etc" "$WN_T/sysroot/usr/local/lib/sysusers.d"
	: >"$WN_T/sysroot/etc/passwd"
	: >"$WN_T/sysroot/etc/group"
	cp "$D/usr/local/lib/sysusers.d/wijknet.conf" "$WN_T/sysroot/usr/local/lib/sysusers.d/"
	systemd-sysusers --root="$WN_T/sysroot" >"$WN_T/out" 2>&1
	if grep -q '^wijknet:x:[0-9]*:[0-9]*:.*:/var/lib/wijknet:' "$WN_T/sysroot/etc/passwd"; then
		ok "systemd-sysusers makes the user wijknet from it"
	else
		not_ok "systemd-sysusers makes the user wijknet from it"
		sed 's/^/    /' "$WN_T/out"
	fi
fi

# systemd-analyze verify: ExecStart must exist, so a copy points at the
# DESTDIR's daemon; Documentation= man pages are looked up in the DESTDIR.
# It exits 0 even for an unknown key, so its output must be empty too.
if ! command -v systemd-analyze >/dev/null; then
	not_ok "systemd-analyze is installed (Debian's systemd package; make deps)"
else
	sed "s|^ExecStart=/usr/local/bin/|ExecStart=$D/usr/local/bin/|" "$U" >"$WN_T/wijknetd.service"
	MANPATH="$D/usr/local/share/man" systemd-analyze verify "$WN_T/wijknetd.service" \
		>"$WN_T/verify.out" 2>&1
	vrc=$?
	if [ "$vrc" -eq 0 ] && [ ! -s "$WN_T/verify.out" ]; then
		ok "systemd-analyze verify accepts the unit, without a warning"
	else
		not_ok "systemd-analyze verify accepts the unit, without a warning (exit $vrc):"
		sed 's/^/    /' "$WN_T/verify.out"
	fi
fi

# --- the man pages render without warnings
for page in man1/wijknet.1 man5/wijknet.conf.5 man8/wijknetd.8; do
	MANWIDTH=80 man --warnings -l "$D/usr/local/share/man/$page" >"$WN_T/man.out" 2>"$WN_T/man.err"
	mrc=$?
	if [ "$mrc" -eq 0 ] && [ ! -s "$WN_T/man.err" ] && [ -s "$WN_T/man.out" ]; then
		ok "man -l renders $page without warnings"
	else
		not_ok "man -l renders $page without warnings (exit $mrc):"
		sed 's/^/    /' "$WN_T/man.err" | head -20
	fi
done

# --- every key config/cfg.c reads is in wijknet.conf(5) and the example
keys=$(sed -n 's/^[[:space:]]*{SECT_[A-Z]*, "\([a-z_]*\)",.*/\1/p' "$TOP/config/cfg.c")
[ "$(wc -w <<<"$keys")" -ge 20 ] && ok "the keys of config/cfg.c are found ($(wc -w <<<"$keys"))" ||
	not_ok "the keys of config/cfg.c are found (only: $keys)"
# the items of the man page: the line after each .TP, its fonts taken off
awk 'tp { gsub(/^\.B[RI]* |"|,/, ""); print; tp = 0 } /^\.TP/ { tp = 1 }' \
	"$TOP/config/wijknet.conf.5" >"$WN_T/conf5.items"
for k in $keys; do
	# a key is documented where it opens an item (.TP), alone or in a
	# list of keys (".BR tls_cert \", \" tls_key ...")
	if grep -qw -- "$k" "$WN_T/conf5.items"; then
		ok "wijknet.conf(5) describes $k"
	else
		not_ok "wijknet.conf(5) describes $k"
	fi
	if grep -Eq "^#? ?$k = " "$TOP/config/wijknet.conf.example"; then
		ok "the example config shows $k"
	else
		not_ok "the example config shows $k"
	fi
done

# --- uninstall: what install put goes, what the administrator put stays
install -m 600 /dev/null "$D/etc/wijknet/passphrase"
check "make uninstall DESTDIR=... succeeds" mk uninstall DESTDIR="$D"
left=$(find "$D" -type f | sed "s|^$D||")
if [ "$left" = "/etc/wijknet/passphrase" ]; then
	ok "uninstall removes every file install put, and leaves the passphrase"
else
	not_ok "uninstall removes every file install put, and leaves the passphrase; left:"
	sed 's/^/    /' <<<"$left"
fi
rm -f "$D/etc/wijknet/passphrase"
check "uninstall again (nothing left to remove) succeeds" mk uninstall DESTDIR="$D"
if [ -z "$(find "$D" -mindepth 1 \( -type f -o -path "$D/etc/wijknet" -o -path "$D/usr/local/share/doc/wijknet" \))" ]; then
	ok "uninstall removes the folders of its own once empty"
else
	not_ok "uninstall removes the folders of its own once empty"
	find "$D" | sed 's/^/    /'
fi

wn_done
