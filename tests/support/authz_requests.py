"""How the authorization matrix calls each operation: which object its path (or query) names,
and a committed sample request that is valid, so that the scope check — not body validation —
decides the answer. Reviewed by hand like the expectation table; keyed by ``service:operationId``.

``Call(kind=…)`` names the object kind bound to the path parameter (``{item_id}``, ``{hazard_id}``
…); ``state`` is the state a lifecycle action needs (its object is then made fresh for each
caller expected to succeed); ``body(world, caller, side)`` builds the request for the caller on
that side's object; ``query`` puts the object in the query string instead of the path.
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from authz_world import COMPLETION, EXTENSION, MONDAY, PHOTO, PLAN, REINSPECTION, TIP_OFF_EXTENSION, UNTRUE, World
from openpyxl import Workbook
from tipoff_flow import REPLY

from hazards.config import Settings as HazardsSettings
from hazards.enterprises import posters
from qingling.credit_code import check_character

Body = Callable[[World, str, str], dict[str, Any]]

# Operations the matrix leaves out, by name: the platform's own routes (health, readiness, the
# problem catalogue, Swagger UI — public by construction, no object), the scrape-token metrics
# (not a role), and the password change (public; its own tests in identity).
SKIPPED = {
    "platform-healthz": "存活检查：公开，无对象",
    "platform-readyz": "就绪检查：公开，无对象",
    "metrics": "监控指标：凭抓取令牌，不是角色",
    "platform-problem_catalogue": "错误码目录：公开",
    "platform-problem_type": "错误码说明：公开",
    "swagger_ui": "Swagger UI 页面：公开",
    "swagger_ui_redirect": "Swagger UI OAuth 回调页：公开",
    "oauth-change_password": "修改密码：公开，凭原密码；见 identity 的测试",
}


@dataclass
class Call:
    kind: str | None = None
    body: Body | None = None
    state: str | None = None  # lifecycle state the action needs (fresh object per successful caller)
    query: dict[str, Any] = field(default_factory=dict)  # fixed query parameters
    path: dict[str, Any] = field(default_factory=dict)  # fixed path parameters (not a scoped object)
    object_in_query: str | None = None  # the object goes in this query parameter
    away_body: bool = False  # a create: also try it aimed at the far side (must not succeed)


def json(value: Any) -> Body:
    return lambda w, c, s: {"json": value() if callable(value) else value}


def _reason(text: str = "矩阵测试：理由说明，不少于十个字。") -> Body:
    return json({"reason": text})


def _enterprise_side(w: World, caller: str, side: str) -> str:
    """Whose enterprise a create names: A's at home; away, one outside the caller's scope."""
    if side == "home":
        return "A"
    return "B" if caller.startswith("ent_") else ("A" if caller == "other_province" else "F")


def _region(caller: str, side: str) -> str:
    return "330521001" if side == "home" or caller == "other_province" else "371122"


def _hazard_create(w: World, caller: str, side: str) -> dict:
    target = _enterprise_side(w, caller, side)
    body = w.hazard_body(target)
    if not caller.startswith("ent_") or target != "A":
        body["enterprise_id"] = w.extra[f"enterprise_{target}"]["id"]
    return {"json": body}


def _account_create(w: World, caller: str, side: str) -> dict:
    target = _enterprise_side(w, caller, side)
    code = w.extra[f"enterprise_{target}"]["credit_code"]
    name = f"matrix-new-{secrets.token_hex(4)}"
    return {
        "json": {
            "username": name,
            "password": "Anquan#2024x",
            "display_name": "新建企业账号",
            "roles": ["enterprise_user"],
            "enterprise_code": code,
        }
    }


def _client_create(w: World, caller: str, side: str) -> dict:
    code = w.extra[f"enterprise_{_enterprise_side(w, caller, side)}"]["credit_code"]
    return {"json": {"name": f"矩阵新系统{w.unique()}", "enterprise_code": code, "scopes": ["hazards:read"]}}


def _enterprise_create(w: World, caller: str, side: str) -> dict:
    region = _region(caller, side)
    stem = f"91{region[:6]}MA{secrets.randbelow(10**7):07d}"
    return {
        "json": {
            "credit_code": stem + check_character(stem),
            "name": f"矩阵新建安全生产有限公司{w.unique()}",
            "address": "测试路 8 号",
            "region_code": region,
            "industry": "industry_trade",
            "tags": [],
            "latitude": 30.63,
            "longitude": 120.27,
            "risk_class": "B",
            "people": {
                "principal": {"name": "王强", "phone": "13800001111"},
                "safety_manager": {"name": "李安", "phone": "13800003333"},
            },
        }
    }


_FULAISHAN = "91371122MA3000002" + check_character("91371122MA3000002")  # 莒县浮来山食品有限公司 (demo)


def _poster_token(credit_code: str) -> str:
    """The token a demo poster's QR code carries (the demo secret key)."""
    secret = HazardsSettings.model_fields["secret_key"].default.get_secret_value()
    return posters.token(posters.signing_key(secret), credit_code)


