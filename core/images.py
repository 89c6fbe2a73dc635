"""Photos attached to patrol findings and work orders: is it really an image (by its
magic bytes, not its file name), and its content hash. Pure: bytes in, facts out."""
from __future__ import annotations

import hashlib

from core.incidents import FieldError

# Leading bytes of the formats field cameras and phones produce.
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(data: bytes) -> str | None:
    """The image MIME type the bytes start with, or None."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_photo_size(size: int, max_bytes: int, name: str = "photo") -> None:
    """The size limit alone: a file picked in the window is checked before it is read."""
    if size > max_bytes:
        raise FieldError(name, f"{size} bytes is over the limit of {max_bytes} bytes")


def check_photo(data: bytes, max_bytes: int, name: str = "photo") -> tuple[str, str]:
    """(sha256, mime) of an acceptable photo; FieldError naming ``name`` otherwise."""
    check_photo_size(len(data), max_bytes, name)
    mime = sniff_image(data)
    if mime is None:
        raise FieldError(name, "is not an image (JPEG, PNG, GIF or WebP by its content)")
    return content_hash(data), mime
