// The facts of an item in words — names instead of codes and ids, deadlines with the working days
// left as the service counts them — and the words of its trail (the actions' names from the API's own documentation).
import { html, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { call } from "../session.js";
import { actionTitles, fieldLabels } from "../forms.js";
import { say, useLabels } from "../labels.js";
import { countFor, inWords } from "../working-days.js";

/** "2026-12-07 23:59" from the API's time (always written in Beijing time, +08:00). */
export const when = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") : "");

const cache = new Map(); // path → Promise of the answer: reference data read once per page
const once = (path) => {
  if (!cache.has(path)) cache.set(path, call(path).catch((error) => (cache.delete(path), Promise.reject(error))));
  return cache.get(path);
};

/** The name an API record gives a code (region, enterprise, industry), or null until known. */
function useName(path, pick) {
  const [name, setName] = useState(null);
  useEffect(() => {
    if (path) once(path).then((answer) => setName(pick(answer)), () => setName(null));
  }, [path]);
  return name;
}

const useRegion = (code) => useName(code && `/api/v1/hazards/regions/${code}`, (r) => r.full_name || r.name);

/** A deadline: when, the working days left or how late (counted by the service), provisional marked.
 * `overdue` is the item's own verdict: past a deadline it no longer runs against (a return submitted,
 * a hazard closed), the item is not late, and no count is shown; nor one for a closed item's. */
export function Deadline({ at, overdue, provisional, closed }) {
  const [count, setCount] = useState(null);
  useEffect(() => {
    setCount(null);
    if (at && !closed) countFor(at).then(setCount, () => setCount(null));
  }, [at, closed]);
  if (!at) return html`<span>—</span>`;
  const [tone, words] = count && (overdue || !count.overdue) ? inWords(count) : ["", ""];
  return html`<span>${when(at)} ${words ? html`<span class=${tone === "late" ? "tag overdue" : "tag"}>${words}</span>` : null}${
    provisional ? html` <span class="tag">期限暂定：该年放假调休安排尚未发布，加载后重新计算</span>` : null}</span>`;
}

function Rows({ rows }) {
  return html`<table class="facts"><tbody>${rows
    .filter(([, value]) => value !== null && value !== undefined && value !== "" && value !== false)
    .map(([label, value]) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`)}</tbody></table>`;
}

function TipOffFacts({ item, words }) {
  const region = useRegion(item.region_code);
  const handlers = item.handled_by.map((h) => h.department).filter(Boolean).join("、");
  return html`<${Rows} rows=${[
    ["类别", say(words?.categories, item.category)],
    ["举报事实", html`<p class="prose">${item.facts}</p>`],
    ["被举报单位", item.enterprise_name || item.target || "（未填写）"],
    ["事发地", [region || item.region_code, item.address].filter(Boolean).join(" ")],
    ["行业领域", say(words?.industries, item.industry)],
    ["当前状态", item.state_title],
    [item.step ? `下一步：${item.step}` : "期限", item.step_due_at && html`<${Deadline} at=${item.step_due_at}
      overdue=${item.step_overdue} provisional=${item.step_provisional} />`],
    ["主办部门", item.lead_department],
    ["协办部门", item.co_handlers.map((c) => c.name).join("、")],
    ["曾主办的部门", handlers],
    ["受理部门", item.accepted_by_department],
    ["核查结论", item.outcome && say(words?.outcomes, item.outcome)],
    ["转为隐患", item.hazard_id && html`<a href=${`#/hazards/${item.hazard_id}`}>隐患（编号 ${item.hazard_id}）</a>`],
    ["可能重复的举报", item.possible_duplicates.length > 0 && html`${item.possible_duplicates.map((n, i) => html`${
      i ? "、" : ""}<a href=${`#/tip-offs/${n}`}>编号 ${n}</a>`)}`],
    ["举报人", `${item.real_name ? "实名（身份已密封）" : "匿名"}${item.employee ? "，本单位从业人员" : ""}`],
    ["渠道", `${say(words?.channels, item.channel)}${item.entered_by ? "（接线员录入）" : ""}`],
    ["回执编号", item.receipt_code],
    ["收到时间", when(item.received_at)],
    ["受理时间", when(item.accepted_at)],
    ["核查完成", when(item.concluded_at)],
    ["答复时间", when(item.replied_at)],
    ["内容提示", item.content_flag],
  ]} />`;
}

function HazardFacts({ item, words }) {
  const region = useRegion(item.region_code);
  const enterprise = useName(`/api/v1/hazards/enterprises/${item.enterprise_id}`, (e) => e.name);
  const basis = item.basis_standard && `${item.basis_standard} ${item.basis_clause || ""}`;
  return html`<${Rows} rows=${[
    ["隐患情况", html`<p class="prose">${item.description}</p>`],
    ["企业", enterprise || item.enterprise_code],
    ["所在地", region || item.region_code],
    ["行业领域", say(words?.industries, item.industry)],
    ["等级", say(words?.grades, item.grade)],
    ["判定依据", basis],
    ["来源", `${say(words?.sources, item.source)}${item.source_ref ? `（${item.source_ref}）` : ""}`],
    ["当前状态", item.state_title],
    ["整改期限", item.deadline_at && html`<${Deadline} at=${item.deadline_at} overdue=${item.overdue}
      provisional=${item.deadline_provisional} closed=${Boolean(item.closed_at)} />`],
    ["原定整改期限", item.original_deadline_at && item.original_deadline_at !== item.deadline_at
      && when(item.original_deadline_at)],
    [item.step ? `下一步：${item.step}` : "下一步", item.step_due_at && html`<${Deadline} at=${item.step_due_at}
      overdue=${item.step_overdue} provisional=${item.step_provisional} />`],
    ["督办部门", item.supervising_department?.name],
    ["挂牌督办机关", item.lister?.name],
    ["督办文号", item.notice_no],
    ["挂牌日期", item.listed_on],
    ["停产停业治理", item.production_suspended && `是（累计顺延 ${item.suspended_days} 日）`],
    ["发现时间", when(item.found_at)],
    ["上报时间", when(item.created_at)],
    ["销号时间", when(item.closed_at)],
  ]} />`;
}

export function Facts({ kind, item }) {
  const words = useLabels(() => {}); // until the words come (or if they do not), the codes
  return html`<section class="card" aria-labelledby="facts-heading">
    <h3 id="facts-heading">基本情况</h3>
    ${kind === "hazard" ? html`<${HazardFacts} item=${item} words=${words} />`
      : html`<${TipOffFacts} item=${item} words=${words} />`}
  </section>`;
}

// What the trail's actions are called: the action routes' summaries, then the service's own steps.
const TRAIL = {
  receive: "收到举报", route: "确定主办部门", reveal_reporter: "查看举报人身份（保管人）", ask: "询问举报人",
  question: "询问举报人", supplement: "举报人补充材料", answer: "举报人回答询问", notice: "告知举报人",
  hazard_update: "转为隐患的进展", merged_in: "并入另一件举报", reward_assess: "评定举报奖励",
  reward_claim_mismatch: "领奖信息不符", recount_step: "重新计算期限", reward_recount_step: "重新计算奖励期限",
  recount_deadline: "重新计算整改期限", report: "上报隐患", report_recurrence: "回头看发现复发，重新上报",
  attach_evidence: "上传证据", ledger_import: "从已有台账导入", reinspect: "回头看", open: "建档",
};

const TRAIL_FIELDS = { routed_to: "主办部门", text: "内容", findings: "核查情况", message: "内容" };

/** {actions: {action: name}, trail(action), field(action, key), state(code)} for a service's items. */
export function useWords(service, base) {
  const [known, setKnown] = useState({ actions: {}, fields: {} });
  const vocabularies = useLabels(() => {});
  const states = vocabularies?.[service === "reports" ? "tipOffStates" : "hazardStates"];
  useEffect(() => {
    Promise.all([actionTitles(service, base), fieldLabels(service, base)])
      .then(([actions, fields]) => setKnown({ actions, fields }), () => {});
  }, [service, base]);
  return {
    actions: known.actions,
    trail: (action) => known.actions[action] || TRAIL[action] || action,
    field: (action, key) => known.fields[action]?.[key] || TRAIL_FIELDS[key], // words only for what has a name
    state: (code) => say(states, code),
  };
}
