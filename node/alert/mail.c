/*
 * mail.c - SITRAP alerts mailed over SMTP (mail.h), from a durable queue.
 *
 * The alert sink (alert.c) queues an alert (mail_queue, migration 26) in
 * the transaction of its event, when the config names addresses for the
 * capacity in which the node hears of it, and wakes the sender. The
 * sender is a thread of its own: it takes the node lock only to read the
 * oldest unsent row (and the alert it names) and to mark it sent, never
 * while it talks to the mail server, so a slow or failing server delays
 * mail, never case work. A mail is marked sent only after the server
 * accepted it (libcurl's SMTP returned CURLE_OK after the final "250" of
 * DATA); a failure leaves it queued and the sender backs off (2 s, twice
 * as long each time, at most 5 min; a new alert does not cut the wait
 * short), trying the oldest again, so mails go out in order and none is
 * lost, across restarts too. A crash (or a full disk) between the
 * server's acceptance and the mark sends that one mail again: the
 * Message-ID is the alert's own (mail_text.c), so the copy is
 * recognisable. What status shows: the mails queued, the last sent, the
 * last error in plain words (curl's words for its code and the server's
 * reply code; never the password, which is read from its file for each
 * transfer and wiped after).
 */
#include "node/alert/mail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlcipher/sqlite3.h>

#define BACKOFF_MIN_MS 2000
#define BACKOFF_MAX_MS (5 * 60 * 1000)
#define MAIL_MAX 8192        /* one mail's text */
#define PASSWORD_MAX 256

struct node_mail {
	pthread_t thread;
	bool running;
	pthread_mutex_t mtx; /* the fields below */
	pthread_cond_t wake;
	bool stopping, kicked;
	int64_t next_try_ms; /* CLOCK_MONOTONIC; 0 now */
	unsigned failures;   /* in a row */
	int64_t sent_ms;     /* the last mail accepted (Unix ms) */
	char error[200];     /* the last failure, "" since a success */
	int64_t backoff_max_ms;
};

/* ---- the queue ------------------------------------------------------- */

static const char *
role_to(const struct node *n, const char *role)
{
	if (strcmp(role, "director") == 0)
		return cfg_mail_to(&n->cfg, CFG_MAIL_DIRECTOR);
	if (strcmp(role, "owner") == 0)
		return cfg_mail_to(&n->cfg, CFG_MAIL_OWNER);
	if (strcmp(role, "chair") == 0)
		return cfg_mail_to(&n->cfg, CFG_MAIL_CHAIR);
	return "";
}

