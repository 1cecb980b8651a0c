// SPDX-License-Identifier: MIT
/* tlsk-httpd's request parser and path decoding, traversal attempts first. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../tests/tap.h"
#include "../http.h"

static int decode(const char *target, char *out)
{
	return http_decode_path(target, strlen(target), out, HTTP_MAX_PATH);
}

static void traversal_refused(void)
{
	static const char *const bad[] = {
		"/../etc/passwd", "/a/../../etc/passwd", "/a/..", "/%2e%2e/x",
		"/.%2e/x", "/a%2f..%2f..%2fetc", "/a%00b", "/a%5c..", "/%zz",
		"relative", "", "/a\tb", "/%",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[HTTP_MAX_PATH];
		int rc = decode(bad[i], out);

		if (rc == 0)
			printf("# accepted %s as %s\n", bad[i], out);
		CHECK(rc != 0);
	}
}

static void paths_normalised(void)
{
	static const char *const cases[][2] = {
		{ "/", "index.html" }, { "/a/b.txt", "a/b.txt" },
		{ "//a/./b", "a/b" }, { "/dir/", "dir/index.html" },
		{ "/a%20b", "a b" }, { "/x?y=../..", "x" }, { "/x#frag", "x" },
		{ "/a/.", "a/index.html" }, { "/..a", "..a" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[HTTP_MAX_PATH];
		int rc = decode(cases[i][0], out);

		if (rc || strcmp(out, cases[i][1]) != 0)
			printf("# %s -> %d %s\n", cases[i][0], rc, out);
		CHECK(rc == 0 && !strcmp(out, cases[i][1]));
	}
}

static int parse(const char *text, struct http_request *req)
{
	return http_parse_request(text, strlen(text), req);
}

static void requests(void)
{
	struct http_request r;

	CHECK(parse("GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", &r) == 0);
	CHECK(r.method == HTTP_GET && r.keep_alive && !strcmp(r.path, "f.txt"));
	CHECK(parse("HEAD / HTTP/1.0\r\n\r\nGET", &r) == 0);
	CHECK(r.method == HTTP_HEAD && !r.keep_alive && r.length == 19);
	CHECK(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r) == 0);
	CHECK(!r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", &r) == 0);
	CHECK(r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r) == -EAGAIN);
	CHECK(parse("POST / HTTP/1.1\r\n\r\n", &r) == 405);
	CHECK(parse("GET / HTTP/2.0\r\n\r\n", &r) == 505);
	CHECK(parse("GET /../x HTTP/1.1\r\n\r\n", &r) == 400);
	CHECK(parse("GET\r\n\r\n", &r) == 400);
	CHECK(parse("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &r) == 400);
	CHECK(parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		    &r) == 400);
}

static void oversized(void)
{
	static char big[HTTP_MAX_REQUEST + 10], path[HTTP_MAX_PATH + 1];
	struct http_request r;
	int len;

	memset(big, 'a', sizeof(big) - 1);
	CHECK(http_parse_request(big, sizeof(big) - 1, &r) == 431);
	memset(path, 'a', HTTP_MAX_PATH);
	len = snprintf(big, sizeof(big), "GET /%s HTTP/1.1\r\n\r\n", path);
	CHECK(len == 5 + HTTP_MAX_PATH + 13);
	CHECK(http_parse_request(big, (size_t)len, &r) == 414);
}

int main(void)
{
	RUN(traversal_refused);
	RUN(paths_normalised);
	RUN(requests);
	RUN(oversized);
	printf("# %s\n", http_mime_type("a.html"));
	return tap_done();
}
