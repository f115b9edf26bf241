// The pages' one way to the API: JSON (or a form) in, JSON out, and every refusal — an RFC 9457
// problem+json with a stable `code` and a Chinese message — turned into a `Problem` a page shows
// as it is. Same-origin paths only: the pages talk to no other host.

export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `请求失败（${status}）`);
    this.status = status;
    this.code = body?.code || "unknown";
    this.title = body?.title || "";
    this.errors = body?.errors || []; // [{location, field, message}]
  }
}

const NETWORK = { title: "网络不通", detail: "无法连接服务器，请检查网络后重试", code: "network" };

/** fetch `path` (`/api/v1/...`); `json` or `form` (FormData / URLSearchParams) as the body.
 *  `credentials: "omit"` for a request that carries its own Authorization (a receipt's HTTP Basic):
 *  the browser then shows no sign-in dialog of its own on a 401. */
export async function api(
  path, { method = "GET", json, form, token, headers = {}, signal, credentials = "same-origin" } = {},
) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, credentials };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new Problem(0, NETWORK);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new Problem(response.status, typeof body === "object" ? body : { detail: body });
  return body;
}

/** The message a person can act on: the problem's detail and each field's own message. */
export function describe(error) {
  if (!(error instanceof Problem)) return String(error?.message || error);
  const fields = error.errors.map((e) => e.message).filter(Boolean);
  return [error.message, ...fields.filter((m) => m !== error.message)].join("；");
}

/** A new key per attempt of a state change, so a retried request is applied once. */
export const idempotencyKey = () => crypto.randomUUID();