REGISTER_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "地址",
    "行政区划代码",
    "行业领域",
    "风险等级",
    "经度",
    "纬度",
    "专项整治标签",
    "主要负责人",
    "主要负责人电话",
    "实际控制人",
    "实际控制人电话",
    "安全管理负责人",
    "安全管理负责人电话",
]


def _register_file(w: World, region: str) -> tuple[str, bytes, str]:
    """A register of one new enterprise in ``region`` (as a county keeps its 名录)."""
    stem = f"91{region[:6]}MA{secrets.randbelow(10**7):07d}"
    workbook = Workbook()
    workbook.active.append(REGISTER_HEADER)
    workbook.active.append(
        [
            stem + check_character(stem),
            f"矩阵导入{w.unique()}号纺织有限公司",
            "武康导入路 1 号",
            region,
            "工贸",
            "C",
            119.96,
            30.54,
            "",
            "赵一",
            "13700000000",
            None,
            None,
            "钱二",
            "13700000001",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ("名录.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


DEPARTMENT_KINDS = ["fire", "industry_it", "energy", "agriculture", "water", "urban_management"]


def _department_create(w: World, caller: str, side: str) -> dict:
    region = _region(caller, side)[:6]
    kind = DEPARTMENT_KINDS[w.unique() % len(DEPARTMENT_KINDS)]
    return {"json": {"region_code": region, "kind": kind, "name": f"矩阵新建部门{w.unique()}"}}


def _tip_off(channel: str) -> Body:
    def make(w: World, caller: str, side: str) -> dict:
        region, code = ("330521", "91330521MA2B3C4D5Q") if side == "home" else ("371122", None)  # public intake
        body = {
            "channel": channel,
            "category": "major_hazard",
            "facts": f"矩阵举报{w.unique()}：车间内有人在油漆桶旁违规电焊，没有动火审批",
            "region_code": region,
            "consent": w.extra["consent"],
        } | ({"enterprise_code": code} if code else {})
        if channel == "hotline_12345":
            body["call_reference"] = f"12345-{uuid.uuid4().hex[:8]}"
        return {"json": body, "headers": {"Idempotency-Key": str(uuid.uuid4())}}

    return make


def _upload(name: str) -> Body:
    return lambda w, c, s: {"files": {"file": (name, PHOTO, "image/jpeg")}}


def _template(w: World, caller: str, side: str) -> dict:
    region = _region(caller, side)[:6]
    return {
        "json": {
            "title": "隐患整改期限预警",
            "body": "{enterprise_name}：您单位的隐患整改期限将至，请按期完成整改。",
            "region_code": region,
        }
    }


def _reward_rule(w: World, caller: str, side: str) -> dict:
    region = "330000" if side == "home" or caller == "other_province" else "370000"
    return {
        "json": {
            "key": f"matrix-{secrets.token_hex(3)}",
            "region_code": region,
            "title": "矩阵测试奖励办法",
            "valid_from": "2028-01-01",  # after every reward the matrix assesses, within 5 years of its clock
            "basis_document": "浙应急〔2030〕1号",
        }
    }


def _far_side(caller: str, side: str) -> str:
    """The side a create aims at: A at home; away, one outside the caller's scope."""
    return "A" if side == "home" or caller == "other_province" else "F"


def _urge(w: World, caller: str, side: str) -> dict:
    item = {"item_type": "hazard", "item_id": w.objects["hazard"][_far_side(caller, side)]}
    return {"json": {"items": [item], "text": "矩阵测试：请立即整改并回复"}}


def _bulletin(w: World, caller: str, side: str) -> dict:
    enterprise = w.extra[f"enterprise_{_far_side(caller, side)}"]
    party = {
        "kind": "enterprise",
        "region_code": enterprise["region_code"],
        "enterprise_code": enterprise["credit_code"],
    }
    return {"json": {"issuer_name": "矩阵发文机关", "title": "矩阵测试通报", "text": "予以通报。", "parties": [party]}}


_PEOPLE = {
    "interviewers": [{"name": "陈晓东", "position": "安委办副主任"}],
    "interviewees": [{"name": "王强", "position": "企业主要负责人"}],
    "issues": ["隐患超期未整改"],
}
_schedule = json(lambda: {"scheduled_for": (MONDAY + timedelta(days=8)).isoformat(), "place": "会议室", **_PEOPLE})
_held = json(lambda: {"held_at": MONDAY.isoformat(), "minutes": "矩阵测试约谈记录", "commitments": [], **_PEOPLE})


def _reinspection_batch(w: World, caller: str, side: str) -> dict:
    """回头看 in a batch: A's closed 重大 hazard (away: F's hazard, outside the caller's scope)."""
    hazard = w.extra["closed_hazard_A"] if side == "home" else w.objects["hazard"]["F"]
    return {
        "json": {"items": [REINSPECTION | {"hazard_id": hazard}]},
        "headers": {"Idempotency-Key": str(uuid.uuid4())},
    }


LADDER = {
    "steps": [
        {
            "key": "warn_30",
            "title": "预警",
            "offset": -30,
            "unit": "calendar_days",
            "audience": ["enterprise", "supervising"],
            "template": "hazard.warning",
        },
    ]
}
LISTING: Body = lambda w, c, s: {"json": w.listing()}  # noqa: E731

# The parked outbox events are for national admins only (none among the matrix's callers): every caller is
# refused before the event is looked up, so any id will do.
PARKED_EVENT = "00000000-0000-4000-8000-000000000000"

CALLS: dict[str, Call] = {
    # ---------------------------------------------------------------- identity
    "identity:platform-whoami": Call(),
    "identity:platform-receive_event": Call(body=json({})),
    "identity:platform-receive_events": Call(body=json({})),
    "identity:platform-parked_events": Call(),
    "identity:platform-resend_parked_event": Call(path={"message_id": PARKED_EVENT}),
    "identity:oauth-token": Call(
        body=lambda w, c, s: {"data": {"grant_type": "password", "username": "deqing-yjj", "password": "Qingling@2026"}}
    ),
    "identity:keys-jwks": Call(),
    "identity:keys-list_keys": Call(),
    "identity:keys-rotate_key": Call(),
    "identity:accounts-create_account": Call(body=_account_create, away_body=True),
    "identity:accounts-list_accounts": Call(),
    "identity:accounts-get_account": Call(kind="account"),
    "identity:accounts-update_account": Call(kind="account", body=json({"display_name": "矩阵测试账号"})),
    "identity:accounts-reset_password": Call(kind="account"),
    "identity:accounts-unlock_account": Call(kind="account"),
    "identity:clients-create_client": Call(body=_client_create, away_body=True),
    "identity:clients-list_clients": Call(),
    "identity:clients-get_client": Call(kind="client"),
    "identity:clients-update_client": Call(kind="client", body=json({"name": "矩阵对接系统（改名）"})),
    "identity:clients-rotate_secret": Call(kind="client"),
    "identity:audit-list_audit": Call(),
    "identity:audit-verify_audit": Call(),
    "identity:revocations-list_revocations": Call(),
    # the recipient directory: phones, e-mails and openids for the notify service alone, refused to every caller here
    "identity:directory-resolve_place": Call(query={"place": "department:330521:emergency"}),
    # ---------------------------------------------------------------- hazards
    "hazards:platform-whoami": Call(),
    "hazards:platform-receive_event": Call(body=json({})),
    "hazards:platform-receive_events": Call(body=json({})),
    "hazards:platform-parked_events": Call(),
    "hazards:platform-resend_parked_event": Call(path={"message_id": PARKED_EVENT}),
    "hazards:regions-list_children": Call(),
    "hazards:regions-search_regions": Call(query={"name": "德清"}),
    "hazards:regions-get_region": Call(path={"code": "330521"}),
    "hazards:industries-list_industries": Call(),
    "hazards:industries-list_tags": Call(),
    "hazards:industries-list_department_kinds": Call(),
    "hazards:disclosure-public_listed": Call(query={"region_code": "330521"}),
    "hazards:disclosure-open311_discovery": Call(),
    "hazards:disclosure-open311_services": Call(),
    "hazards:disclosure-open311_requests": Call(query={"jurisdiction_id": "330521"}),
    "hazards:disclosure-open311_request": Call(kind="hazard", state="listed"),  # only a listed one is published
    "hazards:figures-hazard_figures": Call(query={"month": "2024-09"}),
    "hazards:figures-zeroing_progress": Call(),
    "hazards:rankings-hazard_rankings": Call(query={"month": "2024-09"}),
    "hazards:returns-list_returns": Call(),
    "hazards:returns-returns_overview": Call(),
    "hazards:returns-get_return": Call(kind="return"),
    "hazards:returns-return_history": Call(kind="return"),
    "hazards:returns-verify_return_history": Call(kind="return"),
    "hazards:returns-return_tables": Call(kind="return", state="prepared"),  # a return has tables once prepared
    "hazards:return-actions-return_prepare": Call(kind="return", state="prepared", body=json({"note": "矩阵测试"})),
    "hazards:return-actions-return_submit": Call(kind="return", state="prepared", body=json({})),
    "hazards:return-actions-return_send_back": Call(kind="return", state="submitted", body=_reason()),
    "hazards:return-actions-return_receive": Call(kind="return", state="submitted", body=json({})),
    "hazards:ledgers-major_hazards": Call(),  # JSON: the matrix looks for other sides' rows in it
    "hazards:ledgers-listed_hazards": Call(),
    "hazards:standards-list_standards": Call(),
    "hazards:vocabulary-vocabulary": Call(),
    "hazards:departments-resolve": Call(query={"region_code": "330521001", "industry": "industry_trade"}),
    "hazards:departments-list_departments": Call(),
    "hazards:departments-create_department": Call(body=_department_create, away_body=True),
    "hazards:departments-update_department": Call(kind="department", body=json({"phone": "0572-8888888"})),
    "hazards:directory-resolve_place": Call(query={"place": "enterprise:91330521MA2B3C4D5Q"}),  # enterprise A
    "hazards:enterprises-create_enterprise": Call(body=_enterprise_create, away_body=True),
    "hazards:enterprises-list_enterprises": Call(query={"limit": 200}),
    "hazards:enterprises-import_template": Call(),
    "hazards:enterprises-import_enterprises": Call(
        body=lambda w, c, s: {"files": {"file": _register_file(w, _region(c, s))}}, away_body=True
    ),
    "hazards:enterprises-get_enterprise": Call(kind="enterprise"),
    "hazards:enterprises-enterprise_poster": Call(kind="enterprise"),
    # Public: a demo enterprise that is none of A, B and F, so no caller's out-of-scope marker shows.
    "hazards:enterprises-lookup": Call(query={"q": "浮来山"}),
    "hazards:enterprises-poster_enterprise": Call(path={"token": _poster_token(_FULAISHAN)}),
    "hazards:enterprises-update_enterprise": Call(kind="enterprise", body=json({"risk_class": "B"})),
    "hazards:enterprises-onboard_enterprise": Call(
        kind="enterprise",
        body=lambda w, c, s: {
            "json": {"admin_username": f"matrix-onb-{secrets.token_hex(3)}", "admin_display_name": "周平"}
        },
    ),
    "hazards:calendar-list_years": Call(),
    "hazards:calendar-load_year": Call(
        path={"year": 2030}, body=json({"holidays": [], "makeup_workdays": [], "source": "国办发明电〔2029〕1号"})
    ),
    "hazards:calendar-remove_year": Call(path={"year": 2030}),  # national admins only, none among the callers
    "hazards:calendar-deadline": Call(
        query={"start": "2024-09-02T09:00:00+08:00", "amount": 10, "unit": "working_days"}
    ),
    "hazards:calendar-working_days_left": Call(
        query={"until": ["2024-09-30T23:59:59+08:00", "2024-10-08T23:59:59+08:00"]}
    ),
    "hazards:hazards-report_hazard": Call(body=_hazard_create, away_body=True),
    "hazards:hazards-report_batch": Call(
        body=lambda w, c, s: {
            "json": {"items": [w.hazard_body("A")]},
            "headers": {"Idempotency-Key": str(uuid.uuid4())},
        }
    ),
    "hazards:hazards-ledger_template": Call(),
    "hazards:hazards-import_ledger": Call(body=lambda w, c, s: {"files": {"file": w.extra["ledger_file"]}}),
    "hazards:hazards-list_hazards": Call(query={"limit": 200}),
    "hazards:hazards-get_hazard": Call(kind="hazard"),
    "hazards:hazards-hazard_history": Call(kind="hazard"),
    # a document once its step is reached: the listing notice of a listed hazard (before it, 404 document-not-issued)
    "hazards:documents-hazard_document": Call(kind="hazard", state="listed", path={"kind": "listing-notice"}),
    "hazards:hazards-verify_history": Call(kind="hazard"),
    # 回头看 needs a closed 重大 hazard (a fresh one per caller expected to succeed); reading needs none
    "hazards:reinspections-reinspect_hazard": Call(kind="hazard", state="closed", body=json(REINSPECTION)),
    "hazards:reinspections-list_hazard_reinspections": Call(kind="hazard"),
    "hazards:reinspections-reinspect_batch": Call(body=_reinspection_batch, away_body=True),
    "hazards:reinspections-list_reinspections": Call(query={"limit": 200}),
    "hazards:reinspections-reinspection_candidates": Call(query={"limit": 200}),
    "hazards:reinspections-get_reinspection": Call(kind="reinspection"),
    "hazards:evidence-upload_evidence": Call(kind="hazard", body=_upload("矩阵证据.jpg")),
    "hazards:evidence-list_evidence": Call(kind="hazard"),
    "hazards:evidence-evidence_content": Call(kind="evidence"),
    "hazards:self-checks-record_self_check": Call(
        kind="enterprise",
        body=json(
            {
                "checked_on": "2024-09-01",
                "led_by": "王强",
                "principal_led": True,
                "scope": "全厂",
                "findings": "未发现隐患",
            }
        ),
    ),
    "hazards:self-checks-self_check_history": Call(kind="enterprise"),
    "hazards:self-checks-missing_self_checks": Call(),
    # ---------------------------------------------------------------- reports
    "reports:platform-whoami": Call(),
    "reports:platform-receive_event": Call(body=json({})),
    "reports:platform-receive_events": Call(body=json({})),
    "reports:platform-parked_events": Call(),
    "reports:platform-resend_parked_event": Call(path={"message_id": PARKED_EVENT}),
    "reports:tip-offs-privacy_notice": Call(),
    "reports:tip-offs-submit": Call(body=_tip_off("miniprogram")),
    "reports:tip-offs-enter": Call(body=_tip_off("hotline_12345"), away_body=False),
    "reports:tip-offs-list_tip_offs": Call(query={"limit": 500}),
    "reports:tip-offs-my_tip_offs": Call(),
    "reports:tip-offs-get_tip_off": Call(kind="tipoff"),
    "reports:tip-offs-tip_off_history": Call(kind="tipoff"),
    "reports:tip-offs-verify_history": Call(kind="tipoff"),
    "reports:tip-offs-reveal_reporter": Call(
        kind="tipoff", body=json({"category": "verification", "reason": "核查需要联系举报人了解现场情况"})
    ),
    "reports:tip-offs-possible_duplicates": Call(kind="tipoff"),
    "reports:conversation-read_conversation": Call(kind="tipoff"),
    "reports:conversation-ask_reporter": Call(
        kind="tipoff", state="verifying", body=json({"text": "请问作业一般在几点？"})
    ),
    "reports:receipts-follow": Call(),
    "reports:receipts-add_supplement": Call(body=json({"text": "补充：晚上七点以后仍在动火"})),
    "reports:receipts-object_to_reply": Call(body=json({"reason": "我认为核查不实，晚上仍在动火"})),
    "reports:receipts-reporter_inbox": Call(),
    "reports:receipts-mark_inbox_read": Call(body=json({})),
    "reports:media-upload": Call(body=_upload("现场.jpg")),
    "reports:media-list_media": Call(kind="tipoff"),
    "reports:media-media_content": Call(kind="media"),
    "reports:rewards-reward_rules": Call(),
    "reports:rewards-reward_terms": Call(query={"region_code": "330521"}),
    "reports:rewards-add_reward_rule": Call(body=_reward_rule, away_body=True),
    "reports:rewards-assess_reward": Call(kind="tipoff", state="replied_true", body=json(lambda: dict(FINE))),
    "reports:rewards-list_rewards": Call(),
    "reports:figures-tip_off_figures": Call(query={"quarter": "2024-Q3"}),
    "reports:vocabulary-vocabulary": Call(),
    "reports:rewards-get_reward": Call(kind="reward"),
    "reports:rewards-claim_reward": Call(
        body=json({"name": "张秀英", "id_number": "330521199001011234", "phone": "13900001111"})
    ),
    # ---------------------------------------------------------------- notify
    "notify:platform-whoami": Call(),
    "notify:platform-receive_event": Call(body=json({})),
    "notify:platform-receive_events": Call(body=json({})),
    "notify:platform-parked_events": Call(),
    "notify:platform-resend_parked_event": Call(path={"message_id": PARKED_EVENT}),
    "notify:deadlines-deadline_board": Call(),
    "notify:reminders-reminder_plans": Call(),
    "notify:reminders-write_reminder_plan": Call(
        kind="region", path={"item_type": "hazard", "grade": "major"}, body=json(LADDER)
    ),
    "notify:reminders-item_reminders": Call(kind="hazard", object_in_query="item_id", query={"item_type": "hazard"}),
    "notify:templates-templates": Call(),
    "notify:templates-add_template_version": Call(path={"key": "hazard.warning"}, body=_template, away_body=True),
    "notify:deliveries-delivery_log": Call(kind="hazard", object_in_query="item_id", query={"item_type": "hazard"}),
    "notify:deliveries-export_delivery_log": Call(
        kind="hazard", object_in_query="item_id", query={"item_type": "hazard"}
    ),
    "notify:supervision-issue_urge": Call(body=_urge, away_body=True),
    "notify:supervision-issue_bulletin": Call(body=_bulletin, away_body=True),
    "notify:supervision-issue_letter": Call(body=_bulletin, away_body=True),
    "notify:supervision-issue_interview": Call(
        body=lambda w, c, s: {"json": w.interview(_far_side(c, s))}, away_body=True
    ),
    "notify:supervision-list_acts": Call(),
    "notify:supervision-get_act": Call(kind="act"),
    "notify:supervision-act_trail": Call(kind="act"),
    "notify:supervision-act_document": Call(kind="act"),
    "notify:supervision-reply_to_act": Call(kind="act", state="scheduled", body=json({"text": "矩阵测试：已整改完毕"})),
    "notify:supervision-fulfil_commitment": Call(
        kind="commitment", state="open", body=json({"note": "矩阵测试：现场核实已兑现"})
    ),
    "notify:supervision-supervision_schedule": Call(kind="act", state="scheduled", body=_schedule),
    "notify:supervision-supervision_hold": Call(kind="act", state="scheduled", body=_held),
    "notify:supervision-supervision_cancel": Call(kind="act", state="scheduled", body=_reason()),
    "notify:inbox-inbox": Call(),
    "notify:inbox-mark_read": Call(body=json({})),
    "notify:preferences-my_preferences": Call(),
    "notify:preferences-set_preference": Call(path={"kind": "hazard.urge"}, body=json({"channels": ["email", "sms"]})),
    "notify:preferences-reset_preference": Call(path={"kind": "hazard.urge"}),
    # A mini-program user's own (no caller of the matrix is one): everyone here is refused.
    "notify:subscriptions-my_subscriptions": Call(),
    "notify:subscriptions-record_subscription": Call(body=json({"template_kind": "tip_off.notice", "accepted": 1})),
    "notify:webhooks-subscribe": Call(
        body=json({"url": "https://ehs-new.example.com/hooks", "event_types": ["hazard.changed"]})
    ),
    "notify:webhooks-subscriptions": Call(),
    "notify:webhooks-event_types": Call(),
    "notify:webhooks-rotate_secret": Call(kind="endpoint"),
    "notify:webhooks-ping": Call(kind="endpoint"),
    "notify:webhooks-disable": Call(kind="endpoint", state="active"),
    "notify:webhooks-messages": Call(kind="endpoint"),
    "notify:webhooks-replay": Call(kind="message"),
}
FINE = {
    "basis": "fine",
    "fine_yuan": 40_000,
    "penalty_ref": "（德）应急罚〔2024〕17号",
    "known_before": False,
    "reporter_is_staff": False,
}

# Lifecycle actions: the state each needs on its object, and a valid body.
HAZARD_ACTIONS: dict[str, tuple[str, Body | None]] = {
    "return_for_correction": ("reported", _reason()),
    "resubmit": ("returned", json({"description": "补正：二号车间动火点周边 5 米内堆放木质包装材料"})),
    "regrade": ("reported", json({"grade": "general", "reason": "经现场核实，不构成重大隐患"})),
    "reject": ("reported", _reason("经核实不构成事故隐患，不予认定")),
    "accept_general": (
        "reported_general",
        json(
            {
                "measures": "清理杂物，修复箱门",
                "responsible_person": "王强",
                "funds": "自筹 2000 元",
                "acceptor": "李安",
            }
        ),
    ),
    "confirm_major": ("reported", lambda w, c, s: {"json": {"order_no": f"德应急责改〔2024〕{w.unique()}号"}}),
    "list": ("confirmed", LISTING),
    "submit_plan": ("listed", json(PLAN)),
    "accept_plan": ("plan_submitted", None),
    "return_plan": ("plan_submitted", _reason("治理方案缺少资金落实情况，请补充")),
    "report_progress": ("rectifying", json({"summary": "已清理可燃物，防火分隔施工中", "percent": 50})),
    "suspend_production": ("rectifying", _reason("整改期间责令二号车间停产停业治理")),
    "resume_production": ("suspended", None),
    "request_extension": ("rectifying", json(EXTENSION)),
    "grant_extension": ("extension_requested", _reason("理由充分，同意延期至 10 月 31 日")),
    "refuse_extension": ("extension_requested", _reason("理由不充分，不予延期，请按期完成")),
    "apply_completion": ("rectifying", json(COMPLETION)),
    "start_review": ("completion_applied", None),
    "pass_review": ("under_review", json({"findings": "复核合格，隐患已消除"})),
    "fail_review": ("under_review", json({"findings": "防火分隔未封堵到顶，需继续整改"})),
    "check_close_out": ("review_passed", json({"findings": "德清县应急管理局审核：整改到位，同意销号"})),
    "close": ("close_out_checked", json({"opinion": "隐患已消除，同意销号"})),
}
TIP_OFF_ACTIONS: dict[str, tuple[str, Body | None]] = {
    "sign": ("received", None),
    "transfer": ("signed", json({"industry": "construction", "reason": "反映的是在建工地问题，应由住建部门主办"})),
    "relocate": ("signed", json({"region_code": "371122", "reason": "经电话核实，事发地在莒县，更正事发地"})),
    "take_over": ("signed", _reason("案情重大，上级部门提级办理")),
    "merge": ("signed", lambda w, c, s: {"json": {"into": w.extra["merge_into"], "reason": "同一事项，并案办理"}}),
    "accept": ("signed", None),
    "refuse": ("signed", json({"ground": "other_procedure", "explanation": "该事项应通过其他法定途径解决"})),
    "hand_over": ("signed", json({"authority": "德清县公安局", "reason": "涉嫌刑事犯罪，移送公安机关"})),
    "request_extension": ("verifying", json(TIP_OFF_EXTENSION)),
    "grant_extension": ("extension_requested", _reason("情况复杂，同意延期核查")),
    "refuse_extension": ("extension_requested", _reason("理由不充分，不予延期")),
    "conclude": ("verifying", json(UNTRUE)),
    # 409 conversion-not-parked: the sample tip-off was concluded untrue, so nothing waits to be corrected
    "correct_conversion": (
        "concluded",
        json({"title": "安全出口被货物堵塞", "description": "二号车间东侧安全出口被成品货物堵塞", "grade": "general"}),
    ),
    "reply": ("concluded", json(REPLY)),
    "object": ("replied", json({"reason": "来电人认为核查不实，车间晚上仍在动火"})),
    "re_examine": ("objected", json({"decision": "upheld", "explanation": "经复查，维持原核查结论"})),
    "close": ("replied", None),
}
REWARD_ACTIONS: dict[str, tuple[str, Body | None]] = {
    "decide": ("eligible", json({})),
    "decline": ("eligible", _reason("举报前监管部门已经掌握该隐患")),
    "notify": ("decided", None),
    "claim": ("notified", json({"name": "张秀英", "id_number": "330521199001011234", "phone": "13900001111"})),
    "pay": (
        "claimed",
        json({"paid_on": "2024-09-02", "amount_yuan": 6000, "method": "bank_transfer", "paid_by": "李会计"}),
    ),
}
for _prefix, _kind, _actions in [
    ("hazard-actions-hazard", "hazard", HAZARD_ACTIONS),
    ("tip-off-actions-tip_off", "tipoff", TIP_OFF_ACTIONS),
    ("reward-actions-reward", "reward", REWARD_ACTIONS),
]:
    _service = "hazards" if _kind == "hazard" else "reports"
    for _action, (_state, _body) in _actions.items():
        CALLS[f"{_service}:{_prefix}_{_action}"] = Call(kind=_kind, state=_state, body=_body)
