"""Surveys as use cases: make a survey from a shipped preset, publish a version, issue personal links for a list
of customers, take a buyer's (partial or final) answers through a link, and read the results.

A personal link's token is base64url("<invitation id>.<expiry>") + "." + HMAC-SHA256 under the site's secret
with a purpose prefix; the invitation stores only the token's SHA-256, so the link is single-use (the
invitation is answered once) and a forged, altered or expired token is refused before any row is read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import clock
from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.security import hmac_sha256_hex, signature_matches
from ..core.settings import get_settings
from ..customers.models import Customer, CustomerIdentity
from ..staff.service import Actor, audit
from . import rules
from .presets import PRESETS, preset
from .questions import SCALES, parse_answers, validate_questions
from .tables import CHANNELS, Answer, Invitation, Response, Survey, SurveyVersion

LINK_DAYS = 30
_PURPOSE = b"shopcx.survey-link.v1:"
_MAX_TOKEN = 200
HEADLINE = ("csat", "nps", "ces", "enps")
_MEASURES = {"csat": rules.csat, "nps": rules.nps, "enps": rules.nps, "ces": rules.ces}
_COMPARE = {"csat": rules.compare_csat, "nps": rules.compare_nps, "enps": rules.compare_nps, "ces": rules.compare_ces}


class LinkRefused(NotFound):
    """A survey link that was forged, altered, has expired or was already answered."""


# ------------------------------------------------------------------------------------------------- surveys


def create_from_preset(session: Session, shop_id: int, preset_code: str, *, code: str | None = None,
                       actor: Actor) -> Survey:
    """A new survey with version 1 (a draft) holding a shipped preset's questions."""
    if preset_code not in PRESETS:
        raise InvalidInput("unknown_preset", f"template: {preset_code!r} is not one of {', '.join(PRESETS)}",
                           field="template")
    kind, zh, en, anonymous, doc = preset(preset_code)
    code = (code or preset_code).strip().lower()
    if session.scalar(select(Survey.id).where(Survey.shop_id == shop_id, Survey.code == code)):
        raise Conflict("survey_exists", f"code: this shop already has a survey {code}", field="code")
    now = clock.now()
    survey = Survey(shop_id=shop_id, code=code, kind=kind, name_zh=zh, name_en=en, anonymous=anonymous,
                    created_at=now, updated_at=now)
    session.add(survey)
    session.flush()
    session.add(SurveyVersion(survey_id=survey.id, version=1, status="draft", questions=doc, template=preset_code,
                              created_at=now, created_by=actor.label))
    audit(session, actor, "survey.create", "survey", survey.id, {"template": preset_code})
    session.flush()
    return survey


def get_survey(session: Session, shop_ids, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or survey.shop_id not in shop_ids:
        raise NotFound("survey_not_found", "this survey does not exist")
    return survey


def versions(session: Session, survey: Survey) -> list[SurveyVersion]:
    return list(session.scalars(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
                                .order_by(SurveyVersion.version)))


def latest_draft(session: Session, survey: Survey) -> SurveyVersion | None:
    return next((v for v in reversed(versions(session, survey)) if v.status == "draft"), None)


def published(session: Session, survey: Survey) -> SurveyVersion | None:
    if survey.published_version is None:
        return None
    return session.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == survey.id,
                                                      SurveyVersion.version == survey.published_version))


def save_draft(session: Session, survey: Survey, questions: dict, *, actor: Actor) -> SurveyVersion:
    """The questions of the draft (a new draft after the published version if there is none)."""
    doc = validate_questions(questions)
    draft = latest_draft(session, survey)
    if draft is None:
        last = max((v.version for v in versions(session, survey)), default=0)
        draft = SurveyVersion(survey_id=survey.id, version=last + 1, status="draft", created_at=clock.now(),
                              created_by=actor.label, questions=doc)
        session.add(draft)
    else:
        draft.questions = doc
    session.flush()
    return draft


def publish(session: Session, survey: Survey, *, actor: Actor) -> SurveyVersion:
    """Publish the draft: it becomes the version new links use; the one before is retired (its links still work)."""
    draft = latest_draft(session, survey)
    if draft is None:
        raise Conflict("nothing_to_publish", "this survey has no draft to publish")
    validate_questions(draft.questions)
    if (old := published(session, survey)) is not None:
        old.status = "retired"
    now = clock.now()
    draft.status, draft.published_at, draft.published_by = "published", now, actor.label
    survey.published_version, survey.updated_at = draft.version, now
    audit(session, actor, "survey.publish", "survey", survey.id, {"version": draft.version})
    session.flush()
    return draft


# --------------------------------------------------------------------------------------------------- links


