// SPDX-License-Identifier: MIT
/*
 * tlsk.ko's events, logged. tlskd joins the "events" multicast group of
 * the "tlsk" generic netlink family (include/uapi/linux/tlsk.h,
 * docs/netlink.md) with libnl-genl-3 and logs each event with the socket
 * it is about: inode, cookie, addresses and ports.
 *
 *   DECRYPT_ERROR_NTF         warning, with the errno that killed the stream
 *   ALERT_RECEIVED_NTF        close_notify at info, other warning-level
 *                             alerts at notice, fatal ones at warning
 *   SEQ_NEAR_LIMIT_NTF        notice: direction and the key's record limit
 *   KEY_UPDATE_RECEIVED_NTF   notice. tlsk.ko sends it only for a socket
 *                             without an RX secret (kernel-rekey = off,
 *                             or a kernel that refused the secrets): tlskd
 *                             keeps none after the hand-off, so nobody
 *                             answers and reads fail with EKEYEXPIRED
 *                             until the application installs new keys
 *
 * The family exists only while tlsk.ko is loaded. tlskd resolves it at
 * start; when it is absent that is logged once, at info, and resolving is
 * retried every RETRY_MS and on SIGHUP: one CTRL_CMD_GETFAMILY on a
 * throwaway socket, cheap. Joining needs CAP_NET_ADMIN; refused, tlskd
 * logs a notice and carries on without events (until a SIGHUP tries
 * again). SIGHUP also notices a module that was reloaded (a new family id)
 * or unloaded.
 *
 * The socket sits non-blocking in the loop's epoll set. Only messages
 * from the kernel (port 0) and of the resolved family are taken; each is
 * parsed against a policy (libnl checks every attribute's length before we
 * read it), and one that does not parse is counted and dropped. A full
 * receive buffer loses events (ENOBUFS): logged, counted, and reading goes
 * on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <linux/tlsk.h>

#include "daemon.h"
#include "events.h"
#include "log.h"
#include "tlsk/engine.h"

#define RETRY_MS	30000
#define RCVBUF		(256 * 1024)
/* Datagrams read per wakeup; the level-triggered set calls again. */
#define READ_BUDGET	64

static struct nla_policy top_policy[TLSK_A_MAX + 1] = {
	[TLSK_A_SOCK]		= { .type = NLA_NESTED },
	[TLSK_A_PEER_ALERT]	= { .type = NLA_NESTED },
	[TLSK_A_DIRECTION]	= { .type = NLA_U8 },
	[TLSK_A_RECORD_LIMIT]	= { .type = NLA_U64 },
};

static struct nla_policy sock_policy[TLSK_A_SOCK_MAX + 1] = {
	[TLSK_A_SOCK_FAMILY]	= { .type = NLA_U16 },
	[TLSK_A_SOCK_SADDR]	= { .minlen = 4, .maxlen = 16 },
	[TLSK_A_SOCK_DADDR]	= { .minlen = 4, .maxlen = 16 },
	[TLSK_A_SOCK_SPORT]	= { .type = NLA_U16 },
	[TLSK_A_SOCK_DPORT]	= { .type = NLA_U16 },
	[TLSK_A_SOCK_INODE]	= { .type = NLA_U64 },
	[TLSK_A_SOCK_COOKIE]	= { .type = NLA_U64 },
	[TLSK_A_SOCK_UID]	= { .type = NLA_U32 },
	[TLSK_A_SOCK_ERROR]	= { .type = NLA_U32 },
};

static struct nla_policy alert_policy[TLSK_A_ALERT_MAX + 1] = {
	[TLSK_A_ALERT_LEVEL]	   = { .type = NLA_U8 },
	[TLSK_A_ALERT_DESCRIPTION] = { .type = NLA_U8 },
};

/* ---- one event ---- */

/* "[::1]:443" or "127.0.0.1:443"; "?" for what is missing or odd. */
static void endpoint(char *out, size_t size, uint16_t family,
		     const struct nlattr *addr, const struct nlattr *port)
{
	char a[INET6_ADDRSTRLEN] = "?";
	int len = addr ? nla_len(addr) : 0;

	if ((family == AF_INET && len == 4) ||
	    (family == AF_INET6 && len == 16))
		inet_ntop(family, nla_data(addr), a, sizeof(a));
	snprintf(out, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 port ? nla_get_u16(port) : 0);
}

/*
 * "socket inode I cookie C local -> peer" into who; 0, or -EBADMSG when
 * the event names no socket (no identity to report).
 */
