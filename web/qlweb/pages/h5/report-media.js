// The report's photos and videos: each photo shrunk in the browser (compress(): JPEG, long side at
// most 1600 px, as the follow-up page does), each video checked against the service's limits
// before it is sent as it is; then uploaded one by one — a slow line carries one file at a time —
// each with its own progress, and removable at any time. The tip-off names the upload tokens.
import { html, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { Problem, describe } from "/assets/api.js";
import { compress } from "./photos.js";

const MEDIA = "/api/v1/reports/media";
export const MAX_FILES = 9; // as many as a tip-off may name
const VIDEO_TYPES = { "video/mp4": "mp4", "video/quicktime": "mov" };
const VIDEO_MB = 50; // the reports service's limit for MP4 and MOV
const BUSY = new Set(["waiting", "compressing", "uploading"]);

/** What is wrong with a file before anything is sent, or null. */
function refusal(file, kind) {
  if (kind === "video") {
    const extension = file.name.split(".").pop().toLowerCase();
    if (!(file.type in VIDEO_TYPES) && !Object.values(VIDEO_TYPES).includes(extension)) {
      return "只能上传 MP4 或 MOV 格式的视频";
    }
    if (file.size > VIDEO_MB * 1024 * 1024) {
      return `视频有 ${Math.ceil(file.size / 1024 / 1024)} MB，超过 ${VIDEO_MB} MB：请剪短后再上传，或改传照片`;
    }
  } else if (!file.type.startsWith("image/")) {
    return "只能上传照片或 MP4、MOV 视频";
  }
  return null;
}

/** POSTs one file with progress (fetch reports none for uploads); answers its token. */
function send(item, blob, changed) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    item.request = xhr;
    xhr.open("POST", MEDIA);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) {
        item.progress = event.loaded / event.total;
        changed();
      }
    };
    xhr.onload = () => (xhr.status === 201 ? resolve(xhr.response.token) : reject(new Problem(xhr.status, xhr.response)));
    xhr.onerror = () => reject(new Problem(0, { title: "网络不通", detail: "文件没有传上去，请检查网络后删除并重新添加" }));
    xhr.onabort = () => reject(new DOMException("removed", "AbortError"));
    const form = new FormData();
    form.append("file", blob, item.kind === "photo" ? "photo.jpg" : item.file.name);
    xhr.send(form);
  });
}

const STATES = { waiting: "等待上传", compressing: "正在压缩", uploading: "正在上传", done: "已上传", failed: "未上传" };

/** The file picker and its list; `onChange(tokens, busy)` after every change. */
export function MediaPicker({ onChange }) {
  const items = useRef([]); // [{key, file, kind, state, progress, token, error, url, request}]
  const running = useRef(false);
  const report = useRef(onChange);
  report.current = onChange;
  const input = useRef(null);
  const [, redraw] = useState(0);

  function changed() {
    redraw((n) => n + 1);
    const all = items.current;
    report.current(all.filter((i) => i.token).map((i) => i.token), all.some((i) => BUSY.has(i.state)));
  }

  async function drain() {
    if (running.current) return;
    running.current = true;
    let item;
    while ((item = items.current.find((i) => i.state === "waiting"))) {
      try {
        let blob = item.file;
        if (item.kind === "photo") {
          item.state = "compressing";
          changed();
          blob = await compress(item.file);
          item.url = URL.createObjectURL(blob);
        }
        if (!items.current.includes(item)) continue; // removed while it was shrunk
        item.state = "uploading";
        item.progress = 0;
        changed();
        item.token = await send(item, blob, changed);
        item.state = "done";
      } catch (error) {
        if (error.name === "AbortError") continue;
        item.state = "failed";
        item.error = describe(error);
      }
      changed();
    }
    running.current = false;
  }

  function chosen(event) {
    const room = MAX_FILES - items.current.length;
    for (const file of [...event.target.files].slice(0, room)) {
      const kind = file.type.startsWith("video/") || /\.(mp4|mov)$/i.test(file.name) ? "video" : "photo";
      const error = refusal(file, kind);
      items.current = [...items.current, { key: crypto.randomUUID(), file, kind, state: error ? "failed" : "waiting",
                                           progress: 0, token: null, error, url: null, request: null }];
    }
    event.target.value = "";
    changed();
    drain();
  }

  function remove(item) {
    items.current = items.current.filter((i) => i !== item);
    if (item.state === "uploading") item.request?.abort();
    if (item.url) URL.revokeObjectURL(item.url);
    changed();
    input.current?.focus();
  }

  const all = items.current;
  return html`
    <label for="media">照片或视频 <span class="hint">（可选，最多 ${MAX_FILES} 个；照片自动压缩，视频限 MP4、MOV，${VIDEO_MB} MB 以内）</span></label>
    <input id="media" ref=${input} type="file" accept="image/*,video/mp4,video/quicktime,.mov" multiple
      disabled=${all.length >= MAX_FILES} onChange=${chosen} />
    ${all.length > 0 && html`
      <ul class="media" aria-label="已选的照片和视频">
        ${all.map((item, index) => {
          const name = `${item.kind === "photo" ? "照片" : "视频"} ${index + 1}（${item.file.name}）`;
          return html`
          <li key=${item.key} class=${item.state}>
            ${item.url ? html`<img src=${item.url} alt=${name} />` : html`<span class="thumb" aria-hidden="true">${item.kind === "photo" ? "图" : "视频"}</span>`}
            <span class="what">
              <span class="name">${name}</span>
              <span class=${item.state === "failed" ? "error" : item.state === "done" ? "ok" : "hint"}>
                ${STATES[item.state]}${item.state === "uploading" ? ` ${Math.round(item.progress * 100)}%` : ""}${item.error ? `：${item.error}` : ""}
              </span>
              ${item.state === "uploading" && html`<progress max="1" value=${item.progress} aria-label=${`${name}上传进度`}></progress>`}
            </span>
            <button type="button" class="secondary" onClick=${() => remove(item)} aria-label=${`移除${name}`}>移除</button>
          </li>`;
        })}
      </ul>`}`;
}
