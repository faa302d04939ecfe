#!/usr/bin/env bash
# test_alert_mail.sh - SITRAP alerts mailed over SMTP (issue 13) to a real
# SMTP server on loopback (Debian's python3-aiosmtpd, tests/integration/
# smtp_sink.py, keeping each mail as a file). The director mails its
# alerts to director_to, police (an action's owner) its own to owner_to;
# housing has no [mail] and queues nothing. No mail holds the case's
# subject, its purpose, a field's value or a text of an action, a note or
# a reason; each names the case, the kind, the partner and the command
# that shows it. With the server stopped case work goes on (actions
# added, done, cancelled), the mails wait in the queue (status says so,
# in words), also across the director's restart; once the server is back
# every alert arrives, each exactly once (counted by Message-ID, which is
# the alert's). A user's password file must be 0600 and never shows;
# starttls = required refuses a server that offers no STARTTLS.
. "$(dirname "$0")/lib.sh"
S=S-ml-subject-mail
# the sender's backoff, at most 1 s here (5 min in service), so the
# mails follow the server's return without a long wait
export WIJKNET_TEST_MAIL_BACKOFF_MS=1000
PORT=$(free_port)
BOX="$WN_T/box"
SINK=
sink_start() {
	rm -f "$WN_T/sink.ready"
	/usr/bin/python3 "$TOP/tests/integration/smtp_sink.py" "$PORT" "$BOX" "$WN_T/sink.ready" \
		2>>"$WN_T/sink.err" &
	SINK=$!
	wait_for 60 test -f "$WN_T/sink.ready"
}
sink_stop() { kill -TERM "$SINK" && wait "$SINK"; }

check "an SMTP server listens on loopback" sink_start
check "a federation of the director, police and housing" \
	federation dir police:police housing:housing
# [mail] NODE DIRECTOR_TO OWNER_TO: the node's mail, to the sink
mail_conf() {
	{
		printf '\n[mail]\nsmtp_url = smtp://127.0.0.1:%s\nstarttls = none\n' "$PORT"
		printf 'from = wijknet-%s@example.org\n' "$1"
		[ -n "$2" ] && printf 'director_to = %s\n' "$2"
		[ -n "$3" ] && printf 'owner_to = %s\n' "$3"
	} >>"$WN_T/$1/wijknet.conf"
}
for n in dir police; do check "$n stops to get its [mail]" node_stop $n; done
mail_conf dir director@example.org,team@example.org dir-owner@example.org
mail_conf police "" police@example.org
for n in dir police; do check "$n starts with [mail]" node_start $n; done
check "the director says where it mails" grep -q "mail: alerts are mailed through smtp://127.0.0.1:$PORT" "$WN_T/dir.log"

