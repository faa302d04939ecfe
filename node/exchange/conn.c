/*
 * conn.c - the peer socket's connections: caps and the idle deadline.
 *
 * nng 1.5.2 accepts every TCP connection and hands the node whole frames
 * only, so the node watches connections at the one level it can see:
 * pipes. A pipe is announced (NNG_PIPE_EV_ADD_PRE) once the transport
 * has negotiated it (nng itself closes a connection that has not done so
 * in 10 s) and before any frame of it reaches the socket; a pipe over
 * peer_max_connections in total, or over peer_max_per_address from one
 * source address (NNG_OPT_REMADDR, without the port), is closed there
 * and counted.
 *
 * Each pipe has a clock: when it opened, or when its last whole frame
 * arrived or its last reply went out. A pipe whose clock is older than
 * peer_idle_timeout while the node holds no request of it is closed by
 * the reaper thread (nng_pipe_close) and counted: a quiet connection and
 * one that sends its frame too slowly look the same from here, and both
 * end there. (Over TLS a frame has its own, shorter deadline: tls.c
 * sees the bytes.) A partner's node dials again when it next has
 * something to send. A request the node holds (received whole, not yet
 * answered) stops the clock, so it is never closed as idle; a frame that
 * is still arriving does not, and one slower than the deadline is cut
 * (its sender sends it again).
 *
 * The caps count negotiated pipes; over TLS that is authenticated
 * connections. Connections still in their handshake are capped by
 * tls.c; nng closes one not negotiated within 10 s.
 *
 * Thread safety: one mutex guards the table; it is never held across an
 * nng call, so nng's callbacks can take it.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"

#include <arpa/inet.h>
#include <string.h>

struct conn {
	nng_pipe pipe;
	char addr[INET6_ADDRSTRLEN];
	int64_t last_ms; /* CLOCK_MONOTONIC */
	unsigned held;   /* requests of it the node has not answered */
	bool closing;
};

struct node_conns {
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	pthread_t reaper;
	bool running, stopping;
	uint32_t max_total, max_per_addr;
	int64_t idle_ms;
	size_t n, cap;
	struct conn *tab;
	struct node_conn_stats st;
};

static void
addr_of(nng_pipe p, char *out, size_t cap)
{
	nng_sockaddr sa;
	wn_strlcpy(out, "unknown", cap);
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return;
	if (sa.s_family == NNG_AF_INET)
		inet_ntop(AF_INET, &sa.s_in.sa_addr, out, (socklen_t)cap);
	else if (sa.s_family == NNG_AF_INET6)
		inet_ntop(AF_INET6, sa.s_in6.sa_addr, out, (socklen_t)cap);
}

static struct conn *
find(struct node_conns *c, nng_pipe p)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->tab[i].pipe.id == p.id)
			return &c->tab[i];
	return NULL;
}

/* pipe_cb admits or refuses a new pipe (ADD_PRE) and forgets a gone one
 * (REM_POST). */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct node_conns *c = arg;
	char addr[INET6_ADDRSTRLEN];
	bool refuse = false;

	if (ev == NNG_PIPE_EV_REM_POST) {
		pthread_mutex_lock(&c->mtx);
		struct conn *e = find(c, p);
		if (e != NULL)
			*e = c->tab[--c->n];
		pthread_mutex_unlock(&c->mtx);
		return;
	}
	addr_of(p, addr, sizeof(addr));
	pthread_mutex_lock(&c->mtx);
	size_t same = 0;
	for (size_t i = 0; i < c->n; i++)
		same += strcmp(c->tab[i].addr, addr) == 0;
	if (c->max_total != 0 && c->n >= c->max_total) {
		c->st.refused_total++;
		refuse = true;
	} else if (c->max_per_addr != 0 && same >= c->max_per_addr) {
		c->st.refused_address++;
		refuse = true;
	} else if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct conn *t = realloc(c->tab, ncap * sizeof(*t));
		if (t == NULL) {
			c->st.refused_total++;
			refuse = true;
		} else {
			c->tab = t;
			c->cap = ncap;
		}
	}
	if (!refuse) {
		struct conn *e = &c->tab[c->n++];
		memset(e, 0, sizeof(*e));
		e->pipe = p;
		wn_strlcpy(e->addr, addr, sizeof(e->addr));
		e->last_ms = wn_mono_ms();
		c->st.accepted++;
	}
	pthread_mutex_unlock(&c->mtx);
	if (refuse) {
		wn_log(WN_LOG_DEBUG, "peer connection from %s refused: too many "
		    "connections", addr);
		nng_pipe_close(p);
	}
}

