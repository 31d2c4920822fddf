// What the side panel and the contested view show: a relationship's
// assertions with their evidence, a document's timeline, and the two
// sides of a contested relationship. Each function returns DOM nodes.
import { h } from './dom.js';
import { predicateColour, typeColour } from './graph.js';

const lower = (s) => (s || '').toLowerCase();

/** A document's name for people: its title, else its source, else its id. */
export function docName(d) {
  return d.title || d.source || d.id.replace(/^document:/, '').slice(0, 12);
}

function safeURL(u) {
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A swatch of colour beside a word; the word carries the meaning. */
export function swatch(colour, kind) {
  const s = h('span', { class: `swatch ${kind || ''}`, 'aria-hidden': 'true' });
  s.style.backgroundColor = colour;
  return s;
}

export function predicateTag(p) {
  return h('span', { class: 'predicate' }, swatch(predicateColour(p), 'line'), p);
}

export function actorTag(a) {
  return h('span', { class: 'actor' }, swatch(typeColour(a.type), 'dot'), a.name);
}

function whoSaid(a) {
  return a.attributedTo ? a.attributedTo.name : 'the document, in its own voice';
}

/** The line that names a document, with its link when it has one. */
function documentLine(d, { onTimeline }) {
  const url = d.url && safeURL(d.url);
  return h('p', { class: 'doc' },
    h('span', { class: 'label' }, 'Document: '),
    url ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, docName(d)) : h('cite', {}, docName(d)),
    d.title && d.source ? h('span', { class: 'muted' }, ` (${d.source})`) : null,
    d.published ? h('span', { class: 'muted' }, ` · published ${d.published.slice(0, 10)}`) : null,
    onTimeline ? [' ', h('button', { type: 'button', class: 'small', onclick: () => onTimeline(d.id) }, 'Timeline', h('span', { class: 'sr-only' }, ` of ${docName(d)}`))] : null,
  );
}

/** The evidence's sentence, or, once its document's words were erased, a note saying so. */
function sentence(evidence) {
  if (evidence.sentence == null) return h('p', { class: 'muted' }, 'The sentence was erased with its document’s words.');
  return h('blockquote', { class: 'sentence' }, evidence.sentence);
}

/** One assertion, as evidence: tags, the sentence, the document. */
export function assertionItem(a, opts = {}) {
  const tags = h('p', { class: 'tags' },
    h('span', { class: `tag ${lower(a.polarity)}` }, lower(a.polarity) === 'negated' ? 'denied (negated)' : 'affirmed'),
    ' ', h('span', { class: `tag ${lower(a.modality)}` }, lower(a.modality)),
    ' ', h('span', { class: 'who' }, h('span', { class: 'label' }, 'Said by: '), whoSaid(a)),
    a.confidence != null ? [' ', h('span', { class: 'muted' }, `confidence ${a.confidence.toFixed(2)}`)] : null,
    a.sequence != null ? [' ', h('span', { class: 'muted' }, `seq ${a.sequence}`)] : null,
  );
  return h('li', { class: `assertion ${lower(a.polarity)}${a.retracted ? ' retracted' : ''}` },
    tags,
    sentence(a.evidence),
    documentLine(a.evidence.document, opts),
    a.validFrom || a.validTo ? h('p', { class: 'muted' }, `Holds in the world: ${a.validFrom || '…'} to ${a.validTo || '…'}`) : null,
    a.principal ? h('p', { class: 'muted' }, `Recorded by ${a.principal}${a.producer ? ` (producer: ${a.producer.name})` : ''}`) : null,
    a.retracted ? h('p', { class: 'warning' }, `Retracted: ${a.retracted.reason}`) : null,
  );
}

