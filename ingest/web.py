"""HTTP GET for the metadata services (arXiv, Crossref, DBLP): timeouts, a polite rate, clear errors.

Everything that reaches the network goes through a *fetcher*, ``fetcher(url, timeout) -> bytes``,
so tests pass recorded answers instead. :class:`PoliteFetcher` wraps one and waits so that each
host gets at most one request per interval; :func:`get` turns every network failure into a
:class:`WebError` that names the service and the address.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

from ingest.errors import AtlasError

Fetcher = Callable[[str, float], bytes]
USER_AGENT = "mllm-interpretability-atlas (atlas check-metadata; one request per second per host)"
DEFAULT_TIMEOUT = 20.0  # seconds per request
DEFAULT_INTERVAL = 1.0  # seconds between two requests to the same host


class WebError(AtlasError):
    """A service could not be asked or did not answer; the message names it and the address."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status, when the service answered with an error


def urllib_fetcher(url: str, timeout: float) -> bytes:
    """The real fetcher: one HTTP GET with a timeout (standard library only)."""
    request = Request(url, headers={"User-Agent": USER_AGENT})
    with urlopen(request, timeout=timeout) as response:  # noqa: S310 (fixed https services)
        return response.read()


class PoliteFetcher:
    """A fetcher that sends at most one request per ``interval`` seconds to each host.

    ``intervals`` overrides the interval for named hosts (arXiv asks for one request every three
    seconds). The wait is measured from the end of the previous request to that host. A host that
    could not be reached at all (no network, unknown name, refused) is not asked again in this run:
    its later requests fail at once with the first reason, so an offline run ends in seconds.
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        interval: float = DEFAULT_INTERVAL,
        intervals: dict[str, float] | None = None,
    ):
        self.fetcher = fetcher or urllib_fetcher
        self.interval = interval
        self.intervals = dict(intervals or {})
        self._last: dict[str, float] = {}
        self._unreachable: dict[str, URLError] = {}

    def __call__(self, url: str, timeout: float) -> bytes:
        host = urlparse(url).hostname or ""
        if host in self._unreachable:
            raise self._unreachable[host]
        wait = self._last.get(host, float("-inf")) + self.intervals.get(host, self.interval) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return self.fetcher(url, timeout)
        except URLError as exc:
            if not isinstance(exc, HTTPError) and not isinstance(exc.reason, (TimeoutError, socket.timeout)):
                self._unreachable[host] = URLError(f"{exc.reason}; not asked again in this run")
            raise
        finally:
            self._last[host] = time.monotonic()


def get(url: str, service: str, fetcher: Fetcher, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The body at ``url``; any failure becomes a WebError naming ``service``."""
    try:
        return fetcher(url, timeout)
    except HTTPError as exc:
        raise WebError(f"{service} answered HTTP {exc.code} for {url}", exc.code) from exc
    except (TimeoutError, socket.timeout) as exc:
        raise WebError(f"{service} did not answer within {timeout:g} s ({url}): try again later") from exc
    except URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise WebError(f"{service} did not answer within {timeout:g} s ({url}): try again later") from exc
        raise WebError(f"could not reach {service} ({exc.reason}): check the internet connection") from exc
    except OSError as exc:
        raise WebError(f"could not reach {service} ({exc}): check the internet connection") from exc