def _secret() -> str:
    return get_settings().resolved_secret_key()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sign(invitation_id: int, expires: datetime) -> str:
    payload = _b64(f"{invitation_id}.{int(expires.timestamp())}".encode())
    return f"{payload}.{hmac_sha256_hex(_secret(), _PURPOSE + payload.encode())}"


@dataclass(frozen=True)
class IssuedLink:
    customer_id: int
    customer_name: str
    invitation_id: int
    token: str
    expires_at: datetime


def _is_demo(session: Session, customer_id: int) -> bool:
    return bool(session.scalar(select(CustomerIdentity.id).where(CustomerIdentity.customer_id == customer_id,
                                                                 CustomerIdentity.source == "demo")))


def invite(session: Session, survey: Survey, customer_ids: list[int], *, wave: str, channel: str = "chat",
           days: int = LINK_DAYS, actor: Actor) -> tuple[list[IssuedLink], list[tuple[int, str]]]:
    """Personal links to the published version for a list of customers, one per person per wave; returns the
    links and the customers skipped with the reason (unknown, erased, demo, already invited in this wave)."""
    if channel not in CHANNELS:
        raise InvalidInput("invalid_channel", f"channel: {channel!r} is not one of {', '.join(CHANNELS)}",
                           field="channel")
    wave = wave.strip()
    if not wave or len(wave) > 20:
        raise InvalidInput("invalid_wave", "wave: give a name of 1–20 characters, e.g. 2026-12", field="wave")
    if not 1 <= days <= 365:
        raise InvalidInput("invalid_days", "days: a link lives 1–365 days", field="days")
    version = published(session, survey)
    if version is None:
        raise Conflict("survey_not_published", "publish the survey before making links")
    now = clock.now()
    expires = now + timedelta(days=days)
    issued, skipped = [], []
    for cid in dict.fromkeys(customer_ids):
        customer = session.get(Customer, cid)
        if customer is None or customer.erased_at is not None:
            skipped.append((cid, "unknown"))
            continue
        if _is_demo(session, cid):
            skipped.append((cid, "demo"))
            continue
        if session.scalar(select(Invitation.id).where(Invitation.survey_id == survey.id, Invitation.wave == wave,
                                                      Invitation.customer_id == cid)):
            skipped.append((cid, "already_invited"))
            continue
        inv = Invitation(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id, customer_id=cid,
                         channel=channel, token_hash="-" * 64, wave=wave, expires_at=expires, created_at=now)
        session.add(inv)
        session.flush()
        token = _sign(inv.id, expires)
        inv.token_hash = token_hash(token)
        issued.append(IssuedLink(cid, customer.name or customer.nickname or f"#{cid}", inv.id, token, expires))
    audit(session, actor, "survey.invite", "survey", survey.id, {"wave": wave, "links": len(issued)})
    session.flush()
    return issued, skipped


def _refused(code: str, message: str) -> LinkRefused:
    return LinkRefused(code, message)


