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

# The rooms of node/ (ARCHITECTURE.md): a file in node/ROOM/ may include
# the headers of its own room, of the rooms listed for ROOM here, and
# node/node.h (what every room shares; not the store, which is below the
# node). A lower room never names an upper one: it offers a table the
# upper one registers into. A new room gets a line here.
declare -A uses=(
	[store]=""
	[core]="store"
	[exchange]="core store"
	[need]="core store exchange"
	[work]="core store exchange need"
	[daemon]="core store exchange need work"
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
exit $status
