#!/usr/bin/env bash
# lint.sh - banned calls (as curl's checksrc) in our C sources.
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
exit $status
