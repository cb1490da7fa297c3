// The Facta admin UI: a hash router over the views, the sidebar, and the store summary.
import {h, notice, formatCount} from './dom.js';
import {get, describeError} from './api.js';
import {streamsView, streamView, eventView, correlationView, timeTravelView} from './views.js';
import {liveView} from './live.js';
import {projectionsView, deadLettersView} from './projections.js';

const routes = {
  'streams': streamsView,
  'stream': streamView,
  'event': eventView,
  'correlation': correlationView,
  'time-travel': timeTravelView,
  'live': liveView,
  'projections': projectionsView,
  'dead-letters': deadLettersView,
};

/** Which sidebar entry a view belongs to. */
const section = {
  'stream': 'streams', 'event': 'streams', 'correlation': 'streams', 'dead-letters': 'projections',
};

let current = null;

/** What the server told us about itself (store, head, features); refreshed now and then. */
export const server = {overview: null};

/** Whether the server needs a token: asked once, without the session cookie. */
let authRequired = null;

async function refreshOverview() {
  try {
    server.overview = await get('/admin/api/overview');
    if (authRequired === null) {
      const probe = await fetch('/admin/api/overview', {credentials: 'omit', cache: 'no-store'});
      authRequired = probe.status === 401;
    }
    const o = server.overview;
    document.getElementById('store-info').replaceChildren(
        h('div', {class: 'store-name', title: o.store}, o.store),
        h('div', null, 'Head position ', h('strong', {id: 'head-position'}, formatCount(o.headPosition))),
        authRequired ? h('button', {type: 'button', id: 'sign-out', class: 'link-button', onclick: signOut}, 'Sign out') : null);
  } catch (e) {
    document.getElementById('store-info').replaceChildren(h('div', {class: 'muted'}, describeError(e)));
  }
}

async function signOut() {
  await fetch('/admin/logout', {method: 'POST', credentials: 'same-origin', headers: {'X-Facta-Admin': '1'}});
  location.reload();
}

async function route() {
  const hash = location.hash && location.hash.length > 2 ? location.hash.slice(2) : 'streams';
  const q = hash.indexOf('?');
  const name = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  if (current) {
    current.controller.abort();
    for (const fn of current.cleanups) fn();
  }
  const controller = new AbortController();
  const cleanups = [];
  current = {controller, cleanups};
  const ctx = {signal: controller.signal, onCleanup: (fn) => cleanups.push(fn), server};
  for (const a of document.querySelectorAll('.sidebar nav a')) {
    a.classList.toggle('active', a.dataset.view === (section[name] || name));
    if (a.dataset.view === (section[name] || name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const main = document.getElementById('main');
  main.replaceChildren();
  const view = routes[name];
  if (!view) {
    main.append(notice('error', `There is no view named "${name}".`));
    return;
  }
  try {
    await view(main, params, ctx);
  } catch (e) {
    if (controller.signal.aborted || (e && e.name === 'AbortError')) return;
    main.append(notice('error', describeError(e)));
  }
}

window.addEventListener('hashchange', route);
refreshOverview().then(route);
setInterval(refreshOverview, 5000);
