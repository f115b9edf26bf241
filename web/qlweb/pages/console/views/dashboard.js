// 统计: the figures APIs drawn for a month and a region of the clerk's jurisdiction — 清零 progress
// over the twelve months up to it, overdue hazards by region, the latest returns and who has not
// submitted them, and the tip-offs handled. The APIs count; the page only draws and tabulates.
import { html, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { describe } from "/assets/api.js";
import { call } from "../session.js";
import { ChartFigure, Figures } from "../charts.js";
import { everyPage } from "./lists.js";

const H = "/api/v1/hazards";
const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();

// `count` months up to "2026-03" (included), oldest first.
function monthsUpTo(last, count) {
  const [year, month] = last.split("-").map(Number);
  return Array.from({ length: count }, (_, index) => {
    const date = new Date(Date.UTC(year, month - count + index, 1));
    return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
  });
}

const monthTitle = (label) => `${label.slice(0, 4)}年${Number(label.slice(5))}月`;
// A region's code as the hazards figures' prefix: 330500 (a city) → 3305, 330000 → 33.
const prefixOf = (code) => (code.length === 6 ? code.replace(/(00)+$/, "") : code);
// The regions one level down from the caller's: a national account's are the provinces.
export const parentOf = (me) => (me.region === "000000" ? "" : me.region);

export function Dashboard({ me }) {
  const [start, setStart] = useState(null); // {month: this month, title: the jurisdiction, regions}
  const [month, setMonth] = useState("");
  const [region, setRegion] = useState(""); // a sub-region's code, or "" for the whole jurisdiction
  const [error, setError] = useState("");

  useEffect(() => {
    // This month by the server's clock (the figures' default period), and the sub-regions by name.
    Promise.all([call(`${H}/figures?group_by=grade`), call(`${H}/regions?${query({ parent: parentOf(me) })}`)])
      .then(([figures, regions]) => {
        const thisMonth = figures.period.first_day.slice(0, 7);
        setStart({ month: thisMonth, title: figures.region_title, regions });
        setMonth(thisMonth);
      }, (failure) => setError(describe(failure)));
  }, []);

  if (!start) {
    return html`<h2 tabindex="-1">统计</h2>
      <p class="error" role="alert">${error}</p>${!error && html`<p role="status">正在加载……</p>`}`;
  }
  const regionTitle = start.regions.find((r) => r.code === region)?.name || start.title;
  const scope = { month, region, regionTitle };
  return html`
    <h2 tabindex="-1">统计 · ${regionTitle}</h2>
    <form class="card controls" aria-label="统计范围" onSubmit=${(e) => e.preventDefault()}>
      <span>
        <label for="dashboard-month">统计月份</label>
        <select id="dashboard-month" value=${month} onChange=${(e) => setMonth(e.target.value)}>
          ${monthsUpTo(start.month, 36).reverse().map((m) => html`<option value=${m}>${monthTitle(m)}</option>`)}
        </select>
      </span>
      <span>
        <label for="dashboard-region">地区</label>
        <select id="dashboard-region" value=${region} onChange=${(e) => setRegion(e.target.value)}>
          <option value="">全辖区（${start.title}）</option>
          ${start.regions.map((r) => html`<option value=${r.code}>${r.name}</option>`)}
        </select>
      </span>
    </form>
    <${Zeroing} key=${`z${month}${region}`} ...${scope} />
    <${Overdue} key=${`o${month}${region}`} ...${scope} />
    <${Returns} key=${`r${region}`} ...${scope} />
    <${TipOffs} key=${`t${month}${region}`} ...${scope} />`;
}

/** A section's data: loaded once per key (the parent remounts it when the month or region changes). */
function useLoad(load) {
  const [state, setState] = useState({ data: null, error: "" });
  useEffect(() => {
    load().then((data) => setState({ data, error: "" }), (failure) => setState({ data: null, error: describe(failure) }));
  }, []);
  return state;
}

function Waiting({ title, error }) {
  return html`<section class="card"><h3>${title}</h3>
    <p class="error" role="alert">${error}</p>${!error && html`<p role="status">正在加载……</p>`}</section>`;
}

function Zeroing({ month, region, regionTitle }) {
  const months = monthsUpTo(month, 12);
  const { data, error } = useLoad(() =>
    Promise.all(months.map((m) => call(`${H}/figures?${query({ month: m, grade: "major", group_by: "grade",
      region_prefix: region && prefixOf(region) })}`))));
  const title = "重大事故隐患动态清零进展";
  if (!data) return html`<${Waiting} title=${title} error=${error} />`;
  const series = [
    { label: "新发现重大隐患", data: data.map((f) => f.total.found) },
    { label: "销号重大隐患", data: data.map((f) => f.total.closed) },
    { label: "月末未销号重大隐患", data: data.map((f) => f.total.open_major), line: true },
  ];
  const last = data[data.length - 1].total;
  return html`
    <section class="card" aria-labelledby="dashboard-month-figures">
      <h3 id="dashboard-month-figures">${monthTitle(month)} 重大隐患</h3>
      <${Figures} items=${[["新发现", last.found, "项"], ["销号", last.closed, "项"],
        ["月末未销号", last.open_major, "项", true], ["已超期", last.overdue, "项", true]]} />
    </section>
    <${ChartFigure} id="chart-zeroing" title=${title} heading="月份" labels=${months.map(monthTitle)}
      series=${series} file=${`清零进展_${regionTitle}_${month}`}
      subtitle=${`${regionTitle} ${monthTitle(months[0])}—${monthTitle(month)}`}
      caption=${`${regionTitle}近 12 个月每月新发现和销号的重大事故隐患数（柱），及每月末（本月为现在）` +
        "尚未销号的重大隐患数（折线）；目标是未销号重大隐患动态清零。"} />`;
}

function Overdue({ month, region, regionTitle }) {
  const { data, error } = useLoad(() =>
    call(`${H}/figures?${query({ month, group_by: "region", region_prefix: region && prefixOf(region) })}`));
  const title = "超期隐患（按地区）";
  if (!data) return html`<${Waiting} title=${title} error=${error} />`;
  if (!data.rows.length) {
    return html`<section class="card"><h3>${title}</h3><p>${regionTitle}截至${data.period.title}末没有隐患记录。</p></section>`;
  }
  const series = [
    { label: "超期隐患", data: data.rows.map((r) => r.overdue) },
    { label: "未销号重大隐患", data: data.rows.map((r) => r.open_major) },
    { label: "未销号隐患", data: data.rows.map((r) => r.open) },
  ];
  return html`<${ChartFigure} id="chart-overdue" title=${title} heading="地区" horizontal
    labels=${data.rows.map((r) => r.title)} series=${series} file=${`超期隐患_${regionTitle}_${month}`}
    subtitle=${`${regionTitle} 截至 ${data.as_of.slice(0, 16).replace("T", " ")}`}
    caption=${`${regionTitle}下一级各地区截至 ${data.as_of.slice(0, 16).replace("T", " ")}（${data.period.title}末或现在）` +
      `超过整改期限仍未销号的隐患数，及未销号的隐患和重大隐患数。合计超期 ${data.total.overdue} 项。`} />`;
}

/** The pages of the returns not yet submitted in the overview's rows: "kind/period/department id" → id. */
function useOutstanding(overview) {
  const [pages, setPages] = useState({});
  useEffect(() => {
    if (!overview) return;
    const rows = overview.rows.filter((row) => row.outstanding > 0);
    Promise.all(rows.map((row) => everyPage(`${H}/returns`, { kind: row.kind, period: row.period, outstanding: true,
      committee_region_code: overview.committee_region_code })))
      .then((lists) => setPages(Object.fromEntries(lists.flat().map((r) => [`${r.kind}/${r.period}/${r.department.id}`, r.id]))),
        () => setPages({})); // the names stay, without links
  }, [overview]);
  return pages;
}

function Returns({ region }) {
  // The latest period of each kind of return owed to the 安委办 of the region (a county or above).
  const committee = region.length === 6 ? region : "";
  const { data, error } = useLoad(() => call(`${H}/returns/overview?${query({ latest: 1, committee_region_code: committee })}`));
  const pages = useOutstanding(data);
  const title = "报表报送情况（最近一期）";
  if (!data) return html`<${Waiting} title=${title} error=${error} />`;
  return html`
    <section class="card" aria-labelledby="dashboard-returns">
      <h3 id="dashboard-returns">${title}</h3>
      <p class="hint">报${data.committee_name}的周报、月报、季报、年报：各部门的报送情况和尚未报送的部门。</p>
      ${data.rows.length === 0 ? html`<p>目前没有应报送的报表。</p>` : html`
        <div role="region" aria-label="报表报送情况表" tabindex="0" class="scroll">
          <table class="numbers">
            <thead><tr>
              <th scope="col">报表</th><th scope="col" class="text">报告期</th><th scope="col" class="text">报送期限</th><th scope="col">应报</th>
              <th scope="col">已报送</th><th scope="col">未报送</th><th scope="col">其中超期</th>
            </tr></thead>
            <tbody>
              ${data.rows.map((row) => html`
                <tr>
                  <th scope="row">${row.kind_title}</th>
                  <td class="text">${row.period_title}</td>
                  <td class="text">${row.due_at.slice(0, 16).replace("T", " ")}</td>
                  <td>${row.expected}</td><td>${row.submitted}</td><td>${row.outstanding}</td>
                  <td>${row.overdue > 0 ? html`<span class="tag overdue">${row.overdue}</span>` : 0}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>
        ${data.rows.filter((row) => row.outstanding > 0).map((row) => html`
          <h4>${row.kind_title}（${row.period_title}）未报送的部门：${row.outstanding} 个</h4>
          <ul class="names">${row.outstanding_departments.map((d) => {
            const id = pages[`${row.kind}/${row.period}/${d.id}`];
            return html`<li class="tag">${id ? html`<a href=${`#/returns/${id}`}>${d.name}</a>` : d.name}</li>`;
          })}</ul>`)}`}
    </section>`;
}

function TipOffs({ month, region, regionTitle }) {
  const { data, error } = useLoad(() =>
    call(`/api/v1/reports/figures?${query({ month, group_by: "region", region_code: region })}`));
  const title = "举报办理（按地区）";
  if (!data) return html`<${Waiting} title=${title} error=${error} />`;
  const total = data.total.tip_offs;
  const summary = html`<${Figures} items=${[["接收", total.received, "件"], ["受理", total.accepted, "件"],
    ["作出核查结论", total.concluded, "件"], ["答复举报人", total.replied, "件"], ["在办", total.open, "件"],
    ["超期", total.overdue, "件", true]]} />`;
  if (!data.groups.length) {
    return html`<section class="card"><h3>${title}</h3>${summary}<p>${data.period.title}没有举报。</p></section>`;
  }
  const series = [
    { label: "接收", data: data.groups.map((g) => g.tip_offs.received) },
    { label: "受理", data: data.groups.map((g) => g.tip_offs.accepted) },
    { label: "超期", data: data.groups.map((g) => g.tip_offs.overdue) },
  ];
  return html`
    <section class="card" aria-labelledby="dashboard-tip-offs">
      <h3 id="dashboard-tip-offs">${data.period.title}举报</h3>
      ${summary}
    </section>
    <${ChartFigure} id="chart-tip-offs" title=${title} heading="地区" horizontal
      labels=${data.groups.map((g) => g.title)} series=${series} file=${`举报办理_${regionTitle}_${month}`}
      subtitle=${`${regionTitle} ${data.period.title}`}
      caption=${`${regionTitle}${data.period.title}接收和受理的举报件数，及截至统计时点办理超期的件数，按下一级地区。`} />`;
}
