// Action forms built from the service's own OpenAPI document: the request body's JSON Schema of
// `POST …/{id}/<action>` gives the fields, their Chinese descriptions the labels, `required` the
// marks; the operation's summary is the action's name. A new field in the API shows up here
// without a change to the console.
import { html, useEffect, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { api, describe, idempotencyKey, Problem } from "/assets/api.js";
import { call, current } from "./session.js";

const documents = new Map(); // service → Promise of its OpenAPI document, fetched once per page

export function openapi(service) {
  if (!documents.has(service)) {
    const loading = api(`/api/v1/${service}/openapi.json`);
    loading.catch(() => documents.delete(service)); // a failed fetch is tried again next time
    documents.set(service, loading);
  }
  return documents.get(service);
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The POST operation `<base>/{…}/<action>` of `doc` (path and operation), or null. */
function actionOperation(doc, base, action) {
  const pattern = new RegExp(`^${escape(base)}/\\{[^}]+\\}/${escape(action)}$`);
  const path = Object.keys(doc.paths).find((p) => pattern.test(p) && doc.paths[p].post);
  return path ? { path, operation: doc.paths[path].post } : null;
}

/** {action: its Chinese name (the route's summary)} for the actions of `<base>/{id}/…`. */
export async function actionTitles(service, base) {
  const doc = await openapi(service);
  const pattern = new RegExp(`^${escape(base)}/\\{[^}]+\\}/([a-z_]+)$`);
  const titles = {};
  for (const [path, methods] of Object.entries(doc.paths)) {
    const match = path.match(pattern);
    if (match && methods.post?.summary) titles[match[1]] = methods.post.summary;
  }
  return titles;
}

/** {action: {field: label}} of the top-level fields of each action's request body (for the trail). */
export async function fieldLabels(service, base) {
  const doc = await openapi(service);
  const labels = {};
  for (const action of Object.keys(await actionTitles(service, base))) {
    const schema = actionOperation(doc, base, action).operation.requestBody?.content?.["application/json"]?.schema;
    const properties = resolve(doc, schema).properties || {};
    labels[action] = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => [name, wording(name, unwrap(doc, property)).label]),
    );
  }
  return labels;
}

function resolve(doc, schema) {
  while (schema?.$ref) schema = schema.$ref.split("/").slice(1).reduce((node, key) => node[key], doc);
  return schema || {};
}

/** A property's schema with `anyOf: [X, null]` read as an optional X, the outer description kept. */
function unwrap(doc, property) {
  const options = (property.anyOf || []).filter((option) => option.type !== "null");
  const inner = resolve(doc, options.length === 1 ? options[0] : property);
  return { ...inner, description: property.description || inner.description, title: property.title || inner.title };
}

/** A field's label and the rest of its description as a hint. Every action field is described in
 * Chinese (tests/test_action_forms.py); a field with fixed values as "名称：code 词语；code 词语". */
function wording(name, schema) {
  let text = schema.description || "";
  if (schema.type === "boolean") text = text.replace(/^true\s+/, ""); // "true 提交上一级…": what ticking means
  const cut = text.search(/[：；;]/);
  if (schema.enum && cut >= 0) return { label: text.slice(0, cut), hint: "" }; // the rest: the options' words
  if (!text) return { label: schema.title || name, hint: "" };
  if (text.length <= 24 || cut < 0) return { label: text, hint: "" };
  return { label: text.slice(0, cut), hint: text.slice(cut + 1) };
}

/** The Chinese words of each code, as the field's description writes them: "名称：code 词语；code 词语". */
function optionWords(codes, description = "") {
  return codes.map((code) => {
    const found = description.match(new RegExp(`(?:^|[\\s：:；;，,])${escape(code)}\\s+([^；;]+)`));
    return { value: code, label: found ? found[1].trim() : code };
  });
}

// Fields whose values are records of the API: offered by name, never as codes or ids to type.
const PICKERS = {
  industry: async () =>
    (await call("/api/v1/hazards/industries")).map((i) => ({ value: i.code, label: i.name })),
  basis_standard: async () =>
    (await call("/api/v1/hazards/standards")).map((s) => ({ value: s.id, label: `${s.title}（${s.document}）` })),
  supervising_department_id: async () => {
    const region = current()?.region || "";
    const page = await call(`/api/v1/hazards/departments?region_prefix=${region.slice(0, 6)}&limit=200`);
    return page.items.filter((d) => d.active).map((d) => ({ value: String(d.id), label: d.name }));
  },
  tags: async () => (await call("/api/v1/hazards/tags")).map((t) => ({ value: t.code, label: t.name })),
};

