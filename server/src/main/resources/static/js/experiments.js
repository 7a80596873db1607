// The experiments view: the live experiment config (scenes, layers, arms and their traffic ratios) with each
// arm's requests, latency percentiles, zero-result rate and click-through, refreshed every few seconds while shown.
import * as api from './api.js';
import { $, el, fmt, percent } from './dom.js';

const REFRESH_MS = 3000;
const COLUMNS = ['Arm', 'Ratio', 'Type', 'Requests', 'p50 ms', 'p95 ms', 'p99 ms', 'Zero results', 'Click-through'];

function armRow(arm, metric, weights) {
  const row = el('tr');
  row.dataset.arm = arm.name;
  const nameCell = el('th', null, arm.name);
  nameCell.scope = 'row';
  if (arm.params && Object.keys(arm.params).length > 0) {
    const params = el('details', 'params');
    params.appendChild(el('summary', null, 'params'));
    params.appendChild(el('pre', null, JSON.stringify(arm.params, null, 2)));
    nameCell.appendChild(params);
  }
  row.appendChild(nameCell);
  row.appendChild(el('td', 'num ratio', weights > 0 ? `${(100 * (arm.weight || 0) / weights).toFixed(0)} %` : '–'));
  row.appendChild(el('td', null, (arm.params && arm.params.type) || '–'));
  const lat = (metric && metric.latencyMs) || {};
  row.appendChild(el('td', 'num requests', metric ? metric.requests : 0));
  row.appendChild(el('td', 'num p50', fmt(lat.p50, 1)));
  row.appendChild(el('td', 'num p95', fmt(lat.p95, 1)));
  row.appendChild(el('td', 'num p99', fmt(lat.p99, 1)));
  row.appendChild(el('td', 'num zero', metric ? percent(metric.zeroResultRate) : '–'));
  row.appendChild(el('td', 'num ctr', metric ? percent(metric.clickThroughRate) : '–'));
  return row;
}

function layerTable(sceneName, layer, byArm) {
  const wrap = el('div', 'table-wrap');
  const table = el('table', 'table arms');
  table.dataset.layer = layer.name;
  const headRow = el('tr');
  for (const h of COLUMNS) headRow.appendChild(el('th', h === 'Arm' || h === 'Type' ? null : 'num', h)).scope = 'col';
  table.appendChild(el('thead')).appendChild(headRow);
  const tbody = el('tbody');
  const arms = layer.arms || [];
  const weights = arms.reduce((sum, a) => sum + (a.weight || 0), 0);
  const rows = arms.map((a) => ({ arm: a, metric: byArm.get(`${sceneName}\u0000${layer.name}\u0000${a.name}`) }));
  for (const m of byArm.values()) { // arms that served earlier but are no longer in this config
    if (m.scene === sceneName && m.layer === layer.name && !arms.some((a) => a.name === m.arm)) {
      rows.push({ arm: { name: m.arm + ' (retired)', weight: 0, params: {} }, metric: m });
    }
  }
  for (const { arm, metric } of rows) tbody.appendChild(armRow(arm, metric, weights));
  table.appendChild(tbody);
  wrap.appendChild(table);
  return wrap;
}

async function refresh() {
  const [config, metrics] = await Promise.all([api.experimentsConfig(), api.experimentsMetrics()]);
  if (!config.ok) {
    $('experiments-summary').textContent = 'Could not load the experiment config: ' + api.errorText(config);
    return;
  }
  const c = config.body;
  $('experiments-summary').textContent = `Config ${c.version} from ${c.source} · reloads accepted ${c.acceptedReloads}, `
    + `rejected ${c.rejectedReloads} · default scene ${c.config.defaultScene}`;
  const byArm = new Map();
  if (metrics.ok && metrics.body && Array.isArray(metrics.body.arms)) {
    for (const m of metrics.body.arms) byArm.set(`${m.scene}\u0000${m.layer}\u0000${m.arm}`, m);
  }
  $('metrics-updated').textContent = metrics.ok ? `Updated ${new Date().toLocaleTimeString()}.`
    : 'Metrics unavailable: ' + api.errorText(metrics);
  const box = $('experiments');
  box.replaceChildren();
  for (const [sceneName, scene] of Object.entries(c.config.scenes || {})) {
    const section = el('section', 'scene');
    section.dataset.scene = sceneName;
    const served = Object.entries(c.config.collectionScenes || {}).filter(([, s]) => s === sceneName).map(([col]) => col);
    section.appendChild(el('h3', null, `Scene ${sceneName}${sceneName === c.config.defaultScene ? ' (default)' : ''}`
      + (served.length ? ` · collections ${served.join(', ')}` : '')));
    for (const layer of scene.layers || []) {
      section.appendChild(el('h4', null, `Layer ${layer.name} · stage ${layer.stage} · salt ${layer.salt}`));
      section.appendChild(layerTable(sceneName, layer, byArm));
    }
    box.appendChild(section);
  }
}

/** The view: start() when it is shown (refreshes now and every few seconds), stop() when it is left. */
export function createExperimentsView() {
  let timer = null;
  return {
    start() {
      clearInterval(timer);
      refresh();
      timer = setInterval(refresh, REFRESH_MS);
    },
    stop() {
      clearInterval(timer);
      timer = null;
    },
  };
}
