"""Scanned pages and photographed clippings, read by OCR (``searcher index --ocr``).

An image file (``.png``, ``.jpg``, ``.jpeg``, ``.tif``, ``.tiff``) is one page: Tesseract
reads it as it is (``ocr``). A scanned PDF's page is one image, or a few, drawn on a page with
no text: each is taken out of the PDF as the file Tesseract reads, with no renderer. A JPEG
(``DCTDecode``) or JPEG 2000 stream is such a file already, a CCITT fax stream becomes a TIFF
(pypdf), and samples of 1 or 8 bits in grey or RGB become a PBM, PGM or PPM file. Not read:
JBIG2 streams, indexed, CMYK and other colour spaces, 2, 4 or 16 bits a sample, and text drawn
as shapes rather than as an image (which needs a renderer).

    >>> pnm_header(3, 2, 1, 8)
    b'P5 3 2 255\\n'
"""

from __future__ import annotations

from collections.abc import Iterator

from searcher.ingest.bylines import document_fields
from searcher.ingest.metadata import make_document
from searcher.ingest.ocr import ImageReader
from searcher.models import Document

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
_FILE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF"}
_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/G": 1, "/DeviceRGB": 3, "/CalRGB": 3,
               "/RGB": 3}


def parse_image(data: bytes, path: str, warnings: list[str], ocr: ImageReader) -> Document:
    """The document in an image file: its text as Tesseract reads it."""
    body = ocr.page([data])
    return make_document(path, body, document_fields(body, {}), warnings)


def page_images(page, number: int, path: str, warnings: list[str]) -> list[bytes]:
    """The image files drawn on a pypdf ``page`` (its ``number``, from 1, names it in a
    warning about an image that cannot be taken out)."""
    images = []
    for xobject in _image_xobjects(page):
        image = image_file(xobject)
        if image is None:
            warnings.append(f"{path}: page {number}: an image of a kind OCR does not read "
                            f"({_kind(xobject)}); left out")
        else:
            images.append(image)
    return images


def _image_xobjects(page) -> Iterator:
    """The image XObjects of a page's resources, and of the forms it draws (one deep)."""
    forms = [page]
    for owner in forms:
        resources = owner.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        xobjects = resources.get("/XObject")
        for reference in (xobjects.get_object() if xobjects is not None else {}).values():
            xobject = reference.get_object()
            if xobject.get("/Subtype") == "/Image":
                yield xobject
            elif xobject.get("/Subtype") == "/Form" and owner is page:
                forms.append(xobject)


def image_file(xobject) -> bytes | None:
    """An image XObject as an image file Tesseract reads, or None for a kind not handled."""
    filters = _filters(xobject)
    if filters and filters[-1] in _FILE_FILTERS:
        return xobject.get_data()  # pypdf leaves JPEG as it is and wraps a fax in a TIFF
    if "/JBIG2Decode" in filters:
        return None
    width, height = int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0))
    bits = 1 if xobject.get("/ImageMask") else int(xobject.get("/BitsPerComponent", 0))
    components = 1 if xobject.get("/ImageMask") else _components(xobject.get("/ColorSpace"))
    if width <= 0 or height <= 0 or components is None or bits not in (1, 8) \
            or (bits == 1 and components != 1):
        return None
    data = xobject.get_data()
    row = (width * components * bits + 7) // 8
    if len(data) < row * height:
        return None
    samples = data[:row * height]
    if bits == 1 and not _dark_is_one(xobject):
        samples = bytes(byte ^ 0xFF for byte in samples)  # PBM: 1 is black, PDF: 0 is
    return pnm_header(width, height, components, bits) + samples


def pnm_header(width: int, height: int, components: int, bits: int) -> bytes:
    """The header of a PBM (1 bit), PGM (8-bit grey) or PPM (8-bit RGB) file."""
    if bits == 1:
        return f"P4 {width} {height}\n".encode()
    return f"P{5 if components == 1 else 6} {width} {height} 255\n".encode()


def _filters(xobject) -> list[str]:
    value = xobject.get("/Filter")
    if value is None:
        return []
    value = value.get_object()
    return [str(f) for f in value] if isinstance(value, list) else [str(value)]


def _components(space) -> int | None:
    """Colour components of a colour space an image is read in: grey or RGB, else None."""
    space = space.get_object() if space is not None else None
    if isinstance(space, list) and space and str(space[0]) == "/ICCBased":
        count = int(space[1].get_object().get("/N", 0))
        return count if count in (1, 3) else None
    if isinstance(space, list) and space and str(space[0]) in _COMPONENTS:
        return _COMPONENTS[str(space[0])]  # [/CalRGB <<…>>]
    return _COMPONENTS.get(str(space)) if space is not None else None


def _dark_is_one(xobject) -> bool:
    """Whether a 1-bit image's sample 1 is dark: an image whose decode array is [1 0]
    (a stencil mask's 0 paints, as a grey image's 0 is black)."""
    decode = xobject.get("/Decode")
    decode = decode.get_object() if decode is not None else None
    return bool(decode) and float(decode[0]) == 1.0


def _kind(xobject) -> str:
    filters = _filters(xobject)
    return (", ".join(f.lstrip("/") for f in filters) or "uncompressed") + \
        f", {str(xobject.get('/ColorSpace', 'no colour space')).lstrip('/')}"
