"""Peers nobody here wrote, on loopback: a WebSocket server on Python's
`websockets` package and a Server-Sent Events server on `aiohttp` (both from
PyPI). Prints the two ports on one line, "WS SSE", then a line for every
WebSocket that ends ("closed PATH CODE"), and serves until stdin closes (the
test that started it ends, whatever way it ends); then it exits at once.

WebSocket (websockets):
  /echo       every message back as it came (text as text, bytes as bytes)
  /count/N    "0" ... "N-1" as text, then a normal close (1000)
  /drop/N     "0" ... "N-1", then a close with 1011 (a server error)
Server-Sent Events (aiohttp):
  /events     events 0, 1, 2, ... ("id: n", "event: price", "data: 101+n"),
              after the one that Last-Event-ID names; the response ends after
              five, so the client reconnects
"""
import asyncio
import os
import sys

from aiohttp import web
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


async def websocket_handler(websocket):
    path = websocket.request.path
    try:
        if path == "/echo":
            async for message in websocket:
                await websocket.send(message)
        elif path.startswith(("/count/", "/drop/")):
            for i in range(int(path.rsplit("/", 1)[1])):
                await websocket.send(str(i))
            if path.startswith("/drop/"):
                await websocket.close(1011, "dropped on purpose")
            else:
                await websocket.close()
        else:
            await websocket.close(1008, "no such path")
    except ConnectionClosed:
        pass  # the client went away without a close frame: its close code says so below
    finally:
        await websocket.wait_closed()
        print("closed", path, websocket.close_code, flush=True)


async def events(request):
    first = int(request.headers.get("Last-Event-ID", "-1")) + 1
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    await response.write(b": connected\n\nretry: 10\n\n")
    for n in range(first, first + 5):
        await response.write(f"id: {n}\nevent: price\ndata: {101 + n}\n\n".encode())
    await response.write_eof()
    return response


async def main():
    app = web.Application()
    app.router.add_get("/events", events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sse_port = site._server.sockets[0].getsockname()[1]
    async with serve(websocket_handler, "127.0.0.1", 0) as server:
        print(server.sockets[0].getsockname()[1], sse_port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        # The test that started this has seen what it waited for: leave at
        # once. (Leaving `serve` waits for every handler still open, up to its
        # close_timeout, 10 s, and under load some echo handlers were seen
        # still waiting for the end of a connection that the client had
        # closed: stopping then took 8 to 10 s.)
        sys.stdout.flush()
        os._exit(0)


asyncio.run(main())
