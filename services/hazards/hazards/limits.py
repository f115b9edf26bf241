"""The hazards service's limits (qingling.limits): the public enterprise look-up, counted per client
address in its own ``limit_counter`` table — addresses as HMACs, never kept raw."""

from __future__ import annotations

from datetime import timedelta

from hazards.config import Settings
from hazards.database import HazardsModel
from qingling.errors import TooManyRequests
from qingling.limits import Limit, LimitCounterBase


class LimitCounter(LimitCounterBase, HazardsModel, table=True):
    __tablename__ = "limit_counter"


class LookupThrottled(TooManyRequests):
    code, title = "lookup-throttled", "从您的网络查询企业的次数过多，请稍后再查，或直接填写单位名称"


def lookups(settings: Settings) -> Limit:
    window = timedelta(seconds=settings.enterprise_lookup_window_seconds)
    return Limit("enterprise-lookup-address", settings.enterprise_lookups_per_address, window)
