// Dossier's explorer: search an actor, see its neighbourhood drawn and
// listed, open any relationship's evidence, read the graph as it was at
// an earlier point of the log, read a document's timeline, compare both
// sides of contested relationships, and watch new assertions arrive.
//
// State lives in `state`; the address's hash keeps the actor, hops,
// as-of sequence and view, so a view can be bookmarked or shared.
import { gql, subscribe, token, setToken } from './api.js';
import { h, fill, $ } from './dom.js';
import { createGraph, setPredicates, edgeStatus, typeColour, predicateColour } from './graph.js';
import { combobox } from './search.js';
import { evidence, timeline, contestedItem, actorTag, predicateTag, swatch } from './panels.js';

const state = {
  actor: null, // {id, name, type}
  depth: 1,
  asOf: null, // a sequence, or null for now
  latest: 0, // the highest sequence known to the page
  symmetric: new Set(),
  edges: [],
  nodes: [],
  selected: null, // the relationship whose evidence is shown
  view: 'graph',
  contestedAfter: null,
  loadSeq: 0,
};

// ---- GraphQL ----

// Every read goes through read(), which wraps it in asOf(sequence:) when
// the slider is in the past: the fields are the same at both.
async function read(decls, body, vars = {}) {
  if (state.asOf == null) {
    return gql(`query Explorer${decls ? `(${decls})` : ''} { ${body} }`, vars);
  }
  const d = await gql(`query Explorer(${decls ? decls + ', ' : ''}$asOf: Sequence!) { asOf(sequence: $asOf) { ${body} } }`, { ...vars, asOf: state.asOf });
  return d.asOf;
}

const ASSERTION = `id sequence principal polarity modality confidence validFrom validTo
  attributedTo { id name } retracted { reason } producer { name }
  evidence { sentence document { id title source url published } }`;

// ---- status and errors ----

const statusEl = $('#status');
const errorEl = $('#error');

function say(text) {
  statusEl.textContent = text;
}

function fail(err) {
  if (err && err.name === 'AbortError') return;
  if (err && err.unauthenticated) {
    askToken(token() ? 'The server refused this token: enter another.' : 'This server needs an access token.');
    return;
  }
  errorEl.hidden = false;
  fill(errorEl, String(err && err.message ? err.message : err));
}

function clearError() {
  errorEl.hidden = true;
  errorEl.replaceChildren();
}

// ---- the token ----

const tokenDialog = $('#token-dialog');
function askToken(reason) {
  $('#token-reason').textContent = reason || 'Requests to this server carry this token.';
  $('#token').value = token();
  if (!tokenDialog.open) tokenDialog.showModal();
}
$('#token-button').addEventListener('click', () => askToken());
$('#token-cancel').addEventListener('click', () => tokenDialog.close());
$('#token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('#token').value.trim());
  tokenDialog.close();
  start();
});

// ---- the graph and its text alternative ----

const graphEl = $('#graph');
const graph = createGraph(graphEl, {
  onEdge: (id) => showEvidence(id, { focus: false }),
  onNode: (id) => {
    const n = state.nodes.find((x) => x.id === id);
    if (n && n.id !== state.actor?.id) explore(n);
  },
});
new ResizeObserver(() => graph.resize()).observe(graphEl);
// For tests and the curious: the Cytoscape instance.
window.dossierExplorer = { cy: graph.cy, state };

const statusWords = {
  actual: 'affirmed',
  possible: 'affirmed as possible or intended only',
  denied: 'denied',
  contested: 'contested',
};

