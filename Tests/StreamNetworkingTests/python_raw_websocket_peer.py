"""A WebSocket server on plain asyncio streams (RFC 6455 by hand), for what a
library server will not do on purpose: frames cut at every byte offset,
fragmented messages with a ping between the fragments, invalid UTF-8, frames
larger than the client allows, and a flood whose writes block when the client
stops reading. Prints its port, then a line for each thing the tests check,
and serves until stdin closes (the test that started it ends, whatever way).
The first line is the two ports: "PLAIN TLS".

  /frames/K        FRAMES below, written K bytes at a time with a pause after
                   each write (so the client reads them cut at every offset),
                   then a close with 1000
  /invalid-utf8    a text message "ok", then a text message that is not UTF-8
  /oversize/N      a binary frame of N bytes
  /fragments/N     binary fragments of 600 bytes, N bytes in all, unfinished
  /flood           numbered 1 KiB text messages until the client's close
  /not-websocket   HTTP 404
  /bad-accept      101 with a Sec-WebSocket-Accept that does not match

The same paths are served over TLS on a second port, with a self-signed
certificate made at start (openssl), which a client must refuse.

Lines printed:
  closed PATH CODE   the client's close frame and its code ("none": the
                     connection ended without one)
  pong PATH ok       the client answered the ping with its payload
  unmasked PATH      a client frame came unmasked, which RFC 6455 forbids
  flood blocked N    the flood's writes have waited 300 ms for the client
                     (N bytes written by then): the client stopped reading
"""
import asyncio
import base64
import hashlib
import socket
import os
import ssl
import struct
import subprocess
import sys
import tempfile

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload, fin=True):
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        return bytes([first, n]) + payload
    if n < 65536:
        return bytes([first, 126]) + struct.pack("!H", n) + payload
    return bytes([first, 127]) + struct.pack("!Q", n) + payload


BIG = bytes(i % 251 for i in range(70_000))
# What /frames/K sends, in order; the client must hand out exactly the
# messages that tests expect (WebSocketFrameTests.expectedFrames).
FRAMES = b"".join([
    frame(1, b"hello"),
    frame(2, bytes(range(256))),                     # a 16-bit length
    frame(1, b"frag", fin=False),                    # a fragmented text message ...
    frame(9, b"ping-1"),                             # ... with a ping between its fragments
    frame(0, b"men", fin=False),
    frame(0, b"ted \xc3", fin=False),                # "é" cut between two fragments
    frame(0, b"\xa9", fin=True),
    frame(1, "ü".encode() * 130),                    # 260 bytes: a 16-bit length
    frame(1, b""),                                   # an empty message
    frame(2, b"\x00\x01", fin=False),
    frame(0, b"", fin=False),                        # an empty fragment
    frame(0, b"\x02", fin=True),
])
BIG_FRAME = frame(2, BIG)                            # a 64-bit length


async def read_client_frames(reader, path, on_close):
    """Reads the client's frames: checks they are masked, reports pongs and the close."""
    try:
        await read_frames(reader, path, on_close)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # the connection ended without a close frame: "closed PATH none"


async def read_frames(reader, path, on_close):
    while True:
        head = await reader.readexactly(2)
        masked = head[1] & 0x80
        n = head[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", await reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await reader.readexactly(8))[0]
        if not masked:
            print("unmasked", path, flush=True)
        key = await reader.readexactly(4) if masked else b"\0\0\0\0"
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(await reader.readexactly(n)))
        opcode = head[0] & 0x0F
        if opcode == 10 and payload == b"ping-1":
            print("pong", path, "ok", flush=True)
        if opcode == 8:  # (its reason, if any, is not checked)
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else "none"
            await on_close(code)
            return


async def handle(reader, writer):
    writer.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    path = lines[0].split()[1]
    key = next(l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    if path == "/not-websocket":
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()
        return
    if path == "/bad-accept":
        accept = base64.b64encode(b"not the right answer").decode()
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
    closed = asyncio.Event()
    close_code = ["none"]

    async def on_close(code):
        close_code[0] = code
        closed.set()
        if isinstance(code, int):
            writer.write(frame(8, struct.pack("!H", code)))   # the answer echoes the code

    reading = asyncio.create_task(read_client_frames(reader, path, on_close))
    try:
        if path.startswith("/frames/"):
            chunk = int(path.rsplit("/", 1)[1])
            data = FRAMES + BIG_FRAME[:16]                    # the big frame's header at every offset too
            for start in range(0, len(data), chunk):
                writer.write(data[start:start + chunk])
                await writer.drain()
                await asyncio.sleep(0.001)
            writer.write(BIG_FRAME[16:])
            writer.write(frame(8, struct.pack("!H", 1000)))
        elif path == "/invalid-utf8":
            writer.write(frame(1, b"ok") + frame(1, b"\xff\xfe not UTF-8"))
        elif path.startswith("/oversize/"):
            writer.write(frame(2, bytes(int(path.rsplit("/", 1)[1]))))
        elif path.startswith("/fragments/"):
            total = int(path.rsplit("/", 1)[1])
            first = True
            while total > 0:
                writer.write(frame(2 if first else 0, bytes(min(600, total)), fin=False))
                first = False
                total -= 600
        elif path == "/flood":
            padding = b"x" * 1000
            n = written = 0
            reported = False
            while not closed.is_set():
                block = b"".join(frame(1, b"%d %s" % (n + i, padding)) for i in range(16))
                n += 16
                writer.write(block)
                written += len(block)
                try:
                    await asyncio.wait_for(writer.drain(), 0.3)
                except asyncio.TimeoutError:
                    if not reported:
                        print("flood blocked", written, flush=True)
                        reported = True
                    await writer.drain()
        await writer.drain()
        await asyncio.wait({reading}, timeout=30)             # the client's close frame, or its end
        await writer.drain()
    except (asyncio.TimeoutError, ConnectionError):
        pass
    except asyncio.CancelledError:
        pass  # the server is stopping
    finally:
        reading.cancel()
        print("closed", path, close_code[0], flush=True)
        writer.close()                                        # the server ends the TCP connection


def self_signed(directory):
    """A TLS context with a certificate for localhost that nobody signed."""
    key, certificate = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                    "-subj", "/CN=localhost", "-days", "1"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context


async def main():
    with tempfile.TemporaryDirectory() as directory:
        tls = self_signed(directory)
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    tls_server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    print(server.sockets[0].getsockname()[1], tls_server.sockets[0].getsockname()[1], flush=True)
    async with server, tls_server:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
