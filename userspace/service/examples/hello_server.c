// SPDX-License-Identifier: MIT
/* docs/quickstart.md: a TLS server in 20 lines, keys kept by tlskd. */
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <tlsk/service.h>

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(8443) };
	struct tlsk_params params = { .role = TLSK_ROLE_SERVER, .profile = "web" };
	struct tlsk_result res;
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 16))
		return perror("bind"), 1;
	fprintf(stderr, "hello_server: listening on port 8443\n");
	for (;;) {
		int fd = accept(ls, NULL, NULL);

		if (tlsk_handshake(fd, &params, &res) == 0)	/* TLS is on */
			dprintf(fd, "hello over %s\n", res.suite_name);
		else
			fprintf(stderr, "handshake: %s\n", res.reason);
		close(fd);
	}
}