async function loadNeighbourhood() {
  const a = state.actor;
  if (!a) return;
  const n = ++state.loadSeq;
  // The counts say how an edge is drawn: its assertions, which for a hub
  // are thousands, are read only when it is opened.
  const edge = `id predicate subject { id name type } object { id name type } affirmed negated actual support`;
  const body = `actor(id: $id) { id name type relationships(first: 50) { other { id name type } relationship { ${edge} } } }
    ${state.depth > 1 ? `neighbors(actor: $name, depth: 2) { depth actor { id name type } from { id } via { relationship { ${edge} } } }` : ''}
    stats { sequence }`;
  say(`Loading ${a.name}…`);
  let d;
  try {
    d = await read(`$id: ID!${state.depth > 1 ? ', $name: String!' : ''}`, body, { id: a.id, name: a.id });
  } catch (err) {
    fail(err);
    return;
  }
  if (n !== state.loadSeq) return; // a later load is under way
  clearError();
  if (state.asOf == null) setLatest(d.stats.sequence);
  const nodes = new Map();
  const edges = new Map();
  const addNode = (x, depth) => {
    if (!nodes.has(x.id)) nodes.set(x.id, { id: x.id, name: x.name, type: x.type, depth });
  };
  const addEdge = (r) => {
    if (edges.has(r.id) || !nodes.has(r.subject.id) || !nodes.has(r.object.id)) return;
    edges.set(r.id, {
      id: r.id,
      source: r.subject.id,
      target: r.object.id,
      subject: r.subject,
      object: r.object,
      predicate: r.predicate,
      support: r.support,
      affirmed: r.affirmed,
      negated: r.negated,
      status: edgeStatus(r),
      symmetric: state.symmetric.has(r.predicate),
    });
  };
  if (d.actor) {
    addNode(d.actor, 0);
    state.actor = { id: d.actor.id, name: d.actor.name, type: d.actor.type };
    liveText();
    const search = $('#search');
    if (document.activeElement !== search) search.value = d.actor.name;
    for (const e of d.actor.relationships) {
      addNode(e.other, 1);
      addEdge(e.relationship);
    }
    for (const nb of d.neighbors || []) {
      if (nb.depth !== 2 || !nodes.has(nb.from.id)) continue;
      if (!nodes.has(nb.actor.id) && nodes.size >= 150) continue;
      addNode(nb.actor, 2);
      addEdge(nb.via.relationship);
    }
  }
  state.nodes = [...nodes.values()];
  state.edges = [...edges.values()];
  graph.draw(state.nodes, state.edges, d.actor && d.actor.id);
  if (state.selected && edges.has(state.selected)) graph.select(state.selected);
  renderSummary(!d.actor);
  renderTable();
  renderLegend();
  if (state.selected) showEvidence(state.selected, { focus: false, quiet: true });
}

function when() {
  return state.asOf == null ? 'now' : `as of sequence ${state.asOf}`;
}

function renderSummary(missing) {
  const a = state.actor;
  const nActors = state.nodes.length;
  const nEdges = state.edges.length;
  $('#graph-title').textContent = a.name;
  let text;
  if (missing) {
    text = state.asOf == null
      ? `No actor ${a.name} in the graph.`
      : `${a.name} was not in the graph yet at sequence ${state.asOf}: move the slider later.`;
  } else {
    text = `${nActors} actor${nActors === 1 ? '' : 's'} and ${nEdges} relationship${nEdges === 1 ? '' : 's'} within ${state.depth} hop${state.depth === 1 ? '' : 's'}, ${when()}.`;
  }
  $('#graph-summary').textContent = text;
  graphEl.setAttribute('aria-label', `Drawing of the neighbourhood of ${a.name}: ${text} The table of relationships below lists the same.`);
  graphEl.dataset.nodes = String(nActors);
  graphEl.dataset.edges = String(nEdges);
  say(text);
}

function renderTable() {
  const rows = state.edges.map((e) => {
    const actorCell = (x) => x.id === state.actor.id
      ? h('td', {}, actorTag(x))
      : h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => explore(x) }, actorTag(x), h('span', { class: 'sr-only' }, ': explore')));
    const label = `Evidence: ${e.subject.name} ${e.predicate} ${e.object.name}`;
    const status = e.status === 'contested' ? `contested: ${e.affirmed} for, ${e.negated} against` : statusWords[e.status];
    return h('tr', { class: e.id === state.selected ? 'selected' : '', dataset: { rel: e.id } },
      actorCell(e.subject),
      h('td', {}, h('button', {
        type: 'button',
        class: 'rel',
        'aria-label': label,
        'aria-current': e.id === state.selected ? 'true' : false,
        onclick: () => showEvidence(e.id, { focus: true }),
      }, predicateTag(e.predicate))),
      actorCell(e.object),
      h('td', { class: 'num' }, e.support),
      h('td', {}, h('span', { class: `status ${e.status}` }, status)));
  });
  $('#edges-caption').textContent = state.edges.length
    ? `Relationships of ${state.actor.name}, ${when()}: the drawing's edges as a table. Choose a relationship for its evidence, an actor to explore it.`
    : `No relationships of ${state.actor.name}, ${when()}.`;
  fill($('#edge-rows'), rows);
  $('#edges').hidden = false;
}