def open_link(session: Session, token: str) -> Invitation:
    """The invitation a token was issued for; LinkRefused (forged, expired, used) with the reason's code."""
    if not token or len(token) > _MAX_TOKEN or token.count(".") != 1 or not token.isascii():
        raise _refused("survey_link_invalid", "this survey link is not valid")
    payload, signature = token.split(".")
    if not signature_matches(_secret(), _PURPOSE + payload.encode(), signature):
        raise _refused("survey_link_invalid", "this survey link is not valid")
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        inv_text, exp_text = raw.split(".")
        invitation_id, expires = int(inv_text), int(exp_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _refused("survey_link_invalid", "this survey link is not valid") from None
    if clock.now().timestamp() >= expires:
        raise _refused("survey_link_expired", "this survey link has expired")
    inv = session.get(Invitation, invitation_id)
    if inv is None or inv.token_hash != token_hash(token):
        raise _refused("survey_link_invalid", "this survey link is not valid")
    if clock.now() >= clock.as_utc(inv.expires_at):
        raise _refused("survey_link_expired", "this survey link has expired")
    return inv


def response_for(session: Session, inv: Invitation) -> Response | None:
    return session.scalar(select(Response).where(Response.invitation_id == inv.id))


def answers_of(session: Session, response: Response | None) -> dict:
    if response is None:
        return {}
    return {a.question: a.value for a in session.scalars(select(Answer).where(Answer.response_id == response.id))}


def answer(session: Session, inv: Invitation, form: dict, *, locale: str, final: bool) -> Response:
    """Store the buyer's answers: `final` checks every required shown question and closes the link; otherwise
    what is given is kept as a partial answer. A second final submission is refused."""
    survey = session.get(Survey, inv.survey_id)
    version = session.get(SurveyVersion, inv.version_id)
    response = response_for(session, inv)
    if inv.answered_at is not None or (response is not None and not response.partial):
        raise Conflict("survey_already_answered", "this survey was already answered through this link")
    parsed = parse_answers(version.questions, form, complete=final)
    now = clock.now()
    if response is None:
        response = Response(shop_id=inv.shop_id, survey_id=inv.survey_id, version_id=inv.version_id,
                            invitation_id=inv.id, customer_id=None if survey.anonymous else inv.customer_id,
                            order_id=None if survey.anonymous else inv.order_id, wave=inv.wave, locale=locale,
                            partial=True, anonymous=survey.anonymous, started_at=now, updated_at=now)
        session.add(response)
        session.flush()
    stored = {a.question: a for a in session.scalars(select(Answer).where(Answer.response_id == response.id))}
    for key, (value, score) in parsed.items():
        if key in stored:
            stored[key].value, stored[key].score = value, score
        else:
            session.add(Answer(response_id=response.id, question=key, value=value, score=score))
    if final:
        # what the buyer cleared or what show-if now hides is not part of the final answer
        for key, row in stored.items():
            if key not in parsed:
                session.delete(row)
        response.partial, response.submitted_at = False, now
        inv.answered_at = now
    response.updated_at, response.locale = now, locale
    session.flush()
    return response


# ------------------------------------------------------------------------------------------------- results


def list_surveys(session: Session, shop_ids) -> list[tuple[Survey, int]]:
    counts = dict(session.execute(select(Response.survey_id, func.count(Response.id))
                                  .where(Response.partial.is_(False)).group_by(Response.survey_id)).all())
    rows = session.scalars(select(Survey).where(Survey.shop_id.in_(shop_ids)).order_by(Survey.created_at.desc(),
                                                                                        Survey.id.desc()))
    return [(s, counts.get(s.id, 0)) for s in rows]


def _headline_scores(session: Session, survey: Survey) -> dict[str, list[tuple[str | None, int]]]:
    """(wave, score) of the submitted answers to each headline question whose scale is its measure's own."""
    out: dict[str, list[tuple[str | None, int]]] = {}
    for key, fn in _MEASURES.items():
        if not _scale_fits(session, survey, key, fn):
            continue
        rows = session.execute(
            select(Response.wave, Answer.score).join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question == key,
                   Answer.score.is_not(None)).order_by(Response.submitted_at, Response.id)).all()
        if rows:
            out[key] = [(wave, int(score)) for wave, score in rows]
    return out


def headline_measures(session: Session, survey: Survey) -> dict[str, rules.Measure]:
    """CSAT, NPS and CES (with their intervals) of the submitted answers to the survey's main questions."""
    return {key: _MEASURES[key]([s for _, s in rows]) for key, rows in _headline_scores(session, survey).items()}


@dataclass(frozen=True)
class WaveChange:
    before: str
    after: str
    change: rules.Change


def wave_changes(session: Session, survey: Survey) -> dict[str, WaveChange]:
    """Each headline measure's change from the second-latest wave to the latest, with its significance test
    (waves in the order they were first answered; at least 2 answers in each)."""
    out: dict[str, WaveChange] = {}
    for key, rows in _headline_scores(session, survey).items():
        waves: dict[str, list[int]] = {}
        for wave, score in rows:
            if wave:
                waves.setdefault(wave, []).append(score)
        usable = [w for w, scores in waves.items() if len(scores) >= 2]
        if len(usable) < 2:
            continue
        before, after = usable[-2], usable[-1]
        out[key] = WaveChange(before, after, _COMPARE[key](waves[before], waves[after]))
    return out


def _scale_fits(session: Session, survey: Survey, key: str, fn) -> bool:
    """The measure's own scale (CSAT 1–5, NPS 0–10, CES 1–7) is the question's in the published version."""
    version = published(session, survey)
    want = {rules.csat: "1-5", rules.nps: "0-10", rules.ces: "1-7"}[fn]
    q = next((q for q in (version.questions["questions"] if version else []) if q["key"] == key), None)
    return q is not None and q.get("scale") == want and want in SCALES


