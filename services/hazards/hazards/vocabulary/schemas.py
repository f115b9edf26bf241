from pydantic import Field

from qingling.schemas import Schema, Term


class HazardsVocabulary(Schema):
    hazard_states: list[Term] = Field(description="隐患的状态，按办理顺序")
    hazard_actions: list[Term] = Field(description="隐患的办理操作")
    grades: list[Term] = Field(description="隐患等级")
    sources: list[Term] = Field(description="隐患来源")
    return_states: list[Term] = Field(description="报表的状态")
    return_actions: list[Term] = Field(description="报表的办理操作")
    return_kinds: list[Term] = Field(description="报表种类")
