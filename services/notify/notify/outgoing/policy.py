"""Who hears of what on which channel, and when: the kinds of message that are urgent (sent by SMS
in the quiet hours too) or statutory (no preference turns them off), each recipient's channels
in order (their own preference, else the default for who they are), and the SMS quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from notify.channels import ChannelName
from qingling.clock import SHANGHAI
from qingling.directory import ContactRole

# A listing and a 约谈 cannot wait for the morning (domain.md §6, issue 22).
URGENT_KINDS = frozenset({"hazard.listed", "hazard.interview", "supervision.interview"})
# The 督办 acts issued by hand (notify.supervision): their parties are told by SMS or e-mail too.
SUPERVISION_KINDS = ("supervision.urge", "supervision.bulletin", "supervision.letter", "supervision.interview")
# What the rules require the recipient be told: a listing, a deadline change, a 约谈, the
# close-out result, and the steps of a tip-off its reporter must be told of.
STATUTORY_KINDS = frozenset(
    {
        "hazard.listed",
        "hazard.deadline_changed",
        "hazard.interview",
        "hazard.closed",
        "supervision.interview",
        "tip_off.notice",
        "tip_off.reply",
        "tip_off.reward",
    }
)
ALL_KINDS = "*"

QUIET_FROM, QUIET_UNTIL = time(22, 0), time(7, 0)  # no SMS in between, Asia/Shanghai

# The person a reporter is reached as, through the phone they gave (sealed).
REPORTER = "reporter"
DEFAULT_ORDER: dict[str, list[ChannelName]] = {
    ContactRole.PRINCIPAL: [ChannelName.SMS, ChannelName.EMAIL],
    ContactRole.ACTUAL_CONTROLLER: [ChannelName.SMS, ChannelName.EMAIL],
    ContactRole.SAFETY_MANAGER: [ChannelName.SMS, ChannelName.EMAIL],
    ContactRole.ACCOUNT: [ChannelName.SMS, ChannelName.EMAIL],  # staff: the inbox, and SMS
    ContactRole.WECHAT_USER: [ChannelName.WECHAT],
    REPORTER: [ChannelName.SMS],  # only if they gave a phone
}


def is_urgent(kind: str) -> bool:
    return kind in URGENT_KINDS


def is_statutory(kind: str) -> bool:
    return kind in STATUTORY_KINDS


def order(role: str, kind: str, preferences: dict[str, list[str]]) -> list[ChannelName]:
    """The channels to try, in order: the person's preference for ``kind``, else for every kind,
    else the default for their role; a statutory kind never ends up with none."""
    default = DEFAULT_ORDER.get(role, [ChannelName.SMS, ChannelName.EMAIL])
    chosen = preferences.get(kind, preferences.get(ALL_KINDS))
    if chosen is None or (not chosen and is_statutory(kind)):
        return list(default)
    return [ChannelName(name) for name in chosen]


def quiet(moment: datetime) -> bool:
    local = moment.astimezone(SHANGHAI).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def not_before(channel: str, urgent: bool, moment: datetime) -> datetime:
    """When a message on ``channel`` may go: an SMS that is not urgent waits out the quiet hours
    (till 07:00 Beijing time), anything else goes at ``moment``."""
    if channel != ChannelName.SMS or urgent or not quiet(moment):
        return moment
    local = moment.astimezone(SHANGHAI)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=SHANGHAI).astimezone(moment.tzinfo)
