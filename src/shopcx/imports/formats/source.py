"""An export file as rows of text, each with the file line number it starts on (header = line 1).

Reads CSV, gzip CSV (detected by content, not by name) and XLSX (openpyxl read-only, first sheet).
Text files are UTF-8 (with or without BOM) or GB18030 (what Taobao/Excel on Chinese Windows write);
the encoding is detected from the first megabyte. A line that does not decode is passed on with the
undecodable bytes replaced and a problem saying so, so the format can reject it (and its order) by id.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

from ..errors import ImportFileError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
BLOCK = 1 << 20
ENCODING_LABEL = {"utf-8": "UTF-8", "gb18030": "GB18030"}

Row = tuple[int, list[str], str | None]  # (line_no, fields, problem)


def sniff(path: Path) -> str:
    """'csv', 'gzip' or 'xlsx' from the file's first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ImportFileError("file_unreadable", f"file: cannot read {path.name} ({exc.strerror})",
                              field="file") from None
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise ImportFileError("xls_unsupported", "file: old Excel .xls files cannot be read; save it as .xlsx or "
                              "CSV UTF-8", field="file")
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """'utf-8' unless most non-ASCII lines of the sample fail as UTF-8 and read better as GB18030."""
    # GB18030 text is almost never valid UTF-8, while UTF-8 Chinese often decodes as (wrong) GB18030, so
    # UTF-8 validity is the signal: a UTF-8 file with one stray GBK line stays UTF-8 and that line is rejected.
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError("utf16_unsupported", "file: UTF-16 text is not supported; save it as CSV UTF-8",
                              field="file")
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    utf8_ok = utf8_bad = gb_bad = 0
    for line in sample.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_ok += 1
        except UnicodeDecodeError:
            utf8_bad += 1
            try:
                line.decode("gb18030")
            except UnicodeDecodeError:
                gb_bad += 1
    return "gb18030" if utf8_bad > utf8_ok and gb_bad < utf8_bad else "utf-8"


def sniff_delimiter(sample: bytes) -> str:
    """',' unless the header line has no comma but tabs or semicolons (Excel's 'Unicode text', European CSV)."""
    header = sample.split(b"\n", 1)[0]
    if b"," in header or not (b"\t" in header or b";" in header):
        return ","
    return "\t" if header.count(b"\t") >= header.count(b";") else ";"


