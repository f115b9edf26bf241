// Files for the clerk's computer: an export the API makes (CSV, Excel) fetched with the clerk's
// token — a plain link would carry none — and an image the page drew, each saved under its name.
import { Problem } from "/assets/api.js";
import { current } from "./session.js";

/** Saves `href` (a blob: or data: URL) as `name` through a link the browser downloads. */
export function save(href, name) {
  const link = Object.assign(document.createElement("a"), { href, download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

/** Downloads the file the API answers at `path`, named as its Content-Disposition says. */
export async function downloadFrom(path, fallbackName) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${current()?.token}` } });
  if (!response.ok) throw new Problem(response.status, await response.json().catch(() => ({})));
  const url = URL.createObjectURL(await response.blob());
  save(url, nameOf(response.headers.get("Content-Disposition")) || fallbackName);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// RFC 6266: the UTF-8 `filename*` (the Chinese name) before the ASCII `filename`.
function nameOf(disposition) {
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
  if (utf8) return decodeURIComponent(utf8[1]);
  return /filename="([^"]+)"/i.exec(disposition || "")?.[1];
}
