// SPDX-License-Identifier: MIT
/*
 * The peer certificate's identity for callers that authorise by name:
 * its subjectAltName list as one printable string. A server's resumable
 * sessions carry the client's identity (subject and that list), and a
 * resumed handshake reports it as the full one did.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "engine_int.h"

/* Appends "PREFIX:VALUE" (with a separating comma); -ENOSPC if no room. */
static int append(char *buf, size_t size, size_t *used, const char *prefix,
		  const char *val, size_t len)
{
	size_t plen = strlen(prefix), need = (*used ? 1 : 0) + plen + len;

	if (need >= size - *used)
		return -ENOSPC;
	if (*used)
		buf[(*used)++] = ',';
	memcpy(buf + *used, prefix, plen);
	memcpy(buf + *used + plen, val, len);
	*used += plen + len;
	buf[*used] = '\0';
	return 0;
}

/* A string SAN this list can carry: printable ASCII, no comma. */
static int printable(const unsigned char *s, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
			return 0;
	return 1;
}

static int one_name(const GENERAL_NAME *gn, char *buf, size_t size,
		    size_t *used)
{
	const ASN1_STRING *str;
	const char *prefix;
	char ip[INET6_ADDRSTRLEN];

	switch (gn->type) {
	case GEN_DNS:
		prefix = "DNS:";
		str = gn->d.dNSName;
		break;
	case GEN_EMAIL:
		prefix = "email:";
		str = gn->d.rfc822Name;
		break;
	case GEN_URI:
		prefix = "URI:";
		str = gn->d.uniformResourceIdentifier;
		break;
	case GEN_IPADD: {
		int len = ASN1_STRING_length(gn->d.iPAddress);
		int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;

		if (!af || !inet_ntop(af, ASN1_STRING_get0_data(gn->d.iPAddress),
				      ip, sizeof(ip)))
			return 1;	/* not an address: left out */
		return append(buf, size, used, "IP:", ip, strlen(ip));
	}
	default:
		return 1;
	}
	if (!printable(ASN1_STRING_get0_data(str),
		       (size_t)ASN1_STRING_length(str)))
		return 1;
	return append(buf, size, used, prefix,
		      (const char *)ASN1_STRING_get0_data(str),
		      (size_t)ASN1_STRING_length(str));
}

/* leaf's entries as the list above: how many, or -ENOSPC (buf then
 * holds the entries before the one that did not fit) */
static int sans_of(X509 *leaf, char *buf, size_t size)
{
	GENERAL_NAMES *names;
	size_t used = 0;
	int n = 0, rc = 0;

	buf[0] = '\0';
	names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	if (!names)
		return 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		rc = one_name(sk_GENERAL_NAME_value(names, i), buf, size,
			      &used);
		if (rc < 0)
			break;
		if (rc == 0)
			n++;
	}
	GENERAL_NAMES_free(names);
	return rc < 0 ? rc : n;
}

/* A list sans_of() wrote earlier (no entry holds a comma), entry by
 * entry into buf as sans_of() would write it there */
static int sans_copy(const char *list, char *buf, size_t size)
{
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	while (*list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		if (append(buf, size, &used, "", list, len))
			return -ENOSPC;
		n++;
		list += len + (end ? 1 : 0);
	}
	return n;
}

int tlsk_engine_peer_sans(const struct tlsk_engine *e, char *buf,
			  size_t size)
{
	if (!size || e->state != TLSK_STATE_ESTABLISHED)
		return -EINVAL;
	if (e->peer_leaf)
		return sans_of(e->peer_leaf, buf, size);
	return sans_copy(e->peer_sans, buf, size);	/* resumed, or "" */
}

void session_peer_get(const struct tlsk_engine *e, char *subject,
		      size_t subject_size, char *sans, size_t sans_size)
{
	snprintf(subject, subject_size, "%s", e->peer_subject);
	/* a list too long for sans keeps the whole entries that fit */
	if (e->peer_leaf)
		(void)sans_of(e->peer_leaf, sans, sans_size);
	else
		(void)sans_copy(e->peer_sans, sans, sans_size);
}

void session_peer_set(struct tlsk_engine *e, const char *subject,
		      const char *sans)
{
	snprintf(e->peer_subject, sizeof(e->peer_subject), "%s", subject);
	snprintf(e->peer_sans, sizeof(e->peer_sans), "%s", sans);
}
