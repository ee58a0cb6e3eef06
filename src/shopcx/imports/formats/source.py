"""An export file as rows of text, each with the file line number it starts on (header = line 1).

Reads CSV, gzip CSV, a .zip holding one CSV (detected by content, not by name) and XLSX (openpyxl
read-only, first sheet). Text is UTF-8 (with or without BOM), UTF-16 (with BOM), GB18030 (what Taobao/Excel
on Chinese Windows write), Shift-JIS, Big5 or Latin-1; the encoding is detected from the first megabyte
(charset-normalizer between the legacy ones) and a file that reads as none of them is refused, never
garbled. A line that does not decode is passed on with the undecodable bytes replaced and a problem saying
so, so the format can reject it (and its order) by id.

Compressed input is bounded (settings: import_max_expanded_mb, import_max_rows): a zip bomb is refused with
its size, not expanded into memory.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

from ..errors import ImportFileError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
BLOCK = 1 << 20
ENCODING_LABEL = {"utf-8": "UTF-8", "gb18030": "GB18030", "utf-16": "UTF-16", "shift_jis": "Shift-JIS",
                  "big5": "Big5", "latin-1": "Latin-1"}
# The legacy encodings charset-normalizer chooses between when the text is not UTF-8 (names as Python has them).
LEGACY = {"gb18030": "gb18030", "shift_jis": "shift_jis", "cp932": "shift_jis", "big5": "big5",
          "big5hkscs": "big5", "cp950": "big5", "latin_1": "latin-1", "cp1252": "latin-1", "iso8859_15": "latin-1"}
FIELD_LIMIT = csv.field_size_limit()  # 131,072 characters: no export holds a longer cell

Row = tuple[int, list[str], str | None]  # (line_no, fields, problem)


def sniff(path: Path) -> str:
    """'csv', 'gzip', 'zip' (one CSV inside) or 'xlsx' from the file's first bytes."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ImportFileError("file_unreadable", f"file: cannot read {path.name} ({exc.strerror})",
                              field="file") from None
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFileError("not_xlsx", f"file: {path.name} is not a readable .xlsx workbook (not a valid xlsx: "
                              "an .xlsx is a zip archive and this file is not one) / 不是有效的 .xlsx 工作簿",
                              field="file")
    if head.startswith(OLE_MAGIC):
        raise ImportFileError("xls_unsupported", "file: old Excel .xls files cannot be read; save it as .xlsx or "
                              "CSV UTF-8", field="file")
    return "csv"


def expanded_limit_mb() -> int:
    from ...core.settings import get_settings

    return get_settings().import_max_expanded_mb


def _zip_kind(path: Path) -> str:
    """'xlsx' for a workbook, 'zip' for an archive of one CSV; refuses others and a zip bomb by declared size."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        what = "not a readable .xlsx workbook" if path.suffix.lower() in (".xlsx", ".xlsm") else "a damaged zip archive"
        raise ImportFileError("file_unreadable", f"file: {path.name} is {what} ({exc}) / 文件已损坏或不是有效的 "
                              "xlsx", field="file") from None
    expanded = sum(m.file_size for m in members)
    limit = expanded_limit_mb()
    if expanded > limit * 1_000_000:
        raise ImportFileError("too_large_expanded", f"file: {path.name} expands to {expanded / 1e6:,.0f} MB, more "
                              f"than the {limit:,} MB allowed (SHOPCX_IMPORT_MAX_EXPANDED_MB); split the file / "
                              f"解压后 {expanded / 1e6:,.0f} MB，超过上限 {limit:,} MB", field="file")
    names = {m.filename for m in members}
    if "[Content_Types].xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    texts = [m for m in members if m.filename.lower().endswith((".csv", ".txt", ".tsv"))]
    if len(texts) != 1:
        raise ImportFileError("zip_contents", f"file: {path.name} is a zip archive but neither an .xlsx workbook nor "
                              f"an archive of exactly one CSV (it holds {len(members)} files) / 压缩包里应只有一个 "
                              "CSV 文件", field="file")
    return "zip"


def _utf8_prefix_ok(sample: bytes) -> bool:
    """Whether the sample is UTF-8, allowing a character cut at its end."""
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (BOM or not) or UTF-16 (BOM) by their marks; else 'utf-8' unless most non-ASCII lines fail as
    UTF-8, and then the legacy encoding charset-normalizer finds most coherent, or a refusal."""
    # Legacy double-byte text is almost never valid UTF-8, while UTF-8 Chinese often decodes as (wrong) GB18030,
    # so UTF-8 validity is the first signal: a UTF-8 file with one stray GBK line stays UTF-8, that line rejected.
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF8) or sample.isascii() or _utf8_prefix_ok(sample):
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
    if not utf8_bad > utf8_ok:
        return "utf-8"
    return _legacy_encoding(sample)


