// The neighbourhood drawing, with Cytoscape.js. Nodes are actors coloured
// by type; edges are relationships coloured by predicate, as wide as their
// support allows, dashed when denied or only possible. The same data is
// listed in the page's table (the text alternative); this module only
// draws and reports clicks.
import cytoscape from 'cytoscape';

// Actor types of the default ontology first; others get a colour from
// the spare palette by name. Chosen to stay apart for the common kinds of
// colour blindness (Okabe–Ito, plus greys) against a white background.
const typeColours = {
  PERSON: '#0072B2',
  COMPANY: '#E69F00',
  GOVERNMENT: '#D55E00',
  ORGANIZATION: '#009E73',
  PRODUCT: '#CC79A7',
  PLACE: '#56B4E9',
  LAW: '#8B7E00',
};
const spareColours = ['#6A3D9A', '#B15928', '#1F78B4', '#33A02C', '#E31A1C', '#FF7F00'];
const untyped = '#7F7F7F';

// Predicates: twelve distinguishable hues, given in the ontology's order
// so that a predicate keeps its colour from one neighbourhood to the next.
const predicatePalette = [
  '#1B6CA8', '#C0392B', '#2E8B57', '#8E44AD', '#D35400', '#16A085',
  '#7F6000', '#C2185B', '#34495E', '#5D8A00', '#A0522D', '#0097A7',
];
let predicateOrder = [];

/** Tells the colours the ontology's predicates, in its order. */
export function setPredicates(names) {
  predicateOrder = names.slice();
}

function hash(s) {
  let x = 0;
  for (const c of s) x = (x * 31 + c.codePointAt(0)) >>> 0;
  return x;
}

export function typeColour(type) {
  if (!type) return untyped;
  return typeColours[type] || spareColours[hash(type) % spareColours.length];
}

export function predicateColour(predicate) {
  let i = predicateOrder.indexOf(predicate);
  if (i < 0) i = hash(predicate);
  return predicatePalette[i % predicatePalette.length];
}

/** An edge's line width for its support: 1.5 px for one, growing slowly. */
export function edgeWidth(support) {
  return Math.min(10, 1.5 + 2 * Math.log2(Math.max(1, support)));
}

/**
 * The status a relationship is drawn with: 'denied' (every assertion
 * negated), 'contested' (both), 'possible' (affirmed, but never as
 * actual fact: its count of actual assertions is 0) or 'actual'.
 */
export function edgeStatus({ affirmed, negated, actual }) {
  if (affirmed === 0 && negated > 0) return 'denied';
  if (affirmed > 0 && negated > 0) return 'contested';
  if (actual === 0) return 'possible';
  return 'actual';
}

const style = [
  {
    selector: 'node',
    style: {
      'background-color': 'data(colour)',
      label: 'data(label)',
      color: '#1a1a1a',
      'font-size': 11,
      'font-family': 'system-ui, sans-serif',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'text-wrap': 'ellipsis',
      'text-max-width': 120,
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': 1,
      'min-zoomed-font-size': 7,
      width: 22,
      height: 22,
      'border-width': 1.5,
      'border-color': '#ffffff',
    },
  },
  { selector: 'node[depth = 2]', style: { width: 16, height: 16, 'font-size': 10 } },
  {
    selector: 'node.focus',
    style: { width: 38, height: 38, 'border-width': 4, 'border-color': '#1a1a1a', 'font-size': 14, 'font-weight': 'bold' },
  },
  {
    selector: 'edge',
    style: {
      width: 'data(width)',
      'line-color': 'data(colour)',
      'target-arrow-color': 'data(colour)',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.9,
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-size': 9,
      'font-family': 'system-ui, sans-serif',
      color: '#333333',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': 1,
      'min-zoomed-font-size': 8,
    },
  },
  { selector: 'edge[status = "denied"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [7, 4] } },
  { selector: 'edge[status = "possible"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [3, 4] } },
  { selector: 'edge[status = "contested"]', style: { 'target-arrow-shape': 'tee' } },
  { selector: 'edge[?symmetric]', style: { 'target-arrow-shape': 'none' } },
  {
    selector: 'edge:selected',
    style: { 'underlay-color': '#000000', 'underlay-opacity': 0.25, 'underlay-padding': 5, 'z-index': 10 },
  },
  { selector: 'node:selected', style: { 'underlay-color': '#000000', 'underlay-opacity': 0.2, 'underlay-padding': 6 } },
];

/**
 * Makes the drawing in container. onEdge(relationshipId) and
 * onNode(actorId) are called when one is clicked or tapped.
 */
export function createGraph(container, { onEdge, onNode }) {
  const cy = cytoscape({
    container,
    style,
    elements: [],
    minZoom: 0.2,
    maxZoom: 4,
    boxSelectionEnabled: false,
    autounselectify: false,
  });
  cy.on('tap', 'edge', (e) => onEdge(e.target.id()));
  cy.on('tap', 'node', (e) => onNode(e.target.id()));
  // A pointer over something clickable says so.
  cy.on('mouseover', 'node, edge', () => container.classList.add('pointing'));
  cy.on('mouseout', 'node, edge', () => container.classList.remove('pointing'));

  return {
    cy,
    /** Draws nodes [{id, name, type, depth}] and edges [{id, source, target, predicate, support, status, symmetric}]. */
    draw(nodes, edges, focusId) {
      cy.batch(() => {
        cy.elements().remove();
        cy.add(nodes.map((n) => ({
          group: 'nodes',
          data: { id: n.id, label: n.name, colour: typeColour(n.type), depth: n.depth },
          classes: n.id === focusId ? 'focus' : '',
        })));
        cy.add(edges.map((e) => ({
          group: 'edges',
          data: {
            id: e.id,
            source: e.source,
            target: e.target,
            label: e.predicate,
            colour: predicateColour(e.predicate),
            width: edgeWidth(e.support),
            status: e.status,
            symmetric: e.symmetric || false,
          },
        })));
      });
      // Rings around the actor, nearest first; deterministic, so the
      // same graph is drawn the same way each time.
      cy.layout({
        name: 'concentric',
        concentric: (n) => 3 - (n.data('depth') || 0),
        levelWidth: () => 1,
        minNodeSpacing: 28,
        spacingFactor: 1.05,
        startAngle: (3 / 2) * Math.PI,
        animate: false,
        padding: 24,
      }).run();
    },
    /** Marks one edge as selected (or none). */
    select(id) {
      cy.$(':selected').unselect();
      if (id) cy.getElementById(id).select();
    },
    resize() {
      cy.resize();
      cy.fit(undefined, 24);
    },
  };
}
