"""The user's configuration: ``$XDG_CONFIG_HOME/searcher/`` (``~/.config/searcher/``) holds
``config.toml`` (defaults for the commands' options), ``variants.txt`` and ``userdict.txt``
(the user's own tables). ``SEARCHER_CONFIG`` names another ``config.toml``.

``config.toml`` keys, each optional: ``index`` (the default index folder), ``roots`` (what
``searcher index`` indexes, and a missing default index is built from, when the index has no
roots yet), ``limit``, ``sort``, ``color``, ``snippets``, ``path_style``; ``server`` (false: no
search server, ``searcher.server``) and ``server_idle_minutes`` (how long it waits for the next
command; 10); ``max_file_seconds`` (``searcher index``'s deadline for reading one file);
``stemming`` (``"english"`` or ``"none"``: how ``searcher index`` and ``watch`` build);
``ocr`` (true or false: whether ``searcher index`` reads images and scanned PDF pages with
Tesseract; unset, as the index was built); ``cluster`` (the Dask cluster that ``index``,
``search``, ``show``, ``similar`` and ``stats`` run on, as their ``--cluster`` takes it:
``cluster_address_problem``; ``--no-cluster`` runs one on this machine's index). Paths
may start with ``~``; a relative path is relative to the file's folder. Flags and
``SEARCHER_INDEX`` win over the file.

    >>> read_config_text('index = "/srv/idx"\\nlimit = 20', Path("/etc/x.toml")).limit
    20
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from searcher.errors import SearcherError
from searcher.regular_files import FileTooLargeError, NotRegularFileError, read_regular


class ConfigError(SearcherError):
    """A configuration file that cannot be used."""


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "searcher"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/searcher/`` (``~/.cache/searcher/``): what can be made again (OCR's
    text, the sorted query dictionary)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "searcher"


def config_file() -> Path:
    return Path(os.environ.get("SEARCHER_CONFIG") or config_dir() / "config.toml")


def user_files(kind: str, explicit: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """The user's ``variants``/``userdict`` files: the default location if present, then
    those given on the command line."""
    default = config_dir() / f"{kind}.txt"
    return ((default,) if default.is_file() else ()) + tuple(explicit)


@dataclass(frozen=True)
class Config:
    index: Path | None = None
    roots: tuple[Path, ...] = ()
    limit: int | None = None
    sort: str | None = None
    color: str | None = None
    snippets: int | None = None
    path_style: str | None = None
    server: bool | None = None
    server_idle_minutes: int | None = None
    max_file_seconds: float | None = None
    stemming: str | None = None
    ocr: bool | None = None
    cluster: str | None = None
    source: Path | None = field(default=None, compare=False)  # the file it was read from

    def option_defaults(self) -> dict[str, object]:
        """The options it sets, by the name the commands give their parameters."""
        named = {"index_dir": self.index, "limit": self.limit, "sort": self.sort,
                 "color": self.color, "snippet_count": self.snippets,
                 "path_style": self.path_style,
                 "max_file_seconds": self.max_file_seconds, "stemming": self.stemming,
                 "ocr": self.ocr, "cluster": self.cluster}
        return {name: value for name, value in named.items() if value is not None}


# key: (type, allowed values or None)
_KEYS: dict[str, tuple[type, tuple | None]] = {
    "index": (str, None), "roots": (list, None), "limit": (int, None),
    "sort": (str, ("relevance", "newest", "oldest")), "color": (str, ("auto", "always", "never")),
    "snippets": (int, None), "path_style": (str, ("auto", "relative", "absolute")),
    "server": (bool, None), "server_idle_minutes": (int, None),
    "max_file_seconds": (float, None), "ocr": (bool, None),
    "stemming": (str, ("english", "none")),  # ``analysis.stemming.STEMMING``: a layer above
    "cluster": (str, None)}


# A Dask scheduler's address, or ``local:N``: N worker processes on this machine.
_LOCAL_CLUSTER = re.compile(r"local:(\d{1,3})\Z", re.ASCII)
_SCHEDULER = re.compile(r"(tcp|tls|ucx|inproc)://\S+\Z|[^\s:/]+:\d{1,5}\Z")
MOST_LOCAL_WORKERS = 64


def local_workers(address: str) -> int | None:
    """How many worker processes ``local:N`` asks for; None for a scheduler's address."""
    local = _LOCAL_CLUSTER.match(address)
    return int(local.group(1)) if local else None


