"""Load the text of a manifest from its URL.

Two kinds of URL are accepted: an ``http`` or ``https`` address, fetched with a
timeout and a size limit, and the relative path of a file shipped in an addon
(``addon_name/path/file.yaml``), read through an opener the caller provides so
that only the addons paths are reachable.
"""

import posixpath
import urllib.parse

import requests

from .exceptions import PermanentError

#: Largest manifest accepted, in bytes.
MAX_BYTES = 1024 * 1024
#: Seconds allowed for connecting and for each read.
TIMEOUT = 10


class ManifestLoadError(PermanentError):
    """The manifest could not be read from its URL."""


def check_url(url):
    """Raise :class:`ManifestLoadError` unless ``url`` is one we can load."""
    url = (url or "").strip()
    if not url:
        raise ManifestLoadError("the URL is empty")
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("http", "https"):
        if not parsed.netloc:
            raise ManifestLoadError("the address has no host")
        return
    if parsed.scheme or parsed.netloc:
        raise ManifestLoadError(
            "only http, https and files shipped in an addon are supported"
        )
    normalized = posixpath.normpath(url)
    if url.startswith("/") or normalized.startswith("..") or "/" not in normalized:
        raise ManifestLoadError(
            "a file must be given as addon_name/path/file, inside the addon"
        )


def load(url, open_file, timeout=TIMEOUT, max_bytes=MAX_BYTES):
    """Return the text at ``url``.

    :param open_file: callable taking an addon-relative path and returning a
        binary file object; it decides which files are reachable.
    """
    check_url(url)
    url = url.strip()
    if urllib.parse.urlparse(url).scheme in ("http", "https"):
        data = _fetch(url, timeout, max_bytes)
    else:
        try:
            with open_file(posixpath.normpath(url)) as handle:
                data = handle.read(max_bytes + 1)
        except (OSError, ValueError) as err:
            raise ManifestLoadError(f"the file cannot be read ({err})") from err
    if len(data) > max_bytes:
        raise ManifestLoadError(f"the manifest is larger than {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ManifestLoadError("the manifest is not UTF-8 text") from err


def _fetch(url, timeout, max_bytes):
    try:
        with requests.get(url, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                raise ManifestLoadError(
                    f"the server answered HTTP {response.status_code}"
                )
            data = b""
            for chunk in response.iter_content(chunk_size=65536):
                data += chunk
                if len(data) > max_bytes:
                    break
            return data
    except requests.Timeout as err:
        raise ManifestLoadError(
            f"the server did not answer within {timeout} seconds"
        ) from err
    except requests.RequestException as err:
        raise ManifestLoadError(f"the server could not be reached ({err})") from err
