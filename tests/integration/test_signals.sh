#!/usr/bin/env bash
# test_signals.sh - signals on a real node through the real CLI: a signal
# recorded with every field and read back exactly (--json) and in words;
# refusals of bad input with a clear error that repeats no personal text,
# and nothing stored; duplicates linked into one incident that keeps every
# reporter; filters and pages; a CSV import with bad lines reported by
# their line number (a row without a time among them: it is not taken as
# now) while the rest is imported, and the same file again adding
# nothing; a bad header importing nothing.
. "$(dirname "$0")/lib.sh"
# the node and the CLI read and show times in the region's time zone
export TZ=Europe/Brussels

node_init g community_guards >/dev/null || { not_ok "init"; exit 1; }
node_start g || { not_ok "start"; exit 1; }

# rows ARGS...: every signal `signal list --all ARGS` finds, page after
# page (--before), one JSON object a line; fails on a CLI error
rows() { /usr/bin/python3 - "$WIJKNET" "$WN_T/g" "$@" <<'PY'
import json, subprocess, sys
cli, data, args = sys.argv[1], sys.argv[2], sys.argv[3:]
before = []
while True:
    out = subprocess.run([cli, "-d", data, "--json", "signal", "list", "--all",
                          "--limit", "1000"] + args + before,
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    r = json.loads(out.stdout)
    for x in r["rows"]:
        print(json.dumps(x))
    if "--before" not in r["message"]:
        break
    before = ["--before", str(r["rows"][-1]["signal_id"])]
PY
}
# count ARGS...: how many signals (duplicates too) match
count() { local out; out=$(rows "$@") || return 1; grep -c . <<<"$out"; }
# row FIELD [ID]: a field of signal ID (default: the newest)
row() { rows | /usr/bin/python3 -c '
import json,sys
want=sys.argv[2] if len(sys.argv) > 2 else None
for line in sys.stdin:
    r=json.loads(line)
    if want is None or str(r["signal_id"]) == want:
        print(r[sys.argv[1]]); break' "$@"; }

# ---- add, read back -----------------------------------------------------
printf 'Group of about eight youths, loud music, MK-TEXT-1\n' >"$WN_T/text1"
check_exit "a signal with every field is recorded" 0 wn g signal add \
	--when "2026-12-01 21:30" --municipality Herentals --neighbourhood Stationsbuurt \
	--street Stationsplein --point 51.1766,4.8325 --category noise --source "patrol" \
	--source-id GW-2026-0001 --text-file "$WN_T/text1" \
	--perpetrator "S-group-station;S-jonas-v" --reporter "S-guard-an"
check_out "  ... its number, category and time are said in words" '^signal 1 recorded: noise, Tue  1 Dec 2026 21:30$'
want_ms=$(/usr/bin/python3 -c 'import datetime,zoneinfo; print(int(datetime.datetime(2026,12,1,21,30,tzinfo=zoneinfo.ZoneInfo("Europe/Brussels")).timestamp()*1000))')
check "  ... its time is the local time given, exactly (--json)" count_is "$want_ms" row when_ms
check "  ... its point to the decimal" count_is "51.1766 4.8325" eval 'echo $(row lat) $(row lon)'
check "  ... its place" count_is "Herentals Stationsbuurt Stationsplein" \
	eval 'echo $(row municipality) $(row neighbourhood) $(row street)'
check "  ... its source and the source's own number" count_is "patrol GW-2026-0001" \
	eval 'echo $(row source) $(row source_id)'
check "  ... its text, read from a file" count_is "Group of about eight youths, loud music, MK-TEXT-1" row text
check "  ... its subjects by role" count_is "perpetrator: S-group-station, S-jonas-v; reporter: S-guard-an" row subjects
check_exit "the list in words" 0 wn g signal list
check_out "  ... says when as a person reads it" 'signal 1  Tue  1 Dec 2026 21:30  noise'
check_out "  ... and where" 'where: Herentals, Stationsbuurt, Stationsplein \(51.1766, 4.8325\)'
check_out "  ... and from whom, with their number" 'from: patrol \(their number GW-2026-0001\)'
check "a signal of now, text from stdin, category in words" \
	sh -c "printf 'tenant complaint MK-TEXT-2' | '$WIJKNET' -d '$WN_T/g' signal add \
	--municipality Herentals --category 'neglect of a dwelling' --source tenant --text-file -"
check "  ... is stored as dwelling_neglect" count_is dwelling_neglect row category
check "  ... at the node's clock" /usr/bin/python3 -c "import sys,time; sys.exit(abs(int('$(row when_ms)') - time.time()*1000) > 600000)"

# ---- refusals: a clear error, nothing stored ----------------------------
n0=$(count)
check "two signals are stored" test "$n0" = 2
refused() { # NAME CODE PATTERN ARGS...: refused with exit CODE, saying PATTERN
	local name=$1 code=$2 pat=$3; shift 3
	check_exit "$name is refused" "$code" wn g signal add "$@"
	check_out "  ... saying $pat" "$pat"
	check "  ... and nothing is stored" count_is "$n0" count
}
refused "a date that does not exist" 1 "when: '2026-02-30 10:00' is not a date and time" \
	--when "2026-02-30 10:00" --municipality Herentals --category noise --source patrol
refused "a time in the future" 1 "when: '2099-01-01 10:00' is in the future" \
	--when "2099-01-01 10:00" --municipality Herentals --category noise --source patrol
refused "a category not in the list" 2 "unknown category 'noize'" \
	--municipality Herentals --category noize --source patrol
refused "a signal without a municipality" 2 "--municipality is required" \
	--category noise --source patrol
refused "a point off the earth" 1 "point: '91.0,4.8' is not a latitude" \
	--municipality Herentals --category noise --source patrol --point 91.0,4.8
refused "a subject reference of 64 characters" 1 "perpetrator: a subject reference is too long|perpetrator is too long" \
	--municipality Herentals --category noise --source patrol \
	--perpetrator "S-$(printf 'x%.0s' $(seq 62))"
check "  ... without repeating the reference" out_lacks 'xxxxxxxxxx' cat "$WN_T/out"
refused "the same subject twice in one role" 1 "perpetrator: the same subject twice" \
	--municipality Herentals --category noise --source patrol --perpetrator "S-a;S-a"
refused "a second signal with the same source and source_id" 1 \
	"signal 1 already has source 'patrol' and source_id 'GW-2026-0001'" \
	--municipality Herentals --category noise --source patrol --source-id GW-2026-0001
head -c 5000 /dev/zero | tr '\0' 'y' >"$WN_T/long"
refused "a text of 5000 characters" 1 "text-file: the text is too long" \
	--municipality Herentals --category noise --source patrol --text-file "$WN_T/long"
check "the audit log names signals, never their text or subjects" \
	out_lacks 'MK-TEXT|S-jonas-v|S-guard-an' wn g audit show --limit 100
check "  ... and records the additions" out_has 'signal 1: noise in Herentals, 3 subjects' wn g audit show --limit 100

# ---- duplicates: thirteen calls about one flat, counted once ----------
add_call() { wn g --json signal add --when "2026-12-0$1 2$2:00" --municipality Herentals \
	--neighbourhood Centrum --street Kerkstraat --category noise --source "tenant call" \
	--reporter "$3" --premises "P-kerkstraat-12" | json_field signal_id; }
a=$(add_call 2 1 S-tenant-a); b=$(add_call 2 2 S-tenant-b); c=$(add_call 3 1 S-tenant-c)
check "three calls about one flat are recorded" test -n "$a" -a -n "$b" -a -n "$c"
check_exit "the second is linked to the first" 0 wn g signal link "$b" --to "$a"
check_out "  ... which says it is one incident of two reports" "one incident, 2 reports"
check_exit "the third is linked to the second" 0 wn g signal link "$c" --to "$b"
check_out "  ... and counts under the first: three reports" "counted with signal $a: one incident, 3 reports"
check "the list shows the incident once" count_is 1 count_or_fail '^signal [0-9]+ ' \
	wn g signal list --area Herentals/Centrum
check "  ... with three reports" count_is 3 eval "wn g --json signal list --area Herentals/Centrum | json_field reports"
check "  ... and every reporter kept" out_has 'reporter: S-tenant-a, S-tenant-b, S-tenant-c' \
	wn g signal list --area Herentals/Centrum
check "--all shows the duplicates too" count_is 3 count_or_fail '^signal [0-9]+ ' wn g signal list --all --area Herentals/Centrum
check_exit "linking a signal to itself is refused" 1 wn g signal link "$a" --to "$a"
check_out "  ... saying so" 'cannot be linked to itself'
check_exit "linking to a signal that does not exist is refused" 1 wn g signal link "$a" --to 999
check_out "  ... saying so" 'there is no signal 999 here'
check_exit "linking two signals of one incident again is refused" 1 wn g signal link "$c" --to "$a"
check_out "  ... saying they are one already" 'already counted as one incident'
check_exit "a signal number that is not a number is a usage error" 2 wn g signal link x --to 1

# ---- filters and pages ----------------------------------------------------
check "--category finds the one of neglect" count_is 1 count_or_fail '^signal ' wn g signal list --category dwelling_neglect
check "--since finds what came since" count_is 2 count_or_fail '^signal ' \
	wn g signal list --since "2026-12-02 21:30" --all --area Herentals/Centrum
check_exit "a page of two" 0 wn g signal list --limit 2
check_out "  ... says how to ask for the older ones" 'older ones follow: list again with --before [0-9]+'
before=$(sed -n 's/.*--before \([0-9]*\).*/\1/p' "$WN_T/out")
check_exit "the next page" 0 wn g signal list --limit 2 --before "$before"
check_out "  ... goes on with the older incidents" "^signal 1  Tue  1 Dec 2026 21:30"
cp "$WN_T/out" "$WN_T/page2.out"
check "  ... and no other" count_is 1 count_or_fail '^signal [0-9]+ ' cat "$WN_T/page2.out"
check_exit "--since that is not a date is refused" 1 wn g signal list --since yesterday
check_out "  ... saying so" "since: 'yesterday' is not a date"

# ---- import ---------------------------------------------------------------
n0=$(count)
/usr/bin/python3 - "$WN_T/import.csv" <<'EOF'
import sys
rows = ["\ufeffwhen,municipality,neighbourhood,street,lat,lon,category,source,source_id,text,perpetrator,reporter"]
bad = {}
for i in range(2, 1502):          # lines 2..1501: 1500 data lines
    cat = ["noise", "loitering", "littering", "intimidation"][i % 4]
    when = "%02d-11-2026 %02d:%02d" % (1 + i % 28, i % 24, i % 60)
    text = "call %d" % i
    if i == 7:
        cat = "noize"; bad[i] = "category: 'noize'"
    if i == 250:
        when = "2026-11-31 10:00"; bad[i] = "when: '2026-11-31 10:00'"
    if i == 1300:
        when = ""; bad[i] = "when is required"
    line = '%s,Herentals,Stationsbuurt,Stationsplein,51.17,4.83,%s,housing,H-%d,"%s",S-p%d,S-r%d' % (
        when, cat, i, text, i % 9, i)
    if i == 900:
        line = "2026-11-02 10:00,Herentals,only three"; bad[i] = "3 fields, the header has 12"
    if i == 1200:
        line = '2026-11-02 10:00,,Stationsbuurt,,,,noise,housing,H-1200,x,,'; bad[i] = "municipality is required"
    rows.append(line)
# a quoted text over two lines: lines 1502-1503, one signal
rows.append('2026-11-05 22:00,Herentals,Stationsbuurt,Stationsplein,,,noise,housing,H-1502,"first line\nsecond, with a comma",,S-r1502')
# a quote never closed on line 1504; line 1505 is good again
rows.append('2026-11-05 22:00,Herentals,Stationsbuurt,Stationsplein,,,noise,housing,H-1504,"never closed,,')
bad[1504] = "a quote that is never closed"
rows.append('2026-11-05 23:00,Herentals,Stationsbuurt,Stationsplein,,,noise,housing,H-1505,last,,')
open(sys.argv[1], "w", newline="").write("\r\n".join(rows) + "\r\n")
cats = {}
for i in range(2, 1502):
    if i not in bad:
        k = ["noise", "loitering", "littering", "intimidation"][i % 4]
        cats[k] = cats.get(k, 0) + 1
cats["noise"] += 2                # lines 1502-1503 and 1505
open(sys.argv[1] + ".cats", "w").write("".join("%s %d\n" % kv for kv in cats.items()))
open(sys.argv[1] + ".bad", "w").write("".join("%d %s\n" % kv for kv in sorted(bad.items())))
EOF
check_exit "a CSV of 1503 signals with 6 bad lines imports the rest, exit 1" 1 wn g signal import "$WN_T/import.csv"
check_out "  ... counting them" 'import.csv: 1497 signals added, 0 already here, 6 lines refused'
while read -r ln why; do
	check_out "  ... reporting line $ln: $why" "^line $ln: .*$(sed 's/[][().*]/\\&/g' <<<"$why")"
done <"$WN_T/import.csv.bad"
cp "$WN_T/out" "$WN_T/import.out"
check "  ... and no other line" count_is 6 count_or_fail '^line [0-9]+: ' cat "$WN_T/import.out"
check "1497 signals more are stored" count_is $((n0 + 1497)) count
for k in noise loitering littering intimidation; do
	want=$(sed -n "s/^$k //p" "$WN_T/import.csv.cats")
	# and signal 1, of noise at the station on 1 December
	[ $k = noise ] && want=$((want + 1))
	check "  ... $want of $k in the station area since November, as in the file" \
		count_is "$want" count --category $k --area Herentals/Stationsbuurt --since 2026-11-01
done
check "the quoted text over two lines is one signal with both lines" \
	out_has '"text": "first line\\nsecond, with a comma"' rows --area Herentals/Stationsbuurt
check_exit "the same file again" 1 wn g signal import "$WN_T/import.csv"
check_out "  ... adds nothing" 'import.csv: 0 signals added, 1497 already here, 6 lines refused'
check "  ... nothing more is stored" count_is $((n0 + 1497)) count
check_exit "--json of an import" 1 wn g --json signal import "$WN_T/import.csv"
check_out "  ... gives the exact counts and lines" '"added":0,"corrected":0,"known":1497,"refused":6,"errors":\[\{"line":7,'
# ---- a row corrected in the partner's system, a Dutch spreadsheet, a long row
# line 5 of the export again with the category and the perpetrator corrected
/usr/bin/python3 - "$WN_T/import.csv" "$WN_T/corrected.csv" <<'EOF'
import sys
lines = open(sys.argv[1], newline="").read().split("\r\n")
row = lines[4].split(",")          # line 5: source_id H-5
assert row[8] == "H-5", row
row[6] = "drugs"; row[10] = "S-MK-corrected"
open(sys.argv[2], "w").write(lines[0] + "\n" + ",".join(row) + "\n" + lines[5] + "\n")
EOF
h5() { rows --area Herentals/Stationsbuurt | grep '"source_id": "H-5"'; }
check "line 5 of the export is stored as it came" out_has '"category": "loitering"' h5
check_exit "the export again with line 5 corrected" 0 wn g signal import "$WN_T/corrected.csv"
check_out "  ... corrects that signal, nothing added" 'corrected.csv: 0 signals added, 1 corrected, 1 already here, 0 lines refused'
check "  ... the signal has the corrected category" out_has '"category": "drugs"' h5
check "  ... and the corrected perpetrator only" out_has '"subjects": "perpetrator: S-MK-corrected; reporter: S-r5"' h5
check "  ... nothing more is stored" count_is $((n0 + 1497)) count
check_exit "the corrected export again" 0 wn g signal import "$WN_T/corrected.csv"
check_out "  ... changes nothing" 'corrected.csv: 0 signals added, 2 already here, 0 lines refused'
printf '\xef\xbb\xbfwhen;municipality;neighbourhood;lat;lon;category;source;source_id;text\r\n01-12-2026 09:15;Herentals;Wuytsbergen;51,1801;4,8277;vandalism;housing;NL-1;"Bus stop; glass broken"\r\n' >"$WN_T/semicolons.csv"
check_exit "an export with ';' between fields and decimal commas" 0 wn g signal import "$WN_T/semicolons.csv"
check_out "  ... is read" 'semicolons.csv: 1 signal added, 0 already here, 0 lines refused'
nl1() { rows --area Herentals/Wuytsbergen | grep '"source_id": "NL-1"'; }
check "  ... its fields, the ';' inside quotes kept" out_has '"text": "Bus stop; glass broken"' nl1
check "  ... its point" count_is "51.1801 4.8277" eval 'nl1 | /usr/bin/python3 -c "import json,sys; r=json.loads(sys.stdin.read()); print(r[\"lat\"], r[\"lon\"])"'
/usr/bin/python3 - "$WN_T/long.csv" <<'EOF'
import sys
# a valid row of about 7 KB: a text of 2000 characters of three bytes
# each and sixteen subjects: longer than one piece of a request
text = "\u20ac" * 2000
subj = ";".join("S-long-%02d-%s" % (i, "x" * 50) for i in range(16))
open(sys.argv[1], "w").write("when,municipality,category,source,source_id,text,reporter\n"
    "2026-12-02 10:00,Herentals,noise,housing,LONG-1,%s,%s\n"
    "2026-12-02 10:05,Herentals,noise,housing,LONG-2,short,S-short\n" % (text, subj))
EOF
check_exit "a valid row of 7 KB (a long text, sixteen subjects)" 0 wn g signal import "$WN_T/long.csv"
check_out "  ... is imported with the row after it" 'long.csv: 2 signals added, 0 already here, 0 lines refused'
long1() { rows --area Herentals | /usr/bin/python3 -c '
import json,sys
for l in sys.stdin:
    r = json.loads(l)
    if r["source_id"] == "LONG-1": print(len(r["text"]), r["subjects"].count("S-long-"))'; }
check "  ... whole" count_is "2000 16" long1
printf 'when,municipality,kategorie,source\n2026-11-01 10:00,Herentals,noise,x\n' >"$WN_T/badhead.csv"
check_exit "a header with an unknown column" 1 wn g signal import "$WN_T/badhead.csv"
check_out "  ... is refused, naming it" "unknown column 'kategorie'"
check_out "  ... and nothing is imported" 'nothing was imported'
printf 'when,municipality,category\n2026-11-01 10:00,Herentals,noise\n' >"$WN_T/nosource.csv"
check_exit "a header without source" 1 wn g signal import "$WN_T/nosource.csv"
check_out "  ... is refused" "has no column 'source'"
check "  ... nothing more is stored" count_is $((n0 + 1500)) count
check_exit "a file that does not exist" 1 wn g signal import "$WN_T/none.csv"
check_out "  ... says so" 'none.csv: No such file'

# people read dates: no human output of these holds epoch milliseconds
for cmd in "signal list --all" "signal list --limit 2" "audit show --limit 100"; do
	# shellcheck disable=SC2086 # its words
	check "no epoch milliseconds in: $cmd" no_epoch wn g $cmd
done

check_exit "signal --help" 0 wn g signal --help
check_out "  ... lists the import columns" 'import columns'
check_exit "signal add --help" 0 wn g signal add --help
check_out "  ... shows add's options" 'signal add --municipality NAME --category CAT --source WHO'

wn_done