def cluster_address_problem(address: str) -> str | None:
    """What is wrong with ``address`` as a cluster's (``--cluster``, the ``cluster`` key),
    said after it; None when it is a scheduler's address (``tcp://HOST:PORT``,
    ``HOST:PORT``) or ``local:N``, 1 ≤ N ≤ 64.

        >>> cluster_address_problem("local:0")
        'asks for 0 workers: a local cluster has 1 to 64'
    """
    workers = local_workers(address)
    if workers is not None:
        return (None if 1 <= workers <= MOST_LOCAL_WORKERS else
                f"asks for {workers} workers: a local cluster has 1 to {MOST_LOCAL_WORKERS}")
    if _SCHEDULER.match(address) and not address.startswith("local:"):
        return None
    return "is not a scheduler's address: give tcp://HOST:PORT, HOST:PORT or local:N"


MAX_CONFIG_BYTES = 1_000_000  # a configuration of a few lines; anything past this is not one


def load_config() -> Config:
    """The configuration file's settings; no file, no settings. Only a regular file of at
    most ``MAX_CONFIG_BYTES`` is read: ``SEARCHER_CONFIG`` naming a FIFO, a device or a
    never-ending file of ``/proc`` is an error, never a hang."""
    path = config_file()
    try:
        text = read_regular(path, MAX_CONFIG_BYTES).decode("utf-8")
    except FileNotFoundError:
        if "SEARCHER_CONFIG" in os.environ:
            raise ConfigError(f"{path}: no such configuration file (SEARCHER_CONFIG)") from None
        return Config()
    except NotRegularFileError as error:
        raise ConfigError(f"{path}: is {error.kind}, not a configuration file") from None
    except FileTooLargeError:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes; not a "
                          f"configuration file") from None
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, or a NUL in the path
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    return read_config_text(text, path)


def read_config_text(text: str, path: Path) -> Config:
    try:  # imported here: most runs have no configuration file to parse
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except RecursionError:  # arrays or tables nested thousands deep: the parser recurses
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    for key, value in values.items():
        if key not in _KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (the keys are "
                              f"{', '.join(_KEYS)})")
        kind, allowed = _KEYS[key]
        if not isinstance(value, (int, float) if kind is float else kind) \
                or (isinstance(value, bool) and kind is not bool) \
                or (allowed and value not in allowed) \
                or (kind is int and value < 0) or (kind is float and not value > 0) \
                or (key == "roots" and not all(isinstance(v, str) for v in value)):
            wanted = (" or ".join(repr(a) for a in allowed) if allowed
                      else {"str": "an address" if key == "cluster" else "a path",
                            "list": "a list of paths",
                            "int": "a number ≥ 0", "float": "a number > 0",
                            "bool": "true or false"}[kind.__name__])
            raise ConfigError(f"{path}: {key} must be {wanted}, not {value!r}")
    if "cluster" in values and (problem := cluster_address_problem(values["cluster"])):
        raise ConfigError(f"{path}: cluster {values['cluster']!r} {problem}")

    def resolved(name: str) -> Path:
        return path.parent / Path(name).expanduser()  # an absolute path stays as it is

    return Config(index=resolved(values["index"]) if "index" in values else None,
                  roots=tuple(resolved(r) for r in values.get("roots", ())),
                  limit=values.get("limit"), sort=values.get("sort"),
                  color=values.get("color"), snippets=values.get("snippets"),
                  path_style=values.get("path_style"), server=values.get("server"),
                  server_idle_minutes=values.get("server_idle_minutes"),
                  max_file_seconds=values.get("max_file_seconds"),
                  stemming=values.get("stemming"), ocr=values.get("ocr"),
                  cluster=values.get("cluster"), source=path)
