// The follow-up page: a reporter with the receipt code and secret given at intake sees every step of
// their tip-off, reads what they were told, answers the handler's questions (with photos), adds
// information, objects to the reply inside its window and claims a reward. The receipt goes to the
// API as HTTP Basic on each call and is kept in this tab's sessionStorage only — never in the
// address, never in localStorage. What the page offers comes from the API's `allowed_actions`.
import { html, render, useEffect, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { api, describe, Problem } from "/assets/api.js";
import { Photos } from "./photos.js";

const RECEIPT = "/api/v1/reports/receipts/tip-off";
const KEY = "qingling.h5.receipt";
const KINDS = {
  notice: "办理进展", reply: "答复", question: "办理人员询问", reward: "举报奖励",
  supplement: "您补充的情况", answer: "您的回答",
};
const WHEN = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23",
});
const YUAN = new Intl.NumberFormat("zh-CN");

const when = (at) => html`<time datetime=${at}>${WHEN.format(new Date(at))}</time>`;

function stored() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}

/** A call as the holder of `receipt`: HTTP Basic (code as user name, secret as password), with no
 *  browser credentials, so a refused receipt never opens the browser's own sign-in dialog. */
function asHolder(receipt, path, options = {}) {
  const pair = new TextEncoder().encode(`${receipt.code}:${receipt.secret}`);
  const authorization = "Basic " + btoa(String.fromCharCode(...pair));
  return api(RECEIPT + path, { ...options, headers: { Authorization: authorization }, credentials: "omit" });
}

function FollowUp() {
  const [receipt, setReceipt] = useState(stored);
  const [view, setView] = useState(null);
  const [inbox, setInbox] = useState(null); // {unread, items} | {error}
  const [error, setError] = useState("");
  const [loading, setLoading] = useState(false);
  const [done, setDone] = useState(""); // what the last change did, said once
  const heading = useRef(null);

  async function open(held) {
    setLoading(true);
    setError("");
    setDone("");
    try {
      const [read, box] = await Promise.all([
        asHolder(held, ""),
        asHolder(held, "/inbox?unread_only=true&limit=50").catch((failure) => ({ error: describe(failure) })),
      ]);
      sessionStorage.setItem(KEY, JSON.stringify(held));
      setReceipt(held);
      setView(read);
      setInbox(box);
    } catch (failure) {
      if (failure instanceof Problem && failure.status === 401) sessionStorage.removeItem(KEY);
      setReceipt(null);
      setView(null);
      setError(describe(failure));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => { if (receipt) open(receipt); }, []);
  useEffect(() => { if (view) heading.current?.focus(); }, [view?.receipt_code]);

  function leave() {
    sessionStorage.removeItem(KEY);
    setReceipt(null);
    setView(null);
    setInbox(null);
  }

  async function post(path, json, said) {
    setView(await asHolder(receipt, path, { method: "POST", json }));
    setDone(said);
  }

  return html`
    <header class="bar">
      <h1>举报进展查询</h1>
      <a href="/h5/">我要举报</a>
    </header>
    <main>
      ${!view ? html`<${ReceiptForm} onOpen=${open} error=${error} loading=${loading} />` : html`
        <p class="ok done" role="status">${done}</p>
        <div class="follow-up">
          <div>
            <${Progress} view=${view} heading=${heading} onRefresh=${() => open(receipt)} onLeave=${leave}
              loading=${loading} />
            <${NewMessages} inbox=${inbox} receipt=${receipt} onRead=${setInbox} />
            <${Timeline} view=${view} />
          </div>
          <div>
            <${Questions} view=${view} post=${post} />
            <${ReplyAndObjection} view=${view} post=${post} />
            <${Supplement} view=${view} post=${post} />
            <${Reward} view=${view} post=${post} />
          </div>
        </div>`}
    </main>`;
}

function ReceiptForm({ onOpen, error, loading }) {
  function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    onOpen({ code: form.get("code").trim(), secret: form.get("secret").trim() });
  }
  return html`
    <form class="card narrow" onSubmit=${submit} aria-describedby="receipt-error">
      <h2>凭回执查看办理进展</h2>
      <p class="hint">回执码和查询密码在举报成功时显示。匿名举报的查询密码遗失后无法找回。</p>
      <label for="code">回执码</label>
      <input id="code" name="code" required autocomplete="off" autocapitalize="characters" spellcheck="false"
        maxlength="40" />
      <label for="secret">查询密码</label>
      <input id="secret" name="secret" type="password" required autocomplete="off" maxlength="40" />
      <p class="hint">查询密码只保存在本页面，关闭页面即清除。</p>
      <p id="receipt-error" class="error" role="alert">${error}</p>
      <button type="submit" disabled=${loading}>${loading ? "正在查询……" : "查询"}</button>
    </form>`;
}

