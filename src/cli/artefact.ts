import { TesseraError } from '../errors.js';
import { constantLine } from '../fit/explain.js';
import { FittedPipeline } from '../fit/fitted.js';
import type { FrozenConstant } from '../fit/freeze.js';
import type { SourceFingerprint } from '../fit/lineage.js';
import { numberText } from '../plan/expr.js';

/**
 * `tessera inspect <artefact>` and `tessera diff <a> <b>`: a fitted pipeline's lineage,
 * and what changed between two fits, in data, plan, parameters and software.
 */

function sourceLine(s: SourceFingerprint, i: number): string {
  const where = s.kind === 'file' ? `file ${s.path}` : 'in memory';
  const size = s.sizeBytes !== undefined ? `, ${s.sizeBytes} bytes, modified ${new Date(s.mtimeMs ?? 0).toISOString()}` : '';
  return `  [${i}] ${s.name} (${where}${size}): ${s.rows ?? '?'} rows, columns ${s.columns.join(', ')}\n      ${s.method} ${s.sha256}`;
}

export function inspectText(f: FittedPipeline, path: string): string {
  const l = f.lineage;
  const lines = [
    `${path}: fitted pipeline`,
    `  fitted      ${l.fittedAt} in ${l.fitSeconds.toFixed(3)} s over ${l.trainingRows ?? '?'} training rows`,
    `  software    Tessera ${l.tessera}, Node ${l.node}; providers ${l.providers.map((p) => `${p.name}${p.version ? ` ${p.version}` : ''}${p.available ? '' : ' (not loaded)'}`).join(', ')}`,
    `  plan        ${l.planDigest} (training plan, sha256)`,
    `  served      ${l.fittedPlanDigest} (fitted plan, sha256)`,
    `  input       ${f.input.fields.map((x) => `${x.name}: ${x.dtype}${x.nullable ? '?' : ''}`).join(', ')}`,
    `  outputs     ${f.outputNames.join(', ')}`,
    '',
    'Sources read while fitting:',
    ...l.sources.map(sourceLine),
    '',
    'Metrics:',
    ...(Object.keys(l.metrics).length === 0 ? ['  (none)'] : Object.entries(l.metrics).map(([k, v]) => `  ${k} = ${numberText(v)}`)),
    '',
    'Frozen constants:',
    ...(f.constants.length === 0 ? ['  (none)'] : f.constants.map((c) => `  ${constantLine(c)}`)),
  ];
  return lines.join('\n');
}

export interface ArtefactDiff {
  readonly data: string[];
  readonly plan: string[];
  readonly parameters: string[];
  readonly software: string[];
  readonly metrics: string[];
}

const short = (h: string) => h.slice(0, 12);

function diffSources(a: readonly SourceFingerprint[], b: readonly SourceFingerprint[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (!x) out.push(`source [${i}] ${y.name}: read only by the second fit`);
    else if (!y) out.push(`source [${i}] ${x.name}: read only by the first fit`);
    else {
      const label = x.name === y.name ? x.name : `${x.name} → ${y.name}`;
      if (x.path !== y.path) out.push(`source [${i}] ${label}: path ${x.path ?? '(memory)'} → ${y.path ?? '(memory)'}`);
      if (x.method !== y.method) out.push(`source [${i}] ${label}: fingerprinted by ${x.method} → ${y.method}, not comparable`);
      else if (x.sha256 !== y.sha256) out.push(`source [${i}] ${label}: content changed (${x.method} ${short(x.sha256)} → ${short(y.sha256)})`);
      if (x.rows !== y.rows) out.push(`source [${i}] ${label}: rows ${x.rows ?? '?'} → ${y.rows ?? '?'}`);
      if (x.columns.join('\u0000') !== y.columns.join('\u0000')) out.push(`source [${i}] ${label}: columns ${x.columns.join(', ')} → ${y.columns.join(', ')}`);
    }
  }
  return out;
}

function diffConstants(a: readonly FrozenConstant[], b: readonly FrozenConstant[]): string[] {
  const out: string[] = [];
  const byName = new Map(b.map((c) => [c.name, c]));
  for (const x of a) {
    const y = byName.get(x.name);
    byName.delete(x.name);
    if (!y) {
      out.push(`${x.name}: only in the first fit`);
      continue;
    }
    if (x.kind === 'standardize' && y.kind === 'standardize') {
      if (!Object.is(x.mean, y.mean) || !Object.is(x.sd, y.sd)) out.push(`${x.name}: mean ${numberText(x.mean)} → ${numberText(y.mean)}, sd ${numberText(x.sd)} → ${numberText(y.sd)}`);
    } else if (x.kind === 'matrix' && y.kind === 'matrix') {
      const p = x.value;
      const q = y.value;
      if (p.rows !== q.rows || p.cols !== q.cols) out.push(`${x.name}: shape ${p.rows}×${p.cols} → ${q.rows}×${q.cols}`);
      else {
        let changed = 0;
        let maxAbs = 0;
        for (let i = 0; i < p.data.length; i++) {
          if (Object.is(p.data[i], q.data[i])) continue;
          changed++;
          const d = Math.abs(p.data[i] - q.data[i]);
          if (!(d <= maxAbs)) maxAbs = d;
        }
        if (changed > 0) out.push(`${x.name} (${x.provenance.learner ?? x.provenance.step}): ${changed} of ${p.data.length} values differ, largest difference ${numberText(maxAbs)}`);
      }
    } else out.push(`${x.name}: ${x.kind} → ${y.kind}`);
  }
  for (const y of byName.values()) out.push(`${y.name}: only in the second fit`);
  return out;
}