/** The field tree of a request body schema: [{name, pointer, kind, label, hint, required, …}]. */
async function fieldsOf(doc, schema, pointer = "") {
  const required = new Set(schema.required || []);
  const fields = [];
  for (const [name, property] of Object.entries(schema.properties || {})) {
    const field = unwrap(doc, property);
    const entry = { name, pointer: `${pointer}/${name}`, required: required.has(name), ...wording(name, field),
                    max: field.maximum, min: field.minimum, maxLength: field.maxLength };
    if (PICKERS[name]) {
      entry.options = await PICKERS[name]().catch(() => null);
    }
    if (field.type === "object" && field.properties) {
      fields.push({ ...entry, kind: "group", fields: await fieldsOf(doc, field, entry.pointer) });
    } else if (field.type === "array") {
      const items = resolve(doc, field.items);
      if (items.enum) entry.options = optionWords(items.enum, field.description);
      fields.push({ ...entry, kind: entry.options ? "choices" : "lines" });
    } else if (field.enum || entry.options) {
      fields.push({ ...entry, kind: "select", options: entry.options || optionWords(field.enum, field.description),
                    integer: field.type === "integer" });
    } else if (field.type === "boolean") {
      fields.push({ ...entry, kind: "boolean" });
    } else if (field.type === "integer" || field.type === "number") {
      fields.push({ ...entry, kind: "number" });
    } else if (field.format === "date" || field.format === "date-time") {
      fields.push({ ...entry, kind: field.format });
    } else {
      fields.push({ ...entry, kind: (field.maxLength || 0) > 200 ? "textarea" : "text" });
    }
  }
  return fields;
}

/** The form of one action: its name and its fields (none for an action without a body). */
export async function actionForm(service, base, action) {
  const doc = await openapi(service);
  const found = actionOperation(doc, base, action);
  if (!found) return null;
  const body = found.operation.requestBody?.content?.["application/json"]?.schema;
  return { title: found.operation.summary || action, fields: body ? await fieldsOf(doc, resolve(doc, body)) : [] };
}

const confirming = (title) => (title.startsWith("确认") ? title : `确认${title}`);
const idOf = (pointer) => `field${pointer.replace(/\//g, "-")}`;

/** The JSON the API expects, from the form's controls; empty optional fields are left out. */
function collect(form, fields) {
  const body = {};
  for (const field of fields) {
    const element = form.elements.namedItem(field.pointer);
    let value;
    if (field.kind === "group") {
      value = collect(form, field.fields);
      if (!Object.keys(value).length) value = undefined;
    } else if (field.kind === "choices") {
      value = [...form.querySelectorAll(`input[data-group="${field.pointer}"]:checked`)].map((e) => e.value);
      if (!value.length && !field.required) value = undefined;
    } else if (field.kind === "boolean") {
      value = element.checked;
    } else if (element.value.trim() === "") {
      value = undefined;
    } else if (field.kind === "number" || (field.kind === "select" && field.integer)) {
      value = Number(element.value);
    } else if (field.kind === "lines") {
      value = element.value.split("\n").map((line) => line.trim()).filter(Boolean);
    } else if (field.kind === "date-time") {
      value = `${element.value}:00+08:00`; // entered in Beijing time
    } else {
      value = element.value.trim();
    }
    if (value !== undefined) body[field.name] = value;
  }
  return body;
}

