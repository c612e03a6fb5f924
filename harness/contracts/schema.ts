import { z } from 'zod';

/**
 * Shape of an invariant id: an upper-case prefix and one or more
 * dash-separated upper-case/digit groups, e.g. `I-PERF-001`.
 */
export const INVARIANT_ID = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/;

const CHECK_EXAMPLE = '`websocket.latency_p99_ms <= 50`';

// zod reports a missing key as `invalid_type` with an undefined input; each
// field gets one message for "missing" and one for "wrong type" so the
// loader can show how to fix either.
function text(missing: string, wrongType: string) {
  return z.string({ error: (iss) => (iss.input === undefined || iss.input === null ? missing : wrongType) });
}

// An optional field written with no value (`description:`) reads as null:
// treated as absent rather than rejected.
function optionalText(key: string) {
  return z.string({ error: `\`${key}\` must be text; quote it if YAML reads it as a number, date or boolean` }).nullish();
}

/** One entry of `validation:`. Unknown keys are kept (they end up in `Validation.extra`). */
export const validationSchema = z.looseObject(
  {
    type: text(
      'this validation entry has no `type`; add one such as `type: metric` or `type: benchmark`',
      '`type` must be text such as `metric` or `benchmark`',
    ),
    check: text(
      `this validation entry has no \`check\`; add a \`check:\` expression such as ${CHECK_EXAMPLE}`,
      `\`check\` must be an expression string such as ${CHECK_EXAMPLE}; quote it if YAML reads it as another type`,
    ),
    failure_mode: optionalText('failure_mode'),
    remediation: optionalText('remediation'),
  },
  { error: `each validation entry must be a mapping with \`type:\` and \`check:\`, e.g. \`- type: metric\` / \`  check: ${CHECK_EXAMPLE.slice(1, -1)}\`` },
);

/**
 * One invariant. `severity` and `enforcement` are free text (the harness
 * reports them but does not act on them, so an enum would only reject
 * contracts written for other tools). Unknown keys are kept in `extra`.
 */
export const invariantSchema = z.looseObject(
  {
    id: z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? 'this invariant has no `id`; add one shaped like `id: I-PERF-001`'
            : '`id` must be text shaped like `I-PERF-001`',
      })
      .regex(INVARIANT_ID, {
        error: (iss) =>
          `invariant id \`${String(iss.input)}\` has the wrong shape; write upper-case letters/digits in dash-separated groups starting with a letter, like \`I-PERF-001\` (pattern ${INVARIANT_ID.source})`,
      }),
    name: text('this invariant has no `name`; add a short title such as `name: WebSocket Latency Target`', '`name` must be text'),
    description: optionalText('description'),
    severity: optionalText('severity'),
    enforcement: optionalText('enforcement'),
    validation: z
      .array(validationSchema, {
        error: (iss) =>
          iss.input === undefined || iss.input === null
            ? `this invariant has no \`validation\`; add a list with at least one entry: \`- type: metric\` with \`check: ${CHECK_EXAMPLE.slice(1, -1)}\``
            : '`validation` must be a list of entries (`- type: ...` / `check: ...`)',
      })
      .min(1, { error: `\`validation\` is empty; add at least one entry with a \`check:\` expression such as ${CHECK_EXAMPLE}` }),
  },
  { error: 'each invariant must be a mapping with `id:`, `name:` and `validation:`' },
);

/** The `contract:` header. Unknown keys are kept. */
export const headerSchema = z.looseObject(
  {
    name: text(
      'the `contract:` header has no `name`; add one such as `name: Performance Optimization`',
      'the contract `name` must be text',
    ).min(1, { error: 'the contract `name` is empty; write a human-readable name such as `Performance Optimization`' }),
    // YAML reads `version: 1.0` as a number; accept it and keep its text.
    version: z.union([z.string(), z.number()], { error: '`version` must be text such as `1.0.0`' }).nullish(),
    status: optionalText('status'),
    owner: optionalText('owner'),
  },
  {
    error: (iss) =>
      iss.input === undefined || iss.input === null
        ? 'this file has no `contract:` header; add `contract:` with at least `name: <contract name>` at the top level'
        : '`contract:` must be a mapping with at least `name:`',
  },
);

/**
 * A whole contract file: `contract` and a non-empty `invariants` list are
 * required; every other top-level key (optimization_targets, examples, ...)
 * is accepted as is and kept in `LoadedContract.sections`.
 */
export const contractFileSchema = z.looseObject({
  contract: headerSchema,
  invariants: z
    .array(invariantSchema, {
      error: (iss) =>
        iss.input === undefined || iss.input === null
          ? 'this file has no `invariants:`; add a list of invariants, each with `id`, `name` and `validation`'
          : '`invariants` must be a list (`- id: I-PERF-001` ...)',
    })
    .min(1, { error: '`invariants` is empty; add at least one invariant with `id`, `name` and `validation`' }),
});

/** The parsed (validated) shape of a contract file. */
export type ContractFileData = z.infer<typeof contractFileSchema>;
