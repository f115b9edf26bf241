import { html } from "/assets/vendor/preact-htm.module.js";

export const TipOffPage = () => html`<h2 tabindex="-1">建设中</h2>`;
export const HazardPage = () => html`<h2 tabindex="-1">建设中</h2>`;
