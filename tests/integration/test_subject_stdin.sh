#!/usr/bin/env bash
# test_subject_stdin.sh - personal identifiers and contacts given on
# standard input (an option given as -), out of the command line that
# every local user can read in /proc/PID/cmdline (review s8, L1), with a
# director and a member:
#  - while `subject add REF --bsn -` waits for the number, its command
#    line holds no identifier; given it on standard input, the member gets
#    the same token for it as the director has for the same BSN given in
#    argv, and the argv form of the same BSN is then refused on the
#    member as already recorded under that subject (the same stored
#    identifier);
#  - several values are read one line each in the order the options are
#    given (--born - --name -): the same token as the director's for
#    --family, --given and --born in argv;
#  - `concern add --contact -` stores the contact as given;
#  - on a terminal each value is asked for by name;
#  - a missing or empty line is refused naming the option, never the
#    value, and nothing is recorded.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
BSN=111222333
BSN2=123456782
FAMILY="Van den Broeck"
GIVEN="Élise"
BORN=2011-04-03
CONTACT="Wijkinspecteur Tom Wouters, 014 21 33 90"
SOON=$(date -u -d "+30 days" +%F)

check "a federation of the director and police" federation dir police:police

state() { wn "$1" --json subject show "$2" | json_field state; }
token() { wn "$1" --json subject show "$2" | json_field token; }
has_state() { [ "$(state "$1" "$2")" = "$3" ]; }

check "the director records a BSN given in argv" wn dir subject add d-bsn --bsn "$BSN"
check "the director records a person given in argv" wn dir subject add d-elise \
	--family "$FAMILY" --given "$GIVEN" --born "$BORN"

# --- one value: the CLI waits for it on standard input (a FIFO the test
# writes to), its command line read from /proc meanwhile
mkfifo "$WN_T/in"
exec {IN}<>"$WN_T/in"
"$WIJKNET" -d "$WN_T/police" subject add p-bsn --bsn - <&"$IN" >"$WN_T/add.out" 2>&1 &
cpid=$!
cli_waits() { tr '\0' ' ' <"/proc/$cpid/cmdline" | grep -q -- 'subject add p-bsn --bsn -'; }
check "police's subject add --bsn - runs, waiting for standard input" wait_for 60 cli_waits
tr '\0' '\n' <"/proc/$cpid/cmdline" >"$WN_T/cmdline"
check "  its command line (/proc/PID/cmdline) holds no identifier" bash -c "! grep -q '$BSN' '$WN_T/cmdline'"
printf '%s\n' "$BSN" >&"$IN"
wait "$cpid"
rc=$?
exec {IN}>&-
check "  given the BSN on standard input, it records the subject" test "$rc" -eq 0
cp "$WN_T/add.out" "$WN_T/out"
check_out "  and says so" "subject p-bsn recorded"
check "police gets its token" wait_for 60 has_state police p-bsn token
check "  the director's token for the BSN given in argv" test "$(token police p-bsn)" = "$(token dir d-bsn)"
check_exit "the same BSN in argv on police is refused" 1 wn police subject add p-bsn-argv --bsn "$BSN"
check_out "  as already recorded under p-bsn (the same identifier stored)" "already recorded as subject p-bsn"

# --- several values, one line each, in the order the options are given
stdin_elise() { printf '%s\n%s, %s\n' "$BORN" "$FAMILY" "$GIVEN" |
	wn police subject add p-elise --born - --name -; }
check "police records --born - --name - (two lines, in that order)" stdin_elise
check "police gets her token" wait_for 60 has_state police p-elise token
check "  the director's token for her names and date in argv" test "$(token police p-elise)" = "$(token dir d-elise)"
check_exit "her names in argv on police are refused" 1 wn police subject add p-elise-argv \
	--family "$FAMILY" --given "$GIVEN" --born "$BORN"
check_out "  as already recorded under p-elise" "already recorded as subject p-elise"

# --- the contact of a concern
stdin_concern() { printf '%s\n' "$CONTACT" |
	wn police concern add --subject p-bsn --contact - --until "$SOON"; }
check "police registers a concern with --contact -" stdin_concern
contact() { wn police --json concern list | json_field contact; }
check "  its contact is the line given" count_is "$CONTACT" contact

# --- a missing or empty line: refused, naming the option, nothing stored
nsubjects() { wn police --json subject list | /usr/bin/python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }
before=$(nsubjects)
check_exit "--bsn - with nothing on standard input is refused" 1 wn police subject add p-none --bsn - </dev/null
check_out "  naming the option" "--bsn -: no line for it on standard input"
check_exit "--given - with one line for two options is refused" 1 \
	bash -c "printf '%s\n' 'Jansen' | '$WIJKNET' -d '$WN_T/police' subject add p-half --family - --given - --born 1990-01-01"
check_out "  naming the option without a line" "--given -: no line for it on standard input"
cp "$WN_T/out" "$WN_T/half.out"
check "  never the value it read" bash -c "! grep -q Jansen '$WN_T/half.out'"
check_exit "an empty line is refused" 1 bash -c "printf '\n' | '$WIJKNET' -d '$WN_T/police' subject add p-empty --bsn -"
check_out "  naming the option" "--bsn must not be empty"
check "  and nothing was recorded" count_is "$before" nsubjects

# --- on a terminal (script(1)) each value is asked for by name. A root
# whose /dev/pts is no mount gets a devpts of its own (test_backup.sh).
pts_mounted=""
if ! script -qec true /dev/null >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
	! mountpoint -q /dev/pts &&
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts; then
	pts_mounted=1
fi
if script -qec true /dev/null >/dev/null 2>&1; then
	mkfifo "$WN_T/tty-in"
	exec {TTY}<>"$WN_T/tty-in"
	script -qec "'$WIJKNET' -d '$WN_T/police' subject add p-tty --bsn -" /dev/null \
		<&"$TTY" >"$WN_T/tty.out" 2>&1 &
	spid=$!
	check "on a terminal, subject add --bsn - asks for the BSN" wait_for 60 grep -q "BSN: " "$WN_T/tty.out"
	printf '%s\n' "$BSN2" >&"$TTY"
	wait "$spid"
	rc=$?
	exec {TTY}>&-
	check "  and records what is typed" test "$rc" -eq 0
	check "  under p-tty" out_has "p-tty" wn police subject show p-tty
else
	ok "# SKIP no terminal (script(1) cannot open one)"
fi
[ -n "$pts_mounted" ] && umount /dev/pts

check "subject --help says so" out_has "given as - is read from standard input" wn police subject --help
check "  and wijknet(1)" grep -q '^\.SH VALUES ON STANDARD INPUT' "$TOP/cli/wijknet.1"
wn_done
