// The console: one page, views by the address's hash (#/work, #/tip-offs/12 …), each view a module
// of views/. Every action goes through the same public API the mini-programs and enterprise
// systems use, with the clerk's own token; what a view offers comes from the API's answers
// (allowed_actions), never from the console's own idea of who may do what.
import { html, render, useEffect, useState } from "/assets/vendor/preact-htm.module.js";
import { current, signOut } from "./session.js";
import { SignIn } from "./views/sign-in.js";
import { Work } from "./views/work.js";
import { TipOffList, HazardList } from "./views/lists.js";
import { TipOffPage, HazardPage, ReturnPage } from "./views/item.js";
import { Enterprises } from "./views/enterprises.js";
import { Supervision } from "./views/supervision.js";
import { Dashboard } from "./views/dashboard.js";

// [pattern, title in the navigation (or null), view]
const ROUTES = [
  [/^#\/work$/, "我的待办", Work],
  [/^#\/tip-offs(?:\?(.*))?$/, "举报", TipOffList],
  [/^#\/tip-offs\/(\d+)$/, null, TipOffPage],
  [/^#\/hazards(?:\?(.*))?$/, "隐患", HazardList],
  [/^#\/hazards\/(\d+)$/, null, HazardPage],
  [/^#\/returns\/(\d+)$/, null, ReturnPage],
  [/^#\/supervision$/, "挂牌督办", Supervision],
  [/^#\/dashboard$/, "统计", Dashboard],
  [/^#\/enterprises$/, "企业", Enterprises],
];
const NAV = { "#/work": "我的待办", "#/tip-offs": "举报", "#/hazards": "隐患", "#/supervision": "挂牌督办", "#/dashboard": "统计",
              "#/enterprises": "企业" };

function useHash() {
  const [hash, setHash] = useState(location.hash || "#/work");
  useEffect(() => {
    const changed = () => setHash(location.hash || "#/work");
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function Console() {
  const hash = useHash();
  const [me, setMe] = useState(current());
  useEffect(() => { document.querySelector("main h2")?.focus(); }, [hash]);
  if (!me || hash === "#/sign-in") {
    return html`<${SignIn} onSignedIn=${(who) => { setMe(who); location.hash = "#/work"; }} />`;
  }
  const [pattern, , View] = ROUTES.find(([p]) => p.test(hash)) || ROUTES[0];
  const params = (hash.match(pattern) || []).slice(1);
  return html`
    <header class="bar">
      <h1>清零 · 工作台</h1>
      <nav aria-label="主导航" class="row">
        ${Object.entries(NAV).map(([href, title]) => html`
          <a href=${href} aria-current=${hash.startsWith(href) ? "page" : null}>${title}</a>`)}
      </nav>
      <span class="row">${me.name}
        <button class="secondary" onClick=${() => { signOut(); setMe(null); }}>退出</button></span>
    </header>
    <main><${View} me=${me} params=${params} key=${hash} /></main>`;
}

render(html`<${Console} />`, document.getElementById("app"));
