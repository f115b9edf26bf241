import { html, render } from "/assets/vendor/preact-htm.module.js";

render(html`<header class="bar"><h1>安全生产隐患举报</h1></header><main><p>建设中</p></main>`, document.getElementById("app"));
