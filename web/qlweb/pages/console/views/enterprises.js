// Enterprises (#/enterprises): the register's enterprises in the clerk's jurisdiction, found by a
// part of the name or by the whole 统一社会信用代码, each with where it is and its industry in words,
// its A4 report poster (PDF with the signed QR code, fetched with the clerk's token) and a link to
// its hazards in the hazard list.
import { html, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { describe } from "/assets/api.js";
import { call } from "../session.js";
import { say, useLabels } from "../labels.js";
import { downloadFrom } from "../download.js";
import { listOf, Pager, withQuery } from "./lists.js";

const PATH = "/api/v1/hazards/enterprises";
const PAGE = 20;
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{18}$/i; // GB 32100's alphabet: a whole code is searched as one

const regions = new Map(); // code → Promise of "县 乡镇" (the two lowest levels), for the tab

function placeOf(code) {
  if (!regions.has(code)) {
    regions.set(code, call(`/api/v1/hazards/regions/${code}`).then(
      (region) => [...region.ancestors, region].slice(-2).map((r) => r.name).join(" "),
      () => code,
    ));
  }
  return regions.get(code);
}

function Place({ code }) {
  const [name, setName] = useState(code);
  useEffect(() => { placeOf(code).then(setName); }, [code]);
  return name;
}

export function Enterprises() {
  const [error, setError] = useState(null);
  const words = useLabels(setError);
  const [typed, setTyped] = useState("");
  const [search, setSearch] = useState("");
  const [afters, setAfters] = useState([null]);
  const [page, setPage] = useState(null);

  useEffect(() => {
    let live = true;
    setPage(null);
    const text = search.trim();
    const filter = CREDIT_CODE.test(text) ? { credit_code: text } : { name: text };
    call(withQuery(PATH, { ...filter, limit: PAGE, after: afters[afters.length - 1] })).then(
      (answer) => live && (setPage(answer), setError(null)),
      (problem) => live && setError(problem),
    );
    return () => { live = false; };
  }, [search, afters]);

  const submit = (event) => {
    event.preventDefault();
    setSearch(typed);
    setAfters([null]);
  };
  return html`
    <h2 tabindex="-1">企业</h2>
    <form class="card filters" role="search" aria-label="查找企业" onSubmit=${submit}>
      <div class="field">
        <label for="e-search">企业名称或统一社会信用代码</label>
        <span class="hint" id="e-search-hint">名称填其中几个字；信用代码须填全 18 位。不填则列出辖区内全部企业。</span>
        <input id="e-search" type="search" value=${typed} maxlength="50" aria-describedby="e-search-hint"
          onInput=${(e) => setTyped(e.target.value)} autocomplete="off" />
      </div>
      <div class="row actions"><button type="submit">查找</button></div>
    </form>
    ${error && html`<p class="alert" role="alert">${describe(error)}</p>`}
    <section aria-labelledby="results" class="card">
      <h3 id="results" aria-live="polite">${page ? `共 ${page.total} 家企业` : "正在加载……"}</h3>
      ${page && page.total === 0 && html`<p>辖区内没有${search.trim() ? `名称或信用代码为“${search.trim()}”的` : ""}企业。</p>`}
      ${page && page.items.length > 0 && html`
        <table class="list">
          <thead><tr><th scope="col">企业</th><th scope="col">统一社会信用代码</th><th scope="col">所在地</th>
            <th scope="col">行业领域</th><th scope="col">举报海报、隐患</th></tr></thead>
          <tbody>${page.items.map((enterprise) => html`<${Row} enterprise=${enterprise} words=${words} />`)}</tbody>
        </table>`}
      <${Pager} page=${page} afters=${afters} setAfters=${setAfters} size=${PAGE} />
    </section>`;
}

function Row({ enterprise, words }) {
  const [state, setState] = useState({ busy: false, problem: "" });
  const poster = () => {
    setState({ busy: true, problem: "" });
    downloadFrom(`${PATH}/${enterprise.id}/poster`, `举报二维码海报-${enterprise.name}.pdf`).then(
      () => setState({ busy: false, problem: "" }),
      (problem) => setState({ busy: false, problem: describe(problem) }),
    );
  };
  const hazards = listOf("hazard", {
    enterprise_id: enterprise.id, enterprise_code: enterprise.credit_code, enterprise_name: enterprise.name,
  });
  return html`<tr>
    <td data-label="企业">${enterprise.name}</td>
    <td data-label="统一社会信用代码">${enterprise.credit_code}</td>
    <td data-label="所在地"><${Place} code=${enterprise.region_code} /></td>
    <td data-label="行业领域">${say(words?.industries, enterprise.industry)}</td>
    <td data-label="举报海报、隐患">
      <div class="row">
        <button type="button" class="secondary" onClick=${poster} disabled=${state.busy}
          aria-label=${`下载举报海报：${enterprise.name}`}>下载举报海报</button>
        <a href=${hazards}>${enterprise.name}的隐患</a>
      </div>
      ${state.problem && html`<p class="error" role="alert">${state.problem}</p>`}
    </td>
  </tr>`;
}
