// The lists a clerk works from — tip-offs (#/tip-offs) and hazards (#/hazards): the filters in words
// (states, industries, grades, categories from console/labels.js; enterprises and departments by
// name), the total the API counts, pages by the API's keyset (next_after), and an export of the
// current filter as a CSV with a Chinese header row (built here from the pages the API answers:
// neither list has an export of its own). Each row opens the item's page. The filters are kept for
// the tab (sessionStorage), so coming back from an item finds the list as it was left; a link from
// elsewhere may set them (listOf: #/hazards?enterprise_id=…).
import { html, useEffect, useMemo, useState } from "/assets/vendor/preact-htm.module.js";
import { describe } from "/assets/api.js";
import { call, current } from "../session.js";
import { labels, say, useLabels } from "../labels.js";
import { save } from "../download.js";

const HAZARDS = "/api/v1/hazards";
const PAGE = 20;
const EXPORT_LIMIT = 10000; // rows in one export: past this, narrow the filter

if (!document.querySelector("link[data-lists-css]")) {
  const sheet = Object.assign(document.createElement("link"), { rel: "stylesheet", href: new URL("./lists.css", import.meta.url).href });
  sheet.dataset.listsCss = "";
  document.head.append(sheet);
}

// ------------------------------------------------------------------------- shared with views/work.js

/** `path` with the filled-in values of `params` as its query. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined && value !== false) query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** Every item of a list, following next_after (500 a page), at most `limit`. */
export async function everyPage(path, params, limit = EXPORT_LIMIT) {
  const items = [];
  let after = null;
  do {
    const page = await call(withQuery(path, { ...params, limit: 500, after }));
    items.push(...page.items);
    after = page.next_after;
  } while (after && items.length < limit);
  return items;
}

const SHANGHAI = "Asia/Shanghai";
const dayKey = new Intl.DateTimeFormat("en-CA", { timeZone: SHANGHAI, year: "numeric", month: "2-digit", day: "2-digit" });
const moment = new Intl.DateTimeFormat("zh-CN", {
  timeZone: SHANGHAI, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});
const dayOnly = new Intl.DateTimeFormat("zh-CN", { timeZone: SHANGHAI, year: "numeric", month: "2-digit", day: "2-digit" });

/** A time as a clerk in China reads it (Beijing time). */
export const when = (iso) => (iso ? moment.format(new Date(iso)) : "—");
export const day = (iso) => (iso ? dayOnly.format(new Date(iso)) : "—");

/** Whole calendar days from `now`'s Beijing date to `iso`'s (negative: past). */
export function daysUntil(iso, now = new Date()) {
  const [a, b] = [now, new Date(iso)].map((d) => Date.parse(`${dayKey.format(d)}T00:00:00Z`));
  return Math.round((b - a) / 86400000);
}

// ------------------------------------------------------------------------------------- the lists

export const TipOffList = ({ params }) => html`<${List} kind="tip_off" seed=${params[0]} />`;
export const HazardList = ({ params }) => html`<${List} kind="hazard" seed=${params[0]} />`;

/** The address of a list filtered by `filters` (keys of its KINDS[kind].blank), e.g. a hazard list
 * of one enterprise: listOf("hazard", {enterprise_id, enterprise_code, enterprise_name}). */
export const listOf = (kind, filters) => `${KINDS[kind].list}?${new URLSearchParams(filters)}`;

const KINDS = {
  hazard: {
    noun: "隐患", path: `${HAZARDS}/hazards`, list: "#/hazards", href: (item) => `#/hazards/${item.id}`,
    blank: { state: "", industry: "", grade: "", source: "", enterprise_id: "", enterprise_code: "", enterprise_name: "", department_id: "",
      overdue: false, actionable_by: false, from: "", to: "" },
    // The date range is the rectification deadline's, whole Beijing days: from (included) to (included).
    query: (f) => ({ state: f.state, industry: f.industry, grade: f.grade, source: f.source, enterprise_id: f.enterprise_id,
      department_id: f.department_id, overdue: f.overdue, actionable_by: f.actionable_by && "me",
      deadline_after: f.from && `${f.from}T00:00:00+08:00`, deadline_before: f.to && nextDay(f.to) }),
  },
  tip_off: {
    noun: "举报", path: "/api/v1/reports/tip-offs", list: "#/tip-offs", href: (item) => `#/tip-offs/${item.id}`,
    blank: { state: "", category: "", industry: "", enterprise_id: "", enterprise_code: "", enterprise_name: "",
      lead_department_id: "", mine: false, step_overdue: false, actionable_by: false, receipt_code: "", from: "", to: "" },
    // The date range is the receipt's, whole Beijing days, both included.
    query: (f) => ({ state: f.state, category: f.category, industry: f.industry, enterprise_code: f.enterprise_code,
      lead_department_id: f.lead_department_id, mine: f.mine, step_overdue: f.step_overdue,
      actionable_by: f.actionable_by && "me", receipt_code: f.receipt_code.trim(),
      received_after: f.from && `${f.from}T00:00:00+08:00`, received_before: f.to && nextDay(f.to) }),
  },
};