static int describe_sock(char *who, size_t size, struct nlattr *nest,
			 uint32_t *err)
{
	struct nlattr *t[TLSK_A_SOCK_MAX + 1];
	char local[64], peer[64];
	uint16_t family;

	if (!nest || nla_parse_nested(t, TLSK_A_SOCK_MAX, nest, sock_policy) ||
	    !t[TLSK_A_SOCK_INODE] || !t[TLSK_A_SOCK_COOKIE])
		return -EBADMSG;
	family = t[TLSK_A_SOCK_FAMILY] ? nla_get_u16(t[TLSK_A_SOCK_FAMILY]) : 0;
	endpoint(local, sizeof(local), family, t[TLSK_A_SOCK_SADDR],
		 t[TLSK_A_SOCK_SPORT]);
	endpoint(peer, sizeof(peer), family, t[TLSK_A_SOCK_DADDR],
		 t[TLSK_A_SOCK_DPORT]);
	snprintf(who, size, "socket inode %llu cookie %llu %s -> %s",
		 (unsigned long long)nla_get_u64(t[TLSK_A_SOCK_INODE]),
		 (unsigned long long)nla_get_u64(t[TLSK_A_SOCK_COOKIE]),
		 local, peer);
	*err = t[TLSK_A_SOCK_ERROR] ? nla_get_u32(t[TLSK_A_SOCK_ERROR]) : 0;
	return 0;
}

static int log_alert(struct nl_events *ev, const char *who,
		     struct nlattr *nest)
{
	struct nlattr *t[TLSK_A_ALERT_MAX + 1];
	uint8_t level, desc;
	int prio;

	if (!nest || nla_parse_nested(t, TLSK_A_ALERT_MAX, nest, alert_policy) ||
	    !t[TLSK_A_ALERT_LEVEL] || !t[TLSK_A_ALERT_DESCRIPTION])
		return -EBADMSG;
	level = nla_get_u8(t[TLSK_A_ALERT_LEVEL]);
	desc = nla_get_u8(t[TLSK_A_ALERT_DESCRIPTION]);
	/* RFC 8446 6: 1 warning, 2 fatal; close_notify is the normal end. */
	prio = level == 2 ? LOG_WARNING : desc == 0 ? LOG_INFO : LOG_NOTICE;
	tlskd_log_peer(LOG_CLASS_KERNEL, prio,
		       "tlsk %s: peer sent %s alert %s (%u)", who,
		       level == 1 ? "warning" : level == 2 ? "fatal" :
		       "odd-level", tlsk_alert_name(desc), desc);
	ev->alerts++;
	return 0;
}

static int log_seq_limit(struct nl_events *ev, const char *who,
			 struct nlattr **tb)
{
	uint8_t dir;

	if (!tb[TLSK_A_DIRECTION] || !tb[TLSK_A_RECORD_LIMIT])
		return -EBADMSG;
	dir = nla_get_u8(tb[TLSK_A_DIRECTION]);
	log_notice("tlsk %s: the %s key has protected 7/8 of the %llu records "
		   "it may (RFC 8446 5.5); the application should rekey", who,
		   dir == TLSK_DIRECTION_TX ? "TX" :
		   dir == TLSK_DIRECTION_RX ? "RX" : "?",
		   (unsigned long long)nla_get_u64(tb[TLSK_A_RECORD_LIMIT]));
	ev->seq_near_limit++;
	return 0;
}

static int log_event(struct nl_events *ev, uint8_t cmd, struct nlattr **tb)
{
	char who[192];
	uint32_t err;

	if (describe_sock(who, sizeof(who), tb[TLSK_A_SOCK], &err))
		return -EBADMSG;
	switch (cmd) {
	case TLSK_CMD_DECRYPT_ERROR_NTF:
		tlskd_log_peer(LOG_CLASS_KERNEL, LOG_WARNING,
			       "tlsk %s: decrypt error (%s); its record stream "
			       "is dead", who,
			       err ? strerror((int)err) : "no errno");
		ev->decrypt_errors++;
		return 0;
	case TLSK_CMD_ALERT_RECEIVED_NTF:
		return log_alert(ev, who, tb[TLSK_A_PEER_ALERT]);
	case TLSK_CMD_SEQ_NEAR_LIMIT_NTF:
		return log_seq_limit(ev, who, tb);
	case TLSK_CMD_KEY_UPDATE_RECEIVED_NTF:
		tlskd_log_peer(LOG_CLASS_KERNEL, LOG_NOTICE,
			       "tlsk %s: peer sent a TLS 1.3 KeyUpdate; no "
			       "secrets kept for this socket; reads answer "
			       "EKEYEXPIRED until the application installs new "
			       "keys", who);
		ev->key_updates++;
		return 0;
	default:
		/* A newer module's event: not ours to judge. */
		log_debug("tlsk %s: event %u unknown to this tlskd", who, cmd);
		ev->other++;
		return 0;
	}
}

void events_handle(struct nl_events *ev, struct nlmsghdr *h)
{
	struct nlattr *tb[TLSK_A_MAX + 1];

	if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_type != ev->family ||
	    genlmsg_parse(h, 0, tb, TLSK_A_MAX, top_policy) ||
	    log_event(ev, genlmsg_hdr(h)->cmd, tb)) {
		ev->dropped++;
		log_debug("tlsk events: dropped a message (type %u, %u bytes)",
			  h->nlmsg_type, h->nlmsg_len);
	}
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nl_events *ev = arg;

	/* Only the kernel speaks for the family. */
	if (nlmsg_get_src(msg)->nl_pid != 0) {
		ev->dropped++;
		log_debug("tlsk events: dropped a message from port %u",
			  nlmsg_get_src(msg)->nl_pid);
		return NL_SKIP;
	}
	events_handle(ev, nlmsg_hdr(msg));
	return NL_SKIP;
}

