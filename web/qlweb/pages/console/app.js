import { html, render } from "/assets/vendor/preact-htm.module.js";

render(html`<header class="bar"><h1>清零 · 工作台</h1></header><main><p>建设中</p></main>`, document.getElementById("app"));
