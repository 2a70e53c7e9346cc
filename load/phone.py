"""One field agent's phone: a single keep-alive HTTP/1.1 connection, as cheap as the load generator can be.

`make load` runs the agents, the devices and the officers in this one process, on the same two cores as the
service it measures. Through one shared `httpx.AsyncClient` (a pool of up to 128 connections) a registration cost
the generator 4 to 8 ms of CPU, more than the service spent on it, and the paced phase measured the generator's
saturation. A phone sends one request at a time over its own connection anyway, so each agent gets this: about
0.4 ms of CPU a request. Only what the agents need: JSON bodies, headers, Content-Length or chunked answers.
A broken connection raises `httpx.ReadError` (as the shared client does), and the next request opens a new one.
"""

from __future__ import annotations

import asyncio
import json as _json
from typing import Any

import httpx


class Answer:
    """The part of an `httpx.Response` the workload reads."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    def json(self) -> Any:
        return _json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode()


class Phone:
    def __init__(self, base_url: httpx.URL, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = base_url.host, base_url.port or 80, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def request(
        self, method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        body = _json.dumps(json, ensure_ascii=False).encode() if json is not None else b""
        head = [f"{method} {url} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if json is not None:
            head.append("Content-Type: application/json")
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
            await self.aclose()  # a killed worker, a timeout: this connection is done, the next request opens one
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, data: bytes) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        writer.write(data)
        status = int((await reader.readuntil(b"\r\n")).split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append((await reader.readexactly(size + 2))[:-2])
            await reader.readuntil(b"\r\n")  # the empty trailer
            content = b"".join(parts)
        else:  # the body runs to the end of the connection
            content = await reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return Answer(status, headers, content)
