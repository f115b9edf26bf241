// Who and where: the enterprise reported — picked from the register's public look-up (name, credit
// code and town only), filled in from a poster's signed token (?e=…), or typed free — and the
// place, a region picked level by level from the public regions API down to the county or town.
import { html, useEffect, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { api, describe } from "/assets/api.js";

const ENTERPRISES = "/api/v1/hazards/enterprises";
const REGIONS = "/api/v1/hazards/regions";
const LEVELS = ["省份", "城市", "区县", "乡镇（街道）"];
const PLACE_LEVELS = new Set(["county", "town"]); // a tip-off's place: a county or a town

/** `value` {typed, picked}; `onPlace(region_code)` when an enterprise is picked. */
export function EnterprisePicker({ value, onChange, onPlace }) {
  const [found, setFound] = useState([]);
  const [status, setStatus] = useState("");
  const latest = useRef(null);

  useEffect(() => {  // opened from a poster's QR code: the enterprise it names
    const token = new URLSearchParams(location.search).get("e");
    if (!token) return;
    api(`${ENTERPRISES}/poster-token/${encodeURIComponent(token)}`).then(
      (enterprise) => { onChange({ typed: "", picked: enterprise }); onPlace(enterprise.region_code); },
      (error) => setStatus(describe(error)),
    );
  }, []);

  useEffect(() => {  // the look-up, once typing pauses
    const text = value.typed.trim();
    latest.current?.abort();
    if (value.picked || text.length < 2) return setFound([]);
    const request = (latest.current = new AbortController());
    const timer = setTimeout(() => {
      api(`${ENTERPRISES}/lookup?q=${encodeURIComponent(text)}`, { signal: request.signal }).then(
        (answer) => {
          setFound(answer);
          setStatus(answer.length ? `找到 ${answer.length} 家登记的单位，是其中一家的请点选；不是的，照填即可`
                                  : "登记的单位中没有找到，照填即可");
        },
        (error) => error.name !== "AbortError" && setStatus(describe(error)),
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [value.typed, value.picked]);

  function pick(enterprise) {
    onChange({ typed: "", picked: enterprise });
    onPlace(enterprise.region_code);
    setStatus(`已选择${enterprise.name}`);
  }

  if (value.picked) {
    const { name, credit_code, town } = value.picked;
    return html`
      <div class="picked" role="group" aria-labelledby="enterprise-label">
        <p id="enterprise-label" class="label">被举报单位</p>
        <p><strong>${name}</strong><br /><span class="hint">统一社会信用代码 ${credit_code}${town ? ` · ${town}` : ""}</span></p>
        <button type="button" class="secondary" onClick=${() => { onChange({ typed: "", picked: null }); setStatus(""); }}>
          换一个单位</button>
      </div>
      <p class="hint" role="status">${status}</p>`;
  }
  return html`
    <label for="enterprise">被举报单位 <span class="hint">（名称或统一社会信用代码；不知道名称的，写明是什么单位、在哪里）</span></label>
    <input id="enterprise" maxlength="100" autocomplete="off" value=${value.typed}
      onInput=${(event) => onChange({ typed: event.target.value, picked: null })} />
    <p class="hint" role="status">${status}</p>
    ${found.length > 0 && html`
      <ul class="found" aria-label="登记的单位">
        ${found.map((enterprise) => html`
          <li key=${enterprise.credit_code}>
            <button type="button" class="secondary" onClick=${() => pick(enterprise)}>
              ${enterprise.name}<span class="hint">${enterprise.town ? ` · ${enterprise.town}` : ""}</span></button>
          </li>`)}
      </ul>`}`;
}

const children = (parent) => api(parent ? `${REGIONS}?parent=${parent}` : REGIONS);

/** Selects from province down to town (optional); `onChange(code)` with a county or town code, or "". */
export function RegionPicker({ code, onChange }) {
  const [chain, setChain] = useState([]); // the chosen regions, province first
  const [options, setOptions] = useState([]); // each level's choices
  const [problem, setProblem] = useState("");
  const reported = useRef("");

  const failed = (error) => setProblem(describe(error));
  useEffect(() => { children(null).then((provinces) => setOptions([provinces]), failed); }, []);

  useEffect(() => {  // a place set from outside (a picked enterprise's): open the selects on it
    if (!code || code === reported.current) return;
    reported.current = code;
    api(`${REGIONS}/${code}`).then(async (region) => {
      const path = [...region.ancestors, region];
      const levels = await Promise.all([null, ...path.map((r) => r.code)].map(children));
      setChain(path);
      setOptions(levels.filter((level, i) => i === 0 || level.length > 0));
    }, failed);
  }, [code]);

  async function choose(level, selected) {
    const region = options[level].find((r) => r.code === selected);
    const path = [...chain.slice(0, level), ...(region ? [region] : [])];
    setChain(path);
    setOptions((now) => now.slice(0, level + 1));
    const place = [...path].reverse().find((r) => PLACE_LEVELS.has(r.level));
    reported.current = place?.code || "";
    onChange(reported.current);
    if (region && region.level !== "town") {
      try {
        const below = await children(region.code);
        if (below.length) setOptions((now) => [...now.slice(0, level + 1), below]);
      } catch (error) {
        failed(error);
      }
    }
  }

  return html`
    <div class="regions">
      ${options.map((choices, level) => html`
        <div key=${level}>
          <label for=${`region-${level}`}>${LEVELS[level]}</label>
          <select id=${`region-${level}`} value=${chain[level]?.code || ""}
            onChange=${(event) => choose(level, event.target.value)}>
            <option value="">请选择</option>
            ${choices.map((region) => html`<option key=${region.code} value=${region.code}>${region.name}</option>`)}
          </select>
        </div>`)}
    </div>
    ${problem && html`<p class="error">${problem}</p>`}`;
}
