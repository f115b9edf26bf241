// A return's page (#/returns/<id>, through views/item.js): what the return is in words — kind,
// period, department, the 安委办 it goes to, its state and deadline with the time left — and the
// figures it carries once prepared, read from the return's own tables (GET …/tables: the same
// stored snapshot that is submitted), with the Excel and CSV files the API makes of them.
import { html, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { describe } from "/assets/api.js";
import { call } from "../session.js";
import { downloadFrom } from "../download.js";
import { Deadline, when } from "./item-facts.js";

const BASE = "/api/v1/hazards/returns";

// The tables of numbers look as on the dashboard (figures.css: scrolling sideways, figures right-aligned).
if (!document.querySelector("link[data-figures-css]")) {
  const sheet = Object.assign(document.createElement("link"), { rel: "stylesheet", href: new URL("../figures.css", import.meta.url).href });
  sheet.dataset.figuresCss = "";
  document.head.append(sheet);
}

/** An instant that ends a day (the API's 00:00 of the next) as the day's 24:00: "截至 4月30日 24时". */
function endOf(iso) {
  if (iso.slice(11, 16) !== "00:00") return when(iso);
  const day = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return `${day.toISOString().slice(0, 10)} 24:00`;
}

export function ReturnFacts({ item }) {
  const f = item.figures;
  const late = item.submitted_late === null ? null : item.submitted_late ? "逾期报送" : "按期报送";
  const rows = [
    ["报表", item.kind_title],
    ["报告期", item.period_title],
    ["报送部门", item.department.name],
    ["报送给", item.committee_name],
    ["当前状态", item.state_title],
    ["报送期限", html`<${Deadline} at=${item.due_at} overdue=${item.overdue} provisional=${item.due_provisional}
      daysOverdue=${item.days_overdue} />`],
    ["下一步", item.step && (item.step_due_at && item.step_due_at !== item.due_at // sent back: a limit of its own
      ? html`${item.step}：<${Deadline} at=${item.step_due_at} overdue=${item.step_overdue} />` : item.step)],
    ["退回理由", item.sent_back_reason],
    ["编制说明", item.preparation_note],
    ["统计时点", f && `${endOf(f.as_of)}（报告期末）`],
    ["编制（取数）时间", f && when(f.prepared_at)],
    ["报送说明", item.submission_note],
    ["报送时间", item.submitted_at && `${when(item.submitted_at)}${late ? `（首次报送${late}）` : ""}`],
    ["签收时间", when(item.received_at)], // who submitted and received it: the trail names their departments
  ].filter(([, value]) => value);
  return html`<section class="card" aria-labelledby="facts-heading">
    <h3 id="facts-heading">基本情况</h3>
    <table class="facts"><tbody>${rows.map(([label, value]) => html`
      <tr><th scope="row">${label}</th><td>${value}</td></tr>`)}</tbody></table>
  </section>`;
}

const percent = (value) => (value == null ? "—" : `${(value * 100).toFixed(1)}%`);
const show = (value, kind) => (kind === "percent" ? percent(value) : value ?? "—");

/** The return's tables as it carries them (none before it is prepared) and their files. */
export function ReturnFigures({ id, item }) {
  const [tables, setTables] = useState(null);
  const [problem, setProblem] = useState("");
  const prepared = Boolean(item.figures);
  useEffect(() => {
    let live = true;
    setTables(null);
    if (prepared) {
      call(`${BASE}/${id}/tables`).then((answer) => live && setTables(answer.tables), (e) => live && setProblem(describe(e)));
    }
    return () => { live = false; };
  }, [item]);
  const download = (query, name) => () => {
    setProblem("");
    downloadFrom(`${BASE}/${id}/tables?${query}`, name).catch((e) => setProblem(describe(e)));
  };
  return html`<section class="card" aria-labelledby="figures-heading">
    <h3 id="figures-heading">报表数字</h3>
    ${!prepared ? html`<p>尚未编制：编制时按报告期最后一刻取得隐患和举报的数字并保存。</p>` : html`
      <div class="row">
        <button type="button" onClick=${download("format=xlsx", `${item.title}.xlsx`)}>下载 Excel（表一、表二）</button>
        <button type="button" class="secondary" onClick=${download("format=csv&table=1", `${item.title}_表1.csv`)}>下载表一 CSV</button>
        <button type="button" class="secondary" onClick=${download("format=csv&table=2", `${item.title}_表2.csv`)}>下载表二 CSV</button>
      </div>
      ${problem && html`<p class="error" role="alert">${problem}</p>`}
      ${tables ? tables.map((table, index) => html`<${Table} table=${table} index=${index} />`) : !problem && html`<p>正在加载……</p>`}`}
  </section>`;
}

function Table({ table, index }) {
  const label = `${table.title}（${table.subtitle}）`;
  return html`
    <h4 id=${`return-table-${index}`}>${table.title}</h4>
    <p class="hint">${table.subtitle}</p>
    ${table.missing && html`<p class="alert">编制时未能取得数字：${table.missing}。可重新编制。</p>`}
    ${table.rows.length > 0 && html`
      <div role="region" aria-labelledby=${`return-table-${index}`} tabindex="0" class="scroll">
        <table class="numbers" aria-label=${label}>
          <thead><tr>${table.columns.map((c, i) => html`<th scope="col" class=${i ? "" : "text"}>${c.header}</th>`)}</tr></thead>
          <tbody>${table.rows.map((row) => html`<tr>${table.columns.map((c, i) => i
            ? html`<td>${show(row[c.key], c.kind)}</td>`
            : html`<th scope="row" class="text">${row[c.key]}</th>`)}</tr>`)}</tbody>
        </table>
      </div>`}`;
}