const nextDay = (date) => {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return `${next.toISOString().slice(0, 10)}T00:00:00+08:00`;
};

function useStored(key, blank, seed) {
  const [value, setValue] = useState(() => ({ ...blank, ...(seed || JSON.parse(sessionStorage.getItem(key) || "{}")) }));
  useEffect(() => sessionStorage.setItem(key, JSON.stringify(value)), [key, value]);
  return [value, setValue];
}

/** The filters an address's query sets (listOf): the list's own keys only, from a blank filter. */
const seeded = (query, blank) => query && Object.fromEntries([...new URLSearchParams(query)]
  .filter(([key]) => key in blank)
  .map(([key, value]) => [key, typeof blank[key] === "boolean" ? value === "true" : value]));

function List({ kind, seed }) {
  const config = KINDS[kind];
  const [error, setError] = useState(null);
  const words = useLabels(setError);
  const [filters, setFilters] = useStored(`qingling.console.${kind}.filters`, config.blank, seeded(seed, config.blank));
  // Once stored, the address drops the query: going back to the list finds the filters as last changed.
  useEffect(() => { if (seed) location.replace(config.list); }, []);
  const [afters, setAfters] = useState([null]); // the `after` of each page shown so far: back is one pop
  const [page, setPage] = useState(null);
  const [exporting, setExporting] = useState("");
  const query = useMemo(() => config.query(filters), [filters]);

  useEffect(() => {
    let live = true;
    setPage(null);
    call(withQuery(config.path, { ...query, limit: PAGE, after: afters[afters.length - 1] })).then(
      (answer) => live && (setPage(answer), setError(null)),
      (problem) => live && setError(problem),
    );
    return () => { live = false; };
  }, [query, afters]);

  const change = (name) => (event) => {
    const value = event.target.type === "checkbox" ? event.target.checked : event.target.value;
    setFilters({ ...filters, [name]: value });
    setAfters([null]);
  };
  const reset = () => { setFilters(config.blank); setAfters([null]); };

  async function exportCsv() {
    setExporting("正在导出……");
    try {
      const items = await everyPage(config.path, query);
      const { header, rows } = await table(kind, items, await labels());
      const csv = [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n");
      const url = URL.createObjectURL(new Blob(["\uFEFF", csv], { type: "text/csv;charset=utf-8" }));
      save(url, `${config.noun}清单-${dayKey.format(new Date())}.csv`);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setExporting(items.length >= EXPORT_LIMIT ? `已导出前 ${EXPORT_LIMIT} 件；请缩小筛选范围导出其余的` : `已导出 ${items.length} 件`);
    } catch (problem) {
      setExporting("");
      setError(problem);
    }
  }

  return html`
    <h2 tabindex="-1">${config.noun}</h2>
    <form class="card filters" aria-label=${`筛选${config.noun}`} onSubmit=${(e) => e.preventDefault()}>
      ${kind === "hazard"
        ? html`<${HazardFilters} filters=${filters} setFilters=${(f) => { setFilters(f); setAfters([null]); }} change=${change} words=${words} />`
        : html`<${TipOffFilters} filters=${filters} setFilters=${(f) => { setFilters(f); setAfters([null]); }} change=${change} words=${words} />`}
      <div class="row actions">
        <button type="button" class="secondary" onClick=${reset}>清除筛选</button>
        <button type="button" onClick=${exportCsv} disabled=${!page || page.total === 0 || exporting === "正在导出……"}>导出 CSV</button>
        <span role="status">${exporting}</span>
      </div>
    </form>
    ${error && html`<p class="alert" role="alert">${describe(error)}</p>`}
    <section aria-labelledby="results" class="card">
      <h3 id="results" aria-live="polite">${page ? `共 ${page.total} 件${config.noun}` : "正在加载……"}</h3>
      ${page && page.items.length > 0 && html`<${Rows} kind=${kind} items=${page.items} words=${words} />`}
      ${page && page.total === 0 && html`<p>没有符合条件的${config.noun}。</p>`}
      <${Pager} page=${page} afters=${afters} setAfters=${setAfters} size=${PAGE} />
    </section>`;
}

function Select({ id, label, value, onChange, options, all = "全部" }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${onChange}>
      <option value="">${all}</option>
      ${[...(options || [])].map(([code, title]) => html`<option value=${code}>${title}</option>`)}
    </select></div>`;
}

const Check = ({ id, label, checked, onChange }) => html`
  <div class="field check"><input type="checkbox" id=${id} checked=${checked} onChange=${onChange} /><label for=${id}>${label}</label></div>`;

/** The departments of the caller's jurisdiction, by name (id → name), for the department filter. */
function useDepartments() {
  const [departments, setDepartments] = useState(null);
  useEffect(() => {
    const me = current();
    const prefix = me?.region && me.region !== "000000" ? me.region.replace(/(00)+$/, "") : ""; // the jurisdiction
    everyPage(`${HAZARDS}/departments`, { region_prefix: prefix }, 2000).then(
      (items) => setDepartments(items.map((d) => [String(d.id), d.name])),
      () => setDepartments([]),
    );
  }, []);
  return departments;
}

function HazardFilters({ filters, setFilters, change, words }) {
  const departments = useDepartments();
  return html`
    <div class="filter-grid">
      <${Select} id="f-state" label="状态" value=${filters.state} onChange=${change("state")} options=${words?.hazardStates} />
      <${Select} id="f-industry" label="行业领域" value=${filters.industry} onChange=${change("industry")} options=${words?.industries} />
      <${Select} id="f-grade" label="隐患等级" value=${filters.grade} onChange=${change("grade")} options=${words?.grades} />
      <${Select} id="f-source" label="来源" value=${filters.source} onChange=${change("source")} options=${words?.sources} />
      <${Select} id="f-department" label="督办部门" value=${filters.department_id} onChange=${change("department_id")} options=${departments} />
      <${EnterprisePicker} filters=${filters} setFilters=${setFilters} />
      <div class="field">
        <label for="f-from">整改期限从</label>
        <input id="f-from" type="date" value=${filters.from} onChange=${change("from")} />
      </div>
      <div class="field">
        <label for="f-to">整改期限到</label>
        <input id="f-to" type="date" value=${filters.to} onChange=${change("to")} />
      </div>
    </div>
    <div class="row">
      <${Check} id="f-overdue" label="只看已超期未销号的" checked=${filters.overdue} onChange=${change("overdue")} />
      <${Check} id="f-mine" label="只看等我办理的" checked=${filters.actionable_by} onChange=${change("actionable_by")} />
    </div>`;
}

/** The enterprise filter: a name typed, the matching enterprises of the jurisdiction offered. */
function EnterprisePicker({ filters, setFilters }) {
  const [typed, setTyped] = useState("");
  const [found, setFound] = useState(null);
  useEffect(() => {
    if (typed.trim().length < 2) return setFound(null);
    let live = true;
    const timer = setTimeout(() => call(withQuery(`${HAZARDS}/enterprises`, { name: typed.trim(), limit: 20 }))
      .then((page) => live && setFound(page.items), () => live && setFound([])), 300);
    return () => { live = false; clearTimeout(timer); };
  }, [typed]);
  if (filters.enterprise_id) {
    return html`<div class="field">
      <span class="label" id="f-enterprise-label">企业</span>
      <div class="row" aria-labelledby="f-enterprise-label">${filters.enterprise_name}
        <button type="button" class="secondary" onClick=${() => setFilters({ ...filters, enterprise_id: "", enterprise_code: "", enterprise_name: "" })}>
          换一家企业</button></div></div>`;
  }
  const choose = (event) => {
    const chosen = found?.find((e) => String(e.id) === event.target.value);
    if (chosen) setFilters({ ...filters, enterprise_id: String(chosen.id), enterprise_code: chosen.credit_code, enterprise_name: chosen.name });
  };
  return html`<div class="field">
    <label for="f-enterprise">企业名称 <span class="hint">（输入至少两个字查找）</span></label>
    <input id="f-enterprise" type="search" value=${typed} onInput=${(e) => setTyped(e.target.value)} autocomplete="off" />
    ${found && html`
      <label for="f-enterprise-choice" class="visually-hidden">选择企业</label>
      <select id="f-enterprise-choice" onChange=${choose} value="">
        <option value="">${found.length ? `找到 ${found.length} 家，请选择` : "没有找到名称含此字样的企业"}</option>
        ${found.map((e) => html`<option value=${e.id}>${e.name}</option>`)}
      </select>`}
  </div>`;
}

function TipOffFilters({ filters, setFilters, change, words }) {
  const departments = useDepartments();
  return html`
    <div class="filter-grid">
      <${Select} id="f-state" label="状态" value=${filters.state} onChange=${change("state")} options=${words?.tipOffStates} />
      <${Select} id="f-category" label="举报类别" value=${filters.category} onChange=${change("category")} options=${words?.categories} />
      <${Select} id="f-industry" label="行业领域" value=${filters.industry} onChange=${change("industry")} options=${words?.industries} />
      <${Select} id="f-department" label="主办部门" value=${filters.lead_department_id} onChange=${change("lead_department_id")} options=${departments} />
      <${EnterprisePicker} filters=${filters} setFilters=${setFilters} />
      <div class="field">
        <label for="f-from">接收日期从</label>
        <input id="f-from" type="date" value=${filters.from} onChange=${change("from")} />
      </div>
      <div class="field">
        <label for="f-to">接收日期到</label>
        <input id="f-to" type="date" value=${filters.to} onChange=${change("to")} />
      </div>
      <div class="field">
        <label for="f-receipt">回执码</label>
        <input id="f-receipt" value=${filters.receipt_code} onChange=${change("receipt_code")} autocomplete="off" />
      </div>
    </div>
    <div class="row">
      <${Check} id="f-overdue" label="只看当前环节已超期的" checked=${filters.step_overdue} onChange=${change("step_overdue")} />
      <${Check} id="f-lead" label="只看本部门主办的" checked=${filters.mine} onChange=${change("mine")} />
      <${Check} id="f-mine" label="只看等我办理的" checked=${filters.actionable_by} onChange=${change("actionable_by")} />
    </div>`;
}

// ---------------------------------------------------------------------------------------- the rows

const Due = ({ iso, provisional, late }) => iso
  ? html`${when(iso)}${provisional ? html` <span class="tag">暂定</span>` : ""}${late ? html` <span class="tag overdue">已超期</span>` : ""}`
  : "—";

function Rows({ kind, items, words }) {
  const names = useEnterpriseNames(kind === "hazard" ? items.map((i) => i.enterprise_id) : []);
  const href = KINDS[kind].href;
  if (kind === "hazard") {
    return html`<table class="list">
      <thead><tr><th scope="col">隐患</th><th scope="col">企业</th><th scope="col">行业 · 等级</th><th scope="col">状态</th>
        <th scope="col">整改期限</th><th scope="col">下一步</th></tr></thead>
      <tbody>${items.map((item) => html`<tr>
        <td data-label="隐患"><a href=${href(item)}>${item.title}</a> <span class="hint">编号 ${item.id}</span></td>
        <td data-label="企业">${names[item.enterprise_id] || item.enterprise_code}</td>
        <td data-label="行业 · 等级">${say(words?.industries, item.industry)} · ${say(words?.grades, item.grade)}</td>
        <td data-label="状态"><span class="tag">${item.state_title}</span></td>
        <td data-label="整改期限"><${Due} iso=${item.deadline_at} provisional=${item.deadline_provisional} late=${item.overdue} /></td>
        <td data-label="下一步">${item.step ? html`${item.step}：<${Due} iso=${item.step_due_at} provisional=${item.step_provisional} late=${item.step_overdue} />` : "—"}</td>
      </tr>`)}</tbody></table>`;
  }
  return html`<table class="list">
    <thead><tr><th scope="col">举报</th><th scope="col">被举报单位</th><th scope="col">类别 · 行业</th><th scope="col">状态</th>
      <th scope="col">主办部门</th><th scope="col">当前环节</th></tr></thead>
    <tbody>${items.map((item) => html`<tr>
      <td data-label="举报"><a href=${href(item)}>举报 ${item.id}</a> <span class="hint">${day(item.received_at)}</span></td>
      <td data-label="被举报单位">${item.enterprise_name || item.target || "—"}</td>
      <td data-label="类别 · 行业">${say(words?.categories, item.category)} · ${say(words?.industries, item.industry)}</td>
      <td data-label="状态"><span class="tag">${item.state_title}</span></td>
      <td data-label="主办部门">${item.lead_department || "—"}</td>
      <td data-label="当前环节">${item.step ? html`${item.step}：<${Due} iso=${item.step_due_at} provisional=${item.step_provisional} late=${item.step_overdue} />` : "—"}</td>
    </tr>`)}</tbody></table>`;
}

const enterpriseNames = new Map(); // id → name, for the tab: a hazard names its enterprise by id

async function enterpriseName(id) {
  if (!enterpriseNames.has(id)) {
    enterpriseNames.set(id, call(`${HAZARDS}/enterprises/${id}`).then((e) => e.name, () => null));
  }
  return enterpriseNames.get(id);
}

function useEnterpriseNames(ids) {
  const [names, setNames] = useState({});
  const key = [...new Set(ids)].join(",");
  useEffect(() => {
    let live = true;
    Promise.all([...new Set(ids)].map(async (id) => [id, await enterpriseName(id)]))
      .then((pairs) => live && setNames(Object.fromEntries(pairs)));
    return () => { live = false; };
  }, [key]);
  return names;
}

// ------------------------------------------------------------------------------------------ export

const cell = (value) => {
  const text = value == null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const yes = (flag) => (flag ? "是" : "否");

async function table(kind, items, words) {
  if (kind === "hazard") {
    const names = Object.fromEntries(await Promise.all([...new Set(items.map((i) => i.enterprise_id))]
      .map(async (id) => [id, await enterpriseName(id)])));
    return {
      header: ["隐患编号", "隐患名称", "企业名称", "统一社会信用代码", "行政区划代码", "行业领域", "隐患等级", "来源", "状态",
        "发现时间", "督办部门", "挂牌督办机关", "整改期限", "整改期限暂定", "是否超期", "下一步事项", "下一步期限", "销号时间"],
      rows: items.map((h) => [h.id, h.title, names[h.enterprise_id] || "", h.enterprise_code, h.region_code,
        say(words.industries, h.industry), say(words.grades, h.grade), say(words.sources, h.source), h.state_title,
        when(h.found_at), h.supervising_department?.name || "", h.lister?.name || "", when(h.deadline_at),
        yes(h.deadline_provisional), yes(h.overdue), h.step || "", when(h.step_due_at),
        h.state === "closed" ? when(h.closed_at) : ""]),
    };
  }
  return {
    header: ["举报编号", "回执码", "接收时间", "举报类别", "行业领域", "被举报单位", "事发地区划代码", "渠道", "状态", "主办部门",
      "当前环节", "环节期限", "是否超期", "核查结论", "答复时间"],
    rows: items.map((t) => [t.id, t.receipt_code, when(t.received_at), say(words.categories, t.category),
      say(words.industries, t.industry), t.enterprise_name || t.target || "", t.region_code, say(words.channels, t.channel),
      t.state_title, t.lead_department || "", t.step || "", when(t.step_due_at), yes(t.step_overdue),
      t.outcome ? say(words.outcomes, t.outcome) : "", when(t.replied_at)]),
  };
}

/** Pages by the API's keyset: ``afters`` holds the ``after`` of each page shown so far, so back is
 * one pop and the page number is its length. Nothing when everything fits on one page. */
export function Pager({ page, afters, setAfters, size }) {
  const number = afters.length;
  if (!page || (number === 1 && !page.next_after)) return null;
  return html`
    <nav class="row" aria-label="翻页">
      <button type="button" class="secondary" disabled=${number === 1}
        onClick=${() => setAfters(afters.slice(0, -1))}>上一页</button>
      <span>第 ${number} 页，共 ${Math.max(1, Math.ceil(page.total / size))} 页</span>
      <button type="button" class="secondary" disabled=${!page.next_after}
        onClick=${() => setAfters([...afters, page.next_after])}>下一页</button>
    </nav>`;
}
