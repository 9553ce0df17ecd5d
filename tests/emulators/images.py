"""Generated test images: tiny PNGs built with zlib and struct, no third-party photos.

An image's harm, as the Content Safety emulator scores it, is written into the
PNG itself as a ``tEXt`` chunk (``ftgate-emulator`` = ``Violence=6``), so a
test says what an image is meant to be and the emulator reads the same thing.
"""

from __future__ import annotations

import base64
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HARM_KEY = b"ftgate-emulator"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (0, 128, 255),
        harm: dict[str, int] | None = None) -> bytes:  # fmt: skip
    """A valid RGB PNG of one colour; ``harm`` maps categories to the emulator's severity."""
    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    if harm:
        text = ",".join(f"{category}={severity}" for category, severity in harm.items())
        chunks.append(_chunk(b"tEXt", HARM_KEY + b"\x00" + text.encode()))
    chunks += [_chunk(b"IDAT", zlib.compress(row * height)), _chunk(b"IEND", b"")]
    return PNG_SIGNATURE + b"".join(chunks)


def data_url(image: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(image).decode()}"


def harm_of(image: bytes) -> dict[str, int] | None:
    """The harm written into a PNG by :func:`png`; None if ``image`` is not a PNG."""
    if not image.startswith(PNG_SIGNATURE):
        return None
    harm: dict[str, int] = {}
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(image):
        (length,) = struct.unpack(">I", image[offset : offset + 4])
        kind = image[offset + 4 : offset + 8]
        data = image[offset + 8 : offset + 8 + length]
        if kind == b"tEXt" and data.startswith(HARM_KEY + b"\x00"):
            for pair in data[len(HARM_KEY) + 1 :].decode().split(","):
                category, _, severity = pair.partition("=")
                harm[category] = int(severity)
        offset += 12 + length
    return harm
