"""The reports service's limits (qingling.limits): receipt guessing, anonymous intake, uploads and
reward claims, counted in its own ``limit_counter`` table — subjects as HMACs, never addresses."""

from __future__ import annotations

from datetime import timedelta

from qingling.errors import TooManyRequests
from qingling.limits import Guessing, Limit, LimitCounterBase
from reports.config import Settings
from reports.database import ReportsModel


class LimitCounter(LimitCounterBase, ReportsModel, table=True):
    __tablename__ = "limit_counter"


class IntakeThrottled(TooManyRequests):
    code, title = "intake-throttled", "从您的网络提交的举报过多，请稍后再提交"


class UploadsThrottled(TooManyRequests):
    code, title = "uploads-throttled", "从您的网络上传的文件过多，请稍后再上传"


def receipt_guessing(settings: Settings) -> Guessing:
    window = timedelta(seconds=settings.receipt_failure_window_seconds)
    delay = timedelta(seconds=settings.receipt_delay_seconds)
    most = timedelta(seconds=settings.receipt_max_delay_seconds)
    return Guessing(
        address=Limit("receipt-address", settings.receipt_failures_per_address, window, delay, most),
        pair=Limit("receipt-code-address", settings.receipt_failures_per_code_and_address, window, delay, most),
        target=Limit("receipt-code", None, timedelta(seconds=settings.receipt_code_window_seconds)),
        slows_at=settings.receipt_code_failures_slow,
        ceiling=settings.receipt_code_failures_ceiling,
    )


def intake(settings: Settings) -> Limit:
    return Limit("intake-address", settings.intakes_per_address, timedelta(seconds=settings.intake_window_seconds))


def uploads(settings: Settings) -> Limit:
    return Limit("upload-address", settings.uploads_per_address, timedelta(seconds=settings.upload_window_seconds))


def claim_mismatches(settings: Settings) -> Limit:
    window = timedelta(seconds=settings.claim_mismatch_window_seconds)
    return Limit("claim-mismatch", settings.claim_mismatches_per_reward, window)
