// mmsearch web UI: search (text and image collections), debug panel, experiments and collections views.
// No framework, no CDN. Safety rule: text from documents or the server is only ever inserted with
// textContent / createTextNode, never as HTML; highlight markers are turned into <em> elements by
// creating them, not by parsing markup.
'use strict';

const STORAGE_USER = 'mmsearch.userId';
const STORAGE_FORCED = 'mmsearch.forcedArms';
const METRICS_REFRESH_MS = 3000;

const state = {
  offset: 0,
  collections: new Map(),  // name -> collection info
  experiments: null,       // GET /api/v1/experiments body
  forced: {},              // layer -> arm, sent as forceArms
  debug: false,
  last: null,              // what the last search asked: {kind: 'text'|'image'|'imageId', query, file, imageId}
  lastResponse: null,
  feedbackSent: new Set(), // queryId + docId, so one result is reported once per result page
  metricsTimer: null,
  dialogHit: null,
};

const $ = (id) => document.getElementById(id);

/** Creates an element; text (if given) goes in as text, never as markup. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function fmt(number, digits) {
  return typeof number === 'number' && isFinite(number) ? number.toFixed(digits) : '–';
}

function percent(x) {
  return typeof x === 'number' && isFinite(x) ? (100 * x).toFixed(1) + ' %' : '–';
}

function bytes(n) {
  if (typeof n !== 'number' || n < 0) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function utc(instant) {
  if (!instant) return '–';
  const d = new Date(instant);
  return isNaN(d) ? String(instant) : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

async function fetchJson(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  return { ok: response.ok, status: response.status, body };
}

function errorText(result) {
  const b = result.body || {};
  return `Error ${result.status}${b.code ? ' (' + b.code + ')' : ''}: ${b.message || 'the server sent no details'}`;
}

// ---------------------------------------------------------------- user id

function randomUserId() {
  const bytesArray = new Uint8Array(4);
  crypto.getRandomValues(bytesArray);
  return 'user-' + Array.from(bytesArray, (b) => b.toString(16).padStart(2, '0')).join('');
}

function initUserId() {
  const input = $('user-id');
  let id = null;
  try { id = localStorage.getItem(STORAGE_USER); } catch (e) { /* storage disabled: keep it per page */ }
  if (!id) {
    id = randomUserId();
    try { localStorage.setItem(STORAGE_USER, id); } catch (e) { /* ignore */ }
  }
  input.value = id;
  input.addEventListener('change', () => {
    const value = input.value.trim();
    try {
      if (value) localStorage.setItem(STORAGE_USER, value); else localStorage.removeItem(STORAGE_USER);
    } catch (e) { /* ignore */ }
    if (state.last) runSearch(0);
  });
}

function userId() {
  const value = $('user-id').value.trim();
  return value || null; // blank: the server buckets the request at random
}

// ---------------------------------------------------------------- views

const VIEWS = ['search', 'experiments', 'collections'];

function showView() {
  const name = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'search';
  for (const v of VIEWS) {
    $('view-' + v).hidden = v !== name;
    const tab = $('tab-' + v);
    if (v === name) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
  }
  clearInterval(state.metricsTimer);
  state.metricsTimer = null;
  if (name === 'experiments') {
    refreshExperiments();
    state.metricsTimer = setInterval(refreshExperiments, METRICS_REFRESH_MS);
  } else if (name === 'collections') {
    loadCollections().then(renderCollections);
  }
}

// ---------------------------------------------------------------- collections

async function loadCollections() {
  const result = await fetchJson('/api/v1/collections').catch((e) => ({ ok: false, status: 0, body: { message: String(e) } }));
  if (!result.ok) {
    $('status').textContent = 'Could not list collections: ' + errorText(result);
    return;
  }
  const select = $('collection');
  const previous = select.value;
  state.collections.clear();
  select.replaceChildren();
  for (const c of result.body) {
    state.collections.set(c.name, c);
    const model = c.stamp ? c.stamp.modelId : '?';
    const option = el('option', null, `${c.name} (${c.documentCount} docs, ${model})`);
    option.value = c.name;
    select.appendChild(option);
  }
  if (previous && state.collections.has(previous)) select.value = previous;
  if (state.collections.size === 0) {
    $('status').textContent = 'No collections yet: index one with `mmsearch index` or run `mmsearch demo`.';
  }
  updateCollectionMode();
}

