from datetime import datetime

from sqlmodel import Field

from reports.database import ReportsModel


class TipOffMessage(ReportsModel, table=True):
    """The conversation with a reporter after intake: every notice and reply they are told, the
    handlers' questions, the reporter's additions and answers. A reporter's text is kept redacted,
    their original sealed with it."""

    __tablename__ = "tip_off_message"

    id: int | None = Field(default=None, primary_key=True)
    tip_off_id: int = Field(foreign_key="tip_off.id", index=True)
    side: str = Field(max_length=10)  # reporter | handler
    kind: str = Field(max_length=20)  # notice | reply | question (handler); supplement | answer (reporter)
    text: str = Field(max_length=4000)
    sealed_original: str | None = Field(default=None, max_length=20000)
    in_reply_to: int | None = Field(default=None, foreign_key="tip_off_message.id")  # the question answered
    author: str | None = Field(default=None, max_length=100)  # staff only; a reporter is never named
    at: datetime
