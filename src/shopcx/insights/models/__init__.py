"""Probability models of customer base analysis (BG/NBD, Pareto/NBD, Gamma-Gamma, CLV) as pure functions."""

from shopcx.insights.models import bgnbd, clv, gammagamma, paretonbd, summary
from shopcx.insights.models._fit import Collapsed, collapse
from shopcx.insights.models.bgnbd import BGNBD
from shopcx.insights.models.gammagamma import GammaGamma
from shopcx.insights.models.paretonbd import ParetoNBD
from shopcx.insights.models.summary import Summary, Transactions, summarize

__all__ = [
    "BGNBD", "Collapsed", "GammaGamma", "ParetoNBD", "Summary", "Transactions",
    "bgnbd", "clv", "collapse", "gammagamma", "paretonbd", "summarize", "summary",
]
