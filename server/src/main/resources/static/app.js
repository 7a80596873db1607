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

async function search(offset) {
  const query = $('query').value.trim();
  const collection = $('collection').value;
  if (!query || !collection) return;
  state.offset = offset;
  $('status').textContent = 'Searching…';
  const started = performance.now();
  const response = await fetch(`/api/v1/collections/${encodeURIComponent(collection)}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, retriever: $('retriever').value, topK: PAGE_SIZE, offset }),
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
    item.appendChild(el('p', 'hit-text', hit.fields.text || ''));
    item.appendChild(el('span', 'hit-id', 'id ' + hit.id));
    list.appendChild(item);
  }
  const t = body.timingsMs;
  const stages = Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(' · ');
  $('status').textContent = body.hits.length === 0 ? 'No results.'
    : `${body.retriever} on ${body.collection} (${body.model}) — server: ${stages} — round trip ${roundTrip.toFixed(0)} ms`;
  $('pager').hidden = body.hits.length === 0 && body.offset === 0;
  $('prev').disabled = body.offset === 0;
  $('next').disabled = body.hits.length < PAGE_SIZE;
  $('page').textContent = `results ${body.offset + 1}–${body.offset + body.hits.length}`;
}

document.addEventListener('DOMContentLoaded', () => {
  loadCollections();
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); search(0); });
  $('prev').addEventListener('click', () => search(Math.max(0, state.offset - PAGE_SIZE)));
  $('next').addEventListener('click', () => search(state.offset + PAGE_SIZE));
});
