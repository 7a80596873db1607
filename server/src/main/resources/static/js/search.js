// The search view: the form, the collection picker, text and image searches, the result list or image grid,
// the status line and the pager. Its state (what was asked last, the page, the last response) is its own;
// what it needs from elsewhere comes in as arguments.
import * as api from './api.js';
import { $, el, fmt } from './dom.js';
import { createImageDialog, renderTile, wireImageInput } from './images.js';
import { renderCard } from './results.js';

/** Image collections: vectors come from images (collection info "modality": "image"). */
export function isImageCollection(info) {
  return !!info && info.modality === 'image';
}

/**
 * @param requestParams () => extra request fields (userId, debug, forceArms) for the next search
 * @param onResponse    (body) => called with each successful response, after the results are shown
 */
export function createSearchView({ requestParams, onResponse }) {
  const collections = new Map(); // name -> collection info
  let last = null;               // what the last search asked: {kind: 'text'|'image'|'imageId', query, file, imageId}
  let offset = 0;
  let lastResponse = null;
  const feedbackSent = new Set(); // queryId + docId, so one result is reported once per result page
  const dialog = createImageDialog({ onFindSimilar: searchImageId });

  const pageSize = () => parseInt($('page-size').value, 10) || 10;
  const current = () => collections.get($('collection').value) || null;

  function updateCollectionMode() {
    const info = current();
    const image = isImageCollection(info);
    $('image-controls').hidden = !image;
    $('drop-zone').hidden = !image;
    $('query').placeholder = image ? 'Describe a picture…' : 'Ask a question…';
    const note = info && (info.notice || info.note);
    $('collection-note').hidden = !note;
    $('collection-note').textContent = note || '';
  }

  /** The collection picker from GET /api/v1/collections (its {ok, status, body} answer). */
  function setCollections(result) {
    if (!result.ok) {
      $('status').textContent = 'Could not list collections: ' + api.errorText(result);
      return;
    }
    const select = $('collection');
    const previous = select.value;
    collections.clear();
    select.replaceChildren();
    for (const c of result.body) {
      collections.set(c.name, c);
      const model = c.stamp ? c.stamp.modelId : '?';
      const option = el('option', null, `${c.name} (${c.documentCount} docs, ${model})`);
      option.value = c.name;
      select.appendChild(option);
    }
    if (previous && collections.has(previous)) select.value = previous;
    if (collections.size === 0) {
      $('status').textContent = 'No collections yet: index one with `mmsearch index` or run `mmsearch demo`.';
    }
    updateCollectionMode();
  }

  /** Selects collection name in the picker; false when there is no such collection. */
  function selectCollection(name) {
    if (!collections.has(name)) return false;
    $('collection').value = name;
    updateCollectionMode();
    return true;
  }

  function report(body) {
    return (hit, node) => {
      if (!body.queryId) return;
      const key = body.queryId + '\u0000' + hit.id;
      if (feedbackSent.has(key)) return;
      feedbackSent.add(key);
      api.feedback(body.queryId, hit.id, hit.rank).then((ok) => { if (node) node.dataset.feedback = ok ? 'sent' : 'failed'; });
    };
  }

  function describe(asked) {
    if (asked.kind === 'text') return `"${asked.query}"`;
    const image = asked.kind === 'image' ? 'the uploaded image' : `image ${asked.imageId}`;
    return asked.but ? `${image} but "${asked.but}"` : image;
  }

  /** A file's bytes as base64, for an image part of a mixed query. */
  async function base64Of(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }

  function render(body, roundTrip) {
    const image = isImageCollection(current());
    const list = $('results');
    const grid = $('image-grid');
    list.replaceChildren();
    grid.replaceChildren();
    list.hidden = image;
    grid.hidden = !image;
    list.start = body.offset + 1;
    const clicked = report(body);
    for (const hit of body.hits) {
      if (image) grid.appendChild(renderTile(hit, (h, tile) => { clicked(h, tile); dialog.open(h); }));
      else list.appendChild(renderCard(hit, clicked));
    }
    const total = body.timingsMs && body.timingsMs.total;
    $('latency').textContent = `server ${fmt(total, 1)} ms · round trip ${fmt(roundTrip, 0)} ms`;
    const arms = Object.entries(body.arms || {}).map(([l, a]) => l + '=' + a).join(', ');
    const what = describe(last);
    $('status').textContent = body.hits.length === 0
      ? `No results for ${what}.`
      : `Results ${body.offset + 1}–${body.offset + body.hits.length} of ${body.totalCandidates} for ${what} — `
        + `${body.collection} (${body.model}) · arms ${arms} · config ${body.configVersion}`;
    $('pager').hidden = body.hits.length === 0 && body.offset === 0;
    $('prev').disabled = body.offset === 0;
    $('next').disabled = body.offset + body.hits.length >= body.totalCandidates || body.hits.length < body.topK;
    $('page').textContent = body.hits.length === 0 ? 'no results on this page'
      : `${body.offset + 1}–${body.offset + body.hits.length} of ${body.totalCandidates}`;
  }

  function showError(result) {
    lastResponse = null;
    $('results').replaceChildren();
    $('image-grid').replaceChildren();
    $('pager').hidden = true;
    $('latency').textContent = '';
    $('status').textContent = api.errorText(result);
  }

  async function run(from) {
    const asked = last;
    const collection = $('collection').value;
    if (!asked || !collection) return;
    offset = from;
    $('status').textContent = 'Searching…';
    const params = Object.assign({ topK: pageSize(), offset: from }, requestParams());
    let file = asked.kind === 'image' ? asked.file : null;
    if (asked.but) {
      // "More like this, but …": the image (weight 1) and the text (the chosen weight) mixed, as a JSON search.
      // With the tiny CLIP a weight of 1.5 to 2 moves most of the grid to the text's colour (docs/benchmarks.md).
      const image = file ? { image: await base64Of(file) } : { imageId: asked.imageId };
      params.mix = [image, { text: asked.but, weight: asked.butWeight }];
      file = null;
    } else if (asked.kind === 'imageId') params.imageId = asked.imageId;
    else if (asked.kind === 'text') params.query = asked.query;
    const started = performance.now();
    const result = await api.search(collection, params, file);
    const roundTrip = performance.now() - started;
    if (!result.ok) {
      showError(result);
      return;
    }
    lastResponse = result.body;
    render(result.body, roundTrip);
    onResponse(result.body);
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
    last = { kind: 'text', query };
    run(0);
  }

  function searchImageFile(file) {
    if (!file) return;
    if (file.type && !file.type.startsWith('image/')) {
      $('status').textContent = `"${file.name}" is not an image (${file.type}).`;
      return;
    }
    last = { kind: 'image', file, but: butText(), butWeight: butWeight() };
    run(0);
  }

  function searchImageId(id) {
    last = { kind: 'imageId', imageId: id, but: butText(), butWeight: butWeight() };
    run(0);
  }

  const butText = () => $('image-but').value.trim() || null;
  const butWeight = () => parseFloat($('image-but-weight').value) || 1;

  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); searchText(); });
  $('collection').addEventListener('change', () => { updateCollectionMode(); lastResponse = null; });
  $('page-size').addEventListener('change', () => run(0));
  $('prev').addEventListener('click', () => run(Math.max(0, offset - pageSize())));
  $('next').addEventListener('click', () => run(offset + pageSize()));
  wireImageInput({ isActive: () => isImageCollection(current()), onFile: searchImageFile });
  // Enter in the "…but" box asks the last image search again with the text mixed in (or taken out).
  $('image-but').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (last && last.kind !== 'text') {
      last = Object.assign({}, last, { but: butText(), butWeight: butWeight() });
      run(0);
    }
  });

  return {
    setCollections,
    selectCollection,
    /** Runs query as a text search, as if typed. */
    searchFor(query) { $('query').value = query; searchText(); },
    /** Asks the last search again from its first page; nothing when there was none. */
    rerunFromStart() { run(0); },
    /** Asks the last search again for the page shown; nothing when there was none. */
    rerun() { run(offset); },
    /** The last successful response shown, or null. */
    lastResponse: () => lastResponse,
  };
}
