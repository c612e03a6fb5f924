import type { CheckEvaluation, InvariantEvaluation } from './model.ts';

/** Formats a number for people: up to 3 decimals, no trailing zeros. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return 'n/a';
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(3)));
}

function formatSamples(samples: number): string {
  return samples > 0 ? `${samples} samples` : 'samples: n/a (value given by hand)';
}

/** Describes where a measurement came from: target, port, firmware, clock, seed. */
export function formatContext(e: Pick<InvariantEvaluation, 'target' | 'clock' | 'seed'>): string {
  const t = e.target;
  const parts = [`target: ${t.kind}`];
  if (t.bench) parts.push(`bench ${t.bench}`);
  if (t.port) parts.push(`port ${t.port}`);
  if (t.firmware) parts.push(`firmware ${t.firmware.name} ${t.firmware.version}`);
  return `${parts.join(', ')} · clock: ${e.clock.kind} · seed: ${e.seed ?? 'n/a'}`;
}

const MARK: Record<CheckEvaluation['verdict'], string> = { pass: '✓', fail: '✗', 'not-evaluated': '?' };

/** One check, its comparisons with threshold and measured value, and the evidence behind them. */
export function formatCheck(c: CheckEvaluation): string[] {
  const lines = [`  ${MARK[c.verdict]} [${c.type}] ${c.check}  → ${c.verdict.toUpperCase()}`];
  for (const cmp of c.comparisons) {
    if (cmp.metric !== undefined && cmp.threshold !== undefined) {
      const m = c.measured[cmp.metric];
      const measured = m ? `${formatNumber(m.value)} ${m.unit}` : 'MISSING';
      const samples = m ? `, ${formatSamples(m.samples)}` : '';
      const ok = cmp.passed === null ? '' : cmp.passed ? ' ok' : ' VIOLATED';
      lines.push(`      ${cmp.metric} = ${measured} (threshold ${cmp.metricOp ?? cmp.op} ${formatNumber(cmp.threshold)}${samples})${ok}`);
    } else {
      const ok = cmp.passed === null ? '' : cmp.passed ? ' ok' : ' VIOLATED';
      lines.push(`      ${cmp.left} ${cmp.op} ${cmp.right}: ${formatNumber(cmp.leftValue)} ${cmp.op} ${formatNumber(cmp.rightValue)}${ok}`);
    }
  }
  // Metrics read inside arithmetic appear in no lone comparison; show them too.
  for (const [name, m] of Object.entries(c.measured)) {
    if (c.comparisons.some((cmp) => cmp.metric === name)) continue;
    lines.push(`      ${name} = ${m ? `${formatNumber(m.value)} ${m.unit} (${formatSamples(m.samples)})` : 'MISSING'}`);
  }
  return lines;
}

/**
 * The message every `toMeet...` matcher prints: invariant id and name, each
 * check with threshold and measured value, sample counts, target and clock,
 * and the contract's remediation. `negated` phrases it for `.not`.
 */
export function formatEvaluation(e: InvariantEvaluation): string {
  const expectation = e.negated ? 'to be violated' : 'to be met';
  const lines = [
    `expected ${e.invariant.id} "${e.invariant.name}" (contract ${e.contract.name}) ${expectation}; verdict: ${e.verdict.toUpperCase()}${e.label ? ` [${e.label}]` : ''}`,
  ];
  if (e.verdict === 'not-evaluated') {
    lines.push(`  not evaluated: ${e.reason ?? 'unknown reason'}. Record these metrics in the snapshot${e.allowMissing ? '' : ', or pass { allowMissing: true } to accept "not evaluated"'}`);
  }
  for (const c of e.checks) lines.push(...formatCheck(c));
  lines.push(`  ${formatContext(e)} · ${e.sampleCount} samples in all`);
  const remediations = [...new Set(e.checks.filter((c) => c.verdict !== 'pass' && c.remediation).map((c) => c.remediation as string))];
  const modes = [...new Set(e.checks.filter((c) => c.verdict !== 'pass' && c.failureMode).map((c) => c.failureMode as string))];
  if (modes.length > 0) lines.push(`  failure mode: ${modes.join('; ')}`);
  if (remediations.length > 0) lines.push(`  remediation: ${remediations.join(' | ')}`);
  return lines.join('\n');
}
