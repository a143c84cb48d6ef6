"""Bytes → text for every file lossadvisor reads: data, stdin, config, rules and saved JSON.

Detection order (first that fits wins), unless the user names the encoding (``--encoding``):

1. a byte-order mark: UTF-8 (``utf-8-sig``), UTF-16 or UTF-32;
2. valid UTF-8;
3. UTF-16 without a BOM, told by its NUL-byte pattern (every other byte NUL in ASCII-heavy text);
4. Windows-1252, the common Western single-byte encoding (a superset of Latin-1's printable characters);
5. Latin-1 (ISO-8859-1), which decodes the five bytes Windows-1252 leaves undefined.

Other encodings (Windows-1251, Shift-JIS, …) need ``--encoding``. We measured charset-normalizer
3.5 as the detector first: on short label columns it guessed cp1250 for Latin-1 "crème" (read as
"crčme"), cp1250 for Windows-1251 Russian and cp949 for Shift-JIS, so a fixed Western fallback that
says what it did is the more honest default. Bytes with NUL characters that are not UTF-16 are
refused as binary. Compressed files (.gz, .bz2, .xz, .zst) are decompressed here too, and a corrupt
one is "not a valid xz file", not a decoder exception.
"""

from __future__ import annotations

import codecs
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lossadvisor.errors import LoadError

SNIFF_BYTES = 1 << 20  # detection reads the first MiB: enough to see the characters, cheap on huge files
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE starts like UTF-16 LE
LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with a byte-order mark", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE",
          "utf-16-be": "UTF-16 BE", "utf-32": "UTF-32", "cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO-8859-1)"}
FALLBACKS = ("cp1252", "latin-1")


@dataclass(frozen=True)
class DecodedText:
    """A file's text and the encoding it was read with (a Python codec name)."""

    text: str
    encoding: str


def describe_encoding(encoding: str) -> str:
    """A reader's name for a codec: 'Windows-1252' for cp1252."""
    return LABELS.get(encoding, encoding)


def is_utf8(encoding: str) -> bool:
    """True for plain UTF-8 and UTF-8 with a BOM (nothing to tell the user)."""
    return encoding in ("utf-8", "utf-8-sig")


def check_encoding_name(encoding: str) -> str:
    """A user-given encoding, checked to be a text codec Python knows ('latin1' → 'latin-1' style names kept)."""
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        raise LoadError(f"unknown --encoding '{encoding}' (e.g. utf-8, cp1252, latin-1, utf-16, cp1251, shift_jis)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise LoadError(f"--encoding '{encoding}' is not a text encoding")
    return encoding


def compression_of(path: Path) -> str | None:
    """The compression named by the file's last suffix, or None."""
    return COMPRESSIONS.get(path.suffix.lower())


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when its suffix names a compression."""
    import bz2  # the decompressors load only when a compressed file is read
    import gzip
    import lzma

    kind = compression_of(path)
    if kind == "gzip":
        return gzip.open(path, "rb")
    if kind == "bz2":
        return bz2.open(path, "rb")
    if kind == "xz":
        return lzma.open(path, "rb")
    if kind == "zstd":
        try:
            import zstandard
        except ImportError:
            raise LoadError(f"reading {path.name} needs the zstandard package: pip install zstandard") from None
        return zstandard.open(path, "rb")
    return open(path, "rb")


def compression_error(exc: BaseException) -> bool:
    """Whether an exception is a decompressor's complaint about corrupt input."""
    import gzip
    import lzma
    import zlib

    return isinstance(exc, (lzma.LZMAError, zlib.error, EOFError, gzip.BadGzipFile)) or \
        type(exc).__name__ == "ZstdError" or (isinstance(exc, OSError) and "data stream" in str(exc))


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """Up to ``limit`` bytes of the (decompressed) file; a corrupt archive is a LoadError."""
    try:
        with open_binary(path) as handle:
            return handle.read() if limit is None else handle.read(limit)
    except LoadError:
        raise
    except Exception as exc:
        if compression_of(path) and compression_error(exc):
            raise LoadError(f"{path} is not a valid {compression_of(path)} file ({_first_line(exc)})") from None
        if isinstance(exc, OSError):
            raise LoadError(f"cannot read {path}: {exc.strerror or exc}") from None
        raise


def detect_encoding(data: bytes, name: str, complete: bool = True) -> str:
    """The encoding of ``data`` by the order in the module docstring; binary data is a LoadError.

    ``complete`` is False for a sample cut from a longer file (its last character may be cut short).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise LoadError(f"{name} is binary data, not text (it holds NUL bytes); "
                        "expected CSV, TSV or JSON Lines text (or pass --encoding)")
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE/BE told by NULs in every other byte (ASCII-heavy text such as a CSV header)."""
    sample = data[: 1 << 16]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    for encoding, mostly, rarely in (("utf-16-le", odd_nul, even_nul), ("utf-16-be", even_nul, odd_nul)):
        if mostly > 0.5 and rarely < 0.05:
            try:
                sample.decode(encoding)
                return encoding
            except UnicodeDecodeError:
                return None
    return None


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> DecodedText:
    """Decode ``data`` with the given encoding, else the detected one."""
    if encoding is not None:
        check_encoding_name(encoding)
        try:
            return DecodedText(data.decode(encoding), encoding)
        except UnicodeDecodeError as exc:
            raise LoadError(f"{name} is not valid {encoding} text (byte {data[exc.start]:#04x} at position "
                            f"{exc.start}); check --encoding") from None
    detected = detect_encoding(data, name)
    try:
        return DecodedText(data.decode(detected), detected)
    except UnicodeDecodeError as exc:  # a UTF-16 guess from the pattern that fails further on
        raise LoadError(f"{name} is not valid {describe_encoding(detected)} text (position {exc.start}); "
                        "pass --encoding") from None


def read_text_file(path: str | Path, encoding: str | None = None) -> DecodedText:
    """A whole (possibly compressed) text file, decoded; missing or unreadable files are LoadErrors."""
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"file not found: {path}")
    return decode_bytes(read_bytes(path), str(path), encoding)


def read_stdin_text(encoding: str | None = None) -> DecodedText:
    """Standard input as text, decoded like a file."""
    stream = getattr(sys.stdin, "buffer", None)
    data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    return decode_bytes(data, "<stdin>", encoding)


def sniff_file_encoding(path: Path) -> str:
    """The encoding of a (possibly compressed) data file, from its first MiB."""
    head = read_bytes(path, SNIFF_BYTES + 1)
    return detect_encoding(head[:SNIFF_BYTES], str(path), complete=len(head) <= SNIFF_BYTES)


def encodings_to_try(first: str) -> tuple[str, ...]:
    """The detected encoding, then the fallbacks for bytes further on that it cannot decode."""
    if first in ("utf-8", "utf-8-sig", "cp1252"):
        return (first, *[e for e in FALLBACKS if e != first])
    return (first,)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