static void *
reaper_main(void *arg)
{
	struct node_conns *c = arg;
	nng_pipe *victims = NULL;
	size_t nv = 0, vcap = 0;

	pthread_mutex_lock(&c->mtx);
	while (!c->stopping) {
		int64_t now = wn_mono_ms();
		/* a quarter of the timeout: a pipe lives at most 1.25 times it */
		int64_t tick = c->idle_ms / 4;
		if (tick < 50)
			tick = 50;
		if (tick > 1000)
			tick = 1000;
		nv = 0;
		for (size_t i = 0; c->idle_ms > 0 && i < c->n; i++) {
			struct conn *e = &c->tab[i];
			if (e->held > 0 || e->closing ||
			    now - e->last_ms < c->idle_ms)
				continue;
			if (nv == vcap) {
				size_t ncap = vcap ? vcap * 2 : 64;
				nng_pipe *t = realloc(victims, ncap * sizeof(*t));
				if (t == NULL)
					break;
				victims = t;
				vcap = ncap;
			}
			e->closing = true;
			victims[nv++] = e->pipe;
			c->st.closed_idle++;
		}
		if (nv > 0) {
			pthread_mutex_unlock(&c->mtx);
			for (size_t i = 0; i < nv; i++)
				nng_pipe_close(victims[i]);
			pthread_mutex_lock(&c->mtx);
			continue;
		}
		if (c->idle_ms == 0) { /* nothing to time: wait for stop */
			pthread_cond_wait(&c->cv, &c->mtx);
			continue;
		}
		struct timespec ts = wn_deadline(now + tick);
		pthread_cond_timedwait(&c->cv, &c->mtx, &ts);
	}
	pthread_mutex_unlock(&c->mtx);
	free(victims);
	return NULL;
}

wn_err
node_conns_start(struct node *n, nng_socket s)
{
	/* the caller reports a failure as the listener's: the log says
	 * which part failed */
	struct node_conns *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		wn_log(WN_LOG_ERROR, "peer connections: out of memory");
		return WN_ENOMEM;
	}
	pthread_mutex_init(&c->mtx, NULL);
	/* timed waits take CLOCK_MONOTONIC deadlines (wn_deadline) */
	if (wn_cond_init(&c->cv) != 0) {
		wn_log(WN_LOG_ERROR, "peer connections: cannot create the "
		    "reaper's condition variable");
		pthread_mutex_destroy(&c->mtx);
		free(c);
		return WN_ENOMEM;
	}
	c->max_total = n->cfg.peer_max_connections;
	c->max_per_addr = n->cfg.peer_max_per_address;
	c->idle_ms = (int64_t)n->cfg.peer_idle_timeout * 1000;
	n->ex->conns = c;
	if (nng_pipe_notify(s, NNG_PIPE_EV_ADD_PRE, pipe_cb, c) != 0 ||
	    nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, pipe_cb, c) != 0) {
		wn_log(WN_LOG_ERROR, "peer connections: cannot watch the "
		    "socket's pipes");
		return WN_ETRANSPORT;
	}
	if (pthread_create(&c->reaper, NULL, reaper_main, c) != 0) {
		wn_log(WN_LOG_ERROR, "peer connections: cannot start the "
		    "reaper thread");
		return WN_ENOMEM;
	}
	c->running = true;
	return WN_OK;
}

void
node_conns_stop(struct node *n, bool closed)
{
	struct node_conns *c = n->ex->conns;
	if (c == NULL)
		return;
	if (c->running) {
		pthread_mutex_lock(&c->mtx);
		c->stopping = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mtx);
		pthread_join(c->reaper, NULL);
		c->running = false;
	}
	n->ex->conns = NULL;
	if (!closed)
		return; /* nng may still call pipe_cb with c */
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mtx);
	free(c->tab);
	free(c);
}

void
node_conn_begin(struct node *n, nng_pipe p)
{
	struct node_conns *c = n->ex->conns;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mtx);
	struct conn *e = find(c, p);
	if (e != NULL) {
		e->held++;
		e->last_ms = wn_mono_ms();
	}
	pthread_mutex_unlock(&c->mtx);
}

void
node_conn_end(struct node *n, nng_pipe p)
{
	struct node_conns *c = n->ex->conns;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mtx);
	struct conn *e = find(c, p);
	if (e != NULL) {
		if (e->held > 0)
			e->held--;
		e->last_ms = wn_mono_ms();
	}
	pthread_mutex_unlock(&c->mtx);
}

void
node_conns_stats(struct node *n, struct node_conn_stats *out)
{
	struct node_conns *c = n->ex->conns;
	memset(out, 0, sizeof(*out));
	uint64_t hs = 0;
	if (c != NULL) {
		pthread_mutex_lock(&c->mtx);
		*out = c->st;
		out->open = c->n;
		pthread_mutex_unlock(&c->mtx);
	}
	node_tls_stats(&out->closed_frame, &out->tls_refused, &hs,
	    &out->handshaking);
	out->refused_total += hs; /* too many handshakes in progress */
}
