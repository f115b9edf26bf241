// My work (#/work): what waits for the signed-in clerk's decision — tip-offs, hazards and returns
// whose allowed_actions for them are not empty (the lists' actionable_by=me) — grouped as overdue,
// due today, due this week and later by the time limit of the step each is in, with its end as
// the API counted it (working days through the holiday calendar, provisional when the year's
// notice is not loaded) and the working days left, all counted by the service in one request.
import { html, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { describe, Problem } from "/assets/api.js";
import { say, useLabels } from "../labels.js";
import { workingDaysLeft, inWords } from "../working-days.js";
import { daysUntil, everyPage, when } from "./lists.js";

const LISTS = [
  { kind: "tip_off", noun: "举报", path: "/api/v1/reports/tip-offs", actions: "tipOffActions", href: (i) => `#/tip-offs/${i.id}`,
    name: (i) => `举报 ${i.id}：${i.enterprise_name || i.target || "（未写明单位）"}`, gist: (i) => i.facts },
  { kind: "hazard", noun: "隐患", path: "/api/v1/hazards/hazards", actions: "hazardActions", href: (i) => `#/hazards/${i.id}`,
    name: (i) => i.title },
  { kind: "return", noun: "报表", path: "/api/v1/hazards/returns", actions: "returnActions", href: (i) => `#/returns/${i.id}`,
    name: (i) => i.title },
];

// Powers a department holds over an item whenever it is in a state (hand it on, take it up, order
// 停产停业) — offered on the item's page, but no decision the item waits for: such items are shown
// apart, not among the deadlines.
const STANDING = new Set(["transfer", "relocate", "take_over", "merge", "suspend_production", "resume_production", "regrade"]);

const GROUPS = [
  ["overdue", "已超期"],
  ["today", "今天到期"],
  ["week", "本周内到期"],
  ["later", "以后到期"],
  ["open", "没有办理期限"],
];

const weekday = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Shanghai", weekday: "short" });
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** One item of any list as My work shows it: the limit it runs against, and what the clerk may do. */
function entry(list, item) {
  const [due, provisional] = item.step_due_at
    ? [item.step_due_at, item.step_provisional]
    : [item.deadline_at ?? item.due_at ?? null, item.deadline_provisional ?? item.due_provisional ?? false];
  return {
    list, item, due, provisional, late: Boolean(item.step_overdue || item.overdue),
    what: item.step || (item.deadline_at ? "整改期限" : item.due_at ? "报送期限" : ""),
    standing: item.allowed_actions.every((action) => STANDING.has(action)),
  };
}

function groupOf(work, now) {
  if (!work.due) return "open";
  if (work.late || Date.parse(work.due) < now) return "overdue";
  const days = daysUntil(work.due, new Date(now));
  if (days === 0) return "today";
  return days <= 6 - DAYS.indexOf(weekday.format(new Date(now))) ? "week" : "later";
}

export function Work() {
  const [error, setError] = useState(null);
  const words = useLabels(setError);
  const [work, setWork] = useState(null);
  useEffect(() => {
    let live = true;
    // A list the caller's role may not read at all (an operator's returns, an enterprise's tip-offs) has nothing for them.
    const read = (list) => everyPage(list.path, { actionable_by: "me" }).then(
      (items) => items.map((item) => entry(list, item)),
      (problem) => (problem instanceof Problem && problem.status === 403 ? [] : Promise.reject(problem)),
    );
    // The working days left to every deadline, in one request; without them the deadlines still show.
    const counted = async (found) => {
      const work = found.flat();
      const counts = await workingDaysLeft(work.map((w) => w.due)).catch(() => new Map());
      return work.map((w) => ({ ...w, count: counts.get(w.due) }));
    };
    Promise.all(LISTS.map(read)).then(counted).then((found) => live && setWork(found), (problem) => live && setError(problem));
    return () => { live = false; };
  }, []);

  if (error) return html`<h2 tabindex="-1">我的待办</h2><p class="alert" role="alert">${describe(error)}</p>`;
  if (!work) return html`<h2 tabindex="-1">我的待办</h2><p role="status">正在加载……</p>`;

  const now = Date.now();
  const pending = work.filter((w) => !w.standing).sort((a, b) => (a.due ? Date.parse(a.due) : Infinity) - (b.due ? Date.parse(b.due) : Infinity));
  const grouped = Object.fromEntries(GROUPS.map(([key]) => [key, []]));
  for (const w of pending) grouped[groupOf(w, now)].push(w);
  const standing = work.filter((w) => w.standing);
  const counts = GROUPS.filter(([key]) => grouped[key].length).map(([key, title]) => `${title} ${grouped[key].length} 件`);

  return html`
    <h2 tabindex="-1">我的待办</h2>
    <p role="status">${pending.length ? `共 ${pending.length} 件等您办理：${counts.join("，")}。` : "目前没有等您办理的事项。"}</p>
    <p class="hint">期限为北京时间，按规定的工作日或日历日计算（已计入法定节假日和调休）；“暂定”表示该年放假安排尚未公布，公布后重新计算。剩余时间一律按工作日计（今天不计入，不含法定节假日和休息日，计入调休上班日），以日计的期限也是如此。</p>
    ${GROUPS.filter(([key]) => grouped[key].length).map(([key, title]) => html`
      <section class="card" aria-labelledby=${`work-${key}`}>
        <h3 id=${`work-${key}`}>${title}（${grouped[key].length}）</h3>
        <ul class="work">${grouped[key].map((w) => html`<${Entry} work=${w} words=${words} />`)}</ul>
      </section>`)}
    ${standing.length > 0 && html`
      <details class="card">
        <summary>另有 ${standing.length} 件您可以随时办理（如转办、提级办理、责令停产停业），不是待办</summary>
        <ul class="work">${standing.map((w) => html`<${Entry} work=${w} words=${words} />`)}</ul>
      </details>`}`;
}

// What was reported, as much as one line holds: the clerk tells one tip-off from another by it.
const clip = (text, most) => (text.length > most ? `${text.slice(0, most)}…` : text);

function Entry({ work, words }) {
  const { list, item } = work;
  const name = list.name(item);
  const [tone, timeLeft] = work.count ? inWords(work.count) : ["", ""];
  return html`<li>
    <p><span class="tag">${list.noun}</span> <a href=${list.href(item)}>${name}</a>
      ${list.kind === "hazard" && html` <span class="hint">编号 ${item.id}</span>`}</p>
    ${list.gist?.(item) && html`<p class="hint">${clip(list.gist(item), 60)}</p>`}
    <p>状态：${item.state_title}；您可以：${item.allowed_actions.map((a) => say(words?.[list.actions], a)).join("、")}</p>
    ${work.due && html`<p>${work.what}：${when(work.due)}${work.provisional ? html` <span class="tag">暂定</span>` : ""}
${timeLeft && html`，<span class=${`left ${tone}`}>${timeLeft}</span>`}</p>`}
  </li>`;
}
