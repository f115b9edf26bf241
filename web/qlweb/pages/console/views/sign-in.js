// Sign-in, and the password change a new or reset account must make first.
import { html, useState } from "/assets/vendor/preact-htm.module.js";
import { describe, Problem } from "/assets/api.js";
import { changePassword, signIn } from "../session.js";

export function SignIn({ onSignedIn }) {
  const [error, setError] = useState("");
  const [mustChange, setMustChange] = useState(null); // {username, password} while a change is due
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError("");
    try {
      if (mustChange) {
        if (form.get("new_password") !== form.get("again")) throw new Error("两次输入的新密码不一致");
        onSignedIn(await changePassword(mustChange.username, mustChange.password, form.get("new_password")));
      } else {
        onSignedIn(await signIn(form.get("username"), form.get("password")));
      }
    } catch (failure) {
      if (failure instanceof Problem && failure.code === "password-change-required") {
        setMustChange({ username: form.get("username"), password: form.get("password") });
      } else {
        setError(describe(failure));
      }
    } finally {
      setBusy(false);
    }
  }

  return html`
    <header class="bar"><h1>清零 · 工作台</h1></header>
    <main>
      <form class="card" onSubmit=${submit} aria-describedby="sign-in-error">
        <h2 tabindex="-1">${mustChange ? "首次登录，请设置新密码" : "工作人员登录"}</h2>
        ${mustChange ? html`
          <p class="notice">账号 ${mustChange.username} 须先修改密码（首次登录或密码被重置后）。</p>
          <label for="new_password">新密码</label>
          <input id="new_password" name="new_password" type="password" autocomplete="new-password" required />
          <label for="again">再次输入新密码</label>
          <input id="again" name="again" type="password" autocomplete="new-password" required />
        ` : html`
          <label for="username">登录名</label>
          <input id="username" name="username" autocomplete="username" required />
          <label for="password">密码</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        `}
        <p id="sign-in-error" class="error" role="alert">${error}</p>
        <button type="submit" disabled=${busy}>${mustChange ? "修改密码并登录" : "登录"}</button>
      </form>
    </main>`;
}
