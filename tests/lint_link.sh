#!/usr/bin/env bash
# lint_link.sh - the rooms of node/ checked on the objects of a build
# ($BUILD, default build): every symbol a room's objects use but do not
# define must be defined by the same room, by a room it may use (the table
# in tests/lint.sh), or outside node/. This catches what the include rule
# cannot see: a prototype written by hand. node/node.h's shared rooms (core
# and store) are judged by the same table. Needs a build; says so if none.
set -u
BUILD=${BUILD:-build}
declare -A uses
eval "$(sed -n '/^declare -A uses=(/,/^)/p' tests/lint.sh | sed 's/^declare -A uses=/uses=/')"
rooms=$(printf '%s\n' "${!uses[@]}" | sort)
for r in $rooms; do
	if ! ls "$BUILD"/node/"$r"/*.o >/dev/null 2>&1; then
		echo "lint_link: no objects in $BUILD/node/$r/ (build first: make)"
		exit 2
	fi
done
declare -A owner
for r in $rooms; do
	while read -r sym; do
		owner[$sym]=$r
	done < <(nm --defined-only -g "$BUILD"/node/"$r"/*.o | awk 'NF==3 {print $3}')
done
status=0
for r in $rooms; do
	while read -r sym; do
		to=${owner[$sym]:-}
		[ -z "$to" ] && continue
		[ "$to" = "$r" ] && continue
		[[ " ${uses[$r]} " == *" $to "* ]] && continue
		echo "  node/$r/ uses $sym of node/$to/: room $r may use only: ${uses[$r]:-nothing in node/}"
		status=1
	done < <(nm -u "$BUILD"/node/"$r"/*.o | awk 'NF==2 {print $2}' | sort -u)
done
if [ $status -eq 0 ]; then
	echo "lint_link: every room of node/ links only to the rooms it may use"
else
	echo "  ^ the rooms of node/ (ARCHITECTURE.md, the table in tests/lint.sh)"
fi
exit $status