function currentCollection() {
  return state.collections.get($('collection').value) || null;
}

/** Image collections: vectors come from images (collection info "modality": "image"). */
function isImageCollection(info) {
  return !!info && info.modality === 'image';
}

function updateCollectionMode() {
  const info = currentCollection();
  const image = isImageCollection(info);
  $('image-controls').hidden = !image;
  $('drop-zone').hidden = !image;
  $('query').placeholder = image ? 'Describe a picture…' : 'Ask a question…';
  const note = info && (info.notice || info.note);
  $('collection-note').hidden = !note;
  $('collection-note').textContent = note || '';
}

function renderCollections() {
  const body = $('collections-table').querySelector('tbody');
  body.replaceChildren();
  for (const c of state.collections.values()) {
    const row = el('tr');
    row.dataset.collection = c.name;
    const nameCell = el('td');
    const open = el('button', 'link-button', c.name);
    open.type = 'button';
    open.title = 'Search this collection';
    open.addEventListener('click', () => {
      $('collection').value = c.name;
      updateCollectionMode();
      location.hash = '#search';
      $('query').focus();
    });
    nameCell.appendChild(open);
    if (c.modality) nameCell.appendChild(el('span', 'badge', c.modality));
    row.appendChild(nameCell);
    const stamp = c.stamp || {};
    const cells = [
      [c.documentCount, 'num'], [stamp.modelId], [stamp.dimension, 'num'], [stamp.metric],
      [stamp.checksum ? stamp.checksum.slice(0, 12) : '–', 'mono'], [bytes(c.sizeBytes), 'num'], [utc(c.lastModified)],
    ];
    for (const [value, cls] of cells) row.appendChild(el('td', cls || null, value === undefined ? '–' : value));
    body.appendChild(row);
  }
  $('collections-status').textContent = `${state.collections.size} collection(s).`;
}

// ---------------------------------------------------------------- experiments config and forced arms

async function loadExperiments() {
  const result = await fetchJson('/api/v1/experiments').catch(() => ({ ok: false }));
  if (result.ok) state.experiments = result.body;
  return state.experiments;
}

function sceneConfig(sceneName) {
  const config = state.experiments && state.experiments.config;
  if (!config || !config.scenes) return null;
  return config.scenes[sceneName || config.defaultScene] || null;
}

function loadForced() {
  try { state.forced = JSON.parse(sessionStorage.getItem(STORAGE_FORCED) || '{}') || {}; } catch (e) { state.forced = {}; }
}

function saveForced() {
  try { sessionStorage.setItem(STORAGE_FORCED, JSON.stringify(state.forced)); } catch (e) { /* ignore */ }
}

// ---------------------------------------------------------------- search

function pageSize() {
  return parseInt($('page-size').value, 10) || 10;
}

function requestParams(offset) {
  const params = { topK: pageSize(), offset };
  const user = userId();
  if (user) params.userId = user;
  if (state.debug) params.debug = true;
  if (Object.keys(state.forced).length > 0) params.forceArms = Object.assign({}, state.forced);
  return params;
}

function searchUrl(collection) {
  return `/api/v1/collections/${encodeURIComponent(collection)}/search`;
}

