"""An aiohttp networking backend for PTB, in place of its default ``HTTPXRequest``.

It keeps ``HTTPXRequest``'s contract: ``(status, body)`` for every HTTP answer (PTB turns the
status into its own errors), :class:`~telegram.error.TimedOut` for any timeout (pool, connect,
read), and :class:`~telegram.error.NetworkError` for any other failure below HTTP (a refused or
reset connection, a body cut short).
"""

from __future__ import annotations

import json

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

Proxy = tuple[URL | None, aiohttp.BasicAuth | None]
# A timeout as PTB passes one: seconds, None for none, or ``BaseRequest.DEFAULT_NONE`` for this
# object's own. PTB's name for it, ODVInput, is in telegram._utils, private to PTB.
Timeout = float | None | object
JSON_HEADERS = {"Content-Type": "application/json"}


def _plus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


class AiohttpRequest(BaseRequest):
    """One :class:`aiohttp.ClientSession` with at most ``connection_pool_size`` connections.

    Timeouts, like ``HTTPXRequest``'s: ``connect_timeout`` to open a connection, ``read_timeout``
    between two reads of the answer, ``pool_timeout`` to wait for a free connection. aiohttp has
    no write timeout of its own, so ``write_timeout`` (and ``media_write_timeout``) bound the whole
    request instead, on top of its read timeout.
    """

    __slots__ = (
        "_connect_timeout",
        "_limit",
        "_media_write_timeout",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._limit = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str | None], Proxy] = {}

    @property
    def read_timeout(self) -> float | None:
        """See :attr:`BaseRequest.read_timeout`."""
        return self._read_timeout

    async def initialize(self) -> None:
        """See :meth:`BaseRequest.initialize`."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                headers={"User-Agent": self.USER_AGENT},
                # Not trust_env: it looks up the proxy and ~/.netrc again for every request,
                # each in a worker thread; ``_proxy`` looks the proxy up once per host.
                trust_env=False,
            )

    def _proxy(self, url: str) -> Proxy:
        """The proxy the environment names for ``url`` (HTTPS_PROXY, NO_PROXY and the like,
        as httpx honours them), looked up once per scheme and host, as httpx does once."""
        target = URL(url)
        key = (target.scheme, target.host)
        if key not in self._proxies:
            try:
                self._proxies[key] = get_env_proxy_for_url(target)
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]

    async def shutdown(self) -> None:
        """See :meth:`BaseRequest.shutdown`."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        if read_timeout is BaseRequest.DEFAULT_NONE:
            read_timeout = self._read_timeout
        if connect_timeout is BaseRequest.DEFAULT_NONE:
            connect_timeout = self._connect_timeout
        if pool_timeout is BaseRequest.DEFAULT_NONE:
            pool_timeout = self._pool_timeout
        if write_timeout is BaseRequest.DEFAULT_NONE:
            write_timeout = self._write_timeout if not files else self._media_write_timeout

        data: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            data = aiohttp.FormData()
            for name, value in (fields or {}).items():
                data.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                data.add_field(name, content, filename=filename, content_type=mimetype)
        elif fields:
            # PTB's JSON body: each value a string, JSON-encoded unless it is text, which the
            # Bot API reads as it reads form values. Encoding it is a C call; a form body
            # would take aiohttp a FormData and a multipart writer, or urlencode a Python loop
            # over every byte of the text.
            data, headers = json.dumps(fields).encode(), JSON_HEADERS  # as json_payload

        timeout = aiohttp.ClientTimeout(
            # aiohttp's connect timeout covers the wait for a pooled connection too.
            connect=_plus(pool_timeout, connect_timeout),
            sock_connect=connect_timeout,
            sock_read=read_timeout,
            total=_plus(_plus(pool_timeout, connect_timeout), _plus(write_timeout, read_timeout)),
        )
        proxy, proxy_auth = self._proxy(url)
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
                # As httpx: the Bot API never redirects, and following one would send the
                # token, in the path, wherever the answer points.
                allow_redirects=False,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            # aiohttp's ServerTimeoutError and ConnectionTimeoutError are TimeoutErrors too.
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