static void events_read(struct daemon *d, struct watch *w, uint32_t events)
{
	struct nl_events *ev = &d->events;

	(void)w;
	(void)events;
	for (int i = 0; i < READ_BUDGET; i++) {
		int rc = nl_recvmsgs_default(ev->sk);

		if (rc == -NLE_AGAIN)
			return;
		if (rc == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped events for us. */
			ev->lost++;
			log_warn("tlsk events: some were lost (receive buffer "
				 "full)");
		} else if (rc < 0) {
			ev->dropped++;
			log_debug("tlsk events: %s", nl_geterror(rc));
		}
	}
}

/* ---- finding the family, joining the group ---- */

/* The family and group ids: 0, or a negative libnl error. */
static int resolve(int *family, int *group)
{
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	if (!sk)
		return -NLE_NOMEM;
	rc = genl_connect(sk);
	if (!rc)
		rc = *family = genl_ctrl_resolve(sk, TLSK_GENL_NAME);
	if (rc >= 0)
		rc = *group = genl_ctrl_resolve_grp(sk, TLSK_GENL_NAME,
						    TLSK_MCGRP_EVENTS);
	nl_socket_free(sk);
	return rc < 0 ? rc : 0;
}

static void leave(struct daemon *d)
{
	struct nl_events *ev = &d->events;

	if (!ev->sk)
		return;
	watch_del(d, &ev->w);
	nl_socket_free(ev->sk);
	ev->sk = NULL;
	ev->w.fd = -1;
	ev->family = 0;
}

static int join(struct daemon *d, int family, int group)
{
	struct nl_events *ev = &d->events;
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	if (!sk)
		return -NLE_NOMEM;
	/* Events carry no sequence numbers and want no acks. */
	nl_socket_disable_seq_check(sk);
	nl_socket_enable_msg_peek(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, ev);
	rc = genl_connect(sk);
	if (!rc)
		rc = nl_socket_add_membership(sk, group);
	if (!rc)
		rc = nl_socket_set_nonblocking(sk);
	if (!rc)
		rc = nl_socket_set_buffer_size(sk, RCVBUF, 0);
	if (rc) {
		nl_socket_free(sk);
		return rc;
	}
	ev->sk = sk;
	ev->family = family;
	ev->w.fd = nl_socket_get_fd(sk);
	ev->w.fn = events_read;
	if (watch_add(d, &ev->w, EPOLLIN)) {
		log_err("tlsk events: epoll: %s", strerror(errno));
		leave(d);
		return -NLE_FAILURE;
	}
	return 0;
}

/* Resolves and joins; quiet about an absence already reported. */
static void try_join(struct daemon *d)
{
	struct nl_events *ev = &d->events;
	int family = 0, group = 0, rc;

	rc = resolve(&family, &group);
	if (!rc && ev->sk && family == ev->family)
		return;			/* still the same family */
	leave(d);
	if (rc) {
		if (!ev->absent_logged)
			log_info("tlsk events: no generic netlink family \"%s\" "
				 "(tlsk.ko not loaded?): %s; trying again "
				 "every %d s and on SIGHUP", TLSK_GENL_NAME,
				 nl_geterror(rc), RETRY_MS / 1000);
		ev->absent_logged = true;
		ev->retry_ms = now_ms() + RETRY_MS;
		return;
	}
	ev->absent_logged = false;
	ev->retry_ms = 0;
	rc = join(d, family, group);
	if (rc == -NLE_PERM)
		log_notice("tlsk events: joining the \"%s\" group needs "
			   "CAP_NET_ADMIN; carrying on without kernel events",
			   TLSK_MCGRP_EVENTS);
	else if (rc)
		log_warn("tlsk events: cannot listen: %s; carrying on without "
			 "kernel events", nl_geterror(rc));
	else
		log_notice("tlsk events: listening (family %d, group %d)",
			   family, group);
}

void events_start(struct daemon *d)
{
	d->events.w.fd = -1;
	try_join(d);
}

void events_refresh(struct daemon *d)
{
	try_join(d);
}

void events_tick(struct daemon *d, uint64_t now)
{
	if (d->events.retry_ms && d->events.retry_ms <= now)
		try_join(d);
}

uint64_t events_next_retry(const struct daemon *d)
{
	return d->events.retry_ms ? d->events.retry_ms : UINT64_MAX;
}

void events_stop(struct daemon *d)
{
	const struct nl_events *ev = &d->events;

	if (ev->sk || ev->decrypt_errors || ev->alerts || ev->dropped)
		log_info("tlsk events: %llu decrypt errors, %llu alerts, %llu "
			 "keys near their limit, %llu KeyUpdates, %llu other, "
			 "%llu dropped, %llu lost",
			 (unsigned long long)ev->decrypt_errors,
			 (unsigned long long)ev->alerts,
			 (unsigned long long)ev->seq_near_limit,
			 (unsigned long long)ev->key_updates,
			 (unsigned long long)ev->other,
			 (unsigned long long)ev->dropped,
			 (unsigned long long)ev->lost);
	leave(d);
}
