"""A peer nobody here wrote: Python's http.server, serving a directory on
loopback. Prints the port it bound, then serves until stdin closes (the test
that started it ends, whatever way it ends)."""
import functools
import http.server
import sys
import threading

directory = sys.argv[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


handler = functools.partial(QuietHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
