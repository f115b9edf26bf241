// 挂牌督办: the listed major hazards of the clerk's jurisdiction — the hazards service's 挂牌督办清单
// (its JSON is the rows the CSV and Excel exports hold), each with its deadline's time left.
import { html, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { describe } from "/assets/api.js";
import { call } from "../session.js";
import { downloadFrom } from "../download.js";
import { Figures } from "../charts.js";
import { useLabels } from "../labels.js";
import { parentOf } from "./dashboard.js";

const LEDGER = "/api/v1/hazards/ledgers/listed-hazards";
const OPEN = [["true", "未销号的"], ["false", "已销号的"], ["", "全部"]];
const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
// The nearest deadline first (the overdue at the top), the closed after the open.
const urgency = (row) => `${row.state === "closed" ? 1 : 0}${row.deadline || "9999"}`;

export function Supervision({ me }) {
  // The ledger's own filters, so the export holds what the list shows.
  const [filters, setFilters] = useState({ region_code: "", industry: "", open: "true" });
  const [ledger, setLedger] = useState(null);
  const [regions, setRegions] = useState([]);
  const [error, setError] = useState("");
  const [exporting, setExporting] = useState(false);
  const words = useLabels((failure) => setError(describe(failure)));
  const search = query(filters);

  useEffect(() => {
    call(`/api/v1/hazards/regions?${query({ parent: parentOf(me) })}`).then(setRegions, (f) => setError(describe(f)));
  }, []);
  useEffect(() => {
    let current = true;
    call(`${LEDGER}?${search}`).then(
      (answer) => current && setLedger(answer),
      (failure) => current && setError(describe(failure)),
    );
    return () => { current = false; };
  }, [search]);

  async function exportAs(format) {
    setExporting(true);
    setError("");
    try {
      await downloadFrom(`${LEDGER}?${query({ ...filters, format })}`, `listed-hazards.${format}`);
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setExporting(false);
    }
  }

  const choose = (name) => (event) => setFilters({ ...filters, [name]: event.target.value });
  const today = ledger?.generated_at.slice(0, 10); // the server's date in Beijing (+08:00)
  const rows = ledger ? [...ledger.items].sort((a, b) => urgency(a).localeCompare(urgency(b))) : [];
  return html`
    <h2 tabindex="-1">挂牌督办${ledger ? ` · ${ledger.region_name}` : ""}</h2>
    <p id="supervision-error" class="error" role="alert">${error}</p>
    <form class="card controls" aria-label="筛选" onSubmit=${(e) => e.preventDefault()}>
      <span>
        <label for="supervision-open">状态</label>
        <select id="supervision-open" value=${filters.open} onChange=${choose("open")}>
          ${OPEN.map(([value, title]) => html`<option value=${value}>${title}</option>`)}
        </select>
      </span>
      ${regions.length > 0 && html`<span>
        <label for="supervision-region">地区</label>
        <select id="supervision-region" value=${filters.region_code} onChange=${choose("region_code")}>
          <option value="">全辖区</option>
          ${regions.map((r) => html`<option value=${r.code}>${r.name}</option>`)}
        </select>
      </span>`}
      <span>
        <label for="supervision-industry">行业</label>
        <select id="supervision-industry" value=${filters.industry} onChange=${choose("industry")}>
          <option value="">全部行业</option>
          ${[...(words?.industries || [])].map(([code, name]) => html`<option value=${code}>${name}</option>`)}
        </select>
      </span>
    </form>
    ${!ledger ? !error && html`<p role="status">正在加载……</p>` : html`
      <section class="card" aria-labelledby="supervision-counts">
        <h3 id="supervision-counts">合计</h3>
        <p class="hint">截至 ${ledger.generated_at.slice(0, 16).replace("T", " ")}（北京时间）</p>
        <${Figures} items=${[["挂牌督办", ledger.total, "项"], ["未销号", ledger.open, "项"],
          ["已超期", ledger.overdue, "项", true], ["已销号", ledger.closed, "项"]]} />
      </section>
      <section class="card" aria-labelledby="supervision-list">
        <h3 id="supervision-list">挂牌督办清单</h3>
        <div class="row">
          <button class="secondary" disabled=${exporting} onClick=${() => exportAs("csv")}>导出 CSV</button>
          <button class="secondary" disabled=${exporting} onClick=${() => exportAs("xlsx")}>导出 Excel</button>
        </div>
        <p role="status">${rows.length ? `共 ${rows.length} 项，期限近的在前` : "没有符合条件的挂牌督办隐患"}</p>
        ${rows.length > 0 && html`<${Table} rows=${rows} today=${today} />`}
      </section>`}`;
}

// On a phone each row stacks into a card, each cell under its column's name (figures.css).
const COLUMNS = ["督办文号", "企业", "隐患", "挂牌督办机关", "挂牌日期", "整改期限", "状态"];
const UNBROKEN = new Set([0, 4, 5]); // a notice number and dates read whole

function Table({ rows, today }) {
  const cells = (row) => [
    html`<a href=${`#/hazards/${row.hazard_id}`}>${row.notice_no}</a>`,
    html`${row.enterprise_name}<br /><span class="hint">${row.region_name}</span>`,
    row.title,
    row.lister,
    row.listed_on,
    html`${row.deadline || "—"} <${TimeLeft} row=${row} today=${today} />`,
    html`${row.state_title}${row.step && html`<br /><span class="hint">${row.step}${
      row.step_due_on ? `（${row.step_due_on} 前）` : ""}</span>`}${
      row.production_suspended && html` <span class="tag">停产停业治理中</span>`}`,
  ];
  return html`
    <table class="stack">
      <caption class="visually-hidden">挂牌督办清单</caption>
      <thead><tr>${COLUMNS.map((title) => html`<th scope="col">${title}</th>`)}</tr></thead>
      <tbody>
        ${rows.map((row) => html`
          <tr>${cells(row).map((cell, index) => html`
            <td data-label=${COLUMNS[index]} class=${UNBROKEN.has(index) ? "unbroken" : null}>${cell}</td>`)}</tr>`)}
      </tbody>
    </table>`;
}

// Days between two ISO dates (YYYY-MM-DD), both read as Beijing dates.
const daysBetween = (from, to) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

function TimeLeft({ row, today }) {
  if (row.closed_on) return html`<span class="tag">${row.closed_on} 销号</span>`;
  if (!row.deadline) return null;
  const left = daysBetween(today, row.deadline);
  if (row.overdue) return html`<span class="tag overdue">已超期 ${Math.max(-left, 1)} 日</span>`;
  return html`<span class="tag">${left === 0 ? "今日到期" : `剩 ${left} 日`}</span>`;
}
