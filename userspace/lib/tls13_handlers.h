/* SPDX-License-Identifier: MIT */
/* The state table's handlers (tables.c): a reader parses `body`, a
 * writer (body == NULL) queues its message. 0 or the engine's error. */
#ifndef TLSK_TLS13_HANDLERS_H
#define TLSK_TLS13_HANDLERS_H

struct tlsk_engine;
struct rd;

/* tls13_client.c */
int client_write_client_hello(struct tlsk_engine *e, struct rd *body);
int client_read_server_hello(struct tlsk_engine *e, struct rd *body);
int client_read_encrypted_extensions(struct tlsk_engine *e, struct rd *body);
int client_read_certificate_request(struct tlsk_engine *e, struct rd *body);
int client_read_certificate(struct tlsk_engine *e, struct rd *body);
int client_read_certificate_verify(struct tlsk_engine *e, struct rd *body);
int client_read_finished(struct tlsk_engine *e, struct rd *body);
int client_write_certificate(struct tlsk_engine *e, struct rd *body);
int client_write_certificate_verify(struct tlsk_engine *e, struct rd *body);
int client_write_finished(struct tlsk_engine *e, struct rd *body);

/* tls13_server.c */
int server_read_client_hello(struct tlsk_engine *e, struct rd *body);
int server_write_hello_retry_request(struct tlsk_engine *e, struct rd *body);
int server_write_server_hello(struct tlsk_engine *e, struct rd *body);
int server_write_encrypted_extensions(struct tlsk_engine *e, struct rd *body);
int server_write_certificate_request(struct tlsk_engine *e, struct rd *body);
int server_write_certificate(struct tlsk_engine *e, struct rd *body);
int server_write_certificate_verify(struct tlsk_engine *e, struct rd *body);
int server_write_finished(struct tlsk_engine *e, struct rd *body);
int server_read_certificate(struct tlsk_engine *e, struct rd *body);
int server_read_certificate_verify(struct tlsk_engine *e, struct rd *body);
int server_read_finished(struct tlsk_engine *e, struct rd *body);

#endif /* TLSK_TLS13_HANDLERS_H */
