// The public report page: a tip-off filed through the same public endpoints the mini-program uses
// (POST /api/v1/reports/tip-offs, media uploaded first), without an account. What the reporter
// typed stays in the form whatever the service answers; the receipt code and secret are shown
// once, as the service gives them once.
import { html, render, useEffect, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { api, describe, idempotencyKey } from "/assets/api.js";
import { MediaPicker } from "./report-media.js";
import { EnterprisePicker, RegionPicker } from "./report-place.js";

const CATEGORIES = [
  ["general_hazard", "一般事故隐患", "不确定是否重大的，选这一项，由监管部门判定"],
  ["major_hazard", "重大事故隐患", "可能导致群死群伤、须停产停业整改的"],
  ["illegal_act", "安全生产违法行为", "如无证生产、违规动火、拒不整改"],
  ["concealed_accident", "瞒报谎报事故", "发生了事故却隐瞒不报或谎报"],
];

/** The request body: what the reporter filled in, empty fields left out. */
function submission(form, notice) {
  const reporter = form.realName
    ? { name: form.name.trim(), phone: form.phone.trim(), id_number: form.idNumber.trim().toUpperCase() || undefined }
    : form.phone.trim() ? { phone: form.phone.trim() } : undefined;
  const { enterprise } = form;
  return {
    channel: "h5",
    category: form.category,
    facts: form.facts.trim(),
    enterprise_code: enterprise.picked?.credit_code,
    enterprise_name: enterprise.picked?.name || enterprise.typed.trim() || undefined,
    region_code: form.region || undefined,
    address: form.address.trim() || undefined,
    latitude: form.position?.latitude,
    longitude: form.position?.longitude,
    media: form.media,
    employee: form.employee,
    reporter,
    consent: { notice_version: notice?.version, agreed: form.agreed },
  };
}

/** What must be right before anything is sent (the service checks all of it again). */
function missing(form) {
  if (form.facts.trim().length < 10) return "请在“发生了什么”中写清楚时间、地点和现象，至少 10 个字";
  if (!form.region) return "请选择事发地所在的区县（或乡镇、街道）";
  if (form.realName && !(form.name.trim() && form.phone.trim())) return "实名举报请填写姓名和手机号码";
  if (form.phone.trim() && !/^1[3-9]\d{9}$/.test(form.phone.trim())) return "手机号码应为 1 开头的 11 位数字";
  if (form.realName && form.idNumber.trim() && !/^\d{17}[\dXx]$/.test(form.idNumber.trim())) {
    return "居民身份证号码应为 18 位（最后一位可以是 X）";
  }
  if (!form.agreed) return "请阅读《举报人信息保护告知》并勾选同意";
  return null;
}

function Position({ position, onChange }) {
  const [status, setStatus] = useState("");
  if (!("geolocation" in navigator)) return null;
  function locate() {
    setStatus("正在获取位置……");
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => {
        onChange({ latitude: +coords.latitude.toFixed(6), longitude: +coords.longitude.toFixed(6) });
        setStatus(`已获取当前位置（误差约 ${Math.round(coords.accuracy)} 米）`);
      },
      (error) => setStatus(error.code === error.PERMISSION_DENIED
        ? "没有获得定位权限：请填写地址" : "暂时无法定位：请填写地址"),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }
  return html`
    <div class="row">
      <button type="button" class="secondary" onClick=${locate}>使用我现在的位置</button>
      ${position && html`<button type="button" class="secondary" onClick=${() => { onChange(null); setStatus("已清除位置"); }}>清除位置</button>`}
    </div>
    <p class="hint" role="status">${status}${position ? `（纬度 ${position.latitude}，经度 ${position.longitude}）` : ""}</p>`;
}

function Receipt({ receipt }) {
  const heading = useRef(null);
  const [copied, setCopied] = useState("");
  useEffect(() => heading.current?.focus(), []);
  async function copy(what, text) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(`${what}已复制`);
    } catch {
      setCopied(`无法自动复制${what}，请长按选中后复制，或抄写下来`);
    }
  }
  const due = receipt.decision_due_at && new Date(receipt.decision_due_at).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" });
  return html`
    <section class="card receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title" tabindex="-1" ref=${heading}>举报已提交</h2>
      <p class="alert"><strong>请马上保存回执码和查询密码</strong>（截图或抄写）：它们只显示这一次，离开本页后无法再看到；
        凭它们查询办理进展、补充材料。匿名举报遗失查询密码后无法找回。</p>
      <dl>
        <dt>回执码</dt>
        <dd><code>${receipt.receipt_code}</code>
          <button type="button" class="secondary" onClick=${() => copy("回执码", receipt.receipt_code)}>复制回执码</button></dd>
        <dt>查询密码</dt>
        <dd><code>${receipt.secret}</code>
          <button type="button" class="secondary" onClick=${() => copy("查询密码", receipt.secret)}>复制查询密码</button></dd>
      </dl>
      <p role="status" class="ok">${copied}</p>
      <p>${receipt.routed_to ? `由${receipt.routed_to}办理` : "正在确定办理部门"}${due ? `，${due}前决定是否受理` : ""}。</p>
      <p><a class="button" href="/h5/follow-up.html">查询举报进展</a></p>
    </section>`;
}

const EMPTY = {
  category: "general_hazard", facts: "", enterprise: { typed: "", picked: null }, region: "", address: "",
  position: null, media: [], employee: false, realName: false, name: "", phone: "", idNumber: "", agreed: false,
};