function Progress({ view, heading, onRefresh, onLeave, loading }) {
  return html`
    <section class="card" aria-labelledby="progress">
      <h2 id="progress" ref=${heading} tabindex="-1">办理进展</h2>
      <dl class="facts">
        <dt>回执码</dt><dd>${view.receipt_code}</dd>
        <dt>当前状态</dt><dd><strong class="state">${view.state_title}</strong></dd>
        ${view.step && html`
          <dt>下一步</dt>
          <dd>${view.step}${view.step_due_at && html`，期限 ${when(view.step_due_at)}`}
            ${view.step_provisional && html` <span class="tag">暂定</span>
              <span class="hint">（该年节假日安排公布后重新计算）</span>`}
            ${view.step_overdue && html` <span class="tag overdue">已超期</span>`}</dd>`}
        ${view.outcome && html`<dt>核查结论</dt><dd>${view.outcome}</dd>`}
        ${view.hazard_state && html`<dt>隐患整改</dt><dd>${view.hazard_state}</dd>`}
        <dt>举报时间</dt><dd>${when(view.received_at)}</dd>
      </dl>
      ${view.merged && html`<p class="notice">您的举报已与同一事项的其他举报合并办理，以上为合并后的办理情况。</p>`}
      <div class="row">
        <button type="button" class="secondary" onClick=${onRefresh} disabled=${loading}>刷新</button>
        <button type="button" class="secondary" onClick=${onLeave}>退出查询</button>
      </div>
    </section>`;
}

function NewMessages({ inbox, receipt, onRead }) {
  const [error, setError] = useState("");
  if (!inbox) return null;
  if (inbox.error) return html`<p class="card notice">消息通知暂时无法打开：${inbox.error}</p>`;
  if (inbox.items.length === 0) return null;
  async function markRead() {
    setError("");
    try {
      const { unread } = await asHolder(receipt, "/inbox/read", {
        method: "POST", json: { ids: inbox.items.map((item) => item.id) },
      });
      onRead({ unread, items: [] });
    } catch (failure) {
      setError(describe(failure));
    }
  }
  return html`
    <section class="card unread" aria-labelledby="unread">
      <h2 id="unread">新消息（${inbox.unread} 条未读）</h2>
      <ul class="plain">
        ${inbox.items.map((item) => html`
          <li key=${item.id}><strong>${item.title}</strong> · ${when(item.at)}<p>${item.text}</p></li>`)}
      </ul>
      <p class="error" role="alert">${error}</p>
      <button type="button" class="secondary" onClick=${markRead}>标为已读</button>
    </section>`;
}

function Timeline({ view }) {
  const answered = new Set(view.messages.map((m) => m.in_reply_to).filter(Boolean));
  return html`
    <section class="card" aria-labelledby="timeline">
      <h2 id="timeline">办理经过</h2>
      <ol class="timeline">
        ${view.messages.map((m) => html`
          <li key=${m.id} class=${m.side}>
            <span class="when">${when(m.at)}</span>
            <strong>${KINDS[m.kind] || "消息"}</strong>
            ${m.kind === "question" && html` <span class="tag">${answered.has(m.id) ? "已回答" : "待您回答"}</span>`}
            <p>${m.text}</p>
            ${m.media > 0 && html`<p class="hint">附照片、视频 ${m.media} 个</p>`}
          </li>`)}
      </ol>
    </section>`;
}

/** A form's submit: `act(fields)` with the form's fields, the problem shown in words if refused. */
function useAction(act) {
  const [state, setState] = useState({ busy: false, error: "" });
  async function run(event) {
    event.preventDefault();
    setState({ busy: true, error: "" });
    try {
      await act(new FormData(event.target));
      setState({ busy: false, error: "" });
    } catch (failure) {
      setState({ busy: false, error: describe(failure) });
    }
  }
  return [state, run];
}

function Questions({ view, post }) {
  const answered = new Set(view.messages.map((m) => m.in_reply_to).filter(Boolean));
  const open = view.messages.filter((m) => m.kind === "question" && !answered.has(m.id));
  if (open.length === 0 || !view.allowed_actions.includes("supplement")) return null;
  return html`
    <section class="card" aria-labelledby="questions">
      <h2 id="questions">办理人员的询问</h2>
      ${open.map((question) => html`<${Answer} key=${question.id} question=${question} post=${post} />`)}
    </section>`;
}

function Answer({ question, post }) {
  const [media, setMedia] = useState({ tokens: [], busy: false });
  const [state, run] = useAction((form) =>
    post("/supplements", { text: form.get("text"), in_reply_to: question.id, media: media.tokens }, "回答已提交"));
  const id = `answer-${question.id}`;
  return html`
    <form class="question" onSubmit=${run}>
      <h3>${when(question.at)} 询问</h3>
      <p>${question.text}</p>
      <label for=${id}>您的回答</label>
      <textarea id=${id} name="text" required minlength="2" maxlength="2000"></textarea>
      <${Photos} id=${`${id}-photos`} onChange=${(tokens, busy) => setMedia({ tokens, busy })} />
      <p class="error" role="alert">${state.error}</p>
      <button type="submit" disabled=${state.busy || media.busy}>提交回答</button>
    </form>`;
}

