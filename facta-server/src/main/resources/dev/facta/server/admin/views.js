// Views over the event store: streams, one stream, one event with its relations, a correlation, and
// time travel (an aggregate's state at any version).
import {h, link, href, replace, jsonView, formatTime, formatClock, formatCount, badge, notice} from './dom.js';
import {get, describeError} from './api.js';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function title(text, ...rest) {
  return h('header', {class: 'view-head'}, h('h1', null, text), ...rest);
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

/** A table of event summaries; rows link to the event by position. */
export function eventTable(events, options = {}) {
  const body = h('tbody');
  for (const e of events) body.append(eventRow(e, options));
  return h('table', {class: 'grid events', id: options.id},
      h('thead', null, h('tr', null,
          h('th', {class: 'num'}, 'Position'),
          options.stream === false ? null : h('th', null, 'Stream'),
          h('th', {class: 'num'}, 'Version'),
          h('th', null, 'Type'),
          h('th', null, 'Recorded'),
          options.compact ? null : h('th', null, 'Data'))),
      body);
}

function eventRow(e, options) {
  const current = options.highlight !== undefined && e.position === options.highlight;
  return h('tr', {class: current ? 'current' : null, dataset: {position: e.position}},
      h('td', {class: 'num'}, link('#/event', {position: e.position}, `#${e.position}`)),
      options.stream === false ? null : h('td', {class: 'stream'}, link('#/stream', {name: e.stream}, e.stream)),
      h('td', {class: 'num'}, e.version),
      h('td', null, h('span', {class: 'type'}, e.type)),
      h('td', {class: 'time', title: e.recordedAt}, options.compact ? formatClock(e.recordedAt) : formatTime(e.recordedAt)),
      options.compact ? null : h('td', {class: 'preview'}, e.preview));
}

function emptyRow(columns, text) {
  return h('tr', {class: 'empty'}, h('td', {colspan: columns}, text));
}

// ---------------------------------------------------------------- streams

export async function streamsView(main, params, ctx) {
  const prefix = params.get('prefix') || '';
  const input = h('input', {type: 'search', id: 'stream-search', value: prefix, placeholder: 'Stream name prefix, e.g. order-',
    'aria-label': 'Stream name prefix', autocomplete: 'off', spellcheck: 'false'});
  const form = h('form', {class: 'toolbar', role: 'search'}, input, h('button', {type: 'submit'}, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = href('#/streams', {prefix: input.value});
  });
  const body = h('tbody', {id: 'streams-rows'});
  const more = h('button', {id: 'streams-more', hidden: true}, 'Load more');
  const status = h('div');
  main.append(title('Streams', h('p', {class: 'muted'}, 'Every stream of the store in name order; search by the start of its name.')),
      form, status);
  if (UUID.test(prefix.trim())) {
    main.append(notice('info', 'This looks like an event id: ', link('#/event', {id: prefix.trim()}, 'open the event with this id'), '.'));
  }
  main.append(h('table', {class: 'grid', id: 'streams-table'},
      h('thead', null, h('tr', null, h('th', null, 'Stream'), h('th', null, 'Category'), h('th', {class: 'num'}, 'Last version'),
          h('th', null, 'Status'))), body), h('div', {class: 'pager'}, more));
  let next = null;
  const load = async (after) => {
    const page = await get(`/admin/api/streams?${query({prefix, after, limit: 50})}`, {signal: ctx.signal});
    for (const s of page.streams) {
      body.append(h('tr', null,
          h('td', null, link('#/stream', {name: s.stream}, s.stream)),
          h('td', null, s.category),
          h('td', {class: 'num'}, s.lastVersion >= 0 ? formatCount(s.lastVersion) : '–'),
          h('td', null, s.deleted ? badge('deleted', 'bad') : s.lastVersion < 0 ? badge('no events', 'muted') : '')));
    }
    if (!after && page.streams.length === 0) {
      body.append(emptyRow(4, prefix ? `No stream name starts with "${prefix}".` : 'The store has no streams yet.'));
    }
    next = page.next;
    more.hidden = !next;
  };
  more.addEventListener('click', () => {
    more.disabled = true;
    load(next).catch((e) => replace(status, notice('error', describeError(e)))).finally(() => {
      more.disabled = false;
    });
  });
  await load(null);
  if (!prefix) input.focus();
}

// ---------------------------------------------------------------- one stream

export async function streamView(main, params, ctx) {
  const name = params.get('name');
  if (!name) {
    main.append(notice('error', 'Which stream? Open one from the list of streams.'));
    return;
  }
  const forward = params.get('dir') === 'forward';
  const first = await get(`/admin/api/stream?${query({name, direction: forward ? 'forward' : 'backward', limit: 50})}`, {signal: ctx.signal});
  const facts = h('dl', {class: 'facts'},
      h('dt', null, 'Category'), h('dd', null, first.category),
      h('dt', null, 'Last version'), h('dd', null, first.lastVersion >= 0 ? formatCount(first.lastVersion) : 'none'),
      settingsFacts(first.settings));
  main.append(title(name, first.deleted ? badge('deleted', 'bad') : null),
      h('nav', {class: 'crumbs'}, link('#/streams', null, 'Streams'), ' / ', h('span', null, name)),
      facts,
      h('div', {class: 'toolbar'},
          h('a', {class: 'button', id: 'stream-direction', href: href('#/stream', {name, dir: forward ? null : 'forward'})},
              forward ? 'Show newest first' : 'Show oldest first'),
          first.lastVersion >= 0 && !first.deleted
            ? h('a', {class: 'button', id: 'stream-time-travel', href: href('#/time-travel', {stream: name})}, 'Time travel') : null));
  if (first.deleted) {
    main.append(notice('warn', 'This stream was deleted: it can no longer be read by name, but its events stay in the global log (see the live log or open them by position).'));
    return;
  }
  const table = eventTable([], {stream: false, id: 'stream-events'});
  const body = table.querySelector('tbody');
  const more = h('button', {id: 'stream-more', hidden: true}, forward ? 'Load newer' : 'Load older');
  const status = h('div');
  main.append(h('h2', null, forward ? 'Events, oldest first' : 'Events, newest first'), table, h('div', {class: 'pager'}, more), status);
  let next = null;
  const show = (page) => {
    for (const e of page.events) body.append(eventRow(e, {stream: false}));
    if (body.children.length === 0) body.append(emptyRow(5, 'No visible events.'));
    next = page.next;
    more.hidden = next === null || next === undefined;
  };
  show(first);
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      show(await get(`/admin/api/stream?${query({name, direction: forward ? 'forward' : 'backward', from: next, limit: 50})}`, {signal: ctx.signal}));
    } catch (e) {
      replace(status, notice('error', describeError(e)));
    }
    more.disabled = false;
  });
}