function ReportForm({ onFiled }) {
  const [form, setForm] = useState(EMPTY);
  const [notice, setNotice] = useState(null);
  const [uploading, setUploading] = useState(false);
  const [problem, setProblem] = useState("");
  const [sending, setSending] = useState(false);
  const attempt = useRef({ body: null, key: null }); // the same request again (after a lost answer) keeps its key
  const set = (field) => (value) => setForm((now) => ({ ...now, [field]: value }));
  const typed = (field) => (event) => set(field)(event.target.value);

  useEffect(() => {
    api("/api/v1/reports/privacy-notice").then(setNotice, (error) => setProblem(describe(error)));
  }, []);

  async function submit(event) {
    event.preventDefault();
    const wrong = missing(form);
    if (wrong) return setProblem(wrong);
    const body = JSON.stringify(submission(form, notice));
    if (attempt.current.body !== body) attempt.current = { body, key: idempotencyKey() };
    setSending(true);
    setProblem("");
    try {
      onFiled(await api("/api/v1/reports/tip-offs", {
        method: "POST", json: JSON.parse(body), headers: { "Idempotency-Key": attempt.current.key } }));
    } catch (error) {
      setProblem(describe(error));
    } finally {
      setSending(false);
    }
  }

  return html`
    <form class="card report" onSubmit=${submit} novalidate>
      <fieldset>
        <legend>举报什么</legend>
        ${CATEGORIES.map(([value, title, hint]) => html`
          <label class="choice"><input type="radio" name="category" value=${value} checked=${form.category === value}
            onChange=${() => set("category")(value)} />${title} <span class="hint">${hint}</span></label>`)}
      </fieldset>

      <label for="facts">发生了什么 <span class="hint">（时间、具体位置、看到的现象，至少 10 个字）</span></label>
      <textarea id="facts" maxlength="2000" value=${form.facts} onInput=${typed("facts")}></textarea>

      <${EnterprisePicker} value=${form.enterprise} onChange=${set("enterprise")}
        onPlace=${(code) => setForm((now) => (now.region ? now : { ...now, region: code }))} />

      <fieldset>
        <legend>在哪里</legend>
        <${RegionPicker} code=${form.region} onChange=${set("region")} />
        <label for="address">详细地址 <span class="hint">（可选，如道路门牌、车间、楼层）</span></label>
        <input id="address" maxlength="200" value=${form.address} onInput=${typed("address")} />
        <${Position} position=${form.position} onChange=${set("position")} />
      </fieldset>

      <${MediaPicker} onChange=${(tokens, busy) => { set("media")(tokens); setUploading(busy); }} />

      <fieldset>
        <legend>您的身份</legend>
        <label class="choice"><input type="radio" name="identity" checked=${!form.realName}
          onChange=${() => set("realName")(false)} />匿名举报 <span class="hint">不留姓名</span></label>
        <label class="choice"><input type="radio" name="identity" checked=${form.realName}
          onChange=${() => set("realName")(true)} />实名举报 <span class="hint">留下姓名和手机号码，符合条件的可领取奖励</span></label>
        ${form.realName && html`
          <label for="name">姓名</label>
          <input id="name" autocomplete="name" maxlength="30" value=${form.name} onInput=${typed("name")} />
          <label for="id-number">居民身份证号码 <span class="hint">（可选，领取奖励时核对）</span></label>
          <input id="id-number" maxlength="18" value=${form.idNumber} onInput=${typed("idNumber")} />`}
        <label for="phone">手机号码 ${form.realName ? "" : html`<span class="hint">（可选，用于短信告知办理进展，加密保存）</span>`}</label>
        <input id="phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="11" value=${form.phone}
          onInput=${typed("phone")} />
        <label class="choice"><input type="checkbox" checked=${form.employee}
          onChange=${(event) => set("employee")(event.target.checked)} />我在被举报单位工作</label>
      </fieldset>

      <section class="privacy" aria-labelledby="privacy-title">
        <h2 id="privacy-title">举报人信息保护告知</h2>
        <p>${notice ? notice.text : "正在读取告知……"}</p>
        <label class="choice"><input type="checkbox" checked=${form.agreed} disabled=${!notice}
          onChange=${(event) => set("agreed")(event.target.checked)} />我已阅读并同意《举报人信息保护告知》</label>
      </section>

      <div role="alert">${problem && html`<p class="alert">${problem}</p>`}</div>
      ${uploading && html`<p class="hint">照片、视频还在上传，传完后才能提交。</p>`}
      <button type="submit" disabled=${sending || uploading}>${sending ? "正在提交……" : "提交举报"}</button>
    </form>`;
}

function ReportPage() {
  const [receipt, setReceipt] = useState(null);
  return html`
    <header class="bar">
      <h1>安全生产隐患举报</h1>
      <a href="/h5/follow-up.html">查询举报进展</a>
    </header>
    <main>
      ${receipt
        ? html`<${Receipt} receipt=${receipt} />`
        : html`
          <p class="notice">发现事故隐患或安全生产违法行为，可以在这里举报，可以匿名。正在发生的火灾、事故请立即拨打 119、110；
            举报电话 12350。</p>
          <${ReportForm} onFiled=${setReceipt} />`}
    </main>`;
}

render(html`<${ReportPage} />`, document.getElementById("app"));