/** What differs between two fitted pipelines (empty lists: nothing). */
export function diffArtefacts(a: FittedPipeline, b: FittedPipeline): ArtefactDiff {
  const la = a.lineage;
  const lb = b.lineage;
  const data = diffSources(la.sources, lb.sources);
  if (la.trainingRows !== lb.trainingRows) data.push(`training rows ${la.trainingRows ?? '?'} → ${lb.trainingRows ?? '?'}`);
  const plan: string[] = [];
  if (la.planDigest !== lb.planDigest) plan.push(`training plan changed (${short(la.planDigest)} → ${short(lb.planDigest)})`);
  const inputA = a.input.fields.map((f) => `${f.name}: ${f.dtype}${f.nullable ? '?' : ''}`).join(', ');
  const inputB = b.input.fields.map((f) => `${f.name}: ${f.dtype}${f.nullable ? '?' : ''}`).join(', ');
  if (inputA !== inputB) plan.push(`input columns ${inputA} → ${inputB}`);
  if (a.outputNames.join('\u0000') !== b.outputNames.join('\u0000')) plan.push(`outputs ${a.outputNames.join(', ')} → ${b.outputNames.join(', ')}`);
  const parameters = diffConstants(a.constants, b.constants);
  if (la.fittedPlanDigest !== lb.fittedPlanDigest && plan.length === 0 && parameters.length === 0) plan.push(`served plan changed (${short(la.fittedPlanDigest)} → ${short(lb.fittedPlanDigest)})`);
  const software: string[] = [];
  if (la.tessera !== lb.tessera) software.push(`Tessera ${la.tessera} → ${lb.tessera}`);
  if (la.node !== lb.node) software.push(`Node ${la.node} → ${lb.node}`);
  const prov = (l: typeof la) => new Map(l.providers.map((p) => [p.name, p.available ? (p.version ?? 'available') : 'not loaded']));
  const pa = prov(la);
  const pb = prov(lb);
  for (const name of new Set([...pa.keys(), ...pb.keys()])) if (pa.get(name) !== pb.get(name)) software.push(`${name} ${pa.get(name) ?? 'absent'} → ${pb.get(name) ?? 'absent'}`);
  const metrics: string[] = [];
  for (const name of new Set([...Object.keys(la.metrics), ...Object.keys(lb.metrics)])) {
    const x = la.metrics[name];
    const y = lb.metrics[name];
    if (!Object.is(x, y)) metrics.push(`${name}: ${x === undefined ? '(none)' : numberText(x)} → ${y === undefined ? '(none)' : numberText(y)}`);
  }
  return { data, plan, parameters, software, metrics };
}

export function diffText(d: ArtefactDiff, a: string, b: string): string {
  const sections: [string, string[]][] = [
    ['Data', d.data],
    ['Plan', d.plan],
    ['Parameters', d.parameters],
    ['Metrics', d.metrics],
    ['Software', d.software],
  ];
  const changed = sections.filter(([, lines]) => lines.length > 0);
  if (changed.length === 0) return `${a} and ${b}: same data, plan and parameters`;
  return [`${a} → ${b}`, ...changed.flatMap(([title, lines]) => ['', `${title}:`, ...lines.map((l) => `  ${l}`)])].join('\n');
}

/** Whether anything differs (the fit's time and duration aside). */
export function diffChanged(d: ArtefactDiff): boolean {
  return d.data.length + d.plan.length + d.parameters.length + d.metrics.length + d.software.length > 0;
}

/** `tessera inspect <artefact> [--json]`: 0, or 1 when the artefact cannot be read, 2 on a bad command line. */
export function runInspect(args: readonly string[]): number {
  const files = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json');
  if (files.length !== 1 || unknown.length > 0) {
    console.error(`tessera inspect: ${unknown.length > 0 ? `unknown option '${unknown[0]}'` : 'expected one artefact'}; usage: tessera inspect <artefact.json> [--json]`);
    return 2;
  }
  return reading('inspect', () => {
    const f = FittedPipeline.load(files[0]);
    console.log(args.includes('--json') ? JSON.stringify({ lineage: f.lineage, input: f.input, outputs: f.outputNames }, null, 2) : inspectText(f, files[0]));
    return 0;
  });
}

/** `tessera diff <a> <b> [--json]`: 0 when the two fits agree, 1 when they differ or cannot be read, 2 on a bad command line. */
export function runDiff(args: readonly string[]): number {
  const files = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json');
  if (files.length !== 2 || unknown.length > 0) {
    console.error(`tessera diff: ${unknown.length > 0 ? `unknown option '${unknown[0]}'` : 'expected two artefacts'}; usage: tessera diff <a.json> <b.json> [--json]`);
    return 2;
  }
  return reading('diff', () => {
    const d = diffArtefacts(FittedPipeline.load(files[0]), FittedPipeline.load(files[1]));
    console.log(args.includes('--json') ? JSON.stringify(d, null, 2) : diffText(d, files[0], files[1]));
    return diffChanged(d) ? 1 : 0;
  });
}

function reading(command: string, body: () => number): number {
  try {
    return body();
  } catch (e) {
    if (!(e instanceof TesseraError)) throw e;
    console.error(`tessera ${command}: ${e.name}: ${e.message}`);
    return 1;
  }
}
