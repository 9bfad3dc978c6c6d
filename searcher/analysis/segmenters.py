"""Word segmenters: rjieba (jieba-rs, the Rust port of jieba: same dictionary and algorithm,
about ten times faster, loads in a tenth of the time) by default, or jieba itself, the
reference. Both take the index's user words in order, each at the frequency that cuts it out
whole (which depends on the words added before it), and segment in precise mode.

    >>> RJiebaSegmenter(("川普",)).tokenize("川普说")
    [('川普', 0, 2), ('说', 2, 3)]
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import sys
from pathlib import Path


class JiebaSegmenter:
    """jieba, the reference implementation."""

    name = "jieba"

    def __init__(self, userwords: tuple[str, ...] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        frequencies = []
        for word in userwords:
            self._tokenizer.add_word(word)
            frequencies.append((word, self._tokenizer.FREQ[word]))
        self.user_frequencies: tuple[tuple[str, int], ...] = tuple(frequencies)

    @staticmethod
    def version() -> str:
        return f"jieba {_installed_version('jieba')}"

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        return list(self._tokenizer.tokenize(text, HMM=True))

    def cut(self, text: str) -> list[str]:
        """The words of ``tokenize`` without their offsets."""
        return list(self._tokenizer.cut(text, HMM=True))

    def is_word(self, word: str) -> bool:
        return bool(self._tokenizer.FREQ.get(word))


class RJiebaSegmenter:
    """rjieba: jieba-rs, the Rust port of jieba (same dictionary, same algorithm)."""

    name = "rjieba"

    def __init__(self, userwords: tuple[str, ...] = ()) -> None:
        self._jieba = _fresh_rjieba()
        # Whether a piece is in the dictionary: a call into Rust per piece of every long
        # word, without a Python frame around it.
        self.is_word = self._jieba.has_word
        self.user_frequencies: tuple[tuple[str, int], ...] = tuple(
            (word, self._jieba.add_word(word, None, None)) for word in userwords)

    @staticmethod
    def version() -> str:
        return f"rjieba {_installed_version('rjieba')}"

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        return self._jieba.tokenize(text, "default", True)

    def cut(self, text: str) -> list[str]:
        """The words of ``tokenize`` without their offsets (a fifth faster)."""
        return self._jieba.cut(text, True)


def _installed_version(package: str) -> str:
    # importlib.metadata is imported here, when an index is built: it brings in email and
    # zipfile, 11 ms of every search's start-up otherwise.
    from importlib.metadata import version

    return version(package)


SEGMENTERS = {"jieba": JiebaSegmenter, "rjieba": RJiebaSegmenter}
Segmenter = JiebaSegmenter | RJiebaSegmenter

_rjieba_default_taken = False


def _fresh_rjieba():
    """A Jieba with only the standard dictionary. Importing rjieba already loads one (its
    module-level default, a tenth of a second): the first segmenter of a process takes that
    one instead of loading the dictionary again; later ones, which must not see its user
    words, load their own."""
    global _rjieba_default_taken
    import rjieba

    default = getattr(rjieba, "_DEFAULT_JIEBA", None)
    if default is not None and not _rjieba_default_taken:
        _rjieba_default_taken = True
        return default
    return rjieba.Jieba()


def rjieba_class():
    """rjieba's ``Jieba`` class, without the dictionary load that importing the ``rjieba``
    package runs (it builds a full default segmenter). The extension module alone does not,
    so it is loaded under its own name, where the package finds it later."""
    name = "rjieba.rjieba"
    if name not in sys.modules:
        package = importlib.util.find_spec("rjieba")  # finds without running the package
        folder = Path(next(iter(package.submodule_search_locations)))
        path = next(p for suffix in importlib.machinery.EXTENSION_SUFFIXES
                    for p in folder.glob("rjieba*" + suffix))
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
    return sys.modules[name].Jieba