function settingsFacts(settings) {
  const out = [];
  if (!settings) return out;
  if (settings.maxCount !== undefined) out.push(h('dt', null, 'Keeps'), h('dd', null, `the last ${formatCount(settings.maxCount)} events`));
  if (settings.maxAgeSeconds !== undefined) out.push(h('dt', null, 'Max age'), h('dd', null, `${formatCount(settings.maxAgeSeconds)} s`));
  if (settings.truncateBefore !== undefined) out.push(h('dt', null, 'Truncated before'), h('dd', null, `version ${settings.truncateBefore}`));
  return out;
}

// ---------------------------------------------------------------- one event

export async function eventView(main, params, ctx) {
  let q;
  if (params.get('position')) q = {position: params.get('position')};
  else if (params.get('id')) q = {id: params.get('id')};
  else if (params.get('stream')) q = {stream: params.get('stream'), version: params.get('version')};
  else {
    main.append(notice('error', 'Which event? Open one from a stream or the live log.'));
    return;
  }
  const r = await get(`/admin/api/event?${query(q)}`, {signal: ctx.signal});
  const e = r.event;
  const related = r.related;
  main.append(title(e.type, h('span', {class: 'muted subtitle'}, `#${e.position}`)),
      h('nav', {class: 'crumbs'}, link('#/streams', null, 'Streams'), ' / ', link('#/stream', {name: e.stream}, e.stream),
          ' / ', h('span', null, `version ${e.version}`)));
  main.append(h('dl', {class: 'facts', id: 'event-facts'},
      h('dt', null, 'Stream'), h('dd', null, link('#/stream', {name: e.stream}, e.stream)),
      h('dt', null, 'Version'), h('dd', null, e.version, ' ',
          e.version > 0 ? link('#/event', {stream: e.stream, version: e.version - 1}, '‹ previous') : null, ' ',
          link('#/event', {stream: e.stream, version: e.version + 1}, 'next ›')),
      h('dt', null, 'Position'), h('dd', null, formatCount(e.position)),
      h('dt', null, 'Recorded'), h('dd', null, formatTime(e.recordedAt), h('span', {class: 'muted'}, ` (${e.recordedAt})`)),
      h('dt', null, 'Event id'), h('dd', {class: 'mono', id: 'event-id'}, e.id),
      h('dt', null, 'Size'), h('dd', null, `${formatCount(e.size)} bytes`)));

  const metadata = h('table', {class: 'grid kv', id: 'event-metadata'}, h('tbody'));
  const mbody = metadata.querySelector('tbody');
  for (const [key, value] of Object.entries(e.metadata || {})) {
    let shown = h('span', {class: 'mono'}, value);
    if (key === 'correlationId') shown = link('#/correlation', {id: value}, value);
    if (key === 'causationId' && related.causedBy) shown = link('#/event', {position: related.causedBy.position}, value);
    mbody.append(h('tr', null, h('th', null, key), h('td', {class: key}, shown)));
  }
  if (mbody.children.length === 0) mbody.append(emptyRow(2, 'No metadata.'));

  main.append(h('div', {class: 'columns'},
      h('section', {class: 'panel'}, h('h2', null, 'Data'),
          e.dataText !== undefined ? h('pre', {class: 'json', id: 'event-data'}, e.dataText) : jsonView(e.data, {id: 'event-data'})),
      h('section', {class: 'panel'}, h('h2', null, 'Metadata'), metadata)));

  const scope = scanNote(r.scan);
  const sections = h('section', {class: 'related', id: 'event-related'}, h('h2', null, 'Related events'), h('p', {class: 'muted'}, scope));
  const causation = e.metadata && e.metadata.causationId;
  sections.append(h('h3', null, 'Caused by'));
  if (related.causedBy) sections.append(eventTable([related.causedBy], {id: 'caused-by'}));
  else if (causation) sections.append(h('p', {class: 'muted', id: 'caused-by'}, `The causation id ${causation} is not an event among the searched ones: it may be a command's id, or an older event.`));
  else sections.append(h('p', {class: 'muted', id: 'caused-by'}, 'This event has no causation id.'));
  sections.append(h('h3', null, `Caused by this event (${related.caused.length}${related.causedTruncated ? '+' : ''})`));
  sections.append(related.caused.length ? eventTable(related.caused, {id: 'caused'}) : h('p', {class: 'muted'}, 'None found.'));
  const correlation = e.metadata && e.metadata.correlationId;
  sections.append(h('h3', null, 'Same correlation ', correlation ? link('#/correlation', {id: correlation}, correlation) : null,
      ` (${related.correlated.length}${related.correlatedTruncated ? '+, the newest shown' : ''})`));
  if (!correlation) sections.append(h('p', {class: 'muted'}, 'This event has no correlation id.'));
  else sections.append(eventTable(related.correlated, {highlight: e.position, id: 'correlated'}));
  main.append(sections);
}