def _legacy_encoding(sample: bytes) -> str:
    from charset_normalizer import from_bytes

    candidates = list(dict.fromkeys(("gb18030", "shift_jis", "big5", "cp1252", "latin_1")))
    best = from_bytes(sample, cp_isolation=candidates, preemptive_behaviour=False).best()
    name = LEGACY.get(best.encoding) if best is not None else None
    if name is None or best.chaos > 0.25:
        raise ImportFileError("unknown_encoding", "file: the text is in no encoding ShopCX can read with "
                              "confidence (UTF-8, UTF-16, GB18030, Shift-JIS, Big5, Latin-1); save it as CSV UTF-8 / "
                              "无法识别文件编码，请另存为 CSV UTF-8", field="file")
    return name


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
        from ...core.settings import get_settings

        self.max_rows = get_settings().import_max_rows

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
            self.delimiter = sniff_delimiter(sample.decode("utf-16", "ignore").encode()
                                             if self.encoding == "utf-16" else sample)
        stream = self._open_binary()
        if self.encoding == "utf-16":  # two bytes a character: decoded as a stream, not split on b"\n"
            lines = io.TextIOWrapper(stream, encoding="utf-16", newline="")
            return self._split_rows(lines, stream) if self.delimiter is None else self._csv_rows(lines, stream)
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
        if self.kind == "gzip":
            return _Bounded(gzip.open(self.path, "rb"), self.path.name)
        if self.kind == "zip":
            archive = zipfile.ZipFile(self.path)
            member = next(m for m in archive.infolist() if m.filename.lower().endswith((".csv", ".txt", ".tsv")))
            return _Bounded(archive.open(member), self.path.name)
        return open(self.path, "rb")

    def _counted(self, line_no: int) -> None:
        if line_no > self.max_rows:
            raise ImportFileError("too_many_rows", f"file: {self.path.name} has more than {self.max_rows:,} rows "
                                  "(SHOPCX_IMPORT_MAX_ROWS); split it into smaller files / 行数超过上限",
                                  field="file")

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
                        if start > self.max_rows:
                            self._counted(start)
                        yield start, fields, (self._problem(start, previous) if problems else None)
                    return
                except csv.Error as exc:
                    start, previous = previous + 1, reader.line_num
                    if "field larger than field limit" in str(exc):
                        yield start, [], (f"a field is longer than {FIELD_LIMIT:,} characters (field too large; "
                                          "no export column holds that much) / 字段过长")
                    else:
                        yield start, [], f"cannot be read as CSV ({exc})"
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise self._damaged(exc) from None
        except UnicodeDecodeError as exc:
            raise ImportFileError("file_unreadable", f"file: {self.path.name} is not valid {self.encoding} text "
                                  f"({exc.reason}) / 文件编码有误", field="file") from None
        finally:
            stream.close()

    def _split_rows(self, lines, stream) -> Iterator[Row]:
        problems = self.problems
        try:
            for line_no, line in enumerate(lines, start=1):
                fields = line.split()
                if fields:
                    if line_no > self.max_rows:
                        self._counted(line_no)
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
                if line_no > self.max_rows:
                    self._counted(line_no)
                fields = [cell_text(value) for value in values]
                while fields and not fields[-1]:
                    fields.pop()
                if fields:
                    yield line_no, fields, None
        finally:
            book.close()


class _Bounded:
    """A decompressing stream that refuses to give more than the expanded-size limit (a gzip bomb states no
    size up front)."""

    def __init__(self, stream, name: str):
        self.stream, self.name = stream, name
        self.limit = expanded_limit_mb() * 1_000_000
        self.given = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.given += len(data)
        if self.given > self.limit:
            self.stream.close()
            raise ImportFileError("too_large_expanded", f"file: {self.name} expands to more than "
                                  f"{self.limit // 1_000_000:,} MB (SHOPCX_IMPORT_MAX_EXPANDED_MB); split the file / "
                                  "解压后超过上限", field="file")
        return data

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def readinto(self, buffer) -> int:  # io.TextIOWrapper (UTF-16) reads through this
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    @property
    def closed(self) -> bool:
        return self.stream.closed

    def close(self) -> None:
        self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