wn_err
node_mail_queue(struct node *n, int64_t id, const char *role)
{
	sqlite3_stmt *st = NULL;
	int r;
	if (role_to(n, role)[0] == '\0')
		return WN_OK; /* no mail, or none for this role */
	if (sqlite3_prepare_v2(node_store_db(n->store), "INSERT INTO "
		"mail_queue (alert_id, queued_ms) VALUES (?, ?)", -1, &st,
		NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return WN_EDB;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, wn_now_ms());
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	/* the sender reads it under n->mtx, so after this transaction ends
	 * (rolled back: it finds nothing) */
	if (n->mail != NULL) {
		pthread_mutex_lock(&n->mail->mtx);
		n->mail->kicked = true;
		pthread_cond_signal(&n->mail->wake);
		pthread_mutex_unlock(&n->mail->mtx);
	}
	return WN_OK;
}

/* one queued mail, read under n->mtx */
struct item {
	int64_t id;
	char text[MAIL_MAX];
	size_t len;
	char to[sizeof(((struct cfg_node *)0)->mail_director_to)];
};

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* next reads the oldest unsent mail into it (n->mtx held): WN_OK with
 * it->id 0 when there is none. A row whose alert or role's addresses are
 * gone (the config changed) is marked sent with nothing sent: there is
 * no one to send it to. */
static wn_err
next(struct node *n, struct item *it)
{
	sqlite3 *db = node_store_db(n->store);
	sqlite3_stmt *st = NULL, *pn = NULL;
	struct node_mail_alert a;
	wn_err rc = WN_EDB;
	int r;
	it->id = 0;
	if (sqlite3_prepare_v2(db, "SELECT q.alert_id, a.time_ms, a.kind, "
		"a.case_id, a.partner, a.ref, a.role FROM mail_queue q "
		"LEFT JOIN alerts a ON a.id = q.alert_id WHERE q.sent_ms IS "
		"NULL ORDER BY q.alert_id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto out;
	if ((r = sqlite3_step(st)) == SQLITE_DONE) {
		rc = WN_OK;
		goto out;
	}
	if (r != SQLITE_ROW)
		goto out;
	memset(&a, 0, sizeof(a));
	a.id = sqlite3_column_int64(st, 0);
	a.time_ms = sqlite3_column_int64(st, 1);
	a.kind = col(st, 2);
	a.case_id = col(st, 3);
	a.partner = col(st, 4);
	a.ref = sqlite3_column_int64(st, 5);
	a.role = col(st, 6);
	a.org_id = n->cfg.org_id;
	a.org_name = n->cfg.org_name;
	a.partner_name = "";
	if (strcmp(a.partner, n->cfg.org_id) == 0)
		a.partner_name = n->cfg.org_name;
	else if (a.partner[0] != '\0' &&
	    sqlite3_prepare_v2(db, "SELECT name FROM peers WHERE org_id = ?",
		-1, &pn, NULL) == SQLITE_OK) {
		sqlite3_bind_text(pn, 1, a.partner, -1, SQLITE_STATIC);
		if (sqlite3_step(pn) == SQLITE_ROW)
			a.partner_name = col(pn, 0);
	}
	it->id = a.id;
	wn_strlcpy(it->to, role_to(n, a.role), sizeof(it->to));
	if (it->to[0] == '\0' || node_mail_text(&a, n->cfg.mail_from, it->to,
				     it->text, sizeof(it->text),
				     &it->len) != WN_OK) {
		/* nothing to send it to, or nothing that can be sent: said
		 * once, and not tried for ever */
		wn_log(WN_LOG_WARN, "mail: alert %lld is not mailed: %s",
		    (long long)a.id, it->to[0] == '\0' ? "the config names no "
		    "address for its role now" : "its text cannot be built");
		it->len = 0;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(pn);
	sqlite3_finalize(st);
	return rc;
}

/* mark marks alert id's mail sent (n->mtx held), in a transaction */
static wn_err
mark(struct node *n, int64_t id, bool failed)
{
	sqlite3_stmt *st = NULL;
	wn_err rc;
	int r;
	if ((rc = node_store_begin(n->store)) != WN_OK)
		return rc;
	if (sqlite3_prepare_v2(node_store_db(n->store), failed
		? "UPDATE mail_queue SET tries = tries + 1 WHERE alert_id = ?1"
		: "UPDATE mail_queue SET sent_ms = ?2 WHERE alert_id = ?1", -1,
		&st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		node_store_rollback(n->store);
		return WN_EDB;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, wn_now_ms());
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE || (rc = node_store_commit(n->store)) != WN_OK) {
		node_store_rollback(n->store);
		return WN_EDB;
	}
	return WN_OK;
}

/* ---- SMTP with libcurl ------------------------------------------------ */

struct upload {
	const char *p;
	size_t left;
};

static size_t
reader(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t k = size * nmemb < u->left ? size * nmemb : u->left;
	memcpy(ptr, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static int
progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct node_mail *m = arg;
	bool stop;
	(void)a, (void)b, (void)c, (void)d;
	pthread_mutex_lock(&m->mtx);
	stop = m->stopping;
	pthread_mutex_unlock(&m->mtx);
	return stop ? 1 : 0;
}

/* read_password reads the password file (a regular file of this user,
 * mode 0600 or 0400, its first line) into pw; why says what is wrong */
static wn_err
read_password(const char *path, char *pw, size_t cap, char *why,
    size_t whycap)
{
	struct stat sb;
	ssize_t k;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, whycap, "the mail password file %s cannot be "
		    "read: %s", path, strerror(errno));
		return WN_ECONFIG;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & 0177) != 0 || sb.st_uid != geteuid()) {
		snprintf(why, whycap, "the mail password file %s must be a "
		    "file of this node's user with mode 0600", path);
		close(fd);
		return WN_ECONFIG;
	}
	do
		k = read(fd, pw, cap - 1);
	while (k < 0 && errno == EINTR);
	close(fd);
	if (k <= 0) {
		snprintf(why, whycap, "the mail password file %s is empty",
		    path);
		return WN_ECONFIG;
	}
	pw[k] = '\0';
	pw[strcspn(pw, "\r\n")] = '\0';
	return WN_OK;
}

/* curl_words: a transfer's failure in plain words */
static void
curl_words(CURLcode c, long reply, char *why, size_t cap)
{
	const char *w;
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		w = "the mail server could not be reached";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		w = "the mail server's name could not be resolved";
		break;
	case CURLE_OPERATION_TIMEDOUT:
		w = "the mail server did not answer in time";
		break;
	case CURLE_USE_SSL_FAILED:
		w = "the mail server offers no STARTTLS (starttls = required)";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		w = "the mail server's certificate could not be verified";
		break;
	case CURLE_LOGIN_DENIED:
		w = "the mail server refused the user and password";
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		w = "the connection to the mail server broke";
		break;
	default:
		w = curl_easy_strerror(c);
	}
	if (reply >= 400)
		snprintf(why, cap, "%s (the server answered %ld)", w, reply);
	else
		snprintf(why, cap, "%s", w);
}

/* smtp_send sends text to the comma-separated addresses to; why says
 * what failed */
static wn_err
smtp_send(struct node *n, const struct item *it, char *why, size_t whycap)
{
	const struct cfg_node *cfg = &n->cfg;
	struct curl_slist *rcpt = NULL;
	struct upload up = {it->text, it->len};
	char pw[PASSWORD_MAX], addr[160];
	wn_err rc = WN_ETRANSPORT;
	CURL *h = NULL;
	CURLcode c;
	long reply = 0;
	pw[0] = '\0';
	if (cfg->mail_user[0] != '\0' &&
	    (rc = read_password(cfg->mail_password_file, pw, sizeof(pw), why,
		 whycap)) != WN_OK)
		goto out;
	rc = WN_ENOMEM;
	for (const char *p = it->to; *p;) {
		size_t len;
		struct curl_slist *nx;
		while (*p == ' ')
			p++;
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		snprintf(addr, sizeof(addr), "<%.*s>", (int)len, p);
		if ((nx = curl_slist_append(rcpt, addr)) == NULL)
			goto out;
		rcpt = nx;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	snprintf(addr, sizeof(addr), "<%s>", cfg->mail_from);
	if ((h = curl_easy_init()) == NULL)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, cfg->mail_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, reader);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_USE_SSL,
	    cfg->mail_starttls == CFG_MAIL_TLS_REQUIRED ? (long)CURLUSESSL_ALL
							: (long)CURLUSESSL_NONE);
	if (pw[0] != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->mail_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, pw);
	}
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, n->mail);
	c = curl_easy_perform(h);
	if (c == CURLE_OK) {
		rc = WN_OK;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
	curl_words(c, reply, why, whycap);
	rc = WN_ETRANSPORT;
out:
	if (rc == WN_ENOMEM)
		snprintf(why, whycap, "out of memory");
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	sec_wipe(pw, sizeof(pw));
	return rc;
}

