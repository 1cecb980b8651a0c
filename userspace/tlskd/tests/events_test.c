// SPDX-License-Identifier: MIT
/*
 * tlskd's reading of tlsk.ko's netlink events (events.c), without the
 * kernel: hand-built events are logged at the right level with the
 * socket's identity and counted; messages missing what an event needs are
 * dropped; and thousands of mutations of them (flipped bytes, cut
 * messages, lengths that lie) are each counted exactly once and never read
 * past the message (run under ASan by `make check SAN=1`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tlsk.h>

#include "../../tests/tap.h"
#include "../daemon.h"
#include "../events.h"
#include "../log.h"

#define FAMILY 0x1d

/* events.c's hooks into the loop, not exercised here. */
int watch_add(struct daemon *d, struct watch *w, uint32_t events)
{
	(void)d;
	(void)w;
	(void)events;
	return -1;
}

void watch_del(struct daemon *d, struct watch *w)
{
	(void)d;
	(void)w;
}

uint64_t now_ms(void)
{
	return 0;
}

/* ---- building events ---- */

struct msg {
	uint8_t b[1024];
	size_t len;
};

static void put(struct msg *m, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	memcpy(m->b + m->len, &a, sizeof(a));
	if (len)
		memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a.nla_len);
}

static size_t nest_start(struct msg *m, uint16_t type)
{
	size_t off = m->len;

	put(m, type | NLA_F_NESTED, NULL, 0);
	return off;
}

static void nest_end(struct msg *m, size_t off)
{
	uint16_t len = m->len - off;

	memcpy(m->b + off, &len, sizeof(len));
}

static void start(struct msg *m, uint8_t cmd)
{
	struct genlmsghdr g = { .cmd = cmd, .version = TLSK_GENL_VERSION };
	struct nlmsghdr h = { .nlmsg_type = FAMILY };

	memset(m, 0, sizeof(*m));
	memcpy(m->b, &h, sizeof(h));
	memcpy(m->b + NLMSG_HDRLEN, &g, sizeof(g));
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* The socket nest; without_inode leaves out what names the socket. */
static void put_sock(struct msg *m, uint64_t inode, bool with_inode,
		     uint32_t err)
{
	size_t n = nest_start(m, TLSK_A_SOCK);
	uint16_t fam = AF_INET6, sport = 443, dport = 51000;
	uint64_t cookie = 77;
	struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;

	put(m, TLSK_A_SOCK_FAMILY, &fam, 2);
	put(m, TLSK_A_SOCK_SADDR, &lo, 16);
	put(m, TLSK_A_SOCK_DADDR, &lo, 16);
	put(m, TLSK_A_SOCK_SPORT, &sport, 2);
	put(m, TLSK_A_SOCK_DPORT, &dport, 2);
	if (with_inode)
		put(m, TLSK_A_SOCK_INODE, &inode, 8);
	put(m, TLSK_A_SOCK_COOKIE, &cookie, 8);
	if (err)
		put(m, TLSK_A_SOCK_ERROR, &err, 4);
	nest_end(m, n);
}

static void put_alert(struct msg *m, uint8_t level, uint8_t desc)
{
	size_t n = nest_start(m, TLSK_A_PEER_ALERT);

	put(m, TLSK_A_ALERT_LEVEL, &level, 1);
	put(m, TLSK_A_ALERT_DESCRIPTION, &desc, 1);
	nest_end(m, n);
}

static void finish(struct msg *m)
{
	uint32_t len = m->len;

	memcpy(m->b, &len, sizeof(len));
}

/*
 * Hands ev exactly len bytes of m (a heap copy of that size, so that ASan
 * sees any read past it), with nlmsg_len set to len.
 */
static void feed(struct nl_events *ev, const uint8_t *b, size_t len)
{
	uint8_t *copy = malloc(len);
	uint32_t l = len;

	if (!copy)
		abort();
	memcpy(copy, b, len);
	memcpy(copy, &l, sizeof(l));
	events_handle(ev, (struct nlmsghdr *)copy);
	free(copy);
}

static uint64_t total(const struct nl_events *ev)
{
	return ev->decrypt_errors + ev->alerts + ev->seq_near_limit +
	       ev->key_updates + ev->other + ev->dropped;
}

/* ---- the log, captured ---- */

static char logbuf[16384];

/* Runs fn with stderr in a file and returns what was written. */
static const char *captured(void (*fn)(struct nl_events *), struct nl_events *ev)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n = 0;

	logbuf[0] = 0;
	if (!f || saved < 0)
		return logbuf;
	fflush(stderr);
	dup2(fileno(f), 2);
	fn(ev);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(logbuf, 1, sizeof(logbuf) - 1, f);
	logbuf[n] = 0;
	fclose(f);
	return logbuf;
}