def responses(session: Session, survey: Survey, *, limit: int = 50, offset: int = 0) -> tuple[list[Response], int]:
    base = select(Response).where(Response.survey_id == survey.id)
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = session.scalars(base.order_by(Response.updated_at.desc(), Response.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def servqual_gaps(session: Session, survey: Survey) -> rules.Servqual | None:
    """SERVQUAL gaps (perception − expectation) of the submitted answers, per item, dimension and overall, and
    weighted by the importance the respondents stated in the `importance` matrix (its mean per dimension)."""
    version = published(session, survey)
    if version is None:
        return None
    questions = version.questions["questions"]
    dimension_of = {q["key"]: q["dimension"] for q in questions if q["type"] == "servqual"}
    if not dimension_of:
        return None
    rows = session.execute(select(Answer.question, Answer.value).join(Response, Response.id == Answer.response_id)
                           .where(Response.survey_id == survey.id, Response.partial.is_(False),
                                  Answer.question.in_([*dimension_of, "importance"]))).all()
    pairs: dict[str, list[tuple[int, int]]] = {}
    stated: dict[str, list[int]] = {}
    for key, value in rows:
        if key == "importance" and isinstance(value, dict):
            for dim, rating in value.items():
                stated.setdefault(dim, []).append(int(rating))
        elif isinstance(value, dict) and "expectation" in value:
            pairs.setdefault(key, []).append((int(value["expectation"]), int(value["perception"])))
    if not pairs:
        return None
    importance = {d: sum(v) / len(v) for d, v in stated.items()} or None
    return rules.servqual(pairs, dimension_of, importance=importance)



def customer_answers(session: Session, customer_id: int, limit: int = 20) -> list[dict]:
    """A customer's responses (submitted and partial; anonymous ones are never tied to a person), latest first,
    with the survey and the scores of its headline questions."""
    found = session.execute(select(Response, Survey).join(Survey, Survey.id == Response.survey_id)
                            .where(Response.customer_id == customer_id, Response.anonymous.is_(False))
                            .order_by(Response.updated_at.desc(), Response.id.desc()).limit(limit)).all()
    out = []
    for response, survey in found:
        scores = dict(session.execute(select(Answer.question, Answer.score)
                                      .where(Answer.response_id == response.id, Answer.question.in_(HEADLINE))).all())
        out.append({"response": response, "survey": survey,
                    "scores": {k: int(v) for k, v in scores.items() if v is not None}})
    return out


# The ECSI structural model of the shipped questionnaire (presets.ECSI): blocks by item prefix, Mode A, centroid
# scheme, centred only, as the ECSI reference results of R plspm; COMP (complaints) is left out when unanswered.
ECSI_BLOCKS = ("imag", "expe", "qual", "val", "sat", "comp", "loy")
ECSI_PATHS = (("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"), ("EXPE", "SAT"),
              ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "COMP"), ("SAT", "LOY"), ("COMP", "LOY"))
MIN_MODEL_ROWS = 30


@dataclass(frozen=True)
class ModelOutcome:
    """The PLS estimate of a survey's answers, or why there is none (an InvalidInput to show)."""

    result: object | None
    problem: InvalidInput | None
    rows: int


def ecsi_model(session: Session, survey: Survey) -> ModelOutcome | None:
    """The ECSI model estimated by PLS path modelling on the submitted answers (complete rows only), with the
    satisfaction index (0–100) on the questions' scale. None for a survey that is not ECSI-shaped."""
    from .models import pls

    version = published(session, survey)
    if version is None:
        return None
    questions = {q["key"]: q for q in version.questions["questions"] if q["type"] == "rating"}
    blocks = {b.upper(): sorted((k for k in questions if re.fullmatch(rf"{b}\d+", k)), key=lambda k: int(k[len(b):]))
              for b in ECSI_BLOCKS}
    if not all(blocks[b] for b in ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY")):
        return None
    items = [i for b in blocks.values() for i in b]
    by_response: dict[int, dict[str, float]] = {}
    for rid, key, score in session.execute(
            select(Answer.response_id, Answer.question, Answer.score).join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question.in_(items))):
        if score is not None:
            by_response.setdefault(rid, {})[key] = score
    answered = {b: keys for b, keys in blocks.items()
                if keys and sum(all(k in r for k in keys) for r in by_response.values()) >= MIN_MODEL_ROWS}
    if "COMP" in blocks and "COMP" not in answered:
        blocks.pop("COMP")
    complete = [r for r in by_response.values() if all(k in r for b in blocks.values() for k in b)]
    if len(complete) < MIN_MODEL_ROWS:
        return ModelOutcome(None, InvalidInput("too_few_model_answers", f"{len(complete)} complete answers; the model "
                                               f"needs at least {MIN_MODEL_ROWS}",
                                               values={"n": len(complete), "min": MIN_MODEL_ROWS}), len(complete))
    spec = {"blocks": {b: {"items": keys, "mode": "A"} for b, keys in blocks.items()},
            "paths": [list(p) for p in ECSI_PATHS if p[0] in blocks and p[1] in blocks],
            "scheme": "centroid", "scaled": False, "index": "SAT",
            "scale": list(SCALES[questions[blocks["SAT"][0]]["scale"]])}
    data = {k: [r[k] for r in complete] for b in blocks.values() for k in b}
    try:
        return ModelOutcome(pls.estimate(data, spec), None, len(complete))
    except InvalidInput as exc:
        return ModelOutcome(None, exc, len(complete))


def customer_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Names (or nicknames) of customers for a list of responses."""
    if not ids:
        return {}
    rows = session.execute(select(Customer.id, Customer.name, Customer.nickname).where(Customer.id.in_(ids)))
    return {i: name or nick or f"#{i}" for i, name, nick in rows}