check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 60 acked
fid=$(wn police --json record --subject $S --category signals --field note --value "ML-FIELD-v1" | json_field field_id)
check "police records a signal about the subject" test -n "$fid"
C=$(wn dir --json case open --type situation --subject $S \
	--purpose "ML-PURPOSE end the nuisance" --ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police housing; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police housing; do check "$m knows it is a member" wait_for 60 is_member $m; done

act() { printf 'ML-ACT %s\n' "$1" | wn dir --json action add "$C" --owner "$1" \
	--deadline "$(date -d '+14 days' +%Y-%m-%d)" --text-file - | json_field action_id; }
# mails: how many the server kept; queued NODE: status's mail_queued
mails() { find "$BOX" -name '*.eml' 2>/dev/null | wc -l; }
queued() { wn "$1" --json status | json_field mail_queued; }
A1=$(act police)
check "the director gives police action 1" test "$A1" = 1
A2=$(act housing)
check "  ... and housing action 2" test "$A2" = 2
check "the director mails both, police its own (three mails)" wait_for 60 count_is 3 mails
check "  ... none waits at the director" count_is 0 queued dir
check "  ... nor at police" wait_for 60 count_is 0 queued police
check "the director asks for signals" wn dir case request "$C" --categories signals
has_share() { wn "$1" --json share list | grep -q "\"id\":$2,"; }
check "police gets the request" wait_for 60 has_share police 1
check "police approves (its signal goes to the director)" wn police share approve 1
check "the director mails the request and the answer" wait_for 60 count_is 5 mails

# ---- the server stops: case work goes on, the mails wait ---------------------
check "the SMTP server stops" sink_stop
A3=$(act police)
check "the director gives action 3 with the server down" test "$A3" = 3
check "police marks action 1 done with the server down" sh -c \
	"printf 'ML-NOTE done\n' | '$WIJKNET' -d '$WN_T/police' action done $A1 --note-file -"
check "the director cancels action 2 with the server down" sh -c \
	"printf 'ML-WHY not needed\n' | '$WIJKNET' -d '$WN_T/dir' action cancel $A2 --why-file -"
done_seen() { wn dir --json action list --all --case "$C" | /usr/bin/python3 -c '
import json,sys
sys.exit(0 if any(r["action_id"] == 1 and r["state"] == "done"
    for r in json.load(sys.stdin)["rows"]) else 1)'; }
check "the director learns action 1 is done" wait_for 60 done_seen
waits() { [ "$(queued "$1")" -ge "$2" ]; }
check "three mails wait at the director (action 3 given, 1 done, 2 cancelled)" \
	wait_for 60 count_is 3 queued dir
check "police's mails wait too (action 3 given, action 1 done)" wait_for 60 count_is 2 queued police
unreachable() { out_has '^[0-9]+ alert mails? waits?: the mail server could not be reached' wn "$1" status; }
check "status says so in words" wait_for 60 unreachable dir
doc_warns() { "$WIJKNET" -d "$WN_T/dir" doctor 2>&1 | grep -q '^warn: 3 alert mails wait; the last try failed: the mail server could not be reached'; }
check "  ... and doctor" doc_warns
check "  ... and --json carries the last error" out_has '"mail_last_error":"the mail server could not be reached' wn dir --json status
check "the director's log says it once, without a secret" \
	count_is 1 grep -c 'mail: the mail server could not be reached' "$WN_T/dir.log"
check "nothing arrived while the server was down" count_is 5 mails
check "the director stops with mails queued" node_stop dir
check "  ... and starts again" node_start dir
check "  ... its mails still wait" count_is 3 queued dir

# ---- the server is back ---------------------------------------------------------
check "the SMTP server starts again on its port" sink_start
check "every mail waiting arrives" wait_for 90 count_is 10 mails
check "  ... none waits at the director" wait_for 60 count_is 0 queued dir
check "  ... nor at police" wait_for 60 count_is 0 queued police
check "status no longer warns of the mail" out_lacks 'alert mail' wn dir status
check "  ... and its last error is gone" out_has '"mail_last_error":""' wn dir --json status
# ids NODE: the alert ids of NODE; mailed NODE: the ids its mails name by
# Message-ID, each once (a second copy of one fails)
ids() { wn "$1" --json alerts --all --limit 1000 | /usr/bin/python3 -c '
import json,sys; print(" ".join(str(i) for i in sorted(r["id"] for r in json.load(sys.stdin)["rows"])))'; }
mailed() { /usr/bin/python3 - "$BOX" "$1" <<'PY'
import collections, email, glob, sys
box, node = sys.argv[1:3]
seen = collections.Counter()
for f in glob.glob(box + "/*.eml"):
    m = email.message_from_binary_file(open(f, "rb"))
    mid = m["Message-ID"]
    pre, suf = "<alert-", "." + node + ".wijknet@example.org>"
    if mid.startswith(pre) and mid.endswith(suf):
        seen[int(mid[len(pre):-len(suf)])] += 1
twice = [i for i, k in seen.items() if k != 1]
if twice:
    sys.exit("mailed more than once: %s" % twice)
print(" ".join(str(i) for i in sorted(seen)))
PY
}
n_words() { local w; w=$("$@") || return 1; echo $w | wc -w; }
check "the director's every alert was mailed, each exactly once" \
	count_is "$(ids dir)" mailed dir
check "  ... all seven of them" count_is 7 n_words ids dir
check "police's every alert was mailed, each exactly once" count_is "$(ids police)" mailed police
check "  ... all three" count_is 3 n_words ids police
rcpt_of() { grep -l -x "$1" "$BOX"/*.rcpt | wc -l; }
check "the director's went to both of director_to" sh -c \
	"[ \$(grep -l -x director@example.org '$BOX'/*.rcpt | wc -l) = 7 ] && [ \$(grep -l -x team@example.org '$BOX'/*.rcpt | wc -l) = 7 ]"
check "  ... police's to its owner_to" count_is 3 rcpt_of police@example.org
check "  ... the director is no owner here: none to dir-owner" count_is 0 sh -c \
	"grep -l -x dir-owner@example.org '$BOX'/*.rcpt 2>/dev/null | wc -l"

# ---- what is in a mail, and what is not -----------------------------------------
all_mail() { cat "$BOX"/*.eml; }
check "every mail names the case (the search finds what is there)" \
	count_is 10 sh -c "grep -l -F '$C' '$BOX'/*.eml | wc -l"
check "  ... and says where to look" out_has "wijknet action list --case $C" all_mail
check "  ... the partner by id and name" out_has "^Partner: +police \(Node police\)" all_mail
check "  ... the kind of event" out_has "^Subject: wijknet: action.done in case $C" all_mail
check "no mail holds the subject, the purpose, a value, or an action's, note's or reason's text" \
	out_lacks 'ml-subject|ML-' all_mail
check "  ... in any case (upper or lower)" sh -c "! cat '$BOX'/*.eml | grep -i -q -E 'ml-subject|ml-(field|purpose|act|note|why)'"

# ---- a node with no [mail] queues nothing --------------------------------------
hq() { echo "SELECT count(*) FROM mail_queue;" | node_sql housing | tail -1; }
ha() { echo "SELECT count(*) FROM alerts;" | node_sql housing | tail -1; }
check "housing stops" node_stop housing
check "housing holds its alerts (action 2 given, cancelled)" count_is 2 ha
check "  ... and queued no mail" count_is 0 hq

# ---- a user's password file; STARTTLS required ------------------------------------
check "the director stops to get a user" node_stop dir
printf 'ML-SECRET-pw\n' >"$WN_T/smtp.pass"
chmod 644 "$WN_T/smtp.pass"
sed -i 's/^starttls = none$/starttls = required/' "$WN_T/dir/wijknet.conf"
printf 'user = wijknet\npassword_file = %s\n' "$WN_T/smtp.pass" >>"$WN_T/dir/wijknet.conf"
check_exit "a password file others may read: the node refuses to start" 1 node_start dir
check "  ... saying why" grep -q "the mail password file $WN_T/smtp.pass must be a file of this node's user with mode 0600" "$WN_T/dir.log"
chmod 600 "$WN_T/smtp.pass"
check "with mode 0600 it starts" node_start dir
A4=$(act police)
check "the director gives action 4" test "$A4" = 4
notls() { out_has 'the mail server offers no STARTTLS \(starttls = required\)' wn dir status; }
check "a server without STARTTLS gets nothing: status says why" wait_for 60 notls
check "  ... the mail waits" count_is 1 queued dir
check "police mails its action 4 given (the server takes mail)" wait_for 60 count_is 11 mails
check "  ... the director's went out in no plain text" count_is 7 n_words mailed dir
check "the password is in no log, status or mail" sh -c \
	"! grep -r -q ML-SECRET '$WN_T'/*.log '$BOX' && ! '$WIJKNET' -d '$WN_T/dir' --json status | grep -q ML-SECRET"
check "the SMTP server stops" sink_stop
wn_done
