// The live global log: follows GET /subscribe/all (Server-Sent Events, one event per recorded event,
// id = position) from just before the head, newest at the top, at most MAX_ROWS rows in the page.
import {h, link, replace, formatTime, formatCount, preview, parseJson, notice} from './dom.js';
import {get, describeError, tenantQuery} from './api.js';

const MAX_ROWS = 500;
const BACKLOG = 50;

export async function liveView(main, params, ctx) {
  const pause = h('button', {type: 'button', id: 'live-pause', class: 'primary'}, 'Pause');
  const state = h('span', {class: 'live-state', id: 'live-state'}, 'connecting');
  const count = h('span', {class: 'muted', id: 'live-count'});
  const filter = h('input', {type: 'search', id: 'live-filter', placeholder: 'Filter by stream or type', 'aria-label': 'Filter',
    autocomplete: 'off', spellcheck: 'false'});
  const body = h('tbody', {id: 'live-rows'});
  const message = h('div', {id: 'live-message'});
  main.append(
      h('header', {class: 'view-head'}, h('h1', null, 'Live log'),
          h('p', {class: 'muted'}, `Every event appended to the store, newest at the top (the last ${MAX_ROWS} are kept on screen).`)),
      h('div', {class: 'toolbar'}, pause, state, filter, count),
      message,
      h('table', {class: 'grid events live', id: 'live-table'},
          h('thead', null, h('tr', null, h('th', {class: 'num'}, 'Position'), h('th', null, 'Recorded'), h('th', null, 'Stream'),
              h('th', {class: 'num'}, 'Version'), h('th', null, 'Type'), h('th', null, 'Data'))),
          body));

  let source = null;
  let paused = false;
  let closed = false;
  let lastPosition = 0;
  let received = 0;
  let queue = [];
  let flushTimer = null;
  let retryTimer = null;
  let retryDelay = 1000;

  const setState = (text, kind) => {
    state.textContent = text;
    state.className = `live-state ${kind || ''}`;
  };
  const matches = (tr) => {
    const f = filter.value.trim().toLowerCase();
    return !f || tr.dataset.text.includes(f);
  };

  const flush = () => {
    flushTimer = null;
    const batch = queue;
    queue = [];
    const rows = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) {
      const e = batch[i];
      const tr = h('tr', {class: 'fresh', dataset: {position: e.position, text: `${e.stream} ${e.type}`.toLowerCase()}},
          h('td', {class: 'num'}, link('#/event', {position: e.position}, `#${e.position}`)),
          h('td', {class: 'time'}, formatTime(e.recordedAt)),
          h('td', {class: 'stream'}, link('#/stream', {name: e.stream}, e.stream)),
          h('td', {class: 'num'}, e.version),
          h('td', null, h('span', {class: 'type'}, e.type)),
          h('td', {class: 'preview'}, preview(e.data)));
      tr.hidden = !matches(tr);
      rows.appendChild(tr);
    }
    body.prepend(rows);
    while (body.children.length > MAX_ROWS) body.lastElementChild.remove();
    count.textContent = `${formatCount(received)} received`;
    setTimeout(() => {
      for (const tr of body.querySelectorAll('tr.fresh')) tr.classList.remove('fresh');
    }, 1500);
  };

  const onEvent = (message) => {
    let e;
    try {
      e = parseJson(message.data);
    } catch (err) {
      return;
    }
    if (typeof e.position !== 'number' || e.position <= lastPosition) return; // already shown
    lastPosition = e.position;
    received++;
    const head = document.getElementById('head-position');
    if (head) head.textContent = formatCount(e.position);
    queue.push(e);
    if (queue.length > MAX_ROWS) queue = queue.slice(-MAX_ROWS);
    if (!flushTimer) flushTimer = setTimeout(flush, 60);
  };

  const disconnect = () => {
    if (source) {
      source.close();
      source = null;
    }
    clearTimeout(retryTimer);
  };

  const connect = (from) => {
    disconnect();
    setState('connecting');
    const es = new EventSource(`/subscribe/all?from=${from}${tenantQuery()}`, {withCredentials: true});
    source = es;
    es.addEventListener('open', () => {
      if (source !== es) return;
      retryDelay = 1000;
      replace(message);
      setState('live', 'ok');
    });
    es.addEventListener('message', onEvent);
    es.addEventListener('shutdown', () => reconnectLater('the server is shutting down'));
    es.addEventListener('error', (event) => {
      if (source !== es) return;
      // a server-sent "error" event carries data; a failed connection does not
      reconnectLater(event.data ? 'the server ended the subscription' : 'the connection was lost');
    });
  };

  // The browser would reconnect by itself, but to the same URL; we resume after the last event seen,
  // and check first whether the server wants us to log in.
  const reconnectLater = (why) => {
    disconnect();
    if (closed || paused) return;
    setState(`reconnecting (${why})`, 'warn');
    retryTimer = setTimeout(async () => {
      try {
        await get('/admin/api/overview', {signal: ctx.signal});
      } catch (e) {
        if (ctx.signal.aborted) return;
        replace(message, notice('error', describeError(e)));
      }
      if (!closed && !paused) connect(lastPosition + 1);
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  };

  pause.addEventListener('click', async () => {
    if (!paused) {
      paused = true;
      disconnect();
      pause.textContent = 'Resume';
      setState('paused', 'muted');
      return;
    }
    paused = false;
    pause.textContent = 'Pause';
    let from = lastPosition + 1;
    try {
      const o = await get('/admin/api/overview', {signal: ctx.signal});
      if (o.headPosition - lastPosition > MAX_ROWS) {
        from = o.headPosition - MAX_ROWS + 1;
        body.prepend(h('tr', {class: 'gap'}, h('td', {colspan: 6},
            `${formatCount(from - lastPosition - 1)} events were appended while paused and are not shown.`)));
        lastPosition = from - 1;
      }
    } catch (e) {
      if (ctx.signal.aborted) return;
    }
    if (!closed && !paused) connect(from);
  });
  filter.addEventListener('input', () => {
    for (const tr of body.querySelectorAll('tr[data-text]')) tr.hidden = !matches(tr);
  });
  ctx.onCleanup(() => {
    closed = true;
    disconnect();
    clearTimeout(flushTimer);
  });

  const o = await get('/admin/api/overview', {signal: ctx.signal});
  lastPosition = Math.max(0, o.headPosition - BACKLOG);
  connect(lastPosition + 1);
}
