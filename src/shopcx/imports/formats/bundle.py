"""Several export files imported as one job: a zip archive of CSV/XLSX files.

A 千牛 export is two files (订单报表 and 宝贝报表). The seller can upload a zip of them, or choose both files at
once on the import page or name both on the command line; the page and the CLI pack several files into one zip
(`pack`), so a job always has one file to keep and to run again.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..errors import ImportFileError
from .source import expanded_limit_mb

MAX_MEMBERS = 20
MAX_UNPACKED = 4 << 30  # bytes; more than any real export pair, less than a zip bomb


def is_bundle(path: Path) -> bool:
    """A zip that is not itself an Excel workbook (which is a zip holding [Content_Types].xml)."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as archive:
            return "[Content_Types].xml" not in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not marked UTF-8: Chinese Windows zips names in GBK
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("gb18030")
    return PurePosixPath(name.replace("\\", "/")).name


def _wanted(info: zipfile.ZipInfo, name: str) -> bool:
    return not info.is_dir() and bool(name) and not name.startswith((".", "__MACOSX")) and \
        "__MACOSX/" not in info.filename


@contextlib.contextmanager
def unpacked(path: Path) -> Iterator[list[Path]]:
    """The archive's files, extracted to a temporary folder (removed afterwards), in name order."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ImportFileError("file_unreadable", f"file: {Path(path).name} is not a readable zip archive ({exc})",
                              field="file") from None
    with archive, tempfile.TemporaryDirectory(prefix="shopcx-bundle-") as folder:
        members = [(info, _member_name(info)) for info in archive.infolist()]
        members = [(info, name) for info, name in members if _wanted(info, name)]
        if not members:
            raise ImportFileError("empty_archive", f"file: {Path(path).name} holds no file", field="file")
        if len(members) > MAX_MEMBERS:
            raise ImportFileError("archive_too_large", f"file: {Path(path).name} holds too many or too large files "
                                  f"(at most {MAX_MEMBERS} files, 4 GB unpacked)", field="file")
        expanded, limit = sum(info.file_size for info, _ in members), expanded_limit_mb()
        if expanded > min(MAX_UNPACKED, limit * 1_000_000):
            raise ImportFileError("too_large_expanded", f"file: {Path(path).name} expands to "
                                  f"{expanded / 1e6:,.0f} MB, more than the {limit:,} MB allowed "
                                  f"(SHOPCX_IMPORT_MAX_EXPANDED_MB); split the file / 解压后 {expanded / 1e6:,.0f} "
                                  f"MB，超过上限 {limit:,} MB", field="file")
        paths: list[Path] = []
        for index, (info, name) in enumerate(sorted(members, key=lambda member: member[1])):
            target = Path(folder) / str(index) / name  # own folder each: two members may share a name
            target.parent.mkdir()
            try:
                with archive.open(info) as source, open(target, "wb") as out:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise ImportFileError("file_unreadable", f"file: {name} in {Path(path).name} is damaged ({exc})",
                                      field="file") from None
            paths.append(target)
        yield paths


def pack(paths: list[Path], target: Path, names: list[str] | None = None) -> Path:
    """Several files as one zip at target (named as the user named them), lightly compressed."""
    used: set[str] = set()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for index, path in enumerate(paths):
            name = PurePosixPath((names[index] if names else "") or Path(path).name).name
            stem, suffix, n = Path(name).stem, Path(name).suffix, 1
            while name in used:
                n += 1
                name = f"{stem}-{n}{suffix}"
            used.add(name)
            archive.write(path, arcname=name)
    return target