def cell_text(value) -> str:
    """An XLSX cell as the text a CSV export would hold (no float ever reaches the parsers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 2.55 stays '2.55'.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _readable(line: bytes, encoding: str) -> str:
    """A line that failed to decode, as the reject report shows it: in the other encoding if that works."""
    other = "gb18030" if encoding == "utf-8" else "utf-8"
    try:
        return line.decode(other)
    except UnicodeDecodeError:
        return line.decode(encoding, "replace")


def raw_of(fields: list[str], delimiter: str | None) -> str:
    """A row written back as one line of the file (for the reject report)."""
    if delimiter is None:
        return " ".join(fields)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(fields)
    return out.getvalue()


class Table:
    """The rows of one file. `delimiter=None` splits on runs of whitespace (CDNOW)."""

    def __init__(self, path: Path, delimiter: str | None = ","):
        self.path = Path(path)
        self.delimiter = delimiter
        self.kind = sniff(self.path)
        self.encoding: str | None = None
        self.problems: dict[int, str] = {}

    def rows(self) -> Iterator[Row]:
        """Every non-blank row, header included, as (line_no, fields, problem or None)."""
        if self.kind == "xlsx":
            return self._xlsx_rows()
        self.problems = {}
        try:
            with self._open_binary() as stream:
                sample = stream.read(BLOCK)
        except (OSError, EOFError, zlib.error) as exc:
            raise ImportFileError("file_unreadable", f"file: cannot read {self.path.name} ({exc})",
                                  field="file") from None
        if self.encoding is None:
            self.encoding = detect_encoding(sample[: sample.rfind(b"\n") + 1] or sample)
        if self.delimiter == ",":
            self.delimiter = sniff_delimiter(sample)
        stream = self._open_binary()
        if sample.startswith(codecs.BOM_UTF8):
            stream.read(len(codecs.BOM_UTF8))
        lines = itertools.chain.from_iterable(self._decoded_blocks(stream))
        return self._split_rows(lines, stream) if self.delimiter is None else self._csv_rows(lines, stream)

    def raw_lines(self, wanted: set[int]) -> dict[int, str]:
        """The text of the rows starting on these lines (a second pass, only when rejects need it)."""
        found: dict[int, str] = {}
        if not wanted:
            return found
        rows = self.rows()
        try:
            for line_no, fields, _ in rows:
                if line_no in wanted:
                    found[line_no] = raw_of(fields, self.delimiter)
                    if len(found) == len(wanted):
                        break
        finally:
            rows.close()
        return found

    def _open_binary(self):
        return gzip.open(self.path, "rb") if self.kind == "gzip" else open(self.path, "rb")

    def _damaged(self, exc: Exception) -> ImportFileError:
        return ImportFileError("file_unreadable", f"file: {self.path.name} is damaged ({exc})", field="file")

    def _decoded_blocks(self, stream) -> Iterator[io.StringIO]:
        # Whole blocks decode in one call; only a block with a bad line is decoded line by line.
        encoding = self.encoding
        label = ENCODING_LABEL.get(encoding, encoding)
        before = 0  # physical lines in earlier blocks
        tail = b""
        while True:
            block = stream.read(BLOCK)
            if block:
                block = tail + block
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    tail = block
                    continue
                chunk, tail = block[:cut], block[cut:]
            elif tail:
                chunk, tail = tail, b""
            else:
                return
            try:
                text = chunk.decode(encoding)
            except UnicodeDecodeError:
                pieces = []
                for offset, line in enumerate(chunk.split(b"\n")):
                    try:
                        pieces.append(line.decode(encoding))
                    except UnicodeDecodeError as exc:
                        self.problems[before + offset + 1] = (
                            f"wrong encoding: byte 0x{line[exc.start]:02x} at position {exc.start + 1} is not "
                            f"valid {label} (the rest of the file is {label}; save the file as {label})")
                        pieces.append(_readable(line, encoding))
                text = "\n".join(pieces)
            if "\x00" in text:  # PostgreSQL text cannot hold NUL, and no export means one
                text = text.replace("\x00", "")
            before += chunk.count(b"\n")
            yield io.StringIO(text)

    def _problem(self, start: int, end: int) -> str | None:
        for line_no in range(start, end + 1):
            if line_no in self.problems:
                return self.problems[line_no]
        return None

    def _csv_rows(self, lines, stream) -> Iterator[Row]:
        reader = csv.reader(lines, delimiter=self.delimiter)
        problems = self.problems
        previous = 0
        try:
            while True:
                try:
                    for fields in reader:
                        start, previous = previous + 1, reader.line_num
                        if not fields or (not fields[0] and not any(fields)):
                            continue
                        yield start, fields, (self._problem(start, previous) if problems else None)
                    return
                except csv.Error as exc:
                    start, previous = previous + 1, reader.line_num
                    yield start, [], f"cannot be read as CSV ({exc})"
        except (OSError, EOFError, zlib.error) as exc:
            raise self._damaged(exc) from None
        finally:
            stream.close()

    def _split_rows(self, lines, stream) -> Iterator[Row]:
        problems = self.problems
        try:
            for line_no, line in enumerate(lines, start=1):
                fields = line.split()
                if fields:
                    yield line_no, fields, problems.get(line_no) if problems else None
        except (OSError, EOFError, zlib.error) as exc:
            raise self._damaged(exc) from None
        finally:
            stream.close()

    def _xlsx_rows(self) -> Iterator[Row]:
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
            raise ImportFileError("file_unreadable", f"file: {self.path.name} is not a readable .xlsx workbook "
                                  f"({type(exc).__name__})", field="file") from None
        try:
            sheet = book.worksheets[0]
            for line_no, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                fields = [cell_text(value) for value in values]
                while fields and not fields[-1]:
                    fields.pop()
                if fields:
                    yield line_no, fields, None
        finally:
            book.close()
