"""A peer nobody here wrote: Python's http.server, serving a directory on
loopback. Prints the port it bound, then serves until stdin closes (the test
that started it ends, whatever way it ends)."""
import functools
import http.server
import sys
import threading

directory = sys.argv[1]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
handler.log_message = lambda *args: None
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
