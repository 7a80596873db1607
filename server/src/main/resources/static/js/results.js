// Result cards of a text collection: title and text with the query's matches highlighted, the full text when
// opened, the other fields and the scores.
import { el, fieldText, fmt } from './dom.js';

/** A run of a highlight fragment: {text: raw text, match: boolean}. */
function isRun(run) {
  return run !== null && typeof run === 'object' && typeof run.text === 'string';
}

/**
 * The highlight fragments of a field: hit.fields._highlights is {field: [fragment, ...]}, a fragment an array of
 * runs. Anything of another shape is left out (the plain field text is shown instead).
 */
export function fragmentsOf(hit, field) {
  const h = hit.fields && hit.fields._highlights;
  const list = h && Array.isArray(h[field]) ? h[field] : [];
  return list.filter((f) => Array.isArray(f) && f.length > 0 && f.every(isRun));
}

/**
 * One fragment as elements: each run's raw text as a text node, a matching run inside an <em>. Nothing is parsed
 * as HTML, so markup, entities and quotes in the text are shown as they are.
 */
export function highlighted(fragment) {
  const out = el('span', 'hit-fragment');
  for (const run of fragment) {
    if (!run.text) continue;
    out.appendChild(run.match === true ? el('em', null, run.text) : document.createTextNode(run.text));
  }
  return out;
}

function scoreChips(hit) {
  const chips = el('span', 'hit-scores');
  for (const [name, value] of Object.entries(hit.scores || {})) {
    chips.appendChild(el('span', 'chip', `${name} ${fmt(value, 4)}`));
  }
  return chips;
}

/** A result card; onOpen(hit, item) runs each time the user opens it (shows its full text). */
export function renderCard(hit, onOpen) {
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
    if (open) onOpen(hit, item);
  });
  return item;
}