/** The evidence of a relationship. */
export function evidence(rel, { onActor, onTimeline, asOf }) {
  const counts = `${rel.support} assertion${rel.support === 1 ? '' : 's'}: ${rel.affirmed} affirmed, ${rel.negated} denied`;
  return [
    h('p', { class: 'triple' },
      h('button', { type: 'button', class: 'link', onclick: () => onActor(rel.subject) }, actorTag(rel.subject)),
      ' ', predicateTag(rel.predicate), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => onActor(rel.object) }, actorTag(rel.object))),
    h('p', { class: 'muted' }, counts, asOf ? ` (as of sequence ${asOf})` : '', '. Oldest first.'),
    h('ol', { class: 'assertions' }, rel.assertions.map((a) => assertionItem(a, { onTimeline }))),
  ];
}

/** A document's timeline: when it was published and recorded, its claims in reading order, and its audit trail. */
export function timeline(doc, events, { onRelationship, onAsOf }) {
  const claims = doc.assertions.slice().sort((a, b) => (a.evidence.start ?? 0) - (b.evidence.start ?? 0) || a.sequence - b.sequence);
  const url = doc.url && safeURL(doc.url);
  return [
    h('p', {},
      url ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, docName(doc)) : h('cite', {}, docName(doc)),
      doc.title && doc.source ? h('span', { class: 'muted' }, ` (${doc.source})`) : null),
    h('ol', { class: 'timeline' },
      doc.published ? h('li', {}, h('span', { class: 'when' }, doc.published.slice(0, 10)), ' Published') : null,
      h('li', {}, h('span', { class: 'when' }, `seq ${doc.sequence}`), ` Recorded ${doc.recorded.slice(0, 19).replace('T', ' ')} `,
        h('button', { type: 'button', class: 'small', onclick: () => onAsOf(doc.sequence) }, 'Show the graph as of then')),
      doc.retracted ? h('li', { class: 'warning' }, h('span', { class: 'when' }, `seq ${doc.retracted.sequence}`), ` Retracted: ${doc.retracted.reason}`) : null,
    ),
    h('h3', {}, `Its ${claims.length} claim${claims.length === 1 ? '' : 's'}, in reading order`),
    h('ol', { class: 'claims' }, claims.map((a) => h('li', {},
      h('p', { class: 'triple' },
        a.subject.name, ' ', predicateTag(a.predicate), ' ', a.object.name,
        a.polarity === 'NEGATED' ? h('span', { class: 'tag negated' }, 'denied') : null,
        a.modality !== 'ACTUAL' ? h('span', { class: `tag ${lower(a.modality)}` }, lower(a.modality)) : null,
        a.validFrom || a.validTo ? h('span', { class: 'muted' }, ` ${a.validFrom || '…'} to ${a.validTo || '…'}`) : null),
      sentence(a.evidence),
      h('button', { type: 'button', class: 'small', onclick: () => onRelationship(a.relationship.id) },
        'Evidence', h('span', { class: 'sr-only' }, `: ${a.subject.name} ${a.predicate} ${a.object.name}`))))),
    events.length ? [
      h('h3', {}, 'Audit trail'),
      h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
        h('span', { class: 'when' }, `seq ${e.sequence}`), ' ', e.summary,
        e.principal ? h('span', { class: 'muted' }, ` by ${e.principal}`) : null,
        e.reason ? h('span', { class: 'muted' }, `: ${e.reason}`) : null))),
    ] : null,
  ];
}

/** A contested relationship with both sides side by side. */
export function contestedItem(rel, { onActor, onTimeline }) {
  const side = (pol, title) => {
    const list = rel.assertions.filter((a) => a.polarity === pol);
    return h('section', { class: `side ${lower(pol)}`, 'aria-label': `${title} (${list.length})` },
      h('h4', {}, `${title} (${list.length})`),
      h('ol', { class: 'assertions' }, list.map((a) => assertionItem(a, { onTimeline }))));
  };
  return h('li', { class: 'contested' },
    h('h3', {},
      h('button', { type: 'button', class: 'link', onclick: () => onActor(rel.subject) }, rel.subject.name),
      ' ', predicateTag(rel.predicate), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => onActor(rel.object) }, rel.object.name)),
    h('div', { class: 'sides' }, side('AFFIRMED', 'Says yes'), side('NEGATED', 'Says no')));
}
