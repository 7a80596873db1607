// The debug panel of the search view: the arm of each experiment layer (and a control to force one), the config
// version and scene, per-stage timings, and each stage's candidates with their scores.
import * as api from './api.js';
import { $, el, fmt } from './dom.js';
import { clearForcedArms, forceArm, forcedArms } from './prefs.js';

/**
 * @param rerun        () => asks the last search again for the page shown (nothing when there was none)
 * @param lastResponse () => the last search response shown, or null
 */
export function createDebugView({ rerun, lastResponse }) {
  let enabled = false;
  let experiments = null; // GET /api/v1/experiments body: the layers and arms the force controls offer

  async function loadConfig() {
    const result = await api.experimentsConfig();
    if (result.ok) experiments = result.body;
  }

  function sceneConfig(sceneName) {
    const config = experiments && experiments.config;
    if (!config || !config.scenes) return null;
    return config.scenes[sceneName || config.defaultScene] || null;
  }

  function renderArmsTable(body) {
    const tbody = $('debug-arms').querySelector('tbody');
    tbody.replaceChildren();
    const forced = forcedArms();
    const scene = sceneConfig(body && body.scene);
    const layers = scene && Array.isArray(scene.layers) ? scene.layers
      : Object.keys((body && body.arms) || {}).map((name) => ({ name, arms: [] }));
    for (const layer of layers) {
      const row = el('tr');
      row.dataset.layer = layer.name;
      row.appendChild(el('th', null, layer.name)).scope = 'row';
      const served = body && body.arms ? body.arms[layer.name] : null;
      const servedCell = el('td', 'served', served || '–');
      if (served && forced[layer.name] === served) servedCell.appendChild(el('span', 'badge', 'forced'));
      row.appendChild(servedCell);
      const cell = el('td');
      const select = el('select', 'force-arm');
      select.dataset.layer = layer.name;
      select.setAttribute('aria-label', `Force the arm of layer ${layer.name}`);
      const auto = el('option', null, 'by user id');
      auto.value = '';
      select.appendChild(auto);
      const weights = (layer.arms || []).reduce((sum, a) => sum + (a.weight || 0), 0);
      for (const arm of layer.arms || []) {
        const ratio = weights > 0 ? ` (${Math.round((100 * (arm.weight || 0)) / weights)} %)` : '';
        const option = el('option', null, arm.name + ratio);
        option.value = arm.name;
        select.appendChild(option);
      }
      select.value = forced[layer.name] || '';
      select.addEventListener('change', () => {
        forceArm(layer.name, select.value);
        rerun();
      });
      cell.appendChild(select);
      row.appendChild(cell);
      tbody.appendChild(row);
    }
  }

  function renderTimings(timings) {
    const tbody = $('debug-timings').querySelector('tbody');
    tbody.replaceChildren();
    const total = timings.total || Math.max(0, ...Object.values(timings));
    for (const [stage, ms] of Object.entries(timings)) {
      const row = el('tr');
      row.dataset.stage = stage;
      row.appendChild(el('th', null, stage)).scope = 'row';
      row.appendChild(el('td', 'num', fmt(ms, 2)));
      const barCell = el('td', 'bar-cell');
      const bar = el('span', 'timing-bar');
      bar.style.width = (total > 0 ? Math.min(100, (100 * ms) / total) : 0).toFixed(1) + '%';
      barCell.appendChild(bar);
      row.appendChild(barCell);
      tbody.appendChild(row);
    }
  }

  function candidatesTable(candidates, served) {
    const names = [];
    for (const c of candidates) for (const k of Object.keys(c.scores || {})) if (!names.includes(k)) names.push(k);
    const table = el('table', 'table candidates');
    const headRow = el('tr');
    for (const h of ['#', 'id', 'score', ...names]) headRow.appendChild(el('th', h === 'id' ? null : 'num', h)).scope = 'col';
    table.appendChild(el('thead')).appendChild(headRow);
    const tbody = el('tbody');
    candidates.forEach((c, i) => {
      const row = el('tr', served.has(c.id) ? 'on-page' : null);
      row.appendChild(el('td', 'num', i + 1));
      row.appendChild(el('td', 'mono', c.id));
      row.appendChild(el('td', 'num', fmt(c.score, 4)));
      for (const n of names) row.appendChild(el('td', 'num', c.scores && n in c.scores ? fmt(c.scores[n], 4) : '–'));
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    return table;
  }

  function renderCandidates(debug, hits) {
    const box = $('debug-candidates');
    box.replaceChildren();
    if (!debug || !debug.candidates) {
      box.appendChild(el('p', 'muted', 'No candidates in this response.'));
      return;
    }
    const served = new Set(hits.map((h) => h.id));
    for (const [stage, candidates] of Object.entries(debug.candidates)) {
      const details = el('details', 'stage');
      details.dataset.stage = stage;
      details.open = stage === 'rank';
      details.appendChild(el('summary', null, `${stage} — ${candidates.length} candidates`));
      const wrap = el('div', 'table-wrap');
      wrap.appendChild(candidatesTable(candidates, served));
      details.appendChild(wrap);
      box.appendChild(details);
    }
  }

  /** Shows a search response in the panel (null: none yet). */
  function render(body) {
    $('debug-config-version').textContent = body ? body.configVersion : (experiments ? experiments.version : '–');
    $('debug-scene').textContent = body ? body.scene : '–';
    renderArmsTable(body);
    renderTimings((body && body.timingsMs) || {});
    $('debug-query-text').textContent = body && body.debug ? body.debug.queryText : '–';
    renderCandidates(body && body.debug, (body && body.hits) || []);
  }

  async function toggle() {
    enabled = !enabled;
    $('debug-toggle').setAttribute('aria-pressed', String(enabled));
    $('debug-panel').hidden = !enabled;
    if (!enabled) return;
    await loadConfig();
    const body = lastResponse();
    render(body);
    // The last response was made without the trace: ask again with debug on.
    if (body && !body.debug) rerun();
  }

  $('debug-toggle').addEventListener('click', toggle);
  $('clear-forced').addEventListener('click', () => {
    clearForcedArms();
    renderArmsTable(lastResponse());
    rerun();
  });

  return {
    loadConfig,
    render,
    toggle,
    /** Whether the panel is open (searches then ask for the trace). */
    enabled: () => enabled,
  };
}
