import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRecord } from './harness.js';
import type { PythonInfo } from './peers/python.js';

/**
 * The published results: bench/results/README.md, generated from the suites' JSON
 * records and machine.json, with one SVG per suite (bars of each system's median time
 * over tessera's, log scale) written here, as plain SVG text.
 */

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gib: number;
  node: string;
  packages: Record<string, string>;
  python: PythonInfo | string;
  /** When each suite last ran here, and whether at --quick sizes. */
  suites: Record<string, { ran_at: string; quick: boolean }>;
}

function packageVersion(name: string): string {
  const file = name === 'tessera' ? join(repoRoot, 'package.json') : join(repoRoot, 'node_modules', name, 'package.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Records the machine and the suites just run into dir/machine.json (earlier suites' entries kept). */
export function writeMachine(dir: string, ran: readonly string[], quick: boolean, python: PythonInfo | string): MachineInfo {
  const file = join(dir, 'machine.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MachineInfo) : null;
  const now = new Date().toISOString();
  const info: MachineInfo = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    packages: Object.fromEntries(['tessera', '@duckdb/node-api', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'apache-arrow'].map((p) => [p, packageVersion(p)])),
    python,
    suites: { ...(previous?.suites ?? {}), ...Object.fromEntries(ran.map((s) => [s, { ran_at: now, quick }])) },
  };
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

const fmt = (x: number | undefined, digits = 3) => (x === undefined || !Number.isFinite(x) ? '–' : Number(x.toPrecision(digits)).toString());
const caseKey = (r: BenchRecord) => `${r.workload} ${JSON.stringify(r.case)}`;
const caseLabel = (r: BenchRecord) => `${r.workload} (${Object.entries(r.case).map(([k, v]) => `${k} ${v}`).join(', ')})`;

function groupByCase(records: readonly BenchRecord[]): BenchRecord[][] {
  const groups = new Map<string, BenchRecord[]>();
  for (const r of records) groups.set(caseKey(r), [...(groups.get(caseKey(r)) ?? []), r]);
  return [...groups.values()];
}

/** Median over tessera's median, for the case's records. */
function ratioOf(rs: readonly BenchRecord[], r: BenchRecord): number {
  const ref = rs.find((x) => x.system === 'tessera') ?? rs[0];
  // JSON keeps an untimed system's NaN as null.
  return typeof r.median_s === 'number' && typeof ref.median_s === 'number' ? r.median_s / ref.median_s : NaN;
}

function caseTable(rs: readonly BenchRecord[]): string {
  const baseline = rs.find((r) => r.baseline !== undefined)?.baseline;
  const lines = [
    `| system | median s | min s | × tessera (median) |${baseline ? ` throughput ÷ ${baseline} |` : ''} load s | phases (median s) | peak RSS MiB | run +MiB | check |`,
    `|---|---:|---:|---:|${baseline ? '---:|' : ''}---:|---|---:|---:|---|`,
  ];
  for (const r of rs) {
    const phases = r.phases_median_s ? Object.entries(r.phases_median_s).map(([k, v]) => `${k.replace(/_s$/, '')} ${fmt(v)}`).join(', ') : '';
    const peak = r.peak_rss_mb !== undefined ? Math.round(r.peak_rss_mb).toString() : '–';
    const growth = r.run_peak_growth_mb !== undefined ? Math.round(r.run_peak_growth_mb).toString() : '–';
    const vsBaseline = baseline ? ` ${fmt(r.throughput_vs_baseline ?? NaN)} |` : '';
    lines.push(`| ${r.system} | ${fmt(r.median_s)} | ${fmt(r.min_s)} | ${fmt(ratioOf(rs, r))} |${vsBaseline} ${fmt(r.load_s)} | ${phases} | ${peak} | ${growth} | ${r.check.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

/**
 * For a suite with a baseline (Suite.baseline in bench/harness.ts): one row per case, each
 * system's throughput over the baseline's, against its target where it has one.
 */
function baselineTable(records: readonly BenchRecord[]): string | null {
  const baseline = records.find((r) => r.baseline !== undefined)?.baseline;
  if (!baseline) return null;
  const systems = [...new Set(records.map((r) => r.system))].filter((s) => s !== baseline);
  const cell = (r: BenchRecord | undefined) => {
    // JSON keeps an untimed system's NaN as null.
    const ratio = typeof r?.throughput_vs_baseline === 'number' ? r.throughput_vs_baseline : NaN;
    if (r?.target_vs_baseline === undefined) return fmt(ratio);
    return `${fmt(ratio)} (target ≥ ${r.target_vs_baseline}: ${ratio >= r.target_vs_baseline ? 'met' : 'missed'})`;
  };
  const lines = [`Throughput ÷ ${baseline}'s (${baseline}'s median time ÷ the system's; > 1: faster than ${baseline}):`, '', `| case | ${systems.join(' | ')} |`, `|---|${systems.map(() => '---:').join('|')}|`];
  for (const rs of groupByCase(records)) lines.push(`| ${caseLabel(rs[0])} | ${systems.map((s) => cell(rs.find((r) => r.system === s))).join(' | ')} |`);
  return lines.join('\n');
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1'];

/** Horizontal bars, one per (case, system other than tessera): its median ÷ tessera's, on a log axis. */
export function ratioSvg(suite: string, records: readonly BenchRecord[]): string {
  const cases = groupByCase(records);
  const systems = [...new Set(records.map((r) => r.system))].filter((s) => s !== 'tessera');
  const bars = cases.flatMap((rs) => systems.map((s) => ({ label: caseLabel(rs[0]), system: s, ratio: (() => { const r = rs.find((x) => x.system === s); return r ? ratioOf(rs, r) : NaN; })() })));
  const finite = bars.map((b) => b.ratio).filter((x) => Number.isFinite(x) && x > 0);
  const lo = Math.min(0.5, ...finite);
  const hi = Math.max(2, ...finite);
  const [left, width, barH, gap, top] = [360, 520, 14, 10, 40];
  const logLo = Math.floor(Math.log10(lo));
  const logHi = Math.ceil(Math.log10(hi));
  const x = (v: number) => left + ((Math.log10(v) - logLo) / (logHi - logLo)) * width;
  const out: string[] = [];
  let y = top;
  for (const rs of cases) {
    out.push(`<text x="4" y="${y + 10}" font-size="11" font-weight="bold">${escapeXml(caseLabel(rs[0]).slice(0, 60))}</text>`);
    y += 16;
    systems.forEach((s, k) => {
      const b = bars.find((bar) => bar.label === caseLabel(rs[0]) && bar.system === s)!;
      out.push(`<text x="${left - 6}" y="${y + 11}" font-size="11" text-anchor="end">${escapeXml(s)}</text>`);
      if (Number.isFinite(b.ratio) && b.ratio > 0) {
        const x0 = x(1);
        const x1 = x(b.ratio);
        out.push(`<rect x="${Math.min(x0, x1)}" y="${y}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${barH}" fill="${COLORS[k % COLORS.length]}"/>`);
        out.push(`<text x="${Math.max(x0, x1) + 4}" y="${y + 11}" font-size="11">${fmt(b.ratio)}×</text>`);
      } else {
        out.push(`<text x="${x(1) + 4}" y="${y + 11}" font-size="11" fill="#999">not timed (see check)</text>`);
      }
      y += barH + 3;
    });
    y += gap;
  }
  const ticks: string[] = [];
  for (let e = logLo; e <= logHi; e++) {
    const v = 10 ** e;
    ticks.push(`<line x1="${x(v)}" y1="${top - 6}" x2="${x(v)}" y2="${y}" stroke="${v === 1 ? '#333' : '#ddd'}"/>`, `<text x="${x(v)}" y="${top - 10}" font-size="10" text-anchor="middle">${v}×</text>`);
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 80}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="4" y="14" font-size="13" font-weight="bold">${escapeXml(suite)}: median time ÷ tessera's (log scale; right of 1×: tessera is faster)</text>`,
    ...ticks,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Regenerates dir/README.md and dir/<suite>.svg from dir/<suite>.json and dir/machine.json. */
export function writeReport(dir: string): string {
  const machine = existsSync(join(dir, 'machine.json')) ? (JSON.parse(readFileSync(join(dir, 'machine.json'), 'utf8')) as MachineInfo) : null;
  const suites = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'machine.json')
    .map((f) => f.slice(0, -5))
    .sort();
  const md: string[] = ['# Benchmark results', '', 'Generated by `npm run bench` (bench/report.ts) from the JSON records next to this file; do not edit by hand.', 'Workloads and peers: docs/workloads.md. Each suite\'s systems ran interleaved in one run (a warm-up round, then at least 5 rounds); median and minimum are of the timed rounds; `load s` is the one-time loading of a system\'s own copy of the data, apart from the run; peak memory was measured for each system in a process of its own (bench/memory.ts). A system whose result failed its check against tessera\'s is listed, not timed.', ''];
  if (machine) {
    const py = typeof machine.python === 'string' ? machine.python : `Python ${machine.python.python}, numpy ${machine.python.numpy}, pandas ${machine.python.pandas}; BLAS: ${Object.entries(machine.python.blas).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`;
    md.push('## Machine', '', `- CPU: ${machine.cpu}, ${machine.cores} cores; memory ${machine.memory_gib} GiB`, `- Node ${machine.node}; ${Object.entries(machine.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`, `- pandas+numpy: ${py}`, `- Runs: ${Object.entries(machine.suites).map(([s, r]) => `${s} ${r.ran_at}${r.quick ? ' (--quick)' : ''}`).join('; ')}`, '');
  }
  for (const suite of suites) {
    const records = JSON.parse(readFileSync(join(dir, `${suite}.json`), 'utf8')) as BenchRecord[];
    if (records.length === 0) continue;
    writeFileSync(join(dir, `${suite}.svg`), ratioSvg(suite, records));
    md.push(`## ${suite}`, '', `![${suite}: time over tessera's](${suite}.svg)`, '');
    const vsBaseline = baselineTable(records);
    if (vsBaseline) md.push(vsBaseline, '');
    for (const rs of groupByCase(records)) md.push(`### ${caseLabel(rs[0])}`, '', caseTable(rs), '');
  }
  const file = join(dir, 'README.md');
  writeFileSync(file, md.join('\n'));
  return file;
}
