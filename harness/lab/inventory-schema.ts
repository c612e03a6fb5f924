/**
 * The bench inventory format (`benches.yml`): which robots a lab has, how
 * to reach each one (a serial port path or the USB serial number of its
 * adapter), and what is mounted on it. Keys are strict: a misspelt key is
 * an error, since a silently ignored `capabilites:` would make specs skip.
 *
 *   benches:
 *     - name: bench-a
 *       port: /dev/serial/by-id/usb-1a86_USB2.0-Serial-if00-port0
 *       capabilities: [pen, ultrasonic, line-follower]
 *     - name: bench-b
 *       serial_number: "A6008isP"
 *       capabilities: [ultrasonic]
 *       description: no pen arm yet
 */
import { z } from 'zod';
import { CAPABILITIES, type Capability } from '../mbot/capabilities.ts';

/**
 * Capabilities a bench can list: the one vocabulary (`harness/mbot/capabilities.ts`):
 * the robot's parts, what its jig does, what is around it. The simulator
 * (and the PTY stand-in) models all of them. A team's own capability is
 * written with an `x-` prefix (`x-gripper`) so a typo of a known one is
 * still caught.
 */
export const BENCH_CAPABILITIES = CAPABILITIES;

/** A known capability name. */
export type KnownBenchCapability = Capability;

/** A capability name: a known one or `x-<custom>`. */
export type BenchCapability = KnownBenchCapability | `x-${string}`;

/** Bench names: letters, digits, `.`, `_`, `-`, starting with a letter or digit (they go into env vars and reports). */
export const BENCH_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** True for a known capability or an `x-` custom one. */
export function isBenchCapability(name: string): name is BenchCapability {
  return (BENCH_CAPABILITIES as readonly string[]).includes(name) || /^x-[a-z0-9][a-z0-9-]*$/.test(name);
}

const capability = z.string({ error: 'a capability must be text such as `pen`' }).refine(isBenchCapability, {
  error: (iss) => `unknown capability \`${String(iss.input)}\`; use one of ${BENCH_CAPABILITIES.join(', ')}, or \`x-<name>\` for your own`,
});

/** One bench. */
export const benchSchema = z.strictObject({
  name: z.string({ error: 'each bench needs a `name:` such as `bench-a`' }).regex(BENCH_NAME, {
    error: (iss) => `bench name \`${String(iss.input)}\` may hold only letters, digits, \`.\`, \`_\` and \`-\` (it becomes HIL_BENCH and a report label)`,
  }),
  port: z.string({ error: '`port` must be a device path such as /dev/ttyUSB0' }).min(1).optional(),
  serial_number: z.string({ error: '`serial_number` must be text; quote it if YAML reads it as a number' }).min(1).optional(),
  capabilities: z.array(capability, { error: '`capabilities` must be a list such as [pen, ultrasonic]' }).default([]),
  description: z.string().optional(),
}, {
  error: (iss) => (iss.code === 'unrecognized_keys'
    ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `\`${k}\``).join(', ')}; a bench has name, port, serial_number, capabilities and description`
    : 'each bench must be a mapping with `name:`, `port:` or `serial_number:`, and `capabilities:`'),
})
  .refine((b) => b.port !== undefined || b.serial_number !== undefined, {
    error: 'this bench has neither `port:` nor `serial_number:`; give the device path or the USB serial number of its adapter (see `npx mbot-hil ports`)',
  });
export type BenchEntry = z.infer<typeof benchSchema>;

/** The whole file. */
export const inventorySchema = z.strictObject({
  benches: z.array(benchSchema, { error: '`benches:` must be a list of benches' }).min(1, { error: '`benches:` is empty; list at least one bench' }),
}, {
  error: (iss) => (iss.code === 'unrecognized_keys'
    ? `unknown top-level key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `\`${k}\``).join(', ')}; the file holds only \`benches:\``
    : 'a bench inventory is a mapping with a `benches:` list'),
});
export type InventoryData = z.infer<typeof inventorySchema>;
