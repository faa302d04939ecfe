/*
 * store.c - opening, keying, checking and migrating the SQLCipher store.
 *
 * The key is a raw 256-bit key from the identity (PRAGMA key = "x'..'"), so
 * SQLCipher's own PBKDF2 is skipped: Argon2id already stretched the
 * passphrase. SQLCipher 3.4.1 silently ignores pragmas it does not know, so
 * every setting is read back. Schema migrations are numbered SQL scripts,
 * applied in order, each in one transaction with PRAGMA user_version.
 *
 * The checkpointer: SQLite's automatic checkpoint runs inside whichever
 * COMMIT takes the WAL past 1000 frames, so that one commit also writes
 * some 4 MB into the database file and fsyncs it: the slowest percent of
 * peer deliveries. A running node instead copies the WAL back on a thread
 * of its own, with its own connection (PASSIVE: writers go on meanwhile),
 * woken by the WAL hook. The committing connection does it inline only if
 * the WAL ever grows past CK_FRAMES_MAX (a checkpointer that cannot keep
 * up).
 */
#include "node/store/store.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <sqlcipher/sqlite3.h>

/* what a lost store means, said where one is found missing or empty */
#define LOST                                                                  \
	"this node's store (its audit chain, peers, cases and messages) is "  \
	"gone. wijknetd creates a store only at init: restore node.db from "  \
	"a backup (and start with --accept-rollback REASON if its checkers "  \
	"hold a newer chain head)"

#define CK_FRAMES 1000
#define CK_FRAMES_MAX 16000

struct node_store {
	sqlite3 *db;
	char path[4096];

	/* the checkpointer (node_store_checkpointer_start) */
	struct node_store *ck; /* its own connection */
	pthread_t ck_thread;
	pthread_mutex_t ck_mtx;
	pthread_cond_t ck_cv, ck_done;
	bool ck_running, ck_stop, ck_want, ck_failing;
	uint64_t ck_count; /* checkpoints done */

	bool lazy; /* synchronous is NORMAL (node_store_begin_lazy) */
	sqlite3_stmt *st[NODE_ST_N]; /* node_store_stmt */
};

/* migrations[i] takes the schema from version i to version i + 1. Only
 * ever append; never edit a migration that has shipped. */
