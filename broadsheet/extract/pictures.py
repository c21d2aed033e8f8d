"""Lead pictures: fetched bytes checked to be an image, then resized into a few widths as WebP
(JPEG where this Pillow has no WebP). Pure: bytes in, resized copies out."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError, features

from broadsheet.errors import ExtractError

WIDTHS = (160, 320, 640)  # what cards (about 160-320 px) and a story page (up to 640 px) show
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
QUALITY = 78


@dataclass(frozen=True)
class Resized:
    """One stored copy of a picture."""

    width: int
    height: int
    mime: str
    data: bytes


@dataclass(frozen=True)
class Picture:
    """A picture read from a publisher, in every width it was large enough for."""

    width: int
    height: int
    copies: list[Resized]


def output_format() -> tuple[str, str]:
    """(Pillow format, MIME type) of stored copies: WebP when this Pillow can write it."""
    return ("WEBP", "image/webp") if features.check("webp") else ("JPEG", "image/jpeg")


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ExtractError(f"pictures: {image.width}x{image.height} pixels is too large to resize")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ExtractError(f"pictures: not an image this site can read ({exc})") from exc
    return image


def _flat(image: Image.Image) -> Image.Image:
    """RGB, transparent parts on white (JPEG has no alpha; a card's background is light)."""
    image = image.convert("RGBA") if image.mode in ("P", "LA", "PA") else image
    if image.mode == "RGBA":
        ground = Image.new("RGB", image.size, (255, 255, 255))
        ground.paste(image, mask=image.getchannel("A"))
        return ground
    return image.convert("RGB")


def resize_picture(data: bytes, widths: tuple[int, ...] = WIDTHS) -> Picture:
    """Copies of an image at each width it reaches (the smallest one even when it is smaller)."""
    image = _flat(_open(data))
    image.info.clear()  # no EXIF (location, camera) passes from a publisher to readers
    fmt, mime = output_format()
    copies: list[Resized] = []
    for width in sorted(widths):
        if copies and width > image.width:
            break
        target = min(width, image.width)
        height = max(1, round(image.height * target / image.width))
        copy = image.resize((target, height), Image.Resampling.LANCZOS) if target != image.width else image
        out = io.BytesIO()
        copy.save(out, fmt, quality=QUALITY)
        copies.append(Resized(target, height, mime, out.getvalue()))
    return Picture(image.width, image.height, copies)