/* ---- well-formed events ---- */

static void send_decrypt(struct nl_events *ev)
{
	struct msg m;

	start(&m, TLSK_CMD_DECRYPT_ERROR_NTF);
	put_sock(&m, 123456, true, 74 /* EBADMSG */);
	finish(&m);
	feed(ev, m.b, m.len);
}

static void decrypt_error_logged(void)
{
	struct nl_events ev = { .family = FAMILY };
	const char *log = captured(send_decrypt, &ev);

	CHECK(ev.decrypt_errors == 1 && ev.dropped == 0);
	CHECK(strstr(log, "<4>tlsk socket inode 123456 cookie 77 "
			  "[::1]:443 -> [::1]:51000: decrypt error (Bad message)"));
}

static void send_alerts(struct nl_events *ev)
{
	static const uint8_t alerts[][2] = { { 1, 0 }, { 2, 40 }, { 1, 90 } };
	struct msg m;

	for (size_t i = 0; i < 3; i++) {
		start(&m, TLSK_CMD_ALERT_RECEIVED_NTF);
		put_sock(&m, 1000 + i, true, 0);
		put_alert(&m, alerts[i][0], alerts[i][1]);
		finish(&m);
		feed(ev, m.b, m.len);
	}
}

static void alerts_logged_by_level(void)
{
	struct nl_events ev = { .family = FAMILY };
	const char *log = captured(send_alerts, &ev);

	CHECK(ev.alerts == 3 && ev.dropped == 0);
	CHECK(strstr(log, "<6>tlsk socket inode 1000 ") &&
	      strstr(log, "peer sent warning alert close_notify (0)"));
	CHECK(strstr(log, "<4>tlsk socket inode 1001 ") &&
	      strstr(log, "peer sent fatal alert handshake_failure (40)"));
	CHECK(strstr(log, "<5>tlsk socket inode 1002 ") &&
	      strstr(log, "user_canceled (90)"));
}

