"""Compose's health check of the web service: GET /healthz as the trust's proxy would.

No Django import: it runs every 30 seconds and must cost nothing. The Host header is the
first of ALLOWED_HOSTS and X-Forwarded-Proto says https, as from the proxy.
"""

import http.client
import os
import sys


def main() -> int:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(
            "GET", "/healthz", headers={"Host": host or "localhost", "X-Forwarded-Proto": "https"}
        )
        response = connection.getresponse()
        body = response.read(500).decode("utf-8", "replace")
    except OSError as error:
        print(f"web: no answer on port {port}: {error}")
        return 1
    finally:
        connection.close()
    print(f"web: {response.status} {body}")
    return 0 if response.status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
