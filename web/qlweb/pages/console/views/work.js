import { html } from "/assets/vendor/preact-htm.module.js";

export const Work = () => html`<h2 tabindex="-1">建设中</h2>`;