function renderLegend() {
  const types = [...new Set(state.nodes.map((n) => n.type || 'untyped'))].sort();
  const preds = [...new Set(state.edges.map((e) => e.predicate))].sort();
  fill($('#legend-body'),
    h('ul', { class: 'legend-list', 'aria-label': 'Actor types' }, types.map((t) => h('li', {}, swatch(typeColour(t === 'untyped' ? null : t), 'dot'), t.toLowerCase()))),
    h('ul', { class: 'legend-list', 'aria-label': 'Predicates' }, preds.map((p) => h('li', {}, swatch(predicateColour(p), 'line'), p))),
    h('ul', { class: 'legend-list', 'aria-label': 'Lines' },
      h('li', {}, h('span', { class: 'line-sample solid', 'aria-hidden': 'true' }), 'affirmed as fact; wider with more support'),
      h('li', {}, h('span', { class: 'line-sample possible', 'aria-hidden': 'true' }), 'short dashes: only possible or intended'),
      h('li', {}, h('span', { class: 'line-sample denied', 'aria-hidden': 'true' }), 'long dashes: denied'),
      h('li', {}, h('span', { class: 'line-sample contested', 'aria-hidden': 'true' }), '⊣ bar head: contested (both)')));
}

// ---- exploring an actor ----

function explore(actor, { push = true } = {}) {
  state.actor = { id: actor.id, name: actor.name, type: actor.type };
  state.selected = null;
  $('#search').value = actor.name;
  setView('graph');
  $('#intro').hidden = true;
  $('#graph-wrap').hidden = false;
  fill($('#details-body'), h('p', { class: 'muted' }, 'Choose a relationship, in the drawing or the table, for its evidence.'));
  $('#details-title').textContent = 'Evidence';
  if (push) saveHash();
  loadNeighbourhood();
  live();
}

// ---- the side panel ----

