// The collections view: each collection's document count, model stamp, size and last update; a name opens the
// search view on that collection. While shown it refreshes every few seconds, so counts move as documents arrive
// over the write API.
import { $, bytes, el, utc } from './dom.js';

const REFRESH_MS = 2000;

/**
 * @param onOpen (name) => called when the user picks a collection to search
 * @param load () => Promise of GET /api/v1/collections's answer ({ok, status, body}), for the periodic refresh
 */
export function createCollectionsView({ onOpen, load }) {
  let shown = []; // the last list rendered, kept when a refresh fails
  let timer = null;

  /** Renders GET /api/v1/collections's answer ({ok, status, body}); a failed one shows the previous list. */
  let renderedJson = null; // what the table shows, so an unchanged refresh leaves the rows (and a focused button) be
  function render(result) {
    if (result.ok && Array.isArray(result.body)) shown = result.body;
    const json = JSON.stringify(shown);
    if (json === renderedJson) return;
    renderedJson = json;
    const body = $('collections-table').querySelector('tbody');
    body.replaceChildren();
    for (const c of shown) {
      const row = el('tr');
      row.dataset.collection = c.name;
      const nameCell = el('td');
      const open = el('button', 'link-button', c.name);
      open.type = 'button';
      open.title = 'Search this collection';
      open.addEventListener('click', () => onOpen(c.name));
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
    $('collections-status').textContent = `${shown.length} collection(s).`;
  }

  const refresh = () => load().then(render);

  return {
    render,
    /** Shown: refresh now and every few seconds. */
    start() {
      clearInterval(timer);
      refresh();
      timer = setInterval(refresh, REFRESH_MS);
    },
    /** Left: stop refreshing. */
    stop() {
      clearInterval(timer);
      timer = null;
    },
  };
}