static const char *const migrations[] = {
	/* 1: node metadata and the hash-chained audit log */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  time_ms INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  object TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",

	/* 2: peers, the durable outbox, seen message ids, the charter and
	 * the chain heads the director keeps for its members */
	"CREATE TABLE peers ("
	"  org_id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  endpoint TEXT NOT NULL,"
	"  sign_pk BLOB NOT NULL,"
	"  kx_pk BLOB NOT NULL,"
	"  directs INTEGER NOT NULL DEFAULT 0,"
	"  added_ms INTEGER NOT NULL,"
	"  next_seq INTEGER NOT NULL DEFAULT 1,"    /* next seq we send */
	"  last_seq_in INTEGER NOT NULL DEFAULT 0," /* last seq applied */
	"  last_ok_ms INTEGER,"
	"  last_err_ms INTEGER,"
	"  last_err TEXT);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  peer TEXT NOT NULL REFERENCES peers(org_id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  msg_id BLOB NOT NULL UNIQUE,"
	"  type INTEGER NOT NULL,"
	"  body BLOB NOT NULL,"
	"  trace TEXT NOT NULL DEFAULT '',"
	"  created_us INTEGER NOT NULL,"
	"  UNIQUE (peer, seq));"
	"CREATE TABLE inbox ("
	"  msg_id BLOB PRIMARY KEY,"
	"  peer TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  env_hash BLOB NOT NULL,"
	"  received_ms INTEGER NOT NULL);"
	"CREATE TABLE data_in ("
	"  id INTEGER PRIMARY KEY,"
	"  peer TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  body BLOB NOT NULL);"
	"CREATE TABLE charter ("
	"  version INTEGER PRIMARY KEY,"
	"  signed BLOB NOT NULL,"
	"  received_ms INTEGER NOT NULL);"
	"CREATE TABLE chain_heads ("
	"  org_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  signed BLOB NOT NULL,"
	"  received_ms INTEGER NOT NULL);",

	/* 3: the authorization matrix: versions held (signed by the
	 * director) and, at the director, which member applied which */
	"CREATE TABLE matrix ("
	"  version INTEGER PRIMARY KEY,"
	"  signed BLOB NOT NULL,"
	"  received_ms INTEGER NOT NULL);"
	"CREATE TABLE matrix_acks ("
	"  org_id TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  acked_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (org_id, version));"
	/* cases and who is a member (the director's word) */
	"CREATE TABLE cases ("
	"  case_id TEXT PRIMARY KEY,"
	"  type INTEGER NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  purpose TEXT NOT NULL,"
	"  ground TEXT NOT NULL,"
	"  director TEXT NOT NULL,"
	"  opened_ms INTEGER NOT NULL);"
	"CREATE TABLE case_members ("
	"  case_id TEXT NOT NULL REFERENCES cases(case_id),"
	"  org_id TEXT NOT NULL,"
	"  role INTEGER NOT NULL,"
	"  removed INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (case_id, org_id));"
	/* this node's own dossier fields, by subject and category */
	"CREATE TABLE fields ("
	"  id INTEGER PRIMARY KEY,"
	"  subject TEXT NOT NULL,"
	"  category INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  recorded_by TEXT NOT NULL,"
	"  recorded_ms INTEGER NOT NULL);"
	"CREATE INDEX fields_subject ON fields(subject, category);"
	/* consent (kind 1) or a named legal basis (kind 2) per subject and
	 * category */
	"CREATE TABLE consents ("
	"  id INTEGER PRIMARY KEY,"
	"  subject TEXT NOT NULL,"
	"  category INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  basis TEXT NOT NULL DEFAULT '',"
	"  given_by TEXT NOT NULL,"
	"  given_ms INTEGER NOT NULL,"
	"  until_ms INTEGER,"
	"  withdrawn_ms INTEGER);"
	/* information requests answered here, and the decision taken */
	"CREATE TABLE shares ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id TEXT NOT NULL,"
	"  request_id BLOB NOT NULL,"
	"  categories INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  decided_by TEXT,"
	"  reason TEXT,"
	"  trace TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	/* fields received from other nodes (value NULL: existence only) */
	"CREATE TABLE received ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id TEXT NOT NULL,"
	"  from_org TEXT NOT NULL,"
	"  field_id INTEGER NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  category INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  value TEXT,"
	"  received_ms INTEGER NOT NULL,"
	"  UNIQUE (from_org, case_id, field_id));"
	/* what left this node, to whom: for retraction */
	"CREATE TABLE disclosures ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id TEXT NOT NULL,"
	"  to_org TEXT NOT NULL,"
	"  field_id INTEGER NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  category INTEGER NOT NULL,"
	"  existence INTEGER NOT NULL,"
	"  sent_ms INTEGER NOT NULL,"
	"  retracted_ms INTEGER,"
	"  retraction_acked_ms INTEGER);",

	/* 4: which of this node's users work on which case (the snooping
	 * alert counts dossiers opened outside them) */
	"CREATE TABLE case_users ("
	"  case_id TEXT NOT NULL,"
	"  user TEXT NOT NULL,"
	"  assigned_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (case_id, user));",

	/* 5: which members signed a case's consultation protocol */
	"ALTER TABLE case_members ADD COLUMN attested INTEGER NOT NULL "
	"DEFAULT 0;",

	/* 6: outbox and inbox keyed by (peer, seq), which only grows, instead
	 * of by the random message id: a random key dirties a different index
	 * page for almost every message, each one encrypted and written to
	 * the WAL at every commit. The ids stay, unindexed, to tell a retry
	 * from a replay. */
	"CREATE TABLE outbox6 ("
	"  peer TEXT NOT NULL REFERENCES peers(org_id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  msg_id BLOB NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  body BLOB NOT NULL,"
	"  trace TEXT NOT NULL DEFAULT '',"
	"  created_us INTEGER NOT NULL,"
	"  PRIMARY KEY (peer, seq));"
	"INSERT INTO outbox6 SELECT peer, seq, msg_id, type, body, trace, "
	"  created_us FROM outbox ORDER BY peer, seq;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox6 RENAME TO outbox;"
	"CREATE TABLE inbox6 ("
	"  peer TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  msg_id BLOB NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  env_hash BLOB NOT NULL,"
	"  received_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (peer, seq)) WITHOUT ROWID;"
	"INSERT OR REPLACE INTO inbox6 SELECT peer, seq, msg_id, type, "
	"  env_hash, received_ms FROM inbox ORDER BY rowid;"
	"DROP TABLE inbox;"
	"ALTER TABLE inbox6 RENAME TO inbox;",

	/* 7: the inbox keeps the answer to a message it refused, so that a
	 * retry whose receipt was lost gets that answer again, not "accepted" */
	"ALTER TABLE inbox ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE inbox ADD COLUMN reason TEXT NOT NULL DEFAULT '';",

	/* 8: what let each disclosed field out: the consent or legal basis
	 * (consents.id) in force when it left, NULL when the matrix asked for
	 * neither, -1 for fields sent before this was kept (any withdrawal
	 * for their subject and category retracts those, as it did). And a
	 * request's categories decided so far (bit masks like categories): a
	 * request stays pending until each is approved or denied. Requests
	 * closed as "partly approved" before keep no masks: they stay closed.
	 * A request left pending after the auto_share policy sent some of
	 * its categories gets those as approved, so they are neither denied
	 * in the audit after they left nor sent again: the policy sent them
	 * in the transaction that stored the request, so they are the
	 * disclosures of its case in a category it asked for, sent from its
	 * creation up to the policy's disclosure.sent record (trace and
	 * recipient) for it. Each category is one bit: SUM(DISTINCT) of the
	 * bits is their OR. */
	"ALTER TABLE disclosures ADD COLUMN consent_id INTEGER;"
	"UPDATE disclosures SET consent_id = -1;"
	"ALTER TABLE shares ADD COLUMN approved INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE shares ADD COLUMN denied INTEGER NOT NULL DEFAULT 0;"
	"UPDATE shares SET approved = categories WHERE state = 'approved';"
	"UPDATE shares SET denied = categories WHERE state = 'denied';"
	"UPDATE shares SET approved = (SELECT ifnull(sum(DISTINCT 1 << "
	"  d.category), 0) FROM disclosures d WHERE d.case_id = "
	"  shares.case_id AND d.category BETWEEN 0 AND 31 AND "
	"  (shares.categories >> d.category) & 1 AND d.sent_ms >= "
	"  shares.created_ms AND EXISTS (SELECT 1 FROM audit a WHERE "
	"  a.user = 'policy' AND a.action = 'disclosure.sent' AND "
	"  a.object = d.to_org AND a.time_ms >= d.sent_ms AND "
	"  substr(a.detail, -length(shares.trace) - 8) = "
	"  '; trace ' || shares.trace)) WHERE state = 'pending';",

	/* 9: signals (node/work/): what a partner saw or was told, when and
	 * where, of which category (the numbering of node/work/work.h), from
	 * which source. A point is WGS84 in 1e-7 degrees, both or neither.
	 * A duplicate points at the signal its incident is counted under
	 * (always one that is no duplicate itself). import_key (BLAKE2b of
	 * the source and its own id, or of the row) makes a second import of
	 * the same row a no-op; row_hash (BLAKE2b of all its values) tells a
	 * row corrected in the partner's system (same source id, other
	 * values) from the same row again. summary_ms is when its summary
	 * was queued for the director, NULL while it is owed (no charter or
	 * matrix allowing it yet, or a correction since). The subjects and their role are in one place
	 * only, signal_subjects, by the subject reference the rest of the
	 * store uses (cases, fields, consents), so that one change of how
	 * subjects are named (tokens) touches one table. The indexes serve
	 * signal.list newest first by municipality, by neighbourhood, by
	 * neighbourhood and category, by category and by time (each a walk
	 * that stops after a page: without the municipality's own index a
	 * page of one municipality sorted all its signals, and a place with
	 * a category walked that category everywhere; make bench, section
	 * 6), and the duplicates of one signal (the summaries owed are found
	 * by walking the table in id order, once per matrix applied). */
	"CREATE TABLE signals ("
	"  id INTEGER PRIMARY KEY,"
	"  when_ms INTEGER NOT NULL,"
	"  municipality TEXT NOT NULL,"
	"  neighbourhood TEXT NOT NULL DEFAULT '',"
	"  street TEXT NOT NULL DEFAULT '',"
	"  lat_e7 INTEGER CHECK (lat_e7 BETWEEN -900000000 AND 900000000),"
	"  lon_e7 INTEGER CHECK (lon_e7 BETWEEN -1800000000 AND 1800000000),"
	"  category INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  source_id TEXT NOT NULL DEFAULT '',"
	"  text TEXT NOT NULL DEFAULT '',"
	"  duplicate_of INTEGER REFERENCES signals(id),"
	"  import_key BLOB UNIQUE,"
	"  row_hash BLOB,"
	"  summary_ms INTEGER,"
	"  recorded_by TEXT NOT NULL,"
	"  recorded_ms INTEGER NOT NULL,"
	"  CHECK ((lat_e7 IS NULL) = (lon_e7 IS NULL)),"
	"  CHECK (duplicate_of IS NULL OR duplicate_of <> id));"
	"CREATE INDEX signals_when ON signals(when_ms);"
	"CREATE INDEX signals_area ON signals(municipality, neighbourhood, "
	"  when_ms);"
	"CREATE INDEX signals_category ON signals(category, when_ms);"
	"CREATE INDEX signals_municipality ON signals(municipality, when_ms);"
	"CREATE INDEX signals_area_category ON signals(municipality, "
	"  neighbourhood, category, when_ms);"
	"CREATE INDEX signals_duplicates ON signals(duplicate_of) WHERE "
	"  duplicate_of IS NOT NULL;"
	"CREATE TABLE signal_subjects ("
	"  signal_id INTEGER NOT NULL REFERENCES signals(id) ON DELETE "
	"    CASCADE,"
	"  role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 3),"
	"  subject TEXT NOT NULL,"
	"  PRIMARY KEY (signal_id, role, subject)) WITHOUT ROWID;"
	"CREATE INDEX signal_subjects_subject ON signal_subjects(subject, "
	"  role);",

	/* 10: at the director, the summaries of the members' signals (no
	 * subject, text, street or point: protocol/work_wire.h), one row per
	 * member's signal, replaced when the member sends it again (a link
	 * changes its reports or makes it a duplicate) */
	"CREATE TABLE signal_summaries ("
	"  id INTEGER PRIMARY KEY,"
	"  from_org TEXT NOT NULL,"
	"  signal_id INTEGER NOT NULL,"
	"  when_ms INTEGER NOT NULL,"
	"  municipality TEXT NOT NULL,"
	"  neighbourhood TEXT NOT NULL,"
	"  category INTEGER NOT NULL,"
	"  reports INTEGER NOT NULL,"
	"  duplicate_of INTEGER NOT NULL,"
	"  received_ms INTEGER NOT NULL,"
	"  UNIQUE (from_org, signal_id));"
	"CREATE INDEX signal_summaries_when ON signal_summaries(when_ms);"
	"CREATE INDEX signal_summaries_area ON signal_summaries(municipality, "
	"  neighbourhood, when_ms);"
	"CREATE INDEX signal_summaries_category ON signal_summaries(category, "
	"  when_ms);",

	/* 11: a case's life (node/work/life.c). need/'s cases learn when a
	 * case was closed (NULL: open), so that nothing is shared for it
	 * after; the steps of each case (stage 0 signal .. 5 closed, with an
	 * outcome exactly when closed; reason NULL: not shared with this
	 * node, '': none given) and the links between cases (relation 0
	 * family_member, 1 group_involved, 2 related). They name a case by
	 * its id only, never its subject. */
	"ALTER TABLE cases ADD COLUMN closed_ms INTEGER;"
	"CREATE TABLE case_steps ("
	"  case_id TEXT NOT NULL,"
	"  step INTEGER NOT NULL CHECK (step >= 1),"
	"  stage INTEGER NOT NULL CHECK (stage BETWEEN 0 AND 5),"
	"  outcome INTEGER CHECK ((stage = 5) = (outcome IS NOT NULL) AND "
	"    (outcome IS NULL OR outcome BETWEEN 0 AND 2)),"
	"  when_ms INTEGER NOT NULL,"
	"  by_org TEXT NOT NULL,"
	"  by_user TEXT NOT NULL,"
	"  reason TEXT,"
	"  recorded_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (case_id, step)) WITHOUT ROWID;"
	"CREATE TABLE case_links ("
	"  case_id TEXT NOT NULL,"
	"  other_id TEXT NOT NULL CHECK (other_id != case_id),"
	"  relation INTEGER NOT NULL CHECK (relation BETWEEN 0 AND 2),"
	"  when_ms INTEGER NOT NULL,"
	"  by_org TEXT NOT NULL,"
	"  by_user TEXT NOT NULL,"
	"  PRIMARY KEY (case_id, other_id)) WITHOUT ROWID;"
	"CREATE INDEX case_links_other ON case_links(other_id);",

	/* 12: plans and actions (node/work/plan.c, action.c): a case's plan of
	 * approach, goals per life domain (the numbering of node/work/
	 * work.h) and actions, each with one owning org, a deadline and a
	 * state (0 open, 1 done, 2 late, 3 cancelled) with a note (the
	 * result, or why it was cancelled). The case's director numbers
	 * them; a member keeps what the director sent it under the
	 * director's org and number, so one table serves both. A text or
	 * note is NULL where this node may know only that the goal or
	 * action exists. Only the case id names the case: never its
	 * subject. late_ms is when this node marked the action late (once,
	 * by itself: the index serves that check); done_ms when its owner
	 * marked it done. */
	"CREATE TABLE plan_goals ("
	"  director TEXT NOT NULL,"
	"  goal_id INTEGER NOT NULL CHECK (goal_id >= 1),"
	"  case_id TEXT NOT NULL,"
	"  domain INTEGER NOT NULL CHECK (domain BETWEEN 0 AND 7),"
	"  goal TEXT,"
	"  added_by TEXT NOT NULL,"
	"  changed_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (director, goal_id)) WITHOUT ROWID;"
	"CREATE INDEX plan_goals_case ON plan_goals(case_id, domain);"
	"CREATE TABLE actions ("
	"  director TEXT NOT NULL,"
	"  action_id INTEGER NOT NULL CHECK (action_id >= 1),"
	"  case_id TEXT NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  deadline_ms INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),"
	"  text TEXT,"
	"  note TEXT,"
	"  added_by TEXT NOT NULL,"
	"  changed_ms INTEGER NOT NULL,"
	"  done_ms INTEGER,"
	"  late_ms INTEGER,"
	"  CHECK (note IS NULL OR state IN (1, 3)),"
	"  PRIMARY KEY (director, action_id)) WITHOUT ROWID;"
	"CREATE INDEX actions_case ON actions(case_id, deadline_ms);"
	"CREATE INDEX actions_owner ON actions(owner, deadline_ms);"
	"CREATE INDEX actions_open ON actions(deadline_ms) WHERE state = 0;",

	/* 13: consultations (node/work/meet.c, meet_apply.c): bodies (the
	 * monthly neighbourhood team, the nuisance consultation team) with
	 * their member partners and chair; their meetings, each with an
	 * agenda of cases, the attendance (present 1, absent 0) and, per
	 * case, the minutes and the decisions (step: the case's step a
	 * decision took); a case handed from one body to another. The
	 * director numbers meetings and keys everything by its org; a member
	 * keeps what it was sent under the director's org and number, so one
	 * set of tables serves both. A minutes, decision or reason text is
	 * NULL where this node may know only that it exists. Only the case
	 * id names a case: never its subject. */
	"CREATE TABLE bodies ("
	"  director TEXT NOT NULL,"
	"  body_id TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  chair TEXT NOT NULL,"
	"  changed_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (director, body_id)) WITHOUT ROWID;"
	"CREATE TABLE body_members ("
	"  director TEXT NOT NULL,"
	"  body_id TEXT NOT NULL,"
	"  org TEXT NOT NULL,"
	"  PRIMARY KEY (director, body_id, org)) WITHOUT ROWID;"
	"CREATE TABLE meetings ("
	"  director TEXT NOT NULL,"
	"  meeting_id INTEGER NOT NULL CHECK (meeting_id >= 1),"
	"  body_id TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  planned_by TEXT NOT NULL,"
	"  attendance_ms INTEGER,"
	"  changed_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (director, meeting_id)) WITHOUT ROWID;"
	"CREATE INDEX meetings_at ON meetings(at_ms);"
	"CREATE TABLE meeting_attendance ("
	"  director TEXT NOT NULL,"
	"  meeting_id INTEGER NOT NULL,"
	"  org TEXT NOT NULL,"
	"  present INTEGER NOT NULL CHECK (present IN (0, 1)),"
	"  PRIMARY KEY (director, meeting_id, org)) WITHOUT ROWID;"
	"CREATE TABLE meeting_cases ("
	"  director TEXT NOT NULL,"
	"  meeting_id INTEGER NOT NULL,"
	"  case_id TEXT NOT NULL,"
	"  added_ms INTEGER NOT NULL,"
	"  minutes TEXT,"
	"  minutes_ms INTEGER,"
	"  changed_ms INTEGER NOT NULL,"
	"  CHECK (minutes IS NULL OR minutes_ms IS NOT NULL),"
	"  PRIMARY KEY (director, meeting_id, case_id)) WITHOUT ROWID;"
	"CREATE INDEX meeting_cases_case ON meeting_cases(case_id);"
	"CREATE TABLE meeting_decisions ("
	"  director TEXT NOT NULL,"
	"  meeting_id INTEGER NOT NULL,"
	"  case_id TEXT NOT NULL,"
	"  decision INTEGER NOT NULL CHECK (decision >= 1),"
	"  text TEXT,"
	"  step INTEGER CHECK (step IS NULL OR step >= 1),"
	"  decided_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (director, meeting_id, case_id, decision)) "
	"  WITHOUT ROWID;"
	"CREATE TABLE case_escalations ("
	"  case_id TEXT NOT NULL,"
	"  number INTEGER NOT NULL CHECK (number >= 1),"
	"  from_body TEXT NOT NULL,"
	"  to_body TEXT NOT NULL CHECK (to_body != from_body),"
	"  when_ms INTEGER NOT NULL,"
	"  by_org TEXT NOT NULL,"
	"  by_user TEXT NOT NULL,"
	"  reason TEXT,"
	"  PRIMARY KEY (case_id, number)) WITHOUT ROWID;",

	/* 14: the signals of a case (node/work/case_signals.c): which of
	 * this node's own signals (from_org '') or, at the director, which
	 * member's signal summaries (from_org the member, signal_id its
	 * number there) belong to which case, attached by whom and when.
	 * The key serves a case's list; the second index which cases a
	 * signal belongs to. Only the case id names the case. */
	"CREATE TABLE case_signals ("
	"  case_id TEXT NOT NULL,"
	"  from_org TEXT NOT NULL,"
	"  signal_id INTEGER NOT NULL CHECK (signal_id >= 1),"
	"  linked_by TEXT NOT NULL,"
	"  linked_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (case_id, from_org, signal_id)) WITHOUT ROWID;"
	"CREATE INDEX case_signals_signal ON case_signals(from_org, "
	"  signal_id);",

	/* 15: the signals of a case as another node told them here
	 * (node/work/case_signals_share.c): at a member, what the case's
	 * director sent of the case's signals; at the director, what a
	 * member told it of its own signals it attached. Keyed by the case,
	 * whose signal it is (origin) and its number there; sender is the
	 * node that told it. municipality, neighbourhood, category and
	 * reports are NULL together where this node may know only that the
	 * signal is there, and when. No column names a subject. */
	"CREATE TABLE case_signal_copies ("
	"  case_id TEXT NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin != ''),"
	"  signal_id INTEGER NOT NULL CHECK (signal_id >= 1),"
	"  sender TEXT NOT NULL,"
	"  when_ms INTEGER NOT NULL,"
	"  municipality TEXT,"
	"  neighbourhood TEXT,"
	"  category INTEGER,"
	"  reports INTEGER,"
	"  duplicate_of INTEGER,"
	"  received_ms INTEGER NOT NULL,"
	"  CHECK ((municipality IS NULL) = (category IS NULL) AND "
	"    (municipality IS NULL) = (reports IS NULL) AND "
	"    (municipality IS NULL) = (neighbourhood IS NULL)),"
	"  CHECK (duplicate_of IS NULL OR municipality IS NOT NULL),"
	"  PRIMARY KEY (case_id, origin, signal_id)) WITHOUT ROWID;",

	/* 16: the matrix version a message was made under (node/exchange):
	 * an envelope names the version its sender held when it queued the
	 * message, not when it sent it, so that a receiver can tell a
	 * message made under a matrix it does not hold yet (it waits) from
	 * one made under an older one (judged under its own). Messages
	 * queued before this migration name 0: made under an older one. */
	"ALTER TABLE outbox ADD COLUMN mv INTEGER NOT NULL DEFAULT 0;",

	/* 17: subjects and their pseudonymous tokens (node/subject/token.c,
	 * issue 11). subject_keys, at the director only: the federation's
	 * OPRF secret, one row per key epoch (rotation will add rows), made
	 * on first need; the store's encryption is its only protection
	 * besides guarded memory while in use, it is never in the config, a
	 * log or a reply. subjects: this node's own subjects, the one place
	 * a subject's reference and identifier are kept (cases will refer to
	 * the token through it): ref is the node's local reference, kind one
	 * of be-nrn, nl-bsn, person, address, ident the canonical form
	 * (protocol/SUBJECTS.md; it never leaves the node), token the first
	 * 32 bytes of the OPRF output under key epoch `epoch`. While a
	 * token is asked for, request_id names the TOKEN_REQUEST, pos the
	 * element's place in it and blind the secret blind (wiped once the
	 * answer came); refused the code of the last refusal (18: the
	 * daily limit). token_usage, at the director: the evaluations each
	 * member asked for per UTC day (day = ms / 86400000), for the daily
	 * limit. */
	"CREATE TABLE subject_keys ("
	"  epoch INTEGER PRIMARY KEY CHECK (epoch >= 1),"
	"  sk BLOB NOT NULL CHECK (length(sk) = 32),"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE subjects ("
	"  ref TEXT PRIMARY KEY CHECK (ref != ''),"
	"  kind TEXT NOT NULL CHECK (kind IN ('be-nrn', 'nl-bsn', 'person', "
	"    'address')),"
	"  ident TEXT NOT NULL UNIQUE,"
	"  token BLOB CHECK (token IS NULL OR length(token) = 32),"
	"  epoch INTEGER CHECK (epoch IS NULL OR epoch >= 1),"
	"  created_ms INTEGER NOT NULL,"
	"  token_ms INTEGER,"
	"  request_id BLOB CHECK (request_id IS NULL OR "
	"    length(request_id) = 16),"
	"  pos INTEGER,"
	"  blind BLOB CHECK (blind IS NULL OR length(blind) = 32),"
	"  refused INTEGER,"
	"  refused_ms INTEGER,"
	"  CHECK ((token IS NULL) = (epoch IS NULL)),"
	"  CHECK ((token IS NULL) = (token_ms IS NULL)),"
	"  CHECK ((request_id IS NULL) = (blind IS NULL)),"
	"  CHECK ((request_id IS NULL) = (pos IS NULL)));"
	"CREATE INDEX subjects_token ON subjects(token);"
	"CREATE INDEX subjects_request ON subjects(request_id, pos);"
	"CREATE TABLE token_usage ("
	"  member TEXT NOT NULL,"
	"  day INTEGER NOT NULL,"
	"  used INTEGER NOT NULL CHECK (used >= 0),"
	"  PRIMARY KEY (member, day)) WITHOUT ROWID;",
	/* 18: concerns and matches on a subject's token (node/subject/
	 * concern.c, issue 11). On every node, the concerns it registered
	 * (token, contact, expiry; withdrawn_ms once withdrawn) and the other
	 * partners the director told it of for each (concern_matches). At
	 * the director, the active concerns of every partner, its own too
	 * (concerns_held: one per partner and token), with what it last told
	 * the partner of each (told_n other partners, told: a hash of the
	 * notice; NULL never told). No column names a subject. */
	"CREATE TABLE concerns ("
	"  id INTEGER PRIMARY KEY,"
	"  token BLOB NOT NULL CHECK (length(token) = 32),"
	"  contact TEXT NOT NULL CHECK (contact != ''),"
	"  until_ms INTEGER NOT NULL CHECK (until_ms > 0),"
	"  created_ms INTEGER NOT NULL,"
	"  withdrawn_ms INTEGER);"
	"CREATE INDEX concerns_token ON concerns (token);"
	"CREATE TABLE concern_matches ("
	"  concern_id INTEGER NOT NULL REFERENCES concerns (id),"
	"  partner TEXT NOT NULL CHECK (partner != ''),"
	"  contact TEXT NOT NULL CHECK (contact != ''),"
	"  since_ms INTEGER NOT NULL,"
	"  received_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (concern_id, partner)) WITHOUT ROWID;"
	"CREATE TABLE concerns_held ("
	"  partner TEXT NOT NULL CHECK (partner != ''),"
	"  number INTEGER NOT NULL CHECK (number >= 1),"
	"  token BLOB NOT NULL CHECK (length(token) = 32),"
	"  contact TEXT NOT NULL CHECK (contact != ''),"
	"  until_ms INTEGER NOT NULL CHECK (until_ms > 0),"
	"  received_ms INTEGER NOT NULL,"
	"  told_n INTEGER,"
	"  told BLOB,"
	"  PRIMARY KEY (partner, number),"
	"  UNIQUE (partner, token)) WITHOUT ROWID;"
	"CREATE INDEX concerns_held_token ON concerns_held (token);"
	"CREATE INDEX concerns_held_until ON concerns_held (until_ms);",
	/* 19: when a subject's token was asked (node/subject/token.c,
	 * review s8 M1): a request with no answer for a day is taken as
	 * lost and asked again. NULL while not asked; a request pending
	 * from before this migration has none, and is asked again at once.
	 * subjects.epoch now holds the id of the key a token was made under
	 * (derived from the key), not a count: tokens made before hold 1. */
	"ALTER TABLE subjects ADD COLUMN asked_ms INTEGER;",
	/* 20: what a node disclosed, by recipient (node/need/resync.c,
	 * review s8 M4): a peer whose store went back asks for the
	 * retractions it sent it again, and each is checked against a copy
	 * disclosed again since; without the index both walk every field
	 * ever disclosed to anyone. */
	"CREATE INDEX disclosures_to ON disclosures (to_org, case_id, "
	"  field_id);",
	/* 21: a case on a subject's token (node/need/case.c, issue 11)
	 * holds "token:" and the token's 64 lowercase hex digits as its
	 * subject, the one place the token is kept. A case opened on a
	 * match before (concern.case) held the bare hex as a plain subject,
	 * which no reference can be (63 characters at most, and case.open's
	 * only other caller is concern.case): it names its token now, so that
	 * each member finds its own subject in it. What a node received for
	 * such a case kept the hex too: it now keeps this node's own subject
	 * with that token, or none. */
	"UPDATE cases SET subject = 'token:' || subject WHERE "
	"  length(subject) = 64 AND subject NOT GLOB '*[^0-9a-f]*';"
	"UPDATE received SET subject = ifnull((SELECT ref FROM subjects "
	"  WHERE hex(token) = upper(received.subject) ORDER BY created_ms "
	"  LIMIT 1), '') WHERE length(subject) = 64 AND subject NOT GLOB "
	"  '*[^0-9a-f]*' AND (SELECT subject FROM cases c WHERE c.case_id = "
	"  received.case_id) = 'token:' || subject;",
	/* 22: a member's key rotation (node/exchange/rotate.c): the keys a
	 * peer held before its new ones, taken from it as well until it
	 * signs with the new ones (then NULL: the old are refused) or until
	 * prev_until_ms, whichever comes first. NULL: no rotation open. */
	"ALTER TABLE peers ADD COLUMN prev_sign_pk BLOB CHECK (prev_sign_pk "
	"  IS NULL OR length(prev_sign_pk) = 32);"
	"ALTER TABLE peers ADD COLUMN prev_kx_pk BLOB CHECK (prev_kx_pk "
	"  IS NULL OR length(prev_kx_pk) = 32);"
	"ALTER TABLE peers ADD COLUMN prev_until_ms INTEGER;",
	/* 23: SITRAP alerts (node/alert/alert.c, issue 13): what happened in
	 * a case this node directs, or to an action it owns, for its
	 * people: when, the kind (plain words: action.done), the case, the
	 * partner, the thing it names (an action's number; 0 none), in which
	 * capacity this node hears of it. Never a subject, a field or a
	 * text. The id never comes back after a row is deleted
	 * (AUTOINCREMENT): a follower asks "after id N", and a mail queue
	 * may name the alert it mails. Read state is per local user
	 * (alert_reads: one user's reading leaves another's unread); an
	 * alert is unread for a user without a row there. Indexed for a
	 * case's alerts; the unread ones newest first walk the ids down
	 * with a primary-key look-up each. */
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind GLOB '[a-z]*.[a-z]*' AND "
	"    length(kind) <= 32),"
	"  case_id TEXT NOT NULL CHECK (case_id != ''),"
	"  partner TEXT NOT NULL DEFAULT '',"
	"  ref INTEGER NOT NULL DEFAULT 0,"
	"  role TEXT NOT NULL CHECK (role IN ('director', 'owner')));"
	"CREATE INDEX alerts_case ON alerts (case_id, id);"
	"CREATE TABLE alert_reads ("
	"  user TEXT NOT NULL CHECK (user != ''),"
	"  alert_id INTEGER NOT NULL,"
	"  read_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (user, alert_id)) WITHOUT ROWID;",
	/* 24: neighbourhood mediation (node/work/mediation.c, issue 13): a
	 * mediation case's own content, on the mediation service's node
	 * that directs it, never sent. mediations: the referral (source and
	 * dispute: enum node_med_source and node_med_dispute; partner: the
	 * referring org's id or ''), its day (days since 1970-01-01), the
	 * agreement (free text) and its day, the outcome (enum
	 * node_med_outcome, NULL while open) and the day it closed. Indexed
	 * by referral day for `report mediation`. The parties: a party's
	 * subject reference is kept here only (unique per case); talks
	 * name a party by its number. Mediators are the service's own
	 * volunteers by name. A talk (enum node_med_talk) on a day, and
	 * who attended: a party (mediator '') or a mediator (party 0). */
	"CREATE TABLE mediations ("
	"  case_id TEXT PRIMARY KEY CHECK (case_id != ''),"
	"  source INTEGER NOT NULL CHECK (source >= 0),"
	"  partner TEXT NOT NULL DEFAULT '',"
	"  dispute INTEGER NOT NULL CHECK (dispute >= 0),"
	"  referred_day INTEGER NOT NULL,"
	"  agreement TEXT,"
	"  agreement_day INTEGER,"
	"  outcome INTEGER CHECK (outcome IS NULL OR outcome >= 0),"
	"  closed_day INTEGER,"
	"  by_user TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  CHECK ((outcome IS NULL) = (closed_day IS NULL)),"
	"  CHECK ((agreement IS NULL) = (agreement_day IS NULL)));"
	"CREATE INDEX mediations_referred ON mediations (referred_day);"
	"CREATE TABLE mediation_parties ("
	"  case_id TEXT NOT NULL,"
	"  party INTEGER NOT NULL CHECK (party >= 1),"
	"  subject TEXT NOT NULL CHECK (subject != ''),"
	"  agreed INTEGER CHECK (agreed IS NULL OR agreed IN (0, 1)),"
	"  PRIMARY KEY (case_id, party),"
	"  UNIQUE (case_id, subject)) WITHOUT ROWID;"
	"CREATE TABLE mediation_mediators ("
	"  case_id TEXT NOT NULL,"
	"  name TEXT NOT NULL CHECK (name != ''),"
	"  PRIMARY KEY (case_id, name)) WITHOUT ROWID;"
	"CREATE TABLE mediation_talks ("
	"  case_id TEXT NOT NULL,"
	"  talk INTEGER NOT NULL CHECK (talk >= 1),"
	"  on_day INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL CHECK (kind >= 0),"
	"  by_user TEXT NOT NULL,"
	"  recorded_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (case_id, talk)) WITHOUT ROWID;"
	"CREATE TABLE mediation_attendance ("
	"  case_id TEXT NOT NULL,"
	"  talk INTEGER NOT NULL,"
	"  party INTEGER NOT NULL DEFAULT 0,"
	"  mediator TEXT NOT NULL DEFAULT '',"
	"  CHECK ((party = 0) != (mediator = '')),"
	"  PRIMARY KEY (case_id, talk, party, mediator)) WITHOUT ROWID;",
	/* 25: phenomena (node/work/phenomenon.c, issue 13): the director's
	 * rules per signal category (at least `signals` signals from at
	 * least `partners` partners within `days` days in one area), the
	 * phenomena the rules proposed in an area (municipality and
	 * neighbourhood) and category (state proposed, open: a case was
	 * opened for it, case_id; dismissed, with why), and the members'
	 * signals each groups, named as signal_summaries names them
	 * (from_org, signal_id). Never a subject or a signal's text. The id
	 * never comes back (AUTOINCREMENT): an alert names it. */
	"CREATE TABLE phenomenon_rules ("
	"  category INTEGER PRIMARY KEY CHECK (category >= 0),"
	"  signals INTEGER NOT NULL CHECK (signals BETWEEN 1 AND 1000),"
	"  partners INTEGER NOT NULL CHECK (partners BETWEEN 1 AND 100),"
	"  days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 366),"
	"  set_by TEXT NOT NULL,"
	"  set_ms INTEGER NOT NULL);"
	"CREATE TABLE phenomena ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  category INTEGER NOT NULL,"
	"  municipality TEXT NOT NULL,"
	"  neighbourhood TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('proposed', 'open', "
	"    'dismissed')),"
	"  first_ms INTEGER NOT NULL,"
	"  last_ms INTEGER NOT NULL CHECK (last_ms >= first_ms),"
	"  signals INTEGER NOT NULL,"
	"  partners INTEGER NOT NULL,"
	"  rule_signals INTEGER NOT NULL,"
	"  rule_partners INTEGER NOT NULL,"
	"  rule_days INTEGER NOT NULL,"
	"  proposed_ms INTEGER NOT NULL,"
	"  case_id TEXT CHECK ((state = 'open') = (case_id IS NOT NULL)),"
	"  decided_by TEXT,"
	"  decided_ms INTEGER,"
	"  why TEXT CHECK ((state = 'dismissed') = (why IS NOT NULL)));"
	"CREATE INDEX phenomena_area ON phenomena (category, municipality, "
	"  neighbourhood, id);"
	"CREATE TABLE phenomenon_signals ("
	"  phenomenon_id INTEGER NOT NULL,"
	"  from_org TEXT NOT NULL,"
	"  signal_id INTEGER NOT NULL,"
	"  PRIMARY KEY (phenomenon_id, from_org, signal_id)) WITHOUT ROWID;",
	/* 26: the mail queue of SITRAP alerts (node/alert/mail.c, issue
	 * 13): one row per alert that goes out by mail, written in the
	 * transaction that stored the alert (so none is lost, and none is
	 * queued for an event that rolled back); sent_ms set only after the
	 * mail server accepted it. The mail is built from the alert's row
	 * when it is sent (no text is kept here). tries and last_ms: the
	 * attempts that failed, for status. Unsent rows are found by a
	 * partial index. */
	"CREATE TABLE mail_queue ("
	"  alert_id INTEGER PRIMARY KEY,"
	"  queued_ms INTEGER NOT NULL,"
	"  tries INTEGER NOT NULL DEFAULT 0,"
	"  sent_ms INTEGER);"
	"CREATE INDEX mail_queue_unsent ON mail_queue (alert_id) "
	"  WHERE sent_ms IS NULL;",
	/* 27: alerts for the chair of a case's consultation body (a
	 * decision at a meeting it chairs: work/meet_apply.c) and for a
	 * concern's match (subject/concern.c), which names no case: its
	 * capacity 'concern' and its ref the concern's number. SQLite
	 * cannot change a CHECK: the table is built again, its rows and its
	 * AUTOINCREMENT sequence (the ids handed out never come back) kept;
	 * RENAME moves the sequence's row to the new name. */
	"CREATE TABLE alerts_new ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind GLOB '[a-z]*.[a-z]*' AND "
	"    length(kind) <= 32),"
	"  case_id TEXT NOT NULL CHECK ((case_id != '') = (role != "
	"    'concern')),"
	"  partner TEXT NOT NULL DEFAULT '',"
	"  ref INTEGER NOT NULL DEFAULT 0,"
	"  role TEXT NOT NULL CHECK (role IN ('director', 'owner', 'chair', "
	"    'concern')));"
	"INSERT INTO alerts_new (id, time_ms, kind, case_id, partner, ref, "
	"  role) SELECT id, time_ms, kind, case_id, partner, ref, role FROM "
	"  alerts;"
	"DELETE FROM sqlite_sequence WHERE name = 'alerts_new';"
	"INSERT INTO sqlite_sequence (name, seq) SELECT 'alerts_new', seq "
	"  FROM sqlite_sequence WHERE name = 'alerts';"
	"DROP TABLE alerts;"
	"ALTER TABLE alerts_new RENAME TO alerts;"
	"CREATE INDEX alerts_case ON alerts (case_id, id);",
};

int
node_store_latest_version(void)
{
	return (int)WN_ARRAY_LEN(migrations);
}

sqlite3 *
node_store_db(struct node_store *s)
{
	return s->db;
}

const char *
node_store_errmsg(struct node_store *s)
{
	return sqlite3_errmsg(s->db);
}

sqlite3_stmt *
node_store_stmt(struct node_store *s, enum node_store_slot slot,
    const char *sql)
{
	if (s->st[slot] == NULL) {
		if (sqlite3_prepare_v2(s->db, sql, -1, &s->st[slot], NULL) !=
		    SQLITE_OK) {
			sqlite3_finalize(s->st[slot]);
			s->st[slot] = NULL;
		}
		return s->st[slot];
	}
	sqlite3_reset(s->st[slot]);
	sqlite3_clear_bindings(s->st[slot]);
	return s->st[slot];
}

bool
node_store_full(struct node_store *s)
{
	int ec = sqlite3_extended_errcode(s->db) & 0xff;
	int se = sqlite3_system_errno(s->db);
	/* SQLite says SQLITE_FULL for a short write; a write refused whole
	 * (past a file size limit: EFBIG) comes back as an I/O error */
	return ec == SQLITE_FULL ||
	    (ec == SQLITE_IOERR &&
		(se == ENOSPC || se == EFBIG || se == EDQUOT));
}

int64_t
node_store_changes(struct node_store *s)
{
	return sqlite3_total_changes(s->db);
}

wn_err
node_store_exec(struct node_store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return WN_OK;
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ? WN_ECORRUPT
							    : WN_EDB;
}

/* durable puts synchronous back to FULL after a lazy transaction. Should
 * that ever fail, s->lazy stays set and every begin tries again and
 * refuses to start a transaction that would not be fsync'd. */
static wn_err
durable(struct node_store *s)
{
	if (!s->lazy)
		return WN_OK;
	if (sqlite3_get_autocommit(s->db) == 0)
		return WN_EDB;
	if (node_store_exec(s, "PRAGMA synchronous = FULL") != WN_OK) {
		/* out of memory, in practice: nothing is written until it
		 * works (begin refuses, audit records refuse) */
		wn_log(WN_LOG_ERROR, "store: cannot set synchronous = FULL "
		    "again: %s", sqlite3_errmsg(s->db));
		return WN_EDB;
	}
	s->lazy = false;
	return WN_OK;
}

wn_err
node_store_begin(struct node_store *s)
{
	if (durable(s) != WN_OK)
		return WN_EDB;
	return node_store_exec(s, "BEGIN IMMEDIATE");
}

/* The safety level cannot change inside a transaction: it is set before
 * BEGIN and put back after COMMIT or ROLLBACK. */
wn_err
node_store_begin_lazy(struct node_store *s)
{
	if (durable(s) != WN_OK ||
	    node_store_exec(s, "PRAGMA synchronous = NORMAL") != WN_OK)
		return WN_EDB;
	s->lazy = true;
	wn_err rc = node_store_exec(s, "BEGIN IMMEDIATE");
	if (rc != WN_OK)
		(void)durable(s);
	return rc;
}

bool
node_store_lazy(const struct node_store *s)
{
	return s->lazy;
}

wn_err
node_store_commit(struct node_store *s)
{
	wn_err rc = node_store_exec(s, "COMMIT");
	/* committed (or rolled back by SQLite): either way back to FULL */
	if (sqlite3_get_autocommit(s->db))
		(void)durable(s);
	return rc;
}

void
node_store_rollback(struct node_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	(void)durable(s);
}

/* pragma_text runs a pragma that returns one text row and copies it. */
static wn_err
pragma_text(struct node_store *s, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	int r = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (r == SQLITE_OK)
		r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		wn_strlcpy(out, t ? (const char *)t : "", cap);
		rc = WN_OK;
	} else if ((r & 0xff) == SQLITE_CORRUPT || (r & 0xff) == SQLITE_NOTADB) {
		rc = WN_ECORRUPT;
	}
	sqlite3_finalize(st);
	return rc;
}