let evidenceSeq = 0;
async function showEvidence(id, { focus, quiet } = {}) {
  state.selected = id;
  graph.select(id);
  for (const tr of document.querySelectorAll('#edge-rows tr')) {
    const on = tr.dataset.rel === id;
    tr.classList.toggle('selected', on);
    const b = tr.querySelector('button.rel');
    if (on) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  const n = ++evidenceSeq;
  let d;
  try {
    d = await read('$id: ID!', `node(id: $id) { ... on Relationship { id predicate support affirmed negated
      subject { id name type } object { id name type } assertions { ${ASSERTION} } } }`, { id });
  } catch (err) {
    fail(err);
    return;
  }
  if (n !== evidenceSeq) return;
  const title = $('#details-title');
  const body = $('#details-body');
  if (!d.node) {
    title.textContent = 'Evidence';
    fill(body, h('p', {}, `This relationship did not exist ${when()}.`));
  } else {
    title.textContent = `Evidence: ${d.node.subject.name} ${d.node.predicate} ${d.node.object.name}`;
    fill(body, evidence(d.node, { onActor: explore, onTimeline: showTimeline, asOf: state.asOf }));
    if (!quiet) say(`Evidence of ${d.node.subject.name} ${d.node.predicate} ${d.node.object.name}: ${d.node.support} assertion${d.node.support === 1 ? '' : 's'}.`);
  }
  if (focus) title.focus();
}

async function showTimeline(docId) {
  const n = ++evidenceSeq;
  let d;
  try {
    d = await read('$id: ID!', `document(id: $id) { id title source url published recorded sequence retracted { sequence reason }
        assertions { id sequence predicate polarity modality validFrom validTo subject { name } object { name } evidence { sentence start } relationship { id } } }
      history(document: $id, first: 30) { edges { node { sequence type principal reason summary } } }`, { id: docId });
  } catch (err) {
    fail(err);
    return;
  }
  if (n !== evidenceSeq) return;
  const title = $('#details-title');
  if (!d.document) {
    title.textContent = 'Document';
    fill($('#details-body'), h('p', {}, `The document was not recorded yet ${when()}.`));
  } else {
    title.textContent = 'Document timeline';
    fill($('#details-body'), timeline(d.document, d.history.edges.map((e) => e.node), {
      onRelationship: (id) => showEvidence(id, { focus: true }),
      onAsOf: (seq) => setAsOf(seq),
    }));
  }
  title.focus();
}

// ---- as of: the time slider ----

const slider = $('#asof');
const sliderOut = $('#asof-value');

function setLatest(seq) {
  if (seq <= state.latest) return;
  state.latest = seq;
  slider.max = String(seq);
  if (state.asOf == null) slider.value = String(seq);
  labelSlider();
}

function labelSlider() {
  const v = Number(slider.value);
  const text = state.asOf == null ? `now (sequence ${state.latest})` : `sequence ${v} of ${state.latest}`;
  sliderOut.textContent = text;
  slider.setAttribute('aria-valuetext', text);
  $('#asof-now').disabled = state.asOf == null;
  document.body.classList.toggle('past', state.asOf != null);
}

let sliderTimer = 0;
slider.addEventListener('input', () => {
  const v = Number(slider.value);
  state.asOf = v >= state.latest ? null : v;
  labelSlider();
  clearTimeout(sliderTimer);
  sliderTimer = setTimeout(refresh, 250);
});
$('#asof-now').addEventListener('click', () => setAsOf(null));

function setAsOf(seq) {
  state.asOf = seq == null || seq >= state.latest ? null : seq;
  slider.value = String(state.asOf ?? state.latest);
  labelSlider();
  refresh();
}

function refresh() {
  saveHash();
  if (state.view === 'contested') loadContested(true);
  else loadNeighbourhood();
}

// ---- hops ----

$('#depth').addEventListener('change', (e) => {
  state.depth = Number(e.target.value) === 2 ? 2 : 1;
  saveHash();
  loadNeighbourhood();
});

// ---- the contested view ----

function setView(view) {
  state.view = view;
  $('#graph-view').hidden = view !== 'graph';
  $('#contested-view').hidden = view !== 'contested';
  $('#view-graph').setAttribute('aria-pressed', String(view === 'graph'));
  $('#view-contested').setAttribute('aria-pressed', String(view === 'contested'));
}
$('#view-graph').addEventListener('click', () => {
  setView('graph');
  saveHash();
  if (state.actor) graph.resize();
});
$('#view-contested').addEventListener('click', () => {
  setView('contested');
  saveHash();
  loadContested(true);
});
$('#contested-more').addEventListener('click', () => loadContested(false));

async function loadContested(fresh) {
  let d;
  try {
    d = await read('$after: String', `contested(first: 20, after: $after) { edges { node { id predicate affirmed negated
        subject { id name type } object { id name type }
        assertions { ${ASSERTION} } } } pageInfo { hasNextPage endCursor } }`, { after: fresh ? null : state.contestedAfter });
  } catch (err) {
    fail(err);
    return;
  }
  clearError();
  const c = d.contested;
  state.contestedAfter = c.pageInfo.endCursor;
  const items = c.edges.map((e) => contestedItem(e.node, { onActor: explore, onTimeline: (id) => { setView('graph'); showTimeline(id); } }));
  const list = $('#contested-list');
  if (fresh) fill(list, items);
  else list.append(...items);
  $('#contested-more').hidden = !c.pageInfo.hasNextPage;
  const count = list.children.length;
  $('#contested-summary').textContent = count
    ? `${count} relationship${count === 1 ? '' : 's'} both affirmed and denied, ${when()}${c.pageInfo.hasNextPage ? ' (more below)' : ''}.`
    : `No relationship is both affirmed and denied, ${when()}.`;
  say($('#contested-summary').textContent);
}

// ---- live ----

let stopLive = null;
let liveAfter = 0;
let retry = 0;
let reloadTimer = 0;
const liveList = $('#live-list');

let liveListening = false;

// What the feed is doing, in words; the actor's name once it is known.
function liveText() {
  const about = state.actor ? ` about ${state.actor.name}` : '';
  $('#live-state').textContent = liveListening ? `Listening for new assertions${about}.` : `Connecting: new assertions${about}…`;
}

function live() {
  if (stopLive) stopLive();
  const actor = state.actor ? state.actor.id : null;
  const filter = actor ? '(filter: {actor: $actor}, after: $after)' : '(after: $after)';
  const q = `subscription Live(${actor ? '$actor: String!, ' : ''}$after: Sequence) { assertionRecorded${filter} {
      sequence predicate polarity modality subject { id name type } object { id name type }
      attributedTo { name } evidence { sentence document { id title source } } assertion { relationship { id } } } }`;
  liveAfter = Math.max(liveAfter, state.latest);
  liveListening = false;
  liveText();
  const vars = { after: liveAfter || null };
  if (actor) vars.actor = actor;
  stopLive = subscribe(q, vars, {
    onOpen: () => {
      retry = 0;
      liveListening = true;
      liveText();
    },
    onNext: (r) => {
      if (r.errors && r.errors.length) {
        const e = r.errors[0];
        const ext = e.extensions || {};
        if (ext.code === 'SLOW_CONSUMER' && ext.lastSequence) liveAfter = Number(ext.lastSequence);
        else $('#live-state').textContent = `Live feed: ${e.message}`;
        return;
      }
      arrived(r.data.assertionRecorded);
    },
    onEnd: (err) => {
      stopLive = null;
      liveListening = false;
      if (err && err.unauthenticated) {
        $('#live-state').textContent = 'Live feed stopped: the server needs a token.';
        return;
      }
      // The server ended the stream (SLOW_CONSUMER, a restart): go on
      // from the last event seen, after a pause that grows.
      retry = Math.min(retry + 1, 6);
      $('#live-state').textContent = 'Live feed interrupted; reconnecting…';
      setTimeout(() => { if (!stopLive) live(); }, 500 * 2 ** retry);
    },
  });
}

function arrived(ev) {
  liveAfter = Math.max(liveAfter, ev.sequence);
  setLatest(ev.sequence);
  const pol = ev.polarity === 'NEGATED' ? 'denied' : 'affirmed';
  const item = h('li', { class: 'live-item' },
    h('p', { class: 'triple' }, h('span', { class: 'muted' }, `seq ${ev.sequence} `), ev.subject.name, ' ', predicateTag(ev.predicate), ' ', ev.object.name,
      h('span', { class: 'muted' }, ` (${pol}, ${ev.modality.toLowerCase()}${ev.attributedTo ? `, said by ${ev.attributedTo.name}` : ''})`)),
    h('button', { type: 'button', class: 'small', onclick: () => showEvidence(ev.assertion.relationship.id, { focus: true }) },
      'Evidence', h('span', { class: 'sr-only' }, `: ${ev.subject.name} ${ev.predicate} ${ev.object.name}`)));
  liveList.prepend(item);
  while (liveList.children.length > 30) liveList.lastElementChild.remove();
  // Now moves on: redraw once a burst is over, if the page shows now.
  if (state.asOf == null) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      if (state.view === 'contested') loadContested(true);
      else loadNeighbourhood();
    }, 300);
  }
}

