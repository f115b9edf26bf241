import { html } from "/assets/vendor/preact-htm.module.js";

export const TipOffList = () => html`<h2 tabindex="-1">建设中</h2>`;
export const HazardList = () => html`<h2 tabindex="-1">建设中</h2>`;
