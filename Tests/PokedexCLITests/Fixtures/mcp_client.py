"""An MCP client on the official Python SDK (PyPI `mcp`), driven by the Swift tests.

usage: mcp_client.py stdio COMMAND [ARG...]      -- starts the server and talks over stdio
       mcp_client.py http URL TOKEN               -- Streamable HTTP with a bearer token

It lists the tools, then runs the calls given as JSON lines on standard input
({"tool": NAME, "arguments": {...}}), and prints one JSON document on standard output:
{"tools": [{"name", "annotations"}], "calls": [{"tool", "text", "is_error"}], "elicitations": [message]}.

With MCP_ELICIT=accept (or decline) in its environment it supports elicitation, answers each
request so (accept: {"confirm": true}) and reports the messages it was asked.
"""

import os

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


async def exercise(read, write, calls):
    elicitations = []
    answer = os.environ.get("MCP_ELICIT")

    async def elicit(context, params):
        from mcp.types import ElicitResult

        elicitations.append(params.message)
        if answer == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action="decline")

    async with ClientSession(read, write, elicitation_callback=elicit if answer else None) as session:
        await session.initialize()
        listed = await session.list_tools()
        tools = [
            {
                "name": tool.name,
                "annotations": tool.annotations.model_dump(exclude_none=True, by_alias=True) if tool.annotations else {},
                "schema": tool.input_schema if hasattr(tool, "input_schema") else tool.inputSchema,
            }
            for tool in listed.tools
        ]
        results = []
        for call in calls:
            result = await session.call_tool(call["tool"], call.get("arguments", {}))
            text = "\n".join(part.text for part in result.content if getattr(part, "text", None) is not None)
            is_error = getattr(result, "is_error", None)
            if is_error is None:
                is_error = getattr(result, "isError", False)
            results.append({"tool": call["tool"], "text": text, "is_error": bool(is_error)})
        return {"tools": tools, "calls": results, "elicitations": elicitations}


async def main():
    calls = [json.loads(line) for line in sys.stdin if line.strip()]
    mode = sys.argv[1]
    if mode == "stdio":
        parameters = StdioServerParameters(command=sys.argv[2], args=sys.argv[3:])
        async with stdio_client(parameters) as (read, write):
            report = await exercise(read, write, calls)
    else:
        url, token = sys.argv[2], sys.argv[3]
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"} if token else None)
        async with client:
            async with streamable_http_client(url, http_client=client) as streams:
                report = await exercise(streams[0], streams[1], calls)
    print(json.dumps(report))


asyncio.run(main())