static void send_others(struct nl_events *ev)
{
	uint64_t limit = 23726566;
	uint8_t dir = TLSK_DIRECTION_RX;
	struct msg m;

	start(&m, TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	put_sock(&m, 2000, true, 0);
	put(&m, TLSK_A_DIRECTION, &dir, 1);
	put(&m, TLSK_A_RECORD_LIMIT, &limit, 8);
	finish(&m);
	feed(ev, m.b, m.len);
	start(&m, TLSK_CMD_KEY_UPDATE_RECEIVED_NTF);
	put_sock(&m, 2001, true, 0);
	finish(&m);
	feed(ev, m.b, m.len);
	/* A newer module's event: debug, counted, not dropped. */
	start(&m, 200);
	put_sock(&m, 2002, true, 0);
	finish(&m);
	feed(ev, m.b, m.len);
}

static void seq_limit_and_key_update_logged(void)
{
	struct nl_events ev = { .family = FAMILY };
	const char *log = captured(send_others, &ev);

	CHECK(ev.seq_near_limit == 1 && ev.key_updates == 1 && ev.other == 1);
	CHECK(ev.dropped == 0);
	CHECK(strstr(log, "<5>tlsk socket inode 2000 ") &&
	      strstr(log, "the RX key has protected 7/8 of the 23726566"));
	CHECK(strstr(log, "<5>tlsk socket inode 2001 ") &&
	      strstr(log, "no secrets kept for this socket; reads answer "
			  "EKEYEXPIRED until the application installs new keys"));
}

/* ---- what is dropped ---- */

static void incomplete_events_dropped(void)
{
	struct nl_events ev = { .family = FAMILY };
	uint8_t dir = TLSK_DIRECTION_TX;
	uint16_t bad = 1;
	struct msg m;

	/* No socket at all; a socket without inode. */
	start(&m, TLSK_CMD_DECRYPT_ERROR_NTF);
	finish(&m);
	feed(&ev, m.b, m.len);
	start(&m, TLSK_CMD_KEY_UPDATE_RECEIVED_NTF);
	put_sock(&m, 1, false, 0);
	finish(&m);
	feed(&ev, m.b, m.len);
	/* An alert without its nest; a limit without the number. */
	start(&m, TLSK_CMD_ALERT_RECEIVED_NTF);
	put_sock(&m, 1, true, 0);
	finish(&m);
	feed(&ev, m.b, m.len);
	start(&m, TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	put_sock(&m, 1, true, 0);
	put(&m, TLSK_A_DIRECTION, &dir, 1);
	finish(&m);
	feed(&ev, m.b, m.len);
	/* The direction as a u16 is fine by libnl (a minimum length)... */
	/* ...but a record limit of 2 bytes is not. */
	start(&m, TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	put_sock(&m, 1, true, 0);
	put(&m, TLSK_A_DIRECTION, &dir, 1);
	put(&m, TLSK_A_RECORD_LIMIT, &bad, 2);
	finish(&m);
	feed(&ev, m.b, m.len);
	/* Another family's message; no genlmsghdr; no whole nlmsghdr. */
	start(&m, TLSK_CMD_DECRYPT_ERROR_NTF);
	put_sock(&m, 1, true, 0);
	finish(&m);
	ev.family = FAMILY + 1;
	feed(&ev, m.b, m.len);
	ev.family = FAMILY;
	feed(&ev, m.b, NLMSG_HDRLEN + 2);
	feed(&ev, m.b, 8);
	CHECK(ev.dropped == 8);
	CHECK(total(&ev) == ev.dropped);
}

/* ---- mutations ---- */

static uint64_t rng = 0x6576656e7473ULL;

static uint32_t below(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16) % n;
}

static void mutations_counted_once(void)
{
	struct nl_events ev = { .family = FAMILY };
	const unsigned int rounds = 20000;
	uint64_t before;
	struct msg base[4], m;

	start(&base[0], TLSK_CMD_DECRYPT_ERROR_NTF);
	put_sock(&base[0], 5, true, 74);
	start(&base[1], TLSK_CMD_ALERT_RECEIVED_NTF);
	put_sock(&base[1], 6, true, 0);
	put_alert(&base[1], 2, 20);
	start(&base[2], TLSK_CMD_SEQ_NEAR_LIMIT_NTF);
	put_sock(&base[2], 7, true, 0);
	put(&base[2], TLSK_A_DIRECTION, "\x01", 1);
	put(&base[2], TLSK_A_RECORD_LIMIT, "\0\0\0\0\0\0\0\1", 8);
	start(&base[3], TLSK_CMD_KEY_UPDATE_RECEIVED_NTF);
	put_sock(&base[3], 8, true, 0);
	for (int i = 0; i < 4; i++)
		finish(&base[i]);

	log_set_level(LOG_ERR);		/* thousands of lines otherwise */
	for (unsigned int i = 0; i < rounds; i++) {
		m = base[below(4)];
		for (unsigned int k = below(6); k; k--) {
			size_t at = NLMSG_HDRLEN + below(m.len - NLMSG_HDRLEN);

			m.b[at] = below(4) ? m.b[at] ^ (1 << below(8)) :
					     (uint8_t)below(256);
		}
		/* Cut anywhere, down to nothing of the genlmsghdr. */
		if (below(3) == 0)
			m.len = NLMSG_HDRLEN + below(m.len - NLMSG_HDRLEN + 1);
		before = total(&ev);
		feed(&ev, m.b, m.len);
		if (total(&ev) != before + 1) {
			CHECK(total(&ev) == before + 1);
			break;
		}
	}
	log_set_level(LOG_INFO);
	CHECK(total(&ev) == rounds);
	/* Both outcomes happened: the mutations hit and missed. */
	CHECK(ev.dropped > 0 && ev.dropped < rounds);
	printf("# %u mutations: %llu logged, %llu dropped\n", rounds,
	       (unsigned long long)(rounds - ev.dropped),
	       (unsigned long long)ev.dropped);
}

int main(void)
{
	log_set_level(LOG_DEBUG);
	RUN(decrypt_error_logged);
	RUN(alerts_logged_by_level);
	RUN(seq_limit_and_key_update_logged);
	RUN(incomplete_events_dropped);
	RUN(mutations_counted_once);
	return tap_done();
}
