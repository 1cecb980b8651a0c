// SPDX-License-Identifier: MIT
/* docs/quickstart.md: a TLS client in 20 lines, verified by tlskd. */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <tlsk/service.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(8443) };
	struct tlsk_params params = { .role = TLSK_ROLE_CLIENT, .profile = "upstream",
				      .server_name = argc > 1 ? argv[1] : "localhost" };
	struct tlsk_result res;
	char buf[256];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return perror("connect"), 1;
	if (tlsk_handshake(fd, &params, &res))
		return fprintf(stderr, "handshake: %s\n", res.reason), 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)	/* plain read(), TLS on the wire */
		fwrite(buf, 1, (size_t)n, stdout);
	return 0;
}
