"""A small MCP server on the official Python SDK's server API (mcp 2.x MCPServer, FastMCP in 1.x),
standing in for a team's malware-intel service. The Swift tests start it as Pokedex would.

usage: intel_server.py                  -- MCP over stdio
       intel_server.py --http TOKEN     -- Streamable HTTP on a free loopback port (printed on
                                           stdout), requests without `Authorization: Bearer TOKEN`
                                           refused with 401

STATE_DIR (environment): it writes its pid to STATE_DIR/pid and every call to STATE_DIR/calls;
while STATE_DIR/down exists it exits at once (the service is down); while STATE_DIR/garbage
exists it writes garbage instead of MCP; when STATE_DIR/feeds exists it also offers feed_lookup.
While STATE_DIR/slow exists, hash_lookup takes 30 s (and records its cancellation). The tool
enable_feeds adds feed_lookup while it runs and tells the client its tool list changed.
"""

import os
import socket
import sys

import anyio

state = os.environ["STATE_DIR"]
if os.path.exists(os.path.join(state, "down")):
    sys.exit(3)
with open(os.path.join(state, "pid"), "w") as pid:
    pid.write(str(os.getpid()))
if os.path.exists(os.path.join(state, "garbage")):
    for _ in range(3):
        sys.stdout.write("this is not JSON-RPC\n{\"jsonrpc\": \"2.0\", \"id\": 99, \"result\": 7}\n")
        sys.stdout.flush()
    sys.stdin.read()  # stays up, answering nothing useful
    sys.exit(0)

try:
    from mcp.server.mcpserver import MCPServer as Server
    from mcp.server.mcpserver import Context
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server
    from mcp.server.fastmcp import Context
from mcp.types import ToolAnnotations

server = Server("intel")
KNOWN = {"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08": "known bad: Emotet loader (first seen 2026-10-02)"}
READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False)


def record(line):
    with open(os.path.join(state, "calls"), "a") as calls:
        calls.write(line + "\n")


@server.tool(annotations=READ_ONLY)
async def hash_lookup(sha256: str) -> str:
    """Look up a file's SHA-256 in the malware-intel service."""
    record("hash_lookup " + sha256)
    if os.path.exists(os.path.join(state, "slow")):
        try:
            await anyio.sleep(30)
        except anyio.get_cancelled_exc_class():
            record("hash_lookup cancelled")
            raise
    return KNOWN.get(sha256.lower(), f"{sha256}: not known to malware intel")


@server.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True))
def quarantine_file(sha256: str) -> str:
    """Quarantine every copy of a file across the fleet."""
    record("quarantine_file " + sha256)
    return f"quarantined {sha256} on 12 hosts"


@server.tool()
def debug_dump() -> str:
    """Internal: dump the service's state."""
    record("debug_dump")
    return "state"


def feed_lookup(indicator: str) -> str:
    """Look up an indicator in the threat feeds."""
    record("feed_lookup " + indicator)
    return f"{indicator}: listed by 2 feeds (botnet C2)"


if os.path.exists(os.path.join(state, "feeds")):
    server.add_tool(feed_lookup, annotations=READ_ONLY)


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
async def enable_feeds(ctx: Context) -> str:
    """Turn on the threat-feed lookups."""
    server.add_tool(feed_lookup, annotations=READ_ONLY)
    await ctx.session.send_tool_list_changed()
    return "feeds enabled"


if len(sys.argv) > 2 and sys.argv[1] == "--http":
    import uvicorn

    token = sys.argv[2]
    app = server.streamable_http_app()

    async def guarded(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if headers.get(b"authorization") != f"Bearer {token}".encode():
                record("refused " + headers.get(b"authorization", b"-").decode())
                await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await app(scope, receive, send)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # before the port is told: a connection may come at once
    print(listener.getsockname()[1], flush=True)
    config = uvicorn.Config(guarded, log_level="warning", lifespan="on")
    anyio.run(uvicorn.Server(config).serve, [listener])
else:
    server.run()
