/* SPDX-License-Identifier: MIT */
/* The TLS 1.2 state table's handlers (tls12_tables.c), in the manner of
 * tls13_handlers.h: a reader parses `body`, a writer (body == NULL)
 * queues its message. 0 or the engine's error. */
#ifndef TLSK_TLS12_HANDLERS_H
#define TLSK_TLS12_HANDLERS_H

struct tlsk_engine;
struct rd;

/* tls12_common.c: both roles */
int tls12_write_ccs(struct tlsk_engine *e, struct rd *body);
int tls12_read_ccs(struct tlsk_engine *e, struct rd *body);
int tls12_write_finished(struct tlsk_engine *e, struct rd *body);
int tls12_read_finished(struct tlsk_engine *e, struct rd *body);
/* RFC 5246 7.4.2 Certificate (no context, no extensions); c may be NULL */
struct cfg_cert;
int tls12_write_certificate12(struct tlsk_engine *e, const struct cfg_cert *c);
int tls12_read_certificate12(struct tlsk_engine *e, struct rd *body);

/* tls12_client.c */
int tls12_client_read_certificate(struct tlsk_engine *e, struct rd *body);
int tls12_client_read_ske(struct tlsk_engine *e, struct rd *body);
int tls12_client_read_cert_request(struct tlsk_engine *e, struct rd *body);
int tls12_client_read_hello_done(struct tlsk_engine *e, struct rd *body);
int tls12_client_write_certificate(struct tlsk_engine *e, struct rd *body);
int tls12_client_write_cke(struct tlsk_engine *e, struct rd *body);
int tls12_client_write_cert_verify(struct tlsk_engine *e, struct rd *body);
int tls12_client_read_nst(struct tlsk_engine *e, struct rd *body);
/* after the server's Finished: the session for tlsk_engine_get_session */
int tls12_client_keep_session(struct tlsk_engine *e);

/* tls12_server.c */
int tls12_server_write_server_hello(struct tlsk_engine *e, struct rd *body);
int tls12_server_write_certificate(struct tlsk_engine *e, struct rd *body);
int tls12_server_write_ske(struct tlsk_engine *e, struct rd *body);
int tls12_server_write_cert_request(struct tlsk_engine *e, struct rd *body);
int tls12_server_write_hello_done(struct tlsk_engine *e, struct rd *body);
int tls12_server_read_certificate(struct tlsk_engine *e, struct rd *body);
int tls12_server_read_cke(struct tlsk_engine *e, struct rd *body);
int tls12_server_read_cert_verify(struct tlsk_engine *e, struct rd *body);
int tls12_server_write_nst(struct tlsk_engine *e, struct rd *body);

#endif /* TLSK_TLS12_HANDLERS_H */
