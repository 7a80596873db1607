// What the user chose that outlives one search: the user id (localStorage, edited in the header) and the
// experiment arms forced from the debug panel (sessionStorage: this tab only). Read and changed only through
// these functions.

const STORAGE_USER = 'mmsearch.userId';
const STORAGE_FORCED = 'mmsearch.forcedArms';

let forced = {}; // layer -> arm; the copy in sessionStorage when that works

function randomUserId() {
  const bytesArray = new Uint8Array(4);
  crypto.getRandomValues(bytesArray);
  return 'user-' + Array.from(bytesArray, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Fills the user id input (stored id, else a new random one) and calls onChange after the user edits it. */
export function initUserId(input, onChange) {
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
    onChange();
  });
}

/** The user id from the input; null when blank (the server then buckets the request at random). */
export function userId(input) {
  const value = input.value.trim();
  return value || null;
}

export function loadForcedArms() {
  try { forced = JSON.parse(sessionStorage.getItem(STORAGE_FORCED) || '{}') || {}; } catch (e) { forced = {}; }
}

function saveForced() {
  try { sessionStorage.setItem(STORAGE_FORCED, JSON.stringify(forced)); } catch (e) { /* ignore */ }
}

/** A copy of the forced arms, layer -> arm. */
export function forcedArms() {
  return Object.assign({}, forced);
}

/** Forces arm of layer; a falsy arm goes back to bucketing by user id. */
export function forceArm(layer, arm) {
  if (arm) forced[layer] = arm; else delete forced[layer];
  saveForced();
}

export function clearForcedArms() {
  forced = {};
  saveForced();
}
