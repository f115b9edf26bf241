// 挂牌督办: the listed major hazards of the clerk's jurisdiction — the hazards service's 挂牌督办清单
// (its JSON is the rows the CSV and Excel exports hold), each with its deadline's time left.
import { html, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { describe } from "/assets/api.js";
import { call } from "../session.js";
import { downloadFrom } from "../download.js";
import { Figures } from "../charts.js";

const LEDGER = "/api/v1/hazards/ledgers/listed-hazards";
const SHOWN = {
  open: ["未销号的", (row) => row.state !== "closed"],
  overdue: ["已超期的", (row) => row.overdue],
  closed: ["已销号的", (row) => row.state === "closed"],
  all: ["全部", () => true],
};

export function Supervision() {
  const [ledger, setLedger] = useState(null);
  const [error, setError] = useState("");
  const [shown, setShown] = useState("open");
  const [exporting, setExporting] = useState("");

  useEffect(() => {
    call(LEDGER).then(setLedger, (failure) => setError(describe(failure)));
  }, []);

  async function exportAs(format) {
    setExporting(format);
    setError("");
    try {
      await downloadFrom(`${LEDGER}?format=${format}`, `listed-hazards.${format}`);
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setExporting("");
    }
  }

  const today = ledger?.generated_at.slice(0, 10); // the server's date in Beijing (+08:00)
  const rows = ledger ? ledger.items.filter(SHOWN[shown][1]) : [];
  return html`
    <h2 tabindex="-1">挂牌督办${ledger ? ` · ${ledger.region_name}` : ""}</h2>
    <p id="supervision-error" class="error" role="alert">${error}</p>
    ${!ledger ? !error && html`<p role="status">正在加载……</p>` : html`
      <section class="card" aria-labelledby="supervision-counts">
        <h3 id="supervision-counts">合计</h3>
        <p class="hint">截至 ${ledger.generated_at.slice(0, 16).replace("T", " ")}（北京时间）</p>
        <${Figures} items=${[["挂牌督办", ledger.total, "项"], ["未销号", ledger.open, "项"],
          ["已超期", ledger.overdue, "项", true], ["已销号", ledger.closed, "项"]]} />
      </section>
      <section class="card" aria-labelledby="supervision-list">
        <h3 id="supervision-list">挂牌督办清单</h3>
        <div class="controls">
          <span>
            <label for="supervision-shown">显示</label>
            <select id="supervision-shown" value=${shown} onChange=${(e) => setShown(e.target.value)}>
              ${Object.entries(SHOWN).map(([key, [title]]) => html`<option value=${key}>${title}</option>`)}
            </select>
          </span>
          <button class="secondary" disabled=${!!exporting} onClick=${() => exportAs("csv")}>导出 CSV</button>
          <button class="secondary" disabled=${!!exporting} onClick=${() => exportAs("xlsx")}>导出 Excel</button>
        </div>
        <p role="status">${SHOWN[shown][0]}：${rows.length} 项</p>
        ${rows.length > 0 && html`<${Table} rows=${rows} today=${today} />`}
      </section>`}`;
}

function Table({ rows, today }) {
  return html`
    <div role="region" aria-label="挂牌督办清单表" tabindex="0" class="scroll">
      <table>
        <thead><tr>
          <th scope="col">督办文号</th><th scope="col">企业</th><th scope="col">隐患</th>
          <th scope="col">挂牌督办机关</th><th scope="col">挂牌日期</th><th scope="col">整改期限</th>
          <th scope="col">状态</th>
        </tr></thead>
        <tbody>
          ${rows.map((row) => html`
            <tr>
              <td><a href=${`#/hazards/${row.hazard_id}`}>${row.notice_no}</a></td>
              <td>${row.enterprise_name}<br /><span class="hint">${row.region_name}</span></td>
              <td>${row.title}</td>
              <td>${row.lister}</td>
              <td>${row.listed_on}</td>
              <td>${row.deadline || "—"}<br /><${TimeLeft} row=${row} today=${today} /></td>
              <td>${row.state_title}${row.step && html`<br /><span class="hint">${row.step}${
                row.step_due_on ? `（${row.step_due_on} 前）` : ""}</span>`}
                ${row.production_suspended && html`<br /><span class="tag">停产停业治理中</span>`}</td>
            </tr>`)}
        </tbody>
      </table>
    </div>`;
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
