/**
 * Several runs of one in-process nested Vitest over a scratch project, each
 * run with its own reporter and its own spec files: the reporter's gate
 * decisions (exit code, reasons, printed lines) without a `vitest run`
 * process per case. One Vitest instance (worker threads, one Vite module
 * graph) serves every run, so the harness modules the specs import are
 * transformed once; a fresh instance per case cost about twice the CPU.
 *
 * Each run starts, as a fresh `vitest run` process does, with
 * `process.exitCode` unset, and reports what Vitest and the reporter left in
 * it; the outer exit code, environment and stdout are restored after. The
 * exit code a CI reads from a real process is covered by `spawnVitest`.
 */
import { join } from 'node:path';
import { createVitest, type Reporter, type TestModule, type Vitest } from 'vitest/node';

/** What one nested run left. */
export interface NestedRun {
  /** `process.exitCode` at the end of the run (0 when unset): the code `vitest run` would exit with. */
  exitCode: number;
  /** Everything written to stdout during the run (the reporter's gate lines). */
  stdout: string;
  /** The run's test modules. */
  modules: readonly TestModule[];
  /** The error messages of the run's tests. */
  testErrors: string[];
}

/** Options of {@link NestedRuns.run}. */
export interface NestedRunOptions {
  /** Pass the files as CLI filters (`vitest run a.spec.ts`), making the run a filtered one; default false. */
  filtered?: boolean;
  /** Variables set in this process for the run (the reporter reads `HIL_*` here); restored after. */
  env?: Record<string, string>;
}

/** One in-process Vitest over `dir`'s `*.spec.ts`, reused run after run (see the file comment). */
export class NestedRuns {
  private current: Reporter | null = null;
  private vitest: Vitest | undefined;

  private constructor(readonly dir: string) {}

  /** Creates the instance over the scratch project `dir` (its `contracts/` given to the workers as `HIL_CONTRACTS_DIR`). */
  static async open(dir: string): Promise<NestedRuns> {
    const self = new NestedRuns(dir);
    // Vitest calls each hook as `reporter[name]?.(...)` at the time of the event: this relay hands it to the current run's reporter.
    const relay = new Proxy({}, {
      get: (_target, name) => {
        const r = self.current as Record<PropertyKey, unknown> | null;
        const hook = r?.[name];
        return typeof hook === 'function' ? hook.bind(r) : undefined;
      },
    }) as Reporter;
    self.vitest = await createVitest('test', {
      root: dir, config: false, watch: false, include: ['*.spec.ts'], pool: 'threads', isolate: false, reporters: [relay],
      env: { HIL_CONTRACTS_DIR: join(dir, 'contracts') },
    });
    return self;
  }

  /**
   * Runs `files` (names in the project) with `reporter` as the run's only
   * reporter. An unfiltered run is what `vitest run` does with every file
   * of an include pattern matching exactly these.
   */
  async run(reporter: Reporter, files: readonly string[], options: NestedRunOptions = {}): Promise<NestedRun> {
    const vitest = this.vitest;
    if (!vitest) throw new Error('NestedRuns: closed');
    return this.within(reporter, options.env, async () => {
      if (options.filtered) {
        // start() sets the run's file filters (and calls onInit), as the CLI does with `vitest run <files>`.
        const result = await vitest.start([...files]);
        // Vitest keeps the filters for later runs; the next run must be unfiltered again (the reporter reads this field).
        (vitest as unknown as { filenamePattern?: string[] }).filenamePattern = undefined;
        return this.ofFiles(result.testModules, files);
      }
      await reporter.onInit?.(vitest);
      const specs = (await vitest.globTestSpecifications()).filter((s) => files.some((f) => s.moduleId === join(this.dir, f)));
      if (specs.length !== files.length) throw new Error(`NestedRuns: not every file of ${files.join(', ')} is in ${this.dir}`);
      return this.ofFiles((await vitest.runTestSpecifications(specs)).testModules, files);
    });
  }

  /**
   * Hands the modules of a finished unfiltered run to another reporter, in
   * the order Vitest calls its hooks (onInit, onTestRunStart,
   * onTestModuleEnd for each module, onTestRunEnd), with `process.exitCode`
   * as Vitest sets it before onTestRunEnd (1 when a module failed, else
   * unset): the same run judged under other reporter options without
   * running its specs again.
   */
  async replay(reporter: Reporter, run: NestedRun, options: Pick<NestedRunOptions, 'env'> = {}): Promise<NestedRun> {
    const vitest = this.vitest;
    if (!vitest) throw new Error('NestedRuns: closed');
    return this.within(reporter, options.env, async () => {
      await reporter.onInit?.(vitest);
      await reporter.onTestRunStart?.([]);
      for (const m of run.modules) await reporter.onTestModuleEnd?.(m);
      const failed = run.modules.some((m) => !m.ok());
      if (failed) process.exitCode = 1;
      await reporter.onTestRunEnd?.(run.modules, [], failed ? 'failed' : 'passed');
      return run.modules;
    });
  }

  /** The modules of `files` among `modules` (Vitest returns every module it has run so far, not only this run's). */
  private ofFiles(modules: readonly TestModule[], files: readonly string[]): TestModule[] {
    const ids = new Set(files.map((f) => join(this.dir, f)));
    return modules.filter((m) => ids.has(m.moduleId));
  }

  /** Runs `body` as one run of `reporter`: a fresh exit code, `env` set, stdout captured; all restored after. */
  private async within(reporter: Reporter, extraEnv: Record<string, string> | undefined, body: () => Promise<readonly TestModule[]>): Promise<NestedRun> {
    const exitCode = process.exitCode;
    // HIL_COMMIT spares the reporter a `git rev-parse` per report write (the scratch project is no repository).
    const env = { HIL_CONTRACTS_DIR: join(this.dir, 'contracts'), HIL_COMMIT: 'scratch', ...extraEnv };
    const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const write = process.stdout.write;
    let stdout = '';
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      const done = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
    Object.assign(process.env, env);
    process.exitCode = undefined;
    this.current = reporter;
    try {
      const modules = await body();
      const testErrors = modules.flatMap((m) => [...m.children.allTests()].flatMap((t) => (t.result().errors ?? []).map((e) => String(e.message ?? e))));
      return { exitCode: Number(process.exitCode ?? 0), stdout, modules, testErrors };
    } finally {
      this.current = null;
      process.exitCode = exitCode;
      process.stdout.write = write;
      for (const [k, v] of Object.entries(savedEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  /** Closes the instance (its workers and Vite server). */
  async close(): Promise<void> {
    const exitCode = process.exitCode;
    await this.vitest?.close();
    this.vitest = undefined;
    process.exitCode = exitCode;
  }
}
