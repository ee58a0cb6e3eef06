"""Importing answers collected elsewhere into a survey: upload a CSV/XLSX export, check the column-to-question
mapping suggested from the column names, import; the rejected rows are listed with their file line and reason."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from fastapi import APIRouter, File, Request, UploadFile
from sqlalchemy.orm import Session

from ...core.errors import InvalidInput
from ...core.settings import get_settings
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.templating import render
from .. import service
from ..service import imports
from .base import Writer, shop_ids

_UPLOAD = re.compile(r"^survey-[0-9a-f]{32}\.(csv|xlsx|txt)$")


def _folder() -> Path:
    folder = get_settings().data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(upload: UploadFile) -> str:
    """The upload stored as data_dir/uploads/survey-<random>.<csv|xlsx>; its name for the next step."""
    suffix = Path(upload.filename or "").suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx", "txt"):
        raise InvalidInput("import_file_type", "file: choose a .csv or .xlsx file", field="file")
    data = upload.file.read((get_settings().max_upload_mb << 20) + 1)
    if not data:
        raise InvalidInput("file_empty", "file: the file is empty or none was chosen", field="file")
    if len(data) > get_settings().max_upload_mb << 20:
        raise InvalidInput("file_too_large", f"file: larger than {get_settings().max_upload_mb} MB", field="file",
                           values={"mb": get_settings().max_upload_mb})
    name = f"survey-{uuid.uuid4().hex}.{suffix}"
    (_folder() / name).write_bytes(data)
    return name


def upload_path(name: str) -> Path:
    path = _folder() / name
    if not _UPLOAD.match(name or "") or not path.is_file():
        raise InvalidInput("import_upload_gone", "file: the uploaded file is no longer here; upload it again",
                           field="file")
    return path


def targets(version) -> list[tuple[str, str]]:
    """(form field, label) a column can be mapped to: the respondent, time and customer, then each question's."""
    out = [("@respondent", "surveys.import_respondent"), ("@submitted", "surveys.import_submitted"),
           ("@customer", "surveys.import_customer")]
    for q in version.questions["questions"] if version else []:
        key = q["key"]
        if q["type"] == "servqual":
            out += [(f"{key}.e", f"{key} · E"), (f"{key}.p", f"{key} · P")]
        elif q["type"] == "matrix":
            out += [(f"{key}.{r['key']}", f"{key} · {r['key']}") for r in q["rows"]]
        elif q["type"] == "multiple":
            out += [(key, key)] + [(f"{key}={o['key']}", f"{key} = {o['key']}") for o in q["options"]]
        else:
            out.append((key, key))
    return out


router = APIRouter()


@router.get("/surveys/{survey_id}/import")
def surveys_import_page(request: Request, survey_id: RowId, viewer: Viewer = Writer, session: Session = PageSession):
    """The upload form."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    return render(request, "surveys/import.html", {"survey": survey, "step": "upload"}, viewer=viewer)


@router.post("/surveys/{survey_id}/import")
def surveys_import_upload(request: Request, survey_id: RowId, file: UploadFile = File(...), viewer: Viewer = Writer,
                          session: Session = PageSession):
    """Read the file's columns and suggest the mapping."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    version = service.published(session, survey)
    if version is None:
        raise InvalidInput("survey_not_published", "publish the survey before importing answers")
    name = keep_upload(file)
    sheet = imports.read_sheet(upload_path(name))
    return render(request, "surveys/import.html", {
        "survey": survey, "step": "map", "upload": name, "sheet": sheet, "targets": targets(version),
        "mapping": imports.suggest_mapping(version, sheet), "rows": imports.count_rows(upload_path(name))},
        viewer=viewer)


@router.post("/surveys/{survey_id}/import/run")
async def surveys_import_run(request: Request, survey_id: RowId, viewer: Viewer = Writer,
                             session: Session = PageSession):
    """Import with the chosen mapping (`col<i>` = target of the i-th column); the rejects are listed."""
    form = await request.form()
    survey = service.get_survey(session, shop_ids(session), survey_id)
    path = upload_path(str(form.get("upload") or ""))
    sheet = imports.read_sheet(path)
    mapping = {c: str(form.get(f"col{i}") or "") for i, c in enumerate(sheet.columns)}
    outcome = imports.import_answers(session, survey, path, mapping, wave=str(form.get("wave") or "").strip(),
                                     locale=viewer.locale, actor=viewer.actor)
    path.unlink(missing_ok=True)
    return render(request, "surveys/import.html", {"survey": survey, "step": "done", "outcome": outcome},
                  viewer=viewer)