/* ---- the sender ------------------------------------------------------- */

static int64_t
backoff_ms(const struct node_mail *m)
{
	int64_t b = BACKOFF_MIN_MS;
	for (unsigned i = 1; i < m->failures && b < m->backoff_max_ms; i++)
		b *= 2;
	return b < m->backoff_max_ms ? b : m->backoff_max_ms;
}

/* failed records a failure (m->mtx held) and backs off */
static void
failed(struct node_mail *m, const char *why)
{
	if (strcmp(m->error, why) != 0)
		wn_log(WN_LOG_WARN, "mail: %s; the alerts' mails wait in the "
		    "queue", why);
	wn_strlcpy(m->error, why, sizeof(m->error));
	m->failures++;
	m->next_try_ms = wn_mono_ms() + backoff_ms(m);
}

/* send_all mails the queue in order until it is empty, a mail fails or
 * the node stops */
static void
send_all(struct node *n, struct item *it)
{
	struct node_mail *m = n->mail;
	for (;;) {
		char why[200] = "";
		wn_err rc;
		pthread_mutex_lock(&m->mtx);
		bool stop = m->stopping;
		pthread_mutex_unlock(&m->mtx);
		if (stop)
			return;
		pthread_mutex_lock(&n->mtx);
		rc = next(n, it);
		pthread_mutex_unlock(&n->mtx);
		if (rc != WN_OK) {
			pthread_mutex_lock(&m->mtx);
			failed(m, "the mail queue cannot be read from the store");
			pthread_mutex_unlock(&m->mtx);
			return;
		}
		if (it->id == 0)
			return;
		rc = it->len == 0 ? WN_OK : smtp_send(n, it, why, sizeof(why));
		pthread_mutex_lock(&n->mtx);
		wn_err mrc = mark(n, it->id, rc != WN_OK);
		pthread_mutex_unlock(&n->mtx);
		pthread_mutex_lock(&m->mtx);
		if (rc == WN_OK && mrc == WN_OK) {
			if (m->error[0] != '\0')
				wn_log(WN_LOG_INFO, "mail: the mail server "
				    "accepts mail again");
			m->error[0] = '\0';
			m->failures = 0;
			m->next_try_ms = 0;
			if (it->len > 0)
				m->sent_ms = wn_now_ms();
			wn_log(WN_LOG_DEBUG, "mail: alert %lld mailed",
			    (long long)it->id);
		} else if (rc == WN_OK) {
			/* accepted, not marked: it goes again, a duplicate
			 * with the same Message-ID */
			failed(m, "a mail was sent but cannot be marked sent "
				  "in the store; it will be sent again");
		} else {
			failed(m, why);
		}
		bool again = rc == WN_OK && mrc == WN_OK;
		pthread_mutex_unlock(&m->mtx);
		if (!again)
			return;
	}
}

