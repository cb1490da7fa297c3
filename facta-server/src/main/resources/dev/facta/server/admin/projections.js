// Projections: every version's status, refreshed every few seconds, with pause/resume/rebuild, and
// the dead letters of a projection.
import {h, link, replace, formatTime, formatClock, formatSeconds, formatCount, badge, notice} from './dom.js';
import {get, post, describeError} from './api.js';

const REFRESH_MS = 2000;

function stateBadge(p) {
  const kind = {ACTIVE: 'ok', BUILDING: 'info', RETIRED: 'muted'}[p.state] || '';
  return badge(p.state.toLowerCase(), kind);
}

/**
 * A button that asks once more before acting: the first click turns it into "Confirm …" for a few
 * seconds, the second runs the action.
 */
function confirmButton(label, confirmLabel, attrs, action) {
  const button = h('button', Object.assign({type: 'button'}, attrs), label);
  let armed = null;
  button.addEventListener('click', () => {
    if (!armed) {
      button.textContent = confirmLabel;
      button.classList.add('armed');
      armed = setTimeout(() => {
        armed = null;
        button.textContent = label;
        button.classList.remove('armed');
      }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    action();
  });
  return button;
}

export async function projectionsView(main, params, ctx) {
  const auto = h('input', {type: 'checkbox', id: 'proj-auto', checked: true});
  const updated = h('span', {class: 'muted', id: 'proj-updated'});
  const message = h('div', {id: 'proj-message'});
  const body = h('tbody', {id: 'proj-rows'});
  const table = h('table', {class: 'grid projections', id: 'proj-table'},
      h('thead', null, h('tr', null,
          h('th', null, 'Projection'), h('th', null, 'State'), h('th', {class: 'num'}, 'Position'),
          h('th', {class: 'num'}, 'Lag'), h('th', {class: 'num'}, 'Parked'), h('th', null, 'Last error'),
          h('th', null, 'Segments'), h('th', null, 'Actions'))),
      body);
  main.append(h('header', {class: 'view-head'}, h('h1', null, 'Projections'),
      h('p', {class: 'muted'}, 'Every projection version in the store, as every engine sharing it sees it.')),
  h('div', {class: 'toolbar'}, h('label', {class: 'check'}, auto, ' Refresh every 2 s'), updated),
  message, table);

  const open = new Set(); // segment lists the user opened, kept open across refreshes
  let busy = false;

  const act = async (name, what) => {
    busy = true;
    try {
      const r = await post(`/admin/api/projections/${encodeURIComponent(name)}/${what}`, {}, {signal: ctx.signal});
      replace(message, notice('info', {pause: `Paused ${name}.`, resume: `Resumed ${name}.`,
        rebuild: `Rebuild of ${name} requested: the engine holding its segment 0 clears the read model and starts over.`}[what]));
      render(r);
    } catch (e) {
      if (!ctx.signal.aborted) replace(message, notice('error', describeError(e)));
    } finally {
      busy = false;
    }
  };

  const render = (r) => {
    updated.textContent = `Updated ${formatTime(new Date().toISOString())} · head position ${formatCount(r.headPosition)}`;
    if (!r.available) {
      replace(body, h('tr', {class: 'empty'}, h('td', {colspan: 8}, 'This store keeps no projections.')));
      return;
    }
    if (r.projections.length === 0) {
      replace(body, h('tr', {class: 'empty'}, h('td', {colspan: 8},
          'No projection has been registered in this store yet. Projections appear here once an application\'s ProjectionEngine starts.')));
      return;
    }
    const rows = [];
    for (const p of r.projections) {
      const key = `${p.name}-v${p.version}`;
      const flags = [];
      if (p.paused) flags.push(badge('paused', 'warn'));
      if (p.stopped) flags.push(badge('stopped', 'bad'));
      if (p.rebuildRequested) flags.push(badge('rebuild requested', 'info'));
      if (p.caughtUp && p.state !== 'RETIRED') flags.push(badge('caught up', 'ok subtle'));
      const segments = h('details', {id: `segments-${key}`, open: open.has(key)},
          h('summary', null, `${p.segments.length} segment${p.segments.length === 1 ? '' : 's'}, ` +
              `${p.segments.filter((s) => s.owner).length} owned`),
          h('table', {class: 'mini'}, h('thead', null, h('tr', null, h('th', null, '#'), h('th', {class: 'num'}, 'Checkpoint'),
              h('th', null, 'Owner'), h('th', null, 'Lease until'))),
          h('tbody', null, p.segments.map((s) => h('tr', null, h('td', null, s.segment), h('td', {class: 'num'}, formatCount(s.checkpoint)),
              h('td', null, s.owner || h('span', {class: 'muted'}, 'none')), h('td', {class: 'time', title: s.leaseExpiresAt || ''}, formatClock(s.leaseExpiresAt)))))));
      segments.addEventListener('toggle', () => (segments.open ? open.add(key) : open.delete(key)));
      const resumable = p.paused || p.stopped;
      const actions = h('div', {class: 'actions'},
          resumable
            ? h('button', {type: 'button', id: `resume-${key}`, class: 'primary', onclick: () => act(p.name, 'resume')}, 'Resume')
            : h('button', {type: 'button', id: `pause-${key}`, onclick: () => act(p.name, 'pause')}, 'Pause'),
          p.state === 'ACTIVE'
            ? confirmButton('Rebuild', 'Confirm rebuild', {id: `rebuild-${key}`, class: 'danger'}, () => act(p.name, 'rebuild')) : null);
      rows.push(h('tr', {id: `proj-${key}`, dataset: {name: p.name, version: p.version, paused: p.paused, stopped: p.stopped}},
          h('td', null, h('strong', null, p.name), h('span', {class: 'muted'}, ` v${p.version}`)),
          h('td', {class: 'state'}, stateBadge(p), ' ', flags),
          h('td', {class: 'num'}, formatCount(p.position), h('div', {class: 'muted small'}, `of ${formatCount(p.headPosition)}`)),
          h('td', {class: 'num'}, `${formatCount(p.lagEvents)} events`, h('div', {class: 'muted small'}, formatSeconds(p.lagSeconds))),
          h('td', {class: 'num'}, p.parked > 0
            ? link('#/dead-letters', {name: p.name}, h('span', {class: 'badge bad'}, formatCount(p.parked)))
            : link('#/dead-letters', {name: p.name}, '0')),
          h('td', {class: 'error-cell'}, p.lastError
            ? [h('div', {class: 'error-text', title: p.lastError}, p.lastError), h('div', {class: 'muted small'}, formatTime(p.lastErrorAt))]
            : h('span', {class: 'muted'}, '–')),
          h('td', null, segments),
          h('td', null, actions)));
    }
    replace(body, rows);
  };

  const refresh = async () => {
    if (busy || document.querySelector('#proj-table button.armed')) return; // do not swap a button being confirmed
    try {
      render(await get('/admin/api/projections', {signal: ctx.signal}));
    } catch (e) {
      if (!ctx.signal.aborted) replace(message, notice('error', describeError(e)));
    }
  };
  await refresh();
  const timer = setInterval(() => {
    if (auto.checked) refresh();
  }, REFRESH_MS);
  ctx.onCleanup(() => clearInterval(timer));
}

export async function deadLettersView(main, params, ctx) {
  const name = params.get('name');
  if (!name) {
    main.append(notice('error', 'Which projection?'));
    return;
  }
  const first = await get(`/admin/api/projections/${encodeURIComponent(name)}/dead-letters?limit=100`, {signal: ctx.signal});
  const message = h('div', {id: 'dl-message'});
  const body = h('tbody', {id: 'dl-rows'});
  const more = h('button', {type: 'button', id: 'dl-more', hidden: true}, 'Load more');
  main.append(h('header', {class: 'view-head'}, h('h1', null, `Dead letters of ${name}`)),
      h('nav', {class: 'crumbs'}, link('#/projections', null, 'Projections'), ' / ', h('span', null, name)),
      h('p', {class: 'muted'}, 'Events the projection failed to apply after its retries, parked with the last error. The events stay in the store. ' +
          'Discarding a letter gives up on its event; a projection stopped in front of it moves past it and runs again.'),
      first.retryAvailable ? null : notice('info', 'Retrying applies the event with the projection\'s code, which runs in the application, ' +
          'not in this server: retry from the application (ProjectionEngine.retryDeadLetter), or discard here.'),
      message,
      h('table', {class: 'grid dead-letters', id: 'dl-table'},
          h('thead', null, h('tr', null, h('th', {class: 'num'}, 'Id'), h('th', null, 'Version, segment'),
              h('th', {class: 'num'}, 'Position'), h('th', null, 'Stream'), h('th', null, 'Type'), h('th', {class: 'num'}, 'Attempts'),
              h('th', null, 'Error'), h('th', null, 'Parked'), h('th', null, 'Actions'))),
          body),
      h('div', {class: 'pager'}, more));

  const row = (d) => {
    const tr = h('tr', {id: `dl-${d.id}`});
    const discard = confirmButton('Discard', 'Confirm discard', {id: `discard-${d.id}`, class: 'danger'}, async () => {
      try {
        await post(`/admin/api/dead-letters/${d.id}/discard`, {}, {signal: ctx.signal});
        tr.remove();
        replace(message, notice('info', `Discarded dead letter ${d.id} (event #${d.position}).`));
      } catch (e) {
        replace(message, notice('error', describeError(e)));
      }
    });
    const retry = h('button', {type: 'button', id: `retry-${d.id}`, disabled: !first.retryAvailable,
      title: first.retryAvailable ? 'Apply the event again now' : 'Needs the application\'s projection engine'}, 'Retry');
    retry.addEventListener('click', async () => {
      try {
        const r = await post(`/admin/api/dead-letters/${d.id}/retry`, {}, {signal: ctx.signal});
        if (r.applied) {
          tr.remove();
          replace(message, notice('info', `Dead letter ${d.id} applied.`));
        } else {
          replace(message, notice('error', `Dead letter ${d.id} failed again and was parked as ${r.letter.id}: ${r.letter.error}`));
        }
      } catch (e) {
        replace(message, notice('error', describeError(e)));
      }
    });
    tr.append(h('td', {class: 'num'}, d.id), h('td', {class: 'stream'}, `v${d.version} · ${d.segment}`),
        h('td', {class: 'num'}, link('#/event', {position: d.position}, `#${d.position}`)),
        h('td', {class: 'stream'}, link('#/stream', {name: d.stream}, d.stream)), h('td', null, h('span', {class: 'type'}, d.eventType)),
        h('td', {class: 'num'}, d.attempts),
        h('td', null, h('div', {class: 'error-full'}, d.error || '')),
        h('td', {class: 'time'}, formatTime(d.parkedAt)), h('td', null, h('div', {class: 'actions'}, retry, discard)));
    return tr;
  };
  let next = null;
  const show = (page) => {
    for (const d of page.letters) body.append(row(d));
    if (body.children.length === 0) body.append(h('tr', {class: 'empty'}, h('td', {colspan: 9}, 'No dead letters.')));
    next = page.next;
    more.hidden = next === null || next === undefined;
  };
  show(first);
  more.addEventListener('click', async () => {
    try {
      show(await get(`/admin/api/projections/${encodeURIComponent(name)}/dead-letters?limit=100&after=${next}`, {signal: ctx.signal}));
    } catch (e) {
      replace(message, notice('error', describeError(e)));
    }
  });
}
