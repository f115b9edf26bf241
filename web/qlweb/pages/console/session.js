// The clerk's session: the access token alone, for this browser tab (sessionStorage), as Swagger
// UI keeps it — no password and no refresh token stored; closing the tab signs out.
import { api, Problem } from "/assets/api.js";

const KEY = "qingling.console.token";
const TOKEN_PATH = "/api/v1/identity/oauth/token";

/** The signed-in person from the token's claims (shown, never trusted: every API checks). */
export function current() {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64url(token.split(".")[1])));
    if (claims.exp * 1000 < Date.now()) return signOut();
    return { token, subject: claims.sub, name: claims.name || claims.sub, roles: claims.roles || [],
             region: claims.region, department: claims.dept, enterprise: claims.ent };
  } catch {
    return signOut();
  }
}

const base64url = (part) => Uint8Array.from(atob(part.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** Signs in; a `password-change-required` Problem means: change it first (changePassword). */
export async function signIn(username, password) {
  const form = new URLSearchParams({ grant_type: "password", username, password });
  const answer = await api(TOKEN_PATH, { method: "POST", form });
  sessionStorage.setItem(KEY, answer.access_token);
  return current();
}

export async function changePassword(username, currentPassword, newPassword) {
  await api("/api/v1/identity/password", {
    method: "POST", json: { username, current_password: currentPassword, new_password: newPassword },
  });
  return signIn(username, newPassword);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  return null;
}

/** The API as the signed-in person; an expired or revoked token sends them back to sign in. */
export async function call(path, options = {}) {
  const me = current();
  try {
    return await api(path, { ...options, token: me?.token });
  } catch (error) {
    if (error instanceof Problem && error.status === 401) {
      signOut();
      location.hash = "#/sign-in";
    }
    throw error;
  }
}