async function runSearch(offset) {
  const last = state.last;
  const collection = $('collection').value;
  if (!last || !collection) return;
  state.offset = offset;
  $('status').textContent = 'Searching…';
  const params = requestParams(offset);
  let options;
  if (last.kind === 'image') {
    // Multipart: the file as part "image", the other request fields as form fields (forceArms as JSON).
    const form = new FormData();
    form.append('image', last.file, last.file.name || 'upload');
    for (const [k, v] of Object.entries(params)) form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    options = { method: 'POST', body: form };
  } else {
    const body = Object.assign(last.kind === 'imageId' ? { imageId: last.imageId } : { query: last.query }, params);
    options = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
  const started = performance.now();
  let result;
  try {
    result = await fetchJson(searchUrl(collection), options);
  } catch (e) {
    result = { ok: false, status: 0, body: { message: 'network error: ' + e } };
  }
  const roundTrip = performance.now() - started;
  if (!result.ok) {
    state.lastResponse = null;
    $('results').replaceChildren();
    $('image-grid').replaceChildren();
    $('pager').hidden = true;
    $('latency').textContent = '';
    $('status').textContent = errorText(result);
    return;
  }
  state.lastResponse = result.body;
  render(result.body, roundTrip);
}

function searchText() {
  const query = $('query').value.trim();
  const url = new URL(window.location.href);
  if (query) url.searchParams.set('q', query); else url.searchParams.delete('q');
  if ($('collection').value) url.searchParams.set('collection', $('collection').value);
  window.history.replaceState(null, '', url);
  if (!query) {
    $('status').textContent = 'Type a query first.';
    return;
  }
  state.last = { kind: 'text', query };
  runSearch(0);
}

function searchImageFile(file) {
  if (!file) return;
  if (file.type && !file.type.startsWith('image/')) {
    $('status').textContent = `"${file.name}" is not an image (${file.type}).`;
    return;
  }
  state.last = { kind: 'image', file };
  runSearch(0);
}

function searchImageId(id) {
  state.last = { kind: 'imageId', imageId: id };
  runSearch(0);
}

// ---------------------------------------------------------------- rendering results

/** Decodes the entities Lucene's SimpleHTMLEncoder produces (&lt; &gt; &amp; &quot; &#NNN;) to plain text. */
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (m, e) => {
    const lower = e.toLowerCase();
    if (lower === 'amp') return '&';
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'quot') return '"';
    if (lower === 'apos') return "'";
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    try { return String.fromCodePoint(code); } catch (err) { return m; }
  });
}

/**
 * A highlight fragment from the server: escaped text with matches between <em> and </em>.
 * Split on the two markers; every piece becomes a text node, matched pieces inside a created <em>.
 */
function highlighted(fragment) {
  const out = el('span', 'hit-fragment');
  let inMatch = false;
  for (const piece of String(fragment).split(/(<em>|<\/em>)/)) {
    if (piece === '<em>') { inMatch = true; continue; }
    if (piece === '</em>') { inMatch = false; continue; }
    if (!piece) continue;
    const text = decodeEntities(piece);
    out.appendChild(inMatch ? el('em', null, text) : document.createTextNode(text));
  }
  return out;
}

function fragmentsOf(hit, field) {
  const h = hit.fields && hit.fields._highlights;
  const list = h && Array.isArray(h[field]) ? h[field] : [];
  return list.filter((f) => typeof f === 'string' && f.length > 0);
}

function fieldText(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Same-origin paths only (e.g. /api/v1/collections/c/images/id); anything else is not used as an image URL. */
function safeImageUrl(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : null;
}

function imageUrl(hit) {
  return safeImageUrl(hit._image || (hit.fields && hit.fields._image));
}

function thumbnailUrl(hit) {
  return safeImageUrl(hit._thumbnail || (hit.fields && hit.fields._thumbnail)) || imageUrl(hit);
}

function caption(hit) {
  const f = hit.fields || {};
  return fieldText(f.caption || f.title || f.text || hit.id);
}

function sendFeedback(hit, node) {
  const response = state.lastResponse;
  if (!response || !response.queryId) return;
  const key = response.queryId + '\u0000' + hit.id;
  if (state.feedbackSent.has(key)) return;
  state.feedbackSent.add(key);
  fetch('/api/v1/feedback', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ queryId: response.queryId, docId: hit.id, position: hit.rank }),
  }).then((r) => { if (node) node.dataset.feedback = r.ok ? 'sent' : 'failed'; })
    .catch(() => { if (node) node.dataset.feedback = 'failed'; });
}

function scoreChips(hit) {
  const chips = el('span', 'hit-scores');
  for (const [name, value] of Object.entries(hit.scores || {})) {
    chips.appendChild(el('span', 'chip', `${name} ${fmt(value, 4)}`));
  }
  return chips;
}

