// mmsearch search page. All document text is inserted with textContent, never as HTML.
'use strict';

const PAGE_SIZE = 10;
const state = { offset: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function loadCollections() {
  const select = $('collection');
  try {
    const response = await fetch('/api/v1/collections');
    const collections = await response.json();
    select.replaceChildren();
    for (const c of collections) {
      const option = el('option', null, `${c.name} (${c.documentCount} docs, ${c.stamp.modelId})`);
      option.value = c.name;
      select.appendChild(option);
    }
    if (collections.length === 0) {
      $('status').textContent = 'No collections yet: index one with `mmsearch index` or run `mmsearch demo`.';
    }
  } catch (e) {
    $('status').textContent = 'Could not list collections: ' + e;
  }
}

// Highlights come from the server HTML-escaped with matches in <em>. They are parsed in an inert
// <template> and only text nodes and <em> elements are copied out, so nothing else can execute.
function highlighted(fragment) {
  const template = document.createElement('template');
  template.innerHTML = fragment;
  const out = el('span', 'hit-fragment');
  for (const node of template.content.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      out.appendChild(document.createTextNode(node.textContent));
    } else if (node.nodeType === Node.ELEMENT_NODE && node.tagName === 'EM') {
      out.appendChild(el('em', null, node.textContent));
    }
  }
  return out;
}

async function search(offset) {
  const query = $('query').value.trim();
  const url = new URL(window.location.href);
  url.searchParams.set('q', query);
  window.history.replaceState(null, '', url);
  const collection = $('collection').value;
  if (!query || !collection) return;
  state.offset = offset;
  $('status').textContent = 'Searching…';
  const started = performance.now();
  const response = await fetch(`/api/v1/collections/${encodeURIComponent(collection)}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Object.assign({ query, topK: PAGE_SIZE, offset },
      $('retriever').value ? { retriever: $('retriever').value } : {})),
  });
  const body = await response.json();
  const roundTrip = performance.now() - started;
  if (!response.ok) {
    $('results').replaceChildren();
    $('pager').hidden = true;
    $('status').textContent = `Error ${response.status} (${body.code}): ${body.message}`;
    return;
  }
  render(body, roundTrip);
}

function render(body, roundTrip) {
  const list = $('results');
  list.replaceChildren();
  list.start = body.offset + 1;
  for (const hit of body.hits) {
    const item = el('li', 'hit');
    const head = el('div', 'hit-head');
    head.appendChild(el('span', 'hit-title', hit.fields.title || hit.id));
    head.appendChild(el('span', 'hit-score', hit.score.toFixed(4)));
    item.appendChild(head);
    const fragments = (hit.fields._highlights && hit.fields._highlights.text) || [];
    const text = el('p', 'hit-text');
    if (fragments.length > 0) {
      fragments.forEach((f, i) => { if (i > 0) text.appendChild(document.createTextNode(' … ')); text.appendChild(highlighted(f)); });
    } else {
      text.textContent = hit.fields.text || '';
    }
    item.appendChild(text);
    item.appendChild(el('span', 'hit-id', 'id ' + hit.id));
    list.appendChild(item);
  }
  const t = body.timingsMs;
  const stages = Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(' · ');
  $('status').textContent = body.hits.length === 0 ? 'No results.'
    : `${body.collection} (${body.model}), arms ${Object.entries(body.arms).map(([l, a]) => l + '=' + a).join(', ')}, `
      + `config ${body.configVersion} — server: ${stages} — round trip ${roundTrip.toFixed(0)} ms`;
  $('pager').hidden = body.hits.length === 0 && body.offset === 0;
  $('prev').disabled = body.offset === 0;
  $('next').disabled = body.hits.length < PAGE_SIZE;
  $('page').textContent = `results ${body.offset + 1}–${body.offset + body.hits.length}`;
}

document.addEventListener('DOMContentLoaded', async () => {
  await loadCollections();
  // A shareable search: /?q=text[&collection=name][&recall=dense] runs it on load.
  const params = new URLSearchParams(window.location.search);
  if (params.get('collection')) $('collection').value = params.get('collection');
  if (params.get('recall')) $('retriever').value = params.get('recall');
  if (params.get('q')) { $('query').value = params.get('q'); search(0); }
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); search(0); });
  $('prev').addEventListener('click', () => search(Math.max(0, state.offset - PAGE_SIZE)));
  $('next').addEventListener('click', () => search(state.offset + PAGE_SIZE));
});
