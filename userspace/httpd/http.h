/* SPDX-License-Identifier: MIT */
/*
 * tlsk-httpd's HTTP/1.1 request parsing and path handling: pure functions
 * over buffers, unit-tested without sockets.
 */
#ifndef TLSK_HTTPD_HTTP_H
#define TLSK_HTTPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_REQUEST	8192
#define HTTP_MAX_PATH		1024

enum http_method { HTTP_GET = 1, HTTP_HEAD };

struct http_request {
	enum http_method method;
	char path[HTTP_MAX_PATH];	/* decoded, relative, no "..": "a/b" */
	bool keep_alive;
	size_t length;			/* bytes of the request, headers incl. */
};

/*
 * Parses one request at the start of buf. Returns 0 (complete; *req
 * filled), -EAGAIN (need more bytes), or an HTTP status to answer with
 * before closing: 400 (malformed or a path escaping the root), 405
 * (method), 414 (path too long), 431 (headers too large), 505 (version).
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/*
 * Decodes a request target ("/a/%62/../c" is refused, "/a//./b" -> "a/b")
 * into out, relative to the document root: %XX decoded, query dropped,
 * empty and "." segments dropped, ".." or a NUL refused (-EINVAL), a
 * trailing "/" or an empty path gets "index.html". 0 or -EINVAL /
 * -ENAMETOOLONG.
 */
int http_decode_path(const char *target, size_t len, char *out, size_t cap);

const char *http_mime_type(const char *path);
const char *http_reason(int status);

#endif /* TLSK_HTTPD_HTTP_H */
