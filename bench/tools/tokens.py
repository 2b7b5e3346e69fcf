#!/usr/bin/env python3
"""Prepares tokens for the kit's scenarios over keep-alive HTTP connections (loopback only).

  tokens.py client HOST:PORT CLIENT_ID SECRET COUNT OUT   access tokens from client_credentials
  tokens.py login  HOST:PORT PREFIX USERS PASSWORD COUNT OUT  refresh tokens, one login each

Each line of OUT is one token. Any non-200 answer stops the script with exit 1 (the kit must not
measure with missing tokens). Everything is bounded: 120 s overall, 10 s per request.
"""
import base64
import http.client
import json
import sys
import threading
import time
import urllib.parse

DEADLINE = time.monotonic() + 120
WORKERS = 4


def run(host_port, count, make_request, pick):
    host, port = host_port.rsplit(":", 1)
    results = [None] * count
    errors = []
    next_index = [0]
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        while True:
            with lock:
                if errors or next_index[0] >= count:
                    break
                n = next_index[0]
                next_index[0] += 1
            if time.monotonic() > DEADLINE:
                errors.append("deadline of 120 s passed")
                break
            method, path, body, headers = make_request(n)
            try:
                conn.request(method, path, body=body, headers=headers)
                res = conn.getresponse()
                data = res.read()
            except (OSError, http.client.HTTPException) as e:
                errors.append(f"request {n}: {e}")
                break
            if res.status != 200:
                errors.append(f"request {n}: HTTP {res.status} {data[:200]!r}")
                break
            results[n] = pick(json.loads(data))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit("tokens.py: " + errors[0])
    return results


def main(argv):
    kind = argv[1]
    if kind == "client":
        host_port, client_id, secret, count, out = argv[2], argv[3], argv[4], int(argv[5]), argv[6]
        basic = base64.b64encode(
            f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(secret)}".encode()).decode()
        headers = {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}
        tokens = run(host_port, count, lambda n: ("POST", "/oauth2/token", "grant_type=client_credentials", headers),
                     lambda body: body["access_token"])
    elif kind == "login":
        host_port, prefix, users, password, count, out = argv[2], argv[3], int(argv[4]), argv[5], int(argv[6]), argv[7]
        headers = {"Content-Type": "application/json"}

        def login(n):
            body = json.dumps({"username": f"{prefix}{n % users + 1:03d}", "password": password})
            return "POST", "/auth/login", body, headers

        tokens = run(host_port, count, login, lambda body: body["refresh_token"])
    else:
        sys.exit(f"tokens.py: unknown kind {kind}")
    if len(set(tokens)) != len(tokens):
        sys.exit("tokens.py: duplicate tokens")
    with open(out, "w") as f:
        f.write("\n".join(tokens) + "\n")


if __name__ == "__main__":
    main(sys.argv)
