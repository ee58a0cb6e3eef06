"""Surveys as use cases, by folder: `surveys` (presets, drafts, publishing), `links` (personal links and the
buyer's answers through them), `results` (measures, waves, responses, SERVQUAL, a customer's answers) and
`model` (the ECSI path model). This module re-exports what the faces and other domains call."""

from ...core.errors import Conflict, InvalidInput, TooManyRequests
from . import imports
from .analysis import SEGMENTS, IpaOutcome, Linked, headline_key, ipa_for, linked_answers, segments
from .builder import (
                    DIMENSIONS,
                    EDITABLE,
                    SCALE_NAMES,
                    SHOW_IF_TARGETS,
                    draft_questions,
                    edit_draft,
                    show_if_text,
)
from .dashboard import ResponseFilter, WaveIndex, charts, filtered_responses, index_by_wave, servqual_means, wave_names
from .followups import FOLLOWUP_HOURS, close_followup, follow_up, followups, promoters
from .links import LINK_DAYS, IssuedLink, LinkRefused, answer, answers_of, invite, open_link, response_for, token_hash
from .model import ECSI_BLOCKS, ECSI_PATHS, MIN_MODEL_ROWS, ModelOutcome, ecsi_model
from .public import (
                    PUBLIC_PER_HOUR,
                    address_hash,
                    answer_public,
                    answered_version,
                    close_public_link,
                    open_public_link,
                    public_survey,
)
from .results import (
                    HEADLINE,
                    ClosedTicket,
                    TicketCsat,
                    WaveChange,
                    customer_answers,
                    customer_names,
                    headline_measures,
                    list_surveys,
                    responses,
                    servqual_gaps,
                    ticket_csat,
                    wave_changes,
)
from .surveys import create_from_preset, get_survey, latest_draft, publish, published, save_draft, versions

__all__ = ["ClosedTicket", "Conflict", "DIMENSIONS", "ECSI_BLOCKS", "ECSI_PATHS", "EDITABLE", "FOLLOWUP_HOURS",
           "HEADLINE", "InvalidInput", "IpaOutcome", "IssuedLink", "LINK_DAYS", "LinkRefused", "Linked",
           "MIN_MODEL_ROWS", "ModelOutcome", "PUBLIC_PER_HOUR", "ResponseFilter", "SCALE_NAMES", "SEGMENTS",
           "SHOW_IF_TARGETS", "TicketCsat", "TooManyRequests", "WaveChange", "WaveIndex", "address_hash", "answer",
           "answer_public", "answered_version", "answers_of", "charts", "close_followup", "close_public_link",
           "create_from_preset", "customer_answers", "customer_names", "draft_questions", "ecsi_model", "edit_draft",
           "filtered_responses", "follow_up", "followups", "get_survey", "headline_key", "headline_measures",
           "imports", "index_by_wave", "invite", "ipa_for", "latest_draft", "linked_answers", "list_surveys",
           "open_link", "open_public_link", "promoters", "public_survey", "publish", "published", "response_for",
           "responses", "save_draft", "segments", "servqual_gaps", "servqual_means", "show_if_text", "ticket_csat",
           "token_hash", "versions", "wave_changes", "wave_names"]
