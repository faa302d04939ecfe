#!/usr/bin/env bash
# test_lib_core.sh - a daemon that ends by an abort of its own (SIGABRT:
# glibc's heap checks, nng's panic, a failed assertion) shows, in the
# test's output, the end of its log and every thread's stack from the
# core it left (lib.sh: node_start_once, wn_reap, wn_core_stacks), so a
# rare crash under load can be read from one failed run.
. "$(dirname "$0")/lib.sh"
check_exit "init" 0 node_init solo municipality
check "starts" node_start solo
check "its working directory keeps its core" \
	test "$(readlink "/proc/${WN_PID[solo]}/cwd")" = "$WN_T/solo.core"
# a sanitizer build turns its own cores off (ASan: disable_coredump)
cores=$(awk '/^Max core file size/ {print $5}' "/proc/${WN_PID[solo]}/limits")
# the diagnostics go to the script's output: read them from a file here
exec {keep}>&"$WN_OUT"
exec {WN_OUT}>"$WN_T/diag"
kill -ABRT "${WN_PID[solo]}"
wn_reap solo
rc=$?
exec {WN_OUT}>&"$keep"
check "an abort is its exit (134)" test "$rc" -eq 134
check "the end of its log is shown" grep -q '^# solo ended by signal 6; the end of solo.log:' "$WN_T/diag"
if command -v gdb >/dev/null && [ "$(cat /proc/sys/kernel/core_pattern)" = core ] &&
	[ "$cores" != 0 ]; then
	check "its threads' stacks are shown" grep -q "^# solo's threads when it ended" "$WN_T/diag"
	check "  with the daemon's own frames" grep -Eq '^#    #[0-9]+ .* (main|node_cmd_run) ' "$WN_T/diag"
	check "  and the core is removed" eval '! ls "$WN_T/solo.core"/core* >/dev/null 2>&1'
else
	echo "# no gdb, or no core written to the working directory: stacks not checked"
fi
wn_done