int
node_store_version(struct node_store *s)
{
	char v[32];
	uint64_t n;
	if (pragma_text(s, "PRAGMA user_version", v, sizeof(v)) != WN_OK ||
	    !wn_parse_u64(v, 1000000, &n))
		return -1;
	return (int)n;
}

wn_err
node_store_migrate(struct node_store *s, int version, char *err,
    size_t errlen)
{
	int cur = node_store_version(s);
	if (cur < 0) {
		snprintf(err, errlen, "%s: cannot read schema version: %s",
		    s->path, sqlite3_errmsg(s->db));
		return WN_EDB;
	}
	if (cur > node_store_latest_version()) {
		snprintf(err, errlen,
		    "%s: schema version %d is newer than this wijknetd knows "
		    "(%d); refusing to touch it",
		    s->path, cur, node_store_latest_version());
		return WN_EDB;
	}
	for (int v = cur; v < version && v < node_store_latest_version(); v++) {
		char bump[64];
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if (node_store_begin(s) != WN_OK ||
		    node_store_exec(s, migrations[v]) != WN_OK ||
		    node_store_exec(s, bump) != WN_OK ||
		    node_store_commit(s) != WN_OK) {
			snprintf(err, errlen, "%s: migration to version %d "
			    "failed: %s", s->path, v + 1,
			    sqlite3_errmsg(s->db));
			node_store_rollback(s);
			return WN_EDB;
		}
	}
	return WN_OK;
}