function scanNote(scan) {
  if (!scan || scan.to < 1) return 'The log is empty.';
  return scan.complete
    ? `Relations are looked up by scanning the whole log (positions 1 to ${formatCount(scan.to)}).`
    : `Relations are looked up among the newest ${formatCount(scan.limit)} events of the log (positions ${formatCount(scan.from)} to ${formatCount(scan.to)}); older events are not searched.`;
}

// ---------------------------------------------------------------- one correlation

export async function correlationView(main, params, ctx) {
  const id = params.get('id');
  if (!id) {
    main.append(notice('error', 'Which correlation id?'));
    return;
  }
  const r = await get(`/admin/api/correlation?${query({id})}`, {signal: ctx.signal});
  main.append(title('Correlation', h('span', {class: 'muted subtitle mono'}, id)),
      h('p', {class: 'muted'}, `${r.events.length}${r.truncated ? '+ (the newest shown)' : ''} events share this correlation id. ${scanNote(r.scan)}`),
      r.events.length ? eventTable(r.events, {id: 'correlation-events'}) : notice('info', 'No event with this correlation id was found.'));
}

// ---------------------------------------------------------------- time travel

export async function timeTravelView(main, params, ctx) {
  const stream = params.get('stream') || '';
  const input = h('input', {type: 'search', id: 'tt-stream', value: stream, placeholder: 'Stream, e.g. order-42', 'aria-label': 'Stream',
    autocomplete: 'off', spellcheck: 'false'});
  const form = h('form', {class: 'toolbar'}, input, h('button', {type: 'submit'}, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = href('#/time-travel', {stream: input.value.trim()});
  });
  main.append(title('Time travel', h('p', {class: 'muted'}, 'An aggregate\'s state at any version of its stream.')), form);
  if (!stream) {
    main.append(notice('info', 'Enter a stream to replay it. Categories with a registered state view are folded by the application\'s own code; ' +
        'others by merging each event\'s JSON data into the state.'));
    input.focus();
    return;
  }
  const requested = params.get('version');
  let r = await get(`/admin/api/time-travel?${query({stream, version: requested})}`, {signal: ctx.signal});

  const slider = h('input', {type: 'range', id: 'tt-slider', min: r.firstVersion, max: r.lastVersion, step: 1, value: r.version,
    'aria-label': 'Version'});
  const versionLabel = h('output', {id: 'tt-version', for: 'tt-slider'});
  const prev = h('button', {type: 'button', id: 'tt-prev', title: 'Previous version'}, '‹');
  const nextButton = h('button', {type: 'button', id: 'tt-next', title: 'Next version'}, '›');
  const latest = h('button', {type: 'button', id: 'tt-latest'}, 'Latest');
  const statePanel = h('section', {class: 'panel', id: 'tt-state-panel'});
  const eventPanel = h('section', {class: 'panel', id: 'tt-event-panel'});
  const status = h('div', {id: 'tt-status'});
  main.append(h('nav', {class: 'crumbs'}, link('#/stream', {name: stream}, stream)),
      h('div', {class: 'slider-row'}, prev, slider, nextButton, latest, versionLabel),
      status,
      h('div', {class: 'columns'}, statePanel, eventPanel));

  const render = () => {
    versionLabel.textContent = `version ${r.version} of ${r.firstVersion}–${r.lastVersion}`;
    prev.disabled = r.version <= r.firstVersion;
    nextButton.disabled = r.version >= r.lastVersion;
    latest.disabled = r.version >= r.lastVersion;
    const how = r.view === 'registered'
      ? `Folded by the state view registered for category "${r.category}".`
      : 'Generic fold: each event\'s JSON data object merged into the state, oldest first' +
        (r.skipped ? ` (${r.skipped} event${r.skipped === 1 ? '' : 's'} without an object skipped).` : '.');
    replace(statePanel, h('h2', null, `State at version ${r.version}`), h('p', {class: 'muted', id: 'tt-view'}, how),
        r.stateError ? notice('error', r.stateError) : jsonView(r.state, {id: 'tt-state'}));
    const e = r.event;
    const list = eventTable(r.events.slice().reverse(), {stream: false, compact: true, highlight: e.position, id: 'tt-events'});
    for (const row of list.querySelectorAll('tbody tr')) {
      row.classList.add('clickable');
      row.addEventListener('click', (event) => {
        if (event.target.closest('a')) return;
        const hit = r.events.find((x) => String(x.position) === row.dataset.position);
        if (hit) go(hit.version);
      });
    }
    replace(eventPanel, h('h2', null, 'Event ', link('#/event', {position: e.position}, `${e.type}`), ` at version ${e.version}`),
        e.dataText !== undefined ? h('pre', {class: 'json'}, e.dataText) : jsonView(e.data, {id: 'tt-event-data'}),
        h('h3', null, 'Events up to this version, newest first'),
        r.omitted ? h('p', {class: 'muted'}, `${formatCount(r.omitted)} older events are folded but not listed.`) : null,
        list);
  };
  render();

  let seq = 0;
  let timer = null;
  const load = async (version) => {
    const mine = ++seq;
    try {
      const answer = await get(`/admin/api/time-travel?${query({stream, version})}`, {signal: ctx.signal});
      if (mine !== seq) return;
      r = answer;
      replace(status);
      render();
      history.replaceState(null, '', href('#/time-travel', {stream, version: r.version}));
    } catch (e) {
      if (mine === seq && !ctx.signal.aborted) replace(status, notice('error', describeError(e)));
    }
  };
  const go = (version) => {
    const v = Math.max(r.firstVersion, Math.min(r.lastVersion, version));
    slider.value = String(v);
    versionLabel.textContent = `version ${v} of ${r.firstVersion}–${r.lastVersion}`;
    clearTimeout(timer);
    timer = setTimeout(() => load(v), 120);
  };
  slider.addEventListener('input', () => go(Number(slider.value)));
  prev.addEventListener('click', () => go(Number(slider.value) - 1));
  nextButton.addEventListener('click', () => go(Number(slider.value) + 1));
  latest.addEventListener('click', () => go(r.lastVersion));
  ctx.onCleanup(() => clearTimeout(timer));
}
