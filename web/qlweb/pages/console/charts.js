// Charts drawn in the browser with the bundled Chart.js (loaded once, when a chart is first shown:
// the rest of the console does without it). Each chart comes with what a screen reader and a
// report need: a caption, its numbers as a table, and the picture as a PNG file.
import { html, useEffect, useRef, useState } from "/assets/vendor/preact-htm.module.js";
import { save } from "./download.js";

const LIBRARY = "/assets/vendor/chart.umd.min.js";
// Dark enough on white for WCAG AA's 3:1 for graphics; the legend and the data table name each series.
const COLOURS = ["#0b57a3", "#b42318", "#067647", "#8a4b00", "#5b3fa6"];
const FONT = 'system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';

let loading = null;

// The figures' own style sheet, beside this module (the pages' CSP allows same-origin sheets).
if (!document.querySelector("link[data-figures-css]")) {
  const sheet = Object.assign(document.createElement("link"), { rel: "stylesheet", href: new URL("./figures.css", import.meta.url).href });
  sheet.dataset.figuresCss = "";
  document.head.append(sheet);
}

/** Counts as tiles: [[name, count, unit, overdue?]] — `overdue` marks a count that should be 0. */
export const Figures = ({ items }) => html`
  <dl class="figures">
    ${items.map(([name, count, unit, overdue]) => html`
      <div class=${overdue && count > 0 ? "overdue" : null}><dt>${name}</dt><dd>${count} <small>${unit}</small></dd></div>`)}
  </dl>`;

/** window.Chart, after the UMD script has run (a classic script: the CSP allows this host's). */
function chartLibrary() {
  loading ||= new Promise((resolve, reject) => {
    if (window.Chart) return resolve(window.Chart);
    const script = Object.assign(document.createElement("script"), { src: LIBRARY });
    script.onload = () => {
      Object.assign(window.Chart.defaults, { animation: false, font: { ...window.Chart.defaults.font, family: FONT } });
      resolve(window.Chart);
    };
    script.onerror = () => reject(new Error("图表组件加载失败，请刷新页面重试"));
    document.head.append(script);
  });
  return loading;
}

// A white ground under the drawing, so the exported PNG is not transparent in a report.
const PAPER = {
  id: "paper",
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/**
 * A chart with its caption, data table and PNG export.
 * - `labels`: the categories (months, regions); `series`: [{label, data, line?}] — bars unless `line`
 * - `heading`: the first column's title in the data table (月份, 地区)
 * - `file`: the PNG's name without extension; `subtitle`: drawn on the exported picture (the period)
 * - `horizontal`: bars across, for long names (regions) on a narrow screen
 */
export function ChartFigure({ id, title, caption, heading, labels, series, file, subtitle, horizontal = false }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const [tableShown, setTableShown] = useState(false);
  const [error, setError] = useState("");
  const [drawn, setDrawn] = useState(false);
  const data = JSON.stringify([labels, series]);

  useEffect(() => {
    let gone = false;
    chartLibrary().then((Chart) => {
      if (gone) return;
      chart.current = new Chart(canvas.current, config(labels, series, title, subtitle, horizontal));
      setDrawn(true);
    }, (failure) => setError(failure.message));
    return () => {
      gone = true;
      chart.current?.destroy();
      chart.current = null;
      setDrawn(false);
    };
  }, [data, horizontal]);

  function exportPng() {
    // The title and period go on the picture, which leaves the page they are shown on.
    const { options } = chart.current;
    options.plugins.title.display = options.plugins.subtitle.display = true;
    chart.current.update("none");
    const image = chart.current.toBase64Image("image/png", 1);
    options.plugins.title.display = options.plugins.subtitle.display = false;
    chart.current.update("none");
    save(image, `${file}.png`);
  }

  const height = horizontal ? Math.max(220, labels.length * (12 + 10 * series.length) + 90) : 320;
  return html`
    <section class="card" aria-labelledby=${`${id}-title`}>
      <h3 id=${`${id}-title`}>${title}</h3>
      <figure>
        <div class="chart" style=${{ height: `${height}px` }}>
          <canvas ref=${canvas} id=${id} role="img" aria-label=${`${title}（图表，数字见数据表）`}
            aria-describedby=${`${id}-caption`}></canvas>
        </div>
        <figcaption id=${`${id}-caption`} class="hint">${caption}</figcaption>
      </figure>
      <p class="error" role="alert">${error}</p>
      <div class="row">
        <button class="secondary" aria-expanded=${tableShown ? "true" : "false"} aria-controls=${`${id}-table`}
          onClick=${() => setTableShown(!tableShown)}>${tableShown ? "隐藏数据表" : "显示数据表"}</button>
        <button class="secondary" onClick=${exportPng} disabled=${!drawn}>导出图片（PNG）</button>
      </div>
      <div id=${`${id}-table`} hidden=${!tableShown} role="region" aria-label=${`${title}数据表`} tabindex="0"
        class="scroll">
        <table class="numbers">
          <caption class="visually-hidden">${title}</caption>
          <thead><tr><th scope="col">${heading}</th>${series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
          <tbody>
            ${labels.map((label, row) => html`
              <tr><th scope="row">${label}</th>${series.map((s) => html`<td>${s.data[row]}</td>`)}</tr>`)}
          </tbody>
        </table>
      </div>
    </section>`;
}

function config(labels, series, title, subtitle, horizontal) {
  return {
    type: "bar",
    data: {
      labels,
      datasets: series.map((s, index) => ({
        label: s.label,
        data: s.data,
        type: s.line ? "line" : "bar",
        backgroundColor: COLOURS[index % COLOURS.length],
        borderColor: COLOURS[index % COLOURS.length],
        borderWidth: s.line ? 3 : 0,
        pointStyle: s.line ? "rectRot" : undefined,
        pointRadius: s.line ? 5 : undefined,
        order: s.line ? 0 : 1, // a line over the bars
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      scales: { [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: {
        legend: { position: "bottom" },
        title: { display: false, text: title, font: { size: 16 } },
        subtitle: { display: false, text: subtitle || "" },
      },
    },
    plugins: [PAPER],
  };
}