function renderCard(hit) {
  const item = el('li', 'hit');
  item.dataset.id = hit.id;
  const head = el('div', 'hit-head');
  const title = el('button', 'hit-title');
  title.type = 'button';
  title.setAttribute('aria-expanded', 'false');
  const titleFragments = fragmentsOf(hit, 'title');
  if (titleFragments.length > 0) titleFragments.forEach((f) => title.appendChild(highlighted(f)));
  else title.textContent = fieldText((hit.fields && hit.fields.title) || hit.id);
  head.appendChild(title);
  head.appendChild(el('span', 'hit-score', fmt(hit.score, 4)));
  item.appendChild(head);

  const text = el('p', 'hit-text');
  const fragments = fragmentsOf(hit, 'text');
  if (fragments.length > 0) {
    fragments.forEach((f, i) => {
      if (i > 0) text.appendChild(document.createTextNode(' … '));
      text.appendChild(highlighted(f));
    });
  } else {
    text.textContent = fieldText(hit.fields && hit.fields.text);
  }
  item.appendChild(text);
  // The full text, shown when the result is opened.
  const full = el('p', 'hit-full', fieldText(hit.fields && hit.fields.text));
  full.hidden = true;
  item.appendChild(full);

  const meta = el('div', 'hit-meta');
  meta.appendChild(el('span', 'hit-id', `#${hit.rank} · id ${hit.id}`));
  for (const [name, value] of Object.entries(hit.fields || {})) {
    if (name.startsWith('_') || name === 'title' || name === 'text' || name === 'id') continue;
    meta.appendChild(el('span', 'chip field', `${name}: ${fieldText(value)}`));
  }
  meta.appendChild(scoreChips(hit));
  item.appendChild(meta);

  title.addEventListener('click', () => {
    const open = title.getAttribute('aria-expanded') !== 'true';
    title.setAttribute('aria-expanded', String(open));
    full.hidden = !open;
    text.hidden = open;
    if (open) sendFeedback(hit, item);
  });
  return item;
}

function renderTile(hit) {
  const tile = el('figure', 'tile');
  tile.dataset.id = hit.id;
  const open = el('button', 'tile-open');
  open.type = 'button';
  const src = thumbnailUrl(hit);
  if (src) {
    const img = el('img');
    img.src = src;
    img.alt = caption(hit);
    img.loading = 'lazy';
    open.appendChild(img);
  } else {
    open.appendChild(el('span', 'tile-missing', 'no image'));
  }
  open.setAttribute('aria-label', 'Open image: ' + caption(hit));
  open.addEventListener('click', () => { sendFeedback(hit, tile); openImage(hit); });
  tile.appendChild(open);
  const cap = el('figcaption');
  cap.appendChild(el('span', 'tile-caption', caption(hit)));
  cap.appendChild(el('span', 'hit-score', fmt(hit.score, 4)));
  tile.appendChild(cap);
  return tile;
}

function openImage(hit) {
  state.dialogHit = hit;
  const img = $('dialog-image');
  img.src = imageUrl(hit) || thumbnailUrl(hit) || '';
  img.alt = caption(hit);
  $('dialog-caption').textContent = `${caption(hit)} · id ${hit.id} · score ${fmt(hit.score, 4)}`;
  const dialog = $('image-dialog');
  if (typeof dialog.showModal === 'function') dialog.showModal(); else dialog.setAttribute('open', '');
}

function closeImage() {
  const dialog = $('image-dialog');
  if (typeof dialog.close === 'function') dialog.close(); else dialog.removeAttribute('open');
}

function render(body, roundTrip) {
  const image = isImageCollection(currentCollection());
  const list = $('results');
  const grid = $('image-grid');
  list.replaceChildren();
  grid.replaceChildren();
  list.hidden = image;
  grid.hidden = !image;
  list.start = body.offset + 1;
  for (const hit of body.hits) {
    if (image) grid.appendChild(renderTile(hit)); else list.appendChild(renderCard(hit));
  }
  const total = body.timingsMs && body.timingsMs.total;
  $('latency').textContent = `server ${fmt(total, 1)} ms · round trip ${fmt(roundTrip, 0)} ms`;
  const arms = Object.entries(body.arms || {}).map(([l, a]) => l + '=' + a).join(', ');
  const what = state.last.kind === 'text' ? `"${state.last.query}"` : state.last.kind === 'image' ? 'the uploaded image' : `image ${state.last.imageId}`;
  $('status').textContent = body.hits.length === 0
    ? `No results for ${what}.`
    : `Results ${body.offset + 1}–${body.offset + body.hits.length} of ${body.totalCandidates} for ${what} — `
      + `${body.collection} (${body.model}) · arms ${arms} · config ${body.configVersion}`;
  $('pager').hidden = body.hits.length === 0 && body.offset === 0;
  $('prev').disabled = body.offset === 0;
  $('next').disabled = body.offset + body.hits.length >= body.totalCandidates || body.hits.length < body.topK;
  $('page').textContent = body.hits.length === 0 ? 'no results on this page'
    : `${body.offset + 1}–${body.offset + body.hits.length} of ${body.totalCandidates}`;
  renderDebug(body);
}

