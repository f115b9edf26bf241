"""An enterprise's people as the register keeps them — principal, actual controller, safety
manager — with their phones and e-mail addresses, for the notify service alone
(``ServiceScope.DIRECTORY``). Asked when notify sends, so what it uses is never older than its
own short cache: a register edit reaches the next message without any copy to keep up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises.models import Enterprise
from hazards.enterprises.schemas import People, Person
from qingling.directory import ContactRole, Entry, Listing, Place, PlaceKind
from qingling.errors import ValidationFailed


class NotAnEnterprisePlace(ValidationFailed):
    code, title = "not-an-enterprise-place", "隐患服务只答复企业位置（enterprise:<统一社会信用代码>）上的人员"


TITLES = {
    ContactRole.PRINCIPAL: "主要负责人",
    ContactRole.ACTUAL_CONTROLLER: "实际控制人",
    ContactRole.SAFETY_MANAGER: "安全管理负责人",
}


async def listing(session: AsyncSession, place: Place) -> Listing:
    if place.kind is not PlaceKind.ENTERPRISE:
        raise NotAnEnterprisePlace.for_field("place", f"{place} 不是企业位置；部门、安委办和账号请问身份服务", "query")
    query = select(Enterprise.people).where(Enterprise.credit_code == place.enterprise_code)
    people: People | None = (await session.execute(query)).scalar_one_or_none()
    return Listing(place=str(place), people=entries(people) if people is not None else [])


def entries(people: People) -> list[Entry]:
    held: list[tuple[ContactRole, Person | None]] = [
        (ContactRole.PRINCIPAL, people.principal),
        (ContactRole.ACTUAL_CONTROLLER, people.actual_controller),
        (ContactRole.SAFETY_MANAGER, people.safety_manager),
    ]
    return [
        Entry(role=role, title=TITLES[role], name=person.name, phone=person.phone, email=person.email)
        for role, person in held
        if person is not None
    ]
