import type { LayerBound } from '../../src/estimate/network/lipschitzBound.js';

const fmt = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : Number(x.toPrecision(5)).toString());

/**
 * Fills `table` with the per-layer table of `lipkit certify` (layer, class, Lipschitz,
 * method) followed by the whole-model rows: certified upper bound and empirical lower bound.
 */
export function renderLayerTable(table: HTMLTableElement, layers: readonly LayerBound[],
  whole: { upperBound: number; lowerBound: number | null; certified: boolean }): void {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const h of ['layer', 'class', 'Lipschitz', 'method']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const l of layers) {
    const row = body.insertRow();
    for (const v of [l.name, l.className, fmt(l.lipschitz), l.method]) row.insertCell().textContent = v;
  }
  const foot = table.createTFoot();
  const up = foot.insertRow();
  up.insertCell().textContent = whole.certified ? 'certified upper bound' : 'upper bound (NOT certified)';
  const upValue = up.insertCell();
  upValue.colSpan = 3;
  upValue.textContent = fmt(whole.upperBound);
  upValue.className = 'upper-bound';
  const low = foot.insertRow();
  low.insertCell().textContent = 'empirical lower bound';
  const lowValue = low.insertCell();
  lowValue.colSpan = 3;
  lowValue.textContent = fmt(whole.lowerBound);
}
