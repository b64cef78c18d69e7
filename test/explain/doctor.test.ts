import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/cli/doctor.js';
import { providerStatuses } from '../../src/providers/registry.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function tessera(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tessera doctor', () => {
  it('reports every provider, and checks each that loads against the JS kernels', () => {
    const r = tessera('doctor', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.cores).toBeGreaterThan(0);
    expect(report.providers.map((p) => p.name)).toEqual(['js', 'onnxruntime', 'tfjs']);
    const expected = new Map(providerStatuses().map((s) => [s.name, s.available]));
    for (const p of report.providers) {
      expect(p.available, p.name).toBe(expected.get(p.name));
      expect(p.detail.length, p.name).toBeGreaterThan(0);
      expect(p.check, p.name).toMatch(p.available ? /^ok \(64×64 product matched the JS kernels/ : /^not run$/);
    }
  });

  it('prints a line per provider for people, and what a GPU request would do', () => {
    const r = tessera('doctor');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Node v\d+/);
    expect(r.stdout).toMatch(/^✓ js$/m);
    expect(r.stdout).toMatch(/collect\(\{ device: "gpu" \}\)/);
  });
});