function Supplement({ view, post }) {
  const [media, setMedia] = useState({ tokens: [], busy: false });
  const [round, setRound] = useState(0); // a new form (and photo picker) after each addition
  const [state, run] = useAction(async (form) => {
    await post("/supplements", { text: form.get("text"), media: media.tokens }, "补充的情况已提交");
    setRound((n) => n + 1);
  });
  if (!view.allowed_actions.includes("supplement")) {
    return html`
      <section class="card" aria-labelledby="supplement">
        <h2 id="supplement">补充情况</h2>
        <p>这件举报已办结（${view.state_title}），不能再补充材料。如有新情况，请<a href="/h5/">重新举报</a>。</p>
      </section>`;
  }
  return html`
    <section class="card" aria-labelledby="supplement">
      <h2 id="supplement">补充情况</h2>
      <form onSubmit=${run} key=${round}>
        <label for="supplement-text">补充的情况 <span class="hint">（办理人员看到的内容会去除可识别您身份的信息）</span></label>
        <textarea id="supplement-text" name="text" required minlength="2" maxlength="2000"></textarea>
        <${Photos} id="supplement-photos" onChange=${(tokens, busy) => setMedia({ tokens, busy })} />
        <p class="error" role="alert">${state.error}</p>
        <button type="submit" disabled=${state.busy || media.busy}>提交补充</button>
      </form>
    </section>`;
}

function ReplyAndObjection({ view, post }) {
  const replies = view.messages.filter((m) => m.kind === "reply");
  const [state, run] = useAction((form) => post("/objection", { reason: form.get("reason") }, "异议已提交"));
  if (replies.length === 0) return null;
  const latest = replies[replies.length - 1];
  const canObject = view.allowed_actions.includes("object");
  return html`
    <section class="card" aria-labelledby="reply">
      <h2 id="reply">答复</h2>
      <p class="hint">${when(latest.at)}${view.outcome && html` · 核查结论：${view.outcome}`}</p>
      <p>${latest.text}</p>
      <h3>对答复有异议</h3>
      ${canObject ? html`
        <form onSubmit=${run}>
          <p>可以在 <strong>${when(view.objection_due_at)}</strong> 前提出一次异议，由上一级部门在 30 日内复查。</p>
          <label for="objection">异议及理由</label>
          <textarea id="objection" name="reason" required minlength="2" maxlength="2000"></textarea>
          <p class="error" role="alert">${state.error}</p>
          <button type="submit" disabled=${state.busy}>提出异议</button>
        </form>` : html`
        <p>${view.objection_due_at
          ? html`提出异议的期限已于 ${when(view.objection_due_at)} 届满。`
          : "现在不能提出异议：对答复的异议须在答复后 10 日内提出，且只能提出一次。"}</p>`}
    </section>`;
}

function Reward({ view, post }) {
  const reward = view.reward;
  const [state, run] = useAction((form) => post("/reward/claim", {
    name: form.get("name").trim(), id_number: form.get("id_number").trim().toUpperCase(), phone: form.get("phone").trim(),
  }, "已登记领取：支付奖励的部门核验身份证件后发放"));
  return html`
    <section class="card" aria-labelledby="reward">
      <h2 id="reward">举报奖励</h2>
      ${!reward ? html`<p class="hint">举报经核查属实的，受理部门评定奖励后会在这里告知您金额和领取方式。</p>` : html`
        <dl class="facts">
          <dt>奖励状态</dt><dd>${reward.state_title}</dd>
          ${reward.amount_yuan != null && html`<dt>奖励金额</dt><dd>${YUAN.format(reward.amount_yuan)} 元</dd>`}
          ${reward.reason && html`<dt>说明</dt><dd>${reward.reason}</dd>`}
          ${reward.paying_department && html`<dt>发放部门</dt><dd>${reward.paying_department}</dd>`}
          ${reward.claim_due_at && html`<dt>领取期限</dt><dd>${when(reward.claim_due_at)}，逾期视为放弃</dd>`}
        </dl>
        ${view.allowed_actions.includes("claim_reward") && html`
          <form onSubmit=${run}>
            <h3>领取奖励</h3>
            <p class="hint">实名举报的，姓名和身份证号码须与举报时登记的一致；匿名举报的（本地区允许匿名领取时），
              在此登记身份，发放时核验身份证件。</p>
            <label for="claim-name">姓名</label>
            <input id="claim-name" name="name" required minlength="2" maxlength="30" autocomplete="name" />
            <label for="claim-id">身份证号码</label>
            <input id="claim-id" name="id_number" required pattern="[0-9]{17}[0-9Xx]" maxlength="18"
              autocomplete="off" inputmode="text" />
            <label for="claim-phone">手机号码</label>
            <input id="claim-phone" name="phone" type="tel" required pattern="1[3-9][0-9]{9}" maxlength="11"
              autocomplete="tel" />
            <p class="error" role="alert">${state.error}</p>
            <button type="submit" disabled=${state.busy}>领取奖励</button>
          </form>`}`}
    </section>`;
}

render(html`<${FollowUp} />`, document.getElementById("app"));
