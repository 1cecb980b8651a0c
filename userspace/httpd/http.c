// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends one decoded segment, refusing what could leave the root. */
static int add_segment(char *out, size_t cap, size_t *pos, const char *seg,
		       size_t n)
{
	if (n == 0 || (n == 1 && seg[0] == '.'))
		return 0;
	if (n == 2 && seg[0] == '.' && seg[1] == '.')
		return -EINVAL;
	if (*pos + n + 2 > cap)
		return -ENAMETOOLONG;
	if (*pos)
		out[(*pos)++] = '/';
	memcpy(out + *pos, seg, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

static int decode_escape(const char *target, size_t len, size_t i, char *c)
{
	int hi = i + 2 < len ? hexval(target[i + 1]) : -1;
	int lo = i + 2 < len ? hexval(target[i + 2]) : -1;

	if (hi < 0 || lo < 0)
		return -EINVAL;
	*c = (char)(hi << 4 | lo);
	/* An encoded '/' would be a name byte that dodges the segment
	 * checks; refuse it, and NUL, outright. */
	return *c == '/' || *c == '\\' || *c == '\0' ? -EINVAL : 0;
}

int http_decode_path(const char *target, size_t len, char *out, size_t cap)
{
	const char *cut = memchr(target, '?', len);
	char seg[HTTP_MAX_PATH];
	bool last_empty = true;
	size_t pos = 0, n = 0;

	out[0] = '\0';
	if (cut)
		len = (size_t)(cut - target);
	cut = memchr(target, '#', len);
	if (cut)
		len = (size_t)(cut - target);
	if (len == 0 || target[0] != '/')
		return -EINVAL;
	for (size_t i = 1; i <= len; i++) {
		char c;
		int rc;

		if (i == len || target[i] == '/') {
			rc = add_segment(out, cap, &pos, seg, n);
			if (rc)
				return rc;
			last_empty = n == 0 || (n == 1 && seg[0] == '.');
			n = 0;
			continue;
		}
		c = target[i];
		if (c == '%') {
			if (decode_escape(target, len, i, &c))
				return -EINVAL;
			i += 2;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f)
			return -EINVAL;
		if (n + 1 >= sizeof(seg))
			return -ENAMETOOLONG;
		seg[n++] = c;
	}
	return last_empty ? add_segment(out, cap, &pos, "index.html", 10) : 0;
}

/* The value of header `name` in the header block, or NULL. */
static const char *header(const char *hdrs, const char *end, const char *name,
			  size_t *vlen)
{
	size_t nlen = strlen(name);

	for (const char *l = hdrs; l < end;) {
		const char *eol = memchr(l, '\n', (size_t)(end - l));

		if (!eol)
			eol = end;
		if ((size_t)(eol - l) > nlen && !strncasecmp(l, name, nlen) &&
		    l[nlen] == ':') {
			const char *v = l + nlen + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			while (*vlen && (v[*vlen - 1] == '\r' ||
					 v[*vlen - 1] == ' '))
				(*vlen)--;
			return v;
		}
		l = eol + 1;
	}
	return NULL;
}

static bool has_token(const char *v, size_t len, const char *token)
{
	size_t t = strlen(token);

	for (size_t i = 0; i + t <= len; i++)
		if (!strncasecmp(v + i, token, t))
			return true;
	return false;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *end = NULL, *sp1, *sp2, *eol, *v;
	size_t hlen, vlen;
	bool http11;

	for (size_t i = 0; i + 3 < len && !end; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4))
			end = buf + i + 4;
	if (!end)
		return len >= HTTP_MAX_REQUEST ? 431 : -EAGAIN;
	hlen = (size_t)(end - buf);
	memset(req, 0, sizeof(*req));
	req->length = hlen;
	eol = memchr(buf, '\r', hlen);
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || eol[1] != '\n')
		return 400;
	if (sp1 - buf == 3 && !memcmp(buf, "GET", 3))
		req->method = HTTP_GET;
	else if (sp1 - buf == 4 && !memcmp(buf, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		return 405;
	if (eol - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return 505;
	http11 = sp2[8] == '1';
	switch (http_decode_path(sp1 + 1, (size_t)(sp2 - sp1 - 1), req->path,
				 sizeof(req->path))) {
	case 0:
		break;
	case -ENAMETOOLONG:
		return 414;
	default:
		return 400;
	}
	/* A body we would not read would desynchronise keep-alive. */
	v = header(eol + 2, end, "Content-Length", &vlen);
	if ((v && !(vlen == 1 && v[0] == '0')) ||
	    header(eol + 2, end, "Transfer-Encoding", &vlen))
		return 400;
	v = header(eol + 2, end, "Connection", &vlen);
	req->keep_alive = http11 ? !(v && has_token(v, vlen, "close")) :
			  (v && has_token(v, vlen, "keep-alive"));
	return 0;
}

const char *http_mime_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".js", "text/javascript" },
		{ ".json", "application/json" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".svg", "image/svg+xml" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}