static void *
sender_main(void *arg)
{
	struct node *n = arg;
	struct node_mail *m = n->mail;
	struct item *it = malloc(sizeof(*it));
	if (it == NULL) {
		wn_log(WN_LOG_ERROR, "mail: out of memory; no alert is mailed");
		return NULL;
	}
	pthread_mutex_lock(&m->mtx);
	/* at start: what an earlier run left queued */
	m->kicked = true;
	while (!m->stopping) {
		int64_t now = wn_mono_ms();
		bool due = m->next_try_ms != 0 ? now >= m->next_try_ms
					       : m->kicked;
		if (!due) {
			/* a kick waits out a backoff; without one, a look
			 * every minute (a mail marked in another way) */
			int64_t until = m->next_try_ms != 0 ? m->next_try_ms
							    : now + 60000;
			struct timespec ts = wn_deadline(until);
			pthread_cond_timedwait(&m->wake, &m->mtx, &ts);
			if (m->next_try_ms == 0 && wn_mono_ms() >= until)
				m->kicked = true;
			continue;
		}
		m->kicked = false;
		m->next_try_ms = 0;
		pthread_mutex_unlock(&m->mtx);
		send_all(n, it);
		pthread_mutex_lock(&m->mtx);
	}
	pthread_mutex_unlock(&m->mtx);
	free(it);
	return NULL;
}

wn_err
node_mail_start(struct node *n, char *err, size_t errlen)
{
	struct node_mail *m;
	char pw[PASSWORD_MAX];
	wn_err rc;
	if (!cfg_mail_on(&n->cfg) || n->mail != NULL)
		return WN_OK;
	if (n->cfg.mail_user[0] != '\0') {
		rc = read_password(n->cfg.mail_password_file, pw, sizeof(pw),
		    err, errlen);
		sec_wipe(pw, sizeof(pw));
		if (rc != WN_OK)
			return rc;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "mail: libcurl cannot start");
		return WN_ENOMEM;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		curl_global_cleanup();
		snprintf(err, errlen, "out of memory");
		return WN_ENOMEM;
	}
	m->backoff_max_ms = node_test_short_ms("WIJKNET_TEST_MAIL_BACKOFF_MS",
	    BACKOFF_MAX_MS);
	pthread_mutex_init(&m->mtx, NULL);
	if (wn_cond_init(&m->wake) != 0) {
		pthread_mutex_destroy(&m->mtx);
		free(m);
		curl_global_cleanup();
		snprintf(err, errlen, "out of memory");
		return WN_ENOMEM;
	}
	n->mail = m;
	if (pthread_create(&m->thread, NULL, sender_main, n) != 0) {
		n->mail = NULL;
		pthread_cond_destroy(&m->wake);
		pthread_mutex_destroy(&m->mtx);
		free(m);
		curl_global_cleanup();
		snprintf(err, errlen, "mail: cannot start the sender thread");
		return WN_ENOMEM;
	}
	m->running = true;
	wn_log(WN_LOG_INFO, "mail: alerts are mailed through %s",
	    n->cfg.mail_url);
	return WN_OK;
}

void
node_mail_stop(struct node *n)
{
	struct node_mail *m = n->mail;
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mtx);
	m->stopping = true;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->mtx);
	if (m->running)
		pthread_join(m->thread, NULL);
	/* the sink may not queue into freed memory: taken off under the
	 * node lock (the sink and status run under it) */
	pthread_mutex_lock(&n->mtx);
	n->mail = NULL;
	pthread_mutex_unlock(&n->mtx);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->mtx);
	free(m);
	curl_global_cleanup();
}

void
node_mail_status(struct node *n, struct node_mail_status *out)
{
	struct node_mail *m = n->mail;
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	out->on = cfg_mail_on(&n->cfg);
	if (!out->on)
		return;
	out->queued = -1;
	if (sqlite3_prepare_v2(node_store_db(n->store), "SELECT count(*) FROM "
		"mail_queue WHERE sent_ms IS NULL", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		out->queued = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mtx);
	out->sent_ms = m->sent_ms;
	out->tries = m->failures;
	wn_strlcpy(out->error, m->error, sizeof(out->error));
	pthread_mutex_unlock(&m->mtx);
}
