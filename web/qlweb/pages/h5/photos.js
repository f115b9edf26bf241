// Photos from a phone, for the report page and for an answer or an addition: each one shrunk in the browser (JPEG, long side at most
// 1600 px — a phone's 5 MB photo becomes a few hundred KB on a slow line) and uploaded on its own as
// soon as it is chosen, as the report page does; what the answer then names is the upload tokens.
import { html, useEffect, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { api, describe } from "/assets/api.js";

const LONG_SIDE = 1600;
const QUALITY = 0.82;
export const MAX_PHOTOS = 9; // as many as an addition may carry

/** A JPEG of the photo, its long side at most LONG_SIDE, turned upright as the camera held it. */
export async function compress(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new Error(`无法读取“${file.name}”，请换一张 JPEG 或 PNG 照片`);
  }
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("照片压缩失败，请重试"))), "image/jpeg", QUALITY));
}

/** Uploads one file; answers its token. */
export async function upload(blob) {
  const form = new FormData();
  form.append("file", blob, "photo.jpg");
  const uploaded = await api("/api/v1/reports/media", { method: "POST", form });
  return uploaded.token;
}

/** A photo picker for one form: `onChange(tokens, busy)` after every change. */
export function Photos({ id, onChange }) {
  const [photos, setPhotos] = useState([]); // [{key, url, token|null, error|null}]
  const [status, setStatus] = useState("");
  const input = useRef(null);
  const latest = useRef(photos);

  useEffect(() => {
    latest.current = photos;
    const busy = photos.some((p) => !p.token && !p.error);
    onChange(photos.filter((p) => p.token).map((p) => p.token), busy);
  }, [photos]);
  useEffect(() => () => latest.current.forEach((p) => p.url && URL.revokeObjectURL(p.url)), []);

  const update = (key, change) => setPhotos((all) => all.map((p) => (p.key === key ? { ...p, ...change } : p)));

  async function chosen(event) {
    const files = [...event.target.files].slice(0, MAX_PHOTOS - photos.length);
    event.target.value = "";
    const added = files.map((file) => ({ key: crypto.randomUUID(), file, url: null, token: null, error: null }));
    setPhotos((all) => [...all, ...added]);
    for (const [index, photo] of added.entries()) {  // one by one: a slow line carries one at a time
      setStatus(`正在上传第 ${index + 1} 张，共 ${added.length} 张……`);
      try {
        const blob = await compress(photo.file);
        update(photo.key, { url: URL.createObjectURL(blob) });
        update(photo.key, { token: await upload(blob) });
      } catch (error) {
        update(photo.key, { error: describe(error) });
      }
    }
    setStatus(added.length ? "照片已上传" : "");
  }

  function remove(photo) {
    if (photo.url) URL.revokeObjectURL(photo.url);
    setPhotos((all) => all.filter((p) => p.key !== photo.key));
    input.current?.focus();
  }

  return html`
    <div class="picker">
      <input id=${id} ref=${input} class="visually-hidden" type="file" accept="image/*" multiple
        disabled=${photos.length >= MAX_PHOTOS} onChange=${chosen} aria-describedby=${`${id}-hint`} />
      <label for=${id} class="button secondary">添加照片</label>
      <span id=${`${id}-hint`} class="hint">可选，最多 ${MAX_PHOTOS} 张，上传前自动压缩</span>
    </div>
    <p class="hint" role="status">${status}</p>
    ${photos.length > 0 && html`
      <ul class="photos">
        ${photos.map((photo, index) => html`
          <li key=${photo.key}>
            ${photo.url ? html`<img src=${photo.url} alt=${`第 ${index + 1} 张照片`} />` : html`<span class="hint">处理中</span>`}
            ${photo.error && html`<span class="error">${photo.error}</span>`}
            ${!photo.token && !photo.error && photo.url && html`<span class="hint">上传中</span>`}
            <button type="button" class="secondary" onClick=${() => remove(photo)}
              aria-label=${`删除第 ${index + 1} 张照片`}>删除</button>
          </li>`)}
      </ul>`}`;
}
