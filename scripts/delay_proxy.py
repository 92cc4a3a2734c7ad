#!/usr/bin/env python3
"""A delay line for TCP: listens on 127.0.0.1 and forwards every connection to TARGET, holding each chunk of data
back by DELAY_MS/2 in each direction, so a request/response round trip costs DELAY_MS more, as S3 in the same
region does (~30 ms), while bandwidth stays what it was (chunks are delayed, not serialised behind each other).

    delay_proxy.py --target 127.0.0.1:9000 --delay-ms 30 [--port 0]

Prints "port N" on its first line once it listens (port 0 picks a free one), then runs until killed.
Standard library only, so any python3 runs it.
"""
import argparse
import asyncio
import time


async def pipe(reader, writer, delay):
    # A reader task stamps each chunk with its due time; this writer side releases them in order when due. The
    # queue is unbounded in chunks but TCP flow control still applies: we only read as fast as the peer sends.
    queue = asyncio.Queue()

    async def read():
        data = b"x"
        while data:
            try:
                data = await reader.read(1 << 16)
            except (ConnectionError, OSError):
                data = b""  # a reset ends this direction like an EOF
            await queue.put((time.monotonic() + delay, data))

    reading = asyncio.ensure_future(read())
    try:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        reading.cancel()


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="HOST:PORT to forward to")
    parser.add_argument("--delay-ms", type=float, required=True, help="added round-trip time (half each way)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on, 127.0.0.1 only (0: any free one)")
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    delay = args.delay_ms / 2000.0

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer, delay), pipe(server_reader, client_writer, delay),
                             return_exceptions=True)
        for w in (client_writer, server_writer):
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    print("port", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
