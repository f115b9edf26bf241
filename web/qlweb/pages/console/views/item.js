// An item's page — a tip-off (#/tip-offs/<id>), a hazard (#/hazards/<id>) or a return (#/returns/<id>):
// the facts as the API shows them to this caller (masked as it masks them), the evidence (a return:
// its figures and files), the trail with its integrity check, the reminders planned and sent, and a
// button for each action the API says this caller may take now (allowed_actions), each opening the
// form its OpenAPI request body describes. One page for the three: what differs is in KINDS.
import { html, useCallback, useEffect, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { describe, Problem } from "/assets/api.js";
import { call, current } from "../session.js";
import { ActionForm } from "../forms.js";
import { downloadFrom } from "../download.js";
import { say, useLabels } from "../labels.js";
import { Facts, when, useWords } from "./item-facts.js";
import { ReturnFacts, ReturnFigures } from "./return-facts.js";

// The item pages' own style sheet, beside this module (the pages' CSP allows same-origin sheets).
if (!document.querySelector("link[data-item-css]")) {
  const href = new URL("./item.css", import.meta.url).href;
  const sheet = Object.assign(document.createElement("link"), { rel: "stylesheet", href });
  sheet.dataset.itemCss = "";
  document.head.append(sheet);
}

const itemFacts = (kind) => ({ item }) => html`<${Facts} kind=${kind} item=${item} />`;
const itemEvidence = (kind) => ({ id, version }) => html`<${Evidence} kind=${kind} id=${id} version=${version} />`;

// What differs between the kinds of item: where they live, their words, their facts and evidence.
const KINDS = {
  tip_off: {
    service: "reports", base: "/api/v1/reports/tip-offs", noun: "举报", unit: "件", list: ["#/tip-offs", "举报列表"],
    states: "tipOffStates", title: (item) => `举报（编号 ${item.id}）`,
    Facts: itemFacts("tip_off"), Evidence: itemEvidence("tip_off"),
  },
  hazard: {
    service: "hazards", base: "/api/v1/hazards/hazards", noun: "隐患", unit: "项", list: ["#/hazards", "隐患列表"],
    states: "hazardStates", title: (item) => item.title,
    Facts: itemFacts("hazard"), Evidence: itemEvidence("hazard"),
  },
  return: {
    // Returns have no list of their own: a clerk reaches them from My work.
    service: "hazards", base: "/api/v1/hazards/returns", noun: "报表", unit: "份", list: ["#/work", "我的待办"],
    states: "returnStates", title: (item) => item.title,
    trail: { open: "生成报表", recount_deadline: "重新计算报送期限" }, // the steps the service takes itself
    Facts: ReturnFacts, Evidence: ReturnFigures,
  },
};

export const TipOffPage = ({ params }) => html`<${ItemPage} kind="tip_off" id=${params[0]} />`;
export const HazardPage = ({ params }) => html`<${ItemPage} kind="hazard" id=${params[0]} />`;
export const ReturnPage = ({ params }) => html`<${ItemPage} kind="return" id=${params[0]} />`;

/** GET `path` as the clerk; `version` reloads it. Answers {data, error}. */
function useApi(path, version) {
  const [state, setState] = useState({ data: undefined, error: null });
  useEffect(() => {
    let live = true;
    call(path).then(
      (data) => live && setState({ data, error: null }),
      (error) => live && setState({ data: null, error }),
    );
    return () => { live = false; };
  }, [path, version]);
  return state;
}

function ItemPage({ kind, id }) {
  const config = KINDS[kind];
  const itemPath = `${config.base}/${id}`;
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState(""); // what the last action did, announced
  const { data: item, error } = useApi(itemPath, version);
  const vocabularies = useLabels(() => {});
  const named = useWords(config.service, config.base);
  const words = { ...named, trail: (action) => config.trail?.[action] || named.trail(action),
                  state: (code) => say(vocabularies?.[config.states], code) };

  const heading = useRef(null);
  const acted = useCallback((title) => { setDone(`已${title}`); setVersion((v) => v + 1); }, []);
  useEffect(() => { if (version) heading.current?.focus(); }, [version]); // the closed form had the focus

  if (error) {
    const missing = error instanceof Problem && error.status === 404;
    return html`
      <h2 tabindex="-1">${config.noun}（编号 ${id}）</h2>
      <p class="alert" role="alert">${missing ? `没有这${config.unit}${config.noun}，或不在您的辖区内。` : describe(error)}</p>
      <p><a href=${config.list[0]}>返回${config.list[1]}</a></p>`;
  }
  if (!item) return html`<h2 tabindex="-1">${config.noun}（编号 ${id}）</h2><p role="status">正在加载……</p>`;

  return html`
    <p><a href=${config.list[0]}>← ${config.list[1]}</a></p>
    <h2 tabindex="-1" ref=${heading}>${config.title(item)} <span class="tag">${item.state_title}</span></h2>
    <p role="status" class="ok">${done}</p>
    <div class="item-columns">
      <div>
        <${Actions} config=${config} item=${item} itemPath=${itemPath} titles=${words.actions} onDone=${acted} />
        <${config.Facts} item=${item} />
        <${config.Evidence} id=${id} item=${item} version=${version} />
      </div>
      <div>
        <${Trail} itemPath=${itemPath} version=${version} words=${words} />
        <${Reminders} kind=${kind} id=${id} version=${version} />
      </div>
    </div>`;
}

function Actions({ config, item, itemPath, titles, onDone }) {
  const [open, setOpen] = useState(null);
  useEffect(() => setOpen(null), [item]); // a reloaded item offers what is allowed now
  const actions = item.allowed_actions;
  return html`
    <section class="card" aria-labelledby="actions-heading">
      <h3 id="actions-heading">可进行的操作</h3>
      ${actions.length === 0
        ? html`<p>您现在没有可对这${config.unit}${config.noun}进行的操作。</p>`
        : html`<div class="row">${actions.map((action) => html`
            <button type="button" class=${open === action ? "" : "secondary"} aria-expanded=${open === action}
              onClick=${() => setOpen(open === action ? null : action)}>${titles?.[action] || action}</button>`)}
          </div>`}
      ${open && html`<${ActionForm} key=${open} service=${config.service} base=${config.base} itemPath=${itemPath}
        action=${open} onCancel=${() => setOpen(null)} onDone=${() => onDone(titles?.[open] || open)} />`}
    </section>`;
}

// -------------------------------------------------------------------------------------- evidence

/** A file of the API as a blob: URL (an <img src> carries no token), revoked when the page goes. */
function useBlob(path) {
  const [url, setUrl] = useState(null);
  useEffect(() => {
    let live = true;
    let made = null;
    fetch(path, { headers: { Authorization: `Bearer ${current()?.token}` } })
      .then((response) => (response.ok ? response.blob() : null))
      .then((blob) => blob && live && setUrl((made = URL.createObjectURL(blob))))
      .catch(() => live && setUrl(null));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [path]);
  return url;
}

function Picture({ path, alt }) {
  const url = useBlob(path);
  if (!url) return html`<span class="hint">（正在加载 ${alt}）</span>`;
  return html`<a href=${url} target="_blank" rel="noopener"><img src=${url} alt=${alt} class="thumb" /></a>`;
}

function Video({ path, label }) {
  const url = useBlob(path);
  return url ? html`<video src=${url} controls aria-label=${label} class="thumb"></video>` : null;
}

const size = (bytes) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

function Attachment({ path, type, name, number }) {
  const [error, setError] = useState("");
  if (type.startsWith("image/")) return html`<${Picture} path=${path} alt=${`${name}（第 ${number} 件）`} />`;
  if (type.startsWith("video/")) return html`<${Video} path=${path} label=${`${name}（第 ${number} 件）`} />`;
  return html`<button type="button" class="secondary"
      onClick=${() => downloadFrom(path, name).catch((e) => setError(describe(e)))}>下载 ${name}</button>
    ${error && html`<span class="error" role="alert">${error}</span>`}`;
}

function Evidence({ kind, id, version }) {
  const path = kind === "tip_off" ? `/api/v1/reports/tip-offs/${id}/media` : `/api/v1/hazards/hazards/${id}/evidence`;
  const { data, error } = useApi(path, version);
  const heading = kind === "tip_off" ? "照片、视频" : "证据";
  let body;
  if (error) body = html`<p class="error">${describe(error)}</p>`;
  else if (!data) body = html`<p>正在加载……</p>`;
  else if (!data.length) body = html`<p>没有${heading}。</p>`;
  else if (kind === "tip_off") {
    body = html`<ul class="files">${data.map((m, i) => html`<li>
      <${Attachment} path=${`/api/v1/reports/media/${m.id}`} type=${m.media_type}
        name=${m.media_type.startsWith("video/") ? "举报视频" : m.media_type.startsWith("image/") ? "举报照片" : "举报附件"}
        number=${i + 1} />
      <span class="hint">${when(m.received_at)} · ${size(m.size)}</span></li>`)}</ul>`;
  } else {
    body = html`<ul class="files">${data.map((e, i) => html`<li>
      <${Attachment} path=${`/api/v1/hazards/evidence/${e.id}/content`} type=${e.media_type} name=${e.filename} number=${i + 1} />
      <span class="hint">${e.uploader_side === "enterprise" ? "企业" : "监管部门"}上传 · ${when(e.received_at)} · ${size(e.size)}
        ${e.distance_m != null ? ` · 拍摄处距企业 ${Math.round(e.distance_m)} 米` : ""}</span>
      ${e.note && html`<p>${e.note}</p>`}</li>`)}</ul>`;
  }
  return html`<section class="card" aria-labelledby="evidence-heading">
    <h3 id="evidence-heading">${heading}</h3>${body}</section>`;
}

// ------------------------------------------------------------------------------------------ trail

const ACTORS = { reporter: "举报人", system: "系统" };
const ROLES = { enterprise_user: "企业用户", enterprise_admin: "企业管理员", enterprise_client: "企业系统",
                operator: "接线员", regulator: "监管人员", department_leader: "部门负责人", safety_committee: "安委办",
                custodian: "举报人信息保管人", admin: "系统管理员", service: "系统" };
/** Who took a step, as the trail names them: their department, else their role. */
const actor = (entry) =>
  entry.payload?.acting_department || ACTORS[entry.actor] || ROLES[entry.actor_roles?.[0]] || entry.actor;

function Trail({ itemPath, version, words }) {
  const history = useApi(`${itemPath}/history`, version);
  const check = useApi(`${itemPath}/verify`, version);
  const entries = history.data ? [...history.data].reverse() : [];
  const verdict = check.data
    ? check.data.intact
      ? html`<p class="ok">记录完整：${check.data.entries} 条记录逐条校验一致（哈希链）。</p>`
      : html`<p class="alert" role="alert">记录不完整：第 ${check.data.first_broken_seq} 条起与原记录不符${
          check.data.problem ? `（${check.data.problem}）` : ""}。</p>`
    : null;
  return html`
    <section class="card" aria-labelledby="trail-heading">
      <h3 id="trail-heading">办理记录</h3>
      ${verdict}
      ${history.error && html`<p class="error">${describe(history.error)}</p>`}
      <ol class="trail" reversed>${entries.map((entry) => html`
        <li>
          <strong>${words.trail(entry.action)}</strong>${entry.payload?.to && entry.payload.to !== entry.payload.from
            ? html` → ${words.state(entry.payload.to)}` : null}
          <span class="hint"> ${when(entry.at)} · ${actor(entry)}</span>
          ${entry.reason && html`<p>理由：${entry.reason}</p>`}
          ${Object.entries(entry.payload || {})
            .filter(([key, value]) => typeof value === "string" && value && value !== entry.reason // said above
              && words.field(entry.action, key))
            .map(([key, value]) => html`<p>${words.field(entry.action, key)}：${value}</p>`)}
        </li>`)}</ol>
    </section>`;
}

// -------------------------------------------------------------------------------------- reminders

const REMINDER_STATES = { pending: "待发", sent: "已发", failed: "无人可送", cancelled: "已取消" };
const CHANNELS = { inbox: "站内信", sms: "短信", wechat: "微信订阅消息", webhook: "webhook", email: "电子邮件" };

function Reminders({ kind, id, version }) {
  const query = `item_type=${kind}&item_id=${id}`;
  const planned = useApi(`/api/v1/notify/reminders?${query}`, version);
  const sent = useApi(`/api/v1/notify/deliveries?${query}`, version);
  const notYet = (answer) => answer.error instanceof Problem && answer.error.status === 404; // not tracked yet
  return html`
    <section class="card" aria-labelledby="reminders-heading">
      <h3 id="reminders-heading">提醒与送达</h3>
      <h4>提醒计划</h4>
      ${planned.data?.length
        ? html`<table><thead><tr><th scope="col">提醒</th><th scope="col">发送时间</th><th scope="col">状态</th></tr></thead>
            <tbody>${planned.data.map((r) => html`<tr>
              <td>${r.title}<span class="hint">（期限 ${when(r.deadline_at)}）</span></td>
              <td>${when(r.sent_at || r.due_at)}${r.provisional ? html` <span class="tag">暂定</span>` : null}</td>
              <td>${REMINDER_STATES[r.state] || r.state}${r.note ? html`<span class="hint">：${r.note}</span>` : null}</td>
            </tr>`)}</tbody></table>`
        : html`<p>${planned.error && !notYet(planned) ? describe(planned.error) : "暂无提醒计划。"}</p>`}
      <h4>已送达的通知</h4>
      ${sent.data?.length
        ? html`<ul class="trail">${[...sent.data].reverse().map((d) => html`<li>
            <strong>${d.title}</strong>
            <span class="hint"> ${when(d.attempted_at)} · ${CHANNELS[d.channel] || d.channel} · ${
              d.status === "sent" ? "已送达" : d.status}${d.read_at ? ` · ${when(d.read_at)} 已读` : ""}</span>
            <p>${d.text}</p></li>`)}</ul>`
        : html`<p>${sent.error && !notYet(sent) ? describe(sent.error) : "暂无送达记录。"}</p>`}
    </section>`;
}

