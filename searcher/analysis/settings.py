"""What the analysis chain's output depends on, as plain data: the variant table, the
segmenter's extra words, which segmenter and the orthography rules folding used. An index
stores its settings and queries reuse them, so index and query never disagree;
``fingerprint`` tells when a rebuild is needed.

    >>> settings = AnalysisSettings.default()
    >>> settings.segmenter, "特朗普" in settings.userwords
    ('rjieba', True)
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from searcher.analysis.fold import ORTHOGRAPHY_FILE, fold, orthography
from searcher.analysis.segmenters import SEGMENTERS
from searcher.analysis.stemming import NO_STEMMING
from searcher.analysis.stemming import version as stemmer_version
from searcher.analysis.variants import VariantTable, parse_groups
from searcher.errors import SearcherError
from searcher.regular_files import FileTooLargeError, NotRegularFileError, read_regular

# Bump when a change to the chain changes the terms an index holds: old indexes are refused.
ANALYSIS_VERSION = 3  # 3: Hong Kong and Taiwan variant characters fold (orthography)

SHIPPED_VARIANT_FILES = ("variants_regional.txt", "variants_names.txt")
SHIPPED_USERDICT = "userdict.txt"


def _data_text(name: str) -> str:
    return resources.files("searcher.data").joinpath(name).read_text(encoding="utf-8")


MAX_TABLE_BYTES = 64_000_000  # a user's variant table or word list; the shipped ones are < 1 MB


def _user_text(path: Path) -> str:
    """A user's table or word list: UTF-8 text, or a ``SearcherError`` naming the file. Only
    a regular file of at most ``MAX_TABLE_BYTES`` is read (a path may come from an index's
    ``searcher.json``, which may have been planted)."""
    try:
        return read_regular(Path(path), MAX_TABLE_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SearcherError(f"{path} is not UTF-8 text (byte {error.start}); save it as "
                            f"UTF-8") from error
    except NotRegularFileError as error:
        raise SearcherError(f"cannot read {path}: it is {error.kind}") from error
    except FileTooLargeError as error:
        raise SearcherError(f"cannot read {path}: larger than {MAX_TABLE_BYTES:,} bytes; "
                            f"not a table") from error
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise SearcherError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}"
                            ) from error


@dataclass(frozen=True)
class AnalysisSettings:
    """``variants``: the merged variant table's text; ``userwords``: the segmenter's extra
    words, folded, in the order they are added (the frequency each gets depends on the ones
    before); ``variant_files``: the user's variant files it came from (provenance only);
    ``orthography``: the SHA-256 of the orthography rules (``searcher/data/orthography.txt``,
    from OpenCC's variant tables) that folding applied; ``stemming``: whether words of Latin
    letters are indexed as their stems (``stemming.STEMMING``)."""

    variants: str
    userwords: tuple[str, ...]
    segmenter: str = "rjieba"
    variant_files: tuple[str, ...] = ()
    orthography: str = ""
    stemming: str = NO_STEMMING

    @classmethod
    def default(cls) -> "AnalysisSettings":
        return cls.from_files()

    @classmethod
    def from_files(cls, variant_files: tuple[Path, ...] = (),
                   userdict_files: tuple[Path, ...] = (),
                   segmenter: str = "rjieba",
                   stemming: str = NO_STEMMING) -> "AnalysisSettings":
        """The shipped tables extended by the user's files (read as UTF-8)."""
        variant_texts = [_data_text(n) for n in SHIPPED_VARIANT_FILES]
        variant_texts += [_user_text(p) for p in variant_files]
        table = VariantTable([g for t in variant_texts for g in parse_groups(t)], fold)
        userdict_texts = [_data_text(SHIPPED_USERDICT)]
        userdict_texts += [_user_text(p) for p in userdict_files]
        words = [line.split()[0] for t in userdict_texts for line in t.splitlines()
                 if line.split() and not line.startswith("#")]
        words = list(dict.fromkeys([fold(w) for w in words] + table.folded_members()))
        return cls(variants=table.dumps(), userwords=tuple(words), segmenter=segmenter,
                   variant_files=tuple(str(Path(p).resolve()) for p in variant_files),
                   orthography=orthography().sha256, stemming=stemming)

    @functools.cached_property
    def variants_sha256(self) -> str:
        return hashlib.sha256(self.variants.encode("utf-8")).hexdigest()

    @functools.cached_property
    def fingerprint(self) -> str:
        """One hash of the chain's version, its libraries and its data."""
        import opencc

        payload = json.dumps(
            [ANALYSIS_VERSION, SEGMENTERS[self.segmenter].version(), opencc.__version__,
             self.orthography, self.variants, self.userwords]
            # only an index that stems says so: the others keep the fingerprint they had
            + ([stemmer_version(self.stemming)] if self.stemming != NO_STEMMING else []),
            ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> dict:
        return {"variants": self.variants, "userwords": list(self.userwords),
                "segmenter": self.segmenter, "variant_files": list(self.variant_files),
                "orthography": self.orthography, "stemming": self.stemming}

    @classmethod
    def from_json(cls, data: dict) -> "AnalysisSettings":
        return cls(variants=data["variants"], userwords=tuple(data["userwords"]),
                   segmenter=data["segmenter"], variant_files=tuple(data["variant_files"]),
                   orthography=data["orthography"],
                   stemming=data.get("stemming", NO_STEMMING))  # older indexes: none


def variant_sources_sha256(variant_files: tuple[Path, ...]) -> str:
    """A hash of the variant table's sources as they are on disk now, and of the orthography
    rules folding applies (cheap: no folding). A file that is missing, unreadable or not a
    regular file is hashed as missing, without being read."""
    digest = hashlib.sha256()
    for text in [_data_text(n) for n in SHIPPED_VARIANT_FILES + (ORTHOGRAPHY_FILE,)]:
        digest.update(text.encode("utf-8"))
    for path in variant_files:
        if not _hash_regular_file(digest, Path(path)):
            # surrogatepass: a planted path may hold a lone surrogate, which strict UTF-8 refuses
            digest.update(b"\0missing\0" + str(path).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _hash_regular_file(digest: hashlib._Hash, path: Path) -> bool:
    """Feed ``path``'s bytes to ``digest``; False if it is not a regular file or cannot be
    read. The paths come from an index's ``searcher.json``, which may have been planted: the
    open does not block (a FIFO without a writer would hang every search) and the check is
    made on the opened descriptor, so a device such as ``/dev/zero`` is never read either, and
    no more than ``MAX_TABLE_BYTES`` is (``/proc/self/pagemap`` calls itself regular)."""
    try:
        digest.update(read_regular(path, MAX_TABLE_BYTES))
        return True
    except (OSError, ValueError, NotRegularFileError, FileTooLargeError):  # ValueError: NUL
        return False