// ---- the address ----

function saveHash() {
  const p = new URLSearchParams();
  if (state.actor) p.set('actor', state.actor.id);
  if (state.depth > 1) p.set('hops', String(state.depth));
  if (state.asOf != null) p.set('asof', String(state.asOf));
  if (state.view !== 'graph') p.set('view', state.view);
  const hash = p.toString();
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname);
}

// ---- start ----

async function start() {
  clearError();
  let d;
  try {
    d = await gql('query Start { ontology { predicates { name symmetric } } stats { actors relationships assertions documents sequence } }');
  } catch (err) {
    fail(err);
    return;
  }
  setPredicates(d.ontology.predicates.map((p) => p.name));
  state.symmetric = new Set(d.ontology.predicates.filter((p) => p.symmetric).map((p) => p.name));
  const s = d.stats;
  setLatest(s.sequence);
  $('#intro-stats').textContent = `The graph holds ${s.actors} actors, ${s.relationships} relationships and ${s.assertions} assertions from ${s.documents} documents (sequence ${s.sequence}).`;

  applyHash();
}

// Reads the address's hash: at start, and when the reader edits it or
// follows a link to another view.
function applyHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  state.depth = p.get('hops') === '2' ? 2 : 1;
  $('#depth').value = String(state.depth);
  const asof = Number(p.get('asof'));
  state.asOf = asof > 0 && asof < state.latest ? asof : null;
  slider.value = String(state.asOf ?? state.latest);
  labelSlider();
  const actor = p.get('actor');
  if (actor) {
    explore({ id: actor, name: actor.replace(/^actor:/, '') }, { push: false });
  } else {
    live();
  }
  if (p.get('view') === 'contested') {
    setView('contested');
    loadContested(true);
  }
}
window.addEventListener('hashchange', applyHash);

combobox($('#search'), $('#search-options'), {
  find: async (text) => {
    const d = await read('$s: String!', 'actors(search: $s, first: 12) { edges { node { id name type } } }', { s: text });
    return d.actors.edges.map((e) => e.node);
  },
  pick: (a) => explore(a),
  announce: (x) => (typeof x === 'string' ? say(x) : fail(x)),
});

start();
