from pydantic import Field

from qingling.schemas import Schema, Term


class ReportsVocabulary(Schema):
    tip_off_states: list[Term] = Field(description="举报的状态，按办理顺序")
    tip_off_actions: list[Term] = Field(description="举报的办理操作")
    categories: list[Term] = Field(description="举报类别")
    channels: list[Term] = Field(description="举报渠道")
    outcomes: list[Term] = Field(description="核查结论")
    reward_states: list[Term] = Field(description="举报奖励的状态")
    reward_actions: list[Term] = Field(description="举报奖励的办理操作")
