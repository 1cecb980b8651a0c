#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A TCP proxy on loopback for the tlskd tests, relaying every connection
it accepts to 127.0.0.1:TARGET, with one misbehaviour at most:

  tlskd-test-proxy PORT TARGET --split N,M,...
      the client's first read goes on in pieces cut at those offsets,
      200 ms apart (a ClientHello that TCP delivers in parts)
  tlskd-test-proxy PORT TARGET --inject-after WORD --inject BYTES
      0.5 s after the client sends WORD (case-insensitive), BYTES (with
      \\r\\n escapes) go to the client as if the server sent them

Prints "listening" once ready, and one line per misbehaviour done.
"""
import argparse
import socket
import threading
import time


def pump(src, dst, on_data=None):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            if on_data:
                on_data(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("target", type=int)
    ap.add_argument("--split")
    ap.add_argument("--inject-after")
    ap.add_argument("--inject")
    a = ap.parse_args()
    cuts = [int(x) for x in a.split.split(",")] if a.split else []
    extra = (a.inject or "").encode().decode("unicode_escape").encode("latin-1")

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(16)
    print("listening", flush=True)

    def inject(client):
        try:
            client.sendall(extra)
            print("injected", flush=True)
        except OSError:
            pass

    def serve(client):
        up = socket.create_connection(("127.0.0.1", a.target))
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if cuts:
            first = client.recv(65536)
            last = 0
            for cut in cuts + [len(first)]:
                up.sendall(first[last:cut])
                last = cut
                time.sleep(0.2)
            print("first read of %d bytes sent in %d pieces"
                  % (len(first), len(cuts) + 1), flush=True)
        watch = None
        if a.inject_after:
            word = a.inject_after.upper().encode()

            def watch(data):
                if word in data.upper():
                    threading.Timer(0.5, inject, (client,)).start()
        threading.Thread(target=pump, args=(up, client), daemon=True).start()
        pump(client, up, watch)

    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


main()
