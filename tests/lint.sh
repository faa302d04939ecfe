#!/usr/bin/env bash
# lint.sh - banned calls (as curl's checksrc) in our C sources, and the
# rooms of node/: which room's headers each room may include.
set -u
status=0
files=$(find node protocol crypto cli config tests -name "*.[ch]" | sort)
for f in $files; do
	if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)\s*\(' "$f" \
		| grep -v '^\s*//' ; then
		echo "  ^ $f: banned call (use wn_strlcpy, snprintf, wn_parse_u64, strtok_r)"
		status=1
	fi
done
[ $status -eq 0 ] && echo "lint: no banned calls"

# a session's keys never leave crypto/ in the daemon: sec_peer_key_export
# is for the test tools (wnpoke), nowhere in node/, protocol/ or cli/
if grep -rn 'sec_peer_key_export' node protocol cli config; then
	echo "  ^ sec_peer_key_export is for the test tools only"
	status=1
else
	echo "lint: no session key leaves crypto/ outside the test tools"
fi

# The rooms of node/ (ARCHITECTURE.md): a file in node/ROOM/ may include
# the headers of its own room, of the rooms listed for ROOM here, and
# node/node.h (what every room shares; not the store, which is below the
# node). A lower room never names an upper one: it offers a table the
# upper one registers into. A new room gets a line here.
declare -A uses=(
	[store]=""
	[subject]="core store exchange need"
	[core]="store"
	[exchange]="core store"
	[need]="core store exchange"
	[work]="core store exchange need"
	[alert]="core store"
	[daemon]="core store exchange need work subject alert"
)
# node/node.h is shared by every room above the store, so it may include
# only these headers of node/ (it carries struct node); a room header
# added to it would hand that room to every other one.
node_h_may="node/core/server.h node/store/store.h"
rooms_ok=1
for f in $(find node -name "*.[ch]" | sort); do
	room=$(cut -d/ -f2 <<<"$f")
	if [ "$f" = node/node.h ]; then
		room=""
	elif [ "$room" = "$(basename "$f")" ]; then
		echo "  $f: a file of node/ outside any room (ARCHITECTURE.md)"
		rooms_ok=0; continue
	elif [ -z "${uses[$room]+x}" ]; then
		echo "  $f: node/$room/ is not a room in tests/lint.sh's table"
		rooms_ok=0; continue
	fi
	# Every include line, in any spelling: the path must be one the
	# table below can judge, so no "..", no "//", no "./", no <node/...>,
	# no .c file, and a quoted path is either a file of the same
	# directory or starts at the top (node/, config/, crypto/, protocol/).
	while IFS= read -r line; do
		inc=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\(["<][^">]*[">]\).*/\1/p' <<<"$line")
		if [ -z "$inc" ]; then
			echo "  $f: '$line': an include lint cannot read (write \"path\" or <path>)"
			rooms_ok=0; continue
		fi
		path=${inc:1:${#inc}-2}
		bad=""
		case "$path" in
		*..*|*//*|./*|*/./*) bad="a path with .. or // or ./" ;;
		*.c) bad="a .c file" ;;
		esac
		if [ -z "$bad" ] && [ "${inc:0:1}" = "<" ]; then
			case "$path" in node/*|node) bad="<node/...> (write \"node/ROOM/x.h\")" ;; esac
		elif [ -z "$bad" ]; then
			case "$path" in
			node/*|config/*|crypto/*|protocol/*) ;;
			*/*) bad="a quoted path that does not start at the top (node/, config/, crypto/, protocol/)" ;;
			*) [ -z "$room" ] && bad="a bare name in node/node.h" ;;
			esac
		fi
		if [ -n "$bad" ]; then
			echo "  $f includes $inc: $bad"
			rooms_ok=0; continue
		fi
		[ "${inc:0:1}" = "<" ] && continue
		[[ "$path" == node/* ]] || continue
		to=$(cut -d/ -f2 <<<"$path")
		if [ -z "$room" ]; then
			[[ " $node_h_may " == *" $path "* ]] && continue
			echo "  $f includes $inc: node/node.h may include of node/ only: $node_h_may"
			rooms_ok=0; continue
		fi
		# a room's *_int.h is private to it: its own files only
		if [[ "$path" == *_int.h ]] && [ "$to" != "$room" ]; then
			echo "  $f includes $inc: a header private to room $to"
			rooms_ok=0; continue
		fi
		if [ "$path" = node/node.h ]; then
			[ "$room" != store ] && continue
		elif [ -n "$to" ] && { [ "$to" = "$room" ] || [[ " ${uses[$room]} " == *" $to "* ]]; }; then
			continue
		fi
		echo "  $f includes $inc: room $room may use only: ${uses[$room]:-nothing in node/}"
		rooms_ok=0
	done < <(grep -E '^[[:space:]]*#[[:space:]]*include' "$f")
done
if [ $rooms_ok -eq 1 ]; then
	echo "lint: every room of node/ includes only the rooms it may use"
else
	echo "  ^ the rooms of node/ (ARCHITECTURE.md, the table in tests/lint.sh)"
	status=1
fi

# The test hook that keeps core dumps (WIJKNET_TEST_KEEP_CORES) exists
# only in the tests' build of the daemon: WN_TEST_HOOKS is set by the one
# Makefile rule of $(BUILD)/tests/daemon_main.o, defined in no source, and
# the hook's name is read only in node/daemon/main.c, between
# "#ifdef WN_TEST_HOOKS" and its "#endif" (the installed wijknetd, built
# from the same main.c without it, never reads it).
hooks_ok=1
if grep -rnE --include='*.[ch]' '^[[:space:]]*#[[:space:]]*define[[:space:]]+WN_TEST_HOOKS' node protocol crypto cli config; then
	echo "  ^ WN_TEST_HOOKS defined in a source"; hooks_ok=0
fi
if [ "$(grep -c -- '-DWN_TEST_HOOKS' Makefile)" != 1 ] ||
	! grep -B3 -- '-DWN_TEST_HOOKS' Makefile | grep -q '^$(BUILD)/tests/daemon_main.o: node/daemon/main.c$'; then
	echo "  Makefile: -DWN_TEST_HOOKS must be set once, by the rule of \$(BUILD)/tests/daemon_main.o"; hooks_ok=0
fi
for f in $(grep -rl --include='*.[ch]' 'WIJKNET_TEST_KEEP_CORES' node protocol crypto cli config); do
	if [ "$f" != node/daemon/main.c ]; then
		echo "  $f: reads WIJKNET_TEST_KEEP_CORES (only main.c may, under WN_TEST_HOOKS)"; hooks_ok=0
	elif awk '$0 == "#ifdef WN_TEST_HOOKS" {in_=1} /^#endif/ {in_=0}
		/WIJKNET_TEST_KEEP_CORES/ && !in_ && !/^ \*/ {bad=1} END {exit !bad}' "$f"; then
		echo "  $f: WIJKNET_TEST_KEEP_CORES outside #ifdef WN_TEST_HOOKS"; hooks_ok=0
	fi
done
if [ $hooks_ok -eq 1 ]; then
	echo "lint: the core dump hook is in the tests' build of the daemon only"
else
	status=1
fi
exit $status
