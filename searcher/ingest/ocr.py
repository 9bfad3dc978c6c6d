"""Text read from images by Tesseract (``searcher index --ocr``): a photographed clipping, or
the page image of a scanned PDF.

Tesseract is run as a program (``tesseract``, found on ``PATH``), never through a shell, in
both Chinese scripts (``chi_tra+chi_sim``, and ``eng`` when installed); without it, or without
its Chinese data, ``find_tesseract`` raises ``OcrUnavailableError`` with the command that
installs them. Each run is bounded by the file's deadline: the program is killed when the file
is out of time (and with the reader process that started it, if that is killed first), and
held to ``MAX_TESSERACT_BYTES`` of memory (an image of 40,000 × 40,000 pixels failed in 2 s,
costing only its file).

What it read is cached by the image's content (SHA-256 of the languages and the bytes) in
``$XDG_CACHE_HOME/searcher/ocr/`` (``~/.cache/searcher/ocr/``), a folder and files only their
owner can read, so that a rebuild does not read an image again.

    >>> cache_key(b"image", ("chi_tra", "chi_sim"))[:12]
    'd9feec3d21bb'
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from searcher.atomic_files import write_cache_file
from searcher.config import cache_dir
from searcher.errors import DocumentError, SearcherError

INSTALL = "apt install tesseract-ocr tesseract-ocr-chi-tra tesseract-ocr-chi-sim"
CHINESE = ("chi_tra", "chi_sim")
PR_SET_PDEATHSIG = 1  # Linux's prctl option: the signal a process gets when its parent dies
MAX_TESSERACT_BYTES = 2_000_000_000  # address space of one Tesseract run (a page: ~300 MB)
MAX_TEXT_BYTES = 16_000_000  # what one image's text may hold (a page holds a few thousand)


class OcrUnavailableError(SearcherError):
    """OCR was asked for, and Tesseract or its Chinese data is not installed."""


@dataclass(frozen=True)
class Tesseract:
    """The ``tesseract`` program found, the languages it reads with, and the cache folder."""

    program: str
    languages: tuple[str, ...]
    cache: Path

    def reader(self, seconds: float) -> ImageReader:
        """A reader of one corpus file's images, all within ``seconds`` from now."""
        return ImageReader(self, time.monotonic() + seconds, seconds)


def find_tesseract() -> Tesseract:
    """Tesseract on ``PATH`` with its Chinese data; ``OcrUnavailableError`` saying how to
    install them when either is missing."""
    program = shutil.which("tesseract")
    if program is None:
        raise OcrUnavailableError(f"--ocr needs Tesseract, which is not installed: {INSTALL}")
    try:
        listed = subprocess.run([program, "--list-langs"], capture_output=True, timeout=60,
                                check=True, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        raise OcrUnavailableError(f"--ocr needs Tesseract, and {program} does not run "
                                  f"({error}): {INSTALL}") from None
    # The first line names the folder; the languages follow, one a line.
    installed = set(listed.stdout.decode("utf-8", "replace").split()[1:])
    missing = [language for language in CHINESE if language not in installed]
    if missing:
        raise OcrUnavailableError(f"--ocr needs Tesseract's Chinese data "
                                  f"({' and '.join(missing)} not installed): {INSTALL}")
    languages = CHINESE + (("eng",) if "eng" in installed else ())
    return Tesseract(program, languages, cache_folder())


def cache_folder() -> Path:
    return cache_dir() / "ocr"


def cache_key(data: bytes, languages: tuple[str, ...]) -> str:
    """The name an image's text is cached under: its bytes and the languages read in."""
    return hashlib.sha256("+".join(languages).encode() + b"\0" + data).hexdigest()


@dataclass
class ImageReader:
    """Reads one corpus file's images, counting its pages: ``read`` by Tesseract, ``cached``
    found in the cache."""

    tesseract: Tesseract
    deadline: float  # time.monotonic() by which the file must be read
    seconds: float
    read: int = 0
    cached: int = 0

    @property
    def pages(self) -> int:
        """Pages (an image file, a scanned PDF's page) whose text came from OCR."""
        return self.read + self.cached

    def page(self, images: list[bytes]) -> str:
        """The text of a page made of ``images`` (image files' bytes, in any format Tesseract
        reads: PNG, JPEG, TIFF, PNM…), one image's after another's; ``DocumentError`` when
        Tesseract fails on one or the file is out of time."""
        texts = [self._text(image) for image in images]
        if all(cached for _, cached in texts):
            self.cached += 1
        else:
            self.read += 1
        return "\n".join(text for text, _ in texts)

    def _text(self, image: bytes) -> tuple[str, bool]:
        """An image's text, and whether it came from the cache."""
        key = cache_key(image, self.tesseract.languages)
        cached = self._cached(key)
        if cached is not None:
            return cached, True
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._late()
        try:
            done = subprocess.run(
                [self.tesseract.program, "stdin", "stdout", "-l",
                 "+".join(self.tesseract.languages)],
                input=image, capture_output=True, timeout=remaining,
                # One thread a run: reader processes already run side by side, and OpenMP
                # threads fighting over the cores made an A4 page take 59 s, not 14 s.
                preexec_fn=_bounded, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except subprocess.TimeoutExpired:
            raise self._late() from None
        except OSError as error:
            raise DocumentError(f"Tesseract did not run: {error}") from None
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DocumentError(f"Tesseract could not read an image "
                                f"({why[-1] if why else f'status {done.returncode}'})")
        text = done.stdout[:MAX_TEXT_BYTES].decode("utf-8", "replace")
        self._store(key, text)
        return text, False

    def _late(self) -> DocumentError:
        return DocumentError(f"took longer than {self.seconds:g} s to read, the most one "
                             f"file may take; not read")

    def _cached(self, key: str) -> str | None:
        try:
            with open(self.tesseract.cache / f"{key}.txt", "rb") as handle:
                return handle.read(MAX_TEXT_BYTES).decode("utf-8", "replace")
        except OSError:
            return None

    def _store(self, key: str, text: str) -> None:
        """Keep ``text`` in the cache, if it can be written (else the next run reads again)."""
        try:
            write_cache_file(self.tesseract.cache / f"{key}.txt", text.encode("utf-8"))
        except OSError:
            pass


def _bounded() -> None:
    """In the Tesseract process before it starts: its memory bounded, and dying with the
    reader process that started it, which is killed when its file is out of time."""
    resource.setrlimit(resource.RLIMIT_AS, (MAX_TESSERACT_BYTES, MAX_TESSERACT_BYTES))
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
