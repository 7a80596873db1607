// mmsearch web UI, the entry module: builds the views (js/*.js, one module each, each keeping its own state),
// passes them what they need from one another, and switches views on the URL's #fragment.
// No framework, no CDN, no inline script (the CSP allows scripts from this origin only). Safety rule: text from
// documents or the server is only ever inserted as text (textContent / text nodes), never parsed as HTML;
// highlights arrive as runs of raw text and matching runs become <em> elements created here.
import * as api from './js/api.js';
import { $ } from './js/dom.js';
import { createCollectionsView } from './js/collections.js';
import { createDebugView } from './js/debug.js';
import { createExperimentsView } from './js/experiments.js';
import { forceArm, forcedArms, initUserId, loadForcedArms, userId } from './js/prefs.js';
import { createSearchView } from './js/search.js';

const VIEWS = ['search', 'experiments', 'collections'];

/** The fields every search adds: the user id, and the trace and forced arms the debug panel asks for. */
function requestParams(debug) {
  const params = {};
  const user = userId($('user-id'));
  if (user) params.userId = user;
  if (debug.enabled()) params.debug = true;
  const forced = forcedArms();
  if (Object.keys(forced).length > 0) params.forceArms = forced;
  return params;
}

async function start() {
  // The search view and the debug panel call each other; debug is set before any search can run.
  let debug = null;
  const search = createSearchView({ requestParams: () => requestParams(debug), onResponse: (body) => debug.render(body) });
  debug = createDebugView({ rerun: () => search.rerun(), lastResponse: () => search.lastResponse() });
  const experiments = createExperimentsView();
  const collections = createCollectionsView({
    load: () => api.listCollections().then((result) => {
      search.setCollections(result);
      return result;
    }),
    onOpen(name) {
      search.selectCollection(name);
      location.hash = '#search';
      $('query').focus();
    },
  });

  function showView() {
    const name = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'search';
    for (const v of VIEWS) {
      $('view-' + v).hidden = v !== name;
      const tab = $('tab-' + v);
      if (v === name) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
    }
    if (name === 'experiments') experiments.start(); else experiments.stop();
    if (name === 'collections') collections.start(); else collections.stop();
  }

  initUserId($('user-id'), () => search.rerunFromStart());
  loadForcedArms();
  window.addEventListener('hashchange', showView);

  const [listed] = await Promise.all([api.listCollections(), debug.loadConfig()]);
  search.setCollections(listed);
  // A shareable search: /?q=text[&collection=name][&recall=dense][&debug=1] runs it on load.
  const params = new URLSearchParams(window.location.search);
  if (params.get('collection')) search.selectCollection(params.get('collection'));
  if (params.get('recall')) forceArm('recall', params.get('recall'));
  if (params.get('debug') === '1') await debug.toggle();
  showView();
  if (params.get('q')) search.searchFor(params.get('q'));
  document.body.dataset.ready = 'true';
}

// Module scripts run once the document is parsed, so the elements are there.
start();