// ---------------------------------------------------------------- debug panel

function renderArmsTable(body) {
  const tbody = $('debug-arms').querySelector('tbody');
  tbody.replaceChildren();
  const scene = sceneConfig(body && body.scene);
  const layers = scene && Array.isArray(scene.layers) ? scene.layers
    : Object.keys((body && body.arms) || {}).map((name) => ({ name, arms: [] }));
  for (const layer of layers) {
    const row = el('tr');
    row.dataset.layer = layer.name;
    row.appendChild(el('th', null, layer.name)).scope = 'row';
    const served = body && body.arms ? body.arms[layer.name] : null;
    const servedCell = el('td', 'served', served || '–');
    if (served && state.forced[layer.name] === served) servedCell.appendChild(el('span', 'badge', 'forced'));
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
    select.value = state.forced[layer.name] || '';
    select.addEventListener('change', () => {
      if (select.value) state.forced[layer.name] = select.value; else delete state.forced[layer.name];
      saveForced();
      if (state.last) runSearch(state.offset);
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
    const names = [];
    for (const c of candidates) for (const k of Object.keys(c.scores || {})) if (!names.includes(k)) names.push(k);
    const wrap = el('div', 'table-wrap');
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
    wrap.appendChild(table);
    details.appendChild(wrap);
    box.appendChild(details);
  }
}

function renderDebug(body) {
  $('debug-config-version').textContent = body ? body.configVersion : (state.experiments ? state.experiments.version : '–');
  $('debug-scene').textContent = body ? body.scene : '–';
  renderArmsTable(body);
  renderTimings((body && body.timingsMs) || {});
  $('debug-query-text').textContent = body && body.debug ? body.debug.queryText : '–';
  renderCandidates(body && body.debug, (body && body.hits) || []);
}

async function toggleDebug() {
  state.debug = !state.debug;
  const button = $('debug-toggle');
  button.setAttribute('aria-pressed', String(state.debug));
  $('debug-panel').hidden = !state.debug;
  if (!state.debug) return;
  await loadExperiments();
  renderDebug(state.lastResponse);
  // The last response was made without the trace: ask again with debug on.
  if (state.last && state.lastResponse && !state.lastResponse.debug) runSearch(state.offset);
}

// ---------------------------------------------------------------- experiments view

async function refreshExperiments() {
  const [config, metrics] = await Promise.all([
    fetchJson('/api/v1/experiments').catch(() => ({ ok: false, status: 0, body: null })),
    fetchJson('/api/v1/experiments/metrics').catch(() => ({ ok: false, status: 0, body: null })),
  ]);
  const box = $('experiments');
  if (!config.ok) {
    $('experiments-summary').textContent = 'Could not load the experiment config: ' + errorText(config);
    return;
  }
  state.experiments = config.body;
  const c = config.body;
  $('experiments-summary').textContent = `Config ${c.version} from ${c.source} · reloads accepted ${c.acceptedReloads}, `
    + `rejected ${c.rejectedReloads} · default scene ${c.config.defaultScene}`;
  const byArm = new Map();
  if (metrics.ok && metrics.body && Array.isArray(metrics.body.arms)) {
    for (const m of metrics.body.arms) byArm.set(`${m.scene}\u0000${m.layer}\u0000${m.arm}`, m);
  }
  $('metrics-updated').textContent = metrics.ok ? `Updated ${new Date().toLocaleTimeString()}.` : 'Metrics unavailable: ' + errorText(metrics);
  box.replaceChildren();
  for (const [sceneName, scene] of Object.entries(c.config.scenes || {})) {
    const section = el('section', 'scene');
    section.dataset.scene = sceneName;
    section.appendChild(el('h3', null, `Scene ${sceneName}${sceneName === c.config.defaultScene ? ' (default)' : ''}`));
    for (const layer of scene.layers || []) {
      section.appendChild(el('h4', null, `Layer ${layer.name} · stage ${layer.stage} · salt ${layer.salt}`));
      const wrap = el('div', 'table-wrap');
      const table = el('table', 'table arms');
      table.dataset.layer = layer.name;
      const headRow = el('tr');
      for (const h of ['Arm', 'Ratio', 'Type', 'Requests', 'p50 ms', 'p95 ms', 'p99 ms', 'Zero results', 'Click-through']) {
        headRow.appendChild(el('th', h === 'Arm' || h === 'Type' ? null : 'num', h)).scope = 'col';
      }
      table.appendChild(el('thead')).appendChild(headRow);
      const tbody = el('tbody');
      const weights = (layer.arms || []).reduce((sum, a) => sum + (a.weight || 0), 0);
      const rows = (layer.arms || []).map((a) => ({ arm: a, metric: byArm.get(`${sceneName}\u0000${layer.name}\u0000${a.name}`) }));
      for (const [key, m] of byArm) { // arms that served earlier but are no longer in this config
        if (m.scene === sceneName && m.layer === layer.name && !(layer.arms || []).some((a) => a.name === m.arm)) {
          rows.push({ arm: { name: m.arm + ' (retired)', weight: 0, params: {} }, metric: m, retired: key });
        }
      }
      for (const { arm, metric } of rows) {
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
        tbody.appendChild(row);
      }
      table.appendChild(tbody);
      wrap.appendChild(table);
      section.appendChild(wrap);
    }
    box.appendChild(section);
  }
}

// ---------------------------------------------------------------- wiring

function wireImageInput() {
  $('upload-button').addEventListener('click', () => $('image-file').click());
  $('image-file').addEventListener('change', () => {
    const file = $('image-file').files[0];
    $('image-file').value = '';
    searchImageFile(file);
  });
  const view = $('view-search');
  const zone = $('drop-zone');
  view.addEventListener('dragover', (e) => {
    if (!isImageCollection(currentCollection())) return;
    e.preventDefault();
    zone.classList.add('active');
  });
  view.addEventListener('dragleave', (e) => {
    if (e.target === view || e.target === zone) zone.classList.remove('active');
  });
  view.addEventListener('drop', (e) => {
    zone.classList.remove('active');
    if (!isImageCollection(currentCollection())) return;
    e.preventDefault();
    const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    searchImageFile(file);
  });
  $('find-similar').addEventListener('click', () => {
    const hit = state.dialogHit;
    closeImage();
    if (hit) searchImageId(hit.id);
  });
  $('dialog-close').addEventListener('click', closeImage);
}

document.addEventListener('DOMContentLoaded', async () => {
  initUserId();
  loadForced();
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); searchText(); });
  $('collection').addEventListener('change', () => { updateCollectionMode(); state.lastResponse = null; });
  $('page-size').addEventListener('change', () => { if (state.last) runSearch(0); });
  $('prev').addEventListener('click', () => runSearch(Math.max(0, state.offset - pageSize())));
  $('next').addEventListener('click', () => runSearch(state.offset + pageSize()));
  $('debug-toggle').addEventListener('click', toggleDebug);
  $('clear-forced').addEventListener('click', () => {
    state.forced = {};
    saveForced();
    renderArmsTable(state.lastResponse);
    if (state.last) runSearch(state.offset);
  });
  wireImageInput();
  window.addEventListener('hashchange', showView);

  await Promise.all([loadCollections(), loadExperiments()]);
  // A shareable search: /?q=text[&collection=name][&recall=dense] runs it on load.
  const params = new URLSearchParams(window.location.search);
  if (params.get('collection') && state.collections.has(params.get('collection'))) {
    $('collection').value = params.get('collection');
    updateCollectionMode();
  }
  if (params.get('recall')) { state.forced.recall = params.get('recall'); saveForced(); }
  if (params.get('debug') === '1') await toggleDebug();
  showView();
  if (params.get('q')) { $('query').value = params.get('q'); searchText(); }
  document.body.dataset.ready = 'true';
});