wn_err
node_store_open_at(const char *path, struct sec_identity *id, bool create,
    int version, struct node_store **out, char *err, size_t errlen)
{
	struct node_store *s = calloc(1, sizeof(*s));
	struct sec_secret *key = NULL;
	char v[64];
	wn_err rc = WN_ENOMEM;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	wn_strlcpy(s->path, path, sizeof(s->path));
	if (!create && access(path, F_OK) != 0) {
		/* SQLite would only say "unable to open database file" */
		snprintf(err, errlen, "%s is missing: " LOST, path);
		rc = WN_ENOTFOUND;
		goto out;
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		rc = WN_EDB;
		goto out;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if ((rc = sec_identity_store_pragma(id, &key)) != WN_OK)
		goto out;
	rc = node_store_exec(s, key->data);
	sec_secret_free(key);
	key = NULL;
	if (rc != WN_OK ||
	    node_store_exec(s, "PRAGMA cipher_page_size = 4096") != WN_OK) {
		snprintf(err, errlen, "%s: cannot key database", path);
		rc = WN_EDB;
		goto out;
	}
	/* The first read decrypts page 1: a wrong key or a damaged first
	 * page fails here. */
	rc = pragma_text(s, "SELECT count(*) FROM sqlite_master", v,
	    sizeof(v));
	if (rc != WN_OK) {
		snprintf(err, errlen,
		    "%s: database cannot be decrypted: the file is damaged or "
		    "does not belong to this key file",
		    path);
		rc = WN_ECORRUPT;
		goto out;
	}
	/* A store that exists was made by init and migrated at once: one
	 * without a schema was emptied (truncated to 0 bytes, say). Opening
	 * it as new would start the audit chain again at 1 without peers or
	 * cases; only init creates a store. */
	if (!create && node_store_version(s) == 0) {
		snprintf(err, errlen, "%s is empty (no schema in it): " LOST,
		    path);
		rc = WN_ENOTFOUND;
		goto out;
	}
	if (pragma_text(s, "PRAGMA cipher_page_size", v, sizeof(v)) !=
		WN_OK ||
	    strcmp(v, "4096") != 0) {
		snprintf(err, errlen, "%s: cipher_page_size did not take effect",
		    path);
		rc = WN_EDB;
		goto out;
	}
	if (pragma_text(s, "PRAGMA journal_mode = WAL", v, sizeof(v)) !=
		WN_OK ||
	    strcmp(v, "wal") != 0) {
		snprintf(err, errlen, "%s: cannot enable WAL mode", path);
		rc = WN_EDB;
		goto out;
	}
	/* savepoint journals and temp tables stay in memory: they are
	 * small, and a temp file would have to be encrypted too */
	if (node_store_exec(s, "PRAGMA synchronous = FULL") != WN_OK ||
	    node_store_exec(s, "PRAGMA temp_store = MEMORY") != WN_OK ||
	    node_store_exec(s, "PRAGMA foreign_keys = ON") != WN_OK ||
	    pragma_text(s, "PRAGMA synchronous", v, sizeof(v)) != WN_OK ||
	    strcmp(v, "2") != 0) {
		snprintf(err, errlen, "%s: cannot set synchronous = FULL", path);
		rc = WN_EDB;
		goto out;
	}
	/* a deleted row is overwritten with zeros, not left in the page's
	 * free space or a free page: a retraction or a removal from a case
	 * erases the value from the file (read back: SQLCipher ignores what
	 * it does not know) */
	if (pragma_text(s, "PRAGMA secure_delete = ON", v, sizeof(v)) !=
		WN_OK ||
	    pragma_text(s, "PRAGMA secure_delete", v, sizeof(v)) != WN_OK ||
	    strcmp(v, "1") != 0) {
		snprintf(err, errlen, "%s: cannot set secure_delete", path);
		rc = WN_EDB;
		goto out;
	}
	if ((rc = node_store_migrate(s, version, err, errlen)) != WN_OK)
		goto out;
	*out = s;
	s = NULL;
	rc = WN_OK;
out:
	sec_secret_free(key);
	node_store_close(s);
	return rc;
}

wn_err
node_store_open(const char *path, struct sec_identity *id, bool create,
    struct node_store **out, char *err, size_t errlen)
{
	return node_store_open_at(path, id, create,
	    node_store_latest_version(), out, err, errlen);
}

wn_err
node_store_open_as_is(const char *path, struct sec_identity *id,
    struct node_store **out, char *err, size_t errlen)
{
	struct node_store *s = NULL;
	/* version 0: no migration; a newer schema is refused there */
	wn_err rc = node_store_open_at(path, id, false, 0, &s, err, errlen);
	if (rc != WN_OK)
		return rc;
	int v = node_store_version(s);
	if (v != node_store_latest_version()) {
		snprintf(err, errlen, "%s: schema version %d is older than this "
		    "wijknetd's (%d): the node has not run this wijknetd yet "
		    "(its start migrates it); refusing to migrate it from "
		    "here", path, v, node_store_latest_version());
		node_store_close(s);
		return WN_EDB;
	}
	*out = s;
	return WN_OK;
}

static void *
ck_main(void *arg)
{
	struct node_store *s = arg;
	pthread_mutex_lock(&s->ck_mtx);
	for (;;) {
		while (!s->ck_want && !s->ck_stop)
			pthread_cond_wait(&s->ck_cv, &s->ck_mtx);
		if (s->ck_stop)
			break;
		s->ck_want = false;
		pthread_mutex_unlock(&s->ck_mtx);
		int rc = sqlite3_wal_checkpoint_v2(s->ck->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		/* say it when it starts failing and when it works again,
		 * not at every commit in between */
		bool failing = rc != SQLITE_OK && rc != SQLITE_BUSY;
		if (failing && !s->ck_failing)
			wn_log(WN_LOG_WARN, "%s: checkpoint: %s (the WAL grows "
			    "until it works again)", s->path,
			    sqlite3_errmsg(s->ck->db));
		else if (!failing && s->ck_failing)
			wn_log(WN_LOG_INFO, "%s: checkpoints work again",
			    s->path);
		s->ck_failing = failing;
		pthread_mutex_lock(&s->ck_mtx);
		s->ck_count++;
		pthread_cond_broadcast(&s->ck_done);
	}
	pthread_mutex_unlock(&s->ck_mtx);
	return NULL;
}

/* wal_hook runs on the committing connection after each commit. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct node_store *s = arg;
	(void)name;
	if (frames >= CK_FRAMES_MAX)
		(void)sqlite3_wal_checkpoint_v2(db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	else if (frames >= CK_FRAMES) {
		pthread_mutex_lock(&s->ck_mtx);
		s->ck_want = true;
		pthread_cond_signal(&s->ck_cv);
		pthread_mutex_unlock(&s->ck_mtx);
	}
	return SQLITE_OK;
}

wn_err
node_store_checkpointer_start(struct node_store *s, struct sec_identity *id,
    char *err, size_t errlen)
{
	wn_err rc = node_store_open(s->path, id, false, &s->ck, err, errlen);
	if (rc != WN_OK)
		return rc;
	pthread_mutex_init(&s->ck_mtx, NULL);
	pthread_cond_init(&s->ck_cv, NULL);
	pthread_cond_init(&s->ck_done, NULL);
	if (pthread_create(&s->ck_thread, NULL, ck_main, s) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		node_store_close(s->ck);
		s->ck = NULL;
		return WN_ENOMEM;
	}
	s->ck_running = true;
	/* replaces the automatic checkpoint */
	sqlite3_wal_hook(s->db, wal_hook, s);
	return WN_OK;
}

uint64_t
node_store_checkpoints(struct node_store *s)
{
	uint64_t n;
	if (!s->ck_running)
		return 0;
	pthread_mutex_lock(&s->ck_mtx);
	n = s->ck_count;
	pthread_mutex_unlock(&s->ck_mtx);
	return n;
}

bool
node_store_checkpoint_wait(struct node_store *s, uint64_t n,
    int64_t timeout_ms)
{
	int64_t t = wn_now_ms() + timeout_ms;
	struct timespec ts = {t / 1000, (t % 1000) * 1000000L};
	bool ok;
	if (!s->ck_running)
		return false;
	pthread_mutex_lock(&s->ck_mtx);
	while (s->ck_count < n &&
	    pthread_cond_timedwait(&s->ck_done, &s->ck_mtx, &ts) == 0)
		;
	ok = s->ck_count >= n;
	pthread_mutex_unlock(&s->ck_mtx);
	return ok;
}

void
node_store_close(struct node_store *s)
{
	if (s == NULL)
		return;
	if (s->ck_running) {
		sqlite3_wal_hook(s->db, NULL, NULL);
		pthread_mutex_lock(&s->ck_mtx);
		s->ck_stop = true;
		pthread_cond_signal(&s->ck_cv);
		pthread_mutex_unlock(&s->ck_mtx);
		pthread_join(s->ck_thread, NULL);
		pthread_mutex_destroy(&s->ck_mtx);
		pthread_cond_destroy(&s->ck_cv);
		pthread_cond_destroy(&s->ck_done);
	}
	for (size_t i = 0; i < NODE_ST_N; i++)
		sqlite3_finalize(s->st[i]);
	/* the checkpointer's connection first: the last one to close
	 * checkpoints what is left and removes the WAL */
	node_store_close(s->ck);
	sqlite3_close_v2(s->db);
	free(s);
}

wn_err
node_store_check(struct node_store *s, char *err, size_t errlen)
{
	char v[256];
	wn_err rc = pragma_text(s, "PRAGMA quick_check", v, sizeof(v));
	if (rc == WN_OK && strcmp(v, "ok") == 0)
		return WN_OK;
	snprintf(err, errlen, "%s: database is damaged: %s", s->path,
	    rc == WN_OK ? v : "a page failed its authentication check");
	return WN_ECORRUPT;
}
