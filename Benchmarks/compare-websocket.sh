#!/usr/bin/env bash
# WebSocket messages received per second, side by side in one run: our
# consumer (WebSocketStreams.messages, on the library's own RFC 6455 client
# over SwiftNIO) against a client on Python's `websockets` (`async for message
# in websocket`), both reading the same server; swift-websocket's WSClient
# alone (counting in its own handler) is a reference row.
#
#   bash Benchmarks/compare-websocket.sh [MESSAGES]      (default 2,000,000)
#
# The server sends MESSAGES text messages of 100 bytes, then a normal close.
# It must be faster than either client, or it is what gets measured: a Python
# asyncio server that answers the RFC 6455 handshake itself and writes frames
# it encoded once, 64 KiB at a time (Python's `websockets` server, encoding
# each message, tops out below either client). Peak memory is each client's
# (/usr/bin/time), at MESSAGES and at a tenth of it: flat means the same.
#
# Needs a release build of websocket-count (built, or brought up to date,
# here) and websockets from PyPI (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-2000000}
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

SWIFT_GENERATORS_EXTRAS=1 swift build -c release --product websocket-count >&2
python3 -c 'import websockets' 2>/dev/null || python3 -m pip install -q 'websockets>=13'

cat > "$work/server.py" <<'PY'
# A WebSocket server that only sends: GET /N answers the handshake, then N
# text frames of 100 bytes ("000000042 xxx…"), then a close frame (1000).
import asyncio, base64, hashlib, sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def frame(n):
    payload = f"{n:09d} ".encode() + b"x" * 90
    return b"\x81" + bytes([len(payload)]) + payload

async def handle(reader, writer):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    count = int(lines[0].split()[1].lstrip("/"))
    key = next(l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
    block = b"".join(frame(n % 1000) for n in range(640))   # 640 frames, 65,280 bytes
    sent = 0
    while sent + 640 <= count:
        writer.write(block)
        await writer.drain()
        sent += 640
    writer.write(b"".join(frame(n) for n in range(count - sent)))
    writer.write(b"\x88\x02\x03\xe8")                        # close, 1000
    await writer.drain()
    try:
        await asyncio.wait_for(reader.read(64), 30)           # the client's close frame
    except Exception:
        pass
    writer.close()                                            # the server ends the TCP connection

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
PY
cat > "$work/client.py" <<'PY'
import asyncio, sys
from websockets.asyncio.client import connect

async def main():
    n = size = 0
    async with connect(sys.argv[1], max_size=None, ping_interval=None) as websocket:
        async for message in websocket:
            n += 1
            size += len(message)
    print(n, size)

asyncio.run(main())
PY

python3 "$work/server.py" > "$work/port" &
server_pid=$!
while [ ! -s "$work/port" ]; do sleep 0.1; done
base="ws://127.0.0.1:$(head -n 1 "$work/port")"

# Each run: seconds and peak memory from /usr/bin/time, the count it printed.
measure() {
  local label=$1 count=$2; shift 2
  local start end printed
  start=$(date +%s.%N)
  printed=$( { /usr/bin/time -f "%M" -o "$work/rss" "$@" "$base/$count"; } | tail -n 1)
  end=$(date +%s.%N)
  python3 - "$label" "$start" "$end" "$printed" "$(cat "$work/rss")" "$count" <<'PY'
import sys
label, start, end, printed, rss, expected = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
received = int(printed.split()[0])
if received != expected:
    sys.exit(f"{label}: received {received} messages, expected {expected}")
seconds = end - start
print(f"{label:<46} {expected:>9} msgs {seconds:7.2f} s {expected / seconds / 1e6:6.3f} M msgs/s {rss / 1024:7.1f} MiB peak")
PY
}

echo "100-byte text messages over loopback, one server for both clients"
measure "Swift WebSocketStreams.messages"            "$messages"        .build/release/websocket-count
measure "Swift swift-websocket's WSClient alone"      "$messages"        .build/release/websocket-count --client-only
measure "Python websockets, async for message"       "$messages"        python3 "$work/client.py"
measure "Swift WebSocketStreams.messages (a tenth)"  "$((messages / 10))" .build/release/websocket-count
measure "Python websockets (a tenth)"                "$((messages / 10))" python3 "$work/client.py"
