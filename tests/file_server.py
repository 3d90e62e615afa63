"""A file server on 127.0.0.1 for the download tests, with the ways real servers misbehave:
slow (``throttle`` bytes per second), cut off mid-transfer (``cut_after`` bytes, once per
file), with or without range requests (``ranges``), or sending the wrong bytes (``wrong``).
Every request is logged in ``requests`` as (path, Range header). SilentServer is a host behind
a firewall that drops packets: it takes every connection and never says a word."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FileServer:
    def __init__(self, files: dict[str, bytes], *, ranges: bool = True, throttle: int = 0,
                 cut_after: int = 0, wrong: bool = False):
        self.files, self.ranges, self.throttle = files, ranges, throttle
        self.cut_after, self.wrong, self.cut, self.requests = cut_after, wrong, set(), []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = self.path.lstrip("/")
                server.requests.append((path, self.headers.get("Range")))
                data = server.files.get(path)
                if data is None:
                    self.send_error(404)
                    return
                if server.wrong:
                    data = bytes(reversed(data))
                start = 0
                asked = self.headers.get("Range", "")
                if server.ranges and asked.startswith("bytes=") and asked.endswith("-"):
                    start = int(asked[6:-1])
                    if start >= len(data):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if server.cut_after and path not in server.cut:
                    server.cut.add(path)
                    body = body[:server.cut_after]
                    self.close_connection = True
                for i in range(0, len(body), 4096):
                    self.wfile.write(body[i:i + 4096])
                    if server.throttle:
                        time.sleep(4096 / server.throttle)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """Accepts connections on 127.0.0.1 and holds them open without sending a byte, as a
    campus firewall that drops packets looks to a client. ``connections`` counts them. It
    stops by itself after ``lifetime`` seconds, or when the ``with`` block ends."""

    def __init__(self, lifetime: float = 30.0):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.connections, self.held = 0, []
        self.stop, self.deadline = threading.Event(), time.monotonic() + lifetime
        self.thread = threading.Thread(target=self._hold, daemon=True)
        self.thread.start()

    def _hold(self):
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            self.held.append(conn)  # never read from, never written to
        for conn in self.held:
            conn.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