function Field({ field, errors, topLevel }) {
  const id = idOf(field.pointer);
  const message = errors[field.pointer];
  const describedBy = [field.hint && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(" ") || null;
  // Required is enforced by the browser only at the top: a nested group may be left out whole.
  const common = { id, name: field.pointer, required: topLevel && field.required, "aria-invalid": message ? "true" : null,
                   "aria-describedby": describedBy };
  const mark = field.required ? html` <span class="required">（必填）</span>` : null;
  const hint = field.hint ? html`<span id=${`${id}-hint`} class="hint">${field.hint}</span>` : null;
  const error = message ? html`<span id=${`${id}-error`} class="error">${message}</span>` : null;

  if (field.kind === "group") {
    return html`
      <fieldset class="card">
        <legend>${field.label}${field.required ? "（必填）" : "（选填，填写时须完整）"}</legend>
        ${hint}${error}
        ${field.fields.map((inner) => html`<${Field} field=${inner} errors=${errors} topLevel=${false} />`)}
      </fieldset>`;
  }
  if (field.kind === "boolean") {
    return html`<div class="field">
      <label for=${id}><input type="checkbox" ...${common} />${field.label}</label>${hint}${error}</div>`;
  }
  if (field.kind === "choices") {
    return html`
      <fieldset aria-describedby=${describedBy}>
        <legend>${field.label}${mark}</legend>${hint}${error}
        <div class="row">${field.options.map((option, index) => html`
          <label for=${`${id}-${index}`} class="hint">
            <input type="checkbox" id=${`${id}-${index}`} data-group=${field.pointer} value=${option.value} />
            ${option.label}</label>`)}</div>
      </fieldset>`;
  }
  let control;
  if (field.kind === "select") {
    control = html`<select ...${common}>
      <option value="">${field.required ? "请选择" : "（不填）"}</option>
      ${field.options.map((option) => html`<option value=${option.value}>${option.label}</option>`)}</select>`;
  } else if (field.kind === "textarea" || field.kind === "lines") {
    control = html`<textarea ...${common} maxlength=${field.maxLength}></textarea>`;
  } else if (field.kind === "number") {
    control = html`<input type="number" inputmode="numeric" ...${common} min=${field.min} max=${field.max} />`;
  } else if (field.kind === "date") {
    control = html`<input type="date" ...${common} />`;
  } else if (field.kind === "date-time") {
    control = html`<input type="datetime-local" ...${common} />`;
  } else {
    control = html`<input type="text" ...${common} maxlength=${field.maxLength} />`;
  }
  const lines = field.kind === "lines" ? html`<span class="hint">每行一项</span>` : null;
  return html`<div class="field">
    <label for=${id}>${field.label}${mark}</label>${hint}${lines}${control}${error}</div>`;
}

/** The form of `action` on the item at `itemPath` (e.g. /api/v1/reports/tip-offs/12). */
export function ActionForm({ service, base, itemPath, action, onDone, onCancel }) {
  const [form, setForm] = useState(null);
  const [problem, setProblem] = useState("");
  const [errors, setErrors] = useState({}); // pointer → message
  const [busy, setBusy] = useState(false);
  const heading = useRef(null);

  useEffect(() => {
    actionForm(service, base, action)
      .then((loaded) => setForm(loaded || { title: action, fields: [], missing: true }))
      .catch((failure) => setProblem(describe(failure)));
  }, [service, base, action]);
  useEffect(() => { if (form) heading.current?.focus(); }, [form]);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setProblem("");
    setErrors({});
    try {
      const json = form.fields.length ? collect(event.target, form.fields) : undefined;
      await call(`${itemPath}/${action}`, { method: "POST", json, headers: { "Idempotency-Key": idempotencyKey() } });
      onDone();
    } catch (failure) {
      if (failure instanceof Problem) {
        setErrors(Object.fromEntries(failure.errors.filter((e) => e.field).map((e) => [e.field, e.message])));
      }
      setProblem(describe(failure));
      setBusy(false);
    }
  }

  if (!form) return html`<p role="status">${problem ? html`<span class="error">${problem}</span>` : "正在加载表单……"}</p>`;
  const headingId = `form-${action}`;
  return html`
    <form class="card action-form" onSubmit=${submit} aria-labelledby=${headingId}>
      <h3 id=${headingId} tabindex="-1" ref=${heading}>${form.title}</h3>
      ${form.fields.length ? null : html`<p>${confirming(form.title)}？此操作将记入办理记录。</p>`}
      ${form.fields.map((field) => html`<${Field} field=${field} errors=${errors} topLevel=${true} />`)}
      <p class="error" role="alert">${problem}</p>
      <div class="row">
        <button type="submit" disabled=${busy || form.missing}>${confirming(form.title)}</button>
        <button type="button" class="secondary" onClick=${onCancel}>取消</button>
      </div>
    </form>`;
}
