"""Generated customers: who they are, how to reach them, the dates they care about and how they buy."""

from __future__ import annotations

import string
from datetime import date, timedelta

import numpy as np
from lunardate import LunarDate

from . import catalog, season
from .records import Params, Person, Window

SURNAME_P = 1 / np.arange(1, len(catalog.SURNAMES) + 1) ** 0.9
SURNAME_P /= SURNAME_P.sum()
PROVINCE_P = np.array([w for _, _, w, _ in catalog.PROVINCES], dtype=float)
PROVINCE_P /= PROVINCE_P.sum()
# Dirichlet weights over catalog.CATEGORIES (女装, 美妆个护, 家居厨具, 食品零食, 数码配件).
CATEGORY_ALPHA = {"female": (3.0, 2.5, 1.5, 1.5, 0.7), "male": (0.3, 0.6, 1.2, 2.0, 3.0),
                  "unknown": (1.0, 1.0, 1.0, 1.0, 1.0)}
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "145", "147", "150", "151",
                  "152", "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180",
                  "181", "182", "183", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199")
# RFC 2606 reserved domains: demo addresses can never reach a real mailbox.
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
CONSENT_RATES = (("sms", 0.45), ("wechat", 0.35), ("email", 0.30))
SIZES = (("S", 2), ("M", 4), ("L", 3), ("XL", 1))


def _pick(rng: np.random.Generator, options, weights=None):
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        weights = weights / weights.sum()
    return options[int(rng.choice(len(options), p=weights))]


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, n))


def _name(rng: np.random.Generator, gender: str) -> str:
    surname = catalog.SURNAMES[int(rng.choice(len(catalog.SURNAMES), p=SURNAME_P))]
    own = {"female": catalog.GIVEN_FEMALE, "male": catalog.GIVEN_MALE}.get(gender, catalog.GIVEN_EITHER)
    length = 1 + (rng.random() < 0.7)
    chars = [_pick(rng, own if rng.random() < 0.7 else catalog.GIVEN_EITHER) for _ in range(length)]
    return surname + "".join(chars)


def _unique(rng: np.random.Generator, used: set[str], make) -> str:
    while True:
        value = make(rng)
        if value not in used:
            used.add(value)
            return value


def _nick(rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return "tb" + _digits(rng, 10)
    word = _pick(rng, catalog.NICK_WORDS) + ("_" if rng.random() < 0.4 else "")
    return word + _digits(rng, int(rng.integers(2, 5)))


def _email(rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        local = str(int(rng.integers(1, 10))) + _digits(rng, int(rng.integers(5, 10)))  # QQ-number style
    else:
        letters = string.ascii_lowercase
        local = "".join(letters[i] for i in rng.integers(0, 26, int(rng.integers(4, 9)))) + _digits(rng, 2)
    return f"{local}@{_pick(rng, EMAIL_DOMAINS)}"


def _birthday(rng: np.random.Generator, born: date) -> tuple[date | None, tuple[int, int, bool] | None]:
    """~80% give a solar birthday, ~10% a lunar one (older people more often), the rest none."""
    u = rng.random()
    lunar_share = 0.16 if born.year < 1980 else 0.09
    if u < 0.8:
        return born, None
    if u < 0.8 + lunar_share:
        lunar = LunarDate.from_solar_date(born.year, born.month, born.day)
        return None, (lunar.month, lunar.day, bool(lunar.is_leap_month))
    return None, None


def _tags(rng: np.random.Generator, gender: str, age: int) -> list[str]:
    tags = []
    if age <= 22 and rng.random() < 0.8:
        tags.append("学生")
    if gender == "female" and 25 <= age <= 40 and rng.random() < 0.2:
        tags.append("宝妈")
    if 24 <= age <= 35 and "宝妈" not in tags and rng.random() < 0.12:
        tags.append("职场白领")
    return tags


def _random_date(rng: np.random.Generator, first: date, last: date) -> date:
    return first + timedelta(days=int(rng.integers(0, max((last - first).days, 1))))


def make_person(rng: np.random.Generator, created_at, window: Window, params: Params,
                used_nicks: set[str], used_phones: set[str]) -> Person:
    """One customer who joined at created_at."""
    gender = _pick(rng, ("female", "male", "unknown"), (70, 28, 2))
    age = int(np.clip(rng.normal(31, 8), 16, 62))
    born = window.until - timedelta(days=age * 365 + int(rng.integers(0, 365)))
    province, cities, _, remote = catalog.PROVINCES[int(rng.choice(len(catalog.PROVINCES), p=PROVINCE_P))]
    birthday_on, lunar = _birthday(rng, born)
    nick = _unique(rng, used_nicks, _nick)
    phone = _unique(rng, used_phones, lambda g: _pick(g, PHONE_PREFIXES) + _digits(g, 8))
    email = _email(rng) if rng.random() < 0.35 else None
    person = Person(nick=nick, name=_name(rng, gender), gender=gender, phone=phone, email=email,
                    birthday_on=birthday_on, lunar=lunar, province=province, city=_pick(rng, cities),
                    remote=remote, created_at=created_at, tags=_tags(rng, gender, age))
    for channel, rate in CONSENT_RATES:
        if channel != "email" or email:
            person.consents[channel] = bool(rng.random() < rate)
    if 27 <= age <= 55 and rng.random() < 0.12:
        wedding = _random_date(rng, born + timedelta(days=22 * 365), window.until - timedelta(days=60))
        person.anniversaries.append(("wedding", "结婚纪念日", wedding))
    if "宝妈" in person.tags and rng.random() < 0.6:
        child = _random_date(rng, window.until - timedelta(days=12 * 365), window.until - timedelta(days=90))
        person.anniversaries.append(("child_birthday", "宝宝生日", child))

    alpha = np.array(CATEGORY_ALPHA[gender]) * 0.6
    if "宝妈" in person.tags:
        alpha += (0, 0, 1.2, 0.6, 0)
    if "学生" in person.tags:
        alpha += (0, 0, 0, 0.6, 0.6)
    weights = rng.dirichlet(alpha)
    person.category_weights = tuple(float(w) for w in weights)
    favourite = catalog.CATEGORIES[int(np.argmax(weights))]
    person.preferences = {"favourite_category": favourite}
    if gender == "female" and weights[0] > 0.3:
        person.preferences["size"] = _pick(rng, [s for s, _ in SIZES], [w for _, w in SIZES])
    if favourite == "美妆个护" and rng.random() < 0.15:
        person.tags.append("敏感肌")
    elif favourite == "食品零食" and rng.random() < 0.25:
        person.tags.append("吃货")
    elif favourite == "数码配件" and rng.random() < 0.25:
        person.tags.append("数码控")

    person.buyer = bool(rng.random() >= params.prospect_share)
    person.rate = float(rng.gamma(params.r, 1 / params.alpha))
    person.dropout = float(rng.beta(params.a, params.b))
    person.spend_nu = float(rng.gamma(params.q, 1 / params.gamma))
    person.wholesale = bool(person.buyer and rng.random() < params.wholesale_share)
    if person.wholesale:
        person.tags.append("批发")
    return person


def make_people(rng: np.random.Generator, n: int, window: Window, params: Params) -> list[Person]:
    """n customers in the order they joined; joining follows the shop's growth and its festivals."""
    days = np.sort(rng.choice(window.days, size=n, p=season.day_weights(window)))
    moments = sorted(window.moment(int(d), season.second_of_day(rng, window.start + timedelta(days=int(d))))
                     for d in days)
    used_nicks: set[str] = set()
    used_phones: set[str] = set()
    return [make_person(rng, moment, window, params, used_nicks, used_phones) for moment in moments]
