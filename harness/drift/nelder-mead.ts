/**
 * Nelder–Mead downhill simplex minimisation (standard coefficients: reflect 1,
 * expand 2, contract 0.5, shrink 0.5). Derivative-free, so it suits a cost
 * computed by running the drive model; a few dimensions only.
 */

/** Options of {@link nelderMead}. */
export interface NelderMeadOptions {
  /** Initial step per dimension (the simplex's size). */
  steps: readonly number[];
  /** Stop when the cost spread across the simplex is below this. Default 1e-9. */
  costTolerance?: number;
  /** Stop when every vertex is this close to the best in every dimension (in units of `steps`). Default 1e-6. */
  pointTolerance?: number;
  /** Most cost evaluations. Default 2000. */
  maxEvaluations?: number;
}

/** The best point found and how it was found. */
export interface NelderMeadResult {
  x: number[];
  cost: number;
  evaluations: number;
  converged: boolean;
}

/** Minimises `cost` from `start`. `cost` may return Infinity for points outside the feasible region. */
export function nelderMead(cost: (x: readonly number[]) => number, start: readonly number[], opts: NelderMeadOptions): NelderMeadResult {
  const n = start.length;
  const costTol = opts.costTolerance ?? 1e-9;
  const pointTol = opts.pointTolerance ?? 1e-6;
  const maxEval = opts.maxEvaluations ?? 2000;
  let evaluations = 0;
  const f = (x: number[]): number => {
    evaluations++;
    const v = cost(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  let simplex: { x: number[]; c: number }[] = [{ x: [...start], c: f([...start]) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i] = (x[i] as number) + (opts.steps[i] ?? 1);
    simplex.push({ x, c: f(x) });
  }
  const combine = (a: number[], b: number[], t: number): number[] => a.map((ai, i) => ai + t * ((b[i] as number) - ai));
  let converged = false;
  while (evaluations < maxEval) {
    simplex.sort((p, q) => p.c - q.c);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    const spread = Math.abs(worst.c - best.c);
    const tight = simplex.every((v) => v.x.every((xi, i) => Math.abs(xi - (best.x[i] as number)) <= pointTol * Math.abs(opts.steps[i] ?? 1)));
    if ((Number.isFinite(worst.c) && spread <= costTol) || tight) {
      converged = true;
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] = (centroid[i] as number) + (simplex[k]!.x[i] as number) / n;
    const reflected = combine(centroid, worst.x, -1);
    const cr = f(reflected);
    if (cr < best.c) {
      const expanded = combine(centroid, worst.x, -2);
      const ce = f(expanded);
      simplex[n] = ce < cr ? { x: expanded, c: ce } : { x: reflected, c: cr };
      continue;
    }
    if (cr < simplex[n - 1]!.c) {
      simplex[n] = { x: reflected, c: cr };
      continue;
    }
    const outside = cr < worst.c;
    const contracted = outside ? combine(centroid, reflected, 0.5) : combine(centroid, worst.x, 0.5);
    const cc = f(contracted);
    if (cc < (outside ? cr : worst.c)) {
      simplex[n] = { x: contracted, c: cc };
      continue;
    }
    simplex = simplex.map((v, k) => (k === 0 ? v : { x: combine(best.x, v.x, 0.5), c: NaN })).map((v) => (Number.isNaN(v.c) ? { x: v.x, c: f(v.x) } : v));
  }
  simplex.sort((p, q) => p.c - q.c);
  return { x: simplex[0]!.x, cost: simplex[0]!.c, evaluations, converged };
}
