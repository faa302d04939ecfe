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
	[daemon]="core store exchange need"
)
rooms_ok=1
for f in $(find node -name "*.[ch]" | sort); do
	room=$(cut -d/ -f2 <<<"$f")
	if [ "$f" = node/node.h ]; then
		continue
	elif [ "$room" = "$(basename "$f")" ]; then
		echo "  $f: a file of node/ outside any room (ARCHITECTURE.md)"
		rooms_ok=0; continue
	elif [ -z "${uses[$room]+x}" ]; then
		echo "  $f: node/$room/ is not a room in tests/lint.sh's table"
		rooms_ok=0; continue
	fi
	while read -r inc; do
		to=$(cut -d/ -f2 <<<"$inc")
		if [ "$inc" = node/node.h ]; then
			[ "$room" != store ] && continue
		elif [ "$to" = "$room" ] || [[ " ${uses[$room]} " == *" $to "* ]]; then
			continue
		fi
		echo "  $f includes $inc: room $room may use only: ${uses[$room]:-nothing in node/}"
		rooms_ok=0
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(node\/[^"]*\)".*/\1/p' "$f")
done
if [ $rooms_ok -eq 1 ]; then
	echo "lint: every room of node/ includes only the rooms it may use"
else
	echo "  ^ the rooms of node/ (ARCHITECTURE.md, the table in tests/lint.sh)"
	status=1
fi
exit $status
